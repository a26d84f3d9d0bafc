//! Every wallet write as one TransactWriteItems: the transaction's items for each kind of
//! write (a transfer's two are built in [`super::transfer`]), sent with the write's op id as
//! its ClientRequestToken, and DynamoDB's answer read as applied, not applied or unknown.
//!
//! The items are a function of the write, its table and its stamp alone (no clock, no random
//! value), so the request sent again for a write is the very same request.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::RequestId;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, CancellationReason, Delete, Put, ReturnValuesOnConditionCheckFailure,
    TransactWriteItem, Update,
};

use super::delivery::Delivery;
use super::errors::{build_error, classify};
use super::item::{Item, number, sdk_value, string, wallet_from_item};
use super::reads::CONSUMED;
use super::transfer;
use crate::balance::Balance;
use crate::error::{ApiError, ErrorKind};
use crate::import::Attrs;
use crate::wallet::{AttrValue, BALANCE, USER_ID};
use crate::write::{Stamp, Write, WriteDone, WriteError, WriteKind};

/// A write's transaction, built once.
pub type Items = Vec<TransactWriteItem>;

/// What one send of a write's transaction came to.
#[derive(Debug)]
pub enum Attempt {
    /// DynamoDB applied it: by this send, or by an earlier one with the same token.
    Applied(WriteDone),
    /// DynamoDB answered, for this token, that it did not apply.
    NotApplied(WriteError),
    /// No answer says: the last failure.
    Unknown(ApiError),
    /// The request never left: every attempt's connection was refused (see
    /// [`super::delivery`]). Not applied by this send; what an earlier send did is another
    /// matter (see [`super::write_ahead`]).
    NeverSent(ApiError),
}

/// The transaction's items for `write` on `table`.
pub fn items(table: &str, write: &Write, stamp: Option<&Stamp>) -> Result<Items, ApiError> {
    let item = match &write.kind {
        WriteKind::Create { balance } => {
            TransactWriteItem::builder().put(put(table, write, *balance, stamp)?)
        }
        WriteKind::SetBalance { seen, new, .. } => {
            let seen = Condition::Balance(*seen);
            TransactWriteItem::builder().update(set(table, write, seen, *new, stamp)?)
        }
        WriteKind::SetOver { seen, new } => {
            let seen = Condition::Other(seen);
            TransactWriteItem::builder().update(set(table, write, seen, *new, stamp)?)
        }
        WriteKind::Delete { seen } => {
            TransactWriteItem::builder().delete(delete(table, write, Condition::Balance(*seen))?)
        }
        WriteKind::DeleteOver { seen } => {
            TransactWriteItem::builder().delete(delete(table, write, Condition::Other(seen))?)
        }
        WriteKind::PutItem { item, seen: None } => {
            TransactWriteItem::builder().put(put_item(table, item, None)?)
        }
        WriteKind::PutItem { item, seen: Some(seen) } => {
            TransactWriteItem::builder().update(update_item(table, &write.user_id, item, seen)?)
        }
        WriteKind::Transfer { to, amount, overdraft, currency } => {
            let transfer = transfer::Transfer {
                to,
                amount: *amount,
                overdraft: *overdraft,
                currency: currency.as_ref(),
            };
            return transfer::items(table, write, &transfer, stamp);
        }
    };
    Ok(vec![item.build()])
}

