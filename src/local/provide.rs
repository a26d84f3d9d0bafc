//! Getting a DynamoDB Local for `--local` (the TUI and `wallet-tui seed`): a leftover server
//! of ours on the data directory is stopped first; a server already answering on the port is
//! used only if it speaks DynamoDB; otherwise one is started.

use color_eyre::eyre::{Result, eyre};

use super::pidfile::{self, Found, PidFile};
use super::{
    DynamoDbLocalOptions, LocalServer, Progress, Storage, answers, dynamodb_local_jar,
    speaks_dynamodb, start_dynamodb_local,
};

/// The server `--local` will use, and what the user should know about it.
#[derive(Debug)]
pub struct Provided {
    /// The server this run started (stop it when done); `None` when attached to one already
    /// running, which is not ours to stop.
    pub server: Option<LocalServer>,
    /// Things to tell the user once (a leftover stopped, options that do not apply, a data
    /// directory made private).
    pub notes: Vec<String>,
}

/// Finds or starts the DynamoDB Local described by `opts` (see the module's notes). Errors
/// say why nothing could be used; then nothing was started.
pub async fn provide_dynamodb_local(
    opts: &DynamoDbLocalOptions,
    progress: Progress<'_>,
) -> Result<Provided> {
    let mut notes = Vec::new();
    if let Storage::Dir(dir) = &opts.storage {
        let (dir, tightened) = super::prepare_data_dir(dir)?;
        notes.extend(tightened);
        notes.extend(settle_leftover(&dir, opts.port, progress).await?);
    }
    if answers(opts.port).await {
        notes.push(attach(opts.port).await?);
        return Ok(Provided { server: None, notes });
    }
    let server = start_dynamodb_local(opts, progress).await?;
    Ok(Provided { server: Some(server), notes })
}

/// The note for attaching to the server on `port`, or the refusal if it is not DynamoDB.
async fn attach(port: u16) -> Result<String> {
    if let Err(answer) = speaks_dynamodb(port).await {
        tracing::warn!("port {port} does not answer like DynamoDB: {answer}");
        return Err(eyre!(
            "port {port} is taken by something that is not DynamoDB Local; use --local-port"
        ));
    }
    Ok(format!(
        "attached to the DynamoDB Local already running on port {port}: --local-in-memory and \
         --local-data-dir do not apply to it"
    ))
}

/// How long a stopped leftover server may keep its port.
const PORT_RELEASE: std::time::Duration = std::time::Duration::from_secs(10);

/// Stops a server of ours left running on `dir` by a run that is gone; refuses a server in use
/// by a run still going on another port (two servers must not share a data directory).
async fn settle_leftover(
    dir: &std::path::Path,
    port: u16,
    progress: Progress<'_>,
) -> Result<Option<String>> {
    match pidfile::inspect(dir, &dynamodb_local_jar()?) {
        Found::Nothing => Ok(None),
        Found::InUse(record) if record.port != port => Err(in_use(&record)),
        Found::InUse(record) => Ok(Some(format!(
            "DynamoDB Local on port {port} was started by process {} (still running) on the \
             same data directory: it stops when that one quits",
            record.owner_pid
        ))),
        Found::Leftover(record) => {
            let what = format!(
                "DynamoDB Local (pid {}, port {}) left running on {} by an earlier wallet-tui",
                record.server_pid,
                record.port,
                dir.display()
            );
            progress(format!("stopping {what}…"));
            if !pidfile::stop(&record).await {
                return Err(eyre!("cannot stop {what}"));
            }
            // The JVM's first thread can be gone while others still hold the port: wait until
            // it is let go, so that the port is not taken for someone else's server.
            let deadline = std::time::Instant::now() + PORT_RELEASE;
            while answers(record.port).await && std::time::Instant::now() < deadline {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Ok(Some(format!("stopped {what}")))
        }
    }
}

fn in_use(record: &PidFile) -> color_eyre::eyre::Report {
    eyre!(
        "{} is in use by DynamoDB Local on port {} (started by process {}, still running): \
         use --local-port {} to share it, or another --local-data-dir",
        record.data_dir.display(),
        record.port,
        record.owner_pid,
        record.port
    )
}
