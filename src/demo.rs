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
mod tests {
    use super::*;
    use crate::balance::Balance;

    fn user_id(item: &DemoItem) -> String {
        match item.get(USER_ID).map(AttributeValue::as_s) {
            Some(Ok(id)) => id.clone(),
            other => panic!("no user_id in {item:?}: {other:?}"),
        }
    }

    #[test]
    fn the_generator_is_deterministic_and_bounded() {
        let mut a = SmallRng::new(7);
        let mut b = SmallRng::new(7);
        let first: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        assert_eq!(first, (0..5).map(|_| b.next_u64()).collect::<Vec<_>>());
        assert_ne!(SmallRng::from_clock().next_u64(), SmallRng::from_clock().next_u64());
        let mut seen = [0u32; 10];
        for _ in 0..10_000 {
            seen[a.below(10) as usize] += 1;
        }
        assert!(seen.iter().all(|&n| (800..1200).contains(&n)), "{seen:?}");
        assert_eq!(a.below(0), 0);
    }

    #[test]
    fn demo_wallets_look_real() {
        let mut rng = SmallRng::new(42);
        let (mut zeros, mut large) = (0, 0);
        let mut currencies = HashSet::new();
        for _ in 0..5000 {
            let item = demo_wallet(&mut rng);
            assert_eq!(item.len(), 4, "{item:?}");
            let id = item[USER_ID].as_s().expect("user_id is S");
            let uuid = uuid::Uuid::parse_str(id).expect("user_id is a UUID");
            assert_eq!(uuid.get_version_num(), 4, "{id}");
            let text = item[BALANCE].as_n().expect("balance is N");
            let balance = Balance::parse(text).expect("balance parses");
            assert!(!balance.is_negative(), "{text}");
            assert!(balance.exponent() >= -2, "more than two decimals: {text}");
            assert!(text.split_once('.').is_some_and(|(_, cents)| cents.len() == 2), "{text}");
            zeros += usize::from(balance.is_zero());
            large += usize::from(balance >= Balance::parse("10000").expect("10000"));
            let currency = item[CURRENCY].as_s().expect("currency is S");
            assert!(CURRENCIES.contains(&currency.as_str()), "{currency}");
            if currency == "JPY" {
                assert!(text.ends_with(".00"), "yen have no cents: {text}");
            }
            currencies.insert(currency.clone());
            let updated = item[UPDATED_AT].as_s().expect("updated_at is S");
            assert!(updated.ends_with('Z'), "{updated}");
            DateTime::from_str(updated, Format::DateTime).expect("updated_at is RFC 3339");
            let size: usize = item
                .iter()
                .map(|(name, value)| {
                    name.len() + value.as_s().or_else(|_| value.as_n()).map_or(0, String::len)
                })
                .sum();
            assert!((80..=120).contains(&size), "about 100 bytes, not {size}: {item:?}");
        }
        assert!((250..600).contains(&zeros), "{zeros} zero balances in 5000");
        assert!((40..200).contains(&large), "{large} large balances in 5000");
        assert_eq!(currencies.len(), CURRENCIES.len());
    }

    #[test]
    fn demo_batches_have_distinct_keys() {
        let mut rng = SmallRng::new(1);
        let batch = demo_batch(&mut rng, 25);
        let ids: HashSet<String> = batch.iter().map(user_id).collect();
        assert_eq!(ids.len(), 25);
        assert_eq!(demo_batch(&mut rng, 3).len(), 3);
    }
}
