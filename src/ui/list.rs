//! The wallet list: only the visible rows are built, whatever the list's size.

use std::time::Instant;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Cell, Paragraph, Row, Table};

use crate::app::{App, Pane, ScanOutcome, ScanState};
use crate::json::{Shape, value_json};
use bigdecimal::BigDecimal;
use bigdecimal::num_bigint::Sign;

use crate::list::{Aggregates, BalanceWidths, Groups, WalletList};
use crate::text::{self, count};
use crate::wallet::{AttrValue, BALANCE, Wallet};

const ID_WIDTH: u16 = 36;
/// The marker of a marked row, in a column of its own while any wallet is marked.
const MARK: &str = "✓";
const MARK_WIDTH: u16 = 1;
const MIN_BALANCE_WIDTH: usize = 12;
/// The balance column never takes more than this (a 38-digit number with sign and point).
const MAX_BALANCE_WIDTH: usize = 42;
/// Extra columns are as wide as their values among this many first wallets in view.
const WIDTH_SAMPLE: usize = 32;
/// Extra columns are added while each gets at least this much room.
const MIN_EXTRA_WIDTH: u16 = 6;
/// Long values are cut at this width in the list (the detail pane shows them whole).
const MAX_EXTRA_WIDTH: u16 = 32;

/// Draws the list into `area`.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let focused = app.focus() == Pane::List && app.filter_input().is_none();
    let mut block = Block::bordered()
        .border_type(if focused { BorderType::Thick } else { BorderType::Plain })
        .title(title(app));
    match whole_table(app) {
        // The whole table's figures first (a title too long for the border is cut at its
        // end), then the loaded wallets', each named.
        Some(whole) => {
            let room = usize::from(area.width.saturating_sub(3));
            let mut line = footer(app.list(), room.saturating_sub(text::width(&whole) + 8));
            line.spans.insert(0, Span::raw(format!("{whole}│ loaded:")));
            block = block.title_bottom(line);
        }
        None => {
            block =
                block.title_bottom(footer(app.list(), usize::from(area.width.saturating_sub(3))))
        }
    }
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
        (Some(s), 0) if s.outcome == ScanOutcome::Running && app.query().is_some() => {
            "querying…".into()
        }
        (Some(s), 0) if s.outcome == ScanOutcome::Running => "scanning…".into(),
        (Some(s), 0) if app.query().is_some() && s.outcome == ScanOutcome::Complete => {
            "no wallet matches the query (r: full scan)".into()
        }
        (Some(_), 0) if app.query().is_some() => "nothing loaded: the query stopped".into(),
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
    // With marks, a column of its own says which rows are marked (not a colour alone).
    let marks = app.marks();
    let mark_width = if marks.is_empty() { 0 } else { MARK_WIDTH + 1 };
    let id_width = ID_WIDTH + mark_width;
    let room = usize::from(area.width.saturating_sub(id_width + 1)).clamp(8, MAX_BALANCE_WIDTH);
    let balance = BalanceColumn::new(app.list().balance_widths(), room);
    let balance_width = balance.width() as u16;
    let extras = extra_columns(app, area.width.saturating_sub(id_width + balance_width + 2));
    let mut header =
        vec![Cell::from("user_id"), Cell::from(format!("{:>w$}", "balance", w = balance.width()))];
    header.extend(extras.iter().map(|(name, _)| Cell::from(text::fit(name, 32))));
    if mark_width > 0 {
        header.insert(0, Cell::from(""));
    }
    let rows = window.iter().enumerate().map(|(i, wallet)| {
        let mut cells = vec![
            Cell::from(text::fit(&wallet.user_id.to_text(), usize::from(ID_WIDTH))),
            Cell::from(balance.cell(wallet)),
        ];
        if mark_width > 0 {
            let mark = if marks.contains(&wallet.user_id) { MARK } else { "" };
            cells.insert(0, Cell::from(mark));
        }
        cells.extend(extras.iter().map(|(name, width)| {
            Cell::from(text::fit(&extra_text(wallet.attr(name).as_ref()), usize::from(*width)))
        }));
        let mut row = Row::new(cells);
        // Only what an index projects, until it is read whole.
        if app.is_partial(&wallet.user_id) {
            row = row.style(Style::new().fg(Color::DarkGray).add_modifier(Modifier::ITALIC));
        }
        // Changed by a stream record or a write a moment ago.
        if app.live().is_marked(&wallet.user_id, app.now()) {
            row = row.style(Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD));
        }
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
    if mark_width > 0 {
        widths.insert(0, Constraint::Length(MARK_WIDTH));
    }
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

/// The balance column: every balance right-aligned on its point (the widths come from all
/// loaded wallets, so the column stays put while scrolling), digits exactly as stored; a part
/// too long for the column is cut with a visible mark (the detail pane shows it whole).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct BalanceColumn {
    /// Columns before the point (sign included).
    int: usize,
    /// Columns from the point on (0 when every balance is an integer).
    frac: usize,
}

