//! The application state and its one update function. No IO, no clocks, no
//! ratatui: every behaviour is a plain function of (state, message, now).

use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers};

use crate::error::ApiError;
use crate::form::{Field, Form, FormOutcome, paste_into};
use crate::keymap::{Action, Keymap};
use crate::list::WalletList;
use crate::msg::{Job, LocalEvent, Msg, Reply, Request, Response, ScanSpec, SessionId, Viewport};
use crate::table::{BillingMode, CreateTableSpec, TableInfo, TableStatus};
use crate::target::{Identity, Target, WriteMode};
use crate::theme::Theme;
use crate::usage::Usage;

mod batch;
mod bounded;
mod browse;
mod clipboard;
mod edit;
mod export;
mod guard;
mod indexes;
mod live;
mod marks;
mod query;
mod scan;
mod schema;
mod session;
mod tables;
mod throughput;

pub use batch::{Batch, BatchDialog, BatchStep};
pub use bounded::{BoundChoice, BoundPrompt, duration};
pub use browse::{DetailView, Pane};
pub use clipboard::{ClipboardCopy, osc52};
pub use edit::{UndoEntry, WalletAction, WalletDialog, check_user_id, new_balance};
pub use guard::ConfirmTarget;
pub use indexes::{IndexDialog, IndexWatch, labels as index_labels};
pub use live::{FeedEntry, Live, LiveStatus};
pub use query::QueryView;
pub use scan::{ScanBudget, ScanOutcome, ScanState};
pub use session::TableSession;
pub use tables::TablePicker;

/// How often DescribeTable runs while something is changing.
pub const FAST_POLL: Duration = Duration::from_secs(1);
/// How often DescribeTable runs while the table is stable (or missing).
pub const SLOW_POLL: Duration = Duration::from_secs(15);
/// Lines of DynamoDB Local start-up progress kept for display.
const PROGRESS_LINES: usize = 6;

/// Whether the backend can be called yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    /// The embedded DynamoDB Local is being installed or started; recent progress lines.
    Starting(Vec<String>),
    /// Calls can be made.
    Ready,
    /// DynamoDB Local could not be provided; the message says why.
    Failed(String),
}

/// What is known about the table.
// One value per app, never in a collection: boxing would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableState {
    /// Not described yet (or the last attempt failed before any answer).
    Unknown,
    /// DescribeTable said ResourceNotFound.
    Missing,
    /// The last description.
    Present(TableInfo),
}

/// A transient status and when it was first seen, for the elapsed-time display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub status: TableStatus,
    pub since: Instant,
}

/// Severity of the status-line message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    /// Works, but the user should know (plain HTTP to another host, a file made private).
    Warning,
    Error,
}

/// The message at the bottom of the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusLine {
    pub level: Level,
    pub text: String,
}

/// The dialog on top of the panels, if any.
#[derive(Debug, Clone)]
pub enum Modal {
    None,
    /// The key list generated from the keymap.
    Help,
    /// Create the wallet table: billing mode and capacity.
    CreateTable(Form),
    /// Delete the table: the user must type its name.
    DeleteTable(Form),
    /// Get, put, edit, deposit, withdraw or delete one wallet.
    Wallet(WalletDialog),
    /// Change the table's throughput or billing mode.
    UpdateTable(Form),
    /// Export the wallets in view to a file.
    Export(Form),
    /// Choose another table.
    Tables(TablePicker),
    /// Enable the table's stream: the user must type its name.
    EnableStream(Form),
    /// The activity feed; the selected entry.
    Feed(usize),
    /// A protected target: type the table name before this session's first write.
    ConfirmTarget(ConfirmTarget),
    /// Query the table or one of its indexes.
    Query(Form),
    /// The index view, or the form creating or deleting an index.
    Index(IndexDialog),
    /// The table holds more wallets than the list may: continue, figures only, or stop.
    Bound(BoundPrompt),
    /// The whole-table figures of the scan; the first line shown (it scrolls).
    Figures(usize),
    /// Many writes at once: delete the marked wallets, import a file, and their report.
    Batch(BatchDialog),
}

/// Field labels, shared by the forms and their validation.
pub mod fields {
    pub const TABLE: &str = "Table";
    pub const KEY: &str = "Key";
    pub const BILLING: &str = "Billing";
    pub const RCU: &str = "Read capacity (RCU)";
    pub const WCU: &str = "Write capacity (WCU)";
    pub const CONFIRM: &str = "Type the table name";
    pub const CONFIRM_TARGET: &str = "Table name";
    pub const DECREASES: &str = "Decreases";
    pub const INDEXES: &str = "Indexes";
}

const BILLING_PROVISIONED: &str = "provisioned";
const BILLING_ON_DEMAND: &str = "on-demand";
/// Wallets `S` writes on DynamoDB Local.
pub const DEMO_WALLETS: u64 = 1000;

