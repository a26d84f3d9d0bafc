//! Tables that are not wallet tables, against a real DynamoDB Local (started by `support`):
//! keyed `id` N, `user_id` B, and `user_id` S + `ts` N, each with 5 items holding a balance of
//! 20 (100 in all). A real [`App`] drives the real worker through the request-counting proxy:
//! the app says the key schema, never scans (so never folds items together nor says "the table
//! has no wallets"), refuses every wallet key with one plain line, and sends no write.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use wallet_tui::app::{App, AppConfig, Level, Modal, TableState};
use wallet_tui::msg::{Msg, Request, ScanSpec};
use wallet_tui::worker::WorkerOptions;

use crate::support::driver::Driver;
use crate::support::proxy::Proxy;
use crate::support::{self, AppClient, Item};

const PHASE_LIMIT: Duration = Duration::from_secs(20);

/// Every target a write to data or tables can have.
const WRITE_TARGETS: [&str; 7] = [
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "CreateTable",
    "DeleteTable",
    "BatchWriteItem",
    "TransactWriteItems",
];

/// One kind of table: its key attributes (name, type, HASH/RANGE), the app's words for it,
/// and its 5 items.
struct Kind {
    prefix: &'static str,
    keys: Vec<(&'static str, ScalarAttributeType, KeyType)>,
    schema: &'static str,
    items: Vec<Item>,
}

fn item(key: Vec<(&str, AttributeValue)>) -> Item {
    let mut item: Item = key.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    item.insert("balance".into(), AttributeValue::N("20".into()));
    item
}

fn kinds() -> Vec<Kind> {
    let n = |i: i32| AttributeValue::N(i.to_string());
    vec![
        Kind {
            prefix: "nw_id_",
            keys: vec![("id", ScalarAttributeType::N, KeyType::Hash)],
            schema: "id (N) HASH",
            items: (1..=5).map(|i| item(vec![("id", n(i))])).collect(),
        },
        Kind {
            prefix: "nw_bin_",
            keys: vec![("user_id", ScalarAttributeType::B, KeyType::Hash)],
            schema: "user_id (B) HASH",
            items: (1..=5u8)
                .map(|i| item(vec![("user_id", AttributeValue::B(Blob::new(vec![i, 0xff])))]))
                .collect(),
        },
        Kind {
            prefix: "nw_ts_",
            keys: vec![
                ("user_id", ScalarAttributeType::S, KeyType::Hash),
                ("ts", ScalarAttributeType::N, KeyType::Range),
            ],
            schema: "user_id (S) HASH, ts (N) RANGE",
            items: (1..=5)
                .map(|i| {
                    item(vec![("user_id", AttributeValue::S("same-user".into())), ("ts", n(i))])
                })
                .collect(),
        },
    ]
}

async fn create(raw: &Client, table: &str, kind: &Kind) {
    let mut create = raw.create_table().table_name(table).billing_mode(BillingMode::PayPerRequest);
    for (name, ty, key_type) in &kind.keys {
        let definition =
            AttributeDefinition::builder().attribute_name(*name).attribute_type(ty.clone());
        let key = KeySchemaElement::builder().attribute_name(*name).key_type(key_type.clone());
        create = create
            .attribute_definitions(definition.build().expect("a definition"))
            .key_schema(key.build().expect("a key"));
    }
    support::send_create_table(create).await;
    support::put_items(raw, table, &kind.items).await;
}

/// The whole screen as text.
fn draw(app: &App) -> String {
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 30)).expect("terminal");
    terminal.draw(|frame| wallet_tui::ui::render(app, frame)).expect("draw");
    let buffer = terminal.backend().buffer().clone();
    let width = usize::from(buffer.area.width);
    let cells: Vec<&str> = buffer.content().iter().map(|c| c.symbol()).collect();
    cells.chunks(width).map(|row| row.concat()).collect::<Vec<_>>().join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tables_keyed_otherwise_are_named_never_listed_and_never_written() {
    let server = support::dynamodb_local().await;
    let raw = support::sdk_client(&server.endpoint());
    for kind in kinds() {
        let table = support::unique_table(kind.prefix);
        create(&raw, &table, &kind).await;
        let proxy = Proxy::start(&server.endpoint()).await;
        let client = AppClient::new(proxy.endpoint()).await;
        let mut worker = client.spawn_worker(WorkerOptions {
            endpoint: client.endpoint_label.clone(),
            ..WorkerOptions::default()
        });
        let spec =
            ScanSpec { segments: 1, page_limit: None, consistent: true, max_rcu_per_sec: None };
        let config = AppConfig {
            scan_spec: spec,
            local: true,
            ..AppConfig::new(&table, &client.endpoint_label)
        };
        let mut d = Driver::new(&mut worker, App::new(config, Instant::now()));
        d.update(Msg::Tick);
        d.tick_until(PHASE_LIMIT, "the table described", |app| {
            matches!(app.table(), TableState::Present(_))
        })
        .await;
        let schema = kind.schema;
        assert_eq!(d.app.foreign_key_schema().as_deref(), Some(schema), "{table}");
        let line = d.app.status_line().cloned().expect("said");
        assert_eq!(line.level, Level::Warning, "{line:?}");
        assert!(
            line.text.contains(&format!("is keyed {schema}, not user_id (S) HASH")),
            "{line:?}"
        );

        // `r` describes it again but never scans it.
        let sent = d.key('r');
        assert!(sent.iter().all(|r| matches!(r, Request::DescribeTable { .. })), "{sent:?}");
        let settled = Instant::now() + Duration::from_millis(600);
        d.tick_until(PHASE_LIMIT, "a moment", |_| Instant::now() >= settled).await;
        assert!(d.scans_sent().is_empty(), "{table}: {:?}", d.scans_sent());
        assert_eq!(proxy.count_requests_with(".Scan"), 0, "{:?}", proxy.forwarded());
        assert_eq!(d.app.list().loaded(), 0);

        let screen = draw(&d.app);
        assert!(screen.contains(&format!("Key     {schema} · not a wallet table")), "{screen}");
        assert!(screen.contains("not a wallet table"), "{screen}");
        assert!(screen.contains("not listed"), "{screen}");
        assert!(!screen.contains("has no wallets"), "{screen}");
        assert!(!screen.contains("count 1"), "{screen}");

        // Every wallet key: one plain line, no form, no request.
        for c in ['f', 'n', 'e', '+', '-', 'x', 'T', 'E', 'u', 'S'] {
            let sent = d.key(c);
            assert!(sent.is_empty(), "{table}, {c}: {sent:?}");
            assert!(matches!(d.app.modal(), Modal::None), "{table}, {c}: a form opened");
            let line = d.app.status_line().cloned().expect("said");
            assert_eq!(Some(line.text), d.app.not_a_wallet_table(), "{c}");
        }
        let settled = Instant::now() + Duration::from_millis(300);
        d.tick_until(PHASE_LIMIT, "a moment", |_| Instant::now() >= settled).await;
        for target in WRITE_TARGETS {
            assert_eq!(proxy.count_requests_with(target), 0, "{target}: {:?}", proxy.forwarded());
        }
        let wrote = |r: &Request| r.is_write() && !matches!(r, Request::ResolveWrites { .. });
        assert!(!d.sent.iter().any(wrote), "{:?}", d.sent);
        drop(d);
        assert_eq!(support::scan_items(&raw, &table).await.len(), 5, "{table} unchanged");
        worker.shutdown();
        drop(proxy);
        support::delete_table(&raw, &table).await;
    }
    server.stop().await;
}
