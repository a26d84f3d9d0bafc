//! The loaded wallets: a compact store with an index by `user_id`, plus the
//! filtered and sorted view the list pane shows, and its aggregates.
//! Written for a million rows: no per-row maps, no rebuilding per page.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

use crate::balance::{Balance, Sum};
use crate::json::{Shape::Plain, value_json};
use crate::wallet::{UserId, Wallet};

mod view;
use view::View;

/// The currency attribute when nobody names another (`currency_attribute`).
pub const DEFAULT_CURRENCY_ATTRIBUTE: &str = "currency";

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
    /// `user_id` starts with this text (exactly): `^text` in the filter box.
    IdPrefix(String),
    /// `balance <op> value`; wallets without a balance never match.
    Balance(CmpOp, Balance),
}

impl Filter {
    /// Parses the filter box: `>100`, `<=0`, `=12.50`, `!=0` compare balances;
    /// `^abc` matches user_ids starting with `abc`; anything else is a `user_id` substring; empty shows everything.
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
        if let Some(prefix) = text.strip_prefix('^').filter(|p| !p.is_empty()) {
            return Ok(Filter::IdPrefix(prefix.to_string()));
        }
        Ok(Filter::IdContains(text.to_lowercase()))
    }

    fn matches(&self, wallet: &Wallet) -> bool {
        match self {
            Filter::All => true,
            Filter::IdContains(needle) => {
                wallet.user_id.with_text(|id| contains_ignore_case(id, needle))
            }
            Filter::IdPrefix(prefix) => wallet.user_id.with_text(|id| id.starts_with(prefix)),
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

/// Count, exact total, min and max over the wallets in view (or one currency of them).
#[derive(Debug, Clone, Default)]
pub struct Aggregates {
    pub count: usize,
    /// Wallets in view without a numeric balance.
    pub without_balance: usize,
    pub total: Sum,
    pub min: Option<Balance>,
    pub max: Option<Balance>,
    /// Set when a wallet at the min or max left: `settle` recomputes them.
    bounds_stale: bool,
}

impl Aggregates {
    fn add(&mut self, wallet: &Wallet) {
        self.count += 1;
        let Some(b) = wallet.balance else {
            self.without_balance += 1;
            return;
        };
        self.total.add(b);
        self.widen(b);
    }

    fn widen(&mut self, b: Balance) {
        self.min = Some(self.min.map_or(b, |m| m.min(b)));
        self.max = Some(self.max.map_or(b, |m| m.max(b)));
    }

    /// Takes a wallet out: the total exactly; min and max only go stale if it was one.
    fn remove(&mut self, wallet: &Wallet) {
        self.count -= 1;
        let Some(b) = wallet.balance else {
            self.without_balance -= 1;
            return;
        };
        self.total.sub(b);
        if self.min.is_some_and(|m| b <= m) || self.max.is_some_and(|m| b >= m) {
            self.bounds_stale = true;
        }
    }

    /// Wallets with a numeric balance (those the total, min and max are over).
    pub fn numeric(&self) -> usize {
        self.count - self.without_balance
    }
}

/// Distinct currencies given their own aggregates; wallets of any further currency are
/// counted in [`Groups::beyond`] (a hostile table could hold a million distinct values, and
/// each exact total costs a few KB).
pub const MAX_GROUPS: usize = 1000;

/// The wallets in view, apart by currency (the config's `currency_attribute`): money of two
/// currencies is never added up. Kept up to date as pages arrive, like [`Aggregates`].
#[derive(Debug, Clone, Default)]
pub struct Groups {
    by_currency: hashbrown::HashMap<Box<str>, Aggregates>,
    /// Wallets without the attribute: a group of their own.
    missing: Aggregates,
    /// Wallets in currencies past the first [`MAX_GROUPS`]: counted, not totalled.
    beyond: usize,
}

/// One currency's share of the wallets in view.
#[derive(Debug, Clone, Copy)]
pub struct Group<'a> {
    /// The currency as stored (a non-string value as its type and JSON); `None` for wallets
    /// without the attribute.
    pub currency: Option<&'a str>,
    pub aggregates: &'a Aggregates,
}

/// A wallet's currency as the groups name it: `None` without the attribute.
fn currency_of<'w>(wallet: &'w Wallet, attribute: &str) -> Option<Cow<'w, str>> {
    if let Some(currency) = wallet.extra.text(attribute) {
        return Some(Cow::Borrowed(currency));
    }
    let other = wallet.attr(attribute)?;
    Some(Cow::Owned(format!("{} {}", other.type_name(), value_json(&other, Plain))))
}

