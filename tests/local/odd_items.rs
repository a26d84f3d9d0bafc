//! Wallets another client wrote oddly, edited through the app's forms against DynamoDB
//! Local (through the request-counting proxy): balances that are not numbers (S, M, BOOL,
//! NULL, NS) set to a number with `e`, each conditioned on the very value seen; transfers
//! to a target without a numeric balance or in another currency refused before any call; a
//! currency changed by another writer between the form and the send cancels the transfer
//! with a plain reason. The table is read back after each write.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use crossterm::event::KeyCode;
use wallet_tui::app::{App, AppConfig, Modal};
use wallet_tui::msg::{Msg, Request, Response, ScanSpec};
use wallet_tui::wallet::UserId;
use wallet_tui::worker::{Timeouts, WorkerHandle, WorkerOptions};

use crate::support::driver::Driver;
use crate::support::fixture::ProxiedTable;
use crate::support::{self, Item};

const PHASE_LIMIT: Duration = Duration::from_secs(20);

const EUR_A: &str = "e0e0e0e0-0000-4000-8000-00000000000a";
const EUR_B: &str = "e0e0e0e0-0000-4000-8000-00000000000b";
const USD: &str = "d0d0d0d0-0000-4000-8000-00000000000d";

/// The odd wallets: (user_id, balance as stored).
fn odd_balances() -> Vec<(&'static str, AttributeValue)> {
    let map = HashMap::from([("amount".to_string(), AttributeValue::N("100".into()))]);
    vec![
        ("odd-s", AttributeValue::S("100".into())),
        ("odd-m", AttributeValue::M(map)),
        ("odd-bool", AttributeValue::Bool(true)),
        ("odd-null", AttributeValue::Null(true)),
        ("odd-ns", AttributeValue::Ns(vec!["1".into(), "2.5".into()])),
    ]
}

fn item(id: &str, balance: Option<AttributeValue>, currency: Option<&str>) -> Item {
    let mut item = Item::from([("user_id".to_string(), AttributeValue::S(id.into()))]);
    if let Some(balance) = balance {
        item.insert("balance".into(), balance);
    }
    if let Some(currency) = currency {
        item.insert("currency".into(), AttributeValue::S(currency.into()));
    }
    item
}

/// A table with the odd wallets, two EUR wallets and a USD one (100 each), behind the proxy.
async fn start(prefix: &str) -> ProxiedTable {
    let f = ProxiedTable::start(
        prefix,
        Vec::<(&str, &str)>::new(),
        Timeouts::default(),
        WorkerOptions::default(),
    )
    .await;
    let mut items: Vec<Item> =
        odd_balances().into_iter().map(|(id, b)| item(id, Some(b), Some("EUR"))).collect();
    let hundred = || Some(AttributeValue::N("100".into()));
    items.push(item(EUR_A, hundred(), Some("EUR")));
    items.push(item(EUR_B, hundred(), Some("EUR")));
    items.push(item(USD, hundred(), Some("USD")));
    support::put_items(&f.raw, &f.table, &items).await;
    f
}

/// Every item of the table, by user_id.
async fn content(f: &ProxiedTable) -> HashMap<String, Item> {
    let items = support::scan_items(&f.raw, &f.table).await;
    items.into_iter().map(|i| (i["user_id"].as_s().expect("a string id").clone(), i)).collect()
}

/// An app that has loaded every wallet of `f`'s table (borrowing only its worker, so the
/// test can write as another client meanwhile).
async fn loaded<'w>(worker: &'w mut WorkerHandle, table: &str, endpoint: &str) -> Driver<'w> {
    let scan_spec =
        ScanSpec { segments: 1, page_limit: None, consistent: true, max_rcu_per_sec: None };
    let config = AppConfig { scan_spec, ..AppConfig::new(table, endpoint) };
    let mut d = Driver::new(worker, App::new(config, Instant::now()));
    d.update(Msg::Tick);
    d.run_scan_to_end(PHASE_LIMIT).await;
    assert_eq!(d.app.list().loaded(), odd_balances().len() + 3);
    d
}

fn select(d: &mut Driver, id: &str) {
    d.press(KeyCode::Home);
    let position = d.app.list().position_of(&UserId::new(id)).expect("loaded");
    for _ in 0..position {
        d.key('j');
    }
    assert_eq!(d.app.selected_wallet().map(|w| w.user_id.to_text()).as_deref(), Some(id));
}

fn type_text(d: &mut Driver, text: &str) {
    text.chars().for_each(|c| drop(d.key(c)));
}

/// The open wallet form's messages: the form's own and every field's.
fn form_errors(d: &Driver) -> Vec<String> {
    let Modal::Wallet(dialog) = &d.app.modal() else {
        panic!("no wallet form: {:?}", d.app.status_line())
    };
    let fields = dialog.form.fields.iter().filter_map(|f| f.error.clone());
    dialog.form.error.iter().cloned().chain(fields).collect()
}

