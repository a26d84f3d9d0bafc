//! A Query of the wallet table or of one of its secondary indexes: what the query form asks
//! for, checked against the table's description by one pure function ([`validate`]), and the
//! words the list title uses for it. Key values are kept in their exact wire form: numbers
//! parsed by the balance rules (never `f64`), binaries decoded from base64.

use aws_smithy_types::base64;

use crate::balance::Balance;
use crate::table::{IndexInfo, Projection, TableInfo, TableStatus};
use crate::wallet::{AttrValue, BALANCE, USER_ID, Wallet};

/// A comparison of the sort key in a key condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
    /// Between two values, both included.
    Between,
    /// A prefix (S and B keys only).
    BeginsWith,
}

impl SortOp {
    /// The query form's choices, "none" (no sort-key condition) first.
    pub const CHOICES: [&'static str; 8] =
        ["none", "=", "<", "<=", ">", ">=", "between", "begins_with"];

    /// The operator of a form choice; `None` for "none" (or anything else).
    pub fn from_choice(choice: &str) -> Option<SortOp> {
        Some(match choice {
            "=" => SortOp::Eq,
            "<" => SortOp::Lt,
            "<=" => SortOp::Le,
            ">" => SortOp::Gt,
            ">=" => SortOp::Ge,
            "between" => SortOp::Between,
            "begins_with" => SortOp::BeginsWith,
            _ => return None,
        })
    }

    /// How the operator is written in a key condition expression and in the list title.
    pub fn symbol(self) -> &'static str {
        match self {
            SortOp::Eq => "=",
            SortOp::Lt => "<",
            SortOp::Le => "<=",
            SortOp::Gt => ">",
            SortOp::Ge => ">=",
            SortOp::Between => "between",
            SortOp::BeginsWith => "begins_with",
        }
    }
}

/// A condition on the sort key: `name op value` (`between`: `value` and `to`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortCondition {
    pub name: String,
    pub op: SortOp,
    pub value: AttrValue,
    /// The upper bound of `between`.
    pub to: Option<AttrValue>,
}

/// One Query, as the worker runs it page by page.
#[derive(Debug, Clone, PartialEq)]
pub struct QuerySpec {
    /// The index queried; `None`: the table itself.
    pub index: Option<String>,
    /// The partition key's name and exact value.
    pub partition_name: String,
    pub partition: AttrValue,
    pub sort: Option<SortCondition>,
    /// The sort key's name, if the source has one (for the title's order arrow).
    pub sort_key: Option<String>,
    /// `ScanIndexForward = false`.
    pub descending: bool,
    /// Strongly consistent (never on a GSI).
    pub consistent: bool,
    /// Items per page (`Limit`), like the scan's.
    pub page_limit: Option<i32>,
    /// The read budget in RCU per second, the scan's (`None`: unpaced).
    pub max_rcu_per_sec: Option<f64>,
    /// The rows carry only what the index projects (KEYS_ONLY, INCLUDE): each wallet is read
    /// whole with GetItem when selected.
    pub partial: bool,
}

// The budget is finite and positive (never NaN), as in `ScanSpec`.
impl Eq for QuerySpec {}

impl QuerySpec {
    /// What the list shows, e.g. "Query currency-balance-index · currency = EUR · balance ↓"
    /// (`table`: the table's name, for a query of the table itself).
    pub fn describe(&self, table: &str) -> String {
        let source = self.index.as_deref().unwrap_or(table);
        let mut text = format!(
            "Query {} · {} = {}",
            crate::text::fit(source, 40),
            self.partition_name,
            show_value(&self.partition)
        );
        let arrow = if self.descending { "↓" } else { "↑" };
        match (&self.sort, &self.sort_key) {
            (Some(c), _) => {
                let value = show_value(&c.value);
                let cond = match (&c.op, &c.to) {
                    (SortOp::Between, Some(to)) => {
                        format!("{} between {value} and {}", c.name, show_value(to))
                    }
                    (SortOp::BeginsWith, _) => format!("{} begins_with {value}", c.name),
                    (op, _) => format!("{} {} {value}", c.name, op.symbol()),
                };
                text.push_str(&format!(" · {cond} {arrow}"));
            }
            (None, Some(key)) => text.push_str(&format!(" · {key} {arrow}")),
            (None, None) => {}
        }
        if self.consistent {
            text.push_str(" · strong");
        }
        text
    }
}

