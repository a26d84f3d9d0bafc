//! A transfer between two wallets: the two items of its TransactWriteItems, why DynamoDB
//! cancelled one in plain words, and the outcome completed from both wallets read back.

use aws_sdk_dynamodb::types::{
    CancellationReason, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};

use super::errors::build_error;
use super::item::{number, sdk_value, string, wallet_from_item};
use crate::balance::Balance;
use crate::error::ApiError;
use crate::wallet::{BALANCE, USER_ID, Wallet};
use crate::write::{Counterpart, CurrencyCheck, Stamp, Write, WriteDone, WriteKind};
use crate::write::{currency_text, typed};

/// What a transfer moves, borrowed from its [`WriteKind::Transfer`].
#[derive(Debug, Clone, Copy)]
pub struct Transfer<'a> {
    pub to: &'a str,
    pub amount: Balance,
    pub overdraft: bool,
    pub currency: Option<&'a CurrencyCheck>,
}

/// Both sides: the wallet exists and its balance is a number (an update adding to anything
/// else would fail with a raw "incorrect data type" instead of a condition naming the side).
const NUMERIC: &str = "attribute_exists(#id) AND attribute_type(#balance, :number)";

/// The transfer's two items: a debit and a credit, both computed by DynamoDB.
pub fn items(
    table: &str,
    write: &Write,
    transfer: &Transfer,
    stamp: Option<&Stamp>,
) -> Result<Vec<TransactWriteItem>, ApiError> {
    // A transfer journaled before these checks existed has no currency check: it is rebuilt
    // exactly as it was first sent, so that a resend with its token is the same request.
    let base = if transfer.currency.is_some() { NUMERIC } else { "attribute_exists(#id)" };
    let debit_condition = if transfer.overdraft {
        base.to_string()
    } else {
        format!("{base} AND #balance >= :amount")
    };
    let debit = side(table, &write.user_id, "-", &debit_condition, transfer, stamp)?;
    let credit = side(table, transfer.to, "+", base, transfer, stamp)?;
    Ok(vec![
        TransactWriteItem::builder().update(debit).build(),
        TransactWriteItem::builder().update(credit).build(),
    ])
}

/// One side of a transfer: `balance {sign} amount` on `user_id`'s wallet, if `condition` and,
/// with a currency check, if its currency is still the one seen.
fn side(
    table: &str,
    user_id: &str,
    sign: &str,
    condition: &str,
    transfer: &Transfer,
    stamp: Option<&Stamp>,
) -> Result<Update, ApiError> {
    let mut condition = condition.to_string();
    let mut update = Update::builder()
        .table_name(table)
        .key(USER_ID, string(user_id))
        .expression_attribute_names("#id", USER_ID)
        .expression_attribute_names("#balance", BALANCE)
        .expression_attribute_values(":amount", number(transfer.amount))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
    if let Some(check) = transfer.currency {
        update = update
            .expression_attribute_names("#c", &check.attribute)
            .expression_attribute_values(":number", string("N"));
        match &check.value {
            Some(value) => {
                update = update.expression_attribute_values(":c", sdk_value(value));
                condition.push_str(" AND #c = :c");
            }
            None => condition.push_str(" AND attribute_not_exists(#c)"),
        }
    }
    let mut expression = format!("SET #balance = #balance {sign} :amount");
    if let Some(stamp) = stamp {
        update = update
            .expression_attribute_names("#stamp", &stamp.attribute)
            .expression_attribute_values(":stamp", string(&stamp.time));
        expression.push_str(", #stamp = :stamp");
    }
    update
        .condition_expression(condition)
        .update_expression(expression)
        .build()
        .map_err(build_error)
}

/// Why DynamoDB cancelled a transfer, side by side, in plain words. `reasons` are in the
/// order of the transaction's items: the debit, then the credit.
pub fn cancel_reasons(reasons: &[CancellationReason], write: &Write) -> String {
    let WriteKind::Transfer { to, amount, currency, .. } = &write.kind else {
        return "DynamoDB cancelled the write; nothing was written".to_string();
    };
    let from = write.user_id.as_str();
    let mut why = Vec::new();
    for (i, reason) in reasons.iter().enumerate() {
        let code = reason.code().unwrap_or("None");
        let who = if i == 0 { from } else { to.as_str() };
        let item = reason.item().and_then(wallet_from_item);
        let message = reason.message().unwrap_or("");
        let text = match (i, code, item) {
            (_, "None", _) => continue,
            (_, "ConditionalCheckFailed", Some(w)) => {
                side_failed(i == 0, who, &w, *amount, currency.as_ref())
            }
            (0, "ConditionalCheckFailed", None) => format!("{from} does not exist"),
            (_, "ConditionalCheckFailed", None) => format!("the target {to} does not exist"),
            (_, "TransactionConflict", _) => format!(
                "{who} was being changed by another transaction at the same moment: try again"
            ),
            (_, _, _) if message.contains("incorrect data type") => {
                format!("{who}'s balance is not a number")
            }
            (_, code, _) => format!(
                "{}: {code}{}",
                if i == 0 { "debit" } else { "credit" },
                reason.message().map(|m| format!(" ({m})")).unwrap_or_default()
            ),
        };
        why.push(text);
    }
    if why.is_empty() {
        why.push("DynamoDB cancelled the transaction without saying why".to_string());
    }
    format!("{}; nothing was written", why.join("; "))
}

/// Which of a side's conditions failed, read from the wallet as stored (`debit`: the paying
/// side, whose condition also covers the amount).
fn side_failed(
    debit: bool,
    who: &str,
    stored: &Wallet,
    amount: Balance,
    currency: Option<&CurrencyCheck>,
) -> String {
    let Some(balance) = stored.balance else {
        return match stored.attr(BALANCE) {
            Some(value) => format!("{who}'s balance is {}, not a number", typed(&value)),
            None => format!("{who} has no balance"),
        };
    };
    if let Some(check) = currency {
        let now = stored.attr(&check.attribute);
        if now != check.value && !debit && !check.target_seen {
            // The form saw the paying side's currency, not necessarily the target's.
            return format!(
                "{who} holds {}, the transfer is in {}",
                currency_text(now.as_ref()),
                currency_text(check.value.as_ref())
            );
        }
        if now != check.value {
            return format!(
                "{who}'s currency is now {} (the transfer was in {})",
                currency_text(now.as_ref()),
                currency_text(check.value.as_ref())
            );
        }
    }
    if debit {
        format!("insufficient funds: {who} has {balance}, the transfer needs {amount}")
    } else {
        format!("{who} changed meanwhile (balance {balance})")
    }
}

/// A transfer that went through, completed with both wallets as read back afterwards (as
/// stored then: another writer may have changed them since; the journal records the amount).
pub fn settle_transfer(done: &mut WriteDone, from: Option<Wallet>, to: Option<Wallet>) {
    done.wallet = from;
    done.counterpart = to.map(|wallet| Box::new(Counterpart { wallet }));
}
