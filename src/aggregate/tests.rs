//! Tests of the whole-table accumulator, against a naive computation over every wallet.

use bigdecimal::BigDecimal;

use super::*;
use crate::fixtures::Rng;

fn b(text: &str) -> Balance {
    Balance::parse(text).expect("a balance")
}

fn id(n: u64) -> UserId {
    UserId::new(&format!("user-{n:06}"))
}

/// Balances of every shape: zero, negatives, tiny, huge, 38 digits, many ties.
fn random_balance(rng: &mut Rng) -> Option<Balance> {
    let text = match rng.below(10) {
        0 => return None,
        1 => "0".to_string(),
        2 => format!("{}", rng.below(5)), // ties
        3 => format!("-{}.{:02}", rng.below(1000), rng.below(100)),
        4 => format!("{}E{}", rng.below(9) + 1, rng.below(250) as i64 - 125),
        5 => "99999999999999999999999999999999999999".to_string(),
        6 => "-9.9999999999999999999999999999999999999E+125".to_string(),
        _ => format!("{}.{:02}", rng.below(1_000_000), rng.below(100)),
    };
    Some(b(&text))
}

/// One generated wallet: currency, user_id, balance.
type Row = (Option<&'static str>, UserId, Option<Balance>);

fn rows(seed: u64, n: u64) -> Vec<Row> {
    let mut rng = Rng::new(seed);
    let currencies = [Some("USD"), Some("EUR"), Some("JPY"), None];
    (0..n)
        .map(|i| {
            let currency = currencies[rng.below(4)];
            let user = id(rng.below(n as usize * 2) as u64 * 1000 + i);
            (currency, user, random_balance(&mut rng))
        })
        .collect()
}

fn aggregate(rows: &[Row]) -> Aggregate {
    let mut aggregate = Aggregate::default();
    for (currency, user_id, balance) in rows {
        aggregate.add(*currency, user_id, *balance);
    }
    aggregate
}

/// The figures of one currency computed the obvious way: everything sorted, BigDecimal sums.
fn check_naive(rows: &[Row], currency: Option<&str>, figures: &Figures) {
    let mine: Vec<&Row> = rows.iter().filter(|r| r.0 == currency).collect();
    assert_eq!(figures.count, mine.len() as u64, "{currency:?} count");
    let mut ranked: Vec<Ranked> = mine
        .iter()
        .filter_map(|r| r.2.map(|balance| Ranked { balance, user_id: r.1.clone() }))
        .collect();
    ranked.sort();
    assert_eq!(figures.numeric(), ranked.len() as u64);
    let total: BigDecimal = ranked.iter().map(|r| r.balance.to_bigdecimal()).sum();
    assert_eq!(figures.total.total(), total, "{currency:?} total");
    assert_eq!(figures.min, ranked.first().map(|r| r.balance));
    assert_eq!(figures.max, ranked.last().map(|r| r.balance));
    let smallest: Vec<Ranked> = ranked.iter().take(TOP_N).cloned().collect();
    let largest: Vec<Ranked> = ranked.iter().rev().take(TOP_N).cloned().collect();
    assert_eq!(figures.smallest(), smallest, "{currency:?} smallest");
    assert_eq!(figures.largest(), largest, "{currency:?} largest");
    let mut histogram: BTreeMap<Bucket, u64> = BTreeMap::new();
    for r in &ranked {
        *histogram.entry(Bucket::of(r.balance)).or_default() += 1;
    }
    assert_eq!(figures.histogram().collect::<Vec<_>>(), histogram.into_iter().collect::<Vec<_>>());
}

#[test]
fn randomized_against_naive() {
    for seed in [1, 7, 42, 1234, 99_999] {
        let rows = rows(seed, 3000);
        let whole = aggregate(&rows);
        for currency in [Some("USD"), Some("EUR"), Some("JPY"), None] {
            let figures = whole.group(currency).expect("every currency drawn");
            check_naive(&rows, currency, figures);
        }
        assert_eq!(whole.wallets(), 3000);
    }
}

#[test]
fn merged_segments_equal_one_pass() {
    for seed in [3, 5, 8] {
        let rows = rows(seed, 2000);
        let whole = aggregate(&rows);
        // Uneven pages, merged in a scrambled order, as segments' pages arrive.
        let pages: Vec<Aggregate> = rows.chunks(137).map(aggregate).collect();
        assert_merge_in_reverse_is_whole(&rows, &whole, pages, seed);
    }
}

/// `pages` merged last first equal `whole` and the naive figures of `rows`.
#[track_caller]
fn assert_merge_in_reverse_is_whole(
    rows: &[Row],
    whole: &Aggregate,
    mut pages: Vec<Aggregate>,
    seed: u64,
) {
    pages.reverse();
    let mut merged = Aggregate::default();
    for page in &pages {
        merged.merge(page);
    }
    assert_eq!(&merged, whole, "seed {seed}");
    for currency in [Some("USD"), Some("EUR"), Some("JPY"), None] {
        check_naive(rows, currency, merged.group(currency).expect("drawn"));
    }
}

#[test]
fn small_merges_never_duplicate_a_ranked_wallet() {
    let mut a = Aggregate::default();
    a.add(Some("USD"), &id(1), Some(b("5")));
    let mut merged = Aggregate::default();
    merged.merge(&a);
    merged.merge(&Aggregate::default());
    let usd = merged.group(Some("USD")).expect("usd");
    assert_eq!(usd.largest().len(), 1);
    assert_eq!(usd.smallest().len(), 1);
}

#[test]
fn buckets_are_exact_decades_by_sign() {
    assert_eq!(Bucket::of(b("0")), Bucket::Zero);
    assert_eq!(Bucket::of(b("1")), Bucket::Positive(0));
    assert_eq!(Bucket::of(b("9.99")), Bucket::Positive(0));
    assert_eq!(Bucket::of(b("10")), Bucket::Positive(1));
    assert_eq!(Bucket::of(b("999.999999999999999999")), Bucket::Positive(2));
    assert_eq!(Bucket::of(b("0.05")), Bucket::Positive(-2));
    assert_eq!(Bucket::of(b("-0.1")), Bucket::Negative(-1));
    assert_eq!(Bucket::of(b("-1000")), Bucket::Negative(3));
    assert_eq!(Bucket::of(b("1E+125")), Bucket::Positive(125));
    assert_eq!(Bucket::of(b("1E-130")), Bucket::Positive(-130));
    assert_eq!(Bucket::Positive(2).label(), "[100, 1000)");
    assert_eq!(Bucket::Negative(0).label(), "(-10, -1]");
    let mut order = [Bucket::Positive(1), Bucket::Zero, Bucket::Negative(0), Bucket::Negative(2)];
    order.sort();
    assert_eq!(
        order,
        [Bucket::Negative(2), Bucket::Negative(0), Bucket::Zero, Bucket::Positive(1)]
    );
}

#[test]
fn wallets_without_a_balance_are_counted_apart() {
    let mut a = Aggregate::default();
    a.add(Some("EUR"), &id(1), None);
    a.add(Some("EUR"), &id(2), Some(b("-3")));
    let eur = a.group(Some("EUR")).expect("eur");
    assert_eq!((eur.count, eur.without_balance, eur.numeric()), (2, 1, 1));
    assert_eq!(eur.total.to_string(), "-3");
    assert_eq!(eur.histogram().collect::<Vec<_>>(), [(Bucket::Negative(0), 1)]);
}

#[test]
fn currencies_past_the_cap_are_counted_not_totalled() {
    let mut a = Aggregate::default();
    for n in 0..(MAX_GROUPS as u64 + 5) {
        a.add(Some(&format!("C{n}")), &id(n), Some(b("1")));
    }
    assert_eq!(a.beyond, 5);
    assert_eq!(a.wallets(), MAX_GROUPS as u64 + 5);
}

#[test]
fn json_holds_exact_numbers_as_text() {
    let mut a = Aggregate::default();
    a.add(Some("USD"), &id(1), Some(b("12345678901234567890123456789012345678")));
    a.add(Some("USD"), &id(2), Some(b("0.00000000000000000000000000000000000001")));
    let json = a.to_json();
    let usd = &json["currencies"][0];
    assert_eq!(usd["currency"], "USD");
    assert_eq!(
        usd["total"],
        "12345678901234567890123456789012345678.00000000000000000000000000000000000001"
    );
    assert_eq!(usd["largest"][0]["user_id"], "user-000001");
    assert_eq!(usd["count"], "2");
}

#[test]
fn pages_with_their_segments_floors_merge_to_the_figures_of_one_pass() {
    for seed in [11, 13] {
        // Unique user_ids, as a table's keys are.
        let rows: Vec<Row> = rows(seed, 12_000)
            .into_iter()
            .enumerate()
            .map(|(i, r)| (r.0, id(i as u64), r.2))
            .collect();
        let whole = aggregate(&rows);
        // Three segments of pages of 1000, each page after a segment's first with the floors
        // of the pages before it.
        let mut pages = Vec::new();
        for segment in rows.chunks(4000) {
            let mut next = Aggregate::default();
            for page_rows in segment.chunks(1000) {
                let mut page = next;
                for (currency, user_id, balance) in page_rows {
                    page.add(*currency, user_id, *balance);
                }
                next = page.next_page();
                pages.push(page);
            }
        }
        // The floors were in effect: a later page kept fewer than TOP_N of a currency it had
        // more wallets of.
        let skipped = pages.iter().any(|page| {
            let usd = page.group(Some("USD")).expect("usd");
            usd.numeric() > TOP_N as u64 && usd.largest().len() < TOP_N
        });
        assert!(skipped, "seed {seed}: no page skipped a heap");
        assert_merge_in_reverse_is_whole(&rows, &whole, pages, seed);
    }
}

#[test]
fn floors_move_to_the_next_page_and_only_currencies_with_a_full_heap_have_one() {
    let mut page = Aggregate::default();
    for i in 0..=TOP_N as u64 {
        page.add(Some("USD"), &id(i), Some(b(&i.to_string())));
    }
    for i in 0..50 {
        page.add(Some(["EUR", "JPY"][i % 2]), &id(10_000 + i as u64), Some(b("1")));
    }
    let next = page.next_page();
    assert!(page.floors.is_empty(), "the sent page keeps no floors");
    let floors: Vec<_> = next.floors.keys().cloned().collect();
    assert_eq!(floors, [Some("USD".into())]);
    // The 100th largest of 0..=100 is 1, the 100th smallest 99.
    let (largest, smallest) = &next.floors[&Some("USD".into())];
    assert_eq!(largest.as_ref().map(|r| r.balance), Some(b("1")));
    assert_eq!(smallest.as_ref().map(|r| r.balance), Some(b("99")));
}
