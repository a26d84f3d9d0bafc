//! Finding Java and checking that it is 17 or newer, which DynamoDB Local needs.

use std::io;
use std::path::{Path, PathBuf};

use color_eyre::eyre::{Result, eyre};
use tokio::process::Command;

use super::run_quick;

/// Minimum Java major version DynamoDB Local runs on.
const MIN_JAVA_MAJOR: u32 = 17;
const JAVA_HINT: &str =
    "DynamoDB Local needs Java 17+ (e.g. apt-get install openjdk-17-jre-headless)";

/// `$JAVA_HOME/bin/java` if that exists, else `java` from `PATH`.
pub(super) fn java_command() -> PathBuf {
    if let Some(home) = std::env::var_os("JAVA_HOME").filter(|h| !h.is_empty()) {
        let java = Path::new(&home).join("bin").join("java");
        if java.is_file() {
            return java;
        }
    }
    PathBuf::from("java")
}

/// Runs `java -version` and refuses a missing java or one older than 17.
pub(super) async fn check_java(java: &Path) -> Result<()> {
    let text = java_version_output(java).await?;
    match parse_java_major(&text) {
        Some(major) if major < MIN_JAVA_MAJOR => Err(eyre!(
            "java {major} found ({}), but {JAVA_HINT}; put a newer java first on PATH or set JAVA_HOME",
            java.display()
        )),
        Some(_) => Ok(()),
        None => {
            // Unusual build: let DynamoDB Local itself tell if it cannot run.
            tracing::warn!("could not read the Java version from: {}", text.trim());
            Ok(())
        }
    }
}

/// The error message when java could not be spawned.
pub(super) fn spawn_error(e: &io::Error) -> String {
    if e.kind() == io::ErrorKind::NotFound {
        format!("java not found: {JAVA_HINT}")
    } else {
        format!("cannot run java: {e}")
    }
}

/// What `java -version` printed, stderr (where it writes) then stdout.
async fn java_version_output(java: &Path) -> Result<String> {
    let out = run_quick(Command::new(java).arg("-version")).await.map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            eyre!("java not found: {JAVA_HINT}")
        } else {
            eyre!("cannot run {} -version: {e}", java.display())
        }
    })?;
    Ok(format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    ))
}

/// Java major version from `java -version` output: `openjdk version "17.0.15"` → 17,
/// `java version "1.8.0_392"` → 8, `openjdk version "21" 2023-09-19` → 21.
fn parse_java_major(output: &str) -> Option<u32> {
    output.lines().find_map(|line| {
        let rest = &line[line.find(" version \"")? + " version \"".len()..];
        let version = &rest[..rest.find('"')?];
        let mut parts = version.split(['.', '_', '-', '+']);
        let first: u32 = parts.next()?.parse().ok()?;
        if first == 1 { parts.next()?.parse().ok() } else { Some(first) }
    })
}

#[cfg(test)]
mod tests;
