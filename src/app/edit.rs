//! Wallet edits: the get, put, edit, deposit, withdraw and delete forms, their
//! validation, the conditional writes they send, conflicts, and undo.

use std::time::Instant;

use super::{App, Modal};
use crate::balance::Balance;
use crate::error::ApiError;
use crate::form::{Field, Form};
use crate::list::WalletList;
use crate::msg::{Request, Resolved};
use crate::usage::OpKind;
use crate::wallet::{AttrValue, BALANCE, Extras, UserId, Wallet};
use crate::write::{CurrencyCheck, EditReason, Unknown, Write, WriteDone, WriteError, WriteKind};
use crate::write::{currency_text, typed};

/// Labels of the wallet forms' fields.
pub mod labels {
    pub const USER_ID: &str = "user_id";
    pub const READ: &str = "Read";
    pub const BALANCE: &str = "Balance";
    pub const CURRENT: &str = "Current balance";
    pub const NEW: &str = "New balance";
    pub const AMOUNT: &str = "Amount";
    pub const TO: &str = "To user_id";
}

const STRONG: &str = "strong";
const EVENTUAL: &str = "eventual";
/// DynamoDB's limit for a partition key value.
pub const MAX_USER_ID_BYTES: usize = 2048;

/// A wallet's `balance` attribute as a form saw it: what its write's condition requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// A number.
    Number(Balance),
    /// Stored, but not a number (S "100", M, BOOL, NULL, NS...): shown typed, as the detail
    /// pane shows it; only `e` (and `x`) may write over it.
    Other(AttrValue),
    /// No balance attribute.
    Absent,
}

impl Seen {
    /// The balance of `wallet` as stored (`None`: no such wallet, taken as no balance).
    pub fn of(wallet: Option<&Wallet>) -> Seen {
        match wallet {
            Some(Wallet { balance: Some(balance), .. }) => Seen::Number(*balance),
            Some(wallet) => wallet.attr(BALANCE).map_or(Seen::Absent, Seen::Other),
            None => Seen::Absent,
        }
    }

    /// The number, if it is one.
    pub fn number(&self) -> Option<Balance> {
        match self {
            Seen::Number(balance) => Some(*balance),
            _ => None,
        }
    }

    /// As forms show it: `322.26`, `S "100"`, `— (no balance)`.
    pub fn describe(&self) -> String {
        match self {
            Seen::Number(balance) => balance.to_string(),
            Seen::Other(value) => typed(value),
            Seen::Absent => "— (no balance)".to_string(),
        }
    }

    /// Why an amount cannot be added to or taken from it (`whose`: "the balance" or "X's
    /// balance"), with `advice`; `None` for a number.
    fn not_a_number(&self, whose: &str, advice: &str) -> Option<String> {
        match self {
            Seen::Number(_) => None,
            Seen::Other(value) => {
                Some(format!("{whose} is {}, not a number: {advice}", typed(value)))
            }
            Seen::Absent => Some(format!("{whose} is missing: {advice}")),
        }
    }
}

/// What a wallet form is for, with what the user saw when it opened.
#[derive(Debug, Clone, PartialEq)]
pub enum WalletAction {
    /// `f`: GetItem by user_id.
    Get,
    /// `n`: a new wallet. After a conflict, `existing` holds the wallet that
    /// already has this id, and Enter opens it instead.
    Put { existing: Option<Wallet> },
    /// `e`: set an absolute balance.
    Edit { user_id: String, seen: Seen },
    /// `+`: add an amount.
    Deposit { user_id: String, seen: Seen },
    /// `-`: take an amount.
    Withdraw { user_id: String, seen: Seen },
    /// `x`: delete the wallet.
    Delete { user_id: String, seen: Seen },
    /// `T`: move an amount to another wallet in one transaction.
    Transfer { user_id: String, seen: Seen },
}

/// A wallet form on screen.
#[derive(Debug, Clone)]
pub struct WalletDialog {
    pub action: WalletAction,
    pub form: Form,
    /// The write this form sent, while it is in flight.
    pub op_id: Option<String>,
    /// A write this form sent whose outcome is unknown: Enter sends this very write again
    /// (same op id, its ClientRequestToken, so DynamoDB applies it at most once), whatever
    /// the fields now say.
    pub unsettled: Option<Box<Write>>,
    /// `e`: the new balance the form's notice asks to confirm; a second Enter sends it while
    /// the notice shows and the field still says it.
    pub confirming: Option<Balance>,
}

/// A balance change of this session that `u` can take back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoEntry {
    pub user_id: String,
    pub before: Option<Balance>,
    pub after: Balance,
}

/// Refuses what DynamoDB or a person would regret as a partition key.
pub fn check_user_id(text: &str) -> Result<String, String> {
    if text.is_empty() {
        return Err("enter a user_id".into());
    }
    if text.trim().is_empty() {
        return Err("a user_id cannot be only spaces".into());
    }
    if text.len() > MAX_USER_ID_BYTES {
        return Err(format!(
            "{} bytes: a user_id has at most {MAX_USER_ID_BYTES} bytes (UTF-8)",
            text.len()
        ));
    }
    if text.chars().any(char::is_control) {
        return Err("control characters are not allowed in a user_id".into());
    }
    if text.trim() != text {
        return Err("leading or trailing spaces: remove them".into());
    }
    Ok(text.to_string())
}

