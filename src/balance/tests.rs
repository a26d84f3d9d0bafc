//! Unit tests of `balance.rs`.

use super::*;
use crate::fixtures::balance as b;
use bigdecimal::Zero as _;
use rstest::rstest;

fn bd(text: &str) -> BigDecimal {
    match text.parse() {
        Ok(value) => value,
        Err(error) => panic!("{text:?} is not a BigDecimal: {error}"),
    }
}

fn not_a_number(text: &str) -> BalanceError {
    BalanceError::NotANumber { text: text.to_owned() }
}

fn separators(suggestion: &str) -> BalanceError {
    BalanceError::ThousandsSeparator { suggestion: suggestion.to_owned() }
}

const MAX: &str = "9.9999999999999999999999999999999999999E+125";

#[rstest]
#[case::empty("", BalanceError::Empty)]
#[case::spaces("   ", BalanceError::Empty)]
#[case::tabs_and_newlines(" \t\n ", BalanceError::Empty)]
#[case::comma("1,000", separators("1000"))]
#[case::commas("-1,234,567.89", separators("-1234567.89"))]
#[case::underscore("1_000", separators("1000"))]
#[case::space("1 000", separators("1000"))]
#[case::no_break_space("1\u{a0}000", separators("1000"))]
#[case::apostrophe("1'000", separators("1000"))]
#[case::decimal_comma("1,5", BalanceError::DecimalComma { suggestion: "1.5".to_owned() })]
#[case::trailing_comma("1000,", not_a_number("1000,"))]
#[case::sign_space("- 5", not_a_number("- 5"))]
#[case::nan("NaN", BalanceError::NotFinite)]
#[case::nan_lower("nan", BalanceError::NotFinite)]
#[case::inf("inf", BalanceError::NotFinite)]
#[case::minus_infinity("-Infinity", BalanceError::NotFinite)]
#[case::infinity_caps("INFINITY", BalanceError::NotFinite)]
#[case::double_minus("--5", BalanceError::DoubleSign)]
#[case::plus_minus("+-5", BalanceError::DoubleSign)]
#[case::plus_plus("++5", BalanceError::DoubleSign)]
#[case::letter("12a", not_a_number("12a"))]
#[case::hex("0x10", not_a_number("0x10"))]
#[case::two_points("1.2.3", not_a_number("1.2.3"))]
#[case::bare_exponent("1e", not_a_number("1e"))]
#[case::exponent_sign_only("1e+", not_a_number("1e+"))]
#[case::exponent_without_mantissa("e5", not_a_number("e5"))]
#[case::five_digit_exponent("1e00001", not_a_number("1e00001"))]
#[case::fractional_exponent("1e1.5", not_a_number("1e1.5"))]
#[case::point_only(".", not_a_number("."))]
#[case::minus_only("-", not_a_number("-"))]
#[case::plus_only("+", not_a_number("+"))]
#[case::point_exponent(".e5", not_a_number(".e5"))]
#[case::currency("$5", not_a_number("$5"))]
#[case::unicode_minus("\u{2212}5", not_a_number("\u{2212}5"))]
#[case::fullwidth_digit("\u{ff11}", not_a_number("\u{ff11}"))]
#[case::nul("\u{0}1", BalanceError::ControlCharacter)]
#[case::inner_newline("1\n2", BalanceError::ControlCharacter)]
#[case::inner_tab("1\t2", BalanceError::ControlCharacter)]
#[case::escape("\u{1b}[31m5", BalanceError::ControlCharacter)]
#[case::huge_exponent("1e400", BalanceError::TooLarge)]
#[case::tiny_exponent("1e-400", BalanceError::TooSmall)]
#[case::just_too_large("1E+126", BalanceError::TooLarge)]
#[case::negative_too_large("-1E+126", BalanceError::TooLarge)]
#[case::carried_too_large("99.99999999999999999999999999999999999E+125", BalanceError::TooLarge)]
#[case::just_too_small("9.9999999999999999999999999999999999999E-131", BalanceError::TooSmall)]
#[case::negative_too_small("-0.5E-130", BalanceError::TooSmall)]
#[case::digits_39(
    "123456789012345678901234567890123456789",
    BalanceError::TooManyDigits { digits: 39 }
)]
#[case::digits_39_fraction(
    "-0.000123456789012345678901234567890123456789",
    BalanceError::TooManyDigits { digits: 39 }
)]
#[case::digits_41_with_zeros(
    "1000000000000000000000000000000000000000.1",
    BalanceError::TooManyDigits { digits: 41 }
)]
#[case::too_long_201(&"0".repeat(201), BalanceError::TooLong)]
fn bad_input_is_refused(#[case] input: &str, #[case] expected: BalanceError) {
    assert_eq!(Balance::parse(input), Err(expected));
    assert_eq!(input.parse::<Balance>().err(), Balance::parse(input).err());
}

