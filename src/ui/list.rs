//! The wallet list: only the visible rows are built, whatever the list's size.

use std::time::Instant;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Cell, Paragraph, Row, Table};

use crate::app::{App, Pane, ScanOutcome, ScanState};
use crate::json::{Shape, value_json};
use crate::list::Aggregates;
use crate::wallet::{AttrValue, Wallet};

const ID_WIDTH: u16 = 36;
const MIN_BALANCE_WIDTH: usize = 12;
/// Extra columns are added while each gets at least this much room.
const MIN_EXTRA_WIDTH: u16 = 6;
/// Long values are cut at this width in the list (the detail pane shows them whole).
const MAX_EXTRA_WIDTH: u16 = 32;

/// Draws the list into `area`.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let focused = app.focus() == Pane::List && app.filter_input().is_none();
    let block = Block::bordered()
        .border_type(if focused { BorderType::Thick } else { BorderType::Plain })
        .title(title(app))
        .title_bottom(footer(app.list().aggregates()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height < 2 || inner.width < 4 {
        return;
    }
    let (table_area, filter_area) = match app.filter_input() {
        Some(_) => {
            let table = Rect { height: inner.height - 1, ..inner };
            (table, Some(Rect { y: inner.bottom() - 1, height: 1, ..inner }))
        }
        None => (inner, None),
    };
    render_rows(app, frame, table_area, focused);
    if let Some(area) = filter_area {
        render_filter(app, frame, area);
    }
    if app.list().is_empty() {
        let text = empty_text(app);
        let y = table_area.y + 1;
        if y < table_area.bottom() {
            let line = Line::styled(text, Style::new().fg(Color::DarkGray));
            frame.render_widget(line, Rect { y, height: 1, ..table_area });
        }
    }
}

fn empty_text(app: &App) -> String {
    if let Some(key) = app.foreign_key_schema() {
        return format!("not listed: keyed {key}, not a wallet table");
    }
    match (&app.scan(), app.list().loaded()) {
        (None, _) => "no scan yet".into(),
        (Some(s), 0) if s.outcome == ScanOutcome::Running => "scanning…".into(),
        // Nothing read is no sign of an empty table.
        (Some(s), 0) if matches!(s.outcome, ScanOutcome::Failed(_)) => {
            "nothing loaded: the scan failed (r resumes)".into()
        }
        (Some(s), 0) if s.outcome == ScanOutcome::Cancelled => {
            "nothing loaded: the scan was stopped (r resumes)".into()
        }
        (Some(_), 0) if app.config().local && !app.config().read_only => format!(
            "the table has no wallets — press {} for {} demo wallets",
            app.config().keymap.first_key(crate::keymap::Action::SeedDemo),
            crate::app::DEMO_WALLETS
        ),
        (Some(_), 0) => "the table has no wallets".into(),
        (Some(_), _) => "no wallet matches the filter".into(),
    }
}

fn render_rows(app: &App, frame: &mut Frame, area: Rect, focused: bool) {
    let rows_visible = usize::from(area.height.saturating_sub(1));
    let offset = visible_offset(app, rows_visible);
    let window: Vec<&Wallet> = app.list().window(offset, rows_visible).collect();
    let balance_width = window
        .iter()
        .filter_map(|w| w.balance.map(|b| b.to_string().chars().count()))
        .max()
        .unwrap_or(0)
        .max(MIN_BALANCE_WIDTH);
    let balance_width = (balance_width as u16).min(area.width.saturating_sub(ID_WIDTH + 1).max(8));
    let extras = extra_columns(&window, area.width.saturating_sub(ID_WIDTH + balance_width + 2));
    let mut header = vec![
        Cell::from("user_id"),
        Cell::from(format!("{:>w$}", "balance", w = balance_width as usize)),
    ];
    header.extend(extras.iter().map(|(name, _)| Cell::from(name.clone())));
    let rows = window.iter().enumerate().map(|(i, wallet)| {
        let mut cells = vec![
            Cell::from(super::visible_text(&wallet.user_id.to_text())),
            Cell::from(balance_cell(wallet, balance_width as usize)),
        ];
        cells.extend(
            extras.iter().map(|(name, _)| Cell::from(extra_text(wallet.attr(name).as_ref()))),
        );
        let mut row = Row::new(cells);
        if offset + i == app.selected() {
            let style = if focused {
                Style::new().add_modifier(Modifier::REVERSED)
            } else {
                Style::new().bg(Color::DarkGray)
            };
            row = row.style(style);
        }
        row
    });
    let mut widths = vec![Constraint::Length(ID_WIDTH), Constraint::Length(balance_width)];
    widths.extend(extras.iter().map(|(_, width)| Constraint::Length(*width)));
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(Style::new().fg(Color::Gray).add_modifier(Modifier::BOLD)))
        .column_spacing(1);
    frame.render_widget(table, area);
}

/// The offset the app asked for, pulled back so the selection stays visible
/// even if the terminal shrank since.
fn visible_offset(app: &App, rows: usize) -> usize {
    let rows = rows.max(1);
    // Never leave rows empty at the bottom while there are wallets above.
    let mut offset = app.list_offset().min(app.list().len().saturating_sub(rows));
    if app.selected() < offset {
        offset = app.selected();
    } else if app.selected() >= offset + rows {
        offset = app.selected() + 1 - rows;
    }
    offset
}

