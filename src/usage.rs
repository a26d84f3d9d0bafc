//! What this session's DynamoDB calls consumed, against what the table can take: the last
//! call's cost, totals per kind of call, a rolling 60-second window of RCU/s and WCU/s in
//! per-second buckets, and the SDK's retry and throttle counts.
//!
//! Pure: no IO, no clock (every method takes `now`), no ratatui. Where an endpoint reports no
//! consumed capacity, the cost is computed from item sizes with [`crate::capacity`] and
//! marked `estimated`.

use std::time::Instant;

use crate::capacity::{self, Consistency};
use crate::json;
use crate::msg::{QueryPage, Response, ScanPage};
use crate::wallet::Wallet;
use crate::write::WriteKind;

/// The name queries of the table itself are counted under in [`Usage::query_units_by_index`].
pub const TABLE_SOURCE: &str = "table";

/// Seconds in the rolling window (one bucket each).
pub const WINDOW_SECS: usize = 60;
/// Seconds averaged by [`Usage::rate_now`].
pub const RATE_NOW_SECS: u64 = 5;

/// The kinds of call whose cost is kept apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OpKind {
    Scan,
    /// A Query of the table or of a secondary index.
    Query,
    Get,
    Put,
    Update,
    Delete,
    /// A transfer (two items). Like every wallet write, one TransactWriteItems: each item
    /// costs twice a plain write.
    Transact,
    /// DescribeTable, CreateTable, UpdateTable, DeleteTable: counted, never charged
    /// capacity units.
    Table,
}

impl OpKind {
    /// Every kind, in display order.
    pub const ALL: [OpKind; 8] = [
        OpKind::Scan,
        OpKind::Query,
        OpKind::Get,
        OpKind::Put,
        OpKind::Update,
        OpKind::Delete,
        OpKind::Transact,
        OpKind::Table,
    ];

    /// The kind of a wallet write.
    pub fn of_write(kind: &WriteKind) -> OpKind {
        match kind {
            WriteKind::Create { .. } | WriteKind::PutItem { .. } => OpKind::Put,
            WriteKind::SetBalance { .. } | WriteKind::SetOver { .. } => OpKind::Update,
            WriteKind::Delete { .. } | WriteKind::DeleteOver { .. } => OpKind::Delete,
            WriteKind::Transfer { .. } => OpKind::Transact,
        }
    }

    /// The call's name; "tx": every wallet write is one TransactWriteItems.
    pub fn name(self) -> &'static str {
        match self {
            OpKind::Scan => "Scan",
            OpKind::Query => "Query",
            OpKind::Get => "GetItem",
            OpKind::Put => "Put (tx)",
            OpKind::Update => "Update (tx)",
            OpKind::Delete => "Delete (tx)",
            OpKind::Transact => "Transfer (tx)",
            OpKind::Table => "table call",
        }
    }

    fn index(self) -> usize {
        match self {
            OpKind::Scan => 0,
            OpKind::Get => 1,
            OpKind::Put => 2,
            OpKind::Update => 3,
            OpKind::Delete => 4,
            OpKind::Transact => 5,
            OpKind::Table => 6,
            OpKind::Query => 7,
        }
    }
}

/// Read or write capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Units {
    /// Read capacity units (RCU).
    Read,
    /// Write capacity units (WCU).
    Write,
}

/// What the calls of one kind consumed in this session.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Totals {
    /// Completed calls.
    pub calls: u64,
    pub rcu: f64,
    pub wcu: f64,
    /// Calls whose cost was computed from item sizes, not reported by the endpoint.
    pub estimated: u64,
}

impl Totals {
    fn add(&mut self, rcu: f64, wcu: f64, estimated: bool) {
        self.calls += 1;
        self.rcu += rcu;
        self.wcu += wcu;
        self.estimated += u64::from(estimated);
    }
}

/// One recorded call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Call {
    pub kind: OpKind,
    pub at: Instant,
    pub rcu: f64,
    pub wcu: f64,
    pub estimated: bool,
}

/// Units consumed during one second of the session.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Bucket {
    /// Whole seconds since the session's epoch.
    second: u64,
    rcu: f64,
    wcu: f64,
}

