//! Wallet forms on odd data and their write checks: the set-balance form (empty field, asks
//! once more, refuses a set that changes nothing), balances that are not numbers, and
//! transfers checked on both sides (numeric balances, one currency).

use crossterm::event::KeyCode;

use super::*;
use crate::form::FieldKind;
use crate::wallet::{AttrValue, Extras};

const CAROL: &str = "c0c0c0c0-1111-4222-8333-444455556666";

/// A wallet whose `balance` attribute is `balance` (not a number) and whose other attributes
/// are `extra`.
fn odd(id: &str, balance: Option<AttrValue>, extra: &[(&str, AttrValue)]) -> Wallet {
    let mut attrs: Vec<(&str, &AttrValue)> = extra.iter().map(|(n, v)| (*n, v)).collect();
    if let Some(balance) = &balance {
        attrs.push(("balance", balance));
    }
    attrs.sort_by_key(|(n, _)| *n);
    Wallet { user_id: UserId::new(id), balance: None, extra: Extras::new(attrs) }
}

fn with_currency(id: &str, balance: &str, currency: &str) -> Wallet {
    let currency = AttrValue::S(currency.into());
    Wallet { extra: Extras::new([("currency", &currency)]), ..wallet(id, balance) }
}

/// [`app`] with `wallets` loaded too, `selected` selected.
fn app_with(wallets: Vec<Wallet>, selected: &str) -> App {
    let mut app = app();
    for wallet in wallets {
        app.session.list.upsert(wallet);
    }
    let position = app.session.list.position_of(&UserId::new(selected)).expect("loaded");
    app.select(position);
    app
}

fn s(text: &str) -> AttrValue {
    AttrValue::S(text.into())
}

fn field_text(app: &App, label: &str) -> String {
    match &app.modal {
        Modal::Wallet(d) => d.form.value(label).to_string(),
        other => panic!("no wallet form: {other:?}"),
    }
}

fn field_error(app: &App, label: &str) -> Option<String> {
    match &app.modal {
        Modal::Wallet(d) => d.form.field(label).and_then(|f| f.error.clone()),
        other => panic!("no wallet form: {other:?}"),
    }
}

#[test]
fn set_balance_opens_empty_beside_the_stored_value_and_asks_once_more() {
    let mut app = app();
    app.step(app.now, ch('e'));
    assert_eq!(field_text(&app, "Current balance"), "100");
    assert_eq!(field_text(&app, "New balance"), "", "typing never appends to 100");
    type_text(&mut app, "322.26");
    assert!(app.step(app.now, key(KeyCode::Enter)).is_empty(), "asks first");
    assert_eq!(
        notice(&app).as_deref(),
        Some("100 → 322.26 (+222.26). Enter again writes it, Esc cancels.")
    );
    // An edit withdraws the question: the new value is asked about in turn.
    app.step(app.now, key(KeyCode::Backspace));
    assert_eq!(notice(&app), None);
    assert!(app.step(app.now, key(KeyCode::Enter)).is_empty());
    assert_eq!(
        notice(&app).as_deref(),
        Some("100 → 322.2 (+222.2). Enter again writes it, Esc cancels.")
    );
    let write = sent_write(&app.step(app.now, key(KeyCode::Enter)));
    assert_eq!(
        write.kind,
        WriteKind::SetBalance { seen: Some(b("100")), new: b("322.2"), reason: EditReason::Set }
    );
}

#[test]
fn a_set_that_changes_nothing_or_goes_below_zero_is_refused_at_the_field() {
    let mut app = app();
    app.step(app.now, ch('e'));
    for same in ["100", "1E+2", "100.000", "+1e2"] {
        retype(&mut app, same);
        assert!(app.step(app.now, key(KeyCode::Enter)).is_empty(), "{same}");
        assert_eq!(
            field_error(&app, "New balance").as_deref(),
            Some("already 100: nothing to change"),
            "{same}"
        );
        assert_eq!(notice(&app), None);
    }
    retype(&mut app, "-0.5");
    assert!(app.step(app.now, key(KeyCode::Enter)).is_empty());
    assert_eq!(
        field_error(&app, "New balance").as_deref(),
        Some("-0.5 is below zero: a balance cannot go below zero (unless --allow-negative)")
    );
    app.config.allow_negative = true;
    assert!(app.step(app.now, key(KeyCode::Enter)).is_empty());
    assert_eq!(
        notice(&app).as_deref(),
        Some("100 → -0.5 (-100.5). Enter again writes it, Esc cancels.")
    );
    let write = sent_write(&app.step(app.now, key(KeyCode::Enter)));
    assert!(matches!(write.kind, WriteKind::SetBalance { new, .. } if new == b("-0.5")));
}

