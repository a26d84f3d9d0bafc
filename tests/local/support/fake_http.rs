//! A plain HTTP server that is not DynamoDB (as a web dev server on port 8000 would be): it
//! answers every request `200 OK` with an HTML page and records what was asked, so a test can
//! tell that nothing was written to it.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

const PAGE: &str = "<!doctype html><html><body><h1>My web app</h1></body></html>";

/// One request as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// e.g. `POST / HTTP/1.1`
    pub request_line: String,
    /// The `X-Amz-Target` header (`DynamoDB_20120810.ListTables`), if any.
    pub target: Option<String>,
}

/// The server; stops when dropped.
pub struct FakeHttp {
    pub port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: JoinHandle<()>,
}

impl FakeHttp {
    /// Listens on a free port of 127.0.0.1.
    pub async fn start() -> FakeHttp {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
        let port = listener.local_addr().expect("local addr").port();
        let seen = Arc::<Mutex<Vec<Seen>>>::default();
        let record = seen.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, record.clone()));
            }
        });
        FakeHttp { port, seen, task }
    }

    /// The requests so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }
}

impl Drop for FakeHttp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one request (head and body) and answers it with the page; then closes.
async fn serve(stream: TcpStream, seen: Arc<Mutex<Vec<Seen>>>) {
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).await.unwrap_or(0) == 0 {
        return;
    }
    let (mut target, mut length) = (None, 0usize);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await.unwrap_or(0) == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            match name.trim().to_ascii_lowercase().as_str() {
                "x-amz-target" => target = Some(value.trim().to_string()),
                "content-length" => length = value.trim().parse().unwrap_or(0),
                _ => {}
            }
        }
    }
    let mut body = vec![0u8; length];
    let _ = reader.read_exact(&mut body).await;
    let request_line = request_line.trim().to_string();
    seen.lock().expect("lock").push(Seen { request_line, target });
    let answer = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{PAGE}",
        PAGE.len()
    );
    let mut stream = reader.into_inner();
    let _ = stream.write_all(answer.as_bytes()).await;
    let _ = stream.shutdown().await;
}
