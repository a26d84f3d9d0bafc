//! A transfer between two wallets: one idempotent TransactWriteItems, why DynamoDB cancelled
//! one in plain words, and the outcome completed from both wallets read back afterwards.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::RequestId;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    CancellationReason, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};

use super::errors::{build_error, classify};
use super::item::{LAST_OP, UPDATED_AT, number, string, wallet_from_item, wallet_written_by};
use super::reads::CONSUMED;
use crate::balance::Balance;
use crate::journal::now_rfc3339;
use crate::wallet::{BALANCE, USER_ID, Wallet};
use crate::write::{Counterpart, Write, WriteDone, WriteError, WriteKind};

/// The transfer's TransactWriteItems: a debit and a credit, both computed by DynamoDB and
/// both stamped with the op id, sent with the op id as ClientRequestToken so that the
/// SDK's retry of a transaction that did apply is answered as success, not applied again.
pub async fn transfer(
    client: &Client,
    table: &str,
    write: &Write,
    to: &str,
    amount: Balance,
    overdraft: bool,
) -> Result<WriteDone, WriteError> {
    let debit_condition = if overdraft {
        "attribute_exists(#id)"
    } else {
        "attribute_exists(#id) AND #balance >= :amount"
    };
    let debit = side(table, write, &write.user_id, "-", debit_condition, amount)?;
    let credit = side(table, write, to, "+", "attribute_exists(#id)", amount)?;
    let call = client
        .transact_write_items()
        .transact_items(TransactWriteItem::builder().update(debit).build())
        .transact_items(TransactWriteItem::builder().update(credit).build())
        .client_request_token(&write.op_id)
        .return_consumed_capacity(CONSUMED);
    match call.send().await {
        Ok(out) => {
            let wcu = out.consumed_capacity().iter().filter_map(|c| c.capacity_units());
            let request_id = out.request_id().map(str::to_string);
            // The wallets are filled in from the wallets read back (see `settle_transfer`).
            Ok(WriteDone::applied(None, None, wcu.reduce(|a, b| a + b), request_id))
        }
        Err(err) => match err.as_service_error() {
            Some(TransactWriteItemsError::TransactionCanceledException(e)) => Err(
                WriteError::Cancelled(cancel_reasons(e.cancellation_reasons(), write, to, amount)),
            ),
            _ => Err(WriteError::Api(classify(err))),
        },
    }
}

/// One side of a transfer: `balance {sign} amount` on `user_id`'s wallet, if `condition`.
fn side(
    table: &str,
    write: &Write,
    user_id: &str,
    sign: &str,
    condition: &str,
    amount: Balance,
) -> Result<Update, WriteError> {
    Update::builder()
        .table_name(table)
        .key(USER_ID, string(user_id))
        .update_expression(format!(
            "SET #balance = #balance {sign} :amount, #updated_at = :now, #last_op = :op"
        ))
        .condition_expression(condition)
        .expression_attribute_names("#id", USER_ID)
        .expression_attribute_names("#balance", BALANCE)
        .expression_attribute_names("#updated_at", UPDATED_AT)
        .expression_attribute_names("#last_op", LAST_OP)
        .expression_attribute_values(":amount", number(amount))
        .expression_attribute_values(":now", string(&now_rfc3339()))
        .expression_attribute_values(":op", string(&write.op_id))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .build()
        .map_err(|e| WriteError::Api(build_error(e)))
}

/// Why DynamoDB cancelled a transfer, side by side, in plain words. `reasons` are in the
/// order of the transaction's items: the debit, then the credit.
fn cancel_reasons(
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

/// A transfer that went through, completed from both wallets read back afterwards: a wallet
/// still stamped with this transfer's op id is exactly as the transfer left it, so its
/// balance before is its balance now ∓ the amount. A wallet changed since (or unreadable) is
/// left out rather than guessed.
pub fn settle_transfer(
    done: &mut WriteDone,
    write: &Write,
    from: Option<Wallet>,
    to: Option<Wallet>,
) {
    let WriteKind::Transfer { amount, .. } = &write.kind else { return };
    let ours = |w: &Wallet| wallet_written_by(w, &write.op_id);
    if let Some(from) = from.filter(ours) {
        done.old_balance = from.balance.and_then(|b| b.checked_add(*amount).ok());
        done.wallet = Some(from);
    }
    if let Some(to) = to.filter(ours) {
        let old_balance = to.balance.and_then(|b| b.checked_sub(*amount).ok());
        done.counterpart = Some(Box::new(Counterpart { wallet: to, old_balance }));
    }
}
