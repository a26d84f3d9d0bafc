//! The interceptor against a fake DynamoDB on 127.0.0.1 that answers with canned errors.

use std::time::Duration;

use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::types::AttributeValue;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;

/// A server on 127.0.0.1 that answers every request, on any connection, with `status` and
/// a JSON error of type `error_type`; it answers `max` requests at most.
async fn fake_dynamodb(error_type: &'static str, status: u16, max: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1");
    let address = listener.local_addr().expect("local address");
    let budget = Arc::new(AtomicU64::new(max as u64));
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(answer(socket, error_type, status, budget.clone()));
        }
    });
    format!("http://{address}")
}

/// Answers the requests of one connection while the budget lasts.
async fn answer(
    mut socket: tokio::net::TcpStream,
    error_type: &'static str,
    status: u16,
    budget: Arc<AtomicU64>,
) {
    let mut buffer = vec![0u8; 64 * 1024];
    let mut seen = Vec::new();
    loop {
        match socket.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => seen.extend_from_slice(&buffer[..n]),
        }
        // A whole request: the head, a blank line, then Content-Length bytes of body.
        let Some(body_at) = find(&seen, b"\r\n\r\n").map(|at| at + 4) else { continue };
        let head = String::from_utf8_lossy(&seen[..body_at]).to_ascii_lowercase();
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(0);
        if seen.len() < body_at + length {
            continue;
        }
        seen.drain(..body_at + length);
        if budget.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1)).is_err()
        {
            return;
        }
        let body = format!(
            r#"{{"__type":"com.amazonaws.dynamodb.v20120810#{error_type}","message":"canned"}}"#
        );
        let reply = format!(
            "HTTP/1.1 {status} Error\r\ncontent-type: application/x-amz-json-1.0\r\n\
             content-length: {}\r\n\r\n{body}",
            body.len()
        );
        if socket.write_all(reply.as_bytes()).await.is_err() {
            return;
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn client(endpoint: &str, max_attempts: u32) -> Client {
    let retry = RetryConfig::standard()
        .with_max_attempts(max_attempts)
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(5));
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("fake", "fake", None, None, "test"))
        .endpoint_url(endpoint)
        .retry_config(retry)
        .build();
    Client::from_conf(config)
}

async fn get(client: &Client) {
    let result = client
        .get_item()
        .table_name("t")
        .key("user_id", AttributeValue::S("u".into()))
        .send()
        .await;
    assert!(result.is_err(), "the fake only answers errors: {result:?}");
}

/// (error code, HTTP status, attempts allowed) → (retries, throttled) after one call.
#[tokio::test]
async fn retries_and_throttles_are_counted_per_attempt() {
    let cases = [
        ("ProvisionedThroughputExceededException", 400, 3, CallStats { retries: 2, throttled: 3 }),
        ("ThrottlingException", 400, 2, CallStats { retries: 1, throttled: 2 }),
        ("RequestLimitExceeded", 400, 1, CallStats { retries: 0, throttled: 1 }),
        ("InternalServerError", 500, 3, CallStats { retries: 2, throttled: 0 }),
        ("ValidationException", 400, 3, CallStats { retries: 0, throttled: 0 }),
    ];
    for (code, status, attempts, expected) in cases {
        let endpoint = fake_dynamodb(code, status, attempts as usize).await;
        let (client, mut stats) = instrument(&client(&endpoint, attempts));
        get(&client).await;
        assert_eq!(*stats.borrow_and_update(), expected, "{code}");
    }
}

#[tokio::test]
async fn counts_add_up_across_calls_and_are_published() {
    let endpoint = fake_dynamodb("ThrottlingException", 400, 4).await;
    let (client, mut stats) = instrument(&client(&endpoint, 2));
    assert!(!stats.has_changed().expect("sender alive"));
    get(&client).await;
    assert!(stats.has_changed().expect("sender alive"));
    get(&client).await;
    let expected = CallStats { retries: 2, throttled: 4 };
    assert_eq!(*stats.borrow_and_update(), expected);
}
