//! Sort, filter and aggregates over tricky decimals.

use rstest::rstest;

use super::*;
use crate::fixtures::{Rng, balance, wallet};
use crate::wallet::{AttrValue, Extras};

/// Balances in a deliberately awkward mix of notations.
fn tricky() -> WalletList {
    let mut list = WalletList::new();
    list.extend([
        wallet("a", Some("-0.5")),
        wallet("b", Some("1E+2")),
        wallet("c", Some("0.10")),
        wallet("d", Some("0.1")),
        wallet("e", Some("12345678901234567890123456789012345678")),
        wallet("f", Some("-12345678901234567890123456789012345678")),
        wallet("g", None),
        wallet("h", Some("0")),
    ]);
    list.settle();
    list
}

fn ids(list: &WalletList) -> String {
    list.window(0, usize::MAX).map(|w| w.user_id.to_text()).collect::<Vec<_>>().join("")
}

#[test]
fn loaded_order_is_arrival_order() {
    assert_eq!(ids(&tricky()), "abcdefgh");
}

#[rstest]
#[case(SortKey::BalanceAsc, "fahcdbeg")]
#[case(SortKey::BalanceDesc, "ebcdhafg")]
#[case(SortKey::UserIdDesc, "hgfedcba")]
#[case(SortKey::UserIdAsc, "abcdefgh")]
fn sorts_exactly(#[case] sort: SortKey, #[case] expected: &str) {
    let mut list = tricky();
    list.set_sort(sort);
    assert_eq!(ids(&list), expected);
}

#[test]
fn equal_values_in_different_notation_tie_and_break_by_id() {
    let mut list = tricky();
    list.set_sort(SortKey::BalanceAsc);
    let c = list.position_of(&UserId::new("c")).expect("c");
    let d = list.position_of(&UserId::new("d")).expect("d");
    assert_eq!(d, c + 1, "0.10 == 0.1, then by user_id");
}

#[rstest]
#[case(">0", "bcde")]
#[case("<=0", "afh")]
#[case("=0.1", "cd")]
#[case("= 0.10", "cd")]
#[case("==1E2", "b")]
#[case("!=0", "abcdef")]
#[case(">=-0.5", "abcdeh")]
#[case("<-1E+37", "f")]
#[case("", "abcdefgh")]
fn balance_filters(#[case] text: &str, #[case] expected: &str) {
    let mut list = tricky();
    list.set_filter(Filter::parse(text).expect("valid filter"));
    assert_eq!(ids(&list), expected);
    assert_eq!(list.aggregates().count, expected.len());
}

#[test]
fn id_filter_is_a_case_insensitive_substring() {
    let mut list = WalletList::new();
    list.extend([
        wallet("3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b", Some("1")),
        wallet("00000000-0000-4000-8000-000000000000", Some("2")),
        wallet("Alice", Some("3")),
    ]);
    list.set_filter(Filter::parse("9A4D").expect("filter"));
    assert_eq!(list.len(), 1);
    list.set_filter(Filter::parse("alic").expect("filter"));
    assert_eq!(list.get(0).map(|w| w.user_id.to_text()), Some("Alice".to_string()));
}

#[test]
fn bad_balance_filter_is_refused_with_a_reason() {
    let err = Filter::parse(">12a").expect_err("refused");
    assert!(err.contains("not a number"), "{err}");
    assert!(Filter::parse("<1,000").is_err());
}

#[test]
fn aggregates_are_exact() {
    let list = tricky();
    let agg = list.aggregates();
    assert_eq!(agg.count, 8);
    assert_eq!(agg.without_balance, 1);
    // The two 38-digit values cancel: 100 + 0.1 + 0.1 - 0.5 + 0 = 99.7
    assert_eq!(agg.total.to_string(), "99.7");
    assert_eq!(
        agg.min.map(|b| b.to_string()),
        Some("-12345678901234567890123456789012345678".into())
    );
    assert_eq!(
        agg.max.map(|b| b.to_string()),
        Some("12345678901234567890123456789012345678".into())
    );
}

#[test]
fn pages_appended_while_sorted_are_merged_in_order() {
    let mut list = WalletList::new();
    list.set_sort(SortKey::BalanceAsc);
    list.extend([wallet("a", Some("5")), wallet("b", Some("1"))]);
    assert!(list.needs_settle());
    list.settle();
    list.extend([wallet("c", Some("3")), wallet("d", Some("-1")), wallet("e", Some("9"))]);
    list.settle();
    assert_eq!(ids(&list), "dbcae");
    assert!(!list.needs_settle());
}

