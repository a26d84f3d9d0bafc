//! The app's writes of many wallets at once: the marked wallets deleted, and an import file
//! planned (validated and diffed, as the CLI's dry run does) and written. Both go through the
//! import's engine ([`super::import`]: concurrent, paced by the table's write budget) and the
//! worker's one write-ahead path, so each write is journaled and conditional like any other,
//! and each outcome reaches the app as it comes.

use std::path::{Path, PathBuf};

use super::import::{Importer, Prepared, WriteOptions, writes_of};
use super::{Replies, Shared};
use crate::import::{self, BadRow, run};
use crate::msg::{Bulk, Response};
use crate::write::{Write, WriteDone, WriteError};

/// Writes in flight at once.
const CONCURRENCY: usize = 8;
/// The share of a provisioned table's write capacity the writes may take per second.
const WRITE_PERCENT: f64 = 50.0;
/// The pace when the table's capacity cannot be read: a provisioned table's least.
const FALLBACK_WCU: f64 = 1.0;
/// The option that writes the good rows of a file with bad ones, as the app's form names it.
const SKIP: &str = "\"Skip bad rows: yes\"";
/// Bad rows named in a refusal.
const NAMED: usize = 3;

/// Sends `writes` and tells each outcome, then the report.
pub(super) async fn write_many(
    shared: &Shared,
    table: String,
    writes: Vec<Write>,
    replies: &Replies,
) {
    let importer = Importer::sharing(shared.client.clone(), &table, shared.writes.clone());
    let options = options(&importer, false).await;
    let stop = shared.batch_stop();
    let report = importer.write_all(writes, 0, &options, &tell(&table, replies), Some(&stop)).await;
    replies.send(Response::ManyDone { table, result: Ok(report), rejects: None });
}

/// Reads, validates and diffs an import file: nothing is written.
pub(super) async fn plan_import(
    shared: &Shared,
    table: String,
    path: PathBuf,
    skip_bad: bool,
) -> Response {
    let importer = Importer::sharing(shared.client.clone(), &table, shared.writes.clone());
    let result = prepare(&importer, &path, skip_bad).await.map(Bulk::new);
    Response::ImportPlanned { table, path, result }
}

/// Writes a planned import: its rejects file first (if it has bad rows), then each wallet.
pub(super) async fn import(
    shared: &Shared,
    table: String,
    plan: Bulk<Prepared>,
    overwrite: bool,
    replies: &Replies,
) {
    let mut rejects = None;
    if !plan.parsed.bad.is_empty() {
        match import::write_rejects(&plan.path, &plan.parsed) {
            Ok(path) => rejects = Some(path),
            Err(e) => {
                let why = format!("cannot write the rejects file: {e}: nothing written");
                replies.send(Response::ManyDone { table, result: Err(why), rejects: None });
                return;
            }
        }
    }
    let importer = Importer::sharing(shared.client.clone(), &table, shared.writes.clone());
    let options = options(&importer, overwrite).await;
    let (writes, skipped) = writes_of(&plan.plan, overwrite);
    let stop = shared.batch_stop();
    let report = {
        let each = tell(&table, replies);
        importer.write_all(writes, skipped, &options, &each, Some(&stop)).await
    };
    replies.send(Response::ManyDone { table, result: Ok(report), rejects });
}

/// Each write's read-backs and outcome, told to the app as it ends.
fn tell<'a>(
    table: &'a str,
    replies: &'a Replies,
) -> impl Fn(&Write, Vec<Response>, &Result<WriteDone, WriteError>, super::import::Progress) + Sync + 'a
{
    move |write, read_backs, result, progress| {
        for response in read_backs {
            replies.send(response);
        }
        replies.send(Response::ManyWritten {
            table: table.to_string(),
            write: write.clone(),
            result: result.clone(),
            progress,
        });
    }
}

/// The table's write budget (half its provisioned capacity; unpaced on demand).
async fn options(importer: &Importer, overwrite: bool) -> WriteOptions {
    let wcu_per_sec = match importer.budget(WRITE_PERCENT, None).await {
        Ok(budget) => budget,
        Err(e) => {
            tracing::warn!("write budget unknown ({}): paced at {FALLBACK_WCU} WCU/s", e.summary());
            Some(FALLBACK_WCU)
        }
    };
    WriteOptions { overwrite, wcu_per_sec, concurrency: CONCURRENCY }
}

/// The file read (off the async threads), validated and diffed, as the CLI does.
async fn prepare(importer: &Importer, path: &Path, skip_bad: bool) -> Result<Prepared, String> {
    // A pipe or a device could block its read forever, with the form waiting: only files
    // (`wallet-tui import` reads from a pipe).
    let kind = tokio::fs::metadata(path).await;
    if kind.as_ref().is_ok_and(|m| !m.is_file()) {
        return Err(format!(
            "{} is not a regular file (a directory, pipe or device): the app imports files; \
             `wallet-tui import` also reads a pipe",
            path.display()
        ));
    }
    let file = path.to_path_buf();
    let read = tokio::task::spawn_blocking(move || import::read(&file)).await;
    let mut parsed = read.map_err(super::panic_text)??;
    if !parsed.bad.is_empty() && !skip_bad {
        let why = run::bad_rows_refusal(&parsed, path, SKIP);
        return Err(naming(why, &parsed.bad));
    }
    let (plan, retyped) = run::diff(importer, &mut parsed).await?;
    if !retyped.is_empty() && !skip_bad {
        return Err(naming(run::retyped_refusal(retyped.len(), SKIP), &retyped));
    }
    Ok(Prepared { path: path.to_path_buf(), parsed, plan })
}

/// A refusal with the first bad rows named: "…: line 4: not a number; line 9: …".
fn naming(why: String, bad: &[BadRow]) -> String {
    let named: Vec<String> =
        bad.iter().take(NAMED).map(|b| format!("line {}: {}", b.line, b.reason)).collect();
    let more = bad.len().saturating_sub(NAMED);
    let more = if more > 0 { format!("; {more} more") } else { String::new() };
    format!("{why}: {}{more}", named.join("; "))
}
