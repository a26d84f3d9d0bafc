//! Secondary indexes created and deleted from the app, against DynamoDB Local started with
//! `-delayTransientStatuses` (a server of its own: index statuses then take tens of seconds,
//! as on AWS). The real `App` and worker, keys typed in; what the app's state showed at each
//! poll is recorded and compared with what DynamoDB itself says. And a read-only run, which
//! refuses to create an index and sends nothing.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use crossterm::event::KeyCode;
use wallet_tui::app::{App, AppConfig, IndexDialog, Modal, TableState};
use wallet_tui::error::ErrorKind;
use wallet_tui::index::CreateIndexSpec;
use wallet_tui::msg::{Msg, Request, Response};
use wallet_tui::table::{AttributeDef, BillingMode, Projection, TableStatus};
use wallet_tui::worker::WorkerOptions;

use crate::support::{self, AppClient, driver::Driver};

const INDEX: &str = "by_currency";
/// DynamoDB Local keeps a new GSI CREATING for about 31 s and a deleted one DELETING for
/// about 16 s: room for a loaded machine.
const TRANSITION_LIMIT: Duration = Duration::from_secs(90);

/// What the app showed of [`INDEX`]: its status and Backfilling, or "gone".
fn index_state(app: &App) -> String {
    let TableState::Present(info) = app.table() else { return "no table".into() };
    match info.indexes.iter().find(|i| i.name == INDEX) {
        None => "gone".into(),
        Some(i) => {
            let status = i.status.as_ref().map_or("none", TableStatus::as_str);
            match i.backfilling {
                true => format!("{status} Backfilling"),
                false => status.to_string(),
            }
        }
    }
}

/// Ticks the app every 50 ms and feeds it the worker's answers until [`index_state`] is
/// `until`; returns every state it showed on the way, in order (each once).
async fn watch_until(d: &mut Driver<'_>, until: &str) -> Vec<String> {
    let deadline = Instant::now() + TRANSITION_LIMIT;
    let mut seen: Vec<String> = Vec::new();
    loop {
        let state = index_state(&d.app);
        if seen.last() != Some(&state) {
            seen.push(state.clone());
        }
        if state == until {
            return seen;
        }
        assert!(Instant::now() < deadline, "{INDEX} not {until} within the limit; seen {seen:?}");
        d.update(Msg::Tick);
        if let Ok(Some(reply)) =
            tokio::time::timeout(Duration::from_millis(50), d.worker.responses.recv()).await
        {
            d.update(Msg::Worker(reply));
        }
    }
}

fn type_text(d: &mut Driver<'_>, text: &str) {
    for c in text.chars() {
        d.key(c);
    }
}

fn status_line(app: &App) -> String {
    app.status_line().map_or(String::new(), |s| s.text.clone())
}

