//! The real `App` and the real worker, wired together the way the main loop wires
//! them, against dynalite (which, unlike DynamoDB Local, keeps tables CREATING and
//! DELETING for a while). Keys go in as terminal events; the screen is rendered
//! into a `TestBackend` and read back as text.

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use wallet_tui::app::{App, AppConfig, Modal, TableState, fields};
use wallet_tui::msg::{Msg, Request, Response};
use wallet_tui::table::{BillingMode, CreateTableSpec, TableStatus};
use wallet_tui::worker::{WorkerHandle, WorkerOptions};

use crate::support;
use crate::support::AppClient;

/// How long dynalite keeps a table CREATING / UPDATING / DELETING.
const DYNALITE_DELAY_MS: u64 = 2000;
/// The loop's wake-up interval (the real loop uses 250 ms).
const TICK: Duration = Duration::from_millis(100);
/// How long any one phase (describe, create, delete) may take.
const PHASE_LIMIT: Duration = Duration::from_secs(15);
/// Wide enough for the status panel's two columns (badge and elapsed time unclipped) beside
/// the capacity panel, which takes 45% of the top row.
const SCREEN_WIDTH: u16 = 150;

/// The main loop in miniature: ticks and worker responses become messages for the
/// app, and the app's requests go to the worker.
struct Harness {
    app: App,
    worker: WorkerHandle,
    terminal: Terminal<TestBackend>,
    next_tick: tokio::time::Instant,
    /// Every change of the table state the app showed, in order: "unknown", "missing"
    /// or the table status.
    seen: Vec<String>,
    /// The status each DescribeTable answer reported ("missing" for no table), with how
    /// long the app had been showing a transient status when it arrived.
    described: Vec<(String, Option<Duration>)>,
}

impl Harness {
    /// The loop for `app` and `worker` on a fresh 30-row screen; the first tick is due at once.
    fn new(app: App, worker: WorkerHandle) -> Harness {
        Harness {
            app,
            worker,
            terminal: Terminal::new(TestBackend::new(SCREEN_WIDTH, 30))
                .expect("TestBackend terminal"),
            next_tick: tokio::time::Instant::now(),
            seen: Vec::new(),
            described: Vec::new(),
        }
    }

    /// Feeds one message to the app, sends the requests it returns to the worker and
    /// returns them for inspection.
    fn update(&mut self, msg: Msg) -> Vec<Request> {
        let jobs = self.app.update(Instant::now(), msg);
        let requests: Vec<Request> = jobs.iter().map(|job| job.request.clone()).collect();
        for job in jobs {
            support::send_job(&self.worker, job);
        }
        let state = state_label(self.app.table());
        if self.seen.last() != Some(&state) {
            self.seen.push(state);
        }
        requests
    }

    /// Waits for the next worker response or tick, whichever comes first, and handles it.
    async fn step(&mut self) {
        let msg = tokio::select! {
            response = self.worker.responses.recv() => {
                let reply = response.expect("the worker's response channel closed");
                if let Response::Described { result: Ok(info), .. } = &reply.response {
                    let status = info.as_ref().map_or("missing", |i| i.status.as_str());
                    let now = Instant::now();
                    let shown = self.app.session().transition().map(|t| now - t.since);
                    self.described.push((status.to_string(), shown));
                }
                Msg::Worker(reply)
            }
            () = tokio::time::sleep_until(self.next_tick) => {
                self.next_tick += TICK;
                Msg::Tick
            }
        };
        self.update(msg);
    }

    /// Runs the loop until `done` holds, calling `each` after every message; panics
    /// with the history so far if it takes longer than [`PHASE_LIMIT`].
    async fn run_until(
        &mut self,
        what: &str,
        mut done: impl FnMut(&Self) -> bool,
        mut each: impl FnMut(&mut Self),
    ) {
        let deadline = Instant::now() + PHASE_LIMIT;
        while !done(self) {
            assert!(
                Instant::now() < deadline,
                "{what}: not reached within {PHASE_LIMIT:?}; states seen {:?}, described {:?}, \
                 status line {:?}, describe error {:?}",
                self.seen,
                self.described,
                self.app.status_line(),
                self.app.describe_error(),
            );
            self.step().await;
            each(self);
        }
    }

