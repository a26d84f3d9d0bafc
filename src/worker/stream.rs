//! The stream tailer: a task of its own (one per worker, replaced by each tail request) that
//! reads the table's DynamoDB Stream with the official `aws-sdk-dynamodbstreams` client and
//! sends the changes as [`StreamEvent`]s. Shards are opened at LATEST when the tail starts
//! (shards found later, children of closed ones, at TRIM_HORIZON: all their records are
//! new), each read at most [`MIN_READ_GAP`] apart and less often while empty, and an expired
//! iterator is reopened after the last sequence number read.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodbstreams::Client as StreamsClient;
use aws_sdk_dynamodbstreams::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodbstreams::types::{
    AttributeValue as StreamValue, OperationType, Record, Shard, ShardIteratorType, StreamStatus,
};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::Replies;
use super::errors::classify;
use super::item::{Item, wallet_from_item};
use super::reads::get_wallet;
use crate::error::{ApiError, ErrorKind};
use crate::msg::Response;
use crate::stream::{Change, ChangeKind, StreamEvent};
use crate::wallet::{USER_ID, UserId};

/// AWS allows about 5 GetRecords per second per shard.
pub const MIN_READ_GAP: Duration = Duration::from_millis(200);
/// The longest wait between two reads of a quiet shard.
pub const MAX_READ_GAP: Duration = Duration::from_secs(1);
/// How often the shard list is read again to find new shards.
const DESCRIBE_EVERY: Duration = Duration::from_secs(10);
/// Records per GetRecords call (the service's maximum).
const RECORDS_PER_READ: i32 = 1000;

/// Where one shard's reading stands.
#[derive(Debug)]
struct ShardRead {
    iterator: String,
    /// The last record's sequence number: an expired iterator is reopened after it.
    last: Option<String>,
    /// How the shard was opened, when nothing was read from it yet.
    opened: ShardIteratorType,
    next_read: Instant,
    gap: Duration,
    /// While GetRecords keeps failing for a passing reason: the pause before the next try,
    /// doubled each time (see [`next_pause`]); `None` once a read succeeds.
    failing: Option<Duration>,
}

/// The tail's state.
struct Tail {
    streams: StreamsClient,
    table_client: Client,
    table: String,
    arn: String,
    fetch: bool,
    replies: Replies,
    /// Shards being read.
    reading: HashMap<String, ShardRead>,
    /// Every shard id seen (read, finished or closed before the tail began).
    seen: std::collections::HashSet<String>,
    calls: u64,
    next_describe: Instant,
}

/// Answers a tail request: probes the Streams API when there is no stream, else tails it
/// until cancelled or it ends.
pub async fn run(
    streams: StreamsClient,
    table_client: Client,
    table: String,
    arn: Option<String>,
    fetch: bool,
    cancel: CancellationToken,
    replies: Replies,
) {
    let Some(arn) = arn else {
        let event = probe(&streams, &table).await;
        replies.send(Response::Stream(event));
        return;
    };
    let mut tail = Tail {
        streams,
        table_client,
        table,
        arn,
        fetch,
        replies,
        reading: HashMap::new(),
        seen: Default::default(),
        calls: 0,
        next_describe: Instant::now() + DESCRIBE_EVERY,
    };
    tokio::select! {
        _ = cancel.cancelled() => {}
        ended = tail.run() => {
            tail.replies.send(Response::Stream(StreamEvent::Ended(ended)));
        }
    }
}

/// ListStreams on the table: the endpoint has the API (no stream) or has not.
async fn probe(streams: &StreamsClient, table: &str) -> StreamEvent {
    match streams.list_streams().table_name(table).limit(1).send().await {
        Ok(_) => StreamEvent::NoStream,
        Err(err) => {
            let err = classify(err);
            match err.kind {
                // Not an answer about the API itself: the table simply has no stream here.
                ErrorKind::Unreachable
                | ErrorKind::Timeout
                | ErrorKind::NotFound
                | ErrorKind::AccessDenied
                | ErrorKind::Throttled => StreamEvent::NoStream,
                _ => StreamEvent::NoApi(err.summary()),
            }
        }
    }
}

