//! Scan and Query pages read by the app from the answer's body (`worker::page`), against a
//! real DynamoDB Local: for every page of a filtered, limited scan of items of every type,
//! and for a query, the page the reader read equals the page of the SDK's own items for
//! the same call, and the rest of the answer (counts, LastEvaluatedKey, consumed capacity)
//! reached the SDK unchanged; a page retried after throttling is read from the answer that
//! came; an error answer is left to the SDK.

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{AttributeValue as Av, ReturnConsumedCapacity};
use wallet_tui::worker::page::{Page, PageReader};

use crate::support::proxy::Proxy;
use crate::support::{self, Item};

fn item(id: &str, balance: Av, extra: &[(&str, Av)]) -> Item {
    let mut item = HashMap::from([("user_id".to_string(), Av::S(id.into()))]);
    item.insert("balance".into(), balance);
    for (name, value) in extra {
        item.insert(name.to_string(), value.clone());
    }
    item
}

/// Wallets with balances and attributes of every type, names and texts that need escapes.
fn odd_items() -> Vec<Item> {
    let mut items: Vec<Item> = (0..40)
        .map(|i| {
            item(
                &format!("w{i:02}"),
                Av::N(format!("{i}.{i}")),
                &[("currency", Av::S("EUR".into()))],
            )
        })
        .collect();
    items.push(item(
        "quote\"back\\slash\ttab\u{1}ctl é😀",
        Av::N("-99999999999999999999999999999999999999".into()),
        &[("note\n\"x\"", Av::S("line\nbreak \u{7f} \u{202e}".into()))],
    ));
    items.push(item(
        "every-type",
        Av::S("not a number".into()),
        &[
            ("b", Av::B(Blob::new(vec![0, 1, 254, 255]))),
            ("t", Av::Bool(true)),
            ("nothing", Av::Null(true)),
            ("ss", Av::Ss(vec!["b".into(), "a".into()])),
            ("ns", Av::Ns(vec!["1E+2".into(), "-0.5".into()])),
            ("bs", Av::Bs(vec![Blob::new(vec![1]), Blob::new(vec![2, 3])])),
            ("l", Av::L(vec![Av::N("1".into()), Av::Null(true), Av::L(vec![]), Av::S("x".into())])),
            (
                "m",
                Av::M(HashMap::from([
                    ("z".to_string(), Av::M(HashMap::new())),
                    ("a".to_string(), Av::Bool(false)),
                    ("é".to_string(), Av::B(Blob::new(vec![9]))),
                ])),
            ),
        ],
    ));
    items.push(item("no-balance", Av::Null(true), &[]));
    items
}

#[tokio::test]
async fn pages_read_from_the_body_equal_the_sdks_items() {
    let server = support::dynamodb_local().await;
    let client = support::sdk_client(&server.endpoint());
    let table = support::unique_table("page_");
    support::create_wallet_table(&client, &table, &wallet_tui::table::BillingMode::OnDemand).await;
    let items = odd_items();
    support::put_items(&client, &table, &items).await;

    // A filtered scan (ScannedCount ≠ Count) of 7 items a page (a LastEvaluatedKey on each).
    let scan = |start: Option<Item>| {
        client
            .scan()
            .table_name(&table)
            .limit(7)
            .filter_expression("NOT begins_with(user_id, :skip)")
            .expression_attribute_values(":skip", Av::S("w1".into()))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .set_exclusive_start_key(start)
    };
    let mut start = None;
    let (mut pages, mut wallets) = (0, 0);
    loop {
        let reader = PageReader::default();
        let read = scan(start.clone()).customize().interceptor(reader.clone()).send().await;
        let read = read.expect("scan with the reader");
        let plain = scan(start.clone()).send().await.expect("scan");
        let page = reader.take().expect("the reader read the page");
        assert_eq!(page, Page::from_items(plain.items()));
        assert!(read.items().is_empty(), "the SDK read the items too");
        assert_eq!(read.count(), plain.count());
        assert_eq!(read.scanned_count(), plain.scanned_count());
        assert_eq!(read.last_evaluated_key(), plain.last_evaluated_key());
        assert_eq!(read.consumed_capacity(), plain.consumed_capacity());
        assert!(read.consumed_capacity().is_some());
        pages += 1;
        wallets += page.wallets.len();
        start = plain.last_evaluated_key().filter(|k| !k.is_empty()).cloned();
        if start.is_none() {
            break;
        }
    }
    // Every item but the ten w1x, each a wallet (a string user_id).
    assert_eq!(wallets, items.len() - 10);
    assert!(pages >= 5, "{pages} pages");

    // A query's answer is read the same way.
    let query = || {
        client
            .query()
            .table_name(&table)
            .key_condition_expression("user_id = :id")
            .expression_attribute_values(":id", Av::S("every-type".into()))
    };
    let reader = PageReader::default();
    let read = query().customize().interceptor(reader.clone()).send().await.expect("query");
    let plain = query().send().await.expect("query");
    let page = reader.take().expect("the reader read the query's page");
    assert_eq!(page, Page::from_items(plain.items()));
    assert_eq!((page.wallets.len(), read.count()), (1, 1));

    support::delete_table(&client, &table).await;
    server.stop().await;
}

#[tokio::test]
async fn a_page_retried_after_throttling_is_read_from_the_answer_that_came() {
    let server = support::dynamodb_local().await;
    let proxy = Proxy::start(&server.endpoint()).await;
    let client = support::sdk_client(&server.endpoint());
    let through_proxy = support::sdk_client(&proxy.endpoint());
    let table = support::unique_table("page_retry_");
    support::create_wallet_table(&client, &table, &wallet_tui::table::BillingMode::OnDemand).await;
    support::put_items(&client, &table, &odd_items()).await;
    // The first two attempts are throttled (HTTP 400, never read), the third is answered.
    proxy.answer_with_error(".Scan", "ThrottlingException", 2);
    let reader = PageReader::default();
    let scan = through_proxy.scan().table_name(&table).customize().interceptor(reader.clone());
    let read = scan.send().await.expect("the third attempt answers");
    assert_eq!(proxy.pending_errors(), 0);
    let plain = client.scan().table_name(&table).send().await.expect("scan");
    assert_eq!(reader.take(), Some(Page::from_items(plain.items())));
    assert_eq!(read.count(), plain.count());
    support::delete_table(&client, &table).await;
    server.stop().await;
}

#[tokio::test]
async fn an_error_answer_is_left_to_the_sdk() {
    let server = support::dynamodb_local().await;
    let client = support::sdk_client(&server.endpoint());
    let reader = PageReader::default();
    let call = client.scan().table_name("no_such_table").customize().interceptor(reader.clone());
    let err = call.send().await.expect_err("no such table");
    let err = err.into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    assert_eq!(reader.take(), None);
    server.stop().await;
}
