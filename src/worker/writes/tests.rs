//! Unit tests of `worker/writes.rs`.

use aws_sdk_dynamodb::types::CancellationReason;
use rstest::rstest;

use super::*;
use crate::write::EditReason;

fn b(text: &str) -> Balance {
    Balance::parse(text).expect("a balance")
}

fn write(kind: WriteKind) -> Write {
    Write { op_id: "3f1c0a8e-0000-4000-8000-000000000001".into(), user_id: "u1".into(), kind }
}

fn every_kind() -> Vec<Write> {
    vec![
        write(WriteKind::Create { balance: b("1") }),
        write(WriteKind::SetBalance {
            seen: Some(b("10")),
            new: b("15"),
            reason: EditReason::Deposit(b("5")),
        }),
        write(WriteKind::SetBalance { seen: None, new: b("1"), reason: EditReason::Set }),
        write(WriteKind::Delete { seen: Some(b("10")) }),
        write(WriteKind::Transfer { to: "u2".into(), amount: b("2.5"), overdraft: false }),
    ]
}

/// Every attribute name a write's items name: in items put, and in expressions.
fn names_touched(items: &Items) -> Vec<String> {
    let mut names = Vec::new();
    for item in items {
        if let Some(put) = item.put() {
            names.extend(put.item().keys().cloned());
        }
        let expression_names = item
            .update()
            .and_then(|u| u.expression_attribute_names())
            .or_else(|| item.delete().and_then(|d| d.expression_attribute_names()))
            .or_else(|| item.put().and_then(|p| p.expression_attribute_names()));
        names.extend(expression_names.into_iter().flat_map(|n| n.values().cloned()));
    }
    names.sort();
    names.dedup();
    names
}

#[test]
fn the_same_write_always_builds_the_same_request() {
    let stamp = Stamp { attribute: "updated_at".into(), time: "2026-12-02T10:00:00Z".into() };
    for w in every_kind() {
        for stamp in [None, Some(&stamp)] {
            let first = items("wallets", &w, stamp).expect("items");
            std::thread::sleep(std::time::Duration::from_millis(2));
            assert_eq!(first, items("wallets", &w, stamp).expect("items"), "{w:?}");
        }
    }
}

#[test]
fn writes_name_only_the_key_and_the_balance_unless_a_stamp_is_asked_for() {
    for w in every_kind() {
        let names = names_touched(&items("wallets", &w, None).expect("items"));
        assert_eq!(names, vec!["balance", "user_id"], "{w:?}");
        let stamp = Stamp { attribute: "changed".into(), time: "2026-12-02T10:00:00Z".into() };
        let stamped = names_touched(&items("wallets", &w, Some(&stamp)).expect("items"));
        let expected: &[&str] = match w.kind {
            WriteKind::Delete { .. } => &["balance", "user_id"],
            _ => &["balance", "changed", "user_id"],
        };
        assert_eq!(stamped, expected, "{w:?}");
    }
}

#[test]
fn a_transfer_is_two_items_and_the_rest_one() {
    for w in every_kind() {
        let count = items("wallets", &w, None).expect("items").len();
        let expected = if matches!(w.kind, WriteKind::Transfer { .. }) { 2 } else { 1 };
        assert_eq!(count, expected, "{w:?}");
    }
}

#[rstest]
#[case(ErrorKind::Validation, true)]
#[case(ErrorKind::AccessDenied, true)]
#[case(ErrorKind::NoCredentials, true)]
#[case(ErrorKind::BadCredentials, true)]
#[case(ErrorKind::NotFound, true)]
#[case(ErrorKind::ReadOnly, true)]
#[case(ErrorKind::Timeout, false)]
#[case(ErrorKind::Unreachable, false)]
#[case(ErrorKind::Throttled, false)]
#[case(ErrorKind::Other, false)]
#[case(ErrorKind::ResourceInUse, false)]
#[case(ErrorKind::LimitExceeded, false)]
fn only_answers_that_refuse_the_request_say_not_applied(
    #[case] kind: ErrorKind,
    #[case] not_applied: bool,
) {
    assert_eq!(refused(&ApiError::new(kind, "")), not_applied, "{kind:?}");
}

#[test]
fn a_failed_condition_is_a_conflict_with_the_wallet_as_stored() {
    let stored: Item =
        [(USER_ID.to_string(), string("u1")), (BALANCE.to_string(), number(b("7")))].into();
    let failed =
        CancellationReason::builder().code("ConditionalCheckFailed").set_item(Some(stored.clone()));
    let set = &every_kind()[1];
    assert_eq!(
        cancelled(set, &[failed.build()]),
        WriteError::Conflict { current: wallet_from_item(&stored) }
    );
    let gone = CancellationReason::builder().code("ConditionalCheckFailed").build();
    assert_eq!(cancelled(set, &[gone]), WriteError::Conflict { current: None });
    let conflict = CancellationReason::builder().code("TransactionConflict").build();
    assert!(
        matches!(cancelled(set, &[conflict]), WriteError::Cancelled(why) if why.contains("TransactionConflict"))
    );
    let transfer = &every_kind()[4];
    let none = CancellationReason::builder().code("None").build();
    let short = CancellationReason::builder().code("ConditionalCheckFailed").set_item(Some(stored));
    assert!(matches!(
        cancelled(transfer, &[short.build(), none]),
        WriteError::Cancelled(why) if why.contains("insufficient funds: u1 has 7")
    ));
}
