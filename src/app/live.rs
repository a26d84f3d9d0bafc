//! The table's stream in the app: asking the worker to tail it before the scan starts,
//! applying each change to the loaded list in place, the activity feed and each wallet's
//! changes, and the versions that keep a scan page from bringing back a value that a change
//! (a stream record or this app's own write) replaced after the page was asked for.

use std::collections::VecDeque;
use std::hash::BuildHasher;
use std::time::{Duration, Instant};

use hashbrown::{DefaultHashBuilder, HashMap, HashTable};

use crossterm::event::{KeyCode, KeyEvent};

use super::{App, Modal, ScanOutcome, TableState};
use crate::balance::Balance;
use crate::form::{Field, Form};
use crate::msg::Request;
use crate::stream::{Change, ChangeKind, StreamEvent};
use crate::table::TableStatus;
use crate::wallet::{UserId, Wallet};

/// Changes the activity feed keeps.
pub const FEED_LEN: usize = 500;
/// Changes kept per wallet for the detail pane.
pub const HISTORY_LEN: usize = 50;
/// Wallets whose changes are kept for the detail pane; past it the least recently changed
/// are forgotten.
pub const HISTORY_WALLETS: usize = 10_000;
/// How long a changed row stays marked.
pub const MARK_FOR: Duration = Duration::from_secs(3);
/// The window of [`Live::rate`].
const RATE_WINDOW: Duration = Duration::from_secs(10);

/// Where tailing the table's stream stands.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum LiveStatus {
    /// Nothing asked yet.
    #[default]
    Idle,
    /// The worker is opening the stream's shards; the scan waits for it.
    Opening,
    /// Changes from the moment of opening on are applied.
    Live,
    /// The table has no stream (`L` enables one).
    NoStream,
    /// The endpoint has no Streams API: the reason.
    NoApi(String),
    /// `L` asked for a stream; waiting for DescribeTable to show it.
    Enabling,
    /// The tail stopped: why.
    Ended(String),
}

/// One change as the feed and the detail pane show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEntry {
    pub at: Instant,
    pub kind: ChangeKind,
    pub user_id: UserId,
    /// The balance before (as the list had it, else as the record says).
    pub old: Option<Balance>,
    pub new: Option<Balance>,
}

/// One change in a wallet's history (the wallet is the history's): a [`FeedEntry`] without
/// its id, so recording a change copies no id.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Step {
    at: Instant,
    kind: ChangeKind,
    old: Option<Balance>,
    new: Option<Balance>,
}

/// One wallet's changes, newest first, and the sequence number of its latest.
#[derive(Debug, Clone)]
struct History {
    id: UserId,
    seq: u64,
    steps: VecDeque<Step>,
}

/// The kept histories by wallet id (a hash table whose entries hold their ids, so the order
/// queue can name one by its hash and sequence number, without a copy of its id).
#[derive(Clone, Default)]
pub(super) struct Histories {
    table: HashTable<History>,
    hasher: DefaultHashBuilder,
}

impl std::fmt::Debug for Histories {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Histories({} wallets)", self.table.len())
    }
}

impl Histories {
    fn hash(&self, id: &UserId) -> u64 {
        self.hasher.hash_one(id)
    }

    fn get(&self, id: &UserId) -> Option<&History> {
        self.table.find(self.hash(id), |h| h.id == *id)
    }

    /// Whether the history with this hash still has `seq` as its latest change.
    fn is_latest(&self, hash: u64, seq: u64) -> bool {
        self.table.find(hash, |h| h.seq == seq).is_some()
    }

    pub(super) fn len(&self) -> usize {
        self.table.len()
    }
}

