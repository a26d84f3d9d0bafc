//! The `wallet-tui` binary (the one `cargo test` builds) run by a test: in a real
//! pseudo-terminal read through a terminal emulator (vt100) as [`Tui`], or as a plain child
//! process ([`binary`]). Either way everything the app keeps (config, data, state, log) goes
//! to the test's own directory; the download cache stays shared unless the test sets
//! `WALLET_TUI_CACHE_DIR`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, PtySize, native_pty_system};

/// The first start may install DynamoDB Local into the cache (npm) and start a JVM.
pub const START_LIMIT: Duration = Duration::from_secs(240);
/// Anything else the app shows after a key press.
pub const STEP_LIMIT: Duration = Duration::from_secs(30);
const ROWS: u16 = 40;
const COLS: u16 = 140;

pub const ENTER: &str = "\r";
pub const TAB: &str = "\t";
pub const BACKSPACE: &str = "\x7f";
pub const END: &str = "\x1b[F";

/// The environment that keeps a run of the binary to `dir`.
fn isolated_env(dir: &Path) -> Vec<(String, PathBuf)> {
    let config = dir.join("config.toml");
    if !config.exists() {
        std::fs::write(&config, "").expect("an empty config");
    }
    let mut env: Vec<(String, PathBuf)> = ["XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"]
        .iter()
        .map(|var| (var.to_string(), dir.join(var.to_ascii_lowercase())))
        .collect();
    env.push(("WALLET_TUI_CONFIG".into(), config));
    env.push(("AWS_EC2_METADATA_DISABLED".into(), "true".into()));
    env
}

/// The binary as a plain child process (no terminal), kept to `dir` (see the module's notes).
pub fn binary(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wallet-tui"));
    cmd.envs(isolated_env(dir));
    cmd
}

