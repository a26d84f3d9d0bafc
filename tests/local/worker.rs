//! The real worker, driven through its request/response channels against a real
//! DynamoDB Local (started by `support`). The SDK client is built the way the
//! application builds it (`worker::load_sdk_config` with `local: true`), so the
//! app's own configuration path is under test too.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use crossterm::event::KeyCode;
use wallet_tui::app::{App, AppConfig, Modal};
use wallet_tui::error::{ApiError, ErrorKind};
use wallet_tui::local::{self, LocalServer};
use wallet_tui::msg::{Job, Msg, Request, Response};
use wallet_tui::table::{
    AttributeDef, BillingMode, CreateTableSpec, KeyElement, TableInfo, TableStatus,
};
use wallet_tui::worker::{BeforeJob, Timeouts, WorkerHandle, WorkerOptions};

use crate::support;
use crate::support::driver::Driver;
use crate::support::{AppClient, call, next_reply, send_job};

/// A DynamoDB Local, a client for it built the app's way, and a worker on that client.
async fn start(read_only: bool) -> (LocalServer, Client, WorkerHandle) {
    let server = support::dynamodb_local().await;
    let app_client = AppClient::new(server.endpoint()).await;
    let worker = app_client.spawn_worker(WorkerOptions { read_only, ..Default::default() });
    (server, app_client.client, worker)
}

async fn describe(worker: &mut WorkerHandle, table: &str) -> Result<Option<TableInfo>, ApiError> {
    let req = Request::DescribeTable { table: table.to_string() };
    match call(worker, req).await {
        Response::Described { table: t, result } if t == table => result,
        other => panic!("DescribeTable {table}: unexpected response {other:?}"),
    }
}

async fn create(
    worker: &mut WorkerHandle,
    table: &str,
    billing: BillingMode,
) -> Result<TableInfo, ApiError> {
    let spec = CreateTableSpec { name: table.to_string(), billing };
    match call(worker, Request::CreateTable { spec }).await {
        Response::Created { table: t, result } if t == table => result,
        other => panic!("CreateTable {table}: unexpected response {other:?}"),
    }
}

async fn delete(worker: &mut WorkerHandle, table: &str) -> Result<(), ApiError> {
    let req = Request::DeleteTable { table: table.to_string() };
    match call(worker, req).await {
        Response::Deleted { table: t, result } if t == table => result,
        other => panic!("DeleteTable {table}: unexpected response {other:?}"),
    }
}

/// Unwraps an error of the expected kind, with the whole response in the panic otherwise.
fn expect_kind<T: std::fmt::Debug>(what: &str, result: Result<T, ApiError>, kind: ErrorKind) {
    match result {
        Err(err) => assert_eq!(err.kind, kind, "{what}: wrong error kind in {err:?}"),
        Ok(value) => panic!("{what}: expected an error of kind {kind:?}, got Ok({value:?})"),
    }
}