#[test]
fn upsert_replaces_in_place_and_updates_aggregates() {
    let mut list = tricky();
    list.set_sort(SortKey::BalanceDesc);
    list.upsert(wallet("h", Some("1E+40")));
    list.settle();
    assert_eq!(list.loaded(), 8, "replaced, not added");
    assert_eq!(list.get(0).map(|w| w.user_id.to_text()), Some("h".into()));
    assert_eq!(list.aggregates().max.map(|b| b.to_string()), Some("1E+40".to_string()));
}

#[test]
fn remove_keeps_the_index_consistent() {
    let mut list = tricky();
    assert!(list.remove(&UserId::new("a")).is_some());
    assert!(list.remove(&UserId::new("a")).is_none());
    assert_eq!(list.loaded(), 7);
    for id in ["b", "c", "d", "e", "f", "g", "h"] {
        assert_eq!(list.find(&UserId::new(id)).map(|w| w.user_id.to_text()), Some(id.to_string()));
    }
    assert_eq!(list.aggregates().count, 7);
}

#[test]
fn clear_keeps_sort_and_filter() {
    let mut list = tricky();
    list.set_sort(SortKey::BalanceAsc);
    list.set_filter(Filter::parse(">0").expect("filter"));
    list.clear();
    assert_eq!(list.loaded(), 0);
    assert_eq!(list.sort(), SortKey::BalanceAsc);
    list.extend([wallet("x", Some("-1")), wallet("y", Some("2")), wallet("z", Some("1"))]);
    list.settle();
    assert_eq!(ids(&list), "zy");
}

#[test]
fn other_attributes_are_kept() {
    let mut w = wallet("a", Some("1"));
    w.extra = Extras::new([("currency", &AttrValue::S("EUR".into()))]);
    let mut list = WalletList::new();
    list.upsert(w);
    let got = list.get(0).and_then(|w| w.attr("currency"));
    assert_eq!(got, Some(AttrValue::S("EUR".into())));
}

#[rstest]
#[case(SortKey::BalanceAsc)]
#[case(SortKey::BalanceDesc)]
fn neighbours_in_the_last_kept_digit_sort_by_value_not_id(#[case] sort: SortKey) {
    // z and a differ only in the 15th significant digit; q has 16 digits.
    let mut list = WalletList::new();
    list.extend([
        wallet("z", Some("1.00000000000000")),
        wallet("a", Some("1.00000000000001")),
        wallet("q", Some("1.000000000000011")),
        wallet("m", Some("1.000000000000010")),
        wallet("n", None),
    ]);
    list.set_sort(sort);
    let expected = if sort == SortKey::BalanceAsc { "zamqn" } else { "qamzn" };
    assert_eq!(ids(&list), expected);
}

/// A wallet with a currency (or none) and an optional note.
fn in_currency(id: &str, balance: Option<&str>, currency: Option<&str>) -> Wallet {
    let value = currency.map(|c| AttrValue::S(c.into()));
    let note = AttrValue::S("n".into());
    let mut attrs: Vec<(&str, &AttrValue)> = value.iter().map(|v| ("currency", v)).collect();
    if id.starts_with('n') {
        attrs.push(("note", &note));
    }
    Wallet { extra: Extras::new(attrs), ..wallet(id, balance) }
}

fn summary(list: &WalletList) -> Vec<(Option<String>, usize, String, usize)> {
    list.groups()
        .sorted()
        .iter()
        .map(|g| {
            let a = g.aggregates;
            (g.currency.map(str::to_string), a.count, a.total.to_string(), a.without_balance)
        })
        .collect()
}

#[test]
fn mixed_currencies_are_totalled_apart_largest_group_first() {
    let mut list = WalletList::new();
    list.extend([
        in_currency("a", Some("10.5"), Some("EUR")),
        in_currency("b", Some("100"), Some("JPY")),
        in_currency("c", Some("-0.5"), Some("EUR")),
        in_currency("d", None, Some("EUR")),
        in_currency("e", Some("7"), None),
        in_currency("f", Some("1"), Some("USD")),
        in_currency("g", Some("2"), Some("USD")),
    ]);
    assert_eq!(
        summary(&list),
        [
            (Some("EUR".into()), 3, "10".into(), 1),
            (Some("USD".into()), 2, "3".into(), 0),
            (Some("JPY".into()), 1, "100".into(), 0),
            (None, 1, "7".into(), 0),
        ]
    );
    let eur = list.groups().sorted()[0].aggregates;
    assert_eq!((eur.min, eur.max), (Some(balance("-0.5")), Some(balance("10.5"))));
    // A filter and a removal rebuild the groups from the wallets in view.
    list.set_filter(Filter::parse(">5").expect("filter"));
    assert_eq!(summary(&list).len(), 3, "{:?}", summary(&list));
    list.set_filter(Filter::All);
    list.remove(&UserId::new("b"));
    assert!(summary(&list).iter().all(|g| g.0.as_deref() != Some("JPY")));
}

