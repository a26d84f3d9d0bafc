//! Transfers through the real worker against a real DynamoDB Local (started by
//! `support`): one TransactWriteItems moves money exactly, both rows are read back and
//! journaled; insufficient funds or a missing target change nothing and say why; a lost
//! answer is retried by the SDK with the same ClientRequestToken and applies once; and 100
//! concurrent random transfers among 10 wallets keep the total exactly constant.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use wallet_tui::balance::{Balance, Sum};
use wallet_tui::journal::{self, Journal};
use wallet_tui::msg::{Request, Response};
use wallet_tui::worker::{Timeouts, WorkerOptions};
use wallet_tui::write::{Write, WriteDone, WriteError, WriteKind};

use crate::support;
use crate::support::fixture::ProxiedTable;
use crate::support::{bal, next_response, send, write};

const LIMIT: Duration = Duration::from_secs(60);

/// The wallets behind the proxy (see [`ProxiedTable`]), with the calls these tests make.
struct Fixture(ProxiedTable);

impl std::ops::Deref for Fixture {
    type Target = ProxiedTable;
    fn deref(&self) -> &ProxiedTable {
        &self.0
    }
}

impl Fixture {
    async fn start(prefix: &str, wallets: &[(&str, &str)], journal: Option<Journal>) -> Fixture {
        let options = WorkerOptions { journal, ..WorkerOptions::default() };
        let wallets = wallets.iter().copied();
        // Generous limits: a hundred transactions at once on a busy 2-core machine.
        let timeouts = Timeouts {
            connect: Duration::from_secs(5),
            attempt: Duration::from_secs(30),
            operation: Duration::from_secs(90),
        };
        Fixture(ProxiedTable::start(prefix, wallets, timeouts, options).await)
    }

