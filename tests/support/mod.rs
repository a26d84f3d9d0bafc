//! Helpers shared by the integration tests (`mod support;`).
//!
//! Servers are started through `wallet_tui::local`, exactly as the application does; a server
//! that cannot start makes the test panic with the reason (tests never skip silently).

// Each test binary uses only some of these helpers.
#![allow(dead_code)]

pub mod proxy;

use std::time::Duration;

use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use wallet_tui::local::{self, DynaliteOptions, DynamoDbLocalOptions, LocalServer, Storage};

fn progress(name: &'static str) -> impl Fn(String) + Send + Sync {
    move |msg| eprintln!("[{name}] {msg}")
}

/// Starts DynamoDB Local in memory on a free port (512 MiB heap); panics if it cannot start.
pub async fn dynamodb_local() -> LocalServer {
    let port = local::free_port().expect("no free TCP port");
    let opts = DynamoDbLocalOptions { port, storage: Storage::InMemory, max_heap_mb: 512 };
    match local::start_dynamodb_local(&opts, &progress("dynamodb-local")).await {
        Ok(server) => server,
        Err(e) => panic!("cannot start DynamoDB Local: {e}"),
    }
}

/// Starts dynalite on a free port with create/update/delete delays of `ms` milliseconds;
/// panics if it cannot start.
pub async fn dynalite(ms: u64) -> LocalServer {
    let port = local::free_port().expect("no free TCP port");
    let opts =
        DynaliteOptions { port, create_table_ms: ms, update_table_ms: ms, delete_table_ms: ms };
    match local::start_dynalite(&opts, &progress("dynalite")).await {
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