/// The session's consumption.
#[derive(Debug, Clone, PartialEq)]
pub struct Usage {
    /// Bucket seconds count from here.
    epoch: Instant,
    /// Ring of per-second buckets, indexed by `second % WINDOW_SECS`.
    buckets: [Bucket; WINDOW_SECS],
    totals: [Totals; OpKind::ALL.len()],
    /// The last data call (table calls cost nothing and would hide it).
    last: Option<Call>,
    /// Read units of queries, per index queried ("table" for the table itself), by name.
    by_index: std::collections::BTreeMap<String, f64>,
    /// SDK attempts beyond each call's first (cumulative, from the worker).
    pub retries: u64,
    /// Attempts refused for throughput or request rate (cumulative, from the worker).
    pub throttled: u64,
}

impl Usage {
    /// An empty record whose seconds count from `epoch`.
    pub fn new(epoch: Instant) -> Self {
        Usage {
            epoch,
            buckets: [Bucket::default(); WINDOW_SECS],
            totals: [Totals::default(); OpKind::ALL.len()],
            last: None,
            by_index: Default::default(),
            retries: 0,
            throttled: 0,
        }
    }

    /// Records one completed call that consumed `rcu` and `wcu` at `now`; `estimated` when
    /// the units were computed here rather than reported by the endpoint.
    pub fn record(&mut self, now: Instant, kind: OpKind, rcu: f64, wcu: f64, estimated: bool) {
        self.totals[kind.index()].add(rcu, wcu, estimated);
        if kind != OpKind::Table {
            self.last = Some(Call { kind, at: now, rcu, wcu, estimated });
        }
        let second = self.second(now);
        let bucket = &mut self.buckets[slot(second)];
        if bucket.second < second {
            *bucket = Bucket { second, rcu: 0.0, wcu: 0.0 };
        }
        // A bucket already holding a later second means `now` fell out of the window.
        if bucket.second == second {
            bucket.rcu += rcu;
            bucket.wcu += wcu;
        }
    }

    /// A scan page: the units the endpoint reported, or the sum of its wallets' sizes
    /// charged as one page (items that are not wallets are not known here, so an
    /// estimate can be low). A page of a superseded or cancelled scan was paid for too.
    pub fn record_scan_page(&mut self, now: Instant, page: &ScanPage, consistent: bool) {
        let (rcu, estimated) = match page.consumed_rcu {
            Some(rcu) => (rcu, false),
            None => {
                let bytes = page.wallets.iter().map(item_size).sum();
                (capacity::scan_page_read_units(bytes, consistency(consistent)), true)
            }
        };
        self.record(now, OpKind::Scan, rcu, 0.0, estimated);
    }

    /// A query page: like a scan page, and its units counted against the index that
    /// consumed them (DynamoDB's per-index report; without one, the index queried).
    pub fn record_query_page(&mut self, now: Instant, page: &QueryPage) {
        let (rcu, estimated) = match page.page.consumed_rcu {
            Some(rcu) => (rcu, false),
            None => {
                let bytes = page.page.wallets.iter().map(item_size).sum();
                (capacity::scan_page_read_units(bytes, Consistency::Eventual), true)
            }
        };
        self.record(now, OpKind::Query, rcu, 0.0, estimated);
        if page.indexes.is_empty() {
            let name = page.index.clone().unwrap_or_else(|| TABLE_SOURCE.to_string());
            *self.by_index.entry(name).or_default() += rcu;
        }
        for (name, units) in &page.indexes {
            *self.by_index.entry(name.clone()).or_default() += units;
        }
    }

    /// Read units the queries consumed, per index ("table": queries of the table itself),
    /// in name order.
    pub fn query_units_by_index(&self) -> impl Iterator<Item = (&str, f64)> {
        self.by_index.iter().map(|(name, units)| (name.as_str(), *units))
    }

    /// A GetItem that answered: reported units, or the found item's size (a missing item
    /// still costs one read).
    pub fn record_get(
        &mut self,
        now: Instant,
        found: Option<&Wallet>,
        consumed_rcu: Option<f64>,
        consistent: bool,
    ) {
        let (rcu, estimated) = match consumed_rcu {
            Some(rcu) => (rcu, false),
            None => {
                let bytes = found.map_or(0, item_size);
                (capacity::read_units(bytes, consistency(consistent)), true)
            }
        };
        self.record(now, OpKind::Get, rcu, 0.0, estimated);
    }

