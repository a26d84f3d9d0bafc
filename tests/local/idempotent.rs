//! Writes that cannot apply twice or vanish, against DynamoDB Local through the fault proxy:
//! every wallet write is one TransactWriteItems whose ClientRequestToken is its op id, its
//! intent is journaled before it is sent and its outcome after; an unclear outcome is
//! settled by sending the same request again (never a new one), also by the next run of the
//! app; past the token's window the wallet is only read back; writes change only the balance.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use aws_sdk_dynamodb::types::AttributeValue;
use wallet_tui::balance::Balance;
use wallet_tui::journal::{self, Intent, Journal, Line};
use wallet_tui::msg::{Request, Resolved, Response};
use wallet_tui::worker::{Timeouts, WorkerHandle, WorkerOptions};
use wallet_tui::write::{EditReason, Write, WriteDone, WriteError, WriteKind};

use crate::support::fixture::ProxiedTable;
use crate::support::{self, AppClient, bal, write};

const TWT: &str = ".TransactWriteItems";

fn temp_journal() -> PathBuf {
    std::env::temp_dir()
        .join(format!("wallet-tui-idempotent-{}", uuid::Uuid::new_v4().simple()))
        .join(journal::FILE_NAME)
}

fn journaled(path: &Path) -> WorkerOptions {
    let journal = Journal::open(path).unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    WorkerOptions { journal: Some(journal), ..WorkerOptions::default() }
}

