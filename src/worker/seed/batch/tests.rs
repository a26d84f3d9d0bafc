//! Unit tests of `worker/seed/batch.rs`.

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
    let err = write_with_retries(TABLE, batch, &fast_policy(4), SmallRng::new(1), &counters, send)
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
    let err = write_with_retries(TABLE, batch, &fast_policy(4), SmallRng::new(1), &counters, send)
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
