//! The capacity-units panel: what every call of this session cost, against what the table
//! can take (its provisioned throughput), and what a full scan would cost.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Sparkline, SparklineBar};

use crate::app::{App, TableState};
use crate::table::BillingMode;
use crate::ui::list::format_units;
use crate::ui::status::format_elapsed;
use crate::usage::{self, OpKind, Units, Usage, WINDOW_SECS};

/// Width of the label column.
const LABEL: usize = 7;
/// Sparkline values are units × this, as whole numbers (reads come in half units).
const SCALE: f64 = 10.0;
/// Narrower than this, a rate row shows its figure without the sparkline.
const MIN_SPARK: u16 = 6;

/// Draws the panel into `area`.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let usage = &app.usage();
    let billing = match &app.table() {
        TableState::Present(info) => Some(&info.billing),
        _ => None,
    };
    let title = match billing {
        Some(BillingMode::Provisioned { read, write }) => {
            format!(" Capacity · provisioned {read} RCU / {write} WCU ")
        }
        Some(BillingMode::OnDemand) => " Capacity · on-demand ".to_string(),
        None => " Capacity ".to_string(),
    };
    let block = Block::bordered().title(title).title_bottom(counters(app, usage));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.is_empty() {
        return;
    }
    let [last, reads, writes, read_totals, write_totals, prediction] =
        Layout::vertical([Constraint::Length(1); 6]).areas(inner);
    frame.render_widget(last_call(app), last);
    let (read_limit, write_limit) = match billing {
        Some(BillingMode::Provisioned { read, write }) => (Some(*read), Some(*write)),
        _ => (None, None),
    };
    rate_row(app, frame, reads, Units::Read, read_limit);
    rate_row(app, frame, writes, Units::Write, write_limit);
    frame.render_widget(totals(usage, Units::Read), read_totals);
    frame.render_widget(totals(usage, Units::Write), write_totals);
    frame.render_widget(full_scan(app), prediction);
}

fn label(text: &str) -> Span<'static> {
    Span::styled(format!("{text:<LABEL$}"), Style::new().fg(Color::Gray))
}

fn estimated() -> Span<'static> {
    Span::styled("estimated", Style::new().fg(Color::Yellow))
}

/// "Last   UpdateItem 1 WCU · 3s ago", marked when the units were computed here.
fn last_call(app: &App) -> Line<'static> {
    let Some(call) = app.usage().last() else {
        return Line::from(vec![
            label("Last"),
            Span::styled("no call yet", Style::new().fg(Color::DarkGray)),
        ]);
    };
    let units = match call.kind {
        OpKind::Scan | OpKind::Query | OpKind::Get => format!("{} RCU", format_units(call.rcu)),
        OpKind::Put | OpKind::Update | OpKind::Delete | OpKind::Transact | OpKind::Table => {
            format!("{} WCU", format_units(call.wcu))
        }
    };
    let ago = format_elapsed(app.now().saturating_duration_since(call.at));
    let mut spans = vec![
        label("Last"),
        Span::styled(call.kind.name(), Style::new().add_modifier(Modifier::BOLD)),
        Span::raw(format!(" {units}")),
    ];
    if call.estimated {
        spans.push(Span::raw(" "));
        spans.push(estimated());
    }
    spans.push(Span::styled(format!(" · {ago} ago"), Style::new().fg(Color::DarkGray)));
    Line::from(spans)
}

/// A colour for a share of the provisioned throughput.
fn utilization_color(share: f64) -> Color {
    match share {
        s if s >= 0.8 => Color::Red,
        s if s >= 0.5 => Color::Yellow,
        _ => Color::Green,
    }
}

