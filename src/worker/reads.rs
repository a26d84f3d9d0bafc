//! Reading one wallet (GetItem), and the consumed capacity every data call asks for.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnConsumedCapacity};

use super::errors::classify;
use super::item::wallet_from_item;
use crate::error::ApiError;
use crate::wallet::{USER_ID, Wallet};

/// What every data call asks DynamoDB to report: INDEXES gives the total (as
/// TOTAL would) plus the share of each index, for tables that have any.
pub const CONSUMED: ReturnConsumedCapacity = ReturnConsumedCapacity::Indexes;

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
