//! Where calls go and as whom ([`Target`], [`Identity`]), and which writes may be sent there
//! ([`WriteMode`]), decided from `--read-only`, `--allow-writes` and the config's `protect`
//! list of profiles and AWS account ids. The title bar shows all of it; the app refuses the
//! writes the mode forbids, and the worker refuses them again below the UI. Pure data, no IO.

/// Where the worker's calls go, as resolved by aws-config at start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    /// The DynamoDB endpoint URL in force, however it was chosen (`--endpoint-url`,
    /// `AWS_ENDPOINT_URL[_DYNAMODB]`, the config file, a profile's `endpoint_url` or its
    /// `services` section); `None`: AWS itself.
    pub endpoint: Option<String>,
    pub region: String,
    /// The AWS profile in force (`--profile`, `AWS_PROFILE`, else `default`); `None` with
    /// `--local`, which uses no profile.
    pub profile: Option<String>,
    /// The embedded DynamoDB Local (`--local`).
    pub local: bool,
}

impl Target {
    /// Whether calls go to AWS itself: no endpoint URL, or one on an AWS domain (a VPC or
    /// FIPS endpoint). Only there does an AWS account id mean anything.
    pub fn is_aws(&self) -> bool {
        self.endpoint.as_deref().is_none_or(is_aws_url)
    }

    /// The endpoint and region as the title bar shows them (`AWS eu-west-1`,
    /// `DynamoDB Local http://… us-east-1`, `http://… us-east-1`).
    pub fn endpoint_text(&self) -> String {
        let endpoint = match (&self.endpoint, self.local) {
            (Some(url), true) => format!("DynamoDB Local {url}"),
            (Some(url), false) => url.clone(),
            (None, _) => "AWS".to_string(),
        };
        format!("{endpoint} {}", self.region)
    }

    /// Where a command writes, for its summary and its prompt: `into table T · endpoint
    /// region · profile P · MODE`.
    pub fn destination(&self, table: &str, mode: &WriteMode) -> String {
        let mut parts = vec![format!("into table {table}"), self.endpoint_text()];
        if let Some(profile) = &self.profile {
            parts.push(format!("profile {profile}"));
        }
        parts.push(mode.badge());
        parts.join(" · ")
    }
}

/// Whether `url`'s host is an AWS service domain.
pub fn is_aws_url(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = host.split(':').next().unwrap_or_default().trim_end_matches('.');
    let host = host.to_ascii_lowercase();
    ["amazonaws.com", "amazonaws.com.cn", "api.aws"]
        .iter()
        .any(|domain| host.ends_with(&format!(".{domain}")))
}

/// Who the calls are made as, looked up once by the worker at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Where the credentials came from ("env", "profile", "SSO", "role", …), or why there
    /// are none. Never the keys themselves.
    pub credentials: Result<String, String>,
    pub account: Account,
}

/// The AWS account the credentials belong to (STS GetCallerIdentity).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Account {
    /// Not looked up yet.
    Pending,
    Known(String),
    /// The lookup failed; the reason (an emulator without STS, no credentials, a timeout).
    Unknown(String),
}

/// The config's `protect` list: AWS profile names and 12-digit account ids whose tables
/// start read-only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Protect(Vec<String>);

impl Protect {
    pub fn new(entries: Vec<String>) -> Self {
        Protect(entries)
    }

    fn has_profile(&self, profile: &str) -> bool {
        self.0.iter().any(|entry| entry == profile)
    }

    fn has_account(&self, account: &str) -> bool {
        self.0.iter().any(|entry| entry == account)
    }

    /// Whether any entry is an account id: then the account must be known before a write.
    pub fn names_accounts(&self) -> bool {
        self.0.iter().any(|entry| is_account_id(entry))
    }
}

