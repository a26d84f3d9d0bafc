//! Marks in the app: Space / `*` / `U`, kept by user_id through sort, filter, rescans and
//! stream changes; the marked totals follow every change; a wallet gone drops its mark.

use std::time::Instant;

use crossterm::event::KeyCode;

use crate::app::*;
use crate::fixtures::{
    TABLE, answer, ch, change, describe, key, loaded, scan_page, table_info, wallet,
};
use crate::stream::{ChangeKind, StreamEvent, StreamInfo, StreamView};
use crate::wallet::{AttrValue, Extras, Wallet};

fn abc() -> Vec<Wallet> {
    vec![wallet("a", "1"), wallet("b", "20"), wallet("c", "300")]
}

fn marked(app: &App) -> Vec<String> {
    app.marks().iter().map(|id| id.to_text()).collect()
}

/// The marked totals, as text per currency.
fn totals(app: &App) -> Vec<(Option<String>, usize, String)> {
    let groups = app.marked_groups().sorted();
    groups
        .iter()
        .map(|g| {
            let total = g.aggregates.total.total().to_string();
            (g.currency.map(str::to_string), g.aggregates.count, total)
        })
        .collect()
}

fn typed(app: &mut App, t: Instant, text: &str) {
    for c in text.chars() {
        app.step(t, ch(c));
    }
}

#[test]
fn space_marks_and_moves_on_space_again_unmarks() {
    let t0 = Instant::now();
    let mut app = loaded(abc(), t0);
    app.step(t0, ch(' '));
    assert_eq!(marked(&app), ["a"]);
    assert_eq!(app.selected(), 1, "the next wallet is selected");
    app.step(t0, ch(' '));
    assert_eq!(marked(&app), ["a", "b"]);
    assert_eq!(totals(&app), [(None, 2, "21".to_string())]);
    app.step(t0, ch('k'));
    app.step(t0, ch(' '));
    assert_eq!(marked(&app), ["a"], "b unmarked");
    assert_eq!(totals(&app), [(None, 1, "1".to_string())]);
    app.step(t0, ch('U'));
    assert!(app.marks().is_empty());
    assert!(app.marked_groups().is_empty());
}

#[test]
fn star_marks_every_wallet_in_view_after_the_filter() {
    let t0 = Instant::now();
    let mut app = loaded(abc(), t0);
    app.step(t0, ch('/'));
    typed(&mut app, t0, ">10");
    app.step(t0, key(KeyCode::Enter));
    app.step(t0, ch('*'));
    assert_eq!(marked(&app), ["b", "c"]);
    assert_eq!(totals(&app), [(None, 2, "320".to_string())]);
    app.step(t0, key(KeyCode::Esc)); // the filter goes, the marks stay
    assert_eq!(app.list().len(), 3);
    assert_eq!(marked(&app), ["b", "c"]);
}

#[test]
fn marks_survive_sort_filter_and_a_rescan_and_a_wallet_gone_loses_its_mark() {
    let t0 = Instant::now();
    let mut app = loaded(abc(), t0);
    app.step(t0, ch('*'));
    app.step(t0, ch('s'));
    app.step(t0, ch('s'));
    app.step(t0, ch('s'));
    assert_eq!(marked(&app), ["a", "b", "c"], "sorting keeps the marks");
    let sent = app.step(t0, ch('r'));
    assert!(sent.iter().any(|r| matches!(r, Request::Scan { id: 2, .. })), "{sent:?}");
    assert_eq!(app.list().loaded(), 0);
    assert_eq!(app.marks().len(), 3, "kept while the rescan runs");
    assert!(app.marked_groups().is_empty(), "nothing loaded to count yet");
    // `b` changed meanwhile, `c` was deleted by someone else.
    let page = scan_page(2, 0, vec![wallet("a", "1"), wallet("b", "25")], true, None);
    app.step(t0, answer(Response::ScanPage(page)));
    assert_eq!(marked(&app), ["a", "b"], "c is gone from the table, so is its mark");
    assert_eq!(totals(&app), [(None, 2, "26".to_string())]);
}

