//! The help overlay, generated from the keymap in force, with the full per-currency
//! breakdown of the wallets in view. It flows into more columns when they fit whole, and
//! otherwise scrolls (j/k, PgUp/PgDn) in one column whose descriptions wrap: nothing is cut.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::app::App;
use crate::text::{self, count};

/// Keys that forms use; fixed, so listed here rather than in the keymap.
const FORM_KEYS: [(&str, &str); 4] = [
    ("Tab / Shift-Tab", "next / previous field"),
    ("Space / ← →", "switch a choice"),
    ("Enter", "submit the form"),
    ("Esc", "cancel the form"),
];
/// Most columns the keys flow into.
const MAX_COLUMNS: usize = 3;

/// One row: keys (or a heading, with no description) and what they do.
type HelpRow = (String, String);

/// Every row of the overlay: the keys in force, the form keys, and the wallets in view by
/// currency.
pub(super) fn rows(app: &App) -> Vec<HelpRow> {
    let mut rows: Vec<HelpRow> =
        app.config().keymap.help_rows().into_iter().map(|(k, d)| (k, d.to_string())).collect();
    rows.push((String::new(), String::new()));
    rows.push(("In forms".to_string(), String::new()));
    rows.extend(FORM_KEYS.iter().map(|(k, d)| (k.to_string(), d.to_string())));
    rows.push((String::new(), String::new()));
    rows.push(("Wallets in view by currency".to_string(), String::new()));
    let groups = app.list().groups();
    for g in groups.sorted() {
        let label = super::list::currency_label(g.currency, 16);
        let figures = super::list::figures(g.aggregates, "", super::list::TOTAL_WIDTH);
        let mut what = format!("{}{figures}", count(g.aggregates.count, "wallet"));
        if g.aggregates.without_balance > 0 {
            what.push_str(&format!(
                " · {} without a numeric balance",
                g.aggregates.without_balance
            ));
        }
        rows.push((label, what));
    }
    if groups.beyond() > 0 {
        let n = crate::list::MAX_GROUPS;
        rows.push((
            "(more)".to_string(),
            format!(
                "{} in currencies past the first {n}, not totalled",
                count(groups.beyond(), "wallet")
            ),
        ));
    }
    if groups.is_empty() {
        rows.push(("(none)".to_string(), "no wallet in view".to_string()));
    }
    rows
}

/// Draws the overlay centred in `area`.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let rows = rows(app);
    let key_width =
        rows.iter().filter(|(_, d)| !d.is_empty()).map(|(k, _)| text::width(k)).max().unwrap_or(0);
    let description_width = rows.iter().map(|(_, d)| text::width(d)).max().unwrap_or(0);
    let column_width = key_width + description_width + 3;
    let height = usize::from(area.height.saturating_sub(2)).max(1);
    let fits = (1..=MAX_COLUMNS).find(|&c| {
        c * column_width + 2 <= usize::from(area.width) && rows.len().div_ceil(c) <= height
    });
    match fits {
        Some(columns) => render_columns(frame, area, &rows, columns, key_width, column_width),
        None => render_scrolled(app, frame, area, &rows, key_width, column_width),
    }
}

fn row_line(key: &str, what: &str, key_width: usize) -> Line<'static> {
    if what.is_empty() {
        let style = Style::new().fg(Color::Gray).add_modifier(Modifier::BOLD);
        return Line::styled(format!(" {}", text::visible_text(key)), style);
    }
    let key = text::visible_text(key);
    let pad = key_width.saturating_sub(text::width(&key));
    Line::from(vec![
        Span::styled(format!(" {key}{}  ", " ".repeat(pad)), Style::new().fg(Color::Cyan)),
        Span::raw(text::visible_text(what)),
    ])
}

fn render_columns(
    frame: &mut Frame,
    area: Rect,
    rows: &[HelpRow],
    columns: usize,
    key_width: usize,
    column_width: usize,
) {
    let per_column = rows.len().div_ceil(columns);
    let popup = super::centered(area, (column_width * columns + 2) as u16, per_column as u16 + 2);
    frame.render_widget(Clear, popup);
    let block = Block::bordered().title(" Keys — any key closes ");
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let areas =
        Layout::horizontal(vec![Constraint::Length(column_width as u16); columns]).split(inner);
    for (chunk, column) in rows.chunks(per_column).zip(areas.iter()) {
        let lines: Vec<Line> = chunk.iter().map(|(k, d)| row_line(k, d, key_width)).collect();
        frame.render_widget(Paragraph::new(lines), *column);
    }
}

/// One column, descriptions wrapped to the width there is, scrolled to the app's offset.
fn render_scrolled(
    app: &App,
    frame: &mut Frame,
    area: Rect,
    rows: &[HelpRow],
    key_width: usize,
    column_width: usize,
) {
    let width = (column_width + 2).min(usize::from(area.width));
    let key_width = key_width.min(width / 3);
    let room = width.saturating_sub(key_width + 5).max(8);
    let mut lines: Vec<Line> = Vec::new();
    for (key, what) in rows {
        if what.is_empty() {
            lines.push(row_line(key, what, key_width));
            continue;
        }
        let key = text::fit(key, key_width);
        for (i, part) in super::wrap_words(what, room).into_iter().enumerate() {
            lines.push(row_line(if i == 0 { &key } else { "" }, &part, key_width));
        }
    }
    let height = usize::from(area.height.saturating_sub(2)).max(1);
    let scroll = app.help_scroll().min(lines.len().saturating_sub(height));
    let last = (scroll + height).min(lines.len());
    let popup = super::centered(area, width as u16, area.height);
    frame.render_widget(Clear, popup);
    let title = format!(
        " Keys {}–{}/{} · j/k PgUp/PgDn scroll · other keys close ",
        scroll + 1,
        last,
        lines.len()
    );
    let block = Block::bordered().title(title);
    let shown: Vec<Line> = lines.drain(scroll..last).collect();
    frame.render_widget(Paragraph::new(shown).block(block), popup);
}
