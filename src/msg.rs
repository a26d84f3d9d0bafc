//! The protocol between the UI loop, the worker task and the local-server supervisor:
//! what `App` asks the worker ([`Job`]), what the worker answers ([`Reply`]), and every
//! other [`Msg`] the loop feeds to `App`. Domain types live in their own modules.

use crossterm::event::Event as TermEvent;

use std::path::PathBuf;

use crate::aggregate::Aggregate;
use crate::error::{ApiError, SeedError};
use crate::export::{ExportError, Format};
use crate::index::CreateIndexSpec;
use crate::list::Filter;
use crate::query::QuerySpec;
use crate::stream::StreamEvent;
use crate::table::{BillingMode, CreateTableSpec, TableEntry, TableInfo};
use crate::target::{Identity, WriteMode};
use crate::wallet::{AttrValue, Wallet};
use crate::write::{Write, WriteDone, WriteError};

/// Identifies one scan; pages of any other scan are stale and dropped.
pub type ScanId = u64;

/// Identifies one table session of the app (a table from the moment it was chosen): every
/// job carries it and every reply echoes it, so answers meant for an earlier session (even
/// of the same table, left and chosen again) are recognised and dropped.
pub type SessionId = u64;

/// A request and the table session that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub session: SessionId,
    pub request: Request,
}

/// One of the worker's answers, with the session of the job it answers.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub session: SessionId,
    pub response: Response,
}

/// How a scan reads the table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScanSpec {
    /// Parallel scan segments (`TotalSegments`); 1 means a plain scan.
    pub segments: u32,
    /// Items per page (`Limit`); DynamoDB also stops a page at 1 MB.
    pub page_limit: Option<i32>,
    /// Strongly consistent reads cost twice as much.
    pub consistent: bool,
    /// Read budget of the whole scan (all segments together) in RCU per second;
    /// `None`: unpaced. Set by the app from the table's billing mode and the
    /// `--max-read-percent` / `--max-read-rcu` settings.
    pub max_rcu_per_sec: Option<f64>,
}

// The budget is a finite, positive number (never NaN), so equality is total
// and requests carrying a spec can still be compared with `Eq`.
impl Eq for ScanSpec {}

/// What a scan sends back beyond its pages' items, and what it reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanScope {
    /// Wallets this scan may still send (all its segments together): past it pages carry
    /// none and the scan goes on for the figures only. `None`: every wallet.
    pub keep: Option<u64>,
    /// Compute whole-table figures ([`Aggregate`]) per page, by the currency in this
    /// attribute. `None`: none.
    pub figures: Option<String>,
    /// A server-side filter (a Scan FilterExpression): only matching items come back,
    /// though every item read still costs read capacity.
    pub filter: Option<Filter>,
}

