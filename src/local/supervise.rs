//! The task the TUI runs with `--local`: it attaches to DynamoDB Local or starts it, tells the
//! event loop how that goes ([`LocalEvent`]), and stops the server on shutdown.

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{DynamoDbLocalOptions, LocalServer, answers, start_dynamodb_local};
use crate::msg::LocalEvent;

/// Attaches to a DynamoDB Local already answering on the port, or installs and
/// starts one, reports progress, and stops it when `shutdown` fires.
pub async fn supervise_local(
    options: DynamoDbLocalOptions,
    events: mpsc::UnboundedSender<LocalEvent>,
    shutdown: CancellationToken,
) {
    let send = |event| {
        let _ = events.send(event);
    };
    if answers(options.port).await {
        send(LocalEvent::Progress(format!("attached to the server on port {}", options.port)));
        send(LocalEvent::Ready);
        return;
    }
    let progress = |line: String| {
        tracing::info!(target: "dynamodb_local", "{line}");
        let _ = events.send(LocalEvent::Progress(line));
    };
    let started = tokio::select! {
        started = start_dynamodb_local(&options, &progress) => started,
        () = shutdown.cancelled() => return,
    };
    match started {
        Ok(server) => {
            send(LocalEvent::Ready);
            watch(server, &events, &shutdown).await;
        }
        Err(err) => send(LocalEvent::Failed(format!("{err:#}"))),
    }
}

/// Stops the server on shutdown, or reports that it exited by itself.
async fn watch(
    mut server: LocalServer,
    events: &mpsc::UnboundedSender<LocalEvent>,
    shutdown: &CancellationToken,
) {
    tokio::select! {
        () = shutdown.cancelled() => server.stop().await,
        status = server.exited() => {
            let why = status.map_or_else(|e| e.to_string(), |s| s.to_string());
            let _ = events.send(LocalEvent::Failed(format!("DynamoDB Local exited ({why})")));
        }
    }
}
