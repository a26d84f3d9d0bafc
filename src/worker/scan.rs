//! A scan as a cancellable job: one task per segment, each page sent to the UI
//! as soon as it arrives, tagged with the scan's id.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnConsumedCapacity};
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use super::dynamo::{classify, wallet_from_item};
use crate::msg::{Response, ScanId, ScanPage, ScanSpec};

/// Runs every segment of a scan concurrently until done or cancelled.
pub async fn run(
    client: Client,
    id: ScanId,
    table: String,
    spec: ScanSpec,
    cancel: CancellationToken,
    responses: UnboundedSender<Response>,
) {
    let segments = spec.segments.max(1);
    let mut tasks = tokio::task::JoinSet::new();
    for segment in 0..segments {
        let job = Segment {
            client: client.clone(),
            id,
            table: table.clone(),
            spec,
            segment,
            segments,
            responses: responses.clone(),
        };
        let cancel = cancel.clone();
        tasks.spawn(async move {
            tokio::select! {
                () = cancel.cancelled() => {}
                () = job.run() => {}
            }
        });
    }
    while tasks.join_next().await.is_some() {}
}

/// One segment of a parallel scan.
struct Segment {
    client: Client,
    id: ScanId,
    table: String,
    spec: ScanSpec,
    segment: u32,
    segments: u32,
    responses: UnboundedSender<Response>,
}

impl Segment {
    async fn run(self) {
        let mut start_key: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let mut call = self
                .client
                .scan()
                .table_name(&self.table)
                .consistent_read(self.spec.consistent)
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .set_limit(self.spec.page_limit)
                .set_exclusive_start_key(start_key.take());
            if self.segments > 1 {
                call = call.segment(self.segment as i32).total_segments(self.segments as i32);
            }
            let output = match call.send().await {
                Ok(output) => output,
                Err(err) => {
                    let error = classify(err);
                    let failed = Response::ScanFailed { id: self.id, segment: self.segment, error };
                    let _ = self.responses.send(failed);
                    return;
                }
            };
            start_key = output.last_evaluated_key().filter(|k| !k.is_empty()).cloned();
            let items = output.items();
            let mut wallets = Vec::with_capacity(items.len());
            let mut skipped = 0;
            for item in items {
                match wallet_from_item(item) {
                    Some(wallet) => wallets.push(wallet),
                    None => skipped += 1,
                }
            }
            let page = ScanPage {
                id: self.id,
                segment: self.segment,
                wallets,
                scanned: output.scanned_count().max(0) as u64,
                skipped,
                consumed_rcu: output.consumed_capacity().and_then(|c| c.capacity_units()),
                last: start_key.is_none(),
            };
            if self.responses.send(Response::ScanPage(page)).is_err() || start_key.is_none() {
                return;
            }
        }
    }
}
