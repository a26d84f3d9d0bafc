//! Render snapshots at a fixed size with a frozen clock.

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use insta::assert_snapshot;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::app::{App, AppConfig, TableState};
use crate::error::{ApiError, ErrorKind};
use crate::fixtures::{
    TABLE, ch, describe, described_app, described_table, key, new_app, scan_page, wallet,
};
use crate::msg::{LocalEvent, Msg, Response};
use crate::table::{AttributeDef, BillingMode, IndexInfo, KeyElement, TableInfo, TableStatus};

/// The endpoint label the screens show.
const LOCAL: &str = "DynamoDB Local http://127.0.0.1:8000";

fn draw(app: &App, width: u16, height: u16) -> TestBackend {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal.draw(|frame| super::render(app, frame)).expect("draw");
    terminal.backend().clone()
}

/// The table with 1234 items in 98,765 bytes.
fn info(status: TableStatus) -> TableInfo {
    described_table(status, 1234, 98_765)
}

/// An app whose first describe answered `state`, at a frozen time.
fn app_with(state: Option<TableInfo>) -> (App, Instant) {
    let t0 = Instant::now();
    let mut app = described_app(LOCAL, state, t0);
    app.clear_status_line();
    (app, t0)
}

#[test]
fn status_missing() {
    let (app, _) = app_with(None);
    assert_eq!(app.table(), &TableState::Missing);
    assert_snapshot!(draw(&app, 80, 16));
}

#[test]
fn status_creating_with_elapsed_time() {
    let (mut app, t0) = app_with(Some(info(TableStatus::Creating)));
    app.step(t0 + Duration::from_secs(7), Msg::Tick);
    assert_snapshot!(draw(&app, 80, 16));
}

#[test]
fn status_active() {
    let mut table = info(TableStatus::Active);
    table.indexes.push(IndexInfo {
        name: "by_balance".into(),
        kind: "GSI",
        status: Some(TableStatus::Active),
        ..Default::default()
    });
    let (app, _) = app_with(Some(table));
    assert_snapshot!(draw(&app, 90, 16));
}

#[test]
fn status_on_demand_not_wallet_schema() {
    let mut table = info(TableStatus::Active);
    table.billing = BillingMode::OnDemand;
    table.key_schema.push(KeyElement { name: "ts".into(), key_type: "RANGE".into() });
    table.attributes.push(AttributeDef { name: "ts".into(), attr_type: "N".into() });
    let (app, _) = app_with(Some(table));
    assert_snapshot!(draw(&app, 80, 16));
}

#[test]
fn status_error() {
    let t0 = Instant::now();
    let mut app = new_app("AWS eu-west-1", true, t0);
    let err = ApiError::new(
        ErrorKind::AccessDenied,
        "User is not authorized to perform: dynamodb:DescribeTable",
    );
    describe(&mut app, t0, Err(err));
    assert_snapshot!(draw(&app, 80, 16));
}

#[test]
fn status_starting_local() {
    let t0 = Instant::now();
    let mut app = new_app(LOCAL, false, t0);
    app.step(
        t0,
        Msg::Local(LocalEvent::Progress(
            "installing DynamoDB Local 3.3.0 (first run only)…".into(),
        )),
    );
    assert_snapshot!(draw(&app, 80, 16));
}

#[test]
fn status_local_failed() {
    let t0 = Instant::now();
    let mut app = new_app(LOCAL, false, t0);
    let why = "java not found: DynamoDB Local needs Java 17+ (e.g. apt-get install openjdk-17-jre-headless)";
    app.step(t0, Msg::Local(LocalEvent::Failed(why.into())));
    assert_snapshot!(draw(&app, 80, 16));
}

#[test]
fn status_local_names_the_port() {
    let t0 = Instant::now();
    let local = |ready| AppConfig {
        ready,
        local: true,
        local_port: Some(8000),
        ..AppConfig::new(TABLE, LOCAL)
    };
    let starting = App::new(local(false), t0);
    assert_snapshot!("status_local_starting_names_the_port", draw(&starting, 80, 16));
    let mut app = App::new(local(true), t0);
    describe(&mut app, t0, Ok(Some(info(TableStatus::Active))));
    app.clear_status_line();
    assert_snapshot!(draw(&app, 90, 16));
}

#[test]
fn create_form() {
    let (mut app, t0) = app_with(None);
    app.step(t0, ch('c'));
    assert_snapshot!(draw(&app, 80, 20));
}

#[test]
fn delete_form_with_error() {
    let (mut app, t0) = app_with(Some(info(TableStatus::Active)));
    app.step(t0, ch('D'));
    app.step(t0, ch('x'));
    app.step(t0, key(KeyCode::Enter));
    let backend = draw(&app, 80, 16);
    assert_snapshot!(backend);
}