impl Groups {
    /// Counts a wallet in its currency's group (`attribute` names the currency).
    pub fn add(&mut self, wallet: &Wallet, attribute: &str) {
        let Some(currency) = currency_of(wallet, attribute) else {
            return self.missing.add(wallet);
        };
        if let Some(group) = self.by_currency.get_mut(&*currency) {
            return group.add(wallet);
        }
        if self.by_currency.len() >= MAX_GROUPS {
            self.beyond += 1;
            return;
        }
        self.by_currency.entry(currency.into()).or_default().add(wallet);
    }

    /// Takes a wallet out of its group; an emptied group goes.
    pub fn remove(&mut self, wallet: &Wallet, attribute: &str) {
        let Some(currency) = currency_of(wallet, attribute) else {
            return self.missing.remove(wallet);
        };
        let Some(group) = self.by_currency.get_mut(&*currency) else {
            self.beyond = self.beyond.saturating_sub(1);
            return;
        };
        group.remove(wallet);
        if group.count == 0 {
            self.by_currency.remove(&*currency);
        }
    }

    /// The group of a wallet, if it has one (not past [`MAX_GROUPS`]).
    fn of(&mut self, wallet: &Wallet, attribute: &str) -> Option<&mut Aggregates> {
        match currency_of(wallet, attribute) {
            None => Some(&mut self.missing),
            Some(currency) => self.by_currency.get_mut(&*currency),
        }
    }

    fn all_mut(&mut self) -> impl Iterator<Item = &mut Aggregates> {
        self.by_currency.values_mut().chain(std::iter::once(&mut self.missing))
    }

    /// How many groups there are (wallets without a currency count as one).
    pub fn len(&self) -> usize {
        self.by_currency.len() + usize::from(self.missing.count > 0)
    }

    /// True when no wallet is in view.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every group, the largest first (ties by currency, wallets without one last).
    pub fn sorted(&self) -> Vec<Group<'_>> {
        let mut groups: Vec<Group> = self
            .by_currency
            .iter()
            .map(|(c, a)| Group { currency: Some(c), aggregates: a })
            .collect();
        if self.missing.count > 0 {
            groups.push(Group { currency: None, aggregates: &self.missing });
        }
        groups.sort_by(|a, b| {
            let key = |g: &Group| (std::cmp::Reverse(g.aggregates.count), g.currency.is_none());
            key(a).cmp(&key(b)).then_with(|| a.currency.cmp(&b.currency))
        });
        groups
    }

    /// Wallets in currencies past the first [`MAX_GROUPS`], not totalled.
    pub fn beyond(&self) -> usize {
        self.beyond
    }

    /// Every wallet counted, whatever its group.
    pub fn wallets(&self) -> usize {
        self.by_currency.values().map(|a| a.count).sum::<usize>() + self.missing.count + self.beyond
    }
}

/// How a balance's text splits around its point: characters before it (sign included) and
/// from it on. Plain "-12.5" is (3, 2); "100" is (3, 0); scientific "1.5E+100" splits at its
/// point, "1E+100" at its `E`. Computed from the number, without formatting it.
pub fn balance_shape(balance: Balance) -> (usize, usize) {
    let coefficient = balance.coefficient().unsigned_abs();
    let n = coefficient.checked_ilog10().map_or(1, |d| d as i32 + 1);
    let e = i32::from(balance.exponent());
    let sign = usize::from(balance.is_negative());
    let plain_len = if e >= 0 {
        n + e
    } else if n > -e {
        n + 1
    } else {
        2 - e
    };
    let (int, frac) = if plain_len <= 40 {
        match e {
            e if e >= 0 => (n + e, 0),
            e if n > -e => (n + e, 1 - e),
            e => (1, 1 - e),
        }
    } else {
        let exponent = e + n - 1;
        let exponent_len = exponent.unsigned_abs().checked_ilog10().map_or(1, |d| d as i32 + 1);
        let point = if n > 1 { n } else { 0 };
        (1, point + 2 + exponent_len)
    };
    (int as usize + sign, frac as usize)
}

