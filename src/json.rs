//! Wallets as JSON text, numbers kept exact: plain JSON (`"balance": 12.5`)
//! and DynamoDB JSON (`"balance": {"N": "12.5"}`).

use aws_smithy_types::base64;

use crate::wallet::{AttrValue, BALANCE, USER_ID, Wallet};

/// The two JSON shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Values as JSON values; numbers unquoted and exact; binaries base64; sets as arrays.
    Plain,
    /// Every value wrapped in its type descriptor, as DynamoDB's API writes it.
    Dynamo,
}

/// Every attribute of a wallet as `(name, value)`, key and balance first.
pub fn attributes(wallet: &Wallet) -> Vec<(&str, AttrValue)> {
    let mut attrs = vec![(USER_ID, AttrValue::S(wallet.user_id.to_text().into()))];
    if let Some(balance) = wallet.balance {
        attrs.push((BALANCE, AttrValue::N(balance.to_string().into())));
    }
    attrs.extend(wallet.extra.iter());
    attrs
}

/// A wallet as pretty-printed JSON, one attribute per line.
pub fn wallet_json(wallet: &Wallet, shape: Shape) -> String {
    let attrs = attributes(wallet);
    let mut out = String::from("{\n");
    for (i, (name, value)) in attrs.iter().enumerate() {
        out.push_str("  ");
        out.push_str(&quote(name));
        out.push_str(": ");
        out.push_str(&value_json(value, shape));
        out.push_str(if i + 1 < attrs.len() { ",\n" } else { "\n" });
    }
    out.push('}');
    out
}

/// A wallet as one line of compact JSON (for JSON Lines).
pub fn wallet_line(wallet: &Wallet, shape: Shape) -> String {
    let fields: Vec<String> = attributes(wallet)
        .iter()
        .map(|(name, value)| format!("{}:{}", quote(name), value_json(value, shape)))
        .collect();
    format!("{{{}}}", fields.join(","))
}

/// One value as compact JSON.
pub fn value_json(value: &AttrValue, shape: Shape) -> String {
    let plain = match value {
        AttrValue::S(s) => quote(s),
        AttrValue::N(n) => match shape {
            Shape::Plain => n.to_string(),
            Shape::Dynamo => quote(n),
        },
        AttrValue::B(b) => quote(&base64::encode(b)),
        AttrValue::Bool(b) => b.to_string(),
        AttrValue::Null => match shape {
            Shape::Plain => "null".to_string(),
            Shape::Dynamo => "true".to_string(),
        },
        AttrValue::Ss(v) => array(v.iter().map(|s| quote(s))),
        AttrValue::Ns(v) => match shape {
            Shape::Plain => array(v.iter().map(|n| n.to_string())),
            Shape::Dynamo => array(v.iter().map(|n| quote(n))),
        },
        AttrValue::Bs(v) => array(v.iter().map(|b| quote(&base64::encode(b)))),
        AttrValue::L(v) => array(v.iter().map(|x| value_json(x, shape))),
        AttrValue::M(m) => {
            let fields: Vec<String> =
                m.iter().map(|(k, v)| format!("{}: {}", quote(k), value_json(v, shape))).collect();
            format!("{{{}}}", fields.join(", "))
        }
    };
    match shape {
        Shape::Plain => plain,
        Shape::Dynamo => format!("{{{}: {plain}}}", quote(value.type_name())),
    }
}

fn array(items: impl Iterator<Item = String>) -> String {
    format!("[{}]", items.collect::<Vec<_>>().join(", "))
}

/// A JSON string literal with every needed escape.
fn quote(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

#[cfg(test)]
mod tests;
