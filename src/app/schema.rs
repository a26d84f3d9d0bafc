//! Tables that are not wallet tables (their key is not `user_id` S HASH alone) and a status
//! that could not be refreshed: what the app says of them. A table keyed otherwise is never
//! listed (its items, read as wallets, would be folded together by user_id or dropped) and
//! the wallet forms are refused with one plain line, before any call.

use std::time::Duration;

use super::{App, TableState};
use crate::keymap::Action;

/// What `ui` reads.
impl App {
    /// The key schema of a described table that is not a wallet table (not `user_id` S HASH
    /// alone), in words; `None` for a wallet table or one not described.
    pub fn foreign_key_schema(&self) -> Option<String> {
        match &self.session.table {
            TableState::Present(info) if !info.has_wallet_schema() => Some(info.key_description()),
            _ => None,
        }
    }

    /// One plain line saying why a table that is not a wallet table is neither listed nor
    /// written to; `None` for a wallet table.
    pub fn not_a_wallet_table(&self) -> Option<String> {
        let key = self.foreign_key_schema()?;
        Some(format!(
            "not a wallet table: {} is keyed {key}, not user_id (S) HASH alone; it is not \
             listed and the wallet forms are disabled",
            self.session.name
        ))
    }

    /// The last description is old: the latest DescribeTable failed after it. How old it is.
    pub fn status_age(&self) -> Option<Duration> {
        self.session.describe_error.as_ref()?;
        Some(self.now.saturating_duration_since(self.session.last_described?))
    }
}

/// The actions that read or write wallets: refused on a table that is not a wallet table.
pub(super) fn is_wallet_action(action: Action) -> bool {
    matches!(
        action,
        Action::GetWallet
            | Action::NewWallet
            | Action::EditBalance
            | Action::Deposit
            | Action::Withdraw
            | Action::DeleteWallet
            | Action::Transfer
            | Action::Undo
            | Action::Export
            | Action::SeedDemo
            | Action::Query
            | Action::Import
    )
}

#[cfg(test)]
mod tests;
