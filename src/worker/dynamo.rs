//! The SDK boundary: DynamoDB calls, and conversion of SDK types and errors
//! into the app's own types. Nothing outside this file sees an SDK type.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::RequestId;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode as SdkBillingMode, CancellationReason, ConsumedCapacity,
    KeySchemaElement, KeyType, ProvisionedThroughput, ReturnConsumedCapacity, ReturnValue,
    ReturnValuesOnConditionCheckFailure, ScalarAttributeType, TableDescription, TransactWriteItem,
    Update,
};

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::balance::Balance;
use crate::error::{ApiError, ErrorKind};
use crate::journal::now_rfc3339;
use crate::write::{Counterpart, Write, WriteDone, WriteError, WriteKind};
use futures::StreamExt;

use crate::table::{
    AttributeDef, BillingMode, CreateTableSpec, IndexInfo, KeyElement, TableEntry, TableInfo,
    TableStatus, WALLET_KEY,
};
use crate::wallet::{AttrValue, BALANCE, ExtrasBuilder, USER_ID, UserId, Wallet};

/// When a wallet was last written, RFC 3339 UTC (set by every write of this app).
pub const UPDATED_AT: &str = "updated_at";
/// The op id of the last write of this app, so a retried write can recognise itself.
pub const LAST_OP: &str = "last_op";

/// What every data call asks DynamoDB to report: INDEXES gives the total (as
/// TOTAL would) plus the share of each index, for tables that have any.
pub const CONSUMED: ReturnConsumedCapacity = ReturnConsumedCapacity::Indexes;

/// DescribeTable; ResourceNotFound is an answer (`None`), not an error.
pub async fn describe_table(client: &Client, table: &str) -> Result<Option<TableInfo>, ApiError> {
    match client.describe_table().table_name(table).send().await {
        Ok(out) => Ok(out.table().map(table_info)),
        Err(err) => match classify(err) {
            e if e.kind == ErrorKind::NotFound => Ok(None),
            e => Err(e),
        },
    }
}