#[test]
fn stream_changes_update_the_marked_totals_in_place() {
    let t0 = Instant::now();
    let stream = Some(StreamInfo { arn: "arn:s".into(), view: StreamView::NewAndOldImages });
    let info = TableInfo { stream, ..table_info(TableStatus::Active, BillingMode::OnDemand) };
    let mut config = AppConfig { watch_stream: true, ..AppConfig::new(TABLE, "test") };
    config.scan_spec.segments = 1;
    let mut app = App::new(config, t0);
    describe(&mut app, t0, Ok(Some(info)));
    app.step(t0, answer(Response::Stream(StreamEvent::Opened { shards: 1 })));
    app.step(t0, answer(Response::ScanPage(scan_page(1, 0, abc(), true, None))));
    app.step(t0, ch('*'));
    let changes = vec![
        change(ChangeKind::Modify, "a", Some("1"), Some("2.5")),
        change(ChangeKind::Remove, "c", Some("300"), None),
        change(ChangeKind::Insert, "d", None, Some("7")),
    ];
    app.step(t0, answer(Response::Stream(StreamEvent::Changes { changes, calls: 1, lag: None })));
    assert_eq!(marked(&app), ["a", "b"], "the removed wallet's mark went; d is not marked");
    assert_eq!(totals(&app), [(None, 2, "22.5".to_string())]);
}

#[test]
fn marked_totals_are_per_currency() {
    let t0 = Instant::now();
    let in_currency = |id: &str, b: &str, c: &str| Wallet {
        extra: Extras::new([("currency", &AttrValue::S(c.into()))]),
        ..wallet(id, b)
    };
    let wallets = vec![
        in_currency("a", "1.5", "EUR"),
        in_currency("b", "2", "USD"),
        in_currency("c", "3", "EUR"),
    ];
    let mut app = loaded(wallets, t0);
    app.step(t0, ch('*'));
    assert_eq!(
        totals(&app),
        [(Some("EUR".into()), 2, "4.5".to_string()), (Some("USD".into()), 1, "2".to_string())]
    );
}

#[test]
fn fifty_spaces_mark_fifty_wallets_in_a_sorted_view() {
    let t0 = Instant::now();
    let wallets: Vec<Wallet> =
        (0..52).map(|i| wallet(&uuid::Uuid::new_v4().to_string(), &*format!("{i}.25"))).collect();
    let mut app = loaded(wallets, t0);
    app.step(t0, ch('s'));
    app.step(t0, ch('g')); // the sort keeps the selected wallet selected: to the top
    for i in 0..50 {
        app.step(t0, ch(' '));
        assert_eq!((i, app.marks().len(), app.selected()), (i, i + 1, i + 1));
    }
    assert_eq!(app.marks().len(), 50);
    assert_eq!(app.selected(), 50);
}

#[test]
fn a_query_that_ends_without_a_marked_wallet_keeps_its_mark_and_counts_only_its_rows() {
    let t0 = Instant::now();
    let mut app = loaded(abc(), t0);
    app.step(t0, ch(' '));
    app.step(t0, ch(' '));
    assert_eq!(marked(&app), ["a", "b"]);
    let spec = crate::query::QuerySpec {
        index: None,
        partition_name: "user_id".into(),
        partition: AttrValue::S("b".into()),
        sort: None,
        sort_key: None,
        descending: false,
        consistent: false,
        page_limit: None,
        max_rcu_per_sec: None,
        partial: false,
    };
    let Some(Request::Query { id, .. }) = app.start_query(spec) else { panic!("no query sent") };
    let page = scan_page(id, 0, vec![wallet("b", "20")], true, None);
    let indexes = Vec::new();
    let page = crate::msg::QueryPage { page, index: None, indexes };
    app.step(t0, answer(Response::QueryPage(page)));
    assert_eq!(app.list().loaded(), 1);
    assert_eq!(
        marked(&app),
        ["a", "b"],
        "a query's end says nothing of wallets it did not ask for"
    );
    assert_eq!(totals(&app), [(None, 1, "20".to_string())], "only the loaded marked one counts");
}
