//! One batch of a seed: BatchWriteItem sent again, after a jittered exponential backoff, with
//! whatever DynamoDB returned unprocessed, until every item is written.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemOutput;
use aws_sdk_dynamodb::types::WriteRequest;

use crate::demo::SmallRng;
use crate::error::SeedError;

/// The most items one BatchWriteItem call may carry.
pub const BATCH_SIZE: usize = 25;

/// Running totals shared by the batches in flight, read by the progress reports.
#[derive(Debug, Default)]
pub(super) struct Counters {
    written: AtomicU64,
    retried_items: AtomicU64,
}

impl Counters {
    /// Wallets DynamoDB has accepted so far.
    pub(super) fn written(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }

    /// Item writes sent again so far.
    pub(super) fn retried_items(&self) -> u64 {
        self.retried_items.load(Ordering::Relaxed)
    }
}

/// How unprocessed items are sent again.
#[derive(Debug, Clone)]
pub(super) struct RetryPolicy {
    /// Calls per batch, the first included, before giving up.
    max_calls: u32,
    /// The backoff before the first retry; it doubles with each retry.
    base: Duration,
    /// The longest backoff.
    cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_calls: 10, base: Duration::from_millis(50), cap: Duration::from_secs(2) }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (1 for the first): `base × 2^(retry-1)`, capped,
    /// of which a random half is kept ("equal jitter") so that batches throttled together
    /// do not come back together.
    fn backoff(&self, retry: u32, rng: &mut SmallRng) -> Duration {
        let doubled = self.base.saturating_mul(1 << retry.saturating_sub(1).min(20));
        let ceiling = u64::try_from(doubled.min(self.cap).as_micros()).unwrap_or(u64::MAX);
        Duration::from_micros(ceiling / 2 + rng.below(ceiling / 2 + 1))
    }
}

/// What one batch took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct BatchOutcome {
    /// BatchWriteItem calls made, the first included.
    pub(super) calls: u64,
}

/// Sends `pending` with `send` until DynamoDB has processed every item, backing off between
/// calls. Counts written and retried items into `counters` as it goes.
///
/// `send` is the BatchWriteItem call; the tests replace it with canned responses.
pub(super) async fn write_with_retries<F, Fut>(
    table: &str,
    mut pending: Vec<WriteRequest>,
    policy: &RetryPolicy,
    mut jitter: SmallRng,
    counters: &Counters,
    mut send: F,
) -> Result<BatchOutcome, SeedError>
where
    F: FnMut(Vec<WriteRequest>) -> Fut,
    Fut: Future<Output = Result<BatchWriteItemOutput, SeedError>>,
{
    let mut calls = 0;
    loop {
        let sent = pending.len();
        let output = send(pending).await?;
        calls += 1;
        pending = requeue(table, output.unprocessed_items)?;
        if pending.len() > sent {
            let (table, unprocessed) = (table.to_string(), pending.len());
            return Err(SeedError::TooManyUnprocessed { table, unprocessed, sent });
        }
        counters.written.fetch_add((sent - pending.len()) as u64, Ordering::Relaxed);
        if pending.is_empty() {
            return Ok(BatchOutcome { calls: u64::from(calls) });
        }
        if calls >= policy.max_calls {
            let (table, items) = (table.to_string(), pending.len());
            return Err(SeedError::StillUnprocessed { table, items, calls });
        }
        counters.retried_items.fetch_add(pending.len() as u64, Ordering::Relaxed);
        tokio::time::sleep(policy.backoff(calls, &mut jitter)).await;
    }
}

/// The writes to send again for `table`, taken from a BatchWriteItem response's
/// `UnprocessedItems` (absent or empty when everything was written).
fn requeue(
    table: &str,
    unprocessed: Option<HashMap<String, Vec<WriteRequest>>>,
) -> Result<Vec<WriteRequest>, SeedError> {
    let Some(mut by_table) = unprocessed else {
        return Ok(Vec::new());
    };
    let again = by_table.remove(table).unwrap_or_default();
    if let Some((other, _)) = by_table.iter().find(|(_, writes)| !writes.is_empty()) {
        let (table, other) = (table.to_string(), other.clone());
        return Err(SeedError::OtherTableUnprocessed { table, other });
    }
    Ok(again)
}

#[cfg(test)]
mod tests;
