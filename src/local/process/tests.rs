//! Unit tests of `local/process.rs`.

use super::*;

#[test]
fn tail_keeps_last_lines() {
    let mut tail = VecDeque::new();
    for i in 0..30 {
        push_tail(&mut tail, format!("line {i}"));
    }
    assert_eq!(tail.len(), TAIL_LINES);
    assert_eq!(tail.front().map(String::as_str), Some("line 10"));
    assert_eq!(join_tail(std::iter::empty()), "(no output)");
}
