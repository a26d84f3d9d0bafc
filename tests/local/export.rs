//! Export round trip against a real DynamoDB Local (started by `support`): the app
//! loads a table of tricky wallets, `E` exports them to CSV and to JSON Lines, and each file,
//! read back independently (the `csv` crate, `serde_json`), equals the table's content as a
//! raw Scan returns it: every wallet, every attribute, every number exact.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use crossterm::event::KeyCode;
use wallet_tui::app::{App, AppConfig, Modal};
use wallet_tui::balance::Balance;
use wallet_tui::msg::{Msg, Request, Response, ScanSpec};
use wallet_tui::table::BillingMode;
use wallet_tui::worker::WorkerOptions;

use crate::support;
use crate::support::driver::Driver;
use crate::support::{AppClient, Item};

const LIMIT: Duration = Duration::from_secs(30);

/// Wallets whose numbers and strings are easy to damage: (user_id, balance, note).
const WALLETS: [(&str, Option<&str>, &str); 6] = [
    (
        "6c1f0c5e-2a8b-4d3e-9f10-7a6b5c4d3e2f",
        Some("12345678901234567890123456789012345678"),
        "38 digits",
    ),
    ("0b9e8d7c-6f5a-4e3d-8c2b-1a0f9e8d7c6b", Some("-0.5"), "comma, \"quotes\"\nand a newline"),
    ("f4e3d2c1-b0a9-4876-9543-210fedcba987", Some("1E+2"), "stored as 100"),
    ("a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", Some("0.10"), "ünïcödé €"),
    (
        "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e",
        Some("9.9999999999999999999999999999999999999E+125"),
        "largest",
    ),
    ("legacy-user-42", None, "no balance"),
];

/// A user's view of an item: user_id → (balance as canonical text, other attributes as text).
type Content = BTreeMap<String, (Option<String>, BTreeMap<String, String>)>;

fn canonical(number: &str) -> String {
    Balance::parse(number).unwrap_or_else(|e| panic!("{number:?}: {e}")).to_string()
}

fn content_of_items(items: &[Item]) -> Content {
    items
        .iter()
        .map(|item| {
            let id = item["user_id"].as_s().expect("a string id").clone();
            let balance = item.get("balance").map(|b| canonical(b.as_n().expect("a number")));
            let others = item
                .iter()
                .filter(|(name, _)| *name != "user_id" && *name != "balance")
                .map(|(name, value)| (name.clone(), value.as_s().expect("a string").clone()))
                .collect();
            (id, (balance, others))
        })
        .collect()
}

fn content_of_csv(path: &Path) -> Content {
    let mut reader = csv::Reader::from_path(path).expect("open the CSV");
    let header: Vec<String> =
        reader.headers().expect("a header").iter().map(String::from).collect();
    assert_eq!(&header[..2], ["user_id", "balance"]);
    reader
        .records()
        .map(|record| {
            let record = record.expect("a CSV record");
            let balance = (!record[1].is_empty()).then(|| canonical(&record[1]));
            let others = header[2..]
                .iter()
                .zip(record.iter().skip(2))
                .filter(|(_, cell)| !cell.is_empty())
                .map(|(name, cell)| (name.clone(), cell.to_string()))
                .collect();
            (record[0].to_string(), (balance, others))
        })
        .collect()
}

fn content_of_json_lines(path: &Path) -> Content {
    let text = std::fs::read_to_string(path).expect("read the JSON Lines");
    text.lines()
        .map(|line| {
            let item: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
            let string = |name: &str, kind: &str| {
                item[name][kind]
                    .as_str()
                    .unwrap_or_else(|| panic!("{name} {kind} in {line}"))
                    .to_string()
            };
            let balance = item.contains_key("balance").then(|| canonical(&string("balance", "N")));
            let others = item
                .keys()
                .filter(|name| *name != "user_id" && *name != "balance")
                .map(|name| (name.clone(), string(name, "S")))
                .collect();
            (string("user_id", "S"), (balance, others))
        })
        .collect()
}

