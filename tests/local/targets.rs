//! Where writes go, and the guard on protected targets: the title bar of the real binary names
//! the endpoint its calls really go to (DynamoDB Local here) for each way of choosing one,
//! with "account unknown" (DynamoDB Local has no STS) in bounded time; a protected profile
//! starts read-only and its worker refuses writes before the wire; `--allow-writes` plus the
//! typed table name lets one through.
//!
//! Each run of the binary gets its own environment (cleared, then only what the case sets)
//! and its own AWS config and credentials files: nothing process-wide is changed.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use portable_pty::CommandBuilder;
use wallet_tui::error::{ApiError, ErrorKind};
use wallet_tui::local::LocalServer;
use wallet_tui::msg::{Request, Response};
use wallet_tui::table::{BillingMode, CreateTableSpec};
use wallet_tui::target::{Account, Protect, WriteMode};
use wallet_tui::worker::{self, Connect, IdentitySource, LOCAL_ACCESS_KEY, WorkerOptions};
use wallet_tui::write::{WriteError, WriteKind};

use crate::support::fixture::ProxiedTable;
use crate::support::tui::{ENTER, STEP_LIMIT, Tui, temp_dir};
use crate::support::{self, bal, call, write};

/// How long the account lookup may take on DynamoDB Local before the test calls it a hang:
/// the app's limit is 4 s per step (credentials, then STS), plus the start.
const ACCOUNT_LIMIT: Duration = Duration::from_secs(15);
/// The region the tables are made in (DynamoDB Local keeps tables per access key and region).
const REGION: &str = "us-east-1";
const SECRET: &str = "local";

/// A short unique table name: the title bar (140 columns here) must keep room for the rest.
fn short_table() -> String {
    format!("tg{}", &uuid::Uuid::new_v4().simple().to_string()[..8])
}

/// One run's AWS files and environment, in its own directory.
struct Run {
    dir: PathBuf,
    env: Vec<(String, String)>,
    args: Vec<String>,
}

impl Run {
    /// A run on `table`: the AWS config file holds `aws_config`, the credentials file the test
    /// key for the profiles `dev` and `default`; wallet-tui's own config holds `config`.
    fn new(name: &str, table: &str, aws_config: &str, config: &str) -> Run {
        let dir = temp_dir(name);
        let aws_config_file = dir.join("aws-config");
        let credentials_file = dir.join("aws-credentials");
        std::fs::write(&aws_config_file, aws_config).expect("write the AWS config");
        let keys =
            format!("aws_access_key_id = {LOCAL_ACCESS_KEY}\naws_secret_access_key = {SECRET}\n");
        std::fs::write(&credentials_file, format!("[default]\n{keys}[dev]\n{keys}"))
            .expect("write the AWS credentials");
        std::fs::write(dir.join("config.toml"), config).expect("write wallet-tui's config");
        let path = |p: &Path| p.to_str().expect("UTF-8 path").to_string();
        let env = vec![
            ("HOME".to_string(), path(&dir)),
            ("AWS_CONFIG_FILE".to_string(), path(&aws_config_file)),
            ("AWS_SHARED_CREDENTIALS_FILE".to_string(), path(&credentials_file)),
        ];
        Run { dir, env, args: vec!["--table".into(), table.into()] }
    }

    fn env(mut self, var: &str, value: &str) -> Run {
        self.env.push((var.to_string(), value.to_string()));
        self
    }

    fn args(mut self, args: &[&str]) -> Run {
        self.args.extend(args.iter().map(|a| a.to_string()));
        self
    }

    /// The binary in a pseudo-terminal with only this run's environment.
    fn start(&self) -> Tui {
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_wallet-tui"));
        cmd.env_clear();
        for (var, value) in &self.env {
            cmd.env(var, value);
        }
        cmd.args(&self.args);
        Tui::spawn(cmd, &self.dir)
    }

    fn finish(self) {
        std::fs::remove_dir_all(&self.dir).expect("remove the temp dir");
    }
}