/// Everything `App` is built from: the command line and config file, read once by the binary.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// The table to look after first.
    pub table: String,
    /// Where calls go, e.g. "DynamoDB Local http://127.0.0.1:8000".
    pub endpoint_label: String,
    /// False while an embedded DynamoDB Local starts: nothing is called until it is ready.
    pub ready: bool,
    /// Refuse every write (`--read-only`).
    pub read_only: bool,
    /// The write mode at start (protected targets, `--allow-writes`); the worker's account
    /// lookup may change it ([`Response::Identified`]). `--read-only` wins over it.
    pub write_mode: WriteMode,
    /// Where calls go, for the title bar (`None`: it shows `endpoint_label`).
    pub target: Option<Target>,
    /// Ask the worker who the calls are made as, once connected ([`Request::Identify`]):
    /// the binary does; off by default so tests see only the requests they are about.
    pub identify: bool,
    pub keymap: Keymap,
    pub theme: Theme,
    /// How scans read the table (from the command line).
    pub scan_spec: ScanSpec,
    /// How fast scans may read (from the command line); unpaced by default.
    pub scan_budget: ScanBudget,
    /// Withdrawals may take a balance below zero (`--allow-negative`).
    pub allow_negative: bool,
    /// The attribute holding a wallet's currency (`--currency-attribute`, config
    /// `currency_attribute`; default `currency`).
    pub currency_attribute: String,
    /// Where tables live for these credentials, shown when the table picker finds none
    /// (e.g. "DynamoDB Local: access key wallettui, region us-east-1").
    pub namespace: String,
    /// The endpoint is the embedded DynamoDB Local (`--local`): demo data may be offered.
    pub local: bool,
    /// With `--local`, the port DynamoDB Local listens on (on every interface: it has no
    /// bind-address option), named in the status panel.
    pub local_port: Option<u16>,
    /// How long quitting waits for a write in flight to be answered (its two sends, from
    /// `--call-timeout`).
    pub write_wait: Duration,
    /// Things found at start that the user should know (plain HTTP to another host, a file
    /// that was readable by others): the first status line says them.
    pub warnings: Vec<String>,
    /// Tail the table's DynamoDB Stream into the list (the binary: always; off in
    /// `AppConfig::new` so that state tests see only the calls they are about).
    pub watch_stream: bool,
    /// The most wallets the list holds (`--max-wallets`): past it a scan goes on for the
    /// whole-table figures only. `None`: no bound and no figures (`AppConfig::new`).
    pub max_wallets: Option<u64>,
}

impl AppConfig {
    /// The defaults of the binary for `table` at `endpoint_label`, ready to call.
    pub fn new(table: impl Into<String>, endpoint_label: impl Into<String>) -> Self {
        AppConfig {
            table: table.into(),
            endpoint_label: endpoint_label.into(),
            ready: true,
            read_only: false,
            write_mode: WriteMode::Writable,
            target: None,
            identify: false,
            keymap: Keymap::default_keymap(),
            theme: Theme::default(),
            scan_spec: ScanSpec {
                segments: 4,
                page_limit: Some(1000),
                consistent: false,
                max_rcu_per_sec: None,
            },
            scan_budget: ScanBudget::default(),
            allow_negative: false,
            currency_attribute: crate::wallet::CURRENCY.to_string(),
            namespace: String::new(),
            local: false,
            local_port: None,
            write_wait: Duration::from_secs(26),
            warnings: Vec::new(),
            watch_stream: false,
            max_wallets: None,
        }
    }
}

/// The single owner of state: what the user chose at start ([`AppConfig`]), what is on
/// screen, and one [`TableSession`] for the table being looked after. Read by `ui` through
/// accessors; changed only by [`App::update`].
#[derive(Debug, Clone)]
pub struct App {
    config: AppConfig,
    connection: Connection,
    status_line: Option<StatusLine>,
    modal: Modal,
    /// First row of the help overlay shown (it scrolls when the screen is small).
    help_scroll: usize,
    /// The time of the message being handled; rendering measures elapsed time from it.
    now: Instant,
    should_quit: bool,
    /// Quitting once the write in flight is answered, or at this deadline.
    quitting: Option<Instant>,
    /// Which pane arrow keys move.
    focus: Pane,
    detail_view: DetailView,
    /// Screen geometry the last frame used, for paging and mouse hits.
    viewport: Viewport,
    /// What this run's calls consumed, for the capacity panel.
    usage: Usage,
    /// Warnings of the start (the config's, then the local server's), repeated with the
    /// "connected" line that would otherwise replace them.
    warnings: Vec<String>,
    /// The status line a failed DescribeTable set: replaced once a describe succeeds, if it
    /// is still shown.
    describe_line: String,
    /// The status line a scan that stopped (or resumed) set: replaced once a scan completes,
    /// if it is still shown.
    scan_line: String,
    /// The latest clipboard copy asked for (`y` / `Y`); the loop sends it to the terminal.
    clipboard: Option<ClipboardCopy>,
    /// The table being looked after; replaced whole when the user switches tables.
    session: TableSession,
    next_session: SessionId,
    next_scan_id: u64,
    /// Which writes may be sent; see [`AppConfig::write_mode`].
    write_mode: WriteMode,
    /// Who the calls are made as, once the worker has looked it up.
    identity: Option<Identity>,
    /// [`Request::Identify`] was sent.
    identify_sent: bool,
}

impl App {
    /// A new app for `config.table`, at `now`.
    pub fn new(config: AppConfig, now: Instant) -> Self {
        let ready = config.ready;
        let mut session = TableSession::new(1, config.table.clone(), now, ready.then_some(now));
        session.list = WalletList::with_currency_attribute(&config.currency_attribute);
        let warnings = config.warnings.clone();
        let status_line = (!warnings.is_empty())
            .then(|| StatusLine { level: Level::Warning, text: warnings.join(" · ") });
        App {
            connection: if ready { Connection::Ready } else { Connection::Starting(Vec::new()) },
            status_line,
            warnings,
            modal: Modal::None,
            help_scroll: 0,
            now,
            should_quit: false,
            quitting: None,
            focus: Pane::List,
            detail_view: DetailView::Attributes,
            viewport: Viewport::default(),
            usage: Usage::new(now),
            describe_line: String::new(),
            scan_line: String::new(),
            clipboard: None,
            session,
            next_session: 2,
            next_scan_id: 1,
            write_mode: config.write_mode.clone(),
            identity: None,
            identify_sent: false,
            config,
        }
    }