#[test]
fn help_overlay() {
    let (mut app, t0) = app_with(None);
    app.step(t0, ch('?'));
    assert_snapshot!(draw(&app, 80, 20));
}

#[test]
fn tiny_terminal_asks_for_more_room() {
    let (app, _) = app_with(Some(info(TableStatus::Active)));
    assert_snapshot!(draw(&app, 30, 6));
    // Degenerate sizes must not panic.
    for (w, h) in [(0, 0), (1, 1), (40, 10), (200, 3)] {
        draw(&app, w, h);
    }
}

#[test]
fn word_wrap_fits_width() {
    let lines = super::wrap_words("aaa bbb ccc dddddddddd e", 7);
    assert_eq!(lines, vec!["aaa bbb", "ccc", "ddddddd", "ddd e"]);
    assert!(super::wrap_words("", 5).is_empty());
}

/// An app with a few wallets loaded by a finished scan, at a frozen time.
fn with_wallets() -> App {
    use crate::wallet::{AttrValue, Extras, Wallet};
    let (mut app, t0) = app_with(Some(info(TableStatus::Active)));
    let wallet = |id: &str, balance: Option<&str>, currency: &str| Wallet {
        extra: Extras::new([
            ("currency", &AttrValue::S(currency.into())),
            ("updated_at", &AttrValue::S("2026-11-26T12:00:00Z".into())),
        ]),
        ..wallet(id, balance)
    };
    let wallets = vec![
        wallet("3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b", Some("1250.5"), "EUR"),
        wallet("00000000-0000-4000-8000-000000000001", Some("-0.5"), "USD"),
        wallet(
            "9a0e7c55-1d2b-4c3d-9e4f-5a6b7c8d9e0f",
            Some("12345678901234567890123456789012345678"),
            "JPY",
        ),
        wallet("legacy-user-42", None, "GBP"),
    ];
    let t1 = t0 + Duration::from_millis(500);
    for segment in 0..app.config().scan_spec.segments {
        let wallets = if segment == 0 { wallets.clone() } else { vec![] };
        let page = scan_page(1, segment, wallets, true, Some(0.5));
        app.step(t1, crate::fixtures::answer(Response::ScanPage(page)));
    }
    app.clear_status_line();
    app
}

#[test]
fn list_and_detail_side_by_side() {
    let mut app = with_wallets();
    app.step(app.now(), Msg::Resized(super::viewport(ratatui::layout::Rect::new(0, 0, 130, 24))));
    app.step(app.now(), ch('s'));
    app.step(app.now(), ch('s'));
    app.step(app.now(), ch('s'));
    app.clear_status_line();
    assert_snapshot!(draw(&app, 130, 24));
}

#[test]
fn list_stacked_with_filter_box_and_dynamodb_json() {
    let mut app = with_wallets();
    app.step(app.now(), ch('J'));
    app.step(app.now(), ch('J'));
    app.step(app.now(), ch('/'));
    for c in ">0".chars() {
        app.step(app.now(), ch(c));
    }
    assert_snapshot!(draw(&app, 100, 34));
}

#[test]
fn wallet_without_balance_in_detail() {
    let mut app = with_wallets();
    app.step(app.now(), ch('G'));
    app.step(app.now(), ch('J'));
    assert_snapshot!(draw(&app, 120, 22));
}

#[test]
fn deposit_form_after_a_conflict() {
    use crate::write::{Write, WriteError};
    let mut app = with_wallets();
    app.step(app.now(), ch('+'));
    for c in "25.5".chars() {
        app.step(app.now(), ch(c));
    }
    let sent = app.step(app.now(), key(KeyCode::Enter));
    let [crate::msg::Request::Write { write, .. }] = sent.as_slice() else {
        panic!("one write: {sent:?}")
    };
    let write: Write = write.clone();
    let mut current = app.selected_wallet().cloned().expect("selected");
    current.balance = crate::balance::Balance::parse("1300").ok();
    let result = Err(WriteError::Conflict { current: Some(current) });
    app.step(
        app.now(),
        crate::fixtures::answer(Response::Written { table: TABLE.into(), write, result }),
    );
    app.clear_status_line();
    assert_snapshot!(draw(&app, 120, 30));
}

#[test]
fn set_balance_form_over_a_string_balance_asks_once_more() {
    use crate::wallet::{AttrValue, Extras, Wallet};
    let mut app = with_wallets();
    let odd = Wallet {
        user_id: crate::wallet::UserId::new("legacy-user-42"),
        balance: None,
        extra: Extras::new([
            ("balance", &AttrValue::S("100".into())),
            ("currency", &AttrValue::S("GBP".into())),
        ]),
    };
    app.step(
        app.now(),
        crate::fixtures::answer(Response::GotWallet {
            table: TABLE.into(),
            user_id: "legacy-user-42".into(),
            result: Ok(Some(odd)),
            consumed_rcu: None,
        }),
    );
    app.step(app.now(), ch('e'));
    for c in "250.5".chars() {
        app.step(app.now(), ch(c));
    }
    assert!(app.step(app.now(), key(KeyCode::Enter)).is_empty(), "asks first");
    app.clear_status_line();
    assert_snapshot!(draw(&app, 100, 26));
}

