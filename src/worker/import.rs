//! The import's calls: the diff (BatchGetItem, strongly consistent) that sorts a file's
//! wallets into new, different and identical, and the writes, each through the one write
//! path ([`WriteAhead`]: journaled intent, one TransactWriteItems whose token is its op id,
//! outcome), concurrent and paced by a write budget.
//!
//! A new wallet is put only if none exists; a different one only with `overwrite`, and then
//! only if the table still holds every attribute the diff read: otherwise it is a conflict,
//! reported and left alone. Writes an interrupted run left open are settled first (sent
//! again with their token: never applied twice); a re-run then finds them identical.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};
use futures::StreamExt;

use super::errors::classify;
use super::item::{Item, attr_value};
use super::reads::CONSUMED;
use super::tables;
use super::write_ahead::WriteAhead;
use crate::capacity;
use crate::error::{ApiError, ErrorKind};
use crate::import::{Attrs, BadRow, Row, canonical};
use crate::journal::Journal;
use crate::msg::Response;
use crate::table::BillingMode;
use crate::text::visible_text;
use crate::wallet::{AttrValue, BALANCE, USER_ID, Wallet};
use crate::write::{Write, WriteDone, WriteError, WriteKind, typed};

/// Keys per BatchGetItem (DynamoDB's limit).
const BATCH_GET: usize = 100;
/// BatchGetItem calls in flight at once.
const READS_IN_FLIGHT: usize = 8;
/// Attempts for a batch's unprocessed keys before the diff gives up.
const UNPROCESSED_ATTEMPTS: u32 = 10;

/// A file's wallets against the table.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// No wallet has their user_id.
    pub new: Vec<Row>,
    /// A wallet with their user_id holds something else: (the file's, the table's).
    pub different: Vec<(Row, Attrs)>,
    /// Already stored exactly so: nothing to write.
    pub identical: usize,
    /// Read units the diff consumed.
    pub consumed_rcu: f64,
}

/// An import file validated and diffed (its rows taken into the plan), for the app's
/// confirmation and then its writes.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub path: std::path::PathBuf,
    /// The file's format, header and bad rows (those a CSV's comparison refused included).
    pub parsed: crate::import::Parsed,
    pub plan: Plan,
}

/// How the writes go.
#[derive(Debug, Clone)]
pub struct WriteOptions {
    /// Write the different wallets too (each only if still as read).
    pub overwrite: bool,
    /// Write units per second at most (`None`: unpaced).
    pub wcu_per_sec: Option<f64>,
    /// Writes in flight at once.
    pub concurrency: usize,
}

/// How far the writes are, for a progress line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Writes finished (whatever their outcome).
    pub done: u64,
    pub total: u64,
    pub written: u64,
    pub conflicts: u64,
    /// Write units consumed so far.
    pub wcu: f64,
    pub elapsed: Duration,
}

/// What the writes came to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    pub written: u64,
    /// Not written: the wallet was not as the diff read it (user_id, what it is now).
    pub conflicts: Vec<(String, String)>,
    /// Not written: refused, or outcome unknown (user_id, why).
    pub failed: Vec<(String, String)>,
    /// Different wallets left alone (no `overwrite`).
    pub skipped: u64,
    pub wcu: f64,
    pub elapsed: Duration,
}

/// The writes an earlier run left open, settled: how many by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Settled {
    pub applied: u64,
    pub not_applied: u64,
    /// Still unknown (no answer again): a later run settles them.
    pub unknown: u64,
}

impl Settled {
    pub fn total(&self) -> u64 {
        self.applied + self.not_applied + self.unknown
    }
}

/// Imports into one table through one write-ahead journal.
pub struct Importer {
    client: Client,
    table: String,
    writes: Arc<WriteAhead>,
}

/// What one write came to, told as it ends: the write, the wallets read back while settling it
/// (answered to the app like reads), its outcome, and the progress of them all.
pub type Each<'a> =
    &'a (dyn Fn(&Write, Vec<Response>, &Result<WriteDone, WriteError>, Progress) + Sync);

impl Importer {
    /// `endpoint` labels the journal's lines (see [`super::endpoint_label`]).
    pub fn new(client: Client, table: &str, journal: Option<Journal>, endpoint: String) -> Self {
        let writes = Arc::new(WriteAhead::new(journal, endpoint, None));
        Importer { client, table: table.to_string(), writes }
    }

