//! Checking an installed DynamoDB Local against the [`manifest`](super::manifest) before its
//! jar runs: the same files, no others, each with the expected SHA-256.
//!
//! Hashing ~59 MB at every start would cost time for nothing, so a stamp file beside the
//! install records, per file, what it looked like when it was last hashed (size, mtime,
//! ctime, inode) and the hash that matched. A file that still looks the same is trusted; any
//! other is hashed again. The stamp only saves time: whoever can rewrite the cache can rewrite
//! the stamp too, as with anything else the user owns.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::{self, File};
use std::io::{self, Read};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::private;

/// One expected file: path relative to the install directory, size, SHA-256 (lowercase hex).
pub type Expected = (&'static str, u64, &'static str);

/// Why an install is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyError {
    /// A file's content is not the expected one.
    Mismatch { path: PathBuf, expected: String, actual: String },
    /// An expected file is not there.
    Missing(PathBuf),
    /// A file (or link, or other entry) that the install should not hold.
    Unexpected(PathBuf),
    /// A file could not be read.
    Unreadable { path: PathBuf, reason: String },
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::Mismatch { path, expected, actual } => write!(
                f,
                "{} is not the file wallet-tui expects: its SHA-256 is {actual}, \
                 expected {expected}",
                path.display()
            ),
            VerifyError::Missing(path) => write!(f, "{} is missing", path.display()),
            VerifyError::Unexpected(path) => {
                write!(f, "{} should not be there (not part of the package)", path.display())
            }
            VerifyError::Unreadable { path, reason } => {
                write!(f, "cannot read {}: {reason}", path.display())
            }
        }
    }
}

impl std::error::Error for VerifyError {}

/// What a file looked like when it was hashed: if any of it changes, it is hashed again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Look {
    size: u64,
    mtime_ns: i128,
    ctime_ns: i128,
    ino: u64,
    dev: u64,
}

impl Look {
    fn of(meta: &fs::Metadata) -> Look {
        let ns = |secs: i64, nsecs: i64| i128::from(secs) * 1_000_000_000 + i128::from(nsecs);
        Look {
            size: meta.size(),
            mtime_ns: ns(meta.mtime(), meta.mtime_nsec()),
            ctime_ns: ns(meta.ctime(), meta.ctime_nsec()),
            ino: meta.ino(),
            dev: meta.dev(),
        }
    }
}

/// The stamp file: per relative path, how the file looked and the hash it had then.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    files: BTreeMap<String, (Look, String)>,
}

impl Stamp {
    /// The stamp at `path`; empty if it is missing or unreadable (everything is hashed).
    pub fn read(path: &Path) -> Stamp {
        fs::read(path).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
    }

    /// Writes the stamp atomically (a temporary file renamed over it), owner-only.
    pub fn write(&self, path: &Path) -> io::Result<()> {
        let mut tmp = path.as_os_str().to_owned();
        // Unique per call: verifications may run at once in one process.
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tmp.push(format!(".tmp-{}-{n}", std::process::id()));
        let tmp = PathBuf::from(tmp);
        let bytes = serde_json::to_vec(self).map_err(io::Error::other)?;
        let written = private::open_options()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .and_then(|mut f| io::Write::write_all(&mut f, &bytes));
        written.and_then(|()| fs::rename(&tmp, path)).inspect_err(|_| {
            let _ = fs::remove_file(&tmp);
        })
    }
}

/// A file of the install still to be hashed.
#[derive(Debug, Clone)]
pub struct Pending {
    rel: &'static str,
    path: PathBuf,
    look: Look,
    expected: &'static str,
}

/// The cheap half: lists `dir`, refuses a missing or unexpected file or a size that differs,
/// and returns the files the stamp cannot vouch for.
pub fn pending(dir: &Path, files: &[Expected], stamp: &Stamp) -> Result<Vec<Pending>, VerifyError> {
    let mut found = list_files(dir)?;
    let mut pending = Vec::new();
    for &(rel, size, expected) in files {
        let path = dir.join(rel);
        let Some(look) = found.remove(rel) else { return Err(VerifyError::Missing(path)) };
        let vouched = stamp.files.get(rel).is_some_and(|(l, h)| *l == look && h == expected);
        if look.size != size || !vouched {
            pending.push(Pending { rel, path, look, expected });
        }
    }
    match found.into_keys().next() {
        Some(extra) => Err(VerifyError::Unexpected(dir.join(extra))),
        None => Ok(pending),
    }
}

/// The costly half: hashes each pending file, stops at the first mismatch, and records the
/// matches in `stamp`.
pub fn hash_pending(pending: &[Pending], stamp: &mut Stamp) -> Result<(), VerifyError> {
    for file in pending {
        let actual = sha256_file(&file.path).map_err(|e| VerifyError::Unreadable {
            path: file.path.clone(),
            reason: e.to_string(),
        })?;
        if actual != file.expected {
            return Err(VerifyError::Mismatch {
                path: file.path.clone(),
                expected: file.expected.to_string(),
                actual,
            });
        }
        stamp.files.insert(file.rel.to_string(), (file.look, actual));
    }
    Ok(())
}

/// SHA-256 of a file's content, lowercase hex.
pub fn sha256_file(path: &Path) -> io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// Every entry under `dir` by relative path (`/`-separated): regular files with their look;
/// anything else that is not a directory (a symbolic link, a socket) is refused.
fn list_files(dir: &Path) -> Result<BTreeMap<String, Look>, VerifyError> {
    let mut found = BTreeMap::new();
    let mut dirs = vec![(dir.to_path_buf(), String::new())];
    while let Some((path, prefix)) = dirs.pop() {
        let unreadable =
            |e: io::Error| VerifyError::Unreadable { path: path.clone(), reason: e.to_string() };
        for entry in fs::read_dir(&path).map_err(unreadable)? {
            let entry = entry.map_err(unreadable)?;
            let rel = format!("{prefix}{}", entry.file_name().to_string_lossy());
            let meta = fs::symlink_metadata(entry.path()).map_err(unreadable)?;
            if meta.is_dir() {
                dirs.push((entry.path(), format!("{rel}/")));
            } else if meta.is_file() {
                found.insert(rel, Look::of(&meta));
            } else {
                return Err(VerifyError::Unexpected(entry.path()));
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests;
