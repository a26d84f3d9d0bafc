//! `I` and `N`: the table's secondary indexes. The index view lists every GSI and LSI in
//! full; from it (or with `N`, or Ctrl-N in the `t` form) a GSI is created with UpdateTable,
//! and a GSI is deleted once its name is typed. Both are writes: refused read-only, guarded
//! on protected targets like every other. The status panel then watches the index CREATING
//! (Backfilling) until ACTIVE, or DELETING until gone, with the time since it was asked.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode};

use super::{App, Modal, TableState, fields};
use crate::error::ApiError;
use crate::form::{Field, Form, FormOutcome};
use crate::index::{IndexField, IndexInput, KEY_TYPES, PROJECTIONS};
use crate::keymap::Action;
use crate::msg::Request;
use crate::table::{BillingMode, TableInfo, TableStatus};

/// Labels of the create-index form.
pub mod labels {
    pub const NAME: &str = "Index name";
    pub const PARTITION: &str = "Partition key";
    pub const PARTITION_TYPE: &str = "Partition key type";
    pub const SORT: &str = "Sort key (optional)";
    pub const SORT_TYPE: &str = "Sort key type";
    pub const PROJECTION: &str = "Projection";
    pub const INCLUDE: &str = "Include attributes";
    /// The delete form's confirmation.
    pub const CONFIRM: &str = "Type the index name";
}

/// The index dialog on screen.
#[derive(Debug, Clone)]
pub enum IndexDialog {
    /// Every index in full; the selected one (`d` deletes it).
    List { selected: usize },
    /// The create-index form.
    Create(Form),
    /// Delete the GSI `index` once its name is typed.
    Delete { form: Form, index: String },
}

/// An index change being watched: the transient status it is in and since when (the moment
/// it was asked, for the changes this app made; else the first describe that showed it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexWatch {
    pub status: TableStatus,
    pub since: Instant,
}

/// One table session's index administration.
#[derive(Debug, Clone, Default)]
pub struct IndexAdmin {
    /// Indexes in a transient status, by name.
    pub(super) watch: BTreeMap<String, IndexWatch>,
    /// The index change asked and not answered yet: the index, the status it is asked into
    /// (CREATING or DELETING), and when it was asked.
    pub(super) asked: Option<(String, TableStatus, Instant)>,
    /// The index view's selection, kept while the view is closed (e.g. for a protected
    /// target's name to be typed).
    pub(super) selected: usize,
}

/// What `ui` reads.
impl App {
    /// How long `index` has been in its transient status (since it was asked, if this app
    /// asked), while it is in one.
    pub fn index_elapsed(&self, index: &str) -> Option<Duration> {
        let watch = self.session.indexes.watch.get(index)?;
        Some(self.now.saturating_duration_since(watch.since))
    }
}

impl App {
    /// `I`: the index view.
    pub(super) fn open_index_view(&mut self) {
        let TableState::Present(info) = &self.session.table else {
            return self.error(format!("table {} is not described yet", self.session.name));
        };
        let selected = self.session.indexes.selected.min(info.indexes.len().saturating_sub(1));
        self.modal = Modal::Index(IndexDialog::List { selected });
    }

    /// Keys while an index dialog is open.
    pub(super) fn handle_index_event(&mut self, event: &Event) -> Vec<Request> {
        let Modal::Index(dialog) = &mut self.modal else { return Vec::new() };
        let outcome = match dialog {
            IndexDialog::List { selected } => {
                let selected = *selected;
                let Event::Key(key) = event else { return Vec::new() };
                return self.handle_list_key(key.code, selected);
            }
            IndexDialog::Create(form) | IndexDialog::Delete { form, .. } => {
                form.handle_event(event)
            }
        };
        match outcome {
            FormOutcome::Continue => Vec::new(),
            FormOutcome::Cancel => {
                self.modal = Modal::None;
                Vec::new()
            }
            FormOutcome::Submit => self.submit_index_form(),
        }
    }

    fn handle_list_key(&mut self, code: KeyCode, selected: usize) -> Vec<Request> {
        let count = match &self.session.table {
            TableState::Present(info) => info.indexes.len(),
            _ => 0,
        };
        let selected = match code {
            KeyCode::Down | KeyCode::Char('j') => (selected + 1).min(count.saturating_sub(1)),
            KeyCode::Up | KeyCode::Char('k') => selected.saturating_sub(1),
            KeyCode::Char('n' | 'N') => return self.handle_action(Action::CreateIndex),
            KeyCode::Char('d') | KeyCode::Char('x') => return self.open_delete_index(selected),
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('I') => {
                self.modal = Modal::None;
                return Vec::new();
            }
            _ => selected,
        };
        self.session.indexes.selected = selected;
        self.modal = Modal::Index(IndexDialog::List { selected });
        Vec::new()
    }