    fn key(&mut self, code: KeyCode) -> Vec<Request> {
        self.update(support::key(code))
    }

    fn type_text(&mut self, text: &str) -> Vec<Request> {
        text.chars().flat_map(|c| self.key(KeyCode::Char(c))).collect()
    }

    /// Renders the app and returns the screen as text, one line per row.
    fn screen(&mut self) -> String {
        let app = &self.app;
        self.terminal
            .draw(|frame| wallet_tui::ui::render(app, frame))
            .expect("draw into TestBackend");
        let buffer = self.terminal.backend().buffer();
        let width = usize::from(buffer.area.width);
        buffer
            .content()
            .chunks(width)
            .map(|row| row.iter().map(|cell| cell.symbol()).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn table_status(&self) -> Option<&TableStatus> {
        match &self.app.table() {
            TableState::Present(info) => Some(&info.status),
            _ => None,
        }
    }
}

fn state_label(state: &TableState) -> String {
    match state {
        TableState::Unknown => "unknown".to_string(),
        TableState::Missing => "missing".to_string(),
        TableState::Present(info) => info.status.as_str().to_string(),
    }
}

fn has_status(app: &App, status: &TableStatus) -> bool {
    matches!(&app.table(), TableState::Present(info) if &info.status == status)
}

/// The screen row with the table's status badge.
fn status_row(screen: &str) -> &str {
    screen
        .lines()
        .find(|line| line.contains("Status "))
        .unwrap_or_else(|| panic!("no Status row on the screen:\n{screen}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_and_delete_show_live_status() {
    let started = Instant::now();
    let server = support::dynalite(DYNALITE_DELAY_MS).await;
    eprintln!("dynalite started in {:?}", started.elapsed());
    let app_client = AppClient::new(server.endpoint()).await;
    let worker = app_client.spawn_worker(WorkerOptions::default());
    let table = support::unique_table("sw_");
    let app = App::new(AppConfig::new(table.clone(), app_client.endpoint_label), Instant::now());
    let mut h = Harness::new(app, worker);

    // The table does not exist yet.
    h.run_until("table described as missing", |h| *h.app.table() == TableState::Missing, |_| {})
        .await;
    let screen = h.screen();
    assert!(screen.contains(&format!("table {table} does not exist")), "{screen}");
    assert!(screen.contains("press c to create it"), "{screen}");

    // c opens the create form; Enter submits its defaults (provisioned 1/1).
    h.key(KeyCode::Char('c'));
    assert!(
        matches!(h.app.modal(), Modal::CreateTable(_)),
        "c did not open the create form: {:?}; status line {:?}",
        h.app.modal(),
        h.app.status_line()
    );
    let sent = h.key(KeyCode::Enter);
    let expected = Request::CreateTable {
        spec: CreateTableSpec {
            name: table.clone(),
            billing: BillingMode::Provisioned { read: 1, write: 1 },
        },
    };
    assert!(sent.contains(&expected), "Enter sent {sent:?}");
    assert!(
        matches!(&h.app.modal(), Modal::CreateTable(form) if form.pending),
        "the form should wait for CreateTable: {:?}",
        h.app.modal()
    );

    // CREATING, with a running clock, then ACTIVE.
    let creating_since = Instant::now();
    let mut creating_screen = None;
    let mut longest_creating = Duration::ZERO;
    h.run_until(
        "table ACTIVE after CreateTable",
        |h| has_status(&h.app, &TableStatus::Active),
        |h| {
            if h.table_status() != Some(&TableStatus::Creating) {
                return;
            }
            let elapsed = h.app.transition_elapsed().expect("CREATING but no transition clock");
            longest_creating = longest_creating.max(elapsed);
            if elapsed >= Duration::from_secs(1) && creating_screen.is_none() {
                creating_screen = Some(h.screen());
            }
        },
    )
    .await;
    eprintln!(
        "ACTIVE {:?} after CreateTable; longest CREATING seen {longest_creating:?}",
        creating_since.elapsed()
    );
    assert!(
        h.seen.ends_with(&["CREATING".to_string(), "ACTIVE".to_string()]),
        "expected CREATING then ACTIVE, saw {:?}",
        h.seen
    );
    // The server itself still said CREATING after a second, not just the app's clock.
    assert!(
        h.described
            .iter()
            .any(|(s, shown)| s == "CREATING" && shown.is_some_and(|d| d >= Duration::from_secs(1))),
        "DescribeTable never reported CREATING after 1 s: {:?}",
        h.described
    );
    assert!(
        longest_creating >= Duration::from_secs(1),
        "CREATING was shown for only {longest_creating:?}"
    );
    assert!(matches!(h.app.modal(), Modal::None), "{:?}", h.app.modal());
    let screen = creating_screen.expect("no screen rendered while CREATING for ≥ 1 s");
    let row = status_row(&screen);
    assert!(
        row.contains("CREATING") && row.contains("for 1s"),
        "status row while CREATING: {row:?}\n{screen}"
    );
    let screen = h.screen();
    let row = status_row(&screen);
    assert!(
        row.contains("ACTIVE") && !row.contains(" for "),
        "status row once ACTIVE: {row:?}\n{screen}"
    );
    let TableState::Present(info) = &h.app.table() else { unreachable!("ACTIVE was checked") };
    assert_eq!(info.billing, BillingMode::Provisioned { read: 1, write: 1 });
    assert!(info.has_wallet_schema(), "{info:?}");
    let done = h.app.status_line().as_ref().map(|s| s.text.clone());
    assert!(
        done.as_deref().is_some_and(|t| t.contains("is ACTIVE (CREATING took")),
        "status line once ACTIVE: {done:?}"
    );

    // A wrong name in the delete form: nothing is sent, the form stays with an error.
    h.key(KeyCode::Char('D'));
    assert!(
        matches!(h.app.modal(), Modal::DeleteTable(_)),
        "D did not open the delete form: {:?}; status line {:?}",
        h.app.modal(),
        h.app.status_line()
    );
    let mut sent = h.type_text("not-the-table");
    sent.extend(h.key(KeyCode::Enter));
    assert!(!sent.iter().any(Request::is_write), "a wrong name sent {sent:?}");
    let Modal::DeleteTable(form) = &h.app.modal() else {
        panic!("the delete form closed after a wrong name: {:?}", h.app.modal());
    };
    assert!(!form.pending, "the form waits for a request never sent");
    let error = form.field(fields::CONFIRM).and_then(|f| f.error.clone());
    assert!(
        error.as_deref().is_some_and(|e| e.contains(&table)),
        "no error on the confirmation field: {error:?}"
    );
    let screen = h.screen();
    assert!(screen.contains("✗ type "), "{screen}");

    // Esc closes it; r describes again: the table is still there.
    h.key(KeyCode::Esc);
    assert!(matches!(h.app.modal(), Modal::None), "{:?}", h.app.modal());
    let answers = h.described.len();
    h.key(KeyCode::Char('r'));
    h.run_until("an answer to r", |h| h.described.len() > answers, |_| {}).await;
    let answer = h.described.get(answers).map(|(s, _)| s.as_str());
    assert_eq!(answer, Some("ACTIVE"), "{:?}", h.described);

    // D again, with the right name.
    h.key(KeyCode::Char('D'));
    assert!(matches!(h.app.modal(), Modal::DeleteTable(_)), "{:?}", h.app.modal());
    let mut sent = h.type_text(&table);
    sent.extend(h.key(KeyCode::Enter));
    let writes: Vec<_> = sent.iter().filter(|r| r.is_write()).collect();
    assert_eq!(writes, [&Request::DeleteTable { table: table.clone() }]);

    // DELETING, then gone.
    let deleting_since = Instant::now();
    let mut deleting_screen = None;
    h.run_until(
        "table missing after DeleteTable",
        |h| *h.app.table() == TableState::Missing,
        |h| {
            if h.table_status() == Some(&TableStatus::Deleting) && deleting_screen.is_none() {
                deleting_screen = Some(h.screen());
            }
        },
    )
    .await;
    eprintln!("gone {:?} after DeleteTable", deleting_since.elapsed());
    assert!(
        h.seen.ends_with(&["DELETING".to_string(), "missing".to_string()]),
        "expected DELETING then missing, saw {:?}",
        h.seen
    );
    assert!(
        h.described.iter().any(|(s, _)| s == "DELETING"),
        "DescribeTable never reported DELETING: {:?}",
        h.described
    );
    let screen = deleting_screen.expect("no screen rendered while DELETING");
    assert!(status_row(&screen).contains("DELETING"), "{screen}");
    let gone = h.app.status_line().as_ref().map(|s| s.text.clone());
    assert!(
        gone.as_deref().is_some_and(|t| t.contains("is gone (DELETING took")),
        "status line once deleted: {gone:?}"
    );
    assert!(h.screen().contains("does not exist"));

    eprintln!("states seen: {:?}", h.seen);
    eprintln!("described: {:?}", h.described);
    h.worker.shutdown();
    server.stop().await;
}

/// `t` changes the throughput: the panel shows UPDATING, with its elapsed time,
/// until dynalite reports ACTIVE again with the new capacity.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throughput_change_shows_updating_then_active() {
    let server = support::dynalite(DYNALITE_DELAY_MS).await;
    let worker = support::spawn_app_worker(server.endpoint(), WorkerOptions::default()).await;
    let table = support::unique_table("sw_");
    let app = App::new(AppConfig::new(table.clone(), "dynalite"), Instant::now());
    let mut h = Harness::new(app, worker);
    h.run_until("missing", |h| *h.app.table() == TableState::Missing, |_| {}).await;
    h.key(KeyCode::Char('c'));
    h.key(KeyCode::Enter);
    h.run_until("created", |h| has_status(&h.app, &TableStatus::Active), |_| {}).await;

    h.key(KeyCode::Char('t'));
    assert!(matches!(h.app.modal(), Modal::UpdateTable(_)), "t opened {:?}", h.app.modal());
    // Focus starts on billing; the RCU field is next. Replace 1 with 3.
    h.key(KeyCode::Tab);
    h.key(KeyCode::Backspace);
    h.type_text("3");
    let sent = h.key(KeyCode::Enter);
    let expected = Request::UpdateTable {
        table: table.clone(),
        billing: BillingMode::Provisioned { read: 3, write: 1 },
    };
    assert!(sent.contains(&expected), "Enter sent {sent:?}");

    let mut updating_for = Duration::ZERO;
    let mut updating_screen = None;
    h.run_until(
        "UPDATING then ACTIVE",
        |h| h.seen.contains(&"UPDATING".to_string()) && has_status(&h.app, &TableStatus::Active),
        |h| {
            if has_status(&h.app, &TableStatus::Updating) {
                let elapsed = h.app.transition_elapsed().unwrap_or_default();
                if elapsed >= Duration::from_secs(1) && updating_screen.is_none() {
                    updating_screen = Some(h.screen());
                }
                updating_for = updating_for.max(elapsed);
            }
        },
    )
    .await;
    let screen = updating_screen.expect("UPDATING was shown for at least a second");
    assert!(status_row(&screen).contains("UPDATING"), "{screen}");
    assert!(status_row(&screen).contains("for 1s"), "{screen}");
    assert!(updating_for >= Duration::from_secs(1), "UPDATING shown for {updating_for:?}");
    let TableState::Present(info) = &h.app.table() else { panic!("table gone") };
    assert_eq!(info.billing, BillingMode::Provisioned { read: 3, write: 1 });
    let seen = h.seen.clone();
    let updating = seen.iter().position(|s| s == "UPDATING").expect("UPDATING seen");
    assert_eq!(seen.last().map(String::as_str), Some("ACTIVE"), "{seen:?}");
    assert!(updating > 0, "{seen:?}");
    h.worker.shutdown();
    server.stop().await;
}
