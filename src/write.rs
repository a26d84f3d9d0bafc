//! A wallet write as the user asked for it, and what became of it: the domain types the
//! app, the worker, the journal and the usage accounting share.

use crate::balance::Balance;
use crate::error::ApiError;
use crate::wallet::Wallet;

/// One wallet write. Every write is conditional, so it can never overwrite a
/// value the user has not seen, and carries `op_id`, stored in the item's
/// `last_op` attribute: when a retried request finds its condition failed
/// because its own first attempt already applied, the worker recognises its
/// op id and reports success instead of a conflict (exactly once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    /// Unique per user action (a UUID v4).
    pub op_id: String,
    pub user_id: String,
    pub kind: WriteKind,
}

/// What a [`Write`] does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteKind {
    /// PutItem if no wallet has this user_id (`attribute_not_exists(user_id)`).
    Create { balance: Balance },
    /// UpdateItem `SET balance = :new` if the wallet exists and its balance is
    /// still `seen` (`None`: it had no balance attribute).
    SetBalance { seen: Option<Balance>, new: Balance, reason: EditReason },
    /// DeleteItem if the balance is still `seen`.
    Delete { seen: Option<Balance> },
    /// Moves `amount` from this wallet to the wallet `to` in one TransactWriteItems, made
    /// idempotent by its ClientRequestToken (the op id): the debit only if the balance is at
    /// least `amount` (any balance with `overdraft`), the credit only if `to` exists. Both
    /// sides are computed by DynamoDB (`balance - :amount`, `balance + :amount`), exactly.
    Transfer { to: String, amount: Balance, overdraft: bool },
}

/// Why a balance was set, for the journal and messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditReason {
    /// `e`: an absolute value typed by the user.
    Set,
    /// `+`: seen + amount, computed exactly by the app.
    Deposit(Balance),
    /// `-`: seen − amount.
    Withdraw(Balance),
    /// `u`: back to the value before this session's last edit.
    Undo,
}

impl WriteKind {
    /// The operation's name in the journal.
    pub fn name(&self) -> &'static str {
        match self {
            WriteKind::Create { .. } => "create",
            WriteKind::SetBalance { reason: EditReason::Set, .. } => "set",
            WriteKind::SetBalance { reason: EditReason::Deposit(_), .. } => "deposit",
            WriteKind::SetBalance { reason: EditReason::Withdraw(_), .. } => "withdraw",
            WriteKind::SetBalance { reason: EditReason::Undo, .. } => "undo",
            WriteKind::Delete { .. } => "delete",
            WriteKind::Transfer { .. } => "transfer",
        }
    }
}

/// A write that went through.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteDone {
    /// The wallet as stored now (`None` after a delete).
    pub wallet: Option<Wallet>,
    /// The balance before the write (`None`: no wallet or no balance).
    pub old_balance: Option<Balance>,
    pub consumed_wcu: Option<f64>,
    pub request_id: Option<String>,
    /// An earlier attempt of this same write had already applied, its answer lost: the
    /// condition failed on our own write, or a read after a lost answer found it applied.
    pub already_applied: bool,
    /// A transfer's other side: the credited wallet as read back (`None` for other writes,
    /// or when it could not be read back unchanged since).
    pub counterpart: Option<Box<Counterpart>>,
}

impl WriteDone {
    /// A write DynamoDB applied and answered: `wallet` as stored now, the balance before
    /// it, and the answer's consumed capacity and request id.
    pub fn applied(
        wallet: Option<Wallet>,
        old_balance: Option<Balance>,
        consumed_wcu: Option<f64>,
        request_id: Option<String>,
    ) -> Self {
        WriteDone {
            wallet,
            old_balance,
            consumed_wcu,
            request_id,
            already_applied: false,
            counterpart: None,
        }
    }

    /// A write an earlier attempt of which had applied, its answer lost: found by a condition
    /// that failed on this write's own op id (`request_id`: that answer's), or by reading the
    /// wallet back (no request id). What the lost answer consumed is not known.
    pub fn already_applied(
        wallet: Option<Wallet>,
        old_balance: Option<Balance>,
        request_id: Option<String>,
    ) -> Self {
        WriteDone {
            wallet,
            old_balance,
            consumed_wcu: None,
            request_id,
            already_applied: true,
            counterpart: None,
        }
    }
}

/// The credited side of a transfer, after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Counterpart {
    pub wallet: Wallet,
    /// Its balance before the transfer.
    pub old_balance: Option<Balance>,
}

/// Why a write did not go through. Nothing was written in either case.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteError {
    /// The condition failed: the wallet is not as the user saw it. `current`
    /// is the wallet as stored now (`None`: it does not exist).
    Conflict { current: Option<Wallet> },
    /// The call failed (throttling, validation, read-only, ...): DynamoDB said so.
    Api(ApiError),
    /// A transaction was cancelled: why, side by side, in plain words ("insufficient funds:
    /// … has 5, the transfer needs 10"). Nothing was written.
    Cancelled(String),
    /// No answer said whether the write applied, and reading the wallet back showed it had
    /// not, or could not tell (see [`Unverified`]).
    Unverified(Box<Unverified>),
}

/// A write no answer came for (`error`: a timeout, a lost connection, a server error), read
/// back afterwards: `read` is the wallet as stored then (`None`: no such wallet), which shows
/// the write had not applied; `Err` when the read failed too, so the outcome is still
/// unknown. Nothing is retried: the user decides with the value in front of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Unverified {
    pub error: ApiError,
    pub read: Result<Option<Wallet>, ApiError>,
}

impl WriteError {
    /// [`WriteError::Unverified`] of these.
    pub fn unverified(error: ApiError, read: Result<Option<Wallet>, ApiError>) -> Self {
        WriteError::Unverified(Box::new(Unverified { error, read }))
    }
}