    /// The table, if an index may be changed on it now; else says why in the status line.
    fn index_table(&mut self, what: &str) -> Option<TableInfo> {
        if let Some(why) = self.write_blocked(what) {
            self.error(why);
            return None;
        }
        let TableState::Present(info) = &self.session.table else {
            self.error(format!("table {} does not exist", self.session.name));
            return None;
        };
        // UPDATING (e.g. while another index builds) is left to DynamoDB to accept or refuse.
        if matches!(info.status, TableStatus::Creating | TableStatus::Deleting) {
            let status = info.status.as_str().to_string();
            self.error(format!("table is {status}: wait until ACTIVE"));
            return None;
        }
        Some(info.clone())
    }

    /// `N` (or `n` in the index view, Ctrl-N in the `t` form): the create-index form.
    pub(super) fn open_create_index(&mut self) {
        let Some(info) = self.index_table("creating an index") else { return };
        self.modal = Modal::Index(IndexDialog::Create(create_form(&info)));
    }

    /// `d` in the index view: the delete form for the selected GSI.
    fn open_delete_index(&mut self, selected: usize) -> Vec<Request> {
        self.session.indexes.selected = selected;
        let Some(info) = self.index_table("deleting an index") else { return Vec::new() };
        let Some(index) = info.indexes.get(selected) else {
            self.error("no index to delete");
            return Vec::new();
        };
        if index.kind != "GSI" {
            self.error(format!(
                "{} is a local index: it lives and dies with its table",
                index.name
            ));
            return Vec::new();
        }
        if index.status == Some(TableStatus::Deleting) {
            self.info(format!("index {} is already being deleted", index.name));
            return Vec::new();
        }
        if self.needs_target_confirm() {
            // Back to this view, same selection, once the table name is typed.
            self.open_confirm_target(Action::Indexes);
            return Vec::new();
        }
        let name = index.name.clone();
        let form = Form::new(
            format!("Delete index {name}"),
            vec![Field::fixed(fields::TABLE, info.name.clone()), Field::text(labels::CONFIRM, "")],
        )
        .with_intro(format!(
            "UpdateTable {}: delete the global secondary index {name}. Queries on it stop; the \
             table's items stay. Type the index name to confirm.",
            info.name
        ));
        self.modal = Modal::Index(IndexDialog::Delete { form, index: name });
        Vec::new()
    }

    fn submit_index_form(&mut self) -> Vec<Request> {
        let table = match &self.session.table {
            TableState::Present(info) => info.clone(),
            _ => return Vec::new(),
        };
        let Modal::Index(dialog) = &mut self.modal else { return Vec::new() };
        let (request, index, into) = match dialog {
            IndexDialog::Create(form) if !form.pending => match validate_create_index(form, &table)
            {
                Some(spec) => {
                    form.pending = true;
                    let index = spec.name.clone();
                    (Request::CreateIndex { table: table.name, spec }, index, TableStatus::Creating)
                }
                None => return Vec::new(),
            },
            IndexDialog::Delete { form, index } if !form.pending => {
                form.clear_errors();
                if form.value(labels::CONFIRM) != index.as_str() {
                    if let Some(field) = form.field_mut(labels::CONFIRM) {
                        field.error = Some(format!("type {index} exactly to delete it"));
                    }
                    return Vec::new();
                }
                form.pending = true;
                let request = Request::DeleteIndex { table: table.name, index: index.clone() };
                (request, index.clone(), TableStatus::Deleting)
            }
            _ => return Vec::new(),
        };
        self.session.indexes.asked = Some((index, into, self.now));
        vec![request]
    }

    /// UpdateTable answered a create or delete of `index`: the index is watched from the
    /// moment it was asked.
    pub(super) fn complete_index_update(
        &mut self,
        index: String,
        result: Result<TableInfo, ApiError>,
    ) {
        let asked = self.session.indexes.asked.take().filter(|(name, ..)| *name == index);
        let (into, since) = asked.map_or((TableStatus::Creating, self.now), |(_, s, at)| (s, at));
        let info = match result {
            Ok(info) => info,
            Err(err) => {
                if let Modal::Index(IndexDialog::Create(form) | IndexDialog::Delete { form, .. }) =
                    &mut self.modal
                {
                    form.pending = false;
                    form.error = Some(err.summary());
                }
                self.error(format!(
                    "UpdateTable {} (index {index}): {}",
                    self.session.name,
                    err.summary()
                ));
                self.poll_soon();
                return;
            }
        };
        let status = info.indexes.iter().find(|i| i.name == index).and_then(|i| i.status.clone());
        if matches!(&self.modal, Modal::Index(IndexDialog::Create(_) | IndexDialog::Delete { .. }))
        {
            self.modal = Modal::None;
        }
        // Asked to go but still described: it is going all the same.
        let status = match (status, &into) {
            (Some(s), TableStatus::Creating) => s,
            (_, into) => into.clone(),
        };
        self.info(format!("UpdateTable accepted: index {index} is {}", status.as_str()));
        if status.is_transient() {
            self.session.indexes.watch.insert(index, IndexWatch { status, since });
        }
        self.set_table(TableState::Present(info));
        self.table_changed();
    }

