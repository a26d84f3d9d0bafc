//! Browsing the list: selection, paging, sort, filter, the detail view, mouse.

use crossterm::event::{Event, KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::App;
use crate::keymap::Action;
use crate::list::Filter;

/// Which pane the movement keys act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    List,
    Detail,
}

/// How the detail pane shows the selected wallet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailView {
    /// One row per attribute: name, DynamoDB type, value.
    Attributes,
    /// `{"user_id": "…", "balance": 12.5}` with numbers exact.
    Json,
    /// `{"user_id": {"S": "…"}, "balance": {"N": "12.5"}}`.
    DynamoJson,
}

/// Rows the wheel moves per notch.
const WHEEL_STEP: usize = 3;

impl App {
    /// The wallet under the cursor.
    pub fn selected_wallet(&self) -> Option<&crate::wallet::Wallet> {
        self.session.list.get(self.session.selected)
    }

    /// After an in-place change of the list: the selection stays on wallet `keep`. A single
    /// change moves it by at most one row, unless it is the wallet that changed.
    pub(super) fn follow_selection(&mut self, keep: Option<crate::wallet::UserId>) {
        let Some(id) = keep else { return self.clamp_selection() };
        let list = &self.session.list;
        let at = self.session.selected;
        let near = [at, at + 1, at.saturating_sub(1)];
        let found = near.into_iter().find(|&p| list.get(p).is_some_and(|w| w.user_id == id));
        match found.or_else(|| list.position_of(&id)) {
            Some(position) => self.select(position),
            None => self.clamp_selection(),
        }
    }

    pub(super) fn handle_browse(&mut self, action: Action) {
        let page = usize::from(self.viewport.list_rows.max(1));
        match (action, self.focus) {
            (Action::Down, Pane::List) => self.move_selection(1),
            (Action::Up, Pane::List) => self.move_selection(-1),
            (Action::PageDown, Pane::List) => self.move_selection(page as isize),
            (Action::PageUp, Pane::List) => self.move_selection(-(page as isize)),
            (Action::Top, Pane::List) => self.select(0),
            (Action::Bottom, Pane::List) => self.select(self.session.list.len().saturating_sub(1)),
            (Action::Down, Pane::Detail) => self.scroll_detail(1),
            (Action::Up, Pane::Detail) => self.scroll_detail(-1),
            (Action::PageDown, Pane::Detail) => self.scroll_detail(page as i32),
            (Action::PageUp, Pane::Detail) => self.scroll_detail(-(page as i32)),
            (Action::Top, Pane::Detail) => self.session.detail_scroll = 0,
            (Action::Bottom, Pane::Detail) => self.session.detail_scroll = u16::MAX / 2,
            (Action::FocusNext, _) => {
                self.focus = match self.focus {
                    Pane::List => Pane::Detail,
                    Pane::Detail => Pane::List,
                }
            }
            (Action::Sort, _) => self.cycle_sort(),
            (Action::Filter, _) => self.open_filter(),
            (Action::ToggleJson, _) => {
                self.detail_view = match self.detail_view {
                    DetailView::Attributes => DetailView::Json,
                    DetailView::Json => DetailView::DynamoJson,
                    DetailView::DynamoJson => DetailView::Attributes,
                };
                self.session.detail_scroll = 0;
            }
            _ => {}
        }
    }

    pub(super) fn move_selection(&mut self, delta: isize) {
        let target = self.session.selected.saturating_add_signed(delta);
        self.select(target);
    }

    /// Selects a view position (clamped) and scrolls it into view.
    pub(super) fn select(&mut self, position: usize) {
        let last = self.session.list.len().saturating_sub(1);
        let position = position.min(last);
        if position != self.session.selected {
            self.session.detail_scroll = 0;
        }
        self.session.selected = position;
        self.scroll_into_view();
    }

    fn scroll_into_view(&mut self) {
        let rows = usize::from(self.viewport.list_rows.max(1));
        if self.session.selected < self.session.list_offset {
            self.session.list_offset = self.session.selected;
        } else if self.session.selected >= self.session.list_offset + rows {
            self.session.list_offset = self.session.selected + 1 - rows;
        }
    }

    /// Keeps the selection on a real row after the view shrank or reordered.
    pub(super) fn clamp_selection(&mut self) {
        self.select(self.session.selected);
    }

    fn scroll_detail(&mut self, delta: i32) {
        self.session.detail_scroll = self.session.detail_scroll.saturating_add_signed(delta as i16);
    }

    /// Next order; the selected wallet stays selected.
    fn cycle_sort(&mut self) {
        let keep = self.selected_wallet().map(|w| w.user_id.clone());
        let next = self.session.list.sort().next();
        self.session.list.set_sort(next);
        self.reselect(keep);
        self.info(format!("sorted by {}", next.label()));
    }

    fn reselect(&mut self, id: Option<crate::wallet::UserId>) {
        let position = id.and_then(|id| self.session.list.position_of(&id)).unwrap_or(0);
        self.session.list_offset =
            position.saturating_sub(usize::from(self.viewport.list_rows) / 2);
        self.select(position);
    }

