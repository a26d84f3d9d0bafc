//! The detail pane: the selected wallet's attributes with their types, or its
//! JSON, plus its size and what reading and writing it costs.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Wrap};

use crate::app::{App, DetailView, Pane};
use crate::capacity::{self, Consistency};
use crate::json::{self, Shape};
use crate::ui::list::format_units;
use crate::wallet::AttrValue;

/// Width of the name column in the attributes view.
const NAME: usize = 14;

/// Draws the pane into `area`.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let focused = app.focus() == Pane::Detail;
    let view = match app.detail_view() {
        DetailView::Attributes => "attributes",
        DetailView::Json => "JSON",
        DetailView::DynamoJson => "DynamoDB JSON",
    };
    let mut block = Block::bordered()
        .border_type(if focused { BorderType::Thick } else { BorderType::Plain })
        .title(format!(" Wallet · {view} "));
    let Some(wallet) = app.selected_wallet() else {
        let text = Line::styled("no wallet selected", Style::new().fg(Color::DarkGray));
        frame.render_widget(Paragraph::new(text).block(block), area);
        return;
    };
    let attrs = json::attributes(wallet);
    let size = capacity::item_size(attrs.iter().map(|(name, value)| (*name, value)));
    block = block.title_bottom(Line::from(format!(
        " {size} B · RCU {} strong / {} eventual · WCU {} ",
        format_units(capacity::read_units(size, Consistency::Strong)),
        format_units(capacity::read_units(size, Consistency::Eventual)),
        // What this app's writes cost: each is a transaction.
        format_units(capacity::transactional_write_units(size)),
    )));
    let mut lines: Vec<Line> = match app.detail_view() {
        DetailView::Attributes => attrs
            .iter()
            .map(|(name, value)| {
                let name = super::visible_text(name);
                Line::from(vec![
                    Span::styled(format!("{name:<NAME$} "), Style::new().fg(Color::Gray)),
                    Span::styled(
                        format!("{:<4} ", value.type_name()),
                        Style::new().fg(Color::Cyan),
                    ),
                    Span::raw(attribute_text(value)),
                ])
            })
            .collect(),
        DetailView::Json => text_lines(json::wallet_json(wallet, Shape::Plain)),
        DetailView::DynamoJson => text_lines(json::wallet_json(wallet, Shape::Dynamo)),
    };
    if app.is_partial(&wallet.user_id) {
        lines.insert(
            0,
            Line::styled(
                "partial: what the index projects; reading the whole wallet…",
                Style::new().fg(Color::Yellow),
            ),
        );
    }
    let mut changes = app.live().history(&wallet.user_id).peekable();
    if changes.peek().is_some() {
        lines.push(Line::styled("changes seen (newest first)", Style::new().fg(Color::Gray)));
        lines.extend(changes.map(|e| super::feed::change_line(&e, app.now(), false)));
    }
    let paragraph = Paragraph::new(lines)
        .block(block)
        .wrap(Wrap { trim: false })
        .scroll((app.detail_scroll().min(1000), 0));
    frame.render_widget(paragraph, area);
}

/// A value in the attributes view: a string as its text made visible (the same form as in the
/// list and the forms), anything else as JSON.
fn attribute_text(value: &AttrValue) -> String {
    match value {
        AttrValue::S(s) => format!("\"{}\"", super::visible_text(s)),
        other => super::visible_text(&json::value_json(other, Shape::Plain)),
    }
}

/// JSON text as lines, every character made visible (JSON escapes C0 controls but not DEL,
/// C1, zero-width characters or bidi controls).
fn text_lines(text: String) -> Vec<Line<'static>> {
    text.split('\n').map(|l| Line::raw(super::visible_text(l))).collect()
}