/// The widest balance text of the loaded wallets, split as [`balance_shape`] does: the list
/// aligns every balance on its point with these, so the column does not move while scrolling.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BalanceWidths {
    pub int: usize,
    pub frac: usize,
}

impl BalanceWidths {
    fn add(&mut self, wallet: &Wallet) {
        if let Some(b) = wallet.balance {
            let (int, frac) = balance_shape(b);
            self.int = self.int.max(int);
            self.frac = self.frac.max(frac);
        }
    }
}

/// Attribute names counted over the loaded wallets, for the list's extra columns.
const MAX_COLUMN_NAMES: usize = 10_000;

/// How many loaded wallets carry each attribute (other than the key and a numeric balance),
/// and the names in order: the most common first, ties by name.
#[derive(Debug, Clone, Default)]
struct ColumnCounts {
    counts: hashbrown::HashMap<Box<str>, usize>,
    order: Vec<Box<str>>,
    dirty: bool,
}

impl ColumnCounts {
    fn add(&mut self, wallet: &Wallet) {
        for name in wallet.extra.names() {
            if let Some(n) = self.counts.get_mut(name) {
                *n += 1;
            } else if self.counts.len() < MAX_COLUMN_NAMES {
                self.counts.insert(name.into(), 1);
                self.dirty = true;
            }
        }
    }

    fn remove(&mut self, wallet: &Wallet) {
        for name in wallet.extra.names() {
            if let Some(n) = self.counts.get_mut(name) {
                *n -= 1;
                if *n == 0 {
                    self.counts.remove(name);
                }
                self.dirty = true;
            }
        }
    }

    /// Re-orders the names; cheap, as there are few names.
    fn refresh(&mut self) {
        let mut names: Vec<(&Box<str>, &usize)> = self.counts.iter().collect();
        names.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
        self.order = names.into_iter().map(|(name, _)| name.clone()).collect();
        self.dirty = false;
    }
}

/// All loaded wallets and the view over them.
#[derive(Debug, Clone)]
pub struct WalletList {
    wallets: Vec<Wallet>,
    by_id: IdIndex,
    /// Indices into `wallets`: the filtered rows in `sort` order...
    view: View,
    /// ...except the last `unsorted_tail` entries, appended since the last sort.
    unsorted_tail: usize,
    sort: SortKey,
    filter: Filter,
    aggregates: Aggregates,
    /// The wallets in view by currency.
    groups: Groups,
    /// The attribute that holds a wallet's currency.
    currency_attribute: Box<str>,
    /// The widest balance of the loaded wallets, around its point.
    widths: BalanceWidths,
    /// The attributes of the loaded wallets, for the list's columns.
    columns: ColumnCounts,
    /// Set when a scan page replaced a wallet; `settle` rebuilds the view.
    stale: bool,
}

impl Default for WalletList {
    fn default() -> Self {
        WalletList {
            wallets: Vec::new(),
            by_id: IdIndex::default(),
            view: View::default(),
            unsorted_tail: 0,
            sort: SortKey::default(),
            filter: Filter::default(),
            aggregates: Aggregates::default(),
            groups: Groups::default(),
            currency_attribute: DEFAULT_CURRENCY_ATTRIBUTE.into(),
            widths: BalanceWidths::default(),
            columns: ColumnCounts::default(),
            stale: false,
        }
    }
}

impl WalletList {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty list whose wallets are grouped by the currency in `attribute`.
    pub fn with_currency_attribute(attribute: &str) -> Self {
        WalletList { currency_attribute: attribute.into(), ..Self::default() }
    }