    /// An importer whose writes go through the app worker's own write path (its journal,
    /// its writes of unknown outcome).
    pub(super) fn sharing(client: Client, table: &str, writes: Arc<WriteAhead>) -> Self {
        Importer { client, table: table.to_string(), writes }
    }

    /// Settles the writes an earlier run left open on this table (same request, same token:
    /// applied at most once); returns how many there were.
    pub async fn settle_open(&self) -> Settled {
        let mut settled = Settled::default();
        for (_, (_, result)) in self.writes.resolve(&self.client, &self.table).await {
            match result {
                Ok(_) => settled.applied += 1,
                Err(WriteError::Unknown(_)) => settled.unknown += 1,
                Err(_) => settled.not_applied += 1,
            }
        }
        settled
    }

    /// The write budget: `max_wcu` if given, else `percent` of a provisioned table's write
    /// capacity; `None` (unpaced) for an on-demand table without `max_wcu`.
    pub async fn budget(
        &self,
        percent: f64,
        max_wcu: Option<f64>,
    ) -> Result<Option<f64>, ApiError> {
        if max_wcu.is_some() {
            return Ok(max_wcu);
        }
        let info = tables::describe_table(&self.client, &self.table).await?;
        let info = info.ok_or_else(|| {
            ApiError::new(ErrorKind::NotFound, format!("no table {}", self.table))
        })?;
        Ok(match info.billing {
            BillingMode::Provisioned { write, .. } => Some(write as f64 * percent / 100.0),
            BillingMode::OnDemand => None,
        })
    }

    /// Reads every row's wallet (strongly consistent) and sorts the rows.
    pub async fn diff(&self, rows: Vec<Row>) -> Result<Plan, ApiError> {
        let mut plan = Plan::default();
        let chunks: Vec<Vec<Row>> = rows.chunks(BATCH_GET).map(<[Row]>::to_vec).collect();
        let mut reads = futures::stream::iter(chunks)
            .map(|chunk| async move {
                let ids: Vec<String> = chunk.iter().map(|r| r.user_id.clone()).collect();
                self.batch_get(&ids).await.map(|found| (chunk, found))
            })
            .buffer_unordered(READS_IN_FLIGHT);
        while let Some(result) = reads.next().await {
            let (chunk, (mut found, rcu)) = result?;
            plan.consumed_rcu += rcu;
            for row in chunk {
                match found.remove(&row.user_id) {
                    None => plan.new.push(row),
                    // An overwrite sets the file's attributes only: those it does not
                    // carry stay, so they make no difference.
                    Some(stored) if row.item.iter().all(|(n, v)| stored.get(n) == Some(v)) => {
                        plan.identical += 1
                    }
                    Some(stored) => plan.different.push((row, stored)),
                }
            }
        }
        plan.new.sort_by_key(|r| r.line);
        plan.different.sort_by_key(|(r, _)| r.line);
        Ok(plan)
    }

    /// The stored wallets of `ids` (canonical), and the read units consumed.
    async fn batch_get(&self, ids: &[String]) -> Result<(HashMap<String, Attrs>, f64), ApiError> {
        let keys: Vec<Item> = ids
            .iter()
            .map(|id| [(USER_ID.to_string(), AttributeValue::S(id.clone()))].into())
            .collect();
        let mut pending = Some(keys);
        let (mut found, mut rcu) = (HashMap::new(), 0.0);
        let mut attempt = 0;
        while let Some(keys) = pending.take().filter(|k| !k.is_empty()) {
            attempt += 1;
            if attempt > UNPROCESSED_ATTEMPTS {
                return Err(ApiError::new(ErrorKind::Throttled, "keys left unprocessed"));
            }
            if attempt > 1 {
                tokio::time::sleep(Duration::from_millis(50 << attempt.min(6))).await;
            }
            let request = KeysAndAttributes::builder()
                .set_keys(Some(keys))
                .consistent_read(true)
                .build()
                .map_err(super::errors::build_error)?;
            let out = self
                .client
                .batch_get_item()
                .request_items(&self.table, request)
                .return_consumed_capacity(CONSUMED)
                .send()
                .await
                .map_err(classify)?;
            rcu += out.consumed_capacity().iter().filter_map(|c| c.capacity_units()).sum::<f64>();
            for item in out.responses().and_then(|r| r.get(&self.table)).into_iter().flatten() {
                if let Some((id, attrs)) = stored_attrs(item) {
                    found.insert(id, attrs);
                }
            }
            pending =
                out.unprocessed_keys().and_then(|u| u.get(&self.table)).map(|k| k.keys().to_vec());
        }
        Ok((found, rcu))
    }

