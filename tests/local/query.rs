//! Query against a real DynamoDB Local: a wallet table with a `currency` (S) + `balance` (N)
//! GSI projecting ALL and the same keys projecting KEYS_ONLY, written with the SDK. The app's
//! query (typed into its form, run by the worker page by page) must equal the SDK's own
//! Query for the same condition: count, order, exact balances. A query stopped mid-way sends
//! no more pages, and pages of a stopped query never reach the list.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode as SdkBillingMode, GlobalSecondaryIndex,
    KeySchemaElement, KeyType, Projection, ProjectionType, ScalarAttributeType,
};
use crossterm::event::KeyCode;
use wallet_tui::app::{App, AppConfig, ScanOutcome};
use wallet_tui::balance::Balance;
use wallet_tui::local::LocalServer;
use wallet_tui::msg::{Msg, Request, Response, ScanSpec};
use wallet_tui::query::QuerySpec;
use wallet_tui::usage::OpKind;
use wallet_tui::wallet::{AttrValue, UserId, Wallet};
use wallet_tui::worker::{WorkerHandle, WorkerOptions};

use crate::support::driver::Driver;
use crate::support::{self, AppClient, Item, next_response, send};

/// How long one phase (a scan, a query) may take before the test gives up.
const PHASE_LIMIT: Duration = Duration::from_secs(30);
const INDEX: &str = "currency-balance-index";
const KEYS_INDEX: &str = "currency-keys-index";
/// Items per page: small, so that every query has many pages.
const PAGE: i32 = 4;

/// Balances that break anything but exact decimals, some of them equal.
const BALANCES: [&str; 10] = [
    "12345678901234567890123456789012345678",
    "-0.12345678901234567890123456789012345678",
    "100",
    "0.1",
    "-0.5",
    "99.99",
    "1E-130",
    "100",
    "4999.995",
    "5000",
];

/// A server, the app's client, a worker, and a table with both indexes and `items`.
struct Fixture {
    server: LocalServer,
    client: Client,
    worker: WorkerHandle,
    endpoint_label: String,
    table: String,
    items: Vec<Item>,
}

impl Fixture {
    async fn start(prefix: &str, n: usize) -> Fixture {
        let server = support::dynamodb_local().await;
        let app_client = AppClient::new(server.endpoint()).await;
        let worker = app_client.spawn_worker(WorkerOptions::default());
        let AppClient { client, endpoint_label, .. } = app_client;
        let table = support::unique_table(prefix);
        create_indexed_table(&client, &table).await;
        let items = items(n);
        support::put_items(&client, &table, &items).await;
        Fixture { server, client, worker, endpoint_label, table, items }
    }

    /// An app for the table whose scans and queries read `PAGE` items a page.
    fn app(&self) -> App {
        let scan_spec = ScanSpec {
            segments: 1,
            page_limit: Some(PAGE),
            consistent: false,
            max_rcu_per_sec: None,
        };
        App::new(
            AppConfig { scan_spec, ..AppConfig::new(&self.table, &self.endpoint_label) },
            Instant::now(),
        )
    }

    async fn finish(self) {
        support::delete_table(&self.client, &self.table).await;
        self.worker.shutdown();
        self.server.stop().await;
    }
}

fn key(name: &str, key_type: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder().attribute_name(name).key_type(key_type).build().expect("key")
}

fn attr(name: &str, ty: ScalarAttributeType) -> AttributeDefinition {
    AttributeDefinition::builder().attribute_name(name).attribute_type(ty).build().expect("attr")
}

fn gsi(name: &str, projection: ProjectionType) -> GlobalSecondaryIndex {
    GlobalSecondaryIndex::builder()
        .index_name(name)
        .key_schema(key("currency", KeyType::Hash))
        .key_schema(key("balance", KeyType::Range))
        .projection(Projection::builder().projection_type(projection).build())
        .build()
        .expect("gsi")
}

