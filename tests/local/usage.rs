//! The capacity panel's numbers against a real DynamoDB Local (started by `support`): a
//! session scripted through a real `App` and worker, every request the app makes sent to the
//! worker and every answer fed back, while the test adds up the consumed capacity the
//! endpoint reported in the responses themselves. The app's `usage` must hold exactly those
//! sums, none of them estimated (DynamoDB Local reports capacity when asked, as the worker
//! always does). A second session loses one response on the way (through the fault-injecting
//! proxy of `support::proxy`) to see the SDK's retry counted; a third has the proxy
//! throttle one attempt of every kind of call the worker makes, to see each one counted.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use crossterm::event::KeyCode;
use wallet_tui::app::{App, AppConfig, ScanOutcome};
use wallet_tui::local::LocalServer;
use wallet_tui::msg::CallStats;
use wallet_tui::msg::{Msg, Request, Response, ScanSpec};
use wallet_tui::query::QuerySpec;
use wallet_tui::table::{BillingMode, CreateTableSpec};
use wallet_tui::usage::{OpKind, Totals};
use wallet_tui::wallet::AttrValue;
use wallet_tui::worker::{WorkerHandle, WorkerOptions};
use wallet_tui::write::{EditReason, Write, WriteKind};

use crate::support;
use crate::support::proxy::Proxy;
use crate::support::{bal, write};

/// The app's clock moves this much per message (a frozen, reproducible clock).
const STEP: Duration = Duration::from_millis(100);

/// What the responses themselves reported, per kind of call.
#[derive(Debug, Default)]
struct Reported(HashMap<OpKind, Totals>);

impl Reported {
    fn add(&mut self, kind: OpKind, rcu: f64, wcu: f64) {
        let totals = self.0.entry(kind).or_default();
        totals.calls += 1;
        totals.rcu += rcu;
        totals.wcu += wcu;
    }

    /// Adds up one response, in the order the app sees them; panics where a data call's
    /// response carries no consumed capacity.
    fn take(&mut self, response: &Response) {
        match response {
            Response::ScanPage(page) => {
                let rcu = page.consumed_rcu.unwrap_or_else(|| panic!("no RCU in {page:?}"));
                self.add(OpKind::Scan, rcu, 0.0);
            }
            Response::GotWallet { result: Ok(_), consumed_rcu, .. } => {
                let rcu = consumed_rcu.unwrap_or_else(|| panic!("no RCU in {response:?}"));
                self.add(OpKind::Get, rcu, 0.0);
            }
            Response::Written { write, result: Ok(done), .. } => {
                let wcu = done.consumed_wcu.unwrap_or_else(|| panic!("no WCU in {response:?}"));
                self.add(OpKind::of_write(&write.kind), 0.0, wcu);
            }
            Response::Described { result: Ok(_), .. } => self.add(OpKind::Table, 0.0, 0.0),
            other @ (Response::GotWallet { .. }
            | Response::Written { .. }
            | Response::Described { .. }
            | Response::ScanFailed { .. }) => panic!("a call failed: {other:?}"),
            _ => {}
        }
    }

    fn totals(&self, kind: OpKind) -> Totals {
        self.0.get(&kind).copied().unwrap_or_default()
    }
}

/// A real app and worker on one table, the app's requests sent, the answers fed back.
struct Session {
    server: LocalServer,
    raw: Client,
    table: String,
    app: App,
    worker: WorkerHandle,
    clock: Instant,
    reported: Reported,
    proxy: Option<Proxy>,
}

impl Session {
    /// A fresh table on a fresh DynamoDB Local; with `proxied`, the worker's client goes
    /// through a [`Proxy`]. Scans use two segments of at most two items per page.
    async fn start(prefix: &str, proxied: bool) -> Session {
        let server = support::dynamodb_local().await;
        let raw = support::sdk_client(&server.endpoint());
        let table = support::unique_table(prefix);
        // A provisioned wallet table (5 RCU / 5 WCU), created with the raw client.
        let billing = BillingMode::Provisioned { read: 5, write: 5 };
        support::create_wallet_table(&raw, &table, &billing).await;
        let proxy = if proxied { Some(Proxy::start(&server.endpoint()).await) } else { None };
        let endpoint = proxy.as_ref().map_or_else(|| server.endpoint(), Proxy::endpoint);
        let worker = support::spawn_app_worker(endpoint, WorkerOptions::default()).await;
        let clock = Instant::now();
        let mut config = AppConfig::new(table.clone(), "DynamoDB Local");
        config.scan_spec.segments = 2;
        config.scan_spec.page_limit = Some(2);
        let app = App::new(config, clock);
        Session { server, raw, table, app, worker, clock, reported: Reported::default(), proxy }
    }

