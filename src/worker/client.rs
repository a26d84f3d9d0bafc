//! Building the SDK configuration from the command line: the standard
//! aws-config chain for real AWS, static dummy credentials for DynamoDB Local.

use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;
use aws_smithy_types::timeout::TimeoutConfig;

/// Time limits for every call. The SDK has none by default, so a silent
/// endpoint would hang a call forever.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    /// One HTTP attempt.
    pub attempt: Duration,
    /// The whole operation, retries included.
    pub operation: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(3),
            attempt: Duration::from_secs(5),
            operation: Duration::from_secs(12),
        }
    }
}

/// Where and as whom to connect.
#[derive(Debug, Clone, Default)]
pub struct Connect {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    /// Use DynamoDB Local's conventions: fixed dummy credentials, default region.
    pub local: bool,
    pub timeouts: Timeouts,
}

/// Access key for DynamoDB Local. It namespaces tables (with the region), and
/// DynamoDB Local rejects keys containing `-` or `_`.
pub const LOCAL_ACCESS_KEY: &str = "wallettui";
/// Region used with DynamoDB Local when none is given.
pub const LOCAL_REGION: &str = "us-east-1";

/// Loads the SDK configuration without touching the network.
pub async fn load_sdk_config(connect: &Connect) -> SdkConfig {
    let t = connect.timeouts;
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(t.connect)
        .operation_attempt_timeout(t.attempt)
        .operation_timeout(t.operation)
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).timeout_config(timeouts);
    if let Some(profile) = &connect.profile {
        loader = loader.profile_name(profile);
    }
    let region = connect.region.clone().or_else(|| connect.local.then(|| LOCAL_REGION.to_string()));
    if let Some(region) = region {
        loader = loader.region(Region::new(region));
    }
    if let Some(url) = &connect.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    if connect.local {
        let credentials = Credentials::new(LOCAL_ACCESS_KEY, "local", None, None, "wallet-tui");
        loader = loader.credentials_provider(credentials);
    }
    loader.load().await
}

/// A short description of where calls go, for the title bar.
pub fn endpoint_label(connect: &Connect, config: &SdkConfig) -> String {
    let region = config.region().map_or("no region", |r| r.as_ref());
    let endpoint = connect
        .endpoint_url
        .clone()
        .or_else(|| std::env::var("AWS_ENDPOINT_URL_DYNAMODB").ok())
        .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok());
    let mut label = match (connect.local, endpoint) {
        (true, Some(url)) => format!("DynamoDB Local {url}"),
        (_, Some(url)) => format!("{url} ({region})"),
        (false, None) => format!("AWS {region}"),
        (true, None) => "DynamoDB Local".to_string(),
    };
    if let Some(profile) = &connect.profile {
        label.push_str(&format!(" profile {profile}"));
    }
    label
}
