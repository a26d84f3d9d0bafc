//! The table-status panel: what DescribeTable says, live.

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::app::{App, Connection, FAST_POLL, SLOW_POLL, TableState};
use crate::error::ErrorKind;
use crate::keymap::Action;
use crate::table::{BillingMode, IndexInfo, TableInfo, TableStatus, format_bytes};

/// Width of the label column.
const LABEL: usize = 8;

/// Draws the panel into `area`.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let mut title = format!(" Table {} ", app.table_name());
    if let TableState::Present(info) = &app.table() {
        let every = if info.is_transient() { FAST_POLL } else { SLOW_POLL };
        title.push_str(&format!("· polled every {}s ", every.as_secs()));
    }
    let block = Block::bordered().title(title);
    let lines = match (&app.connection(), &app.table()) {
        (Connection::Starting(progress), _) => starting(app, progress),
        (Connection::Failed(why), _) => vec![
            Line::styled("DynamoDB Local is not available", Style::new().fg(Color::Red)),
            Line::raw(why.clone()),
        ],
        (Connection::Ready, TableState::Unknown) => unknown(app),
        (Connection::Ready, TableState::Missing) => missing(app),
        (Connection::Ready, TableState::Present(info)) => {
            let mut inner = block.inner(area);
            frame.render_widget(block, area);
            if let Some(key) = app.foreign_key_schema() {
                // The whole width: a composite key does not fit in a column, and cut it would
                // misstate the schema.
                let [top, rest] =
                    Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
                let text = format!("{key} · not a wallet table: not listed");
                let line = Line::from(vec![
                    Span::styled(format!("{:<LABEL$}", "Key"), Style::new().fg(Color::Gray)),
                    Span::styled(text, Style::new().fg(Color::Yellow)),
                ]);
                frame.render_widget(Paragraph::new(line).wrap(Wrap { trim: false }), top);
                inner = rest;
            }
            // Index lines need the room more than the ARN and creation time do.
            let left_share = if info.indexes.is_empty() { 50 } else { 40 };
            let [left, right] = Layout::horizontal([
                Constraint::Percentage(left_share),
                Constraint::Percentage(100 - left_share),
            ])
            .spacing(1)
            .areas(inner);
            let (left_lines, right_lines) = present(app, info, usize::from(left.width), right);
            frame.render_widget(Paragraph::new(left_lines), left);
            frame.render_widget(Paragraph::new(right_lines), right);
            return;
        }
    };
    let paragraph = Paragraph::new(lines).block(block).wrap(Wrap { trim: false });
    frame.render_widget(paragraph, area);
}

fn starting(app: &App, progress: &[String]) -> Vec<Line<'static>> {
    let head = match app.config().local_port {
        Some(port) => format!("starting DynamoDB Local on port {port}…"),
        None => "starting DynamoDB Local…".to_string(),
    };
    let mut lines =
        vec![Line::styled(head, Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD))];
    lines.extend(progress.iter().map(|l| Line::styled(l.clone(), Style::new().fg(Color::Gray))));
    lines
}

/// With `--local`: the port DynamoDB Local listens on, on every interface (it has no
/// bind-address option, so other machines can reach it unless a firewall stops them).
fn local_port(app: &App) -> Option<Line<'static>> {
    let port = app.config().local_port?;
    Some(row("Local", format!("port {port} · all interfaces")))
}

fn unknown(app: &App) -> Vec<Line<'static>> {
    let mut lines = unknown_lines(app);
    lines.extend(local_port(app));
    lines
}

fn unknown_lines(app: &App) -> Vec<Line<'static>> {
    match &app.describe_error() {
        None => vec![Line::raw("describing table…")],
        Some(err) => {
            // A countdown to the next attempt (the app backs off 2, 4, 8, 16 s).
            let retry = match app.next_describe() {
                Some(at) => {
                    let secs = at.saturating_duration_since(app.now()).as_millis().div_ceil(1000);
                    format!("retrying in {secs}s; r retries now")
                }
                None => "retrying now…".to_string(),
            };
            let head = match err.kind {
                ErrorKind::Unreachable => format!("cannot reach {}", app.config().endpoint_label),
                ErrorKind::Timeout => {
                    format!("{} does not answer in time", app.config().endpoint_label)
                }
                _ => "cannot describe the table".to_string(),
            };
            vec![
                Line::styled(head, Style::new().fg(Color::Red)),
                Line::styled(retry, Style::new().fg(Color::Gray)),
                Line::raw(err.summary()),
            ]
        }
    }
}