#[test]
fn one_currency_or_none_is_one_group() {
    let mut list = WalletList::new();
    list.extend([
        in_currency("a", Some("1"), Some("EUR")),
        in_currency("b", Some("2"), Some("EUR")),
    ]);
    assert_eq!(summary(&list), [(Some("EUR".into()), 2, "3".into(), 0)]);
    let mut list = WalletList::new();
    list.extend([in_currency("a", Some("1"), None), in_currency("b", None, None)]);
    assert_eq!(summary(&list), [(None, 2, "1".into(), 1)]);
    assert_eq!(list.groups().len(), 1);
}

#[test]
fn the_currency_attribute_is_the_configured_one_and_other_types_are_their_own_group() {
    let mut list = WalletList::with_currency_attribute("ccy");
    let n = AttrValue::N("840".into());
    let s = AttrValue::S("EUR".into());
    list.extend([
        Wallet { extra: Extras::new([("ccy", &n)]), ..wallet("a", Some("1")) },
        Wallet { extra: Extras::new([("ccy", &s)]), ..wallet("b", Some("2")) },
        Wallet { extra: Extras::new([("currency", &s)]), ..wallet("c", Some("3")) },
    ]);
    let names: Vec<_> = summary(&list).into_iter().map(|g| g.0).collect();
    assert_eq!(names, [Some("EUR".into()), Some("N 840".into()), None]);
    list.clear();
    assert_eq!(list.currency_attribute(), "ccy", "a rescan keeps the attribute");
}

#[test]
fn distinct_currencies_past_the_cap_are_counted_not_totalled() {
    let mut list = WalletList::new();
    let wallets: Vec<Wallet> = (0..MAX_GROUPS + 5)
        .map(|i| in_currency(&format!("w{i}"), Some("1"), Some(&format!("C{i}"))))
        .collect();
    list.extend(wallets);
    assert_eq!(list.groups().len(), MAX_GROUPS);
    assert_eq!(list.groups().beyond(), 5);
    assert_eq!(list.aggregates().count, MAX_GROUPS + 5);
}

#[rstest]
#[case("-0.5")]
#[case("1E+2")]
#[case("4661.3")]
#[case("3563.60")]
#[case("0")]
#[case("12345678901234567890123456789012345678")]
#[case("-12345678901234567890123456789012345678")]
#[case("0.000001")]
#[case("1.5E+100")]
#[case("1E+100")]
#[case("-1.2E-120")]
#[case("1E-130")]
#[case("1.2345678901234567890123456789012345678E-100")]
#[case("9.9999999999999999999999999999999999999E+125")]
#[case("0.00000000000000000000000000000000000001")]
fn balance_shape_splits_the_text_where_display_does(#[case] text: &str) {
    let b = balance(text);
    let shown = b.to_string();
    let split = shown.find(['.', 'E']).unwrap_or(shown.len());
    assert_eq!(balance_shape(b), (split, shown.len() - split), "{shown}");
}

#[test]
fn balance_widths_cover_the_loaded_wallets_and_shrink_at_the_next_rebuild() {
    let mut list = tricky();
    assert_eq!(list.balance_widths(), BalanceWidths { int: 39, frac: 2 });
    list.remove(&UserId::new("f"));
    list.remove(&UserId::new("e"));
    // Removed in place: the column keeps its width until the view is rebuilt.
    assert_eq!(list.balance_widths(), BalanceWidths { int: 39, frac: 2 });
    list.set_sort(SortKey::BalanceAsc);
    assert_eq!(list.balance_widths(), BalanceWidths { int: 3, frac: 2 });
}

#[test]
fn columns_come_from_the_loaded_wallets_most_common_first() {
    let mut list = WalletList::new();
    list.extend([
        in_currency("a", Some("1"), Some("EUR")),
        in_currency("n1", Some("1"), Some("EUR")),
        in_currency("n2", Some("1"), None),
        in_currency("n3", Some("1"), None),
    ]);
    let names = |l: &WalletList| l.column_names().iter().map(|n| n.to_string()).collect::<Vec<_>>();
    assert_eq!(names(&list), ["note", "currency"]);
    // Filtering (what is in view) does not move the columns.
    list.set_filter(Filter::parse("a").expect("filter"));
    assert_eq!(names(&list), ["note", "currency"]);
    for id in ["n1", "n2", "n3"] {
        list.remove(&UserId::new(id));
    }
    assert_eq!(names(&list), ["currency"]);
}

