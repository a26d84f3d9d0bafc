//! Unit tests of `app/guard.rs`: a protected target refuses write forms; with
//! `--allow-writes` the first write of a session asks for the table name, once; the account
//! lookup's answer changes the mode, whatever session asked.

use std::time::Instant;

use crossterm::event::KeyCode;

use crate::app::{App, AppConfig, Modal, WalletAction};
use crate::fixtures::{TABLE, ch, describe, described_table, key, reply};
use crate::msg::{Msg, Request, Response};
use crate::table::TableStatus;
use crate::target::{Account, Identity, Target, WriteMode};

fn protected() -> WriteMode {
    WriteMode::Protected { target: "profile prod".into() }
}

fn confirm() -> WriteMode {
    WriteMode::Confirm { target: "profile prod".into() }
}

/// A connected app in `mode` whose table exists.
fn app_in(mode: WriteMode, t0: Instant) -> App {
    let config = AppConfig { write_mode: mode, ..AppConfig::new(TABLE, "AWS eu-west-1") };
    let mut app = App::new(config, t0);
    describe(&mut app, t0, Ok(Some(described_table(TableStatus::Active, 0, 0))));
    app
}

fn type_text(app: &mut App, t0: Instant, text: &str) {
    for c in text.chars() {
        app.step(t0, ch(c));
    }
}

fn status(app: &App) -> &str {
    app.status_line().map_or("", |s| s.text.as_str())
}

#[test]
fn a_protected_target_refuses_every_write_form() {
    let t0 = Instant::now();
    let mut app = app_in(protected(), t0);
    for key in ['n', 'D', 'u', 'S'] {
        assert!(app.step(t0, ch(key)).is_empty(), "{key} sends nothing");
        assert!(matches!(app.modal(), Modal::None), "{key} opens no form");
    }
    app.step(t0, ch('n'));
    assert_eq!(
        status(&app),
        "profile prod is protected: editing wallets needs wallet-tui started with --allow-writes"
    );
    app.step(t0, ch('f'));
    assert!(matches!(app.modal(), Modal::Wallet(_)), "reads are still open");
}

#[test]
fn allow_writes_asks_for_the_table_name_once_per_session() {
    let t0 = Instant::now();
    let mut app = app_in(confirm(), t0);
    app.step(t0, ch('n'));
    let Modal::ConfirmTarget(confirm) = app.modal() else { panic!("asks the table name first") };
    assert_eq!(confirm.then, crate::keymap::Action::NewWallet);

    type_text(&mut app, t0, "user_walle");
    assert!(app.step(t0, key(KeyCode::Enter)).is_empty());
    let Modal::ConfirmTarget(confirm) = app.modal() else { panic!("a wrong name stays") };
    let field = &confirm.form.fields[0];
    assert_eq!(field.error.as_deref(), Some("type user_wallet exactly to write to it"));

    type_text(&mut app, t0, "t");
    app.step(t0, key(KeyCode::Enter));
    let Modal::Wallet(dialog) = app.modal() else { panic!("then the form asked for") };
    assert!(matches!(dialog.action, WalletAction::Put { .. }));

    app.step(t0, key(KeyCode::Esc));
    app.step(t0, ch('n'));
    assert!(matches!(app.modal(), Modal::Wallet(_)), "asked once per session");
}

#[test]
fn read_only_wins_over_allow_writes() {
    let t0 = Instant::now();
    let mut app = app_in(confirm(), t0);
    app.config.read_only = true;
    app.step(t0, ch('n'));
    assert!(matches!(app.modal(), Modal::None));
    assert_eq!(app.write_mode(), WriteMode::ReadOnly);
    assert_eq!(status(&app), "read-only mode: editing wallets is disabled");
}

#[test]
fn the_account_lookup_is_asked_once_and_sets_the_mode() {
    let t0 = Instant::now();
    let config = AppConfig {
        identify: true,
        write_mode: WriteMode::Checking,
        target: Some(Target::default()),
        ..AppConfig::new(TABLE, "AWS eu-west-1")
    };
    let mut app = App::new(config, t0);
    let first = app.step(t0, Msg::Tick);
    assert_eq!(first.first(), Some(&Request::Identify), "{first:?}");
    assert!(!app.step(t0, Msg::Tick).contains(&Request::Identify), "once");
    app.step(t0, ch('n'));
    assert!(status(&app).starts_with("looking up the account"), "{}", status(&app));

    let identity =
        Identity { credentials: Ok("SSO".into()), account: Account::Known("123456789012".into()) };
    let mode = WriteMode::Protected { target: "account 123456789012".into() };
    // Answered for an earlier session: still about this run.
    app.step(t0, reply(0, Response::Identified { identity: identity.clone(), mode: Some(mode) }));
    assert_eq!(app.identity(), Some(&identity));
    assert!(matches!(app.write_mode(), WriteMode::Protected { .. }));

    let failed =
        Identity { credentials: Err("bug".into()), account: Account::Unknown("bug".into()) };
    app.step(t0, reply(1, Response::Identified { identity: failed, mode: None }));
    assert!(matches!(app.write_mode(), WriteMode::Protected { .. }), "no mode: unchanged");
}
