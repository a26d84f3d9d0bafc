//! DynamoDB item sizes and the capacity units that reading and writing them consume.
//!
//! # Sources
//!
//! * AWS developer guide, **"DynamoDB item sizes and formats"** (`CapacityUnitCalculations`):
//!   the size of an item is the sum of the sizes of its attributes, each being
//!   (UTF-8 bytes of the attribute name) + (size of the value), where the value is
//!   - S: its UTF-8 bytes;
//!   - N: "approximately (1 byte per two significant digits) + (1 byte)", leading and
//!     trailing zeros trimmed, up to 38 significant digits (see [`number_size`] for the exact
//!     rule implemented, which the page only approximates);
//!   - B: its raw bytes (not the base64 text);
//!   - BOOL and NULL: 1 byte;
//!   - L and M: 3 bytes of overhead "regardless of its contents" + the sizes of the nested
//!     elements, and "each List or Map element also requires 1 byte of overhead"; a map
//!     element's key counts as an attribute name (its UTF-8 bytes);
//!   - SS, NS, BS: the page says nothing; sets are the sum of their elements' sizes, with no
//!     overhead (this is what DynamoDB Local 3.3.0 reports, see below).
//!
//!   The per-item storage overhead (100 bytes for indexing, more for global tables) on the
//!   same page counts for storage billing only, not for capacity units, and is not included.
//! * AWS developer guide, **"DynamoDB read and write operations"**: a strongly consistent
//!   read of up to 4 KB costs 1 read unit, an eventually consistent one half of that; item
//!   sizes for reads are rounded up to the next 4 KB; GetItem on an item that does not exist
//!   still consumes read capacity; Query and Scan add up the sizes of all the items they
//!   read and round the sum, not each item, up to the next 4 KB; a write of up to 1 KB costs
//!   1 write unit, larger items are rounded up to the next 1 KB.
//! * AWS developer guide, **"Constraints in Amazon DynamoDB"**: "1 KB = 1024 bytes,
//!   1 MB = 1024 KB".
//! * DynamoDB API reference, **Query** and **Scan**: a request reads at most 1 MB of data;
//!   "Queries that do not return results consume the minimum number of read capacity units
//!   for that type of read operation".
//!
//! # Checked against DynamoDB Local 3.3.0
//!
//! Every size rule here was measured with DynamoDB Local 3.3.0 (`ReturnConsumedCapacity`
//! on PutItem around the 1024-byte boundary), and every example in the tests agrees with
//! it, including the number encoding the guide only approximates. Two known differences:
//! * a Scan page that reads nothing (an empty table) is reported as 0 units by DynamoDB
//!   Local, whereas the Query/Scan reference above charges the minimum (1 strong, 0.5
//!   eventual); this module follows the reference;
//! * transactional reads and writes (twice the units) are not modelled here.

use crate::wallet::AttrValue;

/// One read capacity unit covers up to 4 KB = 4096 bytes (strongly consistent).
pub const READ_UNIT_BYTES: u64 = 4096;

/// One write capacity unit covers up to 1 KB = 1024 bytes.
pub const WRITE_UNIT_BYTES: u64 = 1024;

/// A single Scan or Query request reads at most 1 MB = 1,048,576 bytes of items.
pub const PAGE_LIMIT_BYTES: u64 = 1024 * 1024;

/// Overhead of an L or M value, whatever its contents.
const DOCUMENT_OVERHEAD: u64 = 3;

/// Overhead of each element of an L or M value.
const ELEMENT_OVERHEAD: u64 = 1;

/// Size of a BOOL or NULL value.
const FLAG_SIZE: u64 = 1;

/// Largest encoded number: 1 exponent byte + 20 base-100 digit bytes (38 significant digits
/// not aligned on a digit pair span 20 pairs). A negative number's terminator byte is only
/// added below this size; longer texts would be rejected by DynamoDB.
const MAX_NUMBER_SIZE: u64 = 21;

/// How a read is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Consistency {
    /// A strongly consistent read (`ConsistentRead: true`): 1 unit per 4 KB.
    Strong,
    /// An eventually consistent read (the default): half a unit per 4 KB.
    Eventual,
}

impl Consistency {
    /// Read units charged for one 4 KB block.
    fn units_per_block(self) -> f64 {
        match self {
            Consistency::Strong => 1.0,
            Consistency::Eventual => 0.5,
        }
    }
}