fn balance_cell(wallet: &Wallet, width: usize) -> Span<'static> {
    match wallet.balance {
        Some(b) => {
            let style = if b.is_negative() { Style::new().fg(Color::Red) } else { Style::new() };
            Span::styled(format!("{:>width$}", b.to_string()), style)
        }
        None => Span::styled(format!("{:>width$}", "—"), Style::new().fg(Color::DarkGray)),
    }
}

/// Other attributes present in the visible rows, each as wide as its widest
/// visible value (capped), as many as fit.
fn extra_columns(window: &[&Wallet], room: u16) -> Vec<(String, u16)> {
    let mut names: Vec<String> = Vec::new();
    for wallet in window {
        for name in wallet.extra.names() {
            if !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        }
    }
    names.sort();
    let mut columns = Vec::new();
    let mut left = room;
    for name in names {
        let widest = window
            .iter()
            .map(|w| extra_text(w.attr(&name).as_ref()).chars().count())
            .chain([name.chars().count()])
            .max()
            .unwrap_or(0);
        let width = (widest as u16).clamp(MIN_EXTRA_WIDTH, MAX_EXTRA_WIDTH);
        if width + 1 > left {
            break;
        }
        left -= width + 1;
        columns.push((name, width));
    }
    columns
}

fn extra_text(value: Option<&AttrValue>) -> String {
    match value {
        None => String::new(),
        Some(AttrValue::S(s)) => super::visible_text(s),
        Some(AttrValue::N(n)) => n.to_string(),
        Some(other) => value_json(other, Shape::Plain),
    }
}

fn title(app: &App) -> Line<'static> {
    if app.foreign_key_schema().is_some() {
        return Line::from(" Items · not a wallet table: not listed ");
    }
    let mut text = format!(" Wallets · {} loaded", group(app.list().loaded() as u64));
    if let Some(scan) = &app.scan() {
        text.push_str(&scan_progress(scan, app.list().loaded(), app.now()));
    }
    text.push_str(&format!(" · {}", app.list().sort().label()));
    if !app.filter_text().is_empty() {
        text.push_str(&format!(
            " · filter {} ({} match)",
            app.filter_text(),
            group(app.list().len() as u64)
        ));
    }
    text.push(' ');
    Line::from(text)
}

fn scan_progress(scan: &ScanState, loaded: usize, now: Instant) -> String {
    let state = match &scan.outcome {
        ScanOutcome::Running => "more…".to_string(),
        ScanOutcome::Complete => "complete".to_string(),
        ScanOutcome::Cancelled => "stopped (r resumes)".to_string(),
        ScanOutcome::Failed(_) => "failed (r resumes)".to_string(),
    };
    format!(
        " · {} pages · {}/s · {} RCU{} · {state}",
        scan.pages,
        group(scan.rate(loaded, now) as u64),
        format_units(scan.rcu),
        pacing(scan)
    )
}

/// " · paced 2.5 RCU/s · ETA 1m 20s" for a paced scan (the ETA while it runs
/// and the table's size is known), nothing otherwise.
fn pacing(scan: &ScanState) -> String {
    let Some(rate) = scan.max_rcu_per_sec else { return String::new() };
    let mut text = format!(" · paced {} RCU/s", format_units(rate));
    if let Some(eta) = scan.eta().filter(|_| scan.outcome == ScanOutcome::Running) {
        text.push_str(&format!(" · ETA {}", super::status::format_elapsed(eta)));
    }
    text
}

fn footer(agg: &Aggregates) -> Line<'static> {
    let mut text = format!(" count {} · total {}", group(agg.count as u64), agg.total);
    if let (Some(min), Some(max)) = (agg.min, agg.max) {
        text.push_str(&format!(" · min {min} · max {max}"));
    }
    if agg.without_balance > 0 {
        text.push_str(&format!(" · {} without balance", agg.without_balance));
    }
    text.push(' ');
    Line::from(text)
}

fn render_filter(app: &App, frame: &mut Frame, area: Rect) {
    let Some((input, error)) = &app.filter_input() else { return };
    let prompt = "filter: ";
    let room = usize::from(area.width).saturating_sub(prompt.len() + 1).max(1);
    let (shown, col) = super::input_window(input, room);
    // Selected (reopened on the filter in force): typing replaces it.
    let style = if app.filter_selected() {
        Style::new().add_modifier(Modifier::REVERSED)
    } else {
        Style::new()
    };
    let mut spans =
        vec![Span::styled(prompt, Style::new().fg(Color::Cyan)), Span::styled(shown, style)];
    if let Some(error) = error {
        spans.push(Span::styled(format!("  ✗ {error}"), Style::new().fg(Color::Red)));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    let x = area.x + (prompt.len() + col) as u16;
    if x < area.right() {
        frame.set_cursor_position((x, area.y));
    }
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

/// Capacity units: whole numbers plainly, fractions with one decimal.
pub fn format_units(units: f64) -> String {
    if units.fract() == 0.0 { format!("{units:.0}") } else { format!("{units:.1}") }
}

#[cfg(test)]
mod tests;