fn show(balance: Option<Balance>) -> String {
    balance.map_or_else(|| "— (no balance)".to_string(), |b| b.to_string())
}

/// The balance of a wallet as stored (`None`: it does not exist), as forms show it.
fn show_wallet(wallet: Option<&Wallet>) -> String {
    Seen::of(wallet).describe()
}

/// The intro of a form whose write is conditional on the balance seen.
fn conditional_intro(action: &WalletAction, seen: &Seen) -> String {
    match (action, seen) {
        (WalletAction::Delete { .. }, _) => {
            format!("Enter deletes this wallet, only if its balance is still {}.", seen.describe())
        }
        (WalletAction::Edit { .. }, Seen::Other(_)) => format!(
            "Written only if the balance is still {} (the value you see): the number you \
             enter replaces it.",
            seen.describe()
        ),
        (_, Seen::Absent) => "Written only if the wallet still has no balance.".to_string(),
        _ => {
            format!("Written only if the balance is still {} (the value you see).", seen.describe())
        }
    }
}

impl WalletAction {
    fn title(&self) -> &'static str {
        match self {
            WalletAction::Get => "Get wallet",
            WalletAction::Put { .. } => "New wallet",
            WalletAction::Edit { .. } => "Set balance",
            WalletAction::Deposit { .. } => "Deposit",
            WalletAction::Withdraw { .. } => "Withdraw",
            WalletAction::Delete { .. } => "Delete wallet",
            WalletAction::Transfer { .. } => "Transfer",
        }
    }

    fn target(&self) -> Option<(&str, &Seen)> {
        match self {
            WalletAction::Edit { user_id, seen }
            | WalletAction::Deposit { user_id, seen }
            | WalletAction::Withdraw { user_id, seen }
            | WalletAction::Delete { user_id, seen }
            | WalletAction::Transfer { user_id, seen } => Some((user_id, seen)),
            WalletAction::Get | WalletAction::Put { .. } => None,
        }
    }

    fn with_seen(&self, new_seen: Seen) -> Self {
        match self.clone() {
            WalletAction::Edit { user_id, .. } => WalletAction::Edit { user_id, seen: new_seen },
            WalletAction::Deposit { user_id, .. } => {
                WalletAction::Deposit { user_id, seen: new_seen }
            }
            WalletAction::Withdraw { user_id, .. } => {
                WalletAction::Withdraw { user_id, seen: new_seen }
            }
            WalletAction::Delete { user_id, .. } => {
                WalletAction::Delete { user_id, seen: new_seen }
            }
            WalletAction::Transfer { user_id, .. } => {
                WalletAction::Transfer { user_id, seen: new_seen }
            }
            other => other,
        }
    }
}

impl App {
    /// Opens a wallet form (from a key); refuses writes in read-only mode.
    pub(super) fn open_wallet_form(&mut self, action: WalletAction) {
        if !matches!(action, WalletAction::Get) {
            if let Some(why) =
                self.write_blocked("editing wallets").or_else(|| self.wallet_write_blocked())
            {
                return self.error(why);
            }
        } else if self.connection != super::Connection::Ready {
            return self.error("not connected yet");
        }
        let form = match &action {
            WalletAction::Get => Form::new(
                action.title(),
                vec![
                    Field::text(labels::USER_ID, ""),
                    Field::choice(labels::READ, vec![STRONG, EVENTUAL]),
                ],
            )
            .with_intro("GetItem by key. Strong reads cost 1 RCU per 4 KB, eventual ones half."),
            WalletAction::Put { .. } => Form::new(
                action.title(),
                vec![
                    Field::text(labels::USER_ID, &uuid::Uuid::new_v4().to_string()),
                    Field::text(labels::BALANCE, "0"),
                ],
            )
            .with_intro("PutItem only if no wallet has this user_id: nothing is overwritten."),
            _ => {
                let Some((user_id, seen)) = action.target() else { return };
                let mut fields = vec![
                    Field::fixed(labels::USER_ID, user_id),
                    Field::fixed(labels::CURRENT, seen.describe()),
                ];
                match action {
                    // Empty: typing never appends to the current value shown above it.
                    WalletAction::Edit { .. } => fields.push(Field::text(labels::NEW, "")),
                    WalletAction::Deposit { .. } | WalletAction::Withdraw { .. } => {
                        fields.push(Field::text(labels::AMOUNT, ""))
                    }
                    WalletAction::Transfer { .. } => {
                        fields.push(Field::text(labels::TO, ""));
                        fields.push(Field::text(labels::AMOUNT, ""));
                    }
                    _ => {}
                }
                let intro = match action {
                    WalletAction::Transfer { .. } => "One TransactWriteItems: the debit only if \
                        the balance covers the amount, the credit only if the target exists; \
                        both or neither, only between numeric balances of one currency."
                        .to_string(),
                    _ => conditional_intro(&action, seen),
                };
                Form::new(action.title(), fields).with_intro(intro)
            }
        };
        let form = match self.write_cost(&action) {
            Some(cost) => {
                let intro = form.intro.clone().unwrap_or_default();
                form.with_intro(format!("{intro} {cost}").trim_start().to_string())
            }
            None => form,
        };
        self.modal = Modal::Wallet(WalletDialog {
            action,
            form,
            op_id: None,
            unsettled: None,
            confirming: None,
        });
    }

