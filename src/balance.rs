//! The exact money type: a DynamoDB number (type N) held as `coefficient × 10^exponent`.
//!
//! Money is never `f64`. DynamoDB keeps up to 38 significant digits, with magnitudes from
//! 1E-130 to 9.9999999999999999999999999999999999999E+125 (and zero); 38 digits fit in an
//! `i128`, so a [`Balance`] is small, `Copy` and exact. [`Sum`] adds up millions of them
//! exactly and quickly.

use std::cmp::Ordering;
use std::fmt::{self, Write as _};
use std::num::NonZeroU16;
use std::ops::Neg;
use std::str::FromStr;

use bigdecimal::BigDecimal;
use bigdecimal::num_bigint::{BigInt, Sign};

/// Most significant digits DynamoDB keeps.
const MAX_DIGITS: u32 = 38;
/// Largest allowed exponent of the leading digit (9.99…E+125).
const MAX_ADJUSTED: i64 = 125;
/// Smallest allowed exponent of the leading digit of a non-zero number (1E-130).
const MIN_ADJUSTED: i64 = -130;
/// Smallest stored exponent: a 38-digit coefficient whose leading digit sits at 1E-130.
const MIN_EXPONENT: i64 = MIN_ADJUSTED - (MAX_DIGITS as i64 - 1);
/// Largest stored exponent: a one-digit coefficient at 1E+125.
const MAX_EXPONENT: i64 = MAX_ADJUSTED;
/// Input longer than this (in bytes) is refused without being looked at.
const MAX_INPUT_LEN: usize = 200;
/// Plain notation is used while the magnitude's plain form is at most this many characters.
const MAX_PLAIN_LEN: i32 = 40;

/// Significant digits a [`Balance::sort_prefix`] keeps exactly.
pub const PREFIX_DIGITS: u32 = 15;

/// `POW10[n] == 10^n` for every shift two coefficients can need when they are aligned.
const POW10: [u128; 39] = {
    let mut table = [1u128; 39];
    let mut i = 1;
    while i < table.len() {
        table[i] = table[i - 1] * 10;
        i += 1;
    }
    table
};

/// An exact DynamoDB number: `coefficient × 10^exponent`, normalised (no trailing
/// zeros in the coefficient; zero is (0, 0)), so equal values have equal representations:
/// "0.10" == "0.1" == "1E-1", "1E+2" == "100", "-0" == "0".
///
/// Invariants: `|coefficient| < 10^38` and, unless zero, the leading digit's exponent
/// (`exponent + digits - 1`) lies in `-130..=125`.
///
/// Packed to 8-byte alignment with the exponent stored offset (never zero), so a balance
/// takes 24 bytes and `Option<Balance>` too (a million wallets hold one each).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[repr(C, packed(8))]
pub struct Balance {
    coefficient: i128,
    /// The exponent with its sign bit flipped: never zero, as exponents stay far from
    /// `i16::MIN`.
    stored_exponent: NonZeroU16,
}

/// `exponent` as [`Balance`] stores it.
const fn store_exponent(exponent: i16) -> NonZeroU16 {
    match NonZeroU16::new(exponent as u16 ^ 0x8000) {
        Some(stored) => stored,
        None => NonZeroU16::MIN, // i16::MIN: far outside DynamoDB's range, never built
    }
}

/// Why a text (or a computed value) is not a number DynamoDB can store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BalanceError {
    /// Nothing but whitespace was given.
    Empty,
    /// More than 200 bytes: refused without scanning.
    TooLong,
    /// A control character (NUL, newline, tab, ...) inside the number.
    ControlCharacter,
    /// "NaN", "inf" or "Infinity", in any case and with any sign.
    NotFinite,
    /// More than one leading sign, as in "--5" or "+-5".
    DoubleSign,
    /// Digit groups separated by `,`, `_`, `'` or a space, as in "1,000" or "1 000".
    ThousandsSeparator {
        /// The input with the separators removed.
        suggestion: String,
    },
    /// A single comma used as a decimal point, as in "1,5".
    DecimalComma {
        /// The input with the comma replaced by a point.
        suggestion: String,
    },
    /// Anything else that does not follow the number grammar, as in "12a" or "1.2.3".
    NotANumber {
        /// The (trimmed) input.
        text: String,
    },
    /// More than 38 significant digits.
    TooManyDigits {
        /// How many significant digits the number has.
        digits: u32,
    },
    /// Magnitude above 9.9999999999999999999999999999999999999E+125.
    TooLarge,
    /// Non-zero magnitude below 1E-130.
    TooSmall,
}