/// A record's change, converted (without the GetItem of a view without new images).
pub fn change_of(record: &Record) -> Option<Change> {
    let data = record.dynamodb()?;
    let kind = match record.event_name()? {
        OperationType::Insert => ChangeKind::Insert,
        OperationType::Modify => ChangeKind::Modify,
        OperationType::Remove => ChangeKind::Remove,
        _ => return None,
    };
    let user_id = UserId::new(data.keys()?.get(USER_ID)?.as_s().ok()?);
    let wallet = |image: Option<&HashMap<String, StreamValue>>| {
        image.map(table_item).as_ref().and_then(wallet_from_item)
    };
    let new = if kind == ChangeKind::Remove { None } else { wallet(data.new_image()) };
    Some(Change {
        kind,
        user_id,
        old: wallet(data.old_image()),
        new,
        sequence: data.sequence_number().unwrap_or_default().to_string(),
        unknown: false,
    })
}

/// A stream image as the table client's item (the two SDKs have their own value types).
fn table_item(image: &HashMap<String, StreamValue>) -> Item {
    image.iter().map(|(k, v)| (k.clone(), table_value(v))).collect()
}

fn table_value(value: &StreamValue) -> aws_sdk_dynamodb::types::AttributeValue {
    use aws_sdk_dynamodb::types::AttributeValue as V;
    match value {
        StreamValue::S(s) => V::S(s.clone()),
        StreamValue::N(n) => V::N(n.clone()),
        StreamValue::B(b) => V::B(b.clone()),
        StreamValue::Bool(b) => V::Bool(*b),
        StreamValue::Null(n) => V::Null(*n),
        StreamValue::Ss(v) => V::Ss(v.clone()),
        StreamValue::Ns(v) => V::Ns(v.clone()),
        StreamValue::Bs(v) => V::Bs(v.clone()),
        StreamValue::L(v) => V::L(v.iter().map(table_value).collect()),
        StreamValue::M(m) => V::M(table_item(m)),
        _ => V::Null(true),
    }
}

impl Tail {
    /// Opens every shard at LATEST, says so, then reads until the stream ends.
    async fn run(&mut self) -> ApiError {
        let shards = match self.describe().await {
            Ok(shards) => shards,
            Err(err) => return err,
        };
        for shard in &shards {
            let Some(id) = shard.shard_id() else { continue };
            self.seen.insert(id.to_string());
            if is_open(shard)
                && let Err(err) = self.open(id, ShardIteratorType::Latest).await
            {
                return err;
            }
        }
        let opened = StreamEvent::Opened { shards: self.reading.len() };
        if !self.replies.send(Response::Stream(opened)) {
            return ApiError::new(ErrorKind::Other, "the app has gone");
        }
        loop {
            if let Err(err) = self.step().await {
                return err;
            }
        }
    }

    /// One round: new shards if due, then every shard whose turn it is; then waits for the
    /// next turn.
    async fn step(&mut self) -> Result<(), ApiError> {
        if Instant::now() >= self.next_describe || self.reading.is_empty() {
            self.find_new_shards().await?;
        }
        let mut changes = Vec::new();
        let mut lag = None;
        let due: Vec<String> = self
            .reading
            .iter()
            .filter(|(_, r)| r.next_read <= Instant::now())
            .map(|(id, _)| id.clone())
            .collect();
        for id in due {
            self.read(&id, &mut changes, &mut lag).await?;
        }
        if !changes.is_empty() || self.calls > 0 {
            let calls = std::mem::take(&mut self.calls);
            let event = StreamEvent::Changes { changes, calls, lag };
            if !self.replies.send(Response::Stream(event)) {
                return Err(ApiError::new(ErrorKind::Other, "the app has gone"));
            }
        }
        let next = self.reading.values().map(|r| r.next_read).min();
        let until = next.map_or(self.next_describe, |n| n.min(self.next_describe));
        tokio::time::sleep_until(until.max(Instant::now() + Duration::from_millis(20))).await;
        Ok(())
    }

