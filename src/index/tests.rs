//! Unit tests of `index.rs`: the create-index form's rules, one case per rule.

use super::*;
use crate::table::{IndexInfo, KeyElement, TableStatus};
use rstest::rstest;

/// A wallet table with `currency` defined as S and a GSI `by_currency`, billed `billing`.
fn table(billing: BillingMode) -> TableInfo {
    let mut info = crate::fixtures::table_info(TableStatus::Active, billing);
    info.attributes.push(AttributeDef { name: "currency".into(), attr_type: "S".into() });
    info.indexes.push(IndexInfo {
        name: "by_currency".into(),
        kind: "GSI",
        status: Some(TableStatus::Active),
        key_schema: vec![KeyElement { name: "currency".into(), key_type: "HASH".into() }],
        ..IndexInfo::default()
    });
    info
}

/// A valid request for an on-demand table: `balance_index` on `balance` (N).
fn input() -> IndexInput {
    IndexInput {
        name: "balance_index".into(),
        partition: "balance".into(),
        partition_type: "N".into(),
        sort: String::new(),
        sort_type: "S".into(),
        projection: "ALL".into(),
        include: String::new(),
        rcu: String::new(),
        wcu: String::new(),
    }
}

#[rstest]
#[case::name_too_short(|i: &mut IndexInput| i.name = "ab".into(), IndexField::Name, "3 to 255")]
#[case::name_too_long(|i: &mut IndexInput| i.name = "x".repeat(256), IndexField::Name, "3 to 255")]
#[case::name_with_space(|i: &mut IndexInput| i.name = "by balance".into(), IndexField::Name, "' ' is not allowed")]
#[case::name_with_slash(|i: &mut IndexInput| i.name = "a/b".into(), IndexField::Name, "'/' is not allowed")]
#[case::duplicate_name(|i: &mut IndexInput| i.name = "by_currency".into(), IndexField::Name, "already has a GSI named by_currency")]
#[case::no_partition_key(|i: &mut IndexInput| i.partition = String::new(), IndexField::Partition, "required")]
#[case::spaces_around_key(|i: &mut IndexInput| i.partition = " balance".into(), IndexField::Partition, "no spaces")]
#[case::other_type_than_defined(|i: &mut IndexInput| { i.partition = "currency".into(); i.partition_type = "N".into() }, IndexField::Partition, "currency is defined as S")]
#[case::sort_other_type_than_defined(|i: &mut IndexInput| { i.sort = "user_id".into(); i.sort_type = "B".into() }, IndexField::Sort, "user_id is defined as S")]
#[case::sort_is_partition(|i: &mut IndexInput| i.sort = "balance".into(), IndexField::Sort, "already the partition key")]
#[case::balance_not_a_number(|i: &mut IndexInput| i.partition_type = "S".into(), IndexField::Partition, "balance is a number in a wallet table: type N")]
#[case::sort_balance_not_a_number(|i: &mut IndexInput| { i.partition = "currency".into(); i.partition_type = "S".into(); i.sort = "balance".into(); i.sort_type = "S".into() }, IndexField::Sort, "balance is a number")]
#[case::include_without_names(|i: &mut IndexInput| { i.projection = "INCLUDE".into(); i.include = " , ".into() }, IndexField::Include, "INCLUDE needs attribute names")]
#[case::include_twice(|i: &mut IndexInput| { i.projection = "INCLUDE".into(); i.include = "a, b, a".into() }, IndexField::Include, "a is named twice")]
fn bad_input_is_refused_at_its_field(
    #[case] change: fn(&mut IndexInput),
    #[case] field: IndexField,
    #[case] message: &str,
) {
    let mut bad = input();
    change(&mut bad);
    let errors = validate(&bad, &table(BillingMode::OnDemand)).expect_err("refused");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, field);
    assert!(errors[0].1.contains(message), "{:?} lacks {message:?}", errors[0].1);
}

#[rstest]
#[case::missing("", "1", IndexField::Rcu, "required on a provisioned table")]
#[case::zero("1", "0", IndexField::Wcu, "at least 1")]
#[case::negative("-1", "1", IndexField::Rcu, "at least 1")]
#[case::decimal("1", "1.5", IndexField::Wcu, "not a whole number")]
#[case::huge("99999999999999999999", "1", IndexField::Rcu, "too large")]
fn provisioned_tables_need_whole_units_from_one(
    #[case] rcu: &str,
    #[case] wcu: &str,
    #[case] field: IndexField,
    #[case] message: &str,
) {
    let bad = IndexInput { rcu: rcu.into(), wcu: wcu.into(), ..input() };
    let errors = validate(&bad, &table(BillingMode::Provisioned { read: 5, write: 5 }))
        .expect_err("refused");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, field);
    assert!(errors[0].1.contains(message), "{:?} lacks {message:?}", errors[0].1);
}

#[test]
fn every_problem_is_reported_at_once() {
    let bad = IndexInput { name: "x".into(), partition: String::new(), ..input() };
    let errors = validate(&bad, &table(BillingMode::Provisioned { read: 1, write: 1 }))
        .expect_err("refused");
    let fields: Vec<IndexField> = errors.iter().map(|(f, _)| *f).collect();
    assert_eq!(fields, [IndexField::Name, IndexField::Partition, IndexField::Rcu, IndexField::Wcu]);
}

#[test]
fn a_valid_request_becomes_its_spec() {
    let on_demand = validate(&input(), &table(BillingMode::OnDemand)).expect("valid");
    assert_eq!(on_demand.throughput, None, "on-demand: no units, even if typed");
    let good = IndexInput {
        name: "ccy.balance-1".into(),
        partition: "currency".into(),
        partition_type: "S".into(),
        sort: "balance".into(),
        sort_type: "N".into(),
        projection: "INCLUDE".into(),
        include: "updated_at, note".into(),
        rcu: "2".into(),
        wcu: " 3 ".into(),
    };
    let spec = validate(&good, &table(BillingMode::Provisioned { read: 1, write: 1 })).expect("ok");
    assert_eq!(spec.name, "ccy.balance-1");
    assert_eq!(spec.projection, Projection::Include(vec!["updated_at".into(), "note".into()]));
    assert_eq!(spec.throughput, Some((2, 3)));
    let defs: Vec<(String, String)> =
        spec.attribute_definitions().into_iter().map(|a| (a.name, a.attr_type)).collect();
    assert_eq!(defs, [("currency".into(), "S".into()), ("balance".into(), "N".into())]);
}

#[test]
fn words_for_an_index() {
    let info = table(BillingMode::OnDemand);
    let index = &info.indexes[0];
    assert_eq!(key_text(&info, index), "currency (S) HASH");
    assert_eq!(key_short(&info, index), "currency:S");
    assert_eq!(status_text(index), "ACTIVE");
    let lsi = IndexInfo { kind: "LSI", status: None, ..index.clone() };
    assert_eq!(status_text(&lsi), "ACTIVE with the table");
    let filling = IndexInfo {
        status: Some(TableStatus::Creating),
        backfilling: true,
        item_count: Some(12),
        size_bytes: Some(2048),
        throughput: Some((5, 1)),
        ..index.clone()
    };
    assert_eq!(status_text(&filling), "CREATING Backfilling");
    assert_eq!(counts_text(&filling), "12 items (approx.) · 2.0 KiB · 5 RCU / 1 WCU");
    assert_eq!(projection_text(&Projection::Include(vec!["a".into(), "b".into()])), "INCLUDE a, b");
}
