//! The list's view: the store indices of the rows in view, in view order, kept in blocks of
//! at most 256 entries with the position where each block starts, and for each
//! store index the block holding it. Inserting, removing or moving one row costs a copy inside
//! one block plus one pass over the blocks (O(block + blocks), about a microsecond at 1M
//! rows), not a shift of the whole view; the row at a position is a binary search over the
//! blocks' starts, and the position of a row a search of its one block.
//!
//! Each entry has a 64-bit key that orders like the view (`a` before `b` implies
//! `key(a) <= key(b)`): in a sorted view it is kept next to the entry (its balance's or
//! user_id's prefix), in scan order it is the store index itself. Each block's last key is kept
//! in one array, so finding a new row's place reads that array and one block's keys, and looks
//! at the rows themselves only where keys tie.
//!
//! Blocks live in fixed slots of one array (and their keys in another), so reaching a block's
//! rows is arithmetic, not one more pointer to follow (each one a cache miss at 1M rows).

/// Entries per block at most (a block that reaches it is split in two).
/// Small blocks keep the binary search's last, cache-missing steps few (the blocks' last
/// entries, visited first, stay in cache) and the scan for a row's position short.
const BLOCK: usize = 256;

/// The entries (and their keys) before and after a position, where there are.
pub(super) type Neighbours = [Option<(u32, u64)>; 2];

/// `block_of` for a store index that is not in view.
const NONE: u32 = u32::MAX;

#[derive(Debug, Clone)]
pub(super) struct View {
    /// The blocks' slots, `cap` entries each: block `b` holds `entries[b * cap..]`, its first
    /// `lens[b]` of them. A block id in `free` is an unused slot.
    entries: Vec<u32>,
    /// Keyed view: each entry's key, at the entry's place. Unkeyed (scan order): empty, an
    /// entry is its own key.
    keys: Vec<u64>,
    keyed: bool,
    /// Entries in each block, by block id.
    lens: Vec<u32>,
    free: Vec<u32>,
    /// Block ids in view order: never an empty block, except the one block of an empty view.
    order: Vec<u32>,
    /// `starts[k]`: the view position of the first entry of block `order[k]` (`u32`, as store
    /// indices are: the pass over them after each insert or remove stays in the L1 cache).
    starts: Vec<u32>,
    /// For each block id, its place in `order`.
    rank: Vec<u32>,
    /// `lasts[k]`: the key of the last entry of block `order[k]` (0 for an empty block).
    lasts: Vec<u64>,
    /// For each store index, the id of the block holding it (`NONE` when not in view).
    block_of: Vec<u32>,
    len: usize,
    /// The largest a block grows before it is split.
    cap: usize,
}

impl Default for View {
    fn default() -> Self {
        View::with_block(BLOCK)
    }
}

impl View {
    /// An empty view whose blocks hold at most `cap` entries (small in tests, to exercise
    /// splits and merges).
    pub(super) fn with_block(cap: usize) -> Self {
        let cap = cap.max(2);
        View {
            entries: vec![0; cap],
            keys: Vec::new(),
            keyed: false,
            lens: vec![0],
            free: Vec::new(),
            order: vec![0],
            starts: vec![0],
            rank: vec![0],
            lasts: vec![0],
            block_of: Vec::new(),
            len: 0,
            cap,
        }
    }

    /// An empty view with the same block size, keyed or not.
    pub(super) fn emptied(&self, keyed: bool) -> View {
        let mut view = View::with_block(self.cap);
        if keyed {
            view.keyed = true;
            view.keys = vec![0; view.cap];
        }
        view
    }

