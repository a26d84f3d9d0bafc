//! Many writes at once: the typed count (a wrong one sends nothing), deletes conditional on
//! the balances shown, outcomes applied as they come, the report; the import's steps.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossterm::event::KeyCode;

use super::{BatchDialog, BatchStep, COUNT};
use crate::app::*;
use crate::fixtures::{
    TABLE, answer, ch, describe, key, loaded, prepared, scan_page, table_info, wallet,
};
use crate::msg::Bulk;
use crate::wallet::UserId;
use crate::worker::import::{Progress, Report};
use crate::write::{Write, WriteDone, WriteError, WriteKind};

fn typed(app: &mut App, t: Instant, text: &str) -> Vec<Request> {
    text.chars().flat_map(|c| app.step(t, ch(c))).collect()
}

fn dialog(app: &App) -> &BatchDialog {
    match app.modal() {
        Modal::Batch(dialog) => dialog,
        other => panic!("no batch dialog: {other:?}"),
    }
}

fn progress(done: u64, total: u64) -> Progress {
    Progress {
        done,
        total,
        written: done,
        conflicts: 0,
        wcu: 2.0 * done as f64,
        elapsed: Duration::from_secs(1),
    }
}

/// Three wallets, two marked (a and c), and `x` pressed.
fn asking_the_count(t0: Instant) -> App {
    let mut app = loaded(vec![wallet("a", "1"), wallet("b", "2"), wallet("c", "3")], t0);
    app.step(t0, ch(' '));
    app.step(t0, ch('j'));
    app.step(t0, ch(' '));
    assert!(app.step(t0, ch('x')).is_empty());
    assert!(matches!(dialog(&app).step, BatchStep::DeleteMarked));
    assert!(dialog(&app).form.title.contains("2 marked wallets"), "{}", dialog(&app).form.title);
    app
}

#[test]
fn a_wrong_count_sends_nothing_and_says_what_to_type() {
    let t0 = Instant::now();
    let mut app = asking_the_count(t0);
    for wrong in ["3", " ", "two", "02"] {
        typed(&mut app, t0, wrong);
        let sent = app.step(t0, key(KeyCode::Enter));
        assert!(sent.is_empty(), "{wrong:?} sent {sent:?}");
        let error = dialog(&app).form.field(COUNT).and_then(|f| f.error.clone());
        assert_eq!(error.as_deref(), Some("type 2 exactly to delete the 2 marked wallets"));
        for _ in 0..4 {
            app.step(t0, key(KeyCode::Backspace));
        }
    }
    app.step(t0, key(KeyCode::Esc));
    assert!(matches!(app.modal(), Modal::None));
    assert_eq!(app.list().loaded(), 3, "nothing deleted");
}

#[test]
fn the_right_count_deletes_each_marked_wallet_if_its_balance_is_still_the_one_shown() {
    let t0 = Instant::now();
    let mut app = asking_the_count(t0);
    typed(&mut app, t0, "2");
    let sent = app.step(t0, key(KeyCode::Enter));
    let [Request::WriteMany { table, writes }] = sent.as_slice() else { panic!("{sent:?}") };
    assert_eq!(table, TABLE);
    let asked: Vec<(String, WriteKind)> =
        writes.iter().map(|w| (w.user_id.clone(), w.kind.clone())).collect();
    let seen = |b: &str| WriteKind::Delete { seen: Some(crate::fixtures::balance(b)) };
    assert_eq!(asked, [("a".to_string(), seen("1")), ("c".to_string(), seen("3"))]);
    assert!(matches!(app.modal(), Modal::None));
    assert!(app.batch().is_some());
    // Other writes wait for the batch.
    app.step(t0, ch('k'));
    app.step(t0, ch('k'));
    assert!(app.step(t0, ch('e')).is_empty());
    assert!(matches!(app.modal(), Modal::None), "no form while the batch runs");
    // a is deleted; c changed meanwhile (now 30): a conflict, kept with its new balance.
    let done = WriteDone::applied(None, None, Some(2.0), None);
    app.step(
        t0,
        answer(Response::ManyWritten {
            table: TABLE.into(),
            write: writes[0].clone(),
            result: Ok(done),
            progress: progress(1, 2),
        }),
    );
    assert_eq!(
        app.status_line().map(|l| l.text.as_str()),
        Some("deleting marked wallets: 1/2 · 1/s · 2 WCU")
    );
    let conflict = WriteError::Conflict { current: Some(wallet("c", "30")) };
    app.step(
        t0,
        answer(Response::ManyWritten {
            table: TABLE.into(),
            write: writes[1].clone(),
            result: Err(conflict),
            progress: Progress { conflicts: 1, written: 1, ..progress(2, 2) },
        }),
    );
    assert!(app.list().find(&UserId::new("a")).is_none(), "a deleted, so is its mark");
    let c = app.list().find(&UserId::new("c")).and_then(|w| w.balance).map(|b| b.to_string());
    assert_eq!(c.as_deref(), Some("30"));
    assert_eq!(app.marks().iter().map(|id| id.to_text()).collect::<Vec<_>>(), ["c"]);
    let report = Report {
        written: 1,
        conflicts: vec![("c".into(), "changed meanwhile: balance now 30".into())],
        wcu: 2.0,
        ..Report::default()
    };
    app.step(
        t0,
        answer(Response::ManyDone { table: TABLE.into(), result: Ok(report), rejects: None }),
    );
    assert!(app.batch().is_none());
    let form = &dialog(&app).form;
    let rows: Vec<String> =
        form.fields.iter().map(|f| format!("{} {}", f.label, f.value())).collect();
    assert!(rows.contains(&"Done 1 of 2 deleted".to_string()), "{rows:?}");
    assert!(
        rows.contains(&"  conflict c: changed meanwhile: balance now 30".to_string()),
        "{rows:?}"
    );
    assert_eq!(
        app.status_line().map(|l| l.text.as_str()),
        Some("deleting marked wallets: 1 deleted, 1 conflict (left alone), 0 failed")
    );
    app.step(t0, key(KeyCode::Enter));
    assert!(matches!(app.modal(), Modal::None));
    assert!(
        !app.step(t0, ch('e')).is_empty() || matches!(app.modal(), Modal::Wallet(_)),
        "writes again"
    );
}

