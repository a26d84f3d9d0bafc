//! The write journal: one JSON line per wallet write that went through, appended to a
//! local file so a user can always see what this app changed, where, and when.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};

use directories::ProjectDirs;
use serde::{Deserialize, Serialize};

use crate::balance::Balance;
use crate::write::{Write, WriteDone, WriteKind};

/// The journal's file name in the data directory.
pub const FILE_NAME: &str = "journal.jsonl";

/// One successful write, as one line of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// When the worker saw the write succeed, RFC 3339 UTC.
    pub time: String,
    /// The endpoint written to (as the app labels it).
    pub endpoint: String,
    pub table: String,
    pub user_id: String,
    /// [`crate::write::WriteKind::name`]: create, set, deposit, withdraw, undo or delete; a
    /// transfer writes "transfer-out" and "transfer-in".
    pub operation: String,
    /// The balance before, in canonical decimal text (`None`: no wallet or no balance).
    pub old: Option<String>,
    /// The balance this write stored (`None` for a delete).
    pub new: Option<String>,
    /// DynamoDB's request id for the call that reported success.
    pub request_id: Option<String>,
    /// The write's op id, also stored in the item's `last_op`.
    pub op_id: String,
}

impl JournalEntry {
    /// The lines for `write`, which has just succeeded with `done` on `table` at `endpoint`:
    /// one per wallet written (a transfer writes two, "transfer-out" and "transfer-in").
    pub fn entries(endpoint: &str, table: &str, write: &Write, done: &WriteDone) -> Vec<Self> {
        let WriteKind::Transfer { to, .. } = &write.kind else {
            return vec![Self::new(endpoint, table, write, done)];
        };
        let line = |user_id: &str, operation: &str, old: Option<Balance>, new: Option<Balance>| {
            JournalEntry {
                time: now_rfc3339(),
                endpoint: endpoint.to_string(),
                table: table.to_string(),
                user_id: user_id.to_string(),
                operation: operation.to_string(),
                old: old.map(|b| b.to_string()),
                new: new.map(|b| b.to_string()),
                request_id: done.request_id.clone(),
                op_id: write.op_id.clone(),
            }
        };
        let from_new = done.wallet.as_ref().and_then(|w| w.balance);
        let (to_old, to_new) =
            done.counterpart.as_ref().map_or((None, None), |c| (c.old_balance, c.wallet.balance));
        vec![
            line(&write.user_id, "transfer-out", done.old_balance, from_new),
            line(to, "transfer-in", to_old, to_new),
        ]
    }

    /// The entry for a write of one wallet.
    fn new(endpoint: &str, table: &str, write: &Write, done: &WriteDone) -> Self {
        Self {
            time: now_rfc3339(),
            endpoint: endpoint.to_string(),
            table: table.to_string(),
            user_id: write.user_id.clone(),
            operation: write.kind.name().to_string(),
            old: done.old_balance.map(|b| b.to_string()),
            // What this write stored; on a recognised retry `done.wallet` is the item as it
            // is now, which another writer may have changed since the first attempt applied.
            new: match &write.kind {
                WriteKind::Create { balance } => Some(balance.to_string()),
                WriteKind::SetBalance { new, .. } => Some(new.to_string()),
                WriteKind::Delete { .. } => None,
                WriteKind::Transfer { .. } => {
                    done.wallet.as_ref().and_then(|w| w.balance).map(|b| b.to_string())
                }
            },
            request_id: done.request_id.clone(),
            op_id: write.op_id.clone(),
        }
    }
}

/// An open journal file, appended to.
pub struct Journal {
    path: PathBuf,
    file: File,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal").field("path", &self.path).finish_non_exhaustive()
    }
}

impl Journal {
    /// Opens (creating it and its parent directories if needed) the journal at `path`
    /// for appending.
    pub fn open(path: impl AsRef<Path>) -> io::Result<Journal> {
        let path = path.as_ref();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Journal { path: path.to_path_buf(), file })
    }

    /// Where this journal is written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one entry as one line, in a single write, and flushes it.
    pub fn append(&self, entry: &JournalEntry) -> io::Result<()> {
        let mut line = serde_json::to_vec(entry).map_err(io::Error::other)?;
        line.push(b'\n');
        // Append mode: each write lands at the current end of the file.
        let mut file = &self.file;
        file.write_all(&line)?;
        file.flush()
    }
}

/// The current time, RFC 3339 in UTC (e.g. `2025-01-02T03:04:05.678Z`).
pub fn now_rfc3339() -> String {
    aws_smithy_types::DateTime::from(std::time::SystemTime::now())
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_default()
}

/// `<data dir>/journal.jsonl` for this user (e.g. `~/.local/share/wallet-tui/journal.jsonl`).
pub fn default_path() -> Option<PathBuf> {
    ProjectDirs::from("", "", "wallet-tui").map(|d| d.data_dir().join(FILE_NAME))
}

/// Every entry of the journal at `path`, in order; blank lines are skipped and a line
/// that is not an entry is an error naming its line number.
pub fn read_all(path: impl AsRef<Path>) -> io::Result<Vec<JournalEntry>> {
    let reader = BufReader::new(File::open(path)?);
    let mut entries = Vec::new();
    for (index, line) in reader.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let entry = serde_json::from_str(&line).map_err(|e| {
            io::Error::new(io::ErrorKind::InvalidData, format!("line {}: {e}", index + 1))
        })?;
        entries.push(entry);
    }
    Ok(entries)
}

#[cfg(test)]
mod tests;
