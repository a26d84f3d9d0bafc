//! A transfer between two wallets: the two items of its TransactWriteItems, why DynamoDB
//! cancelled one in plain words, and the outcome completed from both wallets read back.

use aws_sdk_dynamodb::types::{
    CancellationReason, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};

use super::errors::build_error;
use super::item::{number, string, wallet_from_item};
use crate::balance::Balance;
use crate::error::ApiError;
use crate::wallet::{BALANCE, USER_ID, Wallet};
use crate::write::{Counterpart, Stamp, Write, WriteDone};

/// The transfer's two items: a debit and a credit, both computed by DynamoDB.
pub fn items(
    table: &str,
    write: &Write,
    to: &str,
    amount: Balance,
    overdraft: bool,
    stamp: Option<&Stamp>,
) -> Result<Vec<TransactWriteItem>, ApiError> {
    let debit_condition = if overdraft {
        "attribute_exists(#id)"
    } else {
        "attribute_exists(#id) AND #balance >= :amount"
    };
    let debit = side(table, &write.user_id, "-", debit_condition, amount, stamp)?;
    let credit = side(table, to, "+", "attribute_exists(#id)", amount, stamp)?;
    Ok(vec![
        TransactWriteItem::builder().update(debit).build(),
        TransactWriteItem::builder().update(credit).build(),
    ])
}

/// One side of a transfer: `balance {sign} amount` on `user_id`'s wallet, if `condition`.
fn side(
    table: &str,
    user_id: &str,
    sign: &str,
    condition: &str,
    amount: Balance,
    stamp: Option<&Stamp>,
) -> Result<Update, ApiError> {
    let mut update = Update::builder()
        .table_name(table)
        .key(USER_ID, string(user_id))
        .condition_expression(condition)
        .expression_attribute_names("#id", USER_ID)
        .expression_attribute_names("#balance", BALANCE)
        .expression_attribute_values(":amount", number(amount))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
    let mut expression = format!("SET #balance = #balance {sign} :amount");
    if let Some(stamp) = stamp {
        update = update
            .expression_attribute_names("#stamp", &stamp.attribute)
            .expression_attribute_values(":stamp", string(&stamp.time));
        expression.push_str(", #stamp = :stamp");
    }
    update.update_expression(expression).build().map_err(build_error)
}

/// Why DynamoDB cancelled a transfer, side by side, in plain words. `reasons` are in the
/// order of the transaction's items: the debit, then the credit.
pub fn cancel_reasons(
    reasons: &[CancellationReason],
    write: &Write,
    to: &str,
    amount: Balance,
) -> String {
    let from = write.user_id.as_str();
    let mut why = Vec::new();
    for (i, reason) in reasons.iter().enumerate() {
        let code = reason.code().unwrap_or("None");
        let item = reason.item().and_then(wallet_from_item);
        let text = match (i, code, item) {
            (_, "None", _) => continue,
            (0, "ConditionalCheckFailed", Some(w)) => format!(
                "insufficient funds: {from} has {}, the transfer needs {amount}",
                w.balance.map_or_else(|| "no balance".to_string(), |b| b.to_string())
            ),
            (0, "ConditionalCheckFailed", None) => format!("{from} does not exist"),
            (1, "ConditionalCheckFailed", _) => format!("the target {to} does not exist"),
            (_, "TransactionConflict", _) => format!(
                "{} was being changed by another transaction at the same moment: try again",
                if i == 0 { from } else { to }
            ),
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

/// A transfer that went through, completed with both wallets as read back afterwards (as
/// stored then: another writer may have changed them since; the journal records the amount).
pub fn settle_transfer(done: &mut WriteDone, from: Option<Wallet>, to: Option<Wallet>) {
    done.wallet = from;
    done.counterpart = to.map(|wallet| Box::new(Counterpart { wallet }));
}