    /// Handles one message and returns the calls to make, each tagged with the session
    /// that is current when the message has been handled. (A switch of table makes only one
    /// request for the old session, the cancel of its scan, which nothing answers.)
    pub fn update(&mut self, now: Instant, msg: Msg) -> Vec<Job> {
        self.now = now;
        let mut requests = match msg {
            Msg::Term(event) => self.handle_event(&event),
            Msg::Tick => {
                self.settle_list();
                self.live_tick();
                if self.quitting.is_some_and(|deadline| deadline <= now) {
                    self.should_quit = true;
                }
                Vec::new()
            }
            Msg::Shutdown => self.quit(),
            Msg::Worker(reply) => self.handle_reply(reply),
            Msg::CallStats(stats) => {
                self.usage.set_call_stats(stats.retries, stats.throttled);
                Vec::new()
            }
            Msg::Resized(viewport) => {
                self.viewport = viewport;
                Vec::new()
            }
            Msg::Local(event) => {
                self.handle_local(event);
                Vec::new()
            }
        };
        requests.extend(self.due_identify());
        requests.extend(self.due_resolve());
        requests.extend(self.due_describe());
        requests.extend(self.due_tail());
        requests.extend(self.due_scan());
        requests.extend(self.due_fetch());
        let session = self.session.id;
        requests.into_iter().map(|request| Job { session, request }).collect()
    }

    /// [`App::update`] for tests that look only at the requests, not their sessions.
    #[cfg(test)]
    pub(crate) fn step(&mut self, now: Instant, msg: Msg) -> Vec<Request> {
        self.update(now, msg).into_iter().map(|job| job.request).collect()
    }

    /// Test set-up for render snapshots: no status line.
    #[cfg(test)]
    pub(crate) fn clear_status_line(&mut self) {
        self.status_line = None;
    }

    /// Test set-up for render snapshots: another theme.
    #[cfg(test)]
    pub(crate) fn set_theme(&mut self, theme: Theme) {
        self.config.theme = theme;
    }

    /// Every answer's cost is counted (it was consumed whatever the session); only those of
    /// the current session change anything else. This is the one place stale answers go.
    fn handle_reply(&mut self, reply: Reply) -> Vec<Request> {
        self.usage.record_table_call(self.now, &reply.response);
        if let Response::ScanPage(page) = &reply.response {
            self.usage.record_scan_page(self.now, page, self.config.scan_spec.consistent);
        }
        if let Response::QueryPage(page) = &reply.response {
            self.usage.record_query_page(self.now, page);
        }
        // About the run, not a table: whatever session asked.
        if let Response::Identified { identity, mode } = reply.response {
            self.complete_identify(identity, mode);
            return Vec::new();
        }
        if reply.session != self.session.id {
            tracing::debug!(session = reply.session, "answer of an earlier table session dropped");
            return Vec::new();
        }
        self.handle_response(reply.response)
    }

    /// When the next poll is due, if one is scheduled (for the loop's timer).
    pub fn next_describe(&self) -> Option<Instant> {
        self.session.next_describe
    }

    /// Elapsed time in the current transient status.
    pub fn transition_elapsed(&self) -> Option<Duration> {
        self.session.transition.as_ref().map(|t| self.now.saturating_duration_since(t.since))
    }

    /// At a session's start: settle the writes left open on its table, once connected.
    fn due_resolve(&mut self) -> Option<Request> {
        if self.session.resolve_sent || self.connection != Connection::Ready {
            return None;
        }
        self.session.resolve_sent = true;
        Some(Request::ResolveWrites { table: self.session.name.clone() })
    }

    /// `q`, Ctrl-C, SIGTERM: quit, but with a write in flight wait for its answer (up to the
    /// call timeout) so its outcome is known and journaled; asked again, quit at once (the
    /// write stays open in the journal and the next start settles it). A batch (import,
    /// marked delete) is stopped as by Esc: no further write is sent, those in flight end.
    fn quit(&mut self) -> Vec<Request> {
        if self.session.write_started.is_none() || self.quitting.is_some() {
            self.should_quit = true;
            return Vec::new();
        }
        self.quitting = Some(self.now + self.config.write_wait);
        if let Some(what) = self.session.batch.as_ref().map(|b| b.what) {
            let stop = self.stop_batch();
            self.info(format!(
                "{what}: stopping to quit; the writes in flight end, no other is sent (q again \
                 quits now; the next start settles them)"
            ));
            return stop.into_iter().collect();
        }
        self.info("finishing 1 write… (q again quits now; the next start settles it)");
        Vec::new()
    }

    fn due_describe(&mut self) -> Option<Request> {
        let due = self.session.next_describe.is_some_and(|at| at <= self.now);
        if !due || self.session.describe_in_flight || self.connection != Connection::Ready {
            return None;
        }
        self.session.describe_in_flight = true;
        self.session.next_describe = None;
        Some(Request::DescribeTable { table: self.session.name.clone() })
    }

