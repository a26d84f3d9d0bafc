//! The scan's lifecycle in the app: start when the table is usable, take pages
//! of the current scan only, count progress, cancel on request.

use std::time::{Duration, Instant};

use super::{App, TableState};
use crate::aggregate::Aggregate;
use crate::capacity::{self, Consistency};
use crate::error::ApiError;
use crate::msg::{Request, ScanId, ScanPage, ScanScope, ScanSpec, SegmentStart};
use crate::table::{BillingMode, TableStatus};

/// The most rows reserved ahead of a scan (the item count is approximate).
const MAX_RESERVE: usize = 20_000_000;

/// How often rows appended during a sorted scan are merged into order.
const SETTLE_EVERY: Duration = Duration::from_millis(500);

/// How fast scans may read (`--max-read-percent`, `--max-read-rcu`), so that a
/// scan never takes all of a table's throughput from the application using it.
/// The default paces nothing; the binary passes the command line's settings.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ScanBudget {
    /// Provisioned tables: at most this percentage of the table's provisioned
    /// read capacity per second (`None`: unpaced).
    pub max_read_percent: Option<f64>,
    /// At most this many RCU per second, on any table; overrides the percentage.
    pub max_read_rcu: Option<f64>,
}

impl ScanBudget {
    /// The read budget in RCU per second of a scan of a table billed as
    /// `billing`; `None`: unpaced.
    pub fn rcu_per_sec(&self, billing: &BillingMode) -> Option<f64> {
        let rate = match (self.max_read_rcu, billing) {
            (Some(rcu), _) => rcu,
            (None, BillingMode::Provisioned { read, .. }) => {
                self.max_read_percent? / 100.0 * *read as f64
            }
            (None, BillingMode::OnDemand) => return None,
        };
        (rate.is_finite() && rate > 0.0).then_some(rate)
    }
}

/// How a scan ended.
#[derive(Debug, Clone, PartialEq)]
pub enum ScanOutcome {
    Running,
    /// Every segment reached its end.
    Complete,
    /// The user stopped it; what was loaded stays.
    Cancelled,
    /// A segment failed; the message says why.
    Failed(String),
}

/// Progress of the latest scan, for the list title.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanState {
    pub id: ScanId,
    pub started: Instant,
    pub first_page: Option<Instant>,
    pub finished: Option<Instant>,
    pub pages: u64,
    pub scanned: u64,
    pub skipped: u64,
    /// Sum of the consumed capacity the endpoint reported.
    pub rcu: f64,
    pub segments: u32,
    /// Where each segment stands: what a resumed scan starts from.
    pub cursors: Vec<SegmentStart>,
    pub outcome: ScanOutcome,
    /// The scan's read budget in RCU per second (`None`: unpaced).
    pub max_rcu_per_sec: Option<f64>,
    /// Read units a full scan should cost, from the table's size (`None`: unknown).
    pub predicted_rcu: Option<f64>,
    /// What the scan keeps, computes and filters (see [`ScanScope`]).
    pub scope: ScanScope,
    /// The figures of every item read so far (with `--max-wallets`), kept in the list or not.
    pub figures: Box<Aggregate>,
    /// The table's item count when the scan started (DescribeTable's, approximate).
    pub expected_items: Option<u64>,
}

impl ScanState {
    /// A scan (or query) of `segments` segments just asked for: nothing read yet.
    pub fn new(id: u64, now: Instant, segments: u32, max_rcu_per_sec: Option<f64>) -> Self {
        let segments = segments.max(1);
        ScanState {
            id,
            started: now,
            first_page: None,
            finished: None,
            pages: 0,
            scanned: 0,
            skipped: 0,
            rcu: 0.0,
            segments,
            cursors: vec![SegmentStart::Beginning; segments as usize],
            outcome: ScanOutcome::Running,
            max_rcu_per_sec,
            predicted_rcu: None,
            scope: ScanScope::default(),
            figures: Box::default(),
            expected_items: None,
        }
    }

    /// Segments read to their end.
    pub fn segments_done(&self) -> u32 {
        self.cursors.iter().filter(|c| **c == SegmentStart::Done).count() as u32
    }

    /// A scan that stopped before its end (failed, or stopped by the user) and can go on
    /// from where each segment stopped.
    pub fn resumable(&self) -> bool {
        matches!(self.outcome, ScanOutcome::Failed(_) | ScanOutcome::Cancelled)
    }

    /// Items loaded per second so far.
    pub fn rate(&self, loaded: usize, now: Instant) -> f64 {
        let end = self.finished.unwrap_or(now);
        let secs = end.saturating_duration_since(self.started).as_secs_f64();
        if secs > 0.0 { loaded as f64 / secs } else { 0.0 }
    }

