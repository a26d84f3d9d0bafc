//! Wallet writes through the real worker against a real DynamoDB Local (started by
//! `support`): conditional creates, sets and deletes, conflicts, exact decimals, no lost
//! update under concurrent writers, no double apply when a response is lost (through the
//! fault-injecting proxy of `support::proxy`), read-only refusal at the wire, and the
//! write journal. The worker's client is built the way the application builds it; a second,
//! raw SDK client plays "another writer" and checks what is really stored.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use bigdecimal::BigDecimal;
use wallet_tui::error::{ApiError, ErrorKind};
use wallet_tui::journal::{self, Journal, JournalEntry};
use wallet_tui::local::LocalServer;
use wallet_tui::msg::{Request, Response};
use wallet_tui::table::{BillingMode, CreateTableSpec};
use wallet_tui::wallet::{AttrValue, Wallet};
use wallet_tui::worker::{WorkerHandle, WorkerOptions};
use wallet_tui::write::{EditReason, Write, WriteDone, WriteError, WriteKind};

use crate::support;
use crate::support::proxy::Proxy;
use crate::support::{bal, call, write};

/// Every target a write to data or tables can have.
const WRITE_TARGETS: [&str; 7] = [
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "CreateTable",
    "DeleteTable",
    "BatchWriteItem",
    "TransactWriteItems",
];

fn user() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A DynamoDB Local with one fresh wallet table, a raw client straight to the server, and a
/// worker whose client goes to the server or, with `proxied`, through a [`Proxy`].
struct Fixture {
    server: LocalServer,
    raw: Client,
    worker: WorkerHandle,
    table: String,
    proxy: Option<Proxy>,
}

impl Fixture {
    async fn start(prefix: &str, options: WorkerOptions, proxied: bool) -> Fixture {
        let server = support::dynamodb_local().await;
        let raw = support::sdk_client(&server.endpoint());
        let proxy = if proxied { Some(Proxy::start(&server.endpoint()).await) } else { None };
        let endpoint = proxy.as_ref().map_or_else(|| server.endpoint(), Proxy::endpoint);
        let worker = support::spawn_app_worker(endpoint, options).await;
        let table = support::unique_table(prefix);
        support::create_wallet_table(&raw, &table, &BillingMode::OnDemand).await;
        let mut worker = worker;
        support::open_session(&mut worker, &table).await;
        Fixture { server, raw, worker, table, proxy }
    }

    fn proxy(&self) -> &Proxy {
        self.proxy.as_ref().expect("this fixture has no proxy")
    }

    /// Deletes the table and stops everything; a failure here fails the test.
    async fn finish(self) {
        support::delete_table(&self.raw, &self.table).await;
        self.worker.shutdown();
        drop(self.proxy);
        self.server.stop().await;
    }

    async fn write(&mut self, write: &Write) -> Result<WriteDone, WriteError> {
        let req = Request::Write { table: self.table.clone(), write: write.clone() };
        match call(&mut self.worker, req).await {
            Response::Written { table, write: echoed, result }
                if table == self.table && echoed == *write =>
            {
                result
            }
            other => panic!("{write:?}: unexpected response {other:?}"),
        }
    }

    /// A write that must succeed without being a recognised retry.
    async fn write_ok(&mut self, write: &Write) -> WriteDone {
        match self.write(write).await {
            Ok(done) => {
                assert!(!done.resent, "{write:?} needed a second send: {done:?}");
                assert!(done.consumed_wcu.is_some_and(|c| c > 0.0), "{write:?}: {done:?}");
                assert!(done.request_id.as_deref().is_some_and(|r| !r.is_empty()), "{done:?}");
                done
            }
            Err(err) => panic!("{write:?} failed: {err:?}"),
        }
    }

    /// The names of the stored item's attributes, sorted (none: no such item).
    async fn attribute_names(&self, user_id: &str) -> Vec<String> {
        let mut names: Vec<String> =
            self.raw_item(user_id).await.map(|i| i.into_keys().collect()).unwrap_or_default();
        names.sort();
        names
    }