    /// One message to the app at the next tick of the clock; its requests are sent on.
    fn update(&mut self, msg: Msg) -> Vec<Request> {
        self.clock += STEP;
        // One table, one session: the app's jobs are those of support::TEST_SESSION.
        self.app.update(self.clock, msg).into_iter().map(|job| job.request).collect()
    }

    /// Sends `requests`, then feeds every answer to the app and sends what it asks in turn,
    /// until nothing is outstanding.
    async fn run(&mut self, mut requests: Vec<Request>) {
        let mut outstanding = 0u32;
        loop {
            for request in requests.drain(..) {
                outstanding += match &request {
                    Request::Scan { spec, .. } => spec.segments.max(1),
                    Request::CancelScan { .. } => panic!("the session cancelled a scan"),
                    _ => 1,
                };
                support::send(&self.worker, request);
            }
            if outstanding == 0 {
                return;
            }
            let what = format!("{outstanding} more answers");
            let reply = support::next_reply(&mut self.worker, support::CALL_LIMIT, &what).await;
            match &reply.response {
                Response::ScanPage(page) if !page.last() => {}
                _ => outstanding -= 1,
            }
            self.reported.take(&reply.response);
            requests = self.update(Msg::Worker(reply));
        }
    }

    /// A request made by the test rather than by a key, answered and fed to the app.
    async fn call(&mut self, request: Request) {
        self.run(vec![request]).await;
    }

    /// A key pressed in the app.
    async fn press(&mut self, c: char) {
        let requests = self.update(support::key(KeyCode::Char(c)));
        self.run(requests).await;
    }

    /// Passes the worker's retry and throttle counts to the app, as the binary's loop does.
    fn deliver_call_stats(&mut self) {
        if self.worker.stats.has_changed().unwrap_or(false) {
            let stats = *self.worker.stats.borrow_and_update();
            self.update(Msg::CallStats(stats));
        }
    }

    fn write_request(&self, write: Write) -> Request {
        Request::Write { table: self.table.clone(), write }
    }

    /// The app's totals equal what the responses reported, kind by kind, none estimated.
    fn assert_usage_matches_the_responses(&self) {
        for kind in OpKind::ALL {
            let reported = self.reported.totals(kind);
            let usage = self.app.usage().totals(kind);
            assert_eq!(usage, reported, "{kind:?}: app usage vs the responses' own capacity");
            assert_eq!(usage.estimated, 0, "{kind:?}: estimated although DynamoDB Local reports");
        }
        assert_eq!(self.app.usage().total().estimated, 0);
    }

    async fn finish(self) {
        support::delete_table(&self.raw, &self.table).await;
        self.worker.shutdown();
        drop(self.proxy);
        self.server.stop().await;
    }
}

