//! The table picker: every table, marked by whether it has the wallet schema.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, List, ListItem, ListState, Paragraph, Wrap};

use crate::app::{App, TablePicker};

const WIDTH: u16 = 72;

pub fn render(app: &App, picker: &TablePicker, frame: &mut Frame, area: Rect) {
    let inner = usize::from(WIDTH - 2);
    let rows = match (&picker.tables, &picker.error) {
        (None, _) => 1,
        (Some(_), Some(error)) => {
            super::wrap_words(&format!("cannot list tables: {error}"), inner).len()
        }
        (Some(tables), None) if tables.is_empty() => {
            1 + super::wrap_words(&app.config().namespace, inner).len()
        }
        (Some(tables), None) => tables.len(),
    };
    let rows = u16::try_from(rows).unwrap_or(u16::MAX);
    let popup = super::centered(area, WIDTH, rows.saturating_add(2).min(area.height));
    frame.render_widget(Clear, popup);
    let block = Block::bordered()
        .title(" Tables · Enter switches · r lists again · Esc closes ")
        .title_bottom(Line::from(format!(" now: {} ", app.table_name())));
    let Some(tables) = &picker.tables else {
        let text = Paragraph::new("listing tables…").block(block);
        return frame.render_widget(text, popup);
    };
    if let Some(error) = &picker.error {
        let text = Paragraph::new(Line::styled(
            format!("cannot list tables: {error}"),
            Style::new().fg(Color::Red),
        ))
        .wrap(Wrap { trim: true })
        .block(block);
        return frame.render_widget(text, popup);
    }
    if tables.is_empty() {
        let lines = vec![
            Line::raw("no tables here"),
            Line::styled(app.config().namespace.clone(), Style::new().fg(Color::DarkGray)),
        ];
        let text = Paragraph::new(lines).wrap(Wrap { trim: true }).block(block);
        return frame.render_widget(text, popup);
    }
    let items: Vec<ListItem> = tables
        .iter()
        .map(|entry| {
            let (mark, note, color) = match entry.wallet_schema {
                Some(true) => ("✓", "wallet schema", Color::Green),
                Some(false) => ("·", "other schema", Color::DarkGray),
                None => ("?", "could not be described", Color::Yellow),
            };
            ListItem::new(Line::from(vec![
                Span::styled(format!("{mark} "), Style::new().fg(color)),
                Span::raw(super::visible_text(&entry.name)),
                Span::styled(format!("  {note}"), Style::new().fg(Color::DarkGray)),
            ]))
        })
        .collect();
    let list = List::new(items)
        .block(block)
        .highlight_style(Style::new().add_modifier(Modifier::REVERSED));
    let mut state = ListState::default().with_selected(Some(picker.selected));
    frame.render_stateful_widget(list, popup, &mut state);
}