fn missing(app: &App) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(vec![
        Span::raw(format!("table {} does not exist", app.table_name())),
        Span::raw(" — "),
    ])];
    if app.config().read_only {
        lines[0].push_span(Span::raw("read-only mode, it cannot be created here"));
    } else {
        let key = app.config().keymap.first_key(Action::CreateTable);
        lines[0].push_span(Span::raw("press "));
        lines[0].push_span(Span::styled(key, Style::new().fg(Color::Cyan)));
        lines[0].push_span(Span::raw(" to create it"));
        if app.config().local {
            let key = app.config().keymap.first_key(Action::SeedDemo);
            lines.push(Line::from(vec![
                Span::raw("or "),
                Span::styled(key, Style::new().fg(Color::Cyan)),
                Span::raw(format!(" for a table with {} demo wallets", crate::app::DEMO_WALLETS)),
            ]));
        }
    }
    lines.extend(local_port(app));
    lines
}

/// While the last describe failed: what failed and when the next try is.
fn poll_failure(app: &App) -> Option<Line<'static>> {
    let err = app.describe_error()?;
    let head = match err.kind {
        ErrorKind::Unreachable => "cannot reach",
        ErrorKind::Timeout => "timed out",
        _ => "describe failed",
    };
    let retry = match app.next_describe() {
        Some(at) => {
            let secs = at.saturating_duration_since(app.now()).as_millis().div_ceil(1000);
            format!("retry {secs}s")
        }
        None => "retrying…".to_string(),
    };
    Some(Line::from(vec![
        Span::styled(format!("{:<LABEL$}", "Poll"), Style::new().fg(Color::Gray)),
        Span::styled(format!("{head} · {retry}"), Style::new().fg(Color::Red)),
    ]))
}

/// The badge of a status last seen a while ago: grey, with a `?`, never the live colour.
fn stale_badge(status: &TableStatus) -> Span<'static> {
    Span::styled(
        format!(" {}? ", status.as_str()),
        Style::new().fg(Color::Black).bg(Color::DarkGray).add_modifier(Modifier::BOLD),
    )
}

/// The coloured status badge.
pub fn badge(status: &TableStatus) -> Span<'static> {
    let color = match status {
        TableStatus::Active => Color::Green,
        TableStatus::Creating | TableStatus::Updating => Color::Yellow,
        TableStatus::Deleting => Color::Red,
        TableStatus::Other(_) => Color::Magenta,
    };
    Span::styled(
        format!(" {} ", status.as_str()),
        Style::new().fg(Color::Black).bg(color).add_modifier(Modifier::BOLD),
    )
}

fn row(label: &str, value: impl Into<String>) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label:<LABEL$}"), Style::new().fg(Color::Gray)),
        Span::raw(value.into()),
    ])
}

/// Left column: status and schema; right column: capacity, size, indexes.
fn present(
    app: &App,
    info: &TableInfo,
    width: usize,
    right_area: Rect,
) -> (Vec<Line<'static>>, Vec<Line<'static>>) {
    let mut status = Line::from(vec![Span::styled(
        format!("{:<LABEL$}", "Status"),
        Style::new().fg(Color::Gray),
    )]);
    match app.status_age() {
        // The last answer is old: the status may have changed since.
        Some(age) => {
            status.push_span(stale_badge(&info.status));
            let text = format!(" stale, {} old", format_elapsed(age));
            status.push_span(Span::styled(text, Style::new().fg(Color::Yellow)));
        }
        None => {
            status.push_span(badge(&info.status));
            if let Some(elapsed) = app.transition_elapsed() {
                status.push_span(Span::raw(format!(" for {}", format_elapsed(elapsed))));
            }
        }
    }
    // Cut with a visible mark where the column is too narrow (never silently).
    let cut = |text: &str| crate::text::fit(text, width.saturating_sub(LABEL));
    let mut left = vec![status];
    // A table keyed otherwise has its key on the line above the columns.
    if app.foreign_key_schema().is_none() {
        left.push(row("Key", cut(&info.key_description())));
    }
    left.extend([
        row("Attrs", cut(&attributes(info))),
        row("Created", cut(info.created.as_deref().unwrap_or("-"))),
        // Cut with a visible mark: a silently cut ARN reads as another one.
        row(
            "ARN",
            crate::text::fit(info.arn.as_deref().unwrap_or("-"), width.saturating_sub(LABEL)),
        ),
    ]);
    left.extend(local_port(app));
    let room = usize::from(right_area.width).saturating_sub(LABEL);
    let size = info.size_bytes.map_or("-".to_string(), format_bytes);
    let mut right = vec![row("Billing", billing(info))];
    if info.indexes.is_empty() {
        right.extend([row("Items", item_count(info)), row("Size", size)]);
    } else {
        // One row less for the table, one more for its indexes.
        right.push(row("Items", crate::text::fit(&format!("{} · {size}", item_count(info)), room)));
    }
    let mut after = Vec::new();
    if app.config().watch_stream {
        after.push(row("Stream", super::feed::live_text(app)));
    }
    after.extend(poll_failure(app));
    let rows = usize::from(right_area.height).saturating_sub(right.len() + after.len());
    right.extend(index_lines(app, info, rows, room));
    right.extend(after);
    (left, right)
}

