//! The write-ahead protocol every wallet write follows: its intent is journaled (on disk)
//! before its one request is sent; the request is built once and kept; while its outcome is
//! unknown it is sent again unchanged (same ClientRequestToken, so DynamoDB applies it at
//! most once and answers a repeat with the first outcome): once at once, and again whenever
//! the app asks; past the token's window it is never resent, only read back; its outcome is
//! journaled. Writes an earlier run left without an outcome are taken from the journal and
//! settled the same way when the app opens their table.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use aws_sdk_dynamodb::Client;
use tokio::sync::{Mutex as AsyncMutex, OnceCell};

use super::reads;
use super::tables;
use super::transfer;
use super::writes::{self, Attempt, Items};
use crate::error::{ApiError, ErrorKind};
use crate::journal::{self, Ended, Intent, Journal, JournalEntry, Line};
use crate::msg::Response;
use crate::write::{Stamp, TOKEN_WINDOW, Write, WriteDone, WriteError, WriteKind};

/// A write is not sent again this close to the end of its token's window (plus two calls'
/// time, see [`WriteAhead::margin`]): the request could arrive after DynamoDB has forgotten
/// the token, and apply a second time.
const WINDOW_MARGIN: Duration = Duration::from_secs(60);

/// Transactions a group of writes is sent in at most: the writes a round's cancellation did
/// not concern go again in the next (DynamoDB cancels all for one failed condition).
const GROUP_ROUNDS: usize = 4;

/// What settling one write came to: the wallets read back on the way (answered to the app
/// like reads, before the outcome), and the outcome.
pub type Settled = (Vec<Response>, Result<WriteDone, WriteError>);

/// Every write of one worker that has no outcome yet, and the journal they go to.
pub struct WriteAhead {
    journal: Option<Arc<Journal>>,
    /// The endpoint's label: intents of other endpoints are never sent here.
    endpoint: String,
    /// The attribute each write also sets to its time (the config's `write_time_attribute`).
    stamp_attribute: Option<String>,
    pending: Mutex<HashMap<String, Arc<Pending>>>,
    /// The journal's open intents, read once, on the first write or resolve.
    loaded: OnceCell<()>,
    /// Each table's ARN (account, region, name), described once: where an intent may be
    /// sent again (`None`: it could not be described).
    arns: AsyncMutex<HashMap<String, Option<String>>>,
}

/// Where a table is, as far as settling writes is concerned.
struct Place {
    arn: Option<String>,
    region: Option<String>,
}

/// One write without an outcome.
struct Pending {
    intent: Intent,
    items: Items,
    sent_at: SystemTime,
    /// Sends so far (1 for an intent found in the journal: an earlier run sent it).
    sends: AtomicU32,
    /// Some send may have reached the endpoint (one found in the journal may have): only
    /// while none did is a send refused at connect proof that nothing was applied.
    reached: AtomicBool,
    /// Held while the write is being sent, so it is never sent twice at once; holds the
    /// outcome once there is one, for whoever waited.
    outcome: AsyncMutex<Option<Result<WriteDone, WriteError>>>,
}

impl WriteAhead {
    pub fn new(
        journal: Option<Journal>,
        endpoint: String,
        stamp_attribute: Option<String>,
    ) -> Self {
        WriteAhead {
            journal: journal.map(Arc::new),
            endpoint,
            stamp_attribute,
            pending: Mutex::new(HashMap::new()),
            loaded: OnceCell::new(),
            arns: AsyncMutex::new(HashMap::new()),
        }
    }

    /// A write the app asks for: a new one, or one whose outcome is unknown, again (same op
    /// id, same write: its kept request is sent, not a new one).
    pub async fn write(&self, client: &Client, table: &str, write: Write) -> Settled {
        self.load().await;
        let kept = self.lock().get(&write.op_id).cloned();
        let pending = match kept {
            Some(p) if p.intent.write == write && p.intent.table == table => p,
            Some(_) => {
                let why = "this op id belongs to another write: nothing was sent";
                return (
                    Vec::new(),
                    Err(WriteError::Refused(ApiError::new(ErrorKind::Validation, why))),
                );
            }
            None => match self.begin(table, write, self.place(client, table).await).await {
                Ok(pending) => pending,
                Err(error) => return (Vec::new(), Err(WriteError::Refused(error))),
            },
        };
        self.settle(client, &pending).await
    }

