//! The live view's cost: 1000 stream changes per second applied to a list of 1M wallets
//! (modifies, with some inserts and removes), through `App::update` as the main loop feeds
//! them, with the loop's ticks (which re-sort a sorted view) and a 200×50 frame drawn every
//! 16 ms. Reports the UI time per change and the frame render times, in scan order and
//! sorted by balance. The UI time per change is given by the wall clock and as CPU time (the
//! same on a quiet machine; on a busy one the wall clock counts the waits for a core).
//! Run: `cargo bench --bench live` (`-- --wallets N --seconds S` to change the sizes,
//! `--only 0|1` for one mode, `--no-render` to profile the changes alone, `--uuid` for UUID
//! user_ids instead of `user-00000042`).

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use wallet_tui::app::{App, AppConfig};
use wallet_tui::balance::Balance;
use wallet_tui::msg::{Msg, Reply, Response, ScanPage};
use wallet_tui::stream::{Change, ChangeKind, StreamEvent, StreamInfo, StreamView};
use wallet_tui::table::{AttributeDef, BillingMode, KeyElement, TableInfo, TableStatus};
use wallet_tui::ui;
use wallet_tui::wallet::{UserId, Wallet};

/// Wallet `i`'s id: `user-00000042`, or with `--uuid` a UUID (stored packed, no heap).
fn id(i: usize) -> UserId {
    match UUIDS.load(std::sync::atomic::Ordering::Relaxed) {
        true => UserId::new(&format!("{i:08x}-0000-4000-8000-{:012x}", i * 7)),
        false => UserId::new(&format!("user-{i:08}")),
    }
}

static UUIDS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn wallet(i: usize, cents: u64) -> Wallet {
    let balance = format!("{}.{:02}", cents / 100, cents % 100);
    Wallet { user_id: id(i), balance: Balance::parse(&balance).ok(), extra: Default::default() }
}

fn reply(response: Response) -> Msg {
    Msg::Worker(Reply { session: 1, response })
}

/// A live app with `n` wallets loaded, sorted with `s` pressed `sorts` times.
fn loaded_app(n: usize, sorts: usize, now: Instant) -> App {
    let config = AppConfig { watch_stream: true, ..AppConfig::new("user_wallet", "bench") };
    let mut app = App::new(config, now);
    app.update(now, Msg::Tick);
    app.update(
        now,
        reply(Response::WritesResolved { table: "user_wallet".into(), result: Ok(vec![]) }),
    );
    let stream = StreamInfo { arn: "arn:stream".into(), view: StreamView::NewAndOldImages };
    let info = TableInfo {
        name: "user_wallet".into(),
        status: TableStatus::Active,
        key_schema: vec![KeyElement { name: "user_id".into(), key_type: "HASH".into() }],
        attributes: vec![AttributeDef { name: "user_id".into(), attr_type: "S".into() }],
        billing: BillingMode::OnDemand,
        item_count: Some(n as i64),
        size_bytes: Some(n as i64 * 60),
        created: None,
        arn: None,
        indexes: vec![],
        decreases_today: None,
        stream: Some(stream),
    };
    app.update(
        now,
        reply(Response::Described { table: "user_wallet".into(), result: Ok(Some(info)) }),
    );
    app.update(now, reply(Response::Stream(StreamEvent::Opened { shards: 1 })));
    let wallets = (0..n).map(|i| wallet(i, (i as u64 * 7919) % 1_000_000)).collect();
    let page = ScanPage {
        id: 1,
        segment: 0,
        scanned: n as u64,
        wallets,
        skipped: 0,
        consumed_rcu: None,
        next: None,
        figures: None,
    };
    app.update(now, reply(Response::ScanPage(page)));
    // The scan's other segments end empty: the scan is complete, as after a load.
    for segment in 1..4 {
        let page = ScanPage {
            id: 1,
            segment,
            scanned: 0,
            wallets: vec![],
            skipped: 0,
            consumed_rcu: None,
            next: None,
            figures: None,
        };
        app.update(now, reply(Response::ScanPage(page)));
    }
    assert!(app.scan().is_some_and(|s| s.finished.is_some()), "the load is complete");
    app.update(now, Msg::Resized(ui::viewport(Rect::new(0, 0, 200, 50))));
    let s = Msg::Term(crossterm::event::Event::Key(crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char('s'),
        crossterm::event::KeyModifiers::NONE,
    )));
    for _ in 0..sorts {
        app.update(now, s.clone());
    }
    app.update(now + Duration::from_secs(1), Msg::Tick);
    app
}

