//! A fault-injecting HTTP/1.1 proxy between an SDK client and a local server.
//!
//! It listens on 127.0.0.1 (a free port) and relays each client connection (keep-alive: many
//! requests each) one request and its response at a time, each request on a fresh upstream
//! connection, parsing just enough HTTP/1.1 to know where a message ends (`Content-Length` or
//! chunked bodies). That lets a test count the requests by their `X-Amz-Target` header and
//! break the exchange at a precise point: forward a request but lose its response, cut the
//! requests of one operation, answer them itself with a DynamoDB error, refuse connections,
//! add latency.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::io::{self, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Largest header block accepted, so a confused parser fails instead of buffering forever.
const MAX_HEAD: usize = 64 * 1024;

/// The proxy; dropping it stops it (and closes every connection it relays).
pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    listener: Mutex<Option<JoinHandle<()>>>,
}

struct Shared {
    upstream: SocketAddr,
    /// Responses still to be lost (see [`Proxy::drop_next_response`]).
    drop_responses: AtomicUsize,
    refusing: AtomicBool,
    /// Requests whose `X-Amz-Target` contains this are cut once the count beside it, of
    /// such requests still let through, is down to 0 (see [`Proxy::cut_after`]).
    cut: Mutex<Option<(String, usize)>>,
    /// Errors the proxy answers itself (see [`Proxy::answer_with_error`]).
    errors: Mutex<Vec<InjectedError>>,
    delay: Mutex<Duration>,
    /// Responses to requests whose `X-Amz-Target` contains this are held this long after
    /// they were read (see [`Proxy::hold_responses_of`]).
    hold: Mutex<Option<(String, Duration)>>,
    /// `X-Amz-Target` of every request forwarded upstream, in order ("" when absent).
    forwarded: Mutex<Vec<String>>,
    /// Connection tasks, aborted when the proxy is dropped.
    connections: Mutex<Vec<JoinHandle<()>>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Proxy {
    /// Starts a proxy in front of `upstream` (e.g. `LocalServer::endpoint()`,
    /// `http://127.0.0.1:PORT`); panics if it cannot listen.
    pub async fn start(upstream: &str) -> Proxy {
        let hostport = upstream.strip_prefix("http://").unwrap_or(upstream).trim_end_matches('/');
        let upstream: SocketAddr = tokio::net::lookup_host(hostport)
            .await
            .unwrap_or_else(|e| panic!("proxy: cannot resolve upstream {hostport}: {e}"))
            .next()
            .unwrap_or_else(|| panic!("proxy: upstream {hostport} has no address"));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy: cannot listen");
        let addr = listener.local_addr().expect("proxy: no local address");
        let shared = Arc::new(Shared {
            upstream,
            drop_responses: AtomicUsize::new(0),
            refusing: AtomicBool::new(false),
            cut: Mutex::new(None),
            errors: Mutex::new(Vec::new()),
            delay: Mutex::new(Duration::ZERO),
            hold: Mutex::new(None),
            forwarded: Mutex::new(Vec::new()),
            connections: Mutex::new(Vec::new()),
        });
        let task = tokio::spawn(accept(listener, shared.clone()));
        Proxy { addr, shared, listener: Mutex::new(Some(task)) }
    }

    /// The URL to give a client instead of the upstream's.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The next request is forwarded and fully answered by the server, but the client's
    /// connection is then closed instead of receiving the response. Calls add up.
    pub fn drop_next_response(&self) {
        self.shared.drop_responses.fetch_add(1, Ordering::SeqCst);
    }

    /// Responses armed by [`Proxy::drop_next_response`] that have not been lost yet.
    pub fn pending_drops(&self) -> usize {
        self.shared.drop_responses.load(Ordering::SeqCst)
    }

    /// While `true`, new connections are refused (the port is closed: connection refused)
    /// and a request arriving on an open connection closes it without being forwarded.
    pub async fn refuse(&self, refuse: bool) {
        self.shared.refusing.store(refuse, Ordering::SeqCst);
        let running = lock(&self.listener).take();
        match (refuse, running) {
            (true, Some(task)) => {
                task.abort();
                // Wait until the listening socket is really closed.
                let _ = task.await;
            }
            (false, None) => {
                let listener = TcpListener::bind(self.addr)
                    .await
                    .unwrap_or_else(|e| panic!("proxy: cannot listen on {} again: {e}", self.addr));
                let task = tokio::spawn(accept(listener, self.shared.clone()));
                *lock(&self.listener) = Some(task);
            }
            (_, running) => *lock(&self.listener) = running,
        }
    }

    /// From now on, a request whose `X-Amz-Target` contains `target` (e.g. "Scan",
    /// "UpdateItem") is not forwarded: its connection is closed, as when a network dies
    /// under a call. Other requests pass. Until [`Proxy::heal`].
    pub fn cut(&self, target: &str) {
        self.cut_after(target, 0);
    }

    /// Like [`Proxy::cut`], but the next `n` such requests still pass: a cut at a precise
    /// point, whatever the timing.
    pub fn cut_after(&self, target: &str, n: usize) {
        *lock(&self.shared.cut) = Some((target.to_string(), n));
    }

    /// Ends [`Proxy::cut`].
    pub fn heal(&self) {
        *lock(&self.shared.cut) = None;
    }

    /// The next `n` requests whose `X-Amz-Target` contains `target` (e.g. ".GetItem"; the
    /// dot keeps "BatchGetItem" out) are not forwarded: the proxy answers each itself with
    /// HTTP 400 and DynamoDB's error `error_type` (e.g. "ThrottlingException"), as the
    /// awsJson1_0 protocol gives it (`__type` in a JSON body). Other requests pass.
    pub fn answer_with_error(&self, target: &str, error_type: &str, n: usize) {
        let error = InjectedError {
            target: target.to_string(),
            error_type: error_type.to_string(),
            left: n,
        };
        lock(&self.shared.errors).push(error);
    }

    /// Errors armed by [`Proxy::answer_with_error`] that have not been answered yet.
    pub fn pending_errors(&self) -> usize {
        lock(&self.shared.errors).iter().map(|e| e.left).sum()
    }

    /// Waits this long before forwarding each request (zero: no delay).
    pub fn delay(&self, delay: Duration) {
        *lock(&self.shared.delay) = delay;
    }

    /// Holds each response to a request whose `X-Amz-Target` contains `target` for `hold`
    /// after the server answered it: read at once, delivered late.
    pub fn hold_responses_of(&self, target: &str, hold: Duration) {
        *lock(&self.shared.hold) = Some((target.to_string(), hold));
    }

    /// How many forwarded requests had an `X-Amz-Target` containing `target`
    /// (e.g. "DynamoDB_20120810.UpdateItem", or "UpdateItem").
    pub fn count_requests_with(&self, target: &str) -> usize {
        lock(&self.shared.forwarded).iter().filter(|t| t.contains(target)).count()
    }

    /// The `X-Amz-Target` of every forwarded request, in order.
    pub fn forwarded(&self) -> Vec<String> {
        lock(&self.shared.forwarded).clone()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(task) = lock(&self.listener).take() {
            task.abort();
        }
        for task in lock(&self.shared.connections).drain(..) {
            task.abort();
        }
    }
}

async fn accept(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let client = match listener.accept().await {
            Ok((client, _)) => client,
            Err(e) => {
                eprintln!("[proxy] accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let task = tokio::spawn(relay(client, shared.clone()));
        let mut connections = lock(&shared.connections);
        connections.retain(|t| !t.is_finished());
        connections.push(task);
    }
}

/// Relays one client connection until either side closes it or a fault ends it.
async fn relay(client: TcpStream, shared: Arc<Shared>) {
    if let Err(e) = relay_messages(client, &shared).await {
        eprintln!("[proxy] connection ended: {e}");
    }
}

async fn relay_messages(client: TcpStream, shared: &Shared) -> io::Result<()> {
    let mut client = Peer::new(client);
    loop {
        let Some(request) = client.read_message(Direction::Request).await? else {
            return Ok(()); // The client closed the connection between requests.
        };
        if shared.refusing.load(Ordering::SeqCst) {
            return Ok(()); // Dropping both streams closes them.
        }
        let target = request.target.as_deref().unwrap_or_default();
        if let Some((cut, left)) = lock(&shared.cut).as_mut()
            && target.contains(cut.as_str())
        {
            if *left == 0 {
                eprintln!("[proxy] cutting {target}");
                return Ok(());
            }
            *left -= 1;
        }
        if let Some(error_type) = injected_error(shared, target) {
            eprintln!("[proxy] answering {target} with {error_type}");
            client.stream.write_all(&error_response(&error_type)).await?;
            continue;
        }
        let delay = *lock(&shared.delay);
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        // A fresh upstream connection per request: a kept-alive one the server may have
        // closed meanwhile could not tell "not processed" from "answer lost".
        let mut upstream = Peer::new(TcpStream::connect(shared.upstream).await?);
        lock(&shared.forwarded).push(request.target.clone().unwrap_or_default());
        upstream.stream.write_all(&request.bytes).await?;
        let response = upstream.read_message(Direction::Response).await?.ok_or_else(|| {
            io::Error::new(io::ErrorKind::UnexpectedEof, "upstream closed without answering")
        })?;
        let lose = shared
            .drop_responses
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if lose {
            eprintln!("[proxy] losing the response to {:?}", request.target);
            return Ok(());
        }
        let hold = lock(&shared.hold).clone().filter(|(t, _)| target.contains(t.as_str()));
        if let Some((_, hold)) = hold {
            tokio::time::sleep(hold).await;
        }
        client.stream.write_all(&response.bytes).await?;
        if response.until_close {
            return Ok(());
        }
    }
}

/// An error the proxy answers itself to the requests of one operation.
struct InjectedError {
    /// What the request's `X-Amz-Target` contains.
    target: String,
    /// DynamoDB's error code, e.g. "ThrottlingException".
    error_type: String,
    /// Requests still to be answered so.
    left: usize,
}

/// The error to answer a request with `target` with, if one is armed (counted as used).
fn injected_error(shared: &Shared, target: &str) -> Option<String> {
    let mut errors = lock(&shared.errors);
    let armed = errors.iter_mut().find(|e| e.left > 0 && target.contains(e.target.as_str()))?;
    armed.left -= 1;
    Some(armed.error_type.clone())
}

/// A DynamoDB error answer (awsJson1_0: HTTP 400, the error's type in the JSON body).
fn error_response(error_type: &str) -> Vec<u8> {
    let body = format!(
        r#"{{"__type":"com.amazonaws.dynamodb.v20120810#{error_type}","message":"injected by the test proxy"}}"#
    );
    let head = format!(
        "HTTP/1.1 400 Bad Request\r\nx-amzn-RequestId: test-proxy\r\n\
         Content-Type: application/x-amz-json-1.0\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    [head.into_bytes(), body.into_bytes()].concat()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Request,
    Response,
}

/// One complete HTTP/1.1 message, as raw bytes.
struct Message {
    bytes: Vec<u8>,
    /// The `X-Amz-Target` header of a request.
    target: Option<String>,
    /// A response without a length, delimited by the server closing the connection.
    until_close: bool,
}

/// One side of a relayed connection, with the bytes read but not yet relayed.
struct Peer {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Peer {
    fn new(stream: TcpStream) -> Self {
        Peer { stream, buf: Vec::new() }
    }

    /// Reads more bytes into the buffer; `false` at end of stream.
    async fn fill(&mut self) -> io::Result<bool> {
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk).await?;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n > 0)
    }

    /// Makes sure at least `n` bytes are buffered.
    async fn need(&mut self, n: usize) -> io::Result<()> {
        while self.buf.len() < n {
            if !self.fill().await? {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "stream ended mid-message",
                ));
            }
        }
        Ok(())
    }

    /// The index just past the next CRLF at or after `from`, reading as needed.
    async fn line_end(&mut self, from: usize) -> io::Result<usize> {
        let mut searched = from;
        loop {
            if let Some(i) = find(&self.buf[searched..], b"\r\n") {
                return Ok(searched + i + 2);
            }
            searched = self.buf.len().saturating_sub(1).max(from);
            if self.buf.len() - from > MAX_HEAD {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "line too long"));
            }
            self.need(self.buf.len() + 1).await?;
        }
    }

    /// Reads one whole message; `None` if the stream ends cleanly before it starts.
    async fn read_message(&mut self, direction: Direction) -> io::Result<Option<Message>> {
        // The head: everything up to the blank line.
        let head_len = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i + 4;
            }
            if self.buf.len() > MAX_HEAD {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "header block too large"));
            }
            if !self.fill().await? {
                if self.buf.is_empty() {
                    return Ok(None);
                }
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "stream ended mid-head"));
            }
        };
        let head = std::str::from_utf8(&self.buf[..head_len])
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "head is not UTF-8"))?
            .to_string();
        let mut lines = head.split("\r\n");
        let start_line = lines.next().unwrap_or_default();
        let mut content_length = None;
        let mut chunked = false;
        let mut target = None;
        for line in lines.filter(|l| !l.is_empty()) {
            let Some((name, value)) = line.split_once(':') else {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("bad header {line:?}"),
                ));
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                let n = value.parse::<usize>().map_err(|_| {
                    io::Error::new(io::ErrorKind::InvalidData, format!("bad length {value:?}"))
                })?;
                content_length = Some(n);
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.to_ascii_lowercase().split(',').any(|c| c.trim() == "chunked");
            } else if name.eq_ignore_ascii_case("x-amz-target") {
                target = Some(value.to_string());
            }
        }
        // Responses that never have a body (RFC 9112 §6.3).
        let status = start_line.split(' ').nth(1).and_then(|s| s.parse::<u16>().ok());
        let bodiless = direction == Direction::Response
            && status.is_some_and(|s| (100..200).contains(&s) || s == 204 || s == 304);
        let mut until_close = false;
        let end = if bodiless {
            head_len
        } else if chunked {
            self.chunked_end(head_len).await?
        } else if let Some(n) = content_length {
            self.need(head_len + n).await?;
            head_len + n
        } else if direction == Direction::Request {
            head_len // A request without a length has no body.
        } else {
            // A response delimited by closing the connection.
            while self.fill().await? {}
            until_close = true;
            self.buf.len()
        };
        let bytes: Vec<u8> = self.buf.drain(..end).collect();
        Ok(Some(Message { bytes, target, until_close }))
    }

    /// The end of a chunked body starting at `at`, trailers included.
    async fn chunked_end(&mut self, mut at: usize) -> io::Result<usize> {
        loop {
            let size_end = self.line_end(at).await?;
            let line = std::str::from_utf8(&self.buf[at..size_end - 2])
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))?;
            let hex = line.split(';').next().unwrap_or_default().trim();
            let size = usize::from_str_radix(hex, 16).map_err(|_| {
                io::Error::new(io::ErrorKind::InvalidData, format!("bad chunk size {line:?}"))
            })?;
            if size == 0 {
                // Trailer lines, then an empty line.
                let mut line_start = size_end;
                loop {
                    let next = self.line_end(line_start).await?;
                    if next - line_start == 2 {
                        return Ok(next);
                    }
                    line_start = next;
                }
            }
            self.need(size_end + size + 2).await?;
            at = size_end + size + 2;
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
