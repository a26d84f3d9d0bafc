//! Rendering: a pure function of the [`App`] state. No IO, no waiting.

mod capacity;
mod detail;
mod feed;
mod figures;
mod form;
pub mod frames;
mod help;
mod indexes;
mod list;
mod status;
mod tables;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use tui_input::Input;

use crate::app::{App, Level, Modal};
use crate::keymap::Action;
use crate::msg::Viewport;
use crate::target::{Account, WriteMode};
use crate::theme::Theme;

/// Below this size the layout cannot be drawn legibly.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;
/// Rows of the top row (table status and capacity panels), borders included.
const STATUS_HEIGHT: u16 = 8;
/// The status panel's share of the top row's width; the capacity panel has the rest.
const STATUS_PERCENT: u16 = 55;
/// The detail pane goes beside the list from this width on, below it otherwise.
const SIDE_BY_SIDE: u16 = 110;

/// Where each pane goes on a screen of a given size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub title: Rect,
    pub status: Rect,
    /// Beside the status panel: capacity units consumed and available.
    pub capacity: Rect,
    pub list: Rect,
    pub detail: Rect,
    pub status_line: Rect,
    /// Everything between the title and the status line (for overlays).
    pub body: Rect,
}

/// The layout: a pure function of the screen size.
pub fn layout(area: Rect) -> Areas {
    let [title, body, status_line] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(1)])
            .areas(area);
    let [top, main] =
        Layout::vertical([Constraint::Length(STATUS_HEIGHT), Constraint::Min(1)]).areas(body);
    if area.width >= SIDE_BY_SIDE {
        // Wide: status | capacity on top, list | detail below.
        let [status, capacity] = Layout::horizontal([
            Constraint::Percentage(STATUS_PERCENT),
            Constraint::Percentage(100 - STATUS_PERCENT),
        ])
        .areas(top);
        let [list, detail] =
            Layout::horizontal([Constraint::Percentage(62), Constraint::Percentage(38)])
                .areas(main);
        return Areas { title, status, capacity, list, detail, status_line, body };
    }
    // Narrow: the status panel keeps the full width; detail | capacity share
    // the bottom.
    let [list, bottom] =
        Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(main);
    let [detail, capacity] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(bottom);
    let status = top;
    Areas { title, status, capacity, list, detail, status_line, body }
}

/// Where list rows and the detail text land on a screen of this size (for
/// paging and mouse hits): inside the borders, below the list's header row.
pub fn viewport(area: Rect) -> Viewport {
    let areas = layout(area);
    let list = areas.list.inner(Margin::new(1, 1));
    let detail = areas.detail.inner(Margin::new(1, 1));
    Viewport {
        list_x: list.x,
        list_y: list.y + 1,
        list_width: list.width,
        list_rows: list.height.saturating_sub(1),
        detail_x: detail.x,
        detail_y: detail.y,
        detail_width: detail.width,
        detail_rows: detail.height,
    }
}

/// Draws the whole screen.
pub fn render(app: &App, frame: &mut Frame) {
    render_panes(app, frame);
    scrub_invisible(frame.buffer_mut());
    if app.config().theme == Theme::Mono {
        drop_colours(frame.buffer_mut());
    }
}

/// The last guard before the terminal: a zero-width character or bidi control that some text
/// drawn without [`visible_text`] carried into a cell is dropped from it (ratatui appends
/// zero-width characters to the previous cell, so they would reach the terminal raw).
fn scrub_invisible(buffer: &mut ratatui::buffer::Buffer) {
    for cell in buffer.content.iter_mut() {
        if let Some(clean) = crate::text::scrub_symbol(cell.symbol()) {
            cell.set_symbol(&clean);
        }
    }
}

/// Takes the colours off a rendered screen; what a background colour marked (the selected
/// row, a status badge) is shown in reverse video instead.
fn drop_colours(buffer: &mut ratatui::buffer::Buffer) {
    for cell in buffer.content.iter_mut() {
        if cell.bg != Color::Reset {
            cell.modifier.insert(Modifier::REVERSED);
        }
        cell.fg = Color::Reset;
        cell.bg = Color::Reset;
    }
}

