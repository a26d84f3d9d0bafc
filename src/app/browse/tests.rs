//! Scan lifecycle and browsing, with canned pages.

use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyModifiers, MouseEvent, MouseEventKind};

use crate::app::*;
use crate::error::ErrorKind;
use crate::fixtures::{
    TABLE, ch, describe, described, key, new_app, scan_page, table_info, wallet,
};
use crate::list::SortKey;
use crate::msg::SegmentStart;
use crate::wallet::AttrValue;
use crate::wallet::Wallet;

/// A page of scan `id` costing 0.5 RCU.
fn page(id: u64, segment: u32, wallets: Vec<Wallet>, last: bool) -> Msg {
    crate::fixtures::answer(Response::ScanPage(scan_page(id, segment, wallets, last, Some(0.5))))
}

/// An app whose table is ACTIVE and whose first scan (id 1) has just started.
fn scanning(t0: Instant) -> App {
    let mut app = new_app("test", true, t0);
    app.config.scan_spec =
        ScanSpec { segments: 2, page_limit: Some(10), consistent: false, max_rcu_per_sec: None };
    app.viewport =
        Viewport { list_x: 1, list_y: 10, list_width: 60, list_rows: 5, ..Viewport::default() };
    let active = table_info(TableStatus::Active, BillingMode::OnDemand);
    let sent = describe(&mut app, t0, Ok(Some(active)));
    assert_eq!(
        sent,
        vec![Request::scan(1, TABLE, app.config.scan_spec)],
        "an ACTIVE table is scanned at once"
    );
    app
}

fn ids(app: &App) -> Vec<String> {
    app.session.list.window(0, usize::MAX).map(|w| w.user_id.to_text()).collect()
}

#[test]
fn pages_stream_in_and_complete_when_every_segment_ends() {
    let t0 = Instant::now();
    let mut app = scanning(t0);
    let t1 = t0 + Duration::from_millis(100);
    app.step(t1, page(1, 0, vec![wallet("a", "1"), wallet("b", "2")], false));
    assert_eq!(app.session.list.loaded(), 2, "rows visible after the first page");
    let scan = app.session.scan.clone().expect("scan");
    assert_eq!(
        (scan.pages, scan.first_page, scan.outcome.clone()),
        (1, Some(t1), ScanOutcome::Running)
    );
    app.step(t1, page(1, 1, vec![wallet("c", "3")], true));
    assert_eq!(app.session.scan.as_ref().map(|s| s.outcome.clone()), Some(ScanOutcome::Running));
    let t2 = t0 + Duration::from_secs(1);
    app.step(t2, page(1, 0, vec![wallet("d", "4")], true));
    let scan = app.session.scan.clone().expect("scan");
    assert_eq!(scan.outcome, ScanOutcome::Complete);
    assert_eq!(scan.rcu, 1.5);
    assert_eq!(scan.rate(app.session.list.loaded(), t2), 4.0);
    assert_eq!(app.session.list.aggregates().total.to_string(), "10");
}

#[test]
fn pages_of_an_old_scan_are_dropped() {
    let t0 = Instant::now();
    let mut app = scanning(t0);
    app.step(t0, page(1, 0, vec![wallet("a", "1")], false));
    let sent = app.step(t0, ch('r'));
    assert!(sent.contains(&Request::scan(2, TABLE, app.config.scan_spec)), "{sent:?}");
    assert_eq!(app.session.list.loaded(), 0, "a new scan starts from an empty list");
    app.step(t0, page(1, 0, vec![wallet("stale", "9")], true));
    app.step(t0, page(2, 0, vec![wallet("a", "1")], true));
    assert_eq!(ids(&app), vec!["a"]);
    assert_eq!(app.session.scan.as_ref().map(|s| s.pages), Some(1));
}