/// Every table (all ListTables pages), each described, 8 at a time, to see whether it has
/// the wallet schema; in name order.
pub async fn list_tables(client: &Client) -> Result<Vec<TableEntry>, ApiError> {
    let names: Vec<String> = client
        .list_tables()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(classify)?;
    let mut entries: Vec<TableEntry> = futures::stream::iter(names)
        .map(|name| async move {
            let described = describe_table(client, &name).await;
            let wallet_schema = described.ok().flatten().map(|info| info.has_wallet_schema());
            TableEntry { name, wallet_schema }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(entries)
}

/// CreateTable with the wallet schema: `user_id` (S) as the only (HASH) key.
pub async fn create_table(client: &Client, spec: &CreateTableSpec) -> Result<TableInfo, ApiError> {
    let key = KeySchemaElement::builder()
        .attribute_name(WALLET_KEY)
        .key_type(KeyType::Hash)
        .build()
        .map_err(build_error)?;
    let attr = AttributeDefinition::builder()
        .attribute_name(WALLET_KEY)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .map_err(build_error)?;
    let mut call =
        client.create_table().table_name(&spec.name).key_schema(key).attribute_definitions(attr);
    call = match spec.billing {
        BillingMode::OnDemand => call.billing_mode(SdkBillingMode::PayPerRequest),
        BillingMode::Provisioned { read, write } => call
            .billing_mode(SdkBillingMode::Provisioned)
            .provisioned_throughput(throughput(read, write)?),
    };
    let out = call.send().await.map_err(classify)?;
    out.table_description()
        .map(table_info)
        .ok_or_else(|| ApiError::new(ErrorKind::Other, "CreateTable returned no description"))
}

/// UpdateTable to `billing`: provisioned RCU/WCU, or a switch of billing mode.
/// The table then goes through UPDATING until ACTIVE.
pub async fn update_table(
    client: &Client,
    table: &str,
    billing: BillingMode,
) -> Result<TableInfo, ApiError> {
    let mut call = client.update_table().table_name(table);
    call = match billing {
        BillingMode::OnDemand => call.billing_mode(SdkBillingMode::PayPerRequest),
        BillingMode::Provisioned { read, write } => call
            .billing_mode(SdkBillingMode::Provisioned)
            .provisioned_throughput(throughput(read, write)?),
    };
    let out = call.send().await.map_err(classify)?;
    out.table_description()
        .map(table_info)
        .ok_or_else(|| ApiError::new(ErrorKind::Other, "UpdateTable returned no description"))
}

/// DeleteTable. The table then goes through DELETING until DescribeTable
/// reports it missing.
pub async fn delete_table(client: &Client, table: &str) -> Result<(), ApiError> {
    client.delete_table().table_name(table).send().await.map_err(classify)?;
    Ok(())
}

/// Converts a scanned or fetched item; `None` if it has no string `user_id`.
pub fn wallet_from_item(item: &HashMap<String, AttributeValue>) -> Option<Wallet> {
    let user_id = UserId::new(item.get(USER_ID)?.as_s().ok()?);
    let balance =
        item.get(BALANCE).and_then(|v| v.as_n().ok()).and_then(|n| Balance::parse(n).ok());
    // The SDK hands items over as hash maps: sort the names for a stable display.
    let mut names: Vec<&String> = item
        .keys()
        .filter(|name| *name != USER_ID && !(*name == BALANCE && balance.is_some()))
        .collect();
    names.sort_unstable();
    let mut extra = ExtrasBuilder::with_capacity(64);
    for name in names {
        match &item[name] {
            AttributeValue::S(s) => extra.string(name, s),
            AttributeValue::N(n) => extra.number(name, n),
            other => extra.value(name, &attr_value(other)),
        }
    }
    Some(Wallet { user_id, balance, extra: extra.finish() })
}

/// An SDK attribute value in the app's compact form.
pub fn attr_value(value: &AttributeValue) -> AttrValue {
    let strs = |v: &[String]| v.iter().map(|s| s.as_str().into()).collect();
    match value {
        AttributeValue::S(s) => AttrValue::S(s.as_str().into()),
        AttributeValue::N(n) => AttrValue::N(n.as_str().into()),
        AttributeValue::B(b) => AttrValue::B(b.as_ref().into()),
        AttributeValue::Bool(b) => AttrValue::Bool(*b),
        AttributeValue::Null(_) => AttrValue::Null,
        AttributeValue::Ss(v) => AttrValue::Ss(strs(v)),
        AttributeValue::Ns(v) => AttrValue::Ns(strs(v)),
        AttributeValue::Bs(v) => AttrValue::Bs(v.iter().map(|b| b.as_ref().into()).collect()),
        AttributeValue::L(v) => AttrValue::L(v.iter().map(attr_value).collect()),
        AttributeValue::M(m) => {
            let mut entries: Vec<_> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            AttrValue::M(
                entries.into_iter().map(|(k, v)| (k.as_str().into(), attr_value(v))).collect(),
            )
        }
        // A type newer than this SDK: show it as NULL rather than drop the item.
        _ => AttrValue::Null,
    }
}

/// The SDK form of an attribute value ([`attr_value`] the other way round).
pub fn sdk_value(value: &AttrValue) -> AttributeValue {
    let strs = |v: &[Box<str>]| v.iter().map(|s| s.to_string()).collect();
    match value {
        AttrValue::S(s) => AttributeValue::S(s.to_string()),
        AttrValue::N(n) => AttributeValue::N(n.to_string()),
        AttrValue::B(b) => AttributeValue::B(Blob::new(b.to_vec())),
        AttrValue::Bool(b) => AttributeValue::Bool(*b),
        AttrValue::Null => AttributeValue::Null(true),
        AttrValue::Ss(v) => AttributeValue::Ss(strs(v)),
        AttrValue::Ns(v) => AttributeValue::Ns(strs(v)),
        AttrValue::Bs(v) => AttributeValue::Bs(v.iter().map(|b| Blob::new(b.to_vec())).collect()),
        AttrValue::L(v) => AttributeValue::L(v.iter().map(sdk_value).collect()),
        AttrValue::M(m) => {
            AttributeValue::M(m.iter().map(|(k, v)| (k.to_string(), sdk_value(v))).collect())
        }
    }
}

/// GetItem of one wallet; `Ok((None, _))` when there is no such item (or it is not a wallet).
pub async fn get_wallet(
    client: &Client,
    table: &str,
    user_id: &str,
    consistent: bool,
) -> (Result<Option<Wallet>, ApiError>, Option<f64>) {
    let call = client
        .get_item()
        .table_name(table)
        .key(USER_ID, AttributeValue::S(user_id.to_string()))
        .consistent_read(consistent)
        .return_consumed_capacity(CONSUMED);
    match call.send().await {
        Ok(out) => {
            let rcu = out.consumed_capacity().and_then(|c| c.capacity_units());
            (Ok(out.item().and_then(wallet_from_item)), rcu)
        }
        Err(err) => (Err(classify(err)), None),
    }
}

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

/// The transfer's TransactWriteItems: a debit and a credit, both computed by DynamoDB and
/// both stamped with the op id, sent with the op id as ClientRequestToken so that the
/// SDK's retry of a transaction that did apply is answered as success, not applied again.
async fn transfer(
    client: &Client,
    table: &str,
    write: &Write,
    to: &str,
    amount: Balance,
    overdraft: bool,
) -> Result<WriteDone, WriteError> {
    let side = |user_id: &str, sign: &str, condition: &str| {
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
    };
    let debit_condition = if overdraft {
        "attribute_exists(#id)"
    } else {
        "attribute_exists(#id) AND #balance >= :amount"
    };
    let debit = side(&write.user_id, "-", debit_condition)?;
    let credit = side(to, "+", "attribute_exists(#id)")?;
    let call = client
        .transact_write_items()
        .transact_items(TransactWriteItem::builder().update(debit).build())
        .transact_items(TransactWriteItem::builder().update(credit).build())
        .client_request_token(&write.op_id)
        .return_consumed_capacity(CONSUMED);
    match call.send().await {
        Ok(out) => Ok(WriteDone {
            // Filled in from the wallets read back (see `settle_transfer`).
            wallet: None,
            old_balance: None,
            consumed_wcu: out
                .consumed_capacity()
                .iter()
                .filter_map(|c| c.capacity_units())
                .reduce(|a, b| a + b),
            request_id: out.request_id().map(str::to_string),
            already_applied: false,
            counterpart: None,
        }),
        Err(err) => match err.as_service_error() {
            Some(TransactWriteItemsError::TransactionCanceledException(e)) => Err(
                WriteError::Cancelled(cancel_reasons(e.cancellation_reasons(), write, to, amount)),
            ),
            _ => Err(WriteError::Api(classify(err))),
        },
    }
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

type Item = HashMap<String, AttributeValue>;

fn number(balance: Balance) -> AttributeValue {
    AttributeValue::N(balance.to_string())
}

fn string(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_string())
}

/// True when the item was last written by this very write (an earlier attempt applied).
fn written_by(item: &Item, op_id: &str) -> bool {
    item.get(LAST_OP).and_then(|v| v.as_s().ok()).is_some_and(|last| last == op_id)
}

/// [`written_by`], for a wallet already converted.
fn wallet_written_by(wallet: &Wallet, op_id: &str) -> bool {
    matches!(wallet.attr(LAST_OP), Some(AttrValue::S(last)) if *last == *op_id)
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
    let ours = |w: &Wallet| wallet_written_by(w, &write.op_id);
    let applied = match (&write.kind, &stored) {
        (WriteKind::Delete { .. }, stored) => stored.is_none(),
        (_, Some(wallet)) => ours(wallet),
        (_, None) => false,
    };
    if !applied {
        return Err(WriteError::unverified(error, Ok(stored)));
    }
    let old_balance = match &write.kind {
        WriteKind::Create { .. } => None,
        WriteKind::SetBalance { seen, .. } | WriteKind::Delete { seen } => *seen,
        WriteKind::Transfer { .. } => None,
    };
    Ok(WriteDone {
        wallet: stored,
        old_balance,
        consumed_wcu: None,
        request_id: None,
        already_applied: true,
        counterpart: None,
    })
}

/// A conflict, or our own earlier attempt, judged from the item as it was when the
/// condition failed (`None`: no such item).
fn condition_failed(
    old: Option<&Item>,
    op_id: &str,
    done: impl FnOnce(&Item) -> WriteDone,
) -> Result<WriteDone, WriteError> {
    match old {
        Some(item) if written_by(item, op_id) => Ok(done(item)),
        Some(item) => Err(WriteError::Conflict { current: wallet_from_item(item) }),
        None => Err(WriteError::Conflict { current: None }),
    }
}

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
        Ok(out) => Ok(WriteDone {
            wallet: wallet_from_item(&item),
            old_balance: None,
            consumed_wcu: wcu(out.consumed_capacity()),
            request_id: out.request_id().map(str::to_string),
            already_applied: false,
            counterpart: None,
        }),
        Err(err) => match err.as_service_error() {
            Some(PutItemError::ConditionalCheckFailedException(e)) => {
                condition_failed(e.item(), &write.op_id, |item| WriteDone {
                    wallet: wallet_from_item(item),
                    old_balance: None,
                    consumed_wcu: None,
                    request_id: e.request_id().map(str::to_string),
                    already_applied: true,
                    counterpart: None,
                })
            }
            _ => Err(WriteError::Api(classify(err))),
        },
    }
}

