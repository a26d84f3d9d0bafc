//! Command-line arguments, named as in the aws CLI where they overlap.

use std::path::PathBuf;
use std::time::Duration;

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::app::ScanBudget;
use crate::config::{self, Config};
use crate::msg::ScanSpec;
use crate::table::parse_table_name;
use crate::worker::{Connect, Timeouts};

/// A terminal UI for a DynamoDB user-wallet table (`user_id` S HASH, `balance` N).
#[derive(Debug, Clone, Parser)]
#[command(name = "wallet-tui", version, about)]
pub struct Cli {
    /// The wallet table.
    #[arg(long, env = "WALLET_TABLE", default_value = "user_wallet", value_parser = parse_table_name, global = true)]
    pub table: String,

    /// Use a named profile from your AWS config (SSO profiles included).
    #[arg(long, conflicts_with = "local", global = true)]
    pub profile: Option<String>,

    /// The AWS region (otherwise from AWS_REGION or the profile).
    #[arg(long, global = true)]
    pub region: Option<String>,

    /// Send requests to this URL instead of AWS (any DynamoDB-compatible endpoint).
    /// AWS_ENDPOINT_URL_DYNAMODB is honoured too.
    #[arg(long, conflicts_with = "local", global = true)]
    pub endpoint_url: Option<String>,

    /// Use DynamoDB Local on 127.0.0.1 (installed and started if nothing answers there).
    #[arg(long, global = true)]
    pub local: bool,

    /// Port of DynamoDB Local.
    #[arg(long, default_value_t = 8000, requires = "local", global = true)]
    pub local_port: u16,

    /// Run DynamoDB Local in memory: nothing is kept after exit.
    #[arg(long, requires = "local", global = true)]
    pub local_in_memory: bool,

    /// Where DynamoDB Local keeps its data (default: the user's data dir).
    #[arg(long, requires = "local", conflicts_with = "local_in_memory", global = true)]
    pub local_data_dir: Option<PathBuf>,

    /// Parallel scan segments (TotalSegments) used to load the list.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=1000), global = true)]
    pub scan_segments: u32,

    /// Items per scan page (Limit). DynamoDB also ends a page at 1 MB.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(i32).range(1..), global = true)]
    pub scan_page_limit: i32,

    /// Strongly consistent scans (twice the read cost).
    #[arg(long, global = true)]
    pub consistent_scan: bool,

    /// Provisioned tables: a scan reads at most this percentage of the table's
    /// provisioned read capacity per second, leaving the rest to the application.
    #[arg(long, default_value_t = 50.0, value_parser = parse_percent, global = true)]
    pub max_read_percent: f64,

    /// A scan reads at most this many RCU per second: the budget for on-demand
    /// tables (unpaced without it); overrides --max-read-percent on provisioned ones.
    #[arg(long, value_parser = parse_rcu_rate, global = true)]
    pub max_read_rcu: Option<f64>,

    /// Let withdrawals take a balance below zero.
    #[arg(long, global = true)]
    pub allow_negative: bool,

    /// The attribute holding a wallet's currency: transfers only between equal currencies,
    /// totals per currency (default: currency; config `currency_attribute`).
    #[arg(long, value_parser = parse_currency_attribute, global = true)]
    pub currency_attribute: Option<String>,

    /// The most wallets the list holds; past it the scan goes on for the whole-table figures
    /// only (default: what fits in a quarter of the available memory; config `max_wallets`).
    #[arg(long, value_parser = clap::value_parser!(u64), global = true)]
    pub max_wallets: Option<u64>,

    /// Journal of successful writes, one JSON line each (default: journal.jsonl in the data dir).
    #[arg(long, global = true)]
    pub journal: Option<PathBuf>,

    /// Refuse every write: browse only.
    #[arg(long, global = true)]
    pub read_only: bool,

    /// Let writes reach a protected profile or account (config `protect`); each table
    /// session's first write asks for the table name.
    #[arg(long, conflicts_with = "read_only", global = true)]
    pub allow_writes: bool,

    /// Seconds allowed to open a connection.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub connect_timeout: u64,

    /// Seconds allowed for one call, retries included.
    #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub call_timeout: u64,

    /// Config file: defaults for --table, --region, --profile, --endpoint-url, the theme and
    /// key bindings (default: config.toml in the user's config dir, if present).
    #[arg(long, global = true, env = "WALLET_TUI_CONFIG")]
    pub config: Option<PathBuf>,

    /// Log file (default: wallet-tui.log in the user's state dir). Logs never go to the terminal.
    #[arg(long, global = true)]
    pub log_file: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Things to do instead of opening the TUI.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Fill the table with demo wallets (creating it, on-demand, if missing).
    Seed {
        /// How many wallets to write.
        #[arg(long, default_value_t = 1000)]
        users: u64,
        /// BatchWriteItem calls in flight at once.
        #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=256))]
        concurrency: u64,
    },
    /// Whole-table figures without the TUI: count, exact total, min, max, the 100 largest and
    /// smallest balances and a histogram, per currency. Progress on stderr, result on stdout.
    Stats {
        /// The result as JSON, every number as its exact decimal text.
        #[arg(long)]
        json: bool,
    },
    /// Import wallets from a file (this app's CSV or JSON Lines export, or plain JSON lines):
    /// validated whole before any write, diffed against the table, each write conditional.
    Import {
        /// The file to import.
        file: PathBuf,
        /// Only say what would change: N new, M different, K identical.
        #[arg(long)]
        dry_run: bool,
        /// Also write the wallets that differ from the table (each only if still as read).
        #[arg(long)]
        overwrite: bool,
        /// Write the good rows even if some are bad; the bad ones go to a rejects file.
        #[arg(long)]
        skip_bad: bool,
        /// Provisioned tables: write at most this percentage of the write capacity per second.
        #[arg(long, default_value_t = 50.0, value_parser = parse_percent)]
        max_write_percent: f64,
        /// Write at most this many WCU per second (on-demand tables: unpaced without it).
        #[arg(long, value_parser = parse_rcu_rate)]
        max_write_wcu: Option<f64>,
        /// Writes in flight at once.
        #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=256))]
        concurrency: u64,
    },
}

