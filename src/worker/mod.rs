//! The one background task that makes every SDK call. The UI sends
//! [`Request`]s over a channel and reads [`Response`]s; it never awaits the network.

mod batch;
mod client;
mod delivery;
mod errors;
pub mod figures;
pub mod import;
pub mod item;
pub mod page;
mod query;
mod reads;
mod scan;
pub mod seed;
mod stats;
mod stream;
mod tables;
mod transfer;
mod write_ahead;
mod writes;

pub use client::{
    Connect, IdentitySource, LOCAL_ACCESS_KEY, LOCAL_REGION, Timeouts, configured_endpoint,
    endpoint_label, identify, load_sdk_config, plain_http_warning, resolved_endpoint,
    streams_client, target,
};

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use tokio::sync::{OnceCell, mpsc, watch};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::error::{ApiError, ErrorKind, SeedError};
use crate::export::{self, ExportError};
use crate::journal::Journal;
use crate::msg::{CallStats, Job, Reply, Request, Resolved, Response, ScanId, SessionId};
use crate::stream::StreamEvent;
use crate::target::{Account, Guard, Identity, Protect, WriteMode};
use crate::write::WriteError;
use write_ahead::WriteAhead;

/// The UI's ends of the worker's channels.
pub struct WorkerHandle {
    pub requests: mpsc::UnboundedSender<Job>,
    pub responses: mpsc::UnboundedReceiver<Reply>,
    /// The client's retry and throttle counts, changed as attempts complete (apart from
    /// `responses`, so that every request still gets exactly one answer there); pass each
    /// change to the app as [`crate::msg::Msg::CallStats`].
    pub stats: watch::Receiver<CallStats>,
    task: tokio::task::JoinHandle<()>,
}

impl WorkerHandle {
    /// Stops the worker and every call it has in flight.
    pub fn shutdown(self) {
        self.task.abort();
    }
}

/// Called with each request as its job starts: a hook for tests (one that panics shows what
/// a bug in a job does). `None` in the app.
pub type BeforeJob = Arc<dyn Fn(&Request) + Send + Sync>;

/// How a worker behaves besides the client it calls through.
#[derive(Default)]
pub struct WorkerOptions {
    /// Refuse every write request here, before any SDK call, whatever the UI asks.
    pub read_only: bool,
    /// `--allow-writes`: a protected target's writes are sent (the app asks for the table
    /// name first); without it they are refused here like read-only ones.
    pub allow_writes: bool,
    /// The config's protected profiles and accounts.
    pub protect: Protect,
    /// The profile in force (see [`crate::target::Target::profile`]).
    pub profile: Option<String>,
    /// Calls go to AWS itself: an account that cannot be looked up may be a protected one.
    pub aws: bool,
    /// How to look up the credentials' source and account ([`Request::Identify`], and
    /// before the first write when accounts are protected); `None`: not looked up, unknown.
    pub identity: Option<IdentitySource>,
    /// The write-ahead journal: every write's intent before it is sent, and its outcome
    /// (`None`: nowhere; writes left open by a run are then not settled by the next).
    pub journal: Option<Journal>,
    /// An attribute every write also sets to its time (`None`, the default: writes change
    /// only the balance).
    pub write_time_attribute: Option<String>,
    /// The endpoint's label, recorded in the journal (see [`endpoint_label`]).
    pub endpoint: String,
    /// See [`BeforeJob`].
    pub before_job: Option<BeforeJob>,
    /// The Streams client, built from the same configuration as the table client
    /// ([`streams_client`]); `None`: tail requests answer that there is no Streams API.
    pub streams: Option<aws_sdk_dynamodbstreams::Client>,
}

/// What every job of one worker shares.
struct Shared {
    client: Client,
    /// What decides which writes are refused here.
    guard: Guard,
    identity_source: Option<IdentitySource>,
    /// Looked up once, by the first request that needs it.
    identity: OnceCell<Identity>,
    /// Every wallet write goes through it.
    writes: Arc<WriteAhead>,
    before_job: Option<BeforeJob>,
    streams: Option<aws_sdk_dynamodbstreams::Client>,
    /// Stops the running many-write batch ([`Request::CancelMany`]); replaced by each batch.
    stop_many: std::sync::Mutex<CancellationToken>,
}

/// Where one job's answers go: the UI's channel, each answer tagged with the job's session.
#[derive(Debug, Clone)]
pub struct Replies {
    session: SessionId,
    tx: mpsc::UnboundedSender<Reply>,
}

impl Replies {
    /// Sends one answer; false once the UI has gone (shutting down: nothing to do).
    pub fn send(&self, response: Response) -> bool {
        self.tx.send(Reply { session: self.session, response }).is_ok()
    }
}