async fn set_balance(
    client: &Client,
    table: &str,
    write: &Write,
    seen: Option<Balance>,
    new: Balance,
) -> Result<WriteDone, WriteError> {
    let (condition, seen_value) = seen_condition(seen);
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
        .set_expression_attribute_values(Some(
            [
                (":new".to_string(), number(new)),
                (":now".to_string(), string(&now_rfc3339())),
                (":op".to_string(), string(&write.op_id)),
            ]
            .into_iter()
            .chain(seen_value.map(|v| (":seen".to_string(), v)))
            .collect(),
        ))
        .return_values(ReturnValue::AllNew)
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .return_consumed_capacity(CONSUMED);
    match call.send().await {
        Ok(out) => Ok(WriteDone {
            wallet: out.attributes().and_then(wallet_from_item),
            old_balance: seen,
            consumed_wcu: wcu(out.consumed_capacity()),
            request_id: out.request_id().map(str::to_string),
            already_applied: false,
            counterpart: None,
        }),
        Err(err) => match err.as_service_error() {
            Some(UpdateItemError::ConditionalCheckFailedException(e)) => {
                condition_failed(e.item(), &write.op_id, |item| WriteDone {
                    wallet: wallet_from_item(item),
                    old_balance: seen,
                    consumed_wcu: None,
                    request_id: e.request_id().map(str::to_string),
                    already_applied: true,
                    counterpart: None,
                })
            }
            _ => Err(WriteError::Api(classify(err))),
        },
    }
}

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
        Ok(out) => Ok(WriteDone {
            wallet: None,
            old_balance: seen,
            consumed_wcu: wcu(out.consumed_capacity()),
            request_id: out.request_id().map(str::to_string),
            already_applied: false,
            counterpart: None,
        }),
        // A deleted item keeps no `last_op`, so a retried delete whose first attempt
        // applied cannot be told from a concurrent delete: both are `Conflict { None }`.
        Err(err) => match err.as_service_error() {
            Some(DeleteItemError::ConditionalCheckFailedException(e)) => match e.item() {
                Some(item) => Err(WriteError::Conflict { current: wallet_from_item(item) }),
                None => Err(WriteError::Conflict { current: None }),
            },
            _ => Err(WriteError::Api(classify(err))),
        },
    }
}

