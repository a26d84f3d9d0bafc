//! Unit tests of `app/live.rs`: the stream opened before the scan, changes applied in place,
//! stale scan pages kept from bringing old values back, the feed, `L`.

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;

use super::*;
use crate::app::{AppConfig, WalletAction};
use crate::fixtures::{TABLE, answer, ch, change, describe, key, scan_page, table_info, wallet};
use crate::msg::{Msg, Response};
use crate::stream::{StreamInfo, StreamView};
use crate::table::{BillingMode, TableInfo};
use crate::write::{WriteDone, WriteKind};

const ARN: &str = "arn:aws:dynamodb:ddblocal:000000000000:table/user_wallet/stream/1";

fn with_stream() -> TableInfo {
    let stream = Some(StreamInfo { arn: ARN.into(), view: StreamView::NewAndOldImages });
    TableInfo { stream, ..table_info(TableStatus::Active, BillingMode::OnDemand) }
}

/// A watching app that described `info`; returns it with what the describe's answer sent.
fn watching(info: TableInfo, t0: Instant) -> (App, Vec<Request>) {
    let config = AppConfig { watch_stream: true, ..AppConfig::new(TABLE, "test") };
    let mut app = App::new(config, t0);
    let sent = describe(&mut app, t0, Ok(Some(info)));
    (app, sent)
}

fn stream(event: StreamEvent) -> Msg {
    answer(Response::Stream(event))
}

fn changes(list: Vec<Change>) -> Msg {
    stream(StreamEvent::Changes { changes: list, calls: 1, lag: None })
}

/// A watching app, live, whose scan (id 1) is running; returns it with the scan's id.
fn live_scanning(t0: Instant) -> App {
    let (mut app, sent) = watching(with_stream(), t0);
    assert_eq!(
        sent,
        [Request::Tail { table: TABLE.into(), stream: Some(ARN.into()), fetch: false }]
    );
    let sent = app.step(t0, stream(StreamEvent::Opened { shards: 1 }));
    assert!(matches!(sent[..], [Request::Scan { id: 1, .. }]), "{sent:?}");
    app
}

fn balance_of(app: &App, id: &str) -> Option<String> {
    app.list().find(&UserId::new(id)).map(|w| w.balance.map_or("-".into(), |b| b.to_string()))
}

#[test]
fn the_stream_is_opened_before_the_scan_starts() {
    let t0 = Instant::now();
    let (mut app, sent) = watching(with_stream(), t0);
    assert!(!sent.iter().any(|r| matches!(r, Request::Scan { .. })), "scan waits: {sent:?}");
    assert_eq!(app.live().status(), &LiveStatus::Opening);
    assert!(app.step(t0, Msg::Tick).is_empty(), "still waiting for the stream");
    let sent = app.step(t0, stream(StreamEvent::Opened { shards: 1 }));
    assert!(matches!(sent[..], [Request::Scan { .. }]), "{sent:?}");
    assert_eq!(app.live().status(), &LiveStatus::Live);
}

#[test]
fn a_view_without_new_images_asks_the_tailer_to_fetch_each_wallet() {
    let t0 = Instant::now();
    let keys_only = StreamInfo { arn: ARN.into(), view: StreamView::KeysOnly };
    let info = TableInfo { stream: Some(keys_only), ..with_stream() };
    let (_, sent) = watching(info, t0);
    assert_eq!(
        sent,
        [Request::Tail { table: TABLE.into(), stream: Some(ARN.into()), fetch: true }]
    );
}