    /// What the form's write costs, said before Enter: every write is one transaction, which
    /// DynamoDB charges 2 WCU per KB of each item it writes (a transfer writes two).
    fn write_cost(&self, action: &WalletAction) -> Option<String> {
        let size_of = |user_id: &str| {
            self.session.list.find(&UserId::new(user_id)).map_or(0, crate::usage::item_size)
        };
        let units = |bytes| crate::capacity::transactional_write_units(bytes);
        let (wcu, about) = match action {
            WalletAction::Get => return None,
            WalletAction::Put { .. } => (units(0), ""),
            WalletAction::Transfer { user_id, .. } => {
                (units(size_of(user_id)) + units(0), "at least ")
            }
            WalletAction::Edit { user_id, .. }
            | WalletAction::Deposit { user_id, .. }
            | WalletAction::Withdraw { user_id, .. }
            | WalletAction::Delete { user_id, .. } => (units(size_of(user_id)), ""),
        };
        Some(format!("Costs {about}{wcu} WCU (a transaction: 2 per KB of each item)."))
    }

    /// The same forms, aimed at the selected wallet.
    pub(super) fn open_selected(&mut self, make: fn(String, Seen) -> WalletAction) {
        match self.selected_wallet() {
            Some(wallet) => {
                let action = make(wallet.user_id.to_text(), Seen::of(Some(wallet)));
                self.open_wallet_form(action);
            }
            None => self.error("no wallet selected"),
        }
    }

    /// Enter in a wallet form: validate, then send (or open an existing wallet).
    pub(super) fn submit_wallet_form(&mut self) -> Vec<Request> {
        let Modal::Wallet(dialog) = &mut self.modal else { return Vec::new() };
        if dialog.op_id.is_some() || dialog.form.pending {
            return Vec::new(); // one write at a time: a second Enter waits
        }
        dialog.form.clear_errors();
        let asked = dialog.form.notice.take().is_some();
        let table = self.session.name.clone();
        if let WalletAction::Put { existing: Some(wallet) } = &dialog.action {
            let id = wallet.user_id.clone();
            self.modal = Modal::None;
            self.reveal(&id, "opened the existing wallet");
            return Vec::new();
        }
        let context = Context {
            table: &table,
            allow_negative: self.config.allow_negative,
            currency_attribute: &self.config.currency_attribute,
            list: &self.session.list,
        };
        let request = match &dialog.unsettled {
            Some(unsettled) => Request::Write { table, write: (**unsettled).clone() },
            None => match build_request(dialog, &context) {
                Some(request) if confirmed(dialog, &request, asked) => request,
                _ => return Vec::new(),
            },
        };
        if let Request::Write { write, .. } = &request {
            dialog.op_id = Some(write.op_id.clone());
            self.session.write_started = Some(self.now);
        }
        dialog.form.pending = true;
        vec![request]
    }

    /// Selects a loaded wallet and says so.
    fn reveal(&mut self, id: &UserId, what: &str) {
        self.settle_keeping_selection();
        match self.session.list.position_of(id) {
            Some(position) => {
                self.select(position);
                self.info(what.to_string());
            }
            None => {
                self.info(format!("{what} (hidden by the filter {})", self.session.filter_text))
            }
        }
    }

    /// GetItem answered.
    pub(super) fn complete_get(
        &mut self,
        user_id: String,
        result: Result<Option<crate::wallet::Wallet>, ApiError>,
        rcu: Option<f64>,
    ) {
        if self.complete_fetch(&user_id, &result, rcu) {
            return;
        }
        if let Ok(Some(wallet)) = &result {
            self.session.query.partial.remove(&wallet.user_id);
        }
        if let Ok(found) = &result {
            // The Get form says how it read; without it, count the dearer strong read.
            let consistent = match &self.modal {
                Modal::Wallet(d) if d.action == WalletAction::Get => {
                    d.form.value(labels::READ) != EVENTUAL
                }
                _ => true,
            };
            self.usage.record_get(self.now, found.as_ref(), rcu, consistent);
        }
        let cost = rcu.map_or_else(String::new, |u| format!(" ({u} RCU)"));
        let form = match &mut self.modal {
            Modal::Wallet(d) if d.action == WalletAction::Get => Some(&mut d.form),
            _ => None,
        };
        match result {
            Ok(Some(wallet)) => {
                let id = wallet.user_id.clone();
                if form.is_some() {
                    self.modal = Modal::None;
                }
                if self.session.query.spec.as_ref().is_some_and(|q| !q.matches(&wallet)) {
                    // Not one of the query's results: said, not added to its list.
                    return self.info(format!(
                        "GetItem {user_id}: found{cost}, balance {}; not in this query's results (r lists the table)",
                        wallet.balance.map_or_else(|| "not a number".to_string(), |b| b.to_string())
                    ));
                }
                self.store_wallet(wallet);
                self.reveal(&id, &format!("GetItem {user_id}: found{cost}"));
            }
            Ok(None) => match form {
                Some(form) => {
                    form.pending = false;
                    form.error = Some(format!("no wallet with user_id {user_id}{cost}"));
                }
                None => self.error(format!("no wallet with user_id {user_id}")),
            },
            Err(err) => match form {
                Some(form) => {
                    form.pending = false;
                    form.error = Some(err.summary());
                }
                None => self.error(format!("GetItem {user_id}: {}", err.summary())),
            },
        }
    }