impl BalanceColumn {
    /// The column for balances as wide as `widths`, in at most `room` columns.
    pub(super) fn new(widths: BalanceWidths, room: usize) -> Self {
        let mut int = widths.int.max(1);
        let mut frac = widths.frac;
        int = int.max(MIN_BALANCE_WIDTH.saturating_sub(frac));
        if int + frac > room {
            // The fraction gives way first, keeping its point and a digit or two.
            frac = frac.min(room.saturating_sub(int)).max(frac.min(4));
            int = room.saturating_sub(frac).max(2);
        }
        BalanceColumn { int, frac }
    }

    pub(super) fn width(&self) -> usize {
        self.int + self.frac
    }

    /// One wallet's cell: its number aligned, another type as its type and JSON, or a dash.
    pub(super) fn cell(&self, wallet: &Wallet) -> Span<'static> {
        let width = self.width();
        match wallet.balance {
            Some(b) => {
                let style =
                    if b.is_negative() { Style::new().fg(Color::Red) } else { Style::new() };
                Span::styled(self.aligned(&b.to_string()), style)
            }
            None => {
                let shown = match wallet.attr(BALANCE) {
                    Some(other) => {
                        let value = value_json(&other, Shape::Plain);
                        text::fit(&format!("{} {value}", other.type_name()), width)
                    }
                    None => "—".to_string(),
                };
                let pad = width.saturating_sub(text::width(&shown));
                Span::styled(
                    format!("{}{shown}", " ".repeat(pad)),
                    Style::new().fg(Color::DarkGray),
                )
            }
        }
    }

    /// A balance's text placed so that its point falls where every other one's does.
    pub(super) fn aligned(&self, balance: &str) -> String {
        let split = balance.find(['.', 'E']).unwrap_or(balance.len());
        let (int, frac) = balance.split_at(split);
        let (int, frac) = (text::fit(int, self.int), text::fit(frac, self.frac));
        format!("{int:>iw$}{frac:<fw$}", iw = self.int, fw = self.frac)
    }
}

/// The other attributes as columns, the most common among the loaded wallets first (so they
/// stay put while scrolling), each as wide as its name and its values among the first wallets
/// in view (capped; longer values are cut with a mark), as many as fit.
fn extra_columns(app: &App, room: u16) -> Vec<(String, u16)> {
    let sample: Vec<&Wallet> = app.list().window(0, WIDTH_SAMPLE).collect();
    let mut columns = Vec::new();
    let mut left = room;
    for name in app.list().column_names().iter().filter(|n| &***n != BALANCE) {
        let widest = sample
            .iter()
            .map(|w| text::width(&extra_text(w.attr(name).as_ref())))
            .chain([text::width(name)])
            .max()
            .unwrap_or(0);
        let width = (widest.min(usize::from(MAX_EXTRA_WIDTH)) as u16).max(MIN_EXTRA_WIDTH);
        if width + 1 > left {
            break;
        }
        left -= width + 1;
        columns.push((name.to_string(), width));
    }
    columns
}

fn extra_text(value: Option<&AttrValue>) -> String {
    match value {
        None => String::new(),
        Some(AttrValue::S(s)) => s.to_string(),
        Some(AttrValue::N(n)) => n.to_string(),
        Some(other) => value_json(other, Shape::Plain),
    }
}

fn title(app: &App) -> Line<'static> {
    if app.foreign_key_schema().is_some() {
        return Line::from(" Items · not a wallet table: not listed ");
    }
    let shows = app.query_title().unwrap_or_else(|| "Wallets".into());
    let mut text = format!(" {shows} · {} loaded", group(app.list().loaded() as u64));
    if !app.marks().is_empty() {
        text.push_str(&marked_text(app.marks().len(), app.marked_groups()));
    }
    if let Some(scan) = &app.scan() {
        let mut progress = scan_progress(scan, app.list().loaded(), app.now());
        if app.query().is_some() {
            // `r` after a query returns to the full scan, it does not resume the query.
            progress = progress.replace("(r resumes)", "(r: full scan)");
        }
        text.push_str(&progress);
    }
    text.push_str(&format!(" · {}", app.list().sort().label()));
    if let Some(filter) = app.server_filter() {
        text.push_str(&format!(
            " · server-side filter {} (filtered-out items still cost RCU)",
            text::fit(&crate::server_filter::describe(filter), 40)
        ));
    }
    if !app.filter_text().is_empty() {
        let n = app.list().len();
        text.push_str(&format!(
            " · filter {} ({} {})",
            text::fit(app.filter_text(), 40),
            group(n as u64),
            if n == 1 { "match" } else { "matches" }
        ));
    }
    text.push(' ');
    Line::from(text)
}

