//! Everything the app knows about one table: its description and poller, its scan and
//! list, the view of that list, undo, the write in flight, seeding and export. `App` owns
//! one [`TableSession`] and replaces it whole when the user switches tables, so nothing of
//! the old table can linger; answers carry the session's number and those of an older
//! session are dropped in one place ([`super::App::update`]).

use std::path::PathBuf;
use std::time::Instant;

use super::{TableState, Transition, UndoEntry};
use crate::error::ApiError;
use crate::list::WalletList;
use crate::msg::SessionId;

use super::ScanState;

/// One table, looked after from the moment it was chosen.
#[derive(Debug, Clone)]
pub struct TableSession {
    /// This session's number: every request it makes carries it, every answer echoes it.
    pub(super) id: SessionId,
    /// The table's name.
    pub(super) name: String,
    pub(super) table: TableState,
    /// The last DescribeTable failure, cleared by the next success.
    pub(super) describe_error: Option<ApiError>,
    pub(super) transition: Option<Transition>,
    pub(super) last_described: Option<Instant>,
    pub(super) describe_in_flight: bool,
    /// The describe in flight was sent before a create/delete completed: its answer is old.
    pub(super) describe_outdated: bool,
    pub(super) next_describe: Option<Instant>,
    pub(super) describe_failures: u32,
    /// Every wallet loaded by the scans, with the view the list shows.
    pub(super) list: WalletList,
    /// The latest scan, running or finished.
    pub(super) scan: Option<ScanState>,
    /// View position of the selected wallet.
    pub(super) selected: usize,
    /// First visible row of the list.
    pub(super) list_offset: usize,
    pub(super) detail_scroll: u16,
    /// The filter box while it is open: what is typed and any error.
    pub(super) filter_input: Option<(tui_input::Input, Option<String>)>,
    /// The text of the filter in force, as typed.
    pub(super) filter_text: String,
    /// The filter box reopened on the filter in force with its text selected: typing
    /// replaces it, a movement key keeps it for editing.
    pub(super) filter_selected: bool,
    /// When the write in flight was sent (one at a time).
    pub(super) write_started: Option<Instant>,
    /// Writes of this session whose outcome is unknown (sent twice, no answer said): no
    /// other write starts until they are settled, by sending each again.
    pub(super) unknown: Vec<crate::write::Write>,
    /// This session's balance edits, newest last, for `u`.
    pub(super) undo: Vec<UndoEntry>,
    pub(super) last_settle: Instant,
    /// The writes an earlier run left open on this table are settled (or none were): the
    /// scan waits for this, so it never reads a wallet one of them is about to change.
    pub(super) writes_settled: bool,
    /// [`crate::msg::Request::ResolveWrites`] was sent.
    pub(super) resolve_sent: bool,
    /// Demo wallets are being written.
    pub(super) seeding: bool,
    /// Where the export form's file is being written.
    pub(super) exporting: Option<PathBuf>,
    /// The table's stream: tail status, changes seen, versions against stale pages.
    pub(super) live: super::live::Live,
    /// A protected target's table name was typed: this session's writes no longer ask it.
    pub(super) writes_confirmed: bool,
    /// The query the list shows, if any, and its partial rows.
    pub(super) query: super::QueryView,
    /// Secondary indexes being created or deleted, watched until they settle.
    pub(super) indexes: super::indexes::IndexAdmin,
    /// What the user chose when the table was bigger than the list's bound (`None`: not
    /// asked, or not needed).
    pub(super) bound_choice: Option<super::BoundChoice>,
    /// The filter pushed to DynamoDB (a FilterExpression on the scan), if any.
    pub(super) server_filter: Option<crate::list::Filter>,
    /// The marked wallets, by user_id (they need not be loaded).
    pub(super) marks: crate::marks::Marks,
    /// The marked wallets loaded, by currency.
    pub(super) marked: crate::list::Groups,
    /// The many-write batch being written (marked wallets deleted, an import).
    pub(super) batch: Option<super::Batch>,
}

/// Read access for `ui` and tests.
impl TableSession {
    /// A transient status and since when, while the table is in one.
    pub fn transition(&self) -> Option<&Transition> {
        self.transition.as_ref()
    }
}

impl TableSession {
    /// A session for `name` that knows nothing yet; it describes the table at `describe_at`
    /// (`None`: once the endpoint is ready).
    pub(super) fn new(
        id: SessionId,
        name: String,
        now: Instant,
        describe_at: Option<Instant>,
    ) -> Self {
        TableSession {
            id,
            name,
            table: TableState::Unknown,
            describe_error: None,
            transition: None,
            last_described: None,
            describe_in_flight: false,
            describe_outdated: false,
            next_describe: describe_at,
            describe_failures: 0,
            list: WalletList::new(),
            scan: None,
            selected: 0,
            list_offset: 0,
            detail_scroll: 0,
            filter_input: None,
            filter_text: String::new(),
            filter_selected: false,
            write_started: None,
            unknown: Vec::new(),
            undo: Vec::new(),
            last_settle: now,
            writes_settled: false,
            resolve_sent: false,
            seeding: false,
            exporting: None,
            live: Default::default(),
            writes_confirmed: false,
            query: Default::default(),
            indexes: Default::default(),
            bound_choice: None,
            server_filter: None,
            marks: Default::default(),
            marked: Default::default(),
            batch: None,
        }
    }
}
