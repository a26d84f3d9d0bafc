//! Unit tests of `worker/errors.rs`.

use super::*;
use rstest::rstest;

#[rstest]
#[case("ResourceNotFoundException", ErrorKind::NotFound)]
#[case("ResourceInUseException", ErrorKind::ResourceInUse)]
#[case("AccessDeniedException", ErrorKind::AccessDenied)]
#[case("ValidationException", ErrorKind::Validation)]
#[case("UnrecognizedClientException", ErrorKind::BadCredentials)]
#[case("ExpiredTokenException", ErrorKind::BadCredentials)]
#[case("ThrottlingException", ErrorKind::Throttled)]
#[case("ProvisionedThroughputExceededException", ErrorKind::Throttled)]
#[case("RequestLimitExceeded", ErrorKind::Throttled)]
#[case("LimitExceededException", ErrorKind::LimitExceeded)]
#[case("SomethingNewException", ErrorKind::Other)]
fn service_codes_are_grouped(#[case] code: &str, #[case] kind: ErrorKind) {
    assert_eq!(service_error_kind(code), kind);
}

#[test]
fn throttling_codes() {
    for code in THROTTLING_CODES {
        assert!(is_throttling(code), "{code}");
    }
    for code in ["ValidationException", "LimitExceededException", "", "throttlingexception"] {
        assert!(!is_throttling(code), "{code}");
    }
}

#[rstest]
#[case::body_type(
    400,
    None,
    r#"{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"m"}"#,
    Some("ThrottlingException")
)]
#[case::body_code(400, None, r#"{"code":"RequestLimitExceeded"}"#, Some("RequestLimitExceeded"))]
#[case::header_first(
    400,
    Some("ProvisionedThroughputExceededException:http://internal.amazon.com/"),
    r#"{"__type":"x#ValidationException"}"#,
    Some("ProvisionedThroughputExceededException")
)]
#[case::server_error(
    500,
    None,
    r#"{"__type":"com.amazon.coral.service#InternalServerError"}"#,
    Some("InternalServerError")
)]
#[case::not_json(503, None, "Service Unavailable", None)]
#[case::success(200, None, r#"{"__type":"looks#LikeAnError"}"#, None)]
#[case::success_header(200, Some("ThrottlingException"), "{}", None)]
fn error_codes_are_read_from_the_wire(
    #[case] status: u16,
    #[case] header: Option<&str>,
    #[case] body: &str,
    #[case] code: Option<&str>,
) {
    assert_eq!(wire_error_code(status, header, Some(body.as_bytes())).as_deref(), code);
}