/// Draws only the capacity panel, filling a `width`×`height` screen.
fn draw_capacity(app: &App, width: u16, height: u16) -> TestBackend {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal.draw(|frame| super::capacity::render(app, frame, frame.area())).expect("draw");
    terminal.backend().clone()
}

/// A session at a frozen clock: scan pages, a get, writes and SDK retries over the last
/// 40 seconds, on a table billed as `billing`. Returns the app at t0 + 40 s.
fn app_with_usage(billing: BillingMode) -> App {
    use crate::fixtures::balance;
    use crate::wallet::Wallet;
    use crate::write::{Write, WriteDone, WriteKind};
    let mut table = info(TableStatus::Active);
    table.billing = billing;
    let (mut app, t0) = app_with(Some(table));
    let at = |secs: u64| t0 + Duration::from_secs(secs);
    // The scan the app started: three pages, the last one above 5 RCU/s.
    for (segment, (secs, rcu)) in [(30, 2.5), (31, 4.0), (32, 6.0)].into_iter().enumerate() {
        let wallets = vec![wallet(&format!("user-{segment}"), "10")];
        let page = scan_page(1, segment as u32, wallets, true, Some(rcu));
        app.step(at(secs), crate::fixtures::answer(Response::ScanPage(page)));
    }
    let got = Response::GotWallet {
        table: TABLE.into(),
        user_id: "user-0".into(),
        result: Ok(Some(wallet("user-0", "10"))),
        consumed_rcu: Some(0.5),
    };
    app.step(at(36), crate::fixtures::answer(got));
    let written = |user: &str, kind: WriteKind, wallet: Option<Wallet>, wcu: Option<f64>| {
        let write = Write { op_id: format!("op-{user}"), user_id: user.into(), kind };
        let done = WriteDone {
            wallet,
            old_balance: None,
            consumed_wcu: wcu,
            request_id: None,
            resent: false,
            counterpart: None,
        };
        crate::fixtures::answer(Response::Written { table: TABLE.into(), write, result: Ok(done) })
    };
    let ten = balance("10");
    let create = WriteKind::Create { balance: ten };
    app.step(at(38), written("user-9", create, Some(wallet("user-9", "10")), Some(1.0)));
    // No consumed capacity reported: estimated from the item's size.
    let set = WriteKind::SetBalance {
        seen: Some(ten),
        new: balance("12"),
        reason: crate::write::EditReason::Set,
    };
    app.step(at(39), written("user-1", set, Some(wallet("user-1", "12")), None));
    app.step(at(39), Msg::CallStats(crate::msg::CallStats { retries: 2, throttled: 1 }));
    app.step(at(40), Msg::Tick);
    app.clear_status_line();
    app
}

#[test]
fn capacity_panel_provisioned() {
    let app = app_with_usage(BillingMode::Provisioned { read: 5, write: 5 });
    assert_snapshot!(draw_capacity(&app, 64, 8));
}

#[test]
fn capacity_panel_on_demand() {
    let app = app_with_usage(BillingMode::OnDemand);
    assert_snapshot!(draw_capacity(&app, 50, 8));
}

#[test]
fn capacity_panel_before_any_call() {
    let (app, _) = app_with(None);
    assert_snapshot!(draw_capacity(&app, 44, 8));
}

#[test]
fn capacity_panel_beside_the_status_panel() {
    let app = app_with_usage(BillingMode::Provisioned { read: 5, write: 5 });
    assert_snapshot!(draw(&app, 130, 24));
}

#[test]
fn capacity_panel_survives_tiny_areas() {
    let app = app_with_usage(BillingMode::Provisioned { read: 5, write: 5 });
    for (w, h) in [(0, 0), (1, 1), (2, 2), (3, 8), (9, 3), (12, 8), (20, 5), (300, 2), (30, 40)] {
        draw_capacity(&app, w, h);
    }
    let on_demand = app_with_usage(BillingMode::OnDemand);
    for (w, h) in [(1, 1), (10, 8), (17, 8), (60, 16)] {
        draw_capacity(&on_demand, w, h);
        draw(&on_demand, w, h);
    }
}

#[test]
fn control_characters_are_drawn_as_pictures_never_sent_to_the_terminal() {
    assert_eq!(super::visible_text("a\u{1b}[2J\tb\u{7f}\u{85}"), "a␛[2J␉b␡\u{fffd}");
    assert_eq!(super::visible_text("ünïcödé 💰"), "ünïcödé 💰", "printable text is kept");
}