/// Starts the worker on the current tokio runtime. Its calls go through a copy of `client`
/// that counts retries and throttled attempts ([`WorkerHandle::stats`]).
pub fn spawn(client: Client, options: WorkerOptions) -> WorkerHandle {
    let (req_tx, req_rx) = mpsc::unbounded_channel();
    let (resp_tx, resp_rx) = mpsc::unbounded_channel();
    let WorkerOptions {
        read_only,
        allow_writes,
        protect,
        profile,
        aws,
        identity,
        journal,
        endpoint,
        write_time_attribute,
        before_job,
        streams,
    } = options;
    let (client, stats) = stats::instrument(&client);
    let writes = Arc::new(WriteAhead::new(journal, endpoint, write_time_attribute));
    let guard = Guard { read_only, allow_writes, protect, profile, aws };
    let shared = Arc::new(Shared {
        client,
        guard,
        identity_source: identity,
        identity: OnceCell::new(),
        writes,
        before_job,
        streams,
        stop_many: std::sync::Mutex::new(CancellationToken::new()),
    });
    let task = tokio::spawn(run(shared, req_rx, resp_tx));
    WorkerHandle { requests: req_tx, responses: resp_rx, stats, task }
}

/// Each request runs as its own job so a slow call never holds up the others;
/// aborting the loop's task drops the `JoinSet`, which aborts them all.
async fn run(
    shared: Arc<Shared>,
    mut requests: mpsc::UnboundedReceiver<Job>,
    responses: mpsc::UnboundedSender<Reply>,
) {
    let mut jobs = JoinSet::new();
    // The running scan: a new one cancels it (newest request wins).
    let mut scan: Option<(ScanId, CancellationToken)> = None;
    // The running stream tail: a new one (or a stop) cancels it.
    let mut tail: Option<CancellationToken> = None;
    // What each job in flight must answer if it panics: its request without its bulk.
    let mut in_flight = HashMap::new();
    loop {
        tokio::select! {
            job = requests.recv() => {
                let Some(Job { session, request }) = job else { break };
                let replies = Replies { session, tx: responses.clone() };
                if let Request::CancelScan { id } = request {
                    if let Some((_, running)) = scan.take_if(|(running, _)| *running == id) {
                        running.cancel();
                    }
                    continue;
                }
                if matches!(request, Request::StopTail | Request::Tail { .. })
                    && let Some(running) = tail.take()
                {
                    running.cancel();
                }
                if let Request::StopTail = request {
                    continue;
                }
                if let Request::CancelMany = request {
                    shared.stop_many().cancel();
                    continue;
                }
                if let Request::WriteMany { .. } | Request::Import { .. } = request {
                    // The batch's stop exists from now: an Esc that comes before the job gets
                    // going (the identity, the budget, the rejects file) still stops it.
                    shared.new_batch_stop();
                }
                let echo = (replies.clone(), request.echo());
                let task = match request {
                    Request::Scan { id, table, spec, from, scope } => {
                        if let Some((_, running)) = scan.take() {
                            running.cancel();
                        }
                        let cancel = CancellationToken::new();
                        scan = Some((id, cancel.clone()));
                        let shared = shared.clone();
                        let request = Request::Scan { id, table, spec, from, scope };
                        jobs.spawn(async move {
                            shared.before(&request);
                            let Request::Scan { id, table, spec, from, scope } = request else {
                                return;
                            };
                            let client = shared.client.clone();
                            scan::run(client, id, table, spec, from, scope, cancel, replies).await
                        })
                    }
                    Request::Query { id, table, spec } => {
                        // A query fills the list as a scan does: it takes the scan's place.
                        if let Some((_, running)) = scan.take() {
                            running.cancel();
                        }
                        let cancel = CancellationToken::new();
                        scan = Some((id, cancel.clone()));
                        let shared = shared.clone();
                        let request = Request::Query { id, table, spec };
                        jobs.spawn(async move {
                            shared.before(&request);
                            let Request::Query { id, table, spec } = request else { return };
                            query::run(shared.client.clone(), id, table, spec, cancel, replies)
                                .await
                        })
                    }
                    Request::Tail { table, stream, fetch } => {
                        let cancel = CancellationToken::new();
                        tail = Some(cancel.clone());
                        let shared = shared.clone();
                        jobs.spawn(async move {
                            let Some(streams) = shared.streams.clone() else {
                                let no_api = StreamEvent::NoApi("no Streams client".into());
                                replies.send(Response::Stream(no_api));
                                return;
                            };
                            let client = shared.client.clone();
                            stream::run(streams, client, table, stream, fetch, cancel, replies)
                                .await
                        })
                    }
                    other => {
                        let shared = shared.clone();
                        jobs.spawn(async move {
                            shared.before(&other);
                            for response in handle(&shared, other, &replies).await {
                                replies.send(response);
                            }
                        })
                    }
                };
                in_flight.insert(task.id(), echo);
            }
            Some(done) = jobs.join_next_with_id(), if !jobs.is_empty() => {
                let id = match &done {
                    Ok((id, ())) => *id,
                    Err(err) => err.id(),
                };
                let echo = in_flight.remove(&id);
                if let (Err(err), Some((replies, request))) = (done, echo)
                    && err.is_panic()
                {
                    let error = ApiError::new(ErrorKind::Other, panic_text(err));
                    tracing::error!(request = request.name(), "job panicked: answered with an error");
                    replies.send(error_answer(request, error));
                }
            }
        }
    }
}

