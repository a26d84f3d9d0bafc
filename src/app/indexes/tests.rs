//! Unit tests of `app/indexes.rs`: the index view, the create and delete forms (bad input
//! refused at its field, nothing sent), read-only and protected targets, and the watch of an
//! index from the moment it was asked until ACTIVE or gone.

use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

use super::labels;
use crate::app::{App, AppConfig, Modal, fields};
use crate::fixtures::{TABLE, answer, ch, describe, described, key, table_info};
use crate::index::CreateIndexSpec;
use crate::msg::{Msg, Request, Response};
use crate::table::TableStatus;
use crate::table::{AttributeDef, BillingMode, IndexInfo, KeyElement, Projection, TableInfo};
use crate::target::WriteMode;

/// The wallet table, on demand, with `indexes`.
fn table(indexes: Vec<IndexInfo>) -> TableInfo {
    TableInfo { indexes, ..table_info(TableStatus::Active, BillingMode::OnDemand) }
}

fn gsi(name: &str, status: TableStatus) -> IndexInfo {
    IndexInfo {
        name: name.into(),
        kind: "GSI",
        status: Some(status),
        key_schema: vec![KeyElement { name: "currency".into(), key_type: "HASH".into() }],
        ..IndexInfo::default()
    }
}

fn lsi(name: &str) -> IndexInfo {
    IndexInfo { kind: "LSI", status: None, ..gsi(name, TableStatus::Active) }
}

fn app_with(info: TableInfo, t0: Instant) -> App {
    app_in(AppConfig::new(TABLE, "test"), info, t0)
}

fn app_in(config: AppConfig, info: TableInfo, t0: Instant) -> App {
    let mut app = App::new(config, t0);
    describe(&mut app, t0, Ok(Some(info)));
    app
}

fn type_text(app: &mut App, t0: Instant, text: &str) {
    for c in text.chars() {
        app.step(t0, ch(c));
    }
}

fn tab(app: &mut App, t0: Instant, times: usize) {
    for _ in 0..times {
        app.step(t0, key(KeyCode::Tab));
    }
}

fn status(app: &App) -> &str {
    app.status_line().map_or("", |s| s.text.as_str())
}

fn form(app: &App) -> &crate::form::Form {
    match app.modal() {
        Modal::Index(
            super::IndexDialog::Create(form) | super::IndexDialog::Delete { form, .. },
        ) => form,
        other => panic!("no index form: {other:?}"),
    }
}

fn error_at<'a>(app: &'a App, label: &str) -> Option<&'a str> {
    form(app).field(label).and_then(|f| f.error.as_deref())
}

fn ctrl(c: char) -> Msg {
    Msg::Term(Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)))
}

/// The spec the tests create: `by_currency` on `currency` (S), all attributes.
fn spec() -> CreateIndexSpec {
    CreateIndexSpec {
        name: "by_currency".into(),
        partition: AttributeDef { name: "currency".into(), attr_type: "S".into() },
        sort: None,
        projection: Projection::All,
        throughput: None,
    }
}

/// Types [`spec`] into the open create form.
fn fill_create_form(app: &mut App, t0: Instant) {
    type_text(app, t0, "by_currency");
    tab(app, t0, 1);
    type_text(app, t0, "currency");
}

#[test]
fn the_index_view_opens_moves_and_closes() {
    let t0 = Instant::now();
    let info = table(vec![gsi("a_idx", TableStatus::Active), lsi("b_idx")]);
    let mut app = app_with(info, t0);
    assert!(app.step(t0, ch('I')).is_empty());
    assert!(matches!(app.modal(), Modal::Index(super::IndexDialog::List { selected: 0 })));
    app.step(t0, ch('j'));
    app.step(t0, ch('j'));
    assert!(matches!(app.modal(), Modal::Index(super::IndexDialog::List { selected: 1 })));
    app.step(t0, key(KeyCode::Esc));
    assert!(matches!(app.modal(), Modal::None));
    app.step(t0, ch('I'));
    assert!(
        matches!(app.modal(), Modal::Index(super::IndexDialog::List { selected: 1 })),
        "the selection is kept"
    );
}