fn remove_journal(path: &Path) {
    if let Some(dir) = path.parent() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

fn id(n: usize) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

/// Sends `write` on the fixture's table through the worker; its answer (read-backs skipped).
async fn send_write(
    worker: &mut WorkerHandle,
    table: &str,
    write: &Write,
) -> Result<WriteDone, WriteError> {
    support::send(worker, Request::Write { table: table.to_string(), write: write.clone() });
    loop {
        match support::next_response(worker, Duration::from_secs(60), "a write's answer").await {
            Response::ReadBack { .. } => {}
            Response::Written { write: echoed, result, .. } if echoed == *write => return result,
            other => panic!("{write:?}: unexpected {other:?}"),
        }
    }
}

/// Asks the worker to settle the writes left open on `table`.
async fn resolve(worker: &mut WorkerHandle, table: &str) -> Vec<Resolved> {
    support::send(worker, Request::ResolveWrites { table: table.to_string() });
    loop {
        match support::next_response(worker, Duration::from_secs(60), "the settled writes").await {
            Response::ReadBack { .. } => {}
            Response::WritesResolved { result, .. } => return result.expect("settled"),
            other => panic!("unexpected {other:?}"),
        }
    }
}

fn deposit(user: &str, seen: &str, amount: &str) -> Write {
    let (seen, amount) = (bal(seen), bal(amount));
    let new = seen.checked_add(amount).expect("in range");
    write(
        user,
        WriteKind::SetBalance { seen: Some(seen), new, reason: EditReason::Deposit(amount) },
    )
}

/// Every intent of the journal has exactly one outcome line; returns the lines.
fn assert_every_intent_has_one_outcome(path: &Path) -> Vec<Line> {
    let lines = journal::read_lines(path).expect("the journal");
    for line in &lines {
        if let Line::Intent(intent) = line {
            let op = &intent.write.op_id;
            let intents = lines.iter().filter(|l| matches!(l, Line::Intent(_)) && l.op_id() == op);
            assert_eq!(intents.count(), 1, "{op}: one intent: {lines:#?}");
            let ends =
                lines.iter().filter(|l| matches!(l, Line::Ended(_)) && l.op_id() == op).count();
            let applied = lines.iter().any(|l| matches!(l, Line::Applied(_)) && l.op_id() == op);
            assert!(ends + usize::from(applied) == 1, "{op}: one outcome: {lines:#?}");
        }
    }
    lines
}

/// 1. The first attempt applies and its answer is lost, the SDK's two retries are throttled:
/// the worker sends the same request once more, DynamoDB answers success without applying it
/// again. For a deposit, a set, a withdrawal and a transfer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_applied_write_whose_answer_is_lost_and_retries_throttled_applies_once() {
    let path = temp_journal();
    let (a, b) = (id(1), id(2));
    let mut f = ProxiedTable::start(
        "idem_lost_",
        [(a.as_str(), "10"), (b.as_str(), "0")],
        Timeouts::default(),
        journaled(&path),
    )
    .await;
    let withdraw = write(
        &a,
        WriteKind::SetBalance {
            seen: Some(bal("42")),
            new: bal("40.5"),
            reason: EditReason::Withdraw(bal("1.5")),
        },
    );
    let cases = [
        (deposit(&a, "10", "5"), "15", "0"),
        (
            write(
                &a,
                WriteKind::SetBalance {
                    seen: Some(bal("15")),
                    new: bal("42"),
                    reason: EditReason::Set,
                },
            ),
            "42",
            "0",
        ),
        (withdraw, "40.5", "0"),
        (
            write(
                &a,
                WriteKind::Transfer {
                    to: b.clone(),
                    amount: bal("0.5"),
                    overdraft: false,
                    currency: None,
                },
            ),
            "40",
            "0.5",
        ),
    ];
    for (w, a_after, b_after) in cases {
        let before = f.proxy.count_requests_with(TWT);
        f.proxy.drop_next_response();
        f.proxy.answer_with_error(TWT, "ThrottlingException", 2);
        let done = send_write(&mut f.worker, &f.table, &w)
            .await
            .unwrap_or_else(|e| panic!("{w:?}: {e:?}"));
        assert!(done.resent, "{}: settled by the second send: {done:?}", w.kind.name());
        assert_eq!(
            (f.proxy.pending_drops(), f.proxy.pending_errors()),
            (0, 0),
            "{}",
            w.kind.name()
        );
        assert_eq!(
            f.proxy.count_requests_with(TWT) - before,
            2,
            "{}: the first and the resend",
            w.kind.name()
        );
        assert_eq!(
            f.stored_balance(&a).await.map(|t| bal(&t)),
            Some(bal(a_after)),
            "{}: applied once",
            w.kind.name()
        );
        assert_eq!(
            f.stored_balance(&b).await.map(|t| bal(&t)),
            Some(bal(b_after)),
            "{}",
            w.kind.name()
        );
    }
    let lines = assert_every_intent_has_one_outcome(&path);
    assert_eq!(lines.iter().filter(|l| matches!(l, Line::Intent(_))).count(), 4);
    assert_eq!(journal::read_all(&path).expect("journal").len(), 5, "one line per wallet changed");
    f.finish().await;
    remove_journal(&path);
}

/// 2. The answer never comes and the app goes away before any outcome: the next run (a new
/// worker on the same journal) settles the intent by sending the same request, which DynamoDB
/// answers as applied without applying it again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_run_settles_a_write_left_open_without_applying_it_twice() {
    let path = temp_journal();
    let a = id(1);
    let mut f = ProxiedTable::start(
        "idem_kill_",
        [(a.as_str(), "10")],
        Timeouts::default(),
        journaled(&path),
    )
    .await;
    for _ in 0..6 {
        f.proxy.drop_next_response(); // every attempt of both sends is applied or repeated, never answered
    }
    let w = deposit(&a, "10", "5");
    match send_write(&mut f.worker, &f.table, &w).await {
        Err(WriteError::Unknown(unknown)) => assert!(unknown.expired.is_none(), "{unknown:?}"),
        other => panic!("expected an unknown outcome: {other:?}"),
    }
    assert_eq!(f.stored_balance(&a).await.as_deref(), Some("15"), "the first attempt applied");
    // The app quits (or dies) now: the journal has the intent and nothing else.
    assert_eq!(journal::read_open_intents(&path).expect("journal").len(), 1);
    let client = AppClient::new(f.proxy.endpoint()).await;
    let mut next = client
        .spawn_worker(WorkerOptions { endpoint: f.endpoint_label.clone(), ..journaled(&path) });
    let before = f.proxy.count_requests_with(TWT);
    let settled = resolve(&mut next, &f.table).await;
    assert_eq!(settled.len(), 1, "{settled:?}");
    assert_eq!(settled[0].write, w, "the same write");
    let done = settled[0].result.clone().unwrap_or_else(|e| panic!("settled: {e:?}"));
    assert!(done.resent);
    assert_eq!(f.proxy.count_requests_with(TWT) - before, 1, "sent once more, the same request");
    assert_eq!(f.stored_balance(&a).await.as_deref(), Some("15"), "not applied a second time");
    assert_every_intent_has_one_outcome(&path);
    assert!(resolve(&mut next, &f.table).await.is_empty(), "nothing left open");
    next.shutdown();
    f.finish().await;
    remove_journal(&path);
}

