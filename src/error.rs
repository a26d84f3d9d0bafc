//! A failed DynamoDB call, classified into the families a user can act on.

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

    /// The call may have reached DynamoDB and applied though no answer says so: it timed out,
    /// lost its connection, or failed in a way DynamoDB documents as "the request may or may
    /// not have succeeded" (an internal server error).
    pub fn outcome_unknown(&self) -> bool {
        matches!(self.kind, ErrorKind::Timeout | ErrorKind::Unreachable | ErrorKind::Other)
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
