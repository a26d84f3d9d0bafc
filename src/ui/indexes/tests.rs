//! Render snapshots of the index list (status panel and index view) and the create-index
//! form, at a frozen time; the status panel also at 40 and 160 columns.

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use insta::assert_snapshot;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

use crate::app::App;
use crate::fixtures::{ch, described_app, described_table, key};
use crate::msg::Msg;
use crate::table::{AttributeDef, IndexInfo, KeyElement, Projection, TableInfo, TableStatus};

const LOCAL: &str = "DynamoDB Local http://127.0.0.1:8000";

fn keys(pairs: &[(&str, &str)]) -> Vec<KeyElement> {
    pairs.iter().map(|(n, t)| KeyElement { name: (*n).into(), key_type: (*t).into() }).collect()
}

/// The wallet table with two GSIs (one provisioned and ACTIVE, one CREATING and Backfilling)
/// and one LSI.
fn three_indexes() -> TableInfo {
    let mut info = described_table(TableStatus::Active, 1234, 98_765);
    info.key_schema = keys(&[("user_id", "HASH"), ("ts", "RANGE")]);
    for (name, ty) in [("ts", "N"), ("currency", "S"), ("balance", "N")] {
        info.attributes.push(AttributeDef { name: name.into(), attr_type: ty.into() });
    }
    info.indexes = vec![
        IndexInfo {
            name: "currency-balance-index".into(),
            kind: "GSI",
            status: Some(TableStatus::Active),
            key_schema: keys(&[("currency", "HASH"), ("balance", "RANGE")]),
            projection: Projection::Include(vec!["updated_at".into(), "note".into()]),
            item_count: Some(1200),
            size_bytes: Some(64_000),
            throughput: Some((5, 2)),
            ..IndexInfo::default()
        },
        IndexInfo {
            name: "by_balance".into(),
            kind: "GSI",
            status: Some(TableStatus::Creating),
            backfilling: true,
            key_schema: keys(&[("balance", "HASH")]),
            projection: Projection::KeysOnly,
            item_count: Some(0),
            size_bytes: Some(0),
            ..IndexInfo::default()
        },
        IndexInfo {
            name: "user_by_ts".into(),
            kind: "LSI",
            status: None,
            key_schema: keys(&[("user_id", "HASH"), ("ts", "RANGE")]),
            projection: Projection::All,
            item_count: Some(1234),
            size_bytes: Some(98_765),
            ..IndexInfo::default()
        },
    ];
    info
}

/// An app that described [`three_indexes`] at `t0` and watched `by_balance` for 42 s.
fn app() -> App {
    let t0 = Instant::now();
    let mut app = described_app(LOCAL, Some(three_indexes()), t0);
    app.step(t0 + Duration::from_secs(42), Msg::Tick);
    app.clear_status_line();
    app
}

fn draw(app: &App, width: u16, height: u16) -> TestBackend {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal.draw(|frame| crate::ui::render(app, frame)).expect("draw");
    terminal.backend().clone()
}

/// The status panel alone, in an area of `width` × 8.
fn draw_status(app: &App, width: u16) -> TestBackend {
    let mut terminal = Terminal::new(TestBackend::new(width, 8)).expect("test terminal");
    terminal
        .draw(|frame| super::super::status::render(app, frame, Rect::new(0, 0, width, 8)))
        .expect("draw");
    terminal.backend().clone()
}

#[test]
fn status_panel_lists_every_index_at_160_columns() {
    assert_snapshot!(draw(&app(), 160, 20));
}

#[test]
fn status_panel_lists_every_index_at_60_columns() {
    assert_snapshot!(draw(&app(), 60, 20));
}

#[test]
fn status_panel_cuts_visibly_at_40_columns() {
    let backend = draw_status(&app(), 40);
    let text: String = backend.buffer().content.iter().map(|c| c.symbol()).collect();
    assert!(text.contains('…'), "cut with a mark:\n{text}");
    assert_snapshot!(backend);
}

#[test]
fn status_panel_with_more_indexes_than_rows_says_how_many_more() {
    let mut app = app();
    let mut info = three_indexes();
    info.indexes.extend((0..4).map(|i| IndexInfo {
        name: format!("extra_{i}"),
        kind: "GSI",
        status: Some(TableStatus::Active),
        ..IndexInfo::default()
    }));
    app.step(app.now(), crate::fixtures::described(Ok(Some(info))));
    let backend = draw_status(&app, 100);
    let text: String = backend.buffer().content.iter().map(|c| c.symbol()).collect();
    assert!(text.contains("+5 more · I shows all"), "{text}");
}

#[test]
fn status_panel_without_index_says_none() {
    let t0 = Instant::now();
    let app = described_app(LOCAL, Some(described_table(TableStatus::Active, 0, 0)), t0);
    let backend = draw_status(&app, 100);
    let text: String = backend.buffer().content.iter().map(|c| c.symbol()).collect();
    assert!(text.contains("Indexes none"), "{text}");
}

#[test]
fn index_view_shows_every_index_in_full() {
    let mut app = app();
    app.step(app.now(), ch('I'));
    app.step(app.now(), ch('j'));
    assert_snapshot!(draw(&app, 100, 24));
}

#[test]
fn index_view_wraps_on_a_narrow_screen() {
    let mut app = app();
    app.step(app.now(), ch('I'));
    app.step(app.now(), ch('j'));
    app.step(app.now(), ch('j'));
    assert_snapshot!(draw(&app, 60, 16));
}

#[test]
fn create_index_form_with_errors() {
    let mut app = app();
    app.step(app.now(), ch('N'));
    for c in "by_balance".chars() {
        app.step(app.now(), ch(c));
    }
    app.step(app.now(), key(KeyCode::Tab));
    for c in "currency".chars() {
        app.step(app.now(), ch(c));
    }
    app.step(app.now(), key(KeyCode::Tab));
    app.step(app.now(), ch(' ')); // currency as N: defined as S
    app.step(app.now(), key(KeyCode::Enter));
    assert_snapshot!(draw(&app, 100, 30));
}

#[test]
fn create_index_form_waiting_for_dynamodb() {
    let mut app = app();
    app.step(app.now(), ch('N'));
    for c in "ccy".chars() {
        app.step(app.now(), ch(c));
    }
    app.step(app.now(), key(KeyCode::Tab));
    for c in "currency".chars() {
        app.step(app.now(), ch(c));
    }
    let sent = app.step(app.now(), key(KeyCode::Enter));
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(!matches!(sent[0], crate::msg::Request::DescribeTable { .. }));
    assert_snapshot!(draw(&app, 80, 30));
}
