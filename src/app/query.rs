//! Browsing by index: the query form (`i`), the query's lifecycle in the app (it fills the
//! list exactly as a scan does, through the same [`super::ScanState`] and stale-page rule),
//! and the rows of a KEYS_ONLY or INCLUDE index, read whole with GetItem when selected.

use std::collections::HashSet;

use super::{App, Modal, ScanOutcome, ScanState, TableState};
use crate::error::ApiError;
use crate::form::{Field, Form};
use crate::keymap::Action;
use crate::msg::{QueryPage, Request};
use crate::query::{self, QueryInput, QuerySpec, SortOp, fields};
use crate::table::{BillingMode, TableInfo, TableStatus};
use crate::wallet::{UserId, Wallet};

/// The first option of the form's source: the table itself.
const TABLE_OPTION: &str = "table";

/// What the list shows when it shows a query, and its rows that are not whole yet.
#[derive(Debug, Clone, Default)]
pub struct QueryView {
    /// The query the list shows (`None`: the scan's wallets).
    pub(super) spec: Option<QuerySpec>,
    /// Rows read from an index that does not project every attribute: edits wait until
    /// the wallet has been read whole.
    pub(super) partial: HashSet<UserId>,
    /// The wallet being read whole (one GetItem at a time).
    pub(super) fetching: Option<UserId>,
    /// The last wallet whose read failed: not asked again until another is selected.
    pub(super) fetch_failed: Option<UserId>,
    /// The form as last submitted, reopened by the next `i`.
    pub(super) last_form: Option<Form>,
    /// A read-whole of a query (or list) since replaced: its answer is counted, not stored.
    pub(super) abandoned: Option<UserId>,
}

/// Read access for `ui` and tests.
impl App {
    /// The query the list shows, if it shows one.
    pub fn query(&self) -> Option<&QuerySpec> {
        self.session.query.spec.as_ref()
    }

    /// The wallet's row carries only what its index projects (not read whole yet).
    pub fn is_partial(&self, id: &UserId) -> bool {
        self.session.query.partial.contains(id)
    }

    /// What the list title says about the query: "Query idx · currency = EUR · balance ↓".
    pub fn query_title(&self) -> Option<String> {
        Some(self.query()?.describe(&self.session.name))
    }
}

impl App {
    /// `i`: the query form, on the table or one of its indexes.
    pub(super) fn open_query_form(&mut self) {
        if self.connection != super::Connection::Ready {
            return self.error("not connected yet: nothing to query");
        }
        if let Some(why) = self.not_a_wallet_table() {
            // Items sharing a user_id would fold into one row, as a scan's would.
            return self.error(why);
        }
        let TableState::Present(info) = &self.session.table else {
            return self.error(format!("table {} is not described yet", self.session.name));
        };
        if !matches!(info.status, TableStatus::Active | TableStatus::Updating) {
            let status = info.status.as_str().to_string();
            return self.error(format!("table {} is {status}: query it once ACTIVE", info.name));
        }
        let mut form = self.session.query.last_form.take().unwrap_or_else(|| new_form(info));
        let names: Vec<String> = info.indexes.iter().map(|i| i.name.clone()).collect();
        let chosen = form.value(fields::SOURCE).to_string();
        if let Some(source) = form.field_mut(fields::SOURCE) {
            // The indexes may have changed since: the options are the table's now.
            *source = source_field(names);
            source.select(&chosen);
        }
        form.pending = false;
        form.clear_errors();
        self.modal = Modal::Query(form);
        self.sync_query_form();
    }

    /// After each key in the form: the hints follow the source chosen.
    pub(super) fn sync_query_form(&mut self) {
        let TableState::Present(info) = &self.session.table else { return };
        let Modal::Query(form) = &mut self.modal else { return };
        set_hints(form, info);
    }

    /// Enter in the query form: checks it and, if all is well, runs the query.
    pub(super) fn submit_query(&mut self) -> Vec<Request> {
        let TableState::Present(info) = &self.session.table else { return Vec::new() };
        let Modal::Query(form) = &mut self.modal else { return Vec::new() };
        form.clear_errors();
        let index = source_index(form);
        let input = QueryInput {
            index: index.as_deref(),
            partition: form.value(fields::PARTITION),
            condition: form.value(fields::CONDITION),
            value: form.value(fields::VALUE),
            to: form.value(fields::TO),
            descending: form.value(fields::ORDER) == query::ORDERS[1],
            consistent: form.value(fields::READ) == query::READS[1],
        };
        let mut spec = match query::validate(info, &input) {
            Ok(spec) => spec,
            Err(errors) => {
                for (label, why) in errors {
                    if let Some(field) = form.field_mut(label) {
                        field.error = Some(why);
                    }
                }
                return Vec::new();
            }
        };
        spec.page_limit = self.config.scan_spec.page_limit;
        spec.max_rcu_per_sec = self.query_budget(info, spec.index.as_deref());
        if let Modal::Query(form) = std::mem::replace(&mut self.modal, Modal::None) {
            self.session.query.last_form = Some(form);
        }
        self.start_query(spec).into_iter().collect()
    }