/// Characters of a refused text quoted back in its error message.
const QUOTED: usize = 24;

impl fmt::Display for BalanceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BalanceError::Empty => f.write_str("enter a number"),
            BalanceError::TooLong => f.write_str("too long to be a number"),
            BalanceError::ControlCharacter => {
                f.write_str("control characters (such as newlines) are not allowed in a number")
            }
            BalanceError::NotFinite => {
                f.write_str("NaN and infinity are not numbers DynamoDB can store")
            }
            BalanceError::DoubleSign => f.write_str("only one leading sign"),
            BalanceError::ThousandsSeparator { suggestion } => {
                write!(f, "no thousands separators: write {suggestion}")
            }
            BalanceError::DecimalComma { suggestion } => {
                write!(f, "use a point for decimals: write {suggestion}")
            }
            BalanceError::NotANumber { text } if text.chars().count() > QUOTED => {
                let head: String = text.chars().take(QUOTED - 1).collect();
                write!(f, "\"{head}…\" is not a number")
            }
            BalanceError::NotANumber { text } => write!(f, "\"{text}\" is not a number"),
            BalanceError::TooManyDigits { digits } => {
                write!(f, "{digits} significant digits: DynamoDB keeps at most {MAX_DIGITS}")
            }
            BalanceError::TooLarge => f.write_str(
                "too large: DynamoDB numbers go up to 9.9999999999999999999999999999999999999E+125",
            ),
            BalanceError::TooSmall => {
                f.write_str("too small: the smallest non-zero DynamoDB number is 1E-130")
            }
        }
    }
}

impl std::error::Error for BalanceError {}

/// A syntactically valid number, not yet checked against DynamoDB's limits.
struct Parts<'a> {
    negative: bool,
    int: &'a [u8],
    frac: &'a [u8],
    exp: i32,
}

/// The strict grammar: `[+-]digits[.digits][(e|E)[+-]d{1,4}]` with at least one mantissa
/// digit. `None` when `text` does not match.
fn scan(text: &str) -> Option<Parts<'_>> {
    let bytes = text.as_bytes();
    let (negative, rest) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, bytes),
    };
    let (int, rest) = rest.split_at(leading_digits(rest));
    let (frac, rest) = match rest.split_first() {
        Some((b'.', rest)) => rest.split_at(leading_digits(rest)),
        _ => (&rest[..0], rest),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let exp = match rest.split_first() {
        None => 0,
        Some((b'e' | b'E', rest)) => {
            let (negative_exp, digits) = match rest.split_first() {
                Some((b'-', digits)) => (true, digits),
                Some((b'+', digits)) => (false, digits),
                _ => (false, rest),
            };
            if digits.is_empty() || digits.len() > 4 || leading_digits(digits) != digits.len() {
                return None;
            }
            let value = digits.iter().fold(0i32, |acc, d| acc * 10 + i32::from(d - b'0'));
            if negative_exp { -value } else { value }
        }
        Some(_) => return None,
    };
    Some(Parts { negative, int, frac, exp })
}

/// How many ASCII digits `bytes` starts with.
fn leading_digits(bytes: &[u8]) -> usize {
    bytes.iter().take_while(|b| b.is_ascii_digit()).count()
}

