//! Scans against a real DynamoDB Local (started by `support`): the worker's paged,
//! parallel, cancellable scan, and the `App` taking the pages of its current scan only.
//! Every test has its own server and its own table, written with the SDK client built the
//! way the application builds it, and compares what came back with what was written.

use std::collections::HashMap;
use std::str::FromStr;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use bigdecimal::BigDecimal;
use wallet_tui::app::{App, AppConfig, ScanOutcome, TableState};
use wallet_tui::balance::Balance;
use wallet_tui::local::LocalServer;
use wallet_tui::msg::{Msg, Request, Response, ScanId, ScanPage, ScanSpec};
use wallet_tui::table::{BillingMode, TableStatus};
use wallet_tui::wallet::{AttrValue, Extras, UserId, Wallet};
use wallet_tui::worker::{WorkerHandle, WorkerOptions};

use crate::support;
use crate::support::driver::Driver;
use crate::support::{AppClient, next_response, send};

/// How long a whole scan (or any other phase) may take before the test gives up.
const PHASE_LIMIT: Duration = Duration::from_secs(20);

/// Balances chosen to break anything that is not exact decimal arithmetic, with the
/// canonical text [`Balance`] must print for each.
const TRICKY: [(&str, &str); 12] = [
    ("12345678901234567890123456789012345678", "12345678901234567890123456789012345678"),
    ("-0.12345678901234567890123456789012345678", "-0.12345678901234567890123456789012345678"),
    ("1E+2", "100"),
    ("0.10", "0.1"),
    ("-0.5", "-0.5"),
    (
        "9.9999999999999999999999999999999999999E+125",
        "9.9999999999999999999999999999999999999E+125",
    ),
    ("1E-130", "1E-130"),
    ("-1E-130", "-1E-130"),
    ("100.00", "100"),
    ("-1.5E+3", "-1500"),
    ("0", "0"),
    ("0.000001", "0.000001"),
];

/// How a seeded item stores its `balance`.
#[derive(Debug, Clone)]
enum Stored {
    /// A number (N) with this text.
    N(String),
    /// A string (S): not a balance, so it must stay among the other attributes.
    S(String),
    /// No balance attribute at all.
    Missing,
}

/// One item written to the table.
#[derive(Debug, Clone)]
struct Seed {
    user_id: String,
    balance: Stored,
    currency: String,
    updated_at: String,
}

impl Seed {
    fn item(&self) -> support::Item {
        let mut item = HashMap::from([
            ("user_id".to_string(), AttributeValue::S(self.user_id.clone())),
            ("currency".to_string(), AttributeValue::S(self.currency.clone())),
            ("updated_at".to_string(), AttributeValue::S(self.updated_at.clone())),
        ]);
        match &self.balance {
            Stored::N(n) => item.insert("balance".to_string(), AttributeValue::N(n.clone())),
            Stored::S(s) => item.insert("balance".to_string(), AttributeValue::S(s.clone())),
            Stored::Missing => None,
        };
        item
    }

    fn id(&self) -> UserId {
        UserId::new(&self.user_id)
    }

    /// The wallet the worker must make of this item.
    fn wallet(&self) -> Wallet {
        let balance = match &self.balance {
            Stored::N(n) => {
                Some(Balance::parse(n).unwrap_or_else(|e| panic!("seed balance {n:?}: {e}")))
            }
            Stored::S(_) | Stored::Missing => None,
        };
        // Extras are packed sorted by name.
        let mut extra = Vec::new();
        if let Stored::S(s) = &self.balance {
            extra.push(("balance", AttrValue::S(s.as_str().into())));
        }
        extra.push(("currency", AttrValue::S(self.currency.as_str().into())));
        extra.push(("updated_at", AttrValue::S(self.updated_at.as_str().into())));
        Wallet {
            user_id: self.id(),
            balance,
            extra: Extras::new(extra.iter().map(|(n, v)| (*n, v))),
        }
    }
}

