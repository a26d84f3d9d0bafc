//! Running a server process: spawning it with its output drained into a short tail (for error
//! messages), waiting until it accepts connections, and stopping it.
//!
//! A server must not outlive wallet-tui, even one killed with SIGKILL (when no code of ours
//! runs). On Linux the child asks the kernel for SIGTERM when its parent dies
//! (`PR_SET_PDEATHSIG`). The kernel means the parent *thread*, the one that forked: a tokio
//! worker or blocking-pool thread may exit while the server should go on (the blocking pool
//! retires idle threads; `block_in_place` hands a worker's role to another thread). So the
//! server is spawned from a thread of its own that lives exactly as long as the
//! [`LocalServer`], and the process dying takes that thread, and so the server, with it.

use std::collections::VecDeque;
use std::io;
use std::process::{ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use color_eyre::eyre::{Report, Result, eyre};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::pidfile::PidFileGuard;
use super::{Progress, answers};

/// How many trailing output lines of a child process are kept for error messages.
const TAIL_LINES: usize = 20;
/// How long a started server may take to accept connections.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// Interval between readiness probes.
const READY_POLL: Duration = Duration::from_millis(100);
/// How long a command run by [`run_quick`] may take.
const QUICK_TIMEOUT: Duration = Duration::from_secs(30);

/// Last lines printed by a child process (stdout and stderr interleaved), shared with the tasks
/// that drain its pipes.
type Tail = Arc<Mutex<VecDeque<String>>>;

/// A running server we started; killed (SIGKILL via tokio's `kill_on_drop`, or explicitly) and
/// reaped when dropped or on [`LocalServer::stop`].
///
/// On drop the reaping is done in the background by tokio; call [`LocalServer::stop`] to be sure
/// the process is gone (and its port closed) when it returns.
#[derive(Debug)]
pub struct LocalServer {
    name: &'static str,
    port: u16,
    // Fields drop in order: the child is killed before its pidfile goes and its thread ends.
    child: Child,
    tail: Tail,
    pidfile: Option<PidFileGuard>,
    _holder: Holder,
}

/// Keeps the thread that spawned a server alive (see the module's notes); dropping it lets
/// the thread end.
#[derive(Debug)]
struct Holder {
    _release: std::sync::mpsc::Sender<()>,
}

impl LocalServer {
    /// HTTP endpoint of the server, e.g. `http://127.0.0.1:8000`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// TCP port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Human name of the server, e.g. "DynamoDB Local".
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The server's process id (`None` once it has been reaped).
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// The last lines (at most 20) the server printed on stdout/stderr.
    pub fn recent_output(&self) -> Vec<String> {
        lock_tail(&self.tail).iter().cloned().collect()
    }

    /// Kills the server (SIGKILL) and waits until it is reaped.
    pub async fn stop(mut self) {
        // `kill` also waits; it fails only if the process was already reaped.
        if let Err(e) = self.child.kill().await {
            tracing::debug!("stopping {}: {e}", self.name);
        }
        let _ = self.child.wait().await;
    }

    /// Resolves when the process exits by itself (for a supervisor to report
    /// "DynamoDB Local exited (status ...)"). Cancel-safe: it can be used in `tokio::select!`
    /// and called again.
    pub async fn exited(&mut self) -> io::Result<ExitStatus> {
        self.child.wait().await
    }
}

/// Refuses to start the server `name` on a port where something already answers (it would
/// fail to bind, or, worse, the caller would talk to the wrong server).
pub async fn ensure_port_unused(name: &str, port: u16) -> Result<()> {
    if answers(port).await {
        Err(eyre!("cannot start {name}: port {port} is already in use"))
    } else {
        Ok(())
    }
}

/// Runs `cmd`, a server called `name` that will listen on 127.0.0.1:`port`, and waits until it
/// accepts connections: it fails early if the server exits, or after 60 s.
///
/// `cmd` is complete (program, arguments, working directory); stdin is closed, and its output
/// is kept for [`LocalServer::recent_output`] and the error messages. `spawn_error` turns a
/// failure to spawn into the message to show (e.g. "java not found: …"). On Linux the server
/// gets SIGTERM if wallet-tui dies.
pub async fn start_server(
    name: &'static str,
    port: u16,
    cmd: Command,
    spawn_error: impl FnOnce(&io::Error) -> String,
    progress: Progress<'_>,
) -> Result<LocalServer> {
    start_server_then(name, port, cmd, spawn_error, progress, |_| Ok(None)).await
}

/// [`start_server`], with `on_spawn` run as soon as the process exists (before it is ready):
/// the pidfile it returns, if any, is removed when the server stops.
pub(super) async fn start_server_then(
    name: &'static str,
    port: u16,
    cmd: Command,
    spawn_error: impl FnOnce(&io::Error) -> String,
    progress: Progress<'_>,
    on_spawn: impl FnOnce(u32) -> Result<Option<PidFileGuard>>,
) -> Result<LocalServer> {
    progress(format!("starting {name} on port {port}…"));
    let (mut server, drains) = spawn_server(name, port, cmd, spawn_error).await?;
    if let Some(pid) = server.pid() {
        server.pidfile = on_spawn(pid)?;
    }
    wait_ready(server, drains, progress).await
}

/// Runs a short command (a version check) to completion: stdin closed, killed after 30 s.
pub async fn run_quick(cmd: &mut Command) -> io::Result<Output> {
    cmd.stdin(Stdio::null()).kill_on_drop(true);
    match tokio::time::timeout(QUICK_TIMEOUT, cmd.output()).await {
        Ok(r) => r,
        Err(_) => Err(io::Error::new(io::ErrorKind::TimedOut, "timed out after 30 s")),
    }
}

/// Spawns `cmd` (see [`spawn_held`]) with its output drained into a tail buffer.
async fn spawn_server(
    name: &'static str,
    port: u16,
    mut cmd: Command,
    spawn_error: impl FnOnce(&io::Error) -> String,
) -> Result<(LocalServer, Vec<JoinHandle<()>>)> {
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
    die_with_parent(&mut cmd);
    let (mut child, holder) =
        spawn_held(name, cmd).await.map_err(|e| eyre!("{}", spawn_error(&e)))?;
    let tail: Tail = Arc::default();
    let mut drains = Vec::new();
    if let Some(out) = child.stdout.take() {
        drains.push(tokio::spawn(drain(name, out, tail.clone())));
    }
    if let Some(err) = child.stderr.take() {
        drains.push(tokio::spawn(drain(name, err, tail.clone())));
    }
    let server = LocalServer { name, port, child, tail, pidfile: None, _holder: holder };
    Ok((server, drains))
}

/// Spawns `cmd` from a new thread that then waits until the returned [`Holder`] is dropped:
/// the thread that forked a child is the parent its parent-death signal watches.
async fn spawn_held(name: &str, mut cmd: Command) -> io::Result<(Child, Holder)> {
    let runtime = tokio::runtime::Handle::try_current().map_err(io::Error::other)?;
    let (spawned_tx, spawned_rx) = tokio::sync::oneshot::channel();
    let (release, released) = std::sync::mpsc::channel::<()>();
    std::thread::Builder::new().name(format!("{name} parent")).spawn(move || {
        // The child is registered with the runtime's reaper, as if spawned on it.
        let _runtime = runtime.enter();
        let _ = spawned_tx.send(cmd.spawn());
        // Returns when the Holder (the only sender) is dropped.
        let _ = released.recv();
    })?;
    let child = spawned_rx.await.map_err(|_| io::Error::other("the spawning thread died"))??;
    Ok((child, Holder { _release: release }))
}

/// On Linux: the child gets SIGTERM when the thread that spawned it ends, which includes
/// wallet-tui dying of any signal.
#[cfg(target_os = "linux")]
fn die_with_parent(cmd: &mut Command) {
    let parent = libc::pid_t::try_from(std::process::id()).unwrap_or(0);
    // SAFETY: only async-signal-safe calls (prctl, getppid) and no allocation between fork
    // and exec.
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) == -1 {
                return Err(io::Error::last_os_error());
            }
            // If the parent died before prctl, no signal will ever come: give up now.
            if libc::getppid() != parent {
                return Err(io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent(_cmd: &mut Command) {}

/// Reads a pipe of a server until EOF, keeping the last lines in `tail`.
async fn drain(name: &'static str, reader: impl AsyncRead + Unpin, tail: Tail) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let forward = forward_lines(reader, tx);
    let collect = async {
        while let Some(line) = rx.recv().await {
            tracing::debug!(target: "wallet_tui::local", "{name}: {line}");
            push_tail(&mut lock_tail(&tail), line);
        }
    };
    tokio::join!(forward, collect);
}

/// Polls until the server accepts connections; fails early if it exits, or after 60 s.
async fn wait_ready(
    mut server: LocalServer,
    drains: Vec<JoinHandle<()>>,
    progress: Progress<'_>,
) -> Result<LocalServer> {
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        let exited =
            server.child.try_wait().map_err(|e| eyre!("cannot watch {}: {e}", server.name))?;
        if let Some(status) = exited {
            return Err(exited_early(&server, drains, status).await);
        }
        if answers(server.port).await {
            break;
        }
        if Instant::now() >= deadline {
            return Err(never_ready(server).await);
        }
        tokio::time::sleep(READY_POLL).await;
    }
    progress(format!("{} ready on {}", server.name, server.endpoint()));
    Ok(server)
}

/// The error for a server that exited before it answered, with what it printed last.
async fn exited_early(
    server: &LocalServer,
    drains: Vec<JoinHandle<()>>,
    status: ExitStatus,
) -> Report {
    // Let the drains read what the process printed last.
    for d in drains {
        let _ = tokio::time::timeout(Duration::from_secs(2), d).await;
    }
    eyre!(
        "{} exited before it was ready ({status}): {}",
        server.name,
        join_tail(server.recent_output().iter())
    )
}

/// Stops a server that did not answer in time; the error says what it printed last.
async fn never_ready(server: LocalServer) -> Report {
    let output = join_tail(server.recent_output().iter());
    let (name, port) = (server.name, server.port);
    server.stop().await;
    eyre!(
        "{name} did not accept connections on port {port} within {} s: {output}",
        READY_TIMEOUT.as_secs()
    )
}

/// Sends each non-empty line of `reader` to `tx` until EOF.
pub(super) async fn forward_lines(
    reader: impl AsyncRead + Unpin,
    tx: mpsc::UnboundedSender<String>,
) {
    let mut reader = BufReader::new(reader);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                let line = String::from_utf8_lossy(&buf).trim_end().to_string();
                if !line.is_empty() && tx.send(line).is_err() {
                    break;
                }
            }
        }
    }
}

fn lock_tail(tail: &Tail) -> MutexGuard<'_, VecDeque<String>> {
    tail.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Appends `line`, dropping the oldest beyond [`TAIL_LINES`].
pub(super) fn push_tail(tail: &mut VecDeque<String>, line: String) {
    if tail.len() == TAIL_LINES {
        tail.pop_front();
    }
    tail.push_back(line);
}

/// The kept lines as one line (error messages are one line).
pub(super) fn join_tail<'a>(lines: impl Iterator<Item = &'a String>) -> String {
    let joined = lines.map(|l| l.trim()).collect::<Vec<_>>().join(" | ");
    if joined.is_empty() { "(no output)".to_string() } else { joined }
}

#[cfg(test)]
mod tests;
