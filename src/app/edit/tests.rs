//! Wallet forms: validation before any call, conditional writes, conflicts, undo.

use std::time::Instant;

use crossterm::event::{Event, KeyCode};
use rstest::rstest;

use crate::app::*;
use crate::balance::Balance;
use crate::error::ErrorKind;
use crate::fixtures::balance as b;
use crate::fixtures::{TABLE, ch, describe, key, new_app, scan_page, table_info, wallet};
use crate::wallet::{UserId, Wallet};
use crate::write::{CurrencyCheck, EditReason, Write, WriteDone, WriteError, WriteKind};

const ALICE: &str = "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b";

/// A connected app with an ACTIVE table and Alice's wallet (balance 100) loaded and selected.
fn app() -> App {
    let t0 = Instant::now();
    let mut app = new_app("test", true, t0);
    app.config.scan_spec.segments = 1;
    let active = table_info(TableStatus::Active, BillingMode::OnDemand);
    describe(&mut app, t0, Ok(Some(active)));
    let page = scan_page(1, 0, vec![wallet(ALICE, "100")], true, None);
    app.step(t0, crate::fixtures::answer(Response::ScanPage(page)));
    app
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.step(app.now, ch(c));
    }
}

/// Replaces the focused text field's content.
fn retype(app: &mut App, text: &str) {
    for _ in 0..80 {
        app.step(app.now, key(KeyCode::Backspace));
    }
    type_text(app, text);
}

/// `e`'s two Enters: the first shows "old → new (difference)" and sends nothing, the second
/// sends.
fn enter_twice(app: &mut App) -> Vec<Request> {
    assert!(app.step(app.now, key(KeyCode::Enter)).is_empty(), "the first Enter only asks");
    assert!(notice(app).is_some_and(|n| n.contains(" → ")), "{:?}", notice(app));
    app.step(app.now, key(KeyCode::Enter))
}

fn notice(app: &App) -> Option<String> {
    match &app.modal {
        Modal::Wallet(d) => d.form.notice.clone(),
        _ => None,
    }
}

fn sent_write(requests: &[Request]) -> Write {
    match requests {
        [Request::Write { table, write }] if table == TABLE => write.clone(),
        other => panic!("expected one write, got {other:?}"),
    }
}

fn form_error(app: &App) -> Option<String> {
    match &app.modal {
        Modal::Wallet(d) => {
            d.form.error.clone().or_else(|| d.form.fields.iter().find_map(|f| f.error.clone()))
        }
        _ => None,
    }
}

fn done(wallet: Option<Wallet>, old: Option<Balance>) -> WriteDone {
    WriteDone {
        wallet,
        old_balance: old,
        consumed_wcu: Some(1.0),
        request_id: Some("r1".into()),
        resent: false,
        counterpart: None,
    }
}

fn answer(app: &mut App, write: Write, result: Result<WriteDone, WriteError>) -> Vec<Request> {
    app.step(
        app.now,
        crate::fixtures::answer(Response::Written { table: TABLE.into(), write, result }),
    )
}

#[test]
fn deposit_is_a_conditional_set_computed_exactly() {
    let mut app = app();
    app.step(app.now, ch('+'));
    type_text(&mut app, "0.10");
    let write = sent_write(&app.step(app.now, key(KeyCode::Enter)));
    assert_eq!(write.user_id, ALICE);
    assert_eq!(
        write.kind,
        WriteKind::SetBalance {
            seen: Some(b("100")),
            new: b("100.1"),
            reason: EditReason::Deposit(b("0.1"))
        }
    );
    assert!(
        app.step(app.now, key(KeyCode::Enter)).is_empty(),
        "second Enter ignored while in flight"
    );
    assert!(app.write_in_flight_since().is_some(), "spinner shows");
    answer(&mut app, write, Ok(done(Some(wallet(ALICE, "100.1")), Some(b("100")))));
    assert!(matches!(app.modal, Modal::None));
    assert!(app.write_in_flight_since().is_none());
    assert_eq!(app.selected_wallet().and_then(|w| w.balance), Some(b("100.1")), "updated in place");
    assert_eq!(app.session.list.loaded(), 1);
    assert_eq!(
        app.session.undo,
        vec![UndoEntry { user_id: ALICE.into(), before: Some(b("100")), after: b("100.1") }]
    );
}

