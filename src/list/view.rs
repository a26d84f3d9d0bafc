//! The list's view: the store indices of the rows in view, in view order, kept in blocks of
//! at most 256 entries with the position where each block starts, and for each
//! store index the block holding it. Inserting, removing or moving one row costs a copy inside
//! one block plus one pass over the blocks (O(block + blocks), about a microsecond at 1M
//! rows), not a shift of the whole view; the row at a position is a binary search over the
//! blocks' starts, and the position of a row a scan of its one block (no comparisons).

/// Entries per block at most (a block that reaches it is split in two).
/// Small blocks keep the binary search's last, cache-missing steps few (the blocks' last
/// entries, visited first, stay in cache) and the scan for a row's position short.
const BLOCK: usize = 256;

/// `block_of` for a store index that is not in view.
const NONE: u32 = u32::MAX;

#[derive(Debug, Clone)]
pub(super) struct View {
    /// The blocks by id; an id in `free` is an empty block for reuse.
    blocks: Vec<Vec<u32>>,
    free: Vec<u32>,
    /// Block ids in view order: never an empty block, except the one block of an empty view.
    order: Vec<u32>,
    /// `starts[k]`: the view position of the first entry of block `order[k]` (`u32`, as store
    /// indices are: the pass over them after each insert or remove stays in the L1 cache).
    starts: Vec<u32>,
    /// For each block id, its place in `order`.
    rank: Vec<u32>,
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
        View {
            blocks: vec![Vec::new()],
            free: Vec::new(),
            order: vec![0],
            starts: vec![0],
            rank: vec![0],
            block_of: Vec::new(),
            len: 0,
            cap: cap.max(2),
        }
    }

    /// A view of these entries (distinct store indices), in this order, with the same block
    /// size.
    pub(super) fn rebuilt(&self, entries: &[u32]) -> View {
        let mut view = View::with_block(self.cap);
        if entries.is_empty() {
            return view;
        }
        // Three quarters full: room for inserts before a split.
        let size = (self.cap * 3 / 4).max(1);
        view.blocks = entries.chunks(size).map(<[u32]>::to_vec).collect();
        let count = view.blocks.len();
        view.order = (0..count as u32).collect();
        view.rank = view.order.clone();
        view.starts = (0..count).map(|k| (k * size) as u32).collect();
        let top = entries.iter().max().map_or(0, |&m| m as usize + 1);
        view.block_of = vec![NONE; top];
        for (b, block) in view.blocks.iter().enumerate() {
            block.iter().for_each(|&e| view.block_of[e as usize] = b as u32);
        }
        view.len = entries.len();
        view
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

    fn block(&self, k: usize) -> &Vec<u32> {
        &self.blocks[self.order[k] as usize]
    }

    pub(super) fn get(&self, p: usize) -> Option<u32> {
        if p >= self.len {
            return None;
        }
        let (k, o) = self.find(p);
        Some(self.block(k)[o])
    }

    /// Where an entry is, if it is in view: found through its block, without comparing.
    pub(super) fn position(&self, entry: u32) -> Option<usize> {
        let b = *self.block_of.get(entry as usize).filter(|&&b| b != NONE)?;
        let o = self.blocks[b as usize].iter().position(|&e| e == entry)?;
        Some(self.starts[self.rank[b as usize] as usize] as usize + o)
    }

    fn set_block_of(&mut self, entry: u32, block: u32) {
        let i = entry as usize;
        if i >= self.block_of.len() {
            self.block_of.resize(i + 1, NONE);
        }
        self.block_of[i] = block;
    }

    /// Overwrites the entry at `p` (`p < len`) with one not in view.
    pub(super) fn set(&mut self, p: usize, entry: u32) {
        let (k, o) = self.find(p);
        let b = self.order[k];
        let old = std::mem::replace(&mut self.blocks[b as usize][o], entry);
        self.block_of[old as usize] = NONE;
        self.set_block_of(entry, b);
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
                self.blocks[b as usize].get(if n == 0 { o } else { 0 }..).unwrap_or_default()
            })
            .take(end - start)
            .copied()
    }

    /// Every entry in order.
    pub(super) fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.order.iter().flat_map(|&b| &self.blocks[b as usize]).copied()
    }

    /// Every entry in order, as one vector.
    pub(super) fn to_vec(&self) -> Vec<u32> {
        let mut all = Vec::with_capacity(self.len);
        self.order.iter().for_each(|&b| all.extend_from_slice(&self.blocks[b as usize]));
        all
    }

    /// A new empty block, placed at `k` in the order (its start is `start`).
    fn new_block(&mut self, k: usize, start: usize, capacity: usize) -> u32 {
        let b = match self.free.pop() {
            Some(b) => b,
            None => {
                self.blocks.push(Vec::new());
                self.rank.push(0);
                (self.blocks.len() - 1) as u32
            }
        };
        self.blocks[b as usize] = Vec::with_capacity(capacity);
        self.order.insert(k, b);
        self.starts.insert(k, start as u32);
        self.renumber(k);
        b
    }

    /// Block at place `k` in the order goes (it is empty).
    fn drop_block(&mut self, k: usize) {
        let b = self.order.remove(k);
        self.starts.remove(k);
        self.blocks[b as usize] = Vec::new();
        self.free.push(b);
        self.renumber(k);
    }

    /// `rank` from place `k` on, after the order changed there.
    fn renumber(&mut self, k: usize) {
        for (n, &b) in self.order.iter().enumerate().skip(k) {
            self.rank[b as usize] = n as u32;
        }
    }

    /// Appends an entry (not in view) at the end.
    pub(super) fn push(&mut self, entry: u32) {
        let mut k = self.order.len() - 1;
        if self.block(k).len() >= self.cap {
            // Appends fill blocks whole (a scan appends a million).
            self.new_block(k + 1, self.len, self.cap);
            k += 1;
        }
        let b = self.order[k];
        let block = &mut self.blocks[b as usize];
        if block.len() == block.capacity() {
            block.reserve_exact(self.cap - block.len());
        }
        block.push(entry);
        self.set_block_of(entry, b);
        self.len += 1;
    }

    /// Inserts an entry (not in view) at position `p` (`p <= len`).
    pub(super) fn insert(&mut self, p: usize, entry: u32) {
        assert!(p <= self.len, "insert at {p} past the end ({})", self.len);
        if p == self.len {
            return self.push(entry);
        }
        let (mut k, mut o) = self.find(p);
        if self.block(k).len() >= self.cap {
            // Full: split in two halves first, so no block ever grows past `cap`.
            let half = self.block(k).len() / 2;
            let b = self.order[k] as usize;
            let tail = self.blocks[b].split_off(half);
            let next = self.new_block(k + 1, self.starts[k] as usize + half, 0);
            tail.iter().for_each(|&e| self.block_of[e as usize] = next);
            self.blocks[next as usize] = tail;
            if o >= half {
                (k, o) = (k + 1, o - half);
            }
        }
        let b = self.order[k];
        let block = &mut self.blocks[b as usize];
        if block.len() == block.capacity() {
            block.reserve_exact(self.cap - block.len());
        }
        block.insert(o, entry);
        self.set_block_of(entry, b);
        self.len += 1;
        self.starts[k + 1..].iter_mut().for_each(|s| *s += 1);
    }

    /// Removes the entry at position `p` (`p < len`).
    pub(super) fn remove(&mut self, p: usize) -> u32 {
        assert!(p < self.len, "remove at {p} past the end ({})", self.len);
        let (k, o) = self.find(p);
        let b = self.order[k] as usize;
        let entry = self.blocks[b].remove(o);
        self.block_of[entry as usize] = NONE;
        self.len -= 1;
        self.starts[k + 1..].iter_mut().for_each(|s| *s -= 1);
        let left = self.blocks[b].len();
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
        if self.blocks[b].len() + self.blocks[next].len() > self.cap {
            return;
        }
        let moved = std::mem::take(&mut self.blocks[next]);
        moved.iter().for_each(|&e| self.block_of[e as usize] = b as u32);
        self.blocks[b].reserve_exact(moved.len());
        self.blocks[b].extend_from_slice(&moved);
        self.drop_block(k + 1);
    }

    /// The first position whose entry is not `below` (every entry `below` comes before every
    /// other, as in a sorted view): a binary search over the blocks' last entries, then one
    /// block.
    pub(super) fn partition_point(&self, mut below: impl FnMut(u32) -> bool) -> usize {
        let last_below = |&b: &u32| self.blocks[b as usize].last().is_some_and(|&e| below(e));
        let k = self.order.partition_point(last_below);
        match self.order.get(k) {
            Some(_) => self.starts[k] as usize + self.block(k).partition_point(|&e| below(e)),
            None => self.len,
        }
    }
}

#[cfg(test)]
mod tests;
