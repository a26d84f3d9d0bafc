//! Many writes at once from the app: `x` with marks deletes the marked wallets (after their
//! count is typed), `O` imports a file (its path and options asked, then the worker's
//! validation and diff, the CLI's dry run, shown for confirmation). One batch at a time, sent
//! to the worker whole ([`Request::WriteMany`], [`Request::Import`]), which writes each wallet
//! through the one journaled, conditional write path, paced by the table's write budget. Each
//! outcome is applied to the list as it comes, the progress (n/N, items/s, WCU) is in the
//! status line, and a report at the end lists the conflicts: wallets changed meanwhile, left
//! alone, never forced.

use std::path::PathBuf;

use super::edit::Seen;
use super::{App, Modal};
use crate::form::{Field, Form};
use crate::import::run;
use crate::msg::{Bulk, Request};
use crate::text::count;
use crate::usage::OpKind;
use crate::wallet::UserId;
use crate::worker::import::{Prepared, Progress, Report};
use crate::write::{Write, WriteDone, WriteError, WriteKind};

pub const COUNT: &str = "Type the count";
pub const FILE: &str = "File";
pub const OVERWRITE: &str = "Overwrite different";
pub const SKIP_BAD: &str = "Skip bad rows";
const NO: &str = "no";
const YES: &str = "yes";
/// Different wallets shown as old → new in the import's confirmation.
const SHOWN: usize = 3;
/// Conflicts and failures listed in the report (all of them go to the log).
const LISTED: usize = 8;

/// A many-write dialog: which step, and its form.
#[derive(Debug, Clone)]
pub struct BatchDialog {
    pub step: BatchStep,
    pub form: Form,
}

/// Where a many-write dialog stands.
#[derive(Debug, Clone)]
pub enum BatchStep {
    /// Delete the marked wallets: their count must be typed.
    DeleteMarked,
    /// Import: the file and the options; Enter has the worker check and diff it.
    ImportFile,
    /// Import: the diff, for confirmation; Enter writes.
    ImportConfirm { plan: Bulk<Prepared>, overwrite: bool },
    /// What a batch came to; any of Enter / Esc closes it.
    Report,
}

/// The batch being written.
#[derive(Debug, Clone)]
pub struct Batch {
    /// "deleting marked wallets", "importing".
    pub what: &'static str,
    pub total: usize,
    /// The latest progress the worker told.
    pub progress: Option<Progress>,
    /// `Esc` asked the worker to send no more of it (those in flight end as they do).
    pub stopping: bool,
}

impl App {
    /// `x` with marks: the confirmation that asks for the count of the marked wallets.
    pub(super) fn open_delete_marked(&mut self) {
        if let Some(why) = self.batch_blocked("deleting wallets") {
            return self.error(why);
        }
        let n = self.marked_wallets().len();
        if n == 0 {
            return self.error("the marked wallets are not loaded yet: wait for the scan, or U");
        }
        let hidden = self.session.marks.len() - n;
        let hidden = match hidden {
            0 => String::new(),
            h => format!(" ({} marked but not loaded are left alone)", count(h, "wallet")),
        };
        let form = Form::new(
            format!("Delete {}", count(n, "marked wallet")),
            vec![Field::text(COUNT, "")],
        )
        .with_intro(format!(
            "This deletes the {} from {}{hidden}, each only if its balance is still the one \
             shown: one changed meanwhile is reported and left alone. Type {n} to confirm.",
            count(n, "marked wallet"),
            self.session.name
        ));
        self.modal = Modal::Batch(BatchDialog { step: BatchStep::DeleteMarked, form });
    }

    /// `O`: the import form (a file and the options).
    pub(super) fn open_import_form(&mut self) {
        if let Some(why) = self.batch_blocked("importing") {
            return self.error(why);
        }
        let form = Form::new(
            format!("Import wallets into {}", self.session.name),
            vec![
                Field::text(FILE, ""),
                Field::choice(OVERWRITE, vec![NO, YES]),
                Field::choice(SKIP_BAD, vec![NO, YES]),
            ],
        )
        .with_intro(
            "A CSV (as exported) or JSON Lines (DynamoDB JSON or plain) file. It is checked \
             whole and compared with the table first: nothing is written before you confirm. \
             A new wallet is written only if none exists; a different one only with Overwrite, \
             and only if unchanged since. Bad rows stop it, unless skipped (then they go to a \
             rejects file beside it).",
        );
        self.modal = Modal::Batch(BatchDialog { step: BatchStep::ImportFile, form });
    }