/// Checks DynamoDB's limits for a non-zero number whose leading digit has exponent
/// `adjusted` and which has `digits` significant digits. Range is checked first.
fn check_limits(adjusted: i64, digits: u64) -> Result<(), BalanceError> {
    if adjusted > MAX_ADJUSTED {
        Err(BalanceError::TooLarge)
    } else if adjusted < MIN_ADJUSTED {
        Err(BalanceError::TooSmall)
    } else if digits > u64::from(MAX_DIGITS) {
        Err(BalanceError::TooManyDigits { digits: u32::try_from(digits).unwrap_or(u32::MAX) })
    } else {
        Ok(())
    }
}

/// Number of decimal digits of a non-zero magnitude.
fn digit_count(magnitude: u128) -> u32 {
    magnitude.checked_ilog10().map_or(1, |log| log + 1)
}

/// A fixed-size, stack-allocated string for formatting without allocating.
struct StackStr<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> StackStr<N> {
    fn new() -> Self {
        StackStr { buf: [0; N], len: 0 }
    }

    fn as_str(&self) -> Result<&str, fmt::Error> {
        let bytes = self.buf.get(..self.len).ok_or(fmt::Error)?;
        std::str::from_utf8(bytes).map_err(|_| fmt::Error)
    }

    fn push_zeros(&mut self, count: i32) -> fmt::Result {
        for _ in 0..count {
            self.write_str("0")?;
        }
        Ok(())
    }
}

impl<const N: usize> fmt::Write for StackStr<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(fmt::Error)?;
        self.buf.get_mut(self.len..end).ok_or(fmt::Error)?.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

impl Balance {
    /// Zero, the only value with coefficient 0 (there is no negative zero).
    pub const ZERO: Balance = Balance::raw(0, 0);

    /// A balance of these parts, as they are (already normalised and in range).
    const fn raw(coefficient: i128, exponent: i16) -> Balance {
        Balance { coefficient, stored_exponent: store_exponent(exponent) }
    }

    /// Parses a number typed by a user or read from DynamoDB, strictly.
    ///
    /// Surrounding whitespace is trimmed; then an optional single sign, digits with at most
    /// one `.` (at least one digit: ".5" and "5." are fine, "." is not) and an optional
    /// exponent `e`/`E` with an optional sign and 1 to 4 digits. The number must fit
    /// DynamoDB: at most 38 significant digits (leading and trailing zeros do not count) and
    /// a magnitude of zero or between 1E-130 and 9.99…E+125. Each refusal is a specific
    /// [`BalanceError`]; input longer than 200 bytes is refused without being scanned.
    pub fn parse(text: &str) -> Result<Balance, BalanceError> {
        if text.len() > MAX_INPUT_LEN {
            return Err(BalanceError::TooLong);
        }
        let text = text.trim();
        if text.is_empty() {
            return Err(BalanceError::Empty);
        }
        match scan(text) {
            Some(parts) => Balance::from_parts_text(&parts),
            None => Err(diagnose(text)),
        }
    }

    /// Converts scanned text to a balance, checking DynamoDB's limits.
    fn from_parts_text(parts: &Parts<'_>) -> Result<Balance, BalanceError> {
        let mut buf = [0u8; MAX_INPUT_LEN];
        let total = parts.int.len() + parts.frac.len();
        let digits = buf.get_mut(..total).ok_or(BalanceError::TooLong)?;
        let (int_part, frac_part) = digits.split_at_mut(parts.int.len());
        int_part.copy_from_slice(parts.int);
        frac_part.copy_from_slice(parts.frac);
        let digits = &*digits;

        let Some(first) = digits.iter().position(|&d| d != b'0') else {
            return Ok(Balance::ZERO);
        };
        let last = digits.iter().rposition(|&d| d != b'0').unwrap_or(first);
        // The digit at index i is worth 10^(exp - frac.len() + total - 1 - i).
        let units = i64::from(parts.exp) - parts.frac.len() as i64 + total as i64 - 1;
        let exponent = units - last as i64;
        let adjusted = units - first as i64;
        check_limits(adjusted, (last - first + 1) as u64)?;
        let magnitude = digits
            .get(first..=last)
            .unwrap_or_default()
            .iter()
            .fold(0u128, |acc, d| acc * 10 + u128::from(d - b'0'));
        Balance::from_magnitude(parts.negative, magnitude, exponent)
    }

