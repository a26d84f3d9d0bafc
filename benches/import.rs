//! Importing new wallets into DynamoDB Local: the real `wallet-tui import` binary next to
//! boto3's `batch_writer` with 4 threads, same file, same server, in the same run.
//!
//! Run: `cargo bench --bench import -- --users 100000 --rounds 2`. Needs python3 with
//! boto3. Each round imports into two fresh on-demand tables (so no pacing applies) and
//! times each tool's whole process: reading the file, and for wallet-tui its validation,
//! the diff against the table and the journaled, conditional writes. Both warm the server
//! up first (uncounted), and take turns going first. Each round also times the server's own
//! rates with the raw SDK: conditional TransactWriteItems as the import sends them, and
//! unconditional BatchWriteItem as batch_writer sends them, so the import can be read
//! against what the server allows for each kind of write.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType, Put, PutRequest,
    ScalarAttributeType, TransactWriteItem, WriteRequest,
};
use futures::StreamExt;
mod common;

use wallet_tui::local::{self, DynamoDbLocalOptions, Storage};
use wallet_tui::worker::{self, Connect};

/// Wallets each tool writes once, uncounted, before the timed rounds.
const WARM_UP: u64 = 20_000;

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

/// Imports `file` into a new table with the real binary; its wall time.
async fn app_import(
    client: &Client,
    endpoint: &str,
    dir: &Path,
    file: &Path,
    table: &str,
) -> Duration {
    create(client, table).await;
    let home = dir.join(format!("home_{table}"));
    timed(
        Command::new(env!("CARGO_BIN_EXE_wallet-tui"))
            .args(["import", file.to_str().expect("utf-8 path"), "--table", table])
            .args(["--endpoint-url", endpoint, "--region", "us-east-1"])
            .env("AWS_ACCESS_KEY_ID", "wallettui")
            .env("AWS_SECRET_ACCESS_KEY", "bench")
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_STATE_HOME", home.join("state"))
            .stdin(std::process::Stdio::null()),
    )
}

/// Writes `file` into a new table with boto3's batch_writer (4 threads); its wall time.
async fn boto3_import(client: &Client, endpoint: &str, file: &Path, table: &str) -> Duration {
    create(client, table).await;
    timed(Command::new("python3").args([
        "-c",
        BOTO3,
        endpoint,
        table,
        file.to_str().expect("utf-8 path"),
    ]))
}

/// The file's wallets as DynamoDB items.
fn items_of(file: &Path) -> Vec<HashMap<String, AttributeValue>> {
    let text = std::fs::read_to_string(file).expect("read the import file");
    let field = |line: &str, name: &str| -> String {
        let from = line.find(&format!("\"{name}\":\"")).expect("field") + name.len() + 4;
        line[from..].split('"').next().expect("value").to_string()
    };
    text.lines()
        .map(|line| {
            HashMap::from([
                ("user_id".to_string(), AttributeValue::S(field(line, "user_id"))),
                ("balance".to_string(), AttributeValue::N(field(line, "balance"))),
                ("currency".to_string(), AttributeValue::S(field(line, "currency"))),
            ])
        })
        .collect()
}

/// The server's own rates with the raw SDK, nothing else around the calls: conditional
/// TransactWriteItems (100 puts "only if none exists", 16 in flight: what the import sends)
/// and unconditional BatchWriteItem (25 puts, 8 in flight: what batch_writer sends).
async fn raw_writes(
    client: &Client,
    items: &[HashMap<String, AttributeValue>],
    table: &str,
    conditional: bool,
) -> Duration {
    create(client, table).await;
    let started = Instant::now();
    if conditional {
        let calls = items.chunks(100).map(|chunk| {
            let puts = chunk.iter().map(|item| {
                let put = Put::builder()
                    .table_name(table)
                    .set_item(Some(item.clone()))
                    .condition_expression("attribute_not_exists(user_id)")
                    .build()
                    .expect("put");
                TransactWriteItem::builder().put(put).build()
            });
            let call = client
                .transact_write_items()
                .set_transact_items(Some(puts.collect()))
                .client_request_token(uuid::Uuid::new_v4().to_string());
            async move { call.send().await.expect("transaction") }
        });
        futures::stream::iter(calls).buffer_unordered(16).for_each(|_| async {}).await;
    } else {
        let calls = items.chunks(25).map(|chunk| {
            let puts = chunk.iter().map(|item| {
                let put = PutRequest::builder().set_item(Some(item.clone())).build().expect("put");
                WriteRequest::builder().put_request(put).build()
            });
            let call = client.batch_write_item().request_items(table, puts.collect());
            async move {
                let out = call.send().await.expect("batch");
                assert!(out.unprocessed_items().is_none_or(|u| u.is_empty()), "unprocessed");
            }
        });
        futures::stream::iter(calls).buffer_unordered(8).for_each(|_| async {}).await;
    }
    started.elapsed()
}

