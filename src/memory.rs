//! The default list bound (`--max-wallets`): as many wallets as fit in about a quarter of
//! the memory the machine has available, so a table bigger than memory never ends in an
//! out-of-memory kill.

/// Bytes one loaded wallet costs the app, all told (the store, its index, the view): RSS
/// measured with 1,000,000 UUID wallets of three attributes loaded, 205 MB (README,
/// "Performance"), rounded up.
pub const BYTES_PER_WALLET: u64 = 210;

/// The bound when the available memory cannot be read (no `/proc/meminfo`).
pub const FALLBACK_MAX_WALLETS: u64 = 2_000_000;

/// The share of the available memory the list may take: one part in this many.
const MEMORY_SHARE: u64 = 4;

/// The default `--max-wallets`: a quarter of MemAvailable (or of the room left under the
/// process's cgroup memory limit, if smaller) over [`BYTES_PER_WALLET`], or
/// [`FALLBACK_MAX_WALLETS`].
pub fn default_max_wallets() -> u64 {
    let read = |path: &str| std::fs::read_to_string(path).ok();
    let machine = read("/proc/meminfo").and_then(|text| mem_available(&text));
    // In a container the machine's figure is not this process's: its cgroup's limit is.
    let cgroup = cgroup_room(
        read("/sys/fs/cgroup/memory.max")
            .or_else(|| read("/sys/fs/cgroup/memory/memory.limit_in_bytes")),
        read("/sys/fs/cgroup/memory.current")
            .or_else(|| read("/sys/fs/cgroup/memory/memory.usage_in_bytes")),
    );
    let available = match (machine, cgroup) {
        (Some(m), Some(c)) => Some(m.min(c)),
        (m, c) => m.or(c),
    };
    available.map_or(FALLBACK_MAX_WALLETS, max_wallets_for)
}

/// The room a cgroup's memory limit leaves (limit − usage), if it has one: `max` (v2) or a
/// huge v1 value mean no limit.
pub fn cgroup_room(limit: Option<String>, usage: Option<String>) -> Option<u64> {
    let limit: u64 = limit?.trim().parse().ok()?;
    if limit >= 1 << 60 {
        return None;
    }
    let usage: u64 = usage.and_then(|u| u.trim().parse().ok()).unwrap_or(0);
    Some(limit.saturating_sub(usage))
}

/// How many wallets fit in a quarter of `available` bytes (at least one).
pub fn max_wallets_for(available: u64) -> u64 {
    (available / MEMORY_SHARE / BYTES_PER_WALLET).max(1)
}

/// MemAvailable from `/proc/meminfo`'s text, in bytes.
pub fn mem_available(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let mut words = line.split_whitespace().skip(1);
    let value: u64 = words.next()?.parse().ok()?;
    match words.next() {
        Some("kB") => value.checked_mul(1024),
        None => Some(value),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests;
