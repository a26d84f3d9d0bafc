//! The demo and benchmark data loader: fills the wallet table with realistic wallets
//! ([`crate::demo`]).
//!
//! [`seed`] makes sure the table exists, creating it on demand with the worker's own table
//! calls (so the schema and the error wording are the TUI's own), then writes the wallets
//! with BatchWriteItem, several batches in flight at once, sending again whatever DynamoDB
//! returns as `UnprocessedItems` after a jittered exponential backoff.

mod batch;

pub use crate::error::SeedError;
pub use batch::BATCH_SIZE;

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemOutput;
use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
use futures::stream::{self, Stream, StreamExt};

use super::errors::{build_error, classify};
use super::tables;
use crate::demo::{DemoItem, SmallRng, demo_batch};
use crate::error::ErrorKind;
use crate::table::{BillingMode, CreateTableSpec, TableInfo, TableStatus};
use batch::{BatchOutcome, Counters, RetryPolicy, write_with_retries};

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

/// Creates the wallet table if missing (on-demand billing) and waits until it is ACTIVE,
/// then writes `users` demo wallets ([`crate::demo::demo_wallet`]) with BatchWriteItem, 25
/// items per batch and `concurrency` batches in flight at once. Items DynamoDB returns
/// unprocessed are sent again after an exponential backoff with jitter (capped at 2 s); a
/// batch that still has unprocessed items after 10 calls fails the whole seed. `progress` is
/// called at most about 10 times a second, and once more at the end.
///
/// An existing table is added to, whatever its billing mode, as long as it has the wallet
/// key schema. On failure, the wallets already written stay in the table.
pub async fn seed(
    client: &Client,
    table: &str,
    users: u64,
    concurrency: usize,
    progress: &(dyn Fn(SeedProgress) + Send + Sync),
) -> Result<SeedReport, SeedError> {
    if concurrency == 0 {
        return Err(SeedError::NoConcurrency);
    }
    let started = Instant::now();
    ensure_table(client, table).await?;
    let counters = Counters::default();
    let jobs = batch_jobs(client, table, users, &counters).buffer_unordered(concurrency);
    let report = || progress(progress_of(&counters, users));
    let calls = run_reporting(jobs, report).await.map_err(|cause| SeedError::Stopped {
        table: table.to_string(),
        written: counters.written(),
        total: users,
        cause: Box::new(cause),
    })?;
    let last = progress_of(&counters, users);
    Ok(SeedReport {
        written: last.written,
        batches: calls,
        retried_items: last.retried_items,
        elapsed: started.elapsed(),
    })
}

/// The progress so far, of `total` wallets.
fn progress_of(counters: &Counters, total: u64) -> SeedProgress {
    SeedProgress { written: counters.written(), total, retried_items: counters.retried_items() }
}

/// One job per batch of the `users` demo wallets, each writing its batch until DynamoDB has
/// taken every item.
fn batch_jobs<'a>(
    client: &'a Client,
    table: &'a str,
    users: u64,
    counters: &'a Counters,
) -> impl Stream<Item = impl Future<Output = Result<BatchOutcome, SeedError>> + 'a> + 'a {
    let mut rng = SmallRng::from_clock();
    stream::iter(0..users.div_ceil(BATCH_SIZE as u64)).map(move |index| {
        let size = (users - index * BATCH_SIZE as u64).min(BATCH_SIZE as u64) as usize;
        let batch = put_requests(table, demo_batch(&mut rng, size));
        let jitter = SmallRng::new(rng.next_u64());
        async move {
            let send = |items| send_batch(client, table, items);
            let policy = RetryPolicy::default();
            write_with_retries(table, batch?, &policy, jitter, counters, send).await
        }
    })
}

/// Runs `jobs` to the end, calling `report` every [`PROGRESS_EVERY`] meanwhile and once at
/// the end; the BatchWriteItem calls made, or the first error (which stops the others).
async fn run_reporting(
    jobs: impl Stream<Item = Result<BatchOutcome, SeedError>>,
    report: impl Fn(),
) -> Result<u64, SeedError> {
    let mut jobs = std::pin::pin!(jobs);
    let mut ticks = tokio::time::interval(PROGRESS_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut calls = 0;
    loop {
        tokio::select! {
            next = jobs.next() => match next {
                Some(outcome) => calls += outcome?.calls,
                None => break,
            },
            _ = ticks.tick() => report(),
        }
    }
    report();
    Ok(calls)
}

/// The demo wallets as BatchWriteItem put requests.
fn put_requests(table: &str, items: Vec<DemoItem>) -> Result<Vec<WriteRequest>, SeedError> {
    let put = |item| {
        let put = PutRequest::builder().set_item(Some(item)).build();
        let put = put.map_err(|e| SeedError::call("BatchWriteItem", table, build_error(e)))?;
        Ok(WriteRequest::builder().put_request(put).build())
    };
    items.into_iter().map(put).collect()
}

/// One BatchWriteItem call for `table`.
async fn send_batch(
    client: &Client,
    table: &str,
    items: Vec<WriteRequest>,
) -> Result<BatchWriteItemOutput, SeedError> {
    let call = client.batch_write_item().request_items(table, items);
    call.send().await.map_err(|err| SeedError::call("BatchWriteItem", table, classify(err)))
}

/// Makes sure `table` exists with the wallet schema and is ACTIVE, creating it (on demand)
/// if it is missing.
async fn ensure_table(client: &Client, table: &str) -> Result<(), SeedError> {
    let info = match describe(client, table).await? {
        Some(info) => info,
        None => create(client, table).await?,
    };
    if !info.has_wallet_schema() {
        return Err(SeedError::NotAWalletTable { table: table.to_string() });
    }
    wait_until_active(client, table, info).await
}

/// Creates the wallet table, on demand; if someone else created it in the meantime, theirs.
async fn create(client: &Client, table: &str) -> Result<TableInfo, SeedError> {
    let spec = CreateTableSpec { name: table.to_string(), billing: BillingMode::OnDemand };
    match tables::create_table(client, &spec).await {
        Ok(info) => Ok(info),
        Err(err) if err.kind == ErrorKind::ResourceInUse => describe(client, table)
            .await?
            .ok_or_else(|| SeedError::InUseButMissing { table: table.to_string() }),
        Err(err) => Err(SeedError::call("CreateTable", table, err)),
    }
}

/// Polls DescribeTable until the table, as `info` last described it, is ACTIVE.
async fn wait_until_active(
    client: &Client,
    table: &str,
    mut info: TableInfo,
) -> Result<(), SeedError> {
    let deadline = Instant::now() + ACTIVE_TIMEOUT;
    while info.status != TableStatus::Active {
        let (table, status) = (table.to_string(), info.status.clone());
        if !status.is_transient() {
            return Err(SeedError::NotWritable { table, status });
        }
        if Instant::now() >= deadline {
            return Err(SeedError::NotActiveInTime { table, status, waited: ACTIVE_TIMEOUT });
        }
        tokio::time::sleep(ACTIVE_POLL).await;
        info = describe(client, &table).await?.ok_or(SeedError::Disappeared { table })?;
    }
    Ok(())
}

async fn describe(client: &Client, table: &str) -> Result<Option<TableInfo>, SeedError> {
    let described = tables::describe_table(client, table).await;
    described.map_err(|err| SeedError::call("DescribeTable", table, err))
}

#[cfg(test)]
mod tests;
