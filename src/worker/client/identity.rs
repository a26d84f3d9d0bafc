//! Who the calls are made as: where the credentials come from (never the keys) and the AWS
//! account (STS GetCallerIdentity), looked up once, through the same SDK configuration as
//! the DynamoDB client, with a short time limit so an endpoint without STS never hangs it.

use std::time::Duration;

use aws_config::SdkConfig;
use aws_credential_types::credential_feature::AwsCredentialFeature;
use aws_credential_types::provider::ProvideCredentials;
use aws_sdk_sts::config::http::HttpResponse;
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;

use crate::target::{Account, Identity};

/// What the lookup needs.
#[derive(Debug, Clone)]
pub struct IdentitySource {
    /// The configuration the DynamoDB client was built from.
    pub config: SdkConfig,
    /// The DynamoDB endpoint when it is not AWS's: STS is asked there (an emulator that has
    /// STS, such as LocalStack, names its account; one without says so), never AWS's STS for
    /// credentials meant elsewhere. `None`: STS as the configuration resolves it.
    pub endpoint: Option<String>,
    /// Limit of each step (credentials, then the STS call, one attempt).
    pub timeout: Duration,
}

/// Looks up where the credentials come from, then the account.
pub async fn identify(source: &IdentitySource) -> Identity {
    let credentials = credential_source(source).await;
    let account = match &credentials {
        Ok(_) => caller_account(source).await,
        Err(why) => Account::Unknown(format!("no credentials: {why}")),
    };
    Identity { credentials, account }
}

/// Where the configuration's credentials come from, in a word or two.
async fn credential_source(source: &IdentitySource) -> Result<String, String> {
    let provider =
        source.config.credentials_provider().ok_or_else(|| "none configured".to_string())?;
    match tokio::time::timeout(source.timeout, provider.provide_credentials()).await {
        Err(_) => Err(format!("none within {} s", source.timeout.as_secs())),
        Ok(Err(err)) => Err(short(&err.to_string())),
        Ok(Ok(credentials)) => {
            let features = credentials.get_property::<Vec<AwsCredentialFeature>>();
            Ok(features
                .and_then(|f| f.iter().find_map(|feature| source_name(feature)))
                .unwrap_or("static")
                .to_string())
        }
    }
}

/// The name of a credential source, as a person would say it.
fn source_name(feature: &AwsCredentialFeature) -> Option<&'static str> {
    use AwsCredentialFeature as F;
    Some(match *feature {
        F::CredentialsEnvVars => "env",
        F::CredentialsSso | F::CredentialsProfileSso => "SSO",
        F::CredentialsStsAssumeRole
        | F::CredentialsStsAssumeRoleSaml
        | F::CredentialsProfileSourceProfile => "role",
        F::CredentialsStsAssumeRoleWebId
        | F::CredentialsEnvVarsStsWebIdToken
        | F::CredentialsProfileStsWebIdToken => "web identity",
        F::CredentialsProcess | F::CredentialsProfileProcess => "process",
        F::CredentialsHttp => "container",
        F::CredentialsImds => "instance (IMDS)",
        F::CredentialsLogin | F::CredentialsProfileLogin => "console login",
        F::CredentialsProfile | F::CredentialsProfileNamedProvider => "profile",
        F::CredentialsCode => "code",
        _ => return None,
    })
}

/// STS GetCallerIdentity, one attempt within the limit.
async fn caller_account(source: &IdentitySource) -> Account {
    let limit = source.timeout;
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(limit)
        .operation_attempt_timeout(limit)
        .operation_timeout(limit)
        .build();
    let mut config = aws_sdk_sts::config::Builder::from(&source.config)
        .timeout_config(timeouts)
        .retry_config(RetryConfig::disabled());
    if let Some(url) = &source.endpoint {
        config = config.endpoint_url(url);
    }
    let client = aws_sdk_sts::Client::from_conf(config.build());
    let call = client.get_caller_identity().send();
    match tokio::time::timeout(limit + Duration::from_secs(1), call).await {
        Err(_) => Account::Unknown(format!("STS does not answer within {} s", limit.as_secs())),
        Ok(Ok(output)) => match output.account {
            Some(id) => Account::Known(id),
            None => Account::Unknown("STS named no account".into()),
        },
        Ok(Err(err)) => Account::Unknown(sts_error(&err)),
    }
}

/// Why GetCallerIdentity failed, in one short line.
fn sts_error<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> String {
    let why = match err {
        SdkError::TimeoutError(_) => "STS does not answer in time".to_string(),
        SdkError::DispatchFailure(_) => "cannot reach STS".to_string(),
        SdkError::ResponseError(_) => "no STS answer (not an STS endpoint)".to_string(),
        SdkError::ServiceError(e) => {
            let e = e.err();
            match (e.code(), e.message()) {
                (Some(code), Some(message)) => format!("STS: {code}: {message}"),
                (Some(code), None) => format!("STS: {code}"),
                _ => format!(
                    "HTTP {} to GetCallerIdentity (not an STS endpoint)",
                    ctx_status(err).unwrap_or_default()
                ),
            }
        }
        other => format!("STS: {other}"),
    };
    short(&why)
}

/// The HTTP status of a service error's answer.
fn ctx_status<E>(err: &SdkError<E, HttpResponse>) -> Option<u16> {
    err.raw_response().map(|raw| raw.status().as_u16())
}

/// At most one line of 80 characters.
fn short(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    match line.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_string(),
    }
}