    /// A view of these entries (distinct store indices), in this order, with the same block
    /// size; keyed with `keys` (one per entry) if given.
    pub(super) fn rebuilt(&self, entries: &[u32], keys: Option<&[u64]>) -> View {
        let mut view = self.emptied(keys.is_some());
        if entries.is_empty() {
            return view;
        }
        let cap = view.cap;
        // Three quarters full: room for inserts before a split.
        let size = (cap * 3 / 4).max(1);
        let count = entries.len().div_ceil(size);
        // Room for the slots of later splits: no regrowing (and copying) soon.
        let slots = count + count / 8;
        view.entries = Vec::with_capacity(slots * cap);
        for chunk in entries.chunks(size) {
            view.entries.extend_from_slice(chunk);
            view.entries.resize(view.entries.len() + cap - chunk.len(), 0);
        }
        if let Some(keys) = keys {
            view.keys = Vec::with_capacity(slots * cap);
            for chunk in keys.chunks(size) {
                view.keys.extend_from_slice(chunk);
                view.keys.resize(view.keys.len() + cap - chunk.len(), 0);
            }
        }
        view.lens = entries.chunks(size).map(|c| c.len() as u32).collect();
        view.order = (0..count as u32).collect();
        view.rank = view.order.clone();
        view.starts = (0..count).map(|k| (k * size) as u32).collect();
        let top = entries.iter().max().map_or(0, |&m| m as usize + 1);
        // Room for new rows: the first insert after a sort does not regrow (and copy) it.
        view.block_of = Vec::with_capacity(top + top / 8);
        view.block_of.resize(top, NONE);
        for (k, chunk) in entries.chunks(size).enumerate() {
            chunk.iter().for_each(|&e| view.block_of[e as usize] = k as u32);
        }
        view.len = entries.len();
        view.lasts = (0..count).map(|k| view.last_key(k)).collect();
        view
    }

    /// Block `b`'s entries.
    fn slot(&self, b: usize) -> &[u32] {
        let start = b * self.cap;
        &self.entries[start..start + self.lens[b] as usize]
    }

    /// Block `b`'s keys (a keyed view).
    fn slot_keys(&self, b: usize) -> &[u64] {
        let start = b * self.cap;
        &self.keys[start..start + self.lens[b] as usize]
    }

    /// The key of entry `o` of block `b`.
    fn key_at(&self, b: usize, o: usize) -> u64 {
        match self.keyed {
            true => self.keys[b * self.cap + o],
            false => u64::from(self.entries[b * self.cap + o]),
        }
    }

    /// The key of the last entry of the block at place `k` (0 if it is empty).
    fn last_key(&self, k: usize) -> u64 {
        let b = self.order[k] as usize;
        match self.lens[b] as usize {
            0 => 0,
            n => self.key_at(b, n - 1),
        }
    }

    /// After the block at place `k` changed: its last key.
    fn refresh_last(&mut self, k: usize) {
        self.lasts[k] = self.last_key(k);
    }

