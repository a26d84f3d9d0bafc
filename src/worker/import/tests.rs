//! The import's conflict words (what differs from what the diff read, by attribute), its
//! groups and its pacer.

use super::*;
use crate::worker::item::{sdk_value, wallet_from_item};

fn attrs(pairs: &[(&str, AttrValue)]) -> Attrs {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

fn wallet(attrs: &Attrs) -> Wallet {
    let item: Item = attrs.iter().map(|(n, v)| (n.clone(), sdk_value(v))).collect();
    wallet_from_item(&item).expect("a wallet")
}

#[test]
fn a_conflict_names_the_attributes_that_changed() {
    let (s, n) = (|t: &str| AttrValue::S(t.into()), |t: &str| AttrValue::N(t.into()));
    let seen = attrs(&[("user_id", s("u")), ("balance", n("5")), ("note", s("x"))]);
    let item = attrs(&[("user_id", s("u")), ("balance", n("9")), ("currency", s("EUR"))]);
    let now = attrs(&[("user_id", s("u")), ("balance", n("5.0")), ("currency", s("USD"))]);
    assert_eq!(
        changed(&wallet(&now), &item, &seen),
        "changed meanwhile: currency now USD, note removed"
    );
    let now = attrs(&[("user_id", s("u")), ("balance", s("5")), ("note", s("x"))]);
    assert_eq!(changed(&wallet(&now), &item, &seen), "changed meanwhile: balance now S \"5\"");
    assert_eq!(changed(&wallet(&seen), &item, &seen), "changed meanwhile");
}

#[test]
fn a_csv_never_retypes_and_compares_as_export_wrote() {
    let (s, n) = (|t: &str| AttrValue::S(t.into()), |t: &str| AttrValue::N(t.into()));
    let row = |line: u64, id: &str, pairs: &[(&str, AttrValue)]| {
        let mut item = attrs(pairs);
        item.insert("user_id".into(), s(id));
        Row { line, user_id: id.into(), item, text: format!("{id},…") }
    };
    let stored = |id: &str, pairs: &[(&str, AttrValue)]| {
        let mut item = attrs(pairs);
        item.insert("user_id".into(), s(id));
        item
    };
    let held = [("balance", n("1")), ("tag", n("3")), ("ok", AttrValue::Bool(true))];
    let mut plan = Plan {
        different: vec![
            // As exported: the same, only the balance changes; tag and ok stay typed.
            (
                row(2, "a", &[("balance", n("2")), ("tag", s("3")), ("ok", s("true"))]),
                stored("a", &held),
            ),
            // As exported and nothing else: identical.
            (row(3, "b", &[("balance", n("1")), ("tag", s("3"))]), stored("b", &held)),
            // Another text where a number is held: refused, never retyped.
            (row(4, "c", &[("balance", n("1")), ("tag", s("x"))]), stored("c", &held)),
        ],
        ..Plan::default()
    };
    let refused = csv_against_table(&mut plan);
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].line, 4);
    assert!(
        refused[0].reason.starts_with("tag: the table holds N 3, the CSV the text \"x\""),
        "{}",
        refused[0].reason
    );
    assert_eq!(plan.identical, 1);
    assert_eq!(plan.different.len(), 1);
    let (written, _) = &plan.different[0];
    assert_eq!(written.item, stored("a", &[("balance", n("2"))]), "only the balance is set");
}

#[test]
fn writes_go_100_to_a_transaction_and_a_tenth_of_a_second_s_budget_when_paced() {
    let row = |i: u64| Row {
        line: i,
        user_id: format!("u{i}"),
        item: attrs(&[
            ("user_id", AttrValue::S(format!("u{i}").into())),
            ("balance", AttrValue::N("1".into())),
        ]),
        text: String::new(),
    };
    let writes: Vec<Write> = (0..250).map(|i| put(&row(i), None)).collect();
    let sizes = |groups: Vec<Vec<Write>>| groups.iter().map(Vec::len).collect::<Vec<_>>();
    assert_eq!(sizes(groups(writes.clone(), None)), vec![100, 100, 50]);
    // 2 WCU each at 100 WCU/s: 10 WCU per transaction, 5 writes.
    assert_eq!(sizes(groups(writes.clone(), Some(100.0))), vec![5; 50]);
    // A budget below one write's cost still sends one write at a time.
    assert_eq!(sizes(groups(writes[..3].to_vec(), Some(1.0))), vec![1, 1, 1]);
    // Order kept.
    let flat: Vec<String> = groups(writes, None).concat().into_iter().map(|w| w.user_id).collect();
    assert_eq!(flat[..3], ["u0", "u1", "u2"]);
}

#[tokio::test]
async fn units_charged_after_the_fact_delay_the_next_turn() {
    let pacer = Pacer::new(Some(100.0));
    let start = Instant::now();
    pacer.take(1.0).await;
    // A round sent again cost 20 more units: at 100 units a second, 200 ms more.
    pacer.charge(20.0).await;
    pacer.take(1.0).await;
    assert!(start.elapsed() >= Duration::from_millis(210), "{:?}", start.elapsed());
    // Unpaced, nothing is booked.
    let unpaced = Pacer::new(None);
    unpaced.charge(1000.0).await;
    assert!(*unpaced.next.lock().await <= Instant::now(), "no turn booked ahead");
}
