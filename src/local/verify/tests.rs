//! Unit tests of `local/verify.rs`: what is hashed, when, and what is refused.

use std::os::unix::fs::PermissionsExt;

use super::*;
use crate::local::tests::scratch;

const ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const ABD: &str = "a52d159f262b2c6ddb724a61840befc36eb30c88877a4030b65cbe86298449c9";
const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const FILES: &[Expected] = &[("DynamoDBLocal.jar", 3, ABC), ("DynamoDBLocal_lib/lib.so", 0, EMPTY)];

/// An install matching [`FILES`].
fn install(name: &str) -> PathBuf {
    let dir = scratch(name);
    fs::create_dir_all(dir.join("DynamoDBLocal_lib")).expect("mkdir");
    fs::write(dir.join("DynamoDBLocal.jar"), b"abc").expect("jar");
    fs::write(dir.join("DynamoDBLocal_lib/lib.so"), b"").expect("lib");
    dir
}

fn rels(pending: &[Pending]) -> Vec<&str> {
    pending.iter().map(|p| p.rel).collect()
}

#[test]
fn everything_is_hashed_once_then_only_what_changed() {
    let dir = install("once");
    let mut stamp = Stamp::default();
    let todo = pending(&dir, FILES, &stamp).expect("as expected");
    assert_eq!(rels(&todo), ["DynamoDBLocal.jar", "DynamoDBLocal_lib/lib.so"]);
    hash_pending(&todo, &mut stamp).expect("hashes match");

    let stamp_file = dir.with_extension("verified.json");
    stamp.write(&stamp_file).expect("write stamp");
    let mode = fs::metadata(&stamp_file).expect("stamp").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let stamp = Stamp::read(&stamp_file);
    assert_eq!(rels(&pending(&dir, FILES, &stamp).expect("unchanged")), Vec::<&str>::new());

    // Replaced by a file with the same content: it looks different (another inode), so it is
    // hashed again, and passes.
    fs::write(dir.join("new.jar"), b"abc").expect("write");
    fs::rename(dir.join("new.jar"), dir.join("DynamoDBLocal.jar")).expect("replace");
    let todo = pending(&dir, FILES, &stamp).expect("same content");
    assert_eq!(rels(&todo), ["DynamoDBLocal.jar"]);
    hash_pending(&todo, &mut stamp.clone()).expect("still matches");
    for path in [dir.clone(), stamp_file] {
        let _ = fs::remove_dir_all(&path).or_else(|_| fs::remove_file(&path));
    }
}

#[test]
fn a_tampered_file_of_the_same_size_is_refused_naming_both_hashes() {
    let dir = install("tampered");
    let mut stamp = Stamp::default();
    hash_pending(&pending(&dir, FILES, &stamp).expect("listed"), &mut stamp).expect("good");
    fs::write(dir.join("DynamoDBLocal.jar"), b"abd").expect("tamper");
    let err = hash_pending(&pending(&dir, FILES, &stamp).expect("listed"), &mut stamp)
        .expect_err("refused");
    let expected = VerifyError::Mismatch {
        path: dir.join("DynamoDBLocal.jar"),
        expected: ABC.to_string(),
        actual: ABD.to_string(),
    };
    assert_eq!(err, expected);
    let text = err.to_string();
    assert!(text.contains(ABC) && text.contains(ABD), "{text}");
    fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn missing_and_unexpected_files_are_refused() {
    let dir = install("extra");
    fs::write(dir.join("log4j2.xml"), b"<Configuration/>").expect("extra");
    let err = pending(&dir, FILES, &Stamp::default()).expect_err("an extra file");
    assert_eq!(err, VerifyError::Unexpected(dir.join("log4j2.xml")));
    fs::remove_file(dir.join("log4j2.xml")).expect("rm");

    std::os::unix::fs::symlink("/etc/hostname", dir.join("DynamoDBLocal_lib/link")).expect("ln");
    let err = pending(&dir, FILES, &Stamp::default()).expect_err("a link");
    assert_eq!(err, VerifyError::Unexpected(dir.join("DynamoDBLocal_lib/link")));
    fs::remove_file(dir.join("DynamoDBLocal_lib/link")).expect("rm");

    fs::remove_file(dir.join("DynamoDBLocal_lib/lib.so")).expect("rm");
    let err = pending(&dir, FILES, &Stamp::default()).expect_err("a missing file");
    assert_eq!(err, VerifyError::Missing(dir.join("DynamoDBLocal_lib/lib.so")));
    fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn the_manifest_covers_the_jar_and_the_native_library() {
    let names: Vec<&str> = crate::local::manifest::FILES.iter().map(|f| f.0).collect();
    for needed in ["DynamoDBLocal.jar", "DynamoDBLocal_lib/libsqlite4java-linux-amd64.so"] {
        assert!(names.contains(&needed), "{needed}");
    }
    assert!(names.windows(2).all(|w| w[0] < w[1]), "sorted, no duplicates");
    for (name, _, hash) in crate::local::manifest::FILES {
        assert!(hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()), "{name}");
    }
}