    /// The most entries a block holds.
    pub(super) fn block_cap(&self) -> usize {
        self.cap
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    pub(super) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The place in `order` of the block holding position `p` (`p < len`), and the offset.
    fn find(&self, p: usize) -> (usize, usize) {
        let k = self.starts.partition_point(|&s| s as usize <= p) - 1;
        (k, p - self.starts[k] as usize)
    }

    pub(super) fn get(&self, p: usize) -> Option<u32> {
        if p >= self.len {
            return None;
        }
        let (k, o) = self.find(p);
        Some(self.entries[self.order[k] as usize * self.cap + o])
    }

    /// Where an entry is, if it is in view: found through its block, by a scan of it (16
    /// entries, one cache line, compared at a time: the lines are read in order, so the
    /// memory fetches them ahead, where a binary search would wait for each in turn).
    pub(super) fn position(&self, entry: u32) -> Option<usize> {
        let b = *self.block_of.get(entry as usize).filter(|&&b| b != NONE)? as usize;
        let o = offset_of(self.slot(b), entry)?;
        Some(self.starts[self.rank[b] as usize] as usize + o)
    }

    /// Gives the entry at `p` (`p < len`) a new key (a keyed view; unkeyed, nothing to do):
    /// the entry, and its neighbours' entries and keys (found with one search).
    pub(super) fn rekey(&mut self, p: usize, key: u64) -> (u32, Neighbours) {
        let (k, o) = self.find(p);
        let b = self.order[k] as usize;
        if self.keyed {
            self.keys[b * self.cap + o] = key;
            self.refresh_last(k);
        }
        let at = |k: usize, o: usize| {
            let b = self.order[k] as usize;
            (self.entries[b * self.cap + o], self.key_at(b, o))
        };
        let prev = match o {
            0 if k == 0 => None,
            0 => Some(at(k - 1, self.lens[self.order[k - 1] as usize] as usize - 1)),
            o => Some(at(k, o - 1)),
        };
        let next = match self.lens[b] as usize {
            n if o + 1 < n => Some(at(k, o + 1)),
            _ if k + 1 < self.order.len() => Some(at(k + 1, 0)),
            _ => None,
        };
        (self.entries[b * self.cap + o], [prev, next])
    }

    fn set_block_of(&mut self, entry: u32, block: u32) {
        let i = entry as usize;
        if i >= self.block_of.len() {
            self.block_of.resize(i + 1, NONE);
        }
        self.block_of[i] = block;
    }

    /// Overwrites the entry at `p` (`p < len`) with one not in view, keeping its key (in an
    /// unkeyed view the entry is its key).
    pub(super) fn set(&mut self, p: usize, entry: u32) {
        let (k, o) = self.find(p);
        let b = self.order[k];
        let old = std::mem::replace(&mut self.entries[b as usize * self.cap + o], entry);
        self.block_of[old as usize] = NONE;
        self.set_block_of(entry, b);
        self.refresh_last(k);
    }

    /// The entries at positions `start..end` (clamped to the view).
    pub(super) fn range(&self, start: usize, end: usize) -> impl Iterator<Item = u32> + '_ {
        let end = end.min(self.len);
        let start = start.min(end);
        let (k, o) = if start < self.len { self.find(start) } else { (self.order.len(), 0) };
        let order = self.order.get(k..).unwrap_or_default();
        order
            .iter()
            .enumerate()
            .flat_map(move |(n, &b)| {
                self.slot(b as usize).get(if n == 0 { o } else { 0 }..).unwrap_or_default()
            })
            .take(end - start)
            .copied()
    }

