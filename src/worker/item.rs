//! Wallet items as DynamoDB holds them: SDK items and attribute values converted to the app's
//! [`Wallet`] and [`AttrValue`] and back.

use std::borrow::Cow;
use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::balance::Balance;
use crate::capacity;
use crate::wallet::{AttrValue, BALANCE, ExtrasBuilder, USER_ID, UserId, Wallet};

/// An item as the SDK reads and writes it.
pub type Item = HashMap<String, AttributeValue>;

/// An attribute value as a wallet is built from it: strings and numbers as their text,
/// borrowed from where they were read (the common case: copied once, into the wallet), any
/// other type converted.
#[derive(Debug, Clone, PartialEq)]
pub enum ItemValue<'a> {
    S(Cow<'a, str>),
    N(Cow<'a, str>),
    Other(AttrValue),
}

/// An item's attributes, names with values, in any order.
pub type ItemAttrs<'a> = [(Cow<'a, str>, ItemValue<'a>)];

/// Converts a scanned or fetched item; `None` if it has no string `user_id`.
pub fn wallet_from_item(item: &Item) -> Option<Wallet> {
    wallet_from_attrs(&mut sdk_attrs(item))
}

/// An SDK item's attributes as [`wallet_from_attrs`] takes them.
pub fn sdk_attrs(item: &Item) -> Vec<(Cow<'_, str>, ItemValue<'_>)> {
    fn value(v: &AttributeValue) -> ItemValue<'_> {
        match v {
            AttributeValue::S(s) => ItemValue::S(Cow::Borrowed(s)),
            AttributeValue::N(n) => ItemValue::N(Cow::Borrowed(n)),
            other => ItemValue::Other(attr_value(other)),
        }
    }
    item.iter().map(|(name, v)| (Cow::Borrowed(name.as_str()), value(v))).collect()
}

/// A wallet from an item's attributes (sorted by name on the way, for a stable display);
/// `None` if it has no string `user_id`.
pub fn wallet_from_attrs(attrs: &mut ItemAttrs<'_>) -> Option<Wallet> {
    let user_id = attrs.iter().find_map(|(name, value)| match value {
        ItemValue::S(id) if name == USER_ID => Some(UserId::new(id)),
        _ => None,
    });
    let user_id = user_id?;
    let balance = attrs.iter().find_map(|(name, value)| match value {
        ItemValue::N(n) if name == BALANCE => Balance::parse(n).ok(),
        _ => None,
    });
    attrs.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut extra = ExtrasBuilder::with_capacity(64);
    for (name, value) in attrs.iter() {
        if name == USER_ID || (name == BALANCE && balance.is_some()) {
            continue;
        }
        match value {
            ItemValue::S(s) => extra.string(name, s),
            ItemValue::N(n) => extra.number(name, n),
            ItemValue::Other(other) => extra.value(name, other),
        }
    }
    Some(Wallet { user_id, balance, extra: extra.finish() })
}

/// The size DynamoDB gives an item, for capacity units ([`capacity::item_size`]).
pub fn attrs_size(attrs: &ItemAttrs<'_>) -> u64 {
    let value_size = |value: &ItemValue| match value {
        ItemValue::S(s) => s.len() as u64,
        ItemValue::N(n) => capacity::number_size(n),
        ItemValue::Other(other) => capacity::value_size(other),
    };
    attrs.iter().map(|(name, value)| name.len() as u64 + value_size(value)).sum()
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
