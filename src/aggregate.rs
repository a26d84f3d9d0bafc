//! Whole-table figures computed while scanning, whatever the list keeps: per currency the
//! count, exact total, min, max, the [`TOP_N`] largest and smallest balances with their
//! user_ids, and a balance histogram. Bounded memory (at most [`MAX_GROUPS`] currencies of
//! a few KB each), and mergeable: each scan page (or segment) has its own, merged after. A
//! page after others of its segment starts from their floors ([`Aggregate::next_page`]), so
//! the wallets they already beat skip the heaps.
//!
//! The histogram's buckets are exact decades, by sign: zero has its own bucket; a positive
//! balance `b` with `10^d <= b < 10^(d+1)` is in bucket `+d`; a negative one with
//! `10^d <= |b| < 10^(d+1)` in bucket `-d`. The decade is read off the exact decimal
//! (`exponent + digits - 1`), never computed in floating point.

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BinaryHeap};

use crate::balance::{Balance, Sum};
use crate::list::MAX_GROUPS;
use crate::wallet::UserId;

/// How many of the largest and of the smallest balances are kept per currency.
pub const TOP_N: usize = 100;

/// A balance and whose it is, ordered by balance then user_id (a total order, so the
/// largest and smallest are the same whatever order the items came in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranked {
    pub balance: Balance,
    pub user_id: UserId,
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        self.balance.cmp(&other.balance).then_with(|| self.user_id.cmp(&other.user_id))
    }
}

/// A group's floors: the largest's, then the smallest's (see [`Figures`]).
type Floors = (Option<Ranked>, Option<Ranked>);

/// Where a balance and its user_id go against a kept one, in [`Ranked`]'s order.
fn rank(balance: Balance, user_id: &UserId, kept: &Ranked) -> Ordering {
    balance.cmp(&kept.balance).then_with(|| user_id.cmp(&kept.user_id))
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A histogram bucket: the sign and the decade of the balance's magnitude.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bucket {
    /// `-10^(d+1) < b <= -10^d`.
    Negative(i16),
    /// `b == 0`.
    Zero,
    /// `10^d <= b < 10^(d+1)`.
    Positive(i16),
}

impl Bucket {
    /// The bucket of a balance.
    pub fn of(balance: Balance) -> Bucket {
        if balance.is_zero() {
            return Bucket::Zero;
        }
        let digits = i16::try_from(balance.significant_digits()).unwrap_or(i16::MAX);
        let decade = balance.exponent().saturating_add(digits - 1);
        if balance.is_negative() { Bucket::Negative(decade) } else { Bucket::Positive(decade) }
    }

    /// Sorts buckets by the values they hold, the most negative first.
    fn key(self) -> (i8, i16) {
        match self {
            Bucket::Negative(d) => (-1, -d),
            Bucket::Zero => (0, 0),
            Bucket::Positive(d) => (1, d),
        }
    }

    /// The bucket's range in words, exact: "[100, 1000)", "(-10, -1]", "0".
    pub fn label(self) -> String {
        let power = |d: i16| Balance::parse(&format!("1E{d}")).map(|b| b.to_string());
        let power = |d: i16| power(d).unwrap_or_else(|_| format!("1E{d}"));
        match self {
            Bucket::Zero => "0".to_string(),
            Bucket::Positive(d) => format!("[{}, {})", power(d), power(d.saturating_add(1))),
            Bucket::Negative(d) => format!("(-{}, -{}]", power(d.saturating_add(1)), power(d)),
        }
    }
}

