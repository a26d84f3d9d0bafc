//! Unit tests of `target.rs`: which writes each combination of flags, protect list, profile
//! and account allows, and which endpoints are AWS's.

use rstest::rstest;

use super::*;

fn guard(protect: &[&str], profile: Option<&str>) -> Guard {
    Guard {
        protect: Protect::new(protect.iter().map(|s| s.to_string()).collect()),
        profile: profile.map(str::to_string),
        aws: true,
        ..Guard::default()
    }
}

fn known(id: &str) -> Account {
    Account::Known(id.to_string())
}

#[test]
fn nothing_protected_is_writable() {
    assert_eq!(guard(&[], Some("dev")).mode(&Account::Pending), WriteMode::Writable);
    assert_eq!(guard(&["prod"], Some("dev")).mode(&known("123456789012")), WriteMode::Writable);
}

#[test]
fn read_only_wins_over_everything() {
    let g = Guard { read_only: true, allow_writes: true, ..guard(&["prod"], Some("prod")) };
    assert_eq!(g.mode(&Account::Pending), WriteMode::ReadOnly);
    assert!(!g.needs_account());
}

#[test]
fn a_protected_profile_starts_read_only_and_allow_writes_asks_for_the_name() {
    let g = guard(&["prod"], Some("prod"));
    let protected = WriteMode::Protected { target: "profile prod".into() };
    assert_eq!(g.mode(&Account::Pending), protected);
    assert!(protected.refusal("deposit").is_some());
    assert!(protected.worker_refusal().is_some());
    let allowed = Guard { allow_writes: true, ..g }.mode(&Account::Pending);
    assert_eq!(allowed, WriteMode::Confirm { target: "profile prod".into() });
    assert_eq!(allowed.refusal("deposit"), None);
    assert_eq!(allowed.worker_refusal(), None);
}

#[test]
fn a_protected_account_is_known_only_after_the_lookup() {
    let g = guard(&["123456789012"], Some("dev"));
    assert!(g.needs_account());
    assert_eq!(g.mode(&Account::Pending), WriteMode::Checking);
    assert_eq!(
        g.mode(&known("123456789012")),
        WriteMode::Protected { target: "account 123456789012".into() }
    );
    assert_eq!(g.mode(&known("210987654321")), WriteMode::Writable);
}

#[test]
fn an_unknown_account_is_protected_on_aws_only() {
    let g = guard(&["123456789012"], None);
    let unknown = Account::Unknown("no answer in time".into());
    assert_eq!(g.mode(&unknown), WriteMode::Protected { target: "an unknown account".into() });
    let emulator = Guard { aws: false, ..g };
    assert_eq!(emulator.mode(&unknown), WriteMode::Writable);
}

#[test]
fn profiles_only_do_not_wait_for_the_account() {
    let g = guard(&["prod"], Some("dev"));
    assert!(!g.needs_account());
    assert_eq!(g.mode(&Account::Pending), WriteMode::Writable);
}

#[rstest]
#[case("123456789012", true)]
#[case("12345678901", false)]
#[case("1234567890123", false)]
#[case("12345678901a", false)]
#[case("prod", false)]
fn account_ids(#[case] text: &str, #[case] is: bool) {
    assert_eq!(is_account_id(text), is);
}

#[rstest]
#[case::none(None, true)]
#[case::regional(Some("https://dynamodb.eu-west-1.amazonaws.com"), true)]
#[case::vpce(Some("https://vpce-1a2b.dynamodb.eu-west-1.vpce.amazonaws.com/"), true)]
#[case::china(Some("https://dynamodb.cn-north-1.amazonaws.com.cn"), true)]
#[case::dual_stack(Some("https://dynamodb.us-east-1.api.aws"), true)]
#[case::local(Some("http://127.0.0.1:8000"), false)]
#[case::lookalike(Some("https://amazonaws.com.evil.example"), false)]
#[case::bare(Some("https://amazonaws.com"), false)]
fn aws_endpoints(#[case] endpoint: Option<&str>, #[case] aws: bool) {
    let target = Target { endpoint: endpoint.map(str::to_string), ..Target::default() };
    assert_eq!(target.is_aws(), aws, "{endpoint:?}");
}

#[test]
fn a_destination_names_table_endpoint_region_profile_and_mode() {
    let target = Target {
        endpoint: Some("http://localhost:8000".into()),
        region: "us-east-1".into(),
        profile: Some("dev".into()),
        local: false,
    };
    assert_eq!(
        target.destination("Wallets", &WriteMode::Writable),
        "into table Wallets · http://localhost:8000 us-east-1 · profile dev · WRITABLE"
    );
    let aws = Target { endpoint: None, region: "eu-west-1".into(), profile: None, local: false };
    assert_eq!(
        aws.destination("W", &WriteMode::ReadOnly),
        "into table W · AWS eu-west-1 · READ-ONLY"
    );
}
