//! State-transition tests: canned worker responses in, state and requests out.

use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::error::ErrorKind;
use crate::fixtures::{TABLE, ch, described, described_app, described_table, key, new_app};

/// The table, empty, as DynamoDB Local describes it.
fn info(status: TableStatus) -> TableInfo {
    described_table(status, 0, 0)
}

fn describe_req() -> Request {
    Request::DescribeTable { table: TABLE.into() }
}

/// A connected app that has answered its first describe with `state`.
fn app_with(state: Option<TableInfo>, t0: Instant) -> App {
    described_app("test", state, t0)
}

#[test]
fn describes_at_once_when_ready_and_not_twice_in_flight() {
    let t0 = Instant::now();
    let mut app = new_app("test", true, t0);
    assert_eq!(app.step(t0, Msg::Tick), crate::fixtures::first_requests());
    assert!(app.step(t0 + Duration::from_secs(30), Msg::Tick).is_empty(), "one in flight");
}

#[test]
fn waits_for_local_server_before_describing() {
    let t0 = Instant::now();
    let mut app = new_app("local", false, t0);
    assert!(app.step(t0, Msg::Tick).is_empty());
    app.step(t0, Msg::Local(LocalEvent::Progress("installing".into())));
    assert_eq!(app.connection, Connection::Starting(vec!["installing".into()]));
    assert_eq!(app.step(t0, Msg::Local(LocalEvent::Ready)), crate::fixtures::first_requests());
    assert_eq!(app.connection, Connection::Ready);
}

#[test]
fn local_failure_is_a_state_and_blocks_writes() {
    let t0 = Instant::now();
    let mut app = new_app("local", false, t0);
    app.step(t0, Msg::Local(LocalEvent::Failed("java not found".into())));
    assert_eq!(app.connection, Connection::Failed("java not found".into()));
    assert!(app.step(t0, ch('c')).is_empty());
    assert!(matches!(app.modal, Modal::None));
}

#[test]
fn start_warnings_are_the_first_status_line() {
    let t0 = Instant::now();
    let warnings = vec!["plain HTTP to 10.0.0.5: requests are signed but not encrypted".into()];
    let config = AppConfig { warnings, ..AppConfig::new(TABLE, "http://10.0.0.5:8000") };
    let app = App::new(config, t0);
    let line = app.status_line().expect("a status line");
    assert_eq!(line.level, Level::Warning);
    assert!(line.text.starts_with("plain HTTP to 10.0.0.5"), "{}", line.text);
    assert!(new_app("test", true, t0).status_line().is_none(), "no warnings, no line");
}

#[test]
fn local_warnings_outlast_the_connected_line() {
    let t0 = Instant::now();
    let mut app = new_app("DynamoDB Local http://127.0.0.1:8000", false, t0);
    let note = "attached to the DynamoDB Local already running on port 8000";
    app.step(t0, Msg::Local(LocalEvent::Warning(note.into())));
    assert_eq!(app.status_line().map(|l| (l.level, l.text.as_str())), Some((Level::Warning, note)));
    app.step(t0, Msg::Local(LocalEvent::Ready));
    let line = app.status_line().expect("a status line");
    assert_eq!(line.level, Level::Warning);
    assert_eq!(line.text, note, "not replaced by \"connected to\"");

    let mut plain = new_app("DynamoDB Local", false, t0);
    plain.step(t0, Msg::Local(LocalEvent::Ready));
    assert_eq!(plain.status_line().map(|l| l.level), Some(Level::Info));
}

#[test]
fn missing_table_is_a_state_and_polled_slowly() {
    let t0 = Instant::now();
    let mut app = app_with(None, t0);
    assert_eq!(app.session.table, TableState::Missing);
    assert_eq!(app.next_describe(), Some(t0 + SLOW_POLL));
    assert!(app.step(t0 + SLOW_POLL - Duration::from_millis(1), Msg::Tick).is_empty());
    assert_eq!(app.step(t0 + SLOW_POLL, Msg::Tick), vec![describe_req()]);
}