#[tokio::test]
async fn usage_totals_are_exactly_what_the_endpoint_reported() {
    let mut s = Session::start("usage_", false).await;
    // The app describes the table at once, finds it ACTIVE and empty, and scans it.
    let first = s.update(Msg::Tick);
    assert!(
        matches!(first.as_slice(), [Request::ResolveWrites { .. }, Request::DescribeTable { .. }]),
        "{first:?}"
    );
    s.run(first).await;

    let users: Vec<String> = (0..5).map(|i| format!("usage-user-{i}")).collect();
    let big = "7".repeat(30); // a 30-digit balance: a bigger item than the others
    for (i, user) in users.iter().enumerate() {
        let balance = if i == 0 { bal(&big) } else { bal(&format!("{i}.25")) };
        let request = s.write_request(write(user, WriteKind::Create { balance }));
        s.call(request).await;
    }
    let get =
        Request::GetWallet { table: s.table.clone(), user_id: users[1].clone(), consistent: true };
    s.call(get).await;
    let missing =
        Request::GetWallet { table: s.table.clone(), user_id: "nobody".into(), consistent: false };
    s.call(missing).await;

    // `r`: describe and rescan, now over five wallets in pages of two.
    s.press('r').await;
    let scan = s.app.scan().expect("a scan ran");
    assert_eq!(scan.outcome, ScanOutcome::Complete, "{scan:?}");
    assert_eq!(s.app.list().loaded(), users.len());

    let set = WriteKind::SetBalance {
        seen: Some(bal("2.25")),
        new: bal("1000.5"),
        reason: EditReason::Deposit(bal("998.25")),
    };
    let request = s.write_request(write(&users[2], set));
    s.call(request).await;
    let delete = WriteKind::Delete { seen: Some(bal(&big)) };
    let request = s.write_request(write(&users[0], delete));
    s.call(request).await;
    s.deliver_call_stats();

    eprintln!("reported by the endpoint: {:?}", s.reported);
    s.assert_usage_matches_the_responses();
    let expect_calls =
        [(OpKind::Put, 5), (OpKind::Get, 2), (OpKind::Update, 1), (OpKind::Delete, 1)];
    for (kind, calls) in expect_calls {
        assert_eq!(s.app.usage().totals(kind).calls, calls, "{kind:?}");
    }
    let scans = s.app.usage().totals(OpKind::Scan);
    // Two scans of two segments each; the second read five items in pages of two.
    assert!(scans.calls >= 2 + 3, "{scans:?}");
    assert!(scans.rcu > 0.0 && s.app.usage().totals(OpKind::Put).wcu >= 5.0, "{:?}", s.app.usage());
    assert!(s.app.usage().totals(OpKind::Table).calls >= 2, "{:?}", s.app.usage());
    let last = s.app.usage().last().expect("a last call");
    assert_eq!((last.kind, last.estimated), (OpKind::Delete, false));
    assert_eq!((s.app.usage().retries, s.app.usage().throttled), (0, 0), "no fault was injected");
    s.finish().await;
}

#[tokio::test]
async fn a_lost_response_is_counted_as_a_retry() {
    let mut s = Session::start("usage_retry_", true).await;
    let first = s.update(Msg::Tick);
    s.run(first).await;
    let user = "usage-retry-user";
    let request = s.write_request(write(user, WriteKind::Create { balance: bal("3") }));
    s.call(request).await;
    s.deliver_call_stats();
    assert_eq!((s.app.usage().retries, s.app.usage().throttled), (0, 0));

    let proxy = s.proxy.as_ref().expect("proxied");
    proxy.drop_next_response();
    let get = Request::GetWallet { table: s.table.clone(), user_id: user.into(), consistent: true };
    s.call(get).await;
    let proxy = s.proxy.as_ref().expect("proxied");
    assert_eq!(proxy.pending_drops(), 0, "the response was not dropped");
    assert_eq!(proxy.count_requests_with("GetItem"), 2, "{:?}", proxy.forwarded());

    assert!(s.worker.stats.has_changed().expect("worker alive"), "the retry was not published");
    s.deliver_call_stats();
    assert_eq!((s.app.usage().retries, s.app.usage().throttled), (1, 0));
    // The first attempt's capacity was consumed but never reported: only what came back counts.
    s.assert_usage_matches_the_responses();
    s.finish().await;
}

/// Every kind of call the worker makes, its first attempt answered by the proxy with one of
/// DynamoDB's throttling errors: the SDK retries it, the call goes through, and the worker's
/// call stats count that one throttled attempt and that one retry, whatever the operation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_attempt_is_counted_for_every_kind_of_call() {
    let server = support::dynamodb_local().await;
    let raw = support::sdk_client(&server.endpoint());
    let proxy = Proxy::start(&server.endpoint()).await;
    let mut worker = support::spawn_app_worker(proxy.endpoint(), WorkerOptions::default()).await;
    let (table, seeded) = (support::unique_table("throttled_"), support::unique_table("seed_"));
    let codes =
        ["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"];
    let mut expected = CallStats::default();
    for (i, (operation, request)) in every_kind_of_call(&table, &seeded).into_iter().enumerate() {
        proxy.answer_with_error(&format!(".{operation}"), codes[i % codes.len()], 1);
        let answer = final_answer(&mut worker, request).await;
        assert_eq!(failure(&answer), None, "{operation}: {answer:?}");
        assert_eq!(proxy.pending_errors(), 0, "{operation} was never called");
        expected.throttled += 1;
        expected.retries += 1;
        assert_eq!(*worker.stats.borrow_and_update(), expected, "{operation} throttled once");
        if operation == "CreateTable" || operation == "UpdateTable" {
            support::wait_until_active(&raw, &table, support::ACTIVE_LIMIT).await;
        }
        if operation == "CreateTable" {
            support::put_wallets(&raw, &table, [(TRANSFER_TO, "0")]).await;
        }
    }
    assert_eq!(support::scan_items(&raw, &seeded).await.len(), 3, "the seed went through");
    worker.shutdown();
    support::delete_table(&raw, &seeded).await;
    drop(proxy);
    server.stop().await;
}

