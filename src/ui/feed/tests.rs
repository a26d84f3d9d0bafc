//! Render snapshots of the activity feed and of the detail pane's change list, at a frozen
//! clock.

use std::time::{Duration, Instant};

use insta::assert_snapshot;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::app::{App, AppConfig};
use crate::fixtures::{TABLE, answer, ch, describe, scan_page, table_info, wallet};
use crate::msg::{Msg, Response};
use crate::stream::{Change, ChangeKind, StreamEvent, StreamInfo, StreamView};
use crate::table::{BillingMode, TableInfo, TableStatus};
use crate::wallet::UserId;

fn draw(app: &App, width: u16, height: u16) -> TestBackend {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal.draw(|frame| super::super::render(app, frame)).expect("draw");
    terminal.backend().clone()
}

fn change(kind: ChangeKind, id: &str, new: Option<&str>) -> Change {
    Change {
        kind,
        user_id: UserId::new(id),
        old: None,
        new: new.map(|b| wallet(id, b)),
        sequence: "1".into(),
        unknown: false,
    }
}

/// A live app with alice, bob and carol loaded, then four changes 1 s apart; the clock is
/// frozen 3 s after the last.
fn live_app() -> App {
    let t0 = Instant::now();
    let arn = "arn:aws:dynamodb:ddblocal:000000000000:table/user_wallet/stream/1".to_string();
    let stream = Some(StreamInfo { arn, view: StreamView::NewAndOldImages });
    let info = TableInfo { stream, ..table_info(TableStatus::Active, BillingMode::OnDemand) };
    let config = AppConfig { watch_stream: true, ..AppConfig::new(TABLE, "DynamoDB Local") };
    let mut app = App::new(config, t0);
    describe(&mut app, t0, Ok(Some(info)));
    app.update(t0, answer(Response::Stream(StreamEvent::Opened { shards: 1 })));
    let wallets = vec![wallet("alice", "10.00"), wallet("bob", "5"), wallet("carol", "1")];
    app.update(t0, answer(Response::ScanPage(scan_page(1, 0, wallets, true, Some(0.5)))));
    let steps = [
        change(ChangeKind::Modify, "alice", Some("12.50")),
        change(ChangeKind::Insert, "dave", Some("99.99")),
        change(ChangeKind::Remove, "bob", None),
        change(ChangeKind::Modify, "alice", Some("2.5")),
    ];
    for (i, c) in steps.into_iter().enumerate() {
        let at = t0 + Duration::from_secs(i as u64 + 1);
        let event = StreamEvent::Changes { changes: vec![c], calls: 3, lag: None };
        app.update(at, answer(Response::Stream(event)));
    }
    app.update(t0 + Duration::from_secs(7), Msg::Tick);
    app.clear_status_line();
    app
}

#[test]
fn activity_feed() {
    let mut app = live_app();
    let now = app.now();
    app.update(now, ch('a'));
    assert_snapshot!(draw(&app, 110, 30));
}

#[test]
fn detail_lists_the_wallets_changes() {
    let app = live_app();
    assert_eq!(app.selected_wallet().map(|w| w.user_id.to_text()).as_deref(), Some("alice"));
    assert_snapshot!(draw(&app, 110, 30));
}

#[test]
fn the_feed_shows_a_user_id_in_its_visible_form() {
    let now = Instant::now();
    let entry = crate::app::FeedEntry {
        at: now,
        kind: ChangeKind::Modify,
        user_id: UserId::new("evil\u{1b}[2J\nid-that-is-far-too-long-for-the-column"),
        old: None,
        new: None,
    };
    let line = super::change_line(&entry, now, true);
    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    assert!(!text.contains('\u{1b}') && !text.contains('\n'), "{text:?}");
    assert!(!text.contains("for-the-column"), "cut to the column: {text:?}");
}
