//! The activity feed (`a`): the last changes seen on the table's stream, newest first, with
//! the rate of changes; and the change lines the detail pane shares with it.

use std::time::Instant;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, List, ListItem, ListState};

use crate::app::{App, FeedEntry, LiveStatus};
use crate::balance::Balance;
use crate::stream::ChangeKind;

const WIDTH: u16 = 96;

/// Draws the feed over `area` with entry `selected` highlighted.
pub fn render(app: &App, selected: usize, frame: &mut Frame, area: Rect) {
    let live = app.live();
    let now = app.now();
    let rows = u16::try_from(live.feed().len().max(1)).unwrap_or(u16::MAX);
    let popup = super::centered(area, WIDTH, rows.saturating_add(2).min(area.height));
    frame.render_widget(Clear, popup);
    let block = Block::bordered()
        .title(format!(
            " Activity · {} changes · {:.1}/s · Enter jumps to the wallet · Esc closes ",
            live.changes(),
            live.rate(now)
        ))
        .title_bottom(Line::from(format!(" stream: {} ", live_text(app))));
    if live.feed().is_empty() {
        let empty = List::new([ListItem::new(Line::styled(
            "no change seen yet",
            Style::new().fg(Color::DarkGray),
        ))]);
        return frame.render_widget(empty.block(block), popup);
    }
    let items: Vec<ListItem> =
        live.feed().iter().map(|e| ListItem::new(change_line(e, now, true))).collect();
    let list = List::new(items)
        .block(block)
        .highlight_style(Style::new().add_modifier(Modifier::REVERSED));
    let mut state = ListState::default().with_selected(Some(selected));
    frame.render_stateful_widget(list, popup, &mut state);
}

/// The feed's user_id column, in terminal cells.
const ID_COLUMN: usize = 24;

/// One change: how long ago, the event, the wallet (in the feed), old → new and the delta.
pub fn change_line(entry: &FeedEntry, now: Instant, with_id: bool) -> Line<'static> {
    let ago = super::status::format_elapsed(now.saturating_duration_since(entry.at));
    let color = match entry.kind {
        ChangeKind::Insert => Color::Green,
        ChangeKind::Modify => Color::Yellow,
        ChangeKind::Remove => Color::Red,
    };
    let mut spans = vec![
        Span::styled(format!("{ago:>7} ago "), Style::new().fg(Color::Gray)),
        Span::styled(format!("{:<7}", entry.kind.as_str()), Style::new().fg(color)),
    ];
    if with_id {
        // As the list shows ids: control characters made visible, cut to the column.
        let id = crate::text::fit(&entry.user_id.to_text(), ID_COLUMN);
        let pad = ID_COLUMN.saturating_sub(crate::text::width(&id)) + 1;
        spans.push(Span::raw(format!("{id}{}", " ".repeat(pad))));
    }
    spans.push(Span::raw(format!("{} → {}", show(entry.old), show(entry.new))));
    if let (Some(old), Some(new)) = (entry.old, entry.new) {
        spans.push(Span::styled(format!("  {}", delta(old, new)), Style::new().fg(color)));
    }
    Line::from(spans)
}

fn show(balance: Option<Balance>) -> String {
    balance.map_or("-".into(), |b| b.to_string())
}

/// `new - old`, exact and signed.
pub fn delta(old: Balance, new: Balance) -> String {
    let diff = new.to_bigdecimal() - old.to_bigdecimal();
    let text = match Balance::from_bigdecimal(&diff) {
        Ok(exact) => exact.to_string(),
        Err(_) => diff.normalized().to_string(),
    };
    if text.starts_with('-') { text } else { format!("+{text}") }
}

/// The stream's state in a few words, for the status panel and the feed.
pub fn live_text(app: &App) -> String {
    let live = app.live();
    match live.status() {
        LiveStatus::Idle => "-".into(),
        LiveStatus::Opening => "opening…".into(),
        LiveStatus::Live => {
            let mut text = format!("live · {} changes", live.changes());
            if let Some(last) = live.last_change() {
                let ago = app.now().saturating_duration_since(last);
                text.push_str(&format!(" · last {} ago", super::status::format_elapsed(ago)));
            }
            if let Some(lag) = live.lag().filter(|l| l.as_secs() >= 5) {
                text.push_str(&format!(" · lag {}", super::status::format_elapsed(lag)));
            }
            text
        }
        LiveStatus::NoStream => "none · L enables one".into(),
        LiveStatus::NoApi(_) => "no Streams API on this endpoint".into(),
        LiveStatus::Enabling => "enabling…".into(),
        LiveStatus::Ended(why) => format!("stopped ({why}) · tried again"),
    }
}

#[cfg(test)]
mod tests;