#[test]
fn withdrawal_below_zero_is_refused_before_any_call() {
    let mut app = app();
    app.step(app.now, ch('-'));
    type_text(&mut app, "100.01");
    assert!(app.step(app.now, key(KeyCode::Enter)).is_empty());
    assert_eq!(
        form_error(&app).as_deref(),
        Some(
            "insufficient funds: would leave -0.01; a balance cannot go below zero (unless \
             --allow-negative)"
        )
    );
    let mut allowed = self::app();
    allowed.config.allow_negative = true;
    allowed.step(allowed.now, ch('-'));
    type_text(&mut allowed, "100.01");
    let write = sent_write(&allowed.step(allowed.now, key(KeyCode::Enter)));
    assert!(matches!(write.kind, WriteKind::SetBalance { new, .. } if new == b("-0.01")));
}

#[test]
fn conflict_shows_the_current_value_and_reapplies_on_enter() {
    let mut app = app();
    app.step(app.now, ch('+'));
    type_text(&mut app, "5");
    let first = sent_write(&app.step(app.now, key(KeyCode::Enter)));
    answer(
        &mut app,
        first.clone(),
        Err(WriteError::Conflict { current: Some(wallet(ALICE, "250")) }),
    );
    let error = form_error(&app).expect("conflict explained");
    assert!(error.contains("changed meanwhile to 250: nothing was written"), "{error}");
    assert_eq!(
        app.selected_wallet().and_then(|w| w.balance),
        Some(b("250")),
        "list shows the truth"
    );
    let Modal::Wallet(dialog) = &app.modal else { panic!("form stays") };
    assert_eq!(dialog.form.value(labels_current()), "250");
    assert_eq!(dialog.form.value("Amount"), "5", "what was typed is kept");
    let second = sent_write(&app.step(app.now, key(KeyCode::Enter)));
    assert_ne!(second.op_id, first.op_id, "a new attempt is a new operation");
    assert!(
        matches!(second.kind, WriteKind::SetBalance { seen: Some(s), new, .. } if s == b("250") && new == b("255"))
    );
}

fn labels_current() -> &'static str {
    "Current balance"
}

#[test]
fn a_wallet_deleted_meanwhile_is_never_recreated() {
    let mut app = app();
    app.step(app.now, ch('e'));
    retype(&mut app, "7");
    let write = sent_write(&enter_twice(&mut app));
    assert!(
        matches!(write.kind, WriteKind::SetBalance { seen: Some(s), new, reason: EditReason::Set } if s == b("100") && new == b("7"))
    );
    answer(&mut app, write, Err(WriteError::Conflict { current: None }));
    assert_eq!(
        form_error(&app).as_deref(),
        Some("this wallet no longer exists: nothing was written")
    );
    assert_eq!(app.session.list.loaded(), 0, "removed from the list");
}

#[test]
fn put_never_overwrites_and_offers_to_open_the_existing_wallet() {
    let mut app = app();
    app.step(app.now, ch('n'));
    let Modal::Wallet(dialog) = &app.modal else { panic!("form") };
    let prefilled = dialog.form.value("user_id").to_string();
    assert!(
        uuid::Uuid::parse_str(&prefilled).is_ok_and(|u| u.get_version_num() == 4),
        "{prefilled}"
    );
    retype(&mut app, ALICE);
    app.step(app.now, key(KeyCode::Tab));
    retype(&mut app, "12.50");
    let write = sent_write(&app.step(app.now, key(KeyCode::Enter)));
    assert_eq!(write.kind, WriteKind::Create { balance: b("12.5") });
    answer(&mut app, write, Err(WriteError::Conflict { current: Some(wallet(ALICE, "100")) }));
    assert!(
        form_error(&app)
            .is_some_and(|e| e.contains("already exists (balance 100): Enter opens it"))
    );
    assert!(app.step(app.now, key(KeyCode::Enter)).is_empty(), "Enter opens, sends nothing");
    assert!(matches!(app.modal, Modal::None));
    assert_eq!(app.selected_wallet().map(|w| w.user_id.to_text()), Some(ALICE.to_string()));
}