    /// A write that went through: reported units, or the larger of the item's sizes before
    /// (`old`, as last seen) and after (`new`) the write.
    pub fn record_write(
        &mut self,
        now: Instant,
        kind: OpKind,
        consumed_wcu: Option<f64>,
        old: Option<&Wallet>,
        new: Option<&Wallet>,
    ) {
        let (wcu, estimated) = match consumed_wcu {
            Some(wcu) => (wcu, false),
            None => {
                // Every wallet write is one transaction; a transfer's has two items.
                let bytes = old.map_or(0, item_size).max(new.map_or(0, item_size));
                let items = if kind == OpKind::Transact { 2.0 } else { 1.0 };
                (items * capacity::transactional_write_units(bytes), true)
            }
        };
        self.record(now, kind, 0.0, wcu, estimated);
    }

    /// Counts a table call (describe, create, update, delete) that went through; no units.
    /// Any other response is left alone.
    pub fn record_table_call(&mut self, now: Instant, response: &Response) {
        let ok = match response {
            Response::Described { result, .. } => result.is_ok(),
            Response::Created { result, .. } | Response::TableUpdated { result, .. } => {
                result.is_ok()
            }
            Response::Deleted { result, .. } => result.is_ok(),
            _ => false,
        };
        if ok {
            self.record(now, OpKind::Table, 0.0, 0.0, false);
        }
    }

    /// Takes the worker's cumulative retry and throttle counts (never going back).
    pub fn set_call_stats(&mut self, retries: u64, throttled: u64) {
        self.retries = self.retries.max(retries);
        self.throttled = self.throttled.max(throttled);
    }

    /// The last data call, if any.
    pub fn last(&self) -> Option<&Call> {
        self.last.as_ref()
    }

    /// What calls of `kind` consumed.
    pub fn totals(&self, kind: OpKind) -> Totals {
        self.totals[kind.index()]
    }

    /// Every kind together.
    pub fn total(&self) -> Totals {
        self.totals.iter().fold(Totals::default(), |sum, t| Totals {
            calls: sum.calls + t.calls,
            rcu: sum.rcu + t.rcu,
            wcu: sum.wcu + t.wcu,
            estimated: sum.estimated + t.estimated,
        })
    }

    /// Units consumed in each of the last [`WINDOW_SECS`] seconds, oldest first, the
    /// current (partial) second last. One-second buckets: each value is also a rate per second.
    pub fn rate_series(&self, now: Instant, units: Units) -> [f64; WINDOW_SECS] {
        let current = self.second(now);
        std::array::from_fn(|i| {
            let back = (WINDOW_SECS - 1 - i) as u64;
            current.checked_sub(back).map_or(0.0, |second| self.units_in(second, units))
        })
    }

    /// The recent rate: units per second over the last [`RATE_NOW_SECS`] seconds (the current
    /// one included), or over the whole session while it is younger than that.
    pub fn rate_now(&self, now: Instant, units: Units) -> f64 {
        let current = self.second(now);
        let span = RATE_NOW_SECS.min(current + 1);
        let sum: f64 = (current + 1 - span..=current).map(|s| self.units_in(s, units)).sum();
        sum / span as f64
    }

    fn units_in(&self, second: u64, units: Units) -> f64 {
        let bucket = &self.buckets[slot(second)];
        match (bucket.second == second, units) {
            (false, _) => 0.0,
            (true, Units::Read) => bucket.rcu,
            (true, Units::Write) => bucket.wcu,
        }
    }

    fn second(&self, now: Instant) -> u64 {
        now.saturating_duration_since(self.epoch).as_secs()
    }
}

fn slot(second: u64) -> usize {
    (second % WINDOW_SECS as u64) as usize
}

fn consistency(consistent: bool) -> Consistency {
    if consistent { Consistency::Strong } else { Consistency::Eventual }
}

/// A wallet's DynamoDB item size in bytes.
pub fn item_size(wallet: &Wallet) -> u64 {
    capacity::item_size(json::attributes(wallet).iter().map(|(n, v)| (*n, v)))
}

/// Predicted read units of a full scan of a table of `size_bytes` (DescribeTable's
/// `TableSizeBytes`): (strongly consistent, eventually consistent).
pub fn full_scan_units(size_bytes: i64) -> (f64, f64) {
    let bytes = u64::try_from(size_bytes).unwrap_or(0);
    (
        capacity::full_scan_read_units(bytes, Consistency::Strong),
        capacity::full_scan_read_units(bytes, Consistency::Eventual),
    )
}

/// `rate` as a share of `provisioned` units per second (1.0 = all of it); `None` without a
/// positive limit.
pub fn utilization(rate: f64, provisioned: i64) -> Option<f64> {
    (provisioned > 0).then(|| rate / provisioned as f64)
}

#[cfg(test)]
mod tests;