    /// A wallet read back by the worker after a write: counted, and shown as stored. What it
    /// means for the write comes with the write's own answer, next.
    pub(super) fn complete_read_back(
        &mut self,
        result: Result<Option<Wallet>, ApiError>,
        rcu: Option<f64>,
    ) {
        if let Ok(found) = result {
            self.usage.record_get(self.now, found.as_ref(), rcu, true);
            if let Some(wallet) = found {
                self.put_wallet(wallet);
            }
        }
    }

    /// A write answered: success updates the list in place; a conflict shows
    /// the current value and lets the user re-apply or cancel.
    pub(super) fn complete_write(&mut self, write: Write, result: Result<WriteDone, WriteError>) {
        self.session.write_started = None;
        let ours =
            matches!(&self.modal, Modal::Wallet(d) if d.op_id.as_deref() == Some(&write.op_id));
        self.settle_write(&write, result, ours);
        if self.quitting.is_some() {
            self.should_quit = true;
        }
    }

    /// What became of `write`, shown (in its form when `ours`) and applied to the list.
    pub(super) fn settle_write(
        &mut self,
        write: &Write,
        result: Result<WriteDone, WriteError>,
        ours: bool,
    ) {
        let still_unknown = matches!(&result, Err(WriteError::Unknown(u)) if u.expired.is_none());
        self.session.unknown.retain(|w| w.op_id != write.op_id);
        if still_unknown {
            self.session.unknown.push(write.clone());
        }
        match result {
            Ok(done) => self.write_succeeded(write, done, ours),
            Err(WriteError::Conflict { current }) => self.write_conflicted(write, current, ours),
            Err(WriteError::Cancelled(why)) => {
                self.error(format!("{} not applied: {why} · {}", write.kind.name(), write.user_id));
                if ours {
                    self.form_write_failed(why, None);
                }
            }
            Err(WriteError::Refused(err)) => {
                let why = format!("{}: nothing was written", err.summary());
                self.error(format!("{} not applied: {why} · {}", write.kind.name(), write.user_id));
                if ours {
                    self.form_write_failed(why, None);
                }
            }
            Err(WriteError::Unknown(unknown)) => self.write_unknown(write, *unknown, ours),
        }
    }

    /// The open wallet form's write did not go through: the form stays, with `message`.
    /// `unsettled` is a write whose outcome is unknown, kept so that Enter sends it again
    /// unchanged (see [`WalletDialog::unsettled`]).
    fn form_write_failed(&mut self, message: String, unsettled: Option<&Write>) {
        if let Modal::Wallet(dialog) = &mut self.modal {
            dialog.op_id = None;
            dialog.form.pending = false;
            dialog.form.error = Some(message);
            dialog.unsettled = unsettled.map(|w| Box::new(w.clone()));
        }
    }

