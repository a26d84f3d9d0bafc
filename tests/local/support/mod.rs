//! Helpers shared by the integration tests' topic modules (`crate::support`).
//!
//! Servers are started through `wallet_tui::local`, exactly as the application does (dynalite,
//! which only the tests use, with its general pieces: see [`dynalite`]); a server that cannot
//! start makes the test panic with the reason (tests never skip silently).
//!
//! The binary itself runs in a pseudo-terminal or as a plain child process through [`tui`];
//! [`fake_http`] is a web server that is not DynamoDB.
//!
//! Besides servers: SDK clients (a raw one, and one built exactly as the application builds
//! it), the worker's request/response exchange, the tables tests create, fill and delete with
//! a client of their own, and the small values (balances, writes, key presses) tests feed in.

pub mod driver;
pub mod dynalite;
pub mod fake_http;
pub mod fixture;
pub mod proxy;
pub mod tui;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode as SdkBillingMode, KeySchemaElement, KeyType,
    ProvisionedThroughput, PutRequest, ScalarAttributeType, TableStatus, WriteRequest,
};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures::StreamExt;
use wallet_tui::balance::Balance;
use wallet_tui::local::{self, DynamoDbLocalOptions, LocalServer, Storage};
use wallet_tui::msg::{Job, Msg, Reply, Request, Response, ScanId, ScanPage};
use wallet_tui::table::BillingMode;
use wallet_tui::worker::{self, Connect, Timeouts, WorkerHandle, WorkerOptions};
use wallet_tui::write::{Write, WriteKind};

/// How long the worker may take to answer one request before [`call`] gives up on it.
pub const CALL_LIMIT: Duration = Duration::from_secs(30);
/// How long a new table may take to become ACTIVE before [`create_table`] gives up.
pub const ACTIVE_LIMIT: Duration = Duration::from_secs(20);
/// Items per BatchWriteItem, the service's maximum.
const BATCH: usize = 25;
/// BatchWriteItem calls [`put_items`] keeps in flight at once.
const BATCHES_IN_FLIGHT: usize = 8;

/// An item as the SDK reads and writes it.
pub type Item = HashMap<String, AttributeValue>;

fn progress(name: &'static str) -> impl Fn(String) + Send + Sync {
    move |msg| eprintln!("[{name}] {msg}")
}

/// Starts DynamoDB Local in memory on a free port (512 MiB heap); panics if it cannot start.
pub async fn dynamodb_local() -> LocalServer {
    start_local(false).await
}

/// Starts DynamoDB Local as [`dynamodb_local`] does, with `-delayTransientStatuses`: a GSI
/// added by UpdateTable stays CREATING (Backfilling) for about 30 s, a deleted one DELETING
/// for about 15 s. A server of its own, so that other tests are not slowed.
pub async fn dynamodb_local_delayed() -> LocalServer {
    start_local(true).await
}

async fn start_local(delay_transient_statuses: bool) -> LocalServer {
    let port = local::free_port().expect("no free TCP port");
    let opts = DynamoDbLocalOptions {
        port,
        storage: Storage::InMemory,
        max_heap_mb: 512,
        delay_transient_statuses,
    };
    match local::start_dynamodb_local(&opts, &progress("dynamodb-local")).await {
        Ok(server) => server,
        Err(e) => panic!("cannot start DynamoDB Local: {e}"),
    }
}

/// Starts dynalite on a free port with create/update/delete delays of `ms` milliseconds;
/// panics if it cannot start.
pub async fn dynalite(ms: u64) -> LocalServer {
    let port = local::free_port().expect("no free TCP port");
    let opts = dynalite::DynaliteOptions {
        port,
        create_table_ms: ms,
        update_table_ms: ms,
        delete_table_ms: ms,
    };
    match dynalite::start_dynalite(&opts, &progress("dynalite")).await {
        Ok(server) => server,
        Err(e) => panic!("cannot start dynalite: {e}"),
    }
}

/// An SDK client for a local endpoint: static credentials, us-east-1, 10 s operation and 5 s
/// attempt timeouts. (DynamoDB Local rejects access keys containing '-' or '_'.)
pub fn sdk_client(endpoint: &str) -> aws_sdk_dynamodb::Client {
    let timeouts = TimeoutConfig::builder()
        .operation_timeout(Duration::from_secs(10))
        .operation_attempt_timeout(Duration::from_secs(5))
        .build();
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            wallet_tui::worker::LOCAL_ACCESS_KEY,
            "local",
            None,
            None,
            "wallet-tui-tests",
        ))
        .endpoint_url(endpoint)
        .timeout_config(timeouts)
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// A table name unique to this call: `prefix` followed by a simple (hex) UUID v4.
pub fn unique_table(prefix: &str) -> String {
    let name = format!("{prefix}{}", uuid::Uuid::new_v4().simple());
    assert!(name.len() <= 255, "table name too long: {name}");
    assert!(
        name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')),
        "invalid table name: {name}"
    );
    name
}

