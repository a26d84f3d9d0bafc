//! Unit tests of `app/query.rs`: the query form, the query's pages in the list (stale ones
//! dropped), `r` back to the scan, partial rows read whole, and snapshots of the form and
//! of the list title.

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use insta::assert_snapshot;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::app::{App, Modal};
use crate::fixtures::{TABLE, answer, ch, described_app, key, scan_page, table_info, wallet};
use crate::msg::{Msg, QueryPage, Request, Response, ScanPage};
use crate::query::{QuerySpec, fields};
use crate::table::{
    AttributeDef, BillingMode, IndexInfo, KeyElement, Projection, TableInfo, TableStatus,
};
use crate::usage::OpKind;
use crate::wallet::{AttrValue, ExtrasBuilder, UserId, Wallet};

/// The wallet table (provisioned 10 RCU) with `currency-balance-index` (S + N, ALL, ACTIVE),
/// `keys-index` (KEYS_ONLY on the same keys) and `new-index` (CREATING, backfilling).
fn info() -> TableInfo {
    let key =
        |name: &str, key_type: &str| KeyElement { name: name.into(), key_type: key_type.into() };
    let attr = |name: &str, ty: &str| AttributeDef { name: name.into(), attr_type: ty.into() };
    let mut info = table_info(TableStatus::Active, BillingMode::Provisioned { read: 10, write: 5 });
    info.attributes.extend([attr("currency", "S"), attr("balance", "N")]);
    let index = |name: &str, projection, status| IndexInfo {
        name: name.into(),
        kind: "GSI",
        status: Some(status),
        key_schema: vec![key("currency", "HASH"), key("balance", "RANGE")],
        projection,
        ..Default::default()
    };
    info.indexes = vec![
        index("currency-balance-index", Projection::All, TableStatus::Active),
        index("keys-index", Projection::KeysOnly, TableStatus::Active),
        IndexInfo {
            backfilling: true,
            ..index("new-index", Projection::All, TableStatus::Creating)
        },
    ];
    info
}

/// An app that has described [`info`] and started its scan (id 1), at a frozen time.
fn app() -> (App, Instant) {
    let t0 = Instant::now();
    let mut app = described_app("test", Some(info()), t0);
    app.config.scan_budget.max_read_percent = Some(50.0);
    assert!(app.scan().is_some(), "the first scan started");
    (app, t0)
}

fn typed(app: &mut App, t: Instant, text: &str) {
    for c in text.chars() {
        app.step(t, ch(c));
    }
}

/// Opens the form, chooses the `source`-th option, types the partition key and moves to
/// the sort condition.
fn fill(app: &mut App, t: Instant, source: usize, partition: &str) {
    app.step(t, ch('i'));
    assert!(matches!(app.modal, Modal::Query(_)), "i opens the query form");
    for _ in 0..source {
        app.step(t, ch(' '));
    }
    app.step(t, key(KeyCode::Tab));
    typed(app, t, partition);
    app.step(t, key(KeyCode::Tab));
}

fn the_query(sent: &[Request]) -> (u64, QuerySpec) {
    match sent {
        [Request::Query { id, table, spec }] if table == TABLE => (*id, spec.clone()),
        other => panic!("one query expected: {other:?}"),
    }
}

/// A wallet as the index returns it: user_id, currency, balance.
fn eur(id: &str, balance: &str) -> Wallet {
    let mut extra = ExtrasBuilder::default();
    extra.string("currency", "EUR");
    Wallet { extra: extra.finish(), ..wallet(id, balance) }
}

fn query_page(page: ScanPage, index: &str) -> Msg {
    let indexes = page.consumed_rcu.map(|u| (index.to_string(), u)).into_iter().collect();
    answer(Response::QueryPage(QueryPage { page, index: Some(index.into()), indexes }))
}

fn field_error(app: &App, label: &str) -> Option<String> {
    let Modal::Query(form) = &app.modal else { panic!("the form stays open") };
    form.field(label).and_then(|f| f.error.clone())
}

#[test]
fn bad_input_is_marked_at_its_field_and_sends_nothing() {
    let (mut app, t0) = app();
    // new-index (CREATING), no partition key.
    app.step(t0, ch('i'));
    for _ in 0..3 {
        app.step(t0, ch(' '));
    }
    assert!(app.step(t0, key(KeyCode::Enter)).is_empty(), "nothing is sent");
    assert!(field_error(&app, fields::SOURCE).is_some_and(|e| e.contains("CREATING")));
    assert!(field_error(&app, fields::PARTITION).is_some_and(|e| e.contains("required")));
    // The GSI with a sort value that is not a number, and a strong read.
    app.step(t0, key(KeyCode::Esc));
    fill(&mut app, t0, 1, "EUR");
    app.step(t0, ch(' ')); // condition "="
    app.step(t0, key(KeyCode::Tab));
    typed(&mut app, t0, "1,5");
    for _ in 0..3 {
        app.step(t0, key(KeyCode::Tab));
    }
    app.step(t0, ch(' ')); // strong
    assert!(app.step(t0, key(KeyCode::Enter)).is_empty(), "nothing is sent");
    assert!(field_error(&app, fields::VALUE).is_some_and(|e| e.contains("number")));
    assert!(field_error(&app, fields::READ).is_some_and(|e| e.contains("eventually")));
}

