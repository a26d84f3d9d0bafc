//! Form state shared by every dialog: text fields, choices, focus and errors.
//! Rendering lives in `ui::form`; what a form means is decided by `App`.

use std::borrow::Cow;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

/// What a key did to a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormOutcome {
    /// Keep editing.
    Continue,
    /// Enter: the caller validates and, if valid, sends the request.
    Submit,
    /// Esc: close the form, send nothing.
    Cancel,
}

/// The editable part of a field.
#[derive(Debug, Clone)]
pub enum FieldKind {
    /// Free text with a cursor.
    Text(Input),
    /// One of a few options; Space / Left / Right cycle through them.
    Choice { options: Vec<Cow<'static, str>>, selected: usize },
    /// Shown for context, never focused.
    Fixed(String),
}

/// One labelled row of a form, with its own error message.
#[derive(Debug, Clone)]
pub struct Field {
    pub label: &'static str,
    pub kind: FieldKind,
    pub error: Option<String>,
    /// A dimmed note after the value, e.g. "not used on-demand".
    pub hint: Option<String>,
}

impl Field {
    /// A text field with an initial value.
    pub fn text(label: &'static str, value: &str) -> Self {
        Self::new(label, FieldKind::Text(Input::new(value.to_string())))
    }

    /// A choice between fixed options; the first is selected.
    pub fn choice(label: &'static str, options: Vec<&'static str>) -> Self {
        let options = options.into_iter().map(Cow::Borrowed).collect();
        Self::new(label, FieldKind::Choice { options, selected: 0 })
    }

    /// A choice between options known only at run time (e.g. a table's index names).
    pub fn choice_owned(label: &'static str, options: Vec<String>) -> Self {
        let options = options.into_iter().map(Cow::Owned).collect();
        Self::new(label, FieldKind::Choice { options, selected: 0 })
    }

    /// The selected option's position (`None` for a field that is not a choice).
    pub fn selected(&self) -> Option<usize> {
        match &self.kind {
            FieldKind::Choice { selected, .. } => Some(*selected),
            _ => None,
        }
    }

    /// Selects the option `option` if the field is a choice that has it.
    pub fn select(&mut self, option: &str) {
        if let FieldKind::Choice { options, selected } = &mut self.kind
            && let Some(at) = options.iter().position(|o| o == option)
        {
            *selected = at;
        }
    }

    /// A read-only row.
    pub fn fixed(label: &'static str, value: impl Into<String>) -> Self {
        Self::new(label, FieldKind::Fixed(value.into()))
    }

    fn new(label: &'static str, kind: FieldKind) -> Self {
        Field { label, kind, error: None, hint: None }
    }

    /// The text the field shows (for a choice, the selected option).
    pub fn value(&self) -> &str {
        match &self.kind {
            FieldKind::Text(input) => input.value(),
            FieldKind::Choice { options, selected } => options.get(*selected).map_or("", |o| o),
            FieldKind::Fixed(value) => value,
        }
    }

    fn focusable(&self) -> bool {
        !matches!(self.kind, FieldKind::Fixed(_))
    }
}

/// A dialog: a title, fields, the focused field and a form-level message.
#[derive(Debug, Clone)]
pub struct Form {
    pub title: String,
    /// Explanation shown above the fields.
    pub intro: Option<String>,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// A message about the whole form (e.g. the server's refusal).
    pub error: Option<String>,
    /// A question about the whole form (e.g. "100 → 50 (-50). Enter again writes it"), until
    /// a field is edited.
    pub notice: Option<String>,
    /// A request from this form is in flight: further submits are ignored.
    pub pending: bool,
}

impl Form {
    /// A form focused on its first editable field.
    pub fn new(title: impl Into<String>, fields: Vec<Field>) -> Self {
        let focus = fields.iter().position(Field::focusable).unwrap_or(0);
        Form {
            title: title.into(),
            intro: None,
            fields,
            focus,
            error: None,
            notice: None,
            pending: false,
        }
    }

