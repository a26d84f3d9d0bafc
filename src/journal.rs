//! The write-ahead journal: a JSON-lines file in which every wallet write leaves an intent,
//! appended and flushed before its request is sent, and then its outcome: one `applied` line
//! per wallet it changed, or one `ended` line (not applied, or outcome unknown past the
//! token's window). An intent without an outcome is a write whose answer never came (the app
//! quit or died meanwhile): the next run settles it by sending the same request again.
//! Lines written before intents existed (no `kind`) read as `applied` lines.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write as _};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use directories::ProjectDirs;
use serde::{Deserialize, Serialize};

use crate::private;
use crate::write::{Stamp, Write, WriteDone, WriteKind};

/// The journal's file name in the data directory.
pub const FILE_NAME: &str = "journal.jsonl";

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Line {
    /// A write about to be sent: everything needed to send the very same request again.
    Intent(Intent),
    /// A wallet the write changed (a transfer writes two such lines).
    Applied(JournalEntry),
    /// The write's end when it did not apply, or when its outcome stayed unknown past the
    /// token's window (then the user decides).
    Ended(Ended),
}

impl Line {
    /// The op id of the write the line is about.
    pub fn op_id(&self) -> &str {
        match self {
            Line::Intent(intent) => &intent.write.op_id,
            Line::Applied(entry) => &entry.op_id,
            Line::Ended(ended) => &ended.op_id,
        }
    }
}

/// A write as it is sent: its request is rebuilt from these fields alone, so a resend, even
/// by another run of the app, is byte for byte the same request with the same token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intent {
    /// When it was first sent, RFC 3339 UTC: the token's window counts from here.
    pub time: String,
    /// The endpoint written to (as the app labels it).
    pub endpoint: String,
    /// The table's ARN when it was sent (account, region, name): it is sent again only to
    /// that table, never to another account's table of the same name.
    #[serde(default)]
    pub arn: Option<String>,
    /// The client's region (DynamoDB Local keeps a namespace per region; its ARNs do not
    /// say which).
    #[serde(default)]
    pub region: Option<String>,
    pub table: String,
    pub write: Write,
    /// The write-time attribute the config asks for, with the value this write sets.
    pub stamp: Option<Stamp>,
}

impl Intent {
    /// When it was first sent (`None`: the time does not parse; treated as long ago).
    pub fn sent_at(&self) -> Option<SystemTime> {
        parse_rfc3339(&self.time)
    }
}

/// How a write ended when it did not apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ended {
    pub time: String,
    pub endpoint: String,
    pub table: String,
    pub user_id: String,
    pub op_id: String,
    /// `not_applied`, or `unknown` (past the token's window, never resent).
    pub outcome: String,
    /// Why, in the words the app showed.
    pub reason: String,
}

/// One wallet a write changed, as one line of the journal.
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
    /// The balance before, in canonical decimal text (`None`: no wallet or no balance, or a
    /// transfer's side, which only knows its amount).
    pub old: Option<String>,
    /// The balance this write stored (`None` for a delete and a transfer's side).
    pub new: Option<String>,
    /// A transfer's amount (`None` for other writes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
    /// DynamoDB's request id for the call that reported success.
    pub request_id: Option<String>,
    /// The write's op id, its ClientRequestToken.
    pub op_id: String,
}

impl JournalEntry {
    /// The lines for `write`, which has just succeeded with `done` on `table` at `endpoint`:
    /// one per wallet written (a transfer writes two, "transfer-out" and "transfer-in").
    pub fn entries(endpoint: &str, table: &str, write: &Write, done: &WriteDone) -> Vec<Self> {
        let line = |user_id: &str, operation: &str, old: Option<String>, new: Option<String>| {
            JournalEntry {
                time: now_rfc3339(),
                endpoint: endpoint.to_string(),
                table: table.to_string(),
                user_id: user_id.to_string(),
                operation: operation.to_string(),
                old,
                new,
                amount: None,
                request_id: done.request_id.clone(),
                op_id: write.op_id.clone(),
            }
        };
        let old = done.old_balance.map(|b| b.to_string());
        match &write.kind {
            WriteKind::Create { balance } => {
                vec![line(&write.user_id, "create", None, Some(balance.to_string()))]
            }
            WriteKind::SetBalance { new, .. } | WriteKind::SetOver { new, .. } => {
                vec![line(&write.user_id, write.kind.name(), old, Some(new.to_string()))]
            }
            WriteKind::Delete { .. } | WriteKind::DeleteOver { .. } => {
                vec![line(&write.user_id, "delete", old, None)]
            }
            WriteKind::PutItem { item, seen } => {
                let number = |attrs: &crate::import::Attrs| match attrs.get(crate::wallet::BALANCE)
                {
                    Some(crate::wallet::AttrValue::N(n)) => Some(n.to_string()),
                    _ => None,
                };
                let old = seen.as_ref().and_then(number);
                // A balance the file does not carry stays as it was.
                let new = match item.contains_key(crate::wallet::BALANCE) {
                    true => number(item),
                    false => old.clone(),
                };
                vec![line(&write.user_id, "import", old, new)]
            }
            WriteKind::Transfer { to, amount, .. } => {
                let amount = Some(amount.to_string());
                let out = JournalEntry {
                    amount: amount.clone(),
                    ..line(&write.user_id, "transfer-out", None, None)
                };
                let into = JournalEntry { amount, ..line(to, "transfer-in", None, None) };
                vec![out, into]
            }
        }
    }
}