    /// GetWallet (strongly consistent) through the worker.
    async fn get(&mut self, user_id: &str) -> Option<Wallet> {
        let req = Request::GetWallet {
            table: self.table.clone(),
            user_id: user_id.to_string(),
            consistent: true,
        };
        match call(&mut self.worker, req).await {
            Response::GotWallet { table, user_id: u, result, consumed_rcu }
                if table == self.table && u == user_id =>
            {
                let wallet = result.unwrap_or_else(|e| panic!("GetWallet {user_id}: {e:?}"));
                // DynamoDB Local reports capacity when asked, as the worker always does.
                assert!(consumed_rcu.is_some_and(|c| c > 0.0), "GetWallet RCU {consumed_rcu:?}");
                wallet
            }
            other => panic!("GetWallet {user_id}: unexpected response {other:?}"),
        }
    }

    /// The item as stored, read with the raw client (strongly consistent).
    async fn raw_item(&self, user_id: &str) -> Option<HashMap<String, AttributeValue>> {
        self.raw
            .get_item()
            .table_name(&self.table)
            .key("user_id", AttributeValue::S(user_id.to_string()))
            .consistent_read(true)
            .send()
            .await
            .unwrap_or_else(|e| panic!("raw GetItem {user_id}: {e:?}"))
            .item
    }

    /// The stored balance's exact text, read with the raw client.
    async fn raw_balance(&self, user_id: &str) -> Option<String> {
        support::stored_balance(&self.raw, &self.table, user_id).await
    }

    /// Puts an item with the raw client, unconditionally.
    async fn raw_put(&self, user_id: &str, balance: Option<&str>) {
        let mut put = self
            .raw
            .put_item()
            .table_name(&self.table)
            .item("user_id", AttributeValue::S(user_id.to_string()))
            .item("note", AttributeValue::S("put by another writer".into()));
        if let Some(balance) = balance {
            put = put.item("balance", AttributeValue::N(balance.to_string()));
        }
        put.send().await.unwrap_or_else(|e| panic!("raw PutItem {user_id}: {e:?}"));
    }

