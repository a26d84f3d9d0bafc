//! Export of wallets to a file: CSV or JSON Lines, every number exactly as stored.
//!
//! - CSV: a header `user_id,balance,<other attributes…>` (the names found in the wallets
//!   exported, sorted), then one row per wallet; strings as they are, numbers as their exact
//!   decimal text, other types (sets, lists, maps, binaries) as JSON; an attribute a wallet
//!   does not have is an empty cell.
//! - JSON Lines: one wallet per line in DynamoDB JSON (`{"user_id":{"S":"…"},"balance":{"N":"12.5"}}`),
//!   so numbers stay exact strings for any reader, and types survive the round trip.
//!
//! An existing file is never overwritten; a failed export leaves no partial file behind.

use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};

use crate::json::{self, Shape};
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

/// Writes `wallets` to a new file at `path`; returns how many were written.
pub fn write(path: &Path, format: Format, wallets: &[Wallet]) -> Result<usize, ExportError> {
    let file = OpenOptions::new().write(true).create_new(true).open(path).map_err(|e| {
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
    let names: BTreeSet<&str> = wallets.iter().flat_map(|w| w.extra.names()).collect();
    let mut out = csv::Writer::from_writer(BufWriter::new(file));
    let header = [USER_ID, BALANCE].into_iter().chain(names.iter().copied());
    out.write_record(header)?;
    for wallet in wallets {
        let mut row = vec![
            wallet.user_id.to_text(),
            wallet.balance.map(|b| b.to_string()).unwrap_or_default(),
        ];
        row.extend(
            names.iter().map(|name| wallet.attr(name).map(|v| cell(&v)).unwrap_or_default()),
        );
        out.write_record(&row)?;
    }
    let mut inner = out.into_inner().map_err(|e| e.into_error())?;
    inner.flush()?;
    inner.get_ref().sync_all()
}

/// A CSV cell: text and numbers as they are, anything else as JSON.
fn cell(value: &AttrValue) -> String {
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
mod tests {
    use super::*;
    use crate::balance::Balance;
    use crate::wallet::{Extras, UserId};

    fn wallets() -> Vec<Wallet> {
        vec![
            Wallet {
                user_id: UserId::new("3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b"),
                balance: Some(
                    Balance::parse("12345678901234567890123456789012345.678").expect("n"),
                ),
                extra: Extras::new([
                    ("currency", &AttrValue::S("EUR, \"€\"\nline".into())),
                    ("flags", &AttrValue::Ns(Box::new(["1".into(), "2.5".into()]))),
                ]),
            },
            Wallet {
                user_id: UserId::new("legacy-7"),
                balance: None,
                extra: Extras::new([("note", &AttrValue::S("no balance".into()))]),
            },
        ]
    }

    fn temp(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("wallet-tui-export-{}-{name}", uuid::Uuid::new_v4()))
    }

    #[test]
    fn csv_quotes_what_it_must_and_keeps_numbers_exact() {
        let path = temp("w.csv");
        assert_eq!(write(&path, Format::Csv, &wallets()), Ok(2));
        let text = std::fs::read_to_string(&path).expect("written");
        assert_eq!(
            text,
            "user_id,balance,currency,flags,note\n\
             3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b,12345678901234567890123456789012345.678,\
             \"EUR, \"\"€\"\"\nline\",\"[1, 2.5]\",\n\
             legacy-7,,,,no balance\n"
        );
        std::fs::remove_file(&path).expect("cleanup");
    }

    #[test]
    fn json_lines_are_dynamodb_json_one_wallet_per_line() {
        let path = temp("w.jsonl");
        assert_eq!(write(&path, Format::JsonLines, &wallets()), Ok(2));
        let text = std::fs::read_to_string(&path).expect("written");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        let first: serde_json::Value = serde_json::from_str(lines[0]).expect("JSON");
        assert_eq!(first["balance"]["N"], "12345678901234567890123456789012345.678");
        assert_eq!(first["currency"]["S"], "EUR, \"€\"\nline");
        assert_eq!(first["flags"]["NS"][1], "2.5");
        let second: serde_json::Value = serde_json::from_str(lines[1]).expect("JSON");
        assert!(second.get("balance").is_none());
        std::fs::remove_file(&path).expect("cleanup");
    }

    #[test]
    fn an_existing_file_is_never_overwritten() {
        let path = temp("taken.csv");
        std::fs::write(&path, "keep me").expect("a file");
        let error = write(&path, Format::Csv, &wallets()).expect_err("refused");
        assert_eq!(error, ExportError::Exists(path.clone()));
        assert_eq!(
            error.to_string(),
            format!("{} already exists: choose another name", path.display())
        );
        assert_eq!(std::fs::read_to_string(&path).expect("kept"), "keep me");
        std::fs::remove_file(&path).expect("cleanup");
    }

    #[test]
    fn the_extension_is_added_only_when_missing() {
        assert_eq!(with_extension(Path::new("out"), Format::Csv), PathBuf::from("out.csv"));
        assert_eq!(with_extension(Path::new("out"), Format::JsonLines), PathBuf::from("out.jsonl"));
        assert_eq!(with_extension(Path::new("a.txt"), Format::Csv), PathBuf::from("a.txt"));
        assert_eq!(with_extension(Path::new("w.csv"), Format::JsonLines), PathBuf::from("w.jsonl"));
        assert_eq!(with_extension(Path::new("w.jsonl"), Format::Csv), PathBuf::from("w.csv"));
    }
}