    /// Every entry in order.
    pub(super) fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.order.iter().flat_map(|&b| self.slot(b as usize)).copied()
    }

    /// Every entry in order, as one vector.
    pub(super) fn to_vec(&self) -> Vec<u32> {
        let mut all = Vec::with_capacity(self.len);
        self.order.iter().for_each(|&b| all.extend_from_slice(self.slot(b as usize)));
        all
    }

    /// Every entry's key in order (keyed views; empty otherwise).
    pub(super) fn keys_vec(&self) -> Vec<u64> {
        let mut all = Vec::with_capacity(if self.keyed { self.len } else { 0 });
        if self.keyed {
            self.order.iter().for_each(|&b| all.extend_from_slice(self.slot_keys(b as usize)));
        }
        all
    }

    /// A new empty block, placed at `k` in the order (its start is `start`).
    fn new_block(&mut self, k: usize, start: usize) -> u32 {
        let b = match self.free.pop() {
            Some(b) => b,
            None => {
                self.entries.resize(self.entries.len() + self.cap, 0);
                if self.keyed {
                    self.keys.resize(self.keys.len() + self.cap, 0);
                }
                self.lens.push(0);
                self.rank.push(0);
                (self.lens.len() - 1) as u32
            }
        };
        self.lens[b as usize] = 0;
        self.order.insert(k, b);
        self.starts.insert(k, start as u32);
        self.lasts.insert(k, 0);
        self.renumber(k);
        b
    }

    /// Block at place `k` in the order goes (it is empty).
    fn drop_block(&mut self, k: usize) {
        let b = self.order.remove(k);
        self.starts.remove(k);
        self.lasts.remove(k);
        self.lens[b as usize] = 0;
        self.free.push(b);
        self.renumber(k);
    }

    /// `rank` from place `k` on, after the order changed there.
    fn renumber(&mut self, k: usize) {
        for (n, &b) in self.order.iter().enumerate().skip(k) {
            self.rank[b as usize] = n as u32;
        }
    }

    /// Puts `entry` (with `key`) at offset `o` of block `b`, moving the rest up one.
    fn put(&mut self, b: usize, o: usize, entry: u32, key: u64) {
        let (start, n) = (b * self.cap, self.lens[b] as usize);
        self.entries.copy_within(start + o..start + n, start + o + 1);
        self.entries[start + o] = entry;
        if self.keyed {
            self.keys.copy_within(start + o..start + n, start + o + 1);
            self.keys[start + o] = key;
        }
        self.lens[b] += 1;
        self.set_block_of(entry, b as u32);
    }

    /// Appends an entry (not in view) at the end, with its key (ignored if unkeyed).
    pub(super) fn push(&mut self, entry: u32, key: u64) {
        let mut k = self.order.len() - 1;
        if self.lens[self.order[k] as usize] as usize >= self.cap {
            // Appends fill blocks whole (a scan appends a million).
            self.new_block(k + 1, self.len);
            k += 1;
        }
        let b = self.order[k] as usize;
        self.put(b, self.lens[b] as usize, entry, key);
        self.refresh_last(k);
        self.len += 1;
    }

    /// Inserts an entry (not in view) at position `p` (`p <= len`), with its key (ignored if
    /// unkeyed).
    pub(super) fn insert(&mut self, p: usize, entry: u32, key: u64) {
        assert!(p <= self.len, "insert at {p} past the end ({})", self.len);
        if p == self.len {
            return self.push(entry, key);
        }
        let (mut k, mut o) = self.find(p);
        let n = self.lens[self.order[k] as usize] as usize;
        if n >= self.cap {
            // Full: split in two halves first, so no block ever grows past `cap`.
            let half = n / 2;
            let next = self.new_block(k + 1, self.starts[k] as usize + half) as usize;
            let b = self.order[k] as usize;
            let (from, to) = (b * self.cap + half, next * self.cap);
            self.entries.copy_within(from..b * self.cap + n, to);
            if self.keyed {
                self.keys.copy_within(from..b * self.cap + n, to);
            }
            (self.lens[b], self.lens[next]) = (half as u32, (n - half) as u32);
            for i in to..to + n - half {
                self.block_of[self.entries[i] as usize] = next as u32;
            }
            self.refresh_last(k);
            self.refresh_last(k + 1);
            if o >= half {
                (k, o) = (k + 1, o - half);
            }
        }
        self.put(self.order[k] as usize, o, entry, key);
        self.refresh_last(k);
        self.len += 1;
        self.starts[k + 1..].iter_mut().for_each(|s| *s += 1);
    }

    /// Removes the entry at position `p` (`p < len`).
    pub(super) fn remove(&mut self, p: usize) -> u32 {
        assert!(p < self.len, "remove at {p} past the end ({})", self.len);
        let (k, o) = self.find(p);
        let b = self.order[k] as usize;
        let (start, n) = (b * self.cap, self.lens[b] as usize);
        let entry = self.entries[start + o];
        self.entries.copy_within(start + o + 1..start + n, start + o);
        if self.keyed {
            self.keys.copy_within(start + o + 1..start + n, start + o);
        }
        self.lens[b] -= 1;
        self.block_of[entry as usize] = NONE;
        self.refresh_last(k);
        self.len -= 1;
        self.starts[k + 1..].iter_mut().for_each(|s| *s -= 1);
        let left = n - 1;
        if left == 0 && self.order.len() > 1 {
            self.drop_block(k);
        } else if left < self.cap / 4 && k + 1 < self.order.len() {
            self.merge(k);
        } else if left < self.cap / 4 && k > 0 {
            self.merge(k - 1);
        }
        entry
    }

    /// The block at place `k` takes in the next one, if both fit in one.
    fn merge(&mut self, k: usize) {
        let (b, next) = (self.order[k] as usize, self.order[k + 1] as usize);
        let (n, m) = (self.lens[b] as usize, self.lens[next] as usize);
        if n + m > self.cap {
            return;
        }
        let (from, to) = (next * self.cap, b * self.cap + n);
        self.entries.copy_within(from..from + m, to);
        if self.keyed {
            self.keys.copy_within(from..from + m, to);
        }
        for i in to..to + m {
            self.block_of[self.entries[i] as usize] = b as u32;
        }
        self.lens[b] += m as u32;
        self.lens[next] = 0;
        self.drop_block(k + 1);
        self.refresh_last(k);
    }

    /// The first position whose entry is not `below` (every entry `below` comes before every
    /// other, as in a sorted view), for a row whose key is `key`: an entry with a smaller key
    /// is below, one with a larger key is not, `below` is asked only where keys tie. A binary
    /// search over the blocks' last keys, then one block's keys.
    pub(super) fn partition_point(&self, key: u64, mut below: impl FnMut(u32) -> bool) -> usize {
        let (lo, hi) =
            (self.lasts.partition_point(|&l| l < key), self.lasts.partition_point(|&l| l <= key));
        let last_below = |&b: &u32| self.slot(b as usize).last().is_some_and(|&e| below(e));
        let k = lo + self.order[lo..hi].partition_point(last_below);
        if k >= self.order.len() || self.len == 0 {
            return self.len;
        }
        let b = self.order[k] as usize;
        let (block, start) = (self.slot(b), self.starts[k] as usize);
        let (lo, hi) = match self.keyed {
            true => key_range(self.slot_keys(b), key),
            false => {
                let own = |e: &u32| u64::from(*e);
                (block.partition_point(|e| own(e) < key), block.partition_point(|e| own(e) <= key))
            }
        };
        start + lo + block[lo..hi].partition_point(|&e| below(e))
    }
}