/// Everything about the stream of one table session.
#[derive(Debug, Clone, Default)]
pub struct Live {
    pub(super) status: LiveStatus,
    /// The stream ARN being tailed.
    pub(super) arn: Option<String>,
    pub(super) changes: u64,
    pub(super) last_change: Option<Instant>,
    pub(super) lag: Option<Duration>,
    /// Stream calls made (DescribeStream, GetShardIterator, GetRecords, GetItem).
    pub(super) calls: u64,
    /// Newest first.
    pub(super) feed: VecDeque<FeedEntry>,
    /// Per wallet: the sequence number of its latest change, and its changes.
    pub(super) history: Histories,
    /// Every change's sequence number and its wallet's hash in `history`, oldest first: which
    /// histories are the least recently changed (an entry whose wallet changed again since is
    /// passed over).
    history_order: VecDeque<(u64, u64)>,
    /// Counts the changes recorded.
    history_seq: u64,
    /// Changed rows and when.
    pub(super) marked: HashMap<UserId, Instant>,
    /// Counts every change applied (stream record or own write).
    pub(super) epoch: u64,
    /// The epoch at which each wallet last changed.
    pub(super) changed_at: HashMap<UserId, u64>,
    /// The epoch when the running scan was asked for: its pages never overwrite a wallet
    /// changed after.
    pub(super) scan_epoch: u64,
    /// Per wallet, what this app's latest own write left stored (`None`: deleted) and when,
    /// until the stream shows the record of that write: the records before it are older
    /// than the list and are not applied.
    pub(super) own: HashMap<UserId, (Option<Wallet>, Instant)>,
    /// A describe of the table answered since the tail ended: one that still shows a
    /// stream starts the tail again.
    pub(super) described: bool,
}

/// How long an own write waits for its stream record before records of its wallet apply
/// again (a write the stream never shows, e.g. one that changed nothing).
pub const OWN_WAIT: Duration = Duration::from_secs(120);

impl Live {
    pub fn status(&self) -> &LiveStatus {
        &self.status
    }

    pub fn changes(&self) -> u64 {
        self.changes
    }

    pub fn last_change(&self) -> Option<Instant> {
        self.last_change
    }

    pub fn lag(&self) -> Option<Duration> {
        self.lag
    }

    pub fn calls(&self) -> u64 {
        self.calls
    }

    /// The last [`FEED_LEN`] changes, newest first.
    pub fn feed(&self) -> &VecDeque<FeedEntry> {
        &self.feed
    }

    /// This wallet's changes seen this session, newest first.
    pub fn history(&self, id: &UserId) -> impl Iterator<Item = FeedEntry> + '_ {
        let history = self.history.get(id);
        let steps = history.into_iter().flat_map(|h| h.steps.iter().map(move |s| (&h.id, s)));
        steps.map(|(id, s)| FeedEntry {
            at: s.at,
            kind: s.kind,
            user_id: id.clone(),
            old: s.old,
            new: s.new,
        })
    }

    /// Whether the row changed within [`MARK_FOR`] of `now`.
    pub fn is_marked(&self, id: &UserId, now: Instant) -> bool {
        self.marked.get(id).is_some_and(|at| now.saturating_duration_since(*at) < MARK_FOR)
    }

    /// Changes per second over the last few seconds.
    pub fn rate(&self, now: Instant) -> f64 {
        let recent =
            self.feed.iter().take_while(|e| now.saturating_duration_since(e.at) < RATE_WINDOW);
        recent.count() as f64 / RATE_WINDOW.as_secs_f64()
    }

    /// Records that `id` changed now. Only a running scan's pages read the epochs (and a
    /// scan that starts or resumes counts from its own), so with none running only the count
    /// moves.
    fn touch(&mut self, id: &UserId, scanning: bool) {
        self.epoch += 1;
        if scanning {
            self.changed_at.insert(id.clone(), self.epoch);
        }
    }

    fn record(&mut self, entry: FeedEntry) {
        let id = &entry.user_id;
        match self.marked.get_mut(id) {
            Some(at) => *at = entry.at,
            None => {
                self.marked.insert(id.clone(), entry.at);
            }
        }
        self.history_seq += 1;
        let seq = self.history_seq;
        let step = Step { at: entry.at, kind: entry.kind, old: entry.old, new: entry.new };
        let histories = &mut self.history;
        let hash = histories.hash(id);
        match histories.table.find_mut(hash, |h| h.id == *id) {
            Some(history) => {
                history.seq = seq;
                history.steps.truncate(HISTORY_LEN - 1);
                history.steps.push_front(step);
            }
            None => {
                let history = History { id: id.clone(), seq, steps: VecDeque::from([step]) };
                let hasher = &histories.hasher;
                histories.table.insert_unique(hash, history, |h| hasher.hash_one(&h.id));
            }
        }
        self.history_order.push_back((seq, hash));
        if self.history.len() > HISTORY_WALLETS {
            self.forget_histories();
        }
        // Entries of wallets changed again since are dropped once they are half the queue.
        if self.history_order.len() > 2 * self.history.len() + HISTORY_WALLETS {
            let history = &self.history;
            self.history_order.retain(|&(seq, hash)| history.is_latest(hash, seq));
        }
        self.feed.push_front(entry);
        self.feed.truncate(FEED_LEN);
    }

    /// A tenth of the histories at a time, the least recently changed first: the order queue
    /// holds every change's wallet oldest first, an entry older than its wallet's latest
    /// change is passed over.
    fn forget_histories(&mut self) {
        let mut forgotten = 0;
        while forgotten < HISTORY_WALLETS / 10 {
            let Some((seq, hash)) = self.history_order.pop_front() else { break };
            if let Ok(latest) = self.history.table.find_entry(hash, |h| h.seq == seq) {
                latest.remove();
                forgotten += 1;
            }
        }
    }
}

