//! The data loader (`wallet_tui::worker::seed`) against a real DynamoDB Local (started by
//! `support`): it creates the table when needed, writes exactly what it was asked to,
//! adds to an existing table, and refuses a table that is not a wallet table.

use std::collections::HashSet;
use std::sync::Mutex;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, BillingMode, Select, TableStatus};
use aws_smithy_types::date_time::{DateTime, Format};
use wallet_tui::app::AppConfig;
use wallet_tui::balance::Balance;
use wallet_tui::demo::CURRENCIES;
use wallet_tui::table::BillingMode as AppBilling;
use wallet_tui::worker::seed::{self, SeedProgress, SeedReport};

use crate::support;
use crate::support::{Item, delete_table};

/// Seeds `users` wallets, keeping every progress report.
async fn seed(
    client: &Client,
    table: &str,
    users: u64,
    concurrency: usize,
) -> (SeedReport, Vec<SeedProgress>) {
    let reports = Mutex::new(Vec::new());
    let record = |p: SeedProgress| reports.lock().expect("progress log").push(p);
    let report = seed::seed(client, table, users, concurrency, &record)
        .await
        .unwrap_or_else(|e| panic!("seeding {users} wallets into {table}: {e:?}"));
    (report, reports.into_inner().expect("progress log"))
}

/// Counts the items with Select COUNT, 500 per page so that pagination is exercised.
async fn count(client: &Client, table: &str) -> u64 {
    let mut pages =
        client.scan().table_name(table).select(Select::Count).limit(500).into_paginator().send();
    let (mut total, mut page_count) = (0, 0);
    while let Some(page) = pages.next().await {
        let page = page.unwrap_or_else(|e| panic!("Scan COUNT {table}: {e:?}"));
        total += u64::try_from(page.count()).expect("a count is never negative");
        page_count += 1;
    }
    assert!(page_count >= total / 500, "{page_count} pages for {total} items");
    total
}

/// A string attribute, or a panic naming the item.
fn string<'a>(item: &'a Item, name: &str) -> &'a str {
    match item.get(name).map(AttributeValue::as_s) {
        Some(Ok(s)) => s,
        other => panic!("{name} is not a string ({other:?}) in {item:?}"),
    }
}

/// What every seeded item must look like; returns its user_id.
fn check_wallet(item: &Item) -> String {
    let user_id = string(item, "user_id");
    let uuid = uuid::Uuid::parse_str(user_id)
        .unwrap_or_else(|e| panic!("user_id {user_id:?} is not a UUID: {e}"));
    assert_eq!(uuid.get_version_num(), 4, "user_id {user_id} is not a UUID v4");
    assert_eq!(uuid.hyphenated().to_string(), user_id, "not the canonical form");

    let balance = match item.get("balance").map(AttributeValue::as_n) {
        Some(Ok(n)) => Balance::parse(n).unwrap_or_else(|e| panic!("balance {n:?}: {e}")),
        other => panic!("balance is not a number ({other:?}) in {item:?}"),
    };
    assert!(!balance.is_negative(), "negative balance {balance} in {item:?}");
    assert!(balance.exponent() >= -2, "more than two decimals: {balance}");

    let currency = string(item, "currency");
    assert!(CURRENCIES.contains(&currency), "currency {currency:?}");
    let updated_at = string(item, "updated_at");
    DateTime::from_str(updated_at, Format::DateTime)
        .unwrap_or_else(|e| panic!("updated_at {updated_at:?} is not RFC 3339: {e}"));
    assert!(updated_at.ends_with('Z'), "updated_at {updated_at:?} is not UTC");
    assert_eq!(item.len(), 4, "unexpected attributes in {item:?}");
    user_id.to_string()
}

/// Progress reports only go up, stay within the total and end with everything written.
fn check_progress(reports: &[SeedProgress], report: &SeedReport, total: u64) {
    let last = reports.last().unwrap_or_else(|| panic!("no progress reported"));
    assert_eq!(*last, SeedProgress { written: total, total, retried_items: report.retried_items });
    assert!(reports.iter().all(|p| p.total == total && p.written <= total), "{reports:?}");
    assert!(reports.windows(2).all(|w| w[0].written <= w[1].written), "{reports:?}");
    // At most ten a second, plus the first and the last.
    let allowed = report.elapsed.as_millis() / 100 + 2;
    assert!(reports.len() as u128 <= allowed, "{} reports in {:?}", reports.len(), report.elapsed);
}

#[tokio::test]
async fn seeding_creates_the_table_and_writes_every_wallet() {
    let server = support::dynamodb_local().await;
    let client = support::sdk_client(&server.endpoint());
    let table = support::unique_table("seed_new_");

    let (report, progress) = seed(&client, &table, 1234, 8).await;
    assert_eq!(report.written, 1234, "{report:?}");
    // 49 full batches and one of 9; DynamoDB Local never leaves items unprocessed.
    assert_eq!(report.batches, 50, "{report:?}");
    assert_eq!(report.retried_items, 0, "{report:?}");
    check_progress(&progress, &report, 1234);

    let described = client
        .describe_table()
        .table_name(&table)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeTable {table}: {e:?}"));
    let description = described.table().expect("a description");
    assert_eq!(description.table_status(), Some(&TableStatus::Active));
    let billing = description.billing_mode_summary().and_then(|b| b.billing_mode());
    assert_eq!(billing, Some(&BillingMode::PayPerRequest), "{description:?}");

    assert_eq!(count(&client, &table).await, 1234);
    let items = support::scan_items(&client, &table).await;
    let ids: HashSet<String> = items.iter().map(check_wallet).collect();
    assert_eq!(ids.len(), 1234, "user_ids repeat");

    delete_table(&client, &table).await;
    server.stop().await;
}

