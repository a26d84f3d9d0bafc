//! The table picker against a real DynamoDB Local (started by `support`): `:` lists
//! every table, marked by whether it has the wallet schema, and Enter switches the app to
//! another table, whose wallets it then loads; nothing of the old table stays.

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use wallet_tui::app::{App, AppConfig, Modal, ScanOutcome, TableState};
use wallet_tui::msg::{Msg, Request, Response};
use wallet_tui::table::{BillingMode, TableEntry};
use wallet_tui::worker::WorkerOptions;

use crate::support;
use crate::support::AppClient;
use crate::support::driver::Driver;

const LIMIT: Duration = Duration::from_secs(30);

/// Opens the picker and waits for its list.
async fn pick(d: &mut Driver<'_>) -> Vec<TableEntry> {
    assert_eq!(d.key(':'), [Request::ListTables]);
    let deadline = Instant::now() + LIMIT;
    while !matches!(d.step(deadline, "the table list").await, Response::TablesListed { .. }) {}
    let Modal::Tables(picker) = &d.app.modal() else { panic!("the picker: {:?}", d.app.modal()) };
    picker.tables.clone().expect("listed")
}

/// Moves the picker's selection to `name` and presses Enter.
fn choose(d: &mut Driver<'_>, tables: &[TableEntry], name: &str) -> Vec<Request> {
    let target = tables.iter().position(|t| t.name == name).expect("listed");
    for _ in 0..tables.len() {
        d.press(KeyCode::Up);
    }
    for _ in 0..target {
        d.press(KeyCode::Down);
    }
    d.press(KeyCode::Enter)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_picker_lists_tables_and_switches_between_them() {
    let server = support::dynamodb_local().await;
    let raw = support::sdk_client(&server.endpoint());
    let (first, second) = (support::unique_table("pick_a_"), support::unique_table("pick_b_"));
    let other = support::unique_table("pick_other_");
    for table in [&first, &second] {
        support::create_wallet_table(&raw, table, &BillingMode::OnDemand).await;
    }
    support::create_table(&raw, &other, "id", &BillingMode::OnDemand).await;
    support::put_wallets(&raw, &first, [("a1", "1"), ("a2", "2")]).await;
    support::put_wallets(&raw, &second, [("b1", "10.5")]).await;

    let client = AppClient::new(server.endpoint()).await;
    let mut worker = client.spawn_worker(WorkerOptions::default());
    let app =
        App::new(AppConfig::new(first.clone(), client.endpoint_label.clone()), Instant::now());
    let mut d = Driver::new(&mut worker, app);
    d.update(Msg::Tick);
    d.run_scan_to_end(LIMIT).await;
    assert_eq!(d.app.list().loaded(), 2);

    let tables = pick(&mut d).await;
    let marks: Vec<(String, Option<bool>)> = tables
        .iter()
        .filter(|t| [&first, &second, &other].contains(&&t.name))
        .map(|t| (t.name.clone(), t.wallet_schema))
        .collect();
    let mut expected = vec![
        (first.clone(), Some(true)),
        (second.clone(), Some(true)),
        (other.clone(), Some(false)),
    ];
    expected.sort();
    assert_eq!(marks, expected, "in name order, with their schemas");
    let Modal::Tables(picker) = &d.app.modal() else { unreachable!() };
    assert_eq!(tables[picker.selected].name, first, "the table in use is selected");

    let sent = choose(&mut d, &tables, &second);
    assert_eq!(
        sent,
        [
            Request::ResolveWrites { table: second.clone() },
            Request::DescribeTable { table: second.clone() }
        ]
    );
    assert_eq!(d.app.table_name(), second);
    assert_eq!(d.app.list().loaded(), 0, "nothing of the old table stays");
    let deadline = Instant::now() + LIMIT;
    while !d.app.scan().is_some_and(|s| s.outcome == ScanOutcome::Complete) {
        d.step(deadline, "the new table's scan").await;
    }
    let ids: Vec<String> = d.app.list().window(0, 10).map(|w| w.user_id.to_text()).collect();
    assert_eq!(ids, ["b1"]);
    assert!(matches!(&d.app.table(), TableState::Present(info) if info.name == second));

    // A table of another schema can be chosen too; the status panel says what it is.
    let tables = pick(&mut d).await;
    choose(&mut d, &tables, &other);
    let deadline = Instant::now() + LIMIT;
    while !matches!(&d.app.table(), TableState::Present(_)) {
        d.step(deadline, "the other table's description").await;
    }
    let TableState::Present(info) = &d.app.table() else { unreachable!() };
    assert!(!info.has_wallet_schema());

    drop(d);
    worker.shutdown();
    for table in [&first, &second, &other] {
        support::delete_table(&raw, table).await;
    }
    server.stop().await;
}
