//! The scan's lifecycle in the app: start when the table is usable, take pages
//! of the current scan only, count progress, cancel on request.

use std::time::{Duration, Instant};

use super::{App, TableState};
use crate::msg::{ApiError, Request, ScanId, ScanPage};
use crate::table::TableStatus;

/// How often rows appended during a sorted scan are merged into order.
const SETTLE_EVERY: Duration = Duration::from_millis(500);

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
    pub segments_done: u32,
    pub outcome: ScanOutcome,
}

impl ScanState {
    /// Items loaded per second so far.
    pub fn rate(&self, loaded: usize, now: Instant) -> f64 {
        let end = self.finished.unwrap_or(now);
        let secs = end.saturating_duration_since(self.started).as_secs_f64();
        if secs > 0.0 { loaded as f64 / secs } else { 0.0 }
    }
}

impl App {
    /// Starts a scan if none ran yet and the table is ACTIVE.
    pub(super) fn due_scan(&mut self) -> Option<Request> {
        if self.scan.is_some() {
            return None;
        }
        self.start_scan()
    }

    /// A new scan: clears the list, supersedes any running scan.
    pub(super) fn start_scan(&mut self) -> Option<Request> {
        let TableState::Present(info) = &self.table else { return None };
        if info.status != TableStatus::Active {
            return None;
        }
        let id = self.next_scan_id;
        self.next_scan_id += 1;
        self.list.clear();
        self.selected = 0;
        self.list_offset = 0;
        self.scan = Some(ScanState {
            id,
            started: self.now,
            first_page: None,
            finished: None,
            pages: 0,
            scanned: 0,
            skipped: 0,
            rcu: 0.0,
            segments: self.scan_spec.segments.max(1),
            segments_done: 0,
            outcome: ScanOutcome::Running,
        });
        Some(Request::Scan { id, table: self.table_name.clone(), spec: self.scan_spec })
    }

    /// Esc: stops the running scan, keeping what it loaded.
    pub(super) fn cancel_scan(&mut self) -> Vec<Request> {
        let Some(scan) = self.scan.as_mut().filter(|s| s.outcome == ScanOutcome::Running) else {
            return Vec::new();
        };
        scan.outcome = ScanOutcome::Cancelled;
        scan.finished = Some(self.now);
        let id = scan.id;
        self.list.settle();
        self.info(format!("scan stopped: {} wallets loaded", self.list.loaded()));
        vec![Request::CancelScan { id }]
    }

    /// Takes a page of the running scan; a page of any other scan is stale.
    pub(super) fn complete_scan_page(&mut self, page: ScanPage) {
        let now = self.now;
        let Some(scan) = self.running_scan(page.id) else { return };
        scan.pages += 1;
        scan.scanned += page.scanned;
        scan.skipped += page.skipped;
        scan.rcu += page.consumed_rcu.unwrap_or(0.0);
        scan.first_page.get_or_insert(now);
        if page.last {
            scan.segments_done += 1;
            if scan.segments_done >= scan.segments {
                scan.outcome = ScanOutcome::Complete;
                scan.finished = Some(now);
            }
        }
        let complete = scan.outcome == ScanOutcome::Complete;
        self.list.extend(page.wallets);
        if complete {
            self.list.settle();
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
        self.list.settle();
        self.error(format!("scan failed ({why}); r rescans"));
        vec![Request::CancelScan { id }]
    }

    fn running_scan(&mut self, id: ScanId) -> Option<&mut ScanState> {
        self.scan.as_mut().filter(|s| s.id == id && s.outcome == ScanOutcome::Running)
    }

    /// Merges rows appended during a sorted scan into order, at most twice a second.
    pub(super) fn settle_list(&mut self) {
        if self.list.needs_settle() && self.now.duration_since(self.last_settle) >= SETTLE_EVERY {
            self.list.settle();
            self.last_settle = self.now;
            self.clamp_selection();
        }
    }

    /// The table is gone or not yet there: nothing loaded is valid any more.
    pub(super) fn forget_wallets(&mut self) {
        self.list.clear();
        self.scan = None;
        self.selected = 0;
        self.list_offset = 0;
    }
}