/// What a panicked task said, for the error that answers its request. (The panic and its
/// backtrace were logged by the panic hook when it happened.)
pub(crate) fn panic_text(err: tokio::task::JoinError) -> String {
    let payload = match err.try_into_panic() {
        Ok(payload) => payload,
        Err(err) => return format!("the job was stopped ({err})"),
    };
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into());
    format!("the job stopped on a bug (panic: {what}); see the log")
}

impl Shared {
    /// The stop of the running many-write batch.
    fn stop_many(&self) -> std::sync::MutexGuard<'_, CancellationToken> {
        self.stop_many.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A new batch's stop, replacing the last one's (made when its request arrives).
    fn new_batch_stop(&self) {
        *self.stop_many() = CancellationToken::new();
    }

    /// The running batch's stop.
    fn batch_stop(&self) -> CancellationToken {
        self.stop_many().clone()
    }

    fn before(&self, request: &Request) {
        if let Some(hook) = &self.before_job {
            hook(request);
        }
    }

    /// Who the calls are made as, looked up on first use.
    async fn identity(&self) -> &Identity {
        self.identity
            .get_or_init(|| async {
                match &self.identity_source {
                    Some(source) => client::identify(source).await,
                    None => Identity {
                        credentials: Err("not looked up".into()),
                        account: Account::Unknown("not looked up".into()),
                    },
                }
            })
            .await
    }

    /// The write mode in force: waits for the account only if a protected one could
    /// change it.
    async fn write_mode(&self) -> WriteMode {
        let account = match self.guard.needs_account() {
            true => self.identity().await.account.clone(),
            false => Account::Pending,
        };
        self.guard.mode(&account)
    }
}

/// BatchWriteItem calls in flight while seeding demo wallets from the app.
const SEED_CONCURRENCY: usize = 4;

/// Runs one request's calls and answers it; nothing for requests the loop itself handles
/// (scans).
async fn handle(shared: &Shared, request: Request, replies: &Replies) -> Vec<Response> {
    match &request {
        // Not the wallets themselves: an export can carry a million of them.
        Request::Export { path, wallets, .. } => {
            tracing::debug!(path = %path.display(), wallets = wallets.len(), "export")
        }
        request => tracing::debug!(?request, "request"),
    }
    let client = &shared.client;
    if request.is_write()
        && let Some(why) = shared.write_mode().await.worker_refusal()
    {
        let refused = ApiError::new(ErrorKind::ReadOnly, why);
        return vec![error_answer(request, refused)];
    }
    let response = match request {
        Request::DescribeTable { table } => {
            let result = tables::describe_table(client, &table).await;
            Response::Described { table, result }
        }
        Request::CreateTable { spec } => {
            let result = tables::create_table(client, &spec).await;
            Response::Created { table: spec.name, result }
        }
        Request::UpdateTable { table, billing } => {
            let result = tables::update_table(client, &table, billing).await;
            Response::TableUpdated { table, result }
        }
        Request::DeleteTable { table } => {
            let result = tables::delete_table(client, &table).await;
            Response::Deleted { table, result }
        }
        Request::GetWallet { table, user_id, consistent } => {
            let (result, consumed_rcu) =
                reads::get_wallet(client, &table, &user_id, consistent).await;
            Response::GotWallet { table, user_id, result, consumed_rcu }
        }
        Request::Write { table, write } => {
            let (mut responses, result) = shared.writes.write(client, &table, write.clone()).await;
            responses.push(Response::Written { table, write, result });
            return responses;
        }
        Request::ResolveWrites { table } => {
            let mut responses = Vec::new();
            let mut resolved = Vec::new();
            for (write, (read_backs, result)) in shared.writes.resolve(client, &table).await {
                responses.extend(read_backs);
                resolved.push(Resolved { write, result });
            }
            responses.push(Response::WritesResolved { table, result: Ok(resolved) });
            return responses;
        }
        Request::ListTables => Response::TablesListed { result: tables::list_tables(client).await },
        Request::Seed { table, users } => {
            let report = seed::seed(client, &table, users, SEED_CONCURRENCY, &|_| {}).await;
            Response::Seeded { table, result: report.map(|r| r.written) }
        }
        Request::Export { path, format, wallets } => {
            let target = path.clone();
            let written =
                tokio::task::spawn_blocking(move || export::write(&target, format, &wallets)).await;
            let result = written.unwrap_or_else(|e| Err(ExportError::Stopped(panic_text(e))));
            Response::Exported { path, result }
        }
        Request::EnableStream { table } => {
            let result = tables::enable_stream(client, &table).await;
            Response::TableUpdated { table, result }
        }
        Request::CreateIndex { table, spec } => {
            let result = tables::create_index(client, &table, &spec).await;
            Response::IndexUpdated { table, index: spec.name, result }
        }
        Request::DeleteIndex { table, index } => {
            let result = tables::delete_index(client, &table, &index).await;
            Response::IndexUpdated { table, index, result }
        }
        Request::Identify => {
            let identity = shared.identity().await.clone();
            let mode = shared.guard.mode(&identity.account);
            Response::Identified { identity, mode: Some(mode) }
        }
        Request::WriteMany { table, writes } => {
            batch::write_many(shared, table, writes, replies).await;
            return Vec::new();
        }
        Request::PlanImport { table, path, skip_bad } => {
            batch::plan_import(shared, table, path, skip_bad).await
        }
        Request::Import { table, plan, overwrite } => {
            batch::import(shared, table, plan, overwrite, replies).await;
            return Vec::new();
        }
        Request::Scan { .. }
        | Request::CancelScan { .. }
        | Request::Query { .. }
        | Request::Tail { .. }
        | Request::StopTail
        | Request::CancelMany => return Vec::new(),
    };
    vec![response]
}