impl QuerySpec {
    /// Whether a wallet meets the key condition (a wallet changed on the stream stays in, or
    /// comes into, a query's list only if it does). The index holds only items that have
    /// its keys.
    pub fn matches(&self, wallet: &Wallet) -> bool {
        use std::cmp::Ordering::{Equal, Greater, Less};
        let value = |name: &str| -> Option<AttrValue> {
            match name {
                USER_ID => Some(AttrValue::S(wallet.user_id.to_text().into())),
                BALANCE if wallet.balance.is_some() => {
                    wallet.balance.map(|b| AttrValue::N(b.to_string().into()))
                }
                _ => wallet.attr(name),
            }
        };
        let partition = value(&self.partition_name).and_then(|v| key_order(&v, &self.partition));
        if partition != Some(Equal) {
            return false;
        }
        let Some(c) = &self.sort else {
            return self.sort_key.as_ref().is_none_or(|key| value(key).is_some());
        };
        let Some(v) = value(&c.name) else { return false };
        let Some(order) = key_order(&v, &c.value) else { return false };
        match c.op {
            SortOp::Eq => order == Equal,
            SortOp::Lt => order == Less,
            SortOp::Le => order != Greater,
            SortOp::Gt => order == Greater,
            SortOp::Ge => order != Less,
            SortOp::Between => {
                let upper = c.to.as_ref().and_then(|to| key_order(&v, to));
                order != Less && upper.is_some_and(|o| o != Greater)
            }
            SortOp::BeginsWith => match (&v, &c.value) {
                (AttrValue::S(a), AttrValue::S(b)) => a.starts_with(&**b),
                (AttrValue::B(a), AttrValue::B(b)) => a.starts_with(b),
                _ => false,
            },
        }
    }
}

/// A key value in words: strings as they are (cut when long), numbers exact, binaries base64.
pub fn show_value(value: &AttrValue) -> String {
    match value {
        AttrValue::S(s) => crate::text::fit(s, 32),
        AttrValue::N(n) => n.to_string(),
        AttrValue::B(b) => crate::text::fit(&base64::encode(b), 32),
        other => other.type_name().to_string(),
    }
}

/// The query form's fields, by label (shared by the form and its validation).
pub mod fields {
    pub const SOURCE: &str = "Query";
    pub const PARTITION: &str = "Partition key";
    pub const CONDITION: &str = "Sort key condition";
    pub const VALUE: &str = "Sort key value";
    pub const TO: &str = "and (between)";
    pub const ORDER: &str = "Order";
    pub const READ: &str = "Read";
}

/// The order choices.
pub const ORDERS: [&str; 2] = ["ascending", "descending"];
/// The read choices.
pub const READS: [&str; 2] = ["eventual", "strong"];

/// What the query form holds, as typed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueryInput<'a> {
    /// The index chosen; `None`: the table itself.
    pub index: Option<&'a str>,
    pub partition: &'a str,
    /// A choice of [`SortOp::CHOICES`].
    pub condition: &'a str,
    pub value: &'a str,
    pub to: &'a str,
    pub descending: bool,
    pub consistent: bool,
}

/// A field's error: its label and the message shown under it.
pub type FieldError = (&'static str, String);

/// The key schema of what is queried: (partition key, sort key), each with its type.
pub struct Source<'a> {
    pub index: Option<&'a IndexInfo>,
    pub partition: (&'a str, &'a str),
    pub sort: Option<(&'a str, &'a str)>,
}

/// The keys of the table or of `index`, with their types from the attribute definitions
/// (`?` when one is not defined). `None` if the index does not exist.
pub fn source<'a>(info: &'a TableInfo, index: Option<&str>) -> Option<Source<'a>> {
    let (schema, index) = match index {
        None => (&info.key_schema, None),
        Some(name) => {
            let index = info.indexes.iter().find(|i| i.name == name)?;
            (&index.key_schema, Some(index))
        }
    };
    let typed = |key_type: &str| {
        let key = schema.iter().find(|k| k.key_type == key_type)?;
        let ty = info.attributes.iter().find(|a| a.name == key.name);
        Some((key.name.as_str(), ty.map_or("?", |a| a.attr_type.as_str())))
    };
    Some(Source { index, partition: typed("HASH")?, sort: typed("RANGE") })
}

/// Why an index cannot be queried now (`None`: it can).
pub fn unusable(index: &IndexInfo) -> Option<String> {
    match &index.status {
        None | Some(TableStatus::Active) => None,
        Some(status) => {
            let backfilling = if index.backfilling { ", backfilling" } else { "" };
            Some(format!(
                "{} is {}{backfilling}: not queryable until ACTIVE",
                index.name,
                status.as_str()
            ))
        }
    }
}

