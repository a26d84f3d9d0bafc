//! Unit tests of `keymap.rs`.

use super::*;
use rstest::rstest;

#[test]
fn default_keymap_binds_every_action() {
    let keymap = Keymap::parse(DEFAULT_KEYMAP).expect("default keymap parses");
    for action in
        [Action::Quit, Action::Help, Action::Refresh, Action::CreateTable, Action::DeleteTable]
    {
        assert!(keymap.bindings.get(&action).is_some_and(|k| !k.is_empty()), "{action:?}");
    }
}

#[rstest]
#[case("q", KeyCode::Char('q'), KeyModifiers::NONE)]
#[case("D", KeyCode::Char('D'), KeyModifiers::NONE)]
#[case("ctrl-c", KeyCode::Char('c'), KeyModifiers::CONTROL)]
#[case("esc", KeyCode::Esc, KeyModifiers::NONE)]
#[case("f5", KeyCode::F(5), KeyModifiers::NONE)]
#[case("-", KeyCode::Char('-'), KeyModifiers::NONE)]
fn keys_parse(#[case] text: &str, #[case] code: KeyCode, #[case] modifiers: KeyModifiers) {
    assert_eq!(Key::parse(text), Ok(Key { code, modifiers }));
}

#[rstest]
#[case("")]
#[case("ctrl-")]
#[case("hyper-x")]
#[case("fx")]
fn bad_keys_are_refused(#[case] text: &str) {
    assert!(Key::parse(text).is_err());
}

#[test]
fn shifted_capital_matches_plain_binding() {
    let keymap = Keymap::default_keymap();
    let ev = KeyEvent::new(KeyCode::Char('D'), KeyModifiers::SHIFT);
    assert_eq!(keymap.action_for(&ev), Some(Action::DeleteTable));
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(keymap.action_for(&ctrl_c), Some(Action::Quit));
    let c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::NONE);
    assert_eq!(keymap.action_for(&c), Some(Action::CreateTable));
}

#[test]
fn action_names_are_the_keymap_file_names() {
    for action in ACTIONS {
        let text = format!("{} = [\"F12\"]", action.name());
        let keymap = Keymap::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(keymap.first_key(action), "F12", "{text}");
    }
    assert_eq!(Action::DeleteWallet.name(), "delete_wallet");
}
