//! Every wallet write: the conditional PutItem, UpdateItem and DeleteItem of one wallet (a
//! transfer's transaction is in [`super::transfer`]), and how a write whose answer was lost
//! is judged from the wallet read back.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::RequestId;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConsumedCapacity, ReturnValue, ReturnValuesOnConditionCheckFailure,
};

use super::errors::classify;
use super::item::{
    Item, LAST_OP, UPDATED_AT, number, string, wallet_from_item, wallet_written_by, written_by,
};
use super::reads::CONSUMED;
use super::transfer::transfer;
use crate::balance::Balance;
use crate::error::ApiError;
use crate::journal::now_rfc3339;
use crate::wallet::{BALANCE, USER_ID, Wallet};
use crate::write::{Write, WriteDone, WriteError, WriteKind};

/// Runs one conditional wallet write (see [`Write`]).
pub async fn write(client: &Client, table: &str, write: &Write) -> Result<WriteDone, WriteError> {
    match &write.kind {
        WriteKind::Create { balance } => create_wallet(client, table, write, *balance).await,
        WriteKind::SetBalance { seen, new, .. } => {
            set_balance(client, table, write, *seen, *new).await
        }
        WriteKind::Delete { seen } => delete_wallet(client, table, write, *seen).await,
        WriteKind::Transfer { to, amount, overdraft } => {
            transfer(client, table, write, to, *amount, *overdraft).await
        }
    }
}

/// PutItem of a new wallet, if no wallet has its user_id yet.
async fn create_wallet(
    client: &Client,
    table: &str,
    write: &Write,
    balance: Balance,
) -> Result<WriteDone, WriteError> {
    let item: Item = [
        (USER_ID.to_string(), string(&write.user_id)),
        (BALANCE.to_string(), number(balance)),
        (UPDATED_AT.to_string(), string(&now_rfc3339())),
        (LAST_OP.to_string(), string(&write.op_id)),
    ]
    .into();
    let call = client
        .put_item()
        .table_name(table)
        .set_item(Some(item.clone()))
        .condition_expression("attribute_not_exists(#id)")
        .expression_attribute_names("#id", USER_ID)
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .return_consumed_capacity(CONSUMED);
    match call.send().await {
        // PutItem returns nothing new: the wallet is the item put.
        Ok(out) => Ok(WriteDone::applied(
            wallet_from_item(&item),
            None,
            wcu(out.consumed_capacity()),
            out.request_id().map(str::to_string),
        )),
        Err(err) => match err.as_service_error() {
            Some(PutItemError::ConditionalCheckFailedException(e)) => {
                condition_failed(e.item(), write, None, e.request_id())
            }
            _ => Err(WriteError::Api(classify(err))),
        },
    }
}

/// UpdateItem of the balance to `new`, if it is still `seen`.
async fn set_balance(
    client: &Client,
    table: &str,
    write: &Write,
    seen: Option<Balance>,
    new: Balance,
) -> Result<WriteDone, WriteError> {
    let (condition, seen_value) = seen_condition(seen);
    let values = [
        (":new".to_string(), number(new)),
        (":now".to_string(), string(&now_rfc3339())),
        (":op".to_string(), string(&write.op_id)),
    ];
    let values = values.into_iter().chain(seen_value.map(|v| (":seen".to_string(), v)));
    let call = client
        .update_item()
        .table_name(table)
        .key(USER_ID, string(&write.user_id))
        .update_expression("SET #balance = :new, #updated_at = :now, #last_op = :op")
        .condition_expression(condition)
        .expression_attribute_names("#id", USER_ID)
        .expression_attribute_names("#balance", BALANCE)
        .expression_attribute_names("#updated_at", UPDATED_AT)
        .expression_attribute_names("#last_op", LAST_OP)
        .set_expression_attribute_values(Some(values.collect()))
        .return_values(ReturnValue::AllNew)
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .return_consumed_capacity(CONSUMED);
    match call.send().await {
        Ok(out) => Ok(WriteDone::applied(
            out.attributes().and_then(wallet_from_item),
            seen,
            wcu(out.consumed_capacity()),
            out.request_id().map(str::to_string),
        )),
        Err(err) => match err.as_service_error() {
            Some(UpdateItemError::ConditionalCheckFailedException(e)) => {
                condition_failed(e.item(), write, seen, e.request_id())
            }
            _ => Err(WriteError::Api(classify(err))),
        },
    }
}

