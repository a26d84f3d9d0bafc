//! Unit tests of `worker/page.rs`: the page read from the body equals the page of the SDK's
//! items, the rest of the body keeps every other member, and bodies the reader does not know
//! are left to the SDK.

use std::collections::{HashMap, VecDeque};

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue as Av;
use aws_smithy_types::byte_stream::ByteStream;

use super::*;
use crate::balance::Balance;
use crate::wallet::UserId;

fn sdk_item(attrs: &[(&str, Av)]) -> Item {
    attrs.iter().map(|(name, value)| (name.to_string(), value.clone())).collect()
}

/// Items of every type, odd names and escapes, with the same items as the SDK reads them.
fn odd_items() -> (&'static str, Vec<Item>) {
    let json = r#"[
        {"user_id": {"S": "a1"}, "balance": {"N": "12.5"}},
        {"balance": {"N": "-0.000001"}, "user_id": {"S": "b\"2\u00e9\ud83d\ude00"}, "currency": {"S": "EUR"}},
        {"user_id": {"S": "c3"}, "balance": {"S": "lots"}, "note\n": {"S": "tab\there"},
         "z": {"B": "AP8="}, "t": {"BOOL": true}, "f": {"BOOL": false}, "nothing": {"NULL": true},
         "ss": {"SS": ["b", "a"]}, "ns": {"NS": ["10", "2.5"]}, "bs": {"BS": ["AQ==", "Ag=="]},
         "l": {"L": [{"N": "1"}, {"S": "x"}, {"M": {"k": {"NULL": true}}}]},
         "m": {"M": {"z": {"N": "007"}, "a": {"L": []}, "\u00e9": {"S": ""}}}},
        {"user_id": {"N": "4"}, "balance": {"N": "4"}},
        {"id": {"S": "not a wallet"}},
        {"user_id": {"S": "big"}, "balance": {"N": "99999999999999999999999999999999999999"}}
    ]"#;
    let items = vec![
        sdk_item(&[("user_id", Av::S("a1".into())), ("balance", Av::N("12.5".into()))]),
        sdk_item(&[
            ("balance", Av::N("-0.000001".into())),
            ("user_id", Av::S("b\"2é😀".into())),
            ("currency", Av::S("EUR".into())),
        ]),
        sdk_item(&[
            ("user_id", Av::S("c3".into())),
            ("balance", Av::S("lots".into())),
            ("note\n", Av::S("tab\there".into())),
            ("z", Av::B(Blob::new(vec![0, 255]))),
            ("t", Av::Bool(true)),
            ("f", Av::Bool(false)),
            ("nothing", Av::Null(true)),
            ("ss", Av::Ss(vec!["b".into(), "a".into()])),
            ("ns", Av::Ns(vec!["10".into(), "2.5".into()])),
            ("bs", Av::Bs(vec![Blob::new(vec![1]), Blob::new(vec![2])])),
            (
                "l",
                Av::L(vec![
                    Av::N("1".into()),
                    Av::S("x".into()),
                    Av::M(HashMap::from([("k".to_string(), Av::Null(true))])),
                ]),
            ),
            (
                "m",
                Av::M(HashMap::from([
                    ("z".to_string(), Av::N("007".into())),
                    ("a".to_string(), Av::L(vec![])),
                    ("é".to_string(), Av::S(String::new())),
                ])),
            ),
        ]),
        sdk_item(&[("user_id", Av::N("4".into())), ("balance", Av::N("4".into()))]),
        sdk_item(&[("id", Av::S("not a wallet".into()))]),
        sdk_item(&[
            ("user_id", Av::S("big".into())),
            ("balance", Av::N("99999999999999999999999999999999999999".into())),
        ]),
    ];
    (json, items)
}

fn answer(items: &str) -> String {
    format!(
        r#"{{"ConsumedCapacity":{{"CapacityUnits":2.5,"TableName":"w"}},"Count":6,"Items":{items},"LastEvaluatedKey":{{"user_id":{{"S":"big"}}}},"ScannedCount":7}}"#
    )
}

#[test]
fn items_read_from_the_body_are_the_wallets_of_the_sdks_items() {
    let (json, items) = odd_items();
    let (page, _) = read_page(answer(json).as_bytes()).expect("read");
    assert_eq!(page, Page::from_items(&items));
    // And what that is: four wallets (a user_id that is a number is not one), in the order
    // read, exact; the attributes besides user_id and a numeric balance kept.
    assert_eq!((page.wallets.len(), page.skipped), (4, 2));
    let ids: Vec<String> = page.wallets.iter().map(|w| w.user_id.to_string()).collect();
    assert_eq!(ids, ["a1", "b\"2é😀", "c3", "big"]);
    assert_eq!(page.wallets[1].balance, Some(Balance::parse("-0.000001").expect("n")));
    assert_eq!(page.wallets[2].balance, None);
    assert_eq!(page.wallets[2].attr("balance"), Some(AttrValue::S("lots".into())));
    let names: Vec<&str> = page.wallets[2].extra.names().collect();
    assert_eq!(names, ["balance", "bs", "f", "l", "m", "note\n", "nothing", "ns", "ss", "t", "z"]);
    let m = page.wallets[2].attr("m").expect("m");
    let AttrValue::M(members) = m else { panic!("{m:?}") };
    let keys: Vec<&str> = members.iter().map(|(k, _)| &**k).collect();
    assert_eq!(keys, ["a", "z", "é"]);
    assert_eq!(page.wallets[0].user_id, UserId::new("a1"));
}