/// 3. An intent older than the token's window is never sent again: the wallet is read back
/// and the outcome stays unknown for the user to decide.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_token_window_a_write_is_read_back_never_resent() {
    let path = temp_journal();
    let a = id(1);
    let f = ProxiedTable::start(
        "idem_old_",
        [(a.as_str(), "10")],
        Timeouts::default(),
        WorkerOptions::default(),
    )
    .await;
    let w = deposit(&a, "10", "5");
    let eleven_minutes_ago = SystemTime::now() - Duration::from_secs(11 * 60);
    let old = Intent {
        time: journal::rfc3339(eleven_minutes_ago),
        endpoint: f.endpoint_label.clone(),
        arn: None, // written before intents named their table's ARN: matched by endpoint
        region: None,
        table: f.table.clone(),
        write: w.clone(),
        stamp: None,
    };
    let elsewhere = Write { op_id: uuid::Uuid::new_v4().to_string(), ..w.clone() };
    // The same endpoint label, but another account's table of this name: never sent there.
    let other_account = format!("arn:aws:dynamodb:us-east-1:111122223333:table/{}", f.table);
    let other_endpoint = Intent {
        arn: Some(other_account),
        time: journal::now_rfc3339(),
        write: elsewhere,
        ..old.clone()
    };
    {
        let journal = Journal::open(&path).expect("journal");
        journal.append(&Line::Intent(old)).expect("append");
        journal.append(&Line::Intent(other_endpoint)).expect("append");
    }
    let client = AppClient::new(f.proxy.endpoint()).await;
    let mut worker = client
        .spawn_worker(WorkerOptions { endpoint: f.endpoint_label.clone(), ..journaled(&path) });
    let settled = resolve(&mut worker, &f.table).await;
    assert_eq!(settled.len(), 1, "only this table's intent: {settled:?}");
    match &settled[0].result {
        Err(WriteError::Unknown(unknown)) => {
            let read = unknown.expired.clone().expect("read back").expect("read");
            assert_eq!(read.and_then(|w| w.balance), Some(bal("10")));
        }
        other => panic!("expected unknown past the window: {other:?}"),
    }
    assert_eq!(f.proxy.count_requests_with(TWT), 0, "never resent");
    assert_eq!(f.stored_balance(&a).await.as_deref(), Some("10"));
    let lines = journal::read_lines(&path).expect("journal");
    assert!(
        lines
            .iter()
            .any(|l| matches!(l, Line::Ended(e) if e.outcome == "unknown" && e.op_id == w.op_id))
    );
    let open = journal::read_open_intents(&path).expect("journal");
    assert_eq!(open.len(), 1, "the other account's intent stays open");
    worker.shutdown();
    f.finish().await;
    remove_journal(&path);
}