#[test]
fn esc_cancels_the_running_scan_and_keeps_what_it_has() {
    let t0 = Instant::now();
    let mut app = scanning(t0);
    app.step(t0, page(1, 0, vec![wallet("a", "1")], false));
    assert_eq!(app.step(t0, key(KeyCode::Esc)), vec![Request::CancelScan { id: 1 }]);
    assert_eq!(app.session.scan.as_ref().map(|s| s.outcome.clone()), Some(ScanOutcome::Cancelled));
    app.step(t0, page(1, 1, vec![wallet("late", "1")], true));
    assert_eq!(ids(&app), vec!["a"], "a page arriving after cancel is dropped");
    assert!(app.step(t0, key(KeyCode::Esc)).is_empty(), "nothing left to cancel");
}

#[test]
fn a_failed_segment_ends_the_scan_with_a_reason() {
    let t0 = Instant::now();
    let mut app = scanning(t0);
    app.step(t0, page(1, 0, vec![wallet("a", "1")], false));
    let error = ApiError::new(ErrorKind::Unreachable, "connection refused");
    let sent =
        app.step(t0, crate::fixtures::answer(Response::ScanFailed { id: 1, segment: 1, error }));
    assert_eq!(sent, vec![Request::CancelScan { id: 1 }], "the other segments stop too");
    assert_eq!(
        app.session.scan.as_ref().map(|s| s.outcome.clone()),
        Some(ScanOutcome::Failed(
            "segment 1: cannot reach the endpoint: connection refused".into()
        ))
    );
    assert_eq!(app.session.list.loaded(), 1);
}

#[test]
fn r_resumes_a_failed_scan_where_each_segment_stopped() {
    let t0 = Instant::now();
    let mut app = scanning(t0);
    app.step(t0, page(1, 0, vec![wallet("a", "1"), wallet("b", "2")], false));
    app.step(t0, page(1, 1, vec![wallet("x", "3")], false));
    app.step(t0, page(1, 1, vec![wallet("y", "4")], true));
    let error = ApiError::new(ErrorKind::Unreachable, "connection refused");
    app.step(t0, crate::fixtures::answer(Response::ScanFailed { id: 1, segment: 0, error }));
    let line = app.status_line.clone().expect("said");
    assert_eq!(
        line.text,
        "scan stopped with 4 wallets loaded, 1 of 2 segments complete; r resumes where each \
         segment stopped (segment 0: cannot reach the endpoint: connection refused)"
    );

    let sent = app.step(t0, ch('r'));
    let after_b = vec![("user_id".to_string(), AttrValue::S("b".into()))];
    let resume = Request::Scan {
        id: 2,
        table: TABLE.into(),
        spec: app.config.scan_spec,
        from: vec![SegmentStart::After(after_b), SegmentStart::Done],
        scope: Default::default(),
    };
    assert!(sent.contains(&resume), "{sent:?}");
    assert_eq!(app.session.list.loaded(), 4, "what was loaded stays");
    let scan = app.session.scan.clone().expect("the scan goes on");
    assert_eq!((scan.id, scan.outcome, scan.pages), (2, ScanOutcome::Running, 3));

    // A late page of the failed scan is not taken; the resumed scan's pages are.
    app.step(t0, page(1, 0, vec![wallet("c", "5")], false));
    assert_eq!(app.session.list.loaded(), 4);
    app.step(t0, page(2, 0, vec![wallet("c", "5")], true));
    let scan = app.session.scan.clone().expect("scan");
    assert_eq!(scan.outcome, ScanOutcome::Complete, "segment 1 was already done");
    assert_eq!((scan.pages, scan.scanned), (4, 5), "every wallet read exactly once");
    assert_eq!(ids(&app), ["a", "b", "x", "y", "c"]);

    // A complete scan is not resumed: r reads the table afresh.
    let sent = app.step(t0, ch('r'));
    assert!(sent.contains(&Request::scan(3, TABLE, app.config.scan_spec)), "{sent:?}");
    assert_eq!(app.session.list.loaded(), 0);
}

