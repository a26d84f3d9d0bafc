//! The help overlay, generated from the keymap in force. It flows into a
//! second column when the screen is not tall enough for one.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::app::App;

/// Keys that forms use; fixed, so listed here rather than in the keymap.
const FORM_KEYS: [(&str, &str); 4] = [
    ("Tab / Shift-Tab", "next / previous field"),
    ("Space / ← →", "switch a choice"),
    ("Enter", "submit the form"),
    ("Esc", "cancel the form"),
];
const DESCRIPTION_WIDTH: usize = 42;

/// Draws the overlay centred in `area`.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let mut rows: Vec<(String, String)> =
        app.config().keymap.help_rows().into_iter().map(|(k, d)| (k, d.to_string())).collect();
    rows.push((String::new(), String::new()));
    rows.push(("In forms".to_string(), String::new()));
    rows.extend(FORM_KEYS.iter().map(|(k, d)| (k.to_string(), d.to_string())));
    let key_width =
        |rows: &[(String, String)]| rows.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0);
    let column_width = (key_width(&rows) + DESCRIPTION_WIDTH + 3) as u16;
    let fit = usize::from(area.height.saturating_sub(2)).max(1);
    let columns = rows.len().div_ceil(fit).max(1);
    let per_column = rows.len().div_ceil(columns);
    let column_width = column_width.min(area.width.saturating_sub(2) / columns as u16);
    let width = column_width * columns as u16 + 2;
    let popup = super::centered(area, width, per_column as u16 + 2);
    frame.render_widget(Clear, popup);
    let block = Block::bordered().title(" Keys — any key closes ");
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let areas = Layout::horizontal(vec![Constraint::Length(column_width); columns]).split(inner);
    for (chunk, column) in rows.chunks(per_column).zip(areas.iter()) {
        // Each column as wide as its own keys need, leaving the rest to the descriptions.
        let key_width = key_width(chunk);
        let lines: Vec<Line> = chunk
            .iter()
            .map(|(keys, what)| {
                Line::from(vec![
                    Span::styled(format!(" {keys:<key_width$}  "), Style::new().fg(Color::Cyan)),
                    Span::raw(what.clone()),
                ])
            })
            .collect();
        frame.render_widget(Paragraph::new(lines), *column);
    }
}