    async fn raw_delete(&self, user_id: &str) {
        self.raw
            .delete_item()
            .table_name(&self.table)
            .key("user_id", AttributeValue::S(user_id.to_string()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("raw DeleteItem {user_id}: {e:?}"));
    }
}

fn create(user_id: &str, balance: &str) -> Write {
    write(user_id, WriteKind::Create { balance: bal(balance) })
}

fn set(user_id: &str, seen: Option<&str>, new: &str, reason: EditReason) -> Write {
    write(user_id, WriteKind::SetBalance { seen: seen.map(bal), new: bal(new), reason })
}

fn delete(user_id: &str, seen: Option<&str>) -> Write {
    write(user_id, WriteKind::Delete { seen: seen.map(bal) })
}

/// The conflict's current wallet, with the whole result in the panic otherwise.
fn expect_conflict(what: &str, result: Result<WriteDone, WriteError>) -> Option<Wallet> {
    match result {
        Err(WriteError::Conflict { current }) => current,
        other => panic!("{what}: expected a conflict, got {other:?}"),
    }
}

fn text_attr(wallet: &Wallet, name: &str) -> String {
    match wallet.attr(name) {
        Some(AttrValue::S(s)) => s.to_string(),
        other => panic!("{name} of {wallet:?} is {other:?}, not a string"),
    }
}

#[tokio::test]
async fn create_conflicts_with_an_existing_wallet_and_a_resend_applies_nothing_twice() {
    let mut f = Fixture::start("wr_create_", WorkerOptions::default(), false).await;
    let id = user();

    assert_eq!(f.get(&id).await, None, "a fresh user already has a wallet");
    let first = create(&id, "10.50");
    let done = f.write_ok(&first).await;
    let wallet = done.wallet.clone().expect("create returns the wallet");
    assert_eq!(wallet.user_id.to_text(), id);
    assert_eq!(wallet.balance, Some(bal("10.5")));
    assert_eq!(f.attribute_names(&id).await, ["balance", "user_id"], "only what was asked");
    assert_eq!(done.old_balance, None);
    assert!(done.request_id.as_deref().is_some_and(|r| !r.is_empty()), "{done:?}");
    assert_eq!(f.get(&id).await, Some(wallet.clone()), "GetWallet disagrees with the create");

    // Another user action creating the same wallet: a conflict showing the stored wallet.
    let other = create(&id, "99");
    let current = expect_conflict("second create", f.write(&other).await)
        .expect("the conflict carries the existing wallet");
    assert_eq!(current, wallet);
    assert_eq!(f.raw_balance(&id).await.as_deref(), Some("10.5"));

    // The same write sent again (its token, within its window): DynamoDB answers success
    // and applies nothing, although the other create's conflict shows the wallet exists.
    let done = f.write(&first).await.unwrap_or_else(|e| panic!("resent create: {e:?}"));
    assert_eq!(done.wallet, Some(wallet));
    assert_eq!(f.raw_balance(&id).await.as_deref(), Some("10.5"));

    f.finish().await;
}

#[tokio::test]
async fn set_balance_is_conditional_on_the_seen_balance() {
    let mut f = Fixture::start("wr_set_", WorkerOptions::default(), false).await;
    let id = user();
    f.raw_put(&id, Some("5")).await;

    // The ok path changes the balance and nothing else.
    let names = f.attribute_names(&id).await;
    let write = set(&id, Some("5"), "7.25", EditReason::Set);
    let done = f.write_ok(&write).await;
    assert_eq!(done.wallet, None, "the app's copy holds the other attributes");
    let wallet = f.get(&id).await.expect("the wallet");
    assert_eq!(wallet.balance, Some(bal("7.25")));
    assert_eq!(text_attr(&wallet, "note"), "put by another writer", "another attribute changed");
    assert_eq!(f.attribute_names(&id).await, names, "attributes added or removed");
    assert_eq!(done.old_balance, Some(bal("5")));
    assert!(done.request_id.as_deref().is_some_and(|r| !r.is_empty()), "{done:?}");

    // A stale `seen`: conflict with the actual wallet, and nothing changes.
    let before = f.raw_item(&id).await;
    let stale = set(&id, Some("5"), "100", EditReason::Set);
    let current = expect_conflict("stale set", f.write(&stale).await);
    assert_eq!(current, Some(wallet.clone()));
    assert_eq!(f.raw_item(&id).await, before, "a conflicting set changed the item");

    // `seen` is compared as a number: "7.250" stored as 7.25 still matches.
    f.raw_put(&id, Some("7.250")).await;
    f.write_ok(&set(&id, Some("7.25"), "8", EditReason::Deposit(bal("0.75")))).await;
    assert_eq!(f.raw_balance(&id).await.as_deref(), Some("8"));

    // A wallet without a balance is set with seen = None; seen = None on a balance conflicts.
    let bare = user();
    f.raw_put(&bare, None).await;
    f.write_ok(&set(&bare, None, "1", EditReason::Set)).await;
    assert_eq!(f.raw_balance(&bare).await.as_deref(), Some("1"));
    let current = expect_conflict(
        "seen None on a balance",
        f.write(&set(&bare, None, "2", EditReason::Set)).await,
    );
    assert_eq!(current.and_then(|w| w.balance), Some(bal("1")));

    // Deleted meanwhile: conflict with no wallet, and the wallet is not re-created.
    f.raw_delete(&id).await;
    let gone = set(&id, Some("8"), "9", EditReason::Deposit(bal("1")));
    assert_eq!(expect_conflict("set on a deleted wallet", f.write(&gone).await), None);
    assert_eq!(f.raw_item(&id).await, None, "the set re-created a deleted wallet");
    assert_eq!(f.get(&id).await, None);
    // Also when it had never existed.
    let never = user();
    assert_eq!(
        expect_conflict(
            "set on no wallet",
            f.write(&set(&never, None, "1", EditReason::Set)).await
        ),
        None
    );
    assert_eq!(f.raw_item(&never).await, None, "the set created a wallet");

    f.finish().await;
}

#[tokio::test]
async fn delete_is_conditional_on_the_seen_balance() {
    let mut f = Fixture::start("wr_delete_", WorkerOptions::default(), false).await;
    let id = user();
    f.write_ok(&create(&id, "3.5")).await;

    let stale = delete(&id, Some("3"));
    let current = expect_conflict("stale delete", f.write(&stale).await);
    assert_eq!(current.and_then(|w| w.balance), Some(bal("3.5")));
    assert_eq!(f.raw_balance(&id).await.as_deref(), Some("3.5"), "a stale delete deleted");

    let done = f.write_ok(&delete(&id, Some("3.50"))).await;
    assert_eq!(done.wallet, None);
    assert_eq!(done.old_balance, Some(bal("3.5")));
    assert!(done.request_id.as_deref().is_some_and(|r| !r.is_empty()), "{done:?}");
    assert_eq!(f.raw_item(&id).await, None);

    // Deleting again (or a retry of the delete) finds nothing: conflict, no wallet.
    assert_eq!(expect_conflict("second delete", f.write(&delete(&id, Some("3.5"))).await), None);

    f.finish().await;
}

#[tokio::test]
async fn decimals_are_stored_and_read_back_exactly() {
    let mut f = Fixture::start("wr_exact_", WorkerOptions::default(), false).await;
    let id = user();
    f.write_ok(&create(&id, "0.10")).await;
    assert_eq!(f.raw_balance(&id).await.as_deref(), Some("0.1"));

    let big = "12345678901234567890123456789012345678";
    let mut seen = "0.1";
    for value in [
        big,
        "-0.5",
        "0.000000000000000000000000000000000001",
        "-99999999999999999999999999999999999999",
    ] {
        let done = f.write_ok(&set(&id, Some(seen), value, EditReason::Set)).await;
        assert_eq!(done.old_balance, Some(bal(seen)));
        let read = f.get(&id).await.and_then(|w| w.balance).expect("a balance");
        assert_eq!(read, bal(value));
        assert_eq!(read.to_string(), value, "canonical text");
        assert_eq!(f.raw_balance(&id).await.as_deref(), Some(value), "stored text");
        seen = value;
    }

    f.finish().await;
}

/// Another writer's `ADD balance :d` updates race the app's read → conditional set → retry
/// on conflict loop; every acknowledged operation must be in the final balance exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_update_is_lost_under_concurrent_writers() {
    const ADD_TASKS: usize = 4;
    const ADDS_PER_TASK: usize = 60;
    const MIN_APP_OPS: usize = 60;
    let mut f = Fixture::start("wr_race_", WorkerOptions::default(), false).await;
    let id = user();
    let initial = bal("1000.005");
    f.write_ok(&create(&id, "1000.005")).await;

