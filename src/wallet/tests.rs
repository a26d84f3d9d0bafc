//! Unit tests of `wallet.rs`.

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
fn extras_round_trip_every_type() {
    let values = vec![
        ("a", AttrValue::S("héllo \u{0} world".into())),
        ("b", AttrValue::N("-12.5E+3".into())),
        ("c", AttrValue::B(vec![0u8, 255, 7].into())),
        ("d", AttrValue::Bool(true)),
        ("e", AttrValue::Bool(false)),
        ("f", AttrValue::Null),
        ("g", AttrValue::Ss(vec!["x".into(), "".into()].into())),
        ("h", AttrValue::Ns(vec!["1".into(), "2.5".into()].into())),
        ("i", AttrValue::Bs(vec![vec![1u8].into(), vec![].into()].into())),
        ("j", AttrValue::L(vec![AttrValue::Null, AttrValue::S("y".into())].into())),
        (
            "k",
            AttrValue::M(
                vec![("inner".into(), AttrValue::L(vec![AttrValue::Bool(true)].into()))].into(),
            ),
        ),
        ("long", AttrValue::S("z".repeat(300).into())),
    ];
    let extras = Extras::new(values.iter().map(|(n, v)| (*n, v)));
    let back: Vec<(String, AttrValue)> = extras.iter().map(|(n, v)| (n.to_string(), v)).collect();
    let expected: Vec<(String, AttrValue)> =
        values.iter().map(|(n, v)| (n.to_string(), v.clone())).collect();
    assert_eq!(back, expected);
    assert_eq!(extras.get("k"), Some(values[10].1.clone()));
    assert_eq!(extras.get("long"), Some(values[11].1.clone()));
    assert_eq!(extras.get("missing"), None);
    assert_eq!(extras.names().collect::<Vec<_>>().len(), values.len());
    assert!(Extras::default().is_empty());
}

#[test]
fn non_canonical_ids_stay_text() {
    for text in
        ["3F2B8C1E-9A4D-4E6F-8B7A-1C2D3E4F5A6B", "3f2b8c1e9a4d4e6f8b7a1c2d3e4f5a6b", "alice", ""]
    {
        let id = UserId::new(text);
        assert!(matches!(id, UserId::Text(_)), "{text}");
        assert_eq!(id.to_text(), text);
    }
}

/// Text ids up to 22 bytes are kept inline, longer ones on the heap: either way they
/// compare, order, hash and print as their text.
#[test]
fn text_ids_inline_or_not_behave_as_their_text() {
    use std::hash::BuildHasher;
    let hasher = std::hash::RandomState::new();
    let texts = [
        "",
        "a",
        "user-00000042",
        "é and ü in 22 bytes",
        "exactly-22-bytes-long!",
        "twenty-three bytes long",
        "a much longer id that another writer chose",
    ];
    for text in texts {
        let id = UserId::new(text);
        let UserId::Text(inner) = &id else { panic!("{text} is not a UUID") };
        let inline = inner.is_inline();
        assert_eq!(inline, text.len() <= IdText::INLINE, "{text}");
        assert_eq!(&**inner, text);
        assert_eq!(id.to_text(), text);
        assert_eq!(format!("{id:?}"), format!("Text({text:?})"));
        assert_eq!(hasher.hash_one(&id), hasher.hash_one(UserId::new(text)));
        assert_eq!(id, UserId::new(text));
    }
    let mut ids: Vec<UserId> = texts.iter().map(|t| UserId::new(t)).collect();
    ids.sort();
    let mut sorted = texts.to_vec();
    sorted.sort();
    assert_eq!(ids.iter().map(UserId::to_text).collect::<Vec<_>>(), sorted);
}

/// A million wallets are loaded at once: every byte of a wallet counts a megabyte.
#[test]
fn a_wallet_takes_64_bytes_and_a_missing_balance_nothing_more() {
    assert_eq!(std::mem::size_of::<UserId>(), 24);
    assert_eq!(std::mem::size_of::<crate::balance::Balance>(), 24);
    assert_eq!(std::mem::size_of::<Option<crate::balance::Balance>>(), 24);
    assert_eq!(std::mem::size_of::<Wallet>(), 64);
}

/// Names are kept once per process (numbers in the buffer), long ones inline: either way
/// every attribute reads back, and equal attributes pack equal. (The slots are not filled up
/// here: tests share the process.)
#[test]
fn attribute_names_kept_once_or_inline_read_back() {
    let long = "n".repeat(MAX_NAME_LEN + 1);
    let value = AttrValue::S("x".into());
    let mut names: Vec<String> = (0..20).map(|i| format!("attr{i:05}")).collect();
    names.push(long.clone());
    let attrs = || names.iter().map(|n| (n.as_str(), &value));
    let (a, b) = (Extras::new(attrs()), Extras::new(attrs()));
    assert_eq!(a, b, "same attributes, same bytes");
    assert!(a.names().eq(names.iter().map(String::as_str)));
    assert_eq!(a.get(&long), Some(value.clone()));
    assert_eq!(a.text("attr00007"), Some("x"));
    assert_eq!(a.iter().count(), names.len());
    let map = AttrValue::M(Box::new([("inner".into(), AttrValue::N("1".into()))]));
    let nested = Extras::new([("currency", &value), ("meta", &map)]);
    assert_eq!(nested.get("meta"), Some(map));
}

/// A demo wallet's other attributes ("currency", "updated_at") fit a 48-byte heap block.
#[test]
fn common_names_cost_a_byte_or_two() {
    let currency = AttrValue::S("EUR".into());
    let updated = AttrValue::S("2026-11-26T12:00:00Z".into());
    let extra = Extras::new([("currency", &currency), ("updated_at", &updated)]);
    assert!(extra.0.len() <= 40, "{} bytes", extra.0.len());
    assert_eq!(extra.text("updated_at"), Some("2026-11-26T12:00:00Z"));
}
