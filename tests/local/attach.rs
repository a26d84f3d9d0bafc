//! `--local` uses a server it did not start only if it is DynamoDB, and knows its own servers
//! on a data directory: the binary (the TUI in a pseudo-terminal, and `wallet-tui seed`)
//! against a web server on the port, against a DynamoDB Local already running (used, with a
//! note that the storage flags do not apply), against one another process still uses on the
//! same data directory, and against one an earlier run left behind.

use std::process::Output;
use std::time::Duration;

use wallet_tui::local::{self, DynamoDbLocalOptions, PidFile, Storage};

use crate::support::fake_http::FakeHttp;
use crate::support::tui::{
    STEP_LIMIT, Tui, binary, java_processes, temp_dir, wait_until_closed, wait_until_no_java,
};
use crate::support::{self, sdk_client};

const LIST_TABLES: &str = "DynamoDB_20120810.ListTables";
/// Starting DynamoDB Local (and installing it on a first run) takes a while.
const SEED_LIMIT: Duration = Duration::from_secs(240);

/// `wallet-tui --local --local-port <port> --local-data-dir <data> seed --users 10`.
fn seed(dir: &std::path::Path, port: u16, data: &std::path::Path, table: &str) -> Output {
    binary(dir)
        .args(["--local", "--local-port", &port.to_string(), "--local-data-dir"])
        .arg(data)
        .args(["--table", table, "--log-file"])
        .arg(dir.join("wallet-tui.log"))
        .args(["seed", "--users", "10"])
        .output()
        .expect("run wallet-tui seed")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// What the fake server was asked: only the probe, one ListTables, and nothing else.
fn assert_only_probed(server: &FakeHttp) {
    let targets: Vec<Option<String>> = server.seen().into_iter().map(|s| s.target).collect();
    assert_eq!(targets, [Some(LIST_TABLES.to_string())], "requests: {:#?}", server.seen());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tui_does_not_attach_to_a_web_server_on_the_port() {
    let web = FakeHttp::start().await;
    let dir = temp_dir("attach-web-tui");
    let port = web.port.to_string();
    let data = dir.join("dynamodb");
    let log = dir.join("wallet-tui.log");
    let args = [
        "--local",
        "--local-port",
        &port,
        "--local-data-dir",
        data.to_str().expect("UTF-8 path"),
        "--log-file",
        log.to_str().expect("UTF-8 path"),
    ];
    let mut tui = Tui::start(&args, &dir);
    let refusal =
        format!("port {port} is taken by something that is not DynamoDB Local; use --local-port");
    tui.wait_for(&refusal, STEP_LIMIT);
    tui.wait_for("DynamoDB Local is not available", STEP_LIMIT);
    // Demo data, a new table, a new wallet: none may reach the web server.
    for key in ["S", "c", "n"] {
        tui.send(key);
    }
    tui.send("q");
    let status = tui.wait_exit(STEP_LIMIT);
    assert!(status.success(), "{status:?}");
    tui.assert_restored();
    assert_only_probed(&web);
    assert!(java_processes(&format!("-port {port}")).is_empty(), "no DynamoDB Local started");
    std::fs::remove_dir_all(&dir).expect("remove the temp dir");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_does_not_write_to_a_web_server_on_the_port() {
    let web = FakeHttp::start().await;
    let dir = temp_dir("attach-web-seed");
    let output = seed(&dir, web.port, &dir.join("dynamodb"), "wallets");
    let text = stderr(&output);
    assert!(!output.status.success(), "seed refused: {text}");
    let refusal = format!(
        "port {} is taken by something that is not DynamoDB Local; use --local-port",
        web.port
    );
    assert!(text.contains(&refusal), "{text}");
    assert!(!text.contains("starting DynamoDB Local"), "nothing started: {text}");
    assert_only_probed(&web);
    std::fs::remove_dir_all(&dir).expect("remove the temp dir");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dynamodb_local_already_running_is_used_and_its_storage_kept() {
    let server = support::dynamodb_local().await;
    let dir = temp_dir("attach-dynamodb");
    let output = seed(&dir, server.port(), &dir.join("unused"), "attached");
    let text = stderr(&output);
    assert!(output.status.success(), "{text}");
    let note = format!(
        "attached to the DynamoDB Local already running on port {}: --local-in-memory and \
         --local-data-dir do not apply to it",
        server.port()
    );
    assert!(text.contains(&note), "{text}");
    assert!(!text.contains("starting DynamoDB Local"), "nothing started: {text}");
    let items = support::scan_items(&sdk_client(&server.endpoint()), "attached").await;
    assert_eq!(items.len(), 10, "written to the server that was running");
    server.stop().await;
    std::fs::remove_dir_all(&dir).expect("remove the temp dir");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_of_ours_on_the_data_dir_is_shared_refused_or_stopped() {
    let dir = temp_dir("attach-leftover");
    let data = dir.join("dynamodb");
    let port = local::free_port().expect("a free port");
    let opts = DynamoDbLocalOptions {
        port,
        storage: Storage::Dir(data.clone()),
        max_heap_mb: 256,
        delay_transient_statuses: false,
    };
    let mut server = local::start_dynamodb_local(&opts, &|l| eprintln!("[dynamodb-local] {l}"))
        .await
        .expect("start DynamoDB Local");
    let data = std::path::absolute(&data).expect("absolute");
    let record = PidFile::read(&data).expect("a pidfile in the data dir");
    assert_eq!((record.server_pid, record.port), (server.pid().expect("pid"), port));
    let data_text = data.to_str().expect("UTF-8 path").to_string();

    // Another port on a data dir in use (this test process started its server): refused.
    let other = local::free_port().expect("a free port");
    let output = seed(&dir, other, &data, "refused");
    let text = stderr(&output);
    assert!(!output.status.success(), "{text}");
    assert!(text.contains(&format!("is in use by DynamoDB Local on port {port}")), "{text}");
    assert!(text.contains(&format!("use --local-port {port}")), "{text}");
    assert_eq!(java_processes(&data_text).len(), 1, "no second server on the data dir");

    // Its starter gone (as after a crash of an older wallet-tui): stopped, then replaced.
    let mut gone = std::process::Command::new("true").spawn().expect("spawn");
    gone.wait().expect("reap");
    let gone = gone.id();
    let orphan = PidFile { owner_pid: gone, ..record.clone() };
    std::fs::write(data.join(local::PIDFILE_NAME), serde_json::to_vec(&orphan).expect("json"))
        .expect("rewrite the pidfile");
    let output = seed(&dir, port, &data, "seeded");
    let text = stderr(&output);
    assert!(output.status.success(), "{text}");
    let stopped = format!(
        "stopped DynamoDB Local (pid {}, port {port}) left running on {} by an earlier wallet-tui",
        record.server_pid, data_text
    );
    assert!(text.contains(&stopped), "{text}");
    let status = tokio::time::timeout(STEP_LIMIT, server.exited()).await.expect("exited");
    let status = status.expect("an exit status");
    // The JVM handles SIGTERM: it runs its shutdown hooks and exits with 128 + 15.
    assert_eq!(status.code(), Some(128 + libc::SIGTERM), "stopped by SIGTERM: {status:?}");
    wait_until_no_java(&data_text, SEED_LIMIT);
    wait_until_closed(port, Duration::from_secs(10));
    assert!(
        !data.join(local::PIDFILE_NAME).exists(),
        "the seed's own server is gone, and its pidfile"
    );

    // The seed wrote into the data dir, through a server of its own.
    let opts = DynamoDbLocalOptions {
        port,
        storage: Storage::Dir(data.clone()),
        max_heap_mb: 256,
        delay_transient_statuses: false,
    };
    let check = local::start_dynamodb_local(&opts, &|_| {}).await.expect("restart");
    assert_eq!(support::scan_items(&sdk_client(&check.endpoint()), "seeded").await.len(), 10);
    check.stop().await;
    std::fs::remove_dir_all(&dir).expect("remove the temp dir");
}
