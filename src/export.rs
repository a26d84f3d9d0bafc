//! Export of wallets to a file: CSV or JSON Lines, every number exactly as stored.
//!
//! - CSV: a header `user_id,balance,<other attributes…>` (the names found in the wallets
//!   exported, sorted), then one row per wallet; strings as they are, numbers as their exact
//!   decimal text, other types (sets, lists, maps, binaries) as JSON; an attribute a wallet
//!   does not have is an empty cell. There is one `balance` column whatever its stored type:
//!   a number as its exact text, anything else (S, M, BOOL, NULL, NS…) as typed DynamoDB JSON
//!   (`{"S":"100"}`), so a reader tells the string "100" from the number 100.
//! - JSON Lines: one wallet per line in DynamoDB JSON (`{"user_id":{"S":"…"},"balance":{"N":"12.5"}}`),
//!   so numbers stay exact strings for any reader, and types survive the round trip.
//!
//! An existing file is never overwritten; a failed export leaves no partial file behind. The
//! file is created owner-only (0600): it holds every balance and user id exported.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};

use crate::json::{self, Shape};
use crate::private;
use crate::wallet::{AttrValue, BALANCE, USER_ID, Wallet};

/// The two export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    JsonLines,
}

impl Format {
    /// The file extension added to a path that has none.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::JsonLines => "jsonl",
        }
    }
}

/// `path` ending in the format's extension: added when the name has none, swapped when it
/// has the other format's; any other extension is the user's choice and kept.
pub fn with_extension(path: &Path, format: Format) -> PathBuf {
    let ours = [Format::Csv, Format::JsonLines].map(Format::extension);
    match path.extension().and_then(|e| e.to_str()) {
        Some(ext) if !ours.contains(&ext) => path.to_path_buf(),
        _ => path.with_extension(format.extension()),
    }
}

/// Why an export wrote nothing. No partial file is ever left behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportError {
    /// A file of that name exists; it was not touched.
    Exists(PathBuf),
    /// The file could not be created (the system's reason).
    Create { path: PathBuf, reason: String },
    /// Writing failed part-way (the system's reason); what was written was removed.
    Write { path: PathBuf, reason: String },
    /// The export job stopped before it finished (a bug, in the log).
    Stopped(String),
}

impl std::fmt::Display for ExportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExportError::Exists(path) => {
                write!(f, "{} already exists: choose another name", path.display())
            }
            ExportError::Create { path, reason } => {
                write!(f, "cannot create {}: {reason}", path.display())
            }
            ExportError::Write { path, reason } => {
                write!(f, "writing {}: {reason}", path.display())
            }
            ExportError::Stopped(why) => write!(f, "the export stopped: {why}"),
        }
    }
}

impl std::error::Error for ExportError {}

/// Writes `wallets` to a new owner-only file at `path`; returns how many were written.
pub fn write(path: &Path, format: Format, wallets: &[Wallet]) -> Result<usize, ExportError> {
    let file = private::open_options().write(true).create_new(true).open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            ExportError::Exists(path.to_path_buf())
        } else {
            ExportError::Create { path: path.to_path_buf(), reason: e.to_string() }
        }
    })?;
    let written = match format {
        Format::Csv => write_csv(file, wallets),
        Format::JsonLines => write_lines(file, wallets),
    };
    written.map(|()| wallets.len()).map_err(|e| {
        let _ = std::fs::remove_file(path);
        ExportError::Write { path: path.to_path_buf(), reason: e.to_string() }
    })
}

fn write_csv(file: File, wallets: &[Wallet]) -> std::io::Result<()> {
    let names: BTreeSet<&str> =
        wallets.iter().flat_map(|w| w.extra.names()).filter(|n| *n != BALANCE).collect();
    let mut out = csv::Writer::from_writer(BufWriter::new(file));
    let header = [USER_ID, BALANCE].into_iter().chain(names.iter().copied());
    out.write_record(header)?;
    for wallet in wallets {
        let mut row = vec![wallet.user_id.to_text(), balance_cell(wallet)];
        row.extend(
            names.iter().map(|name| wallet.attr(name).map(|v| cell(&v)).unwrap_or_default()),
        );
        out.write_record(&row)?;
    }
    let mut inner = out.into_inner().map_err(|e| e.into_error())?;
    inner.flush()?;
    inner.get_ref().sync_all()
}

/// The balance cell: the exact number, another type as typed JSON, or empty.
fn balance_cell(wallet: &Wallet) -> String {
    match (wallet.balance, wallet.attr(BALANCE)) {
        (Some(b), _) => b.to_string(),
        (None, Some(other)) => json::value_json(&other, Shape::Dynamo),
        (None, None) => String::new(),
    }
}

/// A CSV cell: text and numbers as they are, anything else as JSON.
pub fn cell(value: &AttrValue) -> String {
    match value {
        AttrValue::S(s) => s.to_string(),
        AttrValue::N(n) => n.to_string(),
        other => json::value_json(other, Shape::Plain),
    }
}

fn write_lines(file: File, wallets: &[Wallet]) -> std::io::Result<()> {
    let mut out = BufWriter::new(file);
    for wallet in wallets {
        out.write_all(json::wallet_line(wallet, Shape::Dynamo).as_bytes())?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    out.get_ref().sync_all()
}

#[cfg(test)]
mod tests;