    /// A paced scan's time left: the predicted units not consumed yet, read at
    /// the budget. `None` when unpaced or the table's size is unknown. (The
    /// size DynamoDB reports is refreshed about every six hours: an estimate.)
    pub fn eta(&self) -> Option<Duration> {
        let rate = self.max_rcu_per_sec?;
        let left = (self.predicted_rcu? - self.rcu).max(0.0);
        Duration::try_from_secs_f64(left / rate).ok()
    }
}

impl App {
    /// Starts a scan if none ran yet and the table is ACTIVE.
    pub(super) fn due_scan(&mut self) -> Option<Request> {
        if self.session.scan.is_some() {
            return None;
        }
        self.start_scan()
    }

    /// A new scan: clears the list, supersedes any running scan.
    pub(super) fn start_scan(&mut self) -> Option<Request> {
        if !self.session.writes_settled {
            return None; // settled first: the scan then reads what they did
        }
        if self.scan_waits_for_stream() {
            return None; // the stream first: no change falls between the two
        }
        let TableState::Present(info) = &self.session.table else { return None };
        // Not a wallet table: its items are not wallets, and keyed otherwise they would be
        // folded together by user_id or dropped; it is not listed (see `not_a_wallet_table`).
        if info.status != TableStatus::Active || !info.has_wallet_schema() {
            return None;
        }
        if let Some(prompt) = self.bound_prompt(info) {
            self.modal = super::Modal::Bound(prompt);
            return None;
        }
        if self.scan_stopped_by_choice() {
            return None;
        }
        let TableState::Present(info) = &self.session.table else { return None };
        let max_rcu_per_sec = self
            .config
            .scan_budget
            .rcu_per_sec(&info.billing)
            .or(self.config.scan_spec.max_rcu_per_sec);
        let spec = ScanSpec { max_rcu_per_sec, ..self.config.scan_spec };
        let consistency = if spec.consistent { Consistency::Strong } else { Consistency::Eventual };
        let predicted_rcu = info
            .size_bytes
            .and_then(|bytes| u64::try_from(bytes).ok())
            .map(|bytes| capacity::full_scan_read_units(bytes, consistency));
        // Room for the table's (approximate) item count up front: growing a
        // million-row store page by page would stall the UI on each doubling.
        let expected = info.item_count.and_then(|n| usize::try_from(n).ok()).unwrap_or(0);
        let expected_items = info.item_count.and_then(|n| u64::try_from(n).ok());
        let scope = self.scan_scope(0);
        let id = self.next_scan_id;
        self.next_scan_id += 1;
        self.list_clear();
        self.reset_query(None);
        // Never more than the list may hold (`--max-wallets`), nor what a server-side
        // filter would let through.
        let bound = scope.keep.and_then(|k| usize::try_from(k).ok()).unwrap_or(usize::MAX);
        self.session.list.reserve(expected.min(MAX_RESERVE).min(bound));
        self.session.selected = 0;
        self.session.list_offset = 0;
        self.scan_asked();
        self.session.scan = Some(ScanState {
            predicted_rcu,
            scope: scope.clone(),
            expected_items,
            ..ScanState::new(id, self.now, spec.segments, max_rcu_per_sec)
        });
        let table = self.session.name.clone();
        Some(Request::Scan { id, table, spec, from: Vec::new(), scope })
    }

    /// `r`: a scan that stopped before its end goes on from where each of its segments
    /// stopped, keeping what it loaded; otherwise a new scan starts.
    pub(super) fn rescan(&mut self) -> Option<Request> {
        self.ask_bound_again();
        // After a query, `r` returns to the full scan.
        let resumable = self.session.scan.as_ref().is_some_and(ScanState::resumable)
            && self.session.query.spec.is_none();
        if !resumable
            || !matches!(&self.session.table, TableState::Present(info) if info.status == TableStatus::Active)
        {
            return self.start_scan();
        }
        let id = self.next_scan_id;
        self.next_scan_id += 1;
        self.scan_asked();
        let keep = self.scan_scope(self.session.list.loaded() as u64).keep;
        let scan = self.session.scan.as_mut()?;
        scan.scope.keep = keep;
        let scope = scan.scope.clone();
        scan.id = id;
        scan.outcome = ScanOutcome::Running;
        scan.finished = None;
        let from = scan.cursors.clone();
        let spec = ScanSpec {
            max_rcu_per_sec: scan.max_rcu_per_sec,
            segments: scan.segments,
            ..self.config.scan_spec
        };
        let note = format!(
            "resuming the scan: {} of {} segments left",
            scan.segments - scan.segments_done(),
            scan.segments
        );
        self.info(note.clone());
        self.scan_line = note;
        Some(Request::Scan { id, table: self.session.name.clone(), spec, from, scope })
    }