    /// Builds a normalised balance from a sign, a magnitude and an exponent, checking
    /// DynamoDB's limits.
    fn from_magnitude(
        negative: bool,
        mut magnitude: u128,
        mut exponent: i64,
    ) -> Result<Balance, BalanceError> {
        if magnitude == 0 {
            return Ok(Balance::ZERO);
        }
        while magnitude.is_multiple_of(10) {
            magnitude /= 10;
            exponent += 1;
        }
        let digits = digit_count(magnitude);
        check_limits(exponent + i64::from(digits) - 1, u64::from(digits))?;
        // Both conversions hold after `check_limits`: |magnitude| < 10^38 and the exponent
        // lies in MIN_EXPONENT..=MAX_EXPONENT.
        let magnitude = i128::try_from(magnitude)
            .map_err(|_| BalanceError::TooManyDigits { digits: MAX_DIGITS + 1 })?;
        let exponent = i16::try_from(exponent).map_err(|_| {
            if exponent > 0 { BalanceError::TooLarge } else { BalanceError::TooSmall }
        })?;
        Ok(Balance::raw(if negative { -magnitude } else { magnitude }, exponent))
    }

    /// Whether this is zero.
    pub fn is_zero(&self) -> bool {
        self.coefficient == 0
    }

    /// Whether this is below zero.
    pub fn is_negative(&self) -> bool {
        self.coefficient < 0
    }

    /// The number of significant digits (1..=38; 0 for zero).
    pub fn significant_digits(&self) -> u32 {
        if self.coefficient == 0 { 0 } else { digit_count(self.coefficient().unsigned_abs()) }
    }

    /// The normalised coefficient: the value is `coefficient × 10^exponent` and the
    /// coefficient has no trailing zeros.
    pub fn coefficient(&self) -> i128 {
        self.coefficient
    }

    /// The normalised exponent (0 for zero).
    pub fn exponent(&self) -> i16 {
        (self.stored_exponent.get() ^ 0x8000) as i16
    }

    /// A 64-bit key that orders like the value, for sorting millions of
    /// balances without touching them again: `a < b` implies
    /// `a.sort_prefix().0 <= b.sort_prefix().0`. The flag says the key is exact
    /// (at most [`PREFIX_DIGITS`] significant digits); two exact keys are equal
    /// only for equal values. Inexact keys that tie need a full comparison.
    pub fn sort_prefix(self) -> (u64, bool) {
        const CLASS_SHIFT: u32 = 60;
        if self.coefficient == 0 {
            return (1 << CLASS_SHIFT, true);
        }
        let magnitude = self.coefficient().unsigned_abs();
        let digits = digit_count(magnitude);
        let adjusted = i64::from(self.exponent()) + i64::from(digits) - 1;
        // DynamoDB's range keeps the adjusted exponent within -130..=125.
        let exponent_bits = (adjusted + 131).clamp(0, 511) as u64;
        let (mantissa, exact) = if digits <= PREFIX_DIGITS {
            (magnitude * POW10[(PREFIX_DIGITS - digits) as usize], true)
        } else {
            (magnitude / POW10[(digits - PREFIX_DIGITS) as usize], false)
        };
        // mantissa < 10^15 < 2^50, so the magnitude fits in 59 bits.
        let magnitude_key = (exponent_bits << 50) | mantissa as u64;
        let key = if self.coefficient > 0 {
            (2 << CLASS_SHIFT) | magnitude_key
        } else {
            ((1u64 << 59) - 1) - magnitude_key
        };
        (key, exact)
    }

    /// The exact value as a [`BigDecimal`].
    pub fn to_bigdecimal(&self) -> BigDecimal {
        BigDecimal::new(BigInt::from(self.coefficient), -i64::from(self.exponent()))
    }

