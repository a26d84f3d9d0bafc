//! Unit tests of `worker/writes.rs`.

use aws_sdk_dynamodb::types::CancellationReason;
use rstest::rstest;

use super::*;
use crate::write::{CurrencyCheck, EditReason};

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
        write(WriteKind::Transfer {
            to: "u2".into(),
            amount: b("2.5"),
            overdraft: false,
            currency: None,
        }),
        write(WriteKind::SetOver { seen: AttrValue::S("100".into()), new: b("100") }),
        write(WriteKind::DeleteOver { seen: AttrValue::Null }),
        eur_transfer(),
    ]
}

/// A transfer of 2.5 from u1 to u2, both holding EUR when the form was filled.
fn eur_transfer() -> Write {
    let currency = CurrencyCheck {
        attribute: "currency".into(),
        value: Some(AttrValue::S("EUR".into())),
        target_seen: false,
    };
    write(WriteKind::Transfer {
        to: "u2".into(),
        amount: b("2.5"),
        overdraft: false,
        currency: Some(currency),
    })
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
        let checked = matches!(w.kind, WriteKind::Transfer { currency: Some(_), .. });
        let expected: &[&str] =
            if checked { &["balance", "currency", "user_id"] } else { &["balance", "user_id"] };
        assert_eq!(names, expected, "{w:?}");
        let stamp = Stamp { attribute: "changed".into(), time: "2026-12-02T10:00:00Z".into() };
        let stamped = names_touched(&items("wallets", &w, Some(&stamp)).expect("items"));
        let expected: &[&str] = match w.kind {
            WriteKind::Delete { .. } | WriteKind::DeleteOver { .. } => &["balance", "user_id"],
            _ if checked => &["balance", "changed", "currency", "user_id"],
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

/// The condition expression and values of each item.
fn conditions(write: &Write) -> Vec<(String, Item)> {
    let items = items("wallets", write, None).expect("items");
    items
        .iter()
        .map(|item| {
            let (condition, values) = match (item.update(), item.delete()) {
                (Some(u), _) => (u.condition_expression(), u.expression_attribute_values()),
                (_, Some(d)) => (d.condition_expression(), d.expression_attribute_values()),
                _ => (None, None),
            };
            (condition.unwrap_or_default().to_string(), values.cloned().unwrap_or_default())
        })
        .collect()
}

#[test]
fn a_write_over_a_value_that_is_not_a_number_requires_that_very_value() {
    let [(condition, values)] = conditions(&every_kind()[5]).try_into().expect("one item");
    assert_eq!(condition, "attribute_exists(#id) AND #balance = :seen");
    assert_eq!(values[":seen"], AttributeValue::S("100".into()));
    let [(condition, values)] = conditions(&every_kind()[6]).try_into().expect("one item");
    assert_eq!(condition, "attribute_exists(#id) AND #balance = :seen");
    assert_eq!(values[":seen"], AttributeValue::Null(true));
}

#[test]
fn both_sides_of_a_transfer_require_a_number_and_the_currency_seen() {
    let [debit, credit] = conditions(&eur_transfer()).try_into().expect("two items");
    assert_eq!(
        debit.0,
        "attribute_exists(#id) AND attribute_type(#balance, :number) AND #balance >= :amount \
         AND #c = :c"
    );
    assert_eq!(credit.0, "attribute_exists(#id) AND attribute_type(#balance, :number) AND #c = :c");
    for (_, values) in [&debit, &credit] {
        assert_eq!(values[":c"], AttributeValue::S("EUR".into()));
        assert_eq!(values[":number"], AttributeValue::S("N".into()));
    }
    let mut none = eur_transfer();
    if let WriteKind::Transfer { currency: Some(check), .. } = &mut none.kind {
        check.value = None;
    }
    let [debit, credit] = conditions(&none).try_into().expect("two items");
    assert!(debit.0.ends_with("AND attribute_not_exists(#c)"), "{}", debit.0);
    assert!(credit.0.ends_with("AND attribute_not_exists(#c)"), "{}", credit.0);
    assert!(!credit.1.contains_key(":c"));
}

#[test]
fn a_transfer_journaled_before_the_checks_is_rebuilt_as_it_was_sent() {
    let [debit, credit] = conditions(&every_kind()[4]).try_into().expect("two items");
    assert_eq!(debit.0, "attribute_exists(#id) AND #balance >= :amount");
    assert_eq!(credit.0, "attribute_exists(#id)");
    assert!(!debit.1.contains_key(":number") && !credit.1.contains_key(":number"));
}

#[test]
fn a_cancelled_transfer_names_the_side_and_the_reason() {
    let item = |balance: AttributeValue, currency: &str| -> Item {
        [
            (USER_ID.to_string(), string("u2")),
            (BALANCE.to_string(), balance),
            ("currency".to_string(), string(currency)),
        ]
        .into()
    };
    let failed = |item: Item| {
        CancellationReason::builder().code("ConditionalCheckFailed").set_item(Some(item)).build()
    };
    let none = CancellationReason::builder().code("None").build();
    let why = |reasons: &[CancellationReason]| match cancelled(&eur_transfer(), reasons) {
        WriteError::Cancelled(why) => why,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        why(&[none.clone(), failed(item(string("100"), "EUR"))]),
        "u2's balance is S \"100\", not a number; nothing was written"
    );
    assert_eq!(
        why(&[none.clone(), failed(item(number(b("3")), "USD"))]),
        "u2 holds USD, the transfer is in EUR; nothing was written",
        "the form did not see the target's currency"
    );
    let seen = |reasons: &[CancellationReason]| {
        let mut write = eur_transfer();
        if let WriteKind::Transfer { currency: Some(check), .. } = &mut write.kind {
            check.target_seen = true;
        }
        match cancelled(&write, reasons) {
            WriteError::Cancelled(why) => why,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(
        seen(&[none.clone(), failed(item(number(b("3")), "USD"))]),
        "u2's currency is now USD (the transfer was in EUR); nothing was written",
        "the form saw the target in EUR"
    );
    let raw = CancellationReason::builder()
        .code("ValidationError")
        .message("An operand in the update expression has an incorrect data type")
        .build();
    assert_eq!(why(&[none, raw]), "u2's balance is not a number; nothing was written");
}

fn attrs(pairs: &[(&str, AttrValue)]) -> crate::import::Attrs {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

/// An import's put: the whole item, never a stamp, the same request every time; a new one only
/// if absent, an overwrite only if every attribute seen is unchanged and none it adds exists.
#[test]
fn an_import_put_conditions_on_everything_seen() {
    let n = |t: &str| AttrValue::N(t.into());
    let id = AttrValue::S("u1".into());
    let item = attrs(&[("user_id", id.clone()), ("balance", n("12.5")), ("note", n("1"))]);
    let seen = attrs(&[("user_id", id.clone()), ("balance", n("5")), ("tag", AttrValue::Null)]);
    let stamp = Stamp { attribute: "changed".into(), time: "2026-12-02T10:00:00Z".into() };
    let w = write(WriteKind::PutItem { item: item.clone(), seen: None });
    let built = items("wallets", &w, Some(&stamp)).expect("items");
    assert_eq!(built, items("wallets", &w, Some(&stamp)).expect("items"));
    let put = built[0].put().expect("a put");
    assert_eq!(put.condition_expression(), Some("attribute_not_exists(#id)"));
    let mut names: Vec<_> = put.item().keys().cloned().collect();
    names.sort();
    assert_eq!(names, ["balance", "note", "user_id"], "the file's item, no stamp");
    assert_eq!(put.item()["balance"], AttributeValue::N("12.5".into()));

    // An overwrite: an update that SETs the file's attributes only ("tag" stays).
    let w = write(WriteKind::PutItem { item: item.clone(), seen: Some(seen) });
    let built = items("wallets", &w, Some(&stamp)).expect("items");
    assert_eq!(built, items("wallets", &w, Some(&stamp)).expect("items"));
    let update = built[0].update().expect("an update, not a put");
    assert_eq!(
        update.condition_expression(),
        Some("#a0 = :v0 AND #a1 = :v1 AND #a2 = :v2 AND attribute_not_exists(#n0)")
    );
    assert_eq!(update.update_expression(), "SET #s0 = :s0, #s1 = :s1");
    let names = update.expression_attribute_names().expect("names");
    assert_eq!((names["#s0"].as_str(), names["#s1"].as_str()), ("balance", "note"));
    assert!(!names.values().any(|n| n == "changed"), "no stamp: {names:?}");
    let values = update.expression_attribute_values().expect("values");
    assert_eq!(values[":s0"], AttributeValue::N("12.5".into()));
    assert_eq!(update.key()["user_id"], AttributeValue::S("u1".into()));
}