#[tokio::test]
async fn seeding_an_existing_table_adds_to_it() {
    let server = support::dynamodb_local().await;
    let client = support::sdk_client(&server.endpoint());
    let table = support::unique_table("seed_twice_");

    let (first, _) = seed(&client, &table, 100, 4).await;
    assert_eq!((first.written, first.batches), (100, 4), "{first:?}");
    let (second, progress) = seed(&client, &table, 50, 16).await;
    assert_eq!((second.written, second.batches), (50, 2), "{second:?}");
    check_progress(&progress, &second, 50);

    assert_eq!(count(&client, &table).await, 150);
    let ids: HashSet<String> =
        support::scan_items(&client, &table).await.iter().map(check_wallet).collect();
    assert_eq!(ids.len(), 150);

    delete_table(&client, &table).await;
    server.stop().await;
}

#[tokio::test]
async fn seeding_refuses_a_table_that_is_not_a_wallet_table() {
    let server = support::dynamodb_local().await;
    let client = support::sdk_client(&server.endpoint());
    let table = support::unique_table("seed_other_");
    support::create_table(&client, &table, "id", &AppBilling::OnDemand).await;

    let err = seed::seed(&client, &table, 10, 2, &|_| {})
        .await
        .expect_err("a table keyed on `id` is refused");
    assert!(err.to_string().contains("not a wallet table"), "{err:?}");
    assert_eq!(count(&client, &table).await, 0);

    delete_table(&client, &table).await;
    server.stop().await;
}

#[tokio::test]
async fn zero_users_only_creates_the_table() {
    let server = support::dynamodb_local().await;
    let client = support::sdk_client(&server.endpoint());
    let table = support::unique_table("seed_empty_");

    let (report, progress) = seed(&client, &table, 0, 4).await;
    assert_eq!((report.written, report.batches, report.retried_items), (0, 0, 0));
    check_progress(&progress, &report, 0);
    assert_eq!(count(&client, &table).await, 0);

    delete_table(&client, &table).await;
    server.stop().await;
}

/// A newcomer on DynamoDB Local presses `S` in an app whose table does not exist yet: the
/// table is created, 1000 demo wallets are written, and the list shows them all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_offers_demo_wallets_on_dynamodb_local() {
    use std::time::{Duration, Instant};
    use wallet_tui::app::{App, ScanOutcome, TableState};
    use wallet_tui::msg::{Msg, Request};

    let server = support::dynamodb_local().await;
    let raw = support::sdk_client(&server.endpoint());
    let table = support::unique_table("seed_app_");
    let client = support::AppClient::new(server.endpoint()).await;
    let mut worker = client.spawn_worker(wallet_tui::worker::WorkerOptions::default());
    let config =
        AppConfig { local: true, ..AppConfig::new(table.clone(), client.endpoint_label.clone()) };
    let app = App::new(config, Instant::now());
    let mut d = support::driver::Driver::new(&mut worker, app);
    d.update(Msg::Tick);
    let limit = Duration::from_secs(60);
    let deadline = Instant::now() + limit;
    while !matches!(d.app.table(), TableState::Missing) {
        d.step(deadline, "the table to be found missing").await;
    }
    let sent = d.key('S');
    assert_eq!(
        sent,
        [Request::Seed { table: table.clone(), users: wallet_tui::app::DEMO_WALLETS }]
    );
    // A status poll during the seed may load the table half full: wait for the whole of it.
    let complete = |app: &App| {
        app.list().loaded() == 1000
            && app.scan().is_some_and(|s| s.outcome == ScanOutcome::Complete)
    };
    d.tick_until(limit, "a full list", complete).await;
    assert_eq!(d.app.list().loaded(), 1000);
    assert_eq!(count(&raw, &table).await, 1000);
    drop(d);
    worker.shutdown();
    delete_table(&raw, &table).await;
    server.stop().await;
}

/// `wallet-tui seed --users N --table T --endpoint-url URL`: the global flags after the
/// subcommand, as the aws CLI takes them; the binary writes exactly N wallets to T there.
#[tokio::test]
async fn the_seed_command_takes_global_flags_after_it() {
    let server = support::dynamodb_local().await;
    let client = support::sdk_client(&server.endpoint());
    let table = support::unique_table("seed_cli_");
    let dir = crate::support::tui::temp_dir("seed-cli");
    let log = dir.join("wallet-tui.log");
    let output = crate::support::tui::binary(&dir)
        .args(["seed", "--users", "25", "--table", &table, "--endpoint-url", &server.endpoint()])
        .args(["--region", "us-east-1", "--concurrency", "2", "--log-file"])
        .arg(&log)
        .env("AWS_ACCESS_KEY_ID", wallet_tui::worker::LOCAL_ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", "local")
        .env("AWS_CONFIG_FILE", dir.join("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("no-credentials"))
        .output()
        .expect("run wallet-tui seed");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "seed failed: {stderr}");
    assert!(stderr.contains("wrote 25 wallets"), "{stderr}");
    assert_eq!(support::scan_items(&client, &table).await.len(), 25);
    delete_table(&client, &table).await;
    server.stop().await;
    std::fs::remove_dir_all(&dir).expect("remove the test dir");
}