    let add = bal("1.01");
    let mut adders = tokio::task::JoinSet::new();
    for _ in 0..ADD_TASKS {
        let (raw, table, id) = (f.raw.clone(), f.table.clone(), id.clone());
        adders.spawn(async move {
            for _ in 0..ADDS_PER_TASK {
                support::raw_add(&raw, &table, &id, &add.to_string()).await;
            }
            ADDS_PER_TASK
        });
    }

    let (deposit, withdrawal) = (bal("0.07"), bal("0.003"));
    let (mut deposits, mut withdrawals, mut conflicts) = (0u64, 0u64, 0u64);
    let mut app_ops = 0;
    while app_ops < MIN_APP_OPS || !adders.is_empty() {
        // Collect finished adders without waiting.
        while let Some(joined) = adders.try_join_next() {
            joined.expect("an ADD task panicked");
        }
        let is_deposit = app_ops % 3 != 2;
        let mut seen = f.get(&id).await.and_then(|w| w.balance).expect("the wallet has a balance");
        loop {
            let (new, reason) = if is_deposit {
                (seen.checked_add(deposit).expect("in range"), EditReason::Deposit(deposit))
            } else {
                (seen.checked_sub(withdrawal).expect("in range"), EditReason::Withdraw(withdrawal))
            };
            let write = write(&id, WriteKind::SetBalance { seen: Some(seen), new, reason });
            match f.write(&write).await {
                Ok(done) => {
                    assert_eq!(done.old_balance, Some(seen));
                    break;
                }
                Err(WriteError::Conflict { current }) => {
                    conflicts += 1;
                    assert!(current.is_some(), "the wallet vanished");
                    // App-style: re-read, then compute again from what is stored now.
                    seen = f.get(&id).await.and_then(|w| w.balance).expect("a balance");
                }
                Err(
                    e
                    @ (WriteError::Refused(_) | WriteError::Unknown(_) | WriteError::Cancelled(_)),
                ) => {
                    panic!("app write failed: {e:?}")
                }
            }
        }
        if is_deposit {
            deposits += 1;
        } else {
            withdrawals += 1;
        }
        app_ops += 1;
    }

