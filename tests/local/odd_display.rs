//! Odd data shown and exported as it is, against a real DynamoDB Local: a table whose items
//! another client wrote with non-numeric balances of every type (S, M, BOOL, NULL, NS) and
//! control, zero-width and bidi characters in their user_ids, beside tricky numbers. The app
//! scans it; the screen shows each user_id in its visible form and never a control or bidi
//! character; the footer counts the wallets without a numeric balance and keeps currencies
//! apart; `E` exports CSV, read back with the `csv` crate: one balance column, every numeric
//! balance present and exact, every other type as typed JSON, every user_id exact.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use wallet_tui::app::{App, AppConfig, Modal};
use wallet_tui::balance::Balance;
use wallet_tui::msg::{Msg, Request, Response, ScanSpec};
use wallet_tui::table::BillingMode;
use wallet_tui::worker::WorkerOptions;

use crate::support;
use crate::support::driver::Driver;
use crate::support::{AppClient, Item};

const LIMIT: Duration = Duration::from_secs(30);

/// Numeric balances: (user_id, balance as written, currency).
const NUMBERS: [(&str, &str, Option<&str>); 7] = [
    ("num-minus-half", "-0.5", Some("EUR")),
    ("num-1E+2", "1E+2", Some("EUR")),
    ("num-38", "12345678901234567890123456789012345678", Some("USD")),
    ("num-4661.3", "4661.3", Some("USD")),
    ("num-3563.60", "3563.60", None),
    ("num-int", "7", Some("EUR")),
    ("num-tiny", "0.000000000000000000000000000000000001", None),
];

/// Odd user_ids (with numeric balances) and how the screen shows them.
const ODD_IDS: [(&str, &str); 7] = [
    ("ctl-newline\nabc", "ctl-newline␊abc"),
    ("ctl-tab\tx\u{1b}[2J", "ctl-tab␉x␛[2J"),
    ("bidi-\u{202e}cba\u{202c}", "bidi-␦cba␦"),
    ("iso-\u{2066}x\u{2069}", "iso-␦x␦"),
    ("zw-\u{200b}\u{200d}\u{feff}x", "zw-␦␦␦x"),
    ("del-\u{7f}", "del-␡"),
    ("c1-\u{9b}2J", "c1-�2J"),
];

/// Items whose `balance` is not a number: (user_id, balance, its typed JSON in the CSV).
fn non_numeric() -> Vec<(&'static str, AttributeValue, serde_json::Value)> {
    use serde_json::json;
    let map = AttributeValue::M([("amount".to_string(), AttributeValue::N("5".into()))].into());
    vec![
        ("odd-s", AttributeValue::S("100".into()), json!({"S": "100"})),
        ("odd-m", map, json!({"M": {"amount": {"N": "5"}}})),
        ("odd-bool", AttributeValue::Bool(true), json!({"BOOL": true})),
        ("odd-null", AttributeValue::Null(true), json!({"NULL": true})),
        ("odd-ns", AttributeValue::Ns(vec!["2.5".into(), "1".into()]), json!({"NS": ["1", "2.5"]})),
    ]
}

fn item(id: &str, balance: Option<AttributeValue>, currency: Option<&str>) -> Item {
    let mut item = Item::from([("user_id".to_string(), AttributeValue::S(id.to_string()))]);
    if let Some(balance) = balance {
        item.insert("balance".into(), balance);
    }
    if let Some(c) = currency {
        item.insert("currency".into(), AttributeValue::S(c.to_string()));
    }
    item
}

fn items() -> Vec<Item> {
    let numbers =
        NUMBERS.iter().map(|(id, b, c)| item(id, Some(AttributeValue::N(b.to_string())), *c));
    let odd_ids =
        ODD_IDS.iter().map(|(id, _)| item(id, Some(AttributeValue::N("1".into())), Some("EUR")));
    let odd = non_numeric().into_iter().map(|(id, b, _)| item(id, Some(b), Some("EUR")));
    numbers.chain(odd_ids).chain(odd).collect()
}

fn canonical(number: &str) -> String {
    Balance::parse(number).unwrap_or_else(|e| panic!("{number:?}: {e}")).to_string()
}