/// A new wallet, if no wallet has its user_id yet.
fn put(
    table: &str,
    write: &Write,
    balance: Balance,
    stamp: Option<&Stamp>,
) -> Result<Put, ApiError> {
    let mut item: Item =
        [(USER_ID.to_string(), string(&write.user_id)), (BALANCE.to_string(), number(balance))]
            .into();
    if let Some(stamp) = stamp {
        item.insert(stamp.attribute.clone(), string(&stamp.time));
    }
    Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(#id)")
        .expression_attribute_names("#id", USER_ID)
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .build()
        .map_err(build_error)
}

/// Longest condition expression DynamoDB takes, in bytes.
const MAX_EXPRESSION: usize = 4096;

/// A whole item put by `import`: if no wallet has its user_id (`seen: None`), or if every
/// attribute the import's diff read is still equal (`#a0 = :v0 AND …`, the key included)
/// and none of those the item adds exists yet.
fn put_item(table: &str, item: &Attrs, seen: Option<&Attrs>) -> Result<Put, ApiError> {
    let sdk_item: Item = item.iter().map(|(n, v)| (n.clone(), sdk_value(v))).collect();
    let mut put = Put::builder()
        .table_name(table)
        .set_item(Some(sdk_item))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
    let condition = match seen {
        None => {
            put = put.expression_attribute_names("#id", USER_ID);
            "attribute_not_exists(#id)".to_string()
        }
        Some(seen) => {
            let mut terms = Vec::with_capacity(seen.len());
            for (i, (name, value)) in seen.iter().enumerate() {
                put = put
                    .expression_attribute_names(format!("#a{i}"), name)
                    .expression_attribute_values(format!(":v{i}"), sdk_value(value));
                terms.push(format!("#a{i} = :v{i}"));
            }
            // What the file adds must not have been added meanwhile by someone else.
            for (i, name) in item.keys().filter(|n| !seen.contains_key(*n)).enumerate() {
                put = put.expression_attribute_names(format!("#n{i}"), name);
                terms.push(format!("attribute_not_exists(#n{i})"));
            }
            terms.join(" AND ")
        }
    };
    if condition.len() > MAX_EXPRESSION {
        let why = "the stored wallet has too many attributes to check them all in one condition: \
                   nothing was sent";
        return Err(ApiError::new(ErrorKind::Validation, why));
    }
    put.condition_expression(condition).build().map_err(build_error)
}

/// An existing wallet overwritten by `import`: SETs only the file's attributes (those it does
/// not carry stay as they are), if every attribute the diff read is still equal (`#a0 = :v0
/// AND …`, the key included) and none of those the file adds exists yet.
fn update_item(table: &str, user_id: &str, item: &Attrs, seen: &Attrs) -> Result<Update, ApiError> {
    let mut update = Update::builder()
        .table_name(table)
        .key(USER_ID, string(user_id))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
    let mut terms = Vec::with_capacity(seen.len());
    for (i, (name, value)) in seen.iter().enumerate() {
        update = update
            .expression_attribute_names(format!("#a{i}"), name)
            .expression_attribute_values(format!(":v{i}"), sdk_value(value));
        terms.push(format!("#a{i} = :v{i}"));
    }
    for (i, name) in item.keys().filter(|n| !seen.contains_key(*n)).enumerate() {
        update = update.expression_attribute_names(format!("#n{i}"), name);
        terms.push(format!("attribute_not_exists(#n{i})"));
    }
    let mut sets = Vec::with_capacity(item.len());
    for (i, (name, value)) in item.iter().filter(|(n, _)| n.as_str() != USER_ID).enumerate() {
        update = update
            .expression_attribute_names(format!("#s{i}"), name)
            .expression_attribute_values(format!(":s{i}"), sdk_value(value));
        sets.push(format!("#s{i} = :s{i}"));
    }
    let condition = terms.join(" AND ");
    if condition.len() > MAX_EXPRESSION || sets.is_empty() {
        let why = match sets.is_empty() {
            true => "the file gives no attribute to set: nothing was sent",
            false => {
                "the stored wallet has too many attributes to check them all in one condition: \
                 nothing was sent"
            }
        };
        return Err(ApiError::new(ErrorKind::Validation, why));
    }
    update
        .condition_expression(condition)
        .update_expression(format!("SET {}", sets.join(", ")))
        .build()
        .map_err(build_error)
}

/// The balance set to `new`, if it is still `seen`.
fn set(
    table: &str,
    write: &Write,
    seen: Condition,
    new: Balance,
    stamp: Option<&Stamp>,
) -> Result<Update, ApiError> {
    let (condition, seen_value) = seen_condition(seen);
    let mut update = Update::builder()
        .table_name(table)
        .key(USER_ID, string(&write.user_id))
        .condition_expression(condition)
        .expression_attribute_names("#id", USER_ID)
        .expression_attribute_names("#balance", BALANCE)
        .set_expression_attribute_values(with_seen(seen_value, update_values(new)))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
    let expression = match stamp {
        Some(stamp) => {
            update = update
                .expression_attribute_names("#stamp", &stamp.attribute)
                .expression_attribute_values(":stamp", string(&stamp.time));
            "SET #balance = :new, #stamp = :stamp"
        }
        None => "SET #balance = :new",
    };
    update.update_expression(expression).build().map_err(build_error)
}

fn update_values(new: Balance) -> Item {
    [(":new".to_string(), number(new))].into()
}

/// `values` with `:seen` when the condition compares with a balance.
fn with_seen(seen: Option<AttributeValue>, mut values: Item) -> Option<Item> {
    if let Some(seen) = seen {
        values.insert(":seen".to_string(), seen);
    }
    Some(values)
}

/// The wallet deleted, if its balance is still `seen`.
fn delete(table: &str, write: &Write, seen: Condition) -> Result<Delete, ApiError> {
    let (condition, seen_value) = seen_condition(seen);
    Delete::builder()
        .table_name(table)
        .key(USER_ID, string(&write.user_id))
        .condition_expression(condition)
        .expression_attribute_names("#id", USER_ID)
        .expression_attribute_names("#balance", BALANCE)
        .set_expression_attribute_values(seen_value.map(|v| [(":seen".to_string(), v)].into()))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .build()
        .map_err(build_error)
}

/// What a write's condition requires of the balance attribute.
#[derive(Debug, Clone, Copy)]
enum Condition<'a> {
    /// Still this number (`None`: still absent).
    Balance(Option<Balance>),
    /// Still exactly this value, which is not a number.
    Other(&'a AttrValue),
}

/// The condition `balance` is still `seen` (numeric comparison for a number, equality of
/// type and value otherwise), on an existing item.
fn seen_condition(seen: Condition) -> (&'static str, Option<AttributeValue>) {
    const STILL: &str = "attribute_exists(#id) AND #balance = :seen";
    match seen {
        Condition::Balance(Some(seen)) => (STILL, Some(number(seen))),
        Condition::Balance(None) => {
            ("attribute_exists(#id) AND attribute_not_exists(#balance)", None)
        }
        Condition::Other(value) => (STILL, Some(sdk_value(value))),
    }
}

/// Sends the transaction once, with the op id as ClientRequestToken, and reads the answer.
pub async fn send(client: &Client, write: &Write, items: &Items) -> Attempt {
    let call = client
        .transact_write_items()
        .set_transact_items(Some(items.clone()))
        .client_request_token(&write.op_id)
        .return_consumed_capacity(CONSUMED);
    let delivery = Delivery::default();
    let err = match call.customize().interceptor(delivery.clone()).send().await {
        Ok(out) => {
            let wcu = out.consumed_capacity().iter().filter_map(|c| c.capacity_units());
            let request_id = out.request_id().map(str::to_string);
            return Attempt::Applied(applied(write, items, wcu.reduce(|a, b| a + b), request_id));
        }
        Err(err) => err,
    };
    match err.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(e)) => {
            Attempt::NotApplied(cancelled(write, e.cancellation_reasons()))
        }
        Some(TransactWriteItemsError::IdempotentParameterMismatchException(e)) => {
            // Never expected (a write's request is built once): another request used this
            // token, and whether it applied is not known.
            let message = e.message().unwrap_or("the token was used by another request");
            Attempt::Unknown(ApiError::new(ErrorKind::Other, message))
        }
        _ => failure(classify(err), &delivery),
    }
}

