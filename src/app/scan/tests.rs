//! Unit tests of `app/scan.rs`.

use clap::Parser;

use super::*;
use crate::cli::Cli;
use crate::fixtures::{describe, new_app, table_info};
use crate::msg::Response;
use crate::table::TableInfo;

/// The ACTIVE table billed as `billing`, of `size_bytes` as described.
fn table(billing: BillingMode, size_bytes: Option<i64>) -> TableInfo {
    TableInfo { size_bytes, ..table_info(TableStatus::Active, billing) }
}

/// The scan an app started with these command-line flags sends for `info`.
fn first_scan(flags: &[&str], info: TableInfo, t0: Instant) -> (App, ScanSpec) {
    let cli = Cli::try_parse_from([&["wallet-tui"], flags].concat()).expect("flags parse");
    let mut app = new_app("test", true, t0);
    app.config.scan_spec = cli.scan_spec();
    app.config.scan_budget = cli.scan_budget();
    let sent = describe(&mut app, t0, Ok(Some(info)));
    let specs: Vec<ScanSpec> = sent
        .iter()
        .filter_map(|r| match r {
            Request::Scan { spec, .. } => Some(*spec),
            _ => None,
        })
        .collect();
    let [spec] = specs[..] else { panic!("one scan expected: {sent:?}") };
    (app, spec)
}

#[test]
fn the_scan_budget_follows_the_billing_mode_and_the_flags() {
    let t0 = Instant::now();
    let provisioned = || table(BillingMode::Provisioned { read: 10, write: 5 }, None);
    let on_demand = || table(BillingMode::OnDemand, None);
    let rate = |flags: &[&str], info| first_scan(flags, info, t0).1.max_rcu_per_sec;
    // Half of the provisioned 10 RCU by default.
    assert_eq!(rate(&[], provisioned()), Some(5.0));
    assert_eq!(rate(&["--max-read-percent", "20"], provisioned()), Some(2.0));
    // On demand there is nothing to take a percentage of: unpaced without a budget.
    assert_eq!(rate(&[], on_demand()), None);
    assert_eq!(rate(&["--max-read-rcu", "7"], on_demand()), Some(7.0));
    // An explicit budget overrides the percentage on provisioned tables too.
    assert_eq!(rate(&["--max-read-rcu", "7"], provisioned()), Some(7.0));
    // The rest of the spec is the command line's.
    let (app, spec) = first_scan(&["--scan-segments", "3"], provisioned(), t0);
    assert_eq!(spec, ScanSpec { max_rcu_per_sec: Some(5.0), ..app.config.scan_spec });
    assert_eq!(spec.segments, 3);
    // An app not given the settings paces nothing.
    let mut app = new_app("test", true, t0);
    let sent = describe(&mut app, t0, Ok(Some(provisioned())));
    assert!(matches!(sent[..], [Request::Scan { spec, .. }] if spec == app.config.scan_spec));
}

#[test]
fn a_paced_scan_has_an_eta_from_the_table_size() {
    let t0 = Instant::now();
    // 10 MiB: 1,284.5 eventually consistent RCU for a full scan, at 5 RCU/s.
    let info = table(BillingMode::Provisioned { read: 10, write: 5 }, Some(10 << 20));
    let (mut app, _) = first_scan(&[], info, t0);
    let scan = app.session.scan.clone().expect("a scan");
    assert_eq!(scan.max_rcu_per_sec, Some(5.0));
    assert_eq!(scan.predicted_rcu, Some(1284.5));
    assert_eq!(scan.eta(), Some(Duration::from_secs_f64(1284.5 / 5.0)));
    // A page of 34.5 RCU leaves 1,250 RCU: 250 s.
    let page = ScanPage {
        id: scan.id,
        segment: 0,
        wallets: vec![],
        scanned: 300,
        skipped: 0,
        consumed_rcu: Some(34.5),
        next: Some(vec![]),
        figures: None,
    };
    app.step(t0 + Duration::from_secs(8), crate::fixtures::answer(Response::ScanPage(page)));
    let scan = app.session.scan.clone().expect("a scan");
    assert_eq!(scan.eta(), Some(Duration::from_secs(250)));
    // More consumed than predicted (the size is refreshed only every six hours).
    let mut over = scan.clone();
    over.rcu = 3000.0;
    assert_eq!(over.eta(), Some(Duration::ZERO));
    // Unpaced, or size unknown: no ETA.
    assert_eq!(ScanState { max_rcu_per_sec: None, ..scan.clone() }.eta(), None);
    assert_eq!(ScanState { predicted_rcu: None, ..scan }.eta(), None);
}