/// 4. A condition DynamoDB rejects: not applied, said so, never resent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_condition_is_not_applied_and_never_resent() {
    let path = temp_journal();
    let a = id(1);
    let mut f = ProxiedTable::start(
        "idem_cond_",
        [(a.as_str(), "10")],
        Timeouts::default(),
        journaled(&path),
    )
    .await;
    let stale = deposit(&a, "9", "5");
    match send_write(&mut f.worker, &f.table, &stale).await {
        Err(WriteError::Conflict { current }) => {
            assert_eq!(current.and_then(|w| w.balance), Some(bal("10")))
        }
        other => panic!("expected a conflict: {other:?}"),
    }
    assert_eq!(f.proxy.count_requests_with(TWT), 1, "sent once");
    assert_eq!(f.stored_balance(&a).await.as_deref(), Some("10"));
    let lines = assert_every_intent_has_one_outcome(&path);
    assert!(lines.iter().any(|l| matches!(l, Line::Ended(e) if e.outcome == "not_applied")));
    f.finish().await;
    remove_journal(&path);
}

/// 5. Another writer changes the balance between the app's sends of one write: the resend is
/// the same request, so DynamoDB answers with its first outcome (applied), never a conflict,
/// and the deposit is in the balance once beside the other writer's change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_writer_between_two_sends_is_no_conflict_and_no_double_apply() {
    let a = id(1);
    let mut f = ProxiedTable::start(
        "idem_other_",
        [(a.as_str(), "10")],
        Timeouts::default(),
        WorkerOptions::default(),
    )
    .await;
    for _ in 0..6 {
        f.proxy.drop_next_response();
    }
    let w = deposit(&a, "10", "5");
    assert!(matches!(send_write(&mut f.worker, &f.table, &w).await, Err(WriteError::Unknown(_))));
    support::raw_add(&f.raw, &f.table, &a, "100").await;
    let done = send_write(&mut f.worker, &f.table, &w).await.unwrap_or_else(|e| panic!("{e:?}"));
    assert!(done.resent);
    assert_eq!(f.stored_balance(&a).await.as_deref(), Some("115"), "10 + 5 once + 100");
    f.finish().await;
}

/// 6. 200 deposits, withdrawals and transfers from the app, one at a time as the app sends
/// them, while an outside writer ADDs to the same wallets and the proxy loses answers at
/// random: every final balance is its start plus exactly the operations that applied, and
/// every intent in the journal has one outcome.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn interleaved_writes_with_lost_answers_and_another_writer_add_up_exactly() {
    const OPS: usize = 200;
    const WALLETS: usize = 4;
    let path = temp_journal();
    let ids: Vec<String> = (1..=WALLETS).map(id).collect();
    let start: Vec<(&str, &str)> = ids.iter().map(|i| (i.as_str(), "1000")).collect();
    let mut f =
        ProxiedTable::start("idem_mix_", start, Timeouts::default(), journaled(&path)).await;

    let outside = {
        let (raw, table, ids) = (f.raw.clone(), f.table.clone(), ids.clone());
        tokio::spawn(async move {
            let mut added = HashMap::<String, u64>::new();
            for n in 0..120usize {
                let user = &ids[n % ids.len()];
                support::raw_add(&raw, &table, user, "1").await;
                *added.entry(user.clone()).or_default() += 1;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            added
        })
    };

    let mut rng = wallet_tui::demo::SmallRng::new(7);
    let mut between = HashMap::<String, u64>::new();
    let mut applied: HashMap<String, Balance> = HashMap::new();
    let (mut unknowns, mut conflicts) = (0, 0);
    for n in 0..OPS {
        let user = &ids[n % WALLETS];
        if rng.next_u64().is_multiple_of(12) {
            for _ in 0..=(rng.next_u64() % 7) {
                f.proxy.drop_next_response();
            }
        }
        let seen = get_balance(&mut f, user).await;
        if n % 10 == 3 {
            // The outside writer between the app's read and its write: a sure conflict.
            support::raw_add(&f.raw, &f.table, user, "1").await;
            *between.entry(user.clone()).or_default() += 1;
        }
        let amount = bal(&format!("{}.{:02}", rng.next_u64() % 5, rng.next_u64() % 100));
        let w = match n % 3 {
            0 => deposit(user, &seen.to_string(), &amount.to_string()),
            1 => write(
                user,
                WriteKind::SetBalance {
                    seen: Some(seen),
                    new: seen.checked_sub(amount).expect("in range"),
                    reason: EditReason::Withdraw(amount),
                },
            ),
            _ => write(
                user,
                WriteKind::Transfer {
                    to: ids[(n + 1) % WALLETS].clone(),
                    amount,
                    overdraft: true,
                    currency: None,
                },
            ),
        };
        // As the app does: an unknown outcome is sent again unchanged (Enter) until known.
        let result = loop {
            match send_write(&mut f.worker, &f.table, &w).await {
                Err(WriteError::Unknown(_)) => unknowns += 1,
                other => break other,
            }
        };
        match result {
            Ok(_) => match &w.kind {
                WriteKind::SetBalance { seen: Some(seen), new, .. } => {
                    let delta = new.checked_sub(*seen).expect("in range");
                    add(&mut applied, user, delta);
                }
                WriteKind::Transfer { to, amount, .. } => {
                    add(&mut applied, user, bal("0").checked_sub(*amount).expect("in range"));
                    add(&mut applied, to, *amount);
                }
                other => panic!("{other:?}"),
            },
            Err(WriteError::Conflict { .. } | WriteError::Cancelled(_)) => conflicts += 1,
            Err(other) => panic!("{w:?}: {other:?}"),
        }
    }
    let mut added = outside.await.expect("the outside writer");
    for (user, n) in between {
        *added.entry(user).or_default() += n;
    }
    for user in &ids {
        let expected = bal("1000")
            .checked_add(applied.get(user).copied().unwrap_or(Balance::ZERO))
            .and_then(|b| b.checked_add(bal(&added.get(user).copied().unwrap_or(0).to_string())))
            .expect("in range");
        let stored = bal(&f.stored_balance(user).await.expect("a balance"));
        assert_eq!(stored, expected, "{user}");
    }
    eprintln!("{OPS} writes: {unknowns} unknown outcomes sent again, {conflicts} conflicts");
    assert!(conflicts > 0, "the outside writer never raced the app: the test proved little");
    let lines = assert_every_intent_has_one_outcome(&path);
    assert!(journal::read_open_intents(&path).expect("journal").is_empty(), "{lines:?}");
    f.finish().await;
    remove_journal(&path);
}