/// A failure without DynamoDB's verdict on the transaction: refused, never sent, or unknown.
fn failure(error: ApiError, delivery: &Delivery) -> Attempt {
    if refused(&error) {
        Attempt::NotApplied(WriteError::Refused(error))
    } else if delivery.never_sent() {
        Attempt::NeverSent(error)
    } else {
        Attempt::Unknown(error)
    }
}

/// What one send of several one-item writes in one transaction came to.
#[derive(Debug)]
pub enum GroupAttempt {
    /// All applied, each as told.
    Applied(Vec<WriteDone>),
    /// DynamoDB cancelled the transaction: nothing applied. Per write, in order: its own
    /// verdict (a failed condition), or `None` for one cancelled only because of the others.
    Cancelled(Vec<Option<WriteError>>),
    /// Refused, never sent, or unknown: the same for every write (see [`Attempt`]).
    All(Attempt),
}

/// Sends one-item writes (imports: [`WriteKind::PutItem`]) together as one transaction with
/// `token`: all apply or none does, and the same token sent again applies nothing more.
pub async fn send_group(client: &Client, token: &str, writes: &[(&Write, &Items)]) -> GroupAttempt {
    let transaction: Items = writes.iter().flat_map(|(_, items)| items.iter().cloned()).collect();
    let call = client
        .transact_write_items()
        .set_transact_items(Some(transaction))
        .client_request_token(token)
        .return_consumed_capacity(CONSUMED);
    let delivery = Delivery::default();
    let err = match call.customize().interceptor(delivery.clone()).send().await {
        Ok(out) => {
            let wcu: f64 = out.consumed_capacity().iter().filter_map(|c| c.capacity_units()).sum();
            let each = (wcu > 0.0).then(|| wcu / writes.len().max(1) as f64);
            let request_id = out.request_id().map(str::to_string);
            let done = writes
                .iter()
                .map(|(write, items)| applied(write, items, each, request_id.clone()))
                .collect();
            return GroupAttempt::Applied(done);
        }
        Err(err) => err,
    };
    match err.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(e)) => {
            let reasons = e.cancellation_reasons();
            let verdicts = writes
                .iter()
                .enumerate()
                .map(|(i, (write, _))| match reasons.get(i) {
                    Some(r) if r.code() == Some("ConditionalCheckFailed") => {
                        Some(cancelled(write, std::slice::from_ref(r)))
                    }
                    _ => None,
                })
                .collect();
            GroupAttempt::Cancelled(verdicts)
        }
        Some(TransactWriteItemsError::IdempotentParameterMismatchException(e)) => {
            let message = e.message().unwrap_or("the token was used by another request");
            GroupAttempt::All(Attempt::Unknown(ApiError::new(ErrorKind::Other, message)))
        }
        _ => GroupAttempt::All(failure(classify(err), &delivery)),
    }
}

