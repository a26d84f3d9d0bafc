//! The user's config file (`config.toml` in the user's config dir, or `--config`): defaults
//! for the flags people set once (table, region, profile, endpoint), the colour theme, and key
//! bindings that replace the shipped ones (`assets/keymap.toml`) action by action.
//!
//! ```toml
//! table = "prod_wallets"
//! region = "eu-west-1"
//! profile = "wallet-admin"
//! theme = "mono"          # or "color" (default; NO_COLOR in the environment means mono)
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
        config.keymap()?;
        Ok(config)
    }

    /// The shipped keymap with this config's keys in place of the actions it names.
    pub fn keymap(&self) -> Result<Keymap, String> {
        Keymap::default_keymap().with_overrides(&self.keys)
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::*;

    #[test]
    fn every_setting_is_read() {
        let config = Config::parse(
            r#"
            table = "prod_wallets"
            region = "eu-west-1"
            profile = "admin"
            endpoint_url = "http://localhost:4566"
            theme = "mono"
            [keys]
            deposit = ["a", "ctrl-p"]
            "#,
        )
        .expect("valid");
        assert_eq!(config.table.as_deref(), Some("prod_wallets"));
        assert_eq!(config.region.as_deref(), Some("eu-west-1"));
        assert_eq!(config.profile.as_deref(), Some("admin"));
        assert_eq!(config.endpoint_url.as_deref(), Some("http://localhost:4566"));
        assert_eq!(config.theme, Some(Theme::Mono));
        let keymap = config.keymap().expect("valid keys");
        let press = |code, modifiers| keymap.action_for(&KeyEvent::new(code, modifiers));
        assert_eq!(press(KeyCode::Char('a'), KeyModifiers::NONE), Some(Action::Deposit));
        assert_eq!(press(KeyCode::Char('p'), KeyModifiers::CONTROL), Some(Action::Deposit));
        assert_eq!(press(KeyCode::Char('+'), KeyModifiers::NONE), None, "replaced, not added");
        assert_eq!(press(KeyCode::Char('q'), KeyModifiers::NONE), Some(Action::Quit), "kept");
        let help = keymap.help_rows();
        assert!(help.contains(&("a / Ctrl-p".to_string(), Action::Deposit.describe())), "{help:?}");
    }

    #[test]
    fn an_empty_config_changes_nothing() {
        assert_eq!(Config::parse("").expect("valid"), Config::default());
    }

    #[test]
    fn mistakes_are_errors_that_say_what_is_wrong() {
        let error = |text: &str| Config::parse(text).expect_err(text);
        assert!(
            error("tabel = \"x\"").contains("unknown field `tabel`"),
            "{}",
            error("tabel = \"x\"")
        );
        assert!(error("theme = \"pink\"").contains("unknown variant `pink`"));
        assert!(error("table = \"a b\"").contains("not allowed in a table name"));
        assert!(error("[keys]\nfly = [\"f\"]").contains("unknown variant `fly`"));
        assert_eq!(error("[keys]\nquit = [\"hyper-x\"]"), "unknown key \"hyper-x\"");
        assert_eq!(error("[keys]\ndeposit = [\"q\"]"), "key q is bound to both quit and deposit");
    }

    #[test]
    fn a_missing_file_is_empty_unless_named() {
        let path = std::env::temp_dir().join(format!("no-such-{}.toml", uuid::Uuid::new_v4()));
        assert_eq!(Config::load(&path, false), Ok(Config::default()));
        let error = Config::load(&path, true).expect_err("named");
        assert!(error.starts_with(&format!("config {}: ", path.display())), "{error}");
    }
}