/// What the UI asks the worker to do (sent inside a [`Job`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// DescribeTable; a missing table is answered with `Ok(None)`.
    DescribeTable { table: String },
    /// CreateTable with the wallet key schema.
    CreateTable { spec: CreateTableSpec },
    /// UpdateTable: new provisioned throughput, or a switch of billing mode.
    UpdateTable { table: String, billing: BillingMode },
    /// DeleteTable.
    DeleteTable { table: String },
    /// Start a (parallel) scan, streaming pages back; cancels any scan running. Segment `i`
    /// starts at `from[i]` (missing: at its beginning), so a scan that stopped can resume.
    /// `scope`: how many wallets to send, whole-table figures, a server-side filter.
    Scan { id: ScanId, table: String, spec: ScanSpec, from: Vec<SegmentStart>, scope: ScanScope },
    /// Stop the scan with this id if it is still running.
    CancelScan { id: ScanId },
    /// Run a Query of the table or of one of its indexes page by page, each page sent as a
    /// [`Response::QueryPage`] tagged with `id`. It takes the scan's place: it cancels any scan
    /// or query running, [`Request::CancelScan`] with its id stops it, and it fails as a scan
    /// does ([`Response::ScanFailed`], segment 0).
    Query { id: ScanId, table: String, spec: QuerySpec },
    /// GetItem of one wallet.
    GetWallet { table: String, user_id: String, consistent: bool },
    /// A conditional write of one wallet (see [`Write`]).
    Write { table: String, write: Write },
    /// ListTables (every page), each table described to see if it has the wallet schema.
    ListTables,
    /// Settle every write on `table` that has no outcome yet (left open by an earlier run, or
    /// unknown in this one): each is sent again unchanged, or read back past its window.
    ResolveWrites { table: String },
    /// Write `users` demo wallets (creating the table, on-demand, if missing).
    Seed { table: String, users: u64 },
    /// Write these wallets to a new file (no call to DynamoDB).
    Export { path: PathBuf, format: Format, wallets: Vec<Wallet> },
    /// Tail `stream` (the table's stream ARN) from LATEST in a task of its own, replacing any
    /// tail running; its news come as [`Response::Stream`]. `fetch`: the records carry no
    /// new image, so each changed wallet is read with GetItem. Without a stream: only find
    /// out whether the endpoint has the Streams API ([`StreamEvent::NoStream`] or
    /// [`StreamEvent::NoApi`]).
    Tail { table: String, stream: Option<String>, fetch: bool },
    /// Stop the running tail, if any (nothing answers).
    StopTail,
    /// UpdateTable enabling a NEW_AND_OLD_IMAGES stream; answered with
    /// [`Response::TableUpdated`].
    EnableStream { table: String },
    /// Where the credentials come from and the account (looked up once per run), with the
    /// write mode that follows.
    Identify,
    /// UpdateTable creating a global secondary index (with its key attributes' definitions);
    /// answered with [`Response::IndexUpdated`].
    CreateIndex { table: String, spec: CreateIndexSpec },
    /// UpdateTable deleting the global secondary index `index`; answered with
    /// [`Response::IndexUpdated`].
    DeleteIndex { table: String, index: String },
    /// Many wallet writes at once (the marked wallets deleted): each through the write-ahead
    /// path as a single write goes, concurrent and paced by the table's write budget; each
    /// outcome is told as it comes ([`Response::ManyWritten`]), then [`Response::ManyDone`].
    WriteMany { table: String, writes: Vec<Write> },
    /// Read and validate an import file and diff it against the table (what the CLI's dry
    /// run does); answered with [`Response::ImportPlanned`]. Nothing is written.
    PlanImport { table: String, path: PathBuf, skip_bad: bool },
    /// Write a planned import (its rejects file first, if it has bad rows): the new wallets,
    /// and the different ones with `overwrite`, each only if the table still holds what the
    /// diff read; told as [`Request::WriteMany`] is.
    Import { table: String, plan: Bulk<crate::worker::import::Prepared>, overwrite: bool },
    /// Send no more writes of the running [`Request::WriteMany`] or [`Request::Import`]; those
    /// in flight end as usual (nothing answers this; the batch's own answers go on).
    CancelMany,
}

/// Something large carried by a request or an answer without copying it: compared by
/// identity (the same value sent), which is all a request's equality is used for.
#[derive(Debug, Clone)]
pub struct Bulk<T>(pub std::sync::Arc<T>);

impl<T> Bulk<T> {
    pub fn new(value: T) -> Self {
        Bulk(std::sync::Arc::new(value))
    }
}

impl<T> PartialEq for Bulk<T> {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

impl<T> Eq for Bulk<T> {}

impl<T> std::ops::Deref for Bulk<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl Request {
    /// A scan of `table` from the beginning of every segment.
    pub fn scan(id: ScanId, table: impl Into<String>, spec: ScanSpec) -> Request {
        let scope = ScanScope::default();
        Request::Scan { id, table: table.into(), spec, from: Vec::new(), scope }
    }

    /// A copy to answer this request with, without its bulk (an export's wallets).
    pub fn echo(&self) -> Request {
        match self {
            Request::Export { path, format, .. } => {
                Request::Export { path: path.clone(), format: *format, wallets: Vec::new() }
            }
            Request::WriteMany { table, .. } => {
                Request::WriteMany { table: table.clone(), writes: Vec::new() }
            }
            other => other.clone(),
        }
    }

    /// The request's name in logs and messages.
    pub fn name(&self) -> &'static str {
        match self {
            Request::DescribeTable { .. } => "DescribeTable",
            Request::CreateTable { .. } => "CreateTable",
            Request::UpdateTable { .. } => "UpdateTable",
            Request::DeleteTable { .. } => "DeleteTable",
            Request::Scan { .. } => "Scan",
            Request::CancelScan { .. } => "CancelScan",
            Request::Query { .. } => "Query",
            Request::GetWallet { .. } => "GetWallet",
            Request::Write { .. } => "Write",
            Request::ListTables => "ListTables",
            Request::ResolveWrites { .. } => "ResolveWrites",
            Request::Seed { .. } => "Seed",
            Request::Export { .. } => "Export",
            Request::Tail { .. } => "Tail",
            Request::StopTail => "StopTail",
            Request::EnableStream { .. } => "EnableStream",
            Request::Identify => "Identify",
            Request::CreateIndex { .. } => "CreateIndex",
            Request::DeleteIndex { .. } => "DeleteIndex",
            Request::WriteMany { .. } => "WriteMany",
            Request::PlanImport { .. } => "PlanImport",
            Request::Import { .. } => "Import",
            Request::CancelMany => "CancelMany",
        }
    }

