//! What settling open writes costs at the start of every table session: reading the
//! write-ahead journal and finding its intents without an outcome, for journals of 10k and
//! 100k writes (an intent and an applied line each, one write in a thousand left open).
//!
//! `cargo bench --bench journal`

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use wallet_tui::balance::Balance;
use wallet_tui::journal::{self, Intent, Journal, JournalEntry, Line};
use wallet_tui::write::{EditReason, Write, WriteKind};

fn journal_of(writes: usize) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("wallet-tui-bench-journal-{writes}"));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join(journal::FILE_NAME);
    let journal = Journal::open(&path).expect("journal");
    let b = |t: &str| Balance::parse(t).expect("balance");
    let mut text = String::new();
    for n in 0..writes {
        let op_id = format!("00000000-0000-4000-8000-{n:012}");
        let write = Write {
            op_id: op_id.clone(),
            user_id: format!("{n:08}-user"),
            kind: WriteKind::SetBalance {
                seen: Some(b("100.25")),
                new: b("105.25"),
                reason: EditReason::Deposit(b("5")),
            },
        };
        let intent = Intent {
            time: "2026-12-02T10:00:00Z".into(),
            endpoint: "DynamoDB Local http://127.0.0.1:8000".into(),
            arn: None,
            region: Some("us-east-1".into()),
            table: "user_wallet".into(),
            write,
            stamp: None,
        };
        text.push_str(&serde_json::to_string(&Line::Intent(intent)).expect("json"));
        text.push('\n');
        if n % 1000 != 999 {
            let applied = JournalEntry {
                time: "2026-12-02T10:00:01Z".into(),
                endpoint: "DynamoDB Local http://127.0.0.1:8000".into(),
                table: "user_wallet".into(),
                user_id: format!("{n:08}-user"),
                operation: "deposit".into(),
                old: Some("100.25".into()),
                new: Some("105.25".into()),
                amount: None,
                request_id: Some("req".into()),
                op_id,
            };
            text.push_str(&serde_json::to_string(&Line::Applied(applied)).expect("json"));
            text.push('\n');
        }
    }
    drop(journal);
    std::fs::write(&path, text).expect("write the journal");
    path
}

fn open_intents(c: &mut Criterion) {
    let mut group = c.benchmark_group("journal_open_intents");
    group.sample_size(10);
    for writes in [10_000, 100_000] {
        let path = journal_of(writes);
        let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        eprintln!("{writes} writes: {} MB", bytes / 1_000_000);
        group.bench_with_input(BenchmarkId::from_parameter(writes), &path, |b, path| {
            b.iter(|| {
                let open = journal::read_open_intents(black_box(path)).expect("read");
                assert_eq!(open.len(), writes / 1000);
            })
        });
        let _ = std::fs::remove_dir_all(path.parent().expect("dir"));
    }
    group.finish();
}

criterion_group!(benches, open_intents);
criterion_main!(benches);