/// An SDK client built exactly as the application builds it for a local endpoint
/// (`worker::load_sdk_config` with `local: true`), so the app's own configuration path is
/// under test too; with the endpoint label the app shows for it.
pub struct AppClient {
    pub client: Client,
    /// The Streams client the app builds beside it (same configuration and endpoint).
    pub streams: aws_sdk_dynamodbstreams::Client,
    pub endpoint_label: String,
}

impl AppClient {
    /// The app's client for `endpoint`, with the app's default timeouts.
    pub async fn new(endpoint: String) -> AppClient {
        AppClient::with_timeouts(endpoint, Timeouts::default()).await
    }

    /// The app's client for `endpoint`, with `timeouts`.
    pub async fn with_timeouts(endpoint: String, timeouts: Timeouts) -> AppClient {
        let connect =
            Connect { endpoint_url: Some(endpoint), local: true, timeouts, ..Default::default() };
        let config = worker::load_sdk_config(&connect).await;
        let endpoint_label = worker::endpoint_label(&connect, &config);
        let url = worker::configured_endpoint(&connect, &config);
        let streams = worker::streams_client(&config, url.as_deref());
        AppClient { client: Client::new(&config), streams, endpoint_label }
    }

    /// Starts a worker on (a copy of) this client.
    pub fn spawn_worker(&self, mut options: WorkerOptions) -> WorkerHandle {
        options.streams.get_or_insert_with(|| self.streams.clone());
        worker::spawn(self.client.clone(), options)
    }
}

/// Starts a worker on the app's client for `endpoint` (see [`AppClient`]).
pub async fn spawn_app_worker(endpoint: String, options: WorkerOptions) -> WorkerHandle {
    AppClient::new(endpoint).await.spawn_worker(options)
}

/// The session of the requests tests send the worker themselves (an app numbers its own).
pub const TEST_SESSION: u64 = 1;

/// Sends `request` to the worker as a job of [`TEST_SESSION`]; panics if the worker has
/// stopped.
pub fn send(worker: &WorkerHandle, request: Request) {
    send_job(worker, Job { session: TEST_SESSION, request });
}

/// Sends `job` to the worker; panics if the worker has stopped.
pub fn send_job(worker: &WorkerHandle, job: Job) {
    let what = format!("{job:?}");
    worker.requests.send(job).unwrap_or_else(|_| panic!("the worker stopped; cannot send {what}"));
}

/// The worker's next reply, waiting at most `limit`; panics naming `what` (what the test
/// was waiting for) if none comes or the worker has stopped.
pub async fn next_reply(worker: &mut WorkerHandle, limit: Duration, what: &str) -> Reply {
    match tokio::time::timeout(limit, worker.responses.recv()).await {
        Ok(Some(reply)) => reply,
        Ok(None) => panic!("the worker's response channel closed while waiting for {what}"),
        Err(_) => panic!("nothing from the worker within {limit:?} while waiting for {what}"),
    }
}

/// The answer in the worker's next reply (see [`next_reply`]).
pub async fn next_response(worker: &mut WorkerHandle, limit: Duration, what: &str) -> Response {
    next_reply(worker, limit, what).await.response
}

/// What the app does first on a table: has the worker settle the writes left open there
/// (none, in a fresh table), which also looks the table's ARN up, once. Tests that arm faults
/// for a write start with this, so the faults meet the write and not that lookup.
pub async fn open_session(worker: &mut WorkerHandle, table: &str) {
    send(worker, Request::ResolveWrites { table: table.to_string() });
    loop {
        match next_response(worker, CALL_LIMIT, "the open writes settled").await {
            Response::WritesResolved { .. } => return,
            Response::ReadBack { .. } => {}
            other => panic!("settling open writes: unexpected {other:?}"),
        }
    }
}

/// Sends one request to the worker and waits (at most [`CALL_LIMIT`]) for its answer: the
/// next response, as nothing else is in flight.
pub async fn call(worker: &mut WorkerHandle, request: Request) -> Response {
    let what = format!("the answer to {request:?}");
    send(worker, request);
    next_response(worker, CALL_LIMIT, &what).await
}