    /// True for every request that changes data or tables.
    pub fn is_write(&self) -> bool {
        match self {
            Request::DescribeTable { .. }
            | Request::Scan { .. }
            | Request::CancelScan { .. }
            | Request::Query { .. }
            | Request::GetWallet { .. }
            | Request::ListTables
            | Request::Tail { .. }
            | Request::StopTail
            | Request::Export { .. }
            | Request::PlanImport { .. }
            | Request::CancelMany
            | Request::Identify => false,
            Request::CreateTable { .. }
            | Request::UpdateTable { .. }
            | Request::DeleteTable { .. }
            | Request::Write { .. }
            | Request::ResolveWrites { .. }
            | Request::Seed { .. }
            | Request::EnableStream { .. }
            | Request::CreateIndex { .. }
            | Request::DeleteIndex { .. } => true,
            Request::WriteMany { .. } | Request::Import { .. } => true,
        }
    }
}

/// The worker's answer to one [`Request`]. Errors travel as values.
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    /// Answer to [`Request::DescribeTable`]: `None` when the table does not exist.
    Described { table: String, result: Result<Option<TableInfo>, ApiError> },
    /// Answer to [`Request::CreateTable`]: the description CreateTable returned.
    Created { table: String, result: Result<TableInfo, ApiError> },
    /// Answer to [`Request::UpdateTable`]: the description UpdateTable returned.
    TableUpdated { table: String, result: Result<TableInfo, ApiError> },
    /// Answer to [`Request::DeleteTable`].
    Deleted { table: String, result: Result<(), ApiError> },
    /// One page of a scan, sent as soon as it arrives.
    ScanPage(ScanPage),
    /// One page of a query ([`Request::Query`]), sent as soon as it arrives.
    QueryPage(QueryPage),
    /// A scan segment stopped on an error.
    ScanFailed { id: ScanId, segment: u32, error: ApiError },
    /// Answer to [`Request::GetWallet`]: `None` when there is no such wallet.
    GotWallet {
        table: String,
        user_id: String,
        result: Result<Option<Wallet>, ApiError>,
        consumed_rcu: Option<f64>,
    },
    /// Answer to [`Request::Seed`]: how many wallets were written, or why it stopped.
    Seeded { table: String, result: Result<u64, SeedError> },
    /// Answer to [`Request::ListTables`], in name order.
    TablesListed { result: Result<Vec<TableEntry>, ApiError> },
    /// Answer to [`Request::Export`]: how many wallets were written, or why none were.
    Exported { path: PathBuf, result: Result<usize, ExportError> },
    /// A wallet the worker read back after a write (a transfer's two sides, or a write whose
    /// answer never came), before the write's own answer: the list shows it as stored.
    ReadBack {
        table: String,
        user_id: String,
        result: Result<Option<Wallet>, ApiError>,
        consumed_rcu: Option<f64>,
    },
    /// Answer to [`Request::Write`], echoing the write.
    Written { table: String, write: Write, result: Result<WriteDone, WriteError> },
    /// Answer to [`Request::ResolveWrites`]: each write settled, with its outcome (its
    /// read-backs came before, as [`Response::ReadBack`]s).
    WritesResolved { table: String, result: Result<Vec<Resolved>, ApiError> },
    /// News from the stream tailer started by [`Request::Tail`].
    Stream(StreamEvent),
    /// Answer to [`Request::Identify`]; `mode` is the write mode the worker enforces from now
    /// on (`None`: the lookup stopped on a bug, the mode is unchanged).
    Identified { identity: Identity, mode: Option<WriteMode> },
    /// Answer to [`Request::CreateIndex`] and [`Request::DeleteIndex`]: the description
    /// UpdateTable returned.
    IndexUpdated { table: String, index: String, result: Result<TableInfo, ApiError> },
    /// One write of a [`Request::WriteMany`] or [`Request::Import`] ended (its read-backs came
    /// before, as [`Response::ReadBack`]s), with the progress of them all.
    ManyWritten {
        table: String,
        write: Write,
        result: Result<WriteDone, WriteError>,
        progress: crate::worker::import::Progress,
    },
    /// Every write of a [`Request::WriteMany`] or [`Request::Import`] ended (or they could not
    /// start: `Err`, nothing written).
    ManyDone {
        table: String,
        result: Result<crate::worker::import::Report, String>,
        /// An import's bad rows, written to this rejects file before its writes.
        rejects: Option<PathBuf>,
    },
    /// Answer to [`Request::PlanImport`]: the file validated and diffed, or why it will not
    /// be written (unreadable, bad rows without `skip_bad`, the table not readable).
    ImportPlanned {
        table: String,
        path: PathBuf,
        result: Result<Bulk<crate::worker::import::Prepared>, String>,
    },
}

