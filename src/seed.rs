//! The demo and benchmark data loader: fills the wallet table with realistic wallets.
//!
//! [`seed`] makes sure the table exists (creating it on demand through the [`worker`], so
//! the schema and the error wording are the TUI's own), then writes the wallets with
//! BatchWriteItem, several batches in flight at once, sending again whatever DynamoDB returns
//! as `UnprocessedItems` after a jittered exponential backoff.
//!
//! Balances are built from integers (cents) and written as text: no `f64` anywhere near money.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemOutput;
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use aws_smithy_types::date_time::{DateTime, Format};
use color_eyre::Result;
use color_eyre::eyre::{bail, ensure, eyre};
use futures::stream::{self, StreamExt};

use crate::error::{ApiError, ErrorKind};
use crate::msg::{Request, Response};
use crate::table::{BillingMode, CreateTableSpec, TableInfo, TableStatus};
use crate::wallet::{BALANCE, USER_ID};
use crate::worker::{self, WorkerHandle, WorkerOptions};

/// The most items one BatchWriteItem call may carry.
pub const BATCH_SIZE: usize = 25;
/// The currency attribute of a demo wallet.
pub const CURRENCY: &str = "currency";
/// The last-update attribute of a demo wallet (RFC 3339, UTC).
pub const UPDATED_AT: &str = "updated_at";
/// The currencies demo wallets are in.
pub const CURRENCIES: [&str; 4] = ["EUR", "USD", "GBP", "JPY"];

/// How often DescribeTable is asked while a new table is not yet ACTIVE.
const ACTIVE_POLL: Duration = Duration::from_millis(200);
/// How long a new table may take to become ACTIVE.
const ACTIVE_TIMEOUT: Duration = Duration::from_secs(60);
/// The shortest time between two progress reports (so at most 10 a second, plus a last one).
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// What `seed` reports while it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedProgress {
    /// Wallets DynamoDB has accepted so far.
    pub written: u64,
    /// Wallets asked for.
    pub total: u64,
    /// Item writes sent again because DynamoDB returned them unprocessed (an item sent again
    /// twice counts twice).
    pub retried_items: u64,
}

/// What `seed` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedReport {
    /// Wallets written.
    pub written: u64,
    /// BatchWriteItem calls made, retries of unprocessed items included.
    pub batches: u64,
    /// Item writes sent again because DynamoDB returned them unprocessed.
    pub retried_items: u64,
    /// From the call to the last write, table creation included.
    pub elapsed: Duration,
}

/// A small, fast, deterministic pseudo-random generator (SplitMix64) for demo data and
/// backoff jitter. Not for anything secret.
#[derive(Debug, Clone)]
pub struct SmallRng {
    state: u64,
}

impl SmallRng {
    /// A generator that always produces the same sequence for the same seed.
    pub fn new(seed: u64) -> Self {
        SmallRng { state: seed }
    }

    /// A generator seeded from the clock (and a per-process counter, so two generators made
    /// in the same nanosecond still differ).
    pub fn from_clock() -> Self {
        static CALLS: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let call = CALLS.fetch_add(1, Ordering::Relaxed);
        let mut mixer = SmallRng::new(nanos as u64 ^ (nanos >> 64) as u64);
        SmallRng::new(mixer.next_u64() ^ call.wrapping_mul(0xD1B5_4A32_D192_ED03))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (0 when `bound` is 0). Lemire's multiply-shift: the bias is
    /// below `bound / 2^64`, far too small to matter for demo data.
    pub fn below(&mut self, bound: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(bound)) >> 64) as u64
    }
}

