//! A paced scan against a real DynamoDB Local (started by `tests/support`): the worker's
//! segments share one read budget, so the scan reads at the budget, evenly, and still
//! returns every item exactly once. DynamoDB Local does not enforce provisioned throughput,
//! so what is checked is the consumption the scan's own pages report, against the budget.

mod support;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType, PutRequest,
    ScalarAttributeType, TableStatus, WriteRequest,
};
use futures::StreamExt;
use wallet_tui::capacity::{self, Consistency};
use wallet_tui::msg::{Request, Response, ScanPage, ScanSpec};
use wallet_tui::wallet::AttrValue;
use wallet_tui::worker::{self, Connect, WorkerHandle, WorkerOptions};

/// Items in the table, about 1 KB each: a table of about 3 MB.
const ITEMS: usize = 3000;
/// Characters of padding that make an item about 1 KB.
const PAD: usize = 970;
const SEGMENTS: u32 = 4;
/// How long the scan should take at its budget.
const TARGET: Duration = Duration::from_secs(5);
/// Items per BatchWriteItem, the service's maximum.
const BATCH: usize = 25;
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
    let connect =
        Connect { endpoint_url: Some(server.endpoint()), local: true, ..Default::default() };
    let config = worker::load_sdk_config(&connect).await;
    let client = Client::new(&config);
    let mut worker = worker::spawn(client.clone(), WorkerOptions::default());
    let table = support::unique_table("paced_");
    create_table(&client, &table).await;

    let items: Vec<HashMap<String, AttributeValue>> = (0..ITEMS).map(item).collect();
    let table_bytes: u64 = items.iter().map(item_size).sum();
    put(&client, &table, &items).await;
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
    send(&worker, Request::Scan { id: 1, table: table.clone(), spec });
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
    send(
        &worker,
        Request::Scan {
            id: 2,
            table: table.clone(),
            spec: ScanSpec { max_rcu_per_sec: Some(1.0), ..spec },
        },
    );
    let deadline = tokio::time::Instant::now() + PHASE_LIMIT;
    let mut pages = 0;
    while pages < 2 {
        match next_response(&mut worker, deadline).await {
            Response::ScanPage(page) if page.id == 2 => pages += 1,
            other => panic!("while waiting for scan 2: {other:?}"),
        }
    }
    send(&worker, Request::CancelScan { id: 2 });
    let quiet = tokio::time::timeout(Duration::from_millis(1500), worker.responses.recv()).await;
    assert!(quiet.is_err(), "a response after the cancel: {quiet:?}");

    client
        .delete_table()
        .table_name(&table)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DeleteTable {table}: {}", DisplayErrorContext(&e)));
    worker.shutdown();
    server.stop().await;
    eprintln!("test done in {:?}", started.elapsed());
}

/// Item `i`: a UUID key, a balance and about 1 KB of padding.
fn item(i: usize) -> HashMap<String, AttributeValue> {
    HashMap::from([
        ("user_id".to_string(), AttributeValue::S(uuid::Uuid::new_v4().to_string())),
        ("balance".to_string(), AttributeValue::N(format!("{}.{:02}", i * 7, i % 100))),
        ("pad".to_string(), AttributeValue::S("x".repeat(PAD))),
    ])
}

/// The size DynamoDB gives the item (strings and numbers only here).
fn item_size(item: &HashMap<String, AttributeValue>) -> u64 {
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

/// CreateTable with the wallet key (`user_id` S HASH), on demand; waits until ACTIVE.
async fn create_table(client: &Client, table: &str) {
    let key = KeySchemaElement::builder()
        .attribute_name("user_id")
        .key_type(KeyType::Hash)
        .build()
        .expect("key schema");
    let attr = AttributeDefinition::builder()
        .attribute_name("user_id")
        .attribute_type(ScalarAttributeType::S)
        .build()
        .expect("attribute definition");
    client
        .create_table()
        .table_name(table)
        .key_schema(key)
        .attribute_definitions(attr)
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateTable {table}: {}", DisplayErrorContext(&e)));
    let deadline = Instant::now() + PHASE_LIMIT;
    loop {
        let out = client
            .describe_table()
            .table_name(table)
            .send()
            .await
            .unwrap_or_else(|e| panic!("DescribeTable {table}: {}", DisplayErrorContext(&e)));
        let status = out.table().and_then(|t| t.table_status()).cloned();
        if status == Some(TableStatus::Active) {
            return;
        }
        assert!(Instant::now() < deadline, "{table} not ACTIVE within {PHASE_LIMIT:?}: {status:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Writes the items with BatchWriteItem, 25 a batch, 8 batches at a time.
async fn put(client: &Client, table: &str, items: &[HashMap<String, AttributeValue>]) {
    let batches: Vec<Vec<WriteRequest>> = items
        .chunks(BATCH)
        .map(|chunk| {
            chunk
                .iter()
                .map(|item| {
                    let put = PutRequest::builder()
                        .set_item(Some(item.clone()))
                        .build()
                        .expect("put request");
                    WriteRequest::builder().put_request(put).build()
                })
                .collect()
        })
        .collect();
    futures::stream::iter(batches)
        .map(|batch| write_batch(client, table, batch))
        .buffer_unordered(8)
        .collect::<Vec<()>>()
        .await;
}

/// One BatchWriteItem, resending unprocessed items until none are left.
async fn write_batch(client: &Client, table: &str, mut batch: Vec<WriteRequest>) {
    for attempt in 0..10 {
        let out = client
            .batch_write_item()
            .request_items(table, batch)
            .send()
            .await
            .unwrap_or_else(|e| panic!("BatchWriteItem {table}: {}", DisplayErrorContext(&e)));
        batch = out.unprocessed_items().and_then(|u| u.get(table)).cloned().unwrap_or_default();
        if batch.is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50 << attempt)).await;
    }
    panic!("BatchWriteItem {table}: {} items still unprocessed after 10 attempts", batch.len());
}

fn send(worker: &WorkerHandle, request: Request) {
    let what = format!("{request:?}");
    worker
        .requests
        .send(request)
        .unwrap_or_else(|_| panic!("the worker stopped; cannot send {what}"));
}

async fn next_response(worker: &mut WorkerHandle, deadline: tokio::time::Instant) -> Response {
    match tokio::time::timeout_at(deadline, worker.responses.recv()).await {
        Ok(Some(response)) => response,
        Ok(None) => panic!("the worker's response channel closed"),
        Err(_) => panic!("nothing from the worker within {PHASE_LIMIT:?}"),
    }
}

/// The pages of scan `id`, timed from `sent`, until every segment has sent its last one.
async fn collect_scan(worker: &mut WorkerHandle, id: u64, sent: Instant) -> Vec<Arrival> {
    let deadline = tokio::time::Instant::now() + PHASE_LIMIT;
    let mut done = HashSet::new();
    let mut arrivals = Vec::new();
    while done.len() < SEGMENTS as usize {
        match next_response(worker, deadline).await {
            Response::ScanPage(page) => {
                let at = sent.elapsed();
                assert_eq!(page.id, id, "a page of another scan");
                assert!(
                    !done.contains(&page.segment),
                    "a page after segment {}'s last",
                    page.segment
                );
                if page.last {
                    done.insert(page.segment);
                }
                let rcu = page.consumed_rcu.expect("DynamoDB Local reports consumed capacity");
                arrivals.push(Arrival { at, rcu, page });
            }
            other => panic!("while scanning: {other:?}"),
        }
    }
    arrivals
}