/// Size in bytes of a DynamoDB number given as decimal text (such as `"12.5"`, `"-7"`,
/// `"1E+2"`), not counting its attribute name.
///
/// "DynamoDB item sizes and formats" only says "approximately (1 byte per two significant
/// digits) + (1 byte)", with leading and trailing zeros trimmed. The exact rule, which
/// matches every case measured with DynamoDB Local 3.3.0, is a base-100 encoding: the
/// significant digits are grouped in pairs aligned on the decimal point (units and tens
/// form one pair, tenths and hundredths the next, ...), so
///
/// * size = (number of digit pairs touched by the significant digits) + 1 exponent byte,
/// * + 1 terminator byte for a negative number, unless that would exceed 21 bytes,
/// * zero (including `"-0"`, `"0.000"`) is 1 byte.
///
/// So `"15"` is 2 bytes but `"1.5"` (pairs `01|50`) and `"150"` (`01|50`) are 3, where the
/// guide's formula gives 2; `"-12.345"` is 5 (`12|34|50` + exponent + sign).
///
/// Text that is not a decimal number (DynamoDB would have rejected it) falls back to the
/// guide's approximation over its ASCII digits, never panicking. No result exceeds 21
/// bytes (DynamoDB rejects numbers of more than 38 significant digits).
pub fn number_size(decimal_text: &str) -> u64 {
    match parse_decimal(decimal_text) {
        Some(Decimal::Zero) => 1,
        Some(Decimal::NonZero { negative, pairs }) => {
            pairs.saturating_add(1 + u64::from(negative)).min(MAX_NUMBER_SIZE)
        }
        None => approximate_number_size(decimal_text).min(MAX_NUMBER_SIZE),
    }
}

/// Size in bytes of a value, not counting the name of the attribute that holds it
/// (but counting the keys of a map's elements, which are attribute names).
///
/// Rules from "DynamoDB item sizes and formats": S its UTF-8 bytes, N see [`number_size`],
/// B its raw bytes, BOOL and NULL 1 byte, L and M 3 bytes + 1 byte per element + the
/// elements (and for M the UTF-8 bytes of each key), sets the sum of their elements.
pub fn value_size(v: &AttrValue) -> u64 {
    match v {
        AttrValue::S(s) => byte_len(s.as_bytes()),
        AttrValue::N(n) => number_size(n),
        AttrValue::B(b) => byte_len(b),
        AttrValue::Bool(_) | AttrValue::Null => FLAG_SIZE,
        AttrValue::Ss(set) => set.iter().map(|s| byte_len(s.as_bytes())).sum(),
        AttrValue::Ns(set) => set.iter().map(|n| number_size(n)).sum(),
        AttrValue::Bs(set) => set.iter().map(|b| byte_len(b)).sum(),
        AttrValue::L(list) => {
            DOCUMENT_OVERHEAD + list.iter().map(|e| ELEMENT_OVERHEAD + value_size(e)).sum::<u64>()
        }
        AttrValue::M(map) => {
            DOCUMENT_OVERHEAD
                + map
                    .iter()
                    .map(|(k, e)| ELEMENT_OVERHEAD + byte_len(k.as_bytes()) + value_size(e))
                    .sum::<u64>()
        }
    }
}

/// Size in bytes of an item: for every attribute, the UTF-8 bytes of its name plus
/// [`value_size`] of its value ("DynamoDB item sizes and formats"). Top-level attributes
/// have no per-element overhead.
pub fn item_size<'a>(attrs: impl IntoIterator<Item = (&'a str, &'a AttrValue)>) -> u64 {
    attrs.into_iter().map(|(name, value)| byte_len(name.as_bytes()) + value_size(value)).sum()
}

/// Read units consumed by reading one item of `item_bytes` with GetItem.
///
/// The size is rounded up to the next 4 KB ([`READ_UNIT_BYTES`]): strongly consistent
/// reads cost 1 unit per 4 KB block, eventually consistent reads half of that. A missing or
/// empty item still costs one block: 1 strong, 0.5 eventual ("DynamoDB read and write
/// operations"). So 4096 bytes cost 1 / 0.5 and 4097 bytes cost 2 / 1.
///
/// (BatchGetItem charges each item like this, separately.)
pub fn read_units(item_bytes: u64, consistency: Consistency) -> f64 {
    blocks(item_bytes, READ_UNIT_BYTES) as f64 * consistency.units_per_block()
}

/// Write units consumed by writing an item of `item_bytes` (PutItem, UpdateItem, DeleteItem):
/// 1 unit per 1 KB ([`WRITE_UNIT_BYTES`]), rounded up, at least 1 even for a missing item.
///
/// For an update or an overwrite, pass the larger of the item's sizes before and after
/// the write (DynamoDB charges the larger image).
pub fn write_units(item_bytes: u64) -> f64 {
    blocks(item_bytes, WRITE_UNIT_BYTES) as f64
}

/// Write units a transactional write of an item of `item_bytes` consumes
/// (TransactWriteItems): twice [`write_units`], 2 per KB. Every wallet write of this app is
/// one; a transfer writes two items.
pub fn transactional_write_units(item_bytes: u64) -> f64 {
    2.0 * write_units(item_bytes)
}

/// Read units consumed by one Scan or Query page that read items totalling
/// `total_bytes_in_page` (all the items read, before any filter expression).
///
/// The total of the page, not each item, is rounded up to the next 4 KB: 100 items of
/// 100 bytes = 10,000 bytes cost 3 units strongly consistent (1.5 eventually), not 100.
/// A page that reads nothing costs the minimum, 1 strong / 0.5 eventual (API reference
/// for Query: "Queries that do not return results consume the minimum number of read
/// capacity units"). DynamoDB Local 3.3.0 reports 0 for such a page instead.
pub fn scan_page_read_units(total_bytes_in_page: u64, consistency: Consistency) -> f64 {
    read_units(total_bytes_in_page, consistency)
}