#[test]
fn megabyte_paste_is_refused_quickly() {
    let paste = "1".repeat(1 << 20);
    let start = std::time::Instant::now();
    let result = Balance::parse(&paste);
    let elapsed = start.elapsed();
    assert_eq!(result, Err(BalanceError::TooLong));
    assert_eq!(result.map_err(|e| e.to_string()), Err("too long to be a number".to_owned()));
    assert!(elapsed < std::time::Duration::from_millis(5), "took {elapsed:?}");
}

#[rstest]
#[case("", "enter a number")]
#[case("1,000", "no thousands separators: write 1000")]
#[case("1 000", "no thousands separators: write 1000")]
#[case("1,5", "use a point for decimals: write 1.5")]
#[case("Infinity", "NaN and infinity are not numbers DynamoDB can store")]
#[case("--5", "only one leading sign")]
#[case("12a", "\"12a\" is not a number")]
#[case(&format!("{}x", "1".repeat(150)), "\"11111111111111111111111…\" is not a number")]
#[case(
    "123456789012345678901234567890123456789",
    "39 significant digits: DynamoDB keeps at most 38"
)]
#[case(
    "1e400",
    "too large: DynamoDB numbers go up to 9.9999999999999999999999999999999999999E+125"
)]
#[case("1e-400", "too small: the smallest non-zero DynamoDB number is 1E-130")]
#[case("1\n2", "control characters (such as newlines) are not allowed in a number")]
fn errors_read_well(#[case] input: &str, #[case] message: &str) {
    let error = Balance::parse(input).err().map(|e| e.to_string());
    assert_eq!(error.as_deref(), Some(message));
    let boxed: Box<dyn std::error::Error> = Box::new(BalanceError::Empty);
    assert_eq!(boxed.to_string(), "enter a number");
}

#[rstest]
#[case("0", "0")]
#[case("-0", "0")]
#[case("+0.000e-5", "0")]
#[case("0e9999", "0")]
#[case("0.10", "0.1")]
#[case("1E-1", "0.1")]
#[case("1E+2", "100")]
#[case("1e2", "100")]
#[case("-0.5", "-0.5")]
#[case("+7", "7")]
#[case(" 12.50 ", "12.5")]
#[case("\t12.50\n", "12.5")]
#[case(".5", "0.5")]
#[case("5.", "5")]
#[case("007", "7")]
#[case("12.34", "12.34")]
#[case("0.000001", "0.000001")]
#[case("1e-6", "0.000001")]
#[case("100", "100")]
#[case("1E0001", "10")]
#[case("1000000000000000000000000000000000000000000", "1E+42")]
#[case("1E+39", "1000000000000000000000000000000000000000")]
#[case("1E+40", "1E+40")]
#[case("1E-38", "0.00000000000000000000000000000000000001")]
#[case("1E-39", "1E-39")]
#[case("1.5E+100", "1.5E+100")]
#[case("-12345E-124", "-1.2345E-120")]
#[case("12345678901234567890123456789012345678", "12345678901234567890123456789012345678")]
#[case("-0.12345678901234567890123456789012345678", "-0.12345678901234567890123456789012345678")]
#[case("1234567890123456789012345678901234567.8", "1234567890123456789012345678901234567.8")]
#[case("0.000100", "0.0001")]
#[case(MAX, MAX)]
#[case(
    "-9.9999999999999999999999999999999999999E+125",
    "-9.9999999999999999999999999999999999999E+125"
)]
#[case("1E-130", "1E-130")]
#[case("-1E-130", "-1E-130")]
#[case("0.00001E-125", "1E-130")]
#[case(
    "9.9999999999999999999999999999999999999E-130",
    "9.9999999999999999999999999999999999999E-130"
)]
fn good_input_has_canonical_text(#[case] input: &str, #[case] canonical: &str) {
    let balance = b(input);
    assert_eq!(balance.to_string(), canonical);
    assert_eq!(format!("{balance:?}"), canonical);
    assert_eq!(Balance::parse(canonical), Ok(balance));
    assert_eq!(Balance::from_bigdecimal(&balance.to_bigdecimal()), Ok(balance));
    assert_eq!(balance.to_bigdecimal(), bd(input.trim()));
}

