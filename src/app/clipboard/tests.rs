//! Unit tests of `app/clipboard.rs`.

use std::time::Instant;

use super::*;
use crate::app::Level;
use crate::fixtures::{ch, described_app, described_table, scan_page};
use crate::msg::Msg;
use crate::table::TableStatus;

#[test]
fn osc52_is_the_base64_of_the_text_between_esc_bracket_52_and_bel() {
    assert_eq!(osc52("abc"), "\x1b]52;c;YWJj\x07");
    assert_eq!(osc52(""), "\x1b]52;c;\x07");
    // Control characters and non-ASCII travel inside the base64, never raw.
    let seq = osc52("a\x1b[2J\u{202e}é");
    assert!(!seq[1..seq.len() - 1].contains(['\x1b', '\x07']), "{seq:?}");
}

/// An app with wallets `a` (1.50) and `b` (-0.5) loaded, `a` selected.
fn loaded(t0: Instant) -> App {
    let mut app = described_app("test", Some(described_table(TableStatus::Active, 2, 100)), t0);
    let id = app.scan().expect("a scan").id;
    let wallets = vec![crate::fixtures::wallet("a", "1.50"), crate::fixtures::wallet("b", "-0.5")];
    let page = scan_page(id, 0, wallets, true, None);
    app.step(t0, crate::fixtures::answer(crate::msg::Response::ScanPage(page)));
    app
}

#[test]
fn y_copies_the_selected_wallet_as_json_and_capital_y_its_user_id() {
    let t0 = Instant::now();
    let mut app = loaded(t0);
    assert_eq!(app.clipboard(), None);
    let sent = app.step(t0, ch('y'));
    assert!(sent.is_empty(), "no call: {sent:?}");
    let copy = app.clipboard().cloned().expect("a copy");
    let wallet = app.selected_wallet().cloned().expect("selected");
    assert_eq!(copy.text, crate::json::wallet_json(&wallet, crate::json::Shape::Plain));
    assert!(copy.text.contains("\"user_id\": \"a\""), "{}", copy.text);
    let line = app.status_line().cloned().expect("said");
    assert_eq!(line.level, Level::Info);
    assert!(line.text.starts_with("copied wallet as JSON ("), "{line:?}");
    assert!(line.text.ends_with("to the clipboard (OSC 52) · a"), "{line:?}");

    app.step(t0, ch('Y'));
    let second = app.clipboard().cloned().expect("a copy");
    assert_eq!((second.seq, second.text.as_str()), (copy.seq + 1, "a"));
    assert_eq!(
        app.status_line().map(|l| l.text.as_str()),
        Some("copied user_id to the clipboard (OSC 52) · a")
    );
    // The same key again is a new copy: the loop sends it again.
    app.step(t0, ch('Y'));
    assert_eq!(app.clipboard().map(|c| c.seq), Some(second.seq + 1));
}

#[test]
fn nothing_selected_copies_nothing() {
    let t0 = Instant::now();
    let mut app = described_app("test", Some(described_table(TableStatus::Active, 0, 0)), t0);
    app.step(t0, Msg::Tick);
    app.step(t0, ch('y'));
    assert_eq!(app.clipboard(), None);
    let line = app.status_line().cloned().expect("said");
    assert_eq!(
        (line.level, line.text.as_str()),
        (Level::Error, "no wallet selected: nothing to copy")
    );
}
