//! Owner-only files and directories for what holds balances and user ids (the journal, the
//! log, exports, DynamoDB Local's data): files are created 0600 and directories 0700, and an
//! existing one that other users can read is tightened, once, with a [`Tightened`] notice
//! for the caller to show.
//!
//! The modes are given at creation (not set afterwards), so there is no moment when a new
//! file is readable by others. The umask can only narrow them further.

use std::fmt;
use std::fs::{self, DirBuilder, OpenOptions, Permissions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Mode of the files wallet-tui creates: read and write for the owner only.
pub const FILE_MODE: u32 = 0o600;
/// Mode of the directories wallet-tui creates: the owner only.
pub const DIR_MODE: u32 = 0o700;
/// The group and other permission bits.
const OTHERS: u32 = 0o077;

/// Creates `dir` and its missing parents, each owner-only; existing ones are left alone
/// (a parent may be the user's own choice, such as their home directory).
pub fn create_dir_all(dir: &Path) -> io::Result<()> {
    DirBuilder::new().recursive(true).mode(DIR_MODE).create(dir)
}

/// Creates the parent directory of `path`, if it has one, owner-only (see [`create_dir_all`]).
pub fn create_parent(path: &Path) -> io::Result<()> {
    match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(parent) => create_dir_all(parent),
        None => Ok(()),
    }
}

/// `OpenOptions` whose `create` / `create_new` make the file owner-only.
pub fn open_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.mode(FILE_MODE);
    options
}

/// A file or directory other users could read, now owner-only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tightened {
    pub path: PathBuf,
    /// Its permission bits before (e.g. `0o644`).
    pub from: u32,
    /// Its permission bits now (e.g. `0o600`).
    pub to: u32,
}

impl fmt::Display for Tightened {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} was readable by other users (mode {:04o}): now {:04o}",
            self.path.display(),
            self.from,
            self.to
        )
    }
}

/// Takes the group and other permissions off `path` if it has any; `Ok(None)` if it is
/// missing or already owner-only. Symbolic links are followed, as `chmod` does.
pub fn tighten(path: &Path) -> io::Result<Option<Tightened>> {
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    // Only our own regular files and directories: never through a link, never a device
    // (`--journal /dev/null` must not change /dev/null).
    if !(meta.is_file() || meta.is_dir()) {
        return Ok(None);
    }
    let from = meta.permissions().mode() & 0o7777;
    if from & OTHERS == 0 {
        return Ok(None);
    }
    let to = from & !OTHERS;
    fs::set_permissions(path, Permissions::from_mode(to))?;
    Ok(Some(Tightened { path: path.to_path_buf(), from, to }))
}

/// [`tighten`] for a caller that goes on either way: a short notice for the screen, naming
/// the file as `what` (e.g. "journal"), if there was anything to do (a failure to tighten is
/// one too, as the file stays readable by others). The log gets the full path.
pub fn tighten_or_warn(path: &Path, what: &str) -> Option<String> {
    match tighten(path) {
        Ok(None) => None,
        Ok(Some(tightened)) => {
            tracing::warn!("{tightened}");
            Some(format!("{what} made owner-only (was {:04o})", tightened.from))
        }
        Err(e) => {
            tracing::warn!("cannot make {} owner-only: {e}", path.display());
            Some(format!("cannot make the {what} owner-only: {e}"))
        }
    }
}

#[cfg(test)]
mod tests;
