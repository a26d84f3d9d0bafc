//! A Query as a cancellable job: page after page (ExclusiveStartKey / LastEvaluatedKey),
//! each sent to the UI as soon as it arrives, tagged with the query's id, paced by the same
//! read budget as a scan ([`super::scan::Pacer`]).

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::query::QueryOutput;
use aws_sdk_dynamodb::types::AttributeValue;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::Replies;
use super::errors::classify;
use super::item::sdk_value;
use super::page::{Page, PageReader};
use super::reads::CONSUMED;
use super::scan::{Pacer, app_key};
use crate::capacity::Consistency;
use crate::msg::{QueryPage, Response, ScanId, ScanPage};
use crate::query::{QuerySpec, SortOp};

/// Runs the query until its last page or until cancelled.
pub async fn run(
    client: Client,
    id: ScanId,
    table: String,
    spec: QuerySpec,
    cancel: CancellationToken,
    responses: Replies,
) {
    tracing::debug!(id, index = spec.index, rcu_per_sec = spec.max_rcu_per_sec, "query");
    tokio::select! {
        () = cancel.cancelled() => {}
        () = pages(client, id, table, spec, responses) => {}
    }
}

async fn pages(client: Client, id: ScanId, table: String, spec: QuerySpec, responses: Replies) {
    let consistency = if spec.consistent { Consistency::Strong } else { Consistency::Eventual };
    let pacer = spec
        .max_rcu_per_sec
        .filter(|rate| rate.is_finite() && *rate > 0.0)
        .map(|rate| Arc::new(Pacer::new(rate, consistency, Instant::now())));
    let (condition, names, values) = key_condition(&spec);
    let mut start_key: Option<HashMap<String, AttributeValue>> = None;
    loop {
        let booking = match &pacer {
            Some(pacer) => Some(pacer.admit(spec.page_limit).await),
            None => None,
        };
        let limit = booking.as_ref().map_or(spec.page_limit, |b| Some(b.limit));
        let call = client
            .query()
            .table_name(&table)
            .set_index_name(spec.index.clone())
            .key_condition_expression(&condition)
            .set_expression_attribute_names(Some(names.clone()))
            .set_expression_attribute_values(Some(values.clone()))
            .scan_index_forward(!spec.descending)
            .consistent_read(spec.consistent)
            .return_consumed_capacity(CONSUMED)
            .set_limit(limit)
            .set_exclusive_start_key(start_key.take());
        let reader = PageReader::default();
        let output = match call.customize().interceptor(reader.clone()).send().await {
            Ok(output) => output,
            Err(err) => {
                let error = classify(err);
                responses.send(Response::ScanFailed { id, segment: 0, error });
                return;
            }
        };
        start_key = output.last_evaluated_key().filter(|k| !k.is_empty()).cloned();
        let consumed_rcu = output.consumed_capacity().and_then(|c| c.capacity_units());
        let items = reader.take().unwrap_or_else(|| Page::from_items(output.items()));
        if let (Some(pacer), Some(booking)) = (&pacer, &booking) {
            pacer.settle_page(booking, consumed_rcu, items.items(), items.bytes);
        }
        let page = query_page(id, &spec, &output, items, start_key.as_ref());
        if !responses.send(Response::QueryPage(page)) || start_key.is_none() {
            return;
        }
    }
}

/// A page of the query in the app's form.
fn query_page(
    id: ScanId,
    spec: &QuerySpec,
    output: &QueryOutput,
    items: Page,
    next: Option<&HashMap<String, AttributeValue>>,
) -> QueryPage {
    let consumed = output.consumed_capacity();
    let mut indexes: Vec<(String, f64)> = consumed
        .into_iter()
        .flat_map(|c| {
            let gsi = c.global_secondary_indexes().into_iter().flatten();
            let lsi = c.local_secondary_indexes().into_iter().flatten();
            gsi.chain(lsi)
        })
        .filter_map(|(name, units)| Some((name.clone(), units.capacity_units()?)))
        .collect();
    indexes.sort_by(|a, b| a.0.cmp(&b.0));
    let page = ScanPage {
        id,
        segment: 0,
        wallets: items.wallets,
        scanned: output.scanned_count().max(0) as u64,
        skipped: items.skipped,
        consumed_rcu: consumed.and_then(|c| c.capacity_units()),
        next: next.map(app_key),
        figures: None,
    };
    QueryPage { page, index: spec.index.clone(), indexes }
}

/// The key condition expression with its names and values: `#pk = :pk`, and the sort-key
/// condition if any (`#sk BETWEEN :sk AND :to`, `begins_with(#sk, :sk)`, `#sk < :sk`, ...).
pub fn key_condition(
    spec: &QuerySpec,
) -> (String, HashMap<String, String>, HashMap<String, AttributeValue>) {
    let mut names = HashMap::from([("#pk".to_string(), spec.partition_name.clone())]);
    let mut values = HashMap::from([(":pk".to_string(), sdk_value(&spec.partition))]);
    let mut condition = "#pk = :pk".to_string();
    if let Some(sort) = &spec.sort {
        names.insert("#sk".into(), sort.name.clone());
        values.insert(":sk".into(), sdk_value(&sort.value));
        let part = match (sort.op, &sort.to) {
            (SortOp::Between, Some(to)) => {
                values.insert(":to".into(), sdk_value(to));
                "#sk BETWEEN :sk AND :to".to_string()
            }
            (SortOp::BeginsWith, _) => "begins_with(#sk, :sk)".to_string(),
            (op, _) => format!("#sk {} :sk", op.symbol()),
        };
        condition.push_str(" AND ");
        condition.push_str(&part);
    }
    (condition, names, values)
}

#[cfg(test)]
mod tests;
