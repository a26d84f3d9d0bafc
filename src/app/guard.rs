//! Guarding protected targets in the app: the account lookup's answer (which may change the
//! write mode), and the typed table name a protected target with `--allow-writes` asks for
//! before each table session's first write. The worker refuses what the mode forbids anyway.

use crate::form::{Field, Form};
use crate::keymap::Action;
use crate::msg::Request;
use crate::target::{Account, Identity, WriteMode};

use super::{App, Connection, Modal, fields};

/// The dialog that asks for the table name, and the action it lets through.
#[derive(Debug, Clone)]
pub struct ConfirmTarget {
    pub form: Form,
    /// What the user asked for: done once the name is typed.
    pub then: Action,
}

/// The actions that lead to a write (a form that writes, undo, demo data).
pub(super) fn is_write(action: Action) -> bool {
    matches!(
        action,
        Action::CreateTable
            | Action::DeleteTable
            | Action::ChangeThroughput
            | Action::NewWallet
            | Action::EditBalance
            | Action::Deposit
            | Action::Withdraw
            | Action::DeleteWallet
            | Action::Transfer
            | Action::Undo
            | Action::SeedDemo
            | Action::EnableStream
            | Action::CreateIndex
            | Action::Import
    )
}

impl App {
    /// Once the endpoint answers: look up who the calls are made as, once per run.
    pub(super) fn due_identify(&mut self) -> Option<Request> {
        if !self.config.identify || self.identify_sent || self.connection != Connection::Ready {
            return None;
        }
        self.identify_sent = true;
        Some(Request::Identify)
    }

    pub(super) fn complete_identify(&mut self, identity: Identity, mode: Option<WriteMode>) {
        if let Account::Unknown(why) = &identity.account {
            tracing::info!("account unknown: {why}");
        }
        if let Some(mode) = mode {
            self.write_mode = mode;
        }
        self.identity = Some(identity);
    }

    /// A protected target with `--allow-writes` whose name has not been typed this session.
    pub(super) fn needs_target_confirm(&self) -> bool {
        matches!(self.write_mode(), WriteMode::Confirm { .. }) && !self.session.writes_confirmed
    }

    pub(super) fn open_confirm_target(&mut self, then: Action) {
        let WriteMode::Confirm { target } = self.write_mode() else { return };
        let table = &self.session.name;
        let form = Form::new(
            format!("Protected: {target}"),
            vec![Field::text(fields::CONFIRM_TARGET, "")],
        )
        .with_intro(format!(
            "{target} is protected. Type the table name, {table}, to write to it in this \
             session (once; switching tables asks again)."
        ));
        self.modal = Modal::ConfirmTarget(ConfirmTarget { form, then });
    }

    /// Enter in the dialog: the right name lets the action through, anything else stays.
    pub(super) fn submit_confirm_target(&mut self) -> Vec<Request> {
        let Modal::ConfirmTarget(confirm) = &mut self.modal else { return Vec::new() };
        confirm.form.clear_errors();
        let table = self.session.name.clone();
        if confirm.form.value(fields::CONFIRM_TARGET) != table {
            if let Some(field) = confirm.form.field_mut(fields::CONFIRM_TARGET) {
                field.error = Some(format!("type {table} exactly to write to it"));
            }
            return Vec::new();
        }
        let then = confirm.then;
        self.modal = Modal::None;
        self.session.writes_confirmed = true;
        self.handle_action(then)
    }
}

#[cfg(test)]
mod tests;
