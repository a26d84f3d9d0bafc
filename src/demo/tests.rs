//! Unit tests of `demo.rs`.

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
