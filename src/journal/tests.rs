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
        amount: None,
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
        journal.append(&Line::Applied(entry("a"))).expect("append a");
    }
    // Reopening appends rather than truncating.
    let journal = Journal::open(&path).expect("reopen");
    journal.append(&Line::Applied(entry("b"))).expect("append b");
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

fn intent(op_id: &str, kind: WriteKind) -> Intent {
    Intent {
        time: "2026-12-02T10:00:00Z".into(),
        endpoint: "DynamoDB Local http://127.0.0.1:8000".into(),
        arn: Some("arn:aws:dynamodb:ddblocal:000000000000:table/wallets".into()),
        region: Some("us-east-1".into()),
        table: "wallets".into(),
        write: Write { op_id: op_id.into(), user_id: "u1".into(), kind },
        stamp: None,
    }
}

#[test]
fn intents_without_an_outcome_are_open_and_survive_a_round_trip() {
    let dir = std::env::temp_dir().join(format!("wallet-tui-journal-{}", uuid::Uuid::new_v4()));
    let path = dir.join(FILE_NAME);
    let journal = Journal::open(&path).expect("open");
    let b = |t: &str| crate::balance::Balance::parse(t).expect("a balance");
    let deposit = WriteKind::SetBalance {
        seen: Some(b("10")),
        new: b("15.000000000000000000000000000000000001"),
        reason: crate::write::EditReason::Deposit(b("5.000000000000000000000000000000000001")),
    };
    let open = intent("open", deposit.clone());
    let ended = Ended {
        time: "2026-12-02T10:00:01Z".into(),
        endpoint: open.endpoint.clone(),
        table: "wallets".into(),
        user_id: "u1".into(),
        op_id: "ended".into(),
        outcome: "not_applied".into(),
        reason: "condition failed".into(),
    };
    let lines = vec![
        Line::Intent(intent("applied", WriteKind::Delete { seen: None })),
        Line::Intent(open.clone()),
        Line::Applied(entry("applied")),
        Line::Intent(intent("ended", deposit)),
        Line::Ended(ended),
    ];
    for line in &lines {
        journal.append(line).expect("append");
    }
    // A line of the journal's first format (no kind) still reads, as an applied entry.
    let legacy = serde_json::to_string(&entry("legacy")).expect("json");
    fs::write(&path, format!("{}{legacy}\n", fs::read_to_string(&path).expect("read")))
        .expect("append legacy");
    let read = read_lines(&path).expect("read");
    assert_eq!(read[..5], lines[..]);
    assert_eq!(read[5], Line::Applied(entry("legacy")));
    assert_eq!(read_open_intents(&path).expect("open intents"), vec![open.clone()]);
    assert_eq!(open.sent_at(), parse_rfc3339("2026-12-02T10:00:00Z"));
    assert!(open.sent_at().is_some());
    fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn a_line_that_is_not_a_journal_line_is_an_error_naming_it() {
    let dir = std::env::temp_dir().join(format!("wallet-tui-journal-{}", uuid::Uuid::new_v4()));
    let path = dir.join(FILE_NAME);
    Journal::open(&path).expect("open").append(&Line::Applied(entry("a"))).expect("append");
    fs::write(&path, format!("{}\nnot json\n", fs::read_to_string(&path).expect("read")))
        .expect("write");
    let err = read_lines(&path).expect_err("refused");
    assert!(err.to_string().contains("line 3"), "{err}");
    fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn a_torn_line_is_skipped_and_the_next_append_starts_a_line_of_its_own() {
    let dir = std::env::temp_dir().join(format!("wallet-tui-journal-{}", uuid::Uuid::new_v4()));
    let path = dir.join(FILE_NAME);
    let open = intent("open", WriteKind::Delete { seen: None });
    Journal::open(&path).expect("open").append(&Line::Intent(open.clone())).expect("append");
    // A crash in the middle of the next append.
    let torn = serde_json::to_string(&Line::Applied(entry("x"))).expect("json");
    let text = fs::read_to_string(&path).expect("read");
    fs::write(&path, format!("{text}{}", &torn[..torn.len() / 2])).expect("write");
    let later = intent("later", WriteKind::Delete { seen: None });
    Journal::open(&path).expect("reopen").append(&Line::Intent(later.clone())).expect("append");
    assert_eq!(read_open_intents(&path).expect("read"), vec![open, later]);
    fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn appends_from_many_threads_share_flushes_and_every_line_lands_once_and_whole() {
    let dir = std::env::temp_dir().join(format!("wallet-tui-journal-{}", uuid::Uuid::new_v4()));
    let path = dir.join(FILE_NAME);
    let journal = std::sync::Arc::new(Journal::open(&path).expect("open"));
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let journal = journal.clone();
            std::thread::spawn(move || {
                for i in 0..50 {
                    let lines = [
                        Line::Applied(entry(&format!("{t}-{i}-a"))),
                        Line::Applied(entry(&format!("{t}-{i}-b"))),
                    ];
                    journal.append_lines(&lines).expect("append");
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().expect("thread"));
    let read = read_all(&path).expect("read_all");
    assert_eq!(read.len(), 800);
    let ops: std::collections::HashSet<String> = read.iter().map(|e| e.op_id.clone()).collect();
    assert_eq!(ops.len(), 800, "every line once");
    // Lines appended together stay together.
    for pair in read.chunks(2) {
        assert_eq!(pair[0].op_id.trim_end_matches("-a"), pair[1].op_id.trim_end_matches("-b"));
    }
    fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn a_failed_append_fails_it_and_every_later_one_and_leaves_no_line() {
    // /dev/full takes no byte: the first append fails, and the journal stays broken.
    let journal = Journal {
        path: PathBuf::from("/dev/full"),
        file: OpenOptions::new().append(true).open("/dev/full").expect("open /dev/full"),
        waiting: Mutex::default(),
        flushed: Mutex::default(),
    };
    assert!(journal.append(&Line::Applied(entry("a"))).is_err());
    assert!(journal.append(&Line::Applied(entry("b"))).is_err(), "broken until reopened");
    assert_eq!(lock(&journal.flushed).failed.as_ref().map(|f| f.0), Some(1));
}