#[tokio::main]
async fn main() {
    let args = args();
    let dir = std::env::temp_dir().join(format!("wallet-tui-import-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("wallets.jsonl");
    write_file(&file, args.users);
    let warm_file = dir.join("warm-up.jsonl");
    write_file(&warm_file, args.users.min(WARM_UP));
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

    // DynamoDB Local's JIT makes its first minute slower: both tools warm it up first.
    app_import(&client, &endpoint, &dir, &warm_file, "warm_app").await;
    boto3_import(&client, &endpoint, &warm_file, "warm_boto3").await;

    let (mut app_runs, mut boto_runs) = (Vec::new(), Vec::new());
    let (mut raw_tx, mut raw_batch) = (Vec::new(), Vec::new());
    let items = items_of(&file);
    for round in 0..args.rounds {
        // Each goes first in turn (the server's table count grows through a round).
        for first in [round % 2 == 0, round % 2 == 1] {
            if first {
                let table = format!("import_app_{round}");
                let elapsed = app_import(&client, &endpoint, &dir, &file, &table).await;
                assert_eq!(count(&client, &table).await, args.users, "wallet-tui imported all");
                eprintln!("wallet-tui round {round}: {:.2} s", elapsed.as_secs_f64());
                app_runs.push(elapsed);
            } else {
                let table = format!("import_boto3_{round}");
                let elapsed = boto3_import(&client, &endpoint, &file, &table).await;
                assert_eq!(count(&client, &table).await, args.users, "boto3 imported all");
                eprintln!("boto3      round {round}: {:.2} s", elapsed.as_secs_f64());
                boto_runs.push(elapsed);
            }
        }
        let table = format!("raw_tx_{round}");
        let elapsed = raw_writes(&client, &items, &table, true).await;
        assert_eq!(count(&client, &table).await, args.users, "raw transactions wrote all");
        eprintln!("raw tx     round {round}: {:.2} s", elapsed.as_secs_f64());
        raw_tx.push(elapsed);
        let table = format!("raw_batch_{round}");
        let elapsed = raw_writes(&client, &items, &table, false).await;
        assert_eq!(count(&client, &table).await, args.users, "raw batches wrote all");
        eprintln!("raw batch  round {round}: {:.2} s", elapsed.as_secs_f64());
        raw_batch.push(elapsed);
    }
    let best = |runs: &[Duration]| runs.iter().min().copied().unwrap_or_default();
    let rate = |d: Duration| args.users as f64 / d.as_secs_f64().max(f64::EPSILON);
    let line = |what: &str, d: Duration| {
        println!("{what:<48} {:>7.2} s ({:.0}/s)", d.as_secs_f64(), rate(d));
    };
    println!("new wallets                                      {}", args.users);
    line("wallet-tui import (best)", best(&app_runs));
    line("boto3 batch_writer x4 (best)", best(&boto_runs));
    line("raw SDK: conditional TransactWriteItems 100 x16", best(&raw_tx));
    line("raw SDK: BatchWriteItem 25 x8 (unconditional)", best(&raw_batch));
    println!(
        "wallet-tui / boto3                               {:.2}",
        best(&app_runs).as_secs_f64() / best(&boto_runs).as_secs_f64()
    );
    println!(
        "wallet-tui / raw conditional transactions        {:.2}",
        best(&app_runs).as_secs_f64() / best(&raw_tx).as_secs_f64()
    );
    server.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
