//! End to end in a real pseudo-terminal: the `wallet-tui` binary (the one `cargo test`
//! builds) runs with `--local`, so it installs (once, into the shared cache) and starts its
//! own DynamoDB Local; the test types keys into the terminal and reads the screen through a
//! terminal emulator (vt100). See `support::tui`.
//!
//! - A session creates the table, adds a wallet, edits its balance, exports it and quits; the
//!   terminal is left as it was found, DynamoDB Local is stopped, the data is then read back
//!   with the SDK from the data dir the session wrote, and every file the session kept is
//!   owner-only (an existing journal and data dir that other users could read are tightened,
//!   and the screen says so).
//! - SIGTERM, SIGINT and SIGQUIT restore the terminal and stop DynamoDB Local too.
//! - SIGKILL (no code of ours runs) leaves no DynamoDB Local running: the kernel stops it.
//! - A terminal set-up refused half-way (raw mode on, then mouse capture) is undone before
//!   the error is printed.
//! - `y` / `Y` write the exact OSC 52 clipboard sequences (read from the raw bytes the
//!   program wrote, which the emulator does not keep), against an `--endpoint-url` server.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use portable_pty::CommandBuilder;
use rstest::rstest;
use wallet_tui::local::{self, DynamoDbLocalOptions, Storage};

use crate::support;
use crate::support::tui::{
    BACKSPACE, END, ENTER, START_LIMIT, STEP_LIMIT, TAB, Tui, answers, java_processes, temp_dir,
    wait_until_closed, wait_until_no_java,
};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).expect("metadata").permissions().mode() & 0o777
}