/// DeleteItem of the wallet, if its balance is still `seen`.
async fn delete_wallet(
    client: &Client,
    table: &str,
    write: &Write,
    seen: Option<Balance>,
) -> Result<WriteDone, WriteError> {
    let (condition, seen_value) = seen_condition(seen);
    let call = client
        .delete_item()
        .table_name(table)
        .key(USER_ID, string(&write.user_id))
        .condition_expression(condition)
        .expression_attribute_names("#id", USER_ID)
        .expression_attribute_names("#balance", BALANCE)
        .set_expression_attribute_values(seen_value.map(|v| [(":seen".to_string(), v)].into()))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .return_consumed_capacity(CONSUMED);
    match call.send().await {
        Ok(out) => Ok(WriteDone::applied(
            None,
            seen,
            wcu(out.consumed_capacity()),
            out.request_id().map(str::to_string),
        )),
        // A deleted item keeps no `last_op`, so a retried delete whose first attempt
        // applied cannot be told from a concurrent delete: both are `Conflict { None }`.
        Err(err) => match err.as_service_error() {
            Some(DeleteItemError::ConditionalCheckFailedException(e)) => {
                Err(WriteError::Conflict { current: e.item().and_then(wallet_from_item) })
            }
            _ => Err(WriteError::Api(classify(err))),
        },
    }
}

/// The condition `balance` is still `seen` (numeric comparison), on an existing item.
fn seen_condition(seen: Option<Balance>) -> (&'static str, Option<AttributeValue>) {
    match seen {
        Some(seen) => ("attribute_exists(#id) AND #balance = :seen", Some(number(seen))),
        None => ("attribute_exists(#id) AND attribute_not_exists(#balance)", None),
    }
}

fn wcu(capacity: Option<&ConsumedCapacity>) -> Option<f64> {
    capacity.and_then(|c| c.capacity_units())
}

/// A conflict, or our own earlier attempt, judged from the item as it was when the
/// condition failed (`old`; `None`: no such item). Our own attempt had changed the balance
/// from `old_balance`; `request_id` is the failed condition's answer.
fn condition_failed(
    old: Option<&Item>,
    write: &Write,
    old_balance: Option<Balance>,
    request_id: Option<&str>,
) -> Result<WriteDone, WriteError> {
    match old {
        Some(item) if written_by(item, &write.op_id) => Ok(WriteDone::already_applied(
            wallet_from_item(item),
            old_balance,
            request_id.map(str::to_string),
        )),
        Some(item) => Err(WriteError::Conflict { current: wallet_from_item(item) }),
        None => Err(WriteError::Conflict { current: None }),
    }
}

/// The outcome of a write whose answer never came (`error`), from the wallet read back
/// afterwards: applied if the stored wallet carries this write's op id (or, for a delete, is
/// gone); otherwise not applied, and the user sees the wallet as it is.
pub fn judge_unknown(
    write: &Write,
    error: ApiError,
    read: Result<Option<Wallet>, ApiError>,
) -> Result<WriteDone, WriteError> {
    let stored = match read {
        Ok(stored) => stored,
        Err(read_error) => return Err(WriteError::unverified(error, Err(read_error))),
    };
    let applied = match (&write.kind, &stored) {
        (WriteKind::Delete { .. }, stored) => stored.is_none(),
        (_, Some(wallet)) => wallet_written_by(wallet, &write.op_id),
        (_, None) => false,
    };
    if !applied {
        return Err(WriteError::unverified(error, Ok(stored)));
    }
    let old_balance = match &write.kind {
        WriteKind::SetBalance { seen, .. } | WriteKind::Delete { seen } => *seen,
        WriteKind::Create { .. } | WriteKind::Transfer { .. } => None,
    };
    Ok(WriteDone::already_applied(stored, old_balance, None))
}

#[cfg(test)]
mod tests;
