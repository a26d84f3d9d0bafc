//! Unit tests of `capacity.rs`.

use rstest::rstest;

use super::*;

fn s(text: &str) -> AttrValue {
    AttrValue::S(text.into())
}

fn n(text: &str) -> AttrValue {
    AttrValue::N(text.into())
}

// Every expected size below was also measured on DynamoDB Local 3.3.0.
#[rstest]
#[case::zero("0", 1)]
#[case::negative_zero("-0", 1)]
#[case::zero_with_decimals("0.000", 1)]
#[case::one_digit("7", 2)]
#[case::negative_one_digit("-7", 3)]
#[case::explicit_plus("+5", 2)]
#[case::two_digits_one_pair("15", 2)]
#[case::trailing_zero_trimmed("10", 2)]
#[case::hundred("100", 2)]
#[case::exponent_form("1E+2", 2)]
#[case::lower_case_exponent("1e1", 2)]
#[case::thousand("1E+3", 2)]
#[case::million("1000000", 2)]
#[case::misaligned_pair_integer("150", 3)]
#[case::misaligned_pair_fraction("1.5", 3)]
#[case::balance("12.5", 3)]
#[case::padded_zeros("0012.50", 3)]
#[case::three_digits("123", 3)]
#[case::four_digits("1234", 3)]
#[case::five_digits("12345", 4)]
#[case::fraction("12.345", 4)]
#[case::negative_fraction("-12.345", 5)]
#[case::negative_cents("-0.01", 3)]
#[case::negative_four_digits("-99.99", 4)]
#[case::half("0.5", 2)]
#[case::tenth_trailing_zero("0.10", 2)]
#[case::small("0.05", 2)]
#[case::thousandth("0.001", 2)]
#[case::leading_and_trailing_zeros("0.000100", 2)]
#[case::ten_thousandth("0.0001", 2)]
#[case::largest_exponent("1E+125", 2)]
#[case::smallest_positive("1E-130", 2)]
#[case::smallest_negative("-1E-130", 3)]
#[case::negative_20_digits("-12345678901234567890", 12)]
#[case::digits_38_aligned("12345678901234567890123456789012345678", 20)]
#[case::digits_38_nines("99999999999999999999999999999999999999", 20)]
#[case::negative_38_aligned("-12345678901234567890123456789012345678", 21)]
#[case::digits_38_misaligned("1234567890123456789012345678901234567.8", 21)]
#[case::negative_38_misaligned_capped("-1234567890123456789012345678901234567.8", 21)]
#[case::digits_38_one_integer("1.2345678901234567890123456789012345678", 21)]
#[case::negative_38_one_integer("-1.2345678901234567890123456789012345678", 21)]
#[case::negative_37_digits("-1234567890123456789012345678901234567", 21)]
#[case::negative_36_digits("-123456789012345678901234567890123456", 20)]
#[case::largest("9.9999999999999999999999999999999999999E+125", 20)]
fn number_sizes(#[case] text: &str, #[case] expected: u64) {
    assert_eq!(number_size(text), expected, "{text}");
}

#[rstest]
#[case::empty("")]
#[case::sign_only("-")]
#[case::dot_only(".")]
#[case::letters("abc")]
#[case::bad_exponent("1E")]
#[case::double_sign_exponent("1E+-2")]
#[case::huge_exponent("1E99999999999999999999")]
#[case::two_dots("1.2.3")]
fn malformed_numbers_do_not_panic(#[case] text: &str) {
    let size = number_size(text);
    assert!((1..=21).contains(&size), "{text}: {size}");
}

#[rstest]
#[case::ascii_string(s("hello"), 5)]
#[case::multibyte_string(s("héllo€"), 9)]
#[case::empty_string(s(""), 0)]
#[case::binary(AttrValue::B(vec![0u8; 4].into()), 4)]
#[case::bool(AttrValue::Bool(true), 1)]
#[case::null(AttrValue::Null, 1)]
#[case::string_set(AttrValue::Ss(vec!["ab".into(), "cde".into()].into()), 5)]
#[case::number_set(AttrValue::Ns(vec!["7".into(), "-12.345".into()].into()), 7)]
#[case::binary_set(AttrValue::Bs(vec![vec![1u8; 4].into(), vec![2u8; 2].into()].into()), 6)]
#[case::empty_list(AttrValue::L(Vec::new().into()), 3)]
#[case::empty_map(AttrValue::M(Vec::new().into()), 3)]
#[case::list_of_one(AttrValue::L(vec![s("ab")].into()), 3 + 1 + 2)]
#[case::list_of_two(AttrValue::L(vec![s("ab"), n("7")].into()), 3 + (1 + 2) + (1 + 2))]
#[case::list_in_list(AttrValue::L(vec![AttrValue::L(Vec::new().into())].into()), 3 + 1 + 3)]
#[case::map_of_one(AttrValue::M(vec![("ab".into(), s("cd"))].into()), 3 + 1 + 2 + 2)]
#[case::map_of_two(
    AttrValue::M(vec![("ab".into(), s("cd")), ("e".into(), AttrValue::Bool(false))].into()),
    3 + (1 + 2 + 2) + (1 + 1 + 1)
)]
#[case::map_multibyte_key(AttrValue::M(vec![("é".into(), s("x"))].into()), 3 + 1 + 2 + 1)]
#[case::nested(
    AttrValue::M(vec![(
        "ab".into(),
        AttrValue::M(vec![("c".into(), AttrValue::L(vec![AttrValue::Null].into()))].into()),
    )].into()),
    // outer M: 3 + 1 + "ab" + inner M (3 + 1 + "c" + L (3 + 1 + NULL))
    3 + 1 + 2 + (3 + 1 + 1 + (3 + 1 + 1))
)]
fn value_sizes(#[case] value: AttrValue, #[case] expected: u64) {
    assert_eq!(value_size(&value), expected, "{value:?}");
}