    let adds = (ADD_TASKS * ADDS_PER_TASK) as u64;
    let expected = initial.to_bigdecimal()
        + BigDecimal::from(adds) * add.to_bigdecimal()
        + BigDecimal::from(deposits) * deposit.to_bigdecimal()
        - BigDecimal::from(withdrawals) * withdrawal.to_bigdecimal();
    let stored = f.get(&id).await.and_then(|w| w.balance).expect("a final balance");
    eprintln!(
        "{adds} ADDs, {deposits} deposits, {withdrawals} withdrawals, {conflicts} conflicts: {stored}"
    );
    assert_eq!(stored.to_bigdecimal(), expected, "final balance {stored}");
    assert!(conflicts > 0, "the app never raced the other writer: the test proved nothing");
    f.finish().await;
}

/// The response to a deposit is lost after DynamoDB applied it: the SDK retries the same
/// request with the same token, DynamoDB answers success without applying it again.
#[tokio::test]
async fn a_lost_response_is_retried_and_applied_once() {
    let mut f = Fixture::start("wr_retry_", WorkerOptions::default(), true).await;
    let id = user();
    f.raw_put(&id, Some("10.5")).await;
    let seen = f.get(&id).await.and_then(|w| w.balance).expect("a balance");
    assert_eq!(f.proxy().count_requests_with("DynamoDB_20120810.GetItem"), 1);

    let amount = bal("2.25");
    let new = seen.checked_add(amount).expect("in range");
    let reason = EditReason::Deposit(amount);
    let write = write(&id, WriteKind::SetBalance { seen: Some(seen), new, reason });
    f.proxy().drop_next_response();
    let done =
        f.write(&write).await.unwrap_or_else(|e| panic!("deposit with a lost response: {e:?}"));

    assert_eq!(f.proxy().pending_drops(), 0, "the response was not dropped");
    assert_eq!(
        f.proxy().count_requests_with("DynamoDB_20120810.TransactWriteItems"),
        2,
        "the SDK did not retry exactly once: {:?}",
        f.proxy().forwarded()
    );
    assert_eq!(done.old_balance, Some(seen));
    assert_eq!(f.raw_balance(&id).await.as_deref(), Some("12.75"), "applied other than once");
    f.finish().await;
}