#[test]
fn a_scan_stopped_with_esc_goes_on_with_r() {
    let t0 = Instant::now();
    let mut app = scanning(t0);
    app.step(t0, page(1, 0, vec![wallet("a", "1")], false));
    app.step(t0, key(KeyCode::Esc));
    let sent = app.step(t0, ch('r'));
    let after_a = vec![("user_id".to_string(), AttrValue::S("a".into()))];
    let from = vec![SegmentStart::After(after_a), SegmentStart::Beginning];
    assert!(
        sent.iter().any(|r| matches!(r, Request::Scan { id: 2, from: f, .. } if *f == from)),
        "{sent:?}"
    );
    assert_eq!(ids(&app), ["a"]);
}

#[test]
fn a_deleted_table_forgets_its_wallets() {
    let t0 = Instant::now();
    let mut app = scanning(t0);
    app.step(t0, page(1, 0, vec![wallet("a", "1")], true));
    app.step(t0 + SLOW_POLL, Msg::Tick);
    app.step(t0 + SLOW_POLL, described(Ok(None)));
    assert_eq!(app.session.list.loaded(), 0);
    assert!(app.session.scan.is_none());
}

fn loaded(n: usize) -> App {
    let t0 = Instant::now();
    let mut app = scanning(t0);
    let wallets =
        (0..n).map(|i| wallet(&format!("w{i:03}"), format!("{}", n - i).as_str())).collect();
    app.step(t0, page(1, 0, wallets, true));
    app.step(t0, page(1, 1, vec![], true));
    app
}

#[test]
fn movement_keys_keep_the_selection_visible() {
    let mut app = loaded(20);
    let now = app.now;
    app.step(now, ch('j'));
    app.step(now, key(KeyCode::Down));
    assert_eq!(app.session.selected, 2);
    app.step(now, key(KeyCode::PageDown));
    assert_eq!((app.session.selected, app.session.list_offset), (7, 3), "5 rows visible");
    app.step(now, ch('G'));
    assert_eq!((app.session.selected, app.session.list_offset), (19, 15));
    app.step(now, ch('j'));
    assert_eq!(app.session.selected, 19, "stops at the end");
    app.step(now, ch('g'));
    assert_eq!((app.session.selected, app.session.list_offset), (0, 0));
    app.step(now, ch('k'));
    assert_eq!(app.session.selected, 0, "stops at the top");
}

#[test]
fn sort_keeps_the_selected_wallet() {
    let mut app = loaded(20);
    let now = app.now;
    app.step(now, ch('j'));
    app.step(now, ch('j'));
    let chosen = app.selected_wallet().map(|w| w.user_id.clone());
    app.step(now, ch('s'));
    assert_eq!(app.session.list.sort(), SortKey::UserIdAsc);
    app.step(now, ch('s'));
    app.step(now, ch('s'));
    assert_eq!(app.session.list.sort(), SortKey::BalanceAsc);
    assert_eq!(app.selected_wallet().map(|w| w.user_id.clone()), chosen);
    assert_eq!(ids(&app)[0], "w019", "smallest balance first");
}

#[test]
fn a_sorted_scan_merges_new_rows_without_moving_the_selection_off_its_wallet() {
    let t0 = Instant::now();
    let mut app = scanning(t0);
    for _ in 0..3 {
        app.step(t0, ch('s'));
    }
    assert_eq!(app.session.list.sort(), SortKey::BalanceAsc);
    app.step(t0, page(1, 0, vec![wallet("m", "50"), wallet("n", "60"), wallet("o", "70")], false));
    app.step(t0, Msg::Tick);
    app.step(t0, ch('j'));
    assert_eq!(app.selected_wallet().map(|w| w.user_id.to_text()), Some("n".into()));

    // Smaller balances arrive: they belong above the selection.
    let t1 = t0 + Duration::from_millis(100);
    app.step(t1, page(1, 1, vec![wallet("a", "1"), wallet("b", "-2.5"), wallet("z", "99")], true));
    app.step(t1, Msg::Tick);
    assert_eq!(app.selected_wallet().map(|w| w.user_id.to_text()), Some("n".into()));

    let t2 = t0 + Duration::from_secs(1);
    app.step(t2, Msg::Tick);
    assert_eq!(ids(&app), ["b", "a", "m", "n", "o", "z"], "merged into balance order");
    assert_eq!(app.session.selected, 3, "the selection moved down with its wallet");
    assert_eq!(app.selected_wallet().map(|w| w.user_id.to_text()), Some("n".into()));

    // The last page settles the order at once, however recent the last merge.
    app.step(t2, page(1, 0, vec![wallet("c", "0.10")], true));
    assert_eq!(app.session.scan.as_ref().map(|s| s.outcome.clone()), Some(ScanOutcome::Complete));
    assert_eq!(ids(&app), ["b", "c", "a", "m", "n", "o", "z"]);
    assert_eq!(app.selected_wallet().map(|w| w.user_id.to_text()), Some("n".into()));
}