#[test]
fn read_only_refuses_the_marked_delete_before_any_form() {
    let t0 = Instant::now();
    let mut config = AppConfig { read_only: true, ..AppConfig::new(TABLE, "test") };
    config.scan_spec.segments = 1;
    let mut app = App::new(config, t0);
    describe(&mut app, t0, Ok(Some(table_info(TableStatus::Active, BillingMode::OnDemand))));
    app.step(t0, answer(Response::ScanPage(scan_page(1, 0, vec![wallet("a", "1")], true, None))));
    app.step(t0, ch('*'));
    assert!(app.step(t0, ch('x')).is_empty());
    assert!(matches!(app.modal(), Modal::None));
    assert_eq!(app.status_line().map(|l| l.level), Some(Level::Error));
    assert!(app.step(t0, ch('O')).is_empty());
    assert!(matches!(app.modal(), Modal::None));
}

/// `O` typed into: the file, Overwrite yes, Skip bad rows yes; Enter asks for the plan.
pub(crate) fn planning(app: &mut App, t0: Instant) -> PathBuf {
    assert!(app.step(t0, ch('O')).is_empty());
    typed(app, t0, "/tmp/wallets.csv");
    app.step(t0, key(KeyCode::Tab));
    app.step(t0, ch(' '));
    app.step(t0, key(KeyCode::Tab));
    app.step(t0, ch(' '));
    let sent = app.step(t0, key(KeyCode::Enter));
    let [Request::PlanImport { table, path, skip_bad: true }] = sent.as_slice() else {
        panic!("{sent:?}")
    };
    assert_eq!(table, TABLE);
    assert!(app.step(t0, key(KeyCode::Enter)).is_empty(), "one plan at a time");
    path.clone()
}

#[test]
fn import_asks_the_plan_shows_it_and_writes_on_enter() {
    let t0 = Instant::now();
    let mut app = loaded(vec![wallet("d1", "1")], t0);
    let path = planning(&mut app, t0);
    let plan = Bulk::new(prepared());
    app.step(
        t0,
        answer(Response::ImportPlanned { table: TABLE.into(), path, result: Ok(plan.clone()) }),
    );
    let dialog = dialog(&app);
    assert!(matches!(dialog.step, BatchStep::ImportConfirm { overwrite: true, .. }));
    let rows: Vec<String> =
        dialog.form.fields.iter().map(|f| format!("{}: {}", f.label, f.value())).collect();
    assert_eq!(
        rows[1..],
        [
            "New: 1".to_string(),
            "Different: 1: overwritten, each only if unchanged since".to_string(),
            "  old → new: d1: balance 1 → 2".to_string(),
            "Identical: 7".to_string(),
            "Bad (skipped): 1: line 4: balance: not a number; written to a rejects file"
                .to_string(),
        ]
    );
    let sent = app.step(t0, key(KeyCode::Enter));
    assert_eq!(sent, [Request::Import { table: TABLE.into(), plan, overwrite: true }]);
    assert!(app.batch().is_some());
}