#[tokio::test]
async fn read_only_worker_sends_no_write_to_the_wire() {
    let options = WorkerOptions { read_only: true, ..Default::default() };
    let mut f = Fixture::start("wr_ro_", options, true).await;
    let id = user();
    f.raw_put(&id, Some("4")).await;

    let writes = [
        create(&user(), "1"),
        set(&id, Some("4"), "5", EditReason::Deposit(bal("1"))),
        delete(&id, Some("4")),
    ];
    for write in &writes {
        match f.write(write).await {
            Err(WriteError::Refused(ApiError { kind: ErrorKind::ReadOnly, .. })) => {}
            other => panic!("read-only {write:?}: expected ReadOnly, got {other:?}"),
        }
    }
    let spec = CreateTableSpec {
        name: support::unique_table("wr_ro_new_"),
        billing: BillingMode::OnDemand,
    };
    match call(&mut f.worker, Request::CreateTable { spec }).await {
        Response::Created { result: Err(ApiError { kind: ErrorKind::ReadOnly, .. }), .. } => {}
        other => panic!("read-only CreateTable: {other:?}"),
    }
    match call(&mut f.worker, Request::DeleteTable { table: f.table.clone() }).await {
        Response::Deleted { result: Err(ApiError { kind: ErrorKind::ReadOnly, .. }), .. } => {}
        other => panic!("read-only DeleteTable: {other:?}"),
    }
    for target in WRITE_TARGETS {
        assert_eq!(f.proxy().count_requests_with(target), 0, "{target} reached the wire");
    }
    assert!(
        f.proxy().forwarded().is_empty(),
        "requests reached the wire: {:?}",
        f.proxy().forwarded()
    );

    // Reads are not refused, and do reach the server through the same proxy.
    let wallet = f.get(&id).await.expect("the wallet");
    assert_eq!(wallet.balance, Some(bal("4")));
    assert_eq!(f.proxy().forwarded(), vec!["DynamoDB_20120810.GetItem".to_string()]);
    assert_eq!(f.raw_balance(&id).await.as_deref(), Some("4"));
    f.finish().await;
}

fn temp_journal_path() -> PathBuf {
    std::env::temp_dir()
        .join(format!("wallet-tui-writes-{}", uuid::Uuid::new_v4().simple()))
        .join("sub")
        .join(journal::FILE_NAME)
}