    /// Writes the plan's new wallets (and different ones with `overwrite`), `progress` told
    /// after each.
    pub async fn write(
        &self,
        plan: &Plan,
        options: &WriteOptions,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Report {
        let (writes, skipped) = writes_of(plan, options.overwrite);
        self.write_all(writes, skipped, options, &|_, _, _, p| progress(p), None).await
    }

    /// Sends `writes` (each through the write-ahead path, conditional as built), concurrent
    /// and paced by the options' budget; `each` is told of every one as it ends. Once `stop`
    /// is cancelled no further write is sent (those sent end as usual).
    pub async fn write_all(
        &self,
        writes: Vec<Write>,
        skipped: u64,
        options: &WriteOptions,
        each: Each<'_>,
        stop: Option<&tokio_util::sync::CancellationToken>,
    ) -> Report {
        let total = writes.len() as u64;
        let pacer = Pacer::new(options.wcu_per_sec);
        let start = Instant::now();
        let finished = AtomicU64::new(0);
        let report = Mutex::new(Report { skipped, ..Report::default() });
        futures::stream::iter(groups(writes, options.wcu_per_sec))
            .for_each_concurrent(options.concurrency.max(1), |group| {
                let (pacer, finished, report) = (&pacer, &finished, &report);
                async move {
                    let stopped = || stop.is_some_and(|s| s.is_cancelled());
                    if stopped() {
                        return;
                    }
                    let wcu = group.iter().map(estimate).sum();
                    match stop {
                        Some(stop) => tokio::select! {
                            () = stop.cancelled() => return,
                            () = pacer.take(wcu) => {}
                        },
                        None => pacer.take(wcu).await,
                    }
                    let (settled, resent) =
                        self.writes.write_group(&self.client, &self.table, group.clone()).await;
                    // What went more than once is charged too, after the fact: the next
                    // groups wait for it.
                    let again: f64 =
                        resent.iter().filter_map(|&i| group.get(i)).map(estimate).sum();
                    if again > 0.0 {
                        pacer.charge(again).await;
                    }
                    for (write, (read_backs, result)) in group.iter().zip(settled) {
                        let mut report =
                            report.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                        record(&mut report, write, &result);
                        let done = finished.fetch_add(1, Ordering::Relaxed) + 1;
                        let progress = Progress {
                            done,
                            total,
                            written: report.written,
                            conflicts: report.conflicts.len() as u64,
                            wcu: report.wcu,
                            elapsed: start.elapsed(),
                        };
                        drop(report);
                        each(write, read_backs, &result, progress);
                    }
                }
            })
            .await;
        let mut report = report.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
        report.elapsed = start.elapsed();
        report.conflicts.sort();
        report.failed.sort();
        report
    }
}

/// The writes of a plan (the new wallets; the different ones with `overwrite`), and how many
/// different ones are left alone.
pub fn writes_of(plan: &Plan, overwrite: bool) -> (Vec<Write>, u64) {
    let mut writes: Vec<Write> = plan.new.iter().map(|row| put(row, None)).collect();
    if overwrite {
        writes.extend(plan.different.iter().map(|(row, seen)| put(row, Some(seen.clone()))));
    }
    let skipped = if overwrite { 0 } else { plan.different.len() as u64 };
    (writes, skipped)
}

fn record(report: &mut Report, write: &Write, result: &Result<WriteDone, WriteError>) {
    let id = write.user_id.clone();
    match result {
        Ok(done) => {
            report.written += 1;
            report.wcu += done.consumed_wcu.unwrap_or(0.0);
        }
        Err(WriteError::Conflict { current }) => {
            let now = match (current, &write.kind) {
                (None, _) => "no such wallet now".to_string(),
                (Some(_), WriteKind::PutItem { seen: None, .. }) => "created meanwhile".to_string(),
                (Some(now), WriteKind::PutItem { item, seen: Some(seen) }) => {
                    changed(now, item, seen)
                }
                (Some(now), _) => match now.balance {
                    Some(b) => format!("changed meanwhile: balance now {b}"),
                    None => "changed meanwhile".to_string(),
                },
            };
            report.conflicts.push((id, now));
        }
        Err(WriteError::Refused(e)) => report.failed.push((id, e.summary())),
        Err(WriteError::Cancelled(why)) => report.failed.push((id, why.clone())),
        Err(WriteError::Unknown(u)) => report.failed.push((
            id,
            format!(
                "outcome unknown ({}): settled by sending it again unchanged (a re-run, or r in \
                 the app)",
                u.error.summary()
            ),
        )),
    }
}

/// A CSV's rows against the table: a cell is text, so where the wallet holds another type
/// the cell is compared with what export writes for it (`3`, `true`, `["a"]`). Equal: the
/// attribute is left out of the write (it stays as stored, type and all); different: the
/// row is refused, returned as a bad row, and never written (an import never retypes).
/// Rows left with nothing different become identical.
pub fn csv_against_table(plan: &mut Plan) -> Vec<BadRow> {
    let mut refused = Vec::new();
    let mut different = Vec::with_capacity(plan.different.len());
    for (mut row, stored) in std::mem::take(&mut plan.different) {
        let mut why = None;
        let mut same = Vec::new();
        for (name, value) in &row.item {
            let (AttrValue::S(cell), Some(held)) = (value, stored.get(name)) else { continue };
            if name == USER_ID || name == BALANCE || matches!(held, AttrValue::S(_)) {
                continue;
            }
            if crate::export::cell(held) == **cell {
                same.push(name.clone());
            } else if why.is_none() {
                why = Some(format!(
                    "{name}: the table holds {} {}, the CSV the text {:?}: a CSV import never \
                     changes an attribute's type (use JSON Lines)",
                    held.type_name(),
                    crate::export::cell(held),
                    cell.as_ref()
                ));
            }
        }
        if let Some(reason) = why {
            refused.push(BadRow { line: row.line, reason, text: row.text });
            continue;
        }
        for name in same {
            row.item.remove(&name);
        }
        if row.item.iter().all(|(n, v)| stored.get(n) == Some(v)) {
            plan.identical += 1;
        } else {
            different.push((row, stored));
        }
    }
    plan.different = different;
    refused
}

/// Attributes named in a conflict at most (then "…").
const CHANGES_SHOWN: usize = 3;

/// What differs between the wallet as stored `now` and as the diff read it (`seen`), among
/// the attributes the write's condition covers: `changed meanwhile: currency now USD`.
fn changed(now: &Wallet, item: &Attrs, seen: &Attrs) -> String {
    let value = |name: &str| -> Option<AttrValue> {
        let value = match (name, now.balance) {
            (USER_ID, _) => seen.get(USER_ID).cloned(), // the key: the same wallet
            (BALANCE, Some(b)) => Some(AttrValue::N(b.to_string().into())),
            _ => now.attr(name),
        };
        value.map(|v| canonical(v.clone()).unwrap_or(v))
    };
    let names: BTreeSet<&String> = seen.keys().chain(item.keys()).collect();
    let diffs: Vec<String> = names
        .into_iter()
        .filter_map(|name| {
            let now = value(name);
            (now.as_ref() != seen.get(name)).then(|| match now {
                None => format!("{name} removed"),
                // Plain text for a string or a number, unless its type changed too.
                Some(AttrValue::S(text)) if !retyped(seen.get(name), "S") => {
                    format!("{name} now {}", visible_text(&text))
                }
                Some(AttrValue::N(n)) if !retyped(seen.get(name), "N") => {
                    format!("{name} now {n}")
                }
                Some(other) => format!("{name} now {}", typed(&other)),
            })
        })
        .collect();
    match diffs.len() {
        0 => "changed meanwhile".to_string(),
        n if n > CHANGES_SHOWN => {
            format!("changed meanwhile: {}, …", diffs[..CHANGES_SHOWN].join(", "))
        }
        _ => format!("changed meanwhile: {}", diffs.join(", ")),
    }
}

/// Whether a value of type `now` replaced one `seen` of another type.
fn retyped(seen: Option<&AttrValue>, now: &str) -> bool {
    seen.is_some_and(|v| v.type_name() != now)
}

/// The write of one row: its op id (a UUID v4) is its ClientRequestToken.
fn put(row: &Row, seen: Option<Attrs>) -> Write {
    Write {
        op_id: uuid::Uuid::new_v4().to_string(),
        user_id: row.user_id.clone(),
        kind: WriteKind::PutItem { item: row.item.clone(), seen },
    }
}

/// Writes per transaction at most: DynamoDB takes 100 actions in one.
const GROUP_WRITES: usize = 100;
/// A transaction's items stay under DynamoDB's 4 MB (counted as the write units' KB).
const GROUP_KB: f64 = 3500.0;

/// The writes cut into transactions' worth, in order. Paced at `rate` WCU per second, a
/// transaction spends at most a tenth of a second's budget (one write at least), so the
/// budget is kept within a second as well as on average.
fn groups(writes: Vec<Write>, rate: Option<f64>) -> Vec<Vec<Write>> {
    let most_wcu = rate.filter(|r| *r > 0.0).map_or(f64::INFINITY, |r| r / 10.0);
    let mut groups: Vec<Vec<Write>> = Vec::new();
    let (mut kb, mut wcu) = (0.0, 0.0);
    for write in writes {
        let units = estimate(&write);
        let size = units / 2.0;
        match groups.last_mut() {
            Some(group)
                if group.len() < GROUP_WRITES
                    && kb + size <= GROUP_KB
                    && wcu + units <= most_wcu =>
            {
                kb += size;
                wcu += units;
                group.push(write);
            }
            _ => {
                (kb, wcu) = (size, units);
                groups.push(vec![write]);
            }
        }
    }
    groups
}

/// The write units a put costs: 2 per KB of the larger of the item and the one it replaces.
fn estimate(write: &Write) -> f64 {
    let size = |attrs: &Attrs| capacity::item_size(attrs.iter().map(|(n, v)| (n.as_str(), v)));
    match &write.kind {
        WriteKind::PutItem { item, seen } => {
            // An overwrite's item afterwards: what was seen with the file's attributes set.
            let mut after = seen.clone().unwrap_or_default();
            after.extend(item.iter().map(|(n, v)| (n.clone(), v.clone())));
            capacity::transactional_write_units(size(&after).max(seen.as_ref().map_or(0, size)))
        }
        _ => 2.0,
    }
}

/// A stored item as the diff compares it: `(user_id, every attribute canonical)`.
fn stored_attrs(item: &Item) -> Option<(String, Attrs)> {
    let id = item.get(USER_ID)?.as_s().ok()?.clone();
    let attrs = item
        .iter()
        .map(|(name, value)| {
            let value = attr_value(value);
            (name.clone(), canonical(value.clone()).unwrap_or(value))
        })
        .collect();
    Some((id, attrs))
}

/// Spaces writes so they stay within `rate` write units per second on average.
struct Pacer {
    rate: Option<f64>,
    next: tokio::sync::Mutex<Instant>,
}

impl Pacer {
    fn new(rate: Option<f64>) -> Self {
        Pacer { rate: rate.filter(|r| *r > 0.0), next: tokio::sync::Mutex::new(Instant::now()) }
    }

    /// Waits for the turn of a write of `wcu` units.
    async fn take(&self, wcu: f64) {
        let Some(rate) = self.rate else { return };
        let at = {
            let mut next = self.next.lock().await;
            let at = (*next).max(Instant::now());
            *next = at + Duration::from_secs_f64(wcu / rate);
            at
        };
        tokio::time::sleep_until(at.into()).await;
    }

    /// Books `wcu` units already spent: the next turns come that much later.
    async fn charge(&self, wcu: f64) {
        let Some(rate) = self.rate else { return };
        let mut next = self.next.lock().await;
        *next = (*next).max(Instant::now()) + Duration::from_secs_f64(wcu / rate);
    }
}

#[cfg(test)]
mod tests;
