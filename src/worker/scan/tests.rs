//! Unit tests of `worker/scan.rs`.

use super::*;

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

/// Asserts two instants agree to a microsecond (durations go through f64).
#[track_caller]
fn assert_at(actual: Instant, expected: Instant) {
    let diff = if actual > expected { actual - expected } else { expected - actual };
    assert!(diff < Duration::from_micros(1), "{actual:?} vs {expected:?}");
}

#[track_caller]
fn book(pacer: &Pacer, now: Instant) -> Booking {
    pacer.try_book(now, None).unwrap_or_else(|at| panic!("not before {at:?}"))
}

/// A pacer that has already read items of `item` bytes (one page of 100).
fn warmed(rate: f64, item: u64, t0: Instant) -> Pacer {
    let pacer = Pacer::new(rate, Consistency::Eventual, t0);
    pacer.state().items = 100;
    pacer.state().bytes = 100 * item;
    pacer
}

#[test]
fn a_page_reads_half_a_second_of_the_budget() {
    let t0 = Instant::now();
    let eventual = |rate| Pacer::new(rate, Consistency::Eventual, t0);
    let strong = |rate| Pacer::new(rate, Consistency::Strong, t0);
    // 77 RCU/s: 38.5 RCU a page, 77 eventually consistent 4 KB units = 315,392 bytes.
    assert_eq!(eventual(77.0).page_limit(Some(1000.0), None), 315);
    // The same units strongly consistent: 38.5 units = 157,696 bytes.
    assert_eq!(strong(77.0).page_limit(Some(1000.0), None), 157);
    // Half a 1-RCU table: never less than one read unit's worth (4 KB).
    assert_eq!(eventual(0.5).page_limit(Some(1000.0), None), 4);
    assert_eq!(strong(0.5).page_limit(Some(1000.0), None), 4);
    // Never more than the configured limit, never less than one item.
    assert_eq!(eventual(77.0).page_limit(Some(1000.0), Some(100)), 100);
    assert_eq!(eventual(0.5).page_limit(Some(300_000.0), None), 1);
    // DynamoDB stops a page at 1 MB anyway.
    assert_eq!(eventual(1e6).page_limit(Some(100.0), None), 10_485);
    // Before any item was read, items are assumed as large as they may be.
    assert_eq!(eventual(77.0).page_limit(None, None), 1);
    assert_eq!(eventual(1000.0).page_limit(None, None), 2);
}

#[test]
fn requests_are_spaced_by_their_costs() {
    let t0 = Instant::now();
    // Items of 1000 bytes at 10 RCU/s: pages of 40 items (40,000 bytes, 5 RCU).
    let pacer = warmed(10.0, 1000, t0);
    let first = book(&pacer, t0);
    assert_eq!(first, Booking { at: t0, limit: 40, units: 5.0 });
    // Other segments wait for the budget to pay for it: half a second.
    assert_at(pacer.try_book(t0, None).expect_err("too early"), t0 + secs(0.5));
    let almost = t0 + secs(0.499);
    assert_at(pacer.try_book(almost, None).expect_err("too early"), t0 + secs(0.5));
    let second = book(&pacer, t0 + secs(0.5));
    assert_at(pacer.try_book(second.at, None).expect_err("too early"), t0 + secs(1.0));
}

#[test]
fn a_page_corrects_its_booking_by_what_it_consumed() {
    let t0 = Instant::now();
    let pacer = warmed(10.0, 1000, t0);
    let first = book(&pacer, t0);
    // It cost 2 RCU more than booked: the next request waits 0.2 s longer.
    pacer.settle(&first, 7.0, 40, 40_000);
    let second = book(&pacer, t0 + secs(0.7));
    // A short last page gives back what it did not use.
    pacer.settle(&second, 1.0, 8, 8_000);
    let third = book(&pacer, t0 + secs(0.8));
    // Requests started after what the ones before consumed: 7 RCU, then 1 RCU.
    assert_at(third.at, t0 + secs((7.0 + 1.0) / 10.0));
    // Not before: the first two pages were exactly paid for.
    assert!(pacer.try_book(t0 + secs(0.79), None).is_err());
}

#[tokio::test]
async fn a_waiting_request_starts_as_soon_as_a_correction_allows() {
    let t0 = Instant::now();
    // A 5 RCU page at 10 RCU/s: the next request would wait half a second...
    let pacer = Arc::new(warmed(10.0, 1000, t0));
    let first = book(&pacer, t0);
    let waiting = tokio::spawn({
        let pacer = pacer.clone();
        async move { pacer.admit(None).await }
    });
    tokio::time::sleep(secs(0.05)).await;
    // ...but the page read nothing: the budget is free again at once.
    pacer.settle(&first, 0.0, 0, 0);
    let second = tokio::time::timeout(secs(0.3), waiting)
        .await
        .expect("woken by the correction")
        .expect("no panic");
    assert!(second.at - t0 < secs(0.3), "started after {:?}", second.at - t0);
}