    /// Forgets every wallet (a new scan starts), keeping sort, filter and currency attribute.
    pub fn clear(&mut self) {
        *self = WalletList {
            sort: self.sort,
            filter: self.filter.clone(),
            currency_attribute: self.currency_attribute.clone(),
            view: self.view.emptied(self.sort != SortKey::Loaded),
            ..Self::default()
        };
    }

    /// The wallets in view by currency.
    pub fn groups(&self) -> &Groups {
        &self.groups
    }

    /// The attribute that holds a wallet's currency.
    pub fn currency_attribute(&self) -> &str {
        &self.currency_attribute
    }

    /// The widest balance of the loaded wallets, around its point.
    pub fn balance_widths(&self) -> BalanceWidths {
        self.widths
    }

    /// The other attributes of the loaded wallets, the most common first: the list's extra
    /// columns, which stay put while scrolling.
    pub fn column_names(&self) -> &[Box<str>] {
        &self.columns.order
    }

    /// Makes room for `additional` more wallets without regrowing, and a little more: the
    /// table's item count is approximate, and the stream's first inserts after a full load
    /// should not copy the whole store to a bigger block (pages not written take no memory).
    pub fn reserve(&mut self, additional: usize) {
        let additional = additional + additional / 32;
        self.wallets.reserve(additional);
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
        self.view.get(position).and_then(|i| self.wallets.get(i as usize))
    }

    /// The wallets at view positions `range` (for drawing only the visible rows).
    pub fn window(&self, start: usize, len: usize) -> impl Iterator<Item = &Wallet> {
        self.view.range(start, start.saturating_add(len)).map(|i| &self.wallets[i as usize])
    }

    /// Where a wallet is in the view.
    pub fn position_of(&self, id: &UserId) -> Option<usize> {
        self.locate(self.by_id.find(&self.wallets, id)?)
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
        self.stale
            || (self.unsorted_tail > 0 && self.sort != SortKey::Loaded)
            || self.aggregates.bounds_stale
            || self.groups.by_currency.values().any(|g| g.bounds_stale)
            || self.groups.missing.bounds_stale
    }

    /// Adds a page of wallets; a wallet already loaded is replaced in place.
    /// Cheap: new rows are appended to the view and merged into order by `settle`.
    pub fn extend(&mut self, page: impl IntoIterator<Item = Wallet>) {
        for wallet in page {
            self.insert(wallet);
        }
        self.refresh_columns();
    }

    /// Inserts or replaces one wallet (a stream change, or a write's new value), in place:
    /// the view, its order, aggregates and groups are kept without a rebuild.
    pub fn upsert(&mut self, wallet: Wallet) {
        self.order();
        // Found at its old value, before it changes.
        let found = self.by_id.find(&self.wallets, &wallet.user_id);
        let at = found.and_then(|i| self.locate(i));
        let Some((index, old)) = self.store(wallet, found) else { return };
        if let (Some(old), Some(_)) = (&old, at) {
            self.aggregates.remove(old);
            self.groups.remove(old, &self.currency_attribute);
        }
        self.refresh_columns();
        let wallet = &self.wallets[index as usize];
        let shown = self.filter.matches(wallet);
        if shown {
            self.aggregates.add(wallet);
            self.groups.add(wallet, &self.currency_attribute);
        }
        match (at, shown) {
            // Scan order is the store's: a changed wallet keeps its place.
            (Some(_), true) if self.sort == SortKey::Loaded => {}
            (Some(p), true) => self.shift(p, index),
            (Some(p), false) => drop(self.view.remove(p)),
            (None, true) => self.view.insert(self.place(index), index, self.key_of(index)),
            (None, false) => {}
        }
    }