#[test]
fn an_input_window_keeps_the_cursor_in_view_counting_columns() {
    use tui_input::Input;
    let window = |value: &str, cursor: usize, room: usize| {
        super::input_window(&Input::new(value.into()).with_cursor(cursor), room)
    };
    assert_eq!(window("12345", 5, 10), ("12345".into(), 5), "fits: nothing scrolled");
    assert_eq!(window("1234567890", 10, 5), ("7890".into(), 4), "room for the cursor at the end");
    assert_eq!(window("1234567890", 0, 5), ("12345".into(), 0));
    // Wide characters take two columns each, pictures of control characters one.
    assert_eq!(window("💰💰💰💰", 4, 5), ("💰💰".into(), 4));
    assert_eq!(window("a\u{1b}b", 3, 10), ("a␛b".into(), 3));
    let big = "9".repeat(1 << 20);
    assert_eq!(window(&big, 1 << 20, 8), ("9999999".into(), 7), "a megabyte paste scrolls");
}

#[test]
fn a_pasted_escape_sequence_shows_in_the_form_as_typed() {
    let mut app = with_wallets();
    app.step(app.now(), ch('f'));
    app.step(app.now(), Msg::Term(crossterm::event::Event::Paste("ab\u{1b}[2J".into())));
    let backend = draw(&app, 100, 30);
    let screen: String = backend.buffer().content().iter().map(|c| c.symbol()).collect();
    assert!(screen.contains("ab␛[2J"), "{screen}");
}

#[test]
fn status_endpoint_unreachable_with_countdown() {
    let t0 = Instant::now();
    let mut app = new_app(LOCAL, true, t0);
    let err = ApiError::new(ErrorKind::Unreachable, "dispatch failure: connection refused");
    describe(&mut app, t0, Err(err));
    app.step(t0 + Duration::from_millis(700), Msg::Tick);
    assert_snapshot!(draw(&app, 80, 16));
}

#[test]
fn the_mono_theme_draws_without_any_colour() {
    let mut app = with_wallets();
    app.set_theme(crate::theme::Theme::Mono);
    let backend = draw(&app, 130, 24);
    let cells = backend.buffer().content();
    let coloured: Vec<_> = cells
        .iter()
        .filter(|c| c.fg != ratatui::style::Color::Reset || c.bg != ratatui::style::Color::Reset)
        .collect();
    assert!(coloured.is_empty(), "{} coloured cells, e.g. {:?}", coloured.len(), coloured.first());
    let reversed = cells.iter().filter(|c| c.modifier.contains(ratatui::style::Modifier::REVERSED));
    assert!(reversed.count() > 10, "the selected row stands out in reverse video");
    app.set_theme(crate::theme::Theme::Color);
    let backend = draw(&app, 130, 24);
    assert!(backend.buffer().content().iter().any(|c| c.fg != ratatui::style::Color::Reset));
}

/// An app on `target` in `mode`, its table described, identified as `identity` (if any).
fn guarded_app(
    target: crate::target::Target,
    mode: crate::target::WriteMode,
    identity: Option<crate::target::Identity>,
) -> App {
    let t0 = Instant::now();
    let config = AppConfig {
        target: Some(target),
        write_mode: mode,
        ..AppConfig::new(TABLE, "unused label")
    };
    let mut app = App::new(config, t0);
    describe(&mut app, t0, Ok(Some(info(TableStatus::Active))));
    if let Some(identity) = identity {
        let identified = Response::Identified { identity, mode: None };
        app.step(t0, crate::fixtures::answer(identified));
    }
    app.clear_status_line();
    app
}

fn title_row(backend: &TestBackend) -> String {
    let buffer = backend.buffer();
    (0..buffer.area.width).map(|x| buffer[(x, 0)].symbol()).collect()
}

#[test]
fn title_names_the_resolved_endpoint_account_profile_and_credentials() {
    use crate::target::{Account, Identity, Target, WriteMode};
    let target = Target {
        endpoint: Some("http://127.0.0.1:8131".into()),
        region: "eu-west-1".into(),
        profile: Some("dev".into()),
        local: false,
    };
    let identity = Identity {
        credentials: Ok("profile".into()),
        account: Account::Unknown("no STS answer (not an STS endpoint)".into()),
    };
    let app = guarded_app(target, WriteMode::Writable, Some(identity));
    let backend = draw(&app, 180, 16);
    assert_eq!(
        title_row(&backend).trim_end(),
        " wallet-tui   WRITABLE  table user_wallet │ http://127.0.0.1:8131 eu-west-1 · account \
         unknown · profile dev · creds profile · (account unknown: no STS answer (not an STS \
         endpoint))"
    );
    assert_snapshot!(backend);
}