/// An open journal file, appended to. Shared by every write in flight: appends that
/// arrive while another is being made durable are written and flushed together by the
/// next one (group commit), so many writes in flight cost one fsync per group, not each.
pub struct Journal {
    path: PathBuf,
    file: File,
    /// Lines waiting for the next flush, and the number of the last line added.
    waiting: Mutex<Waiting>,
    /// Held while a group is written and flushed; what has been flushed so far.
    flushed: Mutex<Flushed>,
}

#[derive(Default)]
struct Waiting {
    bytes: Vec<u8>,
    last: u64,
}

#[derive(Default)]
struct Flushed {
    /// Every line up to this number has been written and flushed, or has failed.
    through: u64,
    /// The first line of the first group that failed, and why: that line and every later
    /// one fail (the journal is broken until reopened), every earlier one is on disk.
    failed: Option<(u64, io::ErrorKind, String)>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal").field("path", &self.path).finish_non_exhaustive()
    }
}

impl Journal {
    /// Opens (creating it and its parent directories if needed) the journal at `path`
    /// for appending. It holds balances and user ids: a new journal is owner-only (0600,
    /// new directories 0700), and an existing one other users can read is tightened (logged).
    pub fn open(path: impl AsRef<Path>) -> io::Result<Journal> {
        let path = path.as_ref();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::DirBuilder::new().recursive(true).mode(private::DIR_MODE).create(parent)?;
        }
        let file =
            OpenOptions::new().create(true).append(true).mode(private::FILE_MODE).open(path)?;
        private::tighten_or_warn(path, "journal");
        end_torn_line(path, &file)?;
        Ok(Journal {
            path: path.to_path_buf(),
            file,
            waiting: Mutex::default(),
            flushed: Mutex::default(),
        })
    }

    /// Where this journal is written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one line and makes it durable (fsync) before returning: an intent must be on
    /// disk before its request leaves. Blocks: call it off the async runtime's threads.
    pub fn append(&self, line: &Line) -> io::Result<()> {
        self.append_lines(std::slice::from_ref(line))
    }

    /// Appends lines together (one write) and makes them durable before returning.
    pub fn append_lines(&self, lines: &[Line]) -> io::Result<()> {
        let mut bytes = Vec::new();
        for line in lines {
            serde_json::to_writer(&mut bytes, line).map_err(io::Error::other)?;
            bytes.push(b'\n');
        }
        let mine = {
            let mut waiting = lock(&self.waiting);
            waiting.bytes.extend_from_slice(&bytes);
            waiting.last += 1;
            waiting.last
        };
        let mut flushed = lock(&self.flushed);
        if flushed.through < mine {
            // Nobody has flushed this line yet: flush it with every line waiting with it.
            let (group, first, last) = {
                let mut waiting = lock(&self.waiting);
                (std::mem::take(&mut waiting.bytes), flushed.through + 1, waiting.last)
            };
            if flushed.failed.is_none()
                && let Err(error) = self.write_group(&group)
            {
                flushed.failed = Some((first, error.kind(), error.to_string()));
            }
            flushed.through = last;
        }
        match &flushed.failed {
            Some((first, kind, why)) if mine >= *first => Err(io::Error::new(*kind, why.clone())),
            _ => Ok(()),
        }
    }

    /// Writes and flushes one group. On a failure the file is cut back to its length before
    /// the group, so no line of a group its appenders were told failed stays behind (an
    /// intent left there would be sent by the next run, though its write was refused).
    fn write_group(&self, group: &[u8]) -> io::Result<()> {
        let before = self.file.metadata()?.len();
        // Append mode: each write lands at the current end of the file.
        let mut file = &self.file;
        let written = file.write_all(group).and_then(|()| file.sync_data());
        if written.is_err() {
            let cut = self.file.set_len(before).and_then(|()| self.file.sync_data());
            if let Err(cut) = cut {
                tracing::error!(path = %self.path.display(), error = %cut, "cannot cut a failed journal append back");
            }
        }
        written
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A line cut short (a crash or a full disk in the middle of an append) is ended, so the
/// next line starts on a line of its own instead of being glued to it.
fn end_torn_line(path: &Path, mut file: &File) -> io::Result<()> {
    use std::os::unix::fs::FileExt as _;
    let len = fs::metadata(path)?.len();
    let mut last = [b'\n'];
    if len > 0 {
        File::open(path)?.read_at(&mut last, len - 1)?;
    }
    if last[0] != b'\n' {
        file.write_all(b"\n")?;
    }
    Ok(())
}

/// The current time, RFC 3339 in UTC (e.g. `2025-01-02T03:04:05.678Z`).
pub fn now_rfc3339() -> String {
    rfc3339(SystemTime::now())
}

/// `time`, RFC 3339 in UTC.
pub fn rfc3339(time: SystemTime) -> String {
    aws_smithy_types::DateTime::from(time)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_default()
}

/// `<data dir>/journal.jsonl` for this user (e.g. `~/.local/share/wallet-tui/journal.jsonl`).
pub fn default_path() -> Option<PathBuf> {
    ProjectDirs::from("", "", "wallet-tui").map(|d| d.data_dir().join(FILE_NAME))
}

/// Every line of the journal at `path`, in order; blank lines are skipped and a line that is
/// neither a journal line nor an old-style entry is an error naming its line number.
pub fn read_lines(path: impl AsRef<Path>) -> io::Result<Vec<Line>> {
    let reader = BufReader::new(File::open(path)?);
    let mut lines = Vec::new();
    for (index, text) in reader.lines().enumerate() {
        let text = text?;
        if text.trim().is_empty() {
            continue;
        }
        let line = serde_json::from_str::<Line>(&text)
            .or_else(|e| {
                serde_json::from_str::<JournalEntry>(&text).map(Line::Applied).map_err(|_| e)
            })
            .map_err(|e| {
                io::Error::new(io::ErrorKind::InvalidData, format!("line {}: {e}", index + 1))
            })?;
        lines.push(line);
    }
    Ok(lines)
}

/// The `applied` lines of the journal at `path`, in order: what this app changed.
pub fn read_all(path: impl AsRef<Path>) -> io::Result<Vec<JournalEntry>> {
    let lines = read_lines(path)?.into_iter();
    Ok(lines.filter_map(|l| if let Line::Applied(e) = l { Some(e) } else { None }).collect())
}

/// The intents of the journal at `path` that no line ends: writes whose outcome no run has
/// seen, in the order they were sent. Read at the start of every worker, so it looks at each
/// line only as far as its kind and op id, and parses whole only the intents left open (a
/// journal of 100,000 writes is read in a fraction of the time [`read_lines`] takes). A line
/// that is not a journal line is skipped (and logged).
pub fn read_open_intents(path: impl AsRef<Path>) -> io::Result<Vec<Intent>> {
    let reader = BufReader::new(File::open(path)?);
    // Only the intents still open are kept: an outcome always follows its intent.
    let mut open: HashMap<String, (usize, String)> = HashMap::new();
    for (number, text) in reader.lines().enumerate() {
        let text = text?;
        if text.trim().is_empty() {
            continue;
        }
        // A line no run could have meant (torn by a crash) is skipped, never fatal: one bad
        // line must not keep every later write from being settled.
        let Ok(peek) = serde_json::from_str::<Peek>(&text) else {
            tracing::warn!(line = number + 1, "a journal line that is not one: skipped");
            continue;
        };
        match (peek.kind.as_deref(), peek.write, peek.op_id) {
            (Some("intent"), Some(write), _) => {
                open.entry(write.op_id).or_insert((number, text));
            }
            (_, _, Some(op_id)) => {
                open.remove(&op_id);
            }
            _ => {}
        }
    }
    let mut open: Vec<(usize, String)> = open.into_values().collect();
    open.sort_unstable_by_key(|(number, _)| *number);
    let parsed = open.into_iter().filter_map(|(number, text)| match serde_json::from_str(&text) {
        Ok(Line::Intent(intent)) => Some(intent),
        _ => {
            tracing::warn!(line = number + 1, "an open intent that cannot be read: skipped");
            None
        }
    });
    Ok(parsed.collect())
}

/// As much of a journal line as telling intents from outcomes takes.
#[derive(Deserialize)]
struct Peek {
    kind: Option<String>,
    /// An outcome's (or an old-style entry's) op id.
    op_id: Option<String>,
    /// An intent's write: only its op id is read.
    write: Option<PeekWrite>,
}

#[derive(Deserialize)]
struct PeekWrite {
    op_id: String,
}

/// An RFC 3339 UTC time as written by [`now_rfc3339`].
pub fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let time =
        aws_smithy_types::DateTime::from_str(text, aws_smithy_types::date_time::Format::DateTime);
    time.ok().and_then(|t| SystemTime::try_from(t).ok())
}

#[cfg(test)]
mod tests;