/// " whole table: 50,000 wallets · 4 currencies (A) " when the list holds only part of what
/// the scan read: its footer's figures are over the loaded wallets only.
fn whole_table(app: &App) -> Option<String> {
    if !app.list_is_partial() {
        return None;
    }
    let scan = app.scan()?;
    let figures = &scan.figures;
    let key = app.config().keymap.first_key(crate::keymap::Action::Figures);
    let groups = figures.groups();
    let detail = match groups.as_slice() {
        [(_, one)] => match one.numeric() {
            0 => String::new(),
            _ => format!(" · total {}", decimal(&one.total.total(), GROUP_TOTAL_WIDTH)),
        },
        many => format!(" · {} currencies", many.len()),
    };
    let done = if scan.outcome == ScanOutcome::Complete { "" } else { " so far" };
    Some(format!(" whole table{done}: {} wallets{detail} ({key}) ", group(figures.wallets())))
}

fn scan_progress(scan: &ScanState, loaded: usize, now: Instant) -> String {
    let state = match &scan.outcome {
        ScanOutcome::Running => "more…".to_string(),
        ScanOutcome::Complete => "complete".to_string(),
        ScanOutcome::Cancelled => "stopped (r resumes)".to_string(),
        ScanOutcome::Failed(_) => "failed (r resumes)".to_string(),
    };
    format!(
        " · {} · {}/s · {} RCU{} · {state}",
        count(scan.pages as usize, "page"),
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

/// The list's aggregates in `width` columns. One currency (or none): count, total, min and
/// max. Several: the same per currency, the largest first, as many as fit, then "+N more"
/// (the help overlay lists them all); never one total across currencies.
pub(super) fn footer(list: &WalletList, width: usize) -> Line<'static> {
    let agg = list.aggregates();
    let groups = list.groups();
    let mut text = format!(" {}", count(agg.count, "wallet"));
    let without = match agg.without_balance {
        0 => String::new(),
        n => format!(" · {} without a numeric balance", group(n as u64)),
    };
    let sorted = groups.sorted();
    if sorted.len() <= 1 && groups.beyond() == 0 {
        let currency =
            sorted.first().and_then(|g| g.currency).map(|c| format!(" {}", text::fit(c, 12)));
        text.push_str(&figures(agg, currency.as_deref().unwrap_or(""), TOTAL_WIDTH));
        text.push_str(&without);
        text.push(' ');
        return Line::from(text);
    }
    let currencies = sorted.len() + usize::from(groups.beyond() > 0);
    text.push(':');
    let more = |rest: usize| match rest {
        0 => String::new(),
        n if n == currencies => format!(" {n} currencies, see help"),
        n => format!(" │ +{n} more (help)"),
    };
    let mut shown = 0;
    for (i, g) in sorted.iter().enumerate() {
        let name = currency_label(g.currency, 12);
        let separator = if i > 0 { " │" } else { "" };
        let full = format!("{separator} {name} {}", group_figures(g.aggregates));
        let short = format!("{separator} {name} {}", short_figures(g.aggregates));
        let rest = currencies - i - 1;
        let fits = |part: &str| {
            text::width(&text)
                + text::width(part)
                + more(rest).chars().count()
                + without.chars().count()
                < width
        };
        match [full, short].into_iter().find(|part| fits(part)) {
            Some(part) => text.push_str(&part),
            None => break,
        }
        shown += 1;
    }
    text.push_str(&more(currencies - shown));
    text.push_str(&without);
    text.push(' ');
    Line::from(text)
}

/// " · 12 marked · total 1234.50 EUR", per currency when the marked wallets are of several
/// (" · 12 marked: EUR 8 · total 10 │ USD 4 · total 5"), as the footer groups them; never one
/// total across currencies. The totals are of the marked wallets loaded: when some marked
/// wallets are not (a rescan not yet at them, a filter on the server), it says how many are
/// (" · 12 marked, 10 loaded · total …").
fn marked_text(marked: usize, groups: &Groups) -> String {
    let mut text = format!(" · {} marked", group(marked as u64));
    let loaded = groups.wallets();
    if loaded < marked {
        text.push_str(&format!(", {} loaded", group(loaded as u64)));
    }
    let sorted = groups.sorted();
    match (sorted.as_slice(), groups.beyond()) {
        ([], 0) => {}
        ([one], 0) => {
            if one.aggregates.numeric() > 0 {
                let currency = one.currency.map(|c| format!(" {}", text::fit(c, 12)));
                let total = decimal(&one.aggregates.total.total(), TOTAL_WIDTH);
                text.push_str(&format!(" · total {total}{}", currency.unwrap_or_default()));
            }
        }
        (several, beyond) => {
            text.push(':');
            for (i, g) in several.iter().enumerate() {
                let separator = if i > 0 { " │" } else { "" };
                let name = currency_label(g.currency, 12);
                text.push_str(&format!("{separator} {name} {}", short_figures(g.aggregates)));
            }
            if beyond > 0 {
                text.push_str(&format!(" │ +{} in more currencies", group(beyond as u64)));
            }
        }
    }
    text
}

/// "60 · total 12.5" for one currency among several when the full figures do not fit.
fn short_figures(agg: &Aggregates) -> String {
    let total = match agg.numeric() {
        0 => String::new(),
        _ => format!(" · total {}", decimal(&agg.total.total(), GROUP_TOTAL_WIDTH)),
    };
    format!("{}{total}", group(agg.count as u64))
}

/// Widest a total, min or max takes in the footer before it turns to scientific notation (as
/// wide as the widest balance: sign, 38 digits, point and exponent).
pub(super) const TOTAL_WIDTH: usize = 46;
/// The same for each currency when there are several.
const GROUP_TOTAL_WIDTH: usize = 20;

/// " · total 12.5 EUR · min 0 · max 10".
pub(super) fn figures(agg: &Aggregates, currency: &str, width: usize) -> String {
    if agg.numeric() == 0 {
        return String::new();
    }
    let mut text = format!(" · total {}{currency}", decimal(&agg.total.total(), width));
    if let (Some(min), Some(max)) = (agg.min, agg.max) {
        let (min, max) =
            (decimal(&min.to_bigdecimal(), width), decimal(&max.to_bigdecimal(), width));
        text.push_str(&format!(" · min {min} · max {max}"));
    }
    text
}

/// "60 · total 12.5 · min 0 · max 10" for one currency among several.
pub(super) fn group_figures(agg: &Aggregates) -> String {
    format!("{}{}", group(agg.count as u64), figures(agg, "", GROUP_TOTAL_WIDTH))
}

/// A currency as the footer and help name it.
pub(super) fn currency_label(currency: Option<&str>, width: usize) -> String {
    match currency {
        Some(c) => text::fit(c, width),
        None => "(no currency)".to_string(),
    }
}

/// An exact decimal in the list's notation: plain while it fits in `width` characters,
/// otherwise scientific, its digits cut with a visible mark when even that is too long, so a
/// long total never reads as a shorter number.
pub fn decimal(value: &BigDecimal, width: usize) -> String {
    let value = value.normalized();
    let plain = value.to_plain_string();
    if plain.len() <= width {
        return plain;
    }
    let (coefficient, scale) = value.as_bigint_and_exponent();
    let digits = coefficient.magnitude().to_string();
    let sign = if coefficient.sign() == Sign::Minus { "-" } else { "" };
    let exponent = digits.len() as i64 - 1 - scale;
    let (lead, rest) = digits.split_at(1);
    let tail = format!("E{exponent:+}");
    let whole = if rest.is_empty() {
        format!("{sign}{lead}{tail}")
    } else {
        format!("{sign}{lead}.{rest}{tail}")
    };
    if whole.len() <= width {
        return whole;
    }
    let keep =
        width.saturating_sub(sign.len() + lead.len() + 2 + tail.len()).max(1).min(rest.len());
    format!("{sign}{lead}.{}{}{tail}", &rest[..keep], text::CUT_MARK)
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
    text::group(n)
}

/// Capacity units: whole numbers plainly, fractions with one decimal.
pub fn format_units(units: f64) -> String {
    if units.fract() == 0.0 { format!("{units:.0}") } else { format!("{units:.1}") }
}

#[cfg(test)]
mod tests;
