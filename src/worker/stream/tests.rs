//! Unit tests of `worker/stream.rs`: the tailer's decisions that need no endpoint.

use super::*;
use crate::fixtures::wallet;

fn modify(id: &str) -> Change {
    Change {
        kind: ChangeKind::Modify,
        user_id: UserId::new(id),
        old: None,
        new: None,
        sequence: "1".into(),
        unknown: false,
    }
}

#[test]
fn a_failed_get_item_is_an_unknown_change_never_a_delete() {
    let err = ApiError::new(ErrorKind::Timeout, "timed out");
    let change = fetched(modify("alice"), Err(err));
    assert!(change.unknown);
    assert_eq!(change.kind, ChangeKind::Modify);
    let read = fetched(modify("alice"), Ok(Some(wallet("alice", "5"))));
    assert!(!read.unknown);
    assert_eq!(read.new, Some(wallet("alice", "5")));
    let gone = fetched(modify("alice"), Ok(None));
    assert!(!gone.unknown && gone.new.is_none(), "gone by then: a None, as read");
}

#[test]
fn only_a_stream_gone_or_refused_ends_the_tail_passing_failures_are_retried() {
    for kind in [ErrorKind::Unreachable, ErrorKind::Timeout, ErrorKind::Throttled, ErrorKind::Other]
    {
        assert!(transient(&ApiError::new(kind, "x")), "{kind:?}");
    }
    for kind in [ErrorKind::NotFound, ErrorKind::AccessDenied, ErrorKind::Validation] {
        assert!(!transient(&ApiError::new(kind, "x")), "{kind:?}");
    }
    let mut pause = RETRY_FIRST;
    for _ in 0..20 {
        pause = next_pause(pause);
    }
    assert_eq!(pause, RETRY_MAX, "backoff grows to its cap");
}

fn shard(id: &str, parent: Option<&str>) -> Shard {
    Shard::builder().shard_id(id).set_parent_shard_id(parent.map(str::to_string)).build()
}

#[test]
fn a_child_shard_is_opened_only_once_its_parent_is_read_to_its_end() {
    let shards = [shard("p", None), shard("c", Some("p")), shard("q", Some("gone"))];
    let mut seen = std::collections::HashSet::from(["p".to_string()]);
    // The parent is still being read: the child waits; an orphan opens at once.
    assert_eq!(ready_to_open(&shards, &seen, |id| id == "p"), ["q"]);
    // The parent finished: the child opens.
    seen.insert("q".into());
    assert_eq!(ready_to_open(&shards, &seen, |_| false), ["c"]);
    // Parent and child both new: the parent first, the child on a later round.
    let seen = std::collections::HashSet::new();
    assert_eq!(ready_to_open(&shards[..2], &seen, |_| false), ["p"]);
}

#[test]
fn a_lost_place_is_reopened_and_said_as_a_gap() {
    use ShardIteratorType::{AfterSequenceNumber, Latest, TrimHorizon};
    let last = Some("42".to_string());
    assert_eq!(reopen_at(last.clone(), &Latest, false), (AfterSequenceNumber, last, false));
    assert_eq!(reopen_at(None, &TrimHorizon, false), (TrimHorizon, None, false));
    assert_eq!(reopen_at(None, &Latest, false), (Latest, None, true), "expired at LATEST");
    assert_eq!(reopen_at(Some("1".into()), &Latest, true), (TrimHorizon, None, true), "trimmed");
}
