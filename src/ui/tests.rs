//! Render snapshots at a fixed size with a frozen clock.

use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use insta::assert_snapshot;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::app::{App, TableState};
use crate::msg::{ApiError, ErrorKind, LocalEvent, Msg, Response};
use crate::table::{AttributeDef, BillingMode, IndexInfo, KeyElement, TableInfo, TableStatus};

const TABLE: &str = "user_wallet";

fn draw(app: &App, width: u16, height: u16) -> TestBackend {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal.draw(|frame| super::render(app, frame)).expect("draw");
    terminal.backend().clone()
}

fn info(status: TableStatus) -> TableInfo {
    TableInfo {
        name: TABLE.into(),
        status,
        key_schema: vec![KeyElement { name: "user_id".into(), key_type: "HASH".into() }],
        attributes: vec![AttributeDef { name: "user_id".into(), attr_type: "S".into() }],
        billing: BillingMode::Provisioned { read: 1, write: 1 },
        item_count: Some(1234),
        size_bytes: Some(98_765),
        created: Some("2026-11-26T15:00:00Z".into()),
        arn: Some("arn:aws:dynamodb:us-east-1:123456789012:table/user_wallet".into()),
        indexes: vec![],
        decreases_today: Some(0),
    }
}

fn key(c: char) -> Msg {
    Msg::Term(Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)))
}

/// An app whose first describe answered `state`, at a frozen time.
fn app_with(state: Option<TableInfo>) -> (App, Instant) {
    let t0 = Instant::now();
    let mut app = App::new(TABLE.into(), "DynamoDB Local http://127.0.0.1:8000".into(), true, t0);
    app.update(t0, Msg::Tick);
    app.update(t0, Msg::Worker(Response::Described { table: TABLE.into(), result: Ok(state) }));
    app.status_line = None;
    (app, t0)
}

#[test]
fn status_missing() {
    let (app, _) = app_with(None);
    assert_eq!(app.table, TableState::Missing);
    assert_snapshot!(draw(&app, 80, 16));
}

#[test]
fn status_creating_with_elapsed_time() {
    let (mut app, t0) = app_with(Some(info(TableStatus::Creating)));
    app.update(t0 + Duration::from_secs(7), Msg::Tick);
    assert_snapshot!(draw(&app, 80, 16));
}

#[test]
fn status_active() {
    let (mut app, _) = app_with(Some(info(TableStatus::Active)));
    if let TableState::Present(table) = &mut app.table {
        table.indexes.push(IndexInfo {
            name: "by_balance".into(),
            kind: "GSI",
            status: Some(TableStatus::Active),
        });
    }
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
    let mut app = App::new(TABLE.into(), "AWS eu-west-1".into(), true, t0);
    app.update(t0, Msg::Tick);
    let err = ApiError::new(
        ErrorKind::AccessDenied,
        "User is not authorized to perform: dynamodb:DescribeTable",
    );
    app.update(t0, Msg::Worker(Response::Described { table: TABLE.into(), result: Err(err) }));
    assert_snapshot!(draw(&app, 80, 12));
}

#[test]
fn status_starting_local() {
    let t0 = Instant::now();
    let mut app = App::new(TABLE.into(), "DynamoDB Local http://127.0.0.1:8000".into(), false, t0);
    app.update(
        t0,
        Msg::Local(LocalEvent::Progress(
            "installing DynamoDB Local 3.3.0 (first run only)…".into(),
        )),
    );
    assert_snapshot!(draw(&app, 80, 10));
}

#[test]
fn status_local_failed() {
    let t0 = Instant::now();
    let mut app = App::new(TABLE.into(), "DynamoDB Local http://127.0.0.1:8000".into(), false, t0);
    let why = "java not found: DynamoDB Local needs Java 17+ (e.g. apt-get install openjdk-17-jre-headless)";
    app.update(t0, Msg::Local(LocalEvent::Failed(why.into())));
    assert_snapshot!(draw(&app, 80, 10));
}

#[test]
fn create_form() {
    let (mut app, t0) = app_with(None);
    app.update(t0, key('c'));
    assert_snapshot!(draw(&app, 80, 20));
}

#[test]
fn delete_form_with_error() {
    let (mut app, t0) = app_with(Some(info(TableStatus::Active)));
    app.update(t0, key('D'));
    app.update(t0, key('x'));
    app.update(t0, Msg::Term(Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))));
    let backend = draw(&app, 80, 16);
    assert_snapshot!(backend);
}

#[test]
fn help_overlay() {
    let (mut app, t0) = app_with(None);
    app.update(t0, key('?'));
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
    use crate::balance::Balance;
    use crate::msg::ScanPage;
    use crate::wallet::{AttrValue, Extras, UserId, Wallet};
    let (mut app, t0) = app_with(Some(info(TableStatus::Active)));
    let wallet = |id: &str, balance: Option<&str>, currency: &str| Wallet {
        user_id: UserId::new(id),
        balance: balance.map(|b| Balance::parse(b).expect("balance")),
        extra: Extras::new([
            ("currency", &AttrValue::S(currency.into())),
            ("updated_at", &AttrValue::S("2026-11-26T12:00:00Z".into())),
        ]),
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
    for segment in 0..app.scan_spec.segments {
        let wallets = if segment == 0 { wallets.clone() } else { vec![] };
        let page = ScanPage {
            id: 1,
            segment,
            scanned: wallets.len() as u64,
            wallets,
            skipped: 0,
            consumed_rcu: Some(0.5),
            last: true,
        };
        app.update(t1, Msg::Worker(Response::ScanPage(page)));
    }
    app.status_line = None;
    app
}

#[test]
fn list_and_detail_side_by_side() {
    let mut app = with_wallets();
    app.viewport = super::viewport(ratatui::layout::Rect::new(0, 0, 130, 24));
    app.update(app.now, key('s'));
    app.update(app.now, key('s'));
    app.update(app.now, key('s'));
    app.status_line = None;
    assert_snapshot!(draw(&app, 130, 24));
}

#[test]
fn list_stacked_with_filter_box_and_dynamodb_json() {
    let mut app = with_wallets();
    app.update(app.now, key('J'));
    app.update(app.now, key('J'));
    app.update(app.now, key('/'));
    for c in ">0".chars() {
        app.update(app.now, key(c));
    }
    assert_snapshot!(draw(&app, 100, 34));
}

#[test]
fn wallet_without_balance_in_detail() {
    let mut app = with_wallets();
    app.update(app.now, key('G'));
    app.update(app.now, key('J'));
    assert_snapshot!(draw(&app, 120, 22));
}

#[test]
fn deposit_form_after_a_conflict() {
    use crate::msg::{Write, WriteError};
    let mut app = with_wallets();
    app.update(app.now, key('+'));
    for c in "25.5".chars() {
        app.update(app.now, key(c));
    }
    let sent = app
        .update(app.now, Msg::Term(Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))));
    let [crate::msg::Request::Write { write, .. }] = sent.as_slice() else {
        panic!("one write: {sent:?}")
    };
    let write: Write = write.clone();
    let mut current = app.selected_wallet().cloned().expect("selected");
    current.balance = crate::balance::Balance::parse("1300").ok();
    let result = Err(WriteError::Conflict { current: Some(current) });
    app.update(app.now, Msg::Worker(Response::Written { table: TABLE.into(), write, result }));
    app.status_line = None;
    assert_snapshot!(draw(&app, 120, 30));
}