/// A random wallet among few ids (short text, long text and UUIDs, which sort among each
/// other by their text), with equal balances in different notations, 38-digit balances whose
/// 64-bit sort prefixes tie, some without a balance, in two currencies, none or a number as
/// currency.
fn random_wallet(rng: &mut Rng) -> Wallet {
    const BALANCES: [Option<&str>; 13] = [
        Some("0.1"),
        Some("0.10"),
        Some("-3"),
        Some("1E+2"),
        Some("100"),
        Some("7.25"),
        Some("0"),
        Some("-0.001"),
        None,
        Some("12345678901234567890123456789012345678"),
        Some("12345678901234567890123456789012345679"),
        Some("-12345678901234567890123456789012345678"),
        Some("-12345678901234567890123456789012345679"),
    ];
    let n = rng.below(40);
    let id = match rng.below(4) {
        0 => format!("{n:08x}-0000-4000-8000-000000000000"),
        1 => format!("{}w{n}-a-text-id-longer-than-22-bytes", ["n", "x"][rng.below(2)]),
        _ => format!("{}w{n}", ["n", "x"][rng.below(2)]),
    };
    let currency = [Some("EUR"), Some("USD"), None][rng.below(3)];
    let mut w = in_currency(&id, BALANCES[rng.below(BALANCES.len())], currency);
    if rng.below(10) == 0 {
        w.extra = Extras::new([("currency", &AttrValue::N("5".into()))]);
    }
    w
}

fn aggregates_key(a: &Aggregates) -> (usize, usize, String) {
    (a.count, a.without_balance, a.total.total().normalized().to_string())
}

/// What a rebuild must agree on: order, aggregates and groups (min and max by value).
fn assert_same(in_place: &WalletList, rebuilt: &WalletList, step: usize) {
    let at = format!("step {step}, {:?}, {:?}", in_place.sort(), in_place.filter());
    assert_eq!(ids_sep(in_place), ids_sep(rebuilt), "order, {at}");
    let (a, b) = (in_place.aggregates(), rebuilt.aggregates());
    assert_eq!(aggregates_key(a), aggregates_key(b), "aggregates, {at}");
    assert!(a.min.cmp(&b.min).is_eq() && a.max.cmp(&b.max).is_eq(), "min/max, {at}");
    let groups = |l: &WalletList| {
        let sorted = l.groups().sorted();
        let keys =
            sorted.iter().map(|g| (g.currency.map(str::to_owned), aggregates_key(g.aggregates)));
        (keys.collect::<Vec<_>>(), l.groups().beyond())
    };
    assert_eq!(groups(in_place), groups(rebuilt), "groups, {at}");
    for (x, y) in in_place.groups().sorted().iter().zip(rebuilt.groups().sorted()) {
        let (x, y) = (x.aggregates, y.aggregates);
        assert!(x.min.cmp(&y.min).is_eq() && x.max.cmp(&y.max).is_eq(), "group bounds, {at}");
    }
    let (w, v) = (in_place.balance_widths(), rebuilt.balance_widths());
    assert!(w.int >= v.int && w.frac >= v.frac, "widths only narrow at a rebuild, {at}");
    assert_eq!(in_place.column_names(), rebuilt.column_names(), "columns, {at}");
}

fn ids_sep(list: &WalletList) -> Vec<String> {
    list.window(0, usize::MAX).map(|w| w.user_id.to_text()).collect()
}

#[rstest]
fn changes_in_place_equal_a_rebuild(
    #[values(
        SortKey::Loaded,
        SortKey::UserIdAsc,
        SortKey::UserIdDesc,
        SortKey::BalanceAsc,
        SortKey::BalanceDesc
    )]
    sort: SortKey,
    #[values("", ">0", "w1", "<=0.1")] filter: &str,
) {
    let mut rng = Rng::new(0x9e37_79b9_7f4a_7c15 ^ sort as u64 ^ (filter.len() as u64) << 8);
    // Blocks of 3 rows: every change splits, merges or crosses blocks.
    let mut list = WalletList { view: view::View::with_block(3), ..WalletList::new() };
    list.extend((0..30).map(|_| random_wallet(&mut rng)).collect::<Vec<_>>());
    list.set_sort(sort);
    list.set_filter(Filter::parse(filter).expect("filter"));
    for step in 0..600 {
        let wallet = random_wallet(&mut rng);
        if rng.below(4) == 0 {
            list.remove(&wallet.user_id);
        } else {
            list.upsert(wallet);
        }
        assert!(!list.stale, "a single change never marks the view for a rebuild");
        let mut settled = list.clone();
        settled.settle();
        let mut rebuilt = list.clone();
        rebuilt.stale = true;
        rebuilt.settle();
        assert_same(&settled, &rebuilt, step);
        if rng.below(20) == 0 {
            list.settle();
        }
    }
}