/// The `k`-th change: mostly modifies of existing wallets, every 50th an insert, every
/// 50th (offset) a remove.
fn change(k: usize, n: usize) -> Change {
    let i = (k * 104_729) % n;
    let (kind, id_number, new) = match k % 50 {
        0 => (ChangeKind::Insert, n + k, Some(wallet(n + k, k as u64))),
        25 => (ChangeKind::Remove, i, None),
        _ => (ChangeKind::Modify, i, Some(wallet(i, (k as u64 * 31) % 1_000_000))),
    };
    Change { kind, user_id: id(id_number), old: None, new, sequence: k.to_string(), unknown: false }
}

/// CPU time of this thread: unlike the wall clock, not inflated when other processes share
/// the cores.
fn cpu_time() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes only into `ts`.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

struct Figures {
    /// CPU time of every change and tick, added up.
    cpu: Duration,
    per_change: Vec<Duration>,
    ticks: Vec<Duration>,
    renders: Vec<Duration>,
}

/// `seconds` simulated seconds of 1000 changes/s, a tick every 250 ms and a frame every
/// 16 ms (simulated clock; the work itself is timed for real).
fn run(app: &mut App, n: usize, seconds: usize, start: Instant, draw: bool) -> Figures {
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).expect("terminal");
    let mut figures =
        Figures { cpu: Duration::ZERO, per_change: vec![], ticks: vec![], renders: vec![] };
    for ms in 0..seconds * 1000 {
        let now = start + Duration::from_millis(ms as u64);
        let event = StreamEvent::Changes { changes: vec![change(ms, n)], calls: 1, lag: None };
        let (t, cpu) = (Instant::now(), cpu_time());
        app.update(now, reply(Response::Stream(event)));
        figures.per_change.push(t.elapsed());
        figures.cpu += cpu_time() - cpu;
        if ms % 250 == 0 {
            let (t, cpu) = (Instant::now(), cpu_time());
            app.update(now, Msg::Tick);
            figures.ticks.push(t.elapsed());
            figures.cpu += cpu_time() - cpu;
        }
        if draw && ms % 16 == 0 {
            let t = Instant::now();
            terminal.draw(|frame| ui::render(app, frame)).expect("draw");
            figures.renders.push(t.elapsed());
        }
    }
    figures
}

fn percentile(values: &mut [Duration], p: f64) -> Duration {
    values.sort();
    if values.is_empty() {
        return Duration::ZERO;
    }
    values[((values.len() - 1) as f64 * p) as usize]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str, default: usize| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let n = arg("--wallets", 1_000_000);
    let seconds = arg("--seconds", 3);
    // `--only 0` or `--only 1`: just scan order or just balance ↑ (to profile one).
    let only = arg("--only", usize::MAX);
    // `--no-render`: no frames (so a profile of a long run shows the changes' own work).
    let draw = !args.iter().any(|a| a == "--no-render");
    UUIDS.store(args.iter().any(|a| a == "--uuid"), std::sync::atomic::Ordering::Relaxed);
    let modes = [("scan order", 0), ("balance ↑", 3)];
    for (_, &(label, sorts)) in modes.iter().enumerate().filter(|(m, _)| only > 1 || *m == only) {
        let start = Instant::now();
        let mut app = loaded_app(n, sorts, start);
        let mut f = run(&mut app, n, seconds, start + Duration::from_secs(2), draw);
        let changes = f.per_change.len() as u32;
        let total: Duration =
            f.per_change.iter().sum::<Duration>() + f.ticks.iter().sum::<Duration>();
        println!(
            "{n} wallets, {label}: {changes} changes in {seconds} s: UI time per change \
             (apply + its share of ticks) {:.2} µs, CPU {:.2} µs; apply p50 {:.2} µs p99 {:.2} µs max {:.1} µs; \
             tick p50 {:.2} ms max {:.2} ms; render p50 {:.3} ms p99 {:.3} ms",
            total.as_secs_f64() * 1e6 / f64::from(changes),
            f.cpu.as_secs_f64() * 1e6 / f64::from(changes),
            percentile(&mut f.per_change, 0.5).as_secs_f64() * 1e6,
            percentile(&mut f.per_change, 0.99).as_secs_f64() * 1e6,
            percentile(&mut f.per_change, 1.0).as_secs_f64() * 1e6,
            percentile(&mut f.ticks, 0.5).as_secs_f64() * 1e3,
            percentile(&mut f.ticks, 1.0).as_secs_f64() * 1e3,
            percentile(&mut f.renders, 0.5).as_secs_f64() * 1e3,
            percentile(&mut f.renders, 0.99).as_secs_f64() * 1e3,
        );
    }
}