#[test]
fn filter_box_applies_on_enter_refuses_bad_input_and_clears_on_esc() {
    let mut app = loaded(20);
    let now = app.now;
    app.step(now, ch('/'));
    assert!(app.session.filter_input.is_some());
    for c in "<=3".chars() {
        app.step(now, ch(c));
    }
    app.step(now, key(KeyCode::Enter));
    assert!(app.session.filter_input.is_none());
    assert_eq!(ids(&app), vec!["w017", "w018", "w019"]);
    assert_eq!(app.session.filter_text, "<=3");
    app.step(now, ch('/'));
    app.step(now, key(KeyCode::Right)); // edit the text instead of replacing it
    app.step(now, key(KeyCode::Backspace));
    app.step(now, ch('x'));
    app.step(now, key(KeyCode::Enter));
    let (input, error) = app.session.filter_input.clone().expect("box stays open");
    assert_eq!(input.value(), "<=x", "what was typed is kept");
    assert!(error.is_some_and(|e| e.contains("not a number")));
    assert_eq!(app.session.list.len(), 3, "the old filter still applies");
    app.step(now, key(KeyCode::Esc));
    assert!(app.session.filter_input.is_none());
    assert_eq!(app.session.list.len(), 20);
    assert!(!app.should_quit, "q/Esc typed in the box do not act as keys");
}

#[test]
fn slash_reopens_the_filter_selected_typing_replaces_it_and_arrows_edit_it() {
    let mut app = loaded(20);
    let now = app.now;
    app.step(now, ch('/'));
    assert!(!app.filter_selected(), "nothing to select without a filter");
    for c in "w01".chars() {
        app.step(now, ch(c));
    }
    app.step(now, key(KeyCode::Enter));
    app.step(now, ch('/'));
    assert!(app.filter_selected());
    assert_eq!(app.filter_input().map(|(i, _)| i.value()), Some("w01"));
    app.step(now, ch('>'));
    app.step(now, ch('5'));
    assert_eq!(app.filter_input().map(|(i, _)| i.value()), Some(">5"), "typing replaced it");
    app.step(now, key(KeyCode::Enter));
    assert_eq!(app.session.list.len(), 15);
    app.step(now, ch('/'));
    app.step(now, key(KeyCode::Left));
    assert!(!app.filter_selected(), "an arrow keeps the text to edit");
    app.step(now, ch('1'));
    assert_eq!(app.filter_input().map(|(i, _)| i.value()), Some(">15"));
    app.step(now, key(KeyCode::Esc));
    // A paste replaces a selected text too.
    app.step(now, ch('/'));
    app.step(now, ch('w'));
    app.step(now, key(KeyCode::Enter));
    app.step(now, ch('/'));
    app.step(now, Msg::Term(Event::Paste("w00".into())));
    assert_eq!(app.filter_input().map(|(i, _)| i.value()), Some("w00"));
}

#[test]
fn esc_in_the_list_clears_an_applied_filter_and_only_then_stops_a_scan() {
    let t0 = Instant::now();
    let mut app = scanning(t0);
    app.step(t0, page(1, 0, vec![wallet("a1", "1"), wallet("b2", "2")], false));
    app.step(t0, ch('/'));
    app.step(t0, ch('a'));
    app.step(t0, key(KeyCode::Enter));
    assert_eq!(ids(&app), vec!["a1"]);
    assert!(app.step(t0, key(KeyCode::Esc)).is_empty(), "the scan goes on");
    assert_eq!(ids(&app), vec!["a1", "b2"], "the filter is cleared");
    assert_eq!(app.session.filter_text, "");
    assert_eq!(app.step(t0, key(KeyCode::Esc)), vec![Request::CancelScan { id: 1 }]);
    let help = app.config.keymap.help_rows();
    assert!(
        help.iter()
            .any(|(_, what)| what
                .starts_with("stop the batch; else clear the filter, or stop the scan")),
        "{help:?}"
    );
}