impl Ord for Bucket {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl PartialOrd for Bucket {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The figures of one currency (or of the wallets without one).
#[derive(Debug, Clone, Default)]
pub struct Figures {
    /// Wallets, with a numeric balance or not.
    pub count: u64,
    /// Wallets without a numeric balance: counted, not in the total, bounds or histogram.
    pub without_balance: u64,
    pub total: Sum,
    pub min: Option<Balance>,
    pub max: Option<Balance>,
    /// The largest [`TOP_N`]: a min-heap, its top the smallest kept.
    largest: BinaryHeap<Reverse<Ranked>>,
    /// The smallest [`TOP_N`]: a max-heap, its top the largest kept.
    smallest: BinaryHeap<Ranked>,
    histogram: BTreeMap<Bucket, u64>,
    /// A page's hints from the earlier pages of its segment ([`Aggregate::next_page`]): a
    /// wallet at or below `floor_largest` is not offered to `largest`, as [`TOP_N`] wallets
    /// above it were counted already (and sent); likewise at or above `floor_smallest`. Most
    /// wallets of a long scan are thus one comparison, not a heap's push and pop. Not figures:
    /// equality ignores them, and merged figures do not take them.
    floor_largest: Option<Ranked>,
    floor_smallest: Option<Ranked>,
}

impl Figures {
    /// Counts one wallet.
    pub fn add(&mut self, user_id: &UserId, balance: Option<Balance>) {
        self.count += 1;
        let Some(balance) = balance else {
            self.without_balance += 1;
            return;
        };
        self.total.add(balance);
        self.min = Some(self.min.map_or(balance, |m| m.min(balance)));
        self.max = Some(self.max.map_or(balance, |m| m.max(balance)));
        *self.histogram.entry(Bucket::of(balance)).or_default() += 1;
        self.rank(balance, user_id);
    }

    /// Offers a balance to both bounded heaps; the user_id is cloned only when kept.
    fn rank(&mut self, balance: Balance, user_id: &UserId) {
        self.rank_largest(balance, user_id);
        self.rank_smallest(balance, user_id);
    }

    fn rank_largest(&mut self, balance: Balance, user_id: &UserId) {
        let above = |kept: &Reverse<Ranked>| {
            balance.cmp(&kept.0.balance).then_with(|| user_id.cmp(&kept.0.user_id)).is_gt()
        };
        if self.floor_largest.as_ref().is_some_and(|floor| rank(balance, user_id, floor).is_le()) {
            return;
        }
        if self.largest.len() >= TOP_N {
            if !self.largest.peek().is_some_and(above) {
                return;
            }
            self.largest.pop();
        }
        self.largest.push(Reverse(Ranked { balance, user_id: user_id.clone() }));
    }

    fn rank_smallest(&mut self, balance: Balance, user_id: &UserId) {
        let below = |kept: &Ranked| {
            balance.cmp(&kept.balance).then_with(|| user_id.cmp(&kept.user_id)).is_lt()
        };
        if self.floor_smallest.as_ref().is_some_and(|floor| rank(balance, user_id, floor).is_ge()) {
            return;
        }
        if self.smallest.len() >= TOP_N {
            if !self.smallest.peek().is_some_and(below) {
                return;
            }
            self.smallest.pop();
        }
        self.smallest.push(Ranked { balance, user_id: user_id.clone() });
    }

    /// Adds another's figures to these.
    pub fn merge(&mut self, other: &Figures) {
        self.count += other.count;
        self.without_balance += other.without_balance;
        self.total.merge(&other.total);
        for bound in [other.min, other.max].into_iter().flatten() {
            self.min = Some(self.min.map_or(bound, |m| m.min(bound)));
            self.max = Some(self.max.map_or(bound, |m| m.max(bound)));
        }
        for (bucket, n) in &other.histogram {
            *self.histogram.entry(*bucket).or_default() += n;
        }
        for Reverse(ranked) in &other.largest {
            self.rank_largest(ranked.balance, &ranked.user_id);
        }
        for ranked in &other.smallest {
            self.rank_smallest(ranked.balance, &ranked.user_id);
        }
    }

    /// Wallets with a numeric balance (those the total, bounds and histogram are over).
    pub fn numeric(&self) -> u64 {
        self.count - self.without_balance
    }

    /// The floors a later page of the same segment may use: the tighter of this page's own
    /// and the [`TOP_N`]th largest and smallest it kept (when it kept that many).
    fn floors_after(&self) -> Floors {
        let full = |len: usize| len >= TOP_N;
        let top = self.largest.peek().filter(|_| full(self.largest.len())).map(|r| r.0.clone());
        let bottom = self.smallest.peek().filter(|_| full(self.smallest.len())).cloned();
        let largest = self.floor_largest.clone().max(top);
        let smallest = match (self.floor_smallest.clone(), bottom) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        (largest, smallest)
    }

    /// The largest balances, the largest first (at most [`TOP_N`]).
    pub fn largest(&self) -> Vec<Ranked> {
        let mut largest: Vec<Ranked> = self.largest.iter().map(|r| r.0.clone()).collect();
        largest.sort_by(|a, b| b.cmp(a));
        largest
    }