/// The projection in words: "ALL", "KEYS_ONLY", "INCLUDE a, b".
pub fn projection_text(projection: &Projection) -> String {
    match projection {
        Projection::All => "ALL".into(),
        Projection::KeysOnly => "KEYS_ONLY".into(),
        Projection::Include(names) => format!("INCLUDE {}", names.join(", ")),
    }
}

/// Checks the form against the table's description. Every bad field gets its message; with
/// any, nothing is sent. `page_limit` and `max_rcu_per_sec` are left for the caller.
pub fn validate(info: &TableInfo, input: &QueryInput<'_>) -> Result<QuerySpec, Vec<FieldError>> {
    let mut errors = Vec::new();
    let Some(source) = source(info, input.index) else {
        let name = input.index.unwrap_or_default();
        return Err(vec![(fields::SOURCE, format!("no index {name} on {}", info.name))]);
    };
    if let Some(why) = source.index.and_then(unusable) {
        errors.push((fields::SOURCE, why));
    }
    let (pk_name, pk_type) = source.partition;
    let partition = parse_key(pk_name, pk_type, input.partition)
        .map_err(|why| errors.push((fields::PARTITION, why)))
        .ok();
    let sort = sort_condition(&source, input).map_err(|e| errors.push(e)).ok().flatten();
    let gsi = source.index.is_some_and(|i| i.kind == "GSI");
    if input.consistent && gsi {
        errors.push((
            fields::READ,
            "a global secondary index is read eventually consistent only".into(),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let partial = source.index.is_some_and(|i| i.projection != Projection::All);
    Ok(QuerySpec {
        index: input.index.map(str::to_string),
        partition_name: pk_name.to_string(),
        partition: partition.ok_or_else(Vec::new)?,
        sort,
        sort_key: source.sort.map(|(name, _)| name.to_string()),
        descending: input.descending,
        consistent: input.consistent,
        page_limit: None,
        max_rcu_per_sec: None,
        partial,
    })
}

/// The sort-key condition the form asks for (`None`: none).
fn sort_condition(
    source: &Source<'_>,
    input: &QueryInput<'_>,
) -> Result<Option<SortCondition>, FieldError> {
    let Some(op) = SortOp::from_choice(input.condition) else { return Ok(None) };
    let Some((name, ty)) = source.sort else {
        let what = source.index.map_or("the table", |i| i.name.as_str());
        return Err((fields::CONDITION, format!("{what} has no sort key: choose none")));
    };
    if op == SortOp::BeginsWith && ty == "N" {
        return Err((fields::CONDITION, format!("begins_with is for S and B keys; {name} is N")));
    }
    let value = parse_key(name, ty, input.value).map_err(|why| (fields::VALUE, why))?;
    let to = match op {
        SortOp::Between => {
            let to = parse_key(name, ty, input.to).map_err(|why| (fields::TO, why))?;
            if key_order(&value, &to) == Some(std::cmp::Ordering::Greater) {
                return Err((fields::TO, "must not be below the first value".into()));
            }
            Some(to)
        }
        _ => None,
    };
    Ok(Some(SortCondition { name: name.to_string(), op, value, to }))
}

/// DynamoDB's order of two key values of one type (numbers by value, strings and binaries
/// byte by byte).
fn key_order(a: &AttrValue, b: &AttrValue) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (AttrValue::N(a), AttrValue::N(b)) => {
            Some(Balance::parse(a).ok()?.cmp(&Balance::parse(b).ok()?))
        }
        (AttrValue::S(a), AttrValue::S(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
        (AttrValue::B(a), AttrValue::B(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

/// A key value typed for a key of type `ty`: S as typed (not empty), N exactly (the balance
/// rules), B from base64 (not empty).
pub fn parse_key(name: &str, ty: &str, text: &str) -> Result<AttrValue, String> {
    match ty {
        "S" if text.is_empty() => Err(format!("required: the value of {name} (S)")),
        "S" => Ok(AttrValue::S(text.into())),
        "N" if text.trim().is_empty() => Err(format!("required: the value of {name} (N)")),
        "N" => match Balance::parse(text) {
            Ok(n) => Ok(AttrValue::N(n.to_string().into())),
            Err(why) => Err(format!("{name} is a number (N): {why}")),
        },
        "B" if text.trim().is_empty() => {
            Err(format!("required: the value of {name} (B, as base64)"))
        }
        "B" => match base64::decode(text.trim()) {
            Ok(bytes) if bytes.is_empty() => Err(format!("{name} (B) must not be empty")),
            Ok(bytes) => Ok(AttrValue::B(bytes.into())),
            Err(why) => Err(format!("{name} is binary (B): not base64 ({why})")),
        },
        other => Err(format!("{name} has type {other}: cannot query it here")),
    }
}

#[cfg(test)]
mod tests;