#[test]
fn an_import_file_refused_keeps_the_form_with_the_reason() {
    let t0 = Instant::now();
    let mut app = loaded(vec![], t0);
    let path = planning(&mut app, t0);
    let why = "1 bad row in /tmp/wallets.csv: nothing written: line 4: not a number".to_string();
    app.step(
        t0,
        answer(Response::ImportPlanned { table: TABLE.into(), path, result: Err(why.clone()) }),
    );
    let dialog = dialog(&app);
    assert!(matches!(dialog.step, BatchStep::ImportFile));
    let at_field = dialog.form.field(super::FILE).and_then(|f| f.error.as_ref());
    assert_eq!(at_field, Some(&why), "said at the file's field");
    assert!(!dialog.form.pending);
    assert_eq!(dialog.form.value(super::FILE), "/tmp/wallets.csv", "what was typed stays");
}

#[test]
fn a_batch_write_of_unknown_outcome_blocks_other_writes_until_r_settles_it() {
    let t0 = Instant::now();
    let mut app = asking_the_count(t0);
    typed(&mut app, t0, "2");
    let sent = app.step(t0, key(KeyCode::Enter));
    let [Request::WriteMany { writes, .. }] = sent.as_slice() else { panic!("{sent:?}") };
    let unknown = WriteError::unknown(
        crate::error::ApiError::new(crate::error::ErrorKind::Timeout, "no answer"),
        "2026-12-03T10:00:00Z".into(),
        None,
    );
    let write: Write = writes[0].clone();
    app.step(
        t0,
        answer(Response::ManyWritten {
            table: TABLE.into(),
            write,
            result: Err(unknown),
            progress: progress(1, 1),
        }),
    );
    app.step(
        t0,
        answer(Response::ManyDone {
            table: TABLE.into(),
            result: Ok(Report::default()),
            rejects: None,
        }),
    );
    app.step(t0, key(KeyCode::Esc));
    let sent = app.step(t0, ch('r'));
    assert_eq!(sent, [Request::ResolveWrites { table: TABLE.into() }], "sent again first");
}

#[test]
fn esc_stops_a_running_batch_once_and_the_report_counts_what_was_not_sent() {
    let t0 = Instant::now();
    let mut app = asking_the_count(t0);
    typed(&mut app, t0, "2");
    app.step(t0, key(KeyCode::Enter));
    assert_eq!(app.step(t0, key(KeyCode::Esc)), [Request::CancelMany]);
    assert!(app.step(t0, key(KeyCode::Esc)).is_empty(), "asked once");
    let report = Report { written: 1, ..Report::default() };
    app.step(
        t0,
        answer(Response::ManyDone { table: TABLE.into(), result: Ok(report), rejects: None }),
    );
    let rows: Vec<String> =
        dialog(&app).form.fields.iter().map(|f| format!("{} {}", f.label, f.value())).collect();
    assert!(rows.contains(&"Not sent 1 (stopped with Esc)".to_string()), "{rows:?}");
    assert_eq!(
        app.status_line().map(|l| l.text.as_str()),
        Some(
            "deleting marked wallets: 1 deleted, 0 conflicts (left alone), 0 failed, 1 not sent (stopped)"
        )
    );
}

#[test]
fn q_during_a_batch_stops_sending_and_quits_once_the_writes_in_flight_end() {
    let t0 = Instant::now();
    let mut app = asking_the_count(t0);
    typed(&mut app, t0, "2");
    let sent = app.step(t0, key(KeyCode::Enter));
    let [Request::WriteMany { writes, .. }] = sent.as_slice() else { panic!("{sent:?}") };
    assert_eq!(app.step(t0, ch('q')), [Request::CancelMany], "no further write is sent");
    assert!(!app.should_quit(), "the writes in flight end first");
    let line = app.status_line().map(|l| l.text.clone()).unwrap_or_default();
    assert!(line.contains("stopping to quit"), "{line}");
    // A write in flight ends: its progress line still says the app is quitting.
    app.step(
        t0,
        answer(Response::ManyWritten {
            table: TABLE.into(),
            write: writes[0].clone(),
            result: Ok(WriteDone::applied(None, None, Some(2.0), None)),
            progress: progress(1, 2),
        }),
    );
    let line = app.status_line().map(|l| l.text.clone()).unwrap_or_default();
    assert!(
        line.contains("1/2") && line.contains("quitting once the writes in flight end"),
        "{line}"
    );
    let report = Report { written: 1, ..Report::default() };
    app.step(
        t0,
        answer(Response::ManyDone { table: TABLE.into(), result: Ok(report), rejects: None }),
    );
    assert!(app.should_quit(), "quits once the batch has ended");
}

#[test]
fn q_twice_during_a_batch_quits_at_once() {
    let t0 = Instant::now();
    let mut app = asking_the_count(t0);
    typed(&mut app, t0, "2");
    app.step(t0, key(KeyCode::Enter));
    app.step(t0, ch('q'));
    assert!(app.step(t0, ch('q')).is_empty());
    assert!(app.should_quit());
}
