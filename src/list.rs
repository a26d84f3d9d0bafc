//! The loaded wallets: a compact store with an index by `user_id`, plus the
//! filtered and sorted view the list pane shows, and its aggregates.
//! Written for a million rows: no per-row maps, no rebuilding per page.

use std::cmp::Ordering;
use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

use crate::balance::{Balance, Sum};
use crate::wallet::{UserId, Wallet};

/// The list's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// The order pages arrived in.
    #[default]
    Loaded,
    UserIdAsc,
    UserIdDesc,
    BalanceAsc,
    BalanceDesc,
}

impl SortKey {
    /// The next order for the `s` key.
    pub fn next(self) -> Self {
        match self {
            SortKey::Loaded => SortKey::UserIdAsc,
            SortKey::UserIdAsc => SortKey::UserIdDesc,
            SortKey::UserIdDesc => SortKey::BalanceAsc,
            SortKey::BalanceAsc => SortKey::BalanceDesc,
            SortKey::BalanceDesc => SortKey::Loaded,
        }
    }

    /// Label for the list title.
    pub fn label(self) -> &'static str {
        match self {
            SortKey::Loaded => "scan order",
            SortKey::UserIdAsc => "user_id ↑",
            SortKey::UserIdDesc => "user_id ↓",
            SortKey::BalanceAsc => "balance ↑",
            SortKey::BalanceDesc => "balance ↓",
        }
    }

    /// Exact comparison; wallets without a balance sort last either way, ties by user_id.
    fn compare(self, a: &Wallet, b: &Wallet) -> Ordering {
        let by_balance = |descending: bool| match (&a.balance, &b.balance) {
            (Some(x), Some(y)) if descending => y.cmp(x),
            (Some(x), Some(y)) => x.cmp(y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        match self {
            SortKey::Loaded => Ordering::Equal,
            SortKey::UserIdAsc => a.user_id.cmp(&b.user_id),
            SortKey::UserIdDesc => b.user_id.cmp(&a.user_id),
            SortKey::BalanceAsc => by_balance(false).then_with(|| a.user_id.cmp(&b.user_id)),
            SortKey::BalanceDesc => by_balance(true).then_with(|| a.user_id.cmp(&b.user_id)),
        }
    }
}

/// A numeric comparison for balance filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Lt,
    Le,
    Eq,
    Ne,
    Ge,
    Gt,
}

/// Which wallets the view shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Filter {
    #[default]
    All,
    /// `user_id` contains this text (case-insensitive).
    IdContains(String),
    /// `balance <op> value`; wallets without a balance never match.
    Balance(CmpOp, Balance),
}

impl Filter {
    /// Parses the filter box: `>100`, `<=0`, `=12.50`, `!=0` compare balances;
    /// anything else is a `user_id` substring; empty shows everything.
    pub fn parse(text: &str) -> Result<Filter, String> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(Filter::All);
        }
        let ops = [
            ("<=", CmpOp::Le),
            (">=", CmpOp::Ge),
            ("!=", CmpOp::Ne),
            ("==", CmpOp::Eq),
            ("<", CmpOp::Lt),
            (">", CmpOp::Gt),
            ("=", CmpOp::Eq),
        ];
        for (prefix, op) in ops {
            if let Some(rest) = text.strip_prefix(prefix) {
                let value = Balance::parse(rest).map_err(|e| format!("balance {prefix} …: {e}"))?;
                return Ok(Filter::Balance(op, value));
            }
        }
        Ok(Filter::IdContains(text.to_lowercase()))
    }

    fn matches(&self, wallet: &Wallet) -> bool {
        match self {
            Filter::All => true,
            Filter::IdContains(needle) => {
                wallet.user_id.with_text(|id| contains_ignore_case(id, needle))
            }
            Filter::Balance(op, value) => wallet.balance.is_some_and(|b| {
                let ord = b.cmp(value);
                match op {
                    CmpOp::Lt => ord.is_lt(),
                    CmpOp::Le => ord.is_le(),
                    CmpOp::Eq => ord.is_eq(),
                    CmpOp::Ne => ord.is_ne(),
                    CmpOp::Ge => ord.is_ge(),
                    CmpOp::Gt => ord.is_gt(),
                }
            }),
        }
    }
}

/// `needle` is already lower-case.
fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    if haystack.bytes().all(|b| !b.is_ascii_uppercase()) {
        return haystack.contains(needle);
    }
    haystack.to_lowercase().contains(needle)
}

