//! Unit tests of `private.rs`: modes at creation and tightening.

use std::io::Write as _;

use super::*;

/// A fresh directory under the system temp dir, removed by the caller.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir()
        .join(format!("wallet-tui-private-{name}-{}", uuid::Uuid::new_v4().simple()));
    fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).expect("metadata").permissions().mode() & 0o7777
}

#[test]
fn new_dirs_and_files_are_owner_only() {
    let root = scratch("create");
    let file = root.join("a/b/c/journal.jsonl");
    create_parent(&file).expect("create dirs");
    for dir in ["a", "a/b", "a/b/c"] {
        assert_eq!(mode(&root.join(dir)), DIR_MODE, "{dir}");
    }
    let mut f = open_options().create(true).append(true).open(&file).expect("create file");
    f.write_all(b"x").expect("write");
    assert_eq!(mode(&file), FILE_MODE);
    fs::remove_dir_all(&root).expect("cleanup");
}

#[test]
fn existing_parents_are_left_alone() {
    let root = scratch("parents");
    fs::set_permissions(&root, Permissions::from_mode(0o755)).expect("chmod");
    create_dir_all(&root.join("inner")).expect("create");
    assert_eq!(mode(&root), 0o755, "an existing parent is the user's choice");
    assert_eq!(mode(&root.join("inner")), DIR_MODE);
    fs::remove_dir_all(&root).expect("cleanup");
}

#[test]
fn wide_files_and_dirs_are_tightened_once() {
    let root = scratch("tighten");
    let file = root.join("journal.jsonl");
    fs::write(&file, b"{}").expect("write");
    for (path, wide, narrow) in [(&file, 0o644, 0o600), (&root, 0o755, 0o700)] {
        fs::set_permissions(path, Permissions::from_mode(wide)).expect("chmod");
        let tightened = tighten(path).expect("tighten");
        assert_eq!(tightened, Some(Tightened { path: path.clone(), from: wide, to: narrow }));
        assert_eq!(mode(path), narrow);
        assert_eq!(tighten(path).expect("again"), None, "already private: nothing to say");
    }
    fs::set_permissions(&file, Permissions::from_mode(0o640)).expect("chmod");
    assert_eq!(
        tighten_or_warn(&file, "journal").as_deref(),
        Some("journal made owner-only (was 0640)")
    );
    assert_eq!(tighten_or_warn(&file, "journal"), None, "said once");
    fs::remove_dir_all(&root).expect("cleanup");
}

#[test]
fn tightening_keeps_the_owner_bits() {
    let root = scratch("owner");
    let file = root.join("read-only");
    fs::write(&file, b"x").expect("write");
    fs::set_permissions(&file, Permissions::from_mode(0o444)).expect("chmod");
    let tightened = tighten(&file).expect("tighten").expect("was wide");
    assert_eq!((tightened.from, tightened.to), (0o444, 0o400));
    assert_eq!(
        tightened.to_string(),
        format!("{} was readable by other users (mode 0444): now 0400", file.display())
    );
    fs::remove_dir_all(&root).expect("cleanup");
}

#[test]
fn a_missing_path_has_nothing_to_tighten() {
    let root = scratch("missing");
    assert_eq!(tighten(&root.join("nope")).expect("no error"), None);
    assert_eq!(tighten_or_warn(&root.join("nope"), "journal"), None);
    fs::remove_dir_all(&root).expect("cleanup");
}