/// The GSIs DynamoDB itself describes: (name, status) pairs.
async fn gsis(client: &Client, table: &str) -> Vec<(String, String)> {
    let out = client.describe_table().table_name(table).send().await.expect("DescribeTable");
    let desc = out.table().expect("a description");
    desc.global_secondary_indexes()
        .iter()
        .map(|g| {
            let status = g.index_status().map_or("none", |s| s.as_str());
            (g.index_name().unwrap_or_default().to_string(), status.to_string())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gsi_created_from_the_app_is_watched_creating_then_active_and_deleted_until_gone() {
    let server = support::dynamodb_local_delayed().await;
    let sdk = support::sdk_client(&server.endpoint());
    let table = support::unique_table("index_");
    let billing = BillingMode::Provisioned { read: 5, write: 5 };
    support::create_wallet_table(&sdk, &table, &billing).await;
    let mut item = support::wallet_item("0b6f4d5e-6b5a-4d7c-9a51-0c1f6f1d2a3b", "12.50");
    item.insert("currency".into(), aws_sdk_dynamodb::types::AttributeValue::S("EUR".into()));
    support::put_items(&sdk, &table, &[item]).await;

    let client = AppClient::new(server.endpoint()).await;
    let mut worker = client.spawn_worker(WorkerOptions::default());
    let app = App::new(AppConfig::new(table.clone(), &client.endpoint_label), Instant::now());
    let mut d = Driver::new(&mut worker, app);
    d.tick_until(Duration::from_secs(20), "the table described", |app| {
        matches!(app.table(), TableState::Present(_))
    })
    .await;

    // `N`, the name, the partition key `currency` (S), its own 2 RCU / 1 WCU.
    d.key('N');
    assert!(matches!(d.app.modal(), Modal::Index(IndexDialog::Create(_))), "{:?}", d.app.modal());
    type_text(&mut d, INDEX);
    d.press(KeyCode::Tab);
    type_text(&mut d, "currency");
    for _ in 0..6 {
        d.press(KeyCode::Tab); // past the key type, sort key and type, projection, INCLUDE
    }
    d.press(KeyCode::Backspace);
    type_text(&mut d, "2");
    d.press(KeyCode::Tab);
    d.press(KeyCode::Backspace);
    type_text(&mut d, "1");
    let sent = d.press(KeyCode::Enter);
    let spec = CreateIndexSpec {
        name: INDEX.into(),
        partition: AttributeDef { name: "currency".into(), attr_type: "S".into() },
        sort: None,
        projection: Projection::All,
        throughput: Some((2, 1)),
    };
    assert_eq!(sent, [Request::CreateIndex { table: table.clone(), spec }]);

    let created = watch_until(&mut d, "ACTIVE").await;
    let creating = created.iter().position(|s| s == "CREATING");
    let backfilling = created.iter().position(|s| s == "CREATING Backfilling");
    assert!(creating.is_some(), "CREATING shown: {created:?}");
    assert!(backfilling.is_some_and(|b| Some(b) > creating), "then Backfilling: {created:?}");
    let line = status_line(&d.app);
    assert!(line.starts_with(&format!("index {INDEX} is ACTIVE (CREATING took ")), "{line}");
    let took: u64 = line
        .rsplit("took ")
        .next()
        .and_then(|t| t.trim_end_matches("s)").parse().ok())
        .unwrap_or_else(|| panic!("no time in {line:?}"));
    assert!(took >= 20, "timed from the ask: {line}");
    assert_eq!(gsis(&sdk, &table).await, [(INDEX.to_string(), "ACTIVE".to_string())]);
    let TableState::Present(info) = d.app.table() else { panic!("the table") };
    let index = &info.indexes[0];
    assert_eq!(index.throughput, Some((2, 1)), "its own throughput");
    assert!(info.attributes.iter().any(|a| a.name == "currency" && a.attr_type == "S"));

    // `I`, `d` on the one index, its name typed.
    d.key('I');
    d.key('d');
    type_text(&mut d, INDEX);
    let sent = d.press(KeyCode::Enter);
    assert_eq!(sent, [Request::DeleteIndex { table: table.clone(), index: INDEX.into() }]);
    let deleted = watch_until(&mut d, "gone").await;
    assert!(deleted.iter().any(|s| s == "DELETING"), "DELETING shown: {deleted:?}");
    let line = status_line(&d.app);
    assert!(line.starts_with(&format!("index {INDEX} is gone (DELETING took ")), "{line}");
    assert!(gsis(&sdk, &table).await.is_empty(), "DynamoDB agrees");
    support::delete_table(&sdk, &table).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_refuses_to_create_an_index_and_sends_nothing() {
    let server = support::dynamodb_local().await;
    let sdk = support::sdk_client(&server.endpoint());
    let table = support::unique_table("index_ro_");
    support::create_wallet_table(&sdk, &table, &BillingMode::OnDemand).await;

    let client = AppClient::new(server.endpoint()).await;
    let mut worker = client.spawn_worker(WorkerOptions { read_only: true, ..Default::default() });
    let config =
        AppConfig { read_only: true, ..AppConfig::new(table.clone(), &client.endpoint_label) };
    let mut d = Driver::new(&mut worker, App::new(config, Instant::now()));
    d.tick_until(Duration::from_secs(20), "the table described", |app| {
        matches!(app.table(), TableState::Present(_))
    })
    .await;
    assert!(d.key('N').is_empty(), "N sends nothing");
    assert!(matches!(d.app.modal(), Modal::None), "and opens no form");
    assert!(status_line(&d.app).contains("read-only"), "{}", status_line(&d.app));
    d.key('I');
    assert!(d.key('n').is_empty());
    let index_write = |r: &Request| {
        matches!(
            r,
            Request::CreateIndex { .. } | Request::DeleteIndex { .. } | Request::UpdateTable { .. }
        )
    };
    assert!(!d.sent.iter().any(index_write), "no index change asked: {:?}", d.sent);

    // Below the app, the worker refuses it too, before any call.
    let spec = CreateIndexSpec {
        name: INDEX.into(),
        partition: AttributeDef { name: "currency".into(), attr_type: "S".into() },
        sort: None,
        projection: Projection::KeysOnly,
        throughput: None,
    };
    support::send(d.worker, Request::CreateIndex { table: table.clone(), spec });
    let answer = loop {
        match support::next_response(d.worker, support::CALL_LIMIT, "the refusal").await {
            Response::IndexUpdated { result, .. } => break result,
            _ => continue,
        }
    };
    assert_eq!(answer.expect_err("refused").kind, ErrorKind::ReadOnly);
    assert!(gsis(&sdk, &table).await.is_empty(), "no index on the table");
    support::delete_table(&sdk, &table).await;
}

/// The index the worker asked DynamoDB for, as DynamoDB describes it: key schema, attribute
/// types, projection and throughput all as specified.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_creates_a_gsi_with_sort_key_include_and_throughput_as_specified() {
    let server = support::dynamodb_local().await;
    let sdk = support::sdk_client(&server.endpoint());
    let table = support::unique_table("index_spec_");
    let billing = BillingMode::Provisioned { read: 3, write: 3 };
    support::create_wallet_table(&sdk, &table, &billing).await;
    let mut worker = support::spawn_app_worker(server.endpoint(), WorkerOptions::default()).await;
    let spec = CreateIndexSpec {
        name: "currency-balance-index".into(),
        partition: AttributeDef { name: "currency".into(), attr_type: "S".into() },
        sort: Some(AttributeDef { name: "balance".into(), attr_type: "N".into() }),
        projection: Projection::Include(vec!["updated_at".into(), "note".into()]),
        throughput: Some((4, 2)),
    };
    let answer =
        support::call(&mut worker, Request::CreateIndex { table: table.clone(), spec }).await;
    let Response::IndexUpdated { index, result: Ok(info), .. } = answer else {
        panic!("CreateIndex: {answer:?}")
    };
    assert_eq!(index, "currency-balance-index");
    assert!(info.indexes.iter().any(|i| i.name == index), "in UpdateTable's answer: {info:?}");

    let out = sdk.describe_table().table_name(&table).send().await.expect("DescribeTable");
    let desc = out.table().expect("a description");
    let gsi = &desc.global_secondary_indexes()[0];
    let keys: Vec<(&str, &str)> =
        gsi.key_schema().iter().map(|k| (k.attribute_name(), k.key_type().as_str())).collect();
    assert_eq!(keys, [("currency", "HASH"), ("balance", "RANGE")]);
    let mut types: Vec<(&str, &str)> = desc
        .attribute_definitions()
        .iter()
        .map(|a| (a.attribute_name(), a.attribute_type().as_str()))
        .collect();
    types.sort();
    assert_eq!(types, [("balance", "N"), ("currency", "S"), ("user_id", "S")]);
    let projection = gsi.projection().expect("a projection");
    assert_eq!(projection.projection_type().map(|t| t.as_str()), Some("INCLUDE"));
    assert_eq!(projection.non_key_attributes(), ["updated_at", "note"]);
    let throughput = gsi.provisioned_throughput().expect("throughput");
    assert_eq!(
        (throughput.read_capacity_units(), throughput.write_capacity_units()),
        (Some(4), Some(2))
    );
    support::delete_table(&sdk, &table).await;
}

/// Someone else made an index of that name after the app described the table: DynamoDB's
/// refusal is shown at the form, which keeps what was typed and can be sent again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_create_is_said_at_the_form() {
    let server = support::dynamodb_local().await;
    let sdk = support::sdk_client(&server.endpoint());
    let table = support::unique_table("index_refused_");
    support::create_wallet_table(&sdk, &table, &BillingMode::OnDemand).await;
    let client = AppClient::new(server.endpoint()).await;
    let mut worker = client.spawn_worker(WorkerOptions::default());
    let app = App::new(AppConfig::new(table.clone(), &client.endpoint_label), Instant::now());
    let mut d = Driver::new(&mut worker, app);
    d.tick_until(Duration::from_secs(20), "the table described", |app| {
        matches!(app.table(), TableState::Present(_))
    })
    .await;
    let spec = CreateIndexSpec {
        name: INDEX.into(),
        partition: AttributeDef { name: "currency".into(), attr_type: "S".into() },
        sort: None,
        projection: Projection::KeysOnly,
        throughput: None,
    };
    let mut other = support::spawn_app_worker(server.endpoint(), WorkerOptions::default()).await;
    let answer =
        support::call(&mut other, Request::CreateIndex { table: table.clone(), spec }).await;
    assert!(matches!(answer, Response::IndexUpdated { result: Ok(_), .. }), "{answer:?}");

    d.key('N');
    type_text(&mut d, INDEX);
    d.press(KeyCode::Tab);
    type_text(&mut d, "currency");
    assert_eq!(d.press(KeyCode::Enter).len(), 1, "sent: the app had not seen the other index");
    d.tick_until(Duration::from_secs(20), "the refusal", |app| {
        matches!(app.modal(), Modal::Index(IndexDialog::Create(form)) if form.error.is_some())
    })
    .await;
    let Modal::Index(IndexDialog::Create(form)) = d.app.modal() else { panic!("the form stays") };
    assert!(!form.pending, "it can be sent again");
    assert_eq!(form.value(wallet_tui::app::index_labels::NAME), INDEX, "what was typed stays");
    let error = form.error.clone().unwrap_or_default();
    // DynamoDB Local answers ResourceInUse ("Index is being created") even without delays.
    let reason = error.to_lowercase();
    assert!(reason.contains("in use") || reason.contains("exist"), "DynamoDB's reason: {error}");
    support::delete_table(&sdk, &table).await;
}