/// The first row of the screen: the title bar.
fn title(tui: &Tui) -> String {
    tui.contents().lines().next().unwrap_or_default().to_string()
}

/// DynamoDB Local with one wallet table `table`, made with the key the runs use.
async fn server_with_table(table: &str) -> LocalServer {
    let server = support::dynamodb_local().await;
    let raw = support::sdk_client(&server.endpoint());
    support::create_wallet_table(&raw, table, &BillingMode::OnDemand).await;
    server
}

/// Runs the binary as `run` says and checks that its title names `url` (with the region,
/// the profile and the credentials' source given), that its calls reach the table there
/// (ACTIVE), and that the account is said to be unknown, in bounded time.
fn expect_endpoint(run: Run, url: &str, profile: &str, creds: &str) {
    let started = Instant::now();
    let mut tui = run.start();
    tui.wait_for("ACTIVE", STEP_LIMIT);
    tui.wait_for("account unknown", ACCOUNT_LIMIT);
    let took = started.elapsed();
    assert!(took < ACCOUNT_LIMIT, "the account lookup took {took:?}");
    let title = title(&tui);
    for part in [
        format!("│ {url} {REGION} · account unknown"),
        format!("profile {profile}"),
        format!("creds {creds}"),
    ] {
        assert!(title.contains(&part), "{part:?} not in the title:\n{title}");
    }
    assert!(title.contains("WRITABLE"), "the mode is said: {title}");
    assert!(!title.contains(LOCAL_ACCESS_KEY) && !title.contains(SECRET), "no keys: {title}");
    tui.send("q");
    tui.wait_exit(STEP_LIMIT);
    run.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_title_names_the_endpoint_however_it_was_chosen() {
    let table = short_table();
    let server = server_with_table(&table).await;
    let url = server.endpoint();
    let region = format!("region = {REGION}\n");
    let plain = format!("[default]\n{region}");

    let run = Run::new("tg-flag", &table, &plain, "").args(&["--endpoint-url", &url]);
    expect_endpoint(run, &url, "default", "profile");

    let run = Run::new("tg-env-ddb", &table, &plain, "")
        .env("AWS_ENDPOINT_URL_DYNAMODB", &url)
        .env("AWS_ACCESS_KEY_ID", LOCAL_ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET);
    expect_endpoint(run, &url, "default", "env");

    let run = Run::new("tg-env", &table, &plain, "").env("AWS_ENDPOINT_URL", &url);
    expect_endpoint(run, &url, "default", "profile");

    let config = format!("endpoint_url = \"{url}\"\n");
    let run = Run::new("tg-config", &table, &plain, &config);
    expect_endpoint(run, &url, "default", "profile");

    // The case: a profile whose endpoint_url points at a local server.
    let profile = format!("[profile dev]\n{region}endpoint_url = {url}\n");
    let run = Run::new("tg-profile", &table, &profile, "").args(&["--profile", "dev"]);
    expect_endpoint(run, &url, "dev", "profile");

    let services = format!(
        "[profile dev]\n{region}services = local-ddb\n\n[services local-ddb]\ndynamodb =\n  endpoint_url = {url}\n"
    );
    let run = Run::new("tg-services", &table, &services, "").env("AWS_PROFILE", "dev");
    expect_endpoint(run, &url, "dev", "profile");

    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_protected_profile_starts_read_only_and_allow_writes_with_the_name_lets_one_through() {
    let table = short_table();
    let server = server_with_table(&table).await;
    let url = server.endpoint();
    let profile = format!("[profile dev]\nregion = {REGION}\nendpoint_url = {url}\n");
    let protect = "protect = [\"dev\"]\n";

    let run = Run::new("tg-protected", &table, &profile, protect).args(&["--profile", "dev"]);
    let mut tui = run.start();
    tui.wait_for("ACTIVE", STEP_LIMIT);
    assert!(title(&tui).contains("READ-ONLY · protected profile dev"), "{}", title(&tui));
    tui.send("n");
    tui.wait_for(
        "profile dev is protected: editing wallets needs wallet-tui started with --allow-writes",
        STEP_LIMIT,
    );
    tui.send("q");
    tui.wait_exit(STEP_LIMIT);
    run.finish();

    let run = Run::new("tg-allowed", &table, &profile, protect).args(&[
        "--profile",
        "dev",
        "--allow-writes",
    ]);
    let mut tui = run.start();
    tui.wait_for("ACTIVE", STEP_LIMIT);
    assert!(title(&tui).contains("WRITES ALLOWED · protected profile dev"), "{}", title(&tui));
    tui.send("n");
    tui.wait_for("Protected: profile dev", STEP_LIMIT);
    tui.type_text("wrong");
    tui.send(ENTER);
    tui.wait_for(&format!("type {table} exactly to write to it"), STEP_LIMIT);
    for _ in 0.."wrong".len() {
        tui.send(crate::support::tui::BACKSPACE);
    }
    tui.type_text(&table);
    tui.send(ENTER);
    tui.wait_for("New wallet", STEP_LIMIT);
    tui.send(ENTER);
    tui.wait_for(": balance 0", STEP_LIMIT);
    tui.send("q");
    tui.wait_exit(STEP_LIMIT);
    run.finish();

    let raw = support::sdk_client(&url);
    assert_eq!(support::scan_items(&raw, &table).await.len(), 1, "one wallet written");
    drop(server);
}

/// Worker options of a protected profile `dev` (without `--allow-writes` unless `allow`).
fn protected_dev(allow: bool) -> WorkerOptions {
    WorkerOptions {
        protect: Protect::new(vec!["dev".into()]),
        profile: Some("dev".into()),
        allow_writes: allow,
        ..WorkerOptions::default()
    }
}

#[tokio::test]
async fn a_protected_profile_s_worker_sends_no_write_to_the_wire() {
    let id = uuid::Uuid::new_v4().to_string();
    let mut f = ProxiedTable::start(
        "tg_ro_",
        [(id.as_str(), "4")],
        Default::default(),
        protected_dev(false),
    )
    .await;
    let deposit = write(
        &id,
        WriteKind::SetBalance {
            seen: Some(bal("4")),
            new: bal("5"),
            reason: wallet_tui::write::EditReason::Deposit(bal("1")),
        },
    );
    match call(&mut f.worker, Request::Write { table: f.table.clone(), write: deposit }).await {
        Response::Written {
            result: Err(WriteError::Refused(ApiError { kind: ErrorKind::ReadOnly, message, .. })),
            ..
        } => {
            assert!(message.contains("profile dev is protected"), "{message}");
        }
        other => panic!("a protected profile's write: {other:?}"),
    }
    let spec =
        CreateTableSpec { name: support::unique_table("tg_new_"), billing: BillingMode::OnDemand };
    match call(&mut f.worker, Request::CreateTable { spec }).await {
        Response::Created { result: Err(ApiError { kind: ErrorKind::ReadOnly, .. }), .. } => {}
        other => panic!("a protected profile's CreateTable: {other:?}"),
    }
    match call(&mut f.worker, Request::DeleteTable { table: f.table.clone() }).await {
        Response::Deleted { result: Err(ApiError { kind: ErrorKind::ReadOnly, .. }), .. } => {}
        other => panic!("a protected profile's DeleteTable: {other:?}"),
    }
    match call(&mut f.worker, Request::DescribeTable { table: f.table.clone() }).await {
        Response::Described { result: Ok(Some(_)), .. } => {}
        other => panic!("a protected profile's reads go through: {other:?}"),
    }
    let forwarded = f.proxy.forwarded();
    let writes: Vec<_> = forwarded
        .iter()
        .filter(|t| {
            ["Put", "Update", "Delete", "Create", "TransactWrite", "BatchWrite"]
                .iter()
                .any(|w| t.contains(w))
        })
        .collect();
    assert!(writes.is_empty(), "writes reached the wire: {writes:?}");
    assert!(
        forwarded.iter().any(|t| t.contains("DescribeTable")),
        "reads go through: {forwarded:?}"
    );
    match call(&mut f.worker, Request::Identify).await {
        Response::Identified { mode: Some(WriteMode::Protected { target }), identity } => {
            assert_eq!(target, "profile dev");
            assert!(matches!(identity.account, Account::Unknown(_)), "{identity:?}");
        }
        other => panic!("Identify: {other:?}"),
    }
    assert_eq!(f.stored_balance(&id).await.as_deref(), Some("4"), "unchanged");
    f.finish().await;
}

#[tokio::test]
async fn allow_writes_lets_a_protected_profile_s_write_through_the_worker() {
    let id = uuid::Uuid::new_v4().to_string();
    let mut f = ProxiedTable::start(
        "tg_rw_",
        [(id.as_str(), "4")],
        Default::default(),
        protected_dev(true),
    )
    .await;
    let deposit = write(
        &id,
        WriteKind::SetBalance {
            seen: Some(bal("4")),
            new: bal("5"),
            reason: wallet_tui::write::EditReason::Deposit(bal("1")),
        },
    );
    match call(&mut f.worker, Request::Write { table: f.table.clone(), write: deposit }).await {
        Response::Written { result: Ok(_), .. } => {}
        other => panic!("an allowed write: {other:?}"),
    }
    assert!(f.proxy.count_requests_with("TransactWriteItems") >= 1, "{:?}", f.proxy.forwarded());
    assert_eq!(f.stored_balance(&id).await.as_deref(), Some("5"));
    f.finish().await;
}

#[tokio::test]
async fn the_account_lookup_ends_in_time_on_an_endpoint_that_never_answers() {
    // Accepts connections and never answers a byte.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("listen");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    let connect = Connect { endpoint_url: Some(url.clone()), local: true, ..Default::default() };
    let config = worker::load_sdk_config(&connect).await;
    let limit = Duration::from_secs(2);
    let source = IdentitySource { config, endpoint: Some(url), timeout: limit };
    let started = Instant::now();
    let identity = worker::identify(&source).await;
    let took = started.elapsed();
    assert!(took < limit * 3, "the lookup took {took:?}");
    assert_eq!(identity.credentials.as_deref(), Ok("static"), "{identity:?}");
    match identity.account {
        Account::Unknown(why) => {
            assert!(why.contains("in time") || why.contains("within"), "{why}")
        }
        other => panic!("no answer, yet {other:?}"),
    }
    held.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_refuses_a_protected_profile_unless_writes_are_allowed() {
    let table = short_table();
    let server = server_with_table(&table).await;
    let url = server.endpoint();
    let profile = format!("[profile dev]\nregion = {REGION}\nendpoint_url = {url}\n");
    let run = Run::new("tg-seed", &table, &profile, "protect = [\"dev\"]\n");
    let seed = |allow: bool| {
        let mut cmd = crate::support::tui::binary(&run.dir);
        for var in ["AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL"] {
            cmd.env_remove(var);
        }
        for var in ["AWS_ENDPOINT_URL_DYNAMODB", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] {
            cmd.env_remove(var);
        }
        cmd.env_remove("AWS_SESSION_TOKEN").envs(run.env.iter().cloned());
        cmd.args(&run.args).args(["--profile", "dev"]);
        if allow {
            cmd.arg("--allow-writes");
        }
        cmd.args(["seed", "--users", "3"]).output().expect("run wallet-tui seed")
    };
    let refused = seed(false);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "refused: {stderr}");
    assert!(stderr.contains("profile dev is protected"), "{stderr}");
    let raw = support::sdk_client(&url);
    assert!(support::scan_items(&raw, &table).await.is_empty(), "nothing written");

    let allowed = seed(true);
    let stderr = String::from_utf8_lossy(&allowed.stderr);
    assert!(allowed.status.success(), "allowed: {stderr}");
    assert_eq!(support::scan_items(&raw, &table).await.len(), 3, "{stderr}");
    run.finish();
    drop(server);
}