    /// The exact value of `value`, if DynamoDB can store it: refuses more than 38
    /// significant digits and magnitudes out of range, with the same errors as [`parse`].
    ///
    /// [`parse`]: Balance::parse
    pub fn from_bigdecimal(value: &BigDecimal) -> Result<Balance, BalanceError> {
        let (int, scale) = value.as_bigint_and_scale();
        if int.sign() == Sign::NoSign {
            return Ok(Balance::ZERO);
        }
        // The range depends only on the leading digit: check it before printing digits.
        let digits = i64::try_from(value.digits()).unwrap_or(i64::MAX);
        let adjusted = digits.saturating_sub(1).saturating_sub(scale);
        check_limits(adjusted, 1)?;
        let text = int.magnitude().to_string();
        let significant = text.trim_end_matches('0');
        let trailing = (text.len() - significant.len()) as i64;
        check_limits(adjusted, significant.len() as u64)?;
        let magnitude = significant
            .bytes()
            .fold(0u128, |acc, d| acc.saturating_mul(10).saturating_add(u128::from(d - b'0')));
        Balance::from_magnitude(int.sign() == Sign::Minus, magnitude, trailing - scale)
    }

    /// The exact sum, or an error if it needs more than 38 significant digits or leaves
    /// DynamoDB's range.
    pub fn checked_add(self, other: Balance) -> Result<Balance, BalanceError> {
        if other.is_zero() {
            return Ok(self);
        }
        if self.is_zero() {
            return Ok(other);
        }
        let (high, low) =
            if self.exponent() >= other.exponent() { (self, other) } else { (other, self) };
        let shift = usize::try_from(high.exponent() - low.exponent()).unwrap_or(usize::MAX);
        let aligned = POW10
            .get(shift)
            .and_then(|&p| i128::try_from(p).ok())
            .and_then(|p| high.coefficient().checked_mul(p))
            .and_then(|h| h.checked_add(low.coefficient));
        match aligned {
            Some(sum) => {
                Balance::from_magnitude(sum < 0, sum.unsigned_abs(), i64::from(low.exponent()))
            }
            None => Balance::from_bigdecimal(&(self.to_bigdecimal() + other.to_bigdecimal())),
        }
    }

    /// The exact difference, or an error if it needs more than 38 significant digits or
    /// leaves DynamoDB's range.
    pub fn checked_sub(self, other: Balance) -> Result<Balance, BalanceError> {
        self.checked_add(-other)
    }

    /// Compares magnitudes of two non-zero balances without allocating.
    fn cmp_magnitude(&self, other: &Balance) -> Ordering {
        let (a, b) = (self.coefficient().unsigned_abs(), other.coefficient().unsigned_abs());
        let shift = self.exponent().abs_diff(other.exponent());
        match self.exponent().cmp(&other.exponent()) {
            Ordering::Equal => a.cmp(&b),
            Ordering::Greater => cmp_scaled(a, shift, b),
            Ordering::Less => cmp_scaled(b, shift, a).reverse(),
        }
    }
}

/// Compares `a × 10^shift` with `b`, for `a ≥ 1` and `b < 10^38`: aligns the coefficients
/// when the product fits a `u128`; when it does not, `a × 10^shift ≥ 2^128 > 10^38 > b`.
/// (Equivalent to comparing leading-digit exponents first, without counting digits.)
fn cmp_scaled(a: u128, shift: u16, b: u128) -> Ordering {
    match POW10.get(usize::from(shift)).and_then(|&scale| a.checked_mul(scale)) {
        Some(scaled) => scaled.cmp(&b),
        // shift ≥ 39 (so a × 10^shift ≥ 10^39) or the product overflowed.
        None => Ordering::Greater,
    }
}