#[test]
fn get_selects_the_wallet_or_says_not_found() {
    let mut app = app();
    app.step(app.now, ch('f'));
    type_text(&mut app, "bob");
    let sent = app.step(app.now, key(KeyCode::Enter));
    assert_eq!(
        sent,
        vec![Request::GetWallet { table: TABLE.into(), user_id: "bob".into(), consistent: true }]
    );
    let reply = |result| {
        crate::fixtures::answer(Response::GotWallet {
            table: TABLE.into(),
            user_id: "bob".into(),
            result,
            consumed_rcu: Some(0.5),
        })
    };
    app.step(app.now, reply(Ok(None)));
    assert_eq!(form_error(&app).as_deref(), Some("no wallet with user_id bob (0.5 RCU)"));
    app.step(app.now, key(KeyCode::Enter));
    app.step(app.now, reply(Ok(Some(wallet("bob", "3")))));
    assert!(matches!(app.modal, Modal::None));
    assert_eq!(app.selected_wallet().map(|w| w.user_id.to_text()), Some("bob".into()));
    assert_eq!(app.session.list.loaded(), 2);
}

#[test]
fn undo_restores_only_if_the_balance_is_still_ours() {
    let mut app = app();
    app.step(app.now, ch('e'));
    retype(&mut app, "42");
    let write = sent_write(&enter_twice(&mut app));
    answer(&mut app, write, Ok(done(Some(wallet(ALICE, "42")), Some(b("100")))));
    let undo = sent_write(&app.step(app.now, ch('u')));
    assert_eq!(
        undo.kind,
        WriteKind::SetBalance { seen: Some(b("42")), new: b("100"), reason: EditReason::Undo }
    );
    answer(&mut app, undo, Err(WriteError::Conflict { current: Some(wallet(ALICE, "43")) }));
    let line = app.status_line.clone().expect("status");
    assert_eq!(
        line.text,
        format!("undo refused: {ALICE} changed since (balance now 43); nothing written")
    );
    assert!(app.step(app.now, ch('u')).is_empty(), "nothing more to undo");
}

#[test]
fn read_only_disables_every_write_key_but_get() {
    let mut app = app();
    app.config.read_only = true;
    for c in ['n', 'e', '+', '-', 'x', 'u'] {
        assert!(app.step(app.now, ch(c)).is_empty(), "{c}");
        assert!(matches!(app.modal, Modal::None), "{c} opened a form");
        let line = app.status_line.clone().expect("explained");
        assert!(line.text.starts_with("read-only mode"), "{c}: {}", line.text);
    }
    app.step(app.now, ch('f'));
    assert!(matches!(app.modal, Modal::Wallet(_)), "get still works");
}

#[test]
fn api_errors_keep_the_form_and_what_was_typed() {
    let mut app = app();
    app.step(app.now, ch('+'));
    type_text(&mut app, "1");
    let write = sent_write(&app.step(app.now, key(KeyCode::Enter)));
    let err = ApiError::new(ErrorKind::Validation, "bad request");
    answer(&mut app, write, Err(WriteError::Refused(err)));
    assert_eq!(
        form_error(&app).as_deref(),
        Some("request rejected as invalid: bad request: nothing was written")
    );
    let Modal::Wallet(dialog) = &app.modal else { panic!("form") };
    assert_eq!(dialog.form.value("Amount"), "1");
    assert!(!dialog.form.pending);
}

/// Bad input gets a clear message at the field and sends nothing.
#[rstest]
#[case::letters("abc")]
#[case::too_big("1e400")]
#[case::too_small("1e-400")]
#[case::digits_39("123456789012345678901234567890123456789")]
#[case::nan("NaN")]
#[case::infinity("inf")]
#[case::thousands("1,000")]
#[case::double_sign("--5")]
#[case::plus_minus("+-5")]
#[case::empty("")]
#[case::whitespace("   ")]
#[case::control("1\u{7}2")]
#[case::hex("0x10")]
#[case::two_points("1.2.3")]
#[case::bare_exponent("1e")]
#[case::currency("$5")]
#[case::underscore("1_000")]
#[case::paste(&"9".repeat(1_000_000))]
fn bad_balances_are_refused_at_the_field(#[case] text: &str) {
    let mut app = app();
    app.step(app.now, ch('e'));
    retype(&mut app, "");
    app.step(app.now, Msg::Term(Event::Paste(text.to_string())));
    assert!(app.step(app.now, key(KeyCode::Enter)).is_empty(), "nothing sent for {text:?}");
    let error = form_error(&app).expect("a message");
    assert!(!error.is_empty());
    let Modal::Wallet(dialog) = &app.modal else { panic!("form stays") };
    assert_eq!(dialog.form.value("New balance"), text, "what was typed stays");
}

