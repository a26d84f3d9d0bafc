//! The import's conflict words: what differs from what the diff read, by attribute.

use super::*;
use crate::worker::item::{sdk_value, wallet_from_item};

fn attrs(pairs: &[(&str, AttrValue)]) -> Attrs {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

fn wallet(attrs: &Attrs) -> Wallet {
    let item: Item = attrs.iter().map(|(n, v)| (n.clone(), sdk_value(v))).collect();
    wallet_from_item(&item).expect("a wallet")
}

#[test]
fn a_conflict_names_the_attributes_that_changed() {
    let (s, n) = (|t: &str| AttrValue::S(t.into()), |t: &str| AttrValue::N(t.into()));
    let seen = attrs(&[("user_id", s("u")), ("balance", n("5")), ("note", s("x"))]);
    let item = attrs(&[("user_id", s("u")), ("balance", n("9")), ("currency", s("EUR"))]);
    let now = attrs(&[("user_id", s("u")), ("balance", n("5.0")), ("currency", s("USD"))]);
    assert_eq!(
        changed(&wallet(&now), &item, &seen),
        "changed meanwhile: currency now USD, note removed"
    );
    let now = attrs(&[("user_id", s("u")), ("balance", s("5")), ("note", s("x"))]);
    assert_eq!(changed(&wallet(&now), &item, &seen), "changed meanwhile: balance now S \"5\"");
    assert_eq!(changed(&wallet(&seen), &item, &seen), "changed meanwhile");
}
