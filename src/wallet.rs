//! Domain types for wallet items, stored compactly: a million of them must fit
//! in a few hundred MB, so no row holds a map of SDK attribute values.

use std::fmt;

use crate::balance::Balance;

/// A wallet's partition key. UUIDs (the normal case) take 16 bytes inline;
/// anything else another writer put there is kept as text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum UserId {
    /// A canonical lower-case hyphenated UUID, stored as its 128 bits.
    Uuid(u128),
    /// Any other string.
    Text(Box<str>),
}

impl UserId {
    /// Keeps the exact text: only a string that prints back identically is packed.
    pub fn new(text: &str) -> Self {
        match uuid::Uuid::try_parse(text) {
            Ok(id) if id.hyphenated().to_string() == text => UserId::Uuid(id.as_u128()),
            _ => UserId::Text(text.into()),
        }
    }

    /// The string stored in DynamoDB.
    pub fn to_text(&self) -> String {
        self.to_string()
    }
}

/// Text order, as DynamoDB and a user see it. Packed UUIDs compare as numbers,
/// which is the same order as their lower-case hex text.
impl Ord for UserId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        match (self, other) {
            (UserId::Uuid(a), UserId::Uuid(b)) => a.cmp(b),
            (UserId::Text(a), UserId::Text(b)) => a.cmp(b),
            _ => self.to_text().cmp(&other.to_text()),
        }
    }
}

impl PartialOrd for UserId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl UserId {
    /// Calls `f` with the id's text without allocating for packed UUIDs.
    pub fn with_text<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        match self {
            UserId::Uuid(bits) => {
                let mut buf = uuid::Uuid::encode_buffer();
                f(uuid::Uuid::from_u128(*bits).hyphenated().encode_lower(&mut buf))
            }
            UserId::Text(text) => f(text),
        }
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UserId::Uuid(bits) => uuid::Uuid::from_u128(*bits).hyphenated().fmt(f),
            UserId::Text(text) => f.write_str(text),
        }
    }
}

/// A DynamoDB attribute value, kept in its exact wire form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttrValue {
    /// S
    S(Box<str>),
    /// N, as DynamoDB's exact decimal text.
    N(Box<str>),
    /// B, raw bytes.
    B(Box<[u8]>),
    /// BOOL
    Bool(bool),
    /// NULL
    Null,
    /// SS
    Ss(Box<[Box<str>]>),
    /// NS, exact decimal texts.
    Ns(Box<[Box<str>]>),
    /// BS
    Bs(Box<[Box<[u8]>]>),
    /// L
    L(Box<[AttrValue]>),
    /// M, in the order received.
    M(Box<[(Box<str>, AttrValue)]>),
}

impl AttrValue {
    /// The DynamoDB type descriptor: "S", "N", "BOOL", ...
    pub fn type_name(&self) -> &'static str {
        match self {
            AttrValue::S(_) => "S",
            AttrValue::N(_) => "N",
            AttrValue::B(_) => "B",
            AttrValue::Bool(_) => "BOOL",
            AttrValue::Null => "NULL",
            AttrValue::Ss(_) => "SS",
            AttrValue::Ns(_) => "NS",
            AttrValue::Bs(_) => "BS",
            AttrValue::L(_) => "L",
            AttrValue::M(_) => "M",
        }
    }
}

/// One wallet item. `balance` is `None` when the item has no numeric
/// `balance` (another writer's data is shown, never "fixed").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wallet {
    pub user_id: UserId,
    pub balance: Option<Balance>,
    /// Every other attribute, sorted by name.
    pub extra: Box<[(Box<str>, AttrValue)]>,
}

impl Wallet {
    /// The value of another attribute by name.
    pub fn attr(&self, name: &str) -> Option<&AttrValue> {
        self.extra.iter().find(|(n, _)| &**n == name).map(|(_, v)| v)
    }
}

/// Attribute names of the wallet schema.
pub const USER_ID: &str = "user_id";
pub const BALANCE: &str = "balance";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_packed_and_print_back_exactly() {
        let text = "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b";
        let id = UserId::new(text);
        assert!(matches!(id, UserId::Uuid(_)));
        assert_eq!(id.to_text(), text);
    }

    #[test]
    fn order_is_text_order_across_representations() {
        let mut ids: Vec<UserId> = [
            "ffffffff-0000-4000-8000-000000000000",
            "alice",
            "00000000-0000-4000-8000-000000000001",
            "0",
            "zed",
        ]
        .into_iter()
        .map(UserId::new)
        .collect();
        ids.sort();
        let texts: Vec<String> = ids.iter().map(UserId::to_text).collect();
        let mut expected = texts.clone();
        expected.sort();
        assert_eq!(texts, expected);
    }

    #[test]
    fn non_canonical_ids_stay_text() {
        for text in [
            "3F2B8C1E-9A4D-4E6F-8B7A-1C2D3E4F5A6B",
            "3f2b8c1e9a4d4e6f8b7a1c2d3e4f5a6b",
            "alice",
            "",
        ] {
            let id = UserId::new(text);
            assert!(matches!(id, UserId::Text(_)), "{text}");
            assert_eq!(id.to_text(), text);
        }
    }
}