/// A journal and a data dir as an older wallet-tui left them: readable by every local user.
fn wide_leftovers(journal: &Path, data: &Path) {
    std::fs::write(journal, "").expect("an old journal");
    std::fs::set_permissions(journal, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    std::fs::create_dir_all(data).expect("an old data dir");
    std::fs::set_permissions(data, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// Sets the focused text field to `text`.
fn replace_field(tui: &mut Tui, text: &str, old_len: usize) {
    tui.send(END);
    for _ in 0..old_len {
        tui.send(BACKSPACE);
    }
    tui.type_text(text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_creates_the_table_adds_and_edits_a_wallet_and_quits_cleanly() {
    let dir = temp_dir("e2e");
    let data = dir.join("dynamodb");
    let port = local::free_port().expect("a free port").to_string();
    let table = "e2e_wallets";
    let user_id = uuid::Uuid::new_v4().to_string();
    let log = dir.join("wallet-tui.log");
    let journal = dir.join("journal.jsonl");
    let export = dir.join("wallets.csv");
    wide_leftovers(&journal, &data);
    let args = [
        "--local",
        "--local-port",
        &port,
        "--local-data-dir",
        data.to_str().expect("UTF-8 path"),
        "--table",
        table,
        "--log-file",
        log.to_str().expect("UTF-8 path"),
        "--journal",
        journal.to_str().expect("UTF-8 path"),
    ];
    let mut tui = Tui::start(&args, &dir);
    tui.wait_for(&format!("table {table} does not exist"), START_LIMIT);
    tui.wait_for("journal made owner-only (was 0644)", STEP_LIMIT);
    tui.wait_for("DynamoDB Local data dir made owner-only (was 0755)", STEP_LIMIT);
    tui.wait_for(&format!("Local   port {port} · all interfaces"), STEP_LIMIT);

    tui.send("c");
    tui.wait_for(&format!("Create table {table}"), STEP_LIMIT);
    tui.send(ENTER);
    tui.wait_for("ACTIVE", STEP_LIMIT);

    tui.send("n");
    tui.wait_for("New wallet", STEP_LIMIT);
    replace_field(&mut tui, &user_id, 40);
    tui.send(TAB);
    replace_field(&mut tui, "12.50", 1);
    tui.send(ENTER);
    tui.wait_for("create: balance 12.5", STEP_LIMIT);

    tui.send("e");
    tui.wait_for("New balance", STEP_LIMIT);
    replace_field(&mut tui, "99.99", 10);
    tui.send(ENTER);
    tui.wait_for("12.5 → 99.99 (+87.49)", STEP_LIMIT);
    tui.send(ENTER);
    tui.wait_for("set: balance 99.99", STEP_LIMIT);

    tui.send("E");
    tui.wait_for("Export wallets", STEP_LIMIT);
    tui.send(TAB);
    replace_field(&mut tui, export.to_str().expect("UTF-8 path"), 60);
    tui.send(ENTER);
    tui.wait_for("exported 1 wallet to", STEP_LIMIT);

    tui.send("q");
    let status = tui.wait_exit(STEP_LIMIT);
    assert!(status.success(), "exit status {status:?}");
    tui.assert_restored();
    let port: u16 = port.parse().expect("a port");
    wait_until_closed(port, Duration::from_secs(10));

    // Every file the session kept is its user's only.
    assert_eq!(mode(&journal), 0o600, "journal");
    assert_eq!(mode(&log), 0o600, "log");
    assert_eq!(mode(&export), 0o600, "export");
    assert_eq!(mode(&data), 0o700, "data dir");
    let stored: Vec<_> = std::fs::read_dir(&data).expect("data dir").flatten().collect();
    assert!(!stored.is_empty(), "DynamoDB Local stored the table in {}", data.display());
    for file in stored {
        assert_eq!(mode(&file.path()), 0o600, "{}", file.path().display());
    }
    assert!(!data.join(local::PIDFILE_NAME).exists(), "the pidfile goes with the server");

    // What the session stored, read back with the SDK from the data dir it used.
    let opts = DynamoDbLocalOptions {
        port: local::free_port().expect("a free port"),
        storage: Storage::Dir(data.clone()),
        max_heap_mb: 256,
        delay_transient_statuses: false,
    };
    let server = local::start_dynamodb_local(&opts, &|line| eprintln!("[dynamodb-local] {line}"))
        .await
        .expect("restart DynamoDB Local on the session's data");
    let client = support::sdk_client(&server.endpoint());
    let items = support::scan_items(&client, table).await;
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0].get("user_id"), Some(&AttributeValue::S(user_id.clone())));
    assert_eq!(items[0].get("balance"), Some(&AttributeValue::N("99.99".into())));
    server.stop().await;

    let entries = wallet_tui::journal::read_all(&journal).expect("journal");
    let ops: Vec<_> = entries.iter().map(|e| (e.operation.as_str(), e.new.as_deref())).collect();
    assert_eq!(ops, [("create", Some("12.5")), ("set", Some("99.99"))]);
    let csv = std::fs::read_to_string(&export).expect("the export");
    assert_eq!(csv, format!("user_id,balance\n{user_id},99.99\n"));
    std::fs::remove_dir_all(&dir).expect("remove the temp dir");
}

#[rstest]
#[case::sigterm(libc::SIGTERM)]
#[case::sigint(libc::SIGINT)]
#[case::sigquit(libc::SIGQUIT)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signal_restores_the_terminal_and_stops_dynamodb_local(#[case] signal: libc::c_int) {
    let dir = temp_dir("e2e-signal");
    let port = local::free_port().expect("a free port");
    let port_text = port.to_string();
    let log = dir.join("wallet-tui.log");
    let args = [
        "--local",
        "--local-port",
        &port_text,
        "--local-in-memory",
        "--log-file",
        log.to_str().expect("UTF-8 path"),
    ];
    let mut tui = Tui::start(&args, &dir);
    tui.wait_for("does not exist", START_LIMIT);
    assert!(answers(port), "DynamoDB Local is up");
    {
        let parser = tui.screen.lock().expect("screen lock");
        assert!(parser.screen().alternate_screen(), "the UI draws on the alternate screen");
    }

    tui.signal(signal);
    let status = tui.wait_exit(STEP_LIMIT);
    assert!(status.success(), "a clean exit after signal {signal}: {status:?}");
    tui.assert_restored();
    wait_until_closed(port, Duration::from_secs(10));
    std::fs::remove_dir_all(&dir).expect("remove the temp dir");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_leaves_no_dynamodb_local_running() {
    let dir = temp_dir("e2e-kill");
    let data = dir.join("dynamodb");
    let data_text = data.to_str().expect("UTF-8 path").to_string();
    let port = local::free_port().expect("a free port");
    let port_text = port.to_string();
    let log = dir.join("wallet-tui.log");
    let args = [
        "--local",
        "--local-port",
        &port_text,
        "--local-data-dir",
        &data_text,
        "--log-file",
        log.to_str().expect("UTF-8 path"),
    ];
    // Under a shell that stays the terminal's session leader: when wallet-tui dies, nobody
    // hangs up the terminal, so only the parent-death signal can stop the server.
    let mut cmd = CommandBuilder::new("sh");
    cmd.args(["-c", r#""$0" "$@"; exec sleep 120"#, env!("CARGO_BIN_EXE_wallet-tui")]);
    cmd.args(args);
    let mut tui = Tui::spawn(cmd, &dir);
    tui.wait_for("does not exist", START_LIMIT);
    let servers = java_processes(&data_text);
    assert_eq!(servers.len(), 1, "one DynamoDB Local on this test's data dir: {servers:#?}");
    assert!(servers[0].1.contains(&format!("-port {port}")), "{servers:?}");
    let pidfile = std::fs::read(data.join(local::PIDFILE_NAME)).expect("a pidfile names it");
    let record: serde_json::Value = serde_json::from_slice(&pidfile).expect("a pidfile");
    let app = record["owner_pid"].as_i64().expect("the app's pid") as libc::pid_t;

    // SAFETY: kill(2) of the wallet-tui this test started; no memory is touched.
    unsafe { libc::kill(app, libc::SIGKILL) };
    wait_until_no_java(&data_text, Duration::from_secs(30));
    wait_until_closed(port, Duration::from_secs(10));
    tui.signal(libc::SIGKILL);
    tui.wait_exit(STEP_LIMIT);
    std::fs::remove_dir_all(&dir).expect("remove the temp dir");
}

/// The binary's stdout is a file that may grow by exactly the 8 bytes of "enter the alternate
/// screen" (`ulimit -f` with SIGXFSZ ignored): raw mode goes on, the alternate screen is
/// entered, and the next write, mouse capture, is refused (EFBIG).
#[test]
fn a_terminal_set_up_refused_half_way_is_undone_before_the_error() {
    const ENTER_ALTERNATE_SCREEN: usize = "\x1b[?1049h".len();
    let dir = temp_dir("e2e-setup");
    let out = dir.join("stdout");
    let script = format!(
        "trap '' XFSZ; head -c {} /dev/zero > \"$OUT\"; ulimit -f 1; \
         exec \"$0\" \"$@\" >> \"$OUT\"",
        512 - ENTER_ALTERNATE_SCREEN
    );
    let mut cmd = CommandBuilder::new("sh");
    cmd.args(["-c", &script, env!("CARGO_BIN_EXE_wallet-tui")]);
    cmd.args(["--endpoint-url", "http://127.0.0.1:9", "--region", "us-east-1"]);
    cmd.arg("--log-file");
    cmd.arg(dir.join("wallet-tui.log"));
    cmd.env("OUT", &out);
    // The report without a backtrace fits on the screen.
    cmd.env("RUST_BACKTRACE", "0");
    cmd.env("RUST_LIB_BACKTRACE", "0");
    let mut tui = Tui::spawn(cmd, &dir);
    let status = tui.wait_exit(STEP_LIMIT);
    assert!(!status.success(), "the set-up failed: {status:?}");
    let written = std::fs::read(&out).expect("stdout file");
    assert!(written.ends_with(b"\x1b[?1049h"), "the alternate screen was entered: {written:?}");
    assert!(tui.is_cooked(), "raw mode left on:\n{}", tui.contents());
    let screen = tui.contents();
    assert!(screen.contains("setting up the terminal"), "the error is printed:\n{screen}");
    assert!(screen.contains("File too large"), "and why:\n{screen}");
    std::fs::remove_dir_all(&dir).expect("remove the temp dir");
}

/// `y` and `Y` send the exact OSC 52 sequences (the selected wallet as JSON, its user_id,
/// base64) to the terminal, and the status line says so. Against a DynamoDB Local the test
/// starts, reached with `--endpoint-url`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn y_and_capital_y_send_the_osc52_clipboard_sequences() {
    use base64::Engine;
    let server = support::dynamodb_local().await;
    let raw = support::sdk_client(&server.endpoint());
    let table = support::unique_table("e2e_copy_");
    support::create_wallet_table(&raw, &table, &wallet_tui::table::BillingMode::OnDemand).await;
    let user_id = uuid::Uuid::new_v4().to_string();
    support::put_wallets(&raw, &table, [(user_id.as_str(), "12.5")]).await;

    let dir = temp_dir("e2e-copy");
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_wallet-tui"));
    let log = dir.join("wallet-tui.log");
    let journal = dir.join("journal.jsonl");
    cmd.args(["--endpoint-url", &server.endpoint(), "--region", "us-east-1", "--table", &table]);
    cmd.args([
        "--log-file",
        log.to_str().expect("UTF-8"),
        "--journal",
        journal.to_str().expect("UTF-8"),
    ]);
    cmd.env("AWS_ACCESS_KEY_ID", wallet_tui::worker::LOCAL_ACCESS_KEY);
    cmd.env("AWS_SECRET_ACCESS_KEY", "local");
    let mut tui = Tui::spawn(cmd, &dir);
    tui.wait_for(&user_id, STEP_LIMIT);

    tui.send("y");
    let json = format!("{{\n  \"user_id\": \"{user_id}\",\n  \"balance\": 12.5\n}}");
    let b64 = base64::engine::general_purpose::STANDARD;
    let sequence = format!("\x1b]52;c;{}\x07", b64.encode(&json));
    tui.wait_for_bytes(sequence.as_bytes(), STEP_LIMIT);
    tui.wait_for(
        &format!("copied wallet as JSON ({} bytes) to the clipboard", json.len()),
        STEP_LIMIT,
    );

    tui.send("Y");
    let sequence = format!("\x1b]52;c;{}\x07", b64.encode(&user_id));
    tui.wait_for_bytes(sequence.as_bytes(), STEP_LIMIT);
    tui.wait_for("copied user_id to the clipboard (OSC 52)", STEP_LIMIT);

    tui.send("q");
    tui.wait_exit(STEP_LIMIT);
    tui.assert_restored();
    support::delete_table(&raw, &table).await;
    server.stop().await;
    std::fs::remove_dir_all(&dir).expect("remove the test dir");
}