#[rstest]
#[case("0", 0, 0, 0)]
#[case("0.10", 1, -1, 1)]
#[case("1E+2", 1, 2, 1)]
#[case("100", 1, 2, 1)]
#[case("-12.50", -125, -1, 3)]
#[case("0.000100", 1, -4, 1)]
#[case("1000000000000000000000000000000000000000000", 1, 42, 1)]
#[case("12345678901234567890123456789012345678", 12345678901234567890123456789012345678, 0, 38)]
#[case(
    "-0.12345678901234567890123456789012345678",
    -12345678901234567890123456789012345678,
    -38,
    38
)]
#[case(MAX, 99999999999999999999999999999999999999, 88, 38)]
#[case("1E-130", 1, -130, 1)]
fn representation_is_normalised(
    #[case] input: &str,
    #[case] coefficient: i128,
    #[case] exponent: i16,
    #[case] digits: u32,
) {
    let balance = b(input);
    assert_eq!(balance.coefficient(), coefficient);
    assert_eq!(balance.exponent(), exponent);
    assert_eq!(balance.significant_digits(), digits);
    assert_eq!(balance.is_zero(), coefficient == 0);
    assert_eq!(balance.is_negative(), coefficient < 0);
}

#[test]
fn equal_values_are_identical() {
    use std::collections::HashSet;
    let same = ["0.10", "0.1", "1E-1", "+.1", "00.1000", "10e-2"];
    let set: HashSet<Balance> = same.iter().map(|s| b(s)).collect();
    assert_eq!(set.len(), 1);
    assert_eq!(b("1E+2"), b("100"));
    assert_eq!(b("-0"), Balance::ZERO);
    assert_eq!(-Balance::ZERO, Balance::ZERO);
    assert_eq!(-b("1.5"), b("-1.5"));
}

#[test]
fn display_honours_width_and_sign_flags() {
    assert_eq!(format!("{:>8}", b("-12.5")), "   -12.5");
    assert_eq!(format!("{:<6}|", b("1.5")), "1.5   |");
    assert_eq!(format!("{:+}", b("1.5")), "+1.5");
    assert_eq!(format!("{:08}", b("-12.5")), "-00012.5");
}

#[rstest]
#[case("-0.5", "0")]
#[case("0", "0.1")]
#[case("0.1", "1E+2")]
#[case("-0.5", "1E+2")]
#[case("-1E+2", "-0.5")]
#[case("-1E+100", "-1E-100")]
#[case("1E-100", "1E+100")]
#[case("1E-130", "2E-130")]
#[case("0.99", "1")]
#[case("0.999999", "1.1")]
#[case("9", "10")]
#[case("99", "100")]
#[case("1.9", "1.95")]
#[case("-1.95", "-1.9")]
#[case("12345678901234567890123456789012345677", "12345678901234567890123456789012345678")]
#[case("-0.12345678901234567890123456789012345679", "-0.12345678901234567890123456789012345678")]
#[case("1.2345678901234567890123456789012345678", "1.2345678901234567890123456789012345679")]
#[case("1.2345678901234567890123456789012345678", "1.23456789012345678901234567890123457")]
#[case("9.9999999999999999999999999999999999998E+125", MAX)]
#[case("-9.9999999999999999999999999999999999999E+125", "-1E-130")]
#[case("1", "99999999999999999999999999999999999999E+1")]
#[case("99999999999999999999999999999999999999", "1E+38")]
#[case("-1E+38", "-99999999999999999999999999999999999999")]
#[case("99999999999999999999999999999999999999E-167", "1E-128")]
fn order_is_numeric(#[case] smaller: &str, #[case] larger: &str) {
    let (smaller, larger) = (b(smaller), b(larger));
    assert!(smaller < larger, "{smaller} < {larger}");
    assert!(larger > smaller, "{larger} > {smaller}");
    assert_eq!(smaller.cmp(&larger), Ordering::Less);
    assert_eq!(smaller.max(larger), larger);
    assert_eq!(smaller.min(larger), smaller);
}

