//! End to end in a real pseudo-terminal: the `wallet-tui` binary (the one `cargo test`
//! builds) runs with `--local`, so it installs (once, into the shared cache) and starts its
//! own DynamoDB Local; the test types keys into the terminal and reads the screen through a
//! terminal emulator (vt100).
//!
//! - A session creates the table, adds a wallet, edits its balance and quits; the terminal is
//!   left as it was found, DynamoDB Local is stopped, and the data is then read back with the
//!   SDK from the data dir the session wrote.
//! - SIGTERM restores the terminal and stops DynamoDB Local too.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use portable_pty::{Child, CommandBuilder, PtySize, native_pty_system};
use wallet_tui::local::{self, DynamoDbLocalOptions, Storage};

use crate::support;

/// The first start may install DynamoDB Local into the cache (npm) and start a JVM.
const START_LIMIT: Duration = Duration::from_secs(240);
/// Anything else the app shows after a key press.
const STEP_LIMIT: Duration = Duration::from_secs(30);
const ROWS: u16 = 40;
const COLS: u16 = 140;

const ENTER: &str = "\r";
const TAB: &str = "\t";
const BACKSPACE: &str = "\x7f";
const END: &str = "\x1b[F";

/// The binary running in a pseudo-terminal, and what it has drawn so far.
struct Tui {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    screen: Arc<Mutex<vt100::Parser>>,
    /// Keeps the pty open while the test runs.
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Tui {
    fn start(args: &[&str], dir: &Path) -> Tui {
        let pty = native_pty_system()
            .openpty(PtySize { rows: ROWS, cols: COLS, pixel_width: 0, pixel_height: 0 })
            .expect("open a pseudo-terminal");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_wallet-tui"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        // Everything the app keeps goes to this test's dir; the download cache stays shared.
        for var in ["XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"] {
            cmd.env(var, dir.join(var.to_ascii_lowercase()));
        }
        let config = dir.join("config.toml");
        std::fs::write(&config, "").expect("an empty config");
        cmd.env("WALLET_TUI_CONFIG", &config);
        cmd.env("AWS_EC2_METADATA_DISABLED", "true");
        let child = pty.slave.spawn_command(cmd).expect("start wallet-tui");
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().expect("pty reader");
        let writer = pty.master.take_writer().expect("pty writer");
        let screen = Arc::new(Mutex::new(vt100::Parser::new(ROWS, COLS, 0)));
        let feed = screen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 16 * 1024];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                feed.lock().expect("screen lock").process(&buf[..n]);
            }
        });
        Tui { child, writer, screen, _master: pty.master }
    }

    fn contents(&self) -> String {
        self.screen.lock().expect("screen lock").screen().contents()
    }

    fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).expect("type into the terminal");
        self.writer.flush().expect("flush the terminal");
        // One key at a time, as a person types: the app reads them as separate events.
        std::thread::sleep(Duration::from_millis(20));
    }

    fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.send(&c.to_string());
        }
    }

    /// Waits until the screen shows `text`; panics with the screen after `limit`.
    fn wait_for(&mut self, text: &str, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            if self.contents().contains(text) {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "wallet-tui exited ({status:?}) before showing {text:?}:\n{}",
                    self.contents()
                );
            }
            assert!(
                Instant::now() < deadline,
                "no {text:?} on screen within {limit:?}:\n{}",
                self.contents()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for the process to end; panics after `limit`.
    fn wait_exit(&mut self, limit: Duration) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for wallet-tui") {
                // Let the reader take in the last bytes written before the exit.
                std::thread::sleep(Duration::from_millis(200));
                return status;
            }
            assert!(Instant::now() < deadline, "wallet-tui still running after {limit:?}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The terminal is as the program found it: main screen, cursor shown, no mouse
    /// reporting, no bracketed paste.
    fn assert_restored(&self) {
        let parser = self.screen.lock().expect("screen lock");
        let screen = parser.screen();
        assert!(!screen.alternate_screen(), "still on the alternate screen");
        assert!(!screen.hide_cursor(), "the cursor is still hidden");
        assert_eq!(screen.mouse_protocol_mode(), vt100::MouseProtocolMode::None, "mouse capture");
        assert!(!screen.bracketed_paste(), "bracketed paste still on");
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("wallet-tui-{name}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// True while something accepts connections on the port.
fn answers(port: u16) -> bool {
    TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(300)).is_ok()
}

fn wait_until_closed(port: u16, limit: Duration) {
    let deadline = Instant::now() + limit;
    while answers(port) {
        assert!(
            Instant::now() < deadline,
            "DynamoDB Local still answers on {port} after {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_creates_the_table_adds_and_edits_a_wallet_and_quits_cleanly() {
    let dir = temp_dir("e2e");
    let data = dir.join("dynamodb");
    let port = local::free_port().expect("a free port").to_string();
    let table = "e2e_wallets";
    let user_id = uuid::Uuid::new_v4().to_string();
    let log = dir.join("wallet-tui.log");
    let journal = dir.join("journal.jsonl");
    let args = [
        "--local",
        "--local-port",
        &port,
        "--local-data-dir",
        data.to_str().expect("UTF-8 path"),
        "--table",
        table,
        "--log-file",
        log.to_str().expect("UTF-8 path"),
        "--journal",
        journal.to_str().expect("UTF-8 path"),
    ];
    let mut tui = Tui::start(&args, &dir);
    tui.wait_for(&format!("table {table} does not exist"), START_LIMIT);

    tui.send("c");
    tui.wait_for(&format!("Create table {table}"), STEP_LIMIT);
    tui.send(ENTER);
    tui.wait_for("ACTIVE", STEP_LIMIT);

    tui.send("n");
    tui.wait_for("New wallet", STEP_LIMIT);
    tui.send(END);
    for _ in 0..40 {
        tui.send(BACKSPACE);
    }
    tui.type_text(&user_id);
    tui.send(TAB);
    tui.send(END);
    tui.send(BACKSPACE);
    tui.type_text("12.50");
    tui.send(ENTER);
    tui.wait_for(&format!("create {user_id}: balance 12.5"), STEP_LIMIT);

    tui.send("e");
    tui.wait_for("New balance", STEP_LIMIT);
    tui.send(END);
    for _ in 0..10 {
        tui.send(BACKSPACE);
    }
    tui.type_text("99.99");
    tui.send(ENTER);
    tui.wait_for(&format!("set {user_id}: balance 99.99"), STEP_LIMIT);

    tui.send("q");
    let status = tui.wait_exit(STEP_LIMIT);
    assert!(status.success(), "exit status {status:?}");
    tui.assert_restored();
    let port: u16 = port.parse().expect("a port");
    wait_until_closed(port, Duration::from_secs(10));

    // What the session stored, read back with the SDK from the data dir it used.
    let opts = DynamoDbLocalOptions {
        port: local::free_port().expect("a free port"),
        storage: Storage::Dir(data.clone()),
        max_heap_mb: 256,
    };
    let server = local::start_dynamodb_local(&opts, &|line| eprintln!("[dynamodb-local] {line}"))
        .await
        .expect("restart DynamoDB Local on the session's data");
    let client = support::sdk_client(&server.endpoint());
    let items = support::scan_items(&client, table).await;
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0].get("user_id"), Some(&AttributeValue::S(user_id.clone())));
    assert_eq!(items[0].get("balance"), Some(&AttributeValue::N("99.99".into())));
    server.stop().await;

    let entries = wallet_tui::journal::read_all(&journal).expect("journal");
    let ops: Vec<_> = entries.iter().map(|e| (e.operation.as_str(), e.new.as_deref())).collect();
    assert_eq!(ops, [("create", Some("12.5")), ("set", Some("99.99"))]);
    std::fs::remove_dir_all(&dir).expect("remove the temp dir");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_restores_the_terminal_and_stops_dynamodb_local() {
    let dir = temp_dir("e2e-term");
    let port = local::free_port().expect("a free port");
    let port_text = port.to_string();
    let log = dir.join("wallet-tui.log");
    let args = [
        "--local",
        "--local-port",
        &port_text,
        "--local-in-memory",
        "--log-file",
        log.to_str().expect("UTF-8 path"),
    ];
    let mut tui = Tui::start(&args, &dir);
    tui.wait_for("does not exist", START_LIMIT);
    assert!(answers(port), "DynamoDB Local is up");
    {
        let parser = tui.screen.lock().expect("screen lock");
        assert!(parser.screen().alternate_screen(), "the UI draws on the alternate screen");
    }

    let pid = tui.child.process_id().expect("a pid");
    let pid = libc::pid_t::try_from(pid).expect("a pid_t");
    // SAFETY: kill(2) on our own child's pid; no memory is involved.
    let sent = unsafe { libc::kill(pid, libc::SIGTERM) };
    assert_eq!(sent, 0, "kill: {}", std::io::Error::last_os_error());
    tui.wait_exit(STEP_LIMIT);
    tui.assert_restored();
    wait_until_closed(port, Duration::from_secs(10));
    std::fs::remove_dir_all(&dir).expect("remove the temp dir");
}
