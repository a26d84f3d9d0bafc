//! The wallet forms end to end: a real [`App`] typing into its forms, driving the real
//! worker against a real DynamoDB Local (started by `support`) through the
//! request-counting proxy of `support::proxy`.
//!
//! - Bad input of every kind, typed or pasted into every wallet form, is refused at the
//!   field with a message, keeps what was typed, sends no request at all, and leaves the
//!   table exactly as it was.
//! - Journal and undo: edits are journaled, `u` takes the last one back, and refuses (writing
//!   nothing) once someone else has moved the balance on.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use wallet_tui::app::{App, AppConfig, Level, Modal};
use wallet_tui::journal::{self, Journal};
use wallet_tui::msg::{Msg, Request, Response, ScanSpec};
use wallet_tui::wallet::UserId;
use wallet_tui::worker::{Timeouts, WorkerHandle, WorkerOptions};

use crate::support;
use crate::support::driver::Driver;
use crate::support::fixture::ProxiedTable;

/// How long a phase (a scan, a write and its answer) may take.
const PHASE_LIMIT: Duration = Duration::from_secs(20);

/// The wallets every test starts with: (user_id, balance).
const WALLETS: [(&str, &str); 3] = [
    ("6c1f0c5e-2a8b-4d3e-9f10-7a6b5c4d3e2f", "100.10"),
    ("0b9e8d7c-6f5a-4e3d-8c2b-1a0f9e8d7c6b", "-0.5"),
    ("f4e3d2c1-b0a9-4876-9543-210fedcba987", "12345678901234567890123456789012345678"),
];

/// [`WALLETS`] behind the proxy (see [`ProxiedTable`]), the worker journaling to `journal`.
async fn start(prefix: &str, journal: Option<Journal>) -> ProxiedTable {
    let options = WorkerOptions { journal, ..WorkerOptions::default() };
    ProxiedTable::start(prefix, WALLETS, Timeouts::default(), options).await
}

/// The table's content, sorted by user_id, read with the raw client.
async fn content(f: &ProxiedTable) -> Vec<(String, Option<String>)> {
    let mut rows: Vec<_> = support::scan_items(&f.raw, &f.table)
        .await
        .iter()
        .map(|item| {
            let id = item["user_id"].as_s().expect("user_id is a string").clone();
            let balance = item.get("balance").map(|b| b.as_n().expect("a number").clone());
            (id, balance)
        })
        .collect();
    rows.sort();
    rows
}

/// An app on `table` that has described it and loaded every wallet, with the wallet `id`
/// selected.
async fn loaded_app<'w>(
    worker: &'w mut WorkerHandle,
    table: &str,
    endpoint_label: &str,
    id: &str,
) -> Driver<'w> {
    let scan_spec =
        ScanSpec { segments: 1, page_limit: None, consistent: true, max_rcu_per_sec: None };
    let config = AppConfig { scan_spec, ..AppConfig::new(table, endpoint_label) };
    let app = App::new(config, Instant::now());
    let mut d = Driver::new(worker, app);
    d.update(Msg::Tick);
    d.run_scan_to_end(PHASE_LIMIT).await;
    assert_eq!(d.app.list().loaded(), WALLETS.len());
    let position = d.app.list().position_of(&UserId::new(id)).expect("loaded");
    for _ in 0..position {
        d.key('j');
    }
    assert_eq!(d.app.selected_wallet().map(|w| w.user_id.to_text()).as_deref(), Some(id));
    d
}

/// The balance of `id` as the app's list shows it.
fn listed_balance(d: &Driver, id: &str) -> Option<String> {
    d.app.list().find(&UserId::new(id)).and_then(|w| w.balance).map(|b| b.to_string())
}

/// The open wallet form's messages: the form's own and every field's.
fn form_errors(d: &Driver) -> Vec<String> {
    let Modal::Wallet(dialog) = &d.app.modal() else {
        panic!("no wallet form: {:?}", d.app.modal())
    };
    dialog
        .form
        .error
        .iter()
        .chain(dialog.form.fields.iter().filter_map(|f| f.error.as_ref()))
        .cloned()
        .collect()
}

/// The open wallet form's value of `label`.
fn form_value(d: &Driver, label: &str) -> String {
    let Modal::Wallet(dialog) = &d.app.modal() else {
        panic!("no wallet form: {:?}", d.app.modal())
    };
    dialog.form.value(label).to_string()
}