#[rstest]
#[case::empty("", "enter a user_id")]
#[case::spaces("   ", "a user_id cannot be only spaces")]
#[case::control("a\u{1b}b", "control characters are not allowed in a user_id")]
#[case::newline("a\nb", "control characters are not allowed in a user_id")]
#[case::padded(" a", "leading or trailing spaces: remove them")]
#[case::long(&"é".repeat(1025), "2050 bytes: a user_id has at most 2048 bytes (UTF-8)")]
fn bad_user_ids_are_refused(#[case] text: &str, #[case] message: &str) {
    assert_eq!(check_user_id(text), Err(message.to_string()));
}

#[test]
fn a_2048_byte_user_id_is_fine() {
    assert!(check_user_id(&"a".repeat(2048)).is_ok());
    assert!(check_user_id(&"a".repeat(2049)).is_err());
}

#[rstest]
#[case("100", "0", false, "the amount must be more than 0")]
#[case("100", "-5", false, "the amount must be more than 0")]
#[case(
    "99999999999999999999999999999999999999",
    "0.1",
    false,
    "the new balance would not fit: 39 significant digits: DynamoDB keeps at most 38"
)]
fn bad_amounts_are_refused(
    #[case] seen: &str,
    #[case] amount: &str,
    #[case] withdraw: bool,
    #[case] message: &str,
) {
    assert_eq!(new_balance(Some(b(seen)), amount, withdraw, false), Err(message.to_string()));
}

/// Every answered call's cost lands in `usage`: the units reported, or an estimate from item
/// sizes (a Get at the form's consistency; a write at the larger of the item as it was and as
/// it is); a conflict records nothing; the worker's retry counts are taken as they come.
#[test]
fn usage_records_reported_and_estimated_costs() {
    use crate::usage::{OpKind, Totals};
    let mut app = app();
    // `app()`'s scan page reported nothing: Alice's 52 bytes, one eventual page.
    let scan = Totals { calls: 1, rcu: 0.5, wcu: 0.0, estimated: 1 };
    assert_eq!(app.usage.totals(OpKind::Scan), scan);

    app.step(app.now, ch('f'));
    type_text(&mut app, "bob");
    app.step(app.now, key(KeyCode::Tab));
    app.step(app.now, ch(' '));
    let sent = app.step(app.now, key(KeyCode::Enter));
    assert_eq!(
        sent,
        vec![Request::GetWallet { table: TABLE.into(), user_id: "bob".into(), consistent: false }]
    );
    let got = Response::GotWallet {
        table: TABLE.into(),
        user_id: "bob".into(),
        result: Ok(Some(wallet("bob", "3"))),
        consumed_rcu: None,
    };
    app.step(app.now, crate::fixtures::answer(got));
    assert_eq!(
        app.usage.totals(OpKind::Get),
        Totals { calls: 1, rcu: 0.5, wcu: 0.0, estimated: 1 }
    );

    app.step(app.now, ch('+'));
    type_text(&mut app, "1");
    let write = sent_write(&app.step(app.now, key(KeyCode::Enter)));
    let conflict = Err(WriteError::Conflict { current: Some(wallet(ALICE, "100")) });
    answer(&mut app, write.clone(), conflict);
    assert_eq!(app.usage.totals(OpKind::Update), Totals::default(), "a conflict is not recorded");
    let unreported = WriteDone { consumed_wcu: None, ..done(Some(wallet(ALICE, "101")), None) };
    answer(&mut app, write.clone(), Ok(unreported));
    answer(&mut app, write, Ok(done(Some(wallet(ALICE, "101")), None)));
    let update = Totals { calls: 2, rcu: 0.0, wcu: 3.0, estimated: 1 };
    assert_eq!(app.usage.totals(OpKind::Update), update);
    let last = app.usage.last().expect("last call");
    assert_eq!((last.kind, last.wcu, last.estimated), (OpKind::Update, 1.0, false));

    app.step(app.now, Msg::CallStats(crate::msg::CallStats { retries: 3, throttled: 1 }));
    assert_eq!((app.usage.retries, app.usage.throttled), (3, 1));
}