#[test]
fn inserts_modifies_and_removes_change_the_list_in_place() {
    let t0 = Instant::now();
    let mut app = live_scanning(t0);
    let page = scan_page(1, 0, vec![wallet("alice", "10"), wallet("bob", "5")], true, None);
    app.step(t0, answer(Response::ScanPage(page)));
    let t1 = t0 + Duration::from_secs(1);
    let sent = app.step(
        t1,
        changes(vec![
            change(ChangeKind::Modify, "alice", Some("10"), Some("12.5")),
            change(ChangeKind::Insert, "carol", None, Some("3")),
            change(ChangeKind::Remove, "bob", Some("5"), None),
        ]),
    );
    assert!(sent.is_empty(), "no rescan: {sent:?}");
    assert_eq!(balance_of(&app, "alice").as_deref(), Some("12.5"));
    assert_eq!(balance_of(&app, "carol").as_deref(), Some("3"));
    assert_eq!(balance_of(&app, "bob"), None);
    app.step(t1 + Duration::from_secs(1), Msg::Tick);
    assert_eq!(app.list().aggregates().total.total().to_string(), "15.5");
    assert_eq!(app.list().len(), 2);
    let feed: Vec<_> = app.live().feed().iter().map(|e| e.user_id.to_text()).collect();
    assert_eq!(feed, ["bob", "carol", "alice"], "newest first");
    let alice: Vec<_> = app.live().history(&UserId::new("alice")).collect();
    assert_eq!(alice.len(), 1);
    assert_eq!((alice[0].old, alice[0].new), (Some(bal("10")), Some(bal("12.5"))));
    assert!(app.live().is_marked(&UserId::new("carol"), t1 + Duration::from_secs(2)));
    assert!(!app.live().is_marked(&UserId::new("carol"), t1 + MARK_FOR));
    assert_eq!(app.live().changes(), 3);
    assert_eq!(app.live().calls(), 1);
}

fn bal(text: &str) -> Balance {
    crate::fixtures::balance(text)
}

#[test]
fn a_page_of_the_running_scan_never_brings_back_a_value_a_change_replaced() {
    let t0 = Instant::now();
    let mut app = live_scanning(t0);
    app.step(t0, changes(vec![change(ChangeKind::Modify, "alice", Some("10"), Some("11"))]));
    app.step(t0, changes(vec![change(ChangeKind::Remove, "bob", Some("5"), None)]));
    // Read before the changes, delivered after them.
    let page = scan_page(
        1,
        0,
        vec![wallet("alice", "10"), wallet("bob", "5"), wallet("carol", "1")],
        true,
        None,
    );
    app.step(t0, answer(Response::ScanPage(page)));
    assert_eq!(balance_of(&app, "alice").as_deref(), Some("11"));
    assert_eq!(balance_of(&app, "bob"), None, "a removed wallet stays removed");
    assert_eq!(balance_of(&app, "carol").as_deref(), Some("1"));
    // A scan asked for after the changes reads them: its pages apply.
    let sent = app.step(t0, key(KeyCode::Char('r')));
    assert!(sent.iter().any(|r| matches!(r, Request::Scan { id: 2, .. })), "{sent:?}");
    let page = scan_page(2, 0, vec![wallet("alice", "11.5")], true, None);
    app.step(t0, answer(Response::ScanPage(page)));
    assert_eq!(balance_of(&app, "alice").as_deref(), Some("11.5"));
}

#[test]
fn a_page_read_before_the_apps_own_write_does_not_undo_it() {
    let t0 = Instant::now();
    let config = AppConfig::new(TABLE, "test");
    let mut app = App::new(config, t0);
    let sent =
        describe(&mut app, t0, Ok(Some(table_info(TableStatus::Active, BillingMode::OnDemand))));
    assert!(matches!(sent[..], [Request::Scan { id: 1, .. }]), "{sent:?}");
    let first = scan_page(1, 0, vec![wallet("alice", "10")], false, None);
    app.step(t0, answer(Response::ScanPage(first)));
    // The app's own write of alice answers while the scan still runs...
    let write = crate::write::Write {
        op_id: "op".into(),
        user_id: "alice".into(),
        kind: WriteKind::Create { balance: bal("20") },
    };
    let done = WriteDone {
        wallet: Some(wallet("alice", "20")),
        old_balance: None,
        consumed_wcu: None,
        request_id: None,
        resent: false,
        counterpart: None,
    };
    app.step(t0, answer(Response::Written { table: TABLE.into(), write, result: Ok(done) }));
    assert_eq!(balance_of(&app, "alice").as_deref(), Some("20"));
    // ...then a page read before it brings alice's old balance.
    let late = scan_page(1, 0, vec![wallet("alice", "10")], true, None);
    app.step(t0, answer(Response::ScanPage(late)));
    assert_eq!(balance_of(&app, "alice").as_deref(), Some("20"));
}

#[test]
fn an_open_balance_form_follows_a_change_of_its_wallet() {
    let t0 = Instant::now();
    let mut app = live_scanning(t0);
    let page = scan_page(1, 0, vec![wallet("alice", "10")], true, None);
    app.step(t0, answer(Response::ScanPage(page)));
    app.step(t0, ch('e'));
    app.step(t0, changes(vec![change(ChangeKind::Modify, "alice", Some("10"), Some("7"))]));
    let Modal::Wallet(dialog) = &app.modal else { panic!("the form stays open") };
    let WalletAction::Edit { seen, .. } = &dialog.action else { panic!("{:?}", dialog.action) };
    assert_eq!(seen.number(), Some(bal("7")), "the write is conditional on the new value");
    assert!(dialog.form.error.as_deref().is_some_and(|e| e.contains("changed")));
    assert!(dialog.form.fields.iter().any(|f| format!("{:?}", f.kind).contains('7')));
}

