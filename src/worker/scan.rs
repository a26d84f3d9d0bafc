//! A scan as a cancellable job: one task per segment, each page sent to the UI
//! as soon as it arrives, tagged with the scan's id.
//!
//! A scan with a read budget ([`ScanSpec::max_rcu_per_sec`]) is paced: all its
//! segments share one [`Pacer`], which spaces their requests so that the scan
//! reads no faster than the budget, and shrinks their pages so that no single
//! page is a burst.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::scan::{ScanError, ScanOutput};
use aws_sdk_dynamodb::types::AttributeValue;
use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::AbortOnDropHandle;

use super::Replies;
use super::errors::classify;
use super::item::{Item, attr_value, sdk_value};
use super::page::{Page, PageReader};
use super::reads::CONSUMED;
use crate::aggregate::Aggregate;
use crate::capacity::{self, Consistency, PAGE_LIMIT_BYTES, READ_UNIT_BYTES};
use crate::error::{ApiError, ErrorKind};
use crate::json::{Shape, value_json};
use crate::msg::{Response, ScanId, ScanKey, ScanPage, ScanScope, ScanSpec, SegmentStart};
use crate::wallet::Wallet;

/// How much of the budget one paced page may read: half a second's worth.
///
/// DynamoDB meters throughput per second, so a page must stay within one second
/// of the budget, or a single response would be the very burst the budget is
/// there to prevent: the default `Limit` of 1000 items of 1 KB reads 125 RCU,
/// four minutes of half a 1-RCU table. With half a second, even two pages
/// landing in the same second stay within that second's budget, and each page is
/// a small part of the run, so the pace is even and the ETA moves smoothly.
/// Smaller pages would cost more requests and waste capacity, as every page
/// rounds its bytes up to whole 4 KB read units: a page is never made smaller
/// than one read unit's worth of items. (For an eventually consistent scan the
/// `Limit` is thus about `rate × 4 KB / average item size`.)
const PAGE_SECONDS: f64 = 0.5;

/// DynamoDB's largest item: the size assumed while no item has been read yet,
/// so that the first pages cannot be large whatever the table holds.
const MAX_ITEM_BYTES: f64 = 400.0 * 1024.0;

/// Runs every segment of a scan concurrently, each from where `from` says, until done or
/// cancelled. A segment already done sends nothing. The segments send at most
/// `scope.keep` wallets between them; past it, their pages carry only figures.
#[allow(clippy::too_many_arguments)]
pub async fn run(
    client: Client,
    id: ScanId,
    table: String,
    spec: ScanSpec,
    from: Vec<SegmentStart>,
    scope: ScanScope,
    cancel: CancellationToken,
    responses: Replies,
) {
    let keep = Arc::new(AtomicU64::new(scope.keep.unwrap_or(u64::MAX)));
    let filter = scope.filter.as_ref().and_then(crate::server_filter::expression);
    let figures: Option<Arc<str>> = scope.figures.as_deref().map(Arc::from);
    let segments = spec.segments.max(1);
    let consistency = if spec.consistent { Consistency::Strong } else { Consistency::Eventual };
    let pacer = spec
        .max_rcu_per_sec
        .filter(|rate| rate.is_finite() && *rate > 0.0)
        .map(|rate| Arc::new(Pacer::new(rate, consistency, Instant::now())));
    tracing::debug!(id, segments, rcu_per_sec = spec.max_rcu_per_sec, "scan");
    let mut tasks = tokio::task::JoinSet::new();
    let mut segment_of = HashMap::new();
    for segment in 0..segments {
        let start_key = match from.get(segment as usize) {
            None | Some(SegmentStart::Beginning) => None,
            Some(SegmentStart::After(key)) => Some(sdk_key(key)),
            Some(SegmentStart::Done) => continue,
        };
        let job = Segment {
            start_key,
            client: client.clone(),
            id,
            table: table.clone(),
            spec,
            segment,
            segments,
            responses: responses.clone(),
            pacer: pacer.clone(),
            keep: keep.clone(),
            figures: figures.clone(),
            filter: filter.clone(),
            next_figures: Box::default(),
        };
        let cancel = cancel.clone();
        let task = tasks.spawn(async move {
            tokio::select! {
                () = cancel.cancelled() => {}
                () = job.run() => {}
            }
        });
        segment_of.insert(task.id(), segment);
    }
    while let Some(done) = tasks.join_next().await {
        // A segment that panicked (a bug) fails the scan like an error would, so the app
        // stops waiting for it; the panic itself was logged by the hook.
        if let Err(err) = done
            && err.is_panic()
        {
            let segment = segment_of.get(&err.id()).copied().unwrap_or(0);
            let error = ApiError::new(ErrorKind::Other, super::panic_text(err));
            responses.send(Response::ScanFailed { id, segment, error });
        }
    }
}