#[test]
fn a_paste_outside_a_form_is_not_read_as_keys() {
    let mut app = app();
    assert!(app.step(app.now, Msg::Term(Event::Paste("qDx+".into()))).is_empty());
    assert!(!app.should_quit);
    assert!(matches!(app.modal, Modal::None));
}

/// An unknown outcome within the token's window.
fn unknown(error: ApiError) -> WriteError {
    WriteError::unknown(error, "2026-12-02T10:00:00Z".into(), None)
}

#[test]
fn an_unknown_outcome_is_sent_again_unchanged_on_enter_whatever_was_retyped() {
    let mut app = app();
    app.step(app.now, ch('+'));
    type_text(&mut app, "5");
    let write = sent_write(&app.step(app.now, key(KeyCode::Enter)));
    let lost = ApiError::new(ErrorKind::Throttled, "slow down");
    let sent = answer(&mut app, write.clone(), Err(unknown(lost)));
    assert!(sent.is_empty(), "nothing is sent by the app itself");
    let message = form_error(&app).expect("said");
    assert!(message.starts_with("outcome unknown (throttled by DynamoDB: slow down)"), "{message}");
    assert!(message.contains("cannot apply twice"), "{message}");
    assert_eq!(
        app.session.list.find(&UserId::new(ALICE)).and_then(|w| w.balance),
        Some(b("100")),
        "the list is not guessed"
    );
    // Enter sends the very same write, even after the amount was changed.
    retype(&mut app, "6");
    let again = sent_write(&app.step(app.now, key(KeyCode::Enter)));
    assert_eq!(again, write, "same op id, same values");
    // Applied this time: the list shows it, once.
    let done = WriteDone { resent: true, ..done(None, Some(b("100"))) };
    answer(&mut app, again, Ok(done));
    assert!(matches!(app.modal, Modal::None));
    assert_eq!(app.session.list.find(&UserId::new(ALICE)).and_then(|w| w.balance), Some(b("105")));
    let line = app.status_line.clone().expect("said").text;
    assert!(line.contains("balance 105") && line.contains("applied once"), "{line}");
}

#[test]
fn past_the_token_window_the_wallet_is_read_back_and_the_user_decides() {
    let mut app = app();
    app.step(app.now, ch('+'));
    type_text(&mut app, "5");
    let write = sent_write(&app.step(app.now, key(KeyCode::Enter)));
    let lost = ApiError::new(ErrorKind::Timeout, "no answer within the token's window");
    let read = Some(Ok(Some(wallet(ALICE, "101"))));
    answer(&mut app, write.clone(), Err(WriteError::unknown(lost, "T0".into(), read)));
    let message = form_error(&app).expect("said");
    assert_eq!(
        message,
        "outcome unknown: sent at T0, never resent past the token's window; balance now 101 \
         (was 100 when sent): decide with a new write"
    );
    assert_eq!(app.session.list.find(&UserId::new(ALICE)).and_then(|w| w.balance), Some(b("101")));
    // Enter is a new write, from the value read back.
    let again = sent_write(&app.step(app.now, key(KeyCode::Enter)));
    assert_ne!(again.op_id, write.op_id);
    assert_eq!(
        again.kind,
        WriteKind::SetBalance {
            seen: Some(b("101")),
            new: b("106"),
            reason: EditReason::Deposit(b("5"))
        }
    );
}

#[test]
fn a_write_whose_read_back_failed_too_says_to_verify() {
    let mut app = app();
    app.step(app.now, ch('e'));
    retype(&mut app, "7");
    let write = sent_write(&enter_twice(&mut app));
    let lost = ApiError::new(ErrorKind::Timeout, "no answer within the token's window");
    let read = Some(Err(ApiError::new(ErrorKind::Unreachable, "connection refused")));
    answer(&mut app, write, Err(WriteError::unknown(lost, "T0".into(), read)));
    let error = form_error(&app).expect("said");
    assert!(error.ends_with("verify with f"), "{error}");
    assert_eq!(app.session.list.find(&UserId::new(ALICE)).and_then(|w| w.balance), Some(b("100")));
    let Modal::Wallet(dialog) = &app.modal else { panic!("the form stays") };
    assert!(!dialog.form.pending);
    assert_eq!(dialog.form.value("New balance"), "7", "what was typed stays");
}