impl Cli {
    /// Parses the command line, then fills what it left unset from the config file (`--config`
    /// or the default one); returns the config too (theme, keys). Exits with clap's message on
    /// a bad command line.
    pub fn parse_with_config() -> Result<(Cli, Config), String> {
        let matches = Cli::command().get_matches();
        let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
        // `seed` writes: it goes only where the command line and environment say, never
        // where a config file written for browsing points; but the file's protected
        // targets guard it too.
        if cli.command.is_some() {
            let (_, config) = cli.clone().with_config(true, |_| true)?;
            return Ok((cli, Config { protect: config.protect, ..Config::default() }));
        }
        let table_given =
            matches.value_source("table").is_some_and(|source| source != ValueSource::DefaultValue);
        cli.with_config(table_given, |var| std::env::var_os(var).is_some_and(|v| !v.is_empty()))
    }

    /// This command line completed from its config file (`--config`, or the default one if
    /// present). What the user set on the command line or in the environment wins: the table
    /// if `table_given`, any region, profile or endpoint flag, and the AWS variables that set
    /// them (`env_set` says which are set): AWS_REGION / AWS_DEFAULT_REGION, AWS_PROFILE,
    /// AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL.
    pub fn with_config(
        mut self,
        table_given: bool,
        env_set: impl Fn(&str) -> bool,
    ) -> Result<(Cli, Config), String> {
        let config = match (&self.config, config::default_path()) {
            (Some(path), _) => Config::load(path, true)?,
            (None, Some(path)) => Config::load(&path, false)?,
            (None, None) => Config::default(),
        };
        if let (Some(table), false) = (&config.table, table_given) {
            self.table = table.clone();
        }
        if self.currency_attribute.is_none() {
            self.currency_attribute = config.currency_attribute.clone();
        }
        if self.max_wallets.is_none() {
            self.max_wallets = config.max_wallets;
        }
        let unless = |vars: &[&str], value: &Option<String>| {
            if vars.iter().any(|v| env_set(v)) { None } else { value.clone() }
        };
        self.region = self
            .region
            .take()
            .or_else(|| unless(&["AWS_REGION", "AWS_DEFAULT_REGION"], &config.region));
        // A profile or an endpoint would contradict --local.
        if !self.local {
            self.profile =
                self.profile.take().or_else(|| unless(&["AWS_PROFILE"], &config.profile));
            let endpoint_vars = ["AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL"];
            self.endpoint_url =
                self.endpoint_url.take().or_else(|| unless(&endpoint_vars, &config.endpoint_url));
        }
        Ok((self, config))
    }

    /// The connection settings the worker's SDK client is built from.
    pub fn connect(&self) -> Connect {
        let operation = Duration::from_secs(self.call_timeout);
        Connect {
            profile: self.profile.clone(),
            region: self.region.clone(),
            endpoint_url: if self.local {
                Some(format!("http://127.0.0.1:{}", self.local_port))
            } else {
                self.endpoint_url.clone()
            },
            local: self.local,
            timeouts: Timeouts {
                connect: Duration::from_secs(self.connect_timeout),
                attempt: operation.min(Timeouts::default().attempt.max(operation / 2)),
                operation,
            },
        }
    }
}

impl Cli {
    /// The currency attribute's name: the flag, else the config's, else `currency`.
    pub fn currency_attribute(&self) -> String {
        self.currency_attribute.clone().unwrap_or_else(|| crate::wallet::CURRENCY.to_string())
    }

    /// The list's bound: `--max-wallets`, else the config's, else what fits in a quarter of
    /// the available memory.
    pub fn max_wallets(&self) -> u64 {
        self.max_wallets.unwrap_or_else(crate::memory::default_max_wallets)
    }

    /// How the list's scans read the table.
    pub fn scan_spec(&self) -> ScanSpec {
        ScanSpec {
            segments: self.scan_segments,
            page_limit: Some(self.scan_page_limit),
            consistent: self.consistent_scan,
            max_rcu_per_sec: None,
        }
    }

    /// How fast scans may read; the app turns it into each scan's budget.
    pub fn scan_budget(&self) -> ScanBudget {
        ScanBudget {
            max_read_percent: Some(self.max_read_percent),
            max_read_rcu: self.max_read_rcu,
        }
    }
}

/// An attribute name other than the key's and the balance's.
pub fn parse_currency_attribute(text: &str) -> Result<String, String> {
    if text.is_empty() || text == crate::wallet::USER_ID || text == crate::wallet::BALANCE {
        return Err(format!(
            "{text:?}: name an attribute other than the key ({}) and the balance ({})",
            crate::wallet::USER_ID,
            crate::wallet::BALANCE
        ));
    }
    Ok(text.to_string())
}

/// A percentage above 0 and at most 100.
fn parse_percent(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(p) if p > 0.0 && p <= 100.0 => Ok(p),
        _ => Err(format!("{text:?} is not a percentage above 0 and at most 100")),
    }
}

/// A finite number of read units per second above 0.
fn parse_rcu_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(r) if r.is_finite() && r > 0.0 => Ok(r),
        _ => Err(format!("{text:?} is not a number of RCU per second above 0")),
    }
}

#[cfg(test)]
mod tests;