fn throughput(read: i64, write: i64) -> Result<ProvisionedThroughput, ApiError> {
    ProvisionedThroughput::builder()
        .read_capacity_units(read)
        .write_capacity_units(write)
        .build()
        .map_err(build_error)
}

fn build_error(err: aws_sdk_dynamodb::error::BuildError) -> ApiError {
    ApiError::new(ErrorKind::Validation, err.to_string())
}

/// Converts an SDK description into the app's [`TableInfo`].
pub fn table_info(desc: &TableDescription) -> TableInfo {
    let provisioned = desc.provisioned_throughput();
    let on_demand = desc
        .billing_mode_summary()
        .and_then(|b| b.billing_mode())
        .is_some_and(|m| *m == SdkBillingMode::PayPerRequest);
    let billing = if on_demand {
        BillingMode::OnDemand
    } else {
        BillingMode::Provisioned {
            read: provisioned.and_then(|p| p.read_capacity_units()).unwrap_or(0),
            write: provisioned.and_then(|p| p.write_capacity_units()).unwrap_or(0),
        }
    };
    TableInfo {
        name: desc.table_name().unwrap_or_default().to_string(),
        status: desc
            .table_status()
            .map_or(TableStatus::Other("UNKNOWN".into()), |s| TableStatus::from_wire(s.as_str())),
        key_schema: desc
            .key_schema()
            .iter()
            .map(|k| KeyElement {
                name: k.attribute_name().to_string(),
                key_type: k.key_type().as_str().to_string(),
            })
            .collect(),
        attributes: desc
            .attribute_definitions()
            .iter()
            .map(|a| AttributeDef {
                name: a.attribute_name().to_string(),
                attr_type: a.attribute_type().as_str().to_string(),
            })
            .collect(),
        billing,
        item_count: desc.item_count(),
        size_bytes: desc.table_size_bytes(),
        created: desc
            .creation_date_time()
            .and_then(|t| t.fmt(aws_smithy_types::date_time::Format::DateTime).ok()),
        arn: desc.table_arn().map(str::to_string),
        indexes: indexes(desc),
        decreases_today: provisioned.and_then(|p| p.number_of_decreases_today()),
    }
}

