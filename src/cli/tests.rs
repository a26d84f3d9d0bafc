//! Unit tests of `cli.rs`.

use super::*;

#[test]
fn local_points_at_loopback_and_conflicts_with_endpoint() {
    let cli =
        Cli::try_parse_from(["wallet-tui", "--local", "--local-port", "8123"]).expect("parses");
    let connect = cli.connect();
    assert_eq!(connect.endpoint_url.as_deref(), Some("http://127.0.0.1:8123"));
    assert!(connect.local);
    let both = Cli::try_parse_from(["wallet-tui", "--local", "--endpoint-url", "http://x"]);
    assert!(both.is_err());
    let port_alone = Cli::try_parse_from(["wallet-tui", "--local-port", "1"]);
    assert!(port_alone.is_err(), "--local-port needs --local");
}

#[test]
fn scan_budget_flags() {
    let parse = |args: &[&str]| Cli::try_parse_from([&["wallet-tui"], args].concat());
    let default = parse(&[]).expect("parses").scan_budget();
    assert_eq!(default, ScanBudget { max_read_percent: Some(50.0), max_read_rcu: None });
    let set = parse(&["--max-read-percent", "20", "--max-read-rcu", "2.5"]).expect("parses");
    let budget = set.scan_budget();
    assert_eq!(budget, ScanBudget { max_read_percent: Some(20.0), max_read_rcu: Some(2.5) });
    for bad in [["--max-read-percent", "0"], ["--max-read-percent", "101"]] {
        assert!(parse(&bad).is_err(), "{bad:?}");
    }
    for bad in ["0", "-1", "inf", "NaN", "x"] {
        assert!(parse(&["--max-read-rcu", bad]).is_err(), "{bad}");
    }
}

#[test]
fn timeouts_follow_the_flags() {
    let cli = Cli::try_parse_from(["wallet-tui", "--call-timeout", "4", "--connect-timeout", "1"])
        .expect("parses");
    let t = cli.connect().timeouts;
    assert_eq!(t.operation, Duration::from_secs(4));
    assert_eq!(t.connect, Duration::from_secs(1));
    assert!(t.attempt <= t.operation);
    assert!(Cli::try_parse_from(["wallet-tui", "--call-timeout", "0"]).is_err());
}

/// A config file with `text`, removed when dropped.
struct TempConfig(PathBuf);

impl TempConfig {
    fn new(text: &str) -> Self {
        let path = std::env::temp_dir().join(format!("wallet-tui-{}.toml", uuid::Uuid::new_v4()));
        std::fs::write(&path, text).expect("write the config");
        TempConfig(path)
    }
}

