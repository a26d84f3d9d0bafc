//! Unit tests of `json.rs`.

use super::*;
use crate::balance::Balance;
use crate::wallet::{Extras, UserId};

fn sample() -> Wallet {
    Wallet {
        user_id: UserId::new("3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b"),
        balance: Some(Balance::parse("12345678901234567890123456789012345.678").expect("n")),
        extra: Extras::new([
            ("currency", &AttrValue::S("EUR \"€\"\n".into())),
            ("flags", &AttrValue::Ns(Box::new(["1".into(), "2.5".into()]))),
            ("gone", &AttrValue::Null),
        ]),
    }
}

#[test]
fn plain_json_keeps_numbers_exact() {
    let text = wallet_json(&sample(), Shape::Plain);
    assert_eq!(
        text,
        "{\n  \"user_id\": \"3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b\",\n  \
         \"balance\": 12345678901234567890123456789012345.678,\n  \
         \"currency\": \"EUR \\\"€\\\"\\n\",\n  \"flags\": [1, 2.5],\n  \"gone\": null\n}"
    );
    let parsed: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(parsed["currency"], "EUR \"€\"\n");
}

#[test]
fn dynamo_json_wraps_types() {
    let text = wallet_json(&sample(), Shape::Dynamo);
    let parsed: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(parsed["balance"]["N"], "12345678901234567890123456789012345.678");
    assert_eq!(parsed["user_id"]["S"], "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b");
    assert_eq!(parsed["flags"]["NS"][1], "2.5");
    assert_eq!(parsed["gone"]["NULL"], true);
}