    /// Why a batch cannot start now, if it cannot.
    fn batch_blocked(&self, what: &str) -> Option<String> {
        if let Some(batch) = &self.session.batch {
            return Some(format!("{} is running: wait for it to end", batch.what));
        }
        self.write_blocked(what).or_else(|| self.wallet_write_blocked())
    }

    /// Enter in a many-write dialog.
    pub(super) fn submit_batch_form(&mut self) -> Vec<Request> {
        let Modal::Batch(dialog) = &mut self.modal else { return Vec::new() };
        if dialog.form.pending {
            return Vec::new();
        }
        match dialog.step.clone() {
            BatchStep::DeleteMarked => self.submit_delete_marked(),
            BatchStep::ImportFile => self.submit_import_file(),
            BatchStep::ImportConfirm { plan, overwrite } => self.submit_import(plan, overwrite),
            BatchStep::Report => {
                self.modal = Modal::None;
                Vec::new()
            }
        }
    }

    /// The typed count must be the number of marked wallets loaded now; then each is deleted
    /// if its balance is still the one the list shows.
    fn submit_delete_marked(&mut self) -> Vec<Request> {
        let wallets = self.marked_wallets();
        let Modal::Batch(dialog) = &mut self.modal else { return Vec::new() };
        dialog.form.clear_errors();
        let typed = dialog.form.value(COUNT).trim().to_string();
        if typed != wallets.len().to_string() {
            if let Some(field) = dialog.form.field_mut(COUNT) {
                field.error = Some(match wallets.len() {
                    0 => "no marked wallet is loaded now: nothing to delete".to_string(),
                    n => format!("type {n} exactly to delete the {n} marked wallets"),
                });
            }
            return Vec::new();
        }
        if let Some(why) = self.batch_blocked("deleting wallets") {
            self.error(why);
            return Vec::new();
        }
        let writes: Vec<Write> = wallets
            .iter()
            .map(|wallet| {
                let kind = match Seen::of(Some(wallet)) {
                    Seen::Other(value) => WriteKind::DeleteOver { seen: value },
                    seen => WriteKind::Delete { seen: seen.number() },
                };
                let op_id = uuid::Uuid::new_v4().to_string();
                Write { op_id, user_id: wallet.user_id.to_text(), kind }
            })
            .collect();
        self.modal = Modal::None;
        self.start_batch("deleting marked wallets", writes.len());
        vec![Request::WriteMany { table: self.session.name.clone(), writes }]
    }

    fn submit_import_file(&mut self) -> Vec<Request> {
        let table = self.session.name.clone();
        let Modal::Batch(dialog) = &mut self.modal else { return Vec::new() };
        let form = &mut dialog.form;
        form.clear_errors();
        let text = form.value(FILE).trim().to_string();
        if text.is_empty() {
            if let Some(field) = form.field_mut(FILE) {
                field.error = Some("enter the file's path".into());
            }
            return Vec::new();
        }
        let path = resolved(&text);
        form.pending = true;
        form.notice = Some("checking the file and comparing it with the table…".into());
        let skip_bad = form.value(SKIP_BAD) == YES;
        vec![Request::PlanImport { table, path, skip_bad }]
    }

    fn submit_import(&mut self, plan: Bulk<Prepared>, overwrite: bool) -> Vec<Request> {
        let (writes, _) = crate::worker::import::writes_of(&plan.plan, overwrite);
        if writes.is_empty() {
            self.modal = Modal::None;
            self.info("import: nothing to write (every wallet is already as in the file)");
            return Vec::new();
        }
        if let Some(why) = self.batch_blocked("importing") {
            self.error(why);
            return Vec::new();
        }
        self.modal = Modal::None;
        self.start_batch("importing", writes.len());
        vec![Request::Import { table: self.session.name.clone(), plan, overwrite }]
    }

    /// A batch is sent: other writes wait for it (and quitting waits for it, as for a write).
    fn start_batch(&mut self, what: &'static str, total: usize) {
        self.session.batch = Some(Batch { what, total, progress: None, stopping: false });
        self.session.write_started = Some(self.now);
        self.info(format!("{what}: 0/{total}…"));
    }

    /// The worker checked and diffed the import file: the confirmation, or why not.
    pub(super) fn complete_import_plan(
        &mut self,
        path: PathBuf,
        result: Result<Bulk<Prepared>, String>,
    ) {
        let Modal::Batch(BatchDialog { step: BatchStep::ImportFile, form }) = &mut self.modal
        else {
            return; // cancelled meanwhile
        };
        if !form.pending || resolved(form.value(FILE).trim()) != path {
            return; // the answer to a form cancelled meanwhile, or for another file
        }
        form.pending = false;
        form.notice = None;
        let plan = match result {
            Ok(plan) => plan,
            Err(why) => {
                match form.field_mut(FILE) {
                    Some(field) => field.error = Some(why),
                    None => form.error = Some(why),
                }
                return;
            }
        };
        let overwrite = form.value(OVERWRITE) == YES;
        let form = confirm_form(&self.session.name, &plan, overwrite);
        self.modal =
            Modal::Batch(BatchDialog { step: BatchStep::ImportConfirm { plan, overwrite }, form });
    }