fn screen(app: &App, width: u16, height: u16) -> (String, Vec<String>) {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal.draw(|frame| wallet_tui::ui::render(app, frame)).expect("draw");
    let buffer = terminal.backend().buffer().clone();
    let bad: Vec<String> = buffer
        .content()
        .iter()
        .map(|c| c.symbol().to_string())
        .filter(|s| s.chars().any(|c| c.is_control() || wallet_tui::text::is_invisible(c)))
        .collect();
    let text = (0..height)
        .map(|y| (0..width).map(|x| buffer[(x, y)].symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n");
    (text, bad)
}

/// Opens the export form, keeps CSV, puts `path` in the file field and submits.
async fn export_csv(d: &mut Driver<'_>, path: &Path) -> usize {
    d.key('E');
    assert!(matches!(d.app.modal(), Modal::Export(_)), "{:?}", d.app.status_line());
    d.press(KeyCode::Tab);
    d.press(KeyCode::End);
    for _ in 0..80 {
        d.press(KeyCode::Backspace);
    }
    d.paste(path.to_str().expect("a UTF-8 path"));
    let sent = d.press(KeyCode::Enter);
    assert!(matches!(sent.as_slice(), [Request::Export { .. }]), "{sent:?}");
    let deadline = Instant::now() + LIMIT;
    loop {
        if let Response::Exported { result, .. } = d.step(deadline, "the export").await {
            return result.unwrap_or_else(|e| panic!("export failed: {e}"));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odd_items_are_shown_visibly_and_exported_with_one_exact_balance_column() {
    let server = support::dynamodb_local().await;
    let raw = support::sdk_client(&server.endpoint());
    let table = support::unique_table("odd_display_");
    support::create_wallet_table(&raw, &table, &BillingMode::OnDemand).await;
    let items = items();
    support::put_items(&raw, &table, &items).await;
    assert_eq!(support::scan_items(&raw, &table).await.len(), items.len());

    let client = AppClient::new(server.endpoint()).await;
    let mut worker = client.spawn_worker(WorkerOptions::default());
    let scan_spec =
        ScanSpec { segments: 2, page_limit: Some(3), consistent: true, max_rcu_per_sec: None };
    let config = AppConfig { scan_spec, ..AppConfig::new(table.clone(), &client.endpoint_label) };
    let mut d = Driver::new(&mut worker, App::new(config, Instant::now()));
    d.update(Msg::Tick);
    d.run_scan_to_end(LIMIT).await;
    assert_eq!(d.app.list().loaded(), items.len());

    // The footer counts the odd balances apart and never adds up two currencies.
    let agg = d.app.list().aggregates();
    assert_eq!((agg.count, agg.without_balance), (items.len(), non_numeric().len()));
    let groups: BTreeMap<Option<String>, usize> = d
        .app
        .list()
        .groups()
        .sorted()
        .iter()
        .map(|g| (g.currency.map(String::from), g.aggregates.count))
        .collect();
    assert_eq!(
        groups,
        BTreeMap::from([(Some("EUR".into()), 15), (Some("USD".into()), 2), (None, 2)])
    );

    // Every odd id is on screen in its visible form; no cell holds a control or bidi char.
    d.key('s'); // user_id order, so every row is on one screen
    let (text, bad) = screen(&d.app, 160, 45);
    assert!(bad.is_empty(), "raw characters reached the screen: {bad:?}\n{text}");
    for (_, shown) in ODD_IDS {
        assert!(text.contains(shown), "{shown}:\n{text}");
    }
    for needle in ["S \"100\"", "BOOL true", "NULL null", "without a numeric balance"] {
        assert!(text.contains(needle), "{needle}:\n{text}");
    }
    for (view, _) in [("JSON", 0), ("DynamoDB JSON", 1), ("attributes", 2)] {
        d.key('J');
        let (text, bad) = screen(&d.app, 160, 45);
        assert!(bad.is_empty(), "{view}: {bad:?}\n{text}");
    }

    // CSV: one balance column; numbers exact; other types as typed JSON; ids exact.
    let dir =
        std::env::temp_dir().join(format!("wallet-tui-odd-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let path = dir.join("odd.csv");
    assert_eq!(export_csv(&mut d, &path).await, items.len());
    let mut reader = csv::Reader::from_path(&path).expect("open the CSV");
    let header: Vec<String> =
        reader.headers().expect("a header").iter().map(String::from).collect();
    assert_eq!(header.iter().filter(|h| *h == "balance").count(), 1, "{header:?}");
    assert_eq!(header[..2], ["user_id", "balance"]);
    let rows: BTreeMap<String, String> = reader
        .records()
        .map(|r| {
            let r = r.expect("a CSV record");
            (r[0].to_string(), r[1].to_string())
        })
        .collect();
    assert_eq!(rows.len(), items.len(), "one row per item");
    for (id, balance, _) in NUMBERS {
        assert_eq!(rows.get(id).map(|b| canonical(b)), Some(canonical(balance)), "{id}");
    }
    for (id, _) in ODD_IDS {
        assert_eq!(rows.get(id).map(String::as_str), Some("1"), "{id:?} kept exactly");
    }
    for (id, _, json) in non_numeric() {
        let cell = rows.get(id).unwrap_or_else(|| panic!("{id} exported"));
        let mut read: serde_json::Value =
            serde_json::from_str(cell).unwrap_or_else(|e| panic!("{id}: {cell}: {e}"));
        if let Some(set) = read.get_mut("NS").and_then(|v| v.as_array_mut()) {
            set.sort_by_key(|v| v.as_str().map(canonical));
        }
        assert_eq!(read, json, "{id}");
    }

    drop(d);
    worker.shutdown();
    support::delete_table(&raw, &table).await;
    server.stop().await;
    std::fs::remove_dir_all(&dir).expect("remove the temp dir");
}
