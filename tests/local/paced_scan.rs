//! A paced scan against a real DynamoDB Local (started by `support`): the worker's
//! segments share one read budget, so the scan reads at the budget, evenly, and still
//! returns every item exactly once. DynamoDB Local does not enforce provisioned throughput,
//! so what is checked is the consumption the scan's own pages report, against the budget.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use wallet_tui::capacity::{self, Consistency};
use wallet_tui::msg::{Request, Response, ScanPage, ScanSpec};
use wallet_tui::table::BillingMode;
use wallet_tui::wallet::AttrValue;
use wallet_tui::worker::{WorkerHandle, WorkerOptions};

use crate::support;
use crate::support::{AppClient, Item, next_response, send};

/// Items in the table, about 1 KB each: a table of about 3 MB.
const ITEMS: usize = 3000;
/// Characters of padding that make an item about 1 KB.
const PAD: usize = 970;
const SEGMENTS: u32 = 4;
/// How long the scan should take at its budget.
const TARGET: Duration = Duration::from_secs(5);
/// How much more the latency of one request may be than another's.
const LATENCY_SPREAD: Duration = Duration::from_millis(100);
/// How long any phase may take before the test gives up.
const PHASE_LIMIT: Duration = Duration::from_secs(20);

/// One page as the test received it: when, from the scan's request, and its cost.
struct Arrival {
    at: Duration,
    rcu: f64,
    page: ScanPage,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paced_scan_reads_at_its_budget_and_stops_at_once() {
    let started = Instant::now();
    let server = support::dynamodb_local().await;
    let app_client = AppClient::new(server.endpoint()).await;
    let mut worker = app_client.spawn_worker(WorkerOptions::default());
    let client = app_client.client;
    let table = support::unique_table("paced_");
    support::create_wallet_table(&client, &table, &BillingMode::OnDemand).await;

    let items: Vec<Item> = (0..ITEMS).map(item).collect();
    let table_bytes: u64 = items.iter().map(item_size).sum();
    support::put_items(&client, &table, &items).await;
    eprintln!("[{table}] {ITEMS} items, {table_bytes} bytes, ready in {:?}", started.elapsed());

    // The budget that should make a full, eventually consistent scan take TARGET.
    let full_scan = capacity::full_scan_read_units(table_bytes, Consistency::Eventual);
    let rate = full_scan / TARGET.as_secs_f64();
    let spec = ScanSpec {
        segments: SEGMENTS,
        page_limit: Some(1000),
        consistent: false,
        max_rcu_per_sec: Some(rate),
    };
    let sent = Instant::now();
    send(&worker, Request::scan(1, table.clone(), spec));
    let arrivals = collect_scan(&mut worker, 1, sent).await;

    // Every item exactly once.
    let mut seen = HashSet::new();
    for wallet in arrivals.iter().flat_map(|a| &a.page.wallets) {
        assert!(seen.insert(wallet.user_id.to_text()), "{} twice", wallet.user_id);
    }
    let written: HashSet<String> =
        items.iter().map(|i| i["user_id"].as_s().expect("a string key").clone()).collect();
    assert_eq!(seen, written, "the scan's items are not the table's");
    assert_eq!(arrivals.iter().map(|a| a.page.scanned).sum::<u64>(), ITEMS as u64);

    // The consumption rate over the run is the budget.
    let total: f64 = arrivals.iter().map(|a| a.rcu).sum();
    let elapsed = arrivals.iter().map(|a| a.at).max().expect("pages").as_secs_f64();
    let measured = total / elapsed;
    let largest = arrivals.iter().map(|a| a.rcu).fold(0.0, f64::max);
    // Every 1-second window after the first second: within the budget, give or
    // take a page. Pages are counted whole, when they arrive: requests start
    // spaced by their costs, so the pages started within one second consume at
    // most the budget plus the last one's cost, and arrivals are only as
    // evenly spaced as the starts, give or take the spread of the latency.
    let windows: Vec<(f64, f64)> = arrivals
        .iter()
        .map(|a| {
            let from = a.at.as_secs_f64();
            let rcu: f64 = arrivals
                .iter()
                .filter(|b| (from..from + 1.0).contains(&b.at.as_secs_f64()))
                .map(|b| b.rcu)
                .sum();
            (from, rcu)
        })
        .collect();
    let busiest = windows.iter().filter(|w| w.0 >= 1.0).map(|w| w.1).fold(0.0, f64::max);
    let busiest_any = windows.iter().map(|w| w.1).fold(0.0, f64::max);
    eprintln!(
        "budget {rate:.2} RCU/s (full scan predicted {full_scan} RCU): {} pages, {total} RCU in \
         {elapsed:.3} s = {measured:.2} RCU/s ({:+.1} %); largest page {largest} RCU; busiest \
         1 s window after the first second {busiest} RCU (any: {busiest_any} RCU)",
        arrivals.len(),
        (measured / rate - 1.0) * 100.0,
    );
    eprintln!(
        "pages (s, RCU): {:?}",
        arrivals
            .iter()
            .map(|a| (a.at.as_secs_f64() * 1000.0).round() / 1000.0)
            .zip(arrivals.iter().map(|a| a.rcu))
            .collect::<Vec<_>>()
    );
    assert!(
        (measured / rate - 1.0).abs() <= 0.10,
        "{measured:.2} RCU/s measured for a budget of {rate:.2}"
    );
    assert!(largest <= rate, "a page of {largest} RCU is more than a second of budget");
    let jitter = rate * LATENCY_SPREAD.as_secs_f64();
    assert!(
        busiest <= rate + largest + jitter,
        "{busiest} RCU in one second for a budget of {rate:.2} RCU/s"
    );

    // A slow paced scan (a page a second) stops at once when cancelled: no page after.
    send(&worker, Request::scan(2, table.clone(), ScanSpec { max_rcu_per_sec: Some(1.0), ..spec }));
    let deadline = Instant::now() + PHASE_LIMIT;
    let mut pages = 0;
    while pages < 2 {
        let left = deadline.saturating_duration_since(Instant::now());
        match next_response(&mut worker, left, "two pages of scan 2").await {
            Response::ScanPage(page) if page.id == 2 => pages += 1,
            other => panic!("while waiting for scan 2: {other:?}"),
        }
    }
    send(&worker, Request::CancelScan { id: 2 });
    let quiet = tokio::time::timeout(Duration::from_millis(1500), worker.responses.recv()).await;
    assert!(quiet.is_err(), "a response after the cancel: {quiet:?}");

    support::delete_table(&client, &table).await;
    worker.shutdown();
    server.stop().await;
    eprintln!("test done in {:?}", started.elapsed());
}

/// Item `i`: a UUID key, a balance and about 1 KB of padding.
fn item(i: usize) -> Item {
    HashMap::from([
        ("user_id".to_string(), AttributeValue::S(uuid::Uuid::new_v4().to_string())),
        ("balance".to_string(), AttributeValue::N(format!("{}.{:02}", i * 7, i % 100))),
        ("pad".to_string(), AttributeValue::S("x".repeat(PAD))),
    ])
}

/// The size DynamoDB gives the item (strings and numbers only here).
fn item_size(item: &Item) -> u64 {
    let values: Vec<(&str, AttrValue)> = item
        .iter()
        .map(|(name, value)| {
            let value = match value {
                AttributeValue::S(s) => AttrValue::S(s.as_str().into()),
                AttributeValue::N(n) => AttrValue::N(n.as_str().into()),
                other => panic!("unexpected {other:?}"),
            };
            (name.as_str(), value)
        })
        .collect();
    capacity::item_size(values.iter().map(|(name, value)| (*name, value)))
}

/// The pages of scan `id` (see [`support::collect_scan`]), timed from `sent`, with the
/// consumed capacity each reports.
async fn collect_scan(worker: &mut WorkerHandle, id: u64, sent: Instant) -> Vec<Arrival> {
    let pages = support::collect_scan(worker, id, SEGMENTS, PHASE_LIMIT).await;
    pages
        .into_iter()
        .map(|(arrived, page)| {
            let rcu = page.consumed_rcu.expect("DynamoDB Local reports consumed capacity");
            Arrival { at: arrived - sent, rcu, page }
        })
        .collect()
}