    /// One write of the batch ended: applied to the list as a single write's outcome is.
    pub(super) fn complete_many_written(
        &mut self,
        write: Write,
        result: Result<WriteDone, WriteError>,
        progress: Progress,
    ) {
        let still_unknown = matches!(&result, Err(WriteError::Unknown(u)) if u.expired.is_none());
        self.session.unknown.retain(|w| w.op_id != write.op_id);
        if still_unknown {
            self.session.unknown.push(write.clone());
        }
        let id = UserId::new(&write.user_id);
        match result {
            Ok(done) => {
                let old = self.session.list.find(&id);
                let kind = OpKind::of_write(&write.kind);
                self.usage.record_write(
                    self.now,
                    kind,
                    done.consumed_wcu,
                    old,
                    done.wallet.as_ref(),
                );
                match (&write.kind, done.wallet) {
                    (WriteKind::Delete { .. } | WriteKind::DeleteOver { .. }, _) => {
                        self.drop_wallet(&id);
                        self.clamp_selection();
                    }
                    (_, Some(wallet)) => self.put_wallet(wallet),
                    (_, None) => {}
                }
            }
            Err(WriteError::Conflict { current }) => {
                self.show_stored(&write.user_id, current.as_ref())
            }
            Err(_) => {}
        }
        let Some(batch) = &mut self.session.batch else { return };
        batch.progress = Some(progress);
        let mut line = progress_line(batch.what, &progress);
        // Stopped (Esc or q): said on every line until the writes in flight have ended.
        match (batch.stopping, self.quitting.is_some()) {
            (_, true) => {
                line.push_str(" · quitting once the writes in flight end (q again quits now)")
            }
            (true, false) => line.push_str(" · stopping: no other write is sent"),
            (false, false) => {}
        }
        self.info(line);
    }

    /// Every write of the batch ended (or none could start): the report.
    pub(super) fn complete_many_done(
        &mut self,
        result: Result<Report, String>,
        rejects: Option<PathBuf>,
    ) {
        let Some(batch) = self.session.batch.take() else { return };
        self.session.write_started = None;
        if self.quitting.is_some() {
            self.should_quit = true;
        }
        let report = match result {
            Ok(report) => report,
            Err(why) => return self.error(format!("{}: {why}", batch.what)),
        };
        for (id, why) in &report.conflicts {
            tracing::info!(user_id = %id, "{}: conflict: {why}", batch.what);
        }
        for (id, why) in &report.failed {
            tracing::info!(user_id = %id, "{}: not written: {why}", batch.what);
        }
        let deleting = batch.what.starts_with("deleting");
        let done = if deleting { "deleted" } else { "written" };
        let ended = report.written as usize + report.conflicts.len() + report.failed.len();
        let not_sent = match batch.total.saturating_sub(ended) {
            0 => String::new(),
            n => format!(", {n} not sent (stopped)"),
        };
        let summary = format!(
            "{}: {} {done}, {} (left alone), {} failed{not_sent}",
            batch.what,
            report.written,
            count(report.conflicts.len(), "conflict"),
            report.failed.len()
        );
        let form = report_form(&batch, &report, done, rejects);
        self.modal = Modal::Batch(BatchDialog { step: BatchStep::Report, form });
        match report.conflicts.is_empty() && report.failed.is_empty() {
            true => self.info(summary),
            false => self.error(summary),
        }
    }

    /// `Esc` while a batch runs: no further write of it is sent; those in flight end (and are
    /// told) as usual. Nothing to stop: `None`.
    pub(super) fn stop_batch(&mut self) -> Option<Request> {
        let batch = self.session.batch.as_mut().filter(|b| !b.stopping)?;
        batch.stopping = true;
        let what = batch.what;
        self.info(format!("{what}: stopping; the writes in flight end, no other is sent"));
        Some(Request::CancelMany)
    }

    /// The batch being written, if any.
    pub fn batch(&self) -> Option<&Batch> {
        self.session.batch.as_ref()
    }
}

