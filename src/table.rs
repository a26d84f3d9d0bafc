//! Domain types for the wallet table's description, free of SDK types.

/// The lifecycle state DynamoDB reports for a table (`TableStatus`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableStatus {
    /// CreateTable accepted; not yet usable.
    Creating,
    /// UpdateTable in progress (throughput, billing mode, indexes).
    Updating,
    /// DeleteTable in progress.
    Deleting,
    /// Ready for reads and writes.
    Active,
    /// Any other status DynamoDB may add (ARCHIVING, INACCESSIBLE_ENCRYPTION_CREDENTIALS, ...).
    Other(String),
}

impl TableStatus {
    /// Parses DynamoDB's wire spelling (`"ACTIVE"`, `"CREATING"`, ...).
    pub fn from_wire(s: &str) -> Self {
        match s {
            "CREATING" => Self::Creating,
            "UPDATING" => Self::Updating,
            "DELETING" => Self::Deleting,
            "ACTIVE" => Self::Active,
            other => Self::Other(other.to_string()),
        }
    }

    /// The wire spelling, as shown in the status badge.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Creating => "CREATING",
            Self::Updating => "UPDATING",
            Self::Deleting => "DELETING",
            Self::Active => "ACTIVE",
            Self::Other(s) => s,
        }
    }

    /// A state that will change by itself soon, so it is worth polling fast.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Creating | Self::Updating | Self::Deleting => true,
            Self::Active => false,
            Self::Other(s) => s.ends_with("ING"),
        }
    }
}

/// How the table is paid for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BillingMode {
    /// Fixed read/write capacity units per second.
    Provisioned { read: i64, write: i64 },
    /// Pay per request (PAY_PER_REQUEST).
    OnDemand,
}

/// One element of the key schema: attribute name and HASH/RANGE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyElement {
    pub name: String,
    pub key_type: String,
}

/// One attribute definition: name and scalar type (S, N, B).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeDef {
    pub name: String,
    pub attr_type: String,
}

/// A secondary index: what DescribeTable says about it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IndexInfo {
    pub name: String,
    /// "GSI" or "LSI".
    pub kind: &'static str,
    /// GSIs have a status; LSIs are always usable with the table.
    pub status: Option<TableStatus>,
    /// The index's own key schema (HASH, then RANGE if any).
    pub key_schema: Vec<KeyElement>,
    pub projection: Projection,
    /// A GSI being filled from the table's items (`Backfilling`).
    pub backfilling: bool,
    /// Approximate, like the table's.
    pub item_count: Option<i64>,
    pub size_bytes: Option<i64>,
    /// A provisioned GSI's own read/write capacity units.
    pub throughput: Option<(i64, i64)>,
}

/// Which attributes an index copies from the table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Projection {
    #[default]
    All,
    KeysOnly,
    /// The keys and these attributes.
    Include(Vec<String>),
}

/// Everything DescribeTable says that the status panel shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableInfo {
    pub name: String,
    pub status: TableStatus,
    pub key_schema: Vec<KeyElement>,
    pub attributes: Vec<AttributeDef>,
    pub billing: BillingMode,
    /// Approximate; DynamoDB refreshes it about every six hours.
    pub item_count: Option<i64>,
    pub size_bytes: Option<i64>,
    /// RFC 3339, UTC.
    pub created: Option<String>,
    pub arn: Option<String>,
    pub indexes: Vec<IndexInfo>,
    /// Provisioned-throughput decreases already made today (quota applies).
    pub decreases_today: Option<i64>,
    /// The table's stream, when one is enabled.
    pub stream: Option<crate::stream::StreamInfo>,
}

impl TableInfo {
    /// True while the table or any index is in a state that changes by itself.
    pub fn is_transient(&self) -> bool {
        self.status.is_transient()
            || self.indexes.iter().any(|i| i.status.as_ref().is_some_and(TableStatus::is_transient))
    }

    /// The key schema in words: `user_id (S) HASH, ts (N) RANGE` (`?` for a key attribute
    /// without a definition).
    pub fn key_description(&self) -> String {
        let parts: Vec<String> = self
            .key_schema
            .iter()
            .map(|k| {
                let ty = self.attributes.iter().find(|a| a.name == k.name);
                let ty = ty.map_or("?", |a| a.attr_type.as_str());
                format!("{} ({ty}) {}", k.name, k.key_type)
            })
            .collect();
        parts.join(", ")
    }

    /// The schema this tool is built for: a single `user_id` string hash key.
    pub fn has_wallet_schema(&self) -> bool {
        let key_ok = matches!(self.key_schema.as_slice(),
            [k] if k.name == WALLET_KEY && k.key_type == "HASH");
        key_ok && self.attributes.iter().any(|a| a.name == WALLET_KEY && a.attr_type == "S")
    }
}

/// The wallet table's partition key.
pub const WALLET_KEY: &str = "user_id";

/// What CreateTable is asked for; the key schema is fixed to the wallet's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateTableSpec {
    pub name: String,
    pub billing: BillingMode,
}

/// Human-readable byte count: `0 B`, `1.5 KiB`, `12.0 MiB`.
pub fn format_bytes(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// DynamoDB table names: 3 to 255 characters of `a-z A-Z 0-9 _ - .`.
pub fn parse_table_name(name: &str) -> Result<String, String> {
    let len = name.chars().count();
    if !(3..=255).contains(&len) {
        return Err(format!("a table name has 3 to 255 characters, this one has {len}"));
    }
    match name.chars().find(|c| !(c.is_ascii_alphanumeric() || "_-.".contains(*c))) {
        Some(bad) => Err(format!("{bad:?} is not allowed in a table name (use a-z A-Z 0-9 _ - .)")),
        None => Ok(name.to_string()),
    }
}

/// One table of the account and region (or DynamoDB Local namespace), for the table picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableEntry {
    pub name: String,
    /// Whether it has the wallet schema; `None` when it could not be described.
    pub wallet_schema: Option<bool>,
}

#[cfg(test)]
mod tests;