/// The binary running in a pseudo-terminal, and what it has drawn so far.
pub struct Tui {
    pub child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    pub screen: Arc<Mutex<vt100::Parser>>,
    /// Every byte the program wrote to the terminal, as written (sequences the emulator
    /// does not keep, such as OSC 52, included).
    pub raw: Arc<Mutex<Vec<u8>>>,
    /// Keeps the pty open while the test runs (and lets the test read its settings).
    pub master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Tui {
    /// Runs the binary with `args` in a new pseudo-terminal, kept to `dir`.
    pub fn start(args: &[&str], dir: &Path) -> Tui {
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_wallet-tui"));
        cmd.args(args);
        Tui::spawn(cmd, dir)
    }

    /// Runs `cmd` (the binary, or a shell around it) in a new pseudo-terminal, kept to `dir`.
    pub fn spawn(mut cmd: CommandBuilder, dir: &Path) -> Tui {
        let pty = native_pty_system()
            .openpty(PtySize { rows: ROWS, cols: COLS, pixel_width: 0, pixel_height: 0 })
            .expect("open a pseudo-terminal");
        cmd.env("TERM", "xterm-256color");
        for (var, value) in isolated_env(dir) {
            cmd.env(var, value);
        }
        let child = pty.slave.spawn_command(cmd).expect("start wallet-tui");
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().expect("pty reader");
        let writer = pty.master.take_writer().expect("pty writer");
        let screen = Arc::new(Mutex::new(vt100::Parser::new(ROWS, COLS, 0)));
        let feed = screen.clone();
        let raw = Arc::new(Mutex::new(Vec::new()));
        let keep = raw.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 16 * 1024];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                keep.lock().expect("raw lock").extend_from_slice(&buf[..n]);
                feed.lock().expect("screen lock").process(&buf[..n]);
            }
        });
        Tui { child, writer, screen, raw, master: pty.master }
    }

    /// Waits until the bytes written so far hold `needle`; panics after `limit`.
    pub fn wait_for_bytes(&self, needle: &[u8], limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            let raw = self.raw.lock().expect("raw lock");
            if raw.windows(needle.len()).any(|w| w == needle) {
                return;
            }
            drop(raw);
            assert!(
                Instant::now() < deadline,
                "{:?} never written within {limit:?}; screen:\n{}",
                String::from_utf8_lossy(needle),
                self.contents()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn contents(&self) -> String {
        self.screen.lock().expect("screen lock").screen().contents()
    }

    pub fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).expect("type into the terminal");
        self.writer.flush().expect("flush the terminal");
        // One key at a time, as a person types: the app reads them as separate events.
        std::thread::sleep(Duration::from_millis(20));
    }

    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.send(&c.to_string());
        }
    }

    /// Waits until the screen shows `text`; panics with the screen after `limit`.
    pub fn wait_for(&mut self, text: &str, limit: Duration) {
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
    pub fn wait_exit(&mut self, limit: Duration) -> portable_pty::ExitStatus {
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

    /// Sends `signal` to the binary.
    pub fn signal(&self, signal: libc::c_int) {
        let pid = self.child.process_id().expect("a pid");
        let pid = libc::pid_t::try_from(pid).expect("a pid_t");
        // SAFETY: kill(2) on our own child's pid; no memory is involved.
        let sent = unsafe { libc::kill(pid, signal) };
        assert_eq!(sent, 0, "kill: {}", std::io::Error::last_os_error());
    }

    /// The terminal is as the program found it: main screen, cursor shown, no mouse
    /// reporting, no bracketed paste.
    pub fn assert_restored(&self) {
        let parser = self.screen.lock().expect("screen lock");
        let screen = parser.screen();
        assert!(!screen.alternate_screen(), "still on the alternate screen");
        assert!(!screen.hide_cursor(), "the cursor is still hidden");
        assert_eq!(screen.mouse_protocol_mode(), vt100::MouseProtocolMode::None, "mouse capture");
        assert!(!screen.bracketed_paste(), "bracketed paste still on");
    }

    /// Whether the terminal is in cooked mode (line editing and echo on), as a shell leaves
    /// it, not in the raw mode the UI sets.
    pub fn is_cooked(&self) -> bool {
        let fd = self.master.as_raw_fd().expect("the pty's fd");
        // SAFETY: a zeroed termios is a valid out-parameter; tcgetattr fills it.
        let mut termios: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: fd is the open pty master; on Linux it reports the slave's settings.
        let got = unsafe { libc::tcgetattr(fd, &mut termios) };
        assert_eq!(got, 0, "tcgetattr: {}", std::io::Error::last_os_error());
        termios.c_lflag & libc::ICANON != 0 && termios.c_lflag & libc::ECHO != 0
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

/// A new directory under the system temp dir, for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("wallet-tui-{name}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// True while something accepts connections on the port.
pub fn answers(port: u16) -> bool {
    TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(300)).is_ok()
}

/// Waits until nothing accepts connections on `port`; panics after `limit`.
pub fn wait_until_closed(port: u16, limit: Duration) {
    let deadline = Instant::now() + limit;
    while answers(port) {
        assert!(
            Instant::now() < deadline,
            "DynamoDB Local still answers on {port} after {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Java processes whose command line holds `needle` (e.g. `-port 1234`'s port, a data dir or
/// a cache path): pid and command line.
pub fn java_processes(needle: &str) -> Vec<(u32, String)> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let raw = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
            let args: Vec<String> =
                raw.split(|b| *b == 0).map(|a| String::from_utf8_lossy(a).into_owned()).collect();
            let line = args.join(" ");
            let java = args.first().is_some_and(|a| a.ends_with("java"));
            (java && line.contains(needle) && !is_zombie(pid)).then_some((pid, line))
        })
        .collect()
}

fn is_zombie(pid: u32) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let state = stat.rfind(')').and_then(|i| stat[i + 1..].split_whitespace().next());
    matches!(state, None | Some("Z") | Some("X"))
}

/// Waits until no java process's command line holds `needle`; panics after `limit`.
pub fn wait_until_no_java(needle: &str, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        let left = java_processes(needle);
        if left.is_empty() {
            return;
        }
        assert!(Instant::now() < deadline, "still running after {limit:?}: {left:#?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}