    fn poll_soon(&mut self) {
        self.session.next_describe = Some(self.now);
    }

    /// A write changed the table: a describe already in flight may predate it.
    fn table_changed(&mut self) {
        self.session.describe_outdated = self.session.describe_in_flight;
        self.poll_soon();
    }

    fn info(&mut self, text: impl Into<String>) {
        self.status_line = Some(StatusLine { level: Level::Info, text: text.into() });
    }

    fn error(&mut self, text: impl Into<String>) {
        self.status_line = Some(StatusLine { level: Level::Error, text: text.into() });
    }

    fn handle_local(&mut self, event: LocalEvent) {
        match event {
            LocalEvent::Progress(line) => {
                if let Connection::Starting(lines) = &mut self.connection {
                    lines.push(line);
                    let excess = lines.len().saturating_sub(PROGRESS_LINES);
                    lines.drain(..excess);
                }
            }
            LocalEvent::Warning(text) => {
                self.warnings.push(text);
                self.status_line =
                    Some(StatusLine { level: Level::Warning, text: self.warnings.join(" · ") });
            }
            LocalEvent::Ready => {
                self.connection = Connection::Ready;
                self.connected();
                self.poll_soon();
            }
            LocalEvent::Failed(why) => {
                self.error(format!("DynamoDB Local: {why}"));
                self.connection = Connection::Failed(why);
            }
        }
    }

    /// "connected to …", or rather the start's warnings, which it would otherwise replace
    /// (the title bar names the endpoint anyway).
    fn connected(&mut self) {
        self.status_line = Some(if self.warnings.is_empty() {
            let text = format!("connected to {}", self.config.endpoint_label);
            StatusLine { level: Level::Info, text }
        } else {
            StatusLine { level: Level::Warning, text: self.warnings.join(" · ") }
        });
    }