/// Where `key` goes in sorted `keys`: the first place not below it and the first above it.
/// Every 32nd key is read first, all at once (loads that do not wait on each other, so their
/// cache misses overlap), then one stretch of 32 keys: not the one miss after another of a
/// binary search.
fn key_range(keys: &[u64], key: u64) -> (usize, usize) {
    const STRETCH: usize = 32;
    let (mut below, mut upto) = (0, 0);
    for last in keys.iter().skip(STRETCH - 1).step_by(STRETCH) {
        below += usize::from(*last < key);
        upto += usize::from(*last <= key);
    }
    let within = |from: usize, f: &dyn Fn(u64) -> bool| {
        let stretch = &keys[from.min(keys.len())..(from + STRETCH).min(keys.len())];
        from.min(keys.len()) + stretch.partition_point(|&x| f(x))
    };
    (within(below * STRETCH, &|x| x < key), within(upto * STRETCH, &|x| x <= key))
}

/// Where `entry` is in `block`: whole lines compared at once (no branch per entry).
fn offset_of(block: &[u32], entry: u32) -> Option<usize> {
    const LINE: usize = 16;
    let mut lines = block.chunks_exact(LINE);
    for (n, line) in lines.by_ref().enumerate() {
        if line.iter().fold(false, |hit, &e| hit | (e == entry)) {
            return line.iter().position(|&e| e == entry).map(|o| n * LINE + o);
        }
    }
    let rest = lines.remainder();
    rest.iter().position(|&e| e == entry).map(|o| block.len() - rest.len() + o)
}

#[cfg(test)]
mod tests;
