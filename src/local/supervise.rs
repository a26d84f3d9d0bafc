//! The task the TUI runs with `--local`: it gets a DynamoDB Local (see `provide.rs`), tells the
//! event loop how that goes ([`LocalEvent`]), and stops the server it started on shutdown.

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{DynamoDbLocalOptions, LocalServer, Provided, provide_dynamodb_local};
use crate::msg::LocalEvent;

/// Attaches to a DynamoDB Local already answering on the port (if it speaks DynamoDB), or
/// installs and starts one, reports progress, and stops it when `shutdown` fires.
pub async fn supervise_local(
    options: DynamoDbLocalOptions,
    events: mpsc::UnboundedSender<LocalEvent>,
    shutdown: CancellationToken,
) {
    let send = |event| {
        let _ = events.send(event);
    };
    let progress = |line: String| {
        tracing::info!(target: "dynamodb_local", "{line}");
        let _ = events.send(LocalEvent::Progress(line));
    };
    let provided = tokio::select! {
        provided = provide_dynamodb_local(&options, &progress) => provided,
        () = shutdown.cancelled() => return,
    };
    match provided {
        Ok(Provided { server, notes }) => {
            for note in notes {
                tracing::info!(target: "dynamodb_local", "{note}");
                send(LocalEvent::Warning(note));
            }
            send(LocalEvent::Ready);
            if let Some(server) = server {
                watch(server, &events, &shutdown).await;
            }
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