fn indexes(desc: &TableDescription) -> Vec<IndexInfo> {
    let global = desc.global_secondary_indexes().iter().map(|g| IndexInfo {
        name: g.index_name().unwrap_or_default().to_string(),
        kind: "GSI",
        status: g.index_status().map(|s| TableStatus::from_wire(s.as_str())),
    });
    let local = desc.local_secondary_indexes().iter().map(|l| IndexInfo {
        name: l.index_name().unwrap_or_default().to_string(),
        kind: "LSI",
        status: None,
    });
    global.chain(local).collect()
}

/// Sorts an SDK failure into a kind a user can act on, keeping the details.
pub fn classify<E, R>(err: SdkError<E, R>) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + 'static,
{
    let details = DisplayErrorContext(&err).to_string();
    tracing::debug!(details, "call failed");
    let kind = match &err {
        SdkError::TimeoutError(_) => ErrorKind::Timeout,
        SdkError::DispatchFailure(d) if d.is_timeout() => ErrorKind::Timeout,
        SdkError::ServiceError(service) => {
            let message = service.err().message().unwrap_or_default().to_string();
            let kind = service_error_kind(service.err().code().unwrap_or_default());
            return ApiError::new(kind, message);
        }
        _ if mentions_missing_credentials(&details) => ErrorKind::NoCredentials,
        SdkError::DispatchFailure(d) if d.is_io() || d.is_other() => ErrorKind::Unreachable,
        _ => ErrorKind::Other,
    };
    ApiError::new(kind, causes(&err))
}