    /// Every write on `table` without an outcome (left by an earlier run, or unknown in this
    /// one), settled one after the other.
    pub async fn resolve(&self, client: &Client, table: &str) -> Vec<(Write, Settled)> {
        self.load().await;
        let here = self.place(client, table).await;
        let mut open: Vec<Arc<Pending>> = self
            .lock()
            .values()
            .filter(|p| p.intent.table == table && self.same_place(&p.intent, &here))
            .cloned()
            .collect();
        open.sort_by_key(|p| p.sent_at);
        let mut settled = Vec::new();
        for pending in open {
            let outcome = self.settle(client, &pending).await;
            settled.push((pending.intent.write.clone(), outcome));
        }
        settled
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Pending>>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Where `table` is: its ARN (account, region and name; described once) and the client's
    /// region (DynamoDB Local's ARNs name neither its region nor its server).
    async fn place(&self, client: &Client, table: &str) -> Place {
        let mut arns = self.arns.lock().await;
        if !arns.get(table).is_some_and(Option::is_some) {
            let described = tables::describe_table(client, table).await;
            arns.insert(table.to_string(), described.ok().flatten().and_then(|info| info.arn));
        }
        let region = client.config().region().map(|r| r.to_string());
        Place { arn: arns.get(table).cloned().flatten(), region }
    }

    /// Whether `intent` was sent to the table found `here`: the same ARN (and for DynamoDB
    /// Local, the same endpoint and region too); an intent whose ARN is not known, by the
    /// endpoint alone. A write is never sent again to another account's table of its name.
    fn same_place(&self, intent: &Intent, here: &Place) -> bool {
        match (&intent.arn, &here.arn) {
            (Some(sent), Some(now)) if sent.contains(":ddblocal:") => {
                sent == now && intent.endpoint == self.endpoint && intent.region == here.region
            }
            (Some(sent), Some(now)) => sent == now,
            (Some(_), None) => false,
            (None, _) => intent.endpoint == self.endpoint,
        }
    }

    /// The intent of a new write, on disk before anything is sent.
    async fn begin(
        &self,
        table: &str,
        write: Write,
        place: Place,
    ) -> Result<Arc<Pending>, ApiError> {
        let pending = self.intend(table, write, &place)?;
        self.append_intents(std::slice::from_ref(&pending)).await?;
        Ok(pending)
    }

    /// A new write's intent and request, not yet on disk nor kept.
    fn intend(&self, table: &str, write: Write, place: &Place) -> Result<Arc<Pending>, ApiError> {
        let sent_at = SystemTime::now();
        let time = journal::rfc3339(sent_at);
        let stamp =
            self.stamp_attribute.clone().map(|attribute| Stamp { attribute, time: time.clone() });
        let intent = Intent {
            time,
            endpoint: self.endpoint.clone(),
            arn: place.arn.clone(),
            region: place.region.clone(),
            table: table.to_string(),
            write,
            stamp,
        };
        let items = writes::items(table, &intent.write, intent.stamp.as_ref())?;
        Ok(Arc::new(Pending::new(intent, items, sent_at, 0)))
    }

    /// The intents on disk together (one flush), then kept as pending.
    async fn append_intents(&self, pending: &[Arc<Pending>]) -> Result<(), ApiError> {
        if let Some(journal) = &self.journal {
            let lines = pending.iter().map(|p| Line::Intent(p.intent.clone())).collect();
            append(journal, lines).await.map_err(|e| {
                let path = journal.path().display();
                ApiError::new(
                    ErrorKind::Other,
                    format!("cannot write the journal {path} ({e}): nothing was sent"),
                )
            })?;
        }
        let mut kept = self.lock();
        for p in pending {
            kept.insert(p.intent.write.op_id.clone(), p.clone());
        }
        Ok(())
    }

    /// New one-item writes (an import's puts) sent together, as one transaction per round:
    /// their intents are flushed together, a round's transaction applies all or none, and the
    /// writes a cancelled round did not refuse themselves go again in the next. Writes left
    /// without an answer are then settled one by one (their conditions make a second apply
    /// impossible; one found already as written counts as applied). Also returns the
    /// positions of the writes sent more than once (once per further send), for the pacer.
    pub async fn write_group(
        &self,
        client: &Client,
        table: &str,
        group: Vec<Write>,
    ) -> (Vec<Settled>, Vec<usize>) {
        self.load().await;
        let place = self.place(client, table).await;
        let mut results: Vec<Option<Settled>> = vec![None; group.len()];
        let mut left = Vec::new();
        let mut alone = Vec::new();
        for (i, write) in group.into_iter().enumerate() {
            match self.intend(table, write, &place) {
                // A transaction's cancellation reasons are told per item: one item per write.
                Ok(pending) if pending.items.len() == 1 => left.push((i, pending)),
                Ok(pending) => alone.push((i, pending)),
                Err(error) => results[i] = Some((Vec::new(), Err(WriteError::Refused(error)))),
            }
        }
        let fresh: Vec<Arc<Pending>> = left.iter().chain(&alone).map(|(_, p)| p.clone()).collect();
        if let Err(error) = self.append_intents(&fresh).await {
            for (i, _) in left.into_iter().chain(alone) {
                results[i] = Some((Vec::new(), Err(WriteError::Refused(error.clone()))));
            }
            return (results.into_iter().flatten().collect(), Vec::new());
        }
        let mut done: Vec<(usize, Arc<Pending>, Result<WriteDone, WriteError>)> = Vec::new();
        let mut resent = Vec::new();
        for round in 0..GROUP_ROUNDS {
            if left.is_empty() {
                break;
            }
            if round > 0 {
                resent.extend(left.iter().map(|(i, _)| *i));
            }
            let token = uuid::Uuid::new_v4().to_string();
            let sending: Vec<(&Write, &Items)> =
                left.iter().map(|(_, p)| (&p.intent.write, &p.items)).collect();
            let mut attempt = writes::send_group(client, &token, &sending).await;
            if let writes::GroupAttempt::All(Attempt::Unknown(first)) = attempt {
                // Once more with the same token: it applies nothing more if the first did.
                resent.extend(left.iter().map(|(i, _)| *i));
                attempt = writes::send_group(client, &token, &sending).await;
                // A refusal or a refused connection says nothing of the first send (as in
                // `send`): still maybe applied.
                if let writes::GroupAttempt::All(
                    Attempt::NotApplied(WriteError::Refused(_)) | Attempt::NeverSent(_),
                ) = attempt
                {
                    attempt = writes::GroupAttempt::All(Attempt::Unknown(first));
                }
            }
            match attempt {
                writes::GroupAttempt::Applied(each) => {
                    done.extend(left.drain(..).zip(each).map(|((i, p), d)| (i, p, Ok(d))));
                }
                writes::GroupAttempt::Cancelled(verdicts) => {
                    let mut again = Vec::new();
                    for ((i, p), verdict) in left.drain(..).zip(verdicts) {
                        match verdict {
                            Some(error) => done.push((i, p, Err(error))),
                            None => again.push((i, p)),
                        }
                    }
                    left = again;
                }
                writes::GroupAttempt::All(Attempt::NotApplied(error)) => {
                    done.extend(left.drain(..).map(|(i, p)| (i, p, Err(error.clone()))));
                }
                writes::GroupAttempt::All(Attempt::NeverSent(error)) => {
                    let error = WriteError::Refused(never_sent(&error));
                    done.extend(left.drain(..).map(|(i, p)| (i, p, Err(error.clone()))));
                }
                writes::GroupAttempt::All(Attempt::Unknown(_) | Attempt::Applied(_)) => {
                    // Maybe applied: each is settled alone below, as sent once already.
                    for (_, p) in &left {
                        p.sends.store(1, Ordering::Relaxed);
                        p.reached.store(true, Ordering::Relaxed);
                    }
                    break;
                }
            }
        }
        // Outcomes on disk together, before anything else is told.
        let outcomes: Vec<(&Intent, &Result<WriteDone, WriteError>)> =
            done.iter().map(|(_, p, r)| (&p.intent, r)).collect();
        self.record_all(&outcomes).await;
        for (i, pending, result) in done {
            self.lock().remove(&pending.intent.write.op_id);
            *pending.outcome.lock().await = Some(result.clone());
            results[i] = Some((Vec::new(), result));
        }
        // Those left had no answer (sent once already): settling sends each again alone, or
        // only reads it back. The others are sent alone for the first time.
        for (i, pending) in left.into_iter().chain(alone) {
            results[i] = Some(self.settle(client, &pending).await);
            let again = pending.sends.load(Ordering::Relaxed).saturating_sub(1);
            resent.extend(std::iter::repeat_n(i, again as usize));
        }
        (results.into_iter().flatten().collect(), resent)
    }

    /// Sends the kept request (or, past the window, reads the wallet back) and records the
    /// outcome; a write whose outcome stays unknown within the window stays pending.
    async fn settle(&self, client: &Client, pending: &Arc<Pending>) -> Settled {
        let mut outcome = pending.outcome.lock().await;
        if let Some(result) = outcome.as_ref() {
            return (Vec::new(), result.clone());
        }
        // A clock that went back cannot tell the window's end: as if it were past.
        let expired = pending
            .sent_at
            .elapsed()
            .map_or(true, |age| age + Self::margin(client) >= TOKEN_WINDOW);
        let (mut read_backs, mut result) = if expired {
            self.read_back_expired(client, pending).await
        } else {
            (Vec::new(), self.send(client, pending).await)
        };
        if let Err(WriteError::Unknown(unknown)) = &result
            && unknown.expired.is_none()
        {
            return (read_backs, result);
        }
        // The outcome is on disk before anything else is asked (a transfer's read-backs).
        self.record(&pending.intent, &result).await;
        self.lock().remove(&pending.intent.write.op_id);
        if let Ok(done) = &mut result {
            read_backs.extend(self.read_back_transfer(client, pending, done).await);
        }
        *outcome = Some(result.clone());
        (read_backs, result)
    }

    /// How close to the window's end a write is no longer sent: a minute, plus the two
    /// sends a settle may make, each as long as a call may take.
    fn margin(client: &Client) -> Duration {
        let call = client.config().timeout_config().and_then(|t| t.operation_timeout());
        WINDOW_MARGIN + 2 * call.unwrap_or(Duration::from_secs(60))
    }

    /// Sends the request; sends it once more at once if no answer says what became of it.
    async fn send(&self, client: &Client, pending: &Pending) -> Result<WriteDone, WriteError> {
        let write = &pending.intent.write;
        let sent_before = pending.sends.load(Ordering::Relaxed) > 0;
        let mut attempt = Attempt::Unknown(ApiError::new(ErrorKind::Other, "not sent"));
        for _ in 0..2 {
            let earlier = pending.sends.fetch_add(1, Ordering::Relaxed);
            attempt = writes::send(client, write, &pending.items).await;
            if let Attempt::NeverSent(error) = attempt {
                // Refused at connect: this send never left. Not applied, unless an earlier
                // send may have reached the endpoint.
                if !pending.reached.load(Ordering::Relaxed) {
                    attempt = Attempt::NotApplied(WriteError::Refused(never_sent(&error)));
                    break;
                }
                attempt = Attempt::Unknown(error);
            } else {
                pending.reached.store(true, Ordering::Relaxed);
            }
            // A refusal (expired credentials, access denied, a missing table) comes before
            // DynamoDB looks at the token: after an earlier send it says nothing of that one.
            if let (Attempt::NotApplied(WriteError::Refused(error)), 1..) = (&attempt, earlier) {
                attempt = Attempt::Unknown(error.clone());
            }
            let Attempt::Unknown(error) = &attempt else { break };
            tracing::warn!(op = write.op_id, error = error.summary(), "write outcome unknown");
        }
        if sent_before
            && let Attempt::NotApplied(WriteError::Conflict { current: Some(now) }) = &attempt
            && let WriteKind::PutItem { item, .. } = &write.kind
            && writes::holds(now, item)
        {
            // An import's put sent before (in a group, or by an earlier run) without an answer:
            // its condition now fails on the wallet holding exactly what it writes. That
            // send applied it (or another writer wrote the very same values): as asked.
            let mut done = WriteDone::applied(Some(now.clone()), None, None, None);
            done.resent = true;
            return Ok(done);
        }
        if sent_before
            && let Attempt::NotApplied(WriteError::Conflict { current: None }) = &attempt
            && let WriteKind::Delete { .. } | WriteKind::DeleteOver { .. } = &write.kind
        {
            // A delete sent before (in a group) without an answer, whose wallet is now gone:
            // that send deleted it (or another writer did): as asked.
            let seen = match &write.kind {
                WriteKind::Delete { seen } => *seen,
                _ => None,
            };
            let mut done = WriteDone::applied(None, seen, None, None);
            done.resent = true;
            return Ok(done);
        }
        match attempt {
            Attempt::Applied(mut done) => {
                done.resent = pending.sends.load(Ordering::Relaxed) > 1;
                Ok(done)
            }
            Attempt::NotApplied(error) => Err(error),
            Attempt::Unknown(error) | Attempt::NeverSent(error) => {
                Err(WriteError::unknown(error, pending.intent.time.clone(), None))
            }
        }
    }

    /// Both sides of a transfer that applied, read back so the list shows them as stored;
    /// the target first, so the selection ends on the wallet the transfer left.
    async fn read_back_transfer(
        &self,
        client: &Client,
        pending: &Pending,
        done: &mut WriteDone,
    ) -> Vec<Response> {
        let write = &pending.intent.write;
        let WriteKind::Transfer { to, .. } = &write.kind else { return Vec::new() };
        let table = &pending.intent.table;
        let mut responses = Vec::new();
        let mut read = Vec::new();
        for user_id in [to.clone(), write.user_id.clone()] {
            let (result, consumed_rcu) = reads::get_wallet(client, table, &user_id, true).await;
            read.push(result.clone().ok().flatten());
            responses.push(Response::ReadBack {
                table: table.clone(),
                user_id,
                result,
                consumed_rcu,
            });
        }
        let from = read.pop().flatten();
        transfer::settle_transfer(done, from, read.pop().flatten());
        responses
    }

    /// Past the token's window the request is never sent again: the wallet is read back, for
    /// the user to decide with a new write.
    async fn read_back_expired(&self, client: &Client, pending: &Pending) -> Settled {
        let intent = &pending.intent;
        let (read, consumed_rcu) =
            reads::get_wallet(client, &intent.table, &intent.write.user_id, true).await;
        let error =
            ApiError::new(ErrorKind::Timeout, "no answer within the token's 10-minute window");
        let read_back = Response::ReadBack {
            table: intent.table.clone(),
            user_id: intent.write.user_id.clone(),
            result: read.clone(),
            consumed_rcu,
        };
        (vec![read_back], Err(WriteError::unknown(error, intent.time.clone(), Some(read))))
    }

    /// The outcome's journal line(s). The write has happened (or not) whatever the journal's
    /// fate, so a failure here is only logged.
    async fn record(&self, intent: &Intent, result: &Result<WriteDone, WriteError>) {
        self.record_all(&[(intent, result)]).await;
    }

    /// Several outcomes' lines, flushed together.
    async fn record_all(&self, outcomes: &[(&Intent, &Result<WriteDone, WriteError>)]) {
        let Some(journal) = &self.journal else { return };
        if outcomes.is_empty() {
            return;
        }
        let mut lines = Vec::new();
        for (intent, result) in outcomes {
            match result {
                Ok(done) => lines.extend(
                    JournalEntry::entries(&intent.endpoint, &intent.table, &intent.write, done)
                        .into_iter()
                        .map(Line::Applied),
                ),
                Err(error) => lines.push(Line::Ended(ended(intent, error))),
            }
        }
        if let Err(err) = append(journal, lines).await {
            let ops: Vec<&str> = outcomes.iter().map(|(i, _)| i.write.op_id.as_str()).collect();
            tracing::warn!(path = %journal.path().display(), op_ids = ?ops, error = %err, "cannot append to the write journal");
        }
    }

    /// Reads the journal's open intents of this endpoint, once.
    async fn load(&self) {
        self.loaded
            .get_or_init(|| async {
                let Some(journal) = &self.journal else { return };
                let path = journal.path().to_path_buf();
                // Only a regular file holds lines to read (a device such as /dev/full does not).
                if !std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
                    return;
                }
                let read = tokio::task::spawn_blocking(move || journal::read_open_intents(path)).await;
                let intents = match read {
                    Ok(Ok(intents)) => intents,
                    Ok(Err(err)) => {
                        tracing::warn!(error = %err, "cannot read the write journal: earlier writes are not settled");
                        return;
                    }
                    Err(err) => return tracing::warn!(error = %err, "reading the journal stopped"),
                };
                // Each is sent again only to the place it was sent (see `same_place`).
                for intent in intents {
                    self.adopt(intent);
                }
            })
            .await;
    }