#[test]
fn title_on_aws_while_the_account_is_looked_up() {
    use crate::target::{Target, WriteMode};
    let target = Target {
        endpoint: None,
        region: "eu-west-1".into(),
        profile: Some("prod".into()),
        local: false,
    };
    let app = guarded_app(target, WriteMode::Checking, None);
    let backend = draw(&app, 120, 16);
    assert_eq!(
        title_row(&backend).trim_end(),
        " wallet-tui   READ-ONLY · checking the account  table user_wallet │ AWS eu-west-1 · \
         account … · profile prod"
    );
}

#[test]
fn a_protected_target_is_said_in_a_warning_colour() {
    use crate::target::{Account, Identity, Target, WriteMode};
    let target = Target {
        endpoint: None,
        region: "eu-west-1".into(),
        profile: Some("prod".into()),
        local: false,
    };
    let identity =
        Identity { credentials: Ok("SSO".into()), account: Account::Known("123456789012".into()) };
    let mode = WriteMode::Protected { target: "profile prod".into() };
    let app = guarded_app(target.clone(), mode, Some(identity.clone()));
    let backend = draw(&app, 160, 16);
    assert_snapshot!(backend);
    let badge = &backend.buffer()[(14, 0)];
    assert_eq!(badge.bg, ratatui::style::Color::Yellow, "warning colour: {badge:?}");
    let writable = guarded_app(target, WriteMode::Writable, Some(identity));
    let plain = draw(&writable, 160, 16);
    assert_ne!(plain.buffer()[(14, 0)].bg, ratatui::style::Color::Yellow);
}

#[test]
fn allow_writes_asks_for_the_table_name() {
    use crate::target::{Target, WriteMode};
    let target = Target {
        endpoint: None,
        region: "eu-west-1".into(),
        profile: Some("prod".into()),
        local: false,
    };
    let mut app = guarded_app(target, WriteMode::Confirm { target: "profile prod".into() }, None);
    app.step(Instant::now(), ch('n'));
    assert_snapshot!(draw(&app, 100, 20));
}

#[test]
fn status_stale_while_the_endpoint_is_down() {
    let (mut app, t0) = app_with(Some(info(TableStatus::Active)));
    let poll = t0 + crate::app::SLOW_POLL;
    app.step(poll, Msg::Tick);
    let err = ApiError::new(ErrorKind::Unreachable, "dispatch failure: connection refused");
    app.step(poll, crate::fixtures::described(Err(err)));
    app.step(poll + Duration::from_millis(700), Msg::Tick);
    let backend = draw(&app, 100, 16);
    let screen: String = backend.buffer().content().iter().map(|c| c.symbol()).collect();
    assert!(screen.contains(" ACTIVE?  stale, 15s old"), "{screen}");
    assert!(screen.contains("Poll    cannot reach · retry 2s"), "{screen}");
    assert!(!screen.contains(" ACTIVE  "), "never the plain live badge: {screen}");
    assert_snapshot!(backend);
}

/// An app whose one scan page held `wallets`.
fn with(wallets: Vec<crate::wallet::Wallet>) -> App {
    let (mut app, t0) = app_with(Some(info(TableStatus::Active)));
    let t1 = t0 + Duration::from_millis(500);
    for segment in 0..app.config().scan_spec.segments {
        let wallets = if segment == 0 { wallets.clone() } else { vec![] };
        let page = scan_page(1, segment, wallets, true, Some(0.5));
        app.step(t1, crate::fixtures::answer(Response::ScanPage(page)));
    }
    app.clear_status_line();
    app
}

/// A wallet with `attrs` besides its key and balance.
fn wallet_with(
    id: &str,
    balance: Option<&str>,
    attrs: &[(&str, crate::wallet::AttrValue)],
) -> crate::wallet::Wallet {
    let extra = crate::wallet::Extras::new(attrs.iter().map(|(n, v)| (*n, v)));
    crate::wallet::Wallet { extra, ..wallet(id, balance) }
}

fn in_currency(id: &str, balance: Option<&str>, currency: Option<&str>) -> crate::wallet::Wallet {
    let attrs: Vec<(&str, crate::wallet::AttrValue)> =
        currency.map(|c| ("currency", crate::wallet::AttrValue::S(c.into()))).into_iter().collect();
    wallet_with(id, balance, &attrs)
}

fn footer_text(app: &App, width: usize) -> String {
    super::list::footer(app.list(), width).to_string()
}

