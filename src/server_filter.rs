//! The list's filter ([`Filter`], typed in the filter box) as a DynamoDB Scan
//! FilterExpression, for tables bigger than the list: DynamoDB then sends only matching
//! items, though every item it reads still costs read capacity. Values always travel as
//! expression attribute values and names as expression attribute names, never pasted into
//! the expression's text.

use std::collections::HashMap;

use crate::list::{CmpOp, Filter};
use crate::wallet::{AttrValue, BALANCE, USER_ID};

/// The parts of a Scan's filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterExpression {
    /// `FilterExpression`.
    pub expression: String,
    /// `ExpressionAttributeNames`.
    pub names: HashMap<String, String>,
    /// `ExpressionAttributeValues`.
    pub values: HashMap<String, AttrValue>,
}

/// The FilterExpression of a filter; `None` for [`Filter::All`] (no filter).
///
/// Balance comparisons also ask for a number (`attribute_type(#b, :n)`), so items whose
/// balance is missing or not a number never match, as in the list. `user_id` contains is
/// case-sensitive on the server (DynamoDB has no other), where the list's is not: the box
/// keeps the text lower-case, as every canonical UUID is.
pub fn expression(filter: &Filter) -> Option<FilterExpression> {
    let (expression, name, value) = match filter {
        Filter::All => return None,
        Filter::IdContains(text) => {
            ("contains(#u, :v)".to_string(), ("#u", USER_ID), AttrValue::S(text.as_str().into()))
        }
        Filter::IdPrefix(text) => {
            ("begins_with(#u, :v)".to_string(), ("#u", USER_ID), AttrValue::S(text.as_str().into()))
        }
        Filter::Balance(op, balance) => {
            let op = match op {
                CmpOp::Lt => "<",
                CmpOp::Le => "<=",
                CmpOp::Eq => "=",
                CmpOp::Ne => "<>",
                CmpOp::Ge => ">=",
                CmpOp::Gt => ">",
            };
            let text = format!("attribute_type(#b, :n) AND #b {op} :v");
            (text, ("#b", BALANCE), AttrValue::N(balance.to_string().into()))
        }
    };
    let mut values = HashMap::from([(":v".to_string(), value)]);
    if expression.contains(":n") {
        values.insert(":n".to_string(), AttrValue::S("N".into()));
    }
    let names = HashMap::from([(name.0.to_string(), name.1.to_string())]);
    Some(FilterExpression { expression, names, values })
}

/// The filter in words for the list's title: "balance > 100", "user_id begins with ab".
pub fn describe(filter: &Filter) -> String {
    match filter {
        Filter::All => "none".to_string(),
        // Unlike the list's own filter, DynamoDB compares case-sensitively.
        Filter::IdContains(text) => format!("user_id contains {text:?} (case-sensitive)"),
        Filter::IdPrefix(text) => format!("user_id begins with {text:?} (case-sensitive)"),
        Filter::Balance(op, balance) => {
            let op = match op {
                CmpOp::Lt => "<",
                CmpOp::Le => "<=",
                CmpOp::Eq => "=",
                CmpOp::Ne => "!=",
                CmpOp::Ge => ">=",
                CmpOp::Gt => ">",
            };
            format!("balance {op} {balance}")
        }
    }
}

#[cfg(test)]
mod tests;