#[test]
fn transient_status_is_polled_every_second_with_elapsed_time() {
    let t0 = Instant::now();
    let mut app = app_with(Some(info(TableStatus::Creating)), t0);
    assert_eq!(app.next_describe(), Some(t0 + FAST_POLL));
    let t1 = t0 + FAST_POLL;
    assert_eq!(app.step(t1, Msg::Tick), vec![describe_req()]);
    app.step(t1, described(Ok(Some(info(TableStatus::Creating)))));
    let t2 = t0 + Duration::from_millis(2500);
    assert_eq!(app.step(t2, Msg::Tick), vec![describe_req()]);
    assert_eq!(app.transition_elapsed(), Some(Duration::from_millis(2500)));
    app.step(t2, described(Ok(Some(info(TableStatus::Active)))));
    assert_eq!(app.session.transition, None);
    let line = app.status_line.clone().expect("status line");
    assert_eq!(line.text, "table user_wallet is ACTIVE (CREATING took 2s)");
    assert_eq!(app.next_describe(), Some(t2 + SLOW_POLL));
}

#[test]
fn an_index_in_transition_keeps_fast_polling() {
    let t0 = Instant::now();
    let mut table = info(TableStatus::Active);
    table.indexes.push(crate::table::IndexInfo {
        name: "by_balance".into(),
        kind: "GSI",
        status: Some(TableStatus::Creating),
        ..Default::default()
    });
    let app = app_with(Some(table), t0);
    assert_eq!(app.next_describe(), Some(t0 + FAST_POLL));
}

#[test]
fn refresh_key_describes_now() {
    let t0 = Instant::now();
    let mut app = app_with(Some(info(TableStatus::Active)), t0);
    let t1 = t0 + Duration::from_secs(2);
    let sent = app.step(t1, ch('r'));
    assert!(sent.contains(&describe_req()), "{sent:?}");
    assert!(matches!(sent[0], Request::Scan { id: 2, .. }), "and a new scan: {sent:?}");
}

#[test]
fn describe_errors_back_off_and_show_in_the_status_line() {
    let t0 = Instant::now();
    let mut app = new_app("test", true, t0);
    app.step(t0, Msg::Tick);
    let err = ApiError::new(ErrorKind::Unreachable, "connection refused");
    app.step(t0, described(Err(err.clone())));
    assert_eq!(app.session.table, TableState::Unknown);
    assert_eq!(app.session.describe_error, Some(err.clone()));
    let line = app.status_line.clone().expect("status");
    assert_eq!(line.level, Level::Error);
    assert!(line.text.contains("cannot reach the endpoint: connection refused"), "{}", line.text);
    assert_eq!(app.next_describe(), Some(t0 + 2 * FAST_POLL));
    app.step(t0 + 2 * FAST_POLL, Msg::Tick);
    app.step(t0 + 2 * FAST_POLL, described(Err(err)));
    assert_eq!(app.next_describe(), Some(t0 + 6 * FAST_POLL), "doubles: 2s then 4s");
    app.step(t0 + 6 * FAST_POLL, Msg::Tick);
    app.step(t0 + 6 * FAST_POLL, described(Ok(None)));
    assert_eq!(app.session.describe_error, None);
    assert_eq!(app.session.table, TableState::Missing);
}

#[test]
fn answers_of_another_session_are_ignored() {
    let t0 = Instant::now();
    let mut app = app_with(None, t0);
    let active =
        Response::Described { table: TABLE.into(), result: Ok(Some(info(TableStatus::Active))) };
    app.step(t0, crate::fixtures::reply(7, active.clone()));
    assert_eq!(app.session.table, TableState::Missing, "an answer of no session of this app");
    app.step(t0, crate::fixtures::reply(1, active));
    assert!(matches!(app.session.table, TableState::Present(_)), "its own session's answer");
}

#[test]
fn a_late_answer_for_a_table_left_and_chosen_again_is_dropped() {
    let t0 = Instant::now();
    let mut app = app_with(None, t0);
    // A → B → A: each switch is a new session.
    for (name, session) in [("other_wallets", 2), (TABLE, 3)] {
        app.step(t0, ch(':'));
        let tables = vec![
            crate::table::TableEntry { name: "other_wallets".into(), wallet_schema: Some(true) },
            crate::table::TableEntry { name: TABLE.into(), wallet_schema: Some(true) },
        ];
        let listed = Response::TablesListed { result: Ok(tables) };
        app.step(t0, crate::fixtures::reply(session - 1, listed));
        let Modal::Tables(picker) = &mut app.modal else { panic!("the picker") };
        picker.selected = usize::from(name == TABLE);
        let sent = app.update(t0, key(KeyCode::Enter));
        assert_eq!(app.session.name, name);
        assert!(sent.iter().all(|job| job.session == session), "{sent:?}");
    }
    // An answer to the first session's describe, about the same table name: stale.
    let late =
        Response::Described { table: TABLE.into(), result: Ok(Some(info(TableStatus::Active))) };
    app.step(t0, crate::fixtures::reply(1, late.clone()));
    assert_eq!(app.session.table, TableState::Unknown, "the first session's answer is dropped");
    app.step(t0, crate::fixtures::reply(3, late));
    assert!(matches!(app.session.table, TableState::Present(_)));
}

