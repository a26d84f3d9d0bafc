//! A wallet write as the user asked for it, and what became of it: the domain types the
//! app, the worker, the journal and the usage accounting share.
//!
//! A write has three outcomes: applied ([`WriteDone`]), not applied (DynamoDB answered, for
//! this write's token, that a condition failed or the request was refused), and unknown
//! (anything else: [`WriteError::Unknown`]), which is settled by sending the very same request
//! again: DynamoDB applies one ClientRequestToken at most once.

use serde::{Deserialize, Serialize};

use crate::balance::Balance;
use crate::error::ApiError;
use crate::wallet::{AttrValue, Wallet};

/// How long DynamoDB remembers a ClientRequestToken: within it, sending the same request
/// again applies nothing twice and answers with the first outcome.
pub const TOKEN_WINDOW: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// One wallet write: one TransactWriteItems whose ClientRequestToken is `op_id`. Every write
/// is conditional, so it never overwrites a value the user has not seen, and changes only
/// what the user asked for (no bookkeeping attributes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Write {
    /// Unique per user action (a UUID v4).
    pub op_id: String,
    pub user_id: String,
    pub kind: WriteKind,
}

/// An attribute a write also sets to the time it was first sent, when the config names one
/// (`write_time_attribute`); off by default. Part of the request, so kept for a resend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub attribute: String,
    /// RFC 3339 UTC.
    pub time: String,
}

/// What a [`Write`] does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteKind {
    /// Put if no wallet has this user_id (`attribute_not_exists(user_id)`).
    Create { balance: Balance },
    /// Update `SET balance = :new` if the wallet exists and its balance is still `seen`
    /// (`None`: it had no balance attribute).
    SetBalance { seen: Option<Balance>, new: Balance, reason: EditReason },
    /// `e` over a balance that is not a number (S "100", M, BOOL, NULL, NS...): `SET balance =
    /// :new` if the wallet exists and its balance is still exactly `seen` (`balance = :seen`).
    SetOver { seen: AttrValue, new: Balance },
    /// Delete if the balance is still `seen`.
    Delete { seen: Option<Balance> },
    /// Delete if the balance is still exactly `seen`, a value that is not a number.
    DeleteOver { seen: AttrValue },
    /// `import`. `seen: None`: puts the whole item, only if no wallet has this user_id
    /// (`attribute_not_exists(user_id)`); `Some`: an update that SETs the item's attributes
    /// (those it does not carry stay), only if every attribute of the wallet is still what
    /// the import's diff read (an equality on each) and none the item adds has appeared, so
    /// a wallet changed meanwhile is a conflict, never overwritten. Sets nothing else (no
    /// stamp).
    PutItem { item: crate::import::Attrs, seen: Option<crate::import::Attrs> },
    /// Moves `amount` from this wallet to the wallet `to`: the debit only if the balance is
    /// at least `amount` (any balance with `overdraft`), the credit only if `to` exists; both
    /// only if both balances are numbers and, with `currency`, both currencies are still the
    /// one the user saw. Both sides are computed by DynamoDB (`balance - :amount`,
    /// `balance + :amount`), exactly.
    Transfer {
        to: String,
        amount: Balance,
        overdraft: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        currency: Option<CurrencyCheck>,
    },
}

/// The currency both wallets of a transfer held when the user filled the form: the attribute
/// (`--currency-attribute`) and its value (`None`: neither wallet had one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrencyCheck {
    pub attribute: String,
    pub value: Option<AttrValue>,
    /// Whether the form saw the target's wallet (loaded in the list): only then can a
    /// different currency on it be said to have changed.
    #[serde(default)]
    pub target_seen: bool,
}

/// Why a balance was set, for the journal and messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
            WriteKind::SetOver { .. } => "set",
            WriteKind::Delete { .. } | WriteKind::DeleteOver { .. } => "delete",
            WriteKind::Transfer { .. } => "transfer",
            WriteKind::PutItem { .. } => "import",
        }
    }
}

