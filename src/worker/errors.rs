//! Classifying failed DynamoDB calls into [`ApiError`]s a user can act on, and reading
//! DynamoDB's error code from a raw HTTP answer; the one list of throttling codes.

use aws_sdk_dynamodb::error::{BuildError, DisplayErrorContext, ProvideErrorMetadata, SdkError};
use serde::Deserialize;

use crate::error::{ApiError, ErrorKind};

/// DynamoDB's error codes for a request refused because of throughput or request rate.
pub const THROTTLING_CODES: [&str; 3] =
    ["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"];

/// True for the error codes of [`THROTTLING_CODES`].
pub fn is_throttling(code: &str) -> bool {
    THROTTLING_CODES.contains(&code)
}

/// Sorts an SDK failure into a kind a user can act on, keeping the details.
pub fn classify<E, R>(err: SdkError<E, R>) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + 'static,
{
    let details = DisplayErrorContext(&err).to_string();
    tracing::debug!(details, "call failed");
    let kind = match &err {
        SdkError::TimeoutError(_) => ErrorKind::Timeout,
        SdkError::DispatchFailure(d) if d.is_timeout() => ErrorKind::Timeout,
        SdkError::ServiceError(service) => {
            let message = service.err().message().unwrap_or_default().to_string();
            let kind = service_error_kind(service.err().code().unwrap_or_default());
            return ApiError::new(kind, message);
        }
        _ if mentions_missing_credentials(&details) => ErrorKind::NoCredentials,
        SdkError::DispatchFailure(d) if d.is_io() || d.is_other() => ErrorKind::Unreachable,
        _ => ErrorKind::Other,
    };
    ApiError::new(kind, causes(&err))
}

/// A request the SDK refused to build (a required field missing): the app's own mistake,
/// reported as invalid rather than sent.
pub fn build_error(err: BuildError) -> ApiError {
    ApiError::new(ErrorKind::Validation, err.to_string())
}

/// An error and its causes in plain words, outermost first ("dispatch failure: io error:
/// tcp connect error: Connection refused (os error 111)"), without the debug dump the SDK's
/// own context adds; a cause that repeats the one before is left out.
fn causes(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        let text = e.to_string();
        if !text.is_empty() && parts.last().is_none_or(|last| !last.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

fn mentions_missing_credentials(details: &str) -> bool {
    let lower = details.to_ascii_lowercase();
    lower.contains("credentials") && (lower.contains("no ") || lower.contains("failed to load"))
}

/// DynamoDB's error codes, grouped.
fn service_error_kind(code: &str) -> ErrorKind {
    match code {
        "ResourceNotFoundException" => ErrorKind::NotFound,
        "ResourceInUseException" => ErrorKind::ResourceInUse,
        "AccessDeniedException" => ErrorKind::AccessDenied,
        "ValidationException" | "SerializationException" => ErrorKind::Validation,
        "UnrecognizedClientException"
        | "InvalidSignatureException"
        | "ExpiredTokenException"
        | "MissingAuthenticationTokenException"
        | "IncompleteSignatureException" => ErrorKind::BadCredentials,
        code if is_throttling(code) => ErrorKind::Throttled,
        "LimitExceededException" => ErrorKind::LimitExceeded,
        _ => ErrorKind::Other,
    }
}

/// The error code of a raw DynamoDB answer (awsJson1_0), whatever the operation: `None` for
/// a success. Read as the SDK reads it: the `x-amzn-ErrorType` header if there is one,
/// else the body's `code` or `__type`; without a namespace ("…#") or a trailing URL (":…").
pub fn wire_error_code(
    status: u16,
    error_type_header: Option<&str>,
    body: Option<&[u8]>,
) -> Option<String> {
    if (200..300).contains(&status) {
        return None;
    }
    let from_body = || {
        let body: ErrorBody = serde_json::from_slice(body?).ok()?;
        body.code.or(body.type_)
    };
    let code = error_type_header.map(str::to_string).or_else(from_body)?;
    Some(bare_code(&code).to_string())
}

/// The fields of a JSON error body that name the error.
#[derive(Deserialize)]
struct ErrorBody {
    code: Option<String>,
    #[serde(rename = "__type")]
    type_: Option<String>,
}

/// `com.amazonaws.dynamodb.v20120810#ThrottlingException` or
/// `ThrottlingException:http://internal…` → `ThrottlingException`.
fn bare_code(code: &str) -> &str {
    let code = code.split_once(':').map_or(code, |(code, _url)| code);
    code.split_once('#').map_or(code, |(_namespace, code)| code)
}

#[cfg(test)]
mod tests;