    /// A scanned wallet: appended to the view (ordered by `settle`); one already loaded
    /// marks the view for a rebuild.
    fn insert(&mut self, wallet: Wallet) {
        let found = self.by_id.find(&self.wallets, &wallet.user_id);
        let Some((index, old)) = self.store(wallet, found) else { return };
        if old.is_some() {
            self.stale = true;
            return;
        }
        let wallet = &self.wallets[index as usize];
        if !self.stale && self.filter.matches(wallet) {
            self.aggregates.add(wallet);
            self.groups.add(wallet, &self.currency_attribute);
            self.view.push(index, self.key_of(index));
            self.unsorted_tail += 1;
        }
    }

    /// Puts a wallet in the store, the id index, widths and column counts (not the view):
    /// its index and the wallet it replaced. `found`: where the id index has it.
    fn store(&mut self, wallet: Wallet, found: Option<u32>) -> Option<(u32, Option<Wallet>)> {
        self.widths.add(&wallet);
        self.columns.add(&wallet);
        if let Some(i) = found {
            let old = std::mem::replace(&mut self.wallets[i as usize], wallet);
            self.columns.remove(&old);
            return Some((i, Some(old)));
        }
        // 4 billion wallets: beyond what a terminal list is for.
        let index = u32::try_from(self.wallets.len()).ok()?;
        self.by_id.insert(&self.wallets, &wallet.user_id, index);
        self.wallets.push(wallet);
        Some((index, None))
    }

    /// How two stored wallets order in the view (scan order: as stored).
    fn before(&self, a: u32, b: u32) -> Ordering {
        match self.sort {
            SortKey::Loaded => a.cmp(&b),
            sort => sort.compare(&self.wallets[a as usize], &self.wallets[b as usize]),
        }
    }

    /// Stored wallet `index`'s key in the view (see [`view_key`]).
    fn key_of(&self, index: u32) -> u64 {
        view_key(self.sort, &self.wallets[index as usize], index)
    }

    /// Where stored wallet `index` belongs in the ordered view.
    fn place(&self, index: u32) -> usize {
        self.view.partition_point(self.key_of(index), |i| self.before(i, index).is_lt())
    }

    /// Where stored wallet `index` is in the view, if it is in view.
    fn locate(&self, index: u32) -> Option<usize> {
        self.view.position(index)
    }

    /// The view entry at `p`, stored wallet `index`, changed its value: its key is renewed,
    /// and it moves to its place among the others (out of its block and into another:
    /// nothing else moves). Its neighbours are compared by key, and by value only where keys
    /// tie.
    fn shift(&mut self, p: usize, index: u32) {
        debug_assert_eq!(self.view.get(p), Some(index), "shift of a row not at {p}");
        let key = self.key_of(index);
        let (_, [prev, next]) = self.view.rekey(p, key);
        let in_order = |(a, x): (u32, u64), (b, y): (u32, u64)| match x.cmp(&y) {
            Ordering::Equal => self.before(a, b).is_lt(),
            order => order.is_lt(),
        };
        let prev_ok = prev.is_none_or(|prev| in_order(prev, (index, key)));
        let next_ok = next.is_none_or(|next| in_order((index, key), next));
        if prev_ok && next_ok {
            return; // still in its place (scan order: always)
        }
        self.view.remove(p);
        self.view.insert(self.place(index), index, key);
    }

    fn refresh_columns(&mut self) {
        if self.columns.dirty {
            self.columns.refresh();
        }
    }