    /// DescribeStream, every page; an error if the stream is no longer enabled and nothing
    /// is left to read.
    async fn describe(&mut self) -> Result<Vec<Shard>, ApiError> {
        let mut shards = Vec::new();
        let mut start: Option<String> = None;
        loop {
            let out = retrying(&mut self.calls, || {
                self.streams
                    .describe_stream()
                    .stream_arn(&self.arn)
                    .set_exclusive_start_shard_id(start.clone())
                    .send()
            })
            .await?;
            let Some(desc) = out.stream_description() else { break };
            if matches!(
                desc.stream_status(),
                Some(StreamStatus::Disabled | StreamStatus::Disabling)
            ) && self.reading.is_empty()
                && !desc.shards().iter().any(|s| is_open(s) && !self.seen_id(s))
            {
                return Err(ApiError::new(
                    ErrorKind::NotFound,
                    format!("the stream of {} was disabled", self.table),
                ));
            }
            shards.extend(desc.shards().iter().cloned());
            match desc.last_evaluated_shard_id() {
                Some(last) => start = Some(last.to_string()),
                None => break,
            }
        }
        Ok(shards)
    }

    fn seen_id(&self, shard: &Shard) -> bool {
        shard.shard_id().is_some_and(|id| self.seen.contains(id))
    }

    /// Shards that began after the tail did (children of closed ones, new ones): read from
    /// their first record, a child only once its parent is read to its end (or was not read).
    async fn find_new_shards(&mut self) -> Result<(), ApiError> {
        self.next_describe = Instant::now() + DESCRIBE_EVERY;
        let shards = self.describe().await?;
        for id in ready_to_open(&shards, &self.seen, |id| self.reading.contains_key(id)) {
            self.seen.insert(id.clone());
            self.open(&id, ShardIteratorType::TrimHorizon).await?;
        }
        Ok(())
    }

    /// GetShardIterator of `kind` (after the last record read, when reopening).
    async fn iterator(
        &mut self,
        shard: &str,
        kind: ShardIteratorType,
        after: Option<&str>,
    ) -> Result<String, ApiError> {
        let out = retrying(&mut self.calls, || {
            self.streams
                .get_shard_iterator()
                .stream_arn(&self.arn)
                .shard_id(shard)
                .shard_iterator_type(kind.clone())
                .set_sequence_number(after.map(str::to_string))
                .send()
        })
        .await?;
        out.shard_iterator()
            .map(str::to_string)
            .ok_or_else(|| ApiError::new(ErrorKind::Other, format!("no iterator for {shard}")))
    }

    async fn open(&mut self, shard: &str, kind: ShardIteratorType) -> Result<(), ApiError> {
        let iterator = self.iterator(shard, kind.clone(), None).await?;
        let read = ShardRead {
            iterator,
            last: None,
            opened: kind,
            next_read: Instant::now(),
            gap: MIN_READ_GAP,
            failing: None,
        };
        self.reading.insert(shard.to_string(), read);
        Ok(())
    }