    fn write_succeeded(&mut self, write: &Write, done: WriteDone, ours: bool) {
        if ours {
            self.modal = Modal::None;
        }
        let id = UserId::new(&write.user_id);
        // The list still holds the wallet as it was before this write.
        let old = self.session.list.find(&id);
        let kind = OpKind::of_write(&write.kind);
        self.usage.record_write(self.now, kind, done.consumed_wcu, old, done.wallet.as_ref());
        let note = if done.resent {
            " (confirmed by sending it again with the same token: applied once)"
        } else {
            ""
        };
        let cost = done.consumed_wcu.map_or_else(String::new, |u| format!(", {u} WCU"));
        if let WriteKind::Transfer { to, amount, .. } = &write.kind {
            return self.transfer_succeeded(write, to, *amount, done, &format!("{cost}{note}"));
        }
        match (&write.kind, done.wallet) {
            (WriteKind::Delete { .. } | WriteKind::DeleteOver { .. }, _) => {
                self.drop_wallet(&id);
                self.clamp_selection();
                self.info(format!("wallet deleted{cost}{note} · {}", write.user_id));
            }
            (kind, Some(wallet)) => {
                let balance = wallet.balance;
                self.put_wallet(wallet);
                if let WriteKind::SetBalance { new, reason, .. } = kind {
                    self.record_undo(write, done.old_balance, *new, *reason);
                }
                // The result first: a long user_id would push it off the line.
                let what = format!(
                    "{}: balance {}{cost}{note} · {}",
                    kind.name(),
                    show(balance),
                    write.user_id
                );
                self.reveal(&id, &what);
            }
            (WriteKind::SetOver { new, .. }, None) => {
                // The row the user saw, its balance now the number the write set.
                if let Some(wallet) = old {
                    let extra: Vec<_> =
                        wallet.extra.iter().filter(|(n, _)| *n != BALANCE).collect();
                    let extra = Extras::new(extra.iter().map(|(n, v)| (*n, v)));
                    let wallet = Wallet { balance: Some(*new), extra, ..wallet.clone() };
                    self.put_wallet(wallet);
                }
                let what = format!("set {}: balance {new}{cost}{note}", write.user_id);
                self.reveal(&id, &what);
            }
            (WriteKind::SetBalance { new, reason, .. }, None) => {
                // The row the user saw, with the balance the write set.
                if let Some(mut wallet) = old.cloned() {
                    wallet.balance = Some(*new);
                    self.put_wallet(wallet);
                }
                self.record_undo(write, done.old_balance, *new, *reason);
                let what =
                    format!("{}: balance {new}{cost}{note} · {}", write.kind.name(), write.user_id);
                self.reveal(&id, &what);
            }
            (kind, None) => {
                self.info(format!("{}: done{cost}{note} · {}", kind.name(), write.user_id))
            }
        }
    }

    /// Both rows as read back after the transfer, in place; a side that could not be read
    /// back unchanged is marked for a rescan instead of guessed.
    fn transfer_succeeded(
        &mut self,
        write: &Write,
        to: &str,
        amount: Balance,
        done: WriteDone,
        tail: &str,
    ) {
        let from_id = UserId::new(&write.user_id);
        let mut sides = Vec::new();
        for (side, wallet) in [("from", done.wallet), ("to", done.counterpart.map(|c| c.wallet))] {
            match wallet {
                Some(wallet) => {
                    sides.push(format!("{side} now {}", show_wallet(Some(&wallet))));
                    self.put_wallet(wallet);
                }
                None => sides.push(format!("{side} changed since: r rescans")),
            }
        }
        // The result first, the (long) user_ids last.
        let what =
            format!("transfer {amount}: {}{tail} · {} → {to}", sides.join(", "), write.user_id);
        self.reveal(&from_id, &what);
    }

    fn record_undo(
        &mut self,
        write: &Write,
        before: Option<Balance>,
        after: Balance,
        reason: EditReason,
    ) {
        if reason == EditReason::Undo {
            return; // taking back an undo is not offered: it would loop
        }
        self.session.undo.push(UndoEntry { user_id: write.user_id.clone(), before, after });
    }

    fn write_conflicted(&mut self, write: &Write, current: Option<Wallet>, ours: bool) {
        let now_balance = show_wallet(current.as_ref());
        self.show_stored(&write.user_id, current.as_ref());
        if let WriteKind::SetBalance { reason: EditReason::Undo, .. } = write.kind {
            return self.error(format!(
                "undo refused: {} changed since (balance now {now_balance}); nothing written",
                write.user_id,
            ));
        }
        let message = match (&write.kind, &current) {
            (_, None) if !matches!(write.kind, WriteKind::Create { .. }) => {
                "this wallet no longer exists: nothing was written".to_string()
            }
            (WriteKind::Create { .. }, Some(_)) => format!(
                "a wallet with this user_id already exists (balance {now_balance}): Enter opens \
                 it, Esc cancels"
            ),
            (_, _) => format!(
                "the balance changed meanwhile to {now_balance}: nothing was written. Enter \
                 applies yours to it, Esc cancels"
            ),
        };
        self.error(format!("{}: {message} · {}", write.kind.name(), write.user_id));
        if ours {
            self.reopen_form(message, current);
        }
    }

    /// No answer says whether the write applied, even after it was sent again with the same
    /// token. Within the token's window the form keeps it: Enter sends it once more. Past the
    /// window (`expired`) it is never resent: the wallet as read back is shown, for the user
    /// to decide with a new write.
    fn write_unknown(&mut self, write: &Write, unknown: Unknown, ours: bool) {
        let Unknown { error, sent_at, expired } = unknown;
        let Some(read) = expired else {
            let message = format!(
                "outcome unknown ({}). Enter sends the same write again: with its token it \
                 cannot apply twice. Esc leaves it open: no other write starts until r (or \
                 the next start) has sent it again",
                error.summary()
            );
            self.error(format!("{} {}: {message}", write.kind.name(), write.user_id));
            if ours {
                self.form_write_failed(message, Some(write));
            }
            return;
        };
        let head =
            format!("outcome unknown: sent at {sent_at}, never resent past the token's window");
        let was = match &write.kind {
            WriteKind::SetBalance { seen, .. } | WriteKind::Delete { seen } => {
                format!(" (was {} when sent)", show(*seen))
            }
            WriteKind::SetOver { seen, .. } | WriteKind::DeleteOver { seen } => {
                format!(" (was {} when sent)", typed(seen))
            }
            _ => String::new(),
        };
        let message = match read {
            Ok(current) => {
                self.show_stored(&write.user_id, current.as_ref());
                let now = current.as_ref().map_or_else(
                    || "no such wallet".to_string(),
                    |w| format!("balance now {}", show_wallet(Some(w))),
                );
                let message = format!("{head}; {now}{was}: decide with a new write");
                if ours {
                    self.reopen_form(message.clone(), current);
                }
                message
            }
            Err(read_error) => {
                let message = format!(
                    "{head}; reading it back failed too ({}): verify with f",
                    read_error.summary()
                );
                if ours {
                    self.form_write_failed(message.clone(), None);
                }
                message
            }
        };
        self.error(format!("{} {}: {message}", write.kind.name(), write.user_id));
    }