/// An error and its causes in plain words, outermost first ("dispatch failure: io error:
/// tcp connect error: Connection refused (os error 111)"), without the debug dump the SDK's
/// own context adds; a cause that repeats the one before is left out.
fn causes(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        let text = e.to_string();
        if !text.is_empty() && parts.last().is_none_or(|last| !last.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

fn mentions_missing_credentials(details: &str) -> bool {
    let lower = details.to_ascii_lowercase();
    lower.contains("credentials") && (lower.contains("no ") || lower.contains("failed to load"))
}

/// DynamoDB's error codes, grouped.
fn service_error_kind(code: &str) -> ErrorKind {
    match code {
        "ResourceNotFoundException" => ErrorKind::NotFound,
        "ResourceInUseException" => ErrorKind::ResourceInUse,
        "AccessDeniedException" => ErrorKind::AccessDenied,
        "ValidationException" | "SerializationException" => ErrorKind::Validation,
        "UnrecognizedClientException"
        | "InvalidSignatureException"
        | "ExpiredTokenException"
        | "MissingAuthenticationTokenException"
        | "IncompleteSignatureException" => ErrorKind::BadCredentials,
        "ProvisionedThroughputExceededException"
        | "ThrottlingException"
        | "RequestLimitExceeded" => ErrorKind::Throttled,
        "LimitExceededException" => ErrorKind::LimitExceeded,
        _ => ErrorKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("ResourceNotFoundException", ErrorKind::NotFound)]
    #[case("ResourceInUseException", ErrorKind::ResourceInUse)]
    #[case("AccessDeniedException", ErrorKind::AccessDenied)]
    #[case("ValidationException", ErrorKind::Validation)]
    #[case("UnrecognizedClientException", ErrorKind::BadCredentials)]
    #[case("ExpiredTokenException", ErrorKind::BadCredentials)]
    #[case("ThrottlingException", ErrorKind::Throttled)]
    #[case("LimitExceededException", ErrorKind::LimitExceeded)]
    #[case("SomethingNewException", ErrorKind::Other)]
    fn service_codes_are_grouped(#[case] code: &str, #[case] kind: ErrorKind) {
        assert_eq!(service_error_kind(code), kind);
    }

    /// A wallet as read back, last written by operation `op` (`None`: by no tracked write).
    fn stored(balance: &str, op: Option<&str>) -> Option<Wallet> {
        let mut extra = ExtrasBuilder::with_capacity(32);
        if let Some(op) = op {
            extra.string(LAST_OP, op);
        }
        let balance = Some(Balance::parse(balance).expect("a balance"));
        Some(Wallet { user_id: UserId::new("u1"), balance, extra: extra.finish() })
    }

    fn write(kind: WriteKind) -> Write {
        Write { op_id: "op-1".into(), user_id: "u1".into(), kind }
    }

    #[test]
    fn a_lost_answer_is_judged_from_the_wallet_read_back() {
        let b = |t: &str| Balance::parse(t).expect("a balance");
        let lost = ApiError::new(ErrorKind::Timeout, "attempt timeout");
        let deposit = write(WriteKind::SetBalance {
            seen: Some(b("10")),
            new: b("15"),
            reason: crate::write::EditReason::Deposit(b("5")),
        });
        let create = write(WriteKind::Create { balance: b("1") });
        let delete = write(WriteKind::Delete { seen: Some(b("10")) });
        let judge = |w: &Write, read| judge_unknown(w, lost.clone(), read);

        // Stored by this very write: it applied; the undo can start from the seen value.
        let done = judge(&deposit, Ok(stored("15", Some("op-1")))).expect("applied");
        assert!(done.already_applied);
        assert_eq!((done.old_balance, done.wallet), (Some(b("10")), stored("15", Some("op-1"))));
        let done = judge(&create, Ok(stored("1", Some("op-1")))).expect("applied");
        assert_eq!(done.old_balance, None);
        assert!(judge(&delete, Ok(None)).is_ok(), "a delete applied leaves nothing");

        // Anything else: not applied, and the user sees what is stored.
        let other = stored("10", Some("op-0"));
        assert_eq!(
            judge(&deposit, Ok(other.clone())),
            Err(WriteError::unverified(lost.clone(), Ok(other.clone())))
        );
        assert!(matches!(
            judge(&deposit, Ok(stored("10", None))),
            Err(WriteError::Unverified(u)) if matches!(u.read, Ok(Some(_)))
        ));
        assert!(matches!(
            judge(&create, Ok(None)),
            Err(WriteError::Unverified(u)) if matches!(u.read, Ok(None))
        ));
        assert!(matches!(
            judge(&delete, Ok(other)),
            Err(WriteError::Unverified(u)) if matches!(u.read, Ok(Some(_)))
        ));
        // The read failed too: still unknown.
        let read_error = ApiError::new(ErrorKind::Unreachable, "connection refused");
        assert_eq!(
            judge(&deposit, Err(read_error.clone())),
            Err(WriteError::unverified(lost, Err(read_error)))
        );
    }

    #[test]
    fn only_answers_that_say_nothing_leave_the_outcome_unknown() {
        let unknown = |kind| ApiError::new(kind, "").outcome_unknown();
        assert!(unknown(ErrorKind::Timeout));
        assert!(unknown(ErrorKind::Unreachable));
        assert!(unknown(ErrorKind::Other));
        for kind in [
            ErrorKind::Throttled,
            ErrorKind::Validation,
            ErrorKind::AccessDenied,
            ErrorKind::ReadOnly,
            ErrorKind::NotFound,
        ] {
            assert!(!unknown(kind), "{kind:?} is DynamoDB's own answer: nothing applied");
        }
    }
}