#[test]
fn footer_with_mixed_currencies_never_adds_them_up() {
    let app = with(vec![
        in_currency("a", Some("10.5"), Some("EUR")),
        in_currency("b", Some("100"), Some("JPY")),
        in_currency("c", Some("-0.5"), Some("EUR")),
        in_currency("d", None, Some("EUR")),
        in_currency("e", Some("7"), None),
    ]);
    assert_eq!(
        footer_text(&app, 200),
        " 5 wallets: EUR 3 · total 10 · min -0.5 · max 10.5 │ JPY 1 · total 100 · min 100 · max \
         100 │ (no currency) 1 · total 7 · min 7 · max 7 · 1 without a numeric balance "
    );
    assert_eq!(
        footer_text(&app, 110),
        " 5 wallets: EUR 3 · total 10 · min -0.5 · max 10.5 │ +2 more (help) \
         · 1 without a numeric balance "
    );
    assert_eq!(
        footer_text(&app, 90),
        " 5 wallets: EUR 3 · total 10 │ +2 more (help) · 1 without a numeric balance "
    );
    assert_eq!(
        footer_text(&app, 40),
        " 5 wallets: 3 currencies, see help · 1 without a numeric balance "
    );
    assert!(!footer_text(&app, 200).contains("117"), "no total across currencies");
    assert_snapshot!(draw(&app, 130, 24));
}

#[test]
fn footer_with_one_currency_or_none() {
    let app = with(vec![
        in_currency("a", Some("1"), Some("EUR")),
        in_currency("b", Some("2"), Some("EUR")),
    ]);
    assert_eq!(footer_text(&app, 100), " 2 wallets · total 3 EUR · min 1 · max 2 ");
    let app = with(vec![in_currency("a", Some("1"), None), in_currency("b", None, None)]);
    assert_eq!(
        footer_text(&app, 100),
        " 2 wallets · total 1 · min 1 · max 1 · 1 without a numeric balance "
    );
    let app = with(vec![in_currency("a", Some("1"), None)]);
    assert_eq!(footer_text(&app, 100), " 1 wallet · total 1 · min 1 · max 1 ");
    let app = with(vec![in_currency("a", None, None)]);
    assert_eq!(footer_text(&app, 100), " 1 wallet · 1 without a numeric balance ");
}

#[test]
fn footer_shows_extreme_totals_in_the_lists_notation_with_a_cut_mark() {
    let app = with(vec![
        in_currency("a", Some("-1E-130"), None),
        in_currency("b", Some("1E-100"), None),
        in_currency("c", Some("-9.9999999999999999999999999999999999999E+125"), None),
    ]);
    let text = footer_text(&app, 200);
    assert!(text.contains("total -9.9999999999999999999999999999999999998…E+125"), "{text}");
    assert!(text.contains("min -9.9999999999999999999999999999999999999E+125 "), "{text}");
    let tiny =
        with(vec![in_currency("a", Some("-1E-130"), None), in_currency("b", Some("2E-130"), None)]);
    assert_eq!(footer_text(&tiny, 200), " 2 wallets · total 1E-130 · min -1E-130 · max 2E-130 ");
}

#[test]
fn decimals_turn_scientific_and_cut_visibly_when_too_long() {
    let d = |t: &str, w| super::list::decimal(&t.parse().expect("decimal"), w);
    assert_eq!(d("1234.5", 10), "1234.5");
    assert_eq!(d("-0.00000000000000000000000000012", 20), "-1.2E-28");
    assert_eq!(d("123456789012345678901234567890", 12), "1.23456…E+29");
    assert_eq!(d("0", 5), "0");
}

fn tricky_balances() -> App {
    use crate::wallet::AttrValue;
    let m = AttrValue::M(Box::new([("amount".into(), AttrValue::N("5".into()))]));
    with(vec![
        in_currency("w-4661.3", Some("4661.3"), Some("EUR")),
        in_currency("w-3563.60", Some("3563.60"), Some("EUR")),
        in_currency("w-minus-half", Some("-0.5"), Some("EUR")),
        in_currency("w-1E+2", Some("1E+2"), Some("EUR")),
        in_currency("w-38-digits", Some("12345678901234567890123456789012345678"), Some("EUR")),
        in_currency("w-tiny", Some("0.000001"), Some("EUR")),
        in_currency("w-integer", Some("7"), Some("EUR")),
        in_currency("w-zero", Some("0"), Some("EUR")),
        wallet_with("w-string", None, &[("balance", AttrValue::S("100".into()))]),
        wallet_with("w-map", None, &[("balance", m)]),
        wallet_with("w-null", None, &[("balance", AttrValue::Null)]),
        in_currency("w-none", None, Some("EUR")),
    ])
}