impl App {
    /// Read access to the session's stream state.
    pub fn live(&self) -> &Live {
        &self.session.live
    }

    /// Each tick: marks that ran out are dropped, own writes waited for too long are
    /// forgotten, and with no scan running no page needs the change epochs.
    pub(super) fn live_tick(&mut self) {
        let now = self.now;
        let running = self.session.scan.as_ref().is_some_and(|s| s.finished.is_none());
        let live = &mut self.session.live;
        live.marked.retain(|_, at| now.saturating_duration_since(*at) < MARK_FOR);
        live.own.retain(|_, (_, at)| now.saturating_duration_since(*at) < OWN_WAIT);
        if !running {
            live.changed_at.clear();
        }
    }

    /// Once the table is ACTIVE and open writes are settled, and before the scan: the tail
    /// of its stream (or the question whether the endpoint has streams at all).
    pub(super) fn due_tail(&mut self) -> Option<Request> {
        if !self.config.watch_stream || !self.session.writes_settled {
            return None;
        }
        let TableState::Present(info) = &self.session.table else { return None };
        if info.status != TableStatus::Active {
            return None;
        }
        let wanted = info.stream.as_ref().map(|s| s.arn.clone());
        let live = &mut self.session.live;
        let again = match &live.status {
            LiveStatus::Idle => true,
            // A stream that appeared (enabled here or elsewhere), or another one.
            LiveStatus::NoStream | LiveStatus::Enabling => wanted.is_some() && wanted != live.arn,
            // A tail that stopped: the table's next describe that shows a stream starts it
            // again.
            LiveStatus::Ended(_) => wanted.is_some() && live.described,
            LiveStatus::Live => wanted.is_some() && wanted != live.arn,
            LiveStatus::Opening | LiveStatus::NoApi(_) => false,
        };
        if !again {
            return None;
        }
        live.arn = wanted.clone();
        live.status = LiveStatus::Opening;
        let fetch = info.stream.as_ref().is_some_and(|s| !s.view.has_new_image());
        Some(Request::Tail { table: self.session.name.clone(), stream: wanted, fetch })
    }

    /// The scan waits while a stream is being opened, so that no change falls between.
    pub(super) fn scan_waits_for_stream(&self) -> bool {
        self.session.live.status == LiveStatus::Opening && self.session.live.arn.is_some()
    }

    /// News from the tailer.
    pub(super) fn complete_stream(&mut self, event: StreamEvent) -> Vec<Request> {
        let live = &mut self.session.live;
        match event {
            StreamEvent::Opened { .. } => {
                live.status = LiveStatus::Live;
                // Records of writes before the opening are not read: none is waited for.
                live.own.clear();
                // Opened after a scan: what changed in between is not in the list.
                if self.session.scan.is_some() {
                    self.info("stream live again: rescanning what changed meanwhile");
                    return self.relist().into_iter().collect();
                }
            }
            StreamEvent::Changes { changes, calls, lag } => {
                live.calls += calls;
                if lag.is_some() {
                    live.lag = lag;
                }
                for change in changes {
                    self.apply_change(change);
                }
            }
            StreamEvent::Gap => {
                // Records were lost: what changed is read again, as after an opening.
                live.own.clear();
                if self.session.scan.is_some() {
                    self.info("stream records were lost: rescanning what changed meanwhile");
                    return self.relist().into_iter().collect();
                }
            }
            StreamEvent::NoStream => live.status = LiveStatus::NoStream,
            StreamEvent::NoApi(why) => {
                live.status = LiveStatus::NoApi(why);
                self.info(
                    "this endpoint has no DynamoDB Streams API: no live view (all else works)",
                );
            }
            StreamEvent::Ended(err) => {
                let why = err.summary();
                // The next describe that still shows a stream tails it again.
                live.status = LiveStatus::Ended(why.clone());
                live.described = false;
                self.error(format!(
                    "stream tail stopped: {why} (tried again if the table still has a stream)"
                ));
                self.table_changed();
            }
        }
        Vec::new()
    }

