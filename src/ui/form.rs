//! Drawing a [`Form`]: labels, values, the focused field's cursor, errors.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::form::{FieldKind, Form};

const LABEL: usize = 22;
const WIDTH: u16 = 72;

/// [`WIDTH`], or wider if a choice's options need it (a query's index names).
fn width(form: &Form) -> u16 {
    let widest = form
        .fields
        .iter()
        .filter_map(|field| match &field.kind {
            FieldKind::Choice { options, .. } => {
                Some(options.iter().map(|o| o.chars().count() + 3).sum::<usize>())
            }
            _ => None,
        })
        .max()
        .unwrap_or(0);
    let needed = LABEL + 2 + widest + 2;
    u16::try_from(needed).unwrap_or(u16::MAX).max(WIDTH)
}

/// Draws the form centred in `area` and places the terminal cursor in the
/// focused text field.
pub fn render(form: &Form, frame: &mut Frame, area: Rect) {
    let width = width(form).min(area.width.max(WIDTH));
    let inner_width = width.saturating_sub(2) as usize;
    let mut lines = Vec::new();
    if let Some(intro) = &form.intro {
        let wrapped = super::wrap_words(intro, inner_width);
        lines.extend(wrapped.into_iter().map(|l| Line::styled(l, Style::new().fg(Color::Gray))));
        lines.push(Line::raw(""));
    }
    let mut cursor = None;
    for (i, field) in form.fields.iter().enumerate() {
        let focused = i == form.focus;
        let label_style = if focused {
            Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
        } else {
            Style::new().fg(Color::Gray)
        };
        let marker = if focused { "›" } else { " " };
        let mut spans =
            vec![Span::styled(format!("{marker}{:<LABEL$} ", field.label), label_style)];
        match &field.kind {
            FieldKind::Text(input) => {
                let room = inner_width.saturating_sub(LABEL + 2).max(1);
                let (shown, col) = super::input_window(input, room);
                spans.push(Span::styled(shown, Style::new().add_modifier(Modifier::UNDERLINED)));
                if focused {
                    cursor = Some((lines.len(), LABEL + 2 + col));
                }
            }
            FieldKind::Choice { options, selected } => {
                for (j, option) in options.iter().enumerate() {
                    let style = if j == *selected {
                        Style::new().fg(Color::Black).bg(Color::Cyan)
                    } else {
                        Style::new().fg(Color::DarkGray)
                    };
                    spans.push(Span::styled(format!(" {option} "), style));
                    spans.push(Span::raw(" "));
                }
            }
            FieldKind::Fixed(value) => {
                // A long value wraps under itself rather than being cut at the border.
                let room = inner_width.saturating_sub(LABEL + 2).max(8);
                let mut parts = super::wrap_words(value, room).into_iter();
                spans.push(Span::raw(parts.next().unwrap_or_default()));
                for part in parts {
                    lines.push(Line::from(std::mem::take(&mut spans)));
                    spans.push(Span::raw(format!("{}{part}", " ".repeat(LABEL + 2))));
                }
            }
        }
        if let Some(hint) = &field.hint {
            let hint = super::visible_text(hint);
            spans.push(Span::styled(format!("  {hint}"), Style::new().fg(Color::DarkGray)));
        }
        lines.push(Line::from(spans));
        if let Some(error) = &field.error {
            let indent = " ".repeat(LABEL + 2);
            let room = inner_width.saturating_sub(LABEL + 4).max(1);
            for (i, part) in super::wrap_words(error, room).into_iter().enumerate() {
                let mark = if i == 0 { "✗ " } else { "  " };
                lines.push(Line::styled(
                    format!("{indent}{mark}{part}"),
                    Style::new().fg(Color::Red),
                ));
            }
        }
    }
    lines.push(Line::raw(""));
    match (&form.error, form.pending) {
        (_, true) => {
            lines.push(Line::styled("… waiting for DynamoDB", Style::new().fg(Color::Yellow)))
        }
        (None, false) if form.notice.is_some() => lines.extend(
            super::wrap_words(form.notice.as_deref().unwrap_or_default(), inner_width)
                .into_iter()
                .map(|l| Line::styled(l, Style::new().fg(Color::Yellow))),
        ),
        (Some(error), false) => lines.extend(
            super::wrap_words(error, inner_width)
                .into_iter()
                .map(|l| Line::styled(l, Style::new().fg(Color::Red))),
        ),
        (None, false) => lines.push(Line::styled(
            "Enter submit · Esc cancel · Tab next field",
            Style::new().fg(Color::DarkGray),
        )),
    }
    let height = (lines.len() + 2) as u16;
    let popup = super::centered(area, width, height);
    frame.render_widget(Clear, popup);
    let block = Block::bordered().title(format!(" {} ", super::visible_text(&form.title)));
    frame.render_widget(Paragraph::new(lines).block(block), popup);
    if let Some((row, col)) = cursor {
        let x = popup.x + 1 + col as u16;
        let y = popup.y + 1 + row as u16;
        if x < popup.right().saturating_sub(1) && y < popup.bottom().saturating_sub(1) {
            frame.set_cursor_position(Position { x, y });
        }
    }
}