#[test]
fn the_rest_of_the_body_keeps_every_other_member() {
    let (json, _) = odd_items();
    let (_, rest) = read_page(answer(json).as_bytes()).expect("read");
    let rest: serde_json::Value = serde_json::from_slice(&rest).expect("rest is JSON");
    let expected: serde_json::Value = serde_json::from_str(&answer("[]")).expect("json");
    let mut expected = expected;
    expected.as_object_mut().expect("object").remove("Items");
    assert_eq!(rest, expected);
}

#[test]
fn an_empty_page_is_read() {
    let (page, rest) = read_page(answer("[]").as_bytes()).expect("read");
    assert_eq!(page, Page::default());
    assert!(!String::from_utf8(rest).expect("utf-8").contains("Items"));
}

#[test]
fn sizes_are_dynamodbs_item_sizes() {
    let (json, items) = odd_items();
    let (page, _) = read_page(answer(json).as_bytes()).expect("read");
    let sizes: u64 = items
        .iter()
        .map(|item| {
            let attrs: Vec<(&str, AttrValue)> = item
                .iter()
                .map(|(n, v)| (n.as_str(), crate::worker::item::attr_value(v)))
                .collect();
            crate::capacity::item_size(attrs.iter().map(|(n, v)| (*n, v)))
        })
        .sum();
    assert_eq!(page.bytes, sizes);
}

#[rstest::rstest]
#[case::not_json("<html>busy</html>")]
#[case::not_an_object("[1, 2]")]
#[case::no_items(r#"{"Count": 0, "ScannedCount": 0}"#)]
#[case::truncated(r#"{"Count":1,"Items":[{"user_id":{"S":"a"}}"#)]
#[case::trailing_text(r#"{"Items":[]} {}"#)]
#[case::items_not_an_array(r#"{"Items":{}}"#)]
#[case::item_not_an_object(r#"{"Items":[1]}"#)]
#[case::unknown_type(r#"{"Items":[{"user_id":{"S":"a"},"v":{"X":"1"}}]}"#)]
#[case::two_types(r#"{"Items":[{"user_id":{"S":"a","N":"1"}}]}"#)]
#[case::no_type(r#"{"Items":[{"user_id":{}}]}"#)]
#[case::bad_base64(r#"{"Items":[{"user_id":{"S":"a"},"b":{"B":"%%"}}]}"#)]
#[case::items_twice(r#"{"Items":[],"Items":[]}"#)]
#[case::null_not_a_boolean(r#"{"Items":[{"user_id":{"S":"a"},"z":{"NULL":null}}]}"#)]
fn a_body_the_reader_does_not_know_is_left_to_the_sdk(#[case] body: &str) {
    assert_eq!(read_page(body.as_bytes()), None);
}

/// A body that comes in the chunks given.
struct Chunks(VecDeque<Bytes>);

impl Body for Chunks {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        Poll::Ready(self.0.pop_front().map(|chunk| Ok(Frame::data(chunk))))
    }
}

async fn through_reader(body: &str, chunk: usize) -> (Option<Page>, Vec<u8>) {
    let chunks = body.as_bytes().chunks(chunk).map(Bytes::copy_from_slice).collect();
    let page = Arc::new(Mutex::new(None));
    let inner = SdkBody::from_body_1_x(Chunks(chunks));
    let body = ReadItems { inner, read: Vec::new(), page: page.clone(), done: false };
    let bytes = ByteStream::new(SdkBody::from_body_1_x(body)).collect().await.expect("body");
    let page = page.lock().expect("lock").take();
    (page, bytes.to_vec())
}

#[tokio::test]
async fn a_body_in_chunks_is_read_once_it_has_all_come() {
    let (json, items) = odd_items();
    let body = answer(json);
    let (page, rest) = through_reader(&body, 7).await;
    assert_eq!(page, Some(Page::from_items(&items)));
    assert_eq!(Some(rest), read_page(body.as_bytes()).map(|(_, rest)| rest));
}

#[tokio::test]
async fn a_body_not_read_goes_on_as_it_came() {
    let body = r#"{"Items":[{"user_id":{"S":"a"},"v":{"X":"1"}}],"Count":1}"#;
    let (page, rest) = through_reader(body, 5).await;
    assert_eq!(page, None);
    assert_eq!(rest, body.as_bytes());
}

#[test]
fn a_name_given_twice_keeps_its_last_value_as_the_sdk_does() {
    let body = r#"{"Items":[{"user_id":{"S":"a"},"balance":{"N":"1"},"balance":{"N":"2"},
        "m":{"M":{"k":{"S":"first"},"k":{"S":"last"}}},"user_id":{"S":"b"}}]}"#;
    let (page, _) = read_page(body.as_bytes()).expect("read");
    let sdk = sdk_item(&[
        ("user_id", Av::S("b".into())),
        ("balance", Av::N("2".into())),
        ("m", Av::M(HashMap::from([("k".to_string(), Av::S("last".into()))]))),
    ]);
    assert_eq!(page, Page::from_items(&[sdk]));
}