/// Count, exact total, min and max over the wallets in view.
#[derive(Debug, Clone, Default)]
pub struct Aggregates {
    pub count: usize,
    /// Wallets in view without a numeric balance.
    pub without_balance: usize,
    pub total: Sum,
    pub min: Option<Balance>,
    pub max: Option<Balance>,
}

impl Aggregates {
    /// Whether a wallet in view whose balance goes from `old` to `new` can be accounted for
    /// in place: not when it held the minimum or maximum and changes (the next one is not
    /// known without a pass).
    fn can_replace(&self, old: Option<Balance>, new: Option<Balance>) -> bool {
        old == new || old.is_none_or(|o| self.min != Some(o) && self.max != Some(o))
    }

    /// Accounts for a wallet in view whose balance goes from `old` to `new` (`new` `None`
    /// and `gone`: it left the view). Only after [`Aggregates::can_replace`].
    fn replace(&mut self, old: Option<Balance>, new: Option<Balance>, gone: bool) {
        match old {
            Some(b) => self.total.sub(b),
            None => self.without_balance -= 1,
        }
        self.count -= 1;
        if !gone {
            self.add_balance(new);
        }
    }

    fn add(&mut self, wallet: &Wallet) {
        self.add_balance(wallet.balance);
    }

    fn add_balance(&mut self, balance: Option<Balance>) {
        self.count += 1;
        let Some(b) = balance else {
            self.without_balance += 1;
            return;
        };
        self.total.add(b);
        self.min = Some(self.min.map_or(b, |m| m.min(b)));
        self.max = Some(self.max.map_or(b, |m| m.max(b)));
    }
}

/// All loaded wallets and the view over them.
#[derive(Debug, Clone, Default)]
pub struct WalletList {
    wallets: Vec<Wallet>,
    by_id: IdIndex,
    /// Indices into `wallets`: the filtered rows in `sort` order...
    view: Vec<u32>,
    /// ...except the last `unsorted_tail` entries, appended since the last sort.
    unsorted_tail: usize,
    sort: SortKey,
    filter: Filter,
    aggregates: Aggregates,
    /// Set when a change invalidated the view; `settle` rebuilds it.
    stale: bool,
}

impl WalletList {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets every wallet (a new scan starts), keeping sort and filter.
    pub fn clear(&mut self) {
        *self = WalletList { sort: self.sort, filter: self.filter.clone(), ..Self::default() };
    }

    /// Makes room for `additional` more wallets without regrowing.
    pub fn reserve(&mut self, additional: usize) {
        self.wallets.reserve(additional);
        self.view.reserve(additional);
        let (wallets, hasher) = (&self.wallets, &self.by_id.hasher);
        self.by_id.table.reserve(additional, |&i| hasher.hash_one(&wallets[i as usize].user_id));
    }

    /// Wallets loaded.
    pub fn loaded(&self) -> usize {
        self.wallets.len()
    }

    /// Wallets in view (matching the filter).
    pub fn len(&self) -> usize {
        self.view.len()
    }

    /// True when no wallet is in view.
    pub fn is_empty(&self) -> bool {
        self.view.is_empty()
    }

    /// The wallet at a view position.
    pub fn get(&self, position: usize) -> Option<&Wallet> {
        self.view.get(position).and_then(|&i| self.wallets.get(i as usize))
    }

    /// The wallets at view positions `range` (for drawing only the visible rows).
    pub fn window(&self, start: usize, len: usize) -> impl Iterator<Item = &Wallet> {
        let end = start.saturating_add(len).min(self.view.len());
        let start = start.min(end);
        self.view[start..end].iter().map(|&i| &self.wallets[i as usize])
    }

    /// Where a wallet is in the view.
    pub fn position_of(&self, id: &UserId) -> Option<usize> {
        let index = self.by_id.find(&self.wallets, id)?;
        self.view.iter().position(|&i| i == index)
    }

    /// The wallet with this id, loaded or not in view.
    pub fn find(&self, id: &UserId) -> Option<&Wallet> {
        self.by_id.find(&self.wallets, id).map(|i| &self.wallets[i as usize])
    }

    pub fn sort(&self) -> SortKey {
        self.sort
    }

    pub fn filter(&self) -> &Filter {
        &self.filter
    }

    pub fn aggregates(&self) -> &Aggregates {
        &self.aggregates
    }

    /// True while rows appended since the last sort are not in order yet.
    pub fn needs_settle(&self) -> bool {
        self.stale || (self.unsorted_tail > 0 && self.sort != SortKey::Loaded)
    }

    /// Adds a page of wallets; a wallet already loaded is replaced in place.
    /// Cheap: new rows are appended to the view and merged into order by `settle`.
    pub fn extend(&mut self, page: impl IntoIterator<Item = Wallet>) {
        for wallet in page {
            self.put(wallet, false);
        }
    }

