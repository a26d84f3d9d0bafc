//! One batch of a seed: BatchWriteItem sent again, after a jittered exponential backoff, with
//! whatever DynamoDB returned unprocessed, until every item is written.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemOutput;
use aws_sdk_dynamodb::types::WriteRequest;

use super::error::SeedError;
use crate::demo::SmallRng;

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
mod tests {
    use std::cell::RefCell;
    use std::collections::HashSet;

    use aws_sdk_dynamodb::types::{AttributeValue, PutRequest};

    use super::*;
    use crate::demo::demo_batch;
    use crate::error::{ApiError, ErrorKind};
    use crate::wallet::USER_ID;

    const TABLE: &str = "wallets";

    fn user_id(write: &WriteRequest) -> String {
        let item = write.put_request().map(PutRequest::item);
        match item.and_then(|item| item.get(USER_ID)).map(AttributeValue::as_s) {
            Some(Ok(id)) => id.clone(),
            other => panic!("no user_id in {write:?}: {other:?}"),
        }
    }

    /// `size` demo wallets as put requests.
    fn demo_requests(rng: &mut SmallRng, size: usize) -> Vec<WriteRequest> {
        let put = |item| PutRequest::builder().set_item(Some(item)).build().expect("a put");
        let request = |item| WriteRequest::builder().put_request(put(item)).build();
        demo_batch(rng, size).into_iter().map(request).collect()
    }

    fn output(unprocessed: Vec<WriteRequest>) -> BatchWriteItemOutput {
        BatchWriteItemOutput::builder().unprocessed_items(TABLE, unprocessed).build()
    }

    fn fast_policy(max_calls: u32) -> RetryPolicy {
        RetryPolicy { max_calls, base: Duration::from_millis(1), cap: Duration::from_millis(4) }
    }

    #[test]
    fn requeue_takes_this_tables_unprocessed_items() {
        let mut rng = SmallRng::new(3);
        let batch = demo_requests(&mut rng, 4);
        let response = output(batch[1..3].to_vec());
        let again = requeue(TABLE, response.unprocessed_items).expect("requeue");
        assert_eq!(again, batch[1..3].to_vec());

        let done = BatchWriteItemOutput::builder().build();
        assert_eq!(requeue(TABLE, done.unprocessed_items).expect("nothing unprocessed"), []);
        let empty = BatchWriteItemOutput::builder().set_unprocessed_items(Some(HashMap::new()));
        assert_eq!(requeue(TABLE, empty.build().unprocessed_items).expect("empty map"), []);

        let stray = BatchWriteItemOutput::builder().unprocessed_items("other", batch).build();
        let err = requeue(TABLE, stray.unprocessed_items).expect_err("another table's items");
        assert!(err.to_string().contains("other"), "{err}");
    }

    #[tokio::test]
    async fn unprocessed_items_are_sent_again_until_written() {
        let mut rng = SmallRng::new(5);
        let batch = demo_requests(&mut rng, BATCH_SIZE);
        let sent: RefCell<Vec<Vec<String>>> = RefCell::default();
        // DynamoDB leaves the last 10 items, then the last 3 of those, then takes the rest.
        let send = |items: Vec<WriteRequest>| {
            let ids: Vec<String> = items.iter().map(user_id).collect();
            let distinct: HashSet<&String> = ids.iter().collect();
            assert_eq!(distinct.len(), ids.len(), "a key twice in one call: {ids:?}");
            sent.borrow_mut().push(ids);
            let left = match items.len() {
                25 => 10,
                10 => 3,
                _ => 0,
            };
            std::future::ready(Ok(output(items[items.len() - left..].to_vec())))
        };
        let counters = Counters::default();
        let outcome = write_with_retries(
            TABLE,
            batch.clone(),
            &fast_policy(10),
            SmallRng::new(9),
            &counters,
            send,
        )
        .await
        .expect("written in the end");

        assert_eq!(outcome, BatchOutcome { calls: 3 });
        assert_eq!(counters.written(), 25);
        assert_eq!(counters.retried_items(), 13);
        let all: Vec<String> = batch.iter().map(user_id).collect();
        assert_eq!(*sent.borrow(), [all.clone(), all[15..].to_vec(), all[22..].to_vec()]);
    }

    #[tokio::test]
    async fn a_batch_that_stays_unprocessed_gives_up_clearly() {
        let mut rng = SmallRng::new(6);
        let batch = demo_requests(&mut rng, 7);
        let calls = RefCell::new(0);
        let send = |items: Vec<WriteRequest>| {
            *calls.borrow_mut() += 1;
            // One item is written per call; the rest always come back.
            std::future::ready(Ok(output(items[1..].to_vec())))
        };
        let counters = Counters::default();
        let err =
            write_with_retries(TABLE, batch, &fast_policy(4), SmallRng::new(1), &counters, send)
                .await
                .expect_err("gives up");

        assert_eq!(*calls.borrow(), 4);
        assert_eq!(counters.written(), 4);
        assert_eq!(counters.retried_items(), 6 + 5 + 4);
        let message = err.to_string();
        assert!(message.contains("3 items still unprocessed after 4 calls"), "{message}");
        assert!(message.contains("throttling"), "{message}");
    }

    #[tokio::test]
    async fn a_failed_call_is_not_retried() {
        let mut rng = SmallRng::new(8);
        let batch = demo_requests(&mut rng, 2);
        let refused = ApiError::new(ErrorKind::Validation, "ValidationException");
        let send = |_: Vec<WriteRequest>| {
            std::future::ready(Err(SeedError::call("BatchWriteItem", TABLE, refused.clone())))
        };
        let counters = Counters::default();
        let err =
            write_with_retries(TABLE, batch, &fast_policy(4), SmallRng::new(1), &counters, send)
                .await
                .expect_err("fails");
        assert!(err.to_string().contains("ValidationException"), "{err}");
        assert_eq!(counters.written(), 0);
    }

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_cap() {
        let policy = RetryPolicy::default();
        let mut rng = SmallRng::new(11);
        for retry in 1..=12 {
            let ceiling = policy.base.saturating_mul(1 << (retry - 1)).min(policy.cap);
            let waits: Vec<Duration> = (0..200).map(|_| policy.backoff(retry, &mut rng)).collect();
            assert!(waits.iter().all(|w| *w >= ceiling / 2 && *w <= ceiling), "{retry}: {waits:?}");
            assert!(waits.iter().any(|w| *w != waits[0]), "no jitter at retry {retry}");
        }
        assert_eq!(policy.backoff(40, &mut rng).max(policy.cap), policy.cap);
    }
}
