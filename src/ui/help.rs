//! The help overlay, generated from the keymap in force.

use ratatui::Frame;
use ratatui::layout::Rect;
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

/// Draws the overlay centred in `area`.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let rows = app.keymap.help_rows();
    let key_width = rows.iter().map(|(k, _)| k.chars().count()).chain([15]).max().unwrap_or(15);
    let entry = |keys: &str, what: &str| {
        Line::from(vec![
            Span::styled(format!(" {keys:<key_width$}  "), Style::new().fg(Color::Cyan)),
            Span::raw(what.to_string()),
        ])
    };
    let mut lines: Vec<Line> = rows.iter().map(|(k, what)| entry(k, what)).collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(" In forms", Style::new().fg(Color::Gray)));
    lines.extend(FORM_KEYS.iter().map(|(k, what)| entry(k, what)));
    let height = lines.len() as u16 + 2;
    let popup = super::centered(area, 64, height);
    frame.render_widget(Clear, popup);
    let block = Block::bordered().title(" Keys — any key closes ");
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