/// A write left without an outcome, settled.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub write: Write,
    pub result: Result<WriteDone, WriteError>,
}

/// One page of one scan segment, converted to wallets by the worker.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanPage {
    pub id: ScanId,
    pub segment: u32,
    pub wallets: Vec<Wallet>,
    /// Items DynamoDB read for this page (before any filter).
    pub scanned: u64,
    /// Items that are not wallets (no string `user_id`), skipped.
    pub skipped: u64,
    /// Read capacity the endpoint reported, if it reports any.
    pub consumed_rcu: Option<f64>,
    /// Where the segment goes on (DynamoDB's LastEvaluatedKey); `None` on its last page.
    pub next: Option<ScanKey>,
    /// The figures of every item of this page, kept or not (when the scan's scope asks).
    pub figures: Option<Box<Aggregate>>,
}

impl ScanPage {
    /// The last page of this segment.
    pub fn last(&self) -> bool {
        self.next.is_none()
    }

    /// Where the segment stands once this page is taken.
    pub fn then(&self) -> SegmentStart {
        match &self.next {
            Some(key) => SegmentStart::After(key.clone()),
            None => SegmentStart::Done,
        }
    }
}

/// One page of a query: a page like a scan's (segment 0; its wallets carry only what the
/// index projects), and what it consumed index by index.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryPage {
    pub page: ScanPage,
    /// The index queried (`None`: the table).
    pub index: Option<String>,
    /// The read units each secondary index consumed, as DynamoDB reported them
    /// (`ReturnConsumedCapacity` INDEXES); empty when it reported none.
    pub indexes: Vec<(String, f64)>,
}

/// The primary key of the last item a scan page read (DynamoDB's LastEvaluatedKey), attribute
/// by attribute: the segment goes on after it.
pub type ScanKey = Vec<(String, AttrValue)>;

/// Where one segment of a scan starts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum SegmentStart {
    /// At the segment's first item.
    #[default]
    Beginning,
    /// After an item an earlier scan read last.
    After(ScanKey),
    /// Nowhere: an earlier scan read the whole segment.
    Done,
}

/// Progress of the embedded DynamoDB Local (only with `--local`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalEvent {
    /// A step or a line of installer output, shown while waiting.
    Progress(String),
    /// Something to tell the user once, in the status line with the connection (a leftover
    /// server stopped, options that do not apply to a server already running, a data
    /// directory made private).
    Warning(String),
    /// The server answers on its port.
    Ready,
    /// It could not be installed or started, or it died; the message says why.
    Failed(String),
}

/// What a worker's client has met so far (cumulative).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallStats {
    /// Attempts beyond each call's first.
    pub retries: u64,
    /// Attempts answered with a throttling error code.
    pub throttled: u64,
}

/// Where the last frame put the list rows and the detail pane, in screen cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Viewport {
    /// The first wallet row (below the header) and how many rows fit.
    pub list_x: u16,
    pub list_y: u16,
    pub list_width: u16,
    pub list_rows: u16,
    pub detail_x: u16,
    pub detail_y: u16,
    pub detail_width: u16,
    pub detail_rows: u16,
}

/// Everything that can change the app's state (`App::update` takes one at a time).
// Messages are moved one at a time through the loop, never stored in bulk.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Msg {
    /// A key, mouse or resize event from the terminal.
    Term(TermEvent),
    /// Periodic wake-up that drives polling and elapsed-time displays.
    Tick,
    /// A reply from the worker.
    Worker(Reply),
    /// The worker's SDK client so far: attempts beyond each call's first and attempts refused
    /// for throughput or request rate. Not an answer to any request: sent when they change.
    CallStats(CallStats),
    /// The terminal's size changed: where the panes are now.
    Resized(Viewport),
    /// SIGTERM: quit as `q` does (waiting for a write in flight).
    Shutdown,
    /// News from the DynamoDB Local supervisor.
    Local(LocalEvent),
}
