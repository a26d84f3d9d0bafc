//! Unit tests of `worker/query.rs`: the key condition expression sent.

use rstest::rstest;

use super::*;
use crate::query::SortCondition;
use crate::wallet::AttrValue;

fn spec(sort: Option<SortCondition>) -> QuerySpec {
    QuerySpec {
        index: Some("idx".into()),
        partition_name: "currency".into(),
        partition: AttrValue::S("EUR".into()),
        sort,
        sort_key: Some("balance".into()),
        descending: false,
        consistent: false,
        page_limit: Some(10),
        max_rcu_per_sec: None,
        partial: false,
    }
}

#[rstest]
#[case(SortOp::Eq, "#pk = :pk AND #sk = :sk")]
#[case(SortOp::Le, "#pk = :pk AND #sk <= :sk")]
#[case(SortOp::Gt, "#pk = :pk AND #sk > :sk")]
#[case(SortOp::BeginsWith, "#pk = :pk AND begins_with(#sk, :sk)")]
#[case(SortOp::Between, "#pk = :pk AND #sk BETWEEN :sk AND :to")]
fn key_conditions(#[case] op: SortOp, #[case] expected: &str) {
    let to = (op == SortOp::Between).then(|| AttrValue::N("20.5".into()));
    let value = AttrValue::N("-1E-130".into());
    let sort = SortCondition { name: "balance".into(), op, value, to };
    let (condition, names, values) = key_condition(&spec(Some(sort)));
    assert_eq!(condition, expected);
    assert_eq!(names["#pk"], "currency");
    assert_eq!(names["#sk"], "balance");
    assert_eq!(values[":pk"], AttributeValue::S("EUR".into()));
    // Numbers go out as their exact text.
    assert_eq!(values[":sk"], AttributeValue::N("-1E-130".into()));
    assert_eq!(
        values.get(":to").cloned(),
        (op == SortOp::Between).then(|| AttributeValue::N("20.5".into()))
    );
}

#[test]
fn without_a_sort_condition_only_the_partition_key_is_named() {
    let (condition, names, values) = key_condition(&spec(None));
    assert_eq!(condition, "#pk = :pk");
    assert_eq!((names.len(), values.len()), (1, 1), "unused names are refused by DynamoDB");
}