    /// The list shows the wallet `user_id` as stored now (`None`: there is none).
    pub(super) fn show_stored(&mut self, user_id: &str, current: Option<&Wallet>) {
        match current {
            Some(wallet) => self.put_wallet(wallet.clone()),
            None => {
                self.drop_wallet(&UserId::new(user_id));
                self.clamp_selection();
            }
        }
    }

    /// A stream record changed the wallet the open form is about (and no write of the form
    /// is in flight): the form now shows, and its write is conditional on, the new value.
    pub(super) fn form_follows(&mut self, user_id: &UserId, current: Option<&Wallet>) {
        let Modal::Wallet(dialog) = &mut self.modal else { return };
        if dialog.op_id.is_some() || dialog.unsettled.is_some() {
            return;
        }
        let Some((target, seen)) = dialog.action.target() else { return };
        let now = Seen::of(current);
        if user_id.to_text() != target || *seen == now {
            return;
        }
        dialog.action = dialog.action.with_seen(now.clone());
        dialog.confirming = None;
        dialog.form.notice = None;
        dialog.form.error = Some(format!("changed by another writer: now {}", now.describe()));
        let conditional = !matches!(dialog.action, WalletAction::Transfer { .. });
        if let Some(field) = dialog.form.field_mut(labels::CURRENT) {
            field.kind = crate::form::FieldKind::Fixed(now.describe());
            if conditional {
                dialog.form.intro = Some(conditional_intro(&dialog.action, &now));
            }
        }
    }

    /// The write of the open wallet form did not go through: the form stays open with
    /// `message`, its action now based on the wallet as stored (`current`).
    fn reopen_form(&mut self, message: String, current: Option<Wallet>) {
        let now = Seen::of(current.as_ref());
        self.form_write_failed(message, None);
        if let Modal::Wallet(dialog) = &mut self.modal {
            dialog.action = match (&dialog.action, current) {
                (WalletAction::Put { .. }, existing) => WalletAction::Put { existing },
                (action, _) => action.with_seen(now.clone()),
            };
            let conditional = !matches!(dialog.action, WalletAction::Transfer { .. });
            if let Some(field) = dialog.form.field_mut(labels::CURRENT) {
                field.kind = crate::form::FieldKind::Fixed(now.describe());
                if conditional {
                    dialog.form.intro = Some(conditional_intro(&dialog.action, &now));
                }
            }
        }
    }

    /// `u`: sets the last edited wallet back, only if its balance is still
    /// what this session wrote.
    pub(super) fn undo_last(&mut self) -> Vec<Request> {
        if let Some(why) = self.write_blocked("undo") {
            self.error(why);
            return Vec::new();
        }
        if let Some(why) = self.wallet_write_blocked() {
            self.error(why);
            return Vec::new();
        }
        let Some(entry) = self.session.undo.pop() else {
            self.error("nothing to undo in this session");
            return Vec::new();
        };
        let Some(before) = entry.before else {
            self.error(format!("{} had no balance before: nothing to restore", entry.user_id));
            return Vec::new();
        };
        self.session.write_started = Some(self.now);
        self.info(format!("undo: {} back to {before}…", entry.user_id));
        let kind = WriteKind::SetBalance {
            seen: Some(entry.after),
            new: before,
            reason: EditReason::Undo,
        };
        let write = Write { op_id: uuid::Uuid::new_v4().to_string(), user_id: entry.user_id, kind };
        vec![Request::Write { table: self.session.name.clone(), write }]
    }

