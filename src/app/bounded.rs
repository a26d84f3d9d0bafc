//! Tables bigger than the list (`--max-wallets`): the question asked before scanning one,
//! what each scan keeps and computes, the whole-table figures view, and when a filter goes
//! to DynamoDB instead of only to the loaded wallets.

use crossterm::event::KeyCode;

use super::{App, Modal};
use crate::capacity::{self, Consistency};
use crate::list::Filter;
use crate::msg::{Request, ScanScope};
use crate::table::TableInfo;

/// What the user chose for a table bigger than the list's bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoundChoice {
    /// Scan it all: the list keeps the first wallets read, figures cover every one.
    Continue,
    /// Scan it all for the figures only: the list stays empty.
    FiguresOnly,
    /// Do not scan; a filter typed then is sent to DynamoDB.
    Stop,
}

/// The question asked before scanning a table bigger than the list's bound.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundPrompt {
    /// The table's item count (DescribeTable's, refreshed about every six hours).
    pub items: u64,
    /// `--max-wallets`.
    pub bound: u64,
    /// What a full scan costs in read units (`None`: the table's size is unknown).
    pub full_scan_rcu: Option<f64>,
    /// The scan's read budget in RCU per second (`None`: unpaced).
    pub rcu_per_sec: Option<f64>,
}

impl BoundPrompt {
    /// The question's lines.
    pub fn lines(&self) -> Vec<String> {
        let group = crate::text::group;
        let mut lines = vec![format!(
            "about {} wallets: the list shows the first {} read; whole-table figures are \
             computed while scanning",
            group(self.items),
            group(self.bound)
        )];
        lines.push(match (self.full_scan_rcu, self.rcu_per_sec) {
            (Some(rcu), Some(rate)) => format!(
                "a full scan costs about {} RCU: {} at {} RCU/s",
                units(rcu),
                duration(rcu / rate),
                units(rate)
            ),
            (Some(rcu), None) => {
                format!("a full scan costs about {} RCU (unpaced)", units(rcu))
            }
            (None, _) => "the table's size is unknown: so is the full scan's cost".to_string(),
        });
        lines.push(String::new());
        lines.push("c / Enter  continue: list the first wallets, figures over all".into());
        lines.push("a          aggregates only: scan for the figures, list nothing".into());
        lines.push("s / Esc    stop: no scan; / sends a filter to DynamoDB instead".into());
        lines
    }
}

/// Capacity units: whole numbers plainly, fractions with one decimal.
fn units(units: f64) -> String {
    if units >= 100.0 || units.fract() == 0.0 {
        crate::text::group(units.round() as u64)
    } else {
        format!("{units:.1}")
    }
}

/// Seconds as "3h 20m", "4m 10s", "12s".
pub fn duration(secs: f64) -> String {
    let secs = secs.max(0.0).round() as u64;
    match (secs / 3600, secs % 3600 / 60, secs % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m {s}s"),
        (h, m, _) => format!("{h}h {m}m"),
    }
}

impl App {
    /// The question to ask before scanning `info`, if it is bigger than the bound and the
    /// user has not answered yet for this table.
    pub(super) fn bound_prompt(&self, info: &TableInfo) -> Option<BoundPrompt> {
        let bound = self.config.max_wallets?;
        let items = u64::try_from(info.item_count?).ok()?;
        if items <= bound || self.session.bound_choice.is_some() {
            return None;
        }
        if self.session.server_filter.is_some() {
            return None;
        }
        let consistency = match self.config.scan_spec.consistent {
            true => Consistency::Strong,
            false => Consistency::Eventual,
        };
        let full_scan_rcu = info
            .size_bytes
            .and_then(|b| u64::try_from(b).ok())
            .map(|bytes| capacity::full_scan_read_units(bytes, consistency));
        let rcu_per_sec = self
            .config
            .scan_budget
            .rcu_per_sec(&info.billing)
            .or(self.config.scan_spec.max_rcu_per_sec);
        Some(BoundPrompt { items, bound, full_scan_rcu, rcu_per_sec })
    }

    /// The user chose not to scan (and no server-side filter asks for one).
    pub(super) fn scan_stopped_by_choice(&self) -> bool {
        self.session.bound_choice == Some(BoundChoice::Stop) && self.session.server_filter.is_none()
    }

    /// What a scan keeps and computes, with `loaded` wallets already in the list.
    pub(super) fn scan_scope(&self, loaded: u64) -> ScanScope {
        let Some(bound) = self.config.max_wallets else { return ScanScope::default() };
        let filter = self.session.server_filter.clone();
        let keep = match (self.session.bound_choice, &filter) {
            (Some(BoundChoice::FiguresOnly), None) => 0,
            _ => bound.saturating_sub(loaded),
        };
        ScanScope {
            keep: Some(keep),
            figures: Some(self.config.currency_attribute.clone()),
            filter,
        }
    }

    /// Keys of the question: continue, aggregates only, or stop.
    pub(super) fn handle_bound_key(&mut self, code: KeyCode) -> Vec<Request> {
        let choice = match code {
            KeyCode::Char('c') | KeyCode::Enter => BoundChoice::Continue,
            KeyCode::Char('a') => BoundChoice::FiguresOnly,
            KeyCode::Char('s') | KeyCode::Esc => BoundChoice::Stop,
            _ => return Vec::new(),
        };
        self.modal = Modal::None;
        self.session.bound_choice = Some(choice);
        if choice == BoundChoice::Stop {
            self.info("not scanned: / sends a filter to DynamoDB (balance, user_id); r asks again");
            return Vec::new();
        }
        self.start_scan().into_iter().collect()
    }

    /// `r` after choosing not to scan asks the question again.
    pub(super) fn ask_bound_again(&mut self) {
        if self.scan_stopped_by_choice() {
            self.session.bound_choice = None;
        }
    }

    /// A filter goes to DynamoDB (a new scan with a FilterExpression) when the list does not
    /// hold the whole table, or a server-side filter is already in force.
    pub(super) fn pushes_filter(&self, filter: &Filter) -> bool {
        let Some(bound) = self.config.max_wallets else { return false };
        if self.session.query.spec.is_some() {
            // A query's list holds all its results: its filter stays in the app.
            return false;
        }
        if self.session.server_filter.is_some() {
            return true;
        }
        if *filter == Filter::All {
            return false;
        }
        matches!(self.session.bound_choice, Some(BoundChoice::FiguresOnly | BoundChoice::Stop))
            || self.session.list.loaded() as u64 >= bound
    }

    /// The list holds only part of what the scan read (the bound was reached, or nothing is
    /// kept): its footer figures are not the table's.
    pub fn list_is_partial(&self) -> bool {
        let Some(scan) = &self.session.scan else { return false };
        scan.scope.keep.is_some() && (self.session.list.loaded() as u64) < scan.figures.wallets()
    }

    /// The filter sent to DynamoDB, if any.
    pub fn server_filter(&self) -> Option<&Filter> {
        self.session.server_filter.as_ref()
    }

    /// Keys of the figures view: j k ↑ ↓ PgUp PgDn scroll, any other closes it.
    pub(super) fn scroll_figures(&mut self, code: KeyCode) {
        let Modal::Figures(top) = &mut self.modal else { return };
        match code {
            KeyCode::Char('j') | KeyCode::Down => *top += 1,
            KeyCode::Char('k') | KeyCode::Up => *top = top.saturating_sub(1),
            KeyCode::PageDown => *top += 10,
            KeyCode::PageUp => *top = top.saturating_sub(10),
            _ => self.modal = Modal::None,
        }
    }
}

#[cfg(test)]
mod tests;