/// `n` items with fresh UUID v4 ids: the tricky balances first, then ordinary amounts
/// (some negative, some with trailing zeros), one item in fifty without a balance and
/// one whose balance is the string "12".
fn seeds(n: usize) -> Vec<Seed> {
    const CURRENCIES: [&str; 3] = ["EUR", "USD", "JPY"];
    (0..n)
        .map(|i| {
            let balance = if let Some((text, _)) = TRICKY.get(i) {
                Stored::N(text.to_string())
            } else if i == TRICKY.len() + 1 {
                Stored::S("12".to_string())
            } else if i % 50 == 17 {
                Stored::Missing
            } else {
                let cents = (i as i64 * 7919) % 10_000_000;
                let sign = if i % 7 == 3 { "-" } else { "" };
                Stored::N(format!("{sign}{}.{:02}", cents / 100, cents % 100))
            };
            Seed {
                user_id: uuid::Uuid::new_v4().to_string(),
                balance,
                currency: CURRENCIES[i % CURRENCIES.len()].to_string(),
                updated_at: format!(
                    "2025-0{}-{:02}T{:02}:{:02}:00Z",
                    1 + i % 9,
                    1 + i % 28,
                    i % 24,
                    i % 60
                ),
            }
        })
        .collect()
}

/// The canonical text of a stored number: from [`TRICKY`], or BigDecimal's plain notation
/// without trailing zeros (every ordinary amount is short enough for plain notation).
fn canonical(text: &str) -> String {
    match TRICKY.iter().find(|(t, _)| *t == text) {
        Some((_, canonical)) => canonical.to_string(),
        None => decimal(text).normalized().to_plain_string(),
    }
}

fn decimal(text: &str) -> BigDecimal {
    BigDecimal::from_str(text).unwrap_or_else(|e| panic!("BigDecimal {text:?}: {e}"))
}

fn numeric_texts(seeds: &[Seed]) -> impl Iterator<Item = &str> {
    seeds.iter().filter_map(|s| match &s.balance {
        Stored::N(n) => Some(n.as_str()),
        _ => None,
    })
}

/// A server, a client built the app's way, a worker on that client, and a fresh table.
struct Fixture {
    server: LocalServer,
    client: Client,
    worker: WorkerHandle,
    endpoint_label: String,
    table: String,
}

impl Fixture {
    async fn start(prefix: &str) -> Fixture {
        let started = Instant::now();
        let server = support::dynamodb_local().await;
        let app_client = AppClient::new(server.endpoint()).await;
        let worker = app_client.spawn_worker(WorkerOptions::default());
        let AppClient { client, endpoint_label, .. } = app_client;
        let table = support::unique_table(prefix);
        support::create_wallet_table(&client, &table, &BillingMode::OnDemand).await;
        eprintln!("[{table}] server and table ready in {:?}", started.elapsed());
        Fixture { server, client, worker, endpoint_label, table }
    }

    /// Writes the items with BatchWriteItem, several batches at a time.
    async fn put(&self, seeds: &[Seed]) {
        let started = Instant::now();
        let items: Vec<_> = seeds.iter().map(Seed::item).collect();
        support::put_items(&self.client, &self.table, &items).await;
        eprintln!("[{}] {} items written in {:?}", self.table, seeds.len(), started.elapsed());
    }

    /// Deletes the table, stops the worker and the server.
    async fn finish(self) {
        support::delete_table(&self.client, &self.table).await;
        self.worker.shutdown();
        self.server.stop().await;
    }
}

/// The pages of scan `id` (see [`support::collect_scan`]), within [`PHASE_LIMIT`].
async fn collect_scan(worker: &mut WorkerHandle, id: ScanId, segments: u32) -> Vec<ScanPage> {
    let pages = support::collect_scan(worker, id, segments, PHASE_LIMIT).await;
    pages.into_iter().map(|(_, page)| page).collect()
}