    /// Writes an earlier run (or this one) left without an outcome, settled by the worker
    /// when this table's session began; the scan waits for them.
    pub(super) fn complete_resolve(&mut self, result: Result<Vec<Resolved>, ApiError>) {
        self.session.writes_settled = true;
        let resolved = match result {
            Ok(resolved) => resolved,
            Err(err) if err.kind == crate::error::ErrorKind::ReadOnly => return,
            Err(err) => {
                return self
                    .error(format!("writes left open earlier not settled: {}", err.summary()));
            }
        };
        let count = resolved.len();
        let mut lines = Vec::new();
        for Resolved { write, result } in resolved {
            let outcome = match &result {
                Ok(_) => "applied".to_string(),
                Err(WriteError::Unknown(u)) if u.expired.is_none() => {
                    "still unknown (the app tries again when it next opens this table)".to_string()
                }
                Err(WriteError::Unknown(_)) => "unknown past the token's window".to_string(),
                Err(_) => "not applied".to_string(),
            };
            lines.push(format!("{} {}: {outcome}", write.kind.name(), write.user_id));
            // An earlier run's edit is not this session's to undo.
            let ours = self.session.unknown.iter().any(|w| w.op_id == write.op_id);
            let undo = self.session.undo.len();
            self.settle_write(&write, result, false);
            if !ours {
                self.session.undo.truncate(undo);
            }
        }
        if count > 0 {
            let text = format!(
                "{count} write{} left open earlier, settled: {}",
                if count == 1 { "" } else { "s" },
                lines.join("; ")
            );
            self.info(text);
        }
    }

    /// Time since the write in flight was sent, for the spinner.
    pub fn write_in_flight_since(&self) -> Option<Instant> {
        self.session.write_started
    }
}

/// The advice when an amount meets a balance that is not a number.
const SET_FIRST: &str = "set a number with e first";

/// What validating a wallet form needs besides the form.
struct Context<'a> {
    table: &'a str,
    allow_negative: bool,
    currency_attribute: &'a str,
    /// The loaded wallets: a transfer's target is checked against its row when loaded.
    list: &'a WalletList,
}

/// `e` asks once more before it sends: the first Enter shows "old → new (difference)" in the
/// form's notice; the next one, with the field unchanged, returns true.
fn confirmed(dialog: &mut WalletDialog, request: &Request, asked: bool) -> bool {
    let Request::Write { write, .. } = request else { return true };
    let (old, new) = match &write.kind {
        WriteKind::SetBalance { seen, new, reason: EditReason::Set } => {
            (seen.map_or_else(|| "no balance".to_string(), |b| b.to_string()), *new)
        }
        WriteKind::SetOver { seen, new } => (typed(seen), *new),
        _ => return true,
    };
    if asked && dialog.confirming == Some(new) {
        return true;
    }
    let change = match &write.kind {
        WriteKind::SetBalance { seen: Some(seen), .. } => difference(*seen, new),
        WriteKind::SetOver { .. } => "replaces a value that is not a number".to_string(),
        _ => "a new balance attribute".to_string(),
    };
    dialog.confirming = Some(new);
    dialog.form.notice =
        Some(format!("{old} → {new} ({change}). Enter again writes it, Esc cancels."));
    false
}

/// `new − old` exactly, signed: "+77.74", "-0.5".
fn difference(old: Balance, new: Balance) -> String {
    let diff = new.to_bigdecimal() - old.to_bigdecimal();
    let text = match Balance::from_bigdecimal(&diff) {
        Ok(exact) => exact.to_string(),
        Err(_) => diff.normalized().to_string(),
    };
    if diff.sign() == bigdecimal::num_bigint::Sign::Minus { text } else { format!("+{text}") }
}

/// The currency of a loaded wallet (`None`: it has none).
fn currency_of(wallet: &Wallet, attribute: &str) -> Option<AttrValue> {
    wallet.attr(attribute)
}