#[test]
fn feed_enter_jumps_to_the_wallet() {
    let t0 = Instant::now();
    let mut app = live_scanning(t0);
    let page = scan_page(1, 0, vec![wallet("alice", "1"), wallet("bob", "2")], true, None);
    app.step(t0, answer(Response::ScanPage(page)));
    app.step(t0, changes(vec![change(ChangeKind::Modify, "bob", Some("2"), Some("3"))]));
    app.step(t0, changes(vec![change(ChangeKind::Modify, "alice", Some("1"), Some("0"))]));
    app.step(t0, ch('a'));
    assert!(matches!(app.modal, Modal::Feed(0)));
    app.step(t0, key(KeyCode::Down));
    app.step(t0, key(KeyCode::Enter));
    assert!(matches!(app.modal, Modal::None));
    assert_eq!(app.selected_wallet().map(|w| w.user_id.to_text()).as_deref(), Some("bob"));
}

#[test]
fn without_a_stream_l_enables_one_after_the_name_is_typed_and_then_tails_it() {
    let t0 = Instant::now();
    let (mut app, sent) = watching(table_info(TableStatus::Active, BillingMode::OnDemand), t0);
    assert!(sent.contains(&Request::Tail { table: TABLE.into(), stream: None, fetch: false }));
    assert!(sent.iter().any(|r| matches!(r, Request::Scan { .. })), "no stream: scan at once");
    app.step(t0, stream(StreamEvent::NoStream));
    assert_eq!(app.live().status(), &LiveStatus::NoStream);
    app.step(t0, ch('L'));
    assert!(matches!(app.modal, Modal::EnableStream(_)));
    for c in "wrong".chars() {
        app.step(t0, ch(c));
    }
    assert!(app.step(t0, key(KeyCode::Enter)).is_empty(), "a wrong name sends nothing");
    let Modal::EnableStream(form) = &mut app.modal else { panic!("form kept") };
    form.fields[0].kind = crate::form::FieldKind::Text(tui_input::Input::new(TABLE.into()));
    let sent = app.step(t0, key(KeyCode::Enter));
    assert_eq!(sent, [Request::EnableStream { table: TABLE.into() }]);
    assert_eq!(app.live().status(), &LiveStatus::Enabling);
    let sent = app.step(
        t0,
        answer(Response::TableUpdated { table: TABLE.into(), result: Ok(with_stream()) }),
    );
    assert!(
        sent.contains(&Request::Tail {
            table: TABLE.into(),
            stream: Some(ARN.into()),
            fetch: false
        }),
        "{sent:?}"
    );
    let sent = app.step(t0, stream(StreamEvent::Opened { shards: 1 }));
    assert!(
        sent.iter().any(|r| matches!(r, Request::Scan { .. })),
        "rescan what changed: {sent:?}"
    );
}

#[test]
fn read_only_refuses_l() {
    let t0 = Instant::now();
    let config = AppConfig { watch_stream: true, read_only: true, ..AppConfig::new(TABLE, "test") };
    let mut app = App::new(config, t0);
    describe(&mut app, t0, Ok(Some(table_info(TableStatus::Active, BillingMode::OnDemand))));
    app.step(t0, stream(StreamEvent::NoStream));
    assert!(app.step(t0, ch('L')).is_empty());
    assert!(matches!(app.modal, Modal::None), "{:?}", app.modal);
}

#[test]
fn the_stream_ending_says_so_and_the_app_goes_on() {
    let t0 = Instant::now();
    let mut app = live_scanning(t0);
    let ended = crate::error::ApiError::new(crate::error::ErrorKind::NotFound, "stream disabled");
    app.step(t0, stream(StreamEvent::Ended(ended)));
    assert!(matches!(app.live().status(), LiveStatus::Ended(_)));
    let line = app.status_line().map(|l| l.text.clone()).unwrap_or_default();
    assert!(line.contains("stream tail stopped"), "{line}");
}

