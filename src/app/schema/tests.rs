//! State tests of `app/schema.rs`.

use std::time::{Duration, Instant};

use crate::app::Level;
use crate::error::{ApiError, ErrorKind};
use crate::fixtures::{ch, described, described_app, described_table};
use crate::msg::{Msg, Request};
use crate::table::{AttributeDef, KeyElement, TableInfo, TableStatus};

fn key(name: &str, key_type: &str) -> KeyElement {
    KeyElement { name: name.into(), key_type: key_type.into() }
}

fn attr(name: &str, attr_type: &str) -> AttributeDef {
    AttributeDef { name: name.into(), attr_type: attr_type.into() }
}

/// The table, with 5 items, keyed as given.
fn keyed(keys: Vec<KeyElement>, attributes: Vec<AttributeDef>) -> TableInfo {
    TableInfo { key_schema: keys, attributes, ..described_table(TableStatus::Active, 5, 400) }
}

/// The three kinds of table the issue found: `id` N, `user_id` B, `user_id` S + `ts` N.
fn foreign_tables() -> Vec<(TableInfo, &'static str)> {
    vec![
        (keyed(vec![key("id", "HASH")], vec![attr("id", "N")]), "id (N) HASH"),
        (keyed(vec![key("user_id", "HASH")], vec![attr("user_id", "B")]), "user_id (B) HASH"),
        (
            keyed(
                vec![key("user_id", "HASH"), key("ts", "RANGE")],
                vec![attr("user_id", "S"), attr("ts", "N")],
            ),
            "user_id (S) HASH, ts (N) RANGE",
        ),
    ]
}

#[test]
fn a_table_keyed_otherwise_says_its_key_and_is_never_scanned() {
    for (info, schema) in foreign_tables() {
        let t0 = Instant::now();
        let mut app = described_app("test", Some(info), t0);
        assert!(app.scan().is_none(), "{schema}: no scan started");
        assert_eq!(app.foreign_key_schema().as_deref(), Some(schema));
        let line = app.status_line().cloned().expect("said at once");
        assert_eq!(line.level, Level::Warning);
        assert!(
            line.text.contains(&format!("is keyed {schema}, not user_id (S) HASH")),
            "{line:?}"
        );
        // `r` describes it again, and still scans nothing.
        let sent = app.step(t0, ch('r'));
        assert_eq!(sent, vec![Request::DescribeTable { table: crate::fixtures::TABLE.into() }]);
        assert_eq!(app.list().loaded(), 0);
        assert!(app.scan().is_none());
    }
}

#[test]
fn wallet_keys_send_nothing_on_a_table_that_is_not_a_wallet_table() {
    for (info, schema) in foreign_tables() {
        let t0 = Instant::now();
        let mut app = described_app("test", Some(info), t0);
        // get, new, edit, deposit, withdraw, delete, transfer, export, undo, demo data
        for c in ['f', 'n', 'e', '+', '-', 'x', 'T', 'E', 'u', 'S'] {
            let sent = app.step(t0, ch(c));
            assert!(sent.is_empty(), "{schema}, {c}: {sent:?}");
            assert!(matches!(app.modal(), crate::app::Modal::None), "{schema}, {c}: a form opened");
            let line = app.status_line().cloned().expect("said");
            assert_eq!(line.level, Level::Error, "{c}");
            assert_eq!(Some(line.text), app.not_a_wallet_table(), "{c}: one plain line");
        }
    }
}

#[test]
fn a_wallet_table_is_not_foreign() {
    let t0 = Instant::now();
    let app = described_app("test", Some(described_table(TableStatus::Active, 5, 400)), t0);
    assert_eq!(app.foreign_key_schema(), None);
    assert!(app.scan().is_some(), "scanned");
}

#[test]
fn a_failed_poll_makes_the_status_stale_and_recovery_clears_what_no_longer_holds() {
    let t0 = Instant::now();
    let mut app = described_app("test", Some(described_table(TableStatus::Active, 5, 400)), t0);
    assert_eq!(app.status_age(), None, "fresh");
    let poll = t0 + crate::app::SLOW_POLL;
    assert!(
        app.step(poll, Msg::Tick).contains(&Request::DescribeTable { table: "user_wallet".into() })
    );
    let err = ApiError::new(ErrorKind::Unreachable, "dispatch failure: connection refused");
    app.step(poll, described(Err(err)));
    assert_eq!(app.status_age(), Some(crate::app::SLOW_POLL), "stale since the last answer");
    app.step(poll + Duration::from_secs(1), Msg::Tick);
    assert_eq!(app.status_age(), Some(crate::app::SLOW_POLL + Duration::from_secs(1)));
    let line = app.status_line().cloned().expect("said");
    assert!(line.text.starts_with("cannot reach the endpoint"), "the point first: {line:?}");

    // The endpoint answers again: the line that no longer holds goes.
    let retry = app.next_describe().expect("a retry is planned");
    app.step(retry, Msg::Tick);
    app.step(retry, described(Ok(Some(described_table(TableStatus::Active, 5, 400)))));
    assert_eq!(app.status_age(), None);
    let line = app.status_line().cloned().expect("said");
    assert_eq!((line.level, line.text.as_str()), (Level::Info, "test answers again"));
}

#[test]
fn a_write_result_with_a_long_user_id_says_the_result_first() {
    use crate::fixtures::{answer, wallet};
    use crate::msg::Response;
    use crate::write::{Write, WriteDone, WriteKind};
    let t0 = Instant::now();
    let mut app = described_app("test", Some(described_table(TableStatus::Active, 5, 400)), t0);
    let long_id = "x".repeat(200);
    let write = Write {
        op_id: "op-1".into(),
        user_id: long_id.clone(),
        kind: WriteKind::Create { balance: crate::fixtures::balance("12.5") },
    };
    let done = WriteDone::applied(Some(wallet(&long_id, "12.5")), None, Some(1.0), None);
    let written = Response::Written { table: "user_wallet".into(), write, result: Ok(done) };
    app.step(t0, answer(written));
    let line = app.status_line().cloned().expect("said");
    assert!(line.text.starts_with("create: balance 12.5, 1 WCU · xxx"), "{line:?}");
}

#[test]
fn a_resumed_scan_that_completes_clears_the_line_that_said_it_stopped() {
    use crate::fixtures::{answer, scan_page, wallet};
    use crate::msg::Response;
    let t0 = Instant::now();
    let mut app = described_app("test", Some(described_table(TableStatus::Active, 2, 100)), t0);
    let id = app.scan().expect("a scan").id;
    let error = ApiError::new(ErrorKind::Unreachable, "connection refused");
    app.step(t0, answer(Response::ScanFailed { id, segment: 0, error }));
    assert!(app.status_line().is_some_and(|l| l.text.starts_with("scan stopped")));
    let sent = app.step(t0, ch('r'));
    let resumed = sent.iter().find_map(|r| match r {
        Request::Scan { id, .. } => Some(*id),
        _ => None,
    });
    let resumed = resumed.expect("r resumes");
    let wallets = vec![wallet("a", "1"), wallet("b", "2")];
    app.step(t0, answer(Response::ScanPage(scan_page(resumed, 0, wallets, true, None))));
    assert!(app.status_line().is_some_and(|l| l.text.starts_with("resuming the scan")));
    for segment in 1..4 {
        app.step(t0, answer(Response::ScanPage(scan_page(resumed, segment, vec![], true, None))));
    }
    let line = app.status_line().cloned().expect("said");
    assert_eq!((line.level, line.text.as_str()), (Level::Info, "scan complete: 2 wallets loaded"));
}