#[test]
fn json_key_cycles_detail_views_and_tab_moves_focus() {
    let mut app = loaded(3);
    let now = app.now;
    app.step(now, ch('J'));
    assert_eq!(app.detail_view, DetailView::Json);
    app.step(now, ch('J'));
    assert_eq!(app.detail_view, DetailView::DynamoJson);
    app.step(now, ch('J'));
    assert_eq!(app.detail_view, DetailView::Attributes);
    app.step(now, key(KeyCode::Tab));
    assert_eq!(app.focus, Pane::Detail);
    app.step(now, ch('j'));
    assert_eq!(
        (app.session.selected, app.session.detail_scroll),
        (0, 1),
        "j scrolls the detail now"
    );
}

#[test]
fn mouse_wheel_scrolls_and_click_selects() {
    let mut app = loaded(20);
    let now = app.now;
    let mouse = |kind, column, row| {
        Msg::Term(Event::Mouse(MouseEvent { kind, column, row, modifiers: KeyModifiers::NONE }))
    };
    app.step(now, mouse(MouseEventKind::ScrollDown, 5, 11));
    assert_eq!(app.session.selected, 3);
    app.step(now, mouse(MouseEventKind::Down(crossterm::event::MouseButton::Left), 5, 12));
    assert_eq!(app.session.selected, app.session.list_offset + 2);
    app.step(now, mouse(MouseEventKind::Down(crossterm::event::MouseButton::Left), 70, 12));
    assert_eq!(app.session.selected, app.session.list_offset + 2, "outside the list: no change");
}

#[test]
fn a_paste_goes_into_the_open_filter_box() {
    let mut app = loaded(20);
    let now = app.now;
    app.step(now, ch('/'));
    app.step(now, Msg::Term(Event::Paste("w01".into())));
    app.step(now, key(KeyCode::Enter));
    assert_eq!(app.session.list.len(), 10, "w010..w019");
    assert_eq!(app.session.filter_text, "w01");
}

fn entry(name: &str, wallet_schema: Option<bool>) -> crate::table::TableEntry {
    crate::table::TableEntry { name: name.into(), wallet_schema }
}

#[test]
fn the_table_picker_lists_tables_and_switching_starts_afresh() {
    let t0 = Instant::now();
    let mut app = scanning(t0);
    app.step(t0, page(1, 0, vec![wallet("a", "1")], false));
    assert_eq!(app.step(t0, ch(':')), vec![Request::ListTables]);
    let tables = vec![
        entry("archive", Some(false)),
        entry("other_wallets", Some(true)),
        entry(TABLE, Some(true)),
    ];
    app.step(t0, crate::fixtures::answer(Response::TablesListed { result: Ok(tables) }));
    let Modal::Tables(picker) = &app.modal else { panic!("the picker") };
    assert_eq!(picker.selected, 2, "the table in use is selected");

    app.step(t0, key(KeyCode::Up));
    let sent = app.step(t0, key(KeyCode::Enter));
    assert!(matches!(app.modal, Modal::None));
    assert_eq!(app.session.name, "other_wallets");
    assert!(sent.contains(&Request::CancelScan { id: 1 }), "the old scan stops: {sent:?}");
    assert!(
        sent.contains(&Request::DescribeTable { table: "other_wallets".into() }),
        "the new table is described at once: {sent:?}"
    );
    assert!(
        sent.contains(&Request::ResolveWrites { table: "other_wallets".into() }),
        "and the writes left open on it are settled: {sent:?}"
    );
    assert_eq!(app.session.list.loaded(), 0, "nothing of the old table stays");
    assert!(app.session.scan.is_none());
    assert!(matches!(app.session.table, TableState::Unknown));
    // Late answers about the old table change nothing.
    app.step(t0, page(1, 0, vec![wallet("late", "1")], true));
    let old = table_info(TableStatus::Active, BillingMode::OnDemand);
    app.step(t0, described(Ok(Some(old))));
    assert!(matches!(app.session.table, TableState::Unknown));
    assert_eq!(app.session.list.loaded(), 0);
    // The new table's description, once its open writes are settled, starts its scan.
    let settled = Response::WritesResolved { table: "other_wallets".into(), result: Ok(vec![]) };
    assert!(app.step(t0, crate::fixtures::reply(2, settled)).is_empty(), "not described yet");
    let new = TableInfo {
        name: "other_wallets".into(),
        ..table_info(TableStatus::Active, BillingMode::OnDemand)
    };
    let sent = app.step(
        t0,
        crate::fixtures::reply(
            2,
            Response::Described { table: "other_wallets".into(), result: Ok(Some(new)) },
        ),
    );
    assert_eq!(sent, vec![Request::scan(2, "other_wallets", app.config.scan_spec)]);
}