#[test]
fn create_form_validates_before_sending() {
    let t0 = Instant::now();
    let mut app = app_with(None, t0);
    assert!(app.step(t0, ch('c')).is_empty());
    let Modal::CreateTable(form) = &app.modal else { panic!("create form expected") };
    assert_eq!(form.value(fields::RCU), "1");
    // Focus is on billing; move to RCU, replace "1" with "0", submit.
    app.step(t0, key(KeyCode::Tab));
    app.step(t0, key(KeyCode::Backspace));
    app.step(t0, ch('0'));
    assert!(app.step(t0, key(KeyCode::Enter)).is_empty(), "invalid: nothing sent");
    let Modal::CreateTable(form) = &app.modal else { panic!("form must stay open") };
    assert_eq!(
        form.field(fields::RCU).and_then(|f| f.error.clone()).as_deref(),
        Some("must be at least 1")
    );
    assert_eq!(form.value(fields::RCU), "0", "what was typed is kept");
    app.step(t0, key(KeyCode::Backspace));
    app.step(t0, ch('5'));
    let sent = app.step(t0, key(KeyCode::Enter));
    let spec = CreateTableSpec {
        name: TABLE.into(),
        billing: BillingMode::Provisioned { read: 5, write: 1 },
    };
    assert_eq!(sent, vec![Request::CreateTable { spec }]);
    assert!(app.step(t0, key(KeyCode::Enter)).is_empty(), "second submit ignored while pending");
}

#[rstest::rstest]
#[case("", "required: a whole number ≥ 1")]
#[case("-1", "must be at least 1")]
#[case("+3", "must be at least 1")]
#[case("1.5", "\"1.5\" is not a whole number")]
#[case("abc", "\"abc\" is not a whole number")]
#[case("99999999999999999999", "too large")]
fn capacity_must_be_a_whole_number_from_one(#[case] text: &str, #[case] message: &str) {
    let mut form = Form::new("t", vec![Field::text(fields::RCU, text)]);
    assert_eq!(check_capacity(&mut form, fields::RCU), None);
    assert_eq!(form.fields[0].error.as_deref(), Some(message));
}

#[test]
fn on_demand_ignores_capacity_fields() {
    let t0 = Instant::now();
    let mut app = app_with(None, t0);
    app.step(t0, ch('c'));
    app.step(t0, ch(' '));
    let sent = app.step(t0, key(KeyCode::Enter));
    let spec = CreateTableSpec { name: TABLE.into(), billing: BillingMode::OnDemand };
    assert_eq!(sent, vec![Request::CreateTable { spec }]);
}

#[test]
fn created_table_shows_creating_and_polls_fast() {
    let t0 = Instant::now();
    let mut app = app_with(None, t0);
    app.step(t0, ch('c'));
    app.step(t0, key(KeyCode::Enter));
    let created =
        Response::Created { table: TABLE.into(), result: Ok(info(TableStatus::Creating)) };
    let t1 = t0 + Duration::from_millis(300);
    let next = app.step(t1, crate::fixtures::answer(created));
    assert!(matches!(app.modal, Modal::None));
    assert_eq!(next, vec![describe_req()], "looks again at once");
    assert!(
        matches!(&app.session.table, TableState::Present(i) if i.status == TableStatus::Creating)
    );
    assert_eq!(app.session.transition.as_ref().map(|t| t.since), Some(t1));
}

#[test]
fn a_describe_sent_before_create_cannot_undo_it() {
    let t0 = Instant::now();
    let mut app = app_with(None, t0);
    let t1 = t0 + SLOW_POLL;
    assert_eq!(app.step(t1, Msg::Tick), vec![describe_req()], "a poll goes out");
    app.step(t1, ch('c'));
    assert_eq!(app.step(t1, key(KeyCode::Enter)).len(), 1, "CreateTable sent");
    let created =
        Response::Created { table: TABLE.into(), result: Ok(info(TableStatus::Creating)) };
    assert!(
        app.step(t1, crate::fixtures::answer(created)).is_empty(),
        "still one describe in flight"
    );
    // The old describe (sent before CreateTable) says missing: ignored.
    let again = app.step(t1, described(Ok(None)));
    assert!(
        matches!(&app.session.table, TableState::Present(i) if i.status == TableStatus::Creating)
    );
    assert_eq!(again, vec![describe_req()]);
}