impl Drop for TempConfig {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn with_config(args: &[&str], file: &TempConfig) -> Result<Cli, String> {
    let path = file.0.to_str().expect("a UTF-8 temp path");
    let cli = Cli::try_parse_from([&["wallet-tui", "--config", path], args].concat())
        .expect("valid flags");
    let table_given = args.contains(&"--table");
    cli.with_config(table_given, |_| false).map(|(cli, _)| cli)
}

#[test]
fn the_config_file_fills_what_the_command_line_leaves_unset() {
    let file = TempConfig::new(
        "table = \"prod_wallets\"\nregion = \"eu-west-1\"\nprofile = \"admin\"\n\
         endpoint_url = \"http://127.0.0.1:4566\"\n",
    );
    let cli = with_config(&[], &file).expect("valid");
    assert_eq!(cli.table, "prod_wallets");
    assert_eq!(cli.region.as_deref(), Some("eu-west-1"));
    assert_eq!(cli.profile.as_deref(), Some("admin"));
    assert_eq!(cli.endpoint_url.as_deref(), Some("http://127.0.0.1:4566"));
    // Flags win.
    let cli = with_config(&["--table", "other", "--region", "us-east-1"], &file).expect("ok");
    assert_eq!((cli.table.as_str(), cli.region.as_deref()), ("other", Some("us-east-1")));
    assert_eq!(cli.profile.as_deref(), Some("admin"));
    // The AWS variables win over the file too.
    let path = file.0.to_str().expect("a UTF-8 temp path");
    let cli = Cli::try_parse_from(["wallet-tui", "--config", path]).expect("valid flags");
    let (cli, _) = cli
        .with_config(false, |var| var == "AWS_PROFILE" || var == "AWS_ENDPOINT_URL")
        .expect("valid");
    assert_eq!((cli.profile, cli.endpoint_url), (None, None), "left to the environment");
    assert_eq!(cli.region.as_deref(), Some("eu-west-1"));
    // --local never takes a profile or an endpoint from the file.
    let cli = with_config(&["--local"], &file).expect("valid");
    assert_eq!((cli.profile.as_deref(), cli.endpoint_url.as_deref()), (None, None));
    assert_eq!(cli.connect().endpoint_url.as_deref(), Some("http://127.0.0.1:8000"));
}

#[test]
fn the_currency_attribute_comes_from_the_flag_then_the_config_then_the_default() {
    let file = TempConfig::new("currency_attribute = \"ccy\"\n");
    assert_eq!(with_config(&[], &file).expect("valid").currency_attribute(), "ccy");
    let cli = with_config(&["--currency-attribute", "money"], &file).expect("valid");
    assert_eq!(cli.currency_attribute(), "money");
    let none = TempConfig::new("");
    assert_eq!(with_config(&[], &none).expect("valid").currency_attribute(), "currency");
    let refused = Cli::try_parse_from(["wallet-tui", "--currency-attribute", "user_id"]);
    assert!(refused.is_err(), "the key is not a currency");
}

#[test]
fn a_broken_config_file_is_an_error_naming_it() {
    let file = TempConfig::new("theme = \"neon\"\n");
    let error = with_config(&[], &file).expect_err("refused");
    assert!(error.starts_with(&format!("config {}: ", file.0.display())), "{error}");
    assert!(error.contains("unknown variant `neon`"), "{error}");
}

#[test]
fn allow_writes_conflicts_with_read_only_and_reaches_seed() {
    let parse = |args: &[&str]| Cli::try_parse_from([&["wallet-tui"], args].concat());
    assert!(parse(&["--allow-writes"]).expect("parses").allow_writes);
    assert!(parse(&["--allow-writes", "--read-only"]).is_err());
    assert!(parse(&["--allow-writes", "seed"]).expect("before the command").allow_writes);
    assert!(parse(&["seed", "--allow-writes"]).expect("after the command").allow_writes);
    assert!(parse(&["seed", "--currency-attribute", "ccy"]).is_ok());
}

#[test]
fn global_flags_are_accepted_after_the_subcommand_too() {
    let args = [
        "wallet-tui",
        "seed",
        "--users",
        "1000",
        "--table",
        "T_after",
        "--endpoint-url",
        "http://127.0.0.1:4567",
        "--region",
        "eu-west-1",
        "--call-timeout",
        "7",
    ];
    let cli = Cli::try_parse_from(args).expect("flags after the subcommand parse");
    assert_eq!(cli.table, "T_after");
    assert_eq!(cli.endpoint_url.as_deref(), Some("http://127.0.0.1:4567"));
    assert_eq!(cli.region.as_deref(), Some("eu-west-1"));
    assert_eq!(cli.call_timeout, 7);
    assert!(matches!(cli.command, Some(Command::Seed { users: 1000, .. })));
    // Before the subcommand, as before.
    let before = Cli::try_parse_from(["wallet-tui", "--table", "T_before", "seed", "--users", "5"])
        .expect("flags before the subcommand parse");
    assert_eq!(before.table, "T_before");
    assert!(matches!(before.command, Some(Command::Seed { users: 5, .. })));
    // Their rules still hold after it.
    let both = ["wallet-tui", "seed", "--local", "--endpoint-url", "http://x"];
    assert!(Cli::try_parse_from(both).is_err(), "--local conflicts with --endpoint-url");
    let port_alone = ["wallet-tui", "seed", "--local-port", "1"];
    assert!(Cli::try_parse_from(port_alone).is_err(), "--local-port needs --local");
}

#[test]
fn version_prints_the_crate_version() {
    let err = Cli::try_parse_from(["wallet-tui", "--version"]).expect_err("--version exits");
    assert_eq!(err.kind(), clap::error::ErrorKind::DisplayVersion);
    let text = err.to_string();
    assert_eq!(text.trim(), format!("wallet-tui {}", env!("CARGO_PKG_VERSION")));
}