#[tokio::test]
async fn every_write_leaves_an_intent_and_one_outcome_in_the_journal() {
    let path = temp_journal_path();
    let endpoint = "DynamoDB Local (test)".to_string();
    let journal = Journal::open(&path).unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    let options = WorkerOptions {
        read_only: false,
        journal: Some(journal),
        endpoint: endpoint.clone(),
        ..Default::default()
    };
    let mut f = Fixture::start("wr_journal_", options, false).await;
    let id = user();

    let writes = [
        create(&id, "5.00"),
        set(&id, Some("5"), "7.50", EditReason::Deposit(bal("2.5"))),
        delete(&id, Some("7.5")),
    ];
    let mut request_ids = Vec::new();
    for write in &writes {
        request_ids.push(f.write_ok(write).await.request_id);
    }

    // Writes that do not go through leave an intent and a "not applied" end: conflicts...
    let taken = user();
    f.raw_put(&taken, Some("1")).await;
    expect_conflict("create on a taken id", f.write(&create(&taken, "2")).await);
    expect_conflict(
        "set on a deleted wallet",
        f.write(&set(&id, Some("7.5"), "8", EditReason::Set)).await,
    );
    expect_conflict("stale set", f.write(&set(&taken, Some("0"), "8", EditReason::Set)).await);
    // ...while refusals by a read-only worker sharing the journal file leave nothing.
    let shared = Journal::open(&path).expect("reopen the journal");
    let ro_options = WorkerOptions {
        read_only: true,
        journal: Some(shared),
        endpoint: endpoint.clone(),
        ..Default::default()
    };
    let mut ro = support::spawn_app_worker(f.server.endpoint(), ro_options).await;
    let req = Request::Write { table: f.table.clone(), write: create(&user(), "1") };
    match call(&mut ro, req).await {
        Response::Written { result: Err(WriteError::Refused(e)), .. }
            if e.kind == ErrorKind::ReadOnly => {}
        other => panic!("read-only write: {other:?}"),
    }
    ro.shutdown();

    let entries =
        journal::read_all(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    assert_eq!(entries.len(), 3, "{entries:#?}");
    let expected = [
        ("create", None, Some("5")),
        ("deposit", Some("5"), Some("7.5")),
        ("delete", Some("7.5"), None),
    ];
    for (((entry, write), request_id), (operation, old, new)) in
        entries.iter().zip(&writes).zip(&request_ids).zip(expected)
    {
        let JournalEntry { time, endpoint: e, table, user_id, .. } = entry;
        assert_eq!(entry.operation, operation, "{entry:?}");
        assert_eq!(entry.old.as_deref(), old, "{entry:?}");
        assert_eq!(entry.new.as_deref(), new, "{entry:?}");
        assert_eq!(entry.op_id, write.op_id, "{entry:?}");
        assert_eq!((e, table, user_id), (&endpoint, &f.table, &id), "{entry:?}");
        assert!(entry.request_id.as_deref().is_some_and(|r| !r.is_empty()), "{entry:?}");
        assert_eq!(&entry.request_id, request_id, "{entry:?}");
        assert!(time.ends_with('Z'), "time {time:?} is not UTC");
        aws_smithy_types::DateTime::from_str(time, aws_smithy_types::date_time::Format::DateTime)
            .unwrap_or_else(|e| panic!("time {time:?} is not RFC 3339: {e}"));
    }
    let lines = journal::read_lines(&path).expect("the journal");
    let intents: Vec<&str> = lines
        .iter()
        .filter_map(|l| {
            if let journal::Line::Intent(i) = l { Some(i.write.op_id.as_str()) } else { None }
        })
        .collect();
    assert_eq!(intents.len(), 6, "one intent per write sent: {lines:#?}");
    for op_id in intents {
        let outcomes =
            lines.iter().filter(|l| !matches!(l, journal::Line::Intent(_)) && l.op_id() == op_id);
        assert_eq!(outcomes.count(), 1, "{op_id}: one outcome each: {lines:#?}");
    }
    // Each intent comes before its outcome.
    let first = |kind: fn(&journal::Line) -> bool, op: &str| {
        lines.iter().position(|l| kind(l) && l.op_id() == op).expect("a line")
    };
    for write in &writes {
        assert!(
            first(|l| matches!(l, journal::Line::Intent(_)), &write.op_id)
                < first(|l| matches!(l, journal::Line::Applied(_)), &write.op_id)
        );
    }
    let ended =
        lines.iter().filter(|l| matches!(l, journal::Line::Ended(e) if e.outcome == "not_applied"));
    assert_eq!(ended.count(), 3, "the three conflicts");
    assert!(journal::read_open_intents(&path).expect("journal").is_empty(), "{lines:?}");

    f.finish().await;
    let dir = path.parent().and_then(|p| p.parent()).expect("temp dir");
    std::fs::remove_dir_all(dir).unwrap_or_else(|e| panic!("remove {}: {e}", dir.display()));
}

/// A journal that cannot be written (a full disk): the intent cannot be kept, so nothing is
/// sent, and the app is told why.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_journal_that_cannot_be_written_sends_nothing() {
    let journal = Journal::open("/dev/full").expect("open /dev/full");
    let options = WorkerOptions {
        read_only: false,
        journal: Some(journal),
        endpoint: "test".into(),
        ..Default::default()
    };
    let mut f = Fixture::start("wr_full_", options, false).await;
    let id = user();
    match f.write(&create(&id, "1")).await {
        Err(WriteError::Refused(e)) => {
            assert!(e.message.contains("cannot write the journal /dev/full"), "{e:?}")
        }
        other => panic!("expected a refusal: {other:?}"),
    }
    assert_eq!(f.raw_item(&id).await, None, "written without its intent on disk");
    f.finish().await;
}

/// The proxy's other faults, for later tests: refused connections and added latency.
#[tokio::test]
async fn the_proxy_refuses_and_delays() {
    let mut f = Fixture::start("wr_proxy_", WorkerOptions::default(), true).await;
    let id = user();
    f.raw_put(&id, Some("1")).await;
    assert!(f.get(&id).await.is_some());

    f.proxy().refuse(true).await;
    let req = Request::GetWallet { table: f.table.clone(), user_id: id.clone(), consistent: true };
    match call(&mut f.worker, req).await {
        Response::GotWallet { result: Err(e), .. } => {
            assert_eq!(e.kind, ErrorKind::Unreachable, "{e:?}")
        }
        other => panic!("GetWallet through a refusing proxy: {other:?}"),
    }
    assert_eq!(f.proxy().count_requests_with("GetItem"), 1, "{:?}", f.proxy().forwarded());

    f.proxy().refuse(false).await;
    f.proxy().delay(Duration::from_millis(300));
    let started = std::time::Instant::now();
    assert!(f.get(&id).await.is_some());
    assert!(started.elapsed() >= Duration::from_millis(300), "no delay: {:?}", started.elapsed());
    assert_eq!(f.proxy().count_requests_with("GetItem"), 2);
    f.finish().await;
}