/// A write that went through.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteDone {
    /// The wallet as stored now, when the worker knows it (a new wallet; a transfer's debited
    /// side as read back); `None` after a delete, and after a set, whose other attributes
    /// only the app's copy holds.
    pub wallet: Option<Wallet>,
    /// The balance before the write (`None`: no wallet, no balance, or a transfer's).
    pub old_balance: Option<Balance>,
    pub consumed_wcu: Option<f64>,
    pub request_id: Option<String>,
    /// The answer came to the request sent again with the same token after an unclear first
    /// outcome: whichever attempt applied it, it applied once.
    pub resent: bool,
    /// A transfer's other side: the credited wallet as read back (`None` for other writes,
    /// or when it could not be read back).
    pub counterpart: Option<Box<Counterpart>>,
}

impl WriteDone {
    /// A write DynamoDB applied and answered: `wallet` as stored now (if known), the balance
    /// before it, and the answer's consumed capacity and request id.
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
            resent: false,
            counterpart: None,
        }
    }
}

/// The credited side of a transfer, as read back after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Counterpart {
    pub wallet: Wallet,
}

/// Why a write did not go through, or that nobody can tell yet.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteError {
    /// Not applied: DynamoDB evaluated this write's condition and it failed; the wallet is not
    /// as the user saw it. `current` is the wallet as stored (`None`: it does not exist).
    Conflict { current: Option<Wallet> },
    /// Not applied: DynamoDB (or read-only mode, or the journal) refused the request.
    Refused(ApiError),
    /// Not applied: a transaction was cancelled, why side by side in plain words
    /// ("insufficient funds: … has 5, the transfer needs 10").
    Cancelled(String),
    /// Outcome unknown: no answer said whether it applied (see [`Unknown`]).
    Unknown(Box<Unknown>),
}

/// A write whose outcome nobody can tell: the call timed out, lost its connection, met a
/// server error or stayed throttled after the SDK's retries, even after it was sent once more
/// with the same token. Within the token's window, sending the same request again settles it
/// (it never applies twice); past the window it is never resent: `expired` holds the wallet
/// as read back then, and the user decides with a new write.
#[derive(Debug, Clone, PartialEq)]
pub struct Unknown {
    /// The last attempt's failure.
    pub error: ApiError,
    /// When the write was first sent, RFC 3339 UTC.
    pub sent_at: String,
    /// Past the window: the wallet read back (`Ok(None)`: no such wallet; `Err`: that read
    /// failed too). `None` within the window.
    pub expired: Option<Result<Option<Wallet>, ApiError>>,
}

impl WriteError {
    /// [`WriteError::Unknown`] of these.
    pub fn unknown(
        error: ApiError,
        sent_at: String,
        expired: Option<Result<Option<Wallet>, ApiError>>,
    ) -> Self {
        WriteError::Unknown(Box::new(Unknown { error, sent_at, expired }))
    }
}

/// Longest description of a stored value in a message, in characters.
const DESCRIBED: usize = 60;

/// A stored value as the detail pane shows it, type first: `S "100"`, `BOOL true`, `NULL null`,
/// cut with `…` past 60 characters.
pub fn typed(value: &AttrValue) -> String {
    let text = format!(
        "{} {}",
        value.type_name(),
        crate::json::value_json(value, crate::json::Shape::Plain)
    );
    if text.chars().count() <= DESCRIBED {
        return text;
    }
    let head: String = text.chars().take(DESCRIBED - 1).collect();
    format!("{head}…")
}

/// A currency as messages name it: a plain string as it is (`EUR`), anything else typed,
/// `no currency` when absent.
pub fn currency_text(value: Option<&AttrValue>) -> String {
    match value {
        None => "no currency".to_string(),
        Some(AttrValue::S(s)) if !s.is_empty() && !s.chars().any(char::is_control) => {
            s.chars().take(DESCRIBED).collect()
        }
        Some(other) => typed(other),
    }
}
