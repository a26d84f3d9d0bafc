//! Unit tests of `query.rs`: the query form's validation, table-driven.

use super::*;
use crate::fixtures::table_info;
use crate::table::{AttributeDef, BillingMode, KeyElement};
use rstest::rstest;

/// The wallet table with a `currency` S + `balance` N GSI (`idx`, ALL), a KEYS_ONLY GSI on
/// `tag` B + `name` S (`bin`), and `new` still CREATING.
fn info() -> TableInfo {
    let key =
        |name: &str, key_type: &str| KeyElement { name: name.into(), key_type: key_type.into() };
    let attr = |name: &str, ty: &str| AttributeDef { name: name.into(), attr_type: ty.into() };
    let mut info = table_info(TableStatus::Active, BillingMode::OnDemand);
    info.attributes.extend([attr("currency", "S"), attr("balance", "N"), attr("tag", "B")]);
    info.attributes.push(attr("name", "S"));
    info.indexes = vec![
        IndexInfo {
            name: "idx".into(),
            kind: "GSI",
            status: Some(TableStatus::Active),
            key_schema: vec![key("currency", "HASH"), key("balance", "RANGE")],
            ..Default::default()
        },
        IndexInfo {
            name: "bin".into(),
            kind: "GSI",
            status: Some(TableStatus::Active),
            key_schema: vec![key("tag", "HASH"), key("name", "RANGE")],
            projection: Projection::KeysOnly,
            ..Default::default()
        },
        IndexInfo {
            name: "new".into(),
            kind: "GSI",
            status: Some(TableStatus::Creating),
            backfilling: true,
            key_schema: vec![key("currency", "HASH")],
            ..Default::default()
        },
    ];
    info
}

fn input<'a>(index: Option<&'a str>, partition: &'a str) -> QueryInput<'a> {
    QueryInput { index, partition, condition: "none", ..Default::default() }
}

/// Bad input: the field that gets a message, and a part of that message.
#[rstest]
#[case::missing_partition(input(Some("idx"), ""), fields::PARTITION, "required")]
#[case::missing_table_key(input(None, ""), fields::PARTITION, "user_id (S)")]
#[case::not_active(input(Some("new"), "EUR"), fields::SOURCE, "CREATING, backfilling")]
#[case::unknown_index(input(Some("gone"), "EUR"), fields::SOURCE, "no index gone")]
#[case::number_sort_not_number(
    QueryInput { condition: ">", value: "ten", ..input(Some("idx"), "EUR") },
    fields::VALUE, "number")]
#[case::number_with_comma(
    QueryInput { condition: "=", value: "1,5", ..input(Some("idx"), "EUR") },
    fields::VALUE, "balance is a number")]
#[case::number_too_precise(
    QueryInput { condition: "=", value: "1.000000000000000000000000000000000000001", ..input(Some("idx"), "EUR") },
    fields::VALUE, "digits")]
#[case::begins_with_on_number(
    QueryInput { condition: "begins_with", value: "1", ..input(Some("idx"), "EUR") },
    fields::CONDITION, "S and B")]
#[case::between_without_upper(
    QueryInput { condition: "between", value: "1", ..input(Some("idx"), "EUR") },
    fields::TO, "required")]
#[case::between_reversed(
    QueryInput { condition: "between", value: "10", to: "9.99", ..input(Some("idx"), "EUR") },
    fields::TO, "below")]
#[case::condition_without_sort_key(
    QueryInput { condition: "=", value: "x", ..input(None, "u1") },
    fields::CONDITION, "no sort key")]
#[case::strong_on_gsi(
    QueryInput { consistent: true, ..input(Some("idx"), "EUR") },
    fields::READ, "eventually consistent")]
#[case::binary_not_base64(input(Some("bin"), "not base64!"), fields::PARTITION, "base64")]
#[case::missing_sort_value(
    QueryInput { condition: "<", ..input(Some("idx"), "EUR") },
    fields::VALUE, "required")]
