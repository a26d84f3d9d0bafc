//! The SDK boundary: DynamoDB calls, and conversion of SDK types and errors
//! into the app's own types. Nothing outside this file sees an SDK type.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode as SdkBillingMode, KeySchemaElement, KeyType,
    ProvisionedThroughput, ScalarAttributeType, TableDescription,
};

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::balance::Balance;
use crate::msg::{ApiError, ErrorKind};
use crate::table::{
    AttributeDef, BillingMode, CreateTableSpec, IndexInfo, KeyElement, TableInfo, TableStatus,
    WALLET_KEY,
};
use crate::wallet::{AttrValue, BALANCE, ExtrasBuilder, USER_ID, UserId, Wallet};

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
        BillingMode::Provisioned { read, write } => {
            let throughput = ProvisionedThroughput::builder()
                .read_capacity_units(read)
                .write_capacity_units(write)
                .build()
                .map_err(build_error)?;
            call.billing_mode(SdkBillingMode::Provisioned).provisioned_throughput(throughput)
        }
    };
    let out = call.send().await.map_err(classify)?;
    out.table_description()
        .map(table_info)
        .ok_or_else(|| ApiError::new(ErrorKind::Other, "CreateTable returned no description"))
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
    let mut extra = ExtrasBuilder::default();
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
    R: std::fmt::Debug,
{
    let details = DisplayErrorContext(&err).to_string();
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
    ApiError::new(kind, details)
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
}