    fn handle_event(&mut self, event: &Event) -> Vec<Request> {
        let key = match event {
            Event::Key(key) => key,
            Event::Mouse(mouse) if matches!(self.modal, Modal::None) => {
                self.handle_mouse(mouse);
                return Vec::new();
            }
            Event::Paste(text) => {
                self.paste(text);
                return Vec::new();
            }
            _ => return Vec::new(),
        };
        if key.kind == KeyEventKind::Release {
            return Vec::new();
        }
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            return self.quit();
        }
        if matches!(self.modal, Modal::UpdateTable(_))
            && key.code == KeyCode::Char('n')
            && key.modifiers.contains(KeyModifiers::CONTROL)
        {
            // From the table's form to the new-index form.
            self.modal = Modal::None;
            return self.handle_action(Action::CreateIndex);
        }
        match &mut self.modal {
            Modal::None => {}
            Modal::Index(_) => return self.handle_index_event(event),
            Modal::Help => {
                self.scroll_help(key.code);
                return Vec::new();
            }
            Modal::Tables(_) => return self.handle_picker_event(event),
            Modal::Feed(_) => return self.handle_feed_key(*key),
            Modal::Query(form) => {
                return match form.handle_event(event) {
                    FormOutcome::Continue => {
                        self.sync_query_form();
                        Vec::new()
                    }
                    FormOutcome::Cancel => {
                        self.modal = Modal::None;
                        Vec::new()
                    }
                    FormOutcome::Submit => self.submit_query(),
                };
            }
            Modal::Bound(_) => return self.handle_bound_key(key.code),
            Modal::Figures(_) => {
                self.scroll_figures(key.code);
                return Vec::new();
            }
            Modal::ConfirmTarget(confirm) => {
                return match confirm.form.handle_event(event) {
                    FormOutcome::Continue => Vec::new(),
                    FormOutcome::Cancel => {
                        self.modal = Modal::None;
                        Vec::new()
                    }
                    FormOutcome::Submit => self.submit_confirm_target(),
                };
            }
            Modal::Wallet(dialog) => {
                return match dialog.form.handle_event(event) {
                    FormOutcome::Continue => Vec::new(),
                    FormOutcome::Cancel => {
                        self.modal = Modal::None;
                        Vec::new()
                    }
                    FormOutcome::Submit => self.submit_wallet_form(),
                };
            }
            Modal::Batch(dialog) => {
                return match dialog.form.handle_event(event) {
                    FormOutcome::Continue => Vec::new(),
                    FormOutcome::Cancel => {
                        self.modal = Modal::None;
                        Vec::new()
                    }
                    FormOutcome::Submit => self.submit_batch_form(),
                };
            }
            Modal::CreateTable(form)
            | Modal::DeleteTable(form)
            | Modal::UpdateTable(form)
            | Modal::EnableStream(form)
            | Modal::Export(form) => {
                return match form.handle_event(event) {
                    FormOutcome::Continue => {
                        self.sync_export_name();
                        Vec::new()
                    }
                    FormOutcome::Cancel => {
                        self.modal = Modal::None;
                        Vec::new()
                    }
                    FormOutcome::Submit => self.submit_form(),
                };
            }
        }
        if self.session.filter_input.is_some() {
            return self.handle_filter_key(event);
        }
        match self.config.keymap.action_for(key) {
            Some(action) => self.handle_action(action),
            None => Vec::new(),
        }
    }

    /// A bracketed paste goes into the open form's focused field or the filter box; with
    /// neither open it is ignored, never read as a burst of command keys.
    fn paste(&mut self, text: &str) {
        match &mut self.modal {
            Modal::Wallet(WalletDialog { form, .. })
            | Modal::CreateTable(form)
            | Modal::DeleteTable(form)
            | Modal::UpdateTable(form)
            | Modal::EnableStream(form)
            | Modal::Export(form)
            | Modal::Query(form)
            | Modal::ConfirmTarget(ConfirmTarget { form, .. })
            | Modal::Index(IndexDialog::Create(form) | IndexDialog::Delete { form, .. })
            | Modal::Batch(BatchDialog { form, .. }) => form.paste(text),
            Modal::Help
            | Modal::Tables(_)
            | Modal::Feed(_)
            | Modal::Index(_)
            | Modal::Bound(_)
            | Modal::Figures(_) => {}
            Modal::None => {
                self.take_filter_selection();
                if let Some((input, error)) = self.session.filter_input.as_mut() {
                    paste_into(input, text);
                    *error = None;
                }
            }
        }
    }

    fn handle_action(&mut self, action: Action) -> Vec<Request> {
        if schema::is_wallet_action(action)
            && let Some(why) = self.not_a_wallet_table()
        {
            self.error(why);
            return Vec::new();
        }
        if let Some(why) = self.partial_refusal(action) {
            self.error(why);
            return Vec::new();
        }
        if guard::is_write(action) && self.needs_target_confirm() {
            self.open_confirm_target(action);
            return Vec::new();
        }
        match action {
            Action::Quit => return self.quit(),
            Action::Help => {
                self.modal = Modal::Help;
                self.help_scroll = 0;
            }
            Action::Refresh => return self.refresh(),
            Action::Cancel => return self.clear_filter_or_cancel_scan(),
            Action::CreateTable => self.open_create_form(),
            Action::DeleteTable => self.open_delete_form(),
            Action::ChangeThroughput => self.open_update_form(),
            Action::GetWallet => self.open_wallet_form(WalletAction::Get),
            Action::NewWallet => self.open_wallet_form(WalletAction::Put { existing: None }),
            Action::EditBalance => {
                self.open_selected(|user_id, seen| WalletAction::Edit { user_id, seen })
            }
            Action::Deposit => {
                self.open_selected(|user_id, seen| WalletAction::Deposit { user_id, seen })
            }
            Action::Withdraw => {
                self.open_selected(|user_id, seen| WalletAction::Withdraw { user_id, seen })
            }
            Action::DeleteWallet if !self.session.marks.is_empty() => self.open_delete_marked(),
            Action::DeleteWallet => {
                self.open_selected(|user_id, seen| WalletAction::Delete { user_id, seen })
            }
            Action::Import => self.open_import_form(),
            Action::Transfer => {
                self.open_selected(|user_id, seen| WalletAction::Transfer { user_id, seen })
            }
            Action::Undo => return self.undo_last(),
            Action::Export => self.open_export_form(),
            Action::PickTable => return self.open_table_picker(),
            Action::SeedDemo => return self.seed_demo(),
            Action::Feed => self.modal = Modal::Feed(0),
            Action::Figures => self.modal = Modal::Figures(0),
            Action::EnableStream => self.open_enable_stream_form(),
            Action::CopyWallet => self.copy_selected(clipboard::CopyWhat::WalletJson),
            Action::CopyUserId => self.copy_selected(clipboard::CopyWhat::UserId),
            Action::Query => self.open_query_form(),
            Action::Indexes => self.open_index_view(),
            Action::CreateIndex => self.open_create_index(),
            Action::Mark => self.toggle_mark(),
            Action::MarkAll => self.mark_all_in_view(),
            Action::ClearMarks => self.clear_marks(),
            other => self.handle_browse(other),
        }
        Vec::new()
    }

    /// Describes the table now and, if it is usable, rescans it.
    fn refresh(&mut self) -> Vec<Request> {
        if self.connection != Connection::Ready {
            self.error("not connected yet");
            return Vec::new();
        }
        if !self.session.unknown.is_empty() {
            // Settled first, by sending them again; the next `r` reads the table afresh.
            let count = self.session.unknown.len();
            self.info(format!("sending {count} write(s) of unknown outcome again…"));
            return vec![Request::ResolveWrites { table: self.session.name.clone() }];
        }
        self.session.describe_failures = 0;
        self.poll_soon();
        self.rescan().into_iter().collect()
    }

    /// Why a wallet write cannot start now: one is in flight, or one's outcome is unknown
    /// (a new write beside it could apply what it already did a second time).
    fn wallet_write_blocked(&self) -> Option<String> {
        if self.session.write_started.is_some() {
            return Some("a write is in flight: wait for its answer".into());
        }
        if self.session.resolve_sent && !self.session.writes_settled {
            return Some("settling the writes an earlier run left open: a moment".into());
        }
        let unknown = self.session.unknown.first()?;
        Some(format!(
            "the outcome of {} {} is unknown: r sends it again (it cannot apply twice) before \
             any other write",
            unknown.kind.name(),
            unknown.user_id
        ))
    }

    /// Why a table write cannot start now, if it cannot.
    fn write_blocked(&self, what: &str) -> Option<String> {
        if let Some(why) = self.write_mode().refusal(what) {
            return Some(why);
        }
        if self.connection != Connection::Ready {
            return Some(format!("not connected yet: cannot {what}"));
        }
        None
    }

    fn open_create_form(&mut self) {
        if let Some(why) = self.write_blocked("creating a table") {
            return self.error(why);
        }
        match &self.session.table {
            TableState::Missing => {}
            TableState::Present(_) => {
                return self.error(format!("table {} already exists", self.session.name));
            }
            TableState::Unknown => {
                return self.error("table state unknown: press r to describe it first");
            }
        }
        let form = Form::new(
            format!("Create table {}", self.session.name),
            vec![
                Field::fixed(fields::TABLE, self.session.name.clone()),
                Field::fixed(fields::KEY, "user_id (S, HASH)"),
                Field::choice(fields::BILLING, vec![BILLING_PROVISIONED, BILLING_ON_DEMAND]),
                Field::text(fields::RCU, "1"),
                Field::text(fields::WCU, "1"),
            ],
        )
        .with_intro("Space switches billing mode. 1 RCU = one strong read/s of 4 KB; 1 WCU = one write/s of 1 KB.");
        self.modal = Modal::CreateTable(form);
    }

    fn open_delete_form(&mut self) {
        if let Some(why) = self.write_blocked("deleting a table") {
            return self.error(why);
        }
        if !matches!(self.session.table, TableState::Present(_)) {
            return self.error(format!("table {} does not exist", self.session.name));
        }
        let form = Form::new(
            format!("Delete table {}", self.session.name),
            vec![Field::text(fields::CONFIRM, "")],
        )
        .with_intro(format!(
            "This deletes every wallet in {} and cannot be undone. Type the table name to confirm.",
            self.session.name
        ));
        self.modal = Modal::DeleteTable(form);
    }

    fn submit_form(&mut self) -> Vec<Request> {
        let table = self.session.name.clone();
        let request = match &mut self.modal {
            Modal::CreateTable(form) if !form.pending => {
                validate_create(form, &table).map(|spec| Request::CreateTable { spec })
            }
            Modal::DeleteTable(form) if !form.pending => {
                validate_delete(form, &table).map(|()| Request::DeleteTable { table })
            }
            Modal::UpdateTable(form) if !form.pending => {
                let current = match &self.session.table {
                    TableState::Present(info) => info.billing.clone(),
                    _ => return Vec::new(),
                };
                throughput::validate(form, &current)
                    .map(|billing| Request::UpdateTable { table, billing })
            }
            Modal::Export(form) if !form.pending => self.export_request(),
            Modal::EnableStream(form) if !form.pending => {
                live::validate_enable(form, &table).map(|()| Request::EnableStream { table })
            }
            _ => None,
        };
        if matches!(request, Some(Request::EnableStream { .. })) {
            self.stream_requested();
        }
        if let (
            Some(_),
            Modal::CreateTable(form)
            | Modal::DeleteTable(form)
            | Modal::UpdateTable(form)
            | Modal::EnableStream(form)
            | Modal::Export(form),
        ) = (&request, &mut self.modal)
        {
            form.pending = true;
        }
        request.into_iter().collect()
    }

    fn handle_response(&mut self, response: Response) -> Vec<Request> {
        match response {
            Response::Described { result, .. } => self.complete_describe(result),
            Response::Created { result, .. } => self.complete_create(result),
            Response::Deleted { result, .. } => self.complete_delete(result),
            Response::TableUpdated { result, .. } => self.complete_update(result),
            Response::ScanPage(page) => self.complete_scan_page(page),
            Response::QueryPage(page) => self.complete_query_page(page),
            Response::GotWallet { user_id, result, consumed_rcu, .. } => {
                self.complete_get(user_id, result, consumed_rcu)
            }
            Response::ReadBack { result, consumed_rcu, .. } => {
                self.complete_read_back(result, consumed_rcu)
            }
            Response::Written { write, result, .. } => self.complete_write(write, result),
            Response::ScanFailed { id, segment, error } => {
                return self.scan_failed(id, segment, error);
            }
            Response::Exported { path, result } => self.complete_export(path, result),
            Response::TablesListed { result } => self.complete_list_tables(result),
            Response::Seeded { result, .. } => return self.complete_seed(result),
            Response::WritesResolved { result, .. } => self.complete_resolve(result),
            Response::Stream(event) => return self.complete_stream(event),
            Response::Identified { identity, mode } => self.complete_identify(identity, mode),
            Response::IndexUpdated { index, result, .. } => {
                self.complete_index_update(index, result)
            }
            Response::ManyWritten { write, result, progress, .. } => {
                self.complete_many_written(write, result, progress)
            }
            Response::ManyDone { result, rejects, .. } => self.complete_many_done(result, rejects),
            Response::ImportPlanned { path, result, .. } => self.complete_import_plan(path, result),
        }
        Vec::new()
    }

    fn complete_describe(&mut self, result: Result<Option<TableInfo>, ApiError>) {
        self.session.describe_in_flight = false;
        if std::mem::take(&mut self.session.describe_outdated) {
            return;
        }
        self.session.live.described = true;
        match result {
            Ok(info) => {
                self.session.describe_failures = 0;
                let recovered = self.session.describe_error.take().is_some();
                self.session.last_described = Some(self.now);
                if recovered
                    && self.status_line.as_ref().is_some_and(|l| l.text == self.describe_line)
                {
                    // The failure no longer holds: say so instead of leaving it on screen.
                    self.info(format!("{} answers again", self.config.endpoint_label));
                }
                self.set_table(info.map_or(TableState::Missing, TableState::Present));
            }
            Err(err) => {
                self.session.describe_failures += 1;
                self.describe_line =
                    format!("{} (DescribeTable {})", err.summary(), self.session.name);
                self.error(self.describe_line.clone());
                self.session.describe_error = Some(err);
            }
        }
        // Keep polling even while a form is open: the table can change under it.
        let delay = self.poll_interval();
        self.session.next_describe.get_or_insert(self.now + delay);
    }

    /// Fast while something is changing, slow when stable, backing off on errors.
    fn poll_interval(&self) -> Duration {
        if self.session.describe_failures > 0 {
            let backoff = FAST_POLL * 2u32.saturating_pow(self.session.describe_failures.min(4));
            return backoff.min(SLOW_POLL);
        }
        match &self.session.table {
            TableState::Present(info) if info.is_transient() => FAST_POLL,
            _ => SLOW_POLL,
        }
    }

    /// Records a new table state and keeps the transient-status clock.
    fn set_table(&mut self, state: TableState) {
        let status = match &state {
            TableState::Present(info) => Some(info.status.clone()),
            _ => None,
        };
        let finished = match (&self.session.transition, &status) {
            (Some(t), Some(s)) if &t.status == s => None,
            (Some(t), _) => Some(t.clone()),
            (None, _) => None,
        };
        if let Some(done) = finished {
            let took = self.now.saturating_duration_since(done.since).as_secs();
            let now_is = status.as_ref().map_or("gone", TableStatus::as_str);
            self.info(format!(
                "table {} is {now_is} ({} took {took}s)",
                self.session.name,
                done.status.as_str()
            ));
            self.session.transition = None;
        }
        if let Some(s) = status.filter(TableStatus::is_transient)
            && self.session.transition.is_none()
        {
            self.session.transition = Some(Transition { status: s, since: self.now });
        }
        if !matches!(state, TableState::Present(_)) {
            self.forget_wallets();
        }
        self.watch_indexes(&state);
        let was_foreign = self.foreign_key_schema();
        self.session.table = state;
        let foreign = self.not_a_wallet_table();
        if let Some(why) = foreign.filter(|_| was_foreign != self.foreign_key_schema()) {
            self.forget_wallets();
            self.status_line = Some(StatusLine { level: Level::Warning, text: why });
        }
    }

    fn complete_create(&mut self, result: Result<TableInfo, ApiError>) {
        match result {
            Ok(info) => {
                self.modal = Modal::None;
                self.info(format!("CreateTable {} accepted", info.name));
                self.set_table(TableState::Present(info));
                self.table_changed();
            }
            Err(err) => self.form_failed(err, "CreateTable"),
        }
    }

    fn complete_delete(&mut self, result: Result<(), ApiError>) {
        match result {
            Ok(()) => {
                self.modal = Modal::None;
                self.info(format!("DeleteTable {} accepted", self.session.name));
                if let TableState::Present(info) = &self.session.table {
                    let mut deleting = info.clone();
                    deleting.status = TableStatus::Deleting;
                    self.set_table(TableState::Present(deleting));
                }
                self.table_changed();
            }
            Err(err) => self.form_failed(err, "DeleteTable"),
        }
    }

    /// `S` on DynamoDB Local: a table full of demo wallets, so there is something to see.
    /// Never offered against any other endpoint, where it would write into real data.
    fn seed_demo(&mut self) -> Vec<Request> {
        if !self.config.local {
            self.error("demo wallets only on DynamoDB Local (--local); elsewhere use `wallet-tui seed` deliberately");
            return Vec::new();
        }
        if let Some(why) = self.write_blocked("adding demo wallets") {
            self.error(why);
            return Vec::new();
        }
        if self.session.seeding {
            return Vec::new();
        }
        self.session.seeding = true;
        self.info(format!("writing {DEMO_WALLETS} demo wallets…"));
        vec![Request::Seed { table: self.session.name.clone(), users: DEMO_WALLETS }]
    }

    fn complete_seed(&mut self, result: Result<u64, crate::error::SeedError>) -> Vec<Request> {
        self.session.seeding = false;
        match result {
            Ok(n) => {
                self.info(format!("added {n} demo wallets"));
                // The seed may have created the table: describe it, then read it afresh.
                self.poll_soon();
                self.forget_wallets();
                Vec::new()
            }
            Err(why) => {
                self.error(format!("demo wallets: {why}"));
                Vec::new()
            }
        }
    }

    /// The call behind an open form failed: keep the form (and what was typed)
    /// with the reason, and look at the table again.
    fn form_failed(&mut self, err: ApiError, call: &str) {
        let text = format!("{call} {}: {}", self.session.name, err.summary());
        if let Modal::CreateTable(form)
        | Modal::DeleteTable(form)
        | Modal::UpdateTable(form)
        | Modal::EnableStream(form) = &mut self.modal
        {
            form.pending = false;
            form.error = Some(err.summary());
        }
        self.error(text);
        self.poll_soon();
    }
}

