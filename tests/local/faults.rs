//! Faults between the app and a real DynamoDB Local (started by `support`), injected by
//! the proxy of `support::proxy`: the app's own worker and client talk to the proxy,
//! a raw client checks what is really stored.
//!
//! - Endpoint down at start: the app says it cannot reach it, counts down to its next try,
//!   and recovers by itself once the endpoint answers.
//! - The network dies mid-scan: the list keeps what it has and `r` resumes each segment from
//!   its last evaluated key: every wallet exactly once.
//! - A slow endpoint: calls time out and the app says so.
//! - A write whose answers are all lost is sent again with the same token and applied once;
//!   a write cut before it reached the server stays "outcome unknown" and Enter sends the
//!   same write, which then applies once.

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use wallet_tui::app::{App, AppConfig, Modal, ScanOutcome, TableState};
use wallet_tui::error::ErrorKind;
use wallet_tui::journal::{self, Journal};
use wallet_tui::msg::{Request, ScanSpec};
use wallet_tui::table::TableStatus;
use wallet_tui::wallet::UserId;
use wallet_tui::worker::{Timeouts, WorkerOptions};

use crate::support;
use crate::support::driver::Driver;
use crate::support::fixture::ProxiedTable;

/// How long a phase (loading, recovering, a write and its read-back) may take.
const PHASE_LIMIT: Duration = Duration::from_secs(30);

/// `count` wallets behind the proxy (see [`ProxiedTable`]), and the wallets written, as
/// (user_id, balance).
async fn start(
    prefix: &str,
    count: usize,
    timeouts: Timeouts,
    options: WorkerOptions,
) -> (ProxiedTable, Vec<(String, String)>) {
    let wallets: Vec<(String, String)> = (0..count)
        .map(|i| (uuid::Uuid::new_v4().to_string(), format!("{i}.{:02}", i % 100)))
        .collect();
    let pairs = wallets.iter().map(|(id, b)| (id, b));
    (ProxiedTable::start(prefix, pairs, timeouts, options).await, wallets)
}

fn app(table: &str, endpoint_label: &str, spec: ScanSpec) -> App {
    App::new(AppConfig { scan_spec: spec, ..AppConfig::new(table, endpoint_label) }, Instant::now())
}

fn scan_complete(app: &App) -> bool {
    app.scan().is_some_and(|s| s.outcome == ScanOutcome::Complete)
}