    /// The smallest balances, the smallest first (at most [`TOP_N`]).
    pub fn smallest(&self) -> Vec<Ranked> {
        let mut smallest: Vec<Ranked> = self.smallest.iter().cloned().collect();
        smallest.sort();
        smallest
    }

    /// The histogram, the most negative bucket first; empty buckets are left out.
    pub fn histogram(&self) -> impl Iterator<Item = (Bucket, u64)> + '_ {
        self.histogram.iter().map(|(b, n)| (*b, *n))
    }
}

impl PartialEq for Figures {
    fn eq(&self, other: &Self) -> bool {
        self.count == other.count
            && self.without_balance == other.without_balance
            && self.total.total() == other.total.total()
            && (self.min, self.max) == (other.min, other.max)
            && self.histogram == other.histogram
            && self.largest() == other.largest()
            && self.smallest() == other.smallest()
    }
}

/// A currency looked up without allocating: it hashes as `Option<Box<str>>` does.
#[derive(Hash)]
struct CurrencyRef<'a>(Option<&'a str>);

impl hashbrown::Equivalent<Option<Box<str>>> for CurrencyRef<'_> {
    fn equivalent(&self, key: &Option<Box<str>>) -> bool {
        self.0 == key.as_deref()
    }
}

/// Whole-table figures: the wallets by currency (the configured currency attribute), and
/// the items that are not wallets.
#[derive(Debug, Clone, Default)]
pub struct Aggregate {
    /// By currency as stored (a non-string value as its type and JSON, like the list's
    /// footer names it); `None`: wallets without the attribute.
    groups: hashbrown::HashMap<Option<Box<str>>, Figures>,
    /// Wallets in currencies past the first [`MAX_GROUPS`]: counted, not totalled.
    pub beyond: u64,
    /// Items that are not wallets (no string `user_id`).
    pub not_wallets: u64,
    /// Floors by currency for the groups this page starts (see [`Figures`]'s).
    floors: hashbrown::HashMap<Option<Box<str>>, Floors>,
}

impl PartialEq for Aggregate {
    /// The figures; floors are hints, not figures.
    fn eq(&self, other: &Self) -> bool {
        (&self.groups, self.beyond, self.not_wallets)
            == (&other.groups, other.beyond, other.not_wallets)
    }
}

impl Aggregate {
    /// Counts one wallet of `currency`.
    pub fn add(&mut self, currency: Option<&str>, user_id: &UserId, balance: Option<Balance>) {
        // Looked up by reference: no allocation per item once the currency is known.
        if let Some(figures) = self.groups.get_mut(&CurrencyRef(currency)) {
            return figures.add(user_id, balance);
        }
        if self.groups.len() >= MAX_GROUPS {
            self.beyond += 1;
            return;
        }
        let mut figures = Figures::default();
        if let Some((largest, smallest)) = self.floors.get(&CurrencyRef(currency)) {
            figures.floor_largest = largest.clone();
            figures.floor_smallest = smallest.clone();
        }
        figures.add(user_id, balance);
        self.groups.insert(currency.map(Box::from), figures);
    }

    /// An empty aggregate for the next page of the same segment, after this page's: its
    /// groups start with the floors of this page and the ones before it, so that wallets
    /// that cannot be among the largest or smallest of their currency skip the heaps. Valid
    /// only where this page's figures (and those before it) are merged too. The floors move
    /// to the next page (this one no longer needs them): at most [`MAX_GROUPS`] currencies,
    /// only those with a floor.
    pub fn next_page(&mut self) -> Aggregate {
        let mut floors = std::mem::take(&mut self.floors);
        for (currency, figures) in &self.groups {
            let after = figures.floors_after();
            let room = floors.len() < MAX_GROUPS || floors.contains_key(currency);
            if room && !matches!(after, (None, None)) {
                floors.insert(currency.clone(), after);
            }
        }
        Aggregate { floors, ..Aggregate::default() }
    }

    /// Adds another's figures to these (another page's, another segment's).
    pub fn merge(&mut self, other: &Aggregate) {
        self.beyond += other.beyond;
        self.not_wallets += other.not_wallets;
        for (currency, figures) in &other.groups {
            let full = self.groups.len() >= MAX_GROUPS;
            match self.groups.get_mut(currency) {
                Some(mine) => mine.merge(figures),
                None if full => self.beyond += figures.count,
                None => {
                    // Figures only: another page's floors say nothing about these.
                    let mut figures = figures.clone();
                    figures.floor_largest = None;
                    figures.floor_smallest = None;
                    self.groups.insert(currency.clone(), figures);
                }
            }
        }
    }