async fn wait_for_written(d: &mut Driver<'_>) {
    let deadline = Instant::now() + PHASE_LIMIT;
    while !matches!(d.step(deadline, "the write's answer").await, Response::Written { .. }) {}
}

/// `T` on the selected wallet: `amount` to `to`; returns what the Enter sent.
fn transfer(d: &mut Driver, to: &str, amount: &str) -> Vec<Request> {
    d.key('T');
    type_text(d, to);
    d.press(KeyCode::Tab);
    type_text(d, amount);
    d.press(KeyCode::Enter)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_balance_that_is_not_a_number_is_set_to_a_number_over_the_value_seen() {
    let mut f = start("odd_set_").await;
    {
        let mut d = loaded(&mut f.worker, &f.table, &f.endpoint_label).await;
        for (id, stored) in odd_balances() {
            select(&mut d, id);
            d.key('e');
            let Modal::Wallet(dialog) = d.app.modal() else { panic!("the set form") };
            let shown = dialog.form.value("Current balance").to_string();
            assert!(!shown.contains("no balance"), "{id}: {shown}");
            type_text(&mut d, "100.50");
            assert!(d.press(KeyCode::Enter).is_empty(), "{id}: asks first");
            let sent = d.press(KeyCode::Enter);
            assert!(matches!(sent.as_slice(), [Request::Write { .. }]), "{id}: {sent:?}");
            wait_for_written(&mut d).await;
            assert!(
                matches!(d.app.modal(), Modal::None),
                "{id} ({stored:?}): {:?}",
                d.app.status_line()
            );
            let listed = d.app.list().find(&UserId::new(id)).and_then(|w| w.balance);
            assert_eq!(listed.map(|b| b.to_string()).as_deref(), Some("100.5"), "{id}");
        }
    }
    let content = content(&f).await;
    for (id, _) in odd_balances() {
        assert_eq!(content[id]["balance"], AttributeValue::N("100.5".into()), "{id}");
        assert_eq!(content[id]["currency"], AttributeValue::S("EUR".into()), "{id}: kept");
        assert_eq!(content[id].len(), 3, "{id}: nothing else written");
    }
    f.finish().await;
}

/// Another writer puts `item` as it is.
async fn put(f_raw: &aws_sdk_dynamodb::Client, table: &str, item: Item) {
    f_raw
        .put_item()
        .table_name(table)
        .set_item(Some(item))
        .send()
        .await
        .unwrap_or_else(|e| panic!("raw PutItem: {e:?}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_value_changed_meanwhile_is_shown_and_set_over_without_a_loop() {
    let mut f = start("odd_changed_").await;
    {
        let mut d = loaded(&mut f.worker, &f.table, &f.endpoint_label).await;
        select(&mut d, "odd-s");
        d.key('e');
        type_text(&mut d, "7");
        assert!(d.press(KeyCode::Enter).is_empty(), "asks first");
        // Another writer changes the string meanwhile: ours is not applied over it.
        let changed = item("odd-s", Some(AttributeValue::S("101".into())), Some("EUR"));
        put(&f.raw, &f.table, changed).await;
        assert!(matches!(d.press(KeyCode::Enter).as_slice(), [Request::Write { .. }]));
        wait_for_written(&mut d).await;
        let errors = form_errors(&d);
        assert!(errors.iter().any(|e| e.contains("changed meanwhile to S \"101\"")), "{errors:?}");
        let Modal::Wallet(dialog) = d.app.modal() else { panic!("the form stays") };
        assert_eq!(dialog.form.value("Current balance"), "S \"101\"");
        // Enter applies ours over the value now shown: once, no loop.
        assert!(d.press(KeyCode::Enter).is_empty(), "asks again about the new value");
        assert!(matches!(d.press(KeyCode::Enter).as_slice(), [Request::Write { .. }]));
        wait_for_written(&mut d).await;
        assert!(matches!(d.app.modal(), Modal::None), "{:?}", d.app.status_line());
    }
    assert_eq!(f.stored_balance("odd-s").await.as_deref(), Some("7"));
    f.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_to_a_target_without_a_numeric_balance_is_refused_with_nothing_sent() {
    let mut f = start("odd_transfer_").await;
    let before = content(&f).await;
    {
        let mut d = loaded(&mut f.worker, &f.table, &f.endpoint_label).await;
        select(&mut d, EUR_A);
        for (target, _) in odd_balances() {
            assert!(transfer(&mut d, target, "5").is_empty(), "{target}: nothing sent");
            let errors = form_errors(&d);
            assert!(
                errors.iter().any(|e| e.contains(&format!("the target {target}'s balance is "))
                    && e.contains("not a number")),
                "{target}: {errors:?}"
            );
            d.press(KeyCode::Esc);
        }
        // The paying side too.
        select(&mut d, "odd-s");
        assert!(transfer(&mut d, EUR_A, "5").is_empty());
        let errors = form_errors(&d);
        assert!(errors.iter().any(|e| e.contains("odd-s's balance is S \"100\", not a number")));
        d.press(KeyCode::Esc);
    }
    assert_eq!(f.proxy.count_requests_with("TransactWriteItems"), 0, "nothing was sent");
    assert_eq!(content(&f).await, before, "the table changed");
    f.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_not_loaded_without_a_numeric_balance_cancels_with_a_plain_reason() {
    let mut f = start("odd_late_").await;
    {
        let mut d = loaded(&mut f.worker, &f.table, &f.endpoint_label).await;
        // Written after the list was loaded: only DynamoDB can check it.
        put(&f.raw, &f.table, item("late-s", Some(AttributeValue::S("5".into())), Some("EUR")))
            .await;
        select(&mut d, EUR_A);
        let sent = transfer(&mut d, "late-s", "5");
        assert!(matches!(sent.as_slice(), [Request::Write { .. }]), "{sent:?}");
        wait_for_written(&mut d).await;
        let errors = form_errors(&d);
        assert_eq!(
            errors,
            ["late-s's balance is S \"5\", not a number; nothing was written"],
            "never DynamoDB's raw text"
        );
    }
    assert_eq!(f.stored_balance(EUR_A).await.as_deref(), Some("100"));
    assert_eq!(content(&f).await["late-s"]["balance"], AttributeValue::S("5".into()));
    f.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_between_currencies_is_refused_at_the_form_and_nothing_changes() {
    let mut f = start("odd_currency_").await;
    let before = content(&f).await;
    {
        let mut d = loaded(&mut f.worker, &f.table, &f.endpoint_label).await;
        select(&mut d, EUR_A);
        assert!(transfer(&mut d, USD, "5").is_empty(), "nothing sent");
        assert_eq!(
            form_errors(&d),
            [format!(
                "currencies differ: {EUR_A} holds EUR, {USD} holds USD: a transfer moves one \
                 currency"
            )]
        );
    }
    assert_eq!(f.proxy.count_requests_with("TransactWriteItems"), 0, "nothing was sent");
    assert_eq!(content(&f).await, before, "the table changed");
    f.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_currency_changed_between_the_form_and_the_send_cancels_the_transfer() {
    let mut f = start("odd_recurrency_").await;
    {
        let mut d = loaded(&mut f.worker, &f.table, &f.endpoint_label).await;
        select(&mut d, EUR_A);
        d.key('T');
        type_text(&mut d, EUR_B);
        d.press(KeyCode::Tab);
        type_text(&mut d, "5");
        // Another writer moves the target to USD before Enter.
        put(&f.raw, &f.table, item(EUR_B, Some(AttributeValue::N("100".into())), Some("USD")))
            .await;
        let sent = d.press(KeyCode::Enter);
        assert!(matches!(sent.as_slice(), [Request::Write { .. }]), "{sent:?}");
        wait_for_written(&mut d).await;
        assert_eq!(
            form_errors(&d),
            [format!(
                "{EUR_B}'s currency is now USD (the transfer was in EUR); nothing was written"
            )]
        );
    }
    assert_eq!(f.proxy.count_requests_with("TransactWriteItems"), 1);
    assert_eq!(f.stored_balance(EUR_A).await.as_deref(), Some("100"), "nothing debited");
    assert_eq!(f.stored_balance(EUR_B).await.as_deref(), Some("100"), "nothing credited");
    f.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wallet_whose_balance_is_not_a_number_is_deleted_only_as_seen() {
    let mut f = start("odd_delete_").await;
    {
        let mut d = loaded(&mut f.worker, &f.table, &f.endpoint_label).await;
        select(&mut d, "odd-m");
        d.key('x');
        let sent = d.press(KeyCode::Enter);
        assert!(matches!(sent.as_slice(), [Request::Write { .. }]), "{sent:?}");
        wait_for_written(&mut d).await;
        assert!(matches!(d.app.modal(), Modal::None), "{:?}", d.app.status_line());
        // Changed meanwhile: not deleted, the value now stored is shown.
        select(&mut d, "odd-bool");
        d.key('x');
        put(&f.raw, &f.table, item("odd-bool", Some(AttributeValue::Bool(false)), None)).await;
        assert!(matches!(d.press(KeyCode::Enter).as_slice(), [Request::Write { .. }]));
        wait_for_written(&mut d).await;
        let errors = form_errors(&d);
        assert!(errors.iter().any(|e| e.contains("changed meanwhile to BOOL false")), "{errors:?}");
    }
    let content = content(&f).await;
    assert!(!content.contains_key("odd-m"), "deleted");
    assert_eq!(content["odd-bool"]["balance"], AttributeValue::Bool(false), "kept");
    f.finish().await;
}
