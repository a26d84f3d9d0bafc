//! Wallet items as DynamoDB holds them: SDK items and attribute values converted to the app's
//! [`Wallet`] and [`AttrValue`] and back.

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::balance::Balance;
use crate::wallet::{AttrValue, BALANCE, ExtrasBuilder, USER_ID, UserId, Wallet};

/// An item as the SDK reads and writes it.
pub type Item = HashMap<String, AttributeValue>;

/// Converts a scanned or fetched item; `None` if it has no string `user_id`.
pub fn wallet_from_item(item: &Item) -> Option<Wallet> {
    let user_id = UserId::new(item.get(USER_ID)?.as_s().ok()?);
    let balance =
        item.get(BALANCE).and_then(|v| v.as_n().ok()).and_then(|n| Balance::parse(n).ok());
    // The SDK hands items over as hash maps: sort the names for a stable display.
    let mut names: Vec<&String> = item
        .keys()
        .filter(|name| *name != USER_ID && !(*name == BALANCE && balance.is_some()))
        .collect();
    names.sort_unstable();
    let mut extra = ExtrasBuilder::with_capacity(64);
    for name in names {
        match &item[name] {
            AttributeValue::S(s) => extra.string(name, s),
            AttributeValue::N(n) => extra.number(name, n),
            other => extra.value(name, &attr_value(other)),
        }
    }
    Some(Wallet { user_id, balance, extra: extra.finish() })
}

/// An SDK attribute value in the app's compact form.
pub fn attr_value(value: &AttributeValue) -> AttrValue {
    let strs = |v: &[String]| v.iter().map(|s| s.as_str().into()).collect();
    match value {
        AttributeValue::S(s) => AttrValue::S(s.as_str().into()),
        AttributeValue::N(n) => AttrValue::N(n.as_str().into()),
        AttributeValue::B(b) => AttrValue::B(b.as_ref().into()),
        AttributeValue::Bool(b) => AttrValue::Bool(*b),
        AttributeValue::Null(_) => AttrValue::Null,
        AttributeValue::Ss(v) => AttrValue::Ss(strs(v)),
        AttributeValue::Ns(v) => AttrValue::Ns(strs(v)),
        AttributeValue::Bs(v) => AttrValue::Bs(v.iter().map(|b| b.as_ref().into()).collect()),
        AttributeValue::L(v) => AttrValue::L(v.iter().map(attr_value).collect()),
        AttributeValue::M(m) => {
            let mut entries: Vec<_> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            AttrValue::M(
                entries.into_iter().map(|(k, v)| (k.as_str().into(), attr_value(v))).collect(),
            )
        }
        // A type newer than this SDK: show it as NULL rather than drop the item.
        _ => AttrValue::Null,
    }
}

/// The SDK form of an attribute value ([`attr_value`] the other way round).
pub fn sdk_value(value: &AttrValue) -> AttributeValue {
    let strs = |v: &[Box<str>]| v.iter().map(|s| s.to_string()).collect();
    match value {
        AttrValue::S(s) => AttributeValue::S(s.to_string()),
        AttrValue::N(n) => AttributeValue::N(n.to_string()),
        AttrValue::B(b) => AttributeValue::B(Blob::new(b.to_vec())),
        AttrValue::Bool(b) => AttributeValue::Bool(*b),
        AttrValue::Null => AttributeValue::Null(true),
        AttrValue::Ss(v) => AttributeValue::Ss(strs(v)),
        AttrValue::Ns(v) => AttributeValue::Ns(strs(v)),
        AttrValue::Bs(v) => AttributeValue::Bs(v.iter().map(|b| Blob::new(b.to_vec())).collect()),
        AttrValue::L(v) => AttributeValue::L(v.iter().map(sdk_value).collect()),
        AttrValue::M(m) => {
            AttributeValue::M(m.iter().map(|(k, v)| (k.to_string(), sdk_value(v))).collect())
        }
    }
}

/// A balance as a DynamoDB number, its exact text.
pub fn number(balance: Balance) -> AttributeValue {
    AttributeValue::N(balance.to_string())
}

/// A DynamoDB string.
pub fn string(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_string())
}
