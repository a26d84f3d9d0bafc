//! Why a seed failed, in a type the protocol can carry.

use std::fmt;
use std::time::Duration;

use crate::error::ApiError;
use crate::table::TableStatus;

/// Why a seed failed. Wallets already written stay in the table.
#[derive(Debug, Clone, PartialEq)]
pub enum SeedError {
    /// Asked to keep no batch in flight at all.
    NoConcurrency,
    /// Refused before any call (the worker runs read-only).
    Refused(ApiError),
    /// A DynamoDB call failed.
    Call { call: &'static str, table: String, error: ApiError },
    /// The table exists but is not keyed on the single string attribute `user_id`.
    NotAWalletTable { table: String },
    /// The table is in a state waiting does not end (DELETING, ARCHIVED, ...).
    NotWritable { table: String, status: TableStatus },
    /// The table was still not ACTIVE after waiting this long.
    NotActiveInTime { table: String, status: TableStatus, waited: Duration },
    /// CreateTable said the table was in use, yet DescribeTable does not find it.
    InUseButMissing { table: String },
    /// The table went away while the seed waited for it to be ACTIVE.
    Disappeared { table: String },
    /// BatchWriteItem returned more unprocessed items than the batch held.
    TooManyUnprocessed { table: String, unprocessed: usize, sent: usize },
    /// BatchWriteItem returned unprocessed items for a table it was not sent.
    OtherTableUnprocessed { table: String, other: String },
    /// Items were still unprocessed after every call the retry policy allows: DynamoDB is
    /// throttling the writes.
    StillUnprocessed { table: String, items: usize, calls: u32 },
    /// A batch failed (`cause`) once `written` of the `total` wallets were written.
    Stopped { table: String, written: u64, total: u64, cause: Box<SeedError> },
}

impl SeedError {
    /// A failed `call` on `table`.
    pub(super) fn call(call: &'static str, table: &str, error: ApiError) -> Self {
        SeedError::Call { call, table: table.to_string(), error }
    }
}

impl fmt::Display for SeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SeedError::NoConcurrency => write!(f, "concurrency must be at least 1"),
            SeedError::Refused(error) => write!(f, "{}", error.summary()),
            SeedError::Call { call, table, error } => {
                write!(f, "{call} {table}: {}", error.summary())
            }
            SeedError::NotAWalletTable { table } => write!(
                f,
                "{table} exists but is not a wallet table: its key must be the single string \
                 attribute user_id"
            ),
            SeedError::NotWritable { table, status } => {
                write!(f, "{table} is {}, not ACTIVE: cannot write to it", status.as_str())
            }
            SeedError::NotActiveInTime { table, status, waited } => {
                write!(f, "{table} is still {} after {} s", status.as_str(), waited.as_secs())
            }
            SeedError::InUseButMissing { table } => {
                write!(f, "{table} is in use but cannot be described")
            }
            SeedError::Disappeared { table } => {
                write!(f, "{table} disappeared while waiting for it to be ACTIVE")
            }
            SeedError::TooManyUnprocessed { table, unprocessed, sent } => write!(
                f,
                "BatchWriteItem on {table} returned {unprocessed} unprocessed items for a batch \
                 of {sent}"
            ),
            SeedError::OtherTableUnprocessed { table, other } => write!(
                f,
                "BatchWriteItem on {table} returned unprocessed items for another table, {other}"
            ),
            SeedError::StillUnprocessed { table, items, calls } => write!(
                f,
                "BatchWriteItem on {table}: {items} items still unprocessed after {calls} calls; \
                 DynamoDB is throttling the writes (try a lower concurrency, or more write \
                 capacity)"
            ),
            SeedError::Stopped { table, written, total, cause } => write!(
                f,
                "seeding {table} stopped; {written} of {total} wallets were written: {cause}"
            ),
        }
    }
}

impl std::error::Error for SeedError {}