/// The answer `request` gets when it fails before or instead of its calls (refused in
/// read-only mode, or its job panicked): its own completion carrying `error`, so the app
/// stops waiting for it like after any failed call.
fn error_answer(request: Request, error: ApiError) -> Response {
    match request {
        Request::DescribeTable { table } => Response::Described { table, result: Err(error) },
        Request::CreateTable { spec } => Response::Created { table: spec.name, result: Err(error) },
        Request::UpdateTable { table, .. } | Request::EnableStream { table } => {
            Response::TableUpdated { table, result: Err(error) }
        }
        Request::Tail { .. } | Request::StopTail => Response::Stream(StreamEvent::Ended(error)),
        Request::DeleteTable { table } => Response::Deleted { table, result: Err(error) },
        Request::Scan { id, .. } | Request::CancelScan { id } | Request::Query { id, .. } => {
            Response::ScanFailed { id, segment: 0, error }
        }
        Request::GetWallet { table, user_id, .. } => {
            Response::GotWallet { table, user_id, result: Err(error), consumed_rcu: None }
        }
        // Refused before any intent (read-only), or its job stopped on a bug, perhaps after
        // it was sent: unknown, so it stays open and is settled by sending it again.
        Request::Write { table, write } if error.kind == ErrorKind::ReadOnly => {
            Response::Written { table, write, result: Err(WriteError::Refused(error)) }
        }
        Request::Write { table, write } => {
            let sent_at = crate::journal::now_rfc3339();
            Response::Written {
                table,
                write,
                result: Err(WriteError::unknown(error, sent_at, None)),
            }
        }
        Request::ResolveWrites { table } => Response::WritesResolved { table, result: Err(error) },
        Request::ListTables => Response::TablesListed { result: Err(error) },
        Request::Seed { table, .. } => {
            Response::Seeded { table, result: Err(SeedError::Refused(error)) }
        }
        Request::Export { path, .. } => {
            Response::Exported { path, result: Err(ExportError::Stopped(error.summary())) }
        }
        Request::CreateIndex { table, spec } => {
            Response::IndexUpdated { table, index: spec.name, result: Err(error) }
        }
        Request::DeleteIndex { table, index } => {
            Response::IndexUpdated { table, index, result: Err(error) }
        }
        // Handled by the loop, never a job: nothing answers it.
        Request::CancelMany => {
            Response::ManyDone { table: String::new(), result: Err(error.summary()), rejects: None }
        }
        Request::WriteMany { table, .. } | Request::Import { table, .. } => {
            Response::ManyDone { table, result: Err(error.summary()), rejects: None }
        }
        Request::PlanImport { table, path, .. } => {
            Response::ImportPlanned { table, path, result: Err(error.summary()) }
        }
        Request::Identify => {
            let why = error.summary();
            let identity =
                Identity { credentials: Err(why.clone()), account: Account::Unknown(why) };
            Response::Identified { identity, mode: None }
        }
    }
}
