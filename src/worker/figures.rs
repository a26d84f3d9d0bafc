//! Whole-table figures without the TUI (`wallet-tui stats`): the list's scan, keeping no
//! wallet, its pages' figures merged as they come.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::Replies;
use crate::aggregate::Aggregate;
use crate::app::ScanBudget;
use crate::capacity::{self, Consistency};
use crate::msg::{Response, ScanScope, ScanSpec};

/// How far a figures scan has gone.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FiguresProgress {
    /// Items read so far.
    pub scanned: u64,
    /// The table's item count (DescribeTable's, approximate).
    pub expected: Option<u64>,
    /// Read units consumed so far.
    pub rcu: f64,
    /// A full scan's predicted cost in read units (from the table's size).
    pub predicted_rcu: Option<f64>,
    /// Since the scan started.
    pub elapsed: Duration,
    /// Segments read to their end, of how many.
    pub segments_done: u32,
    pub segments: u32,
}

/// Scans `table` whole (as `spec` and `budget` say) and returns the figures of every item,
/// grouped by the currency in `currency_attribute`; `progress` is called after each page.
pub async fn table_figures(
    client: &Client,
    table: &str,
    spec: ScanSpec,
    budget: ScanBudget,
    currency_attribute: &str,
    progress: impl Fn(&FiguresProgress),
) -> Result<(Aggregate, FiguresProgress), String> {
    let info = match super::tables::describe_table(client, table).await {
        Ok(Some(info)) => info,
        Ok(None) => return Err(format!("no table {table}")),
        Err(error) => return Err(format!("describing {table}: {}", error.summary())),
    };
    if !info.has_wallet_schema() {
        return Err(format!("{table} is not a wallet table (its key is not user_id S HASH)"));
    }
    let consistency = if spec.consistent { Consistency::Strong } else { Consistency::Eventual };
    let spec = ScanSpec { max_rcu_per_sec: budget.rcu_per_sec(&info.billing), ..spec };
    let segments = spec.segments.max(1);
    let mut state = FiguresProgress {
        expected: info.item_count.and_then(|n| u64::try_from(n).ok()),
        predicted_rcu: info
            .size_bytes
            .and_then(|b| u64::try_from(b).ok())
            .map(|b| capacity::full_scan_read_units(b, consistency)),
        segments,
        ..FiguresProgress::default()
    };
    let (tx, mut rx) = mpsc::unbounded_channel();
    let replies = Replies { session: 0, tx };
    let scope =
        ScanScope { keep: Some(0), figures: Some(currency_attribute.to_string()), filter: None };
    let cancel = CancellationToken::new();
    let run = super::scan::run(
        client.clone(),
        1,
        table.to_string(),
        spec,
        Vec::new(),
        scope,
        cancel.clone(),
        replies,
    );
    let task = tokio::spawn(run);
    let started = Instant::now();
    let mut figures = Aggregate::default();
    let mut failure = None;
    while let Some(reply) = rx.recv().await {
        match reply.response {
            Response::ScanPage(page) => {
                if let Some(page_figures) = &page.figures {
                    figures.merge(page_figures);
                }
                state.scanned += page.scanned;
                state.rcu += page.consumed_rcu.unwrap_or(0.0);
                state.segments_done += u32::from(page.last());
                state.elapsed = started.elapsed();
                progress(&state);
            }
            Response::ScanFailed { segment, error, .. } => {
                failure = Some(format!("segment {segment}: {}", error.summary()));
                cancel.cancel();
            }
            _ => {}
        }
    }
    let _ = task.await;
    match failure {
        Some(why) => Err(why),
        None if state.segments_done < segments => Err("the scan stopped before its end".into()),
        None => Ok((figures, state)),
    }
}