    /// An intent an earlier run left open, pending again with its request rebuilt.
    fn adopt(&self, intent: Intent) {
        match writes::items(&intent.table, &intent.write, intent.stamp.as_ref()) {
            Ok(items) => {
                let sent_at = intent.sent_at().unwrap_or(SystemTime::UNIX_EPOCH);
                tracing::info!(
                    op = intent.write.op_id,
                    table = intent.table,
                    "a write left open by an earlier run"
                );
                let pending = Arc::new(Pending::new(intent, items, sent_at, 1));
                self.lock().insert(pending.intent.write.op_id.clone(), pending);
            }
            Err(err) => tracing::warn!(
                op = intent.write.op_id,
                error = err.summary(),
                "an open intent cannot be rebuilt"
            ),
        }
    }
}

impl Pending {
    fn new(intent: Intent, items: Items, sent_at: SystemTime, sends: u32) -> Self {
        Pending {
            intent,
            items,
            sent_at,
            sends: AtomicU32::new(sends),
            reached: AtomicBool::new(sends > 0),
            outcome: AsyncMutex::new(None),
        }
    }
}

/// Why a write refused at connect on every attempt of its only send was not applied.
fn never_sent(error: &ApiError) -> ApiError {
    let message =
        format!("connection refused on every attempt, the request never left ({})", error.message);
    ApiError::new(ErrorKind::Unreachable, message)
}

