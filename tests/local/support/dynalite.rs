//! dynalite, a Node.js DynamoDB emulator that, unlike DynamoDB Local, keeps a table
//! `CREATING` / `UPDATING` / `DELETING` for a configurable time. Only the tests use it.
//!
//! It is installed and run with the library's general pieces (`wallet_tui::local`): the
//! pinned npm package goes into the same cache as DynamoDB Local, on first use.

use std::io;
use std::path::{Path, PathBuf};

use color_eyre::eyre::{Result, eyre};
use tokio::process::Command;
use wallet_tui::local::{self, LocalServer, NpmPackage, Progress};

/// npm package (with exact version) of dynalite.
pub const DYNALITE_NPM: &str = "dynalite@4.0.0";

const NAME: &str = "dynalite";
const NPM_NOT_FOUND: &str =
    "npm not found: needed once to download dynalite (e.g. apt-get install npm)";
const NODE_NOT_FOUND: &str = "node not found: dynalite needs Node.js (e.g. apt-get install nodejs)";

/// How to start dynalite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynaliteOptions {
    /// TCP port to listen on, on 127.0.0.1 (see `local::free_port`).
    pub port: u16,
    /// How long a new table stays `CREATING`, in milliseconds.
    pub create_table_ms: u64,
    /// How long an updated table stays `UPDATING`, in milliseconds.
    pub update_table_ms: u64,
    /// How long a deleted table stays `DELETING`, in milliseconds.
    pub delete_table_ms: u64,
}

/// Starts dynalite on 127.0.0.1, installing it first if needed, and waits until it accepts
/// connections. Tables are kept in memory.
pub async fn start_dynalite(opts: &DynaliteOptions, progress: Progress<'_>) -> Result<LocalServer> {
    check_node().await?;
    local::ensure_port_unused(NAME, opts.port).await?;
    let display = format!("{NAME} {}", local::npm_version(DYNALITE_NPM));
    let package = NpmPackage {
        spec: DYNALITE_NPM,
        display: &display,
        npm_not_found: NPM_NOT_FOUND,
        is_installed: &|p| dynalite_cli(p).is_file(),
    };
    let prefix = local::ensure_installed(&package, progress).await?;
    let cmd = dynalite_command(&prefix, opts);
    local::start_server(NAME, opts.port, cmd, spawn_error, progress).await
}

/// `node <cli.js> --host 127.0.0.1 --port … --createTableMs …`, run in the npm prefix.
fn dynalite_command(prefix: &Path, opts: &DynaliteOptions) -> Command {
    let mut cmd = Command::new("node");
    cmd.arg(dynalite_cli(prefix))
        .args(["--host", "127.0.0.1", "--port"])
        .arg(opts.port.to_string())
        .arg("--createTableMs")
        .arg(opts.create_table_ms.to_string())
        .arg("--updateTableMs")
        .arg(opts.update_table_ms.to_string())
        .arg("--deleteTableMs")
        .arg(opts.delete_table_ms.to_string())
        .current_dir(prefix);
    cmd
}

/// dynalite's command-line entry point inside an npm prefix.
fn dynalite_cli(prefix: &Path) -> PathBuf {
    prefix.join("node_modules").join("dynalite").join("cli.js")
}

/// Refuses a missing `node`.
async fn check_node() -> Result<()> {
    local::run_quick(Command::new("node").arg("--version")).await.map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            eyre!(NODE_NOT_FOUND)
        } else {
            eyre!("cannot run node --version: {e}")
        }
    })?;
    Ok(())
}

/// The error message when node could not be spawned.
fn spawn_error(e: &io::Error) -> String {
    if e.kind() == io::ErrorKind::NotFound {
        NODE_NOT_FOUND.to_string()
    } else {
        format!("cannot run node: {e}")
    }
}
