//! Loading a big table into the app, against DynamoDB Local, next to a plain
//! parallel Scan with the raw SDK in the same run.
//!
//! Run: `cargo bench --bench scan -- --users 100000` (or 1000000). The table is
//! seeded once into DynamoDB Local's data under `target/bench-dynamodb/` (or `--data-dir D`:
//! on a tmpfs such as /dev/shm seeding skips the disk's fsyncs) and reused by later runs. After
//! one scan to warm DynamoDB Local's JVM up, the contenders take turns, in another order each
//! round: the app's load path in this process, the raw scan, and with `--binary` the real
//! binary in a pseudo-terminal. Reports: raw scan time, app load time (with the client's CPU
//! time), the binary's, time to the first rows, key-press latency while loading, and the
//! process RSS.
//!
//! With `--raw-capacity` the raw scan asks for each page's consumed capacity, as the app does.
//!
//! With `--max-wallets N` the app's list is bounded (the whole-table figures computed as it
//! scans): the report adds the RSS sampled while scanning, to show it stays flat.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
mod common;

use wallet_tui::app::{App, AppConfig, ScanOutcome};
use wallet_tui::local::{self, DynamoDbLocalOptions, Storage};
use wallet_tui::msg::{Msg, ScanSpec};
use wallet_tui::ui;
use wallet_tui::ui::frames::Frames;
use wallet_tui::worker::{self, Connect, WorkerOptions, seed};

const SEGMENTS: u32 = 4;

/// Who loads the table in a round.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Turn {
    /// The app's load path in this process.
    App,
    /// A plain parallel scan with the raw SDK.
    Raw,
    /// The real binary in a pseudo-terminal (`--binary`).
    Binary,
}

struct Args {
    users: u64,
    page_limit: i32,
    rounds: usize,
    max_wallets: Option<u64>,
    /// DynamoDB Local's data directory (the seeded table is kept there between runs).
    data_dir: std::path::PathBuf,
    /// Also time the real `wallet-tui` binary in a pseudo-terminal.
    binary: bool,
    /// The raw scan asks for each page's consumed capacity, as the app does.
    raw_capacity: bool,
}

fn args() -> Args {
    let data_dir =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-dynamodb");
    let mut args = Args {
        users: 100_000,
        page_limit: 1000,
        rounds: 2,
        max_wallets: None,
        data_dir,
        binary: false,
        raw_capacity: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().and_then(|v| v.parse().ok());
        match arg.as_str() {
            "--users" => args.users = value().unwrap_or(args.users),
            "--page-limit" => args.page_limit = value().map_or(args.page_limit, |v: u64| v as i32),
            "--rounds" => args.rounds = value().map_or(args.rounds, |v: u64| v as usize),
            "--max-wallets" => args.max_wallets = value(),
            "--data-dir" => args.data_dir = it.next().map_or(args.data_dir, Into::into),
            "--binary" => args.binary = true,
            "--raw-capacity" => args.raw_capacity = true,
            _ => {} // cargo bench passes --bench
        }
    }
    args
}

/// This process's CPU time so far (user + system), in seconds.
fn cpu_secs() -> f64 {
    process_cpu_secs("self")
}

/// A process's CPU time so far (user + system, all its threads), in seconds; `pid`: a number
/// or "self".
fn process_cpu_secs(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // After the command name in parentheses: state is field 3, utime 14 and stime 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // Fields from state on: utime is the 12th, stime the 13th (0-based 11, 12).
    (ticks(11) + ticks(12)) / 100.0
}

fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

/// Plain parallel Scan with the raw SDK: count items, keep nothing.
/// With `capacity`, each page asks for its consumed capacity, as the app's do (DynamoDB Local
/// then spends more time on each page).
async fn raw_scan(
    client: &Client,
    table: &str,
    page_limit: i32,
    capacity: bool,
) -> (Duration, u64) {
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for segment in 0..SEGMENTS {
        let (client, table) = (client.clone(), table.to_string());
        tasks.spawn(async move {
            let mut start = None;
            let mut count = 0u64;
            loop {
                let out = client
                    .scan()
                    .table_name(&table)
                    .segment(segment as i32)
                    .total_segments(SEGMENTS as i32)
                    .limit(page_limit)
                    .set_return_consumed_capacity(
                        capacity.then_some(aws_sdk_dynamodb::types::ReturnConsumedCapacity::Total),
                    )
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .expect("raw scan page");
                count += out.items().len() as u64;
                start = out.last_evaluated_key().filter(|k| !k.is_empty()).cloned();
                if start.is_none() {
                    return count;
                }
            }
        });
    }
    let mut total = 0;
    while let Some(count) = tasks.join_next().await {
        total += count.expect("segment task");
    }
    (started.elapsed(), total)
}