/// Collects the pages of scan `id` until each of its `segments` has sent its last page,
/// each with the moment it arrived; panics if that takes more than `limit`. Any other
/// response, a page of another scan or segment, or a page after a segment's last one fails
/// the test.
pub async fn collect_scan(
    worker: &mut WorkerHandle,
    id: ScanId,
    segments: u32,
    limit: Duration,
) -> Vec<(Instant, ScanPage)> {
    let deadline = Instant::now() + limit;
    let mut done = HashSet::new();
    let mut pages = Vec::new();
    while done.len() < segments as usize {
        let left = deadline.saturating_duration_since(Instant::now());
        let what = format!("scan {id} (segments done: {done:?}, {} pages so far)", pages.len());
        match next_response(worker, left, &what).await {
            Response::ScanPage(page) => {
                let arrived = Instant::now();
                assert_eq!(page.id, id, "a page of another scan: {page:?}");
                assert!(page.segment < segments, "segment {} of {segments}", page.segment);
                assert!(
                    !done.contains(&page.segment),
                    "segment {} sent a page after its last one",
                    page.segment
                );
                if page.last() {
                    done.insert(page.segment);
                }
                pages.push((arrived, page));
            }
            other => panic!("while scanning {id}: unexpected response {other:?}"),
        }
    }
    pages
}

/// Sends CreateTable for `table`, keyed on the string hash key `key` and billed as
/// `billing`, and returns the status the answer reports, without waiting for ACTIVE.
pub async fn start_creating_table(
    client: &Client,
    table: &str,
    key: &str,
    billing: &BillingMode,
) -> Option<TableStatus> {
    let key_schema = KeySchemaElement::builder()
        .attribute_name(key)
        .key_type(KeyType::Hash)
        .build()
        .expect("key schema");
    let attribute = AttributeDefinition::builder()
        .attribute_name(key)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .expect("attribute definition");
    let mut create = client
        .create_table()
        .table_name(table)
        .key_schema(key_schema)
        .attribute_definitions(attribute);
    create = match billing {
        BillingMode::OnDemand => create.billing_mode(SdkBillingMode::PayPerRequest),
        BillingMode::Provisioned { read, write } => {
            let throughput = ProvisionedThroughput::builder()
                .read_capacity_units(*read)
                .write_capacity_units(*write)
                .build()
                .expect("throughput");
            create.billing_mode(SdkBillingMode::Provisioned).provisioned_throughput(throughput)
        }
    };
    match send_create_table(create).await {
        Some(out) => out.table_description().and_then(|d| d.table_status()).cloned(),
        None => table_status(client, table).await,
    }
}

/// Sends a CreateTable; `None` if the table was there already. Test tables have unique
/// names: "preexisting" is this call's own first attempt, applied but answered too late on a
/// loaded machine, then retried by the SDK.
pub async fn send_create_table(
    create: aws_sdk_dynamodb::operation::create_table::builders::CreateTableFluentBuilder,
) -> Option<aws_sdk_dynamodb::operation::create_table::CreateTableOutput> {
    let table = create.get_table_name().clone().unwrap_or_default();
    match create.send().await {
        Ok(out) => Some(out),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_in_use_exception()) => None,
        Err(e) => panic!("CreateTable {table}: {}", DisplayErrorContext(&e)),
    }
}

/// Creates `table` as [`start_creating_table`] does and waits (at most [`ACTIVE_LIMIT`])
/// until it is ACTIVE.
pub async fn create_table(client: &Client, table: &str, key: &str, billing: &BillingMode) {
    start_creating_table(client, table, key, billing).await;
    wait_until_active(client, table, ACTIVE_LIMIT).await;
}

/// Creates the wallet table `table` (`user_id` S HASH) billed as `billing` and waits until
/// it is ACTIVE.
pub async fn create_wallet_table(client: &Client, table: &str, billing: &BillingMode) {
    create_table(client, table, "user_id", billing).await;
}

/// The table's status as DescribeTable reports it.
pub async fn table_status(client: &Client, table: &str) -> Option<TableStatus> {
    let out = client
        .describe_table()
        .table_name(table)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeTable {table}: {}", DisplayErrorContext(&e)));
    out.table().and_then(|t| t.table_status()).cloned()
}