/// One realistic wallet item, about 100 bytes:
///
/// - `user_id` (S): a fresh UUID v4 from the operating system's randomness, so keys never
///   repeat, whatever the generator's seed;
/// - `balance` (N): two decimal places, built from integer cents: mostly in `[0, 10000)`,
///   about 8 % exactly zero and about 2 % large (up to a billion); never negative; whole
///   units for JPY, which has no minor unit;
/// - `currency` (S): EUR, USD, GBP or JPY;
/// - `updated_at` (S): an RFC 3339 UTC timestamp within the last year.
pub fn demo_wallet(rng: &mut SmallRng) -> HashMap<String, AttributeValue> {
    let currency = match rng.below(100) {
        0..40 => "EUR",
        40..75 => "USD",
        75..90 => "GBP",
        _ => "JPY",
    };
    let mut cents = match rng.below(100) {
        0..8 => 0,
        8..98 => rng.below(1_000_000),
        _ => 1_000_000 + rng.below(100_000_000_000),
    };
    if currency == "JPY" {
        cents -= cents % 100;
    }
    let balance = format!("{}.{:02}", cents / 100, cents % 100);

    const YEAR_SECS: u64 = 365 * 24 * 60 * 60;
    let now = DateTime::from(SystemTime::now()).secs();
    let ago = i64::try_from(rng.below(YEAR_SECS)).unwrap_or(0);
    let updated_at = DateTime::from_secs(now - ago)
        .fmt(Format::DateTime)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_string());

    HashMap::from([
        (USER_ID.to_string(), AttributeValue::S(uuid::Uuid::new_v4().to_string())),
        (BALANCE.to_string(), AttributeValue::N(balance)),
        (CURRENCY.to_string(), AttributeValue::S(currency.to_string())),
        (UPDATED_AT.to_string(), AttributeValue::S(updated_at)),
    ])
}

