//! Unit tests of `journal.rs`.

use super::*;

fn entry(op_id: &str) -> JournalEntry {
    JournalEntry {
        time: "2025-01-02T03:04:05Z".into(),
        endpoint: "DynamoDB Local http://127.0.0.1:8000".into(),
        table: "wallets".into(),
        user_id: "u\"1\n".into(),
        operation: "deposit".into(),
        old: Some("0.1".into()),
        new: Some("12345678901234567890123456789012345678".into()),
        request_id: Some("abc".into()),
        op_id: op_id.into(),
    }
}

#[test]
fn appends_one_line_per_entry_and_reads_them_back() {
    let dir = std::env::temp_dir().join(format!("wallet-tui-journal-{}", uuid::Uuid::new_v4()));
    let path = dir.join("nested").join(FILE_NAME);
    {
        let journal = Journal::open(&path).expect("open");
        journal.append(&entry("a")).expect("append a");
    }
    // Reopening appends rather than truncating.
    let journal = Journal::open(&path).expect("reopen");
    journal.append(&entry("b")).expect("append b");
    let text = fs::read_to_string(&path).expect("read");
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.ends_with('\n'));
    assert_eq!(read_all(&path).expect("read_all"), vec![entry("a"), entry("b")]);
    fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn default_path_ends_with_the_file_name() {
    if let Some(path) = default_path() {
        assert!(
            path.ends_with(Path::new("wallet-tui").join(FILE_NAME)) || path.ends_with(FILE_NAME)
        );
    }
}
