//! The import command's words: the diff summary, a change, the progress and report lines.

use std::time::Duration;

use super::*;
use crate::import::Row;

fn attrs(pairs: &[(&str, AttrValue)]) -> Attrs {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

fn n(text: &str) -> AttrValue {
    AttrValue::N(text.into())
}

fn row(id: &str, item: Attrs) -> Row {
    Row { line: 1, user_id: id.into(), item, text: String::new() }
}

#[test]
fn a_change_says_old_and_new_balance_and_other_attributes() {
    let old = attrs(&[("balance", n("5")), ("currency", AttrValue::S("EUR".into()))]);
    let new = attrs(&[("balance", n("12.5")), ("currency", AttrValue::S("USD".into()))]);
    assert_eq!(change(&old, &new), "balance 5 → 12.5, 1 other attribute changed");
    let typed = attrs(&[("balance", AttrValue::S("100".into()))]);
    assert_eq!(change(&typed, &attrs(&[])), "balance S \"100\" kept", "absent: kept");
    let note = attrs(&[("note", AttrValue::S("x".into()))]);
    assert_eq!(change(&old, &note), "balance 5 kept, 1 other attribute changed");
}

#[test]
fn the_summary_counts_and_shows_the_first_few_changes() {
    let different = (0..7)
        .map(|i| {
            (row(&format!("u{i}"), attrs(&[("balance", n("2"))])), attrs(&[("balance", n("1"))]))
        })
        .collect();
    let plan = Plan { new: vec![row("x", attrs(&[]))], different, identical: 3, consumed_rcu: 0.0 };
    let lines = summary(&plan, false);
    assert_eq!(
        lines[0],
        "1 new, 7 different, 3 identical (different ones are left alone without --overwrite)"
    );
    assert_eq!(lines[1], "  u0: balance 1 → 2");
    assert_eq!(lines.len(), 1 + SHOWN + 1);
    assert_eq!(lines[SHOWN + 1], "  … and 2 more");
    assert_eq!(summary(&plan, true)[0], "1 new, 7 different, 3 identical");
}

#[test]
fn progress_and_report_lines() {
    let p = Progress {
        done: 500,
        total: 1000,
        written: 490,
        conflicts: 10,
        wcu: 980.0,
        elapsed: Duration::from_secs(2),
    };
    assert_eq!(progress_line(&p), "importing 500 / 1000 wallets  250/s  980 WCU");
    let report = Report {
        written: 2,
        conflicts: vec![("u1".into(), "changed meanwhile: balance now 6".into())],
        failed: vec![],
        skipped: 1,
        wcu: 4.0,
        elapsed: Duration::from_millis(1500),
    };
    assert_eq!(
        report_lines(&report),
        [
            "2 written, 1 conflict, 0 failed, 1 different left alone; 4 WCU in 1.5 s",
            "  conflict u1: changed meanwhile: balance now 6; left alone",
        ]
    );
}

#[test]
fn the_prompt_says_where_and_settled_writes_are_counted_by_outcome() {
    assert_eq!(
        question(3, Some("into table W · AWS eu-west-1 · profile p · WRITABLE")),
        "write 3 wallet(s) into table W · AWS eu-west-1 · profile p · WRITABLE? [y/N] "
    );
    assert_eq!(question(3, None), "write 3 wallet(s)? [y/N] ");
    let settled = Settled { applied: 2, not_applied: 1, unknown: 0 };
    assert_eq!(
        settled_line(&settled),
        "3 write(s) an earlier run left open settled first: 2 applied, 1 not applied, 0 unknown"
    );
}