struct AppRun {
    total: Duration,
    first_rows: Duration,
    loaded: usize,
    key_latencies: Vec<Duration>,
    frames: usize,
    /// RSS in MB with the wallets loaded.
    rss_loaded: f64,
    /// (items read, RSS in MB), sampled every tick (250 ms) while scanning.
    rss: Vec<(u64, f64)>,
}

/// The app's own path as the real loop runs it: worker scan → pages → App::update, a tick
/// every 250 ms, frames of 200×50 drawn as [`Frames`] says (at once after a key, otherwise at
/// most once a frame), and `j` pressed every 50 ms while the scan runs.
async fn app_load(
    client: &Client,
    table: &str,
    page_limit: i32,
    max_wallets: Option<u64>,
) -> AppRun {
    let mut handle =
        worker::spawn(client.clone(), WorkerOptions { read_only: true, ..Default::default() });
    let t0 = Instant::now();
    let scan_spec = ScanSpec {
        segments: SEGMENTS,
        page_limit: Some(page_limit),
        consistent: false,
        max_rcu_per_sec: None,
    };
    // The bound the binary has without `--max-wallets` (from the memory available): with
    // it, the worker computes the whole-table figures as it scans, as the binary's does.
    let max_wallets = Some(max_wallets.unwrap_or_else(wallet_tui::memory::default_max_wallets));
    let config = AppConfig { scan_spec, max_wallets, ..AppConfig::new(table, "bench") };
    let mut app = App::new(config, t0);
    let mut rss = Vec::new();
    let mut first = app.update(t0, Msg::Resized(ui::viewport(Rect::new(0, 0, 200, 50))));
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).expect("terminal");
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut key_tick = tokio::time::interval(Duration::from_millis(50));
    key_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut frames = Frames::new();
    let mut scan_started = None;
    let mut first_rows = None;
    let mut key_latencies = Vec::new();
    let mut frame_count = 0;
    let key = Msg::Term(Event::Key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE)));
    first.extend(app.update(Instant::now(), Msg::Tick));
    for job in first {
        handle.requests.send(job).expect("worker");
    }
    // Draws a frame; the first one with rows in it sets `first_rows`.
    let mut draw = |app: &App, frames: &mut Frames, scan_started: Option<Instant>| {
        terminal.draw(|f| ui::render(app, f)).expect("draw");
        frames.drawn(Instant::now());
        frame_count += 1;
        if first_rows.is_none() && app.list().loaded() > 0 {
            first_rows = scan_started.map(|s| s.elapsed());
        }
    };
    draw(&app, &mut frames, None);
    loop {
        let due = frames.due();
        let frame_due =
            tokio::time::sleep_until(due.map_or_else(tokio::time::Instant::now, Into::into));
        let msg = tokio::select! {
            Some(response) = handle.responses.recv() => Msg::Worker(response),
            _ = tick.tick() => Msg::Tick,
            _ = key_tick.tick(), if scan_started.is_some() => key.clone(),
            () = frame_due, if due.is_some() => {
                draw(&app, &mut frames, scan_started);
                continue;
            }
        };
        let is_key = matches!(msg, Msg::Term(_));
        if matches!(msg, Msg::Tick)
            && let Some(scan) = app.scan()
        {
            rss.push((scan.scanned, rss_mb()));
        }
        let handled = Instant::now();
        let mut requests = app.update(handled, msg);
        // As the real loop does: take the responses already waiting, then draw once.
        for _ in 0..64 {
            let Ok(response) = handle.responses.try_recv() else { break };
            requests.extend(app.update(Instant::now(), Msg::Worker(response)));
        }
        // A table bigger than the bound: the question before scanning, answered "continue".
        if matches!(app.modal(), wallet_tui::app::Modal::Bound(_)) {
            let c = Msg::Term(Event::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::NONE)));
            requests.extend(app.update(Instant::now(), c));
        }
        for request in requests {
            if matches!(request.request, wallet_tui::msg::Request::Scan { .. }) {
                scan_started = Some(Instant::now());
            }
            handle.requests.send(request).expect("worker");
        }
        if frames.changed(Instant::now(), is_key) {
            draw(&app, &mut frames, scan_started);
        }
        if is_key {
            key_latencies.push(handled.elapsed());
        }
        if let Some(scan) = &app.scan()
            && scan.outcome != ScanOutcome::Running
        {
            assert_eq!(scan.outcome, ScanOutcome::Complete, "scan failed");
            break;
        }
    }
    let total = scan_started.map_or(Duration::ZERO, |s| s.elapsed());
    let loaded = app.list().loaded();
    handle.shutdown();
    // RSS with the wallets loaded; then the app goes, so later rounds (the raw scan's among
    // them) do not run in a heap grown by every round before.
    let rss_loaded = rss_mb();
    drop(app);
    AppRun {
        total,
        first_rows: first_rows.unwrap_or_default(),
        loaded,
        key_latencies,
        frames: frame_count,
        rss_loaded,
        rss,
    }
}