#[test]
fn balances_align_on_the_point_with_exact_digits() {
    let app = tricky_balances();
    let screen = draw(&app, 140, 30);
    let rows: Vec<String> = (0..30)
        .map(|y| (0..140).map(|x| screen.buffer()[(x, y)].symbol().to_string()).collect())
        .collect();
    let point = |needle: &str| {
        // The balance column starts after the id column's 36 and the border.
        let row = rows.iter().find(|r| r.starts_with(&format!("┃{needle} "))).expect(needle);
        row.chars().skip(38).take(45).position(|c| c == '.').map(|p| p + 38)
    };
    assert!(point("w-4661.3").is_some());
    assert_eq!(point("w-4661.3"), point("w-3563.60"), "{rows:#?}");
    assert_eq!(point("w-4661.3"), point("w-minus-half"));
    assert_eq!(point("w-4661.3"), point("w-tiny"), "a cut fraction keeps its point");
    assert!(rows.iter().any(|r| r.contains("0.00…")), "and shows its cut");
    // Integers end where the others' points are: 1E+2 is shown as its digits, 100.
    let row = rows.iter().find(|r| r.starts_with("┃w-1E+2 ")).expect("1E+2 row");
    let at = row.rfind(" 100 ").map(|i| row[..i].chars().count() + 1);
    assert_eq!(at.map(|c| c + 3), point("w-4661.3"), "{rows:#?}");
    for needle in
        ["12345678901234567890123456789012345678", "S \"100\"", "M {\"amount\": 5}", "NULL null"]
    {
        assert!(rows.iter().any(|r| r.contains(needle)), "{needle} in {rows:#?}");
    }
    assert_snapshot!(screen);
}

#[test]
fn a_balance_too_long_for_its_column_is_cut_with_a_mark() {
    use crate::list::BalanceWidths;
    let column = super::list::BalanceColumn::new(BalanceWidths { int: 39, frac: 8 }, 20);
    assert_eq!(column.width(), 20);
    let shown = column.aligned("12345678901234567890123456789012345678");
    assert!(shown.contains('…'), "{shown}");
    assert_eq!(shown.chars().count(), 20);
    let shown = column.aligned("0.12345678");
    assert!(shown.ends_with('…'), "{shown}");
    assert_eq!(column.aligned("1.5"), format!("{:>16}.5  ", "1"));
}