const BOB: &str = "0b9e8d7c-6f5a-4e3d-8c2b-1a0f9e8d7c6b";

#[test]
fn a_transfer_is_checked_before_it_is_sent() {
    let mut app = app();
    app.step(app.now, ch('T'));
    let Modal::Wallet(dialog) = &app.modal else { panic!("the transfer form") };
    assert_eq!(dialog.form.title, "Transfer");
    // To itself, and more than the balance: refused at the fields, nothing sent.
    type_text(&mut app, ALICE);
    app.step(app.now, key(KeyCode::Tab));
    type_text(&mut app, "100.01");
    assert!(app.step(app.now, key(KeyCode::Enter)).is_empty());
    let Modal::Wallet(dialog) = &app.modal else { panic!("the form stays") };
    let errors: Vec<_> = dialog.form.fields.iter().filter_map(|f| f.error.clone()).collect();
    assert_eq!(
        errors,
        [
            "a wallet cannot pay itself: choose another",
            "insufficient funds: would leave -0.01; a balance cannot go below zero (unless \
             --allow-negative)"
        ]
    );
    // A real target and an amount the balance covers.
    app.step(app.now, key(KeyCode::BackTab));
    retype(&mut app, BOB);
    app.step(app.now, key(KeyCode::Tab));
    retype(&mut app, "100");
    let write = sent_write(&app.step(app.now, key(KeyCode::Enter)));
    assert_eq!(write.user_id, ALICE);
    assert_eq!(
        write.kind,
        WriteKind::Transfer {
            to: BOB.into(),
            amount: b("100"),
            overdraft: false,
            currency: Some(CurrencyCheck {
                attribute: "currency".into(),
                value: None,
                target_seen: false
            })
        }
    );
}

#[test]
fn a_transfer_updates_both_rows_in_place_or_says_why_it_was_cancelled() {
    let mut app = app();
    app.step(app.now, ch('T'));
    type_text(&mut app, BOB);
    app.step(app.now, key(KeyCode::Tab));
    type_text(&mut app, "30");
    let write = sent_write(&app.step(app.now, key(KeyCode::Enter)));
    let why = format!("the target {BOB} does not exist; nothing was written");
    answer(&mut app, write.clone(), Err(WriteError::Cancelled(why.clone())));
    assert_eq!(form_error(&app), Some(why));
    assert_eq!(app.session.list.loaded(), 1);

    let again = sent_write(&app.step(app.now, key(KeyCode::Enter)));
    let counterpart = crate::write::Counterpart { wallet: wallet(BOB, "30") };
    let done = WriteDone {
        counterpart: Some(Box::new(counterpart)),
        ..done(Some(wallet(ALICE, "70")), Some(b("100")))
    };
    answer(&mut app, again, Ok(done));
    assert!(matches!(app.modal, Modal::None));
    assert_eq!(app.session.list.find(&UserId::new(ALICE)).and_then(|w| w.balance), Some(b("70")));
    assert_eq!(app.session.list.find(&UserId::new(BOB)).and_then(|w| w.balance), Some(b("30")));
    assert_eq!(
        app.status_line.clone().map(|l| l.text),
        Some(format!("transfer 30: from now 70, to now 30, 1 WCU · {ALICE} → {BOB}"))
    );
    assert_eq!(app.selected_wallet().map(|w| w.user_id.to_text()).as_deref(), Some(ALICE));
}

