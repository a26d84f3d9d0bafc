//! Render snapshots of the question before scanning a table bigger than the list, the list's
//! footer once it holds only part of the table, and the whole-table figures view.

use std::time::{Duration, Instant};

use insta::assert_snapshot;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::aggregate::Aggregate;
use crate::app::{App, AppConfig, Modal};
use crate::fixtures::{TABLE, answer, balance, ch, describe, described_table, scan_page, wallet};
use crate::msg::Response;
use crate::table::TableStatus;

fn draw(app: &App, width: u16, height: u16) -> TestBackend {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal.draw(|frame| crate::ui::render(app, frame)).expect("draw");
    terminal.backend().clone()
}

/// An app bounded at 3 wallets that found a table of 1234 items in 98,765 bytes.
fn bounded_app(t0: Instant) -> App {
    let config = AppConfig { max_wallets: Some(3), ..AppConfig::new(TABLE, "test") };
    let mut app = App::new(config, t0);
    describe(&mut app, t0, Ok(Some(described_table(TableStatus::Active, 1234, 98_765))));
    app.clear_status_line();
    app
}

#[test]
fn the_question_before_scanning_a_bigger_table() {
    let t0 = Instant::now();
    let app = bounded_app(t0);
    assert!(matches!(app.modal(), Modal::Bound(_)));
    assert_snapshot!(draw(&app, 100, 30));
}

#[test]
fn a_partial_list_and_the_whole_table_figures() {
    let t0 = Instant::now();
    let mut app = bounded_app(t0);
    app.step(t0, ch('c'));
    let id = app.scan().expect("a scan").id;
    let wallets = vec![wallet("a", "10.5"), wallet("b", "-2"), wallet("c", "0")];
    let mut figures = Aggregate::default();
    for w in &wallets {
        figures.add(None, &w.user_id, w.balance);
    }
    for (i, b) in ["1234.5", "99", "0.01"].iter().enumerate() {
        figures.add(None, &crate::wallet::UserId::new(&format!("x{i}")), Some(balance(b)));
    }
    let mut page = scan_page(id, 0, wallets, false, Some(2.5));
    page.scanned = 6;
    page.figures = Some(Box::new(figures));
    let t1 = t0 + Duration::from_secs(2);
    app.step(t1, answer(Response::ScanPage(page)));
    app.clear_status_line();
    assert!(app.list_is_partial());
    assert_snapshot!("partial_list", draw(&app, 120, 24));
    app.step(t1, ch('A'));
    assert_snapshot!("figures_view", draw(&app, 100, 30));
}
