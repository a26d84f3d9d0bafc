//! `wallet-tui import FILE`: read and validate the file, diff it against the table, say
//! what would change, and (unless `--dry-run`) write it, with a progress line on stderr.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::import::{self, Attrs, BadRow, Parsed};
use crate::wallet::{AttrValue, BALANCE};
use crate::worker::import::{Importer, Plan, Progress, Report, Settled, WriteOptions};
use crate::write::typed;

/// Different wallets shown as old → new in the summary.
const SHOWN: usize = 5;
/// Time between two progress lines.
const PROGRESS_EVERY: Duration = Duration::from_millis(200);

/// What the command line asked for.
#[derive(Debug, Clone)]
pub struct Args {
    pub file: PathBuf,
    pub dry_run: bool,
    pub overwrite: bool,
    pub skip_bad: bool,
    pub max_write_percent: f64,
    pub max_write_wcu: Option<f64>,
    pub concurrency: usize,
    /// Where the writes go (`into table T · endpoint region · profile P · MODE`, see
    /// [`crate::target::Target::destination`]): said before the summary and in the prompt.
    pub destination: Option<String>,
}

/// How the import ended, for the exit status.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// A dry run: nothing written.
    DryRun(Plan),
    /// Written; conflicts and failures are in the report.
    Written(Report),
}

/// Asks the user a yes/no question (the CLI's confirmation on a terminal).
pub type Ask<'a> = &'a (dyn Fn(&str) -> bool + Sync);

/// The whole command: every line for the user goes to `out`, the progress line to stderr.
/// With `ask`, the diff's summary is a confirmation: nothing is written unless it says yes.
/// `Err` (nothing written): the file cannot be read, has bad rows (without `--skip-bad`), the
/// table cannot be read, or the user said no.
pub async fn run(
    importer: &Importer,
    args: &Args,
    out: &mut dyn std::io::Write,
    ask: Option<Ask<'_>>,
) -> Result<Outcome, String> {
    let mut parsed = import::read(&args.file)?;
    report_bad(&parsed, out);
    if !parsed.bad.is_empty() && !args.skip_bad {
        return Err(bad_rows_refusal(&parsed, &args.file, "--skip-bad"));
    }
    if let Some(destination) = &args.destination {
        let _ = writeln!(out, "{destination}");
    }
    if !args.dry_run {
        let settled = importer.settle_open().await;
        if settled.total() > 0 {
            let _ = writeln!(out, "{}", settled_line(&settled));
        }
    }
    let (plan, retyped) = diff(importer, &mut parsed).await?;
    report_bad(&Parsed { bad: retyped.clone(), ..parsed.clone() }, out);
    if !retyped.is_empty() && !args.skip_bad {
        return Err(retyped_refusal(retyped.len(), "--skip-bad"));
    }
    let rejects = (!parsed.bad.is_empty()).then_some(&parsed);
    for line in summary(&plan, args.overwrite) {
        let _ = writeln!(out, "{line}");
    }
    if args.dry_run {
        let _ = writeln!(out, "dry run: nothing written");
        return Ok(Outcome::DryRun(plan));
    }
    let to_write = plan.new.len() + if args.overwrite { plan.different.len() } else { 0 };
    if let Some(ask) = ask
        && to_write > 0
        && !ask(&question(to_write, args.destination.as_deref()))
    {
        return Err("nothing written".to_string());
    }
    if let Some(parsed) = rejects {
        let path = import::write_rejects(&args.file, parsed)
            .map_err(|e| format!("cannot write the rejects file: {e}: nothing written"))?;
        let _ = writeln!(out, "bad rows written to {}", path.display());
    }
    let wcu_per_sec = importer
        .budget(args.max_write_percent, args.max_write_wcu)
        .await
        .map_err(|e| format!("describing the table: {}", e.summary()))?;
    let options =
        WriteOptions { overwrite: args.overwrite, wcu_per_sec, concurrency: args.concurrency };
    let last = std::sync::Mutex::new(Instant::now() - PROGRESS_EVERY);
    let progress = |p: Progress| {
        let mut last = last.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if p.done == p.total || last.elapsed() >= PROGRESS_EVERY {
            *last = Instant::now();
            eprint!("\r{}", progress_line(&p));
        }
    };
    let report = importer.write(&plan, &options, &progress).await;
    eprintln!();
    for line in report_lines(&report) {
        let _ = writeln!(out, "{line}");
    }
    Ok(Outcome::Written(report))
}

/// Why a file with bad rows is not written; `skip` names the option that writes the others.
pub fn bad_rows_refusal(parsed: &Parsed, file: &std::path::Path, skip: &str) -> String {
    format!(
        "{} bad row{} in {}: nothing written ({skip} writes the {} good ones)",
        parsed.bad.len(),
        if parsed.bad.len() == 1 { "" } else { "s" },
        file.display(),
        parsed.rows.len()
    )
}