/// Creates the wallet table if missing (on-demand billing) and waits until it is ACTIVE,
/// then writes `users` demo wallets ([`demo_wallet`]) with BatchWriteItem, 25 items per
/// batch and `concurrency` batches in flight at once. Items DynamoDB returns unprocessed are
/// sent again after an exponential backoff with jitter (capped at 2 s); a batch that still
/// has unprocessed items after 10 calls fails the whole seed. `progress` is called at most
/// about 10 times a second, and once more at the end.
///
/// An existing table is added to, whatever its billing mode, as long as it has the wallet
/// key schema. On failure, the wallets already written stay in the table.
pub async fn seed(
    client: &Client,
    table: &str,
    users: u64,
    concurrency: usize,
    progress: &(dyn Fn(SeedProgress) + Send + Sync),
) -> Result<SeedReport> {
    ensure!(concurrency > 0, "concurrency must be at least 1");
    let started = Instant::now();
    ensure_table(client, table).await?;

    let policy = RetryPolicy::default();
    let counters = Counters::default();
    let mut rng = SmallRng::from_clock();
    let batch_count = users.div_ceil(BATCH_SIZE as u64);
    let (policy, counters) = (&policy, &counters);
    let mut writes = stream::iter(0..batch_count)
        .map(move |index| {
            let size = (users - index * BATCH_SIZE as u64).min(BATCH_SIZE as u64) as usize;
            let batch = demo_batch(&mut rng, size);
            let jitter = SmallRng::new(rng.next_u64());
            async move {
                write_with_retries(table, batch?, policy, jitter, counters, |items| {
                    send_batch(client, table, items)
                })
                .await
            }
        })
        .buffer_unordered(concurrency);

    let snapshot = || SeedProgress {
        written: counters.written.load(Ordering::Relaxed),
        total: users,
        retried_items: counters.retried_items.load(Ordering::Relaxed),
    };
    let mut ticks = tokio::time::interval(PROGRESS_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut calls = 0;
    loop {
        tokio::select! {
            next = writes.next() => match next {
                Some(Ok(outcome)) => calls += outcome.calls,
                Some(Err(err)) => {
                    let written = counters.written.load(Ordering::Relaxed);
                    return Err(err.wrap_err(format!(
                        "seeding {table} stopped; {written} of {users} wallets were written"
                    )));
                }
                None => break,
            },
            _ = ticks.tick() => progress(snapshot()),
        }
    }
    progress(snapshot());
    let last = snapshot();
    Ok(SeedReport {
        written: last.written,
        batches: calls,
        retried_items: last.retried_items,
        elapsed: started.elapsed(),
    })
}

/// `size` demo wallets as put requests, no user_id twice (BatchWriteItem refuses a batch
/// with a repeated key).
fn demo_batch(rng: &mut SmallRng, size: usize) -> Result<Vec<WriteRequest>> {
    let mut seen = HashSet::with_capacity(size);
    let mut batch = Vec::with_capacity(size);
    while batch.len() < size {
        let item = demo_wallet(rng);
        let key = item.get(USER_ID).and_then(|v| v.as_s().ok()).cloned();
        if key.is_some_and(|key| seen.insert(key)) {
            let put = PutRequest::builder().set_item(Some(item)).build()?;
            batch.push(WriteRequest::builder().put_request(put).build());
        }
    }
    Ok(batch)
}

/// One BatchWriteItem call for `table`.
async fn send_batch(
    client: &Client,
    table: &str,
    items: Vec<WriteRequest>,
) -> Result<BatchWriteItemOutput> {
    client
        .batch_write_item()
        .request_items(table, items)
        .send()
        .await
        .map_err(|err| eyre!("BatchWriteItem on {table}: {}", DisplayErrorContext(&err)))
}

/// Running totals shared by the batches in flight, read by the progress reports.
#[derive(Debug, Default)]
struct Counters {
    written: AtomicU64,
    retried_items: AtomicU64,
}

/// How unprocessed items are sent again.
#[derive(Debug, Clone)]
struct RetryPolicy {
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
struct BatchOutcome {
    /// BatchWriteItem calls made, the first included.
    calls: u64,
}

/// Sends `pending` with `send` until DynamoDB has processed every item, backing off between
/// calls. Counts written and retried items into `counters` as it goes.
///
/// `send` is the BatchWriteItem call; the tests replace it with canned responses.
async fn write_with_retries<F, Fut>(
    table: &str,
    mut pending: Vec<WriteRequest>,
    policy: &RetryPolicy,
    mut jitter: SmallRng,
    counters: &Counters,
    mut send: F,
) -> Result<BatchOutcome>
where
    F: FnMut(Vec<WriteRequest>) -> Fut,
    Fut: Future<Output = Result<BatchWriteItemOutput>>,
{
    let mut calls = 0;
    loop {
        let sent = pending.len();
        let output = send(pending).await?;
        calls += 1;
        pending = requeue(table, output.unprocessed_items)?;
        ensure!(
            pending.len() <= sent,
            "BatchWriteItem on {table} returned {} unprocessed items for a batch of {sent}",
            pending.len()
        );
        counters.written.fetch_add((sent - pending.len()) as u64, Ordering::Relaxed);
        if pending.is_empty() {
            return Ok(BatchOutcome { calls: u64::from(calls) });
        }
        if calls >= policy.max_calls {
            bail!(
                "BatchWriteItem on {table}: {} items still unprocessed after {calls} calls; \
                 DynamoDB is throttling the writes (try a lower concurrency, or more write \
                 capacity)",
                pending.len()
            );
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
) -> Result<Vec<WriteRequest>> {
    let Some(mut by_table) = unprocessed else {
        return Ok(Vec::new());
    };
    let again = by_table.remove(table).unwrap_or_default();
    if let Some((other, _)) = by_table.iter().find(|(_, writes)| !writes.is_empty()) {
        bail!("BatchWriteItem on {table} returned unprocessed items for another table, {other}");
    }
    Ok(again)
}

/// Makes sure `table` exists with the wallet schema and is ACTIVE, creating it (on demand)
/// if it is missing. The calls go through the worker, which owns the SDK boundary.
async fn ensure_table(client: &Client, table: &str) -> Result<()> {
    let mut worker = worker::spawn(client.clone(), WorkerOptions::default());
    let result = ensure_table_with(&mut worker, table).await;
    worker.shutdown();
    result
}

async fn ensure_table_with(worker: &mut WorkerHandle, table: &str) -> Result<()> {
    let mut info = match describe(worker, table).await? {
        Some(info) => info,
        None => {
            let spec = CreateTableSpec { name: table.to_string(), billing: BillingMode::OnDemand };
            match call(worker, Request::CreateTable { spec }).await? {
                Response::Created { result: Ok(info), .. } => info,
                // Someone else created it in the meantime: use theirs.
                Response::Created { result: Err(err), .. }
                    if err.kind == ErrorKind::ResourceInUse =>
                {
                    describe(worker, table)
                        .await?
                        .ok_or_else(|| eyre!("{table} is in use but cannot be described"))?
                }
                Response::Created { result: Err(err), .. } => {
                    return Err(api_error("CreateTable", table, &err));
                }
                other => bail!("CreateTable {table}: unexpected answer {other:?}"),
            }
        }
    };
    ensure!(
        info.has_wallet_schema(),
        "{table} exists but is not a wallet table: its key must be the single string \
         attribute user_id"
    );
    let deadline = Instant::now() + ACTIVE_TIMEOUT;
    while info.status != TableStatus::Active {
        ensure!(
            info.status.is_transient(),
            "{table} is {}, not ACTIVE: cannot write to it",
            info.status.as_str()
        );
        ensure!(
            Instant::now() < deadline,
            "{table} is still {} after {} s",
            info.status.as_str(),
            ACTIVE_TIMEOUT.as_secs()
        );
        tokio::time::sleep(ACTIVE_POLL).await;
        info = describe(worker, table)
            .await?
            .ok_or_else(|| eyre!("{table} disappeared while waiting for it to be ACTIVE"))?;
    }
    Ok(())
}

async fn describe(worker: &mut WorkerHandle, table: &str) -> Result<Option<TableInfo>> {
    match call(worker, Request::DescribeTable { table: table.to_string() }).await? {
        Response::Described { result, .. } => {
            result.map_err(|err| api_error("DescribeTable", table, &err))
        }
        other => bail!("DescribeTable {table}: unexpected answer {other:?}"),
    }
}

/// Sends one request to the worker and waits for its answer.
async fn call(worker: &mut WorkerHandle, request: Request) -> Result<Response> {
    let job = crate::msg::Job { session: 0, request };
    worker.requests.send(job).map_err(|_| eyre!("the DynamoDB worker stopped"))?;
    let reply = worker.responses.recv().await;
    reply.map(|r| r.response).ok_or_else(|| eyre!("the DynamoDB worker stopped"))
}

fn api_error(call: &str, table: &str, err: &ApiError) -> color_eyre::Report {
    eyre!("{call} {table}: {}", err.summary())
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;
    use crate::balance::Balance;

    const TABLE: &str = "wallets";

    fn user_id(write: &WriteRequest) -> String {
        let item = write.put_request().map(PutRequest::item);
        match item.and_then(|item| item.get(USER_ID)).map(AttributeValue::as_s) {
            Some(Ok(id)) => id.clone(),
            other => panic!("no user_id in {write:?}: {other:?}"),
        }
    }

    fn output(unprocessed: Vec<WriteRequest>) -> BatchWriteItemOutput {
        BatchWriteItemOutput::builder().unprocessed_items(TABLE, unprocessed).build()
    }

    fn fast_policy(max_calls: u32) -> RetryPolicy {
        RetryPolicy { max_calls, base: Duration::from_millis(1), cap: Duration::from_millis(4) }
    }

    #[test]
    fn the_generator_is_deterministic_and_bounded() {
        let mut a = SmallRng::new(7);
        let mut b = SmallRng::new(7);
        let first: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        assert_eq!(first, (0..5).map(|_| b.next_u64()).collect::<Vec<_>>());
        assert_ne!(SmallRng::from_clock().next_u64(), SmallRng::from_clock().next_u64());
        let mut seen = [0u32; 10];
        for _ in 0..10_000 {
            seen[a.below(10) as usize] += 1;
        }
        assert!(seen.iter().all(|&n| (800..1200).contains(&n)), "{seen:?}");
        assert_eq!(a.below(0), 0);
    }

    #[test]
    fn demo_wallets_look_real() {
        let mut rng = SmallRng::new(42);
        let (mut zeros, mut large) = (0, 0);
        let mut currencies = HashSet::new();
        for _ in 0..5000 {
            let item = demo_wallet(&mut rng);
            assert_eq!(item.len(), 4, "{item:?}");
            let id = item[USER_ID].as_s().expect("user_id is S");
            let uuid = uuid::Uuid::parse_str(id).expect("user_id is a UUID");
            assert_eq!(uuid.get_version_num(), 4, "{id}");
            let text = item[BALANCE].as_n().expect("balance is N");
            let balance = Balance::parse(text).expect("balance parses");
            assert!(!balance.is_negative(), "{text}");
            assert!(balance.exponent() >= -2, "more than two decimals: {text}");
            assert!(text.split_once('.').is_some_and(|(_, cents)| cents.len() == 2), "{text}");
            zeros += usize::from(balance.is_zero());
            large += usize::from(balance >= Balance::parse("10000").expect("10000"));
            let currency = item[CURRENCY].as_s().expect("currency is S");
            assert!(CURRENCIES.contains(&currency.as_str()), "{currency}");
            if currency == "JPY" {
                assert!(text.ends_with(".00"), "yen have no cents: {text}");
            }
            currencies.insert(currency.clone());
            let updated = item[UPDATED_AT].as_s().expect("updated_at is S");
            assert!(updated.ends_with('Z'), "{updated}");
            DateTime::from_str(updated, Format::DateTime).expect("updated_at is RFC 3339");
            let size: usize = item
                .iter()
                .map(|(name, value)| {
                    name.len() + value.as_s().or_else(|_| value.as_n()).map_or(0, String::len)
                })
                .sum();
            assert!((80..=120).contains(&size), "about 100 bytes, not {size}: {item:?}");
        }
        assert!((250..600).contains(&zeros), "{zeros} zero balances in 5000");
        assert!((40..200).contains(&large), "{large} large balances in 5000");
        assert_eq!(currencies.len(), CURRENCIES.len());
    }

    #[test]
    fn demo_batches_have_distinct_keys() {
        let mut rng = SmallRng::new(1);
        let batch = demo_batch(&mut rng, BATCH_SIZE).expect("a batch");
        let ids: HashSet<String> = batch.iter().map(user_id).collect();
        assert_eq!(ids.len(), BATCH_SIZE);
        assert_eq!(demo_batch(&mut rng, 3).expect("a batch").len(), 3);
    }

    #[test]
    fn requeue_takes_this_tables_unprocessed_items() {
        let mut rng = SmallRng::new(3);
        let batch = demo_batch(&mut rng, 4).expect("a batch");
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
        let batch = demo_batch(&mut rng, BATCH_SIZE).expect("a batch");
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
        assert_eq!(counters.written.load(Ordering::Relaxed), 25);
        assert_eq!(counters.retried_items.load(Ordering::Relaxed), 13);
        let all: Vec<String> = batch.iter().map(user_id).collect();
        assert_eq!(*sent.borrow(), [all.clone(), all[15..].to_vec(), all[22..].to_vec()]);
    }

    #[tokio::test]
    async fn a_batch_that_stays_unprocessed_gives_up_clearly() {
        let mut rng = SmallRng::new(6);
        let batch = demo_batch(&mut rng, 7).expect("a batch");
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
        assert_eq!(counters.written.load(Ordering::Relaxed), 4);
        assert_eq!(counters.retried_items.load(Ordering::Relaxed), 6 + 5 + 4);
        let message = err.to_string();
        assert!(message.contains("3 items still unprocessed after 4 calls"), "{message}");
        assert!(message.contains("throttling"), "{message}");
    }

    #[tokio::test]
    async fn a_failed_call_is_not_retried() {
        let mut rng = SmallRng::new(8);
        let batch = demo_batch(&mut rng, 2).expect("a batch");
        let send = |_: Vec<WriteRequest>| std::future::ready(Err(eyre!("ValidationException")));
        let counters = Counters::default();
        let err =
            write_with_retries(TABLE, batch, &fast_policy(4), SmallRng::new(1), &counters, send)
                .await
                .expect_err("fails");
        assert!(err.to_string().contains("ValidationException"), "{err}");
        assert_eq!(counters.written.load(Ordering::Relaxed), 0);
    }

    /// A client that is never used to reach anything.
    fn offline_client() -> Client {
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
            .build();
        Client::from_conf(config)
    }

    #[test]
    fn seeding_can_run_on_another_task() {
        fn assert_send<T: Send>(_: T) {}
        assert_send(seed(&offline_client(), TABLE, 1, 1, &|_| {}));
    }

    #[tokio::test]
    async fn zero_concurrency_is_refused_before_any_call() {
        let client = offline_client();
        let err = seed(&client, TABLE, 10, 0, &|_| {}).await.expect_err("refused");
        assert!(err.to_string().contains("concurrency"), "{err}");
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