#[test]
fn equal_values_compare_equal() {
    assert_eq!(b("0.1").cmp(&b("0.10")), Ordering::Equal);
    assert_eq!(b("-0").cmp(&b("0")), Ordering::Equal);
    let mut sorted: Vec<Balance> =
        ["1E+2", "0.10", "-0.5", "0", "0.1", "-1E+2"].iter().map(|s| b(s)).collect();
    sorted.sort();
    let texts: Vec<String> = sorted.iter().map(Balance::to_string).collect();
    assert_eq!(texts, ["-100", "-0.5", "0", "0.1", "0.1", "100"]);
}

/// A tiny deterministic pseudo-random generator (Knuth's MMIX LCG).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 11
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }

    fn range(&mut self, low: i64, high: i64) -> i64 {
        low + self.below((high - low + 1) as u64) as i64
    }

    fn digits(&mut self, count: u32) -> u128 {
        (0..count).fold(0u128, |acc, _| acc * 10 + u128::from(self.below(10)))
    }

    fn balance(&mut self) -> Balance {
        if self.below(10) == 0 {
            return Balance::ZERO;
        }
        let digits = if self.below(2) == 0 { self.range(1, 4) } else { self.range(1, 38) };
        let mut magnitude = self.digits(digits as u32);
        if magnitude == 0 {
            magnitude = 1;
        }
        let exponent = if self.below(2) == 0 {
            self.range(-6, 3)
        } else {
            self.range(MIN_ADJUSTED, MAX_ADJUSTED) - digits + 1
        };
        let exponent = exponent.clamp(MIN_ADJUSTED, MAX_ADJUSTED - digits + 1);
        match Balance::from_magnitude(self.below(2) == 0, magnitude, exponent) {
            Ok(balance) => balance,
            Err(error) => panic!("{magnitude}E{exponent}: {error}"),
        }
    }

    /// A value close to `base`: equal, a neighbour, or the same leading digit with a
    /// different exponent.
    fn near(&mut self, base: Balance) -> Balance {
        let magnitude = base.coefficient.unsigned_abs();
        let exponent = i64::from(base.exponent());
        let negative = base.is_negative() != (self.below(8) == 0);
        let candidate = match self.below(4) {
            0 => Balance::from_magnitude(negative, magnitude, exponent),
            1 => Balance::from_magnitude(negative, magnitude + 1, exponent),
            2 => Balance::from_magnitude(negative, magnitude.saturating_sub(1), exponent),
            _ => match magnitude.checked_mul(10) {
                Some(shifted) => Balance::from_magnitude(
                    negative,
                    shifted + u128::from(self.below(10)),
                    exponent - 1,
                ),
                None => Ok(base),
            },
        };
        candidate.unwrap_or(base)
    }
}

#[test]
fn order_matches_bigdecimal_for_random_pairs() {
    let mut rng = Lcg(0x5eed);
    let mut orderings = [0usize; 3];
    for i in 0..4000 {
        let a = rng.balance();
        let other = if i % 2 == 0 { rng.balance() } else { rng.near(a) };
        for (x, y) in [(a, other), (other, a)] {
            let expected = x.to_bigdecimal().cmp(&y.to_bigdecimal());
            assert_eq!(x.cmp(&y), expected, "{x} vs {y}");
            assert_eq!(x == y, expected == Ordering::Equal, "{x} vs {y}");
            orderings[(expected as i8 + 1) as usize] += 1;
        }
        assert_eq!(Balance::parse(&a.to_string()), Ok(a), "{a}");
        assert_eq!(Balance::from_bigdecimal(&a.to_bigdecimal()), Ok(a), "{a}");
        assert!(a.to_string().len() <= 45, "{a}");
    }
    assert!(orderings.iter().all(|&n| n > 100), "{orderings:?}");
}