/// The wallet [`every_kind_of_call`] transfers to, put there by the test.
const TRANSFER_TO: &str = "throttled-to";

/// One request for each operation the worker calls, named by it, in an order that works on a
/// table `table` that does not exist yet; the seed (BatchWriteItem) goes to `seeded`.
fn every_kind_of_call(table: &str, seeded: &str) -> Vec<(&'static str, Request)> {
    let table = table.to_string();
    let from = "throttled-from";
    let on_wallet = |kind| Request::Write { table: table.clone(), write: write(from, kind) };
    let deposit = EditReason::Deposit(bal("5"));
    let set = WriteKind::SetBalance { seen: Some(bal("10")), new: bal("15"), reason: deposit };
    let transfer = WriteKind::Transfer {
        to: TRANSFER_TO.into(),
        amount: bal("5"),
        overdraft: false,
        currency: None,
    };
    let spec = ScanSpec { segments: 1, page_limit: None, consistent: true, max_rcu_per_sec: None };
    let create = CreateTableSpec { name: table.clone(), billing: BillingMode::OnDemand };
    let provisioned = BillingMode::Provisioned { read: 5, write: 5 };
    let get = Request::GetWallet { table: table.clone(), user_id: from.into(), consistent: true };
    vec![
        ("CreateTable", Request::CreateTable { spec: create }),
        ("DescribeTable", Request::DescribeTable { table: table.clone() }),
        ("ListTables", Request::ListTables),
        // Every wallet write is one TransactWriteItems.
        ("TransactWriteItems", on_wallet(WriteKind::Create { balance: bal("10") })),
        ("GetItem", get),
        ("TransactWriteItems", on_wallet(set)),
        ("TransactWriteItems", on_wallet(transfer)),
        ("Scan", Request::scan(1, table.clone(), spec)),
        ("Query", Request::Query { id: 2, table: table.clone(), spec: by_user_id(from) }),
        ("TransactWriteItems", on_wallet(WriteKind::Delete { seen: Some(bal("10")) })),
        ("BatchWriteItem", Request::Seed { table: seeded.to_string(), users: 3 }),
        ("UpdateTable", Request::UpdateTable { table: table.clone(), billing: provisioned }),
        ("DeleteTable", Request::DeleteTable { table }),
    ]
}

/// A Query of the wallet table itself for `user_id`.
fn by_user_id(user_id: &str) -> QuerySpec {
    QuerySpec {
        index: None,
        partition_name: "user_id".into(),
        partition: AttrValue::S(user_id.into()),
        sort: None,
        sort_key: None,
        descending: false,
        consistent: true,
        page_limit: None,
        max_rcu_per_sec: None,
        partial: false,
    }
}

/// Sends `request` and waits for its answer: a write's own answer after its read-backs, a
/// scan's last page.
async fn final_answer(worker: &mut WorkerHandle, request: Request) -> Response {
    let what = format!("the answer to {request:?}");
    support::send(worker, request);
    loop {
        match support::next_response(worker, support::CALL_LIMIT, &what).await {
            Response::ReadBack { .. } => {}
            Response::ScanPage(page) if !page.last() => {}
            Response::QueryPage(q) if !q.page.last() => {}
            answer => return answer,
        }
    }
}

/// Why a call failed, if it did.
fn failure(answer: &Response) -> Option<String> {
    match answer {
        Response::Described { result: Err(e), .. }
        | Response::Created { result: Err(e), .. }
        | Response::TableUpdated { result: Err(e), .. }
        | Response::Deleted { result: Err(e), .. }
        | Response::GotWallet { result: Err(e), .. }
        | Response::TablesListed { result: Err(e), .. }
        | Response::ScanFailed { error: e, .. } => Some(e.summary()),
        Response::Written { result: Err(e), .. } => Some(format!("{e:?}")),
        Response::Seeded { result: Err(e), .. } => Some(e.to_string()),
        _ => None,
    }
}
