//! The user's config file (`config.toml` in the user's config dir, or `--config`): defaults
//! for the flags people set once (table, region, profile, endpoint), the colour theme, and key
//! bindings that replace the shipped ones (`assets/keymap.toml`) action by action.
//!
//! ```toml
//! table = "prod_wallets"
//! region = "eu-west-1"
//! profile = "wallet-admin"
//! theme = "mono"          # or "color" (default; NO_COLOR in the environment means mono)
//! write_time_attribute = "updated_at"   # off by default: writes change only the balance
//! currency_attribute = "currency"       # the default: transfers only between equal currencies
//! max_wallets = 2000000                 # the list's bound (default: a quarter of the memory)
//! protect = ["prod", "123456789012"]    # profiles and accounts that start read-only
//!
//! [keys]
//! quit = ["q", "ctrl-q"]
//! deposit = ["+", "a"]
//! ```
//!
//! Flags and environment variables win over the file; an unknown setting, action or key is an
//! error naming the file, never silently ignored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use directories::ProjectDirs;
use serde::Deserialize;

use crate::keymap::{Action, Keymap};
use crate::table::parse_table_name;
use crate::theme::Theme;

/// The config file's name in the user's config dir.
pub const FILE_NAME: &str = "config.toml";

/// What a config file may set; everything is optional.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The wallet table (`--table`).
    pub table: Option<String>,
    /// The AWS region (`--region`).
    pub region: Option<String>,
    /// The AWS profile (`--profile`); not used with `--local`.
    pub profile: Option<String>,
    /// A DynamoDB-compatible endpoint (`--endpoint-url`); not used with `--local`.
    pub endpoint_url: Option<String>,
    pub theme: Option<Theme>,
    /// An attribute every write of the app also sets to the time it was sent (RFC 3339 UTC),
    /// for tables whose application keeps one; off by default.
    pub write_time_attribute: Option<String>,
    /// The attribute holding a wallet's currency (`--currency-attribute`; default `currency`).
    pub currency_attribute: Option<String>,
    /// The most wallets the list holds (`--max-wallets`).
    pub max_wallets: Option<u64>,
    /// AWS profiles and 12-digit account ids whose tables start read-only: writes need
    /// `--allow-writes`, and then the table name typed once per table session.
    #[serde(default)]
    pub protect: Vec<String>,
    /// Keys per action, replacing the shipped keys of the actions named.
    #[serde(default)]
    pub keys: BTreeMap<Action, Vec<String>>,
}

/// `config.toml` in the user's config dir (`~/.config/wallet-tui/` on Linux).
pub fn default_path() -> Option<PathBuf> {
    ProjectDirs::from("", "", "wallet-tui").map(|d| d.config_dir().join(FILE_NAME))
}

impl Config {
    /// Reads the config at `path`. A missing file is an empty config unless the user named
    /// it (`required`); anything unreadable or invalid is an error naming the file.
    pub fn load(path: &Path, required: bool) -> Result<Config, String> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
                return Ok(Config::default());
            }
            Err(e) => return Err(format!("config {}: {e}", path.display())),
        };
        Config::parse(&text).map_err(|e| format!("config {}: {e}", path.display()))
    }

    /// Parses and checks a config file's text.
    pub fn parse(text: &str) -> Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| e.message().to_string())?;
        if let Some(table) = &config.table {
            parse_table_name(table).map_err(|e| format!("table {table:?}: {e}"))?;
        }
        if let Some(name) = &config.write_time_attribute
            && (name.is_empty() || name == "user_id" || name == "balance")
        {
            return Err(format!(
                "write_time_attribute {name:?}: name an attribute other than the key and the balance"
            ));
        }
        if let Some(name) = &config.currency_attribute {
            crate::cli::parse_currency_attribute(name)
                .map_err(|e| format!("currency_attribute {e}"))?;
        }
        if let Some(empty) = config.protect.iter().find(|entry| entry.trim().is_empty()) {
            return Err(format!("protect {empty:?}: name a profile or a 12-digit account id"));
        }
        config.keymap()?;
        Ok(config)
    }

    /// The shipped keymap with this config's keys in place of the actions it names.
    pub fn keymap(&self) -> Result<Keymap, String> {
        Keymap::default_keymap().with_overrides(&self.keys)
    }
}

#[cfg(test)]
mod tests;