/// Polls DescribeTable until `table` is ACTIVE; panics if it is not within `limit`.
pub async fn wait_until_active(client: &Client, table: &str, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        let status = table_status(client, table).await;
        if status == Some(TableStatus::Active) {
            return;
        }
        assert!(Instant::now() < deadline, "{table} not ACTIVE within {limit:?}: {status:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Deletes `table`; a failure fails the test.
pub async fn delete_table(client: &Client, table: &str) {
    client
        .delete_table()
        .table_name(table)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DeleteTable {table}: {}", DisplayErrorContext(&e)));
}

/// Writes `items` to `table` with BatchWriteItem, [`BATCH`] items a batch and several
/// batches at a time, resending unprocessed items until every one is written.
pub async fn put_items(client: &Client, table: &str, items: &[Item]) {
    let batches: Vec<Vec<WriteRequest>> = items
        .chunks(BATCH)
        .map(|chunk| {
            chunk
                .iter()
                .map(|item| {
                    let put = PutRequest::builder()
                        .set_item(Some(item.clone()))
                        .build()
                        .expect("put request");
                    WriteRequest::builder().put_request(put).build()
                })
                .collect()
        })
        .collect();
    futures::stream::iter(batches)
        .map(|batch| write_batch(client, table, batch))
        .buffer_unordered(BATCHES_IN_FLIGHT)
        .collect::<Vec<()>>()
        .await;
}

/// One BatchWriteItem, resending unprocessed items (with a growing pause) until none are
/// left; panics if some still are after 10 attempts.
async fn write_batch(client: &Client, table: &str, mut batch: Vec<WriteRequest>) {
    for attempt in 0..10 {
        let out = client
            .batch_write_item()
            .request_items(table, batch)
            .send()
            .await
            .unwrap_or_else(|e| panic!("BatchWriteItem {table}: {}", DisplayErrorContext(&e)));
        batch = out.unprocessed_items().and_then(|u| u.get(table)).cloned().unwrap_or_default();
        if batch.is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50 << attempt)).await;
    }
    panic!("BatchWriteItem {table}: {} items still unprocessed after 10 attempts", batch.len());
}

/// A wallet item: `user_id` and the exact number text `balance`.
pub fn wallet_item(user_id: &str, balance: &str) -> Item {
    Item::from([
        ("user_id".to_string(), AttributeValue::S(user_id.to_string())),
        ("balance".to_string(), AttributeValue::N(balance.to_string())),
    ])
}

/// Writes wallets given as (user_id, balance) pairs (see [`put_items`]).
pub async fn put_wallets<I, S>(client: &Client, table: &str, wallets: I)
where
    I: IntoIterator<Item = (S, S)>,
    S: AsRef<str>,
{
    let items: Vec<Item> =
        wallets.into_iter().map(|(id, b)| wallet_item(id.as_ref(), b.as_ref())).collect();
    put_items(client, table, &items).await;
}

/// A stored balance's exact text, read with `client` (strongly consistent); `None` when the
/// wallet or its balance is missing.
pub async fn stored_balance(client: &Client, table: &str, user_id: &str) -> Option<String> {
    let item = client
        .get_item()
        .table_name(table)
        .key("user_id", AttributeValue::S(user_id.to_string()))
        .consistent_read(true)
        .send()
        .await
        .unwrap_or_else(|e| panic!("raw GetItem {user_id}: {e:?}"))
        .item?;
    Some(item.get("balance")?.as_n().expect("balance is a number").clone())
}

/// Another writer adds `amount` to the balance of `user_id` with a plain `ADD`, as the
/// application a wallet table serves might.
pub async fn raw_add(client: &Client, table: &str, user_id: &str, amount: &str) {
    client
        .update_item()
        .table_name(table)
        .key("user_id", AttributeValue::S(user_id.to_string()))
        .update_expression("ADD balance :d")
        .expression_attribute_values(":d", AttributeValue::N(amount.to_string()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("raw ADD {amount} to {user_id}: {e:?}"));
}

/// The journal's lines as (operation, user_id, old, new).
pub fn journal_lines(
    path: &std::path::Path,
) -> Vec<(String, String, Option<String>, Option<String>)> {
    wallet_tui::journal::read_all(path)
        .unwrap_or_else(|e| panic!("read the journal {}: {e}", path.display()))
        .into_iter()
        .map(|e| (e.operation, e.user_id, e.old, e.new))
        .collect()
}

/// Every item of `table`, read with a Scan of `client`'s own.
pub async fn scan_items(client: &Client, table: &str) -> Vec<Item> {
    let pages = client.scan().table_name(table).into_paginator().items().send();
    pages.try_collect().await.unwrap_or_else(|e| panic!("Scan {table}: {e:?}"))
}

/// `text` as a balance; panics if it is not one.
pub fn bal(text: &str) -> Balance {
    Balance::parse(text).unwrap_or_else(|e| panic!("{text:?} is not a balance: {e}"))
}

/// A write of `kind` to `user_id`'s wallet, with a fresh op id.
pub fn write(user_id: &str, kind: WriteKind) -> Write {
    Write { op_id: uuid::Uuid::new_v4().to_string(), user_id: user_id.to_string(), kind }
}

/// The message of a key pressed without modifiers.
pub fn key(code: KeyCode) -> Msg {
    Msg::Term(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}