/// Opens the export form, picks the `format` choice (0: csv, 1: jsonl), puts `path` in the
/// file field and submits; returns what the app sent.
fn submit_export_form(d: &mut Driver<'_>, format: usize, path: &Path) -> Vec<Request> {
    d.key('E');
    assert!(
        matches!(d.app.modal(), Modal::Export(_)),
        "the export form: {:?}",
        d.app.status_line()
    );
    for _ in 0..format {
        d.key(' ');
    }
    d.press(KeyCode::Tab);
    d.press(KeyCode::End);
    for _ in 0..80 {
        d.press(KeyCode::Backspace);
    }
    d.paste(path.to_str().expect("a UTF-8 path"));
    d.press(KeyCode::Enter)
}

/// Has the app export with the form's `format` choice (0: csv, 1: jsonl) to `path`.
async fn export(d: &mut Driver<'_>, format: usize, path: &Path) -> usize {
    let sent = submit_export_form(d, format, path);
    assert!(matches!(sent.as_slice(), [Request::Export { .. }]), "{sent:?}");
    let deadline = Instant::now() + LIMIT;
    loop {
        if let Response::Exported { result, .. } = d.step(deadline, "the export").await {
            let n = result.unwrap_or_else(|e| panic!("export failed: {e}"));
            assert!(matches!(d.app.modal(), Modal::None));
            let line = d.app.status_line().cloned().expect("said").text;
            let wallets = wallet_tui::text::count(n, "wallet");
            assert_eq!(line, format!("exported {wallets} to {}", path.display()));
            return n;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exported_files_read_back_equal_the_table() {
    let server = support::dynamodb_local().await;
    let raw = support::sdk_client(&server.endpoint());
    let table = support::unique_table("export_");
    support::create_wallet_table(&raw, &table, &BillingMode::OnDemand).await;
    let items: Vec<Item> = WALLETS
        .iter()
        .map(|(id, balance, note)| {
            let mut item = Item::from([
                ("user_id".to_string(), AttributeValue::S(id.to_string())),
                ("note".to_string(), AttributeValue::S(note.to_string())),
            ]);
            if let Some(balance) = balance {
                item.insert("balance".into(), AttributeValue::N(balance.to_string()));
            }
            item
        })
        .collect();
    support::put_items(&raw, &table, &items).await;
    let expected = content_of_items(&support::scan_items(&raw, &table).await);
    assert_eq!(expected.len(), WALLETS.len());

    let client = AppClient::new(server.endpoint()).await;
    let mut worker = client.spawn_worker(WorkerOptions::default());
    let scan_spec =
        ScanSpec { segments: 2, page_limit: Some(2), consistent: true, max_rcu_per_sec: None };
    let config = AppConfig { scan_spec, ..AppConfig::new(table.clone(), &client.endpoint_label) };
    let app = App::new(config, Instant::now());
    let mut d = Driver::new(&mut worker, app);
    d.update(Msg::Tick);
    d.run_scan_to_end(LIMIT).await;

    let dir: PathBuf =
        std::env::temp_dir().join(format!("wallet-tui-export-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let csv_path = dir.join("wallets.csv");
    assert_eq!(export(&mut d, 0, &csv_path).await, WALLETS.len());
    assert_eq!(content_of_csv(&csv_path), expected, "CSV round trip");
    let jsonl_path = dir.join("wallets.jsonl");
    assert_eq!(export(&mut d, 1, &jsonl_path).await, WALLETS.len());
    assert_eq!(content_of_json_lines(&jsonl_path), expected, "JSON Lines round trip");

    // A filter exports only what is in view; an existing file is kept, and the form says so.
    d.key('/');
    d.paste("legacy");
    d.press(KeyCode::Enter);
    let filtered = dir.join("filtered.csv");
    assert_eq!(export(&mut d, 0, &filtered).await, 1);
    assert_eq!(content_of_csv(&filtered).keys().collect::<Vec<_>>(), ["legacy-user-42"]);
    submit_export_form(&mut d, 0, &filtered);
    let deadline = Instant::now() + LIMIT;
    while !matches!(d.step(deadline, "the refused export").await, Response::Exported { .. }) {}
    let Modal::Export(form) = &d.app.modal() else { panic!("the form stays open") };
    assert_eq!(
        form.error.clone(),
        Some(format!("{} already exists: choose another name", filtered.display()))
    );
    assert_eq!(content_of_csv(&filtered).len(), 1, "the file was not touched");

    drop(d);
    worker.shutdown();
    support::delete_table(&raw, &table).await;
    server.stop().await;
    std::fs::remove_dir_all(&dir).expect("remove the temp dir");
}