/// What one Scan call comes to: the answer and its items.
type PageResult =
    Result<(ScanOutput, Page), SdkError<ScanError, aws_sdk_dynamodb::config::http::HttpResponse>>;

/// One segment of a parallel scan.
struct Segment {
    /// Where the segment starts (`None`: at its beginning).
    start_key: Option<HashMap<String, AttributeValue>>,
    client: Client,
    id: ScanId,
    table: String,
    spec: ScanSpec,
    segment: u32,
    segments: u32,
    responses: Replies,
    /// The scan's pacer, shared by all its segments (`None`: unpaced).
    pacer: Option<Arc<Pacer>>,
    /// Wallets the scan may still send, shared by all its segments.
    keep: Arc<AtomicU64>,
    /// Whole-table figures by the currency in this attribute (`None`: none).
    figures: Option<Arc<str>>,
    /// The server-side filter, if any.
    filter: Option<crate::server_filter::FilterExpression>,
    /// The next page's figures, empty, with the floors of this segment's pages so far
    /// ([`Aggregate::next_page`]).
    next_figures: Box<Aggregate>,
}

impl Segment {
    /// Reads pages until the segment's end. The caller drops this future on
    /// cancellation, so a paced wait ends at once too.
    async fn run(mut self) {
        let mut start_key = self.start_key.take();
        // Unpaced, the next page is asked for before this one is converted: its answer is on
        // its way meanwhile. (Dropped with the segment on cancellation: the call is aborted.)
        let mut next: Option<AbortOnDropHandle<PageResult>> = None;
        loop {
            let (booking, sent) = match next.take() {
                Some(handle) => match handle.await {
                    Ok(sent) => (None, sent),
                    Err(err) => match err.try_into_panic() {
                        Ok(panic) => std::panic::resume_unwind(panic),
                        Err(_) => return, // aborted: the segment is going away
                    },
                },
                None => {
                    let booking = match &self.pacer {
                        Some(pacer) => Some(pacer.admit(self.spec.page_limit).await),
                        None => None,
                    };
                    let limit = booking.as_ref().map_or(self.spec.page_limit, |b| Some(b.limit));
                    (booking, self.call(limit, start_key.take()).await)
                }
            };
            let (output, page) = match sent {
                Ok(sent) => sent,
                Err(err) => {
                    let error = classify(err);
                    let failed = Response::ScanFailed { id: self.id, segment: self.segment, error };
                    self.responses.send(failed);
                    return;
                }
            };
            start_key = output.last_evaluated_key().filter(|k| !k.is_empty()).cloned();
            let consumed_rcu = output.consumed_capacity().and_then(|c| c.capacity_units());
            if let (Some(pacer), Some(booking)) = (&self.pacer, &booking) {
                pacer.settle_page(booking, consumed_rcu, page.items(), page.bytes);
            }
            if self.pacer.is_none()
                && let Some(key) = &start_key
            {
                let call = self.call(self.spec.page_limit, Some(key.clone()));
                next = Some(AbortOnDropHandle::new(tokio::spawn(call)));
            }
            let skipped = page.skipped;
            let (wallets, figures) = self.keep(page);
            let page = ScanPage {
                id: self.id,
                segment: self.segment,
                wallets,
                scanned: output.scanned_count().max(0) as u64,
                skipped,
                consumed_rcu,
                next: start_key.as_ref().map(app_key),
                figures,
            };
            if !self.responses.send(Response::ScanPage(page)) || start_key.is_none() {
                return;
            }
        }
    }
}

