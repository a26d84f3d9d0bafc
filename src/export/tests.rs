//! Unit tests of `export.rs`.

use super::*;
use crate::balance::Balance;
use crate::wallet::{Extras, UserId};

fn wallets() -> Vec<Wallet> {
    vec![
        Wallet {
            user_id: UserId::new("3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b"),
            balance: Some(Balance::parse("12345678901234567890123456789012345.678").expect("n")),
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
fn export_files_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    for format in [Format::Csv, Format::JsonLines] {
        let path = temp(format.extension());
        assert_eq!(write(&path, format, &wallets()), Ok(2));
        let mode = std::fs::metadata(&path).expect("written").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{format:?}");
        std::fs::remove_file(&path).expect("cleanup");
    }
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

#[test]
fn csv_has_one_balance_column_whatever_the_stored_type() {
    let odd = |id: &str, balance: AttrValue| Wallet {
        user_id: UserId::new(id),
        balance: None,
        extra: Extras::new([("balance", &balance), ("currency", &AttrValue::S("EUR".into()))]),
    };
    let mut wallets = wallets();
    wallets.extend([
        odd("s", AttrValue::S("100".into())),
        odd("m", AttrValue::M(Box::new([("a".into(), AttrValue::N("1".into()))]))),
        odd("bool", AttrValue::Bool(true)),
        odd("null", AttrValue::Null),
        odd("ns", AttrValue::Ns(Box::new(["1".into(), "2.5".into()]))),
    ]);
    let path = temp("odd.csv");
    assert_eq!(write(&path, Format::Csv, &wallets), Ok(7));
    let mut reader = csv::Reader::from_path(&path).expect("readable");
    let header = reader.headers().expect("header").clone();
    assert_eq!(header.iter().filter(|h| *h == "balance").count(), 1, "{header:?}");
    let balance = header.iter().position(|h| h == "balance").expect("balance column");
    let cells: Vec<String> =
        reader.records().map(|r| r.expect("row")[balance].to_string()).collect();
    assert_eq!(
        cells,
        [
            "12345678901234567890123456789012345.678",
            "",
            r#"{"S": "100"}"#,
            r#"{"M": {"a": {"N": "1"}}}"#,
            r#"{"BOOL": true}"#,
            r#"{"NULL": true}"#,
            r#"{"NS": ["1", "2.5"]}"#,
        ]
    );
    std::fs::remove_file(&path).expect("cleanup");
}