/// The list against a naive model: a plain vector of wallets in store order (a removed
/// wallet's place taken by the last one, as the store does), filtered and stably sorted from
/// scratch after every step. Pages, stream changes, removes, sorts and filters at random, with
/// blocks of a few rows; equal balances order by user_id.
#[test]
fn random_changes_match_a_naive_model() {
    let sorts = [
        SortKey::Loaded,
        SortKey::UserIdAsc,
        SortKey::UserIdDesc,
        SortKey::BalanceAsc,
        SortKey::BalanceDesc,
    ];
    let filters = ["", ">0", "w1", "<=0.1", "x"];
    for seed in 1..=6u64 {
        let mut rng = Rng::new(0x51_7cc1_b727_220a ^ seed.wrapping_mul(0x9e37_79b9));
        let mut list =
            WalletList { view: view::View::with_block(2 + seed as usize), ..WalletList::new() };
        let mut model: Vec<Wallet> = Vec::new();
        for step in 0..800 {
            match rng.below(12) {
                0 => {
                    let page: Vec<Wallet> =
                        (0..rng.below(8)).map(|_| random_wallet(&mut rng)).collect();
                    for w in &page {
                        match model.iter().position(|m| m.user_id == w.user_id) {
                            Some(i) => model[i] = w.clone(),
                            None => model.push(w.clone()),
                        }
                    }
                    list.extend(page);
                }
                1..=3 => {
                    let id = random_wallet(&mut rng).user_id;
                    let i = model.iter().position(|m| m.user_id == id);
                    let removed = list.remove(&id);
                    assert_eq!(removed, i.map(|i| model.swap_remove(i)), "remove, step {step}");
                }
                4 => list.set_sort(sorts[rng.below(sorts.len())]),
                5 => list
                    .set_filter(Filter::parse(filters[rng.below(filters.len())]).expect("filter")),
                6 => list.settle(),
                _ => {
                    let w = random_wallet(&mut rng);
                    match model.iter().position(|m| m.user_id == w.user_id) {
                        Some(i) => model[i] = w.clone(),
                        None => model.push(w.clone()),
                    }
                    list.upsert(w);
                }
            }
            let mut settled = list.clone();
            settled.settle();
            let mut expected: Vec<&Wallet> =
                model.iter().filter(|w| list.filter().matches(w)).collect();
            expected.sort_by(|a, b| list.sort().compare(a, b));
            let ids = |ws: &mut dyn Iterator<Item = &Wallet>| {
                ws.map(|w| w.user_id.to_text()).collect::<Vec<_>>()
            };
            let at = format!("seed {seed}, step {step}, {:?}, {:?}", list.sort(), list.filter());
            assert_eq!(
                ids(&mut settled.window(0, usize::MAX)),
                ids(&mut expected.iter().copied()),
                "order, {at}"
            );
            assert_eq!(settled.len(), expected.len(), "len, {at}");
            assert_eq!(settled.loaded(), model.len(), "loaded, {at}");
            for (p, w) in expected.iter().enumerate() {
                assert_eq!(settled.get(p).map(|w| &w.user_id), Some(&w.user_id), "get({p}), {at}");
                assert_eq!(settled.position_of(&w.user_id), Some(p), "position_of, {at}");
                assert_eq!(settled.find(&w.user_id), Some(*w), "find, {at}");
            }
            let start = rng.below(expected.len() + 1);
            let window = ids(&mut settled.window(start, 3));
            assert_eq!(
                window,
                ids(&mut expected.iter().skip(start).take(3).copied()),
                "window, {at}"
            );
            let total =
                expected.iter().filter_map(|w| w.balance).fold(Sum::default(), |mut s, b| {
                    s.add(b);
                    s
                });
            let a = settled.aggregates();
            assert_eq!(a.count, expected.len(), "count, {at}");
            assert_eq!(a.total.total(), total.total(), "total, {at}");
            let min = expected.iter().filter_map(|w| w.balance).min();
            let max = expected.iter().filter_map(|w| w.balance).max();
            assert!(a.min.cmp(&min).is_eq() && a.max.cmp(&max).is_eq(), "min/max, {at}");
        }
    }
}
