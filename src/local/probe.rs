//! Whether what answers on a local port is DynamoDB: before `--local` attaches to a server it
//! did not start (and `S` posts batch writes to it), it asks for ListTables and expects a
//! DynamoDB answer, a JSON object with a `TableNames` list. A web dev server on port 8000
//! accepts the connection too, but answers HTML.

use std::time::Duration;

use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::error::DisplayErrorContext;

use crate::worker::{LOCAL_ACCESS_KEY, LOCAL_REGION};

/// How long the probe may take, its one attempt included (no retries).
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// `Ok` if a signed ListTables to `http://127.0.0.1:<port>` is answered with a `TableNames`
/// list; otherwise what came back instead (for the log).
pub async fn speaks_dynamodb(port: u16) -> Result<(), String> {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(1))
        .operation_attempt_timeout(PROBE_TIMEOUT)
        .operation_timeout(PROBE_TIMEOUT)
        .build();
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(LOCAL_REGION))
        .credentials_provider(Credentials::new(LOCAL_ACCESS_KEY, "local", None, None, "probe"))
        .endpoint_url(format!("http://127.0.0.1:{port}"))
        .timeout_config(timeouts)
        .retry_config(RetryConfig::disabled())
        .build();
    let client = aws_sdk_dynamodb::Client::from_conf(config);
    match client.list_tables().limit(1).send().await {
        Ok(output) if output.table_names.is_some() => Ok(()),
        Ok(_) => Err("a ListTables answer without TableNames".to_string()),
        Err(e) => Err(DisplayErrorContext(e).to_string()),
    }
}