/// Polls DescribeTable through the worker until the table is gone.
async fn wait_until_gone(worker: &mut WorkerHandle, table: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match describe(worker, table).await {
            Ok(None) => return,
            Ok(Some(info)) => assert!(
                Instant::now() < deadline,
                "{table} still described as {} 5 s after DeleteTable",
                info.status.as_str()
            ),
            Err(err) => panic!("DescribeTable {table} after delete: {err:?}"),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// What the wallet schema must look like in any description of the table.
fn assert_wallet_table(info: &TableInfo, table: &str, billing: &BillingMode) {
    assert_eq!(info.name, table);
    assert_eq!(
        info.key_schema,
        vec![KeyElement { name: "user_id".into(), key_type: "HASH".into() }]
    );
    assert_eq!(
        info.attributes,
        vec![AttributeDef { name: "user_id".into(), attr_type: "S".into() }]
    );
    assert_eq!(&info.billing, billing, "billing of {table}");
    assert!(info.has_wallet_schema(), "not the wallet schema: {info:?}");
    assert!(info.indexes.is_empty(), "unexpected indexes: {info:?}");
    let arn = info.arn.as_deref().unwrap_or_default();
    assert!(arn.ends_with(&format!(":table/{table}")), "ARN {arn:?}");
}

/// create → describe → delete → describe (gone), all through the worker.
async fn round_trip(prefix: &str, billing: BillingMode) {
    let (server, _client, mut worker) = start(false).await;
    let table = support::unique_table(prefix);

    let created = create(&mut worker, &table, billing.clone())
        .await
        .unwrap_or_else(|e| panic!("CreateTable {table}: {e:?}"));
    // DynamoDB Local has no CREATING phase: the table is ACTIVE at once.
    assert_eq!(created.status, TableStatus::Active, "{created:?}");
    assert_wallet_table(&created, &table, &billing);

    let described = describe(&mut worker, &table)
        .await
        .unwrap_or_else(|e| panic!("DescribeTable {table}: {e:?}"))
        .unwrap_or_else(|| panic!("{table} not found right after CreateTable"));
    assert_eq!(described.status, TableStatus::Active, "{described:?}");
    assert_wallet_table(&described, &table, &billing);
    assert_eq!(described.item_count, Some(0));
    assert!(described.created.is_some(), "no creation time: {described:?}");

    delete(&mut worker, &table).await.unwrap_or_else(|e| panic!("DeleteTable {table}: {e:?}"));
    wait_until_gone(&mut worker, &table).await;

    worker.shutdown();
    server.stop().await;
}

#[tokio::test]
async fn provisioned_table_round_trip() {
    round_trip("wl_prov_", BillingMode::Provisioned { read: 1, write: 1 }).await;
}

#[tokio::test]
async fn on_demand_table_round_trip() {
    round_trip("wl_ondemand_", BillingMode::OnDemand).await;
}

#[tokio::test]
async fn describing_a_missing_table_answers_none() {
    let (server, _client, mut worker) = start(false).await;
    let table = support::unique_table("wl_missing_");
    assert_eq!(describe(&mut worker, &table).await, Ok(None));
    worker.shutdown();
    server.stop().await;
}

#[tokio::test]
async fn creating_an_existing_table_is_resource_in_use() {
    let (server, _client, mut worker) = start(false).await;
    let table = support::unique_table("wl_twice_");
    let one_by_one = BillingMode::Provisioned { read: 1, write: 1 };

    create(&mut worker, &table, one_by_one.clone())
        .await
        .unwrap_or_else(|e| panic!("first CreateTable {table}: {e:?}"));
    let again = create(&mut worker, &table, one_by_one).await;
    expect_kind("second CreateTable", again, ErrorKind::ResourceInUse);

    delete(&mut worker, &table).await.unwrap_or_else(|e| panic!("DeleteTable {table}: {e:?}"));
    wait_until_gone(&mut worker, &table).await;
    worker.shutdown();
    server.stop().await;
}

#[tokio::test]
async fn deleting_a_missing_table_is_not_found() {
    let (server, _client, mut worker) = start(false).await;
    let table = support::unique_table("wl_nodelete_");
    let result = delete(&mut worker, &table).await;
    expect_kind("DeleteTable of a missing table", result, ErrorKind::NotFound);
    worker.shutdown();
    server.stop().await;
}

/// Whether the table exists, asked with the SDK directly (not through the worker).
async fn exists_raw(client: &Client, table: &str) -> bool {
    match client.describe_table().table_name(table).send().await {
        Ok(out) => out.table().is_some(),
        Err(err) if err.code() == Some("ResourceNotFoundException") => false,
        Err(err) => panic!(
            "raw DescribeTable {table}: {}",
            aws_sdk_dynamodb::error::DisplayErrorContext(&err)
        ),
    }
}

#[tokio::test]
async fn read_only_worker_refuses_writes() {
    // `client` is the very client the worker uses: DynamoDB Local keeps tables per access
    // key, so only a client with the app's credentials sees the app's tables.
    let (server, client, mut worker) = start(true).await;

    // CreateTable is refused, and nothing was created.
    let table = support::unique_table("wl_ro_create_");
    let result = create(&mut worker, &table, BillingMode::Provisioned { read: 1, write: 1 }).await;
    expect_kind("read-only CreateTable", result, ErrorKind::ReadOnly);
    assert!(!exists_raw(&client, &table).await, "{table} exists after a refused CreateTable");

    // DeleteTable is refused, and the table is still there.
    let kept = support::unique_table("wl_ro_delete_");
    support::create_wallet_table(&client, &kept, &BillingMode::OnDemand).await;
    // Reads still go through, and the worker sees what the raw client created.
    let seen = describe(&mut worker, &kept)
        .await
        .unwrap_or_else(|e| panic!("read-only DescribeTable {kept}: {e:?}"));
    assert!(seen.is_some(), "read-only worker does not see {kept}");

    let result = delete(&mut worker, &kept).await;
    expect_kind("read-only DeleteTable", result, ErrorKind::ReadOnly);
    assert!(exists_raw(&client, &kept).await, "{kept} is gone after a refused DeleteTable");

    support::delete_table(&client, &kept).await;
    worker.shutdown();
    server.stop().await;
}

#[tokio::test]
async fn unreachable_endpoint_is_classified_unreachable() {
    let port = local::free_port().expect("no free TCP port");
    assert!(!local::answers(port).await, "port {port} is supposed to be free");
    let timeouts = Timeouts {
        connect: Duration::from_secs(1),
        attempt: Duration::from_secs(2),
        operation: Duration::from_secs(6),
    };
    let app_client = AppClient::with_timeouts(format!("http://127.0.0.1:{port}"), timeouts).await;
    let mut worker = app_client.spawn_worker(WorkerOptions::default());

    let started = Instant::now();
    let result = describe(&mut worker, "wallet_unreachable").await;
    let took = started.elapsed();
    expect_kind("DescribeTable on a dead port", result, ErrorKind::Unreachable);
    assert!(
        took <= timeouts.operation + Duration::from_secs(1),
        "the answer took {took:?}, more than the {:?} operation timeout",
        timeouts.operation
    );
    worker.shutdown();
}

#[tokio::test]
async fn a_name_the_service_refuses_is_validation() {
    let (server, _client, mut worker) = start(false).await;
    // Table names must be 3 to 255 characters; the SDK does not check, the service does.
    let result = describe(&mut worker, "x").await;
    expect_kind("DescribeTable x", result, ErrorKind::Validation);
    worker.shutdown();
    server.stop().await;
}

/// A request whose job panics (a bug) is answered with an error naming the panic, in its own
/// session; the worker and an app fed that answer go on working.
#[tokio::test]
async fn a_panicking_job_answers_its_request_and_the_worker_goes_on() {
    let server = support::dynamodb_local().await;
    let app_client = AppClient::new(server.endpoint()).await;
    let hook: BeforeJob = Arc::new(|request: &Request| match request {
        Request::GetWallet { user_id, .. } if user_id == "boom" => panic!("test bug in GetWallet"),
        Request::Scan { id: 666, .. } => panic!("test bug in Scan"),
        _ => {}
    });
    let options = WorkerOptions { before_job: Some(hook), ..Default::default() };
    let mut worker = app_client.spawn_worker(options);
    let table = support::unique_table("panic_");
    support::create_wallet_table(&app_client.client, &table, &BillingMode::OnDemand).await;
    support::put_wallets(&app_client.client, &table, [("alice", "10")]).await;

    let get = Request::GetWallet { table: table.clone(), user_id: "boom".into(), consistent: true };
    send_job(&worker, Job { session: 9, request: get });
    let reply = next_reply(&mut worker, support::CALL_LIMIT, "the panicked get's answer").await;
    assert_eq!(reply.session, 9, "answered in the session that asked");
    match reply.response {
        Response::GotWallet { user_id, result: Err(err), .. } => {
            assert_eq!(user_id, "boom");
            assert!(err.message.contains("panic: test bug in GetWallet"), "{err:?}");
        }
        other => panic!("expected the get to fail, got {other:?}"),
    }
    let scan = Request::scan(
        666,
        table.clone(),
        wallet_tui::msg::ScanSpec {
            segments: 1,
            page_limit: None,
            consistent: true,
            max_rcu_per_sec: None,
        },
    );
    match call(&mut worker, scan).await {
        Response::ScanFailed { id: 666, error, .. } => {
            assert!(error.message.contains("panic: test bug in Scan"), "{error:?}")
        }
        other => panic!("expected the scan to fail, got {other:?}"),
    }
    assert!(describe(&mut worker, &table).await.expect("described").is_some(), "still working");

    // The app: the Get form shows the failure and the app goes on.
    let config = AppConfig::new(table.clone(), &app_client.endpoint_label);
    let mut d = Driver::new(&mut worker, App::new(config, Instant::now()));
    d.update(Msg::Tick);
    d.run_scan_to_end(support::CALL_LIMIT).await;
    d.key('f');
    d.paste("boom");
    assert!(matches!(d.press(KeyCode::Enter).as_slice(), [Request::GetWallet { .. }]));
    let deadline = Instant::now() + support::CALL_LIMIT;
    d.step(deadline, "the panicked get's answer").await;
    let Modal::Wallet(dialog) = d.app.modal() else { panic!("the form stays open") };
    let error = dialog.form.error.clone().unwrap_or_default();
    assert!(error.contains("panic: test bug in GetWallet"), "{error}");
    d.press(KeyCode::Esc);
    d.key('r');
    d.run_scan_to_end(support::CALL_LIMIT).await;
    assert_eq!(d.app.list().loaded(), 1, "the app still reads the table");
    support::delete_table(&app_client.client, &table).await;
}
