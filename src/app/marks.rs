//! Marked wallets in the app: `Space` marks or unmarks the selected wallet, `*` marks every
//! wallet in view (after the filter), `U` clears the marks. Marks are kept by user_id beside
//! the list (see [`crate::marks`]), with the per-currency totals of the marked wallets loaded,
//! kept up to date in place as the list changes: every change of the list's wallets goes
//! through the few functions here, so a marked wallet's new balance is counted, and a wallet
//! gone from the table drops its mark.

use super::App;
use crate::list::Groups;
use crate::marks::Marks;
use crate::text::count;
use crate::wallet::{UserId, Wallet};

impl App {
    /// `Space`: marks or unmarks the selected wallet, and moves to the next one (so a run of
    /// wallets is marked by holding the key).
    pub(super) fn toggle_mark(&mut self) {
        let Some(id) = self.selected_wallet().map(|w| w.user_id.clone()) else {
            return self.error("no wallet selected to mark");
        };
        if self.session.marks.remove(&id) {
            self.count_marked(&id, false);
        } else {
            self.session.marks.insert(&id);
            self.count_marked(&id, true);
        }
        self.move_selection(1);
    }

    /// `*`: marks every wallet in view (those the filter shows).
    pub(super) fn mark_all_in_view(&mut self) {
        let list = &self.session.list;
        if list.is_empty() {
            return self.error("no wallet in view to mark");
        }
        let ids: Vec<UserId> = list.window(0, list.len()).map(|w| w.user_id.clone()).collect();
        let added = self.session.marks.extend(ids.iter());
        for id in &added {
            self.count_marked(id, true);
        }
        self.info(format!(
            "marked {} more: {} marked",
            count(added.len(), "wallet"),
            crate::text::group(self.session.marks.len() as u64)
        ));
    }

    /// `U`: unmarks every wallet.
    pub(super) fn clear_marks(&mut self) {
        let n = self.session.marks.len();
        if n == 0 {
            return self.info("no wallet is marked");
        }
        self.session.marks.clear();
        self.session.marked = Groups::default();
        self.info(format!("{} unmarked", count(n, "wallet")));
    }

    /// Adds (or takes out) a just (un)marked wallet to the marked totals, if it is loaded.
    fn count_marked(&mut self, id: &UserId, marked: bool) {
        let attribute = self.session.list.currency_attribute().to_string();
        let Some(wallet) = self.session.list.find(id) else { return };
        match marked {
            true => self.session.marked.add(wallet, &attribute),
            false => self.session.marked.remove(wallet, &attribute),
        }
    }

    /// Puts a wallet in the list (a write's result, a read, a stream change), in place.
    pub(super) fn list_upsert(&mut self, wallet: Wallet) {
        if self.session.marks.contains(&wallet.user_id) {
            let attribute = self.session.list.currency_attribute().to_string();
            if let Some(old) = self.session.list.find(&wallet.user_id) {
                self.session.marked.remove(old, &attribute);
            }
            self.session.marked.add(&wallet, &attribute);
        }
        self.session.list.upsert(wallet);
    }

    /// Takes a wallet gone from the table out of the list; its mark goes with it.
    pub(super) fn list_remove(&mut self, id: &UserId) -> Option<Wallet> {
        self.list_drop(id, true)
    }

    /// Takes a wallet out of the list; `gone`: from the table too, so its mark goes (a
    /// wallet that only left a query's results stays marked, just not counted).
    pub(super) fn list_drop(&mut self, id: &UserId, gone: bool) -> Option<Wallet> {
        let removed = self.session.list.remove(id);
        let marked = match gone {
            true => self.session.marks.remove(id),
            false => self.session.marks.contains(id),
        };
        if marked && let Some(old) = &removed {
            let attribute = self.session.list.currency_attribute().to_string();
            self.session.marked.remove(old, &attribute);
        }
        removed
    }

    /// Adds a scan page to the list; marked wallets in it are counted.
    pub(super) fn list_extend(&mut self, wallets: Vec<Wallet>) {
        if !self.session.marks.is_empty() {
            let attribute = self.session.list.currency_attribute().to_string();
            for wallet in wallets.iter().filter(|w| self.session.marks.contains(&w.user_id)) {
                if let Some(old) = self.session.list.find(&wallet.user_id) {
                    self.session.marked.remove(old, &attribute);
                }
                self.session.marked.add(wallet, &attribute);
            }
        }
        self.session.list.extend(wallets);
    }

    /// Forgets every loaded wallet (a new scan starts): the marks stay, to be found again.
    pub(super) fn list_clear(&mut self) {
        self.session.list.clear();
        self.session.marked = Groups::default();
    }

    /// A scan read the whole table: a marked wallet it did not find is gone, so is its mark.
    pub(super) fn prune_marks(&mut self) {
        // Only a list that holds the whole table says a wallet is gone: not a query's, a
        // server-side filter's, nor one the `--max-wallets` bound cut.
        let whole = self.session.query.spec.is_none()
            && self.session.server_filter.is_none()
            && !self.list_is_partial();
        if !whole {
            return;
        }
        let list = &self.session.list;
        self.session.marks.retain(|id| list.find(id).is_some());
    }

    /// The marked wallets, by user_id.
    pub fn marks(&self) -> &Marks {
        &self.session.marks
    }

    /// The marked wallets loaded, by currency: their count and exact total.
    pub fn marked_groups(&self) -> &Groups {
        &self.session.marked
    }

    /// The marked wallets loaded, in list order when in view (those hidden by the filter
    /// after them), for export and delete.
    pub(super) fn marked_wallets(&self) -> Vec<Wallet> {
        let list = &self.session.list;
        let marks = &self.session.marks;
        let mut wallets: Vec<Wallet> =
            list.window(0, list.len()).filter(|w| marks.contains(&w.user_id)).cloned().collect();
        if wallets.len() < marks.len() {
            let mut shown = Marks::new();
            shown.extend(wallets.iter().map(|w| &w.user_id));
            let hidden = marks.iter().filter(|id| !shown.contains(id));
            wallets.extend(hidden.filter_map(|id| list.find(&id).cloned()));
        }
        wallets
    }
}

#[cfg(test)]
mod tests;
