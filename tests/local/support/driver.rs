//! The main loop in miniature, for tests that drive a real [`App`] against a real worker:
//! the app's requests go to the worker, the worker's responses become the app's messages.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode};
use wallet_tui::app::{App, ScanOutcome};
use wallet_tui::msg::{Msg, Request, Response, ScanId};
use wallet_tui::worker::WorkerHandle;

use super::{next_reply, send_job};

/// An [`App`] wired to a worker. Records every request the app made and counts the scan
/// (and query) pages received per scan id.
pub struct Driver<'w> {
    pub app: App,
    pub worker: &'w mut WorkerHandle,
    pub pages_received: HashMap<ScanId, u64>,
    pub sent: Vec<Request>,
}

impl<'w> Driver<'w> {
    pub fn new(worker: &'w mut WorkerHandle, app: App) -> Self {
        Driver { app, worker, pages_received: HashMap::new(), sent: Vec::new() }
    }

    /// Feeds `msg` to the app and sends the jobs it makes; returns their requests.
    pub fn update(&mut self, msg: Msg) -> Vec<Request> {
        let jobs = self.app.update(Instant::now(), msg);
        let requests: Vec<Request> = jobs.iter().map(|job| job.request.clone()).collect();
        for job in jobs {
            send_job(self.worker, job);
        }
        self.sent.extend(requests.iter().cloned());
        requests
    }

    /// A character typed without modifiers.
    pub fn key(&mut self, c: char) -> Vec<Request> {
        self.press(KeyCode::Char(c))
    }

    /// A key pressed without modifiers.
    pub fn press(&mut self, code: KeyCode) -> Vec<Request> {
        self.update(super::key(code))
    }

    /// `text` pasted into the terminal (a bracketed paste).
    pub fn paste(&mut self, text: &str) -> Vec<Request> {
        self.update(Msg::Term(Event::Paste(text.to_string())))
    }

    /// Waits for one worker response, counts it if it is a page, and feeds it to the app.
    /// A failed scan fails the test.
    pub async fn step(&mut self, deadline: Instant, what: &str) -> Response {
        let left = deadline.saturating_duration_since(Instant::now());
        let reply = next_reply(self.worker, left, what).await;
        match &reply.response {
            Response::ScanPage(page) => *self.pages_received.entry(page.id).or_default() += 1,
            Response::QueryPage(q) => *self.pages_received.entry(q.page.id).or_default() += 1,
            Response::ScanFailed { .. } => panic!("{what}: {reply:?}"),
            _ => {}
        }
        let response = reply.response.clone();
        self.update(Msg::Worker(reply));
        response
    }

    /// Steps until the app's scan is no longer running, for at most `limit`.
    pub async fn run_scan_to_end(&mut self, limit: Duration) {
        let deadline = Instant::now() + limit;
        while self.app.scan().is_none_or(|s| s.outcome == ScanOutcome::Running) {
            let what = format!(
                "the app's scan to end (scan {:?}, table {:?}, status line {:?})",
                self.app.scan(),
                self.app.table(),
                self.app.status_line()
            );
            self.step(deadline, &what).await;
        }
    }

    /// Ticks the app every 50 ms (its clock is the real one) and feeds it the worker's
    /// answers until `done` holds; panics after `limit` naming `what`.
    pub async fn tick_until(&mut self, limit: Duration, what: &str, done: impl Fn(&App) -> bool) {
        let deadline = Instant::now() + limit;
        while !done(&self.app) {
            assert!(
                Instant::now() < deadline,
                "{what}: not within {limit:?}; table {:?}, scan {:?}, status line {:?}",
                self.app.table(),
                self.app.scan(),
                self.app.status_line()
            );
            self.update(Msg::Tick);
            if let Ok(Some(reply)) =
                tokio::time::timeout(Duration::from_millis(50), self.worker.responses.recv()).await
            {
                self.update(Msg::Worker(reply));
            }
        }
    }

    /// Pages of scan `id` received so far.
    pub fn pages_of(&self, id: ScanId) -> u64 {
        self.pages_received.get(&id).copied().unwrap_or_default()
    }

    /// The scans the app asked for.
    pub fn scans_sent(&self) -> Vec<&Request> {
        self.sent.iter().filter(|r| matches!(r, Request::Scan { .. })).collect()
    }
}