#[test]
fn the_selection_stays_on_its_wallet_while_changes_move_rows_of_a_sorted_view() {
    let t0 = Instant::now();
    let mut app = live_scanning(t0);
    let wallets = vec![wallet("a", "1"), wallet("b", "2"), wallet("c", "3"), wallet("d", "4")];
    app.step(t0, answer(Response::ScanPage(scan_page(1, 0, wallets, true, None))));
    for _ in 0..3 {
        app.step(t0, ch('s'));
    }
    assert_eq!(app.list().sort(), crate::list::SortKey::BalanceAsc);
    app.step(t0, ch('j'));
    app.step(t0, ch('j'));
    let selected = |app: &App| app.selected_wallet().map(|w| w.user_id.to_text());
    assert_eq!(selected(&app).as_deref(), Some("c"));
    let steps = [
        change(ChangeKind::Modify, "c", Some("3"), Some("0")), // c itself moves up: c a b d
        change(ChangeKind::Insert, "e", None, Some("-1")),     // above it: e c a b d
        change(ChangeKind::Remove, "a", Some("1"), None),      // below it: e c b d
        change(ChangeKind::Modify, "d", Some("4"), Some("-5")), // over it: d e c b
    ];
    for (step, at) in steps.into_iter().zip([0, 1, 1, 2]) {
        app.step(t0, changes(vec![step]));
        assert_eq!(selected(&app).as_deref(), Some("c"));
        assert_eq!(app.session.selected, at);
    }
    let order: Vec<_> = app.list().window(0, 9).map(|w| w.user_id.to_text()).collect();
    assert_eq!(order, ["d", "e", "c", "b"]);
}

/// The app's own write of `id`, answered with the wallet stored at `balance`.
fn own_write(app: &mut App, t0: Instant, id: &str, balance: &str) {
    let write = crate::write::Write {
        op_id: format!("op{balance}"),
        user_id: id.into(),
        kind: WriteKind::Create { balance: bal(balance) },
    };
    let done = WriteDone {
        wallet: Some(wallet(id, balance)),
        old_balance: None,
        consumed_wcu: None,
        request_id: None,
        resent: false,
        counterpart: None,
    };
    app.step(t0, answer(Response::Written { table: TABLE.into(), write, result: Ok(done) }));
}

#[test]
fn late_records_of_the_apps_own_writes_do_not_undo_them() {
    let t0 = Instant::now();
    let mut app = live_scanning(t0);
    let page = scan_page(1, 0, vec![wallet("alice", "100")], true, None);
    app.step(t0, answer(Response::ScanPage(page)));
    own_write(&mut app, t0, "alice", "110");
    own_write(&mut app, t0, "alice", "120");
    assert_eq!(balance_of(&app, "alice").as_deref(), Some("120"));
    app.step(t0, ch('e'));
    // The record of the first own write comes late: older than the list, not applied.
    app.step(t0, changes(vec![change(ChangeKind::Modify, "alice", Some("100"), Some("110"))]));
    assert_eq!(balance_of(&app, "alice").as_deref(), Some("120"));
    let Modal::Wallet(dialog) = &app.modal else { panic!("the form stays open") };
    assert_eq!(dialog.form.error, None, "the form is not rebased on an older value");
    // The feed says what the record changed, from its old image.
    let first = &app.live().feed()[0];
    assert_eq!((first.old, first.new), (Some(bal("100")), Some(bal("110"))));
    // The record of the latest own write, then another writer's change: applied again.
    app.step(t0, changes(vec![change(ChangeKind::Modify, "alice", Some("110"), Some("120"))]));
    assert_eq!(balance_of(&app, "alice").as_deref(), Some("120"));
    app.step(t0, changes(vec![change(ChangeKind::Modify, "alice", Some("120"), Some("130"))]));
    assert_eq!(balance_of(&app, "alice").as_deref(), Some("130"));
}

#[test]
fn an_unknown_change_leaves_the_row_and_marks_it() {
    let t0 = Instant::now();
    let mut app = live_scanning(t0);
    let page = scan_page(1, 0, vec![wallet("alice", "10")], true, None);
    app.step(t0, answer(Response::ScanPage(page)));
    let mut unknown = change(ChangeKind::Modify, "alice", None, None);
    unknown.unknown = true;
    app.step(t0, changes(vec![unknown]));
    assert_eq!(balance_of(&app, "alice").as_deref(), Some("10"), "not deleted");
    assert!(app.live().is_marked(&UserId::new("alice"), t0));
}

