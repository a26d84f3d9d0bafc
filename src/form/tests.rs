//! Unit tests of `form.rs`.

use super::*;
use crate::fixtures::key_event as key;

fn sample() -> Form {
    Form::new(
        "t",
        vec![
            Field::fixed("Table", "user_wallet"),
            Field::choice("Billing", vec!["provisioned", "on-demand"]),
            Field::text("RCU", "1"),
        ],
    )
}

#[test]
fn focus_skips_fixed_fields_and_wraps() {
    let mut form = sample();
    assert_eq!(form.focus, 1);
    form.handle_event(&key(KeyCode::Tab));
    assert_eq!(form.focus, 2);
    form.handle_event(&key(KeyCode::Tab));
    assert_eq!(form.focus, 1, "wraps past the fixed field");
    form.handle_event(&key(KeyCode::BackTab));
    assert_eq!(form.focus, 2);
}

#[test]
fn typing_edits_the_focused_text_and_clears_its_error() {
    let mut form = sample();
    form.focus = 2;
    form.fields[2].error = Some("bad".into());
    form.handle_event(&key(KeyCode::Char('0')));
    assert_eq!(form.value("RCU"), "10");
    assert!(form.fields[2].error.is_none());
}

#[test]
fn space_cycles_a_choice_and_enter_esc_report() {
    let mut form = sample();
    form.handle_event(&key(KeyCode::Char(' ')));
    assert_eq!(form.value("Billing"), "on-demand");
    form.handle_event(&key(KeyCode::Left));
    assert_eq!(form.value("Billing"), "provisioned");
    assert_eq!(form.handle_event(&key(KeyCode::Enter)), FormOutcome::Submit);
    assert_eq!(form.handle_event(&key(KeyCode::Esc)), FormOutcome::Cancel);
}

#[test]
fn a_paste_lands_at_the_cursor_as_one_edit_and_clears_the_error() {
    let mut form = sample();
    form.focus = 2;
    form.fields[2].error = Some("bad".into());
    form.handle_event(&key(KeyCode::Home));
    form.paste("é2\t");
    assert_eq!(form.value("RCU"), "é2\t1", "kept as pasted, tab included");
    assert!(form.fields[2].error.is_none());
    form.handle_event(&key(KeyCode::Char('x')));
    assert_eq!(form.value("RCU"), "é2\tx1", "the cursor follows the pasted text");
}

#[test]
fn a_paste_into_a_choice_changes_nothing() {
    let mut form = sample();
    form.paste("on-demand");
    assert_eq!(form.value("Billing"), "provisioned");
}

#[test]
fn a_megabyte_paste_is_taken_whole() {
    let mut form = sample();
    form.focus = 2;
    let big = "9".repeat(1 << 20);
    form.paste(&big);
    assert_eq!(form.value("RCU"), format!("1{big}"));
}