    /// The read budget of a query: the scan's, against the index's own provisioned read
    /// capacity for a provisioned GSI.
    fn query_budget(&self, info: &TableInfo, index: Option<&str>) -> Option<f64> {
        let own = index
            .and_then(|name| info.indexes.iter().find(|i| i.name == name))
            .and_then(|i| i.throughput)
            .map(|(read, write)| BillingMode::Provisioned { read, write });
        let billing = own.as_ref().unwrap_or(&info.billing);
        self.config.scan_budget.rcu_per_sec(billing).or(self.config.scan_spec.max_rcu_per_sec)
    }

    /// A new query: clears the list, supersedes any scan or query running.
    pub(super) fn start_query(&mut self, spec: QuerySpec) -> Option<Request> {
        if !self.session.writes_settled {
            self.error("settling the writes an earlier run left open: query in a moment");
            return None;
        }
        let id = self.next_scan_id;
        self.next_scan_id += 1;
        self.list_clear();
        self.session.selected = 0;
        self.session.list_offset = 0;
        self.scan_asked();
        // A query's results are its own: no whole-table figures, no bound.
        self.session.scan = Some(ScanState::new(id, self.now, 1, spec.max_rcu_per_sec));
        let title = spec.describe(&self.session.name);
        self.reset_query(Some(spec.clone()));
        self.info(format!("{title}: reading…"));
        Some(Request::Query { id, table: self.session.name.clone(), spec })
    }

    /// The list now shows `spec`'s results (`None`: a scan's). The form is kept for the next
    /// `i`; a read-whole still waited for is remembered as abandoned.
    pub(super) fn reset_query(&mut self, spec: Option<QuerySpec>) {
        let view = std::mem::take(&mut self.session.query);
        self.session.query = QueryView {
            spec,
            last_form: view.last_form,
            abandoned: view.fetching.or(view.abandoned),
            ..QueryView::default()
        };
    }

    /// Re-reads what the list shows: the query again, or a new scan.
    pub(super) fn relist(&mut self) -> Option<Request> {
        match self.session.query.spec.clone() {
            Some(spec) => self.start_query(spec),
            None => self.start_scan(),
        }
    }

    /// A page of the running query; a page of a cancelled or replaced one is dropped (by
    /// [`App::complete_scan_page`], by id).
    pub(super) fn complete_query_page(&mut self, page: QueryPage) {
        let ours = self
            .session
            .scan
            .as_ref()
            .is_some_and(|s| s.id == page.page.id && s.outcome == ScanOutcome::Running);
        if !ours {
            return;
        }
        if self.session.query.spec.as_ref().is_some_and(|q| q.partial) {
            // Only rows the page really puts in the list: a wallet a stream record (or an own
            // write) stored whole since the query was asked keeps that copy.
            let mut wallets = page.page.wallets.clone();
            self.keep_newer(&mut wallets);
            self.session.query.partial.extend(wallets.into_iter().map(|w| w.user_id));
        }
        self.complete_scan_page(page.page);
        let complete =
            self.session.scan.as_ref().is_some_and(|s| s.outcome == ScanOutcome::Complete);
        if complete && let Some(title) = self.query_title() {
            let loaded = crate::text::count(self.session.list.loaded(), "wallet");
            self.info(format!("{title}: complete, {loaded}; r returns to the full scan"));
        }
    }

    /// The query stopped on an error; what it loaded stays.
    pub(super) fn query_failed(&mut self, error: &ApiError) {
        let loaded = crate::text::count(self.session.list.loaded(), "wallet");
        self.scan_line = format!(
            "query stopped with {loaded} loaded; i runs it again, r scans ({})",
            error.summary()
        );
        self.error(self.scan_line.clone());
    }

    /// The selected row is partial: read the wallet whole (a strong read: edits compare
    /// with it).
    pub(super) fn due_fetch(&mut self) -> Option<Request> {
        let view = &self.session.query;
        if view.partial.is_empty() && view.fetch_failed.is_none() {
            return None; // nothing to read whole (and no clone of the selected id per update)
        }
        let id = self.selected_wallet().map(|w| w.user_id.clone())?;
        let view = &mut self.session.query;
        if view.fetch_failed.as_ref().is_some_and(|f| *f != id) {
            view.fetch_failed = None;
        }
        if !view.partial.contains(&id) || view.fetching.is_some() || view.fetch_failed.is_some() {
            return None;
        }
        view.fetching = Some(id.clone());
        let user_id = id.to_text();
        Some(Request::GetWallet { table: self.session.name.clone(), user_id, consistent: true })
    }