/// Read access for `ui` and tests: what is on screen and what is known of the table.
impl App {
    /// The settings the app was started with.
    pub fn config(&self) -> &AppConfig {
        &self.config
    }

    /// Which writes may be sent now (`--read-only` wins over everything).
    pub fn write_mode(&self) -> WriteMode {
        match self.config.read_only {
            true => WriteMode::ReadOnly,
            false => self.write_mode.clone(),
        }
    }

    /// Who the calls are made as, once looked up.
    pub fn identity(&self) -> Option<&Identity> {
        self.identity.as_ref()
    }

    pub fn connection(&self) -> &Connection {
        &self.connection
    }

    pub fn status_line(&self) -> Option<&StatusLine> {
        self.status_line.as_ref()
    }

    pub fn modal(&self) -> &Modal {
        &self.modal
    }

    /// First row of the help overlay shown; `ui` keeps it within the rows there are.
    pub fn help_scroll(&self) -> usize {
        self.help_scroll
    }

    /// j/k, arrows, PgUp/PgDn, Home/End scroll the help overlay; any other key closes it.
    fn scroll_help(&mut self, code: KeyCode) {
        const PAGE: usize = 10;
        // Rows the help can have: its keys (descriptions may wrap) and one per currency.
        let most =
            3 * (self.config.keymap.help_rows().len() + 8) + self.session.list.groups().len() + 4;
        self.help_scroll = match code {
            KeyCode::Char('j') | KeyCode::Down => self.help_scroll + 1,
            KeyCode::Char('k') | KeyCode::Up => self.help_scroll.saturating_sub(1),
            KeyCode::PageDown | KeyCode::Char(' ') => self.help_scroll + PAGE,
            KeyCode::PageUp => self.help_scroll.saturating_sub(PAGE),
            KeyCode::Home | KeyCode::Char('g') => 0,
            KeyCode::End | KeyCode::Char('G') => most,
            _ => {
                self.modal = Modal::None;
                0
            }
        }
        .min(most);
    }