#[test]
fn bad_input_is_marked_at_its_field_and_nothing_is_sent() {
    let t0 = Instant::now();
    let mut info = table(vec![gsi("by_balance", TableStatus::Active)]);
    info.billing = BillingMode::Provisioned { read: 2, write: 2 };
    let mut app = app_with(info, t0);
    app.step(t0, ch('N'));
    type_text(&mut app, t0, "by_balance");
    tab(&mut app, t0, 2);
    app.step(t0, ch(' ')); // partition type S -> N
    tab(&mut app, t0, 1);
    type_text(&mut app, t0, "x"); // a sort key without a partition key is still checked
    tab(&mut app, t0, 2);
    app.step(t0, ch(' '));
    app.step(t0, ch(' ')); // projection INCLUDE
    tab(&mut app, t0, 2);
    app.step(t0, key(KeyCode::Backspace));
    type_text(&mut app, t0, "0");
    assert!(app.step(t0, key(KeyCode::Enter)).is_empty(), "nothing sent");
    assert!(error_at(&app, labels::NAME).is_some_and(|e| e.contains("already has a GSI")));
    assert_eq!(error_at(&app, labels::PARTITION), Some("required: the attribute's name"));
    assert!(error_at(&app, labels::INCLUDE).is_some_and(|e| e.contains("INCLUDE needs")));
    assert_eq!(error_at(&app, fields::RCU), Some("must be at least 1"));
    assert_eq!(error_at(&app, fields::WCU), None);
    assert!(!form(&app).pending);
}

#[test]
fn rcu_and_wcu_are_asked_only_on_provisioned_tables() {
    let t0 = Instant::now();
    let mut app = app_with(table(vec![]), t0);
    app.step(t0, ch('N'));
    assert!(form(&app).field(fields::RCU).is_none(), "on-demand: no capacity fields");
    let mut info = table(vec![]);
    info.billing = BillingMode::Provisioned { read: 3, write: 4 };
    let mut app = app_with(info, t0);
    app.step(t0, ch('N'));
    assert_eq!(form(&app).value(fields::RCU), "3", "the table's own, as a start");
    assert_eq!(form(&app).value(fields::WCU), "4");
}

#[test]
fn a_created_index_is_watched_from_the_ask_until_active() {
    let t0 = Instant::now();
    let mut app = app_with(table(vec![]), t0);
    app.step(t0, ch('I'));
    app.step(t0, ch('n'));
    fill_create_form(&mut app, t0);
    let sent = app.step(t0, key(KeyCode::Enter));
    assert_eq!(sent, [Request::CreateIndex { table: TABLE.into(), spec: spec() }]);
    assert!(form(&app).pending);
    assert!(app.step(t0, key(KeyCode::Enter)).is_empty(), "sent once");

    let t1 = t0 + Duration::from_secs(1);
    let mut creating = gsi("by_currency", TableStatus::Creating);
    let accepted = table(vec![creating.clone()]);
    let index = "by_currency".to_string();
    let result = Ok(accepted);
    let sent = app.step(t1, answer(Response::IndexUpdated { table: TABLE.into(), index, result }));
    assert_eq!(sent, [Request::DescribeTable { table: TABLE.into() }], "looked at again at once");
    assert!(matches!(app.modal(), Modal::None));
    assert_eq!(status(&app), "UpdateTable accepted: index by_currency is CREATING");
    assert_eq!(app.index_elapsed("by_currency"), Some(Duration::from_secs(1)), "since asked");

    let t2 = t0 + Duration::from_secs(20);
    creating.backfilling = true;
    app.step(t2, described(Ok(Some(table(vec![creating])))));
    assert_eq!(app.index_elapsed("by_currency"), Some(Duration::from_secs(20)));

    let t3 = t0 + Duration::from_secs(31);
    let sent = app.step(t3, Msg::Tick);
    assert_eq!(sent, [Request::DescribeTable { table: TABLE.into() }], "polled fast meanwhile");
    app.step(t3, described(Ok(Some(table(vec![gsi("by_currency", TableStatus::Active)])))));
    assert_eq!(status(&app), "index by_currency is ACTIVE (CREATING took 31s)");
    assert_eq!(app.index_elapsed("by_currency"), None);
}

#[test]
fn a_refused_create_keeps_the_form_with_the_reason() {
    let t0 = Instant::now();
    let mut app = app_with(table(vec![]), t0);
    app.step(t0, ch('N'));
    fill_create_form(&mut app, t0);
    app.step(t0, key(KeyCode::Enter));
    let err = crate::error::ApiError::new(crate::error::ErrorKind::Other, "LimitExceeded");
    let index = "by_currency".to_string();
    app.step(t0, answer(Response::IndexUpdated { table: TABLE.into(), index, result: Err(err) }));
    assert!(!form(&app).pending, "may be sent again");
    assert!(form(&app).error.as_deref().is_some_and(|e| e.contains("LimitExceeded")));
    assert_eq!(form(&app).value(labels::NAME), "by_currency", "what was typed stays");
}