/// The wallet table (`user_id` S HASH, on demand) with [`INDEX`] (ALL) and [`KEYS_INDEX`]
/// (KEYS_ONLY), both `currency` S HASH + `balance` N RANGE.
async fn create_indexed_table(client: &Client, table: &str) {
    let create = client
        .create_table()
        .table_name(table)
        .key_schema(key("user_id", KeyType::Hash))
        .attribute_definitions(attr("user_id", ScalarAttributeType::S))
        .attribute_definitions(attr("currency", ScalarAttributeType::S))
        .attribute_definitions(attr("balance", ScalarAttributeType::N))
        .global_secondary_indexes(gsi(INDEX, ProjectionType::All))
        .global_secondary_indexes(gsi(KEYS_INDEX, ProjectionType::KeysOnly))
        .billing_mode(SdkBillingMode::PayPerRequest);
    support::send_create_table(create).await;
    support::wait_until_active(client, table, support::ACTIVE_LIMIT).await;
}

/// `n` wallets: half in EUR, the rest USD and JPY; balances from [`BALANCES`] and
/// ordinary amounts; each with an `updated_at` the KEYS_ONLY index does not project.
fn items(n: usize) -> Vec<Item> {
    (0..n)
        .map(|i| {
            let currency = ["EUR", "USD", "EUR", "JPY"][i % 4];
            let balance = match BALANCES.get(i / 4) {
                Some(b) => b.to_string(),
                None => format!("{}.{:02}", (i * 7919) % 9000, i % 100),
            };
            HashMap::from([
                ("user_id".to_string(), AttributeValue::S(uuid::Uuid::new_v4().to_string())),
                ("currency".to_string(), AttributeValue::S(currency.into())),
                ("balance".to_string(), AttributeValue::N(balance)),
                (
                    "updated_at".to_string(),
                    AttributeValue::S(format!("2025-01-01T00:00:{:02}Z", i % 60)),
                ),
            ])
        })
        .collect()
}

/// What the query form is given.
struct Ask<'a> {
    /// Presses of Space on the source: 0 the table, 1 [`INDEX`], 2 [`KEYS_INDEX`].
    source: usize,
    partition: &'a str,
    /// Presses of Space on the condition: 0 none, ... 6 between.
    condition: usize,
    value: &'a str,
    to: &'a str,
    descending: bool,
}

/// Types `ask` into a fresh query form and submits it; returns the query sent.
fn ask(d: &mut Driver<'_>, ask: &Ask<'_>) -> (u64, QuerySpec) {
    d.key('i');
    for _ in 0..ask.source {
        d.key(' ');
    }
    d.press(KeyCode::Tab);
    d.paste(ask.partition);
    d.press(KeyCode::Tab);
    for _ in 0..ask.condition {
        d.key(' ');
    }
    d.press(KeyCode::Tab);
    d.paste(ask.value);
    d.press(KeyCode::Tab);
    d.paste(ask.to);
    d.press(KeyCode::Tab);
    if ask.descending {
        d.key(' ');
    }
    let sent = d.press(KeyCode::Enter);
    match &sent[..] {
        [Request::Query { id, spec, .. }] => (*id, spec.clone()),
        other => panic!("one query expected, sent {other:?}; status {:?}", d.app.status_line()),
    }
}

/// The SDK's own Query, every page: the items in DynamoDB's order.
async fn sdk_query(
    client: &Client,
    table: &str,
    index: Option<&str>,
    condition: &str,
    values: &[(&str, AttributeValue)],
    forward: bool,
) -> Vec<Item> {
    let mut names = HashMap::from([("#pk".to_string(), "currency".to_string())]);
    if index.is_none() {
        names.insert("#pk".into(), "user_id".into());
    } else {
        names.insert("#sk".into(), "balance".into());
    }
    if !condition.contains("#sk") {
        names.remove("#sk");
    }
    let values: HashMap<String, AttributeValue> =
        values.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let out = client
            .query()
            .table_name(table)
            .set_index_name(index.map(str::to_string))
            .key_condition_expression(condition)
            .set_expression_attribute_names(Some(names.clone()))
            .set_expression_attribute_values(Some(values.clone()))
            .scan_index_forward(forward)
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .unwrap_or_else(|e| panic!("SDK Query: {e:?}"));
        items.extend(out.items().iter().cloned());
        start = out.last_evaluated_key().filter(|k| !k.is_empty()).cloned();
        if start.is_none() {
            return items;
        }
    }
}