    /// `/`: the filter box, on the filter in force with its text selected (typing replaces
    /// it, arrows edit it).
    fn open_filter(&mut self) {
        let current = match self.session.list.filter() {
            Filter::All => String::new(),
            _ => self.session.filter_text.clone(),
        };
        self.session.filter_selected = !current.is_empty();
        self.session.filter_input = Some((Input::new(current), None));
    }

    /// `Esc` in the list: stops a running batch first (writes matter most); else clears the
    /// filter in force; with none, stops the running scan.
    pub(super) fn clear_filter_or_cancel_scan(&mut self) -> Vec<crate::msg::Request> {
        if let Some(stop) = self.stop_batch() {
            return vec![stop];
        }
        if matches!(self.session.list.filter(), Filter::All) {
            return self.cancel_scan();
        }
        let requests = self.apply_filter(Filter::All, String::new());
        if requests.is_empty() {
            self.info("filter cleared: every loaded wallet is in view");
        }
        requests
    }

    /// Ends the filter box's selection; a key that replaces it empties the box first.
    pub(super) fn take_filter_selection(&mut self) {
        if std::mem::take(&mut self.session.filter_selected)
            && let Some((input, _)) = self.session.filter_input.as_mut()
        {
            *input = Input::default();
        }
    }

    /// Keys while the filter box is open: Enter applies, Esc clears and closes.
    pub(super) fn handle_filter_key(&mut self, event: &Event) -> Vec<crate::msg::Request> {
        let Event::Key(key) = event else { return Vec::new() };
        let plain = !key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        match key.code {
            KeyCode::Char(_) | KeyCode::Backspace | KeyCode::Delete if plain => {
                self.take_filter_selection()
            }
            KeyCode::Esc | KeyCode::Enter => {}
            _ => self.session.filter_selected = false,
        }
        let Some((input, error)) = self.session.filter_input.as_mut() else { return Vec::new() };
        match key.code {
            KeyCode::Esc => {
                self.session.filter_input = None;
                return self.apply_filter(Filter::All, String::new());
            }
            KeyCode::Enter => match Filter::parse(input.value()) {
                Ok(filter) => {
                    let text = input.value().trim().to_string();
                    self.session.filter_input = None;
                    return self.apply_filter(filter, text);
                }
                Err(why) => *error = Some(why),
            },
            _ => {
                if input.handle_event(event).is_some() {
                    *error = None;
                }
            }
        }
        Vec::new()
    }

    /// Applies a filter to the list; when the list does not hold the whole table (or a
    /// server-side filter is in force) it also becomes the scan's server-side filter, and a
    /// new scan fills the list with matching wallets.
    fn apply_filter(&mut self, filter: Filter, text: String) -> Vec<crate::msg::Request> {
        let keep = self.selected_wallet().map(|w| w.user_id.clone());
        let push = self.pushes_filter(&filter);
        self.session.list.set_filter(filter.clone());
        self.session.filter_text = text;
        self.reselect(keep);
        if !push {
            return Vec::new();
        }
        self.session.server_filter = (filter != Filter::All).then_some(filter);
        let scan = self.start_scan();
        if scan.is_none() {
            // No scan follows (the user chose not to scan): what the filter found goes too,
            // or it would pass for the table's wallets.
            self.forget_wallets();
        }
        scan.into_iter().collect()
    }

    /// Wheel scrolls the pane under the pointer; a click selects a row.
    pub(super) fn handle_mouse(&mut self, mouse: &MouseEvent) {
        let vp = self.viewport;
        let in_list = mouse.column >= vp.list_x
            && mouse.column < vp.list_x + vp.list_width
            && mouse.row >= vp.list_y.saturating_sub(1)
            && mouse.row < vp.list_y + vp.list_rows;
        let in_detail = mouse.column >= vp.detail_x
            && mouse.column < vp.detail_x + vp.detail_width
            && mouse.row >= vp.detail_y
            && mouse.row < vp.detail_y + vp.detail_rows;
        match mouse.kind {
            MouseEventKind::ScrollDown if in_list => self.move_selection(WHEEL_STEP as isize),
            MouseEventKind::ScrollUp if in_list => self.move_selection(-(WHEEL_STEP as isize)),
            MouseEventKind::ScrollDown if in_detail => self.scroll_detail(WHEEL_STEP as i32),
            MouseEventKind::ScrollUp if in_detail => self.scroll_detail(-(WHEEL_STEP as i32)),
            MouseEventKind::Down(MouseButton::Left) if in_list && mouse.row >= vp.list_y => {
                self.focus = super::Pane::List;
                let row = usize::from(mouse.row - vp.list_y);
                if self.session.list_offset + row < self.session.list.len() {
                    self.select(self.session.list_offset + row);
                }
            }
            MouseEventKind::Down(MouseButton::Left) if in_detail => self.focus = Pane::Detail,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;