/// Predicted read units of a full Scan of a table whose items total `table_size_bytes`,
/// read in pages of about 1 MB ([`PAGE_LIMIT_BYTES`]), each page charged as by
/// [`scan_page_read_units`].
///
/// A page stops at the first item that brings its total to 1 MB or more, so a page other
/// than the last one holds 1 MB plus part of an item and costs one 4 KB block more than
/// 1 MB: 257 units strongly consistent, 128.5 eventually (as DynamoDB Local 3.3.0 reports,
/// and as is seen on DynamoDB). The model is therefore: `ceil(size / 1 MB)` pages, all but
/// the last costing 257 blocks, the last one `ceil(rest / 4 KB)` blocks, where the rest is
/// what remains after the whole megabytes. An empty table still costs one empty page.
///
/// Without the item sizes this is an estimate: when items end exactly on a 1 MB mark
/// the page costs 256 blocks, so the prediction can be one block too high per page (and
/// DynamoDB may also return an extra, empty page, charged at the minimum).
pub fn full_scan_read_units(table_size_bytes: u64, consistency: Consistency) -> f64 {
    let pages = table_size_bytes.div_ceil(PAGE_LIMIT_BYTES).max(1);
    let full_page_blocks = PAGE_LIMIT_BYTES / READ_UNIT_BYTES + 1;
    let last_page_bytes = table_size_bytes - (pages - 1) * PAGE_LIMIT_BYTES;
    let total_blocks = (pages - 1) * full_page_blocks + blocks(last_page_bytes, READ_UNIT_BYTES);
    total_blocks as f64 * consistency.units_per_block()
}

/// Number of `unit`-sized blocks needed for `bytes`, at least 1.
fn blocks(bytes: u64, unit: u64) -> u64 {
    bytes.div_ceil(unit).max(1)
}

/// Length of a byte slice as u64.
fn byte_len(bytes: &[u8]) -> u64 {
    // usize is at most 64 bits on every supported target.
    bytes.len() as u64
}

/// A parsed DynamoDB number, reduced to what its size depends on.
#[derive(Debug, PartialEq, Eq)]
enum Decimal {
    Zero,
    NonZero {
        negative: bool,
        /// Base-100 digit pairs (aligned on the decimal point) spanned by the significant
        /// digits.
        pairs: u64,
    },
}

/// Parses `[+-]digits[.digits][(e|E)[+-]digits]` (at least one mantissa digit).
fn parse_decimal(text: &str) -> Option<Decimal> {
    let (negative, rest) = split_sign(text);
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(at) => (&rest[..at], parse_exponent(&rest[at + 1..])?),
        None => (rest, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int_part.len() + frac_part.len() == 0 || !all_digits(int_part) || !all_digits(frac_part) {
        return None;
    }
    // The value is int_part frac_part × 10^(exponent - frac_len). Find the first and last
    // significant (non-zero) digits and the powers of ten they stand for.
    let digits: Vec<u8> = int_part.bytes().chain(frac_part.bytes()).collect();
    let count = i64::try_from(digits.len()).ok()?;
    let Some(first) = digits.iter().position(|&b| b != b'0') else {
        return Some(Decimal::Zero);
    };
    let last = digits.iter().rposition(|&b| b != b'0')?;
    let frac_len = i64::try_from(frac_part.len()).ok()?;
    // Power of ten of the digit at index i (0-based from the left).
    let power = |i: usize| -> Option<i64> {
        let i = i64::try_from(i).ok()?;
        exponent.checked_sub(frac_len)?.checked_add(count - 1 - i)
    };
    let high = power(first)?;
    let low = power(last)?;
    let pairs = high.div_euclid(2) - low.div_euclid(2) + 1;
    Some(Decimal::NonZero { negative, pairs: u64::try_from(pairs).ok()? })
}

/// Parses an exponent `[+-]digits`; `None` when malformed or out of i64 range.
fn parse_exponent(text: &str) -> Option<i64> {
    let (negative, digits) = split_sign(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let magnitude: i64 = digits.parse().ok()?;
    Some(if negative { -magnitude } else { magnitude })
}

/// Splits an optional leading `+` or `-` off `text`: (is negative, the rest).
fn split_sign(text: &str) -> (bool, &str) {
    if let Some(rest) = text.strip_prefix('-') {
        (true, rest)
    } else {
        (false, text.strip_prefix('+').unwrap_or(text))
    }
}

/// The guide's approximation, for text that does not parse: leading and trailing zeros
/// trimmed, 1 byte per two digits, plus 1 byte.
fn approximate_number_size(text: &str) -> u64 {
    let digits: Vec<u8> = text.bytes().filter(u8::is_ascii_digit).collect();
    let significant = digits
        .iter()
        .position(|&b| b != b'0')
        .zip(digits.iter().rposition(|&b| b != b'0'))
        .map_or(0, |(first, last)| last - first + 1);
    if significant == 0 {
        return 1;
    }
    (significant as u64).div_ceil(2) + 1
}

#[cfg(test)]
mod tests;