/// The list equals the SDK's items: same count, same order, same exact balances, same
/// attributes.
fn check_list(what: &str, app: &App, expected: &[Item]) {
    let list = app.list();
    let got: Vec<&Wallet> = list.window(0, list.len()).collect();
    assert_eq!(got.len(), expected.len(), "{what}: count");
    assert!(!expected.is_empty(), "{what}: the SDK found nothing: nothing was compared");
    for (i, (wallet, item)) in got.iter().zip(expected).enumerate() {
        let id = item["user_id"].as_s().expect("user_id S");
        assert_eq!(wallet.user_id, UserId::new(id), "{what}: row {i}");
        let text = item["balance"].as_n().expect("balance N");
        let exact = Balance::parse(text).expect("a stored number");
        assert_eq!(wallet.balance, Some(exact), "{what}: balance of row {i}");
        assert_eq!(
            wallet.balance.map(|b| b.to_bigdecimal()),
            Some(exact.to_bigdecimal()),
            "{what}: value of {text}"
        );
        let currency = item["currency"].as_s().expect("currency S");
        assert_eq!(wallet.attr("currency"), Some(AttrValue::S(currency.as_str().into())), "{what}");
        if let Some(AttributeValue::S(at)) = item.get("updated_at") {
            assert_eq!(wallet.attr("updated_at"), Some(AttrValue::S(at.as_str().into())), "{what}");
        }
    }
}