#[test]
fn a_missing_capacity_is_estimated_from_item_sizes() {
    let t0 = Instant::now();
    let pacer = Pacer::new(1.0, Consistency::Eventual, t0);
    let item = |n: usize| {
        HashMap::from([
            ("user_id".to_string(), AttributeValue::S(format!("{n:04}"))),
            ("pad".to_string(), AttributeValue::S("x".repeat(2000))),
        ])
    };
    // 7 + 4 + 3 + 2000 = 2014 bytes an item.
    let page = |items: &[Item]| Page::from_items(items);
    assert_eq!(page(&[item(1)]).bytes, 2014);
    // Sizes unknown: one item, booked at the minimum (half a unit).
    let first = book(&pacer, t0);
    assert_eq!((first.limit, first.units), (1, 0.5));
    // Three items, 6042 bytes: 2 units of 4 KB = 1 RCU eventually consistent,
    // half a unit more than booked.
    let items: Vec<_> = (0..3).map(item).collect();
    let three = page(&items);
    pacer.settle_page(&first, None, three.items(), three.bytes);
    assert_at(pacer.try_book(t0, None).expect_err("paced"), t0 + secs(1.0));
    // Now sized: 1 RCU/s is half a unit a page, 4096 / 2014 = 2 items.
    let next = book(&pacer, t0 + secs(1.0));
    assert_eq!((next.limit, next.units), (2, 0.5));
    // A reported capacity is taken as it is.
    let two = page(&items[..2]);
    pacer.settle_page(&next, Some(3.0), two.items(), two.bytes);
    assert_at(pacer.try_book(next.at, None).expect_err("paced"), t0 + secs(4.0));
}

#[test]
fn idle_time_is_not_saved_up() {
    let t0 = Instant::now();
    let pacer = warmed(10.0, 1000, t0);
    let first = book(&pacer, t0);
    pacer.settle(&first, first.units, 40, 40_000);
    // A minute later a request goes at once...
    let later = t0 + secs(60.0);
    assert_eq!(book(&pacer, later).at, later);
    // ...but the next one waits for it to be paid: no burst of saved-up budget.
    assert_at(pacer.try_book(later, None).expect_err("paced"), later + secs(0.5));
}

/// Segments sharing a pacer, simulated in virtual time: a segment asks to
/// start when its previous page arrives (and again when told the budget is
/// free); pages take `latency` and cost what DynamoDB charges for their items.
/// Returns (arrival in seconds, units) of every page.
fn simulate(rate: f64, segments: usize, items_each: u64, latency: f64) -> Vec<(f64, f64)> {
    const ITEM: u64 = 1000;
    let t0 = Instant::now();
    let pacer = Pacer::new(rate, Consistency::Eventual, t0);
    // Per segment: items left, the time of its next event, the page in flight.
    let mut segs: Vec<(u64, Instant, Option<Booking>)> =
        (0..segments).map(|_| (items_each, t0, None)).collect();
    let mut pages = Vec::new();
    while let Some(i) =
        (0..segments).filter(|&i| segs[i].0 > 0 || segs[i].2.is_some()).min_by_key(|&i| segs[i].1)
    {
        let now = segs[i].1;
        if let Some(booking) = segs[i].2.take() {
            let items = u64::try_from(booking.limit).expect("positive").min(segs[i].0);
            segs[i].0 -= items;
            let units = capacity::scan_page_read_units(items * ITEM, Consistency::Eventual);
            pacer.settle(&booking, units, items, items * ITEM);
            pages.push(((now - t0).as_secs_f64(), units));
            // Waiting segments are told to look again.
            for seg in segs.iter_mut().filter(|s| s.2.is_none()) {
                seg.1 = seg.1.min(now);
            }
        } else {
            match pacer.try_book(now, Some(1000)) {
                Ok(booking) => segs[i] = (segs[i].0, now + secs(latency), Some(booking)),
                Err(slot) => segs[i].1 = slot,
            }
        }
    }
    pages
}

#[test]
fn segments_sharing_a_pacer_read_at_the_budget() {
    // 3000 items of 1000 bytes in 4 segments: about 370 RCU, at 74 RCU/s ≈ 5 s.
    for latency in [0.0, 0.02, 0.2] {
        let rate = 74.0;
        let pages = simulate(rate, 4, 750, latency);
        let total: f64 = pages.iter().map(|p| p.1).sum();
        let end = pages.iter().map(|p| p.0).fold(0.0, f64::max);
        let largest = pages.iter().map(|p| p.1).fold(0.0, f64::max);
        let last = pages.last().expect("pages").1;
        eprintln!(
            "latency {latency}: {} pages, {total} RCU in {end:.3} s, last {last}",
            pages.len()
        );
        // No request starts before the pages before it are paid for, and the
        // budget is not left unused: the run takes what it consumed at the
        // budget, but for the last page's own cost, plus the last latency
        // (and, at most, the first: until a page has come back, item sizes
        // are unknown and pages are one item).
        let paid = (total - last) / rate;
        assert!(end >= paid + latency - 1e-6, "{latency}: {end} s < {paid} s");
        assert!(end <= paid + 2.0 * latency + 0.01, "{latency}: {end} s > {paid} s");
        let measured = total / end;
        assert!((measured / rate - 1.0).abs() < 0.1, "{latency}: {measured} RCU/s");
        assert!(largest <= rate * PAGE_SECONDS + 0.5, "a page of {largest} RCU");
        for (start, _) in &pages {
            let window: f64 =
                pages.iter().filter(|p| p.0 >= *start && p.0 < start + 1.0).map(|p| p.1).sum();
            assert!(window <= rate + largest, "{latency}: {window} RCU in 1 s from {start}");
        }
    }
}
