//! Importing new wallets into DynamoDB Local: the real `wallet-tui import` binary next to
//! boto3's `batch_writer` with 4 threads, same file, same server, in the same run.
//!
//! Run: `cargo bench --bench import -- --users 100000 --rounds 2`. Needs python3 with
//! boto3. Each round imports into two fresh on-demand tables (so no pacing applies) and
//! times each tool's whole process: reading the file, and for wallet-tui its validation,
//! the diff against the table and the journaled, conditional writes.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
mod common;

use wallet_tui::local::{self, DynamoDbLocalOptions, Storage};
use wallet_tui::worker::{self, Connect};

struct Args {
    users: u64,
    rounds: usize,
}

fn args() -> Args {
    let mut args = Args { users: 100_000, rounds: 2 };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().and_then(|v| v.parse::<u64>().ok());
        match arg.as_str() {
            "--users" => args.users = value().unwrap_or(args.users),
            "--rounds" => args.rounds = value().map_or(args.rounds, |v| v as usize),
            _ => {} // cargo bench passes --bench
        }
    }
    args
}

/// boto3's own bulk path: 4 threads, each a `batch_writer` over a quarter of the file.
const BOTO3: &str = r#"
import json, sys, threading, boto3
from decimal import Decimal
endpoint, table, path = sys.argv[1:4]
rows = []
with open(path) as f:
    for line in f:
        item = json.loads(line, parse_float=Decimal, parse_int=Decimal)
        item["balance"] = Decimal(item["balance"])
        rows.append(item)
def work(part):
    t = boto3.resource("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="wallettui", aws_secret_access_key="bench").Table(table)
    with t.batch_writer() as w:
        for item in rows[part::4]:
            w.put_item(Item=item)
threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
for t in threads: t.start()
for t in threads: t.join()
"#;

/// A JSON Lines file of `users` new wallets with a balance and a currency.
fn write_file(path: &Path, users: u64) {
    let mut text = String::with_capacity(users as usize * 90);
    for i in 0..users {
        let id = uuid::Uuid::new_v4();
        let cents = (i * 7919) % 1_000_000;
        let currency = ["EUR", "USD", "GBP"][(i % 3) as usize];
        text.push_str(&format!(
            "{{\"user_id\":\"{id}\",\"balance\":\"{}.{:02}\",\"currency\":\"{currency}\"}}\n",
            cents / 100,
            cents % 100
        ));
    }
    std::fs::write(path, text).expect("write the import file");
}

async fn create(client: &Client, table: &str) {
    client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("user_id")
                .key_type(KeyType::Hash)
                .build()
                .expect("key"),
        )
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("user_id")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("attribute"),
        )
        .send()
        .await
        .expect("create table");
}

async fn count(client: &Client, table: &str) -> u64 {
    common::count_items(client, table).await.expect("count")
}

/// Runs a command to its end; its wall time.
fn timed(command: &mut Command) -> Duration {
    let started = Instant::now();
    let output = command.output().expect("run");
    let elapsed = started.elapsed();
    assert!(
        output.status.success(),
        "{command:?} failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    elapsed
}

#[tokio::main]
async fn main() {
    let args = args();
    let dir = std::env::temp_dir().join(format!("wallet-tui-import-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("wallets.jsonl");
    write_file(&file, args.users);
    let port = local::free_port().expect("port");
    let options = DynamoDbLocalOptions {
        port,
        storage: Storage::InMemory,
        max_heap_mb: 4096,
        delay_transient_statuses: false,
    };
    let server = local::start_dynamodb_local(&options, &|l| eprintln!("{l}")).await.expect("start");
    let endpoint = server.endpoint();
    let connect =
        Connect { endpoint_url: Some(endpoint.clone()), local: true, ..Default::default() };
    let client = Client::new(&worker::load_sdk_config(&connect).await);

    let (mut app_runs, mut boto_runs) = (Vec::new(), Vec::new());
    for round in 0..args.rounds {
        let table = format!("import_app_{round}");
        create(&client, &table).await;
        let home = dir.join(format!("home_{round}"));
        let elapsed = timed(
            Command::new(env!("CARGO_BIN_EXE_wallet-tui"))
                .args(["import", file.to_str().expect("utf-8 path"), "--table", &table])
                .args(["--endpoint-url", &endpoint, "--region", "us-east-1"])
                .env("AWS_ACCESS_KEY_ID", "wallettui")
                .env("AWS_SECRET_ACCESS_KEY", "bench")
                .env("XDG_CONFIG_HOME", home.join("config"))
                .env("XDG_DATA_HOME", home.join("data"))
                .env("XDG_STATE_HOME", home.join("state"))
                .stdin(std::process::Stdio::null()),
        );
        assert_eq!(count(&client, &table).await, args.users, "wallet-tui imported all");
        eprintln!("wallet-tui round {round}: {:.2} s", elapsed.as_secs_f64());
        app_runs.push(elapsed);

        let table = format!("import_boto3_{round}");
        create(&client, &table).await;
        let elapsed = timed(Command::new("python3").args([
            "-c",
            BOTO3,
            &endpoint,
            &table,
            file.to_str().expect("utf-8 path"),
        ]));
        assert_eq!(count(&client, &table).await, args.users, "boto3 imported all");
        eprintln!("boto3      round {round}: {:.2} s", elapsed.as_secs_f64());
        boto_runs.push(elapsed);
    }
    let best_app = app_runs.iter().min().copied().unwrap_or_default();
    let best_boto = boto_runs.iter().min().copied().unwrap_or_default();
    let rate = |d: Duration| args.users as f64 / d.as_secs_f64().max(f64::EPSILON);
    println!("new wallets                      {}", args.users);
    println!(
        "wallet-tui import (best)         {:.2} s ({:.0}/s)",
        best_app.as_secs_f64(),
        rate(best_app)
    );
    println!(
        "boto3 batch_writer x4 (best)     {:.2} s ({:.0}/s)",
        best_boto.as_secs_f64(),
        rate(best_boto)
    );
    println!(
        "wallet-tui / boto3               {:.2}",
        best_app.as_secs_f64() / best_boto.as_secs_f64()
    );
    server.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
