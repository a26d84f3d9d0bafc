//! Watching other writers live: the real `App` and worker, wired as the main loop wires
//! them, tail the table's DynamoDB Stream on DynamoDB Local (which implements Streams) while
//! an outside SDK client writes; and against dynalite, which has no Streams API.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, StreamSpecification, StreamViewType};
use wallet_tui::app::{App, AppConfig, LiveStatus, TableState};
use wallet_tui::msg::{Msg, Request};
use wallet_tui::table::BillingMode;
use wallet_tui::wallet::UserId;
use wallet_tui::worker::{WorkerHandle, WorkerOptions};

use crate::support::{self, AppClient};

/// The loop's wake-up interval (the real loop uses 250 ms).
const TICK: Duration = Duration::from_millis(100);
/// How long a phase (describe, open, scan) may take.
const PHASE_LIMIT: Duration = Duration::from_secs(30);
/// What the issue promises for an outside change to show.
const LIVE_LIMIT: Duration = Duration::from_secs(2);

/// The main loop in miniature.
struct Harness {
    app: App,
    worker: WorkerHandle,
    next_tick: tokio::time::Instant,
    /// Every request the app made.
    sent: Vec<Request>,
}

impl Harness {
    fn new(app: App, worker: WorkerHandle) -> Harness {
        Harness { app, worker, next_tick: tokio::time::Instant::now(), sent: Vec::new() }
    }

    fn update(&mut self, msg: Msg) {
        for job in self.app.update(Instant::now(), msg) {
            self.sent.push(job.request.clone());
            support::send_job(&self.worker, job);
        }
    }

    async fn step(&mut self) {
        let msg = tokio::select! {
            reply = self.worker.responses.recv() => {
                Msg::Worker(reply.expect("the worker's response channel closed"))
            }
            () = tokio::time::sleep_until(self.next_tick) => {
                self.next_tick += TICK;
                Msg::Tick
            }
        };
        self.update(msg);
    }

    /// Runs the loop until `done` holds; panics after `limit` saying `what`.
    async fn run_until(&mut self, what: &str, limit: Duration, done: impl Fn(&App) -> bool) {
        let deadline = Instant::now() + limit;
        while !done(&self.app) {
            assert!(
                Instant::now() < deadline,
                "{what}: not within {limit:?}; stream {:?} ({} changes), status line {:?}",
                self.app.live().status(),
                self.app.live().changes(),
                self.app.status_line()
            );
            self.step().await;
        }
    }

    /// The loaded balance of `id` as text; `None` when the wallet is not in the list.
    fn balance(&self, id: &str) -> Option<String> {
        let wallet = self.app.list().find(&UserId::new(id))?;
        Some(wallet.balance.map_or("-".into(), |b| b.to_string()))
    }

    fn scans(&self) -> usize {
        self.sent.iter().filter(|r| matches!(r, Request::Scan { .. })).count()
    }
}

/// Enables a NEW_AND_OLD_IMAGES stream on `table` with the outside client.
async fn enable_stream(client: &Client, table: &str) {
    let spec = StreamSpecification::builder()
        .stream_enabled(true)
        .stream_view_type(StreamViewType::NewAndOldImages)
        .build()
        .expect("stream specification");
    client
        .update_table()
        .table_name(table)
        .stream_specification(spec)
        .send()
        .await
        .unwrap_or_else(|e| panic!("UpdateTable {table} stream: {e:?}"));
}

/// An app watching `table` at `endpoint`, with its worker, scanned and live.
async fn live_app(endpoint: String, table: &str) -> Harness {
    let app_client = AppClient::new(endpoint).await;
    let worker = app_client.spawn_worker(WorkerOptions::default());
    let config =
        AppConfig { watch_stream: true, ..AppConfig::new(table, app_client.endpoint_label) };
    let mut h = Harness::new(App::new(config, Instant::now()), worker);
    h.run_until("stream live and scan complete", PHASE_LIMIT, |app| {
        *app.live().status() == LiveStatus::Live && app.scan().is_some_and(|s| s.finished.is_some())
    })
    .await;
    let tail = h.sent.iter().position(|r| matches!(r, Request::Tail { .. }));
    let scan = h.sent.iter().position(|r| matches!(r, Request::Scan { .. }));
    assert!(tail < scan && tail.is_some(), "the stream is opened before the scan: {:?}", h.sent);
    h
}