#[test]
fn the_table_picker_says_where_it_looked_when_there_is_nothing() {
    let t0 = Instant::now();
    let mut app = scanning(t0);
    app.config.namespace =
        "DynamoDB Local keeps tables per access key and region: this is access key \
                     wallettui, region us-east-1"
            .into();
    app.step(t0, ch(':'));
    app.step(t0, crate::fixtures::answer(Response::TablesListed { result: Ok(vec![]) }));
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 30)).expect("terminal");
    terminal.draw(|frame| crate::ui::render(&app, frame)).expect("draw");
    let screen: String = terminal.backend().buffer().content().iter().map(|c| c.symbol()).collect();
    assert!(screen.contains("no tables here"), "{screen}");
    assert!(screen.contains("key wallettui, region us-east-1"), "{screen}");
    app.step(t0, key(KeyCode::Esc));
    assert!(matches!(app.modal, Modal::None));
    assert_eq!(app.session.name, TABLE);
}

#[test]
fn switching_tables_waits_for_a_write_in_flight_and_leaves_no_seed_waiting() {
    let t0 = Instant::now();
    let mut app = loaded(3);
    app.config.local = true;
    app.step(t0, ch('S'));
    app.step(t0, ch('e'));
    app.step(t0, ch('7'));
    app.step(t0, key(KeyCode::Enter)); // shows old → new
    let sent = app.step(t0, key(KeyCode::Enter));
    let [Request::Write { write, .. }] = sent.as_slice() else { panic!("{sent:?}") };
    let write = write.clone();
    assert!(app.write_in_flight_since().is_some());
    app.step(t0, key(KeyCode::Esc));
    app.step(t0, ch(':'));
    let tables = vec![entry("other_wallets", Some(true)), entry(TABLE, Some(true))];
    let listed = Response::TablesListed { result: Ok(tables) };
    app.step(t0, crate::fixtures::answer(listed.clone()));
    app.step(t0, key(KeyCode::Up));
    app.step(t0, key(KeyCode::Enter));
    assert_eq!(app.session.name, TABLE, "not while its answer is out");
    let said = app.status_line.clone().expect("said").text;
    assert!(said.starts_with("a write is in flight"), "{said}");
    // Answered: now the switch goes through, and nothing of the old table waits.
    let conflict = Err(crate::write::WriteError::Conflict { current: None });
    let written = Response::Written { table: TABLE.into(), write, result: conflict };
    app.step(t0, crate::fixtures::answer(written));
    app.step(t0, key(KeyCode::Esc));
    app.step(t0, ch(':'));
    app.step(t0, crate::fixtures::answer(listed));
    app.step(t0, key(KeyCode::Up));
    app.step(t0, key(KeyCode::Enter));
    assert_eq!(app.session.name, "other_wallets");
    let sent = app.step(t0, ch('S'));
    assert!(matches!(sent[..], [Request::Seed { .. }]), "S works again: {sent:?}");
}
