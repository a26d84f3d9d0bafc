//! The session's consumption: per-second buckets, the rolling window, totals per kind, and
//! estimates where the endpoint reported nothing.

use std::time::Duration;

use rstest::rstest;

use super::*;
use crate::balance::Balance;
use crate::error::{ApiError, ErrorKind};
use crate::fixtures;
use crate::wallet::{AttrValue, Extras};

fn at(t0: Instant, millis: u64) -> Instant {
    t0 + Duration::from_millis(millis)
}

/// A wallet of `user_id` (7 + 1 bytes), balance "1" (7 + 2 bytes) and, with `blob` > 0, a
/// string attribute "blob" of that many bytes (4 + blob): 17 bytes plus the blob.
fn wallet(blob: usize) -> Wallet {
    let extra = AttrValue::S("x".repeat(blob).into());
    let wallet = fixtures::wallet("a", "1");
    if blob > 0 { Wallet { extra: Extras::new([("blob", &extra)]), ..wallet } } else { wallet }
}

/// The last page of scan 1, costing `consumed_rcu` as reported.
fn page(wallets: Vec<Wallet>, consumed_rcu: Option<f64>) -> ScanPage {
    fixtures::scan_page(1, 0, wallets, true, consumed_rcu)
}

#[rstest]
#[case::small(0, 17)]
#[case::with_blob(5000, 17 + 4 + 5000)]
fn wallet_item_size(#[case] blob: usize, #[case] bytes: u64) {
    assert_eq!(item_size(&wallet(blob)), bytes);
}

/// Records `(millis after t0, rcu, wcu)`, then reads the series at `now_ms`: the expected
/// `(index, rcu, wcu)` of every non-zero bucket, oldest at index 0.
#[rstest]
#[case::one_call_is_the_current_second(vec![(200, 1.0, 0.0)], 900, vec![(59, 1.0, 0.0)])]
#[case::same_second_adds_up(
    vec![(0, 1.0, 1.0), (999, 0.5, 2.0)],
    999,
    vec![(59, 1.5, 3.0)]
)]
#[case::next_second_is_its_own_bucket(
    vec![(999, 1.0, 0.0), (1000, 2.0, 0.0)],
    1000,
    vec![(58, 1.0, 0.0), (59, 2.0, 0.0)]
)]
#[case::ages_one_slot_per_second(vec![(0, 4.0, 1.0)], 10_500, vec![(49, 4.0, 1.0)])]
#[case::oldest_slot_at_59_seconds(vec![(0, 4.0, 0.0)], 59_999, vec![(0, 4.0, 0.0)])]
#[case::gone_after_60_seconds(vec![(0, 4.0, 0.0)], 60_000, vec![])]
#[case::slot_reused_a_minute_later(
    vec![(1_000, 4.0, 0.0), (61_000, 1.0, 0.0)],
    61_500,
    vec![(59, 1.0, 0.0)]
)]
#[case::gaps_stay_zero(
    vec![(0, 1.0, 0.0), (30_000, 2.0, 0.0), (59_000, 3.0, 0.0)],
    59_000,
    vec![(0, 1.0, 0.0), (30, 2.0, 0.0), (59, 3.0, 0.0)]
)]
#[case::an_older_call_recorded_late_is_dropped_from_the_window(
    vec![(61_000, 1.0, 0.0), (1_000, 4.0, 0.0)],
    61_000,
    vec![(59, 1.0, 0.0)]
)]
fn per_second_buckets_in_a_rolling_window(
    #[case] calls: Vec<(u64, f64, f64)>,
    #[case] now_ms: u64,
    #[case] expected: Vec<(usize, f64, f64)>,
) {
    let t0 = Instant::now();
    let mut usage = Usage::new(t0);
    for (ms, rcu, wcu) in &calls {
        usage.record(at(t0, *ms), OpKind::Get, *rcu, *wcu, false);
    }
    let now = at(t0, now_ms);
    let reads = usage.rate_series(now, Units::Read);
    let writes = usage.rate_series(now, Units::Write);
    let mut wanted_reads = [0.0; WINDOW_SECS];
    let mut wanted_writes = [0.0; WINDOW_SECS];
    for (i, rcu, wcu) in expected {
        wanted_reads[i] = rcu;
        wanted_writes[i] = wcu;
    }
    assert_eq!(reads, wanted_reads, "RCU series");
    assert_eq!(writes, wanted_writes, "WCU series");
}

#[test]
fn before_the_epoch_counts_as_second_zero() {
    let t0 = Instant::now();
    let mut usage = Usage::new(t0 + Duration::from_secs(5));
    usage.record(t0, OpKind::Scan, 2.0, 0.0, false);
    assert_eq!(usage.rate_series(t0, Units::Read)[59], 2.0);
}