#[test]
fn a_query_streams_into_the_list_and_r_returns_to_the_scan() {
    let (mut app, t0) = app();
    fill(&mut app, t0, 1, "EUR");
    for _ in 0..3 {
        app.step(t0, key(KeyCode::Tab));
    }
    app.step(t0, ch(' ')); // descending
    let (id, spec) = the_query(&app.step(t0, key(KeyCode::Enter)));
    assert!(matches!(app.modal, Modal::None));
    assert_eq!(spec.index.as_deref(), Some("currency-balance-index"));
    assert_eq!(spec.partition, AttrValue::S("EUR".into()));
    assert!(spec.descending && !spec.consistent && spec.sort.is_none());
    assert_eq!(spec.page_limit, app.config.scan_spec.page_limit, "the scan's page size");
    assert_eq!(spec.max_rcu_per_sec, Some(5.0), "the scan's budget");
    assert!(app.list().is_empty(), "the scan's wallets are gone");
    // First rows after the first page; a page of the replaced scan is dropped.
    let t1 = t0 + Duration::from_secs(1);
    app.step(
        t1,
        answer(Response::ScanPage(scan_page(1, 0, vec![wallet("old", "1")], false, None))),
    );
    let first = scan_page(id, 0, vec![eur("a", "30"), eur("b", "20")], false, Some(0.5));
    app.step(t1, query_page(first, "currency-balance-index"));
    assert_eq!(app.list().loaded(), 2);
    assert_eq!(
        app.query_title().as_deref(),
        Some("Query currency-balance-index · currency = EUR · balance ↓")
    );
    let last = scan_page(
        id,
        0,
        vec![eur("c", "10.000000000000000000000000000000000001")],
        true,
        Some(0.5),
    );
    app.step(t1, query_page(last, "currency-balance-index"));
    let ids: Vec<String> = app.list().window(0, 10).map(|w| w.user_id.to_text()).collect();
    assert_eq!(ids, ["a", "b", "c"], "in the query's order");
    let total = app.usage().totals(OpKind::Query);
    assert_eq!((total.calls, total.rcu), (2, 1.0));
    let by_index: Vec<_> = app.usage().query_units_by_index().collect();
    assert_eq!(by_index, [("currency-balance-index", 1.0)]);
    assert_eq!(app.scan().map(|s| s.outcome.clone()), Some(crate::app::ScanOutcome::Complete));
    // r: the full scan again.
    let sent = app.step(t1, ch('r'));
    assert!(sent.iter().any(|r| matches!(r, Request::Scan { .. })), "{sent:?}");
    assert!(app.query().is_none() && app.list().is_empty());
}

#[test]
fn pages_of_a_cancelled_or_replaced_query_are_dropped() {
    let (mut app, t0) = app();
    fill(&mut app, t0, 1, "EUR");
    let (first, _) = the_query(&app.step(t0, key(KeyCode::Enter)));
    app.step(
        t0,
        query_page(scan_page(first, 0, vec![eur("a", "1")], false, None), "currency-balance-index"),
    );
    // Esc stops it: what it loaded stays, its later pages are dropped.
    assert_eq!(app.step(t0, key(KeyCode::Esc)), vec![Request::CancelScan { id: first }]);
    app.step(
        t0,
        query_page(scan_page(first, 0, vec![eur("b", "2")], true, None), "currency-balance-index"),
    );
    assert_eq!(app.list().loaded(), 1);
    // The form reopens as it was; a second query replaces the first.
    fill(&mut app, t0, 0, "");
    let (second, _) = the_query(&app.step(t0, key(KeyCode::Enter)));
    assert_ne!(first, second);
    app.step(
        t0,
        query_page(
            scan_page(first, 0, vec![eur("late", "3")], true, None),
            "currency-balance-index",
        ),
    );
    assert!(app.list().is_empty(), "a page of the replaced query is dropped");
    app.step(
        t0,
        query_page(scan_page(second, 0, vec![eur("z", "3")], true, None), "currency-balance-index"),
    );
    assert_eq!(app.list().loaded(), 1);
}

