//! Tests of the default list bound.

use super::*;

#[test]
fn reads_mem_available_in_kilobytes() {
    let text =
        "MemTotal:       16303520 kB\nMemFree:         1000000 kB\nMemAvailable:    8000000 kB\n";
    assert_eq!(mem_available(text), Some(8_000_000 * 1024));
    assert_eq!(mem_available("MemTotal: 5 kB\n"), None);
    assert_eq!(mem_available("MemAvailable: x kB\n"), None);
}

#[test]
fn a_quarter_of_the_memory_over_the_cost_of_a_wallet() {
    // 8 GB available: 2 GB for the list, about 10 million wallets.
    assert_eq!(max_wallets_for(8 << 30), (2u64 << 30) / BYTES_PER_WALLET);
    assert_eq!(max_wallets_for(0), 1);
    assert!(default_max_wallets() >= 1);
}

#[test]
fn a_cgroup_limit_leaves_its_room_and_max_means_none() {
    let some = |s: &str| Some(s.to_string());
    assert_eq!(cgroup_room(some("max\n"), some("100")), None);
    assert_eq!(cgroup_room(some("1073741824\n"), some("73741824\n")), Some(1_000_000_000));
    assert_eq!(cgroup_room(some("9223372036854771712"), None), None, "v1's no-limit value");
    assert_eq!(cgroup_room(None, some("5")), None);
    assert_eq!(cgroup_room(some("100"), some("200")), Some(0));
}
