//! The pidfile `--local` keeps in DynamoDB Local's data directory while its server runs, so
//! that a later run recognises a server of its own still running on that directory: left
//! behind by an earlier run that could not stop it (it is stopped), or in use by another
//! wallet-tui that is still running (it is shared, or refused on another port).
//!
//! A process is recognised by what `/proc` says now, not by its pid alone (pids are reused):
//! its start time must be the recorded one, and the server's command line must name the same
//! jar and data directory. Off Linux there is no `/proc`: nothing is ever recognised.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::private;

/// The pidfile's name in the data directory.
pub const FILE_NAME: &str = "wallet-tui-dynamodb-local.pid";
/// How long a leftover server gets to exit after SIGTERM, then after SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(10);
const STOP_POLL: Duration = Duration::from_millis(100);

/// What the pidfile holds: the server, the wallet-tui that started it, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PidFile {
    /// The DynamoDB Local (java) process.
    pub server_pid: u32,
    /// Its start time (`/proc/<pid>/stat` field 22, clock ticks since boot).
    pub server_start: u64,
    /// The process that started it.
    pub owner_pid: u32,
    /// The owner's start time, as for the server.
    pub owner_start: u64,
    /// The port the server listens on.
    pub port: u16,
    /// The jar it runs.
    pub jar: PathBuf,
    /// The data directory (absolute), the one holding this file.
    pub data_dir: PathBuf,
}

/// What a data directory's pidfile says about a server of ours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// No server of ours runs on this directory (no pidfile, or a stale one, now removed).
    Nothing,
    /// Ours, and the process that started it is gone: a leftover.
    Leftover(PidFile),
    /// Ours, and the process that started it is still running.
    InUse(PidFile),
}

impl PidFile {
    /// The record for server `server_pid`, started by this process.
    pub fn for_server(server_pid: u32, port: u16, jar: &Path, data_dir: &Path) -> PidFile {
        let owner_pid = std::process::id();
        PidFile {
            server_pid,
            server_start: start_time(server_pid).unwrap_or(0),
            owner_pid,
            owner_start: start_time(owner_pid).unwrap_or(0),
            port,
            jar: jar.to_path_buf(),
            data_dir: data_dir.to_path_buf(),
        }
    }

    /// The pidfile of `data_dir`, if there is a readable one.
    pub fn read(data_dir: &Path) -> Option<PidFile> {
        let bytes = fs::read(data_dir.join(FILE_NAME)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Writes it into its data directory (owner-only); the guard removes it when dropped.
    pub fn write(&self) -> io::Result<PidFileGuard> {
        let path = self.data_dir.join(FILE_NAME);
        let bytes = serde_json::to_vec(self).map_err(io::Error::other)?;
        let mut file =
            private::open_options().write(true).create(true).truncate(true).open(&path)?;
        io::Write::write_all(&mut file, &bytes)?;
        Ok(PidFileGuard { path, server_pid: self.server_pid })
    }

    /// Whether the recorded server still runs on this data directory (whatever its jar: a
    /// server of another install or version on the same data must not be joined by a second).
    fn server_runs(&self) -> bool {
        alive(self.server_pid, self.server_start)
            && cmdline(self.server_pid)
                .is_some_and(|args| has_pair(&args, "-dbPath", &self.data_dir))
    }
}

/// Removes the pidfile when the server it names is stopped (dropped with it).
#[derive(Debug)]
pub struct PidFileGuard {
    path: PathBuf,
    /// Whose pidfile it is: one another run has written since is left alone.
    server_pid: u32,
}

impl Drop for PidFileGuard {
    fn drop(&mut self) {
        let data_dir = self.path.parent().unwrap_or(Path::new("."));
        if PidFile::read(data_dir).is_some_and(|record| record.server_pid == self.server_pid) {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Looks at `data_dir`'s pidfile: a server of ours (running `jar` on it) left over or in use.
/// A pidfile that names no such server is stale and removed.
pub fn inspect(data_dir: &Path, jar: &Path) -> Found {
    let Some(record) = PidFile::read(data_dir) else { return Found::Nothing };
    if record.jar != jar {
        tracing::info!("the DynamoDB Local pidfile names another install: {record:?}");
    }
    if record.data_dir != data_dir || !record.server_runs() {
        tracing::info!("removing a stale DynamoDB Local pidfile: {record:?}");
        let _ = fs::remove_file(data_dir.join(FILE_NAME));
        return Found::Nothing;
    }
    if alive(record.owner_pid, record.owner_start) {
        Found::InUse(record)
    } else {
        Found::Leftover(record)
    }
}

/// Stops a leftover server: SIGTERM, then SIGKILL if it is still there after 10 s. Whether it
/// is gone.
pub async fn stop(record: &PidFile) -> bool {
    for signal in [libc::SIGTERM, libc::SIGKILL] {
        let Ok(pid) = libc::pid_t::try_from(record.server_pid) else { return false };
        // SAFETY: kill(2) on a pid just checked to be our server (same start time); no memory.
        unsafe { libc::kill(pid, signal) };
        let deadline = Instant::now() + STOP_GRACE;
        while Instant::now() < deadline {
            if !alive(record.server_pid, record.server_start) {
                let _ = fs::remove_file(record.data_dir.join(FILE_NAME));
                return true;
            }
            tokio::time::sleep(STOP_POLL).await;
        }
    }
    false
}

/// Whether `pid` is a live (not zombie) process that started at `start`.
fn alive(pid: u32, start: u64) -> bool {
    let Some(stat) = stat(pid) else { return false };
    let fields: Vec<&str> = stat.split_whitespace().collect();
    // After the command name: state is field 3, start time field 22 (1-based).
    let state = fields.first().copied();
    let started = fields.get(19).and_then(|s| s.parse::<u64>().ok());
    state != Some("Z") && state != Some("X") && started == Some(start)
}

/// The start time of `pid` (field 22 of `/proc/<pid>/stat`), if it runs.
pub fn start_time(pid: u32) -> Option<u64> {
    stat(pid)?.split_whitespace().nth(19)?.parse().ok()
}

/// `/proc/<pid>/stat` after the command name (which may hold spaces and parentheses).
fn stat(pid: u32) -> Option<String> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &text[text.rfind(')')? + 1..];
    Some(rest.to_string())
}

/// The arguments of `pid`, program first.
pub fn cmdline(pid: u32) -> Option<Vec<Vec<u8>>> {
    let bytes = fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    Some(bytes.split(|b| *b == 0).filter(|a| !a.is_empty()).map(<[u8]>::to_vec).collect())
}

/// Whether `flag` is directly followed by `value`.
fn has_pair(args: &[Vec<u8>], flag: &str, value: &Path) -> bool {
    args.windows(2).any(|w| {
        w[0].as_slice() == flag.as_bytes()
            && w[1].as_slice() == value.as_os_str().as_encoded_bytes()
    })
}

#[cfg(test)]
mod tests;