    /// A new description: indexes newly transient are watched; watched ones that settled
    /// (ACTIVE, or gone) are said in the status line with the time they took.
    pub(super) fn watch_indexes(&mut self, state: &TableState) {
        let TableState::Present(info) = state else {
            // The table itself is gone or unknown: its line says so.
            self.session.indexes.watch.clear();
            return;
        };
        let indexes = info.indexes.as_slice();
        for index in indexes {
            if let Some(status) = index.status.clone().filter(TableStatus::is_transient) {
                let watch = IndexWatch { status, since: self.now };
                self.session.indexes.watch.entry(index.name.clone()).or_insert(watch);
            }
        }
        let watched = std::mem::take(&mut self.session.indexes.watch);
        for (name, watch) in watched {
            let took = self.now.saturating_duration_since(watch.since).as_secs();
            let was = watch.status.as_str().to_string();
            match indexes.iter().find(|i| i.name == name).and_then(|i| i.status.clone()) {
                Some(now) if now.is_transient() => {
                    self.session.indexes.watch.insert(name, IndexWatch { status: now, ..watch });
                }
                // Asked to go, still shown ACTIVE: the next describe will show it DELETING.
                Some(_) if watch.status == TableStatus::Deleting => {
                    self.session.indexes.watch.insert(name, watch);
                }
                Some(now) => {
                    self.info(format!("index {name} is {} ({was} took {took}s)", now.as_str()))
                }
                None => self.info(format!("index {name} is gone ({was} took {took}s)")),
            }
        }
    }
}

/// The create-index form for `info`: RCU / WCU only when the table is provisioned.
fn create_form(info: &TableInfo) -> Form {
    let mut fields = vec![
        Field::text(labels::NAME, ""),
        Field::text(labels::PARTITION, ""),
        Field::choice(labels::PARTITION_TYPE, KEY_TYPES.to_vec()),
        Field::text(labels::SORT, ""),
        Field::choice(labels::SORT_TYPE, KEY_TYPES.to_vec()),
        Field::choice(labels::PROJECTION, PROJECTIONS.to_vec()),
        Field::text(labels::INCLUDE, ""),
    ];
    if let Some(include) = fields.last_mut() {
        include.hint = Some("INCLUDE only; a, b".into());
    }
    if let BillingMode::Provisioned { read, write } = info.billing {
        fields.push(Field::text(fields::RCU, &read.to_string()));
        fields.push(Field::text(fields::WCU, &write.to_string()));
    }
    Form::new(format!("New index on {}", info.name), fields).with_intro(
        "UpdateTable: a global secondary index, filled from the table's items (Backfilling) \
         while CREATING. Names: 3-255 of a-z A-Z 0-9 _ - . · Space / ← → change a choice.",
    )
}

/// Reads the form into [`IndexInput`], checks it, and marks every bad field.
fn validate_create_index(
    form: &mut Form,
    table: &TableInfo,
) -> Option<crate::index::CreateIndexSpec> {
    form.clear_errors();
    let input = IndexInput {
        name: form.value(labels::NAME).to_string(),
        partition: form.value(labels::PARTITION).to_string(),
        partition_type: form.value(labels::PARTITION_TYPE).to_string(),
        sort: form.value(labels::SORT).to_string(),
        sort_type: form.value(labels::SORT_TYPE).to_string(),
        projection: form.value(labels::PROJECTION).to_string(),
        include: form.value(labels::INCLUDE).to_string(),
        rcu: form.value(fields::RCU).to_string(),
        wcu: form.value(fields::WCU).to_string(),
    };
    match crate::index::validate(&input, table) {
        Ok(spec) => Some(spec),
        Err(errors) => {
            for (field, why) in errors {
                let label = match field {
                    IndexField::Name => labels::NAME,
                    IndexField::Partition => labels::PARTITION,
                    IndexField::Sort => labels::SORT,
                    IndexField::Include => labels::INCLUDE,
                    IndexField::Rcu => fields::RCU,
                    IndexField::Wcu => fields::WCU,
                };
                match form.field_mut(label) {
                    Some(f) => f.error = Some(why),
                    None => form.error = Some(why),
                }
            }
            None
        }
    }
}

#[cfg(test)]
mod tests;
