//! Unit tests of `table.rs`.

use super::*;
use rstest::rstest;

#[rstest]
#[case("user_wallet", true)]
#[case("a.b-c_D9", true)]
#[case("ab", false)]
#[case("user wallet", false)]
#[case("wallet/1", false)]
#[case(&"x".repeat(256), false)]
#[case(&"x".repeat(255), true)]
fn table_names(#[case] name: &str, #[case] ok: bool) {
    assert_eq!(parse_table_name(name).is_ok(), ok, "{name}");
}

#[rstest]
#[case("CREATING", true)]
#[case("UPDATING", true)]
#[case("DELETING", true)]
#[case("ARCHIVING", true)]
#[case("ACTIVE", false)]
#[case("ARCHIVED", false)]
#[case("INACCESSIBLE_ENCRYPTION_CREDENTIALS", false)]
fn transient_statuses(#[case] wire: &str, #[case] transient: bool) {
    let status = TableStatus::from_wire(wire);
    assert_eq!(status.is_transient(), transient);
    assert_eq!(status.as_str(), wire);
}

#[rstest]
#[case(0, "0 B")]
#[case(1023, "1023 B")]
#[case(1024, "1.0 KiB")]
#[case(1536, "1.5 KiB")]
#[case(5 * 1024 * 1024, "5.0 MiB")]
fn bytes_are_readable(#[case] bytes: i64, #[case] text: &str) {
    assert_eq!(format_bytes(bytes), text);
}
