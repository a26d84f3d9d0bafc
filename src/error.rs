//! The failures the protocol carries as values: a DynamoDB call classified into the families
//! a user can act on ([`ApiError`]), and why a seed of demo wallets stopped ([`SeedError`]).

use std::fmt;
use std::time::Duration;

use crate::table::TableStatus;

/// A failed DynamoDB call, classified so it can be explained in plain words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub kind: ErrorKind,
    /// The service's or transport's own message, for the details.
    pub message: String,
}

/// The broad families of failure a user can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// No credentials could be loaded from the aws-config chain.
    NoCredentials,
    /// Credentials were sent but refused (bad key, bad signature, expired token).
    BadCredentials,
    /// The endpoint did not answer (connection refused, DNS, TLS).
    Unreachable,
    /// The call did not finish within the configured timeout.
    Timeout,
    /// IAM refused the action.
    AccessDenied,
    /// The request was malformed or broke a rule (ValidationException).
    Validation,
    /// The table is being created, updated or deleted, or already exists.
    ResourceInUse,
    /// The table (or item) does not exist.
    NotFound,
    /// Throughput or request-rate limit hit.
    Throttled,
    /// An account limit (e.g. too many tables being created at once).
    LimitExceeded,
    /// A write refused by the worker because the app runs with `--read-only`.
    ReadOnly,
    /// Anything else.
    Other,
}

impl ApiError {
    /// Builds an error of a given kind.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into() }
    }

    /// One line for the status bar: what happened, then the service's words.
    pub fn summary(&self) -> String {
        let what = match self.kind {
            ErrorKind::NoCredentials => "no AWS credentials found (try --profile, or --local)",
            ErrorKind::BadCredentials => "credentials were rejected",
            ErrorKind::Unreachable => "cannot reach the endpoint",
            ErrorKind::Timeout => "the call timed out",
            ErrorKind::AccessDenied => "access denied",
            ErrorKind::Validation => "request rejected as invalid",
            ErrorKind::ResourceInUse => "table is in use",
            ErrorKind::NotFound => "not found",
            ErrorKind::Throttled => "throttled by DynamoDB",
            ErrorKind::LimitExceeded => "account limit exceeded",
            ErrorKind::ReadOnly => "read-only mode: writes are disabled",
            ErrorKind::Other => "call failed",
        };
        if self.message.is_empty() { what.to_string() } else { format!("{what}: {}", self.message) }
    }
}

/// Why a seed failed. Wallets already written stay in the table.
#[derive(Debug, Clone, PartialEq)]
pub enum SeedError {
    /// Asked to keep no batch in flight at all.
    NoConcurrency,
    /// Refused before any call (the worker runs read-only), or its job stopped on a bug.
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
    pub(crate) fn call(call: &'static str, table: &str, error: ApiError) -> Self {
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
