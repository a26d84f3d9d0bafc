//! Unit tests of `local/pidfile.rs`, with real processes standing in for the server: a shell
//! whose command line names the jar and the data directory as DynamoDB Local's would.

use std::process::{Child, Command};

use super::*;
use crate::local::tests::scratch;

/// A process whose command line holds `-jar <jar> … -dbPath <dir>`, as the server's does: a
/// shell waiting on its stdin with its `read` builtin (no child of its own to leave behind).
fn fake_server(jar: &Path, dir: &Path) -> Child {
    let child = Command::new("sh")
        .args(["-c", "read line", "java", "-jar"])
        .stdin(std::process::Stdio::piped())
        .arg(jar)
        .arg("-dbPath")
        .arg(dir)
        .spawn()
        .expect("spawn sh");
    // Until the new program's command line shows, /proc may still show the one forked from.
    let cmdline = format!("/proc/{}/cmdline", child.id());
    for _ in 0..200 {
        if fs::read(&cmdline).is_ok_and(|c| c.windows(7).any(|w| w == b"-dbPath")) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child
}

/// The pid of a process that has exited (and been reaped).
fn dead_pid() -> u32 {
    let mut child = Command::new("true").spawn().expect("spawn true");
    let pid = child.id();
    child.wait().expect("wait");
    pid
}

#[test]
fn no_pidfile_or_a_stale_one_is_nothing() {
    let dir = scratch("pid-stale");
    let jar = dir.join("DynamoDBLocal.jar");
    assert_eq!(inspect(&dir, &jar), Found::Nothing);

    let stale = PidFile::for_server(dead_pid(), 8000, &jar, &dir);
    std::mem::forget(stale.write().expect("write"));
    assert_eq!(inspect(&dir, &jar), Found::Nothing);
    assert!(!dir.join(FILE_NAME).exists(), "a stale pidfile is removed");
    fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn a_live_server_on_the_data_dir_is_never_taken_for_stale_whatever_its_jar() {
    let dir = scratch("pid-other");
    let jar = dir.join("DynamoDBLocal.jar");
    let mut server = fake_server(&dir.join("other.jar"), &dir);
    let record = PidFile::for_server(server.id(), 8000, &jar, &dir);
    std::mem::forget(record.write().expect("write"));
    // Started by this (living) process: in use, so a second server on this data is refused.
    let found = inspect(&dir, &jar);
    assert!(matches!(found, Found::InUse(_)), "another jar, same data: {found:?}");
    assert!(dir.join(FILE_NAME).exists(), "its pidfile stays");
    server.kill().expect("kill");
    server.wait().expect("reap");
    fs::remove_dir_all(&dir).expect("cleanup");
}

#[tokio::test]
async fn a_server_in_use_and_a_leftover_one() {
    let dir = scratch("pid-ours");
    let jar = dir.join("DynamoDBLocal.jar");
    let mut server = fake_server(&jar, &dir);
    let record = PidFile::for_server(server.id(), 8123, &jar, &dir);
    assert_eq!(record.owner_pid, std::process::id());
    let guard = record.write().expect("write");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &fs::metadata(dir.join(FILE_NAME)).expect("pidfile").permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
    assert_eq!(inspect(&dir, &jar), Found::InUse(record.clone()), "its owner (us) runs");

    let orphan = PidFile { owner_pid: dead_pid(), ..record };
    std::mem::forget(guard);
    std::mem::forget(orphan.write().expect("rewrite"));
    assert_eq!(inspect(&dir, &jar), Found::Leftover(orphan.clone()), "its owner is gone");

    assert!(stop(&orphan).await, "stopped");
    let status = server.wait().expect("reap");
    assert_eq!(std::os::unix::process::ExitStatusExt::signal(&status), Some(libc::SIGTERM));
    assert!(!dir.join(FILE_NAME).exists(), "its pidfile is removed");
    fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn the_guard_removes_the_pidfile() {
    let dir = scratch("pid-guard");
    let record = PidFile::for_server(std::process::id(), 1, Path::new("/x.jar"), &dir);
    let guard = record.write().expect("write");
    assert_eq!(PidFile::read(&dir), Some(record));
    drop(guard);
    assert_eq!(PidFile::read(&dir), None);
    fs::remove_dir_all(&dir).expect("cleanup");
}
