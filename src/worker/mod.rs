//! The one background task that makes every SDK call. The UI sends
//! [`Request`]s over a channel and reads [`Response`]s; it never awaits the network.

mod client;
mod dynamo;
mod scan;

pub use client::{Connect, LOCAL_ACCESS_KEY, Timeouts, endpoint_label, load_sdk_config};

use aws_sdk_dynamodb::Client;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::msg::{ApiError, ErrorKind, Request, Response, ScanId};

/// The UI's ends of the worker's channels.
pub struct WorkerHandle {
    pub requests: mpsc::UnboundedSender<Request>,
    pub responses: mpsc::UnboundedReceiver<Response>,
    task: tokio::task::JoinHandle<()>,
}

impl WorkerHandle {
    /// Stops the worker and every call it has in flight.
    pub fn shutdown(self) {
        self.task.abort();
    }
}

/// Starts the worker on the current tokio runtime. With `read_only`, write
/// requests are refused here, before any SDK call, whatever the UI asks.
pub fn spawn(client: Client, read_only: bool) -> WorkerHandle {
    let (req_tx, req_rx) = mpsc::unbounded_channel();
    let (resp_tx, resp_rx) = mpsc::unbounded_channel();
    let task = tokio::spawn(run(client, read_only, req_rx, resp_tx));
    WorkerHandle { requests: req_tx, responses: resp_rx, task }
}

/// Each request runs as its own job so a slow call never holds up the others;
/// aborting the loop's task drops the `JoinSet`, which aborts them all.
async fn run(
    client: Client,
    read_only: bool,
    mut requests: mpsc::UnboundedReceiver<Request>,
    responses: mpsc::UnboundedSender<Response>,
) {
    let mut jobs = JoinSet::new();
    // The running scan: a new one cancels it (newest request wins).
    let mut scan: Option<(ScanId, CancellationToken)> = None;
    loop {
        tokio::select! {
            request = requests.recv() => {
                let Some(request) = request else { break };
                let request = match request {
                    Request::Scan { id, table, spec } => {
                        if let Some((_, running)) = scan.take() {
                            running.cancel();
                        }
                        let cancel = CancellationToken::new();
                        scan = Some((id, cancel.clone()));
                        let job = scan::run(client.clone(), id, table, spec, cancel, responses.clone());
                        jobs.spawn(job);
                        continue;
                    }
                    Request::CancelScan { id } => {
                        if let Some((_, running)) = scan.take_if(|(running, _)| *running == id) {
                            running.cancel();
                        }
                        continue;
                    }
                    other => other,
                };
                let client = client.clone();
                let responses = responses.clone();
                jobs.spawn(async move {
                    if let Some(response) = handle(&client, read_only, request).await {
                        // A closed channel means the UI is shutting down; nothing to do.
                        let _ = responses.send(response);
                    }
                });
            }
            Some(_) = jobs.join_next(), if !jobs.is_empty() => {}
        }
    }
}

/// Runs one call; `None` for requests the loop itself handles (scans).
async fn handle(client: &Client, read_only: bool, request: Request) -> Option<Response> {
    tracing::debug!(?request, "request");
    if read_only && request.is_write() {
        return refuse(request);
    }
    let response = match request {
        Request::DescribeTable { table } => {
            let result = dynamo::describe_table(client, &table).await;
            Response::Described { table, result }
        }
        Request::CreateTable { spec } => {
            let result = dynamo::create_table(client, &spec).await;
            Response::Created { table: spec.name, result }
        }
        Request::DeleteTable { table } => {
            let result = dynamo::delete_table(client, &table).await;
            Response::Deleted { table, result }
        }
        Request::Scan { .. } | Request::CancelScan { .. } => return None,
    };
    Some(response)
}

/// The answer to a write in read-only mode, given without calling DynamoDB.
fn refuse(request: Request) -> Option<Response> {
    let err = ApiError::new(ErrorKind::ReadOnly, "started with --read-only");
    match request {
        Request::CreateTable { spec } => {
            Some(Response::Created { table: spec.name, result: Err(err) })
        }
        Request::DeleteTable { table } => Some(Response::Deleted { table, result: Err(err) }),
        Request::DescribeTable { .. } | Request::Scan { .. } | Request::CancelScan { .. } => None,
    }
}
