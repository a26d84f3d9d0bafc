//! Secondary indexes as the user sees and asks for them: a new GSI's checked specification
//! ([`CreateIndexSpec`], from [`validate`]) and the words the status panel and the index view
//! use for an index (key schema with types, projection, status, counts). Pure, no IO.

use crate::table::{AttributeDef, BillingMode, IndexInfo, Projection, TableInfo, format_bytes};

/// Key attribute types DynamoDB allows.
pub const KEY_TYPES: [&str; 3] = ["S", "N", "B"];
/// The projection choices, in the form's order.
pub const PROJECTIONS: [&str; 3] = ["ALL", "KEYS_ONLY", "INCLUDE"];

/// A global secondary index to create with UpdateTable, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateIndexSpec {
    pub name: String,
    /// The index's partition key and its type.
    pub partition: AttributeDef,
    /// The index's sort key and its type, if any.
    pub sort: Option<AttributeDef>,
    pub projection: Projection,
    /// The index's own RCU / WCU (provisioned tables only).
    pub throughput: Option<(i64, i64)>,
}

impl CreateIndexSpec {
    /// The definitions UpdateTable needs: one per key attribute of the index.
    pub fn attribute_definitions(&self) -> Vec<AttributeDef> {
        std::iter::once(self.partition.clone()).chain(self.sort.clone()).collect()
    }
}

/// What the create-index form holds, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexInput {
    pub name: String,
    pub partition: String,
    pub partition_type: String,
    /// Empty: no sort key.
    pub sort: String,
    pub sort_type: String,
    /// One of [`PROJECTIONS`].
    pub projection: String,
    /// Comma-separated attribute names (INCLUDE only).
    pub include: String,
    /// Only asked for on provisioned tables.
    pub rcu: String,
    pub wcu: String,
}

/// The form field a validation message belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexField {
    Name,
    Partition,
    Sort,
    Include,
    Rcu,
    Wcu,
}

/// Checks `input` against `table` (its indexes, attribute definitions and billing): the
/// spec to send, or every problem found, each at its field.
pub fn validate(
    input: &IndexInput,
    table: &TableInfo,
) -> Result<CreateIndexSpec, Vec<(IndexField, String)>> {
    let mut errors = Vec::new();
    let mut check = |field, result: Result<(), String>| {
        if let Err(why) = result {
            errors.push((field, why));
        }
    };
    check(IndexField::Name, check_name(&input.name, table));
    let partition = key_attribute(&input.partition, &input.partition_type);
    check(
        IndexField::Partition,
        partition.as_ref().map_err(Clone::clone).and_then(|a| defined(a, table)),
    );
    let sort = match input.sort.trim() {
        "" => Ok(None),
        _ => key_attribute(&input.sort, &input.sort_type).map(Some),
    };
    let sort_check = match (&sort, &partition) {
        (Ok(Some(s)), Ok(p)) if s.name == p.name => {
            Err(format!("{} is already the partition key: choose another or none", s.name))
        }
        (Ok(Some(s)), _) => defined(s, table),
        (Ok(None), _) => Ok(()),
        (Err(why), _) => Err(why.clone()),
    };
    check(IndexField::Sort, sort_check);
    let projection = projection(&input.projection, &input.include);
    check(IndexField::Include, projection.as_ref().map(|_| ()).map_err(Clone::clone));
    let throughput = match table.billing {
        BillingMode::OnDemand => Ok(None),
        BillingMode::Provisioned { .. } => {
            let rcu = units(&input.rcu);
            let wcu = units(&input.wcu);
            check(IndexField::Rcu, rcu.as_ref().map(|_| ()).map_err(Clone::clone));
            check(IndexField::Wcu, wcu.as_ref().map(|_| ()).map_err(Clone::clone));
            rcu.and_then(|r| wcu.map(|w| Some((r, w))))
        }
    };
    match (errors.is_empty(), partition, sort, projection, throughput) {
        (true, Ok(partition), Ok(sort), Ok(projection), Ok(throughput)) => Ok(CreateIndexSpec {
            name: input.name.clone(),
            partition,
            sort,
            projection,
            throughput,
        }),
        _ => Err(errors),
    }
}

/// Index names: 3 to 255 characters of `a-z A-Z 0-9 _ - .`, unique among the table's
/// indexes (global and local).
fn check_name(name: &str, table: &TableInfo) -> Result<(), String> {
    let len = name.chars().count();
    if !(3..=255).contains(&len) {
        return Err(format!("an index name has 3 to 255 characters, this one has {len}"));
    }
    if let Some(bad) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || "_-.".contains(*c))) {
        return Err(format!("{bad:?} is not allowed in an index name (use a-z A-Z 0-9 _ - .)"));
    }
    match table.indexes.iter().find(|i| i.name == name) {
        Some(i) => Err(format!("{} already has a {} named {name}", table.name, i.kind)),
        None => Ok(()),
    }
}