    /// The answer to [`App::due_fetch`]'s GetItem, if `user_id` is the wallet being read
    /// whole; false for any other GetItem.
    pub(super) fn complete_fetch(
        &mut self,
        user_id: &str,
        result: &Result<Option<Wallet>, ApiError>,
        rcu: Option<f64>,
    ) -> bool {
        let view = &mut self.session.query;
        if view.abandoned.take_if(|id| id.with_text(|t| t == user_id)).is_some() {
            // Asked for a list since replaced: counted, never stored in this one.
            let found = result.as_ref().ok().and_then(Option::as_ref);
            self.usage.record_get(self.now, found, rcu, true);
            return true;
        }
        let Some(id) = view.fetching.take_if(|id| id.with_text(|t| t == user_id)) else {
            return false;
        };
        match result {
            Ok(found) => {
                view.partial.remove(&id);
                self.usage.record_get(self.now, found.as_ref(), rcu, true);
                match found {
                    Some(wallet) => self.store_wallet(wallet.clone()),
                    None => {
                        self.forget_wallet(&id);
                        self.info(format!("{user_id} no longer exists (GetItem found nothing)"));
                    }
                }
            }
            Err(err) => {
                view.fetch_failed = Some(id);
                self.error(format!("reading {user_id} whole: {} (select it again)", err.summary()));
            }
        }
        true
    }

    /// Why `action` must wait: it needs the selected wallet whole, and its row holds only
    /// what an index projects.
    pub(super) fn partial_refusal(&self, action: Action) -> Option<String> {
        let needs_whole = matches!(
            action,
            Action::EditBalance
                | Action::Deposit
                | Action::Withdraw
                | Action::DeleteWallet
                | Action::Transfer
                | Action::CopyWallet
        );
        let wallet = self.selected_wallet().filter(|_| needs_whole)?;
        self.is_partial(&wallet.user_id).then(|| {
            format!(
                "{} is being read whole (the index has only some attributes): a moment",
                wallet.user_id
            )
        })
    }

    /// An export would write rows that hold only what the index projects: refused, with
    /// what to do instead.
    pub(super) fn partial_export_refusal(&self) -> Option<String> {
        let partial = &self.session.query.partial;
        if partial.is_empty() {
            return None;
        }
        let list = &self.session.list;
        let n = list.window(0, list.len()).filter(|w| partial.contains(&w.user_id)).count();
        (n > 0).then(|| {
            format!(
                "{} in view hold only what the index projects: select them to read them whole, or query an index that projects ALL, then export",
                crate::text::count(n, "wallet")
            )
        })
    }

    /// A wallet stored from the stream: whole now; in a query's list only while it still
    /// matches the query's key condition.
    pub(super) fn query_keeps(&mut self, wallet: &Wallet) -> bool {
        if !self.session.query.partial.is_empty() {
            self.session.query.partial.remove(&wallet.user_id);
        }
        self.session.query.spec.as_ref().is_none_or(|q| q.matches(wallet))
    }
}

/// A new query form for `info`: the table first, then every index.
fn new_form(info: &TableInfo) -> Form {
    let names = info.indexes.iter().map(|i| i.name.clone()).collect();
    Form::new(
        format!("Query {}", info.name),
        vec![
            source_field(names),
            Field::text(fields::PARTITION, ""),
            Field::choice(fields::CONDITION, SortOp::CHOICES.to_vec()),
            Field::text(fields::VALUE, ""),
            Field::text(fields::TO, ""),
            Field::choice(fields::ORDER, query::ORDERS.to_vec()),
            Field::choice(fields::READ, query::READS.to_vec()),
        ],
    )
    .with_intro(
        "Space / ← → choose. Numbers are exact; binary keys are typed as base64. \
         The results replace the list; r returns to the full scan.",
    )
}

fn source_field(index_names: Vec<String>) -> Field {
    let mut options = vec![TABLE_OPTION.to_string()];
    options.extend(index_names);
    Field::choice_owned(fields::SOURCE, options)
}

/// The index the form's source names (`None`: the table). By name, not by position: the
/// table's indexes may change while the form is open (the validation then says it is gone).
fn source_index(form: &Form) -> Option<String> {
    let source = form.field(fields::SOURCE)?;
    (source.selected()? > 0).then(|| source.value().to_string())
}

/// Hints that say what the chosen source is keyed on, its projection and whether it can be
/// queried.
fn set_hints(form: &mut Form, info: &TableInfo) {
    let index = source_index(form);
    let Some(source) = query::source(info, index.as_deref()) else { return };
    let (pk, pk_type) = source.partition;
    let keys = match source.sort {
        Some((sk, sk_type)) => format!("{pk} ({pk_type}) HASH, {sk} ({sk_type}) RANGE"),
        None => format!("{pk} ({pk_type}) HASH"),
    };
    let source_hint = match source.index {
        None => keys,
        Some(i) => match query::unusable(i) {
            Some(why) => why,
            None => format!("{} {keys} · {}", i.kind, query::projection_text(&i.projection)),
        },
    };
    let sort_hint = match source.sort {
        Some((sk, ty)) => format!("on {sk} ({ty})"),
        None => "no sort key".to_string(),
    };
    let gsi = source.index.is_some_and(|i| i.kind == "GSI");
    let hints = [
        (fields::SOURCE, Some(source_hint)),
        (fields::PARTITION, Some(format!("{pk} ({pk_type})"))),
        (fields::CONDITION, Some(sort_hint)),
        (fields::READ, gsi.then(|| "GSI: eventual only".to_string())),
    ];
    for (label, hint) in hints {
        if let Some(field) = form.field_mut(label) {
            field.hint = hint;
        }
    }
}

#[cfg(test)]
mod tests;