/// "deleting marked wallets: 12/50 · 31/s · 24 WCU · 1 conflict".
fn progress_line(what: &str, p: &Progress) -> String {
    let rate = p.done as f64 / p.elapsed.as_secs_f64().max(0.001);
    let mut line = format!("{what}: {}/{} · {rate:.0}/s · {:.0} WCU", p.done, p.total, p.wcu);
    if p.conflicts > 0 {
        line.push_str(&format!(" · {}", count(p.conflicts as usize, "conflict")));
    }
    line
}

/// The import's confirmation: N new, M different (the first few old → new), K identical, B
/// bad (the first lines named).
fn confirm_form(table: &str, prepared: &Prepared, overwrite: bool) -> Form {
    let plan = &prepared.plan;
    let mut fields = vec![
        Field::fixed(FILE, prepared.path.display().to_string()),
        Field::fixed("New", plan.new.len().to_string()),
    ];
    let different = match (plan.different.len(), overwrite) {
        (0, _) => "0".to_string(),
        (n, true) => format!("{n}: overwritten, each only if unchanged since"),
        (n, false) => format!("{n}: left alone (Overwrite is no)"),
    };
    fields.push(Field::fixed("Different", different));
    for (row, stored) in plan.different.iter().take(SHOWN) {
        let change = run::change(stored, &row.item);
        fields.push(Field::fixed("  old → new", format!("{}: {change}", row.user_id)));
    }
    if plan.different.len() > SHOWN {
        fields.push(Field::fixed("", format!("… and {} more", plan.different.len() - SHOWN)));
    }
    fields.push(Field::fixed("Identical", plan.identical.to_string()));
    let bad = &prepared.parsed.bad;
    if !bad.is_empty() {
        let named: Vec<String> =
            bad.iter().take(SHOWN).map(|b| format!("line {}: {}", b.line, b.reason)).collect();
        let more = match bad.len().saturating_sub(SHOWN) {
            0 => String::new(),
            n => format!("; {n} more"),
        };
        fields.push(Field::fixed(
            "Bad (skipped)",
            format!("{}: {}{more}; written to a rejects file", bad.len(), named.join("; ")),
        ));
    }
    let (writes, _) = crate::worker::import::writes_of(plan, overwrite);
    let intro = match writes.len() {
        0 => "Nothing to write: Enter or Esc closes.".to_string(),
        n => format!(
            "Enter writes {} into {table} (journaled; paced at half a provisioned table's \
             write capacity); Esc cancels, nothing written.",
            count(n, "wallet")
        ),
    };
    Form::new("Import: confirm", fields).with_intro(intro)
}

/// What a batch came to: counts, the conflicts and failures (the first few; all in the log).
fn report_form(batch: &Batch, report: &Report, done: &str, rejects: Option<PathBuf>) -> Form {
    let ended = report.written as usize + report.conflicts.len() + report.failed.len();
    let mut fields = vec![
        Field::fixed("Done", format!("{} of {} {done}", report.written, batch.total)),
        Field::fixed(
            "Conflicts",
            format!("{} (changed meanwhile: left alone, not forced)", report.conflicts.len()),
        ),
    ];
    for (id, why) in report.conflicts.iter().take(LISTED) {
        fields.push(Field::fixed("  conflict", format!("{id}: {why}")));
    }
    if report.conflicts.len() > LISTED {
        let more = report.conflicts.len() - LISTED;
        fields.push(Field::fixed("", format!("… and {more} more (all in the log)")));
    }
    if !report.failed.is_empty() {
        fields.push(Field::fixed("Failed", report.failed.len().to_string()));
        for (id, why) in report.failed.iter().take(LISTED) {
            fields.push(Field::fixed("  not written", format!("{id}: {why}")));
        }
    }
    if report.skipped > 0 {
        fields.push(Field::fixed("Left alone", format!("{} different", report.skipped)));
    }
    if batch.total > ended {
        let n = batch.total - ended;
        fields.push(Field::fixed("Not sent", format!("{n} (stopped with Esc)")));
    }
    if let Some(path) = rejects {
        fields.push(Field::fixed("Bad rows in", path.display().to_string()));
    }
    fields.push(Field::fixed(
        "Cost",
        format!("{:.0} WCU in {:.1} s", report.wcu, report.elapsed.as_secs_f64()),
    ));
    let title = match batch.what.starts_with("deleting") {
        true => "Marked wallets deleted",
        false => "Import done",
    };
    Form::new(title, fields).with_intro("Enter or Esc closes.")
}

/// The import file the form names: a relative path from the current directory.
fn resolved(text: &str) -> PathBuf {
    let path = PathBuf::from(text);
    match std::env::current_dir() {
        Ok(dir) if path.is_relative() => dir.join(path),
        _ => path,
    }
}

#[cfg(test)]
mod tests;