fn add(totals: &mut HashMap<String, Balance>, user: &str, delta: Balance) {
    let total = totals.entry(user.to_string()).or_insert(Balance::ZERO);
    *total = total.checked_add(delta).expect("in range");
}

/// The balance as stored, read past the proxy (its lost answers are for the writes).
async fn get_balance(f: &mut ProxiedTable, user: &str) -> Balance {
    bal(&f.stored_balance(user).await.expect("a balance"))
}

/// 7. After each kind of write the item's attribute names are exactly those it had; with a
/// write-time attribute configured, that one attribute is added and nothing else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_leave_the_items_attribute_names_as_they_were() {
    let (a, b, c) = (id(1), id(2), id(3));
    let mut f = ProxiedTable::start(
        "idem_names_",
        [(a.as_str(), "10"), (b.as_str(), "10")],
        Timeouts::default(),
        WorkerOptions::default(),
    )
    .await;
    for user in [&a, &b] {
        f.raw
            .update_item()
            .table_name(&f.table)
            .key("user_id", AttributeValue::S(user.clone()))
            .update_expression("SET currency = :c, note = :n")
            .expression_attribute_values(":c", AttributeValue::S("EUR".into()))
            .expression_attribute_values(":n", AttributeValue::S("theirs".into()))
            .send()
            .await
            .expect("extra attributes");
    }
    let names = ["balance", "currency", "note", "user_id"];
    let writes = [
        deposit(&a, "10", "5"),
        write(
            &a,
            WriteKind::SetBalance {
                seen: Some(bal("15")),
                new: bal("12"),
                reason: EditReason::Withdraw(bal("3")),
            },
        ),
        write(
            &a,
            WriteKind::SetBalance {
                seen: Some(bal("12")),
                new: bal("20"),
                reason: EditReason::Set,
            },
        ),
        write(
            &a,
            WriteKind::SetBalance {
                seen: Some(bal("20")),
                new: bal("12"),
                reason: EditReason::Undo,
            },
        ),
        write(
            &a,
            WriteKind::Transfer {
                to: b.clone(),
                amount: bal("2"),
                overdraft: false,
                currency: None,
            },
        ),
    ];
    for w in &writes {
        send_write(&mut f.worker, &f.table, w).await.unwrap_or_else(|e| panic!("{w:?}: {e:?}"));
        assert_eq!(attribute_names(&f, &a).await, names, "{} changed the names", w.kind.name());
        assert_eq!(attribute_names(&f, &b).await, names, "{}", w.kind.name());
    }
    send_write(&mut f.worker, &f.table, &write(&c, WriteKind::Create { balance: bal("1") }))
        .await
        .expect("create");
    assert_eq!(attribute_names(&f, &c).await, ["balance", "user_id"]);

    // With `write_time_attribute`, that attribute too.
    let client = AppClient::new(f.proxy.endpoint()).await;
    let options = WorkerOptions {
        write_time_attribute: Some("changed_at".into()),
        ..WorkerOptions::default()
    };
    let mut stamped = client.spawn_worker(options);
    send_write(&mut stamped, &f.table, &deposit(&b, "12", "1")).await.expect("stamped deposit");
    assert_eq!(
        attribute_names(&f, &b).await,
        ["balance", "changed_at", "currency", "note", "user_id"]
    );
    stamped.shutdown();
    f.finish().await;
}

