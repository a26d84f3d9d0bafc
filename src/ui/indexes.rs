//! The index view (`I`): every GSI and LSI of the table in full, never cut (long values wrap
//! under themselves); and the create / delete index forms, drawn as any form.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::app::{App, IndexDialog, TableState};
use crate::index::{counts_text, key_text, projection_text, status_text};
use crate::keymap::Action;
use crate::table::{IndexInfo, TableInfo, TableStatus};

const WIDTH: u16 = 96;
/// Width of the label column inside an index's block.
const LABEL: usize = 12;

pub fn render(app: &App, dialog: &IndexDialog, frame: &mut Frame, area: Rect) {
    match dialog {
        IndexDialog::List { selected } => render_list(app, *selected, frame, area),
        IndexDialog::Create(form) | IndexDialog::Delete { form, .. } => {
            super::form::render(form, frame, area)
        }
    }
}

fn render_list(app: &App, selected: usize, frame: &mut Frame, area: Rect) {
    let popup_width = WIDTH.min(area.width);
    let inner = usize::from(popup_width.saturating_sub(2)).max(1);
    let (lines, selected_at) = match app.table() {
        TableState::Present(info) => list_lines(app, info, selected, inner),
        _ => (vec![Line::raw("table not described yet")], 0),
    };
    let rows = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let popup = super::centered(area, popup_width, rows.saturating_add(2));
    // Keep the selected index's first line in view.
    let visible = usize::from(popup.height.saturating_sub(2)).max(1);
    let scroll = if selected_at + 4 <= visible { 0 } else { selected_at };
    let title = format!(" Indexes of {} ", super::visible_text(app.table_name()));
    let hints = " n new · d delete · Esc closes ";
    let block = Block::bordered().title(title).title_bottom(Line::from(hints));
    frame.render_widget(Clear, popup);
    let scroll = u16::try_from(scroll).unwrap_or(u16::MAX);
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), popup);
}

/// The lines of every index, and the row where the selected one starts.
fn list_lines(
    app: &App,
    info: &TableInfo,
    selected: usize,
    width: usize,
) -> (Vec<Line<'static>>, usize) {
    if info.indexes.is_empty() {
        let text = format!(
            "no index on {}: n (or {}) creates a global secondary index",
            info.name,
            app.config().keymap.first_key(Action::CreateIndex)
        );
        let lines = super::wrap_words(&text, width).into_iter().map(Line::raw).collect();
        return (lines, 0);
    }
    let mut lines = Vec::new();
    let mut selected_at = 0;
    for (i, index) in info.indexes.iter().enumerate() {
        if i == selected {
            selected_at = lines.len();
        }
        lines.extend(index_block(app, info, index, i == selected, width));
    }
    (lines, selected_at)
}

/// One index: a heading (kind, name, status) and its key, projection and counts.
fn index_block(
    app: &App,
    info: &TableInfo,
    index: &IndexInfo,
    selected: bool,
    width: usize,
) -> Vec<Line<'static>> {
    let mut status = status_text(index);
    if let Some(elapsed) = app.index_elapsed(&index.name) {
        status.push_str(&format!(" for {}", super::status::format_elapsed(elapsed)));
    }
    let color = match &index.status {
        Some(TableStatus::Deleting) => Color::Red,
        Some(s) if s.is_transient() => Color::Yellow,
        _ => Color::Green,
    };
    let heading = Style::new().add_modifier(Modifier::BOLD);
    let heading = if selected { heading.add_modifier(Modifier::REVERSED) } else { heading };
    let mark = if selected { "›" } else { " " };
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{mark}{} {}", index.kind, super::visible_text(&index.name)), heading),
        Span::raw("  "),
        Span::styled(status, Style::new().fg(color)),
    ])];
    for (label, value) in [
        ("key", key_text(info, index)),
        ("projection", projection_text(&index.projection)),
        ("size", counts_text(index)),
    ] {
        let room = width.saturating_sub(LABEL + 1).max(8);
        for (i, part) in super::wrap_words(&value, room).into_iter().enumerate() {
            let label = if i == 0 { label } else { "" };
            lines.push(Line::from(vec![
                Span::styled(format!(" {label:<LABEL$}"), Style::new().fg(Color::Gray)),
                Span::raw(part),
            ]));
        }
    }
    lines
}

#[cfg(test)]
mod tests;