    /// Wallets counted (in a group or beyond them).
    pub fn wallets(&self) -> u64 {
        self.groups.values().map(|f| f.count).sum::<u64>() + self.beyond
    }

    /// True before any item was counted.
    pub fn is_empty(&self) -> bool {
        self.wallets() == 0 && self.not_wallets == 0
    }

    /// Every currency, the one with most wallets first (ties by name, no currency last).
    pub fn groups(&self) -> Vec<(Option<&str>, &Figures)> {
        let mut groups: Vec<_> = self.groups.iter().map(|(c, f)| (c.as_deref(), f)).collect();
        groups.sort_by(|a, b| {
            let key = |g: &(Option<&str>, &Figures)| (Reverse(g.1.count), g.0.is_none());
            key(a).cmp(&key(b)).then_with(|| a.0.cmp(&b.0))
        });
        groups
    }

    /// The figures of one currency (`None`: the wallets without one).
    pub fn group(&self, currency: Option<&str>) -> Option<&Figures> {
        self.groups.get(&CurrencyRef(currency))
    }

    /// The figures as text lines: per currency its count, total, min, max, histogram and
    /// the `ranked` largest and smallest balances (the TUI's view and `stats`).
    pub fn report(&self, ranked: usize) -> Vec<String> {
        let group = crate::text::group;
        let mut lines = vec![format!(
            "{} wallets · {} items not wallets{}",
            group(self.wallets()),
            group(self.not_wallets),
            match self.beyond {
                0 => String::new(),
                n => format!(" · {} in currencies past the first {MAX_GROUPS}", group(n)),
            }
        )];
        for (currency, f) in self.groups() {
            lines.push(String::new());
            let name = currency.map_or("(no currency)".to_string(), crate::text::visible_text);
            lines.push(format!(
                "{name} · {} wallets · {} without a numeric balance",
                group(f.count),
                group(f.without_balance)
            ));
            lines.push(format!("  total {}", f.total));
            if let (Some(min), Some(max)) = (f.min, f.max) {
                lines.push(format!("  min {min} · max {max}"));
            }
            lines.push("  histogram (exact decades by sign):".to_string());
            let widest = f.histogram().map(|(_, n)| n).max().unwrap_or(1).max(1);
            for (bucket, n) in f.histogram() {
                let bar = "█".repeat(((n * 30).div_ceil(widest)) as usize);
                lines.push(format!("    {:>24} {:>12} {bar}", bucket.label(), group(n)));
            }
            for (title, list) in [("largest", f.largest()), ("smallest", f.smallest())] {
                let shown = list.len().min(ranked);
                lines.push(format!("  {title} {shown} of {}:", list.len()));
                for r in list.iter().take(ranked) {
                    let id = crate::text::visible_text(&r.user_id.to_text());
                    lines.push(format!("    {:>42}  {id}", r.balance.to_string()));
                }
            }
        }
        lines
    }

    /// The figures as JSON, every number as its exact decimal text (a JSON number would be
    /// read as a float by most tools).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        let ranked = |list: Vec<Ranked>| {
            list.into_iter()
                .map(|r| json!({"user_id": r.user_id.to_text(), "balance": r.balance.to_string()}))
                .collect::<Vec<_>>()
        };
        let groups: Vec<_> = self
            .groups()
            .into_iter()
            .map(|(currency, f)| {
                let histogram: Vec<_> = f
                    .histogram()
                    .map(|(b, n)| json!({"bucket": b.label(), "count": n.to_string()}))
                    .collect();
                json!({
                    "currency": currency,
                    "count": f.count.to_string(),
                    "without_balance": f.without_balance.to_string(),
                    "total": f.total.to_string(),
                    "min": f.min.map(|b| b.to_string()),
                    "max": f.max.map(|b| b.to_string()),
                    "largest": ranked(f.largest()),
                    "smallest": ranked(f.smallest()),
                    "histogram": histogram,
                })
            })
            .collect();
        json!({
            "wallets": self.wallets().to_string(),
            "not_wallets": self.not_wallets.to_string(),
            "beyond_currencies": self.beyond.to_string(),
            "currencies": groups,
        })
    }
}

#[cfg(test)]
mod tests;