/// The real binary's load of the table.
struct BinaryRun {
    /// From the process's start until the screen shows the scan complete.
    total: Duration,
    /// From its scan's start (the worker's log line) until then: what the raw scan is
    /// compared with. (Before it: start-up and DescribeTable, ~0.3 s on DynamoDB Local with
    /// 1M items, which counts them.)
    scan: Duration,
    /// Its CPU time then (from /proc).
    cpu: f64,
}

/// The real `wallet-tui` binary (release, built by `cargo bench`) in a 200×50 pseudo-terminal,
/// attached to the bench's DynamoDB Local (`--local --local-port`), read-only, with the same
/// segments and `Limit`. The screen is read through a terminal emulator (vt100) on another
/// thread, as a terminal would.
fn binary_load(port: u16, table: &str, page_limit: i32, users: u64) -> BinaryRun {
    use portable_pty::{CommandBuilder, PtySize, native_pty_system};
    use std::io::Read;
    let temp = TempDir::new();
    let dir = temp.0.clone();
    let pty = native_pty_system()
        .openpty(PtySize { rows: 50, cols: 200, pixel_width: 0, pixel_height: 0 })
        .expect("a pseudo-terminal");
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_wallet-tui"));
    let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
    cmd.args([
        "--local",
        "--local-port",
        &port.to_string(),
        "--table",
        table,
        "--read-only",
        "--scan-segments",
        &SEGMENTS.to_string(),
        "--scan-page-limit",
        &page_limit.to_string(),
        "--log-file",
        &path("log"),
        "--journal",
        &path("journal.jsonl"),
    ]);
    cmd.env("TERM", "xterm-256color");
    // The worker's "scan" line says when the scan started.
    cmd.env("WALLET_TUI_LOG", "info,wallet_tui::worker::scan=debug");
    std::fs::write(dir.join("config.toml"), "").expect("config");
    cmd.env("WALLET_TUI_CONFIG", dir.join("config.toml"));
    for var in ["XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"] {
        cmd.env(var, dir.join(var.to_ascii_lowercase()));
    }
    let started = Instant::now();
    let child = pty.slave.spawn_command(cmd).expect("start wallet-tui");
    let mut child = KillOnDrop(child);
    drop(pty.slave);
    let pid = child.0.process_id().expect("pid");
    let mut reader = pty.master.try_clone_reader().expect("pty reader");
    let mut writer = pty.master.take_writer().expect("pty writer");
    // The list's title once the scan is complete: "Wallets · 1,000,000 loaded · … · complete".
    let done = format!("{} loaded", wallet_tui::text::group(users));
    let (tx, rx) = std::sync::mpsc::channel();
    let screen = std::sync::Arc::new(std::sync::Mutex::new(vt100::Parser::new(50, 200, 0)));
    let feed = screen.clone();
    let wanted = done.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 64 * 1024];
        let mut seen = false;
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            let mut screen = feed.lock().expect("screen");
            screen.process(&buf[..n]);
            let contents = screen.screen().contents();
            if !seen && contents.contains(&wanted) && contents.contains(" · complete · ") {
                seen = true;
                let _ = tx.send((started.elapsed(), std::time::SystemTime::now()));
            }
        }
    });
    let (total, done_at) = rx.recv_timeout(Duration::from_secs(120)).unwrap_or_else(|_| {
        let contents = screen.lock().expect("screen").screen().contents();
        panic!("no {done:?} on screen:\n{contents}")
    });
    let cpu = process_cpu_secs(&pid.to_string());
    writer.write_all(b"q").expect("quit");
    writer.flush().expect("flush");
    let quit_by = Instant::now() + Duration::from_secs(30);
    while child.0.try_wait().expect("wait for wallet-tui").is_none() {
        assert!(Instant::now() < quit_by, "wallet-tui did not quit on q");
        std::thread::sleep(Duration::from_millis(20));
    }
    let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
    let scan_line = log.lines().find(|l| l.contains("wallet_tui::worker::scan: scan id="));
    let scan_at = scan_line.and_then(|l| second_of_day(l.split_whitespace().next()?));
    let since_midnight = |t: std::time::SystemTime| {
        t.duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64() % 86_400.0)
    };
    let scan_at = scan_at.expect("the scan's start in the binary's log");
    let scan = (since_midnight(done_at) - scan_at).rem_euclid(86_400.0);
    BinaryRun { total, scan: Duration::from_secs_f64(scan), cpu }
}

