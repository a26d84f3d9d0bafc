//! Unit tests of `worker/delivery.rs`.

use super::*;

#[derive(Debug)]
struct Wrapped(std::io::Error);

impl std::fmt::Display for Wrapped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "tcp connect error")
    }
}

impl std::error::Error for Wrapped {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

#[test]
fn only_a_refused_connection_is_refused_at_connect() {
    use std::io::{Error, ErrorKind};
    assert!(refused_at_connect(&Wrapped(Error::from(ErrorKind::ConnectionRefused))));
    for kind in [ErrorKind::ConnectionReset, ErrorKind::TimedOut, ErrorKind::BrokenPipe] {
        assert!(!refused_at_connect(&Wrapped(Error::from(kind))), "{kind:?}");
    }
    assert!(!Delivery::default().never_sent(), "no attempt: nothing proven");
}