/// Twelve ASCII digits, as AWS writes account ids.
pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// Which writes may be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteMode {
    /// Every write the user asks for.
    Writable,
    /// None: `--read-only`.
    ReadOnly,
    /// None: a protected target (e.g. "profile prod"), without `--allow-writes`.
    Protected { target: String },
    /// A protected target with `--allow-writes`: the first write form of each table session
    /// asks for the table name, typed.
    Confirm { target: String },
    /// None yet: accounts are protected and this one is being looked up.
    Checking,
}

/// The inputs of a [`WriteMode`], known at start; the account comes later.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Guard {
    /// `--read-only`.
    pub read_only: bool,
    /// `--allow-writes`.
    pub allow_writes: bool,
    pub protect: Protect,
    /// The profile in force (see [`Target::profile`]).
    pub profile: Option<String>,
    /// Calls go to AWS itself ([`Target::is_aws`]): an unknown account may be a protected one.
    pub aws: bool,
}

impl Guard {
    /// The mode once the account lookup is at `account`.
    pub fn mode(&self, account: &Account) -> WriteMode {
        if self.read_only {
            return WriteMode::ReadOnly;
        }
        let profile = self.profile.as_deref().filter(|p| self.protect.has_profile(p));
        let target = match (profile, account) {
            (Some(profile), _) => Some(format!("profile {profile}")),
            (None, Account::Known(id)) if self.protect.has_account(id) => {
                Some(format!("account {id}"))
            }
            (None, Account::Pending) if self.protect.names_accounts() => {
                return WriteMode::Checking;
            }
            // Fail closed: on AWS, an account that cannot be named may be a protected one.
            (None, Account::Unknown(_)) if self.protect.names_accounts() && self.aws => {
                Some("an unknown account".to_string())
            }
            _ => None,
        };
        match target {
            Some(target) if self.allow_writes => WriteMode::Confirm { target },
            Some(target) => WriteMode::Protected { target },
            None => WriteMode::Writable,
        }
    }

    /// Whether the account must be known to decide (see [`Guard::mode`]).
    pub fn needs_account(&self) -> bool {
        !self.read_only && self.protect.names_accounts()
    }
}

impl WriteMode {
    /// Why `what` (e.g. "creating a table") cannot be done in this mode, if it cannot.
    pub fn refusal(&self, what: &str) -> Option<String> {
        match self {
            WriteMode::Writable | WriteMode::Confirm { .. } => None,
            WriteMode::ReadOnly => Some(format!("read-only mode: {what} is disabled")),
            WriteMode::Protected { target } => Some(format!(
                "{target} is protected: {what} needs wallet-tui started with --allow-writes"
            )),
            WriteMode::Checking => Some(format!(
                "looking up the account (protected accounts are read-only): {what} waits"
            )),
        }
    }

    /// Why the worker refuses a write in this mode, if it does (the app never sends one; this
    /// is the floor under it).
    pub fn worker_refusal(&self) -> Option<String> {
        match self {
            WriteMode::Writable | WriteMode::Confirm { .. } => None,
            WriteMode::ReadOnly => Some("started with --read-only".into()),
            WriteMode::Protected { target } => {
                Some(format!("{target} is protected: start with --allow-writes to write"))
            }
            WriteMode::Checking => Some("the account is not known yet".into()),
        }
    }

    /// The mode in a few words, for the title bar.
    pub fn badge(&self) -> String {
        match self {
            WriteMode::Writable => "WRITABLE".into(),
            WriteMode::ReadOnly => "READ-ONLY".into(),
            WriteMode::Protected { target } => format!("READ-ONLY · protected {target}"),
            WriteMode::Confirm { target } => format!("WRITES ALLOWED · protected {target}"),
            WriteMode::Checking => "READ-ONLY · checking the account".into(),
        }
    }

    /// Whether the title bar shows it in a warning colour.
    pub fn is_warning(&self) -> bool {
        !matches!(self, WriteMode::Writable)
    }
}

#[cfg(test)]
mod tests;
