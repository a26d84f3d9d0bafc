//! The import's parsers: table tests over CSV, DynamoDB JSON and plain JSON lines.

use rstest::rstest;

use super::*;

fn n(text: &str) -> AttrValue {
    AttrValue::N(text.into())
}

fn s(text: &str) -> AttrValue {
    AttrValue::S(text.into())
}

#[rstest]
#[case::dynamo(r#"{"user_id":{"S":"u1"},"balance":{"N":"12.50"}}"#, "12.5")]
#[case::plain_string(r#"{"user_id":"u1","balance":"12.50"}"#, "12.5")]
#[case::plain_number(r#"{"user_id":"u1","balance":12.50}"#, "12.5")]
#[case::digits_38(
    r#"{"user_id":"u1","balance":12345678901234567890123456789012345678}"#,
    "12345678901234567890123456789012345678"
)]
#[case::exponent(r#"{"user_id":"u1","balance":"1E+2"}"#, "100")]
#[case::negative_half(r#"{"user_id":{"S":"u1"},"balance":{"N":"-0.5"}}"#, "-0.5")]
#[case::largest(
    r#"{"user_id":"u1","balance":9.9999999999999999999999999999999999999E+125}"#,
    "9.9999999999999999999999999999999999999E+125"
)]
fn json_balances_are_exact(#[case] line: &str, #[case] balance: &str) {
    let (id, item) = json_row(line).expect("a good row");
    assert_eq!(id, "u1");
    assert_eq!(item[BALANCE], n(balance));
}

#[rstest]
#[case::not_json("{nope", "not a JSON object")]
#[case::array("[1,2]", "not a JSON object")]
#[case::no_key(r#"{"balance":"1"}"#, "missing key")]
#[case::empty_key(r#"{"user_id":"","balance":"1"}"#, "user_id is empty")]
#[case::numeric_key(r#"{"user_id":{"N":"1"}}"#, "user_id is N, not a string")]
#[case::not_a_number(r#"{"user_id":"u","balance":"12a"}"#, "balance: \"12a\" is not a number")]
#[case::digits_39(
    r#"{"user_id":"u","balance":"123456789012345678901234567890123456789"}"#,
    "39 significant digits"
)]
#[case::digits_39_json_number(
    r#"{"user_id":"u","balance":123456789012345678901234567890123456789}"#,
    "39 significant digits"
)]
#[case::nan(r#"{"user_id":"u","balance":"NaN"}"#, "NaN")]
#[case::dynamo_bad_n(
    r#"{"user_id":{"S":"u"},"balance":{"N":"x"}}"#,
    "balance: \"x\" is not a number"
)]
#[case::dynamo_unquoted_n(r#"{"user_id":{"S":"u"},"balance":{"N":1}}"#, "balance:")]
#[case::dynamo_two_types(r#"{"user_id":{"S":"u"},"a":{"S":"x","N":"1"}}"#, "exactly one type")]
#[case::dynamo_unknown(r#"{"user_id":{"S":"u"},"a":{"X":"1"}}"#, "unknown type")]
#[case::empty_set(r#"{"user_id":{"S":"u"},"a":{"SS":[]}}"#, "cannot be empty")]
#[case::set_twice(r#"{"user_id":{"S":"u"},"a":{"NS":["1","1.0"]}}"#, "same element twice")]
#[case::bad_base64(r#"{"user_id":{"S":"u"},"a":{"B":"@@"}}"#, "not base64")]
#[case::null_balance(r#"{"user_id":"u","balance":null}"#, "balance: not a number (null)")]
#[case::true_balance(r#"{"user_id":"u","balance":true}"#, "balance: not a number (true)")]
#[case::false_balance(r#"{"user_id":"u","balance":false}"#, "balance: not a number (false)")]
#[case::array_balance(r#"{"user_id":"u","balance":[1]}"#, "balance: not a number (an array)")]
#[case::object_balance(r#"{"user_id":"u","balance":{"a":1}}"#, "not a number (an object)")]
#[case::balance_twice(r#"{"user_id":"u","balance":"1","balance":"1000"}"#, "balance given twice")]
#[case::key_twice(r#"{"user_id":"u","user_id":"v"}"#, "user_id given twice")]
#[case::dynamo_twice(
    r#"{"user_id":{"S":"u"},"balance":{"N":"1"},"balance":{"N":"2"}}"#,
    "balance given twice"
)]
#[case::nested_twice(r#"{"user_id":"u","m":{"k":1,"k":2}}"#, "m: k given twice")]
fn bad_json_lines_say_why(#[case] line: &str, #[case] reason: &str) {
    let err = json_row(line).expect_err("a bad row");
    assert!(err.contains(reason), "{err:?} should contain {reason:?}");
}

#[test]
fn dynamo_json_keeps_every_type() {
    let line = r#"{"user_id":{"S":"u"},"b":{"B":"AP8="},"f":{"BOOL":false},"z":{"NULL":true},"ss":{"SS":["b","a"]},"ns":{"NS":["10","2.50"]},"l":{"L":[{"N":"1.0"},{"S":"x"}]},"m":{"M":{"k":{"N":"007"}}},"balance":{"S":"100"}}"#;
    let (_, item) = json_row(line).expect("a good row");
    assert_eq!(item["b"], AttrValue::B(vec![0u8, 255].into()));
    assert_eq!(item["f"], AttrValue::Bool(false));
    assert_eq!(item["z"], AttrValue::Null);
    assert_eq!(item["ss"], AttrValue::Ss(vec!["a".into(), "b".into()].into()));
    assert_eq!(item["ns"], AttrValue::Ns(vec!["10".into(), "2.5".into()].into()));
    assert_eq!(item["l"], AttrValue::L(vec![n("1"), s("x")].into()));
    assert_eq!(item["m"], AttrValue::M(vec![("k".into(), n("7"))].into()));
    assert_eq!(item[BALANCE], s("100"), "a balance of another type is kept as it is");
}