#[test]
fn demo_wallets_only_on_dynamodb_local() {
    let mut app = app();
    assert!(app.step(app.now, ch('S')).is_empty());
    let line = app.status_line.clone().expect("explained");
    assert!(line.text.starts_with("demo wallets only on DynamoDB Local"), "{}", line.text);

    app.config.local = true;
    let sent = app.step(app.now, ch('S'));
    assert_eq!(sent, vec![Request::Seed { table: TABLE.into(), users: crate::app::DEMO_WALLETS }]);
    assert!(app.step(app.now, ch('S')).is_empty(), "one seed at a time");
    let sent = app.step(
        app.now,
        crate::fixtures::answer(Response::Seeded { table: TABLE.into(), result: Ok(1000) }),
    );
    assert_eq!(app.status_line.clone().map(|l| l.text), Some("added 1000 demo wallets".into()));
    assert!(
        sent.iter().any(|r| matches!(r, Request::Scan { id: 2, .. })),
        "the table is read afresh: {sent:?}"
    );
    app.config.read_only = true;
    assert!(app.step(app.now, ch('S')).is_empty(), "never in read-only mode");
}

#[test]
fn a_transfer_sent_again_after_an_unclear_failure_keeps_its_token() {
    let mut app = app();
    app.step(app.now, ch('T'));
    type_text(&mut app, BOB);
    app.step(app.now, key(KeyCode::Tab));
    type_text(&mut app, "30");
    let first = sent_write(&app.step(app.now, key(KeyCode::Enter)));
    // Throttled after retries: an earlier attempt may have applied.
    let err = ApiError::new(ErrorKind::Throttled, "slow down");
    answer(&mut app, first.clone(), Err(unknown(err)));
    let again = sent_write(&app.step(app.now, key(KeyCode::Enter)));
    assert_eq!(again.op_id, first.op_id, "the same ClientRequestToken: applied at most once");
    // A cancellation is definite: nothing was written, so the next one is a new transfer.
    answer(&mut app, again, Err(WriteError::Cancelled("insufficient funds".into())));
    let third = sent_write(&app.step(app.now, key(KeyCode::Enter)));
    assert_ne!(third.op_id, first.op_id);
    // While its outcome is unknown, a changed amount changes nothing: the same transfer again.
    let err = ApiError::new(ErrorKind::Timeout, "operation timeout");
    answer(&mut app, third.clone(), Err(unknown(err)));
    retype(&mut app, "31");
    let same = sent_write(&app.step(app.now, key(KeyCode::Enter)));
    assert_eq!(same, third);
}

#[test]
fn quitting_with_a_write_in_flight_waits_for_its_answer_and_a_second_q_quits_at_once() {
    let mut app = app();
    app.step(app.now, ch('+'));
    type_text(&mut app, "5");
    let write = sent_write(&app.step(app.now, key(KeyCode::Enter)));
    app.step(app.now, key(KeyCode::Esc)); // the form closes; the write is still out
    app.step(app.now, ch('q'));
    assert!(!app.should_quit, "waits for the write");
    let line = app.status_line.clone().expect("said").text;
    assert!(line.starts_with("finishing 1 write"), "{line}");
    answer(&mut app, write, Ok(done(None, Some(b("100")))));
    assert!(app.should_quit, "quits once the write is answered");

    // A second q quits at once; so does the deadline.
    let mut app = self::app();
    app.step(app.now, ch('-'));
    type_text(&mut app, "1");
    app.step(app.now, key(KeyCode::Enter));
    app.step(app.now, Msg::Shutdown);
    assert!(!app.should_quit);
    app.step(app.now, key(KeyCode::Esc));
    app.step(app.now, ch('q'));
    assert!(app.should_quit, "asked twice");
    let mut app = self::app();
    app.step(app.now, ch('-'));
    type_text(&mut app, "1");
    app.step(app.now, key(KeyCode::Enter));
    let t = app.now;
    app.step(t, Msg::Shutdown);
    app.step(t + app.config.write_wait - std::time::Duration::from_millis(1), Msg::Tick);
    assert!(!app.should_quit);
    app.step(t + app.config.write_wait, Msg::Tick);
    assert!(app.should_quit, "not longer than the write may take");
    // Nothing in flight: q quits at once.
    let mut idle = self::app();
    idle.step(idle.now, ch('q'));
    assert!(idle.should_quit);
}