    /// Esc: stops the running scan, keeping what it loaded.
    pub(super) fn cancel_scan(&mut self) -> Vec<Request> {
        let Some(scan) = self.session.scan.as_mut().filter(|s| s.outcome == ScanOutcome::Running)
        else {
            return Vec::new();
        };
        scan.outcome = ScanOutcome::Cancelled;
        scan.finished = Some(self.now);
        let id = scan.id;
        self.settle_keeping_selection();
        let (what, then) = match self.session.query.spec {
            Some(_) => ("query", "r returns to the full scan"),
            None => ("scan", "r goes on"),
        };
        self.info(format!(
            "{what} stopped: {} loaded; {then}",
            crate::text::count(self.session.list.loaded(), "wallet")
        ));
        vec![Request::CancelScan { id }]
    }

    /// Takes a page of the running scan; a page of any other scan is stale.
    pub(super) fn complete_scan_page(&mut self, mut page: ScanPage) {
        let now = self.now;
        if let Some(max) = self.config.max_wallets.filter(|_| self.session.query.spec.is_none()) {
            // The worker keeps to the bound; a stream insert may have taken room since.
            // (A query's results are all kept: the user asked for exactly those.)
            let room = max.saturating_sub(self.session.list.loaded() as u64);
            page.wallets.truncate(usize::try_from(room).unwrap_or(usize::MAX));
        }
        if self.running_scan(page.id).is_some() {
            self.keep_newer(&mut page.wallets);
        }
        let Some(scan) = self.running_scan(page.id) else { return };
        if let Some(figures) = page.figures.take() {
            scan.figures.merge(&figures);
        }
        scan.pages += 1;
        scan.scanned += page.scanned;
        scan.skipped += page.skipped;
        scan.rcu += page.consumed_rcu.unwrap_or(0.0);
        scan.first_page.get_or_insert(now);
        if let Some(cursor) = scan.cursors.get_mut(page.segment as usize) {
            *cursor = page.then();
        }
        if scan.segments_done() >= scan.segments {
            scan.outcome = ScanOutcome::Complete;
            scan.finished = Some(now);
        }
        let complete = scan.outcome == ScanOutcome::Complete;
        self.list_extend(page.wallets);
        if complete {
            self.prune_marks();
            self.settle_keeping_selection();
            // "scan stopped …" or "resuming …" no longer holds.
            if self.status_line.as_ref().is_some_and(|l| l.text == self.scan_line) {
                let loaded = self.session.list.loaded();
                self.info(format!("scan complete: {loaded} wallets loaded"));
            }
        }
    }

    /// A segment failed: the whole scan stops (the other segments are cancelled,
    /// their pages would be dropped anyway); what was loaded stays.
    pub(super) fn scan_failed(
        &mut self,
        id: ScanId,
        segment: u32,
        error: ApiError,
    ) -> Vec<Request> {
        let now = self.now;
        let Some(scan) = self.running_scan(id) else { return Vec::new() };
        let why = format!("segment {segment}: {}", error.summary());
        scan.outcome = ScanOutcome::Failed(why.clone());
        scan.finished = Some(now);
        let done = scan.segments_done();
        let segments = scan.segments;
        self.settle_keeping_selection();
        if self.session.query.spec.is_some() {
            self.query_failed(&error);
            return vec![Request::CancelScan { id }];
        }
        let loaded = crate::text::count(self.session.list.loaded(), "wallet");
        // What holds and what to do first; the cause, often long, last.
        self.scan_line = format!(
            "scan stopped with {loaded} loaded, {done} of {segments} segments \
             complete; r resumes where each segment stopped ({why})"
        );
        self.error(self.scan_line.clone());
        vec![Request::CancelScan { id }]
    }

    fn running_scan(&mut self, id: ScanId) -> Option<&mut ScanState> {
        self.session.scan.as_mut().filter(|s| s.id == id && s.outcome == ScanOutcome::Running)
    }

    /// Merges rows appended during a sorted scan into order, at most twice a second.
    pub(super) fn settle_list(&mut self) {
        if self.session.list.needs_settle()
            && self.now.duration_since(self.session.last_settle) >= SETTLE_EVERY
        {
            self.settle_keeping_selection();
            self.session.last_settle = self.now;
        }
    }

    /// Brings the list's order up to date; the selected wallet stays selected
    /// even when rows merged in above it move it down.
    pub(super) fn settle_keeping_selection(&mut self) {
        if !self.session.list.needs_settle() {
            return;
        }
        let keep = self.selected_wallet().map(|w| w.user_id.clone());
        self.session.list.settle();
        match keep.and_then(|id| self.session.list.position_of(&id)) {
            Some(position) => self.select(position),
            None => self.clamp_selection(),
        }
    }

    /// The table is gone or not yet there: nothing loaded is valid any more.
    pub(super) fn forget_wallets(&mut self) {
        self.list_clear();
        self.reset_query(None);
        self.session.scan = None;
        self.session.selected = 0;
        self.session.list_offset = 0;
    }
}

#[cfg(test)]
mod tests;
