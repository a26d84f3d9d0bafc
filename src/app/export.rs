//! `E`: export the wallets in view (loaded, filtered, in list order) to CSV or JSON Lines;
//! with marks, the marked wallets (in list order, those hidden by the filter after them).
//! The worker writes the file, off the UI task; the path is shown when it is done.

use std::path::PathBuf;

use super::{App, Modal};
use crate::export::{self, Format};
use crate::form::{Field, FieldKind, Form};
use crate::msg::Request;

pub const FORMAT: &str = "Format";
pub const FILE: &str = "File";
const CSV: &str = "csv";
const JSON_LINES: &str = "jsonl";

impl App {
    pub(super) fn open_export_form(&mut self) {
        let marked = (!self.session.marks.is_empty()).then(|| self.marked_wallets().len());
        if marked == Some(0) {
            return self.error("the marked wallets are not loaded yet: wait for the scan, or U");
        }
        if marked.is_none() && self.session.list.is_empty() {
            return self.error("no wallets to export: load some first (r), or clear the filter");
        }
        if let Some(why) = self.partial_export_refusal() {
            return self.error(why);
        }
        let stamp = crate::journal::now_rfc3339().replace([':', '-'], "");
        let stamp = stamp.split('.').next().unwrap_or_default().to_string();
        // With its extension: a table name may hold dots, which would pass for one.
        let name = format!("{}-{stamp}.csv", self.session.name);
        let form = Form::new(
            "Export wallets",
            vec![Field::choice(FORMAT, vec![CSV, JSON_LINES]), Field::text(FILE, &name)],
        );
        let what = match marked {
            Some(n) => format!("The {} (U unmarks all)", crate::text::count(n, "marked wallet")),
            None => {
                format!("The {} in view", crate::text::count(self.session.list.len(), "wallet"))
            }
        };
        let form = form.with_intro(format!(
            "{what}, in list order, numbers exact. The name ends in .csv or \
             .jsonl as chosen; a relative one is in {}. An existing file is never \
             overwritten.",
            std::env::current_dir().map_or_else(|_| ".".to_string(), |d| d.display().to_string())
        ));
        self.modal = Modal::Export(form);
    }

    /// Keeps the shown file name's extension that of the chosen format, as the file written
    /// will have it: run after each key while the format is focused (the name is not being
    /// typed then). A name's own other extension is the user's and kept.
    pub(super) fn sync_export_name(&mut self) {
        let Modal::Export(form) = &mut self.modal else { return };
        if form.fields.get(form.focus).map(|f| f.label) != Some(FORMAT) {
            return;
        }
        set_extension(form);
    }

    /// The export request of the form, if its fields are valid.
    pub(super) fn export_request(&mut self) -> Option<Request> {
        let Modal::Export(form) = &mut self.modal else { return None };
        form.clear_errors();
        let format = if form.value(FORMAT) == CSV { Format::Csv } else { Format::JsonLines };
        let text = form.value(FILE).trim().to_string();
        if text.is_empty() {
            form.field_mut(FILE)?.error = Some("enter a file name".into());
            return None;
        }
        set_extension(form);
        let mut path = export::with_extension(&PathBuf::from(text), format);
        if path.is_relative()
            && let Ok(dir) = std::env::current_dir()
        {
            path = dir.join(path);
        }
        let wallets = match self.session.marks.is_empty() {
            true => self.session.list.window(0, self.session.list.len()).cloned().collect(),
            false => self.marked_wallets(),
        };
        self.session.exporting = Some(path.clone());
        Some(Request::Export { path, format, wallets })
    }

    /// The worker wrote the file, or could not.
    /// Only the export the open form sent closes or marks the form; any other (one whose form
    /// was cancelled) is just reported.
    pub(super) fn complete_export(
        &mut self,
        path: PathBuf,
        result: Result<usize, export::ExportError>,
    ) {
        let ours = self.session.exporting.take_if(|sent| *sent == path).is_some()
            && matches!(self.modal, Modal::Export(_));
        match result {
            Ok(n) => {
                if ours {
                    self.modal = Modal::None;
                }
                self.info(format!(
                    "exported {} to {}",
                    crate::text::count(n, "wallet"),
                    crate::text::visible_text(&path.display().to_string())
                ));
            }
            Err(why) => {
                let why = why.to_string();
                if let (true, Modal::Export(form)) = (ours, &mut self.modal) {
                    form.pending = false;
                    form.error = Some(why.clone());
                }
                self.error(format!("export failed: {why}"));
            }
        }
    }
}

/// The form's file name with the chosen format's extension (see [`export::with_extension`]).
fn set_extension(form: &mut Form) {
    let format = if form.value(FORMAT) == CSV { Format::Csv } else { Format::JsonLines };
    let text = form.value(FILE).to_string();
    if text.trim().is_empty() {
        return;
    }
    let named = export::with_extension(&PathBuf::from(&text), format);
    let Some(named) = named.to_str().filter(|n| *n != text) else { return };
    if let Some(field) = form.field_mut(FILE) {
        field.kind = FieldKind::Text(tui_input::Input::new(named.to_string()));
    }
}

#[cfg(test)]
mod tests;