#[test]
fn writes_left_open_are_settled_before_the_scan_and_told() {
    let t0 = Instant::now();
    let mut app = new_app("test", true, t0);
    assert_eq!(app.step(t0, Msg::Tick), crate::fixtures::first_requests());
    let active = table_info(TableStatus::Active, BillingMode::OnDemand);
    let sent = app.step(t0, crate::fixtures::described(Ok(Some(active))));
    assert!(sent.is_empty(), "no scan while open writes are being settled: {sent:?}");
    let deposit = Write {
        op_id: "op-1".into(),
        user_id: ALICE.into(),
        kind: WriteKind::SetBalance {
            seen: Some(b("10")),
            new: b("15"),
            reason: EditReason::Deposit(b("5")),
        },
    };
    let gone = Write {
        op_id: "op-2".into(),
        user_id: "bob".into(),
        kind: WriteKind::Delete { seen: None },
    };
    let resolved = vec![
        crate::msg::Resolved { write: deposit, result: Ok(done(None, Some(b("10")))) },
        crate::msg::Resolved { write: gone, result: Err(WriteError::Conflict { current: None }) },
    ];
    let answer = Response::WritesResolved { table: TABLE.into(), result: Ok(resolved) };
    let sent = app.step(t0, crate::fixtures::answer(answer));
    assert!(matches!(sent[..], [Request::Scan { .. }]), "then the scan: {sent:?}");
    let line = app.status_line.clone().expect("said").text;
    assert_eq!(
        line,
        format!(
            "2 writes left open earlier, settled: deposit {ALICE}: applied; delete bob: not applied"
        )
    );
}

#[test]
fn a_write_form_says_what_the_write_costs_before_enter() {
    let mut app = app();
    for (key_char, expected) in [
        ('+', "Costs 2 WCU (a transaction: 2 per KB of each item)."),
        ('e', "Costs 2 WCU"),
        ('x', "Costs 2 WCU"),
        ('n', "Costs 2 WCU"),
        ('T', "Costs at least 4 WCU"),
    ] {
        app.step(app.now, ch(key_char));
        let Modal::Wallet(dialog) = &app.modal else { panic!("{key_char}: a form") };
        let intro = dialog.form.intro.clone().unwrap_or_default();
        assert!(intro.contains(expected), "{key_char}: {intro}");
        app.step(app.now, key(KeyCode::Esc));
    }
    app.step(app.now, ch('f'));
    let Modal::Wallet(dialog) = &app.modal else { panic!("the get form") };
    assert!(!dialog.form.intro.clone().unwrap_or_default().contains("WCU"), "a read");
}

#[test]
fn no_other_write_starts_while_one_is_in_flight_or_of_unknown_outcome() {
    let mut app = app();
    app.step(app.now, ch('+'));
    type_text(&mut app, "5");
    let write = sent_write(&app.step(app.now, key(KeyCode::Enter)));
    app.step(app.now, key(KeyCode::Esc)); // the form goes; the write is still out
    app.step(app.now, ch('+'));
    assert!(matches!(app.modal, Modal::None), "no second write while one is in flight");
    let said = app.status_line.clone().expect("said").text;
    assert!(said.starts_with("a write is in flight"), "{said}");

    let lost = ApiError::new(ErrorKind::Timeout, "operation timeout");
    answer(&mut app, write.clone(), Err(unknown(lost)));
    for refused in ['+', '-', 'e', 'x', 'T', 'n'] {
        app.step(app.now, ch(refused));
        assert!(matches!(app.modal, Modal::None), "{refused}: no new write beside an unknown one");
        let said = app.status_line.clone().expect("said").text;
        assert!(said.contains("is unknown: r sends it again"), "{refused}: {said}");
    }
    assert!(app.step(app.now, ch('u')).is_empty(), "nor an undo");
    // `r` sends it again (the worker settles every open write of the table).
    let sent = app.step(app.now, ch('r'));
    assert_eq!(sent, vec![Request::ResolveWrites { table: TABLE.into() }]);
    let done = WriteDone { resent: true, ..done(None, Some(b("100"))) };
    let resolved = vec![crate::msg::Resolved { write, result: Ok(done) }];
    let settled = Response::WritesResolved { table: TABLE.into(), result: Ok(resolved) };
    app.step(app.now, crate::fixtures::answer(settled));
    assert_eq!(app.session.list.find(&UserId::new(ALICE)).and_then(|w| w.balance), Some(b("105")));
    app.step(app.now, ch('+'));
    assert!(matches!(app.modal, Modal::Wallet(_)), "writes again once it is settled");
}

mod odd;