fn render_panes(app: &App, frame: &mut Frame) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return render_too_small(frame, area);
    }
    let areas = layout(area);
    render_title(app, frame, areas.title);
    status::render(app, frame, areas.status);
    capacity::render(app, frame, areas.capacity);
    list::render(app, frame, areas.list);
    detail::render(app, frame, areas.detail);
    render_status_line(app, frame, areas.status_line);
    match &app.modal() {
        Modal::None => {}
        // The whole screen: the key list needs every row it can get.
        Modal::Help => help::render(app, frame, area),
        Modal::CreateTable(form)
        | Modal::DeleteTable(form)
        | Modal::UpdateTable(form)
        | Modal::EnableStream(form)
        | Modal::Export(form)
        | Modal::Query(form) => form::render(form, frame, areas.body),
        Modal::Feed(selected) => feed::render(app, *selected, frame, areas.body),
        Modal::Tables(picker) => tables::render(app, picker, frame, areas.body),
        Modal::Wallet(dialog) => form::render(&dialog.form, frame, areas.body),
        Modal::ConfirmTarget(confirm) => form::render(&confirm.form, frame, areas.body),
        Modal::Index(dialog) => indexes::render(app, dialog, frame, areas.body),
        Modal::Bound(prompt) => figures::render_prompt(prompt, frame, areas.body),
        Modal::Figures(top) => figures::render_figures(app, *top, frame, area),
        Modal::Batch(dialog) => form::render(&dialog.form, frame, areas.body),
    }
}

fn render_too_small(frame: &mut Frame, area: Rect) {
    let text = format!(
        "terminal too small ({}×{}): resize to at least {MIN_WIDTH}×{MIN_HEIGHT}",
        area.width, area.height
    );
    let paragraph = Paragraph::new(text).wrap(Wrap { trim: true }).fg(Color::Yellow);
    frame.render_widget(Clear, area);
    frame.render_widget(paragraph, area);
}

/// The title bar: the write mode first (it must never be guessed), then the table and where
/// calls go, as whom.
fn render_title(app: &App, frame: &mut Frame, area: Rect) {
    let mode = app.write_mode();
    let badge = match &mode {
        WriteMode::Writable => Style::new().fg(Color::Green).add_modifier(Modifier::BOLD),
        WriteMode::Confirm { .. } => Style::new().fg(Color::White).bg(Color::Red).bold(),
        _ => Style::new().fg(Color::Black).bg(Color::Yellow).bold(),
    };
    let spans = vec![
        Span::styled(" wallet-tui ", Style::new().add_modifier(Modifier::BOLD).reversed()),
        Span::raw(" "),
        Span::styled(format!(" {} ", mode.badge()), badge),
        Span::raw(format!(" table {} ", visible_text(app.table_name()))),
        Span::styled(format!("│ {} ", target_text(app)), Style::new().fg(Color::DarkGray)),
    ];
    frame.render_widget(Line::from(spans), area);
}

/// Where calls go and as whom: the endpoint as resolved, the region, the account, the
/// profile and the credentials' source (never the keys).
pub fn target_text(app: &App) -> String {
    let Some(target) = &app.config().target else {
        return visible_text(&app.config().endpoint_label);
    };
    let mut parts = vec![target.endpoint_text()];
    let account = app.identity().map(|i| &i.account);
    parts.push(match account {
        None | Some(Account::Pending) => "account …".to_string(),
        Some(Account::Known(id)) => format!("account {id}"),
        Some(Account::Unknown(_)) => "account unknown".to_string(),
    });
    if let Some(profile) = &target.profile {
        parts.push(format!("profile {profile}"));
    }
    match app.identity().map(|i| &i.credentials) {
        Some(Ok(source)) => parts.push(format!("creds {source}")),
        Some(Err(why)) => parts.push(format!("no creds ({why})")),
        None => {}
    }
    // The reason last, where a narrow screen may cut it: the rest must show.
    if let Some(Account::Unknown(why)) = account {
        parts.push(format!("(account unknown: {why})"));
    }
    visible_text(&parts.join(" · "))
}

