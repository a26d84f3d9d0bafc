//! The mark set: UUIDs packed and sorted, other ids by text, bulk marks merged once.

use super::Marks;
use crate::wallet::UserId;

const A: &str = "00000000-0000-4000-8000-000000000001";
const B: &str = "00000000-0000-4000-8000-000000000002";

#[test]
fn insert_remove_contains_for_both_kinds_of_id() {
    let mut marks = Marks::new();
    let (a, odd) = (UserId::new(A), UserId::new("not a uuid"));
    assert!(marks.insert(&a));
    assert!(!marks.insert(&a), "marked twice counts once");
    assert!(marks.insert(&odd));
    assert_eq!(marks.len(), 2);
    assert!(marks.contains(&a) && marks.contains(&odd));
    assert!(!marks.contains(&UserId::new(B)));
    assert!(marks.remove(&a));
    assert!(!marks.remove(&a));
    assert_eq!(marks.iter().collect::<Vec<_>>(), vec![odd]);
}

#[test]
fn extend_merges_returns_only_the_new_and_keeps_order() {
    let mut marks = Marks::new();
    marks.insert(&UserId::new(B));
    let ids = [UserId::new(B), UserId::new(A), UserId::new(A), UserId::new("x")];
    let added = marks.extend(ids.iter());
    assert_eq!(added.len(), 2, "A and x are new, B was marked: {added:?}");
    assert_eq!(marks.len(), 3);
    let all: Vec<String> = marks.iter().map(|id| id.to_text()).collect();
    assert_eq!(all, vec![A.to_string(), B.to_string(), "x".to_string()]);
    marks.retain(|id| id.to_text() != B);
    assert_eq!(marks.len(), 2);
    marks.clear();
    assert!(marks.is_empty());
}
