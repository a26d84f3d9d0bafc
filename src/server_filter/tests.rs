//! Tests of the filter box's filters as FilterExpressions.

use super::*;
use crate::balance::Balance;

#[test]
fn balance_filters_compare_numbers_only_with_values_apart() {
    let filter = Filter::parse(">= 12.50").expect("a filter");
    let expr = expression(&filter).expect("an expression");
    assert_eq!(expr.expression, "attribute_type(#b, :n) AND #b >= :v");
    assert_eq!(expr.names, HashMap::from([("#b".to_string(), "balance".to_string())]));
    assert_eq!(expr.values[":v"], AttrValue::N("12.5".into()));
    assert_eq!(expr.values[":n"], AttrValue::S("N".into()));
    let ne = expression(&Filter::Balance(CmpOp::Ne, Balance::parse("0").expect("0")));
    assert!(ne.expect("expr").expression.ends_with("#b <> :v"));
}

#[test]
fn user_id_filters_never_paste_the_text() {
    let hostile = "x) OR attribute_exists(#u";
    let expr = expression(&Filter::parse(hostile).expect("a filter")).expect("an expression");
    assert_eq!(expr.expression, "contains(#u, :v)");
    assert_eq!(expr.values[":v"], AttrValue::S(hostile.to_lowercase().into()));
    let prefix = expression(&Filter::parse("^3be1").expect("a filter")).expect("expr");
    assert_eq!(prefix.expression, "begins_with(#u, :v)");
    assert_eq!(prefix.values[":v"], AttrValue::S("3be1".into()));
    assert_eq!(expression(&Filter::All), None);
    let said = describe(&Filter::parse("^ab").expect("f"));
    assert_eq!(said, "user_id begins with \"ab\" (case-sensitive)");
    let said = describe(&Filter::parse("AB").expect("f"));
    assert_eq!(said, "user_id contains \"ab\" (case-sensitive)");
}