/// A temporary directory, removed when dropped (a failed run too).
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let name = format!("wallet-tui-bench-{}", uuid::Uuid::new_v4().simple());
        let dir = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The binary's process, killed if the run fails before it quit.
struct KillOnDrop(Box<dyn portable_pty::Child + Send + Sync>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// The second of the day of a log line's UTC timestamp (`2026-12-03T16:31:58.421927Z`).
fn second_of_day(stamp: &str) -> Option<f64> {
    let time = stamp.split_once('T')?.1.trim_end_matches('Z');
    let mut parts = time.split(':');
    let (h, m, s) = (parts.next()?, parts.next()?, parts.next()?);
    Some(h.parse::<f64>().ok()? * 3600.0 + m.parse::<f64>().ok()? * 60.0 + s.parse::<f64>().ok()?)
}

async fn ensure_seeded(client: &Client, table: &str, users: u64) {
    let have = common::count_items(client, table).await.unwrap_or(0);
    if have >= users {
        eprintln!("table {table} already holds {have} wallets");
        return;
    }
    let progress = |p: seed::SeedProgress| eprint!("\rseeding {table}: {}/{}", p.written, p.total);
    let report = seed::seed(client, table, users - have, 8, &progress).await.expect("seed");
    eprintln!("\nseeded {} wallets in {:.1} s", report.written, report.elapsed.as_secs_f64());
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let args = args();
    let port = local::free_port().expect("port");
    let options = DynamoDbLocalOptions {
        port,
        storage: Storage::Dir(args.data_dir.clone()),
        max_heap_mb: 4096,
        delay_transient_statuses: false,
    };
    let server = local::start_dynamodb_local(&options, &|l| eprintln!("{l}")).await.expect("start");
    let connect = Connect {
        endpoint_url: Some(server.endpoint()),
        local: true,
        timeouts: worker::Timeouts {
            operation: Duration::from_secs(120),
            attempt: Duration::from_secs(60),
            ..Default::default()
        },
        ..Default::default()
    };
    let client = Client::new(&worker::load_sdk_config(&connect).await);
    let table = format!("bench_wallets_{}", args.users);
    ensure_seeded(&client, &table, args.users).await;

    let binary = args.binary && args.max_wallets.is_none();
    if args.binary && !binary {
        eprintln!("--binary times full loads: not with --max-wallets");
    }
    // DynamoDB Local's JVM is slow until warm: one scan first, not counted.
    let (warm_up, _) = raw_scan(&client, &table, args.page_limit, args.raw_capacity).await;
    eprintln!("warm-up scan (not counted): {:.2} s", warm_up.as_secs_f64());
    let rss_before = rss_mb();
    let mut app_runs = Vec::new();
    let mut raw_runs = Vec::new();
    let mut binary_runs = Vec::new();
    let mut rss_loaded = 0.0;
    for round in 0..args.rounds {
        // Every order in turn (6 with the binary, 2 without), so no contender always goes
        // first or always follows the same one.
        let orders: &[&[Turn]] = if binary {
            &[
                &[Turn::App, Turn::Raw, Turn::Binary],
                &[Turn::Binary, Turn::Raw, Turn::App],
                &[Turn::Raw, Turn::Binary, Turn::App],
                &[Turn::App, Turn::Binary, Turn::Raw],
                &[Turn::Binary, Turn::App, Turn::Raw],
                &[Turn::Raw, Turn::App, Turn::Binary],
            ]
        } else {
            &[&[Turn::App, Turn::Raw], &[Turn::Raw, Turn::App]]
        };
        for &turn in orders[round % orders.len()] {
            let cpu = cpu_secs();
            if turn == Turn::Binary {
                let run = binary_load(port, &table, args.page_limit, args.users);
                eprintln!(
                    "bin  round {round}: {} wallets in {:.2} s, its scan {:.2} s (its CPU {:.2} s; the emulator's {:.2} s)",
                    args.users,
                    run.total.as_secs_f64(),
                    run.scan.as_secs_f64(),
                    run.cpu,
                    cpu_secs() - cpu
                );
                binary_runs.push(run);
            } else if turn == Turn::App {
                let run = app_load(&client, &table, args.page_limit, args.max_wallets).await;
                if app_runs.is_empty() {
                    rss_loaded = run.rss_loaded;
                }
                eprintln!(
                    "app  round {round}: {} wallets in {:.2} s (client CPU {:.2} s), first rows after {} ms",
                    run.loaded,
                    run.total.as_secs_f64(),
                    cpu_secs() - cpu,
                    run.first_rows.as_millis()
                );
                app_runs.push(run);
            } else {
                let (elapsed, count) =
                    raw_scan(&client, &table, args.page_limit, args.raw_capacity).await;
                eprintln!(
                    "raw  round {round}: {count} items in {:.2} s (client CPU {:.2} s)",
                    elapsed.as_secs_f64(),
                    cpu_secs() - cpu
                );
                raw_runs.push(elapsed);
            }
        }
    }
    let best_app = app_runs.iter().map(|r| r.total).min().unwrap_or_default();
    let best_raw = raw_runs.iter().copied().min().unwrap_or_default();
    let mut keys: Vec<Duration> = app_runs.iter().flat_map(|r| r.key_latencies.clone()).collect();
    keys.sort();
    let first_rows: Vec<u128> = app_runs.iter().map(|r| r.first_rows.as_millis()).collect();
    let frames: usize = app_runs.iter().map(|r| r.frames).sum();
    println!("wallets                 {}", args.users);
    println!("page limit / segments   {} / {SEGMENTS}", args.page_limit);
    println!("raw SDK scan (best)     {:.2} s", best_raw.as_secs_f64());
    println!("app load (best)         {:.2} s", best_app.as_secs_f64());
    println!("app / raw               {:.2}", best_app.as_secs_f64() / best_raw.as_secs_f64());
    if let Some(total) = binary_runs.iter().map(|r| r.total).min() {
        let scan = binary_runs.iter().map(|r| r.scan).min().unwrap_or_default();
        println!("binary: start → complete (best) {:.2} s", total.as_secs_f64());
        println!("binary: its scan (best) {:.2} s", scan.as_secs_f64());
        println!("binary scan / raw       {:.2}", scan.as_secs_f64() / best_raw.as_secs_f64());
    }
    println!("first rows after        {first_rows:?} ms");
    println!(
        "key press + redraw      p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} presses, {frames} frames)",
        percentile(&keys, 0.5).as_secs_f64() * 1e3,
        percentile(&keys, 0.99).as_secs_f64() * 1e3,
        keys.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        keys.len()
    );
    println!("RSS before / loaded     {rss_before:.0} MB / {rss_loaded:.0} MB");
    if let Some(bound) = args.max_wallets {
        let samples = &app_runs[0].rss;
        let peak = samples.iter().map(|s| s.1).fold(0.0, f64::max);
        let at = |share: u64| {
            let want = args.users * share / 4;
            // The scan can end between two samples: the last one stands for 100 %.
            samples.iter().find(|s| s.0 >= want).or(samples.last()).map_or(0.0, |s| s.1)
        };
        println!(
            "bounded at {bound}: RSS while scanning at 25/50/75/100 % {:.0} / {:.0} / {:.0} / {:.0} MB, peak {peak:.0} MB",
            at(1),
            at(2),
            at(3),
            at(4)
        );
    }
    server.stop().await;
}