async fn delete_item(client: &Client, table: &str, id: &str) {
    client
        .delete_item()
        .table_name(table)
        .key("user_id", AttributeValue::S(id.to_string()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("DeleteItem {id}: {e:?}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_inserts_modifies_and_removes_show_without_rescan() {
    let server = support::dynamodb_local().await;
    let client = support::sdk_client(&server.endpoint());
    let table = support::unique_table("live_");
    support::create_wallet_table(&client, &table, &BillingMode::OnDemand).await;
    enable_stream(&client, &table).await;
    support::put_wallets(&client, &table, [("alice", "10.50"), ("bob", "7"), ("carol", "1")]).await;
    let mut h = live_app(server.endpoint(), &table).await;
    assert_eq!(h.balance("alice").as_deref(), Some("10.5"), "DynamoDB keeps numbers normalized");
    let scans = h.scans();

    support::put_wallets(&client, &table, [("dave", "99.99")]).await;
    let t = Instant::now();
    h.run_until("INSERT dave", LIVE_LIMIT, |app| app.list().find(&UserId::new("dave")).is_some())
        .await;
    eprintln!("insert seen after {:?}", t.elapsed());
    assert_eq!(h.balance("dave").as_deref(), Some("99.99"));

    support::raw_add(&client, &table, "alice", "0.25").await;
    h.run_until("MODIFY alice", LIVE_LIMIT, |app| {
        app.list().find(&UserId::new("alice")).and_then(|w| w.balance).map(|b| b.to_string())
            == Some("10.75".into())
    })
    .await;

    delete_item(&client, &table, "bob").await;
    h.run_until("REMOVE bob", LIVE_LIMIT, |app| app.list().find(&UserId::new("bob")).is_none())
        .await;

    assert_eq!(h.scans(), scans, "no rescan: {:?}", h.sent);
    assert_eq!(h.app.live().changes(), 3);
    let total = h.app.list().aggregates().total.total();
    assert_eq!(total.to_string(), "111.74", "footer total follows: 10.75 + 1 + 99.99");
    let feed: Vec<_> = h.app.live().feed().iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(feed, ["REMOVE", "MODIFY", "INSERT"]);
    assert!(h.app.live().calls() > 0, "stream calls counted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynalite_says_no_streams_api_and_the_list_works() {
    let server = support::dynalite(0).await;
    let client = support::sdk_client(&server.endpoint());
    let table = support::unique_table("nolive_");
    support::create_wallet_table(&client, &table, &BillingMode::OnDemand).await;
    support::put_wallets(&client, &table, [("alice", "1"), ("bob", "2")]).await;
    let app_client = AppClient::new(server.endpoint()).await;
    let worker = app_client.spawn_worker(WorkerOptions::default());
    let config =
        AppConfig { watch_stream: true, ..AppConfig::new(&table, app_client.endpoint_label) };
    let mut h = Harness::new(App::new(config, Instant::now()), worker);
    h.run_until("scan complete and stream answered", PHASE_LIMIT, |app| {
        matches!(app.live().status(), LiveStatus::NoApi(_))
            && app.scan().is_some_and(|s| s.finished.is_some())
    })
    .await;
    assert!(matches!(h.app.table(), TableState::Present(_)));
    assert_eq!(h.app.list().loaded(), 2);
    let line = h.app.status_line().map(|l| l.text.clone()).unwrap_or_default();
    assert!(line.contains("no DynamoDB Streams API"), "{line}");
}

/// Disables the stream of `table` with the outside client.
async fn disable_stream(client: &Client, table: &str) {
    let spec = StreamSpecification::builder().stream_enabled(false).build().expect("spec");
    client
        .update_table()
        .table_name(table)
        .stream_specification(spec)
        .send()
        .await
        .unwrap_or_else(|e| panic!("UpdateTable {table} no stream: {e:?}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_disabled_while_tailed_is_told_and_l_enables_it_again() {
    let server = support::dynamodb_local().await;
    let client = support::sdk_client(&server.endpoint());
    let table = support::unique_table("relive_");
    support::create_wallet_table(&client, &table, &BillingMode::OnDemand).await;
    enable_stream(&client, &table).await;
    support::put_wallets(&client, &table, [("alice", "1")]).await;
    let mut h = live_app(server.endpoint(), &table).await;

    disable_stream(&client, &table).await;
    h.run_until("the tail stopped", PHASE_LIMIT, |app| {
        matches!(app.live().status(), LiveStatus::Ended(_))
    })
    .await;
    let line = h.app.status_line().map(|l| l.text.clone()).unwrap_or_default();
    assert!(line.contains("stream tail stopped"), "{line}");
    h.run_until(
        "the table described without a stream",
        PHASE_LIMIT,
        |app| matches!(app.table(), TableState::Present(info) if info.stream.is_none()),
    )
    .await;

    h.update(support::key(crossterm::event::KeyCode::Char('L')));
    for c in table.chars() {
        h.update(support::key(crossterm::event::KeyCode::Char(c)));
    }
    h.update(support::key(crossterm::event::KeyCode::Enter));
    assert!(h.sent.iter().any(|r| matches!(r, Request::EnableStream { .. })), "{:?}", h.sent);
    h.run_until("live again", PHASE_LIMIT, |app| *app.live().status() == LiveStatus::Live).await;
    h.run_until("the rescan done", PHASE_LIMIT, |app| {
        app.scan().is_some_and(|s| s.finished.is_some())
    })
    .await;
    support::raw_add(&client, &table, "alice", "2").await;
    h.run_until("MODIFY alice after L", LIVE_LIMIT, |app| {
        app.list().find(&UserId::new("alice")).and_then(|w| w.balance).map(|b| b.to_string())
            == Some("3".into())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_updates_during_a_scan_leave_the_list_equal_to_the_table() {
    const WALLETS: usize = 20_000;
    const UPDATES: usize = 2000;
    let server = support::dynamodb_local().await;
    let client = support::sdk_client(&server.endpoint());
    let table = support::unique_table("busy_");
    support::create_wallet_table(&client, &table, &BillingMode::OnDemand).await;
    enable_stream(&client, &table).await;
    let items: Vec<support::Item> =
        (0..WALLETS).map(|i| support::wallet_item(&format!("w{i:05}"), "100")).collect();
    let t = Instant::now();
    support::put_items(&client, &table, &items).await;
    eprintln!("{WALLETS} wallets written in {:?}", t.elapsed());

    let app_client = AppClient::new(server.endpoint()).await;
    let worker = app_client.spawn_worker(WorkerOptions::default());
    let mut config =
        AppConfig { watch_stream: true, ..AppConfig::new(&table, app_client.endpoint_label) };
    config.scan_spec.page_limit = Some(200);
    config.scan_spec.segments = 2;
    let mut h = Harness::new(App::new(config, Instant::now()), worker);
    h.run_until("stream live", PHASE_LIMIT, |app| *app.live().status() == LiveStatus::Live).await;
    // The outside writer: 2000 updates (of 1000 wallets, twice each; some deleted, some
    // new) while the scan runs.
    let writer = {
        let (client, table) = (client.clone(), table.clone());
        tokio::spawn(async move {
            for n in 0..UPDATES {
                let id = format!("w{:05}", (n * 7919) % 1000 * 20);
                match n % 50 {
                    0 => delete_item(&client, &table, &id).await,
                    1 => {
                        support::put_wallets(&client, &table, [(format!("new{n}"), "5".into())])
                            .await
                    }
                    _ => support::raw_add(&client, &table, &id, "0.01").await,
                }
            }
        })
    };
    let scan_limit = Duration::from_secs(240);
    let deadline = Instant::now() + scan_limit;
    while !writer.is_finished() || h.app.scan().is_none_or(|s| s.finished.is_none()) {
        assert!(Instant::now() < deadline, "scan and writer not done within {scan_limit:?}");
        h.step().await;
    }
    writer.await.expect("the writer");
    assert!(h.app.live().changes() > 0, "changes arrived during the scan");
    // Quiet: no change for 3 s (the tail reads each shard at least once a second). (Not a
    // count of records: deleting a wallet already deleted writes none.)
    h.run_until("quiet", PHASE_LIMIT, |app| {
        app.live().last_change().is_some_and(|at| at.elapsed() > Duration::from_secs(3))
    })
    .await;
    eprintln!("{} changes applied", h.app.live().changes());
    assert!(h.app.live().changes() >= (UPDATES * 9 / 10) as u64, "most updates seen live");
    let mut table_now: Vec<(String, String)> = consistent_scan(&client, &table)
        .await
        .iter()
        .map(|item| {
            let id = item["user_id"].as_s().expect("id").clone();
            (id, item["balance"].as_n().expect("balance").clone())
        })
        .collect();
    table_now.sort();
    let mut listed: Vec<(String, String)> = (0..h.app.list().loaded())
        .filter_map(|i| h.app.list().get(i))
        .map(|w| (w.user_id.to_text(), w.balance.map_or("-".into(), |b| b.to_string())))
        .collect();
    listed.sort();
    let differ: Vec<_> = table_now.iter().zip(&listed).filter(|(a, b)| a != b).take(5).collect();
    assert_eq!(listed.len(), table_now.len(), "same wallets; first differences {differ:?}");
    assert!(differ.is_empty(), "same balances: {differ:?}");
    let total: bigdecimal::BigDecimal =
        table_now.iter().map(|(_, b)| b.parse::<bigdecimal::BigDecimal>().expect("n")).sum();
    assert_eq!(h.app.list().aggregates().total.total(), total, "exact total");
}

/// Every item of `table`, read with a strongly consistent scan.
async fn consistent_scan(client: &Client, table: &str) -> Vec<support::Item> {
    let pages =
        client.scan().table_name(table).consistent_read(true).into_paginator().items().send();
    pages.try_collect().await.unwrap_or_else(|e| panic!("Scan {table}: {e:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_read_before_the_apps_write_and_delivered_after_does_not_bring_back_the_old_balance()
{
    use crossterm::event::KeyCode;
    let server = support::dynamodb_local().await;
    let client = support::sdk_client(&server.endpoint());
    let table = support::unique_table("stale_");
    support::create_wallet_table(&client, &table, &BillingMode::OnDemand).await;
    support::put_wallets(&client, &table, [("alice", "10")]).await;
    let proxy = support::proxy::Proxy::start(&server.endpoint()).await;
    // Every scan page is read at once and delivered 4 s later.
    proxy.hold_responses_of("Scan", Duration::from_secs(4));
    let app_client = AppClient::new(proxy.endpoint()).await;
    let worker = app_client.spawn_worker(WorkerOptions::default());
    let mut config = AppConfig::new(&table, app_client.endpoint_label);
    config.scan_spec.segments = 1;
    let mut h = Harness::new(App::new(config, Instant::now()), worker);
    h.run_until("the scan asked for", PHASE_LIMIT, |app| app.scan().is_some()).await;
    // While its page is held: get alice, set her balance to 20.
    h.update(support::key(KeyCode::Char('f')));
    for c in "alice".chars() {
        h.update(support::key(KeyCode::Char(c)));
    }
    h.update(support::key(KeyCode::Enter));
    h.run_until("alice read", PHASE_LIMIT, |app| app.selected_wallet().is_some()).await;
    h.update(support::key(KeyCode::Char('e')));
    h.update(support::key(KeyCode::Char('2')));
    h.update(support::key(KeyCode::Char('0')));
    h.update(support::key(KeyCode::Enter));
    h.update(support::key(KeyCode::Enter));
    assert!(h.sent.iter().any(|r| matches!(r, Request::Write { .. })), "{:?}", h.sent);
    let balance = |app: &App| {
        app.list().find(&UserId::new("alice")).and_then(|w| w.balance).map(|b| b.to_string())
    };
    h.run_until("the write answered", PHASE_LIMIT, |app| balance(app).as_deref() == Some("20"))
        .await;
    assert!(
        h.app.scan().is_some_and(|s| s.pages == 0),
        "the page is still held when the write has its answer"
    );
    h.run_until("the held page delivered", PHASE_LIMIT, |app| {
        app.scan().is_some_and(|s| s.finished.is_some())
    })
    .await;
    assert_eq!(balance(&h.app).as_deref(), Some("20"), "the page read before the write is stale");
    assert_eq!(support::stored_balance(&client, &table, "alice").await.as_deref(), Some("20"));
}
