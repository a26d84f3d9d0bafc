//! Smoke tests of `wallet_tui::local`: the servers start, answer the SDK, and stop.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::TableStatus;
use wallet_tui::local;
use wallet_tui::table::BillingMode;

use crate::support;
use crate::support::table_status;

/// Sends CreateTable for a provisioned (1/1) wallet table; the status the answer reports.
async fn create_table(client: &Client, name: &str) -> Option<TableStatus> {
    let billing = BillingMode::Provisioned { read: 1, write: 1 };
    support::start_creating_table(client, name, "user_id", &billing).await
}

#[tokio::test]
async fn dynamodb_local_serves_and_stops() {
    let started = Instant::now();
    let server = support::dynamodb_local().await;
    eprintln!("DynamoDB Local started in {:?}", started.elapsed());
    let port = server.port();
    assert_eq!(server.endpoint(), format!("http://127.0.0.1:{port}"));
    let client = support::sdk_client(&server.endpoint());

    client.list_tables().send().await.expect("ListTables");

    let table = support::unique_table("smoke_");
    create_table(&client, &table).await;
    assert_eq!(table_status(&client, &table).await, Some(TableStatus::Active));
    let listed = client.list_tables().send().await.expect("ListTables");
    assert!(listed.table_names().contains(&table));

    support::delete_table(&client, &table).await;

    server.stop().await;
    assert!(!local::answers(port).await, "port {port} still answers after stop");
}

#[tokio::test]
async fn dynalite_goes_through_creating() {
    let started = Instant::now();
    let server = support::dynalite(1000).await;
    eprintln!("dynalite started in {:?}", started.elapsed());
    let port = server.port();
    let client = support::sdk_client(&server.endpoint());

    client.list_tables().send().await.expect("ListTables");

    let table = support::unique_table("smoke_");
    assert_eq!(create_table(&client, &table).await, Some(TableStatus::Creating));
    assert_eq!(table_status(&client, &table).await, Some(TableStatus::Creating));

    support::wait_until_active(&client, &table, Duration::from_secs(10)).await;

    support::delete_table(&client, &table).await;

    server.stop().await;
    assert!(!local::answers(port).await, "port {port} still answers after stop");
}

#[tokio::test]
async fn dynamodb_local_keeps_tables_in_a_data_dir() {
    use local::{DynamoDbLocalOptions, Storage};

    let data_dir = std::env::temp_dir().join(support::unique_table("wallet-tui-ddb-data-"));
    let progress = |msg: String| eprintln!("[dynamodb-local dir] {msg}");
    let start = |port| {
        let opts = DynamoDbLocalOptions {
            port,
            storage: Storage::Dir(data_dir.clone()),
            max_heap_mb: 512,
            delay_transient_statuses: false,
        };
        async move { local::start_dynamodb_local(&opts, &progress).await }
    };

    let server = start(local::free_port().expect("free port"))
        .await
        .unwrap_or_else(|e| panic!("cannot start DynamoDB Local: {e}"));
    let table = support::unique_table("persist_");
    create_table(&support::sdk_client(&server.endpoint()), &table).await;
    server.stop().await;

    let server = start(local::free_port().expect("free port"))
        .await
        .unwrap_or_else(|e| panic!("cannot restart DynamoDB Local: {e}"));
    let listed =
        support::sdk_client(&server.endpoint()).list_tables().send().await.expect("ListTables");
    assert!(listed.table_names().contains(&table), "{table} not kept in {}", data_dir.display());
    server.stop().await;
    std::fs::remove_dir_all(&data_dir).expect("remove data dir");
}