async fn attribute_names(f: &ProxiedTable, user: &str) -> Vec<String> {
    let item = f
        .raw
        .get_item()
        .table_name(&f.table)
        .key("user_id", AttributeValue::S(user.to_string()))
        .consistent_read(true)
        .send()
        .await
        .expect("raw get")
        .item
        .unwrap_or_default();
    let mut names: Vec<String> = item.into_keys().collect();
    names.sort();
    names
}

/// 6. Writes sent together (a marked delete: one TransactWriteItems for the group) whose
/// answers are all lost, the resend's too: each is then settled alone, found deleted, and
/// counts as applied once; the journal has one intent and one outcome for each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_whose_answers_are_lost_is_settled_write_by_write_and_applied_once() {
    let path = temp_journal();
    let ids: Vec<String> = (1..=5).map(id).collect();
    let mut f = ProxiedTable::start(
        "idem_group_",
        ids.iter().map(|i| (i.as_str(), "7")),
        Timeouts::default(),
        journaled(&path),
    )
    .await;
    for _ in 0..6 {
        f.proxy.drop_next_response(); // both sends of the group, every SDK attempt
    }
    let writes: Vec<Write> =
        ids.iter().map(|i| write(i, WriteKind::Delete { seen: Some(bal("7")) })).collect();
    let before = f.proxy.count_requests_with(TWT);
    support::send(&f.worker, Request::WriteMany { table: f.table.clone(), writes });
    let mut applied = 0;
    loop {
        match support::next_response(&mut f.worker, Duration::from_secs(60), "the group").await {
            Response::ManyWritten { result, write, .. } => {
                result.unwrap_or_else(|e| panic!("{}: {e:?}", write.user_id));
                applied += 1;
            }
            Response::ManyDone { result, .. } => {
                let report = result.expect("a report");
                assert_eq!((report.written, report.conflicts.len()), (5, 0), "{report:?}");
                break;
            }
            Response::ReadBack { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(applied, 5);
    assert_eq!(f.proxy.pending_drops(), 0, "every answer of the group was lost");
    assert!(f.proxy.count_requests_with(TWT) - before > 6, "then settled one by one");
    for i in &ids {
        assert_eq!(f.stored_balance(i).await, None, "{i} deleted");
    }
    let lines = assert_every_intent_has_one_outcome(&path);
    assert_eq!(lines.iter().filter(|l| matches!(l, Line::Intent(_))).count(), 5);
    assert_eq!(lines.iter().filter(|l| matches!(l, Line::Applied(_))).count(), 5);
    f.finish().await;
    remove_journal(&path);
}