    /// One stream record: the list, the feed, the wallet's history, an open form. A record
    /// older than this app's own latest write of the wallet only goes to the feed.
    fn apply_change(&mut self, change: Change) {
        let id = change.user_id;
        if change.unknown {
            // Changed, but the wallet could not be read: the row is left and marked.
            self.session.live.changes += 1;
            self.session.live.last_change = Some(self.now);
            self.session.live.marked.insert(id.clone(), self.now);
            self.info(format!("{} changed but could not be read: r rescans", id.to_text()));
            return;
        }
        let old = match &change.old {
            Some(wallet) => wallet.balance,
            None => self.session.list.find(&id).and_then(|w| w.balance),
        };
        let new = change.new.as_ref().and_then(|w| w.balance);
        if !self.older_than_own(&id, change.old.as_ref(), change.new.as_ref()) {
            self.form_follows(&id, change.new.as_ref());
            match change.new {
                Some(wallet) => self.store_wallet(wallet),
                None => self.forget_wallet(&id),
            }
        }
        let live = &mut self.session.live;
        live.changes += 1;
        live.last_change = Some(self.now);
        let entry = FeedEntry { at: self.now, kind: change.kind, user_id: id, old, new };
        live.record(entry);
        // The open feed keeps the same entry selected as new ones come in front of it.
        let last = live.feed.len().saturating_sub(1);
        if let Modal::Feed(selected) = &mut self.modal {
            *selected = (*selected + 1).min(last);
        }
    }

    /// Whether a stream record of `id` came before the record of this app's own latest
    /// write of it (which the list already shows). The own write's record (its new image is
    /// what the write left), or one after it (its old image is), ends the wait.
    fn older_than_own(&mut self, id: &UserId, old: Option<&Wallet>, new: Option<&Wallet>) -> bool {
        let own = &mut self.session.live.own;
        let Some((stored, at)) = own.get(id) else { return false };
        let ours = stored.as_ref();
        if self.now.saturating_duration_since(*at) >= OWN_WAIT || new == ours {
            own.remove(id);
            return false;
        }
        if old.is_some() && old == ours {
            own.remove(id);
            return false;
        }
        true
    }

    /// Puts a wallet as this app's own write (or its read back) left it: shown, and stream
    /// records older than it are not applied over it.
    pub(super) fn put_wallet(&mut self, wallet: Wallet) {
        self.own_write(&wallet.user_id.clone(), Some(wallet.clone()));
        self.store_wallet(wallet);
    }

    /// Takes out a wallet this app's own write found gone or deleted.
    pub(super) fn drop_wallet(&mut self, id: &UserId) {
        self.own_write(id, None);
        self.forget_wallet(id);
    }

    fn own_write(&mut self, id: &UserId, stored: Option<Wallet>) {
        let live = &mut self.session.live;
        // Only a tail that is reading will show the write's record.
        if live.status == LiveStatus::Live {
            live.own.insert(id.clone(), (stored, self.now));
        }
    }

    /// Puts a wallet as now stored in the list: no page of the running scan replaces it.
    pub(super) fn store_wallet(&mut self, wallet: Wallet) {
        let scanning = self.scanning();
        if !self.query_keeps(&wallet) {
            // Out of the query's results, not out of the table: no longer listed, still marked.
            self.session.live.touch(&wallet.user_id, scanning);
            let keep = self.selected_wallet().map(|w| w.user_id.clone());
            if self.list_drop(&wallet.user_id, false).is_some() {
                self.follow_selection(keep);
            }
            return;
        }
        self.session.live.touch(&wallet.user_id, scanning);
        let keep = self.selected_wallet().map(|w| w.user_id.clone());
        self.list_upsert(wallet);
        self.follow_selection(keep);
    }

