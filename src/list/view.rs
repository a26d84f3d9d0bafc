//! The list's view: the store indices of the rows in view, in view order, kept in blocks of
//! at most a few thousand entries with the position where each block starts. Inserting,
//! removing or moving one row costs a copy inside one block plus one pass over the blocks'
//! starts (O(block + blocks), about a microsecond at 1M rows), not a shift of the whole view;
//! the row at a position is a binary search over the starts.

/// Entries per block at most (a block that reaches it is split in two).
const BLOCK: usize = 2048;

#[derive(Debug, Clone)]
pub(super) struct View {
    /// Never empty blocks, except the single block of an empty view.
    blocks: Vec<Vec<u32>>,
    /// `starts[b]`: the view position of the first entry of block `b`.
    starts: Vec<usize>,
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
        View { blocks: vec![Vec::new()], starts: vec![0], len: 0, cap: cap.max(2) }
    }

    /// A view of these entries, in this order, with the same block size.
    pub(super) fn rebuilt(&self, entries: &[u32]) -> View {
        // Three quarters full: room for inserts before a split.
        let size = (self.cap * 3 / 4).max(1);
        let mut view = View::with_block(self.cap);
        if entries.is_empty() {
            return view;
        }
        view.blocks = entries.chunks(size).map(<[u32]>::to_vec).collect();
        view.starts = (0..view.blocks.len()).map(|b| b * size).collect();
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

    /// The block holding position `p` (`p < len`) and the offset in it.
    fn find(&self, p: usize) -> (usize, usize) {
        let b = self.starts.partition_point(|&s| s <= p) - 1;
        (b, p - self.starts[b])
    }

    pub(super) fn get(&self, p: usize) -> Option<u32> {
        if p >= self.len {
            return None;
        }
        let (b, o) = self.find(p);
        Some(self.blocks[b][o])
    }

    /// Overwrites the entry at `p` (`p < len`).
    pub(super) fn set(&mut self, p: usize, entry: u32) {
        let (b, o) = self.find(p);
        self.blocks[b][o] = entry;
    }

    /// The entries at positions `start..end` (clamped to the view).
    pub(super) fn range(&self, start: usize, end: usize) -> impl Iterator<Item = u32> + '_ {
        let end = end.min(self.len);
        let start = start.min(end);
        let (b, o) = if start < self.len { self.find(start) } else { (self.blocks.len(), 0) };
        let blocks = self.blocks.get(b..).unwrap_or_default();
        blocks
            .iter()
            .enumerate()
            .flat_map(move |(k, block)| block.get(if k == 0 { o } else { 0 }..).unwrap_or_default())
            .take(end - start)
            .copied()
    }

    /// Every entry in order.
    pub(super) fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.blocks.iter().flatten().copied()
    }

    /// Every entry in order, as one vector.
    pub(super) fn to_vec(&self) -> Vec<u32> {
        let mut all = Vec::with_capacity(self.len);
        self.blocks.iter().for_each(|b| all.extend_from_slice(b));
        all
    }

    /// Appends an entry at the end.
    pub(super) fn push(&mut self, entry: u32) {
        let b = self.blocks.len() - 1;
        if self.blocks[b].len() >= self.cap {
            // Appends fill blocks whole (a scan appends a million).
            let mut block = Vec::with_capacity(self.cap);
            block.push(entry);
            self.blocks.push(block);
            self.starts.push(self.len);
        } else {
            let block = &mut self.blocks[b];
            if block.len() == block.capacity() {
                block.reserve_exact(self.cap - block.len());
            }
            block.push(entry);
        }
        self.len += 1;
    }

    /// Inserts an entry at position `p` (`p <= len`).
    pub(super) fn insert(&mut self, p: usize, entry: u32) {
        assert!(p <= self.len, "insert at {p} past the end ({})", self.len);
        if p == self.len {
            return self.push(entry);
        }
        let (mut b, mut o) = self.find(p);
        if self.blocks[b].len() >= self.cap {
            // Full: split in two halves first, so no block ever grows past `cap`.
            let half = self.blocks[b].len() / 2;
            let tail = self.blocks[b][half..].to_vec();
            self.blocks[b].truncate(half);
            self.blocks.insert(b + 1, tail);
            self.starts.insert(b + 1, self.starts[b] + half);
            if o >= half {
                (b, o) = (b + 1, o - half);
            }
        }
        let block = &mut self.blocks[b];
        if block.len() == block.capacity() {
            block.reserve_exact(self.cap - block.len());
        }
        block.insert(o, entry);
        self.len += 1;
        self.starts[b + 1..].iter_mut().for_each(|s| *s += 1);
    }

    /// Removes the entry at position `p` (`p < len`).
    pub(super) fn remove(&mut self, p: usize) -> u32 {
        assert!(p < self.len, "remove at {p} past the end ({})", self.len);
        let (b, o) = self.find(p);
        let entry = self.blocks[b].remove(o);
        self.len -= 1;
        self.starts[b + 1..].iter_mut().for_each(|s| *s -= 1);
        let small = self.blocks[b].len() < self.cap / 4;
        if self.blocks[b].is_empty() && self.blocks.len() > 1 {
            self.blocks.remove(b);
            self.starts.remove(b);
        } else if small && b + 1 < self.blocks.len() {
            self.merge(b);
        } else if small && b > 0 {
            self.merge(b - 1);
        }
        entry
    }

    /// Block `b` takes in block `b + 1` if both fit in one.
    fn merge(&mut self, b: usize) {
        if self.blocks[b].len() + self.blocks[b + 1].len() > self.cap {
            return;
        }
        let next = self.blocks.remove(b + 1);
        self.starts.remove(b + 1);
        self.blocks[b].reserve_exact(next.len());
        self.blocks[b].extend_from_slice(&next);
    }

    /// The first position whose entry is not `below` (every entry `below` comes before every
    /// other, as in a sorted view): a binary search over the blocks' last entries, then one
    /// block.
    pub(super) fn partition_point(&self, mut below: impl FnMut(u32) -> bool) -> usize {
        let b = self.blocks.partition_point(|block| block.last().is_some_and(|&e| below(e)));
        match self.blocks.get(b) {
            Some(block) => self.starts[b] + block.partition_point(|&e| below(e)),
            None => self.len,
        }
    }
}

#[cfg(test)]
mod tests;