    /// Inserts or replaces one wallet (a scanned page, a write's new value, a stream
    /// record). A replaced wallet keeps the view in order in place when it can (see
    /// [`WalletList::replace_in_view`]); otherwise the view is rebuilt by `settle`.
    pub fn upsert(&mut self, wallet: Wallet) {
        self.put(wallet, true);
    }

    /// [`WalletList::upsert`]; a new wallet goes `placed` straight to its place in an
    /// ordered view (one change), else to the unsorted tail (a scan's pages, merged in
    /// bulk by `settle`).
    fn put(&mut self, wallet: Wallet, placed: bool) {
        if let Some(i) = self.by_id.find(&self.wallets, &wallet.user_id) {
            if !self.replace_in_view(i as usize, &wallet) {
                self.stale = true;
            }
            self.wallets[i as usize] = wallet;
            return;
        }
        let Ok(index) = u32::try_from(self.wallets.len()) else {
            return; // 4 billion wallets: beyond what a terminal list is for.
        };
        self.by_id.insert(&self.wallets, &wallet.user_id, index);
        if !self.stale && self.filter.matches(&wallet) {
            self.aggregates.add(&wallet);
            let (wallets, sort) = (&self.wallets, self.sort);
            if placed && self.unsorted_tail == 0 && sort != SortKey::Loaded {
                // An ordered view (not a scan's pages): straight to its place.
                let at = self
                    .view
                    .partition_point(|&i| sort.compare(&wallets[i as usize], &wallet).is_lt());
                self.view.insert(at, index);
            } else {
                self.view.push(index);
                self.unsorted_tail += 1;
            }
        }
        self.wallets.push(wallet);
    }

    /// Moves wallet `index` (still holding its old value) to where `new` belongs in the
    /// view and accounts for the change in the aggregates, without a pass over the list:
    /// a binary search in a view sorted by balance (a shift of the rows between the two
    /// places), nothing to move in the other orders. False when that cannot be done: the
    /// view is out of date or has unsorted rows, the wallet enters or leaves the filter, or
    /// it held the minimum or maximum.
    fn replace_in_view(&mut self, index: usize, new: &Wallet) -> bool {
        if self.stale {
            return false;
        }
        let old = &self.wallets[index];
        let old_balance = old.balance;
        let (was, is) = (self.filter.matches(old), self.filter.matches(new));
        if was != is {
            return false;
        }
        if !is {
            return true;
        }
        if !self.aggregates.can_replace(old_balance, new.balance) {
            return false;
        }
        let by_balance = matches!(self.sort, SortKey::BalanceAsc | SortKey::BalanceDesc);
        if by_balance && !self.move_in_view(index, new) {
            return false;
        }
        self.aggregates.replace(old_balance, new.balance, false);
        true
    }

    /// Takes wallet `index` out of the view, and points the view's entry of the last wallet
    /// (which `swap_remove` moves into its slot) at `index`, without a pass when the view
    /// is in order; false (nothing changed) when that cannot be done.
    fn remove_from_view(&mut self, index: usize) -> bool {
        let sorted = self.sort != SortKey::Loaded;
        if self.stale || (sorted && self.unsorted_tail > 0) {
            return false;
        }
        let balance = self.wallets[index].balance;
        let shown = self.filter.matches(&self.wallets[index]);
        if shown && !self.aggregates.can_replace(balance, None) {
            return false;
        }
        let last = self.wallets.len() - 1;
        let last_at = match last != index && self.filter.matches(&self.wallets[last]) {
            true => match self.view_position(last) {
                Some(at) => Some(at),
                None => return false,
            },
            false => None,
        };
        let at = match shown {
            true => match self.view_position(index) {
                Some(at) => Some(at),
                None => return false,
            },
            false => None,
        };
        if let Some(q) = last_at {
            self.view[q] = index as u32;
        }
        if let Some(p) = at {
            self.view.remove(p);
            if p >= self.view.len() + 1 - self.unsorted_tail {
                self.unsorted_tail -= 1;
            }
            self.aggregates.replace(balance, None, true);
        }
        true
    }

    /// Where wallet `index` is in the view: a binary search when the view is sorted, a
    /// scan of the view in scan order.
    fn view_position(&self, index: usize) -> Option<usize> {
        let (wallets, sort) = (&self.wallets, self.sort);
        if sort == SortKey::Loaded {
            return self.view.iter().position(|&i| i as usize == index);
        }
        let wallet = &wallets[index];
        let at =
            self.view.binary_search_by(|&i| sort.compare(&wallets[i as usize], wallet)).ok()?;
        (self.view[at] as usize == index).then_some(at)
    }

