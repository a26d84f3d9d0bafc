//! `:`: the table picker. ListTables (every page), each table marked by whether it has the
//! wallet schema; Enter switches to one, which resets the list and the status panel.

use crossterm::event::{Event, KeyCode};

use super::{App, Modal, ScanOutcome, TableSession};
use crate::error::ApiError;
use crate::msg::Request;
use crate::table::TableEntry;

/// The picker on screen.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TablePicker {
    /// The tables found (`None`: ListTables is in flight).
    pub tables: Option<Vec<TableEntry>>,
    pub selected: usize,
    /// Why the tables could not be listed.
    pub error: Option<String>,
}

impl App {
    pub(super) fn open_table_picker(&mut self) -> Vec<Request> {
        if self.connection != super::Connection::Ready {
            self.error("not connected yet");
            return Vec::new();
        }
        self.modal = Modal::Tables(TablePicker::default());
        vec![Request::ListTables]
    }

    /// Keys while the picker is open: move, Enter switches, `r` lists again, Esc closes.
    pub(super) fn handle_picker_event(&mut self, event: &Event) -> Vec<Request> {
        let Event::Key(key) = event else { return Vec::new() };
        let Modal::Tables(picker) = &mut self.modal else { return Vec::new() };
        let count = picker.tables.as_ref().map_or(0, Vec::len);
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') => self.modal = Modal::None,
            KeyCode::Down | KeyCode::Char('j') => {
                picker.selected = (picker.selected + 1).min(count.saturating_sub(1))
            }
            KeyCode::Up | KeyCode::Char('k') => picker.selected = picker.selected.saturating_sub(1),
            KeyCode::Char('r') => {
                *picker = TablePicker::default();
                return vec![Request::ListTables];
            }
            KeyCode::Enter => {
                let chosen = picker.tables.as_ref().and_then(|t| t.get(picker.selected)).cloned();
                if let Some(entry) = chosen {
                    return self.switch_table(entry);
                }
            }
            _ => {}
        }
        Vec::new()
    }

    pub(super) fn complete_list_tables(&mut self, result: Result<Vec<TableEntry>, ApiError>) {
        let Modal::Tables(picker) = &mut self.modal else { return };
        match result {
            Ok(tables) => {
                picker.selected =
                    tables.iter().position(|t| t.name == self.session.name).unwrap_or(0);
                picker.tables = Some(tables);
            }
            Err(err) => {
                picker.tables = Some(Vec::new());
                picker.error = Some(err.summary());
            }
        }
    }

    /// Looks after `entry`'s table from now on: a new session replaces the old one whole
    /// (its wallets, scan, status, undo entries, anything in flight); answers meant for the
    /// old one are dropped by their session number when they come.
    fn switch_table(&mut self, entry: TableEntry) -> Vec<Request> {
        self.modal = Modal::None;
        if entry.name == self.session.name {
            return Vec::new();
        }
        if self.session.write_started.is_some() {
            self.error("a write is in flight: wait for its answer before switching tables");
            return Vec::new();
        }
        let mut requests = Vec::new();
        if let Some(scan) = self.session.scan.as_ref().filter(|s| s.outcome == ScanOutcome::Running)
        {
            requests.push(Request::CancelScan { id: scan.id });
        }
        if self.session.live.arn.is_some() {
            requests.push(Request::StopTail);
        }
        let id = self.next_session;
        self.next_session += 1;
        self.session = TableSession::new(id, entry.name.clone(), self.now, Some(self.now));
        self.session.list =
            crate::list::WalletList::with_currency_attribute(&self.config.currency_attribute);
        let note = match entry.wallet_schema {
            Some(false) => " (it does not have the wallet schema: wallet forms will not work)",
            _ => "",
        };
        self.info(format!("switched to table {}{note}", entry.name));
        requests
    }
}