fn attributes(info: &TableInfo) -> String {
    let parts: Vec<String> =
        info.attributes.iter().map(|a| format!("{} {}", a.name, a.attr_type)).collect();
    parts.join(", ")
}

fn billing(info: &TableInfo) -> String {
    match info.billing {
        BillingMode::OnDemand => "on-demand".to_string(),
        BillingMode::Provisioned { read, write } => {
            format!("{read} RCU · {write} WCU")
        }
    }
}

fn item_count(info: &TableInfo) -> String {
    info.item_count.map_or("-".to_string(), |n| format!("{n} (approx.)"))
}

/// One compact line per index, in at most `rows` rows of `room` columns (cut with `…`); when
/// they do not all fit, the last row says how many more there are.
fn index_lines(app: &App, info: &TableInfo, rows: usize, room: usize) -> Vec<Line<'static>> {
    if info.indexes.is_empty() {
        return vec![row("Indexes", "none")];
    }
    let total = info.indexes.len();
    let shown = if total > rows { rows.saturating_sub(1) } else { total };
    let mut lines: Vec<Line<'static>> = info.indexes[..shown]
        .iter()
        .enumerate()
        .map(|(i, index)| {
            let label = if i == 0 { "Indexes" } else { "" };
            let color = match &index.status {
                Some(TableStatus::Deleting) => Color::Red,
                Some(s) if s.is_transient() => Color::Yellow,
                _ => Color::Reset,
            };
            Line::from(vec![
                Span::styled(format!("{label:<LABEL$}"), Style::new().fg(Color::Gray)),
                Span::styled(index_line(app, info, index, room), Style::new().fg(color)),
            ])
        })
        .collect();
    if shown < total && rows > 0 {
        let key = app.config().keymap.first_key(Action::Indexes);
        let more = format!("+{} more · {key} shows all", total - shown);
        let label = if shown == 0 { "Indexes" } else { "" };
        lines.push(row(label, crate::text::fit(&more, room)));
    }
    lines
}

/// `GSI by_ccy CREATING Backfilling 12s · currency:S + balance:N · ALL · 3 items (approx.)
/// · 1.2 KiB · 5 RCU / 5 WCU`, in `room` columns: the kind, status and elapsed time stay
/// whole where they fit; the name is cut first, then the details.
fn index_line(app: &App, info: &TableInfo, index: &IndexInfo, room: usize) -> String {
    let mut status = match &index.status {
        Some(_) => crate::index::status_text(index),
        None => "ACTIVE".to_string(),
    };
    if let Some(elapsed) = app.index_elapsed(&index.name) {
        status.push_str(&format!(" {}", format_elapsed(elapsed)));
    }
    let details = [
        crate::index::key_short(info, index),
        crate::index::projection_text(&index.projection),
        crate::index::counts_text(index),
    ];
    let details: Vec<&str> = details.iter().map(String::as_str).filter(|d| !d.is_empty()).collect();
    let fixed = crate::text::width(index.kind) + crate::text::width(&status) + 2;
    let name_room = room.saturating_sub(fixed);
    let name = match name_room {
        0..6 => index.name.clone(),
        _ => crate::text::fit(&index.name, name_room),
    };
    let line = format!("{} {name} {status} · {}", index.kind, details.join(" · "));
    crate::text::fit(&line, room)
}

/// "7s", "2m 05s", "1h 02m".
pub fn format_elapsed(elapsed: Duration) -> String {
    let secs = elapsed.as_secs();
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m {:02}s", secs / 60, secs % 60),
        _ => format!("{}h {:02}m", secs / 3600, (secs % 3600) / 60),
    }
}
