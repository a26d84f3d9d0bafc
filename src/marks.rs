//! The marked wallets (`Space`, mark all in view): a set of user_ids, kept apart from the
//! list so that marks survive its sort, filter, rescans (which reload it) and stream updates.
//! Compact for a million marks: a packed UUID costs its 16 bytes in one sorted vector (no
//! per-entry allocation, no hash table slack); only ids that are not canonical UUIDs keep
//! their text.

use std::collections::BTreeSet;

use crate::wallet::{UserId, UuidBits};

/// A set of user_ids.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Marks {
    /// Packed UUIDs, sorted, without repeats.
    uuids: Vec<UuidBits>,
    /// Every other id.
    texts: BTreeSet<Box<str>>,
}

impl Marks {
    pub fn new() -> Self {
        Self::default()
    }

    /// How many wallets are marked.
    pub fn len(&self) -> usize {
        self.uuids.len() + self.texts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn contains(&self, id: &UserId) -> bool {
        match id {
            UserId::Uuid(bits) => self.uuids.binary_search(bits).is_ok(),
            UserId::Text(text) => self.texts.contains(&**text),
        }
    }

    /// Marks `id`; false if it was marked already.
    pub fn insert(&mut self, id: &UserId) -> bool {
        match id {
            UserId::Uuid(bits) => match self.uuids.binary_search(bits) {
                Ok(_) => false,
                Err(at) => {
                    self.uuids.insert(at, *bits);
                    true
                }
            },
            UserId::Text(text) => self.texts.insert((**text).into()),
        }
    }

    /// Unmarks `id`; false if it was not marked.
    pub fn remove(&mut self, id: &UserId) -> bool {
        match id {
            UserId::Uuid(bits) => match self.uuids.binary_search(bits) {
                Ok(at) => {
                    self.uuids.remove(at);
                    true
                }
                Err(_) => false,
            },
            UserId::Text(text) => self.texts.remove(&**text),
        }
    }

    /// Marks every id of `ids` at once (one sort and merge, not one insert each); returns
    /// those that were not marked yet.
    pub fn extend<'a>(&mut self, ids: impl IntoIterator<Item = &'a UserId>) -> Vec<UserId> {
        let mut added = Vec::new();
        let mut uuids = Vec::new();
        for id in ids {
            match id {
                UserId::Uuid(bits) => uuids.push(*bits),
                UserId::Text(text) => {
                    if self.texts.insert((**text).into()) {
                        added.push(id.clone());
                    }
                }
            }
        }
        uuids.sort_unstable();
        uuids.dedup();
        uuids.retain(|bits| self.uuids.binary_search(bits).is_err());
        added.extend(uuids.iter().map(|bits| UserId::Uuid(*bits)));
        self.uuids.extend(uuids);
        self.uuids.sort_unstable();
        added
    }

    /// Keeps only the ids `keep` says.
    pub fn retain(&mut self, mut keep: impl FnMut(&UserId) -> bool) {
        self.uuids.retain(|bits| keep(&UserId::Uuid(*bits)));
        self.texts.retain(|text| keep(&UserId::Text((**text).into())));
    }

    pub fn clear(&mut self) {
        *self = Marks::default();
    }

    /// Every marked id: packed UUIDs in order, then the others in order.
    pub fn iter(&self) -> impl Iterator<Item = UserId> + '_ {
        let uuids = self.uuids.iter().map(|bits| UserId::Uuid(*bits));
        uuids.chain(self.texts.iter().map(|text| UserId::Text((**text).into())))
    }
}

#[cfg(test)]
mod tests;
