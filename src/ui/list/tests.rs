//! Unit tests of `ui/list.rs`.

use std::time::Duration;

use super::*;
use crate::msg::SegmentStart;

#[test]
fn a_paced_scan_shows_its_budget_and_eta() {
    let t0 = Instant::now();
    let mut scan = ScanState {
        id: 1,
        started: t0,
        first_page: Some(t0),
        finished: None,
        pages: 3,
        scanned: 30,
        skipped: 0,
        rcu: 1.5,
        segments: 4,
        cursors: vec![SegmentStart::Beginning; 4],
        outcome: ScanOutcome::Running,
        max_rcu_per_sec: Some(2.5),
        predicted_rcu: Some(201.5),
        scope: Default::default(),
        figures: Default::default(),
        expected_items: None,
    };
    let now = t0 + Duration::from_secs(1);
    assert_eq!(
        scan_progress(&scan, 30, now),
        " · 3 pages · 30/s · 1.5 RCU · paced 2.5 RCU/s · ETA 1m 20s · more…"
    );
    scan.predicted_rcu = None;
    assert_eq!(
        scan_progress(&scan, 30, now),
        " · 3 pages · 30/s · 1.5 RCU · paced 2.5 RCU/s · more…"
    );
    scan.outcome = ScanOutcome::Complete;
    scan.predicted_rcu = Some(201.5);
    scan.finished = Some(now);
    assert!(scan_progress(&scan, 30, now).ends_with(" · paced 2.5 RCU/s · complete"));
    scan.max_rcu_per_sec = None;
    assert_eq!(scan_progress(&scan, 30, now), " · 3 pages · 30/s · 1.5 RCU · complete");
}