/// Every seed exactly once, each wallet exactly as written, balances exact and canonical.
fn check_wallets<'a>(what: &str, loaded: impl IntoIterator<Item = &'a Wallet>, seeds: &[Seed]) {
    let mut by_id: HashMap<&UserId, &Wallet> = HashMap::new();
    for wallet in loaded {
        if let Some(first) = by_id.insert(&wallet.user_id, wallet) {
            panic!("{what}: {} loaded twice: {first:?} and {wallet:?}", wallet.user_id);
        }
    }
    for seed in seeds {
        let Some(wallet) = by_id.remove(&seed.id()) else {
            panic!("{what}: {} is missing ({seed:?})", seed.user_id);
        };
        assert_eq!(*wallet, seed.wallet(), "{what}: wallet of {seed:?}");
        match &seed.balance {
            Stored::N(text) => {
                let balance = wallet.balance.expect("compared above");
                assert_eq!(balance.to_bigdecimal(), decimal(text), "{what}: value of {text}");
                assert_eq!(balance.to_string(), canonical(text), "{what}: text of {text}");
            }
            Stored::S(text) => {
                assert_eq!(wallet.balance, None, "{what}: string balance {text:?}");
                assert_eq!(wallet.attr("balance"), Some(AttrValue::S(text.as_str().into())));
            }
            Stored::Missing => assert_eq!(wallet.balance, None, "{what}: {seed:?}"),
        }
        assert_eq!(wallet.attr("currency"), Some(AttrValue::S(seed.currency.as_str().into())));
        assert_eq!(wallet.attr("updated_at"), Some(AttrValue::S(seed.updated_at.as_str().into())));
    }
    let unknown: Vec<_> = by_id.keys().collect();
    assert!(unknown.is_empty(), "{what}: wallets that were never written: {unknown:?}");
}