fn bad_input_is_refused_at_its_field(
    #[case] input: QueryInput<'_>,
    #[case] field: &str,
    #[case] part: &str,
) {
    let errors = validate(&info(), &input).expect_err("refused");
    let (_, message) = errors.iter().find(|(f, _)| *f == field).unwrap_or_else(|| {
        panic!("no error at {field}: {errors:?}");
    });
    assert!(message.contains(part), "{message:?} should mention {part:?}");
}

#[test]
fn every_bad_field_is_marked_at_once() {
    let bad = QueryInput { consistent: true, ..input(Some("new"), "") };
    let fields: Vec<_> =
        validate(&info(), &bad).expect_err("refused").into_iter().map(|e| e.0).collect();
    assert_eq!(fields, vec![fields::SOURCE, fields::PARTITION, fields::READ]);
}

/// Good input: the key condition sent, exactly.
#[rstest]
#[case::table(input(None, "u1"), "user_id", AttrValue::S("u1".into()), None)]
#[case::number_exact(
    QueryInput { condition: ">=", value: "12345678901234567890123456789.123456789", ..input(Some("idx"), "EUR") },
    "currency", AttrValue::S("EUR".into()),
    Some((SortOp::Ge, AttrValue::N("12345678901234567890123456789.123456789".into()), None)))]
#[case::number_canonical(
    QueryInput { condition: "=", value: " 1.50 ", ..input(Some("idx"), "EUR") },
    "currency", AttrValue::S("EUR".into()),
    Some((SortOp::Eq, AttrValue::N("1.5".into()), None)))]
#[case::between(
    QueryInput { condition: "between", value: "-5", to: "1e2", ..input(Some("idx"), "EUR") },
    "currency", AttrValue::S("EUR".into()),
    Some((SortOp::Between, AttrValue::N("-5".into()), Some(AttrValue::N("100".into())))))]
#[case::binary_and_prefix(
    QueryInput { condition: "begins_with", value: "al", ..input(Some("bin"), "AQI=") },
    "tag", AttrValue::B(vec![1u8, 2].into()),
    Some((SortOp::BeginsWith, AttrValue::S("al".into()), None)))]
#[case::string_kept_as_typed(input(None, " spaced "), "user_id", AttrValue::S(" spaced ".into()), None)]
fn good_input_makes_the_query(
    #[case] input: QueryInput<'_>,
    #[case] pk: &str,
    #[case] value: AttrValue,
    #[case] sort: Option<(SortOp, AttrValue, Option<AttrValue>)>,
) {
    let spec = validate(&info(), &input).expect("valid");
    assert_eq!(spec.partition_name, pk);
    assert_eq!(spec.partition, value);
    let got = spec.sort.map(|c| (c.op, c.value, c.to));
    assert_eq!(got, sort);
}

#[test]
fn keys_only_index_rows_are_partial_and_strong_reads_are_kept_on_the_table() {
    let spec = validate(&info(), &input(Some("bin"), "AQI=")).expect("valid");
    assert!(spec.partial);
    let spec = validate(&info(), &QueryInput { consistent: true, ..input(None, "u") }).expect("ok");
    assert!(spec.consistent && !spec.partial && spec.index.is_none());
}

#[rstest]
#[case(input(Some("idx"), "EUR"), true, "Query idx · currency = EUR · balance ↓")]
#[case(input(Some("idx"), "EUR"), false, "Query idx · currency = EUR · balance ↑")]
#[case(QueryInput { condition: "between", value: "1", to: "2", ..input(Some("idx"), "EUR") }, true,
    "Query idx · currency = EUR · balance between 1 and 2 ↓")]
#[case(QueryInput { condition: ">", value: "0.10", ..input(Some("idx"), "EUR") }, false,
    "Query idx · currency = EUR · balance > 0.1 ↑")]
#[case(input(None, "u1"), false, "Query user_wallet · user_id = u1")]
fn describe_says_what_the_list_shows(
    #[case] input: QueryInput<'_>,
    #[case] descending: bool,
    #[case] text: &str,
) {
    let spec = validate(&info(), &QueryInput { descending, ..input }).expect("valid");
    assert_eq!(spec.describe("user_wallet"), text);
}
