//! Marked wallets and the TUI's import against a real DynamoDB Local (started by `support`),
//! a real [`App`] driving the real worker:
//!
//! - 50 marked wallets deleted after their count is typed, one changed by another writer
//!   (a raw SDK call) between marking and confirming: 49 deleted, 1 reported as a conflict
//!   and still in the table with its new balance; every delete journaled.
//! - With marks, `E` exports exactly the marked wallets (read back with the `csv` crate).
//! - `I` imports a small file: the diff is confirmed, and the table then holds its wallets.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use wallet_tui::app::{App, AppConfig, BatchStep, Modal};
use wallet_tui::journal::{self, Journal, Line};
use wallet_tui::msg::{Msg, Request, Response, ScanSpec};
use wallet_tui::wallet::UserId;
use wallet_tui::worker::{Timeouts, WorkerOptions};

use crate::support;
use crate::support::driver::Driver;
use crate::support::fixture::ProxiedTable;

const LIMIT: Duration = Duration::from_secs(60);

/// A fresh temp directory for one test's files.
fn temp_dir(what: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("wallet-tui-{what}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    dir
}

/// An app on `table` that has loaded every wallet (one segment, strongly consistent).
async fn loaded<'w>(f: &'w mut ProxiedTable) -> Driver<'w> {
    let scan_spec =
        ScanSpec { segments: 1, page_limit: None, consistent: true, max_rcu_per_sec: None };
    let config = AppConfig { scan_spec, ..AppConfig::new(f.table.clone(), &f.endpoint_label) };
    let mut d = Driver::new(&mut f.worker, App::new(config, Instant::now()));
    d.update(Msg::Tick);
    d.run_scan_to_end(LIMIT).await;
    d
}

/// Steps until the batch's report is shown.
async fn until_report(d: &mut Driver<'_>) {
    let deadline = Instant::now() + LIMIT;
    while !matches!(d.app.modal(), Modal::Batch(b) if matches!(b.step, BatchStep::Report)) {
        let what = format!("the batch's report (status {:?})", d.app.status_line());
        d.step(deadline, &what).await;
    }
}

/// The report's rows, "label value".
fn report_rows(d: &Driver<'_>) -> Vec<String> {
    let Modal::Batch(dialog) = d.app.modal() else { panic!("no report: {:?}", d.app.modal()) };
    dialog.form.fields.iter().map(|f| format!("{} {}", f.label, f.value())).collect()
}

