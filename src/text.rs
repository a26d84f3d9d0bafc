//! Text for the screen: stored or typed text made visible (one form of a user_id everywhere),
//! cut to a width with a visible mark, and counted nouns ("1 wallet", "2 wallets").
//! Shared by `app` (status lines, form titles) and `ui` (every pane).

use unicode_width::UnicodeWidthChar;

/// Drawn in place of a character that takes no room or reorders text: zero-width characters,
/// bidi controls, other format characters and line separators.
pub const INVISIBLE_MARK: char = '\u{2426}'; // ␦
/// Drawn in place of a C1 control character (U+0080–U+009F).
pub const C1_MARK: char = '\u{fffd}'; // �
/// Ends a value cut to fit.
pub const CUT_MARK: char = '…';

/// How a character of typed or stored text is drawn: control characters, which a terminal
/// would act on, as visible pictures (␛ for escape, ␉ for tab, ␡ for DEL, � for C1); zero-width
/// characters and bidi controls, which would hide or reorder text, as ␦.
pub fn visible(c: char) -> char {
    match c {
        '\0'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or(C1_MARK),
        '\u{7f}' => '\u{2421}',
        '\u{80}'..='\u{9f}' => C1_MARK,
        c if is_invisible(c) => INVISIBLE_MARK,
        c => c,
    }
}

/// `text` with every character made [`visible`].
pub fn visible_text(text: &str) -> String {
    if text.chars().all(|c| visible(c) == c) {
        return text.to_string();
    }
    text.chars().map(visible).collect()
}

/// Characters that take no room on screen or change the order text is drawn in (Unicode
/// format characters, Cf, and the line and paragraph separators): a user would not see them,
/// and a terminal given bidi controls reorders what follows.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{ad}'
            | '\u{600}'..='\u{605}'
            | '\u{61c}'
            | '\u{6dd}'
            | '\u{70f}'
            | '\u{890}'..='\u{891}'
            | '\u{8e2}'
            | '\u{180e}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206f}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{110bd}'
            | '\u{110cd}'
            | '\u{13430}'..='\u{1343f}'
            | '\u{1bca0}'..='\u{1bca3}'
            | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0001}'
            | '\u{e0020}'..='\u{e007f}'
    )
}

/// Columns `c` takes once made [`visible`].
pub fn columns(c: char) -> usize {
    visible(c).width().unwrap_or(0)
}

/// Columns `text` takes once made [`visible`].
pub fn width(text: &str) -> usize {
    text.chars().map(columns).sum()
}

/// `text` made [`visible`] and cut to at most `max` columns; a cut ends in [`CUT_MARK`] so it
/// is never silent.
pub fn fit(text: &str, max: usize) -> String {
    if width(text) <= max {
        return visible_text(text);
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = columns(c);
        if used + w + 1 > max {
            break;
        }
        used += w;
        out.push(visible(c));
    }
    if max > 0 {
        out.push(CUT_MARK);
    }
    out
}

/// "1 wallet", "2 wallets", "1,234 wallets": `noun` is the singular; the plural adds "s".
pub fn count(n: usize, noun: &str) -> String {
    let number = group(n as u64);
    if n == 1 { format!("{number} {noun}") } else { format!("{number} {noun}s") }
}

/// 1234567 → "1,234,567".
pub fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Drops from a terminal cell's symbol every character [`is_invisible`] would mark: the last
/// guard that keeps bidi controls and zero-width characters from reaching the terminal,
/// whatever drew the cell. `None` when the symbol is fine as it is.
pub fn scrub_symbol(symbol: &str) -> Option<String> {
    if symbol.is_ascii() || !symbol.chars().any(|c| is_invisible(c) || c.is_control()) {
        return None;
    }
    let kept: String = symbol.chars().filter(|&c| !is_invisible(c) && !c.is_control()).collect();
    Some(if kept.is_empty() { " ".to_string() } else { kept })
}

#[cfg(test)]
mod tests;