/// The journal line of a write that ended without applying.
fn ended(intent: &Intent, error: &WriteError) -> Ended {
    let (outcome, reason) = match error {
        WriteError::Conflict { current } => (
            "not_applied",
            match current.as_ref().map(|w| w.balance) {
                Some(Some(b)) => format!("condition failed: the balance is {b}"),
                Some(None) => "condition failed: the wallet has no balance".to_string(),
                None => "condition failed: no such wallet".to_string(),
            },
        ),
        WriteError::Refused(error) => ("not_applied", error.summary()),
        WriteError::Cancelled(why) => ("not_applied", why.clone()),
        WriteError::Unknown(unknown) => ("unknown", unknown_reason(unknown)),
    };
    Ended {
        time: journal::now_rfc3339(),
        endpoint: intent.endpoint.clone(),
        table: intent.table.clone(),
        user_id: intent.write.user_id.clone(),
        op_id: intent.write.op_id.clone(),
        outcome: outcome.to_string(),
        reason,
    }
}

/// Why a write's outcome stays unknown, with the balance read back when there is one.
fn unknown_reason(unknown: &crate::write::Unknown) -> String {
    match &unknown.expired {
        Some(Ok(Some(wallet))) => format!(
            "no answer within the token's window; never resent; balance read back {}",
            wallet.balance.map_or_else(|| "none".to_string(), |b| b.to_string())
        ),
        Some(Ok(None)) => {
            "no answer within the token's window; never resent; no such wallet now".into()
        }
        _ => format!(
            "no answer within the token's window; never resent ({})",
            unknown.error.summary()
        ),
    }
}

/// Appends `lines` to the journal and waits until they are durable, on a blocking thread:
/// writes in flight wait together, and their lines share one flush (see [`Journal`]).
async fn append(journal: &Arc<Journal>, lines: Vec<Line>) -> std::io::Result<()> {
    let journal = journal.clone();
    tokio::task::spawn_blocking(move || journal.append_lines(&lines))
        .await
        .unwrap_or_else(|e| Err(std::io::Error::other(e)))
}