/// A key attribute: a name of 1 to 255 bytes, typed S, N or B.
fn key_attribute(name: &str, attr_type: &str) -> Result<AttributeDef, String> {
    if name.is_empty() {
        return Err("required: the attribute's name".to_string());
    }
    if name.trim() != name {
        return Err("no spaces around the name (they would be part of it)".to_string());
    }
    if name.len() > 255 {
        return Err(format!(
            "a key attribute name has at most 255 bytes, this one has {}",
            name.len()
        ));
    }
    if !KEY_TYPES.contains(&attr_type) {
        return Err(format!("type {attr_type:?}: a key is S, N or B"));
    }
    Ok(AttributeDef { name: name.to_string(), attr_type: attr_type.to_string() })
}

/// An attribute already defined in the table keeps its type: DynamoDB has one per name.
/// The wallet's own attributes have their types whether defined or not: `balance` is a
/// number (an index typing it S would refuse every write of a numeric balance).
fn defined(attr: &AttributeDef, table: &TableInfo) -> Result<(), String> {
    if attr.name == crate::wallet::BALANCE && attr.attr_type != "N" {
        return Err(format!(
            "balance is a number in a wallet table: type N (as {}, every write of a numeric balance would be refused)",
            attr.attr_type
        ));
    }
    match table.attributes.iter().find(|a| a.name == attr.name) {
        Some(a) if a.attr_type != attr.attr_type => Err(format!(
            "{} is defined as {} in {}: an attribute has one type",
            a.name, a.attr_type, table.name
        )),
        _ => Ok(()),
    }
}

fn projection(choice: &str, include: &str) -> Result<Projection, String> {
    let names: Vec<String> =
        include.split(',').map(str::trim).filter(|n| !n.is_empty()).map(String::from).collect();
    match choice {
        "ALL" => Ok(Projection::All),
        "KEYS_ONLY" => Ok(Projection::KeysOnly),
        "INCLUDE" if names.is_empty() => {
            Err("INCLUDE needs attribute names, separated by commas".to_string())
        }
        "INCLUDE" => match names.iter().enumerate().find(|(i, n)| names[..*i].contains(n)) {
            Some((_, twice)) => Err(format!("{twice} is named twice")),
            None => Ok(Projection::Include(names)),
        },
        other => Err(format!("unknown projection {other:?}")),
    }
}

/// Capacity units: a whole number from 1.
fn units(text: &str) -> Result<i64, String> {
    let text = text.trim();
    match text.parse::<i64>() {
        _ if text.is_empty() => Err("required on a provisioned table: a whole number ≥ 1".into()),
        Ok(n) if n >= 1 && !text.starts_with('+') => Ok(n),
        Ok(_) => Err("must be at least 1".to_string()),
        Err(_) if text.chars().all(|c| c.is_ascii_digit()) => Err("too large".to_string()),
        Err(_) => Err(format!("{text:?} is not a whole number")),
    }
}

/// The index's key schema with types: `currency (S) HASH, balance (N) RANGE` (`?` for an
/// attribute without a definition).
pub fn key_text(table: &TableInfo, index: &IndexInfo) -> String {
    let parts: Vec<String> = index
        .key_schema
        .iter()
        .map(|k| {
            let ty = table.attributes.iter().find(|a| a.name == k.name);
            let ty = ty.map_or("?", |a| a.attr_type.as_str());
            format!("{} ({ty}) {}", k.name, k.key_type)
        })
        .collect();
    parts.join(", ")
}

/// The key schema in short: `currency:S + balance:N`.
pub fn key_short(table: &TableInfo, index: &IndexInfo) -> String {
    let parts: Vec<String> = index
        .key_schema
        .iter()
        .map(|k| {
            let ty = table.attributes.iter().find(|a| a.name == k.name);
            format!("{}:{}", k.name, ty.map_or("?", |a| a.attr_type.as_str()))
        })
        .collect();
    parts.join(" + ")
}

/// `ALL`, `KEYS_ONLY` or `INCLUDE a, b`.
pub fn projection_text(projection: &Projection) -> String {
    match projection {
        Projection::All => "ALL".to_string(),
        Projection::KeysOnly => "KEYS_ONLY".to_string(),
        Projection::Include(names) => format!("INCLUDE {}", names.join(", ")),
    }
}

/// `ACTIVE`, `CREATING Backfilling`; an LSI (no status of its own) is `ACTIVE with the table`.
pub fn status_text(index: &IndexInfo) -> String {
    match &index.status {
        None => "ACTIVE with the table".to_string(),
        Some(s) if index.backfilling => format!("{} Backfilling", s.as_str()),
        Some(s) => s.as_str().to_string(),
    }
}

/// `12 items (approx.) · 1.2 KiB · 5 RCU / 5 WCU` (throughput only for a provisioned GSI).
pub fn counts_text(index: &IndexInfo) -> String {
    let mut parts = vec![
        index.item_count.map_or("items -".to_string(), |n| format!("{n} items (approx.)")),
        index.size_bytes.map_or("size -".to_string(), format_bytes),
    ];
    if let Some((read, write)) = index.throughput {
        parts.push(format!("{read} RCU / {write} WCU"));
    }
    parts.join(" · ")
}

#[cfg(test)]
mod tests;