/// Moves the focus of the open form to the field `label`.
fn focus(d: &mut Driver, label: &str) {
    for _ in 0..8 {
        let Modal::Wallet(dialog) = &d.app.modal() else { panic!("no wallet form") };
        if dialog.form.fields[dialog.form.focus].label == label {
            return;
        }
        d.press(KeyCode::Tab);
    }
    panic!("the form has no focusable field {label:?}");
}

/// Empties the focused field (its content is short: a pre-filled id or balance).
fn clear(d: &mut Driver) {
    d.press(KeyCode::End);
    for _ in 0..64 {
        d.press(KeyCode::Backspace);
    }
}

/// Which form a bad input goes to, opened by its key on the selected wallet.
#[derive(Debug, Clone, Copy)]
enum Form {
    Edit,
    Deposit,
    Withdraw,
    New,
    Get,
}

impl Form {
    fn key(self) -> char {
        match self {
            Form::Edit => 'e',
            Form::Deposit => '+',
            Form::Withdraw => '-',
            Form::New => 'n',
            Form::Get => 'f',
        }
    }
}

/// Every input here must be refused before any call: (form, field, text, how it arrives).
fn bad_inputs() -> Vec<(Form, &'static str, String)> {
    let mut cases: Vec<(Form, &'static str, String)> = [
        "abc",
        "1e400",
        "1e-400",
        "123456789012345678901234567890123456789",
        "NaN",
        "Infinity",
        "-inf",
        "1,000",
        "1 000",
        "--5",
        "+-5",
        "",
        "   ",
        "0x10",
        "1.2.3",
        "1e",
        "$5",
        "1_000",
        "12\u{7}",
        "٣",
    ]
    .into_iter()
    .map(|text| (Form::Edit, "New balance", text.to_string()))
    .collect();
    cases.push((Form::Edit, "New balance", "9".repeat(1_000_000)));
    cases.push((Form::Edit, "New balance", format!("{}x", "1".repeat(150))));
    cases.extend(
        ["0", "-5", "abc", "1e400", "0.000000000000000000000000000000000000001"]
            .into_iter()
            .map(|text| (Form::Deposit, "Amount", text.to_string())),
    );
    // The selected wallet holds 100.10: more would take it below zero.
    cases.extend(
        ["100.11", "1e3", ""].into_iter().map(|text| (Form::Withdraw, "Amount", text.to_string())),
    );
    cases.extend(
        ["", "   ", " padded", "a\u{1b}[2Jb", "line\nbreak"]
            .into_iter()
            .map(|text| (Form::New, "user_id", text.to_string())),
    );
    cases.push((Form::New, "user_id", "a".repeat(2049)));
    cases.push((Form::New, "user_id", "é".repeat(1025)));
    cases.push((Form::New, "Balance", "1,5".to_string()));
    cases.push((Form::New, "Balance", "12345678901234567890123456789012345678.9".to_string()));
    cases.extend(["", "\u{0}"].into_iter().map(|text| (Form::Get, "user_id", text.to_string())));
    cases
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_at_the_field_and_changes_nothing() {
    let mut f = start("edit_bad_", None).await;
    let before = content(&f).await;
    let cases = bad_inputs();
    let forwarded_before;
    assert!(cases.len() >= 20, "only {} bad inputs", cases.len());
    {
        // The 100.10 wallet is selected.
        let mut d = loaded_app(&mut f.worker, &f.table, &f.endpoint_label, WALLETS[0].0).await;
        // From here on, nothing but status polls may reach the endpoint.
        forwarded_before = f.proxy.forwarded().len();
        for (form, label, text) in &cases {
            let shown = format!("{form:?} {label} {:?}", text.chars().take(40).collect::<String>());
            assert!(d.key(form.key()).is_empty(), "{shown}: opening the form sent something");
            focus(&mut d, label);
            clear(&mut d);
            // Short inputs are typed key by key, long ones pasted as a terminal pastes.
            if text.chars().count() <= 64 && !text.contains('\n') {
                for c in text.chars() {
                    d.key(c);
                }
            } else {
                d.paste(text);
            }
            let sent = d.press(KeyCode::Enter);
            assert!(sent.is_empty(), "{shown}: sent {sent:?}");
            let errors = form_errors(&d);
            assert!(
                !errors.is_empty() && errors.iter().all(|e| !e.trim().is_empty()),
                "{shown}: no message"
            );
            assert!(errors.iter().all(|e| e.len() < 200), "{shown}: message too long: {errors:?}");
            assert_eq!(&form_value(&d, label), text, "{shown}: what was typed must stay");
            eprintln!("{shown}: {errors:?}");
            d.press(KeyCode::Esc);
            assert!(matches!(d.app.modal(), Modal::None), "{shown}: Esc closes the form");
        }
        assert!(
            d.sent.iter().all(|r| matches!(
                r,
                Request::ResolveWrites { .. }
                    | Request::DescribeTable { .. }
                    | Request::Scan { .. }
            )),
            "{:?}",
            d.sent
        );
    }
    // The app's own 15 s status poll may run during a slow test: anything else is a fault.
    let forwarded = f.proxy.forwarded();
    let sent: Vec<_> =
        forwarded[forwarded_before..].iter().filter(|t| !t.ends_with("DescribeTable")).collect();
    assert!(sent.is_empty(), "requests reached the endpoint: {sent:?}");
    assert_eq!(content(&f).await, before, "the table changed");
    f.finish().await;
}

fn temp_journal_path() -> PathBuf {
    std::env::temp_dir()
        .join(format!("wallet-tui-edit-{}", uuid::Uuid::new_v4().simple()))
        .join(journal::FILE_NAME)
}

/// Sends the open form's submit and steps the app until the write's answer arrives.
async fn submit_and_wait(d: &mut Driver<'_>) {
    let sent = d.press(KeyCode::Enter);
    assert!(matches!(sent.as_slice(), [Request::Write { .. }]), "expected one write: {sent:?}");
    wait_for_written(d).await;
}

async fn wait_for_written(d: &mut Driver<'_>) {
    let deadline = Instant::now() + PHASE_LIMIT;
    loop {
        if let Response::Written { .. } = d.step(deadline, "the write's answer").await {
            return;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_are_journaled_and_undo_takes_back_only_our_own_value() {
    let path = temp_journal_path();
    let journal = Journal::open(&path).unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    let mut f = start("edit_undo_", Some(journal)).await;
    let id = WALLETS[0].0;
    {
        let mut d = loaded_app(&mut f.worker, &f.table, &f.endpoint_label, id).await;

        // Set an absolute value: stored exactly, journaled, shown in place.
        d.key('e');
        clear(&mut d);
        for c in "250.50".chars() {
            d.key(c);
        }
        assert!(d.press(KeyCode::Enter).is_empty(), "asks first: old → new");
        submit_and_wait(&mut d).await;
        assert!(matches!(d.app.modal(), Modal::None), "the form closes: {:?}", d.app.status_line());
        assert_eq!(listed_balance(&d, id).as_deref(), Some("250.5"));

        // Undo puts the old value back.
        let sent = d.key('u');
        assert!(
            matches!(sent.as_slice(), [Request::Write { .. }]),
            "undo sends one write: {sent:?}"
        );
        wait_for_written(&mut d).await;
        assert_eq!(listed_balance(&d, id).as_deref(), Some("100.1"));
    }
    assert_eq!(f.stored_balance(id).await.as_deref(), Some("100.1"));
    let line = |op: &str, old: &str, new: &str| {
        (op.to_string(), id.to_string(), Some(old.to_string()), Some(new.to_string()))
    };
    assert_eq!(
        support::journal_lines(&path),
        [line("set", "100.1", "250.5"), line("undo", "250.5", "100.1")]
    );

    {
        let mut d = loaded_app(&mut f.worker, &f.table, &f.endpoint_label, id).await;
        d.key('+');
        for c in "5".chars() {
            d.key(c);
        }
        submit_and_wait(&mut d).await;
        assert_eq!(listed_balance(&d, id).as_deref(), Some("105.1"));

        // Someone else moves the balance on: our deposit can no longer be taken back.
        support::raw_add(&f.raw, &f.table, id, "1").await;
        let sent = d.key('u');
        assert!(matches!(sent.as_slice(), [Request::Write { .. }]), "{sent:?}");
        wait_for_written(&mut d).await;
        let line = d.app.status_line().cloned().expect("a status line");
        assert_eq!(line.level, Level::Error, "{line:?}");
        assert!(line.text.starts_with("undo refused"), "{line:?}");
        assert!(line.text.contains("106.1"), "the current balance is shown: {line:?}");
        assert_eq!(
            listed_balance(&d, id).as_deref(),
            Some("106.1"),
            "the list shows the current value"
        );
        assert!(d.key('u').is_empty(), "nothing more to undo");
    }
    assert_eq!(
        f.stored_balance(id).await.as_deref(),
        Some("106.1"),
        "the refused undo wrote nothing"
    );
    assert_eq!(
        journal::read_all(&path).expect("read the journal").len(),
        3,
        "a refused undo is not journaled"
    );
    f.finish().await;
    let dir = path.parent().expect("temp dir");
    std::fs::remove_dir_all(dir).unwrap_or_else(|e| panic!("remove {}: {e}", dir.display()));
}