#[test]
fn rows_of_a_keys_only_index_are_read_whole_before_any_edit() {
    let (mut app, t0) = app();
    fill(&mut app, t0, 2, "EUR");
    let (id, spec) = the_query(&app.step(t0, key(KeyCode::Enter)));
    assert!(spec.partial);
    let sent = app.step(
        t0,
        query_page(scan_page(id, 0, vec![eur("a", "1"), eur("b", "2")], true, None), "keys-index"),
    );
    // The selected row is read whole (strongly consistent), one at a time.
    assert_eq!(
        sent,
        vec![Request::GetWallet { table: TABLE.into(), user_id: "a".into(), consistent: true }]
    );
    assert!(app.is_partial(&UserId::new("a")));
    // Edits and export wait.
    assert!(app.step(t0, ch('+')).is_empty());
    assert!(matches!(app.modal, Modal::None));
    assert!(app.status_line().is_some_and(|l| l.text.contains("read whole")));
    app.step(t0, ch('E'));
    assert!(matches!(app.modal, Modal::None), "no export of partial rows");
    let mut full = eur("a", "1");
    let mut extra = ExtrasBuilder::default();
    extra.string("currency", "EUR");
    extra.string("note", "whole");
    full.extra = extra.finish();
    let got = Response::GotWallet {
        table: TABLE.into(),
        user_id: "a".into(),
        result: Ok(Some(full.clone())),
        consumed_rcu: Some(1.0),
    };
    app.step(t0, answer(got));
    assert!(!app.is_partial(&UserId::new("a")));
    assert_eq!(app.selected_wallet(), Some(&full));
    app.step(t0, ch('+'));
    assert!(matches!(app.modal, Modal::Wallet(_)), "a whole wallet can be edited");
}

#[test]
fn the_stream_keeps_only_wallets_that_match_the_query() {
    let (mut app, t0) = app();
    fill(&mut app, t0, 1, "EUR");
    app.step(t0, ch(' '));
    app.step(t0, ch(' '));
    app.step(t0, key(KeyCode::Tab));
    typed(&mut app, t0, "5"); // balance < 5
    let (_, spec) = the_query(&app.step(t0, key(KeyCode::Enter)));
    assert!(spec.matches(&eur("a", "4.99")));
    assert!(!spec.matches(&eur("a", "5")));
    assert!(!spec.matches(&wallet("a", "1")), "no currency: not in the index");
}

#[test]
fn a_failed_query_keeps_its_rows_and_r_scans_the_table() {
    let (mut app, t0) = app();
    fill(&mut app, t0, 1, "EUR");
    let (id, _) = the_query(&app.step(t0, key(KeyCode::Enter)));
    app.step(
        t0,
        query_page(scan_page(id, 0, vec![eur("a", "1")], false, None), "currency-balance-index"),
    );
    let error = crate::error::ApiError::new(crate::error::ErrorKind::Other, "boom");
    let sent = app.step(t0, answer(Response::ScanFailed { id, segment: 0, error }));
    assert_eq!(sent, vec![Request::CancelScan { id }]);
    let line = app.status_line().map(|l| l.text.clone()).unwrap_or_default();
    assert!(line.starts_with("query stopped with 1 wallet loaded"), "{line}");
    assert_eq!(app.list().loaded(), 1);
    // r does not resume the query: it scans the table.
    let sent = app.step(t0, ch('r'));
    assert!(sent.iter().any(|r| matches!(r, Request::Scan { .. })), "{sent:?}");
    assert!(app.query().is_none());
}

#[test]
fn a_new_scan_forgets_the_query_and_its_partial_rows() {
    let (mut app, t0) = app();
    fill(&mut app, t0, 2, "EUR");
    let (id, _) = the_query(&app.step(t0, key(KeyCode::Enter)));
    app.step(t0, query_page(scan_page(id, 0, vec![eur("a", "1")], true, None), "keys-index"));
    assert!(app.is_partial(&UserId::new("a")));
    app.step(t0, ch('r'));
    assert!(app.query().is_none() && !app.is_partial(&UserId::new("a")));
    assert!(app.query_title().is_none());
}

fn draw(app: &App, width: u16, height: u16) -> TestBackend {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal.draw(|frame| crate::ui::render(app, frame)).expect("draw");
    terminal.backend().clone()
}

#[test]
fn query_form_snapshot() {
    let (mut app, t0) = app();
    fill(&mut app, t0, 3, "EUR");
    app.step(t0, key(KeyCode::Enter));
    app.clear_status_line();
    assert_snapshot!(draw(&app, 100, 30));
}

#[test]
fn query_list_title_snapshot() {
    let (mut app, t0) = app();
    fill(&mut app, t0, 1, "EUR");
    for _ in 0..3 {
        app.step(t0, key(KeyCode::Tab));
    }
    app.step(t0, ch(' '));
    let (id, _) = the_query(&app.step(t0, key(KeyCode::Enter)));
    let page = scan_page(id, 0, vec![eur("a", "30"), eur("b", "20.5")], false, Some(0.5));
    app.step(t0, query_page(page, "currency-balance-index"));
    app.clear_status_line();
    assert_snapshot!(draw(&app, 200, 16));
}