    /// In a view sorted by balance with no unsorted rows: moves wallet `index` from its
    /// place by its old value to its place by `new`.
    fn move_in_view(&mut self, index: usize, new: &Wallet) -> bool {
        if self.unsorted_tail > 0 {
            return false;
        }
        let (wallets, sort) = (&self.wallets, self.sort);
        let old = &wallets[index];
        let Ok(from) = self.view.binary_search_by(|&i| sort.compare(&wallets[i as usize], old))
        else {
            return false;
        };
        if self.view[from] as usize != index {
            return false;
        }
        // Rows before `new` (old value included when it is before): monotone over the view.
        let to = self.view.partition_point(|&i| sort.compare(&wallets[i as usize], new).is_lt());
        if to > from {
            self.view[from..to].rotate_left(1);
        } else {
            self.view[to..=from].rotate_right(1);
        }
        true
    }

    /// Removes a wallet (deleted by a write or a stream record). Returns it if it was
    /// loaded. The view keeps its order in place when it can, else it is rebuilt.
    pub fn remove(&mut self, id: &UserId) -> Option<Wallet> {
        let index = self.by_id.find(&self.wallets, id)? as usize;
        let in_place = self.remove_from_view(index);
        self.by_id.remove(&self.wallets, id)?;
        let last = self.wallets.len() - 1;
        if in_place {
            if index != last {
                self.by_id.repoint(&self.wallets, last as u32, index as u32);
            }
            return Some(self.wallets.swap_remove(index));
        }
        if index != last {
            // The last wallet moves into the gap: repoint its entry first.
            self.by_id.repoint(&self.wallets, last as u32, index as u32);
        }
        let removed = self.wallets.swap_remove(index);
        self.stale = true;
        self.settle();
        Some(removed)
    }

    /// Changes the order and rebuilds the view.
    pub fn set_sort(&mut self, sort: SortKey) {
        self.sort = sort;
        self.stale = true;
        self.settle();
    }

    /// Changes the filter and rebuilds the view.
    pub fn set_filter(&mut self, filter: Filter) {
        self.filter = filter;
        self.stale = true;
        self.settle();
    }

    /// Brings the view up to date: a full rebuild after edits, otherwise the
    /// appended tail is sorted and merged in (linear, not a full re-sort).
    pub fn settle(&mut self) {
        if self.stale {
            return self.rebuild();
        }
        if self.unsorted_tail == 0 || self.sort == SortKey::Loaded {
            self.unsorted_tail = 0;
            return;
        }
        let split = self.view.len() - self.unsorted_tail;
        let (wallets, sort) = (&self.wallets, self.sort);
        let cmp = |a: &u32, b: &u32| sort.compare(&wallets[*a as usize], &wallets[*b as usize]);
        sort_indices(&mut self.view[split..], wallets, sort);
        let mut merged = Vec::with_capacity(self.view.len());
        let (mut left, mut right) =
            (self.view[..split].iter().peekable(), self.view[split..].iter().peekable());
        while let (Some(a), Some(b)) = (left.peek(), right.peek()) {
            if cmp(a, b).is_le() {
                merged.push(**a);
                left.next();
            } else {
                merged.push(**b);
                right.next();
            }
        }
        merged.extend(left);
        merged.extend(right);
        self.view = merged;
        self.unsorted_tail = 0;
    }

    fn rebuild(&mut self) {
        let mut aggregates = Aggregates::default();
        let mut view = Vec::with_capacity(self.wallets.len());
        for (i, wallet) in self.wallets.iter().enumerate() {
            if self.filter.matches(wallet) {
                aggregates.add(wallet);
                view.push(i as u32);
            }
        }
        sort_indices(&mut view, &self.wallets, self.sort);
        self.view = view;
        self.aggregates = aggregates;
        self.unsorted_tail = 0;
        self.stale = false;
    }
}

/// Positions in the wallet store by user_id: a hash table of bare `u32`s whose
/// keys live in the store itself, so a million entries cost ~5 MB, not ~50.
#[derive(Clone, Default)]
struct IdIndex {
    table: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

impl std::fmt::Debug for IdIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IdIndex({} entries)", self.table.len())
    }
}

impl IdIndex {
    fn hash(&self, id: &UserId) -> u64 {
        self.hasher.hash_one(id)
    }

    fn find(&self, wallets: &[Wallet], id: &UserId) -> Option<u32> {
        self.table.find(self.hash(id), |&i| wallets[i as usize].user_id == *id).copied()
    }