#[test]
fn a_balance_that_is_not_a_number_is_shown_typed_and_set_over_conditionally() {
    let mut app = app_with(vec![odd(CAROL, Some(s("100")), &[])], CAROL);
    app.step(app.now, ch('e'));
    assert_eq!(field_text(&app, "Current balance"), "S \"100\"");
    let Modal::Wallet(dialog) = &app.modal else { panic!("form") };
    assert_eq!(
        dialog.form.intro.as_deref().map(|i| i.split(" Costs").next().unwrap_or_default()),
        Some(
            "Written only if the balance is still S \"100\" (the value you see): the number you enter replaces it."
        )
    );
    type_text(&mut app, "100");
    assert!(app.step(app.now, key(KeyCode::Enter)).is_empty(), "a number is not S \"100\": asked");
    assert_eq!(
        notice(&app).as_deref(),
        Some(
            "S \"100\" → 100 (replaces a value that is not a number). Enter again writes it, Esc cancels."
        )
    );
    let write = sent_write(&app.step(app.now, key(KeyCode::Enter)));
    assert_eq!(write.kind, WriteKind::SetOver { seen: s("100"), new: b("100") });

    // Changed meanwhile to another odd value: the form now shows it and conditions on it.
    let now = odd(CAROL, Some(AttrValue::Bool(true)), &[]);
    answer(&mut app, write, Err(WriteError::Conflict { current: Some(now) }));
    assert_eq!(field_text(&app, "Current balance"), "BOOL true");
    assert!(form_error(&app).is_some_and(|e| e.contains("changed meanwhile to BOOL true")));
    app.step(app.now, key(KeyCode::Enter));
    let again = sent_write(&app.step(app.now, key(KeyCode::Enter)));
    assert_eq!(again.kind, WriteKind::SetOver { seen: AttrValue::Bool(true), new: b("100") });
    answer(&mut app, again, Ok(done(None, None)));
    assert!(matches!(app.modal, Modal::None));
    let stored = app.session.list.find(&UserId::new(CAROL)).expect("listed");
    assert_eq!(stored.balance, Some(b("100")));
    assert_eq!(stored.attr("balance"), None, "one balance, the number");
}

#[test]
fn an_absent_balance_is_said_and_required_absent() {
    let mut app = app_with(vec![odd(CAROL, None, &[])], CAROL);
    app.step(app.now, ch('e'));
    assert_eq!(field_text(&app, "Current balance"), "— (no balance)");
    type_text(&mut app, "5");
    let write = sent_write(&enter_twice(&mut app));
    assert_eq!(
        write.kind,
        WriteKind::SetBalance { seen: None, new: b("5"), reason: EditReason::Set }
    );
}

#[test]
fn deposits_and_withdrawals_on_a_balance_that_is_not_a_number_give_true_advice() {
    for (balance, expected) in [
        (Some(s("100")), "the balance is S \"100\", not a number: set a number with e first"),
        (
            Some(AttrValue::Null),
            "the balance is NULL null, not a number: set a number with e first",
        ),
        (
            Some(AttrValue::Ns(vec!["1".into(), "2".into()].into())),
            "the balance is NS [1, 2], not a number: set a number with e first",
        ),
        (None, "the balance is missing: set a number with e first"),
    ] {
        for form in ['+', '-'] {
            let mut app = app_with(vec![odd(CAROL, balance.clone(), &[])], CAROL);
            app.step(app.now, ch(form));
            let shown = balance.as_ref().map_or("— (no balance)".to_string(), crate::write::typed);
            assert_eq!(field_text(&app, "Current balance"), shown);
            type_text(&mut app, "5");
            assert!(app.step(app.now, key(KeyCode::Enter)).is_empty(), "{form} {balance:?}");
            assert_eq!(field_error(&app, "Amount").as_deref(), Some(expected), "{form}");
        }
    }
}

#[test]
fn deleting_a_wallet_whose_balance_is_not_a_number_conditions_on_that_value() {
    let mut app = app_with(vec![odd(CAROL, Some(AttrValue::Null), &[])], CAROL);
    app.step(app.now, ch('x'));
    assert_eq!(field_text(&app, "Current balance"), "NULL null");
    let write = sent_write(&app.step(app.now, key(KeyCode::Enter)));
    assert_eq!(write.kind, WriteKind::DeleteOver { seen: AttrValue::Null });
}