/// The app's first scan, to its end.
async fn scanned(d: &mut Driver<'_>) {
    d.update(Msg::Tick);
    d.run_scan_to_end(PHASE_LIMIT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gsi_and_table_queries_equal_the_sdks_own() {
    let mut f = Fixture::start("query_eq_", 160).await;
    let (client, table) = (f.client.clone(), f.table.clone());
    let eur = || (":pk", AttributeValue::S("EUR".into()));
    let cases = [
        (
            Ask { source: 1, partition: "EUR", condition: 0, value: "", to: "", descending: false },
            "#pk = :pk",
            vec![eur()],
            true,
        ),
        (
            Ask { source: 1, partition: "EUR", condition: 0, value: "", to: "", descending: true },
            "#pk = :pk",
            vec![eur()],
            false,
        ),
        (
            Ask {
                source: 1,
                partition: "EUR",
                condition: 6,
                value: "-0.5",
                to: "4999.995",
                descending: true,
            },
            "#pk = :pk AND #sk BETWEEN :a AND :b",
            vec![
                eur(),
                (":a", AttributeValue::N("-0.5".into())),
                (":b", AttributeValue::N("4999.995".into())),
            ],
            false,
        ),
    ];
    for (n, (asked, condition, values, forward)) in cases.iter().enumerate() {
        let what = format!("case {n}: {condition} forward {forward}");
        let expected = sdk_query(&client, &table, Some(INDEX), condition, values, *forward).await;
        let app = f.app();
        let mut d = Driver::new(&mut f.worker, app);
        scanned(&mut d).await;
        let (id, spec) = ask(&mut d, asked);
        assert_eq!(spec.index.as_deref(), Some(INDEX), "{what}");
        assert_eq!(spec.page_limit, Some(PAGE), "{what}: the scan's page size");
        assert!(d.app.list().is_empty(), "{what}: the query replaces the list");
        d.run_scan_to_end(PHASE_LIMIT).await;
        let state = d.app.scan().cloned().expect("the query's state");
        assert_eq!(state.outcome, ScanOutcome::Complete, "{what}: {state:?}");
        assert!(d.pages_of(id) >= 3, "{what}: only {} pages", d.pages_of(id));
        assert_eq!(state.pages, d.pages_of(id), "{what}: pages counted");
        check_list(&what, &d.app, &expected);
        // Read units counted as the query's, against the index.
        let query = d.app.usage().totals(OpKind::Query);
        assert_eq!(query.calls, d.pages_of(id), "{what}");
        assert!(query.rcu > 0.0 && query.estimated == 0, "{what}: {query:?}");
        let by_index: HashMap<&str, f64> = d.app.usage().query_units_by_index().collect();
        assert!(by_index.get(INDEX).is_some_and(|u| *u > 0.0), "{what}: {by_index:?}");
        let title = d.app.query_title().expect("a query's title");
        assert!(title.starts_with(&format!("Query {INDEX} · currency = EUR · balance")), "{title}");
        // r: the full scan again.
        let sent = d.key('r');
        assert!(sent.iter().any(|r| matches!(r, Request::Scan { .. })), "{what}: r sent {sent:?}");
        d.run_scan_to_end(PHASE_LIMIT).await;
        assert!(d.app.query().is_none());
        assert_eq!(d.app.list().loaded(), f.items.len(), "{what}: the whole table again");
    }

    // The table itself, by user_id: the one wallet.
    let user_id = f.items[5]["user_id"].as_s().expect("S").clone();
    let values = [(":pk", AttributeValue::S(user_id.clone()))];
    let expected = sdk_query(&client, &table, None, "#pk = :pk", &values, true).await;
    assert_eq!(expected.len(), 1);
    let app = f.app();
    let mut d = Driver::new(&mut f.worker, app);
    scanned(&mut d).await;
    let asked =
        Ask { source: 0, partition: &user_id, condition: 0, value: "", to: "", descending: false };
    let (_, spec) = ask(&mut d, &asked);
    assert_eq!(spec.index, None);
    d.run_scan_to_end(PHASE_LIMIT).await;
    check_list("table query", &d.app, &expected);
    drop(d);
    f.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_only_rows_are_read_whole_when_selected() {
    let mut f = Fixture::start("query_keys_", 40).await;
    let app = f.app();
    let mut d = Driver::new(&mut f.worker, app);
    scanned(&mut d).await;
    let asked =
        Ask { source: 2, partition: "EUR", condition: 0, value: "", to: "", descending: true };
    let (_, spec) = ask(&mut d, &asked);
    assert!(spec.partial);
    d.run_scan_to_end(PHASE_LIMIT).await;
    // Rows not selected hold what the index projects, and are marked partial.
    let rows = d.app.list().len();
    assert!(rows >= 3, "{rows} rows");
    let second = d.app.list().get(1).cloned().expect("a second row");
    assert!(d.app.is_partial(&second.user_id));
    assert_eq!(second.attr("updated_at"), None, "the index projects the keys only");
    assert!(second.balance.is_some() && second.attr("currency").is_some());
    // Selected, it is read whole (GetItem).
    d.key('j');
    d.tick_until(PHASE_LIMIT, "the selected row read whole", |app| {
        app.selected_wallet().is_some_and(|w| !app.is_partial(&w.user_id))
    })
    .await;
    let whole = d.app.selected_wallet().cloned().expect("a row");
    assert_eq!(whole.user_id, second.user_id, "the same row, in the same place");
    let item =
        f.items.iter().find(|i| UserId::new(i["user_id"].as_s().expect("S")) == whole.user_id);
    let at = item.and_then(|i| i["updated_at"].as_s().ok()).expect("written");
    assert_eq!(whole.attr("updated_at"), Some(AttrValue::S(at.as_str().into())));
    assert_eq!(whole.balance, second.balance);
    // The third is still partial until selected.
    let third = d.app.list().get(2).cloned().expect("a third row");
    assert!(d.app.is_partial(&third.user_id));
    drop(d);
    f.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_query_stops_and_its_stale_pages_are_ignored() {
    let mut f = Fixture::start("query_cancel_", 400).await;
    // The worker alone: a cancel stops the pages.
    let spec = QuerySpec {
        index: Some(INDEX.into()),
        partition_name: "currency".into(),
        partition: AttrValue::S("EUR".into()),
        sort: None,
        sort_key: Some("balance".into()),
        descending: false,
        consistent: false,
        page_limit: Some(2),
        max_rcu_per_sec: None,
        partial: false,
    };
    send(&f.worker, Request::Query { id: 7, table: f.table.clone(), spec });
    match next_response(&mut f.worker, PHASE_LIMIT, "the first page of query 7").await {
        Response::QueryPage(q) if q.page.id == 7 && !q.page.last() => {}
        other => panic!("expected the first page of query 7, got {other:?}"),
    }
    send(&f.worker, Request::CancelScan { id: 7 });
    let mut late = 0;
    let drain_until = tokio::time::Instant::now() + Duration::from_secs(1);
    while let Ok(reply) = tokio::time::timeout_at(drain_until, f.worker.responses.recv()).await {
        match reply.map(|r| r.response) {
            Some(Response::QueryPage(q)) if q.page.id == 7 => {
                assert!(!q.page.last(), "the cancelled query reached its end");
                late += 1;
            }
            other => panic!("while draining the cancelled query: {other:?}"),
        }
    }
    assert!(late < 50, "{late} of 100 pages came after the cancel");
    let quiet = tokio::time::timeout(Duration::from_secs(1), f.worker.responses.recv()).await;
    assert!(quiet.is_err(), "a response 1 s after the cancel drained: {quiet:?}");

    // The app: Esc stops the query; the pages the worker had already sent are dropped.
    let app = f.app();
    let mut d = Driver::new(&mut f.worker, app);
    scanned(&mut d).await;
    let asked =
        Ask { source: 1, partition: "EUR", condition: 0, value: "", to: "", descending: false };
    let (id, _) = ask(&mut d, &asked);
    let deadline = Instant::now() + PHASE_LIMIT;
    while d.pages_of(id) == 0 {
        d.step(deadline, "the query's first page").await;
    }
    // Let the worker queue more pages the app has not read yet.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(d.press(KeyCode::Esc), vec![Request::CancelScan { id }]);
    let loaded = d.app.list().loaded();
    let pages = d.pages_of(id);
    assert_eq!(d.app.scan().map(|s| s.outcome.clone()), Some(ScanOutcome::Cancelled));
    let drain_until = Instant::now() + Duration::from_secs(1);
    while Instant::now() < drain_until {
        let left = drain_until.saturating_duration_since(Instant::now());
        let Ok(Some(reply)) = tokio::time::timeout(left, d.worker.responses.recv()).await else {
            break;
        };
        if let Response::QueryPage(q) = &reply.response {
            *d.pages_received.entry(q.page.id).or_default() += 1;
        }
        d.update(Msg::Worker(reply));
    }
    let stale = d.pages_of(id) - pages;
    eprintln!("{stale} pages of the cancelled query arrived after Esc");
    assert!(stale > 0, "no page arrived after Esc: nothing stale was tested");
    assert_eq!(d.app.list().loaded(), loaded, "a stale page reached the list");
    assert_eq!(d.app.scan().map(|s| s.pages), Some(pages), "a stale page was counted");
    drop(d);
    f.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paced_query_reads_at_its_budget() {
    let mut f = Fixture::start("query_paced_", 160).await;
    // Each page of 4 small items costs DynamoDB's least, 0.5 RCU (eventual): at 4 RCU/s,
    // one page every 1/8 s.
    let rate = 4.0;
    let spec = QuerySpec {
        index: Some(INDEX.into()),
        partition_name: "currency".into(),
        partition: AttrValue::S("EUR".into()),
        sort: None,
        sort_key: Some("balance".into()),
        descending: false,
        consistent: false,
        page_limit: Some(PAGE),
        max_rcu_per_sec: Some(rate),
        partial: false,
    };
    let sent = Instant::now();
    send(&f.worker, Request::Query { id: 3, table: f.table.clone(), spec });
    let mut arrivals = Vec::new();
    loop {
        match next_response(&mut f.worker, PHASE_LIMIT, "the paced query's pages").await {
            Response::QueryPage(q) if q.page.id == 3 => {
                let last = q.page.last();
                arrivals.push((sent.elapsed(), q));
                if last {
                    break;
                }
            }
            other => panic!("while the paced query ran: {other:?}"),
        }
    }
    let units: Vec<f64> =
        arrivals.iter().map(|(_, q)| q.page.consumed_rcu.expect("reported")).collect();
    let total: f64 = units.iter().sum();
    let items: usize = arrivals.iter().map(|(_, q)| q.page.wallets.len()).sum();
    assert_eq!(items, f.items.len() / 2, "every EUR wallet once");
    assert!(arrivals.len() >= 10, "{} pages", arrivals.len());
    // The first page starts at once; every later one waits for the budget to pay for the
    // pages before it.
    let took = arrivals.last().map(|(at, _)| *at).unwrap_or_default();
    let least = Duration::from_secs_f64((total - units[units.len() - 1]) / rate);
    eprintln!("{} pages, {total} RCU in {took:?} (least {least:?})", arrivals.len());
    assert!(took >= least.mul_f64(0.9), "{total} RCU read in {took:?} at {rate} RCU/s");
    f.finish().await;
}
