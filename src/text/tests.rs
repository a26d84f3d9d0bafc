//! Tests of the text helpers: visible forms, cuts, counted nouns.

use super::*;

#[test]
fn control_characters_are_pictures_and_invisible_ones_are_marked() {
    assert_eq!(visible_text("a\u{1b}[2J\tb\u{7f}\u{85}\n"), "a␛[2J␉b␡�␊");
    assert_eq!(visible_text("ünïcödé 💰"), "ünïcödé 💰", "printable text is kept");
    for c in ['\u{202a}', '\u{202e}', '\u{202c}', '\u{2066}', '\u{2069}', '\u{200b}', '\u{200f}'] {
        assert_eq!(visible(c), INVISIBLE_MARK, "{:?}", c);
    }
    assert_eq!(visible('\u{feff}'), INVISIBLE_MARK);
    assert_eq!(visible('\u{2028}'), INVISIBLE_MARK, "a line separator would break the line");
    assert_eq!(visible_text("abc\u{202e}fed"), "abc␦fed");
}

#[test]
fn every_visible_character_takes_room_on_screen() {
    for c in (0u32..0x3000).filter_map(char::from_u32) {
        let shown = visible(c);
        assert!(!shown.is_control() && !is_invisible(shown), "{c:?} -> {shown:?}");
    }
}

#[test]
fn fit_cuts_with_a_visible_mark() {
    assert_eq!(fit("12345", 5), "12345");
    assert_eq!(fit("123456", 5), "1234…");
    assert_eq!(fit("a\u{1b}bcdef", 4), "a␛b…");
    assert_eq!(fit("💰💰💰", 4), "💰…", "wide characters count two columns");
    assert_eq!(fit("abc", 0), "");
}

#[test]
fn counts_are_singular_or_plural() {
    assert_eq!(count(0, "wallet"), "0 wallets");
    assert_eq!(count(1, "wallet"), "1 wallet");
    assert_eq!(count(2, "wallet"), "2 wallets");
    assert_eq!(count(1234, "wallet"), "1,234 wallets");
}

#[test]
fn scrubbing_drops_bidi_controls_from_cells() {
    assert_eq!(scrub_symbol("a"), None);
    assert_eq!(scrub_symbol("é"), None);
    assert_eq!(scrub_symbol("a\u{202e}").as_deref(), Some("a"));
    assert_eq!(scrub_symbol("\u{200b}").as_deref(), Some(" "));
}
