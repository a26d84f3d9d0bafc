//! Table administration (DescribeTable, ListTables, CreateTable, UpdateTable, DeleteTable),
//! and the conversion of the SDK's table description into the app's [`TableInfo`].

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::update_table::UpdateTableOutput;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode as SdkBillingMode, CreateGlobalSecondaryIndexAction,
    DeleteGlobalSecondaryIndexAction, GlobalSecondaryIndexUpdate, KeySchemaElement, KeyType,
    ProvisionedThroughput, ScalarAttributeType, StreamSpecification, StreamViewType,
    TableDescription,
};
use futures::StreamExt;

use super::errors::{build_error, classify};
use crate::error::{ApiError, ErrorKind};
use crate::index::CreateIndexSpec;
use crate::stream::{StreamInfo, StreamView};
use crate::table::{
    AttributeDef, BillingMode, CreateTableSpec, IndexInfo, KeyElement, Projection, TableEntry,
    TableInfo, TableStatus, WALLET_KEY,
};

/// Tables ListTables describes at once, to tell wallet tables from others.
const DESCRIBE_CONCURRENCY: usize = 8;

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
        .buffer_unordered(DESCRIBE_CONCURRENCY)
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
    let (mode, throughput) = sdk_billing(&spec.billing)?;
    let call = client
        .create_table()
        .table_name(&spec.name)
        .key_schema(key)
        .attribute_definitions(attr)
        .billing_mode(mode)
        .set_provisioned_throughput(throughput);
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
    let (mode, throughput) = sdk_billing(&billing)?;
    let call = client
        .update_table()
        .table_name(table)
        .billing_mode(mode)
        .set_provisioned_throughput(throughput);
    let out = call.send().await.map_err(classify)?;
    out.table_description()
        .map(table_info)
        .ok_or_else(|| ApiError::new(ErrorKind::Other, "UpdateTable returned no description"))
}

/// UpdateTable enabling a stream whose records carry both images.
pub async fn enable_stream(client: &Client, table: &str) -> Result<TableInfo, ApiError> {
    let spec = StreamSpecification::builder()
        .stream_enabled(true)
        .stream_view_type(StreamViewType::NewAndOldImages)
        .build()
        .map_err(build_error)?;
    let out = client.update_table().table_name(table).stream_specification(spec).send().await;
    let out = out.map_err(classify)?;
    let desc = out.table_description().ok_or_else(|| {
        ApiError::new(ErrorKind::Other, "UpdateTable returned no table description")
    })?;
    Ok(table_info(desc))
}