#[test]
fn plain_json_values() {
    let line =
        r#"{"user_id":"u","note":"12","age":30,"ok":true,"x":null,"l":[1,"a"],"m":{"k":0.10}}"#;
    let (_, item) = json_row(line).expect("a good row");
    assert_eq!(item["note"], s("12"), "a string that looks like a number stays a string");
    assert_eq!(item["age"], n("30"));
    assert_eq!(item["ok"], AttrValue::Bool(true));
    assert_eq!(item["x"], AttrValue::Null);
    assert_eq!(item["l"], AttrValue::L(vec![n("1"), s("a")].into()));
    assert_eq!(item["m"], AttrValue::M(vec![("k".into(), n("0.1"))].into()));
}

#[rstest]
#[case::number("u,12.50,EUR", Some(n("12.5")))]
#[case::no_balance("u,,EUR", None)]
#[case::typed_string(r#"u,"{""S"":""100""}",EUR"#, Some(s("100")))]
#[case::typed_bool(r#"u,"{""BOOL"":true}",EUR"#, Some(AttrValue::Bool(true)))]
fn csv_balance_cells(#[case] row: &str, #[case] balance: Option<AttrValue>) {
    let parsed = parse(Format::Csv, &format!("user_id,balance,currency\n{row}\n"));
    assert_eq!(parsed.bad, vec![]);
    assert_eq!(parsed.rows[0].item.get(BALANCE).cloned(), balance);
    assert_eq!(parsed.rows[0].item["currency"], s("EUR"));
}

#[test]
fn csv_may_start_with_a_byte_order_mark() {
    let parsed = parse(Format::Csv, "\u{feff}user_id,balance\nu,1\n");
    assert_eq!(parsed.bad, vec![]);
    assert_eq!(parsed.rows[0].user_id, "u");
    assert_eq!(parsed.rows[0].item[BALANCE], n("1"));
    assert_eq!(parsed.header.as_deref(), Some("user_id,balance"));
}

#[rstest]
#[case::not_a_number("u,abc", 2, "\"abc\" is not a number")]
#[case::digits_39("u,123456789012345678901234567890123456789", 2, "39 significant digits")]
#[case::cells("u,1,extra", 2, "3 cells, the header names 2")]
#[case::empty_key(",1", 2, "user_id is empty")]
fn bad_csv_rows_name_line_and_reason(#[case] row: &str, #[case] line: u64, #[case] why: &str) {
    let parsed = parse(Format::Csv, &format!("user_id,balance\n{row}\nok,1\n"));
    assert_eq!(parsed.rows.len(), 1, "the good row is kept");
    assert_eq!(parsed.bad.len(), 1);
    assert_eq!(parsed.bad[0].line, line);
    assert!(parsed.bad[0].reason.contains(why), "{:?}", parsed.bad[0]);
    assert_eq!(parsed.bad[0].text, row);
}

#[rstest]
#[case::no_key_column("id,balance\nu,1\n", "no user_id column")]
#[case::balance_twice("user_id,balance,balance\nu,1,2\n", "\"balance\" twice")]
#[case::empty("", "no header")]
fn bad_csv_headers(#[case] text: &str, #[case] why: &str) {
    let parsed = parse(Format::Csv, text);
    assert!(parsed.rows.is_empty());
    assert!(parsed.bad[0].reason.contains(why), "{:?}", parsed.bad);
}

#[test]
fn duplicates_and_sizes_are_checked_across_the_file() {
    let big = "x".repeat(410 * 1024);
    let text = format!(
        "{{\"user_id\":\"a\",\"balance\":1}}\n\n{{\"user_id\":\"b\",\"balance\":2}}\n{{\"user_id\":\"a\",\"balance\":3}}\n{{\"user_id\":\"c\",\"blob\":\"{big}\"}}\n"
    );
    let parsed = parse(Format::JsonLines, &text);
    let bad: Vec<(u64, &str)> = parsed.bad.iter().map(|b| (b.line, b.reason.as_str())).collect();
    assert_eq!(bad[0], (4, "duplicate user_id \"a\": first on line 1"));
    assert_eq!(bad[1].0, 5);
    assert!(bad[1].1.contains("DynamoDB items are at most 409600"), "{bad:?}");
    assert_eq!(parsed.rows.iter().map(|r| r.line).collect::<Vec<_>>(), [1, 3]);
}

#[rstest]
#[case::csv_extension("w.csv", "{", Format::Csv)]
#[case::jsonl_extension("w.jsonl", "user_id", Format::JsonLines)]
#[case::sniffed_json("w.txt", "  {\"user_id\"", Format::JsonLines)]
#[case::sniffed_csv("w", "user_id,balance", Format::Csv)]
fn formats_are_detected(#[case] path: &str, #[case] head: &str, #[case] format: Format) {
    assert_eq!(detect(Path::new(path), head), format);
}

#[test]
fn rejects_file_is_owner_only_and_holds_the_bad_rows() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("wallet-import-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let source = dir.join("w.csv");
    let parsed = parse(Format::Csv, "user_id,balance\na,1\nb,x\nc,2\n");
    let first = write_rejects(&source, &parsed).expect("written");
    let second = write_rejects(&source, &parsed).expect("written");
    assert_eq!(first, dir.join("w.rejects.csv"));
    assert_eq!(second, dir.join("w.rejects-2.csv"), "an existing one is never overwritten");
    assert_eq!(std::fs::read_to_string(&first).expect("read"), "user_id,balance\nb,x\n");
    let mode = std::fs::metadata(&first).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let _ = std::fs::remove_dir_all(dir);
}