/// RCU recorded at `(millis, rcu)`, the rate at `now_ms`.
#[rstest]
#[case::nothing(vec![], 10_000, 0.0)]
#[case::young_session_divides_by_its_age(vec![(0, 3.0)], 500, 3.0)]
#[case::two_seconds_old(vec![(0, 3.0), (1_500, 1.0)], 1_500, 2.0)]
#[case::last_five_seconds(vec![(5_000, 5.0), (9_000, 5.0)], 9_000, 2.0)]
#[case::older_than_five_seconds_is_out(vec![(4_999, 5.0), (9_000, 5.0)], 9_000, 1.0)]
#[case::window_past(vec![(0, 5.0)], 5_000, 0.0)]
fn rate_now_averages_the_last_seconds(
    #[case] calls: Vec<(u64, f64)>,
    #[case] now_ms: u64,
    #[case] expected: f64,
) {
    let t0 = Instant::now();
    let mut usage = Usage::new(t0);
    for (ms, rcu) in calls {
        usage.record(at(t0, ms), OpKind::Scan, rcu, 0.0, false);
    }
    assert_eq!(usage.rate_now(at(t0, now_ms), Units::Read), expected);
    assert_eq!(usage.rate_now(at(t0, now_ms), Units::Write), 0.0);
}

#[test]
fn totals_per_kind_with_call_counts() {
    let t0 = Instant::now();
    let mut usage = Usage::new(t0);
    usage.record(t0, OpKind::Scan, 128.5, 0.0, false);
    usage.record(t0, OpKind::Scan, 0.5, 0.0, true);
    usage.record(t0, OpKind::Get, 1.0, 0.0, false);
    usage.record(t0, OpKind::Put, 0.0, 2.0, false);
    usage.record(t0, OpKind::Put, 0.0, 1.0, false);
    usage.record(t0, OpKind::Table, 0.0, 0.0, false);
    let expect = [
        (OpKind::Scan, Totals { calls: 2, rcu: 129.0, wcu: 0.0, estimated: 1 }),
        (OpKind::Get, Totals { calls: 1, rcu: 1.0, wcu: 0.0, estimated: 0 }),
        (OpKind::Put, Totals { calls: 2, rcu: 0.0, wcu: 3.0, estimated: 0 }),
        (OpKind::Update, Totals::default()),
        (OpKind::Delete, Totals::default()),
        (OpKind::Table, Totals { calls: 1, rcu: 0.0, wcu: 0.0, estimated: 0 }),
    ];
    for (kind, totals) in expect {
        assert_eq!(usage.totals(kind), totals, "{kind:?}");
    }
    assert_eq!(usage.total(), Totals { calls: 6, rcu: 130.0, wcu: 3.0, estimated: 1 });
}

#[test]
fn the_last_call_is_the_last_data_call() {
    let t0 = Instant::now();
    let mut usage = Usage::new(t0);
    assert_eq!(usage.last(), None);
    usage.record(at(t0, 10), OpKind::Update, 0.0, 1.0, true);
    usage.record(at(t0, 20), OpKind::Table, 0.0, 0.0, false);
    let last = Call { kind: OpKind::Update, at: at(t0, 10), rcu: 0.0, wcu: 1.0, estimated: true };
    assert_eq!(usage.last(), Some(&last));
}

/// A scan page: reported units win; otherwise the page's item sizes, summed then rounded.
#[rstest]
#[case::reported(vec![wallet(5000)], Some(0.5), true, 0.5, false)]
#[case::reported_zero_for_an_empty_page(vec![], Some(0.0), false, 0.0, false)]
#[case::estimated_empty_page_costs_the_minimum(vec![], None, true, 1.0, true)]
#[case::estimated_small_items_share_a_block(vec![wallet(0), wallet(0)], None, true, 1.0, true)]
#[case::estimated_eventual(vec![wallet(0)], None, false, 0.5, true)]
// 2 × 5021 bytes = 10042 bytes: 3 blocks of 4 KB for the page (per item it would be 4).
#[case::estimated_page_rounded_once(vec![wallet(5000), wallet(5000)], None, true, 3.0, true)]
fn scan_page_costs(
    #[case] wallets: Vec<Wallet>,
    #[case] consumed: Option<f64>,
    #[case] consistent: bool,
    #[case] rcu: f64,
    #[case] estimated: bool,
) {
    let t0 = Instant::now();
    let mut usage = Usage::new(t0);
    usage.record_scan_page(t0, &page(wallets, consumed), consistent);
    let totals = usage.totals(OpKind::Scan);
    assert_eq!((totals.calls, totals.rcu, totals.wcu), (1, rcu, 0.0));
    assert_eq!(totals.estimated, u64::from(estimated));
    assert_eq!(
        usage.last().map(|c| (c.kind, c.rcu, c.estimated)),
        Some((OpKind::Scan, rcu, estimated))
    );
}