#[rstest]
#[case("1.2300", "1.23")]
#[case("-0", "0")]
#[case("100e10", "1000000000000")]
#[case("100e40", "1E+42")]
#[case("1200E-63", "1.2E-60")]
#[case("0.0000000000000000000000000000000000000000000000000000000000012", "1.2E-60")]
#[case(MAX, MAX)]
#[case("1E-130", "1E-130")]
fn from_bigdecimal_normalises(#[case] input: &str, #[case] canonical: &str) {
    assert_eq!(
        Balance::from_bigdecimal(&bd(input)).map(|b| b.to_string()).as_deref(),
        Ok(canonical)
    );
}

#[rstest]
#[case("123456789012345678901234567890123456789", BalanceError::TooManyDigits { digits: 39 })]
#[case(
    "-1234567890123456789012345678901234567891E-50",
    BalanceError::TooManyDigits { digits: 40 }
)]
#[case("1E+126", BalanceError::TooLarge)]
#[case("1E-131", BalanceError::TooSmall)]
#[case("99.99999999999999999999999999999999999E+125", BalanceError::TooLarge)]
fn from_bigdecimal_refuses_like_parse(#[case] input: &str, #[case] expected: BalanceError) {
    assert_eq!(Balance::from_bigdecimal(&bd(input)), Err(expected.clone()));
    assert_eq!(Balance::parse(input), Err(expected));
}

#[rstest]
#[case("-1E+100000", BalanceError::TooLarge)]
#[case("1E-100000", BalanceError::TooSmall)]
#[case("1E+100000000000", BalanceError::TooLarge)]
fn from_bigdecimal_refuses_extreme_exponents(#[case] input: &str, #[case] expected: BalanceError) {
    assert_eq!(Balance::from_bigdecimal(&bd(input)), Err(expected));
    // The text grammar allows at most four exponent digits.
    assert_eq!(Balance::parse(input), Err(not_a_number(input)));
}

#[rstest]
#[case("0.1", "0.2", "0.3")]
#[case("0.1", "-0.1", "0")]
#[case("1E+2", "0.01", "100.01")]
#[case("-5", "2.5", "-2.5")]
#[case("0", "-7", "-7")]
#[case("-7", "0", "-7")]
#[case("99999999999999999999999999999999999999", "1", "1E+38")]
#[case("0.99999999999999999999999999999999999999", "0.00000000000000000000000000000000000001", "1")]
#[case(MAX, "-9.9999999999999999999999999999999999998E+125", "1E+88")]
#[case("1E+100", "-1E+100", "0")]
#[case("1E-130", "1E-130", "2E-130")]
fn checked_add_is_exact(#[case] a: &str, #[case] other: &str, #[case] sum: &str) {
    let (a, other, sum) = (b(a), b(other), b(sum));
    assert_eq!(a.checked_add(other), Ok(sum));
    assert_eq!(other.checked_add(a), Ok(sum));
    assert_eq!(sum.checked_sub(other), Ok(a));
    assert_eq!(sum.checked_sub(a), Ok(other));
}

#[rstest]
#[case(
    "99999999999999999999999999999999999999",
    "2",
    BalanceError::TooManyDigits { digits: 39 }
)]
#[case(
    "-12345678901234567890123456789012345678",
    "-0.1",
    BalanceError::TooManyDigits { digits: 39 }
)]
#[case("1E+100", "1E-100", BalanceError::TooManyDigits { digits: 201 })]
#[case("1E+100", "1", BalanceError::TooManyDigits { digits: 101 })]
#[case(MAX, "1E+88", BalanceError::TooLarge)]
#[case(MAX, MAX, BalanceError::TooLarge)]
#[case("-9.9999999999999999999999999999999999999E+125", "-1E+88", BalanceError::TooLarge)]
fn checked_add_refuses(#[case] a: &str, #[case] other: &str, #[case] expected: BalanceError) {
    let (a, other) = (b(a), b(other));
    assert_eq!(a.checked_add(other), Err(expected.clone()));
    assert_eq!(other.checked_add(a), Err(expected.clone()));
    assert_eq!(a.checked_sub(-other), Err(expected));
}