fn ids(n: usize) -> Vec<(String, String)> {
    (0..n).map(|i| (uuid::Uuid::new_v4().to_string(), format!("{i}.25"))).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn marked_delete_of_50_with_one_changed_meanwhile_deletes_49_and_reports_1() {
    let dir = temp_dir("marks");
    let journal_path = dir.join("journal.jsonl");
    let journal = Journal::open(&journal_path).expect("a journal");
    let wallets = ids(52);
    let options = WorkerOptions { journal: Some(journal), ..WorkerOptions::default() };
    let mut f = ProxiedTable::start("marks_", wallets.clone(), Timeouts::default(), options).await;
    let (raw, table) = (f.raw.clone(), f.table.clone());
    let mut d = loaded(&mut f).await;
    assert_eq!(d.app.list().loaded(), 52);
    // Sort by user_id, mark the first 50 by hand (Space moves to the next).
    d.key('s');
    d.key('g'); // the sort keeps the selected wallet selected: to the top
    for _ in 0..50 {
        d.key(' ');
    }
    assert_eq!(d.app.marks().len(), 50);
    let marked: Vec<String> = d.app.marks().iter().map(|id| id.to_text()).collect();
    let changed = marked[17].clone();
    // Another writer moves one marked wallet on before the user confirms.
    support::raw_add(&raw, &table, &changed, "1000").await;
    let before = support::stored_balance(&raw, &table, &changed).await.expect("stored");

    assert!(d.key('x').is_empty(), "the count is asked first");
    for c in "49".chars() {
        d.key(c);
    }
    assert!(d.press(KeyCode::Enter).is_empty(), "a wrong count sends nothing");
    d.press(KeyCode::Backspace);
    d.press(KeyCode::Backspace);
    for c in "50".chars() {
        d.key(c);
    }
    let sent = d.press(KeyCode::Enter);
    assert!(matches!(sent.as_slice(), [Request::WriteMany { writes, .. }] if writes.len() == 50));
    until_report(&mut d).await;

    let rows = report_rows(&d);
    assert!(rows.contains(&"Done 49 of 50 deleted".to_string()), "{rows:?}");
    let conflict = format!("  conflict {changed}: changed meanwhile: balance now {before}");
    assert!(rows.contains(&conflict), "{rows:?}");
    // The table: the two unmarked wallets and the changed one, at its new balance.
    let mut left: Vec<String> = support::scan_items(&raw, &table)
        .await
        .iter()
        .map(|item| item["user_id"].as_s().expect("a string").clone())
        .collect();
    left.sort();
    let mut expected: Vec<String> = wallets
        .iter()
        .map(|(id, _)| id.clone())
        .filter(|id| !marked.contains(id) || *id == changed)
        .collect();
    expected.sort();
    assert_eq!(left, expected);
    assert_eq!(support::stored_balance(&raw, &table, &changed).await, Some(before.clone()));
    // The list shows the same, the conflict still marked with its new balance.
    assert_eq!(d.app.list().loaded(), 3);
    let shown = d.app.list().find(&UserId::new(&changed)).and_then(|w| w.balance);
    assert_eq!(shown.map(|b| b.to_string()), Some(before));
    assert_eq!(d.app.marks().iter().map(|id| id.to_text()).collect::<Vec<_>>(), [changed]);
    // Every delete journaled: 50 intents, each ended: 49 applied, the conflict not applied.
    let lines = journal::read_lines(&journal_path).expect("read the journal");
    let intents: Vec<&str> = lines
        .iter()
        .filter_map(|l| match l {
            Line::Intent(i) if i.write.kind.name() == "delete" => Some(i.write.op_id.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(intents.len(), 50);
    let applied = lines.iter().filter(|l| matches!(l, Line::Applied(e) if e.operation == "delete"));
    assert_eq!(applied.count(), 49);
    let ended: Vec<&str> = lines
        .iter()
        .filter_map(|l| if let Line::Ended(e) = l { Some(e.op_id.as_str()) } else { None })
        .collect();
    assert_eq!(ended.len(), 1, "the conflict's end: {lines:?}");
    assert!(intents.contains(&ended[0]));

    drop(d);
    f.finish().await;
    std::fs::remove_dir_all(&dir).expect("remove the temp dir");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_marks_export_writes_exactly_the_marked_wallets() {
    let dir = temp_dir("marks-export");
    let wallets = ids(6);
    let mut f =
        ProxiedTable::start("marks_x_", wallets.clone(), Timeouts::default(), Default::default())
            .await;
    let mut d = loaded(&mut f).await;
    d.key(' ');
    d.key('j');
    d.key(' ');
    d.key(' ');
    let marked: BTreeMap<String, String> = d
        .app
        .marks()
        .iter()
        .map(|id| {
            let text = id.to_text();
            let balance = wallets.iter().find(|(w, _)| *w == text).expect("ours").1.clone();
            (text, balance)
        })
        .collect();
    assert_eq!(marked.len(), 3);
    d.key('E');
    let Modal::Export(form) = d.app.modal() else { panic!("the export form") };
    assert!(form.intro.as_deref().unwrap_or("").starts_with("The 3 marked wallets"));
    d.press(KeyCode::Tab);
    d.press(KeyCode::End);
    for _ in 0..80 {
        d.press(KeyCode::Backspace);
    }
    let path = dir.join("marked.csv");
    d.paste(path.to_str().expect("UTF-8"));
    let sent = d.press(KeyCode::Enter);
    assert!(matches!(sent.as_slice(), [Request::Export { .. }]), "{sent:?}");
    let deadline = Instant::now() + LIMIT;
    while !matches!(d.step(deadline, "the export").await, Response::Exported { .. }) {}
    let mut reader = csv::Reader::from_path(&path).expect("open the CSV");
    let read: BTreeMap<String, String> = reader
        .records()
        .map(|r| {
            let r = r.expect("a record");
            (r[0].to_string(), r[1].to_string())
        })
        .collect();
    assert_eq!(read, marked);

    drop(d);
    f.finish().await;
    std::fs::remove_dir_all(&dir).expect("remove the temp dir");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tui_import_of_a_small_file_ends_with_the_table_holding_its_wallets() {
    let dir = temp_dir("marks-import");
    let existing = ids(2);
    let mut f =
        ProxiedTable::start("marks_i_", existing.clone(), Timeouts::default(), Default::default())
            .await;
    let (raw, table) = (f.raw.clone(), f.table.clone());
    // Two new wallets, one of the table's with another balance, one identical.
    let (new1, new2) = (uuid::Uuid::new_v4().to_string(), uuid::Uuid::new_v4().to_string());
    let file = dir.join("wallets.csv");
    let csv = format!(
        "user_id,balance\n{new1},12345678901234567890123456789012345678\n{new2},-0.5\n{},7.77\n{},{}\n",
        existing[0].0, existing[1].0, existing[1].1
    );
    std::fs::write(&file, csv).expect("write the file");
    let mut d = loaded(&mut f).await;
    assert!(d.key('O').is_empty());
    d.paste(file.to_str().expect("UTF-8"));
    d.press(KeyCode::Tab);
    d.key(' '); // overwrite: yes
    let sent = d.press(KeyCode::Enter);
    assert!(matches!(sent.as_slice(), [Request::PlanImport { .. }]), "{sent:?}");
    let deadline = Instant::now() + LIMIT;
    while !matches!(d.step(deadline, "the plan").await, Response::ImportPlanned { .. }) {}
    let Modal::Batch(dialog) = d.app.modal() else { panic!("{:?}", d.app.modal()) };
    let rows: Vec<String> =
        dialog.form.fields.iter().map(|f| format!("{}: {}", f.label, f.value())).collect();
    assert!(rows.contains(&"New: 2".to_string()), "{rows:?}");
    assert!(rows.contains(&"Identical: 1".to_string()), "{rows:?}");
    let change = format!("  old → new: {}: balance {} → 7.77", existing[0].0, existing[0].1);
    assert!(rows.contains(&change), "{rows:?}");
    let sent = d.press(KeyCode::Enter);
    assert!(matches!(sent.as_slice(), [Request::Import { overwrite: true, .. }]), "{sent:?}");
    until_report(&mut d).await;
    let rows = report_rows(&d);
    assert!(rows.contains(&"Done 3 of 3 written".to_string()), "{rows:?}");

    let stored: BTreeMap<String, String> = support::scan_items(&raw, &table)
        .await
        .iter()
        .map(|item| {
            let id = item["user_id"].as_s().expect("a string").clone();
            (id, item["balance"].as_n().expect("a number").clone())
        })
        .collect();
    let expected: BTreeMap<String, String> = [
        (new1.clone(), "12345678901234567890123456789012345678".to_string()),
        (new2.clone(), "-0.5".to_string()),
        (existing[0].0.clone(), "7.77".to_string()),
        (existing[1].0.clone(), existing[1].1.clone()),
    ]
    .into();
    assert_eq!(stored, expected);
    // The list shows them too, without a rescan.
    for (id, balance) in &expected {
        let shown = d.app.list().find(&UserId::new(id)).and_then(|w| w.balance);
        assert_eq!(shown.map(|b| b.to_string()).as_deref(), Some(balance.as_str()), "{id}");
    }

    drop(d);
    f.finish().await;
    std::fs::remove_dir_all(&dir).expect("remove the temp dir");
}

/// `O`, `file`, Enter: the plan is refused; the form stays and the File field says why.
async fn import_refused(d: &mut Driver<'_>, file: &std::path::Path) -> String {
    d.key('O');
    d.paste(file.to_str().expect("UTF-8"));
    d.press(KeyCode::Enter);
    let deadline = Instant::now() + LIMIT;
    while !matches!(d.step(deadline, "the plan").await, Response::ImportPlanned { .. }) {}
    let Modal::Batch(dialog) = d.app.modal() else { panic!("{:?}", d.app.modal()) };
    assert!(matches!(dialog.step, BatchStep::ImportFile), "the form stays");
    let field = dialog.form.field("File");
    field.and_then(|f| f.error.clone()).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tui_import_of_a_file_with_a_bad_row_names_its_line_and_writes_nothing() {
    let dir = temp_dir("marks-import-bad");
    let mut f =
        ProxiedTable::start("marks_b_", ids(1), Timeouts::default(), Default::default()).await;
    let (raw, table) = (f.raw.clone(), f.table.clone());
    let before = support::scan_items(&raw, &table).await.len();
    let file = dir.join("wallets.jsonl");
    let good = uuid::Uuid::new_v4();
    let text = format!(
        "{{\"user_id\": \"{good}\", \"balance\": \"1.5\"}}\n{{\"user_id\": \"{}\", \"balance\": \
         \"twelve\"}}\n",
        uuid::Uuid::new_v4()
    );
    std::fs::write(&file, text).expect("write the file");
    let mut d = loaded(&mut f).await;
    // Said at the File field.
    let error = import_refused(&mut d, &file).await;
    assert!(error.contains("1 bad row in"), "{error}");
    assert!(error.contains(": line 2: "), "the line is named: {error}");
    assert!(!d.press(KeyCode::Esc).iter().any(|r| r.is_write()));
    assert_eq!(support::scan_items(&raw, &table).await.len(), before, "nothing written");

    drop(d);
    f.finish().await;
    std::fs::remove_dir_all(&dir).expect("remove the temp dir");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tui_import_of_a_pipe_is_refused_at_the_field_without_waiting_for_it() {
    let dir = temp_dir("marks-import-fifo");
    let mut f =
        ProxiedTable::start("marks_p_", ids(1), Timeouts::default(), Default::default()).await;
    let fifo = dir.join("wallets.jsonl");
    let path = std::ffi::CString::new(fifo.to_str().expect("UTF-8")).expect("no NUL");
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0, "mkfifo");
    // Held open for the whole test: were the pipe ever read, that read would end (at end of
    // file) when this is dropped, so a failure fails instead of hanging the runtime.
    let _held = std::fs::OpenOptions::new().read(true).write(true).open(&fifo).expect("open");
    let mut d = loaded(&mut f).await;
    // No writer ever opens the pipe: a read would wait forever, the refusal comes at once.
    let error = import_refused(&mut d, &fifo).await;
    assert!(error.contains("is not a regular file"), "{error}");

    drop(d);
    f.finish().await;
    std::fs::remove_dir_all(&dir).expect("remove the temp dir");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn esc_stops_a_paced_marked_delete_and_the_rest_stays() {
    let server = support::dynamodb_local().await;
    let raw = support::sdk_client(&server.endpoint());
    let table = support::unique_table("marks_stop_");
    // 1 WCU: half of it is one 2-WCU delete every 4 s.
    let billing = wallet_tui::table::BillingMode::Provisioned { read: 10, write: 1 };
    support::create_wallet_table(&raw, &table, &billing).await;
    support::put_wallets(&raw, &table, ids(10)).await;
    let client = support::AppClient::new(server.endpoint()).await;
    let mut worker = client.spawn_worker(WorkerOptions::default());
    let scan_spec =
        ScanSpec { segments: 1, page_limit: None, consistent: true, max_rcu_per_sec: None };
    let config = AppConfig { scan_spec, ..AppConfig::new(table.clone(), &client.endpoint_label) };
    let mut d = Driver::new(&mut worker, App::new(config, Instant::now()));
    d.update(Msg::Tick);
    d.run_scan_to_end(LIMIT).await;
    d.key('*');
    d.key('x');
    d.key('1');
    d.key('0');
    let sent = d.press(KeyCode::Enter);
    assert!(matches!(sent.as_slice(), [Request::WriteMany { writes, .. }] if writes.len() == 10));
    let deadline = Instant::now() + LIMIT;
    while !matches!(d.step(deadline, "the first delete").await, Response::ManyWritten { .. }) {}
    let stopped_at = Instant::now();
    assert_eq!(d.press(KeyCode::Esc), [Request::CancelMany]);
    until_report(&mut d).await;
    assert!(stopped_at.elapsed() < Duration::from_secs(10), "stopped at once");
    let left = support::scan_items(&raw, &table).await.len();
    assert!((7..=9).contains(&left), "{left} wallets left: the rest was not sent");
    let rows = report_rows(&d);
    let not_sent = rows.iter().find(|r| r.starts_with("Not sent ")).expect("said");
    assert!(not_sent.starts_with(&format!("Not sent {left} ")), "{rows:?}");
    assert_eq!(d.app.list().loaded(), left, "the list shows what is left");

    drop(d);
    worker.shutdown();
    support::delete_table(&raw, &table).await;
    server.stop().await;
}