#[test]
fn create_failure_keeps_the_form_and_says_why() {
    let t0 = Instant::now();
    let mut app = app_with(None, t0);
    app.step(t0, ch('c'));
    app.step(t0, key(KeyCode::Enter));
    let err = ApiError::new(ErrorKind::ResourceInUse, "Table already exists: user_wallet");
    app.step(
        t0,
        crate::fixtures::answer(Response::Created { table: TABLE.into(), result: Err(err) }),
    );
    let Modal::CreateTable(form) = &app.modal else { panic!("form kept") };
    assert!(!form.pending);
    assert_eq!(form.error.as_deref(), Some("table is in use: Table already exists: user_wallet"));
}

#[test]
fn create_is_refused_when_table_exists_or_read_only() {
    let t0 = Instant::now();
    let mut app = app_with(Some(info(TableStatus::Active)), t0);
    app.step(t0, ch('c'));
    assert!(matches!(app.modal, Modal::None));
    assert_eq!(
        app.status_line.as_ref().map(|s| s.text.as_str()),
        Some("table user_wallet already exists")
    );
    let mut ro = app_with(None, t0);
    ro.config.read_only = true;
    ro.step(t0, ch('c'));
    assert!(matches!(ro.modal, Modal::None));
    assert_eq!(
        ro.status_line.as_ref().map(|s| s.text.as_str()),
        Some("read-only mode: creating a table is disabled")
    );
}

#[test]
fn delete_needs_the_typed_name() {
    let t0 = Instant::now();
    let mut app = app_with(Some(info(TableStatus::Active)), t0);
    app.step(t0, ch('D'));
    assert!(matches!(app.modal, Modal::DeleteTable(_)));
    for c in "user_walle".chars() {
        app.step(t0, ch(c));
    }
    assert!(app.step(t0, key(KeyCode::Enter)).is_empty(), "wrong name: nothing sent");
    let Modal::DeleteTable(form) = &app.modal else { panic!("form kept") };
    assert_eq!(
        form.field(fields::CONFIRM).and_then(|f| f.error.clone()).as_deref(),
        Some("type user_wallet exactly to delete it")
    );
    app.step(t0, ch('t'));
    assert_eq!(
        app.step(t0, key(KeyCode::Enter)),
        vec![Request::DeleteTable { table: TABLE.into() }]
    );
    let deleted = Response::Deleted { table: TABLE.into(), result: Ok(()) };
    let t1 = t0 + Duration::from_secs(1);
    app.step(t1, crate::fixtures::answer(deleted));
    assert!(
        matches!(&app.session.table, TableState::Present(i) if i.status == TableStatus::Deleting)
    );
    let t2 = t1 + Duration::from_secs(3);
    app.step(t2, Msg::Tick);
    app.step(t2, described(Ok(None)));
    assert_eq!(app.session.table, TableState::Missing);
    assert_eq!(
        app.status_line.as_ref().map(|s| s.text.as_str()),
        Some("table user_wallet is gone (DELETING took 3s)")
    );
}

#[test]
fn esc_cancels_a_form_without_a_request() {
    let t0 = Instant::now();
    let mut app = app_with(Some(info(TableStatus::Active)), t0);
    app.step(t0, ch('D'));
    assert!(app.step(t0, key(KeyCode::Esc)).is_empty());
    assert!(matches!(app.modal, Modal::None));
}

#[test]
fn q_in_a_form_is_text_but_ctrl_c_quits() {
    let t0 = Instant::now();
    let mut app = app_with(Some(info(TableStatus::Active)), t0);
    app.step(t0, ch('D'));
    app.step(t0, ch('q'));
    assert!(!app.should_quit);
    let Modal::DeleteTable(form) = &app.modal else { panic!("form") };
    assert_eq!(form.value(fields::CONFIRM), "q");
    let ctrl_c = Msg::Term(Event::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)));
    app.step(t0, ctrl_c);
    assert!(app.should_quit);
}

#[test]
fn help_opens_and_any_key_closes() {
    let t0 = Instant::now();
    let mut app = app_with(None, t0);
    app.step(t0, ch('?'));
    assert!(matches!(app.modal, Modal::Help));
    app.step(t0, ch('q'));
    assert!(matches!(app.modal, Modal::None));
    assert!(!app.should_quit, "the key only closed help");
    app.step(t0, ch('q'));
    assert!(app.should_quit);
}