    /// Adds `id` at `index`; `wallets` holds every wallet already indexed.
    fn insert(&mut self, wallets: &[Wallet], id: &UserId, index: u32) {
        let hash = self.hash(id);
        let hasher = &self.hasher;
        self.table.insert_unique(hash, index, |&i| hasher.hash_one(&wallets[i as usize].user_id));
    }

    fn remove(&mut self, wallets: &[Wallet], id: &UserId) -> Option<u32> {
        let entry =
            self.table.find_entry(self.hash(id), |&i| wallets[i as usize].user_id == *id).ok()?;
        Some(entry.remove().0)
    }

    /// The wallet at `from` is moving to `to`.
    fn repoint(&mut self, wallets: &[Wallet], from: u32, to: u32) {
        let hash = self.hash(&wallets[from as usize].user_id);
        if let Some(slot) = self.table.find_mut(hash, |&i| i == from) {
            *slot = to;
        }
    }
}

/// A wallet's place in a balance sort, packed next to its index.
#[derive(Clone, Copy)]
struct BalanceKey {
    missing: bool,
    /// `Balance::sort_prefix`, flipped for descending order.
    key: u64,
    exact: bool,
    /// The first 8 bytes of the user_id's text, big-endian.
    id: u64,
    index: u32,
}

/// The first 8 bytes of an id's text as a number that orders like the text.
/// For a packed UUID that is its first 8 hex digits, computed from the bits.
fn id_prefix(id: &UserId) -> u64 {
    match id {
        UserId::Uuid(bits) => {
            let top = (bits >> 96) as u32;
            (0..8).fold(0u64, |acc, i| {
                let nibble = (top >> (28 - 4 * i)) & 0xf;
                let ascii =
                    if nibble < 10 { b'0' + nibble as u8 } else { b'a' + nibble as u8 - 10 };
                (acc << 8) | u64::from(ascii)
            })
        }
        UserId::Text(text) => {
            let mut bytes = [0u8; 8];
            let n = text.len().min(8);
            bytes[..n].copy_from_slice(&text.as_bytes()[..n]);
            u64::from_be_bytes(bytes)
        }
    }
}

/// Sorts view indices. Sorting a million indices by comparing the wallets they
/// point at is dominated by cache misses, so the sort keys are copied next to
/// the indices first and the wallets are only consulted to break ties.
fn sort_indices(view: &mut [u32], wallets: &[Wallet], sort: SortKey) {
    let wallet = |i: u32| &wallets[i as usize];
    let by_id = |a: u32, b: u32| wallet(a).user_id.cmp(&wallet(b).user_id);
    match sort {
        SortKey::Loaded => {}
        SortKey::BalanceAsc | SortKey::BalanceDesc => {
            let descending = sort == SortKey::BalanceDesc;
            let mut keyed: Vec<BalanceKey> = view
                .iter()
                .map(|&i| {
                    let w = wallet(i);
                    let (key, exact) = w.balance.map_or((0, true), Balance::sort_prefix);
                    let key = if descending { !key } else { key };
                    let missing = w.balance.is_none();
                    BalanceKey { missing, key, exact, id: id_prefix(&w.user_id), index: i }
                })
                .collect();
            keyed.sort_unstable_by(|a, b| {
                // Wallets without a balance go last in both directions.
                (a.missing, a.key).cmp(&(b.missing, b.key)).then_with(|| {
                    if a.exact && b.exact {
                        a.id.cmp(&b.id).then_with(|| by_id(a.index, b.index))
                    } else {
                        sort.compare(wallet(a.index), wallet(b.index))
                    }
                })
            });
            view.iter_mut().zip(keyed).for_each(|(slot, k)| *slot = k.index);
        }
        SortKey::UserIdAsc | SortKey::UserIdDesc => {
            // Packed UUIDs sort by their bits; other ids by text, via the wallet.
            let mut keyed: Vec<(Option<u128>, u32)> = view
                .iter()
                .map(|&i| match wallet(i).user_id {
                    UserId::Uuid(bits) => (Some(bits), i),
                    UserId::Text(_) => (None, i),
                })
                .collect();
            keyed.sort_unstable_by(|(x, a), (y, b)| match (x, y) {
                (Some(x), Some(y)) => x.cmp(y),
                _ => by_id(*a, *b),
            });
            if sort == SortKey::UserIdDesc {
                keyed.reverse();
            }
            view.iter_mut().zip(keyed).for_each(|(slot, (_, i))| *slot = i);
        }
    }
}

#[cfg(test)]
mod tests;