/// Validates the form; marks bad fields; returns the request to send.
fn build_request(dialog: &mut WalletDialog, context: &Context) -> Option<Request> {
    let Context { table, allow_negative, .. } = *context;
    let form = &mut dialog.form;
    let op_id = uuid::Uuid::new_v4().to_string();
    let write = |user_id: String, kind| {
        Some(Request::Write {
            table: table.to_string(),
            write: Write { op_id: op_id.clone(), user_id, kind },
        })
    };
    match &dialog.action {
        WalletAction::Get => {
            let user_id = field_ok(form, labels::USER_ID, check_user_id)?;
            let consistent = form.value(labels::READ) == STRONG;
            Some(Request::GetWallet { table: table.to_string(), user_id, consistent })
        }
        WalletAction::Put { .. } => {
            let user_id = field_ok(form, labels::USER_ID, check_user_id);
            let balance =
                field_ok(form, labels::BALANCE, |t| Balance::parse(t).map_err(|e| e.to_string()));
            write(user_id?, WriteKind::Create { balance: balance? })
        }
        WalletAction::Edit { user_id, seen } => {
            let new = field_ok(form, labels::NEW, |t| check_new_balance(seen, t, allow_negative))?;
            let kind = match seen {
                Seen::Number(old) => {
                    WriteKind::SetBalance { seen: Some(*old), new, reason: EditReason::Set }
                }
                Seen::Absent => WriteKind::SetBalance { seen: None, new, reason: EditReason::Set },
                Seen::Other(value) => WriteKind::SetOver { seen: value.clone(), new },
            };
            write(user_id.clone(), kind)
        }
        WalletAction::Deposit { user_id, seen } | WalletAction::Withdraw { user_id, seen } => {
            let withdraw = matches!(dialog.action, WalletAction::Withdraw { .. });
            let new = field_ok(form, labels::AMOUNT, |text| {
                match seen.not_a_number("the balance", SET_FIRST) {
                    Some(why) => Err(why),
                    None => new_balance(seen.number(), text, withdraw, allow_negative),
                }
            })?;
            let amount = Balance::parse(form.value(labels::AMOUNT)).ok()?;
            let reason =
                if withdraw { EditReason::Withdraw(amount) } else { EditReason::Deposit(amount) };
            write(user_id.clone(), WriteKind::SetBalance { seen: seen.number(), new, reason })
        }
        WalletAction::Delete { user_id, seen } => {
            let kind = match seen {
                Seen::Other(value) => WriteKind::DeleteOver { seen: value.clone() },
                _ => WriteKind::Delete { seen: seen.number() },
            };
            write(user_id.clone(), kind)
        }
        WalletAction::Transfer { user_id, seen } => {
            let from = user_id.clone();
            let to = field_ok(form, labels::TO, |text| check_target(context, &from, text));
            let amount = field_ok(form, labels::AMOUNT, |text| {
                if let Some(why) = seen.not_a_number(&format!("{from}'s balance"), SET_FIRST) {
                    return Err(why);
                }
                new_balance(seen.number(), text, true, allow_negative)?;
                Balance::parse(text).map_err(|e| e.to_string())
            });
            let (to, amount) = (to?, amount?);
            // Both sides must still hold the currency the user saw on the paying side (and,
            // when loaded, on the target): a change meanwhile cancels the transaction.
            let value = context
                .list
                .find(&UserId::new(&from))
                .and_then(|w| currency_of(w, context.currency_attribute));
            let target_seen = context.list.find(&UserId::new(&to)).is_some();
            let attribute = context.currency_attribute.to_string();
            let currency = Some(CurrencyCheck { attribute, value, target_seen });
            let kind = WriteKind::Transfer { to, amount, overdraft: allow_negative, currency };
            write(from, kind)
        }
    }
}

/// The new balance typed into `e`'s field: a number, different from the one stored, and not
/// below zero unless `--allow-negative`.
fn check_new_balance(seen: &Seen, text: &str, allow_negative: bool) -> Result<Balance, String> {
    let new = Balance::parse(text).map_err(|e| e.to_string())?;
    if let Seen::Number(old) = seen
        && *old == new
    {
        return Err(format!("already {old}: nothing to change"));
    }
    if new.is_negative() && !allow_negative {
        return Err(format!(
            "{new} is below zero: a balance cannot go below zero (unless --allow-negative)"
        ));
    }
    Ok(new)
}

/// A transfer's target: a valid user_id other than the paying wallet's; when its row is
/// loaded, with a numeric balance and the paying wallet's currency.
fn check_target(context: &Context, from: &str, text: &str) -> Result<String, String> {
    let to = check_user_id(text)?;
    if to == from {
        return Err("a wallet cannot pay itself: choose another".into());
    }
    let Some(target) = context.list.find(&UserId::new(&to)) else { return Ok(to) };
    let whose = format!("the target {to}'s balance");
    if let Some(why) = Seen::of(Some(target)).not_a_number(&whose, "nothing can be added to it") {
        return Err(why);
    }
    let attribute = context.currency_attribute;
    let theirs = currency_of(target, attribute);
    let ours = context.list.find(&UserId::new(from)).and_then(|w| currency_of(w, attribute));
    if theirs != ours {
        return Err(format!(
            "currencies differ: {from} holds {}, {to} holds {}: a transfer moves one currency",
            currency_text(ours.as_ref()),
            currency_text(theirs.as_ref())
        ));
    }
    Ok(to)
}

/// The exact balance after a deposit or withdrawal of `amount_text`.
pub fn new_balance(
    seen: Option<Balance>,
    amount_text: &str,
    withdraw: bool,
    allow_negative: bool,
) -> Result<Balance, String> {
    let amount = Balance::parse(amount_text).map_err(|e| e.to_string())?;
    if amount.is_zero() || amount.is_negative() {
        return Err("the amount must be more than 0".into());
    }
    let Some(seen) = seen else {
        return Err("this wallet has no numeric balance: set one with e first".into());
    };
    let new = if withdraw { seen.checked_sub(amount) } else { seen.checked_add(amount) };
    let new = new.map_err(|e| format!("the new balance would not fit: {e}"))?;
    if withdraw && new.is_negative() && !allow_negative {
        return Err(format!(
            "insufficient funds: would leave {new}; a balance cannot go below zero (unless \
             --allow-negative)"
        ));
    }
    Ok(new)
}

/// Runs a check on a field's text; on failure puts the message on the field.
fn field_ok<T>(
    form: &mut Form,
    label: &str,
    check: impl FnOnce(&str) -> Result<T, String>,
) -> Option<T> {
    let text = form.value(label).to_string();
    match check(&text) {
        Ok(value) => Some(value),
        Err(why) => {
            if let Some(field) = form.field_mut(label) {
                field.error = Some(why);
            }
            None
        }
    }
}

#[cfg(test)]
mod tests;