    /// Takes a wallet that is gone out of the list: no page of the running scan brings it
    /// back.
    pub(super) fn forget_wallet(&mut self, id: &UserId) {
        let scanning = self.scanning();
        self.session.live.touch(id, scanning);
        let keep = self.selected_wallet().map(|w| w.user_id.clone());
        if self.list_remove(id).is_some() {
            self.follow_selection(keep);
        }
    }

    /// Whether a scan (or query) is running: its pages are checked against the epochs.
    fn scanning(&self) -> bool {
        self.session.scan.as_ref().is_some_and(|s| s.outcome == ScanOutcome::Running)
    }

    /// A new or resumed scan: its pages count from now.
    pub(super) fn scan_asked(&mut self) {
        self.session.live.scan_epoch = self.session.live.epoch;
    }

    /// Drops from a page every wallet changed after the page's scan was asked for: the page
    /// may have read it before the change.
    pub(super) fn keep_newer(&self, wallets: &mut Vec<Wallet>) {
        let live = &self.session.live;
        if live.epoch == live.scan_epoch {
            return;
        }
        wallets.retain(|w| live.changed_at.get(&w.user_id).is_none_or(|e| *e <= live.scan_epoch));
    }

    /// `L`: the form that enables a stream on the table once its name is typed.
    pub(super) fn open_enable_stream_form(&mut self) {
        if let Some(why) = self.write_blocked("enabling a stream") {
            return self.error(why);
        }
        let TableState::Present(info) = &self.session.table else {
            return self.error(format!("table {} does not exist", self.session.name));
        };
        if info.stream.is_some() {
            let tail = match &self.session.live.status {
                LiveStatus::Ended(_) => {
                    ": its tail stopped and is tried again at the next describe"
                }
                _ => "",
            };
            return self.info(format!("{} already has a stream{tail}", self.session.name));
        }
        if let LiveStatus::NoApi(_) = self.session.live.status {
            return self.error("this endpoint has no DynamoDB Streams API");
        }
        let name = self.session.name.clone();
        let form = Form::new(
            format!("Enable the stream of {name}"),
            vec![Field::text(super::fields::CONFIRM, "")],
        )
        .with_intro(format!(
            "UpdateTable {name}: a NEW_AND_OLD_IMAGES stream, so this app (and any other \
             reader) sees every change live. Type the table name to confirm."
        ));
        self.modal = Modal::EnableStream(form);
    }

    /// The stream was asked for: the table is watched until DescribeTable shows it.
    pub(super) fn stream_requested(&mut self) {
        self.session.live.status = LiveStatus::Enabling;
    }

    /// Keys of the activity feed: move, Enter jumps to the wallet, anything else closes.
    pub(super) fn handle_feed_key(&mut self, key: KeyEvent) -> Vec<Request> {
        let Modal::Feed(selected) = &mut self.modal else { return Vec::new() };
        let last = self.session.live.feed.len().saturating_sub(1);
        match key.code {
            KeyCode::Down | KeyCode::Char('j') => *selected = (*selected + 1).min(last),
            KeyCode::Up | KeyCode::Char('k') => *selected = selected.saturating_sub(1),
            KeyCode::Enter => {
                let chosen = self.session.live.feed.get(*selected).map(|e| e.user_id.clone());
                self.modal = Modal::None;
                if let Some(id) = chosen {
                    self.settle_keeping_selection();
                    match self.session.list.position_of(&id) {
                        Some(position) => self.select(position),
                        None => self.info(format!(
                            "{} is not in the list (removed or filtered out)",
                            id.to_text()
                        )),
                    }
                }
            }
            _ => self.modal = Modal::None,
        }
        Vec::new()
    }
}

/// The enable-stream form: the table's name typed exactly.
pub(super) fn validate_enable(form: &mut crate::form::Form, table: &str) -> Option<()> {
    form.clear_errors();
    if form.value(super::fields::CONFIRM) == table {
        return Some(());
    }
    if let Some(field) = form.field_mut(super::fields::CONFIRM) {
        field.error = Some(format!("type {table} exactly to enable its stream"));
    }
    None
}

#[cfg(test)]
mod tests;