#[test]
fn a_transfer_checks_both_sides_before_sending() {
    // The target's balance is not a number: refused at its field, naming it.
    let mut app = app_with(vec![odd(CAROL, Some(s("100")), &[])], ALICE);
    app.step(app.now, ch('T'));
    type_text(&mut app, CAROL);
    app.step(app.now, key(KeyCode::Tab));
    type_text(&mut app, "5");
    assert!(app.step(app.now, key(KeyCode::Enter)).is_empty());
    assert_eq!(
        field_error(&app, "To user_id"),
        Some(format!(
            "the target {CAROL}'s balance is S \"100\", not a number: nothing can be added to it"
        ))
    );
    // The paying side's balance is not a number.
    let mut app = app_with(vec![odd(CAROL, Some(AttrValue::Bool(false)), &[])], CAROL);
    app.step(app.now, ch('T'));
    type_text(&mut app, ALICE);
    app.step(app.now, key(KeyCode::Tab));
    type_text(&mut app, "5");
    assert!(app.step(app.now, key(KeyCode::Enter)).is_empty());
    assert_eq!(
        field_error(&app, "Amount"),
        Some(format!("{CAROL}'s balance is BOOL false, not a number: set a number with e first"))
    );
}

#[test]
fn a_transfer_between_currencies_is_refused_and_one_currency_is_conditioned_on() {
    let eur = "e0e0e0e0-0000-4000-8000-00000000000e";
    let usd = "d0d0d0d0-0000-4000-8000-00000000000d";
    let eur2 = "e2e2e2e2-0000-4000-8000-00000000000e";
    let wallets = vec![
        with_currency(eur, "100", "EUR"),
        with_currency(usd, "100", "USD"),
        with_currency(eur2, "1", "EUR"),
    ];
    let transfer_to = |app: &mut App, to: &str| {
        app.step(app.now, ch('T'));
        type_text(app, to);
        app.step(app.now, key(KeyCode::Tab));
        type_text(app, "10");
        app.step(app.now, key(KeyCode::Enter))
    };
    let mut app = app_with(wallets.clone(), eur);
    assert!(transfer_to(&mut app, usd).is_empty());
    assert_eq!(
        field_error(&app, "To user_id"),
        Some(format!(
            "currencies differ: {eur} holds EUR, {usd} holds USD: a transfer moves one currency"
        ))
    );
    // One side without a currency.
    app.step(app.now, key(KeyCode::Esc));
    assert!(transfer_to(&mut app, ALICE).is_empty());
    assert_eq!(
        field_error(&app, "To user_id"),
        Some(format!(
            "currencies differ: {eur} holds EUR, {ALICE} holds no currency: a transfer moves one currency"
        ))
    );
    // The same currency: both sides must still hold it when DynamoDB applies the transfer.
    app.step(app.now, key(KeyCode::Esc));
    let write = sent_write(&transfer_to(&mut app, eur2));
    let WriteKind::Transfer { currency, .. } = write.kind else { panic!("{write:?}") };
    assert_eq!(
        currency,
        Some(CurrencyCheck {
            attribute: "currency".into(),
            value: Some(s("EUR")),
            target_seen: true
        })
    );

    // Another currency attribute, named by the config.
    let mut app = app_with(wallets, eur);
    app.config.currency_attribute = "ccy".into();
    let write = sent_write(&transfer_to(&mut app, usd));
    let WriteKind::Transfer { currency, .. } = write.kind else { panic!("{write:?}") };
    assert_eq!(
        currency,
        Some(CurrencyCheck { attribute: "ccy".into(), value: None, target_seen: true })
    );
}

#[test]
fn the_notice_shows_in_the_form() {
    let mut app = app();
    app.step(app.now, ch('e'));
    type_text(&mut app, "7");
    app.step(app.now, key(KeyCode::Enter));
    let Modal::Wallet(dialog) = &app.modal else { panic!("form") };
    assert!(matches!(dialog.form.field("New balance").map(|f| &f.kind), Some(FieldKind::Text(_))));
    assert_eq!(dialog.confirming, Some(b("7")));
}

#[test]
fn writes_over_odd_values_and_checked_transfers_survive_the_journal() {
    let currency =
        CurrencyCheck { attribute: "currency".into(), value: Some(s("EUR")), target_seen: true };
    let kinds = [
        WriteKind::SetOver { seen: AttrValue::M(vec![("a".into(), s("b"))].into()), new: b("1") },
        WriteKind::DeleteOver { seen: AttrValue::Bs(vec![vec![0u8, 255].into()].into()) },
        WriteKind::Transfer {
            to: BOB.into(),
            amount: b("1"),
            overdraft: false,
            currency: Some(currency),
        },
    ];
    for kind in kinds {
        let write = Write { op_id: "op".into(), user_id: ALICE.into(), kind };
        let line = serde_json::to_string(&write).expect("serialized");
        assert_eq!(serde_json::from_str::<Write>(&line).expect("read back"), write, "{line}");
    }
    // A transfer journaled before currencies were checked reads back without a check.
    let old = r#"{"op_id":"op","user_id":"u1","kind":{"transfer":{"to":"u2","amount":"5","overdraft":false}}}"#;
    let write: Write = serde_json::from_str(old).expect("an older journal line");
    assert!(matches!(write.kind, WriteKind::Transfer { currency: None, .. }));
}