    /// The time of the last message; rendering measures elapsed time from it.
    pub fn now(&self) -> Instant {
        self.now
    }

    pub fn should_quit(&self) -> bool {
        self.should_quit
    }

    pub fn focus(&self) -> Pane {
        self.focus
    }

    pub fn detail_view(&self) -> DetailView {
        self.detail_view
    }

    pub fn viewport(&self) -> Viewport {
        self.viewport
    }

    pub fn usage(&self) -> &Usage {
        &self.usage
    }

    /// The table being looked after.
    pub fn session(&self) -> &TableSession {
        &self.session
    }

    pub fn table_name(&self) -> &str {
        &self.session.name
    }

    pub fn table(&self) -> &TableState {
        &self.session.table
    }

    /// The last DescribeTable failure, cleared by the next success.
    pub fn describe_error(&self) -> Option<&ApiError> {
        self.session.describe_error.as_ref()
    }

    pub fn last_described(&self) -> Option<Instant> {
        self.session.last_described
    }

    /// Every wallet loaded, with the view the list shows.
    pub fn list(&self) -> &WalletList {
        &self.session.list
    }

    /// The latest scan, running or finished.
    pub fn scan(&self) -> Option<&ScanState> {
        self.session.scan.as_ref()
    }

    /// View position of the selected wallet.
    pub fn selected(&self) -> usize {
        self.session.selected
    }

