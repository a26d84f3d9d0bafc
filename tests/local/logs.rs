//! Logs never hold credentials: a real session of the binary (`wallet-tui seed` against a
//! real DynamoDB Local, started by `support`), with the most verbose logging there is
//! and real-looking credentials in the environment, leaves none of them in the log file.

use std::process::Command;

use crate::support;

/// AWS's documented example credentials, plus a session token of the usual shape.
const ACCESS_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const SESSION_TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKENaCXVzLWVhc3QtMSJHMEUCIQDexample";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_at_trace_level_logs_no_credentials() {
    let server = support::dynamodb_local().await;
    let dir =
        std::env::temp_dir().join(format!("wallet-tui-logs-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let log = dir.join("wallet-tui.log");
    let table = support::unique_table("logs_");
    let config = dir.join("config.toml");
    std::fs::write(&config, "theme = \"mono\"\n").expect("write a config");
    let output = Command::new(env!("CARGO_BIN_EXE_wallet-tui"))
        .args(["--endpoint-url", &server.endpoint(), "--region", "us-east-1", "--table", &table])
        .arg("--log-file")
        .arg(&log)
        .args(["seed", "--users", "30"])
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
        .env("AWS_SESSION_TOKEN", SESSION_TOKEN)
        .env("AWS_CONFIG_FILE", dir.join("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("no-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("WALLET_TUI_LOG", "trace")
        .env("WALLET_TUI_CONFIG", &config)
        .output()
        .expect("run wallet-tui");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "seed failed: {stderr}");

    let text = std::fs::read_to_string(&log).expect("the log file");
    let lines = text.lines().count();
    eprintln!("{lines} log lines, {} bytes", text.len());
    assert!(lines > 20, "the session was logged at trace level: {text}");
    assert!(text.contains("BatchWriteItem"), "the calls are in the log");
    for (what, secret) in [
        ("access key id", ACCESS_KEY_ID),
        ("secret access key", SECRET_ACCESS_KEY),
        ("session token", SESSION_TOKEN),
    ] {
        let found: Vec<&str> = text.lines().filter(|l| l.contains(secret)).take(3).collect();
        assert!(found.is_empty(), "the {what} is in the log: {found:#?}");
        let printed = String::from_utf8_lossy(&output.stdout);
        assert!(!printed.contains(secret) && !stderr.contains(secret), "the {what} was printed");
    }
    server.stop().await;
    std::fs::remove_dir_all(&dir).expect("remove the temp dir");
}