    /// GetRecords once on `shard`: its changes are added to `changes`.
    async fn read(
        &mut self,
        shard: &str,
        changes: &mut Vec<Change>,
        lag: &mut Option<Duration>,
    ) -> Result<(), ApiError> {
        let Some(iterator) = self.reading.get(shard).map(|r| r.iterator.clone()) else {
            return Ok(());
        };
        self.calls += 1;
        let sent = self
            .streams
            .get_records()
            .shard_iterator(iterator)
            .limit(RECORDS_PER_READ)
            .send()
            .await;
        let out = match sent {
            Ok(out) => out,
            Err(err) => {
                let service = err.as_service_error();
                let expired = service.is_some_and(|e| e.is_expired_iterator_exception());
                let trimmed = service.is_some_and(|e| e.is_trimmed_data_access_exception());
                return self.read_failed(shard, expired, trimmed, classify(err)).await;
            }
        };
        let records = out.records();
        for record in records {
            if let Some(change) = self.change(record).await {
                changes.push(change);
            }
            let created = record.dynamodb().and_then(|d| d.approximate_creation_date_time());
            if let Some(created) = created.and_then(|t| SystemTime::try_from(*t).ok()) {
                *lag = Some(SystemTime::now().duration_since(created).unwrap_or_default());
            }
        }
        let next = out.next_shard_iterator().map(str::to_string);
        let last = records.last().and_then(|r| r.dynamodb()?.sequence_number()).map(str::to_string);
        let Some(read) = self.reading.get_mut(shard) else { return Ok(()) };
        read.failing = None;
        if last.is_some() {
            read.last = last;
        }
        match next {
            None => {
                // Closed and read to its end: its children are found by the next describe.
                self.reading.remove(shard);
                self.next_describe = Instant::now();
            }
            Some(next) => {
                read.iterator = next;
                read.gap = if records.is_empty() {
                    (read.gap * 2).min(MAX_READ_GAP)
                } else {
                    MIN_READ_GAP
                };
                read.next_read = Instant::now() + read.gap;
            }
        }
        Ok(())
    }

    /// An expired iterator is reopened after the last record read; a place lost (trimmed,
    /// or expired before anything was read at LATEST) is reopened and said as a gap; a
    /// stream gone (or access refused) ends the tail; a passing failure is tried again,
    /// backing off while it lasts.
    async fn read_failed(
        &mut self,
        shard: &str,
        expired: bool,
        trimmed: bool,
        err: ApiError,
    ) -> Result<(), ApiError> {
        if !expired && !trimmed && !transient(&err) {
            return Err(err);
        }
        let Some(read) = self.reading.get_mut(shard) else { return Ok(()) };
        read.next_read = Instant::now() + MAX_READ_GAP;
        if !expired && !trimmed {
            // Backed off while it keeps failing: 0.5 s, 1 s, 2 s … at most 30 s.
            let pause = read.failing.map_or(RETRY_FIRST, next_pause);
            read.failing = Some(pause);
            read.next_read = Instant::now() + pause;
            tracing::debug!(shard, error = %err.summary(), ?pause, "GetRecords failed; tried again");
            return Ok(());
        }
        let (kind, after, gap) = reopen_at(read.last.clone(), &read.opened, trimmed);
        let iterator = self.iterator(shard, kind.clone(), after.as_deref()).await?;
        if let Some(read) = self.reading.get_mut(shard) {
            read.iterator = iterator;
            if after.is_none() {
                read.opened = kind;
            }
        }
        if gap {
            tracing::warn!(shard, error = %err.summary(), "stream position lost");
            if !self.replies.send(Response::Stream(StreamEvent::Gap)) {
                return Err(ApiError::new(ErrorKind::Other, "the app has gone"));
            }
        }
        Ok(())
    }

    /// The record's change; with a view without new images, the wallet read with GetItem.
    async fn change(&mut self, record: &Record) -> Option<Change> {
        let mut change = change_of(record)?;
        if self.fetch && change.kind != ChangeKind::Remove {
            let id = change.user_id.to_text();
            let mut read = Err(ApiError::new(ErrorKind::Other, "not read"));
            for (n, pause) in FETCH_PAUSES.iter().enumerate() {
                if n > 0 {
                    tokio::time::sleep(*pause).await;
                }
                self.calls += 1;
                read = get_wallet(&self.table_client, &self.table, &id, true).await.0;
                if read.is_ok() {
                    break;
                }
            }
            change = fetched(change, read);
        }
        Some(change)
    }
}