/// Whether `wallet` holds every attribute of an import's `item` as the item has it.
pub fn holds(wallet: &crate::wallet::Wallet, item: &Attrs) -> bool {
    item.iter().all(|(name, value)| match (name.as_str(), value) {
        (USER_ID, AttrValue::S(id)) => *wallet.user_id.to_string() == **id,
        (BALANCE, AttrValue::N(n)) => {
            wallet.balance.is_some() && Balance::parse(n).ok() == wallet.balance
        }
        // As the diff compares: DynamoDB's copy made canonical (sets in order, numbers in
        // one notation), like the import's own.
        _ => {
            wallet.attr(name).map(|v| crate::import::canonical(v.clone()).unwrap_or(v)).as_ref()
                == Some(value)
        }
    })
}

/// Failures that say the request was not applied, whatever attempt they ended: the same
/// request is refused the same way every time (an identical request that had applied would
/// be answered with success). Timeouts, lost connections, server errors and throttling say
/// nothing of earlier attempts.
fn refused(error: &ApiError) -> bool {
    matches!(
        error.kind,
        ErrorKind::Validation
            | ErrorKind::AccessDenied
            | ErrorKind::NoCredentials
            | ErrorKind::BadCredentials
            | ErrorKind::NotFound
            | ErrorKind::ReadOnly
    )
}

/// A write that applied: what the app is told of it.
fn applied(
    write: &Write,
    items: &Items,
    wcu: Option<f64>,
    request_id: Option<String>,
) -> WriteDone {
    let (wallet, old) = match &write.kind {
        WriteKind::Create { .. } => {
            let put = items.first().and_then(|i| i.put());
            (put.and_then(|p| wallet_from_item(p.item())), None)
        }
        WriteKind::SetBalance { seen, .. } | WriteKind::Delete { seen } => (None, *seen),
        WriteKind::PutItem { item, seen } => {
            let old = seen.as_ref().and_then(|s| match s.get(BALANCE) {
                Some(AttrValue::N(n)) => Balance::parse(n).ok(),
                _ => None,
            });
            // The wallet now: what was seen, with the file's attributes set over it.
            let mut now = seen.clone().unwrap_or_default();
            now.extend(item.iter().map(|(n, v)| (n.clone(), v.clone())));
            let now: Item = now.iter().map(|(n, v)| (n.clone(), sdk_value(v))).collect();
            (wallet_from_item(&now), old)
        }
        WriteKind::SetOver { .. } | WriteKind::DeleteOver { .. } | WriteKind::Transfer { .. } => {
            (None, None)
        }
    };
    WriteDone::applied(wallet, old, wcu, request_id)
}

/// A cancelled transaction: a failed condition is a conflict with the wallet as stored; a
/// transfer's reasons are told side by side.
fn cancelled(write: &Write, reasons: &[CancellationReason]) -> WriteError {
    if let WriteKind::Transfer { .. } = &write.kind {
        return WriteError::Cancelled(transfer::cancel_reasons(reasons, write));
    }
    match reasons.first() {
        Some(reason) if reason.code() == Some("ConditionalCheckFailed") => {
            WriteError::Conflict { current: reason.item().and_then(wallet_from_item) }
        }
        Some(reason) => WriteError::Cancelled(format!(
            "DynamoDB cancelled the write: {}{}; nothing was written",
            reason.code().unwrap_or("no reason given"),
            reason.message().map(|m| format!(" ({m})")).unwrap_or_default()
        )),
        None => WriteError::Cancelled("DynamoDB cancelled the write without saying why".into()),
    }
}

#[cfg(test)]
mod tests;