/// Braille spinner frames, one per 100 ms.
const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

fn render_status_line(app: &App, frame: &mut Frame, area: Rect) {
    if let Some(since) = app.write_in_flight_since() {
        let tick = app.now().saturating_duration_since(since).as_millis() / 100;
        let spinner = SPINNER[tick as usize % SPINNER.len()];
        let line = Line::styled(format!("{spinner} writing…"), Style::new().fg(Color::Yellow));
        frame.render_widget(line, area);
        return;
    }
    let line = match &app.status_line() {
        Some(status) => {
            let color = match status.level {
                Level::Info => Color::Green,
                Level::Warning => Color::Yellow,
                Level::Error => Color::Red,
            };
            let text = crate::text::fit(&status.text, usize::from(area.width));
            Line::from(Span::styled(text, Style::new().fg(color)))
        }
        None => key_hints(app),
    };
    frame.render_widget(line, area);
}

fn key_hints(app: &App) -> Line<'static> {
    let hints = [
        (Action::Help, "help"),
        (Action::Refresh, "rescan"),
        (Action::Sort, "sort"),
        (Action::Filter, "filter"),
        (Action::GetWallet, "get"),
        (Action::NewWallet, "new"),
        (Action::EditBalance, "edit"),
        (Action::Deposit, "deposit"),
        (Action::Withdraw, "withdraw"),
        (Action::Undo, "undo"),
        (Action::Quit, "quit"),
    ];
    let spans = hints.iter().flat_map(|(action, what)| {
        [
            Span::styled(app.config().keymap.first_key(*action), Style::new().fg(Color::Cyan)),
            Span::raw(format!(" {what}  ")),
        ]
    });
    Line::from(spans.collect::<Vec<_>>())
}

/// A rectangle of at most `width`×`height`, centred in `area`.
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// Greedy word wrap into lines of at most `width` characters (long words are cut). Words are
/// split at spaces only: a newline or tab inside stored text is shown as its picture.
fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    // `started`: the line holds a word, so the next one needs its space (runs of spaces
    // inside a line are kept: they may be part of a stored value).
    let mut started = false;
    for word in text.split(' ') {
        let word = visible_text(word);
        let needed = current.chars().count() + usize::from(started) + word.chars().count();
        if needed > width && !current.is_empty() {
            lines.push(std::mem::take(&mut current));
            started = false;
        }
        if word.is_empty() && !started && current.is_empty() {
            continue;
        }
        if started {
            current.push(' ');
        }
        current.push_str(&word);
        started = true;
        while current.chars().count() > width {
            let head: String = current.chars().take(width).collect();
            current = current.chars().skip(width).collect();
            lines.push(head);
        }
    }
    if !current.trim().is_empty() {
        lines.push(current);
    }
    lines
}

#[cfg(test)]
mod tests;

use crate::text::columns;
pub use crate::text::{visible, visible_text};

/// The whole-table figures view's text (the `A` key), for tests and scripts.
pub fn figures_text(app: &App) -> String {
    figures::figures_lines(app).join("\n")
}

/// The part of `input` that fits in `room` columns with its cursor in view, made
/// [`visible`], and the cursor's column within it.
pub fn input_window(input: &Input, room: usize) -> (String, usize) {
    let room = room.max(1);
    let value = input.value();
    let cursor: usize = value.chars().take(input.cursor()).map(columns).sum();
    // Columns scrolled off on the left: enough to keep the cursor inside the room.
    let scroll = (cursor + 1).saturating_sub(room);
    let mut skipped = 0;
    let mut chars = value.chars().peekable();
    while skipped < scroll {
        match chars.next() {
            Some(c) => skipped += columns(c),
            None => break,
        }
    }
    let mut shown = String::new();
    let mut used = 0;
    for c in chars {
        let w = columns(c);
        if used + w > room {
            break;
        }
        used += w;
        shown.push(visible(c));
    }
    (shown, cursor.saturating_sub(skipped))
}