/// Where a shard whose iterator failed is reopened (type, after which sequence number) and
/// whether records may have been lost on the way: trimmed records are; so are those of a
/// shard opened at LATEST whose iterator expired before anything was read.
pub fn reopen_at(
    last: Option<String>,
    opened: &ShardIteratorType,
    trimmed: bool,
) -> (ShardIteratorType, Option<String>, bool) {
    match last {
        _ if trimmed => (ShardIteratorType::TrimHorizon, None, true),
        Some(last) => (ShardIteratorType::AfterSequenceNumber, Some(last), false),
        None => (opened.clone(), None, *opened == ShardIteratorType::Latest),
    }
}

/// The first pause before a stream call that failed for a passing reason is made again.
const RETRY_FIRST: Duration = Duration::from_millis(500);
/// The longest such pause.
const RETRY_MAX: Duration = Duration::from_secs(30);

/// Whether a failed stream call is worth making again: the endpoint unreachable, slow or
/// busy. A stream gone (not found), refused access or a bad request ends the tail.
pub fn transient(err: &ApiError) -> bool {
    !matches!(
        err.kind,
        ErrorKind::NotFound
            | ErrorKind::AccessDenied
            | ErrorKind::NoCredentials
            | ErrorKind::BadCredentials
            | ErrorKind::Validation
            | ErrorKind::ReadOnly
    )
}

/// Sends `call` until it is answered or fails for a reason waiting does not cure, backing off
/// between passing failures (see [`transient`]); `calls` counts every send.
async fn retrying<T, E, R, Fut>(
    calls: &mut u64,
    mut call: impl FnMut() -> Fut,
) -> Result<T, ApiError>
where
    Fut: std::future::Future<Output = Result<T, SdkError<E, R>>>,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + 'static,
{
    let mut pause = RETRY_FIRST;
    loop {
        *calls += 1;
        match call().await.map_err(classify) {
            Ok(out) => return Ok(out),
            Err(err) if transient(&err) => wait_to_retry(&mut pause, &err).await,
            Err(err) => return Err(err),
        }
    }
}

/// The pause after `pause`: doubled, at most [`RETRY_MAX`].
pub fn next_pause(pause: Duration) -> Duration {
    (pause * 2).min(RETRY_MAX)
}

async fn wait_to_retry(pause: &mut Duration, err: &ApiError) {
    tracing::debug!(error = %err.summary(), ?pause, "stream call failed; tried again");
    tokio::time::sleep(*pause).await;
    *pause = next_pause(*pause);
}

/// The pauses before each GetItem of a changed wallet (the first at once).
const FETCH_PAUSES: [Duration; 3] =
    [Duration::ZERO, Duration::from_millis(100), Duration::from_millis(400)];

/// A change with the wallet as GetItem read it: gone is a `None`, a failed read is an
/// unknown change (never taken for a delete).
pub fn fetched(
    mut change: Change,
    read: Result<Option<crate::wallet::Wallet>, ApiError>,
) -> Change {
    match read {
        Ok(wallet) => change.new = wallet,
        Err(err) => {
            tracing::debug!(error = %err.summary(), "GetItem of a changed wallet failed");
            change.new = None;
            change.unknown = true;
        }
    }
    change
}

/// The shards not seen yet that can be read now: not a child whose parent is still being
/// read or is itself new (its records come first; the child waits for a later describe).
pub fn ready_to_open(
    shards: &[Shard],
    seen: &std::collections::HashSet<String>,
    reading: impl Fn(&str) -> bool,
) -> Vec<String> {
    let new: std::collections::HashSet<&str> =
        shards.iter().filter_map(|s| s.shard_id()).filter(|id| !seen.contains(*id)).collect();
    shards
        .iter()
        .filter_map(|shard| {
            let id = shard.shard_id()?;
            let parent = shard.parent_shard_id();
            let waits = parent.is_some_and(|p| reading(p) || new.contains(p));
            (new.contains(id) && !waits).then(|| id.to_string())
        })
        .collect()
}

/// A shard still written to (no ending sequence number).
fn is_open(shard: &Shard) -> bool {
    shard.sequence_number_range().is_none_or(|r| r.ending_sequence_number().is_none())
}

#[cfg(test)]
mod tests;