/// A GetItem: reported units win; otherwise the item's size (a missing item still costs).
#[rstest]
#[case::reported(Some(0), Some(1.0), false, 1.0, false)]
#[case::missing_strong(None, None, true, 1.0, true)]
#[case::missing_eventual(None, None, false, 0.5, true)]
#[case::small_strong(Some(0), None, true, 1.0, true)]
#[case::big_strong(Some(5000), None, true, 2.0, true)]
#[case::big_eventual(Some(5000), None, false, 1.0, true)]
fn get_costs(
    #[case] found: Option<usize>,
    #[case] consumed: Option<f64>,
    #[case] consistent: bool,
    #[case] rcu: f64,
    #[case] estimated: bool,
) {
    let t0 = Instant::now();
    let mut usage = Usage::new(t0);
    let found = found.map(wallet);
    usage.record_get(t0, found.as_ref(), consumed, consistent);
    let totals = usage.totals(OpKind::Get);
    assert_eq!((totals.calls, totals.rcu, totals.wcu), (1, rcu, 0.0));
    assert_eq!(totals.estimated, u64::from(estimated));
}

/// A write: reported units win; otherwise the larger of the old and new item sizes, at the
/// transactional rate (every wallet write is one transaction: 2 units per KB).
#[rstest]
#[case::reported(OpKind::Update, Some(1.0), Some(5000), Some(0), 1.0, false)]
#[case::create_estimated(OpKind::Put, None, None, Some(0), 2.0, true)]
#[case::create_big(OpKind::Put, None, None, Some(5000), 10.0, true)]
#[case::shrinking_update_charges_the_old_image(
    OpKind::Update,
    None,
    Some(5000),
    Some(0),
    10.0,
    true
)]
#[case::growing_update_charges_the_new_image(OpKind::Update, None, Some(0), Some(2000), 4.0, true)]
#[case::delete_charges_the_old_item(OpKind::Delete, None, Some(1100), None, 4.0, true)]
#[case::delete_of_an_unknown_item(OpKind::Delete, None, None, None, 2.0, true)]
#[case::transfer_two_items(OpKind::Transact, None, Some(0), None, 4.0, true)]
fn write_costs(
    #[case] kind: OpKind,
    #[case] consumed: Option<f64>,
    #[case] old: Option<usize>,
    #[case] new: Option<usize>,
    #[case] wcu: f64,
    #[case] estimated: bool,
) {
    let t0 = Instant::now();
    let mut usage = Usage::new(t0);
    let (old, new) = (old.map(wallet), new.map(wallet));
    usage.record_write(t0, kind, consumed, old.as_ref(), new.as_ref());
    let totals = usage.totals(kind);
    assert_eq!((totals.calls, totals.rcu, totals.wcu), (1, 0.0, wcu));
    assert_eq!(totals.estimated, u64::from(estimated));
    assert_eq!(usage.rate_series(t0, Units::Write)[59], wcu);
}

#[rstest]
#[case::create(WriteKind::Create { balance: Balance::ZERO }, OpKind::Put)]
#[case::set(
    WriteKind::SetBalance { seen: None, new: Balance::ZERO, reason: crate::write::EditReason::Set },
    OpKind::Update
)]
#[case::delete(WriteKind::Delete { seen: None }, OpKind::Delete)]
fn write_kinds(#[case] write: WriteKind, #[case] kind: OpKind) {
    assert_eq!(OpKind::of_write(&write), kind);
}

#[test]
fn table_calls_are_counted_when_they_went_through() {
    let t0 = Instant::now();
    let mut usage = Usage::new(t0);
    let err = ApiError::new(ErrorKind::Unreachable, "down");
    let responses = [
        Response::Described { table: "t".into(), result: Ok(None) },
        Response::Described { table: "t".into(), result: Err(err.clone()) },
        Response::Deleted { table: "t".into(), result: Ok(()) },
        Response::Deleted { table: "t".into(), result: Err(err) },
    ];
    for response in &responses {
        usage.record_table_call(t0, response);
    }
    assert_eq!(usage.totals(OpKind::Table), Totals { calls: 2, ..Totals::default() });
    assert_eq!(usage.last(), None);
}

#[test]
fn call_stats_are_cumulative_and_never_go_back() {
    let mut usage = Usage::new(Instant::now());
    usage.set_call_stats(2, 1);
    usage.set_call_stats(1, 3);
    assert_eq!((usage.retries, usage.throttled), (2, 3));
}

#[rstest]
#[case::empty_table(0, 1.0, 0.5)]
#[case::negative_size_is_empty(-1, 1.0, 0.5)]
#[case::small(98_765, 25.0, 12.5)]
#[case::two_pages(1100 * 1000, 270.0, 135.0)]
fn full_scan_predictions(#[case] size: i64, #[case] strong: f64, #[case] eventual: f64) {
    assert_eq!(full_scan_units(size), (strong, eventual));
}

#[rstest]
#[case::half(2.5, 5, Some(0.5))]
#[case::over(10.0, 5, Some(2.0))]
#[case::no_limit(1.0, 0, None)]
fn utilization_of_provisioned(#[case] rate: f64, #[case] limit: i64, #[case] share: Option<f64>) {
    assert_eq!(utilization(rate, limit), share);
}