impl Segment {
    /// The Scan call of one page of this segment, from `start` (`None`: its beginning): the
    /// answer, and its items read into a page.
    fn call(
        &self,
        limit: Option<i32>,
        start: Option<Item>,
    ) -> impl Future<Output = PageResult> + Send + 'static {
        let mut call = self
            .client
            .scan()
            .table_name(&self.table)
            .consistent_read(self.spec.consistent)
            .return_consumed_capacity(CONSUMED)
            .set_limit(limit)
            .set_exclusive_start_key(start);
        if self.segments > 1 {
            call = call.segment(self.segment as i32).total_segments(self.segments as i32);
        }
        if let Some(filter) = &self.filter {
            let values = filter.values.iter().map(|(k, v)| (k.clone(), sdk_value(v)));
            call = call
                .filter_expression(&filter.expression)
                .set_expression_attribute_names(Some(filter.names.clone()))
                .set_expression_attribute_values(Some(values.collect()));
        }
        let reader = PageReader::default();
        let call = call.customize().interceptor(reader.clone()).send();
        async move {
            let output = call.await?;
            let page = reader.take().unwrap_or_else(|| Page::from_items(output.items()));
            Ok((output, page))
        }
    }

    /// The wallets of a page the list may still take, and the figures of all of them (when
    /// asked): past the list's bound, wallets are only counted.
    fn keep(&mut self, page: Page) -> (Vec<Wallet>, Option<Box<Aggregate>>) {
        let mut wallets = page.wallets;
        let figures = self.figures.clone().map(|attribute| {
            let mut figures = std::mem::take(&mut self.next_figures);
            for wallet in &wallets {
                let currency = wallet_currency(wallet, &attribute);
                figures.add(currency.as_deref(), &wallet.user_id, wallet.balance);
            }
            figures.not_wallets = page.skipped;
            // Every page this segment sends reaches the scan's figures (a page dropped ends
            // the segment), so the next page may skip what these pages already beat.
            *self.next_figures = figures.next_page();
            figures
        });
        wallets.truncate(take(&self.keep, wallets.len()));
        (wallets, figures)
    }
}

/// Takes up to `wanted` wallets from the scan's allowance: how many it may keep.
fn take(keep: &AtomicU64, wanted: usize) -> usize {
    let wanted = wanted as u64;
    match keep.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
        (left > 0).then(|| left - left.min(wanted))
    }) {
        Ok(left) => left.min(wanted) as usize,
        Err(_) => 0,
    }
}

/// A wallet's currency as the list's footer names it: a string as is, any other value as its
/// type and JSON; `None` without the attribute.
fn wallet_currency<'w>(wallet: &'w Wallet, attribute: &str) -> Option<Cow<'w, str>> {
    if let Some(text) = wallet.extra.text(attribute) {
        return Some(Cow::Borrowed(text));
    }
    let other = wallet.attr(attribute)?;
    Some(Cow::Owned(format!("{} {}", other.type_name(), value_json(&other, Shape::Plain))))
}

/// A LastEvaluatedKey in the app's form.
pub(super) fn app_key(key: &HashMap<String, AttributeValue>) -> ScanKey {
    let mut key: ScanKey = key.iter().map(|(name, v)| (name.clone(), attr_value(v))).collect();
    key.sort_by(|a, b| a.0.cmp(&b.0));
    key
}

/// An ExclusiveStartKey from the app's form of a LastEvaluatedKey.
fn sdk_key(key: &ScanKey) -> HashMap<String, AttributeValue> {
    key.iter().map(|(name, v)| (name.clone(), sdk_value(v))).collect()
}

/// One scan's read budget, shared by its segments.
///
/// The budget is a line of time, `slot`: the next request of any segment may
/// start at `slot` and not before. Starting one moves `slot` on by the time the
/// budget takes to pay for its page, `c / rate`, so requests are spaced by their
/// costs and never start together. As the cost `c` is only known when the page
/// comes back, a request books its estimated cost (its `Limit` × the average
/// item size seen so far) when it starts, and the page corrects the booking to
/// what it actually consumed: over a scan the spacing adds up to exactly
/// `consumed / rate`. A request that finds `slot` in the past starts at once
/// and books from now: time left unused (requests slower than the budget) is
/// not saved up, so a paced scan never bursts.
#[derive(Debug)]
pub(super) struct Pacer {
    /// The budget in read units per second, finite and positive.
    rate: f64,
    consistency: Consistency,
    state: Mutex<PacerState>,
    /// Woken when a correction moves `slot` earlier.
    earlier: Notify,
}

#[derive(Debug)]
struct PacerState {
    /// When the next request may start.
    slot: Instant,
    /// Items read so far, and their total size, for the average item size.
    items: u64,
    bytes: u64,
}

