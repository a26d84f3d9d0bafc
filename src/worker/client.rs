//! Building the SDK configuration from the command line: the standard
//! aws-config chain for real AWS, static dummy credentials for DynamoDB Local.

use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::service_config::ServiceConfigKey;

use crate::target::Target;

mod identity;

pub use identity::{IdentitySource, identify};

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

/// The DynamoDB Streams client for the same configuration (credentials, region, timeouts)
/// and the same endpoint as the table client: `endpoint` is [`configured_endpoint`] (the
/// Streams API is at the DynamoDB endpoint on DynamoDB Local; `None`: AWS's own).
pub fn streams_client(
    config: &SdkConfig,
    endpoint: Option<&str>,
) -> aws_sdk_dynamodbstreams::Client {
    let mut builder = aws_sdk_dynamodbstreams::config::Builder::from(config);
    if let Some(url) = endpoint {
        builder = builder.endpoint_url(url);
    }
    aws_sdk_dynamodbstreams::Client::from_conf(builder.build())
}

/// A short description of where calls go, for messages ("cannot reach …") and the journal,
/// which matches open writes by it (so its form stays as it was).
pub fn endpoint_label(connect: &Connect, config: &SdkConfig) -> String {
    let region = config.region().map_or("no region", |r| r.as_ref());
    let mut label = match (connect.local, configured_endpoint(connect, config)) {
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

/// The endpoint URL DynamoDB calls go to, if one is set, however it was chosen:
/// `--endpoint-url`, `AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL`, a profile's
/// `endpoint_url` or its `services` section; `None`: AWS itself. (`connect` is not read:
/// its endpoint is in `config` already.)
pub fn configured_endpoint(_connect: &Connect, config: &SdkConfig) -> Option<String> {
    resolved_endpoint(config)
}

/// The DynamoDB endpoint URL in `config`, resolved exactly as `aws_sdk_dynamodb::Config`
/// resolves it from an `SdkConfig` (its generated `From<&SdkConfig>`): one set in code wins;
/// else the service-specific setting (`AWS_ENDPOINT_URL_DYNAMODB`, the profile's `services`
/// section) through aws-config's own service config; else the global one (`AWS_ENDPOINT_URL`,
/// the profile's `endpoint_url`). The DynamoDB config has no getter for it.
pub fn resolved_endpoint(config: &SdkConfig) -> Option<String> {
    if config.get_origin("endpoint_url").is_client_config() {
        return config.endpoint_url().map(str::to_string);
    }
    let key = ServiceConfigKey::builder()
        .service_id("DynamoDB")
        .env("AWS_ENDPOINT_URL")
        .profile("endpoint_url")
        .build();
    let specific = key.ok().and_then(|key| config.service_config()?.load_config(key));
    specific.or_else(|| config.endpoint_url().map(str::to_string))
}

/// Where calls go, for the title bar: the endpoint as resolved, the region, and the profile
/// in force (`--profile`, else `AWS_PROFILE` as `profile_env` gives it, else `default`).
pub fn target(connect: &Connect, config: &SdkConfig, profile_env: Option<String>) -> Target {
    let profile = match connect.local {
        true => None,
        false => connect
            .profile
            .clone()
            .or(profile_env.filter(|p| !p.is_empty()))
            .or_else(|| Some("default".to_string())),
    };
    Target {
        endpoint: resolved_endpoint(config),
        region: config.region().map_or_else(String::new, |r| r.to_string()),
        profile,
        local: connect.local,
    }
}

/// The warning for an endpoint reached over plain HTTP on a host other than this machine:
/// requests are signed (no one can forge or replay them for long) but not encrypted, so
/// balances and user ids cross the network readable.
pub fn plain_http_warning(url: &str) -> Option<String> {
    let (scheme, host) = scheme_and_host(url)?;
    (scheme.eq_ignore_ascii_case("http") && !is_loopback_host(host))
        .then(|| format!("plain HTTP to {host}: requests are signed but not encrypted (use https)"))
}

/// The scheme and host of a URL: `http://user@[::1]:8000/x` → (`http`, `::1`).
fn scheme_and_host(url: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = url.trim().split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next()?,
        None => host_port.split(':').next()?,
    };
    Some((scheme, host))
}

/// Whether `host` is this machine: `localhost` (and `*.localhost`, RFC 6761), 127.0.0.0/8,
/// `::1`, or `::ffff:127.x.y.z`. Any other name may resolve anywhere.
fn is_loopback_host(host: &str) -> bool {
    let name = host.trim_end_matches('.').to_ascii_lowercase();
    if name == "localhost" || name.ends_with(".localhost") {
        return true;
    }
    match name.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(v4)) => v4.is_loopback(),
        Ok(std::net::IpAddr::V6(v6)) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests;