    /// Sends a transfer and collects what the worker answers until its `Written`.
    async fn transfer(
        &mut self,
        from: &str,
        to: &str,
        amount: &str,
    ) -> Result<WriteDone, WriteError> {
        let kind = WriteKind::Transfer {
            to: to.into(),
            amount: bal(amount),
            overdraft: false,
            currency: None,
        };
        let write = write(from, kind);
        send(&self.0.worker, Request::Write { table: self.table.clone(), write: write.clone() });
        loop {
            match next_response(&mut self.0.worker, LIMIT, "the transfer's answer").await {
                Response::Written { write: w, result, .. } if w == write => return result,
                Response::ReadBack { .. } => {}
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    /// Every wallet's stored balance text, by user_id.
    async fn balances(&self) -> HashMap<String, String> {
        support::scan_items(&self.raw, &self.table)
            .await
            .iter()
            .map(|item| {
                let id = item["user_id"].as_s().expect("a string id").clone();
                let balance = item["balance"].as_n().expect("a number").clone();
                (id, balance)
            })
            .collect()
    }

    async fn finish(self) {
        self.0.finish().await;
    }
}

fn id(n: usize) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

fn temp_journal() -> PathBuf {
    std::env::temp_dir()
        .join(format!("wallet-tui-transfers-{}", uuid::Uuid::new_v4().simple()))
        .join(journal::FILE_NAME)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_moves_money_exactly_and_journals_both_sides() {
    let path = temp_journal();
    let journal = Journal::open(&path).expect("a journal");
    let (a, b) = (id(1), id(2));
    let mut f = Fixture::start("tr_ok_", &[(&a, "100.10"), (&b, "-0.5")], Some(journal)).await;
    let done = f.transfer(&a, &b, "0.35").await.expect("the transfer goes through");
    assert!(!done.resent);
    assert_eq!(done.wallet.as_ref().and_then(|w| w.balance), Some(bal("99.75")), "read back");
    let counterpart = done.counterpart.expect("the credited side");
    assert_eq!(counterpart.wallet.balance, Some(bal("-0.15")), "read back");
    // As the endpoint reports it (DynamoDB Local says 2 for the two items; AWS charges two
    // units per item written in a transaction): at least one unit per item.
    let wcu = done.consumed_wcu.expect("consumed capacity reported");
    assert!(wcu >= 2.0, "{wcu} WCU for a two-item transaction");
    let stored = f.balances().await;
    assert_eq!((stored[&a].as_str(), stored[&b].as_str()), ("99.75", "-0.15"));

    // The journal holds what the transfer did: the amount, on each side.
    let line = |op: &str, id: &str| (op.to_string(), id.to_string(), None, None);
    assert_eq!(support::journal_lines(&path), [line("transfer-out", &a), line("transfer-in", &b)]);
    let entries = journal::read_all(&path).expect("the journal");
    assert_eq!(entries[0].op_id, entries[1].op_id, "one transfer, one op id");
    assert!(entries.iter().all(|e| e.amount.as_deref() == Some("0.35")), "{entries:?}");
    f.finish().await;
    std::fs::remove_dir_all(path.parent().expect("dir")).expect("remove the journal");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insufficient_funds_or_a_missing_target_change_nothing() {
    let (a, b, ghost) = (id(1), id(2), id(3));
    let mut f = Fixture::start("tr_refused_", &[(&a, "5"), (&b, "1")], None).await;
    let before = f.balances().await;

    match f.transfer(&a, &b, "10").await {
        Err(WriteError::Cancelled(why)) => assert_eq!(
            why,
            format!("insufficient funds: {a} has 5, the transfer needs 10; nothing was written")
        ),
        other => panic!("expected a cancellation: {other:?}"),
    }
    match f.transfer(&a, &ghost, "1").await {
        Err(WriteError::Cancelled(why)) => {
            assert_eq!(why, format!("the target {ghost} does not exist; nothing was written"))
        }
        other => panic!("expected a cancellation: {other:?}"),
    }
    match f.transfer(&ghost, &a, "1").await {
        Err(WriteError::Cancelled(why)) => {
            assert_eq!(why, format!("{ghost} does not exist; nothing was written"))
        }
        other => panic!("expected a cancellation: {other:?}"),
    }
    assert_eq!(f.balances().await, before, "nothing changed, nothing was created");
    f.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_whose_answer_is_lost_applies_once() {
    let (a, b) = (id(1), id(2));
    let mut f = Fixture::start("tr_lost_", &[(&a, "10"), (&b, "0")], None).await;
    f.proxy.drop_next_response();
    let done = f.transfer(&a, &b, "2.5").await.expect("the retry answers success");
    assert_eq!(f.proxy.pending_drops(), 0, "the answer was lost");
    assert_eq!(
        f.proxy.count_requests_with("TransactWriteItems"),
        2,
        "the SDK sent it again: {:?}",
        f.proxy.forwarded()
    );
    assert_eq!(done.wallet.and_then(|w| w.balance), Some(bal("7.5")));
    let stored = f.balances().await;
    assert_eq!((stored[&a].as_str(), stored[&b].as_str()), ("7.5", "2.5"), "applied once");
    f.finish().await;
}

/// A small deterministic generator (64-bit LCG): the test needs spread, not secrecy.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_random_transfers_keep_the_total_exact() {
    let ids: Vec<String> = (1..=10).map(id).collect();
    let start: Vec<String> =
        (0..10).map(|i| format!("{}.{:02}", 20 + i * 7, i * 11 % 100)).collect();
    let wallets: Vec<(&str, &str)> =
        ids.iter().zip(&start).map(|(id, b)| (id.as_str(), b.as_str())).collect();
    let mut f = Fixture::start("tr_many_", &wallets, None).await;
    let total = |balances: &HashMap<String, String>| {
        let mut sum = Sum::default();
        for text in balances.values() {
            sum.add(Balance::parse(text).expect("a balance"));
        }
        sum.total()
    };
    let before = total(&f.balances().await);

    let mut rng = Lcg(0x5eed);
    let mut sent: HashMap<String, Write> = HashMap::new();
    let started = Instant::now();
    for _ in 0..100 {
        let from = rng.below(10) as usize;
        let to = (from + 1 + rng.below(9) as usize) % 10;
        let amount = format!("{}.{:02}", rng.below(30), rng.below(100));
        let amount = if amount == "0.00" { "0.01".to_string() } else { amount };
        let kind = WriteKind::Transfer {
            to: ids[to].clone(),
            amount: bal(&amount),
            overdraft: false,
            currency: None,
        };
        let w = write(&ids[from], kind);
        sent.insert(w.op_id.clone(), w.clone());
        send(&f.worker, Request::Write { table: f.table.clone(), write: w });
    }
    let (mut applied, mut cancelled) = (0, 0);
    while !sent.is_empty() {
        match next_response(&mut f.0.worker, LIMIT, "the transfers' answers").await {
            Response::Written { write, result, .. } => {
                sent.remove(&write.op_id).expect("an answer to a transfer sent");
                match result {
                    Ok(_) => applied += 1,
                    Err(WriteError::Cancelled(why)) => {
                        assert!(
                            why.starts_with("insufficient funds")
                                || why.contains("another transaction"),
                            "{why}"
                        );
                        cancelled += 1;
                    }
                    Err(other) => panic!("transfer failed: {other:?}"),
                }
            }
            Response::ReadBack { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    eprintln!("{applied} applied, {cancelled} cancelled in {:?}", started.elapsed());
    assert!(applied >= 10, "only {applied} of 100 went through");

    let after = f.balances().await;
    assert_eq!(total(&after), before, "money was created or lost");
    for (id, text) in &after {
        assert!(
            !Balance::parse(text).expect("a balance").is_negative(),
            "{id} went below zero: {text}"
        );
    }
    f.finish().await;
}