    /// Removes a wallet (deleted by a write). Returns it if it was loaded.
    /// In place: the view, its order, aggregates and groups are kept without a rebuild.
    pub fn remove(&mut self, id: &UserId) -> Option<Wallet> {
        self.order();
        let index = self.by_id.find(&self.wallets, id)?;
        if let Some(p) = self.locate(index) {
            self.view.remove(p);
            let wallet = &self.wallets[index as usize];
            self.aggregates.remove(wallet);
            self.groups.remove(wallet, &self.currency_attribute);
        }
        let last = (self.wallets.len() - 1) as u32;
        // The last wallet moves into the gap (found in the view before its index changes).
        let last_at = (index != last).then(|| self.locate(last)).flatten();
        self.by_id.remove(&self.wallets, id);
        if index != last {
            self.by_id.repoint(&self.wallets, last, index);
        }
        let removed = self.wallets.swap_remove(index as usize);
        self.columns.remove(&removed);
        self.refresh_columns();
        if let Some(p) = last_at {
            self.view.set(p, index);
            self.shift(p, index); // scan order follows the store's; the other orders do not move it
        }
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

    /// Brings the view up to date: a full rebuild when a scan page replaced a wallet,
    /// otherwise the appended tail is sorted and merged in (linear, not a full re-sort) and
    /// any min or max gone stale is recomputed.
    pub fn settle(&mut self) {
        if self.stale {
            return self.rebuild();
        }
        self.merge_tail();
        self.refresh_bounds();
    }

    /// Puts the view in order, as an in-place change needs it: rebuilt if stale, otherwise
    /// the rows appended by a scan merged in.
    fn order(&mut self) {
        if self.stale {
            return self.rebuild();
        }
        self.merge_tail();
    }

    /// Recomputes the min and max that went stale (one pass over the view, only then).
    fn refresh_bounds(&mut self) {
        let groups_stale = self.groups.all_mut().any(|g| g.bounds_stale);
        if !self.aggregates.bounds_stale && !groups_stale {
            return;
        }
        let stale = std::iter::once(&mut self.aggregates).chain(self.groups.all_mut());
        stale.filter(|a| a.bounds_stale).for_each(|a| (a.min, a.max) = (None, None));
        for i in self.view.iter() {
            let wallet = &self.wallets[i as usize];
            let Some(b) = wallet.balance else { continue };
            if self.aggregates.bounds_stale {
                self.aggregates.widen(b);
            }
            if groups_stale {
                let group = self.groups.of(wallet, &self.currency_attribute);
                if let Some(group) = group.filter(|g| g.bounds_stale) {
                    group.widen(b);
                }
            }
        }
        self.aggregates.bounds_stale = false;
        self.groups.all_mut().for_each(|g| g.bounds_stale = false);
    }

    /// Sorts the rows appended since the last sort and puts them in place: a few (up to a
    /// block's worth, or a page into a big list) one by one, many by one linear merge.
    fn merge_tail(&mut self) {
        if self.unsorted_tail == 0 || self.sort == SortKey::Loaded {
            self.unsorted_tail = 0;
            return;
        }
        let (wallets, sort) = (&self.wallets, self.sort);
        let split = self.view.len() - self.unsorted_tail;
        if self.unsorted_tail <= self.view.block_cap() || self.unsorted_tail * 64 < split {
            let mut tail: Vec<u32> =
                (split..self.view.len()).rev().map(|p| self.view.remove(p)).collect();
            let keys = sort_indices(&mut tail, wallets, sort);
            for (index, key) in tail.into_iter().zip(keys) {
                let place = self.view.partition_point(key, |i| self.before(i, index).is_lt());
                self.view.insert(place, index, key);
            }
            self.unsorted_tail = 0;
            return;
        }
        // Entries with their keys: the sorted part's as the view has them, the tail's new.
        let cmp = |a: &(u32, u64), b: &(u32, u64)| {
            a.1.cmp(&b.1).then_with(|| sort.compare(&wallets[a.0 as usize], &wallets[b.0 as usize]))
        };
        let mut all = self.view.to_vec();
        let tail_keys = sort_indices(&mut all[split..], wallets, sort);
        let keys = self.view.keys_vec();
        let left = all[..split].iter().copied().zip(keys[..split].iter().copied());
        let right = all[split..].iter().copied().zip(tail_keys);
        let (mut left, mut right) = (left.peekable(), right.peekable());
        let mut merged = Vec::with_capacity(all.len());
        let mut merged_keys = Vec::with_capacity(all.len());
        loop {
            let next = match (left.peek(), right.peek()) {
                (Some(a), Some(b)) if cmp(a, b).is_le() => left.next(),
                (Some(_), Some(_)) => right.next(),
                (Some(_), None) => left.next(),
                (None, _) => right.next(),
            };
            let Some((entry, key)) = next else { break };
            merged.push(entry);
            merged_keys.push(key);
        }
        self.view = self.view.rebuilt(&merged, Some(&merged_keys));
        self.unsorted_tail = 0;
    }

    fn rebuild(&mut self) {
        let mut aggregates = Aggregates::default();
        let mut groups = Groups::default();
        let mut widths = BalanceWidths::default();
        let mut view = Vec::with_capacity(self.wallets.len());
        for (i, wallet) in self.wallets.iter().enumerate() {
            widths.add(wallet);
            if self.filter.matches(wallet) {
                aggregates.add(wallet);
                groups.add(wallet, &self.currency_attribute);
                view.push(i as u32);
            }
        }
        let keys = sort_indices(&mut view, &self.wallets, self.sort);
        let keyed = self.sort != SortKey::Loaded;
        self.view = self.view.rebuilt(&view, keyed.then_some(&keys[..]));
        self.aggregates = aggregates;
        self.groups = groups;
        self.widths = widths;
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
            let top = (bits.get() >> 96) as u32;
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

/// A wallet's key in a view in `sort` order (`index`: where it is stored): a 64-bit number
/// such that a wallet before another in that order never has a larger key. Scan order: the
/// index. By balance: its order-preserving prefix (flipped when descending), no balance
/// last. By user_id: its first 8 bytes (flipped when descending).
fn view_key(sort: SortKey, wallet: &Wallet, index: u32) -> u64 {
    let balance = |descending: bool| match wallet.balance {
        Some(b) => {
            let key = b.sort_prefix().0;
            (if descending { !key } else { key }).min(u64::MAX - 1)
        }
        None => u64::MAX,
    };
    match sort {
        SortKey::Loaded => u64::from(index),
        SortKey::UserIdAsc => id_prefix(&wallet.user_id),
        SortKey::UserIdDesc => !id_prefix(&wallet.user_id),
        SortKey::BalanceAsc => balance(false),
        SortKey::BalanceDesc => balance(true),
    }
}

/// Sorts view indices, and gives their keys in the view ([`view_key`], in the new order; none
/// in scan order). Sorting a million indices by comparing the wallets they
/// point at is dominated by cache misses, so the sort keys are copied next to
/// the indices first and the wallets are only consulted to break ties.
fn sort_indices(view: &mut [u32], wallets: &[Wallet], sort: SortKey) -> Vec<u64> {
    let wallet = |i: u32| &wallets[i as usize];
    let by_id = |a: u32, b: u32| wallet(a).user_id.cmp(&wallet(b).user_id);
    match sort {
        SortKey::Loaded => Vec::new(),
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
            let mut keys = Vec::with_capacity(view.len());
            for (slot, k) in view.iter_mut().zip(keyed) {
                *slot = k.index;
                keys.push(if k.missing { u64::MAX } else { k.key.min(u64::MAX - 1) });
            }
            keys
        }
        SortKey::UserIdAsc | SortKey::UserIdDesc => {
            // Packed UUIDs sort by their bits; other ids by text, via the wallet.
            let mut keyed: Vec<(Option<u128>, u32, u64)> = view
                .iter()
                .map(|&i| {
                    let id = &wallet(i).user_id;
                    let prefix = id_prefix(id);
                    match id {
                        UserId::Uuid(bits) => (Some(bits.get()), i, prefix),
                        UserId::Text(_) => (None, i, prefix),
                    }
                })
                .collect();
            keyed.sort_unstable_by(|(x, a, p), (y, b, q)| match (x, y) {
                (Some(x), Some(y)) => x.cmp(y),
                _ => p.cmp(q).then_with(|| by_id(*a, *b)),
            });
            let descending = sort == SortKey::UserIdDesc;
            if descending {
                keyed.reverse();
            }
            let mut keys = Vec::with_capacity(view.len());
            for (slot, (_, i, prefix)) in view.iter_mut().zip(keyed) {
                *slot = i;
                keys.push(if descending { !prefix } else { prefix });
            }
            keys
        }
    }
}

#[cfg(test)]
mod tests;