/// Why a CSV whose rows would change attributes' types is not written.
pub fn retyped_refusal(retyped: usize, skip: &str) -> String {
    format!(
        "{retyped} row{} would change an attribute's type: nothing written ({skip} writes the \
         others)",
        if retyped == 1 { "" } else { "s" },
    )
}

/// The diff of the file's rows (taken from `parsed`) against the table. A CSV's cells are
/// text: compared with the table as export wrote it, and never allowed to change an
/// attribute's type; the rows that would are returned, and added to `parsed.bad` in line
/// order.
pub async fn diff(importer: &Importer, parsed: &mut Parsed) -> Result<(Plan, Vec<BadRow>), String> {
    let rows = std::mem::take(&mut parsed.rows);
    let mut plan =
        importer.diff(rows).await.map_err(|e| format!("reading the table: {}", e.summary()))?;
    if parsed.format != import::Format::Csv {
        return Ok((plan, Vec::new()));
    }
    let retyped = crate::worker::import::csv_against_table(&mut plan);
    parsed.bad.extend(retyped.iter().cloned());
    parsed.bad.sort_by_key(|b| b.line);
    Ok((plan, retyped))
}

/// The confirmation: how many wallets, and where.
pub fn question(to_write: usize, destination: Option<&str>) -> String {
    match destination {
        Some(into) => format!("write {to_write} wallet(s) {into}? [y/N] "),
        None => format!("write {to_write} wallet(s)? [y/N] "),
    }
}

/// The writes an earlier run left open, settled first: how many by outcome.
pub fn settled_line(settled: &Settled) -> String {
    format!(
        "{} write(s) an earlier run left open settled first: {} applied, {} not applied, {} \
         unknown",
        settled.total(),
        settled.applied,
        settled.not_applied,
        settled.unknown
    )
}

fn report_bad(parsed: &Parsed, out: &mut dyn std::io::Write) {
    for bad in &parsed.bad {
        let _ = writeln!(out, "line {}: {}", bad.line, bad.reason);
    }
}

/// The diff in words: counts, then the first few different wallets as old → new.
pub fn summary(plan: &Plan, overwrite: bool) -> Vec<String> {
    let mut lines = vec![format!(
        "{} new, {} different, {} identical{}",
        plan.new.len(),
        plan.different.len(),
        plan.identical,
        match (plan.different.is_empty(), overwrite) {
            (false, false) => " (different ones are left alone without --overwrite)",
            _ => "",
        }
    )];
    for (row, stored) in plan.different.iter().take(SHOWN) {
        lines.push(format!("  {}: {}", row.user_id, change(stored, &row.item)));
    }
    if plan.different.len() > SHOWN {
        lines.push(format!("  … and {} more", plan.different.len() - SHOWN));
    }
    lines
}

/// One wallet's change: its balance old → new, and how many other attributes change.
pub fn change(old: &Attrs, new: &Attrs) -> String {
    let show = |attrs: &Attrs| match attrs.get(BALANCE) {
        Some(AttrValue::N(n)) => n.to_string(),
        Some(other) => typed(other),
        None => "no balance".to_string(),
    };
    // An overwrite sets the file's attributes only: the others stay.
    let others = new.iter().filter(|(n, v)| n.as_str() != BALANCE && old.get(*n) != Some(v));
    let others = others.count();
    let balance = match new.contains_key(BALANCE) && old.get(BALANCE) != new.get(BALANCE) {
        true => format!("balance {} → {}", show(old), show(new)),
        false => format!("balance {} kept", show(old)),
    };
    match others {
        0 => balance,
        n => format!("{balance}, {n} other attribute{} changed", if n == 1 { "" } else { "s" }),
    }
}

/// `1200 / 5000 wallets  310/s  2400 WCU`.
pub fn progress_line(p: &Progress) -> String {
    let rate = p.done as f64 / p.elapsed.as_secs_f64().max(0.001);
    format!("importing {} / {} wallets  {rate:.0}/s  {:.0} WCU", p.done, p.total, p.wcu)
}

/// What the writes came to, conflicts and failures listed.
pub fn report_lines(report: &Report) -> Vec<String> {
    let mut lines = vec![format!(
        "{} written, {} conflict{}, {} failed, {} different left alone; {:.0} WCU in {:.1} s",
        report.written,
        report.conflicts.len(),
        if report.conflicts.len() == 1 { "" } else { "s" },
        report.failed.len(),
        report.skipped,
        report.wcu,
        report.elapsed.as_secs_f64()
    )];
    for (id, why) in &report.conflicts {
        lines.push(format!("  conflict {id}: {why}; left alone"));
    }
    for (id, why) in &report.failed {
        lines.push(format!("  not written {id}: {why}"));
    }
    lines
}

#[cfg(test)]
mod tests;
