//! Unit tests of `worker/writes.rs`.

use super::*;
use crate::error::ErrorKind;
use crate::wallet::{ExtrasBuilder, UserId};

/// A wallet as read back, last written by operation `op` (`None`: by no tracked write).
fn stored(balance: &str, op: Option<&str>) -> Option<Wallet> {
    let mut extra = ExtrasBuilder::with_capacity(32);
    if let Some(op) = op {
        extra.string(LAST_OP, op);
    }
    let balance = Some(Balance::parse(balance).expect("a balance"));
    Some(Wallet { user_id: UserId::new("u1"), balance, extra: extra.finish() })
}

fn write(kind: WriteKind) -> Write {
    Write { op_id: "op-1".into(), user_id: "u1".into(), kind }
}

#[test]
fn a_lost_answer_is_judged_from_the_wallet_read_back() {
    let b = |t: &str| Balance::parse(t).expect("a balance");
    let lost = ApiError::new(ErrorKind::Timeout, "attempt timeout");
    let deposit = write(WriteKind::SetBalance {
        seen: Some(b("10")),
        new: b("15"),
        reason: crate::write::EditReason::Deposit(b("5")),
    });
    let create = write(WriteKind::Create { balance: b("1") });
    let delete = write(WriteKind::Delete { seen: Some(b("10")) });
    let judge = |w: &Write, read| judge_unknown(w, lost.clone(), read);

    // Stored by this very write: it applied; the undo can start from the seen value.
    let done = judge(&deposit, Ok(stored("15", Some("op-1")))).expect("applied");
    assert!(done.already_applied);
    assert_eq!((done.old_balance, done.wallet), (Some(b("10")), stored("15", Some("op-1"))));
    let done = judge(&create, Ok(stored("1", Some("op-1")))).expect("applied");
    assert_eq!(done.old_balance, None);
    assert!(judge(&delete, Ok(None)).is_ok(), "a delete applied leaves nothing");

    // Anything else: not applied, and the user sees what is stored.
    let other = stored("10", Some("op-0"));
    assert_eq!(
        judge(&deposit, Ok(other.clone())),
        Err(WriteError::unverified(lost.clone(), Ok(other.clone())))
    );
    assert!(matches!(
        judge(&deposit, Ok(stored("10", None))),
        Err(WriteError::Unverified(u)) if matches!(u.read, Ok(Some(_)))
    ));
    assert!(matches!(
        judge(&create, Ok(None)),
        Err(WriteError::Unverified(u)) if matches!(u.read, Ok(None))
    ));
    assert!(matches!(
        judge(&delete, Ok(other)),
        Err(WriteError::Unverified(u)) if matches!(u.read, Ok(Some(_)))
    ));
    // The read failed too: still unknown.
    let read_error = ApiError::new(ErrorKind::Unreachable, "connection refused");
    assert_eq!(
        judge(&deposit, Err(read_error.clone())),
        Err(WriteError::unverified(lost, Err(read_error)))
    );
}

#[test]
fn our_own_earlier_attempt_is_told_from_a_conflict() {
    let b = |t: &str| Balance::parse(t).expect("a balance");
    let deposit = write(WriteKind::Create { balance: b("1") });
    let ours: Item = [
        (USER_ID.to_string(), string("u1")),
        (BALANCE.to_string(), number(b("1"))),
        (LAST_OP.to_string(), string("op-1")),
    ]
    .into();
    let done = condition_failed(Some(&ours), &deposit, None, Some("req-2")).expect("ours");
    let expected = WriteDone::already_applied(wallet_from_item(&ours), None, Some("req-2".into()));
    assert_eq!(done, expected);

    let theirs: Item = [(USER_ID.to_string(), string("u1"))].into();
    let conflict = condition_failed(Some(&theirs), &deposit, None, None);
    assert_eq!(conflict, Err(WriteError::Conflict { current: wallet_from_item(&theirs) }));
    let gone = condition_failed(None, &deposit, None, None);
    assert_eq!(gone, Err(WriteError::Conflict { current: None }));
}