#[test]
fn checked_sub_underflow_is_too_small() {
    let a = b("1.1E-130");
    assert_eq!(a.checked_sub(b("1E-130")), Err(BalanceError::TooSmall));
    assert_eq!(a.checked_sub(a), Ok(Balance::ZERO));
}

#[rstest]
#[case(&["1234", "0.5"], "1234.5")]
#[case(&["0.25", "0.25"], "0.5")]
#[case(&["1E+2"], "100")]
#[case(&["-0.5", "0.25"], "-0.25")]
#[case(&[], "0")]
#[case(&["0.1", "-0.1"], "0")]
#[case(&[MAX, MAX], &format!("1{}8{}", "9".repeat(37), "0".repeat(88)))]
#[case(&["1E-130", "-1E-129"], &format!("-0.{}9", "0".repeat(129)))]
fn sum_prints_plain_total(#[case] inputs: &[&str], #[case] expected: &str) {
    let sum: Sum = inputs.iter().map(|s| b(s)).collect();
    assert_eq!(sum.to_string(), expected);
    assert_eq!(sum.total(), bd(expected));
}

#[test]
fn sum_matches_bigdecimal_over_mixed_exponents_and_spills() {
    let mut rng = Lcg(42);
    let mut sum = Sum::default();
    let mut expected = BigDecimal::from(0);
    let mut added = Vec::new();
    for i in 0..3000 {
        // Every third value is a 38-digit coefficient at one exponent, to force spills.
        let balance = if i % 3 == 0 {
            b("-99999999999999999999999999999999999999E-2")
        } else {
            rng.balance()
        };
        sum.add(balance);
        expected += balance.to_bigdecimal();
        added.push(balance);
    }
    assert!(!sum.spill.is_zero(), "the test should overflow an accumulator");
    assert_eq!(sum.total(), expected);

    let mut undone = sum.clone();
    for &balance in &added[1000..] {
        undone.sub(balance);
    }
    let first: Sum = added[..1000].iter().copied().collect();
    assert_eq!(undone.total(), first.total());
    for &balance in &added[..1000] {
        undone.sub(balance);
    }
    assert_eq!(undone.total(), BigDecimal::from(0));
    assert_eq!(undone.to_string(), "0");
}

#[test]
fn sum_sub_replaces_a_changed_balance() {
    let mut sum: Sum = ["10.50", "3", "0.25"].iter().map(|s| b(s)).collect();
    sum.sub(b("3"));
    sum.add(b("4.75"));
    assert_eq!(sum.to_string(), "15.5");
    assert_eq!(format!("{sum:>6}"), "  15.5");
}

#[test]
fn sort_prefix_orders_like_the_values() {
    let texts = [
        "-9.9999999999999999999999999999999999999E+125",
        "-1E+20",
        "-123456789012345678",
        "-123456789012345677",
        "-100",
        "-0.5",
        "-1E-130",
        "0",
        "1E-130",
        "0.000001",
        "0.1",
        "1",
        "1.5",
        "12.34",
        "100",
        "123456789012345",
        "1234567890123456",
        "1234567890123457",
        "1E+20",
        "12345678901234567890123456789012345678",
        "9.9999999999999999999999999999999999999E+125",
    ];
    let values: Vec<Balance> = texts.iter().map(|t| Balance::parse(t).expect(t)).collect();
    for (i, a) in values.iter().enumerate() {
        for b in &values[i + 1..] {
            let (ka, ea) = a.sort_prefix();
            let (kb, eb) = b.sort_prefix();
            assert!(ka <= kb, "{a} < {b} but keys {ka} > {kb}");
            if ea && eb {
                assert!(ka < kb, "{a} != {b} with exact keys must differ");
            }
        }
    }
    let (k1, e1) = Balance::parse("0.10").expect("n").sort_prefix();
    let (k2, e2) = Balance::parse("0.1").expect("n").sort_prefix();
    assert_eq!((k1, e1), (k2, e2));
    assert!(e1);
    assert!(!Balance::parse("1234567890123456").expect("n").sort_prefix().1);
}