#[test]
fn a_string_attribute_counts_its_name_and_value() {
    let value = s("hello");
    assert_eq!(item_size([("greeting", &value)]), 8 + 5);
}

#[test]
fn typical_wallet_item() {
    let user_id = s("3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b");
    let balance = n("12.5");
    // "user_id" (7) + 36-char UUID, "balance" (7) + 12.5 (3): 53 bytes, as measured on
    // DynamoDB Local 3.3.0.
    let size = item_size([("user_id", &user_id), ("balance", &balance)]);
    assert_eq!(size, 7 + 36 + 7 + 3);
    assert_eq!(size, 53);
    assert_eq!(read_units(size, Consistency::Strong), 1.0);
    assert_eq!(read_units(size, Consistency::Eventual), 0.5);
    assert_eq!(write_units(size), 1.0);
}

#[test]
fn nested_map_keys_count_as_attribute_names() {
    let meta = AttrValue::M(vec![("tier".into(), s("gold"))].into());
    assert_eq!(item_size([("meta", &meta)]), 4 + 3 + 1 + 4 + 4);
}

#[test]
fn empty_item_is_zero_bytes() {
    assert_eq!(item_size(std::iter::empty()), 0);
}

#[rstest]
#[case::missing_item(0, 1.0, 0.5)]
#[case::one_byte(1, 1.0, 0.5)]
#[case::just_under(3500, 1.0, 0.5)]
#[case::exactly_4k(4096, 1.0, 0.5)]
#[case::one_over_4k(4097, 2.0, 1.0)]
#[case::exactly_8k(8192, 2.0, 1.0)]
#[case::ten_kb(10 * 1024, 3.0, 1.5)]
#[case::max_item(400 * 1024, 100.0, 50.0)]
fn get_item_read_units(#[case] bytes: u64, #[case] strong: f64, #[case] eventual: f64) {
    assert_eq!(read_units(bytes, Consistency::Strong), strong);
    assert_eq!(read_units(bytes, Consistency::Eventual), eventual);
}

#[rstest]
#[case::missing_item(0, 1.0)]
#[case::one_byte(1, 1.0)]
#[case::exactly_1k(1024, 1.0)]
#[case::one_over_1k(1025, 2.0)]
#[case::exactly_2k(2048, 2.0)]
#[case::two_k_and_one(2049, 3.0)]
#[case::max_item(400 * 1024, 400.0)]
fn item_write_units(#[case] bytes: u64, #[case] expected: f64) {
    assert_eq!(write_units(bytes), expected);
}

#[rstest]
// 100 items of 100 bytes in one page: 10,000 bytes → 3 blocks (per item it would be 100).
#[case::hundred_small_items(100 * 100, 3.0, 1.5)]
#[case::empty_page(0, 1.0, 0.5)]
#[case::exactly_4k(4096, 1.0, 0.5)]
#[case::one_over_4k(4097, 2.0, 1.0)]
// A full page: 1049 items of 1000 bytes (DynamoDB Local: 257 / 128.5).
#[case::full_page(1049 * 1000, 257.0, 128.5)]
#[case::exactly_1mb(1024 * 1024, 256.0, 128.0)]
fn scan_page_units(#[case] bytes: u64, #[case] strong: f64, #[case] eventual: f64) {
    assert_eq!(scan_page_read_units(bytes, Consistency::Strong), strong);
    assert_eq!(scan_page_read_units(bytes, Consistency::Eventual), eventual);
}

#[test]
fn scan_rounds_per_page_not_per_item() {
    let per_item: f64 = (0..100).map(|_| read_units(100, Consistency::Strong)).sum();
    assert_eq!(per_item, 100.0);
    assert_eq!(scan_page_read_units(100 * 100, Consistency::Strong), 3.0);
}

#[rstest]
#[case::empty_table(0, 1.0, 0.5)]
#[case::one_small_page(100 * 100, 3.0, 1.5)]
// One page holding the whole table, exactly 1 MB (DynamoDB Local: 256 / 128).
#[case::exactly_1mb(1024 * 1024, 256.0, 128.0)]
// 1100 items of 1000 bytes: pages of 1,049,000 and 51,000 bytes
// (DynamoDB Local: 257 + 13 strong, 128.5 + 6.5 eventual).
#[case::two_pages(1100 * 1000, 270.0, 135.0)]
// 2100 items of 500 bytes: pages of 1,049,000 and 1,000 bytes (DynamoDB Local: 257 + 1).
#[case::two_pages_small_tail(2100 * 500, 258.0, 129.0)]
// 10 MB: nine full pages of 257 blocks and a last one of 256.
#[case::ten_mb(10 * 1024 * 1024, 9.0 * 257.0 + 256.0, (9.0 * 257.0 + 256.0) / 2.0)]
fn full_scan_units(#[case] bytes: u64, #[case] strong: f64, #[case] eventual: f64) {
    assert_eq!(full_scan_read_units(bytes, Consistency::Strong), strong);
    assert_eq!(full_scan_read_units(bytes, Consistency::Eventual), eventual);
}

#[test]
fn unit_constants() {
    assert_eq!(READ_UNIT_BYTES, 4 * 1024);
    assert_eq!(WRITE_UNIT_BYTES, 1024);
    assert_eq!(PAGE_LIMIT_BYTES, 256 * READ_UNIT_BYTES);
}