/// The worker's scan, checked page by page and as a whole.
fn check_scan(what: &str, pages: &[ScanPage], seeds: &[Seed], limit: usize) {
    assert!(pages.len() >= 3, "{what}: only {} pages", pages.len());
    for page in pages {
        assert!(page.wallets.len() <= limit, "{what}: {} items in a page", page.wallets.len());
        assert_eq!(page.skipped, 0, "{what}: items skipped in {page:?}");
        assert_eq!(page.scanned, page.wallets.len() as u64, "{what}: scanned count of a page");
    }
    let scanned: u64 = pages.iter().map(|p| p.scanned).sum();
    assert_eq!(scanned, seeds.len() as u64, "{what}: items scanned");
    check_wallets(what, pages.iter().flat_map(|p| &p.wallets), seeds);
    let rcu: f64 = pages.iter().filter_map(|p| p.consumed_rcu).sum();
    assert!(rcu > 0.0, "{what}: no consumed capacity reported ({rcu})");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_returns_every_item_once_with_exact_balances() {
    let mut f = Fixture::start("scan_all_").await;
    let seeds = seeds(250);
    f.put(&seeds).await;

    for (id, segments) in [(1, 1), (2, 4)] {
        let started = Instant::now();
        let spec =
            ScanSpec { segments, page_limit: Some(20), consistent: false, max_rcu_per_sec: None };
        send(&f.worker, Request::scan(id, f.table.clone(), spec));
        let pages = collect_scan(&mut f.worker, id, segments).await;
        let what = format!("scan with {segments} segment(s)");
        let mut per_segment = vec![(0usize, 0usize); segments as usize];
        for page in &pages {
            per_segment[page.segment as usize].0 += 1;
            per_segment[page.segment as usize].1 += page.wallets.len();
        }
        eprintln!(
            "{what}: {} pages in {:?}; (pages, items) per segment {per_segment:?}",
            pages.len(),
            started.elapsed()
        );
        check_scan(&what, &pages, &seeds, 20);
    }

    // Nothing else is pending: both scans ended with their last pages.
    let extra = tokio::time::timeout(Duration::from_millis(200), f.worker.responses.recv()).await;
    assert!(extra.is_err(), "unexpected response after the scans: {extra:?}");
    f.finish().await;
}

/// An app for the fixture's table that scans with `spec`.
fn app_for(f: &Fixture, spec: ScanSpec) -> App {
    let config = AppConfig { scan_spec: spec, ..AppConfig::new(&f.table, &f.endpoint_label) };
    App::new(config, Instant::now())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_loads_every_wallet_with_exact_aggregates() {
    let mut f = Fixture::start("scan_app_").await;
    let seeds = seeds(250);
    f.put(&seeds).await;

    let spec =
        ScanSpec { segments: 4, page_limit: Some(20), consistent: false, max_rcu_per_sec: None };
    let app = app_for(&f, spec);
    let mut d = Driver::new(&mut f.worker, app);
    let started = Instant::now();
    // The first tick settles the writes left open on the table (none) and describes it; once
    // both are answered and it is ACTIVE, the app starts its scan.
    let sent = d.update(Msg::Tick);
    let table = f.table.clone();
    assert_eq!(
        sent,
        [Request::ResolveWrites { table: table.clone() }, Request::DescribeTable { table }]
    );
    d.run_scan_to_end(PHASE_LIMIT).await;
    eprintln!("app scan finished in {:?}", started.elapsed());

    assert!(
        matches!(&d.app.table(), TableState::Present(info) if info.status == TableStatus::Active),
        "{:?}",
        d.app.table()
    );
    assert_eq!(d.scans_sent(), [&Request::scan(1, f.table.clone(), spec)]);
    let scan = d.app.scan().cloned().expect("checked by run_scan_to_end");
    assert_eq!(scan.outcome, ScanOutcome::Complete, "{scan:?}");
    assert_eq!(scan.id, 1);
    assert_eq!(scan.segments, 4);
    assert_eq!(scan.segments_done(), 4);
    let received = d.pages_of(1);
    assert_eq!(d.pages_received.len(), 1, "pages of other scans: {:?}", d.pages_received);
    assert_eq!(scan.pages, received, "pages counted vs received");
    assert!(scan.pages >= 3, "only {} pages", scan.pages);
    assert_eq!(scan.scanned, seeds.len() as u64);
    assert_eq!(scan.skipped, 0);
    assert!(scan.rcu > 0.0, "no consumed capacity: {scan:?}");

    // The list: every wallet once, as written.
    let list = &d.app.list();
    assert_eq!(list.loaded(), seeds.len());
    assert_eq!(list.len(), seeds.len());
    assert!(!list.needs_settle());
    check_wallets("app list", list.window(0, list.len()), &seeds);
    for seed in &seeds {
        assert_eq!(list.find(&seed.id()), Some(&seed.wallet()), "find {}", seed.user_id);
    }

    // Aggregates, computed independently with BigDecimal from the written texts.
    let numbers: Vec<BigDecimal> = numeric_texts(&seeds).map(decimal).collect();
    let expected_total: BigDecimal = numbers.iter().sum();
    let min = numbers.iter().min().expect("numeric balances");
    let max = numbers.iter().max().expect("numeric balances");
    let agg = list.aggregates();
    assert_eq!(agg.count, seeds.len());
    assert_eq!(agg.without_balance, seeds.len() - numbers.len());
    assert_eq!(agg.total.total(), expected_total, "exact total");
    assert_eq!(agg.total.to_string(), expected_total.normalized().to_plain_string());
    let as_balance = |b: &BigDecimal| Balance::from_bigdecimal(b).expect("min/max fit");
    assert_eq!(agg.min, Some(as_balance(min)), "min");
    assert_eq!(agg.max, Some(as_balance(max)), "max");
    assert_eq!(agg.max.map(|b| b.to_string()).as_deref(), Some(TRICKY[5].1));
    eprintln!("total {}, min {:?}, max {:?}", agg.total, agg.min, agg.max);

    drop(d);
    f.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_scan_stops_sending_pages() {
    let mut f = Fixture::start("scan_cancel_").await;
    let seeds = seeds(2000);
    f.put(&seeds).await;
    let spec =
        ScanSpec { segments: 1, page_limit: Some(10), consistent: false, max_rcu_per_sec: None };
    let all_pages = seeds.len() / 10;

    let started = Instant::now();
    send(&f.worker, Request::scan(7, f.table.clone(), spec));
    match next_response(&mut f.worker, PHASE_LIMIT, "the first page of scan 7").await {
        Response::ScanPage(page) if page.id == 7 && !page.last() => {}
        other => panic!("expected the first page of scan 7, got {other:?}"),
    }
    let first_page = started.elapsed();
    send(&f.worker, Request::CancelScan { id: 7 });

    // Pages already in flight may still come for a moment...
    let mut late = Vec::new();
    let drain_until = tokio::time::Instant::now() + Duration::from_secs(1);
    while let Ok(response) = tokio::time::timeout_at(drain_until, f.worker.responses.recv()).await {
        match response.map(|reply| reply.response) {
            Some(Response::ScanPage(page)) if page.id == 7 => late.push(page),
            other => panic!("while draining the cancelled scan: {other:?}"),
        }
    }
    eprintln!("first page after {first_page:?}; {} pages after the cancel", late.len());
    assert!(
        late.len() < all_pages / 2,
        "{} of about {all_pages} pages arrived after the cancel",
        late.len()
    );
    assert!(!late.iter().any(|p| p.last()), "the cancelled scan reached its end");
    // ...then nothing at all.
    let quiet = tokio::time::timeout(Duration::from_secs(1), f.worker.responses.recv()).await;
    assert!(quiet.is_err(), "a response 1 s after the cancel drained: {quiet:?}");

    // The worker is still fine, and the same scan uncancelled does go on to the end: it
    // sends far more pages than the cancelled one did.
    let started = Instant::now();
    send(&f.worker, Request::scan(8, f.table.clone(), spec));
    let pages = collect_scan(&mut f.worker, 8, 1).await;
    eprintln!("a full scan: {} pages in {:?}", pages.len(), started.elapsed());
    assert!(pages.len() >= all_pages, "{} pages for {} items", pages.len(), seeds.len());
    check_scan("the scan after a cancel", &pages, &seeds, 10);

    f.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_of_a_superseded_scan_are_ignored() {
    let mut f = Fixture::start("scan_stale_").await;
    let seeds = seeds(200);
    f.put(&seeds).await;

    let spec =
        ScanSpec { segments: 1, page_limit: Some(5), consistent: false, max_rcu_per_sec: None };
    let app = app_for(&f, spec);
    let mut d = Driver::new(&mut f.worker, app);
    d.update(Msg::Tick);
    // The table turns ACTIVE and the app starts scan 1 by itself; wait for its first page.
    let deadline = Instant::now() + PHASE_LIMIT;
    while d.pages_of(1) == 0 {
        d.step(deadline, "the first page of scan 1").await;
    }
    let first = d.app.scan().cloned().expect("scan 1 is running");
    assert_eq!((first.id, first.pages, d.app.list().loaded()), (1, 1, 5), "{first:?}");
    // Let the worker queue more pages of scan 1 that the app has not read yet.
    tokio::time::sleep(Duration::from_millis(300)).await;

    // r rescans: scan 2 supersedes scan 1, in the app and (by the request) in the worker.
    let sent = d.key('r');
    let rescan = Request::scan(2, f.table.clone(), spec);
    assert!(sent.contains(&rescan), "r sent {sent:?}");
    assert_eq!(d.app.list().loaded(), 0, "r must clear the list");
    let before = d.pages_of(1);
    d.run_scan_to_end(PHASE_LIMIT).await;
    let stale = d.pages_of(1) - before;
    eprintln!("{stale} pages of scan 1 arrived after the rescan; {:?}", d.pages_received);
    assert!(stale > 0, "no page of scan 1 arrived after r: nothing stale was tested");

    let scan = d.app.scan().cloned().expect("checked by run_scan_to_end");
    assert_eq!(scan.id, 2, "{scan:?}");
    assert_eq!(scan.outcome, ScanOutcome::Complete, "{scan:?}");
    let second = d.pages_of(2);
    assert_eq!(scan.pages, second, "pages counted vs pages of scan 2 received");
    assert!(scan.pages >= seeds.len() as u64 / 5, "{} pages", scan.pages);
    assert_eq!(scan.scanned, seeds.len() as u64, "items counted: {scan:?}");
    let list = &d.app.list();
    assert_eq!(list.loaded(), seeds.len());
    check_wallets("list after the rescan", list.window(0, list.len()), &seeds);
    assert_eq!(list.aggregates().count, seeds.len());
    let first_scan = Request::scan(1, f.table.clone(), spec);
    assert_eq!(d.scans_sent(), [&first_scan, &rescan]);

    drop(d);
    f.finish().await;
}