#[test]
fn a_deleted_index_is_watched_until_gone() {
    let t0 = Instant::now();
    let mut app =
        app_with(table(vec![lsi("local_idx"), gsi("by_currency", TableStatus::Active)]), t0);
    app.step(t0, ch('I'));
    app.step(t0, ch('d'));
    assert!(matches!(app.modal(), Modal::Index(super::IndexDialog::List { .. })), "not an LSI");
    assert_eq!(status(&app), "local_idx is a local index: it lives and dies with its table");
    app.step(t0, ch('j'));
    app.step(t0, ch('d'));
    type_text(&mut app, t0, "by_currenc");
    assert!(app.step(t0, key(KeyCode::Enter)).is_empty(), "a wrong name sends nothing");
    assert_eq!(error_at(&app, labels::CONFIRM), Some("type by_currency exactly to delete it"));
    type_text(&mut app, t0, "y");
    let sent = app.step(t0, key(KeyCode::Enter));
    let index = "by_currency".to_string();
    assert_eq!(sent, [Request::DeleteIndex { table: TABLE.into(), index: index.clone() }]);

    let deleting = table(vec![lsi("local_idx"), gsi("by_currency", TableStatus::Deleting)]);
    let result = Ok(deleting.clone());
    app.step(t0, answer(Response::IndexUpdated { table: TABLE.into(), index, result }));
    assert_eq!(status(&app), "UpdateTable accepted: index by_currency is DELETING");
    let t1 = t0 + Duration::from_secs(16);
    app.step(t1, Msg::Tick);
    app.step(t1, described(Ok(Some(deleting))));
    assert_eq!(app.index_elapsed("by_currency"), Some(Duration::from_secs(16)));
    let t2 = t0 + Duration::from_secs(17);
    app.step(t2, Msg::Tick);
    app.step(t2, described(Ok(Some(table(vec![lsi("local_idx")])))));
    assert_eq!(status(&app), "index by_currency is gone (DELETING took 17s)");
}

#[test]
fn read_only_refuses_to_create_or_delete_and_sends_nothing() {
    let t0 = Instant::now();
    let config = AppConfig { read_only: true, ..AppConfig::new(TABLE, "test") };
    let mut app = app_in(config, table(vec![gsi("by_currency", TableStatus::Active)]), t0);
    assert!(app.step(t0, ch('N')).is_empty());
    assert!(matches!(app.modal(), Modal::None));
    assert!(status(&app).contains("read-only"), "{}", status(&app));
    app.step(t0, ch('I'));
    assert!(app.step(t0, ch('n')).is_empty());
    assert!(app.step(t0, ch('d')).is_empty());
    assert!(!matches!(app.modal(), Modal::Index(super::IndexDialog::Delete { .. })));
    assert!(status(&app).contains("read-only"), "{}", status(&app));
}

#[test]
fn a_protected_target_asks_the_table_name_before_an_index_change() {
    let t0 = Instant::now();
    let mode = WriteMode::Confirm { target: "profile prod".into() };
    let config = AppConfig { write_mode: mode, ..AppConfig::new(TABLE, "AWS") };
    let mut app = app_in(config, table(vec![gsi("by_currency", TableStatus::Active)]), t0);
    app.step(t0, ch('I'));
    app.step(t0, ch('d'));
    let Modal::ConfirmTarget(confirm) = app.modal() else { panic!("asks the table name") };
    assert_eq!(confirm.then, crate::keymap::Action::Indexes);
    type_text(&mut app, t0, TABLE);
    app.step(t0, key(KeyCode::Enter));
    assert!(matches!(app.modal(), Modal::Index(super::IndexDialog::List { selected: 0 })));
    app.step(t0, ch('d'));
    assert!(matches!(app.modal(), Modal::Index(super::IndexDialog::Delete { .. })));
}

#[test]
fn ctrl_n_in_the_table_form_opens_the_create_index_form() {
    let t0 = Instant::now();
    let mut app = app_with(table(vec![]), t0);
    app.step(t0, ch('t'));
    let Modal::UpdateTable(update) = app.modal() else { panic!("the t form") };
    assert!(update.value(fields::INDEXES).contains("Ctrl-N adds"));
    assert!(app.step(t0, ctrl('n')).is_empty());
    assert!(matches!(app.modal(), Modal::Index(super::IndexDialog::Create(_))));
}

#[test]
fn an_index_changed_by_someone_else_is_watched_from_when_it_was_seen() {
    let t0 = Instant::now();
    let mut app = app_with(table(vec![]), t0);
    let t1 = t0 + Duration::from_secs(15);
    app.step(t1, Msg::Tick);
    app.step(t1, described(Ok(Some(table(vec![gsi("other", TableStatus::Creating)])))));
    let t2 = t1 + Duration::from_secs(3);
    app.step(t2, Msg::Tick);
    assert_eq!(app.index_elapsed("other"), Some(Duration::from_secs(3)));
}