/// Every wallet the app lists is one written, each once, with its exact balance.
fn check_list(app: &App, wallets: &[(String, String)]) {
    assert_eq!(app.list().loaded(), wallets.len());
    for (id, balance) in wallets {
        let listed = app.list().find(&UserId::new(id)).unwrap_or_else(|| panic!("{id} missing"));
        let shown = listed.balance.map(|b| b.to_string());
        let expected = wallet_tui::balance::Balance::parse(balance).expect("a balance").to_string();
        assert_eq!(shown, Some(expected), "{id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoint_down_at_start_is_said_counted_down_and_recovered_from() {
    let (mut f, wallets) =
        start("fault_down_", 30, Timeouts::default(), WorkerOptions::default()).await;
    f.proxy.refuse(true).await;
    let spec = ScanSpec { segments: 2, page_limit: None, consistent: false, max_rcu_per_sec: None };
    let mut d = Driver::new(&mut f.worker, app(&f.table, &f.endpoint_label, spec));
    d.tick_until(PHASE_LIMIT, "the first describe to fail", |app| app.describe_error().is_some())
        .await;
    let error = d.app.describe_error().cloned().expect("checked");
    assert_eq!(error.kind, ErrorKind::Unreachable, "{error:?}");
    assert!(matches!(d.app.table(), TableState::Unknown), "{:?}", d.app.table());
    let retry = d.app.next_describe().expect("a retry is planned");
    let wait = retry.saturating_duration_since(Instant::now());
    assert!(wait > Duration::from_millis(500), "backs off: next try in {wait:?}");

    // What the user sees: where it cannot reach, and when it tries again.
    let backend = draw(&d.app);
    assert!(backend.contains(&format!("cannot reach {}", f.endpoint_label)), "{backend}");
    assert!(backend.contains("retrying in "), "{backend}");

    // The endpoint comes back: the app recovers without a key press.
    f.proxy.refuse(false).await;
    d.tick_until(PHASE_LIMIT, "recovery", scan_complete).await;
    assert!(d.app.describe_error().is_none());
    assert!(
        matches!(&d.app.table(), TableState::Present(info) if info.status == TableStatus::Active)
    );
    check_list(&d.app, &wallets);
    drop(d);
    f.finish().await;
}

/// The whole screen as text, at a comfortable size.
fn draw(app: &App) -> String {
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 30)).expect("terminal");
    terminal.draw(|frame| wallet_tui::ui::render(app, frame)).expect("draw");
    terminal.backend().buffer().content().iter().map(|c| c.symbol()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scan_cut_mid_way_resumes_with_every_wallet_exactly_once() {
    let (mut f, wallets) =
        start("fault_scan_", 400, Timeouts::default(), WorkerOptions::default()).await;
    // 4 segments of about 5 pages of 20: the network dies after the 6th page, mid-scan.
    f.proxy.cut_after("Scan", 6);
    let spec =
        ScanSpec { segments: 4, page_limit: Some(20), consistent: false, max_rcu_per_sec: None };
    let mut d = Driver::new(&mut f.worker, app(&f.table, &f.endpoint_label, spec));
    d.tick_until(PHASE_LIMIT, "the scan to fail", |app| {
        app.scan().is_some_and(|s| matches!(s.outcome, ScanOutcome::Failed(_)))
    })
    .await;
    let stopped = d.app.scan().cloned().expect("a scan");
    let kept = d.app.list().loaded();
    assert!(kept > 0 && kept <= 6 * 20, "cut after 6 pages: {kept} loaded");
    let line = d.app.status_line().cloned().expect("said").text;
    let counted = wallet_tui::text::count(kept, "wallet");
    assert!(line.contains(&format!("with {counted} loaded")), "{line}");
    assert!(line.starts_with("scan stopped with "), "{line}");
    assert!(line.contains("; r resumes where each segment stopped ("), "{line}");
    eprintln!("stopped: {line}");

    // Later pages of the failed scan (if any) are not taken; r goes on where it stopped.
    f.proxy.heal();
    let sent = d.key('r');
    let resumed = sent.iter().find_map(|r| match r {
        Request::Scan { id, from, .. } => Some((*id, from.clone())),
        _ => None,
    });
    let (id, from) = resumed.unwrap_or_else(|| panic!("r sent no scan: {sent:?}"));
    assert!(id > stopped.id);
    assert_eq!(from, stopped.cursors, "each segment resumes where it stopped");
    assert_eq!(d.app.list().loaded(), kept, "what was loaded stays");
    d.tick_until(PHASE_LIMIT, "the resumed scan", scan_complete).await;

    // Every wallet exactly once: the pages taken read as many items as the table holds.
    let scan = d.app.scan().cloned().expect("a scan");
    assert_eq!(scan.scanned, wallets.len() as u64, "items read by the pages taken");
    check_list(&d.app, &wallets);
    drop(d);
    f.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_endpoint_times_out_and_the_app_says_so() {
    let timeouts = Timeouts {
        connect: Duration::from_secs(1),
        attempt: Duration::from_millis(500),
        operation: Duration::from_millis(1200),
    };
    let (mut f, wallets) = start("fault_slow_", 3, timeouts, WorkerOptions::default()).await;
    f.proxy.delay(Duration::from_secs(3));
    let spec = ScanSpec { segments: 1, page_limit: None, consistent: false, max_rcu_per_sec: None };
    let mut d = Driver::new(&mut f.worker, app(&f.table, &f.endpoint_label, spec));
    let started = Instant::now();
    d.tick_until(PHASE_LIMIT, "the describe to time out", |app| app.describe_error().is_some())
        .await;
    let took = started.elapsed();
    let error = d.app.describe_error().cloned().expect("checked");
    assert_eq!(error.kind, ErrorKind::Timeout, "{error:?}");
    assert!(took < Duration::from_secs(3), "gave up after {took:?}, not at its timeout");
    let screen = draw(&d.app);
    assert!(screen.contains("does not answer in time"), "{screen}");
    assert!(screen.contains("the call timed out"), "{screen}");

    f.proxy.delay(Duration::ZERO);
    d.tick_until(PHASE_LIMIT, "recovery", scan_complete).await;
    check_list(&d.app, &wallets);
    drop(d);
    f.finish().await;
}

/// Opens the deposit form on the selected wallet, types `amount` and submits it.
fn deposit(d: &mut Driver, amount: &str) -> Vec<Request> {
    d.key('+');
    for c in amount.chars() {
        d.key(c);
    }
    d.press(KeyCode::Enter)
}

async fn loaded(d: &mut Driver<'_>) {
    d.tick_until(PHASE_LIMIT, "the first scan", scan_complete).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deposit_whose_answers_are_all_lost_is_sent_again_and_applied_once() {
    let path = std::env::temp_dir()
        .join(format!("wallet-tui-faults-{}", uuid::Uuid::new_v4().simple()))
        .join(journal::FILE_NAME);
    let journal = Journal::open(&path).expect("a journal");
    let options = WorkerOptions { journal: Some(journal), ..WorkerOptions::default() };
    let (mut f, wallets) = start("fault_lost_", 1, Timeouts::default(), options).await;
    let (id, balance) = wallets[0].clone();
    let spec = ScanSpec { segments: 1, page_limit: None, consistent: true, max_rcu_per_sec: None };
    let mut d = Driver::new(&mut f.worker, app(&f.table, &f.endpoint_label, spec));
    loaded(&mut d).await;

    // Every attempt the SDK makes is answered by DynamoDB, and every answer lost.
    for _ in 0..3 {
        f.proxy.drop_next_response();
    }
    let sent = deposit(&mut d, "5");
    assert!(matches!(sent.as_slice(), [Request::Write { .. }]), "{sent:?}");
    d.tick_until(PHASE_LIMIT, "the deposit's outcome", |app| matches!(app.modal(), Modal::None))
        .await;
    let line = d.app.status_line().cloned().expect("said").text;
    assert!(
        line.contains("confirmed by sending it again with the same token: applied once"),
        "{line}"
    );
    assert_eq!(f.proxy.pending_drops(), 0);
    let targets = f.proxy.forwarded();
    let sends = targets.iter().filter(|t| t.contains("TransactWriteItems")).count();
    assert_eq!(sends, 4, "the SDK's three attempts, then the same request once more: {targets:?}");

    assert_eq!(balance, "0.00");
    let stored = support::stored_balance(&f.raw, &f.table, &id).await;
    assert_eq!(stored.as_deref(), Some("5"), "0.00 + 5, applied exactly once");
    assert_eq!(
        d.app.list().find(&UserId::new(&id)).and_then(|w| w.balance).map(|b| b.to_string()),
        Some("5".into())
    );
    let entries = journal::read_all(&path).expect("journal");
    assert_eq!(entries.len(), 1, "journaled once: {entries:?}");
    assert_eq!((entries[0].old.as_deref(), entries[0].new.as_deref()), (Some("0"), Some("5")));
    let lines = journal::read_lines(&path).expect("journal");
    assert!(matches!(lines[0], journal::Line::Intent(_)), "the intent first: {lines:?}");
    assert!(journal::read_open_intents(&path).expect("journal").is_empty(), "{lines:?}");
    drop(d);
    f.finish().await;
    std::fs::remove_dir_all(path.parent().expect("dir")).expect("remove the journal");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deposit_cut_before_the_server_stays_unknown_and_enter_sends_the_same_write() {
    let (mut f, wallets) =
        start("fault_cut_", 1, Timeouts::default(), WorkerOptions::default()).await;
    let id = wallets[0].0.clone();
    let spec = ScanSpec { segments: 1, page_limit: None, consistent: true, max_rcu_per_sec: None };
    let mut d = Driver::new(&mut f.worker, app(&f.table, &f.endpoint_label, spec));
    loaded(&mut d).await;

    f.proxy.cut("TransactWriteItems");
    let sent = deposit(&mut d, "2.50");
    let [Request::Write { write: first, .. }] = sent.as_slice() else { panic!("{sent:?}") };
    let first = first.clone();
    let settled = |app: &App| matches!(&app.modal(), Modal::Wallet(w) if !w.form.pending);
    d.tick_until(PHASE_LIMIT, "the deposit's outcome", settled).await;
    let Modal::Wallet(dialog) = &d.app.modal() else { unreachable!() };
    let error = dialog.form.error.clone().expect("said at the form");
    assert!(error.starts_with("outcome unknown (cannot reach the endpoint"), "{error}");
    assert!(error.contains("Enter sends the same write again"), "{error}");
    assert_eq!(f.proxy.count_requests_with("TransactWriteItems"), 0, "nothing reached the server");
    assert_eq!(support::stored_balance(&f.raw, &f.table, &id).await.as_deref(), Some("0"));

    // The network is back: Enter sends the same write (same token), which applies once.
    f.proxy.heal();
    let sent = d.press(KeyCode::Enter);
    assert!(
        matches!(sent.as_slice(), [Request::Write { write, .. }] if *write == first),
        "{sent:?}"
    );
    d.tick_until(PHASE_LIMIT, "the second try", |app| matches!(app.modal(), Modal::None)).await;
    assert_eq!(f.proxy.count_requests_with("TransactWriteItems"), 1);
    assert_eq!(support::stored_balance(&f.raw, &f.table, &id).await.as_deref(), Some("2.5"));
    drop(d);
    f.finish().await;
}

/// The endpoint goes down after the table was described: the status panel keeps the last
/// status, marked stale with its age and never as a plain live badge, with what fails; once
/// the endpoint answers, the status is live again and the "cannot reach" line is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_not_refreshed_is_stale_until_the_endpoint_answers_again() {
    let (mut f, _) = start("fault_stale_", 3, Timeouts::default(), WorkerOptions::default()).await;
    let spec = ScanSpec { segments: 1, page_limit: None, consistent: true, max_rcu_per_sec: None };
    let mut d = Driver::new(&mut f.worker, app(&f.table, &f.endpoint_label, spec));
    loaded(&mut d).await;
    f.proxy.refuse(true).await;
    d.key('r');
    d.tick_until(PHASE_LIMIT, "the describe to fail", |app| app.describe_error().is_some()).await;
    let screen = draw(&d.app);
    assert!(screen.contains("ACTIVE?  stale, "), "{screen}");
    assert!(screen.contains("Poll    cannot reach · retry "), "{screen}");
    assert!(!screen.contains("has no wallets"), "a failed scan is no empty table: {screen}");
    assert!(d.app.status_age().is_some());

    f.proxy.refuse(false).await;
    d.key('r');
    d.tick_until(PHASE_LIMIT, "recovery", |app| app.describe_error().is_none()).await;
    d.tick_until(PHASE_LIMIT, "the rescan", scan_complete).await;
    let screen = draw(&d.app);
    assert!(!screen.contains("ACTIVE?") && !screen.contains(" stale, "), "{screen}");
    assert!(!screen.contains("resuming") && !screen.contains("scan stopped"), "{screen}");
    assert!(!screen.contains("cannot reach"), "no line that no longer holds: {screen}");
    drop(d);
    f.finish().await;
}
