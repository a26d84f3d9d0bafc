//! Demo data: realistic wallet items, and the small deterministic generator behind them. No
//! IO: the only outside inputs are the clock ([`SmallRng::from_clock`], [`demo_wallet`]'s
//! timestamps) and the UUIDs of the user ids.
//!
//! Balances are built from integers (cents) and written as text: no `f64` anywhere near money.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_types::date_time::{DateTime, Format};

use crate::wallet::{BALANCE, USER_ID};

/// The currency attribute of a demo wallet.
pub const CURRENCY: &str = "currency";
/// The last-update attribute of a demo wallet (RFC 3339, UTC).
pub const UPDATED_AT: &str = "updated_at";
/// The currencies demo wallets are in.
pub const CURRENCIES: [&str; 4] = ["EUR", "USD", "GBP", "JPY"];

/// A demo wallet as an item, ready to put.
pub type DemoItem = HashMap<String, AttributeValue>;

/// A small, fast, deterministic pseudo-random generator (SplitMix64) for demo data and
/// backoff jitter. Not for anything secret.
#[derive(Debug, Clone)]
pub struct SmallRng {
    state: u64,
}

impl SmallRng {
    /// A generator that always produces the same sequence for the same seed.
    pub fn new(seed: u64) -> Self {
        SmallRng { state: seed }
    }

    /// A generator seeded from the clock (and a per-process counter, so two generators made
    /// in the same nanosecond still differ).
    pub fn from_clock() -> Self {
        static CALLS: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let call = CALLS.fetch_add(1, Ordering::Relaxed);
        let mut mixer = SmallRng::new(nanos as u64 ^ (nanos >> 64) as u64);
        SmallRng::new(mixer.next_u64() ^ call.wrapping_mul(0xD1B5_4A32_D192_ED03))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (0 when `bound` is 0). Lemire's multiply-shift: the bias is
    /// below `bound / 2^64`, far too small to matter for demo data.
    pub fn below(&mut self, bound: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(bound)) >> 64) as u64
    }
}

/// One realistic wallet item, about 100 bytes:
///
/// - `user_id` (S): a fresh UUID v4 from the operating system's randomness, so keys never
///   repeat, whatever the generator's seed;
/// - `balance` (N): two decimal places, built from integer cents: mostly in `[0, 10000)`,
///   about 8 % exactly zero and about 2 % large (up to a billion); never negative; whole
///   units for JPY, which has no minor unit;
/// - `currency` (S): EUR, USD, GBP or JPY;
/// - `updated_at` (S): an RFC 3339 UTC timestamp within the last year.
pub fn demo_wallet(rng: &mut SmallRng) -> DemoItem {
    let currency = match rng.below(100) {
        0..40 => "EUR",
        40..75 => "USD",
        75..90 => "GBP",
        _ => "JPY",
    };
    let mut cents = match rng.below(100) {
        0..8 => 0,
        8..98 => rng.below(1_000_000),
        _ => 1_000_000 + rng.below(100_000_000_000),
    };
    if currency == "JPY" {
        cents -= cents % 100;
    }
    let balance = format!("{}.{:02}", cents / 100, cents % 100);

    const YEAR_SECS: u64 = 365 * 24 * 60 * 60;
    let now = DateTime::from(SystemTime::now()).secs();
    let ago = i64::try_from(rng.below(YEAR_SECS)).unwrap_or(0);
    let updated_at = DateTime::from_secs(now - ago)
        .fmt(Format::DateTime)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_string());

    HashMap::from([
        (USER_ID.to_string(), AttributeValue::S(uuid::Uuid::new_v4().to_string())),
        (BALANCE.to_string(), AttributeValue::N(balance)),
        (CURRENCY.to_string(), AttributeValue::S(currency.to_string())),
        (UPDATED_AT.to_string(), AttributeValue::S(updated_at)),
    ])
}

/// `size` demo wallets ([`demo_wallet`]), no user_id twice (BatchWriteItem refuses a batch
/// with a repeated key).
pub fn demo_batch(rng: &mut SmallRng, size: usize) -> Vec<DemoItem> {
    let mut seen = HashSet::with_capacity(size);
    let mut batch = Vec::with_capacity(size);
    while batch.len() < size {
        let item = demo_wallet(rng);
        let key = item.get(USER_ID).and_then(|v| v.as_s().ok()).cloned();
        if key.is_some_and(|key| seen.insert(key)) {
            batch.push(item);
        }
    }
    batch
}

#[cfg(test)]
mod tests;
