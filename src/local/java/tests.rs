//! Unit tests of `local/java.rs`.

use super::*;
use rstest::rstest;

#[rstest]
#[case("openjdk version \"17.0.15\" 2025-04-15\nOpenJDK Runtime Environment", Some(17))]
#[case("java version \"1.8.0_392\"\nJava(TM) SE Runtime Environment", Some(8))]
#[case("openjdk version \"1.7.0_95\"", Some(7))]
#[case("openjdk version \"21\" 2023-09-19", Some(21))]
#[case("openjdk version \"11.0.2-ea\" 2019-01-15", Some(11))]
#[case("openjdk version \"22-ea\" 2024-03-19", Some(22))]
#[case("java version \"9.0.4+11\"", Some(9))]
#[case("Picked up JAVA_TOOL_OPTIONS: -Dfoo=bar\nopenjdk version \"25\" 2025-09-16 LTS", Some(25))]
#[case("", None)]
#[case("bash: java: command not found", None)]
#[case("openjdk version \"abc\"", None)]
fn java_major(#[case] output: &str, #[case] expected: Option<u32>) {
    assert_eq!(parse_java_major(output), expected);
}