    /// Adds an explanation above the fields.
    pub fn with_intro(mut self, intro: impl Into<String>) -> Self {
        self.intro = Some(intro.into());
        self
    }

    /// Field by label; forms are small and labels unique.
    pub fn field(&self, label: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.label == label)
    }

    /// Mutable field by label.
    pub fn field_mut(&mut self, label: &str) -> Option<&mut Field> {
        self.fields.iter_mut().find(|f| f.label == label)
    }

    /// The value of a field by label ("" if absent).
    pub fn value(&self, label: &str) -> &str {
        self.field(label).map_or("", Field::value)
    }

    /// Clears every error before a new validation pass.
    pub fn clear_errors(&mut self) {
        self.error = None;
        self.fields.iter_mut().for_each(|f| f.error = None);
    }

    /// True when any field or the form carries an error.
    pub fn has_errors(&self) -> bool {
        self.error.is_some() || self.fields.iter().any(|f| f.error.is_some())
    }

    /// Applies a terminal event: moves focus, edits the focused field, or reports
    /// a submit / cancel.
    pub fn handle_event(&mut self, event: &Event) -> FormOutcome {
        let Event::Key(key) = event else {
            return FormOutcome::Continue;
        };
        if key.kind == KeyEventKind::Release {
            return FormOutcome::Continue;
        }
        match key.code {
            KeyCode::Esc => FormOutcome::Cancel,
            KeyCode::Enter => FormOutcome::Submit,
            KeyCode::Tab => self.move_focus(1),
            KeyCode::BackTab => self.move_focus(-1),
            KeyCode::Down => self.move_focus(1),
            KeyCode::Up => self.move_focus(-1),
            _ => self.edit_focused(event, key),
        }
    }

    fn move_focus(&mut self, step: isize) -> FormOutcome {
        let n = self.fields.len() as isize;
        let mut at = self.focus as isize;
        for _ in 0..n {
            at = (at + step).rem_euclid(n);
            if self.fields[at as usize].focusable() {
                self.focus = at as usize;
                break;
            }
        }
        FormOutcome::Continue
    }

    /// Pastes `text` into the focused text field at its cursor, as typed: nothing is
    /// trimmed or dropped, so validation sees (and can refuse) exactly what was pasted.
    pub fn paste(&mut self, text: &str) {
        let Some(field) = self.fields.get_mut(self.focus) else { return };
        if let FieldKind::Text(input) = &mut field.kind {
            paste_into(input, text);
            field.error = None;
            self.notice = None;
        }
    }

    fn edit_focused(&mut self, event: &Event, key: &KeyEvent) -> FormOutcome {
        let Some(field) = self.fields.get_mut(self.focus) else {
            return FormOutcome::Continue;
        };
        match &mut field.kind {
            FieldKind::Text(input) => {
                if let Some(change) = input.handle_event(event) {
                    field.error = None;
                    if change.value {
                        self.notice = None;
                    }
                }
            }
            FieldKind::Choice { options, selected } => {
                let n = options.len().max(1);
                let step = match key.code {
                    KeyCode::Left => n - 1,
                    KeyCode::Right | KeyCode::Char(' ') => 1,
                    _ => 0,
                };
                if !key.modifiers.contains(KeyModifiers::CONTROL) {
                    *selected = (*selected + step) % n;
                }
            }
            FieldKind::Fixed(_) => {}
        }
        FormOutcome::Continue
    }
}

/// Inserts `text` at `input`'s cursor in one step (typing it character by character would
/// cost time quadratic in its length) and leaves the cursor after it.
pub fn paste_into(input: &mut Input, text: &str) {
    let cursor = input.cursor();
    let value = input.value();
    let at = value.char_indices().nth(cursor).map_or(value.len(), |(i, _)| i);
    let mut pasted = String::with_capacity(value.len() + text.len());
    pasted.push_str(&value[..at]);
    pasted.push_str(text);
    pasted.push_str(&value[at..]);
    let cursor = cursor + text.chars().count();
    *input = Input::new(pasted).with_cursor(cursor);
}

#[cfg(test)]
mod tests;