/// "RCU/s ▁▃█  1.5 of 5 · 30%": the last minute per second, the recent rate, and its share of
/// the provisioned throughput (on-demand: the session's units instead).
fn rate_row(app: &App, frame: &mut Frame, area: Rect, units: Units, limit: Option<i64>) {
    let usage = &app.usage();
    let rate = usage.rate_now(app.now(), units);
    let mut figure = vec![Span::raw(format!("{rate:.1}/s"))];
    match limit.and_then(|limit| Some((limit, usage::utilization(rate, limit)?))) {
        Some((limit, share)) => {
            figure.push(Span::raw(format!(" of {limit} · ")));
            figure.push(Span::styled(
                format!("{:.0}%", share * 100.0),
                Style::new().fg(utilization_color(share)).add_modifier(Modifier::BOLD),
            ));
        }
        None => {
            let used = match units {
                Units::Read => usage.total().rcu,
                Units::Write => usage.total().wcu,
            };
            figure.push(Span::raw(format!(" · {} used", format_units(used))));
        }
    }
    let figure = Line::from(figure);
    let name = match units {
        Units::Read => "RCU/s",
        Units::Write => "WCU/s",
    };
    let [name_area, rest] =
        Layout::horizontal([Constraint::Length(LABEL as u16), Constraint::Min(0)]).areas(area);
    frame.render_widget(label(name), name_area);
    let figure_width = u16::try_from(figure.width()).unwrap_or(u16::MAX);
    let spark_width = rest.width.saturating_sub(figure_width.saturating_add(1));
    if spark_width < MIN_SPARK {
        frame.render_widget(figure, rest);
        return;
    }
    let [spark_area, _, figure_area] = Layout::horizontal([
        Constraint::Length(spark_width),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(rest);
    frame.render_widget(sparkline(usage, app.now(), units, limit, spark_area.width), spark_area);
    frame.render_widget(figure, figure_area);
}

/// The last `width` seconds (at most a minute), scaled against the provisioned limit: a bar
/// at the limit fills the row, one over it is red; a second without calls is a dim dot.
fn sparkline(
    usage: &Usage,
    now: std::time::Instant,
    units: Units,
    limit: Option<i64>,
    width: u16,
) -> Sparkline<'static> {
    let series = usage.rate_series(now, units);
    let shown = &series[WINDOW_SECS.saturating_sub(usize::from(width))..];
    let scaled = |v: f64| (v * SCALE).ceil() as u64;
    let max = match limit.filter(|l| *l > 0) {
        Some(limit) => scaled(limit as f64),
        None => shown.iter().copied().map(scaled).max().unwrap_or(0).max(1),
    };
    // One eighth of the row: the smallest visible bar.
    let least = max.div_ceil(8);
    let bars: Vec<SparklineBar> = shown
        .iter()
        .map(|&v| {
            if v <= 0.0 {
                return SparklineBar::from(None);
            }
            let bar = SparklineBar::from(scaled(v).max(least));
            let over = limit.is_some_and(|l| l > 0 && v > l as f64);
            if over { bar.style(Style::new().fg(Color::Red)) } else { bar }
        })
        .collect();
    Sparkline::default()
        .data(bars)
        .max(max)
        .style(Style::new().fg(Color::Cyan))
        .absent_value_symbol("·")
        .absent_value_style(Style::new().fg(Color::DarkGray))
}

/// "Reads  2.5 RCU: scan 4× 2 · get 1× ≈0.5": the session's totals per kind of call
/// (≈: some of its calls were estimated).
fn totals(usage: &Usage, units: Units) -> Line<'static> {
    let (name, kinds, sum, unit) = match units {
        Units::Read => {
            ("Reads", &[OpKind::Scan, OpKind::Query, OpKind::Get][..], usage.total().rcu, "RCU")
        }
        Units::Write => {
            ("Writes", &[OpKind::Put, OpKind::Update, OpKind::Delete][..], usage.total().wcu, "WCU")
        }
    };
    let parts: Vec<String> = kinds
        .iter()
        .map(|&kind| (kind, usage.totals(kind)))
        .filter(|(_, t)| t.calls > 0)
        .map(|(kind, t)| {
            let units = match units {
                Units::Read => t.rcu,
                Units::Write => t.wcu,
            };
            let approx = if t.estimated > 0 { "≈" } else { "" };
            let part = format!("{} {}× {approx}{}", short_name(kind), t.calls, format_units(units));
            match kind {
                OpKind::Query => format!("{part} ({})", per_index(usage)),
                _ => part,
            }
        })
        .collect();
    let mut spans = vec![label(name)];
    if parts.is_empty() {
        spans.push(Span::styled("none yet", Style::new().fg(Color::DarkGray)));
    } else {
        spans.push(Span::styled(
            format!("{} {unit}", format_units(sum)),
            Style::new().add_modifier(Modifier::BOLD),
        ));
        spans.push(Span::raw(format!(": {}", parts.join(" · "))));
    }
    Line::from(spans)
}

/// "idx 1.5, table 0.5": what the queries read, index by index.
fn per_index(usage: &Usage) -> String {
    let parts: Vec<String> = usage
        .query_units_by_index()
        .map(|(name, units)| format!("{} {}", crate::text::fit(name, 24), format_units(units)))
        .collect();
    parts.join(", ")
}

fn short_name(kind: OpKind) -> &'static str {
    match kind {
        OpKind::Scan => "scan",
        OpKind::Query => "query",
        OpKind::Get => "get",
        OpKind::Put => "put",
        OpKind::Update => "update",
        OpKind::Delete => "delete",
        OpKind::Transact => "transfer",
        OpKind::Table => "table",
    }
}

/// "Full   scan ≈ 25 RCU strong · 12.5 eventual": the predicted cost of reading the whole
/// table, from DescribeTable's size (which DynamoDB refreshes about every six hours).
fn full_scan(app: &App) -> Line<'static> {
    let info = match &app.table() {
        TableState::Present(info) => info,
        _ => return Line::from(vec![label("Full"), dim("scan: no table")]),
    };
    let Some(size) = info.size_bytes else {
        return Line::from(vec![label("Full"), dim("scan: table size unknown")]);
    };
    let (strong, eventual) = usage::full_scan_units(size);
    Line::from(vec![
        label("Full"),
        Span::raw(format!(
            "scan ≈ {} RCU strong · {} eventual",
            format_units(strong),
            format_units(eventual)
        )),
    ])
}

fn dim(text: &str) -> Span<'static> {
    Span::styled(text.to_string(), Style::new().fg(Color::DarkGray))
}

/// The bottom border: throttled attempts, retries and table calls.
fn counters(app: &App, usage: &Usage) -> Line<'static> {
    let color = |n: u64, hot: Color| if n > 0 { Style::new().fg(hot) } else { Style::new() };
    let stream_calls = app.live().calls();
    let stream = match stream_calls {
        0 => String::new(),
        n => format!("· stream calls {n} "),
    };
    Line::from(vec![
        Span::raw(" "),
        Span::styled(format!("throttled {}", usage.throttled), color(usage.throttled, Color::Red)),
        Span::raw(" · "),
        Span::styled(format!("retries {}", usage.retries), color(usage.retries, Color::Yellow)),
        Span::raw(format!(" · table calls {} ", usage.totals(OpKind::Table).calls)),
        Span::raw(stream),
    ])
}
