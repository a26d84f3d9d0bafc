//! The blocked view against a plain vector: random inserts, removes, sets, pushes and
//! searches, with blocks small enough to split and merge all the time.

use super::*;
use crate::fixtures::Rng;

/// The key the tests give an entry in a keyed view: ties of three.
fn key(e: u32) -> u64 {
    u64::from(e / 3)
}

/// Every way of reading the view agrees with the model, and no block outgrows its cap.
fn check(view: &View, model: &[u32], step: usize) {
    assert_eq!(view.len(), model.len(), "len, step {step}");
    assert_eq!(view.is_empty(), model.is_empty());
    assert_eq!(view.to_vec(), model, "entries, step {step}");
    assert!(view.iter().eq(model.iter().copied()), "iter, step {step}");
    for (p, &e) in model.iter().enumerate() {
        assert_eq!(view.get(p), Some(e), "get({p}), step {step}");
    }
    assert_eq!(view.get(model.len()), None);
    for (p, &e) in model.iter().enumerate() {
        assert_eq!(view.position(e), Some(p), "position({e}), step {step}");
    }
    // One position a step: its neighbours, as `rekey` (with the key it has) gives them.
    if let Some(&e) = model.get(step % model.len().max(1)) {
        let p = step % model.len();
        let own = |e: u32| if view.keyed { key(e) } else { u64::from(e) };
        let (entry, [prev, next]) = view.clone().rekey(p, own(e));
        assert_eq!(entry, e, "rekey({p}), step {step}");
        let neighbour = |q: Option<usize>| q.and_then(|q| model.get(q)).map(|&e| (e, own(e)));
        assert_eq!(prev, neighbour(p.checked_sub(1)), "before {p}, step {step}");
        assert_eq!(next, neighbour(Some(p + 1)), "after {p}, step {step}");
    }
    let mut shown = [false; 1000];
    model.iter().for_each(|&e| shown[e as usize] = true);
    for e in (0..1000).filter(|&e| !shown[e as usize]) {
        assert_eq!(view.position(e), None, "position({e}) of an entry not in view");
    }
    assert_eq!(view.order.len(), view.starts.len());
    let live = view.order.len() + view.free.len();
    assert_eq!(live, view.lens.len(), "every block is in the order or free, step {step}");
    assert_eq!(view.entries.len(), view.lens.len() * view.cap, "a slot per block");
    assert_eq!(view.keys.len(), if view.keyed { view.entries.len() } else { 0 }, "keys");
    for (k, &b) in view.order.iter().enumerate() {
        assert_eq!(view.rank[b as usize], k as u32, "rank of block {b}, step {step}");
    }
    for &b in &view.free {
        assert_eq!(view.lens[b as usize], 0, "free block {b} empty, step {step}");
    }
    let mut start = 0;
    for (k, &b) in view.order.iter().enumerate() {
        let block = view.slot(b as usize);
        assert_eq!(view.starts[k], start, "start of block {b}, step {step}");
        assert!(block.len() <= view.cap, "block {b} over its cap, step {step}");
        assert!(!block.is_empty() || view.order.len() == 1, "empty block {b}, step {step}");
        let last = block.last().map_or(0, |&e| if view.keyed { key(e) } else { u64::from(e) });
        assert_eq!(view.lasts[k], last, "last key of block {b}, step {step}");
        start += block.len() as u32;
    }
}

#[test]
fn random_edits_match_a_vector() {
    for (cap, keyed) in [2, 3, 4, 8, 64].into_iter().flat_map(|c| [(c, false), (c, true)]) {
        let mut rng = Rng::new(0x2545_f491_4f6c_dd1d ^ cap as u64);
        let mut view = View::with_block(cap).emptied(keyed);
        let mut model: Vec<u32> = Vec::new();
        for step in 0..3000 {
            // A store index not in view (entries are distinct).
            let entry = (0..100_000).map(|_| rng.below(1000) as u32).find(|e| !model.contains(e));
            let entry = entry.expect("a free entry");
            match rng.below(10) {
                0..=2 => {
                    let p = rng.below(model.len() + 1);
                    view.insert(p, entry, key(entry));
                    model.insert(p, entry);
                }
                3..=5 if !model.is_empty() => {
                    let p = rng.below(model.len());
                    assert_eq!(view.remove(p), model.remove(p), "remove({p}), step {step}");
                }
                6 if !model.is_empty() => {
                    let p = rng.below(model.len());
                    view.set(p, entry);
                    view.rekey(p, key(entry));
                    model[p] = entry;
                }
                7 => {
                    view.push(entry, key(entry));
                    model.push(entry);
                }
                8 => {
                    let (start, len) = (rng.below(model.len() + 2), rng.below(20));
                    let expected: Vec<u32> = model.iter().skip(start).take(len).copied().collect();
                    let got: Vec<u32> = view.range(start, start.saturating_add(len)).collect();
                    assert_eq!(got, expected, "range({start}, +{len}), step {step}");
                }
                _ => {
                    // Rebuilt from its entries: same entries, fresh blocks.
                    if rng.below(8) == 0 {
                        let keys: Vec<u64> = model.iter().map(|&e| key(e)).collect();
                        view = view.rebuilt(&model, keyed.then_some(&keys[..]));
                    }
                }
            }
            check(&view, &model, step);
        }
    }
}

#[test]
fn partition_point_finds_the_place_in_a_sorted_view() {
    for cap in [2, 5, 16] {
        let sorted: Vec<u32> = (0..200).map(|i| i * 2).collect();
        let view = View::with_block(cap).rebuilt(&sorted, None);
        let keys: Vec<u64> = sorted.iter().map(|&e| key(e)).collect();
        let keyed = View::with_block(cap).rebuilt(&sorted, Some(&keys));
        for x in 0..402 {
            let expected = sorted.partition_point(|&e| e < x);
            assert_eq!(
                view.partition_point(x.into(), |e| e < x),
                expected,
                "place of {x}, cap {cap}"
            );
            // Keyed: only entries whose key ties with x's are asked about.
            let asked = |e: u32| {
                assert_eq!(key(e), key(x), "{e} asked about while placing {x}");
                e < x
            };
            assert_eq!(keyed.partition_point(key(x), asked), expected, "keyed place of {x}");
        }
    }
    let empty = View::default();
    assert_eq!(empty.partition_point(0, |_| true), 0);
    assert_eq!(empty.range(0, 10).count(), 0);
}

#[test]
fn key_range_agrees_with_two_binary_searches() {
    let mut rng = Rng::new(0x1234_5678_9abc_def1);
    for len in [0, 1, 31, 32, 33, 64, 100, 255, 256] {
        let mut keys: Vec<u64> = (0..len).map(|_| rng.below(40) as u64).collect();
        keys.sort_unstable();
        for key in 0..42 {
            let expected =
                (keys.partition_point(|&x| x < key), keys.partition_point(|&x| x <= key));
            assert_eq!(key_range(&keys, key), expected, "{key} in {keys:?}");
        }
    }
}

#[test]
fn a_million_appends_fill_whole_blocks() {
    let mut view = View::default();
    (0..1_000_000).for_each(|i| view.push(i, 0));
    assert_eq!(view.order.len(), 1_000_000usize.div_ceil(BLOCK));
    assert_eq!(view.position(999_999), Some(999_999));
    assert_eq!(view.get(999_999), Some(999_999));
    assert_eq!(view.range(999_990, 2_000_000).count(), 10);
}