#[test]
fn after_the_tail_ended_the_next_describe_starts_it_again() {
    let t0 = Instant::now();
    let mut app = live_scanning(t0);
    let ended = crate::error::ApiError::new(crate::error::ErrorKind::Other, "gave up");
    app.step(t0, stream(StreamEvent::Ended(ended)));
    app.step(t0, ch('L'));
    let line = app.status_line().map(|l| l.text.clone()).unwrap_or_default();
    assert!(line.contains("tried again"), "{line}");
    let described = Response::Described { table: TABLE.into(), result: Ok(Some(with_stream())) };
    let sent = app.step(t0, answer(described));
    assert!(
        sent.contains(&Request::Tail {
            table: TABLE.into(),
            stream: Some(ARN.into()),
            fetch: false
        }),
        "{sent:?}"
    );
    assert_eq!(app.live().status(), &LiveStatus::Opening);
}

#[test]
fn a_gap_in_the_stream_rescans() {
    let t0 = Instant::now();
    let mut app = live_scanning(t0);
    let page = scan_page(1, 0, vec![wallet("alice", "10")], true, None);
    app.step(t0, answer(Response::ScanPage(page)));
    let sent = app.step(t0, stream(StreamEvent::Gap));
    assert!(sent.iter().any(|r| matches!(r, Request::Scan { .. })), "{sent:?}");
    let line = app.status_line().map(|l| l.text.clone()).unwrap_or_default();
    assert!(line.contains("lost"), "{line}");
}

#[test]
fn the_feeds_selection_stays_on_its_entry_as_new_ones_come_in_front() {
    let t0 = Instant::now();
    let mut app = live_scanning(t0);
    let page = scan_page(1, 0, vec![wallet("alice", "1"), wallet("bob", "2")], true, None);
    app.step(t0, answer(Response::ScanPage(page)));
    app.step(t0, changes(vec![change(ChangeKind::Modify, "bob", Some("2"), Some("3"))]));
    app.step(t0, changes(vec![change(ChangeKind::Modify, "alice", Some("1"), Some("0"))]));
    app.step(t0, ch('a'));
    app.step(t0, key(KeyCode::Down));
    assert!(matches!(app.modal, Modal::Feed(1)), "bob's change selected");
    app.step(t0, changes(vec![change(ChangeKind::Modify, "alice", Some("0"), Some("5"))]));
    assert!(matches!(app.modal, Modal::Feed(2)), "{:?}", app.modal);
    app.step(t0, key(KeyCode::Enter));
    assert_eq!(app.selected_wallet().map(|w| w.user_id.to_text()).as_deref(), Some("bob"));
}

#[test]
fn the_histories_kept_are_capped_the_least_recently_changed_dropped() {
    let t0 = Instant::now();
    let mut live = Live::default();
    for n in 0..=HISTORY_WALLETS {
        let at = t0 + Duration::from_millis(n as u64);
        let user_id = UserId::new(&format!("w{n}"));
        live.record(FeedEntry { at, kind: ChangeKind::Insert, user_id, old: None, new: None });
    }
    assert!(live.history.len() <= HISTORY_WALLETS, "{}", live.history.len());
    assert!(live.history(&UserId::new("w0")).next().is_none(), "the oldest went");
    let newest = UserId::new(&format!("w{HISTORY_WALLETS}"));
    assert!(live.history(&newest).next().is_some(), "the newest stays");
    assert_eq!(live.feed().len(), FEED_LEN);
}

#[test]
fn ticks_drop_old_marks_and_with_no_scan_running_the_change_epochs() {
    let t0 = Instant::now();
    let mut app = live_scanning(t0);
    app.step(t0, changes(vec![change(ChangeKind::Insert, "alice", None, Some("1"))]));
    app.step(t0, Msg::Tick);
    assert_eq!(app.live().changed_at.len(), 1, "the scan still runs: kept");
    for segment in 0..4 {
        let page = scan_page(1, segment, vec![wallet(&format!("w{segment}"), "2")], true, None);
        app.step(t0, answer(Response::ScanPage(page)));
    }
    let later = t0 + MARK_FOR + Duration::from_secs(1);
    app.step(later, Msg::Tick);
    assert!(app.live().marked.is_empty());
    let scan = app.session.scan.as_ref().expect("scan");
    assert!(scan.finished.is_some(), "{} of {}", scan.segments_done(), scan.segments);
    assert!(app.live().changed_at.is_empty(), "no scan runs: cleared");
}