    /// First visible row of the list.
    pub fn list_offset(&self) -> usize {
        self.session.list_offset
    }

    pub fn detail_scroll(&self) -> u16 {
        self.session.detail_scroll
    }

    /// The filter box while it is open: what is typed and any error.
    pub fn filter_input(&self) -> Option<&(tui_input::Input, Option<String>)> {
        self.session.filter_input.as_ref()
    }

    /// The filter box's text is selected: the next character typed replaces it.
    pub fn filter_selected(&self) -> bool {
        self.session.filter_selected && self.session.filter_input.is_some()
    }

    /// The filter in force, as typed.
    pub fn filter_text(&self) -> &str {
        &self.session.filter_text
    }

    /// This session's balance edits, newest last, for `u`.
    pub fn undo_entries(&self) -> &[UndoEntry] {
        &self.session.undo
    }
}

/// Checks the create form; marks bad fields and returns the spec when all is well.
fn validate_create(form: &mut Form, table: &str) -> Option<CreateTableSpec> {
    form.clear_errors();
    Some(CreateTableSpec { name: table.to_string(), billing: read_billing(form)? })
}

/// The billing mode a create or update form asks for; marks bad capacity fields.
fn read_billing(form: &mut Form) -> Option<BillingMode> {
    if form.value(fields::BILLING) == BILLING_ON_DEMAND {
        return Some(BillingMode::OnDemand);
    }
    let read = check_capacity(form, fields::RCU);
    let write = check_capacity(form, fields::WCU);
    read.zip(write).map(|(read, write)| BillingMode::Provisioned { read, write })
}

/// Capacity units are whole numbers from 1 up (the account quota decides the top).
fn check_capacity(form: &mut Form, label: &str) -> Option<i64> {
    let text = form.value(label).trim().to_string();
    let result = match text.parse::<i64>() {
        _ if text.is_empty() => Err("required: a whole number ≥ 1".to_string()),
        Ok(n) if n >= 1 && !text.starts_with('+') => Ok(n),
        Ok(_) => Err("must be at least 1".to_string()),
        Err(_) if text.chars().all(|c| c.is_ascii_digit()) => Err("too large".to_string()),
        Err(_) => Err(format!("{text:?} is not a whole number")),
    };
    match result {
        Ok(n) => Some(n),
        Err(why) => {
            if let Some(field) = form.field_mut(label) {
                field.error = Some(why);
            }
            None
        }
    }
}

fn validate_delete(form: &mut Form, table: &str) -> Option<()> {
    form.clear_errors();
    if form.value(fields::CONFIRM) == table {
        return Some(());
    }
    if let Some(field) = form.field_mut(fields::CONFIRM) {
        field.error = Some(format!("type {table} exactly to delete it"));
    }
    None
}

#[cfg(test)]
mod tests;
