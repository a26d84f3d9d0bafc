//! Unit tests of `config.rs`.

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
        currency_attribute = "ccy"
        [keys]
        deposit = ["F", "ctrl-p"]
        "#,
    )
    .expect("valid");
    assert_eq!(config.table.as_deref(), Some("prod_wallets"));
    assert_eq!(config.region.as_deref(), Some("eu-west-1"));
    assert_eq!(config.profile.as_deref(), Some("admin"));
    assert_eq!(config.endpoint_url.as_deref(), Some("http://localhost:4566"));
    assert_eq!(config.theme, Some(Theme::Mono));
    assert_eq!(config.currency_attribute.as_deref(), Some("ccy"));
    let keymap = config.keymap().expect("valid keys");
    let press = |code, modifiers| keymap.action_for(&KeyEvent::new(code, modifiers));
    assert_eq!(press(KeyCode::Char('F'), KeyModifiers::NONE), Some(Action::Deposit));
    assert_eq!(press(KeyCode::Char('p'), KeyModifiers::CONTROL), Some(Action::Deposit));
    assert_eq!(press(KeyCode::Char('+'), KeyModifiers::NONE), None, "replaced, not added");
    assert_eq!(press(KeyCode::Char('q'), KeyModifiers::NONE), Some(Action::Quit), "kept");
    let help = keymap.help_rows();
    assert!(help.contains(&("F / Ctrl-p".to_string(), Action::Deposit.describe())), "{help:?}");
}

#[test]
fn an_empty_config_changes_nothing() {
    assert_eq!(Config::parse("").expect("valid"), Config::default());
}

#[test]
fn mistakes_are_errors_that_say_what_is_wrong() {
    let error = |text: &str| Config::parse(text).expect_err(text);
    assert!(error("tabel = \"x\"").contains("unknown field `tabel`"), "{}", error("tabel = \"x\""));
    assert!(error("theme = \"pink\"").contains("unknown variant `pink`"));
    assert!(error("table = \"a b\"").contains("not allowed in a table name"));
    assert!(error("[keys]\nfly = [\"f\"]").contains("unknown variant `fly`"));
    assert!(error("currency_attribute = \"balance\"").contains("other than the key"));
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

#[test]
fn protected_targets_are_read_and_an_empty_one_refused() {
    let config = Config::parse(r#"protect = ["prod", "123456789012"]"#).expect("valid");
    assert_eq!(config.protect, vec!["prod".to_string(), "123456789012".to_string()]);
    let err = Config::parse(r#"protect = ["prod", " "]"#).expect_err("an empty entry");
    assert!(err.contains("name a profile or a 12-digit account id"), "{err}");
}

#[test]
fn max_wallets_is_a_setting() {
    let config = Config::parse("max_wallets = 2000000\n").expect("a valid config");
    assert_eq!(config.max_wallets, Some(2_000_000));
    assert!(Config::parse("max_wallets = -1\n").is_err());
}