/// A worker whose endpoint nobody listens on, with a fresh journal.
async fn refusing_worker() -> (WorkerHandle, PathBuf, String) {
    let path = temp_journal_path();
    let journal = Journal::open(&path).expect("open the journal");
    let port = wallet_tui::local::free_port().expect("a free port");
    let endpoint = format!("http://127.0.0.1:{port}");
    let options =
        WorkerOptions { journal: Some(journal), endpoint: "refusing".into(), ..Default::default() };
    (support::spawn_app_worker(endpoint, options).await, path, support::unique_table("wr_refused_"))
}

fn remove_journal(path: &std::path::Path) {
    let dir = path.parent().and_then(|p| p.parent()).expect("temp dir");
    std::fs::remove_dir_all(dir).unwrap_or_else(|e| panic!("remove {}: {e}", dir.display()));
}

/// A write whose every connection is refused (nobody listens on the endpoint's port) never
/// left this machine: "not applied", journaled so; it is not left "unknown" waiting to be
/// sent again.
#[tokio::test]
async fn a_write_refused_at_connect_is_not_applied() {
    let (mut worker, path, table) = refusing_worker().await;
    let w = set(&user(), Some("1"), "2", EditReason::Set);
    match call(&mut worker, Request::Write { table: table.clone(), write: w.clone() }).await {
        Response::Written { result: Err(WriteError::Refused(e)), .. } => {
            assert_eq!(e.kind, ErrorKind::Unreachable, "{e:?}");
            assert!(e.message.contains("the request never left"), "{e:?}");
            assert!(e.message.contains("Connection refused"), "{e:?}");
        }
        other => panic!("expected not applied: {other:?}"),
    }
    let lines = journal::read_lines(&path).expect("journal");
    let ended = lines.iter().any(|l| {
        matches!(l, journal::Line::Ended(e) if e.op_id == w.op_id && e.outcome == "not_applied")
    });
    assert!(ended, "journaled as not applied: {lines:?}");
    assert!(journal::read_open_intents(&path).expect("journal").is_empty(), "{lines:?}");
    worker.shutdown();
    remove_journal(&path);
}

/// A write an earlier run sent (its intent open in the journal) may have applied: refused
/// connections now prove nothing of that send, so its outcome stays unknown.
#[tokio::test]
async fn an_earlier_send_refused_at_connect_now_stays_unknown() {
    let path = temp_journal_path();
    let table = support::unique_table("wr_refused_open_");
    let w = set(&user(), Some("1"), "2", EditReason::Set);
    let intent = journal::Intent {
        time: journal::now_rfc3339(),
        endpoint: "refusing".into(),
        arn: None,
        region: None,
        table: table.clone(),
        write: w.clone(),
        stamp: None,
    };
    Journal::open(&path).expect("journal").append(&journal::Line::Intent(intent)).expect("append");
    let port = wallet_tui::local::free_port().expect("a free port");
    let options = WorkerOptions {
        journal: Some(Journal::open(&path).expect("journal")),
        endpoint: "refusing".into(),
        ..Default::default()
    };
    let mut worker = support::spawn_app_worker(format!("http://127.0.0.1:{port}"), options).await;
    match call(&mut worker, Request::ResolveWrites { table }).await {
        Response::WritesResolved { result: Ok(resolved), .. } => {
            assert_eq!(resolved.len(), 1, "{resolved:?}");
            assert_eq!(resolved[0].write, w);
            assert!(matches!(resolved[0].result, Err(WriteError::Unknown(_))), "{resolved:?}");
        }
        other => panic!("expected the open write settled as unknown: {other:?}"),
    }
    assert_eq!(journal::read_open_intents(&path).expect("journal").len(), 1, "still open");
    worker.shutdown();
    remove_journal(&path);
}