fn screen_text(backend: &TestBackend) -> String {
    let area = backend.buffer().area;
    (0..area.height)
        .map(|y| (0..area.width).map(|x| backend.buffer()[(x, y)].symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

/// No cell of the screen holds a control character, a bidi control or a zero-width one.
fn assert_clean(backend: &TestBackend) {
    for cell in backend.buffer().content() {
        let bad = cell.symbol().chars().find(|&c| c.is_control() || crate::text::is_invisible(c));
        assert_eq!(bad, None, "cell {:?}", cell.symbol());
    }
}

#[test]
fn stored_control_and_bidi_characters_show_the_same_visible_way_everywhere() {
    let ids = ["newline\nabc", "rtl\u{202e}cba\u{202c}", "zw\u{200b}j", "del\u{7f}", "c1\u{9b}2J"];
    let shown = ["newline␊abc", "rtl␦cba␦", "zw␦j", "del␡", "c1�2J"];
    let mut app = with(ids.iter().map(|id| wallet(id, Some("1"))).collect());
    let list = draw(&app, 130, 24);
    assert_clean(&list);
    let text = screen_text(&list);
    for s in shown {
        assert!(text.contains(s), "{s} in the list:\n{text}");
    }
    assert!(text.contains("\"newline␊abc\""), "the attributes view:\n{text}");
    for (i, id) in shown.iter().enumerate() {
        // The detail pane's JSON views.
        for _ in 0..2 {
            app.step(app.now(), ch('J'));
            let backend = draw(&app, 130, 24);
            assert_clean(&backend);
            let json = id.replace('␊', "\\n");
            assert!(screen_text(&backend).contains(&json), "{json}:\n{}", screen_text(&backend));
        }
        app.step(app.now(), ch('J'));
        // The delete confirmation and the edit form name it the same way.
        for form in ['x', 'e'] {
            app.step(app.now(), ch(form));
            let backend = draw(&app, 130, 24);
            assert_clean(&backend);
            assert!(screen_text(&backend).contains(id), "{id}:\n{}", screen_text(&backend));
            app.step(app.now(), key(KeyCode::Esc));
        }
        if i + 1 < shown.len() {
            app.step(app.now(), ch('j'));
        }
    }
}

#[test]
fn the_help_overlay_scrolls_on_a_small_screen_and_shows_everything_on_a_big_one() {
    let mut app = with(vec![
        in_currency("a", Some("10.5"), Some("EUR")),
        in_currency("b", Some("100"), Some("JPY")),
        in_currency("c", None, None),
    ]);
    app.step(app.now(), ch('?'));
    let big = draw(&app, 160, 45);
    let text = screen_text(&big);
    assert!(text.contains("any key closes"), "{text}");
    assert!(text.contains("export the wallets in view (CSV / JSON Lines)"), "not cut:\n{text}");
    assert!(
        text.contains("EUR              1 wallet · total 10.5 · min 10.5 · max 10.5"),
        "{text}"
    );
    assert_snapshot!("help_160x45", big);
    let small = draw(&app, 60, 16);
    let first = screen_text(&small);
    assert!(first.contains("Keys 1–14/"), "{first}");
    assert_snapshot!("help_60x16_top", small);
    app.step(app.now(), key(KeyCode::PageDown));
    assert!(!screen_text(&draw(&app, 60, 16)).contains("Keys 1–14/"), "PgDn pages on");
    app.step(app.now(), ch('G'));
    let end = draw(&app, 60, 16);
    let text = screen_text(&end);
    assert!(text.contains("(no currency)"), "the last rows are reachable:\n{text}");
    assert_snapshot!("help_60x16_end", end);
    app.step(app.now(), ch('k'));
    assert!(matches!(app.modal(), crate::app::Modal::Help), "scrolling keeps it open");
    app.step(app.now(), ch('q'));
    assert!(matches!(app.modal(), crate::app::Modal::None), "another key closes it");
}

#[test]
fn the_throughput_forms_decreases_line_wraps_at_80_columns() {
    let (mut app, _) = app_with(Some(info(TableStatus::Active)));
    app.step(app.now(), ch('t'));
    assert!(matches!(app.modal(), crate::app::Modal::UpdateTable(_)));
    let text = screen_text(&draw(&app, 80, 24));
    assert!(text.contains("0 so far today (DynamoDB limits decreases"), "{text}");
    assert!(
        text.contains("│                        day)"),
        "the end of the line is shown:\n{text}"
    );
}

#[test]
fn extra_columns_stay_put_while_scrolling() {
    use crate::wallet::AttrValue;
    // The first rows have only a currency (on every wallet); a note is on those further down.
    let wallets = (0..40)
        .map(|i| {
            let id = format!("w{i:02}");
            let mut attrs = vec![("currency", AttrValue::S("EUR".into()))];
            if i >= 10 {
                attrs.push(("note", AttrValue::S(format!("n{i}").into())));
            }
            wallet_with(&id, Some("1"), &attrs)
        })
        .collect();
    let mut app = with(wallets);
    let header = |app: &App| {
        let text = screen_text(&draw(app, 130, 24));
        let header = text.lines().find(|l| l.contains("user_id") && l.contains("balance"));
        header.expect("the list header").split("┃│").next().unwrap_or_default().to_string()
    };
    let top = header(&app);
    assert!(top.contains("note") && top.contains("currency"), "{top}");
    assert!(top.find("currency") < top.find("note"), "the most common first: {top}");
    for _ in 0..30 {
        app.step(app.now(), ch('j'));
    }
    assert_eq!(header(&app), top);
}

#[test]
fn list_with_marked_wallets() {
    let mut app = with_wallets();
    app.step(app.now(), Msg::Resized(super::viewport(ratatui::layout::Rect::new(0, 0, 130, 24))));
    app.step(app.now(), ch(' ')); // marks the first, selects the second
    app.step(app.now(), ch('j'));
    app.step(app.now(), ch(' '));
    app.clear_status_line();
    assert_snapshot!(draw(&app, 130, 24));
}

#[test]
fn marked_wallets_not_loaded_are_said_apart_from_the_total() {
    let mut app = with_wallets();
    app.step(app.now(), Msg::Resized(super::viewport(ratatui::layout::Rect::new(0, 0, 130, 24))));
    app.step(app.now(), ch(' '));
    app.step(app.now(), ch(' '));
    let title = screen_text(&draw(&app, 130, 24));
    assert!(title.contains(" · 2 marked: EUR 1 · total 1250.5"), "{title}");
    // A rescan empties the list; the marks stay, their wallets not loaded yet.
    app.step(app.now(), ch('r'));
    let title = screen_text(&draw(&app, 130, 24));
    assert!(title.contains(" · 2 marked, 0 loaded"), "{title}");
}

#[test]
fn import_confirmation() {
    let mut app = with_wallets();
    app.step(app.now(), ch('I'));
    for c in "/tmp/wallets.csv".chars() {
        app.step(app.now(), ch(c));
    }
    app.step(app.now(), key(KeyCode::Tab));
    app.step(app.now(), ch(' ')); // overwrite
    app.step(app.now(), key(KeyCode::Tab));
    app.step(app.now(), ch(' ')); // skip bad rows
    app.step(app.now(), key(KeyCode::Enter));
    let plan = crate::msg::Bulk::new(crate::fixtures::prepared());
    let path = plan.path.clone();
    let planned = Response::ImportPlanned { table: TABLE.into(), path, result: Ok(plan) };
    app.step(app.now(), crate::fixtures::answer(planned));
    app.clear_status_line();
    assert_snapshot!(draw(&app, 100, 30));
}