/// A request's place in the budget.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Booking {
    /// When the request starts.
    at: Instant,
    /// Its page `Limit`.
    pub(super) limit: i32,
    /// The read units booked for it (its estimated cost).
    units: f64,
}

impl Pacer {
    /// A pacer at `rate` read units per second whose budget starts at `now`.
    pub(super) fn new(rate: f64, consistency: Consistency, now: Instant) -> Self {
        let state = Mutex::new(PacerState { slot: now, items: 0, bytes: 0 });
        Pacer { rate, consistency, state, earlier: Notify::new() }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, PacerState> {
        // The state stays consistent whatever panicked while holding it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until the budget lets a request start, and books it. Cancel-safe:
    /// dropping the future books nothing.
    pub(super) async fn admit(&self, max_limit: Option<i32>) -> Booking {
        loop {
            // Registered before looking at `slot`, so no correction is missed.
            let earlier = self.earlier.notified();
            tokio::pin!(earlier);
            earlier.as_mut().enable();
            match self.try_book(Instant::now(), max_limit) {
                Ok(booking) => return booking,
                Err(slot) => tokio::select! {
                    () = tokio::time::sleep_until(slot) => {}
                    () = earlier => {}
                },
            }
        }
    }

    /// Books a request starting `now` whose page `Limit` is at most
    /// `max_limit`, or says when one may start.
    fn try_book(&self, now: Instant, max_limit: Option<i32>) -> Result<Booking, Instant> {
        let mut state = self.state();
        if now < state.slot {
            return Err(state.slot);
        }
        let average = (state.items > 0).then(|| state.bytes as f64 / state.items as f64);
        let limit = self.page_limit(average, max_limit);
        // Unknown sizes are booked at the minimum a page costs; the page's
        // actual cost corrects the booking when it comes back.
        let bytes = average.map_or(0.0, |a| (a * f64::from(limit)).ceil());
        let bytes = (bytes as u64).min(PAGE_LIMIT_BYTES);
        let units = capacity::scan_page_read_units(bytes, self.consistency);
        state.slot = add(now, self.duration(units));
        Ok(Booking { at: now, limit, units })
    }

    /// The page of `booking` came back having consumed `consumed` read units
    /// (`None`: not reported, estimated from the items' sizes) and read `items` of `bytes`.
    pub(super) fn settle_page(
        &self,
        booking: &Booking,
        consumed: Option<f64>,
        items: u64,
        bytes: u64,
    ) {
        let units =
            consumed.unwrap_or_else(|| capacity::scan_page_read_units(bytes, self.consistency));
        self.settle(booking, units, items, bytes);
    }

    /// Corrects a booking by the units its page consumed, and counts its items.
    fn settle(&self, booking: &Booking, units: f64, items: u64, bytes: u64) {
        let mut state = self.state();
        state.items += items;
        state.bytes += bytes;
        if units >= booking.units {
            state.slot = add(state.slot, self.duration(units - booking.units));
        } else {
            let early = self.duration(booking.units - units);
            state.slot = state.slot.checked_sub(early).unwrap_or(state.slot);
            drop(state);
            self.earlier.notify_waiters();
        }
    }

    /// Items per page so that a page reads about [`PAGE_SECONDS`] of the budget,
    /// at least one read unit's worth and at most 1 MB, at least one item,
    /// at most `max_limit`. `average`: the average item size in bytes, if known.
    fn page_limit(&self, average: Option<f64>, max_limit: Option<i32>) -> i32 {
        let unit = capacity::read_units(READ_UNIT_BYTES, self.consistency);
        let units = (self.rate * PAGE_SECONDS).max(unit);
        let bytes = (units / unit * READ_UNIT_BYTES as f64).min(PAGE_LIMIT_BYTES as f64);
        let items = (bytes / average.unwrap_or(MAX_ITEM_BYTES).max(1.0)).floor();
        // The float-to-int cast saturates; the result is within 1..=max_limit.
        (items as i32).clamp(1, max_limit.unwrap_or(i32::MAX).max(1))
    }

    /// How long the budget takes to pay for `units`.
    fn duration(&self, units: f64) -> Duration {
        Duration::try_from_secs_f64(units / self.rate).unwrap_or(Duration::ZERO)
    }
}

/// `at + wait`, or `at` if that is past the end of time.
fn add(at: Instant, wait: Duration) -> Instant {
    at.checked_add(wait).unwrap_or(at)
}

#[cfg(test)]
mod tests;
