//! Unit tests of `worker/client.rs`: which endpoints get the plain-HTTP warning.

use rstest::rstest;

use super::*;

#[rstest]
#[case::loopback_v4("http://127.0.0.1:8000")]
#[case::loopback_v4_other("http://127.8.9.10:8000/")]
#[case::localhost("http://localhost:8000")]
#[case::localhost_upper("HTTP://LocalHost:8000")]
#[case::localhost_dot("http://localhost.:8000")]
#[case::sub_localhost("http://dynamo.localhost:8000")]
#[case::loopback_v6("http://[::1]:8000")]
#[case::mapped_v4("http://[::ffff:127.0.0.1]:8000")]
#[case::userinfo("http://user:pw@127.0.0.1:8000/path")]
#[case::https_remote("https://dynamodb.example.com")]
#[case::https_upper("HTTPS://10.0.0.5:8443")]
#[case::https_ip("https://10.0.0.5")]
#[case::no_scheme("not a url")]
fn no_warning(#[case] url: &str) {
    assert_eq!(plain_http_warning(url), None, "{url}");
}

#[rstest]
#[case::private_v4("http://10.0.0.5:8000", "10.0.0.5")]
#[case::public_name("http://dynamodb.example.com", "dynamodb.example.com")]
#[case::host_name("http://ddb-box:8000/", "ddb-box")]
#[case::v6("http://[2001:db8::1]:8000", "2001:db8::1")]
#[case::mapped_remote("http://[::ffff:10.0.0.5]:8000", "::ffff:10.0.0.5")]
#[case::localhost_lookalike("http://localhost.example.com:8000", "localhost.example.com")]
#[case::upper_scheme("HTTP://10.1.2.3", "10.1.2.3")]
#[case::unspecified("http://0.0.0.0:8000", "0.0.0.0")]
fn warning(#[case] url: &str, #[case] host: &str) {
    let warning = plain_http_warning(url).unwrap_or_else(|| panic!("no warning for {url}"));
    assert_eq!(
        warning,
        format!("plain HTTP to {host}: requests are signed but not encrypted (use https)")
    );
}