/// Picks the most helpful error for trimmed, non-empty text that does not match the grammar.
fn diagnose(text: &str) -> BalanceError {
    if text.chars().any(char::is_control) {
        return BalanceError::ControlCharacter;
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if ["nan", "inf", "infinity"].iter().any(|word| unsigned.eq_ignore_ascii_case(word)) {
        return BalanceError::NotFinite;
    }
    if text.starts_with(['-', '+']) && unsigned.starts_with(['-', '+']) {
        return BalanceError::DoubleSign;
    }
    let not_a_number = || BalanceError::NotANumber { text: text.to_owned() };
    let is_separator = |c: char| matches!(c, ',' | '_' | '\'') || c.is_whitespace();
    if !text.contains(is_separator) {
        return not_a_number();
    }
    // Separators count only between two digits, as in "1,000" or "1 000".
    let chars: Vec<char> = text.chars().collect();
    let between_digits = chars.iter().enumerate().all(|(i, &c)| {
        !is_separator(c)
            || (i > 0
                && chars.get(i - 1).is_some_and(char::is_ascii_digit)
                && chars.get(i + 1).is_some_and(char::is_ascii_digit))
    });
    let stripped: String = chars.iter().filter(|&&c| !is_separator(c)).collect();
    if !between_digits || scan(&stripped).is_none() {
        return not_a_number();
    }
    let separators: Vec<usize> = (0..chars.len()).filter(|&i| is_separator(chars[i])).collect();
    if let [comma] = separators[..]
        && chars[comma] == ','
        && !text.contains('.')
        && leading_digits(text.get(comma + 1..).unwrap_or_default().as_bytes()) != 3
    {
        return BalanceError::DecimalComma { suggestion: text.replacen(',', ".", 1) };
    }
    BalanceError::ThousandsSeparator { suggestion: stripped }
}

impl FromStr for Balance {
    type Err = BalanceError;

    /// Same as [`Balance::parse`].
    fn from_str(text: &str) -> Result<Balance, BalanceError> {
        Balance::parse(text)
    }
}

impl Neg for Balance {
    type Output = Balance;

    /// The same magnitude with the opposite sign (zero stays zero). Always representable.
    fn neg(self) -> Balance {
        Balance::raw(-self.coefficient(), self.exponent())
    }
}

impl Ord for Balance {
    /// Exact numeric order; never allocates.
    fn cmp(&self, other: &Balance) -> Ordering {
        // Same exponent (the common case for money, and always so for two zeros): the
        // coefficients compare directly, signs included.
        if self.exponent() == other.exponent() {
            return self.coefficient().cmp(&other.coefficient());
        }
        // Different exponents, so at most one is zero (zero's exponent is 0).
        let (a, b) = (self.coefficient().signum(), other.coefficient().signum());
        match a.cmp(&b) {
            Ordering::Equal if a < 0 => other.cmp_magnitude(self),
            Ordering::Equal => self.cmp_magnitude(other),
            unequal => unequal,
        }
    }
}

/// Balances travel (in the journal) as their canonical text, so no reader rounds them.
impl serde::Serialize for Balance {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Balance {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Balance::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl PartialOrd for Balance {
    fn partial_cmp(&self, other: &Balance) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Balance {
    /// The canonical text: plain notation ("100", "-0.5", "0.000001") while the magnitude's
    /// plain form is at most 40 characters, otherwise scientific ("1.5E+100", "-1.2E-120").
    /// Width, fill, alignment, `+` and `0` flags are honoured.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut digits = StackStr::<40>::new();
        write!(digits, "{}", self.coefficient().unsigned_abs())?;
        let digits = digits.as_str()?;
        let n = digits.len() as i32;
        let e = i32::from(self.exponent());
        let plain_len = if e >= 0 {
            n + e
        } else if n > -e {
            n + 1
        } else {
            2 - e
        };
        let mut out = StackStr::<48>::new();
        if plain_len <= MAX_PLAIN_LEN {
            if e >= 0 {
                out.write_str(digits)?;
                out.push_zeros(e)?;
            } else if n > -e {
                let (int, frac) = digits.split_at_checked((n + e) as usize).ok_or(fmt::Error)?;
                write!(out, "{int}.{frac}")?;
            } else {
                out.write_str("0.")?;
                out.push_zeros(-e - n)?;
                out.write_str(digits)?;
            }
        } else {
            let (lead, rest) = digits.split_at_checked(1).ok_or(fmt::Error)?;
            out.write_str(lead)?;
            if !rest.is_empty() {
                write!(out, ".{rest}")?;
            }
            write!(out, "E{:+}", e + n - 1)?;
        }
        f.pad_integral(self.coefficient >= 0, "", out.as_str()?)
    }
}

impl fmt::Debug for Balance {
    /// Same as Display.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// An exact running total over many balances, cheap to update.
///
/// Keeps one `i128` accumulator per exponent (balances with the same exponent add as plain
/// integers) and spills an accumulator into a [`BigDecimal`] only when it would overflow.
#[derive(Clone, Debug, Default)]
pub struct Sum {
    /// Accumulator for exponent `MIN_EXPONENT + index`; allocated on first use.
    slots: Vec<i128>,
    /// Whatever overflowed the accumulators.
    spill: BigDecimal,
}

impl Sum {
    /// Adds a balance to the total.
    pub fn add(&mut self, balance: Balance) {
        self.accumulate(balance.coefficient, balance.exponent());
    }

    /// Removes a balance from the total (for example the old balance of a changed wallet).
    pub fn sub(&mut self, balance: Balance) {
        self.accumulate(-balance.coefficient, balance.exponent());
    }

    /// Adds another running total to this one (totals of segments, merged).
    pub fn merge(&mut self, other: &Sum) {
        self.spill += &other.spill;
        for (index, &slot) in other.slots.iter().enumerate() {
            if slot != 0 {
                let exponent = i16::try_from(index as i64 + MIN_EXPONENT).unwrap_or(i16::MAX);
                self.accumulate(slot, exponent);
            }
        }
    }

    fn accumulate(&mut self, coefficient: i128, exponent: i16) {
        if self.slots.is_empty() {
            self.slots = vec![0; (MAX_EXPONENT - MIN_EXPONENT + 1) as usize];
        }
        let index = usize::try_from(i64::from(exponent) - MIN_EXPONENT).unwrap_or(usize::MAX);
        match self.slots.get_mut(index) {
            Some(slot) => match slot.checked_add(coefficient) {
                Some(sum) => *slot = sum,
                None => {
                    self.spill += scaled(*slot, i64::from(exponent));
                    *slot = coefficient;
                }
            },
            None => self.spill += scaled(coefficient, i64::from(exponent)),
        }
    }

    /// The exact total.
    pub fn total(&self) -> BigDecimal {
        let mut total = self.spill.clone();
        for (index, &slot) in self.slots.iter().enumerate() {
            if slot != 0 {
                total += scaled(slot, index as i64 + MIN_EXPONENT);
            }
        }
        total
    }
}

/// `coefficient × 10^exponent` as a BigDecimal.
fn scaled(coefficient: i128, exponent: i64) -> BigDecimal {
    BigDecimal::new(BigInt::from(coefficient), -exponent)
}

impl fmt::Display for Sum {
    /// The exact total in plain notation without trailing zeros, e.g. "1234.5".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.total().normalized().to_plain_string();
        let (nonnegative, magnitude) = match text.strip_prefix('-') {
            Some(magnitude) => (false, magnitude),
            None => (true, text.as_str()),
        };
        f.pad_integral(nonnegative, "", magnitude)
    }
}

impl Extend<Balance> for Sum {
    fn extend<I: IntoIterator<Item = Balance>>(&mut self, balances: I) {
        for balance in balances {
            self.add(balance);
        }
    }
}

impl FromIterator<Balance> for Sum {
    fn from_iter<I: IntoIterator<Item = Balance>>(balances: I) -> Sum {
        let mut sum = Sum::default();
        sum.extend(balances);
        sum
    }
}

#[cfg(test)]
mod tests;