/// UpdateTable creating the global secondary index `spec` (with its key attributes'
/// definitions). The index then goes through CREATING (Backfilling) until ACTIVE.
pub async fn create_index(
    client: &Client,
    table: &str,
    spec: &CreateIndexSpec,
) -> Result<TableInfo, ApiError> {
    let mut keys = vec![sdk_key(&spec.partition.name, KeyType::Hash)?];
    if let Some(sort) = &spec.sort {
        keys.push(sdk_key(&sort.name, KeyType::Range)?);
    }
    let mut action = CreateGlobalSecondaryIndexAction::builder()
        .index_name(&spec.name)
        .set_key_schema(Some(keys))
        .projection(sdk_projection(&spec.projection));
    if let Some((read, write)) = spec.throughput {
        let throughput = ProvisionedThroughput::builder()
            .read_capacity_units(read)
            .write_capacity_units(write)
            .build()
            .map_err(build_error)?;
        action = action.provisioned_throughput(throughput);
    }
    let update = GlobalSecondaryIndexUpdate::builder().create(action.build().map_err(build_error)?);
    let definitions = spec
        .attribute_definitions()
        .iter()
        .map(|a| {
            AttributeDefinition::builder()
                .attribute_name(&a.name)
                .attribute_type(ScalarAttributeType::from(a.attr_type.as_str()))
                .build()
                .map_err(build_error)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let call = client
        .update_table()
        .table_name(table)
        .set_attribute_definitions(Some(definitions))
        .global_secondary_index_updates(update.build());
    updated(call.send().await.map_err(classify)?)
}

/// UpdateTable deleting the global secondary index `index`: DELETING until gone.
pub async fn delete_index(
    client: &Client,
    table: &str,
    index: &str,
) -> Result<TableInfo, ApiError> {
    let action = DeleteGlobalSecondaryIndexAction::builder()
        .index_name(index)
        .build()
        .map_err(build_error)?;
    let update = GlobalSecondaryIndexUpdate::builder().delete(action).build();
    let call = client.update_table().table_name(table).global_secondary_index_updates(update);
    updated(call.send().await.map_err(classify)?)
}

fn updated(out: UpdateTableOutput) -> Result<TableInfo, ApiError> {
    out.table_description()
        .map(table_info)
        .ok_or_else(|| ApiError::new(ErrorKind::Other, "UpdateTable returned no description"))
}

fn sdk_key(name: &str, key_type: KeyType) -> Result<KeySchemaElement, ApiError> {
    KeySchemaElement::builder().attribute_name(name).key_type(key_type).build().map_err(build_error)
}

fn sdk_projection(projection: &Projection) -> aws_sdk_dynamodb::types::Projection {
    use aws_sdk_dynamodb::types::ProjectionType;
    let builder = aws_sdk_dynamodb::types::Projection::builder();
    match projection {
        Projection::All => builder.projection_type(ProjectionType::All),
        Projection::KeysOnly => builder.projection_type(ProjectionType::KeysOnly),
        Projection::Include(names) => builder
            .projection_type(ProjectionType::Include)
            .set_non_key_attributes(Some(names.clone())),
    }
    .build()
}

/// DeleteTable. The table then goes through DELETING until DescribeTable
/// reports it missing.
pub async fn delete_table(client: &Client, table: &str) -> Result<(), ApiError> {
    client.delete_table().table_name(table).send().await.map_err(classify)?;
    Ok(())
}

/// The SDK's billing mode for `billing`, with its throughput when provisioned.
fn sdk_billing(
    billing: &BillingMode,
) -> Result<(SdkBillingMode, Option<ProvisionedThroughput>), ApiError> {
    match billing {
        BillingMode::OnDemand => Ok((SdkBillingMode::PayPerRequest, None)),
        BillingMode::Provisioned { read, write } => {
            let throughput = ProvisionedThroughput::builder()
                .read_capacity_units(*read)
                .write_capacity_units(*write)
                .build()
                .map_err(build_error)?;
            Ok((SdkBillingMode::Provisioned, Some(throughput)))
        }
    }
}

/// Converts an SDK description into the app's [`TableInfo`].
pub fn table_info(desc: &TableDescription) -> TableInfo {
    let provisioned = desc.provisioned_throughput();
    TableInfo {
        name: desc.table_name().unwrap_or_default().to_string(),
        status: desc
            .table_status()
            .map_or(TableStatus::Other("UNKNOWN".into()), |s| TableStatus::from_wire(s.as_str())),
        key_schema: key_schema(desc),
        attributes: attributes(desc),
        billing: billing(desc),
        item_count: desc.item_count(),
        size_bytes: desc.table_size_bytes(),
        created: desc
            .creation_date_time()
            .and_then(|t| t.fmt(aws_smithy_types::date_time::Format::DateTime).ok()),
        arn: desc.table_arn().map(str::to_string),
        indexes: indexes(desc),
        decreases_today: provisioned.and_then(|p| p.number_of_decreases_today()),
        stream: stream(desc),
    }
}

/// The enabled stream, if any, and what its records carry.
fn stream(desc: &TableDescription) -> Option<StreamInfo> {
    let spec = desc.stream_specification().filter(|s| s.stream_enabled())?;
    let view = spec.stream_view_type().and_then(|v| StreamView::from_wire(v.as_str()))?;
    Some(StreamInfo { arn: desc.latest_stream_arn()?.to_string(), view })
}

/// On demand if the summary says PAY_PER_REQUEST, else provisioned (0 where not reported).
fn billing(desc: &TableDescription) -> BillingMode {
    let on_demand = desc
        .billing_mode_summary()
        .and_then(|b| b.billing_mode())
        .is_some_and(|m| *m == SdkBillingMode::PayPerRequest);
    if on_demand {
        return BillingMode::OnDemand;
    }
    let provisioned = desc.provisioned_throughput();
    BillingMode::Provisioned {
        read: provisioned.and_then(|p| p.read_capacity_units()).unwrap_or(0),
        write: provisioned.and_then(|p| p.write_capacity_units()).unwrap_or(0),
    }
}

fn key_schema(desc: &TableDescription) -> Vec<KeyElement> {
    desc.key_schema().iter().map(key_element).collect()
}

fn attributes(desc: &TableDescription) -> Vec<AttributeDef> {
    let definition = |a: &AttributeDefinition| AttributeDef {
        name: a.attribute_name().to_string(),
        attr_type: a.attribute_type().as_str().to_string(),
    };
    desc.attribute_definitions().iter().map(definition).collect()
}

fn indexes(desc: &TableDescription) -> Vec<IndexInfo> {
    let global = desc.global_secondary_indexes().iter().map(|g| IndexInfo {
        name: g.index_name().unwrap_or_default().to_string(),
        kind: "GSI",
        status: g.index_status().map(|s| TableStatus::from_wire(s.as_str())),
        key_schema: g.key_schema().iter().map(key_element).collect(),
        projection: projection(g.projection()),
        backfilling: g.backfilling().unwrap_or(false),
        item_count: g.item_count(),
        size_bytes: g.index_size_bytes(),
        throughput: g
            .provisioned_throughput()
            .and_then(|p| Some((p.read_capacity_units()?, p.write_capacity_units()?)))
            .filter(|&(r, w)| r > 0 || w > 0),
    });
    let local = desc.local_secondary_indexes().iter().map(|l| IndexInfo {
        name: l.index_name().unwrap_or_default().to_string(),
        kind: "LSI",
        status: None,
        key_schema: l.key_schema().iter().map(key_element).collect(),
        projection: projection(l.projection()),
        item_count: l.item_count(),
        size_bytes: l.index_size_bytes(),
        ..IndexInfo::default()
    });
    global.chain(local).collect()
}

fn key_element(k: &KeySchemaElement) -> KeyElement {
    KeyElement { name: k.attribute_name().to_string(), key_type: k.key_type().as_str().to_string() }
}

/// An index's projection; a missing or unknown type reads as ALL (DynamoDB's default).
fn projection(p: Option<&aws_sdk_dynamodb::types::Projection>) -> Projection {
    use aws_sdk_dynamodb::types::ProjectionType;
    match p.and_then(|p| p.projection_type().map(|t| (t, p.non_key_attributes()))) {
        Some((ProjectionType::KeysOnly, _)) => Projection::KeysOnly,
        Some((ProjectionType::Include, attrs)) => Projection::Include(attrs.to_vec()),
        _ => Projection::All,
    }
}
