//! The question asked before scanning a table bigger than the list, and the whole-table
//! figures view (`A`) with the scan's progress.

use std::time::{Duration, Instant};

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use crate::app::{App, BoundPrompt, ScanOutcome, ScanState};
use crate::text::group;

/// Largest and smallest balances listed per currency in the view (the `stats` command and
/// its JSON have all [`crate::aggregate::TOP_N`]).
const RANKED_SHOWN: usize = crate::aggregate::TOP_N;

/// The question, centred in `area`.
pub fn render_prompt(prompt: &BoundPrompt, frame: &mut Frame, area: Rect) {
    let lines: Vec<Line> = prompt.lines().into_iter().map(Line::from).collect();
    let width = 78.min(area.width);
    let popup = super::centered(area, width, lines.len() as u16 + 4);
    frame.render_widget(Clear, popup);
    let block = Block::bordered().title(" A table bigger than the list ");
    let paragraph = Paragraph::new(lines).wrap(Wrap { trim: false }).block(block);
    frame.render_widget(paragraph, popup);
}

/// The figures view over the whole screen, from line `top`.
pub fn render_figures(app: &App, top: usize, frame: &mut Frame, area: Rect) {
    let lines = figures_lines(app);
    let height = usize::from(area.height.saturating_sub(2)).max(1);
    let top = top.min(lines.len().saturating_sub(height));
    let shown: Vec<Line> =
        lines.iter().skip(top).take(height).map(|l| Line::from(l.clone())).collect();
    frame.render_widget(Clear, area);
    let over = if app.server_filter().is_some() { "Filtered-scan" } else { "Whole-table" };
    let title = format!(
        " {over} figures {}–{}/{} · j/k PgUp/PgDn scroll · other keys close ",
        top + 1,
        (top + height).min(lines.len()),
        lines.len()
    );
    frame.render_widget(Paragraph::new(shown).block(Block::bordered().title(title)), area);
}

/// The view's lines: the scan's progress, then the figures.
pub fn figures_lines(app: &App) -> Vec<String> {
    let Some(scan) = app.scan() else {
        return vec!["no scan yet: the figures are computed while scanning".to_string()];
    };
    if scan.scope.figures.is_none() {
        return vec!["figures are computed with a list bound (--max-wallets)".to_string()];
    }
    let mut lines = vec![progress(scan, app.server_filter().is_some(), app.now())];
    if let Some(filter) = app.server_filter() {
        lines.push(format!(
            "over wallets matching the server-side filter {} (filtered-out items still cost RCU)",
            crate::server_filter::describe(filter)
        ));
    }
    lines.push(format!(
        "the list holds {} of them (--max-wallets {})",
        group(app.list().loaded() as u64),
        app.config().max_wallets.map_or("none".to_string(), group)
    ));
    lines.push(String::new());
    lines.extend(scan.figures.report(RANKED_SHOWN));
    lines
}

/// "read 12,345 of about 50,000 items (24.7 %) · 15.5 RCU · ETA 3m 2s · running";
/// `filtered`: the scan carries a server-side filter, so a complete one covers its matches only.
pub fn progress(scan: &ScanState, filtered: bool, now: Instant) -> String {
    let mut text = format!("read {} ", group(scan.scanned));
    match scan.expected_items.filter(|n| *n > 0) {
        Some(n) => {
            let percent = (scan.scanned as f64 / n as f64 * 100.0).min(100.0);
            text.push_str(&format!("of about {} items ({percent:.1} %)", group(n)));
        }
        None => text.push_str("items"),
    }
    text.push_str(&format!(" · {:.1} RCU", scan.rcu));
    if scan.outcome == ScanOutcome::Running
        && let Some(eta) = eta(scan, now)
    {
        text.push_str(&format!(" · ETA {}", crate::app::duration(eta.as_secs_f64())));
    }
    text.push_str(match &scan.outcome {
        ScanOutcome::Running => " · scanning…",
        ScanOutcome::Complete if filtered => " · complete: exact over every matching wallet",
        ScanOutcome::Complete => " · complete: exact over the whole table",
        ScanOutcome::Cancelled => " · stopped (r resumes): figures so far",
        ScanOutcome::Failed(_) => " · failed (r resumes): figures so far",
    });
    text
}

/// The paced scan's ETA; unpaced, the items left at the rate so far.
fn eta(scan: &ScanState, now: Instant) -> Option<Duration> {
    if let Some(eta) = scan.eta() {
        return Some(eta);
    }
    let expected = scan.expected_items?;
    let elapsed = now.saturating_duration_since(scan.started).as_secs_f64();
    if scan.scanned == 0 || elapsed <= 0.0 {
        return None;
    }
    let left = expected.saturating_sub(scan.scanned) as f64;
    Duration::try_from_secs_f64(left * elapsed / scan.scanned as f64).ok()
}

#[cfg(test)]
mod tests;
