//! Whether a call's request may have reached the endpoint: an interceptor on one call that
//! counts the attempts the SDK started and those refused at connect (the TCP connection
//! itself was refused, so not one byte of the request left). Only a call whose every attempt
//! was refused at connect is known not to have been sent; a timeout, a reset or a lost
//! answer says nothing of what the endpoint did.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use aws_sdk_dynamodb::config::interceptors::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;

/// The attempts of one call: put it on the call with `.customize().interceptor(...)`, then
/// ask [`Delivery::never_sent`] once the call has ended.
#[derive(Debug, Clone, Default)]
pub struct Delivery(Arc<Counts>);

#[derive(Debug, Default)]
struct Counts {
    started: AtomicU32,
    refused_at_connect: AtomicU32,
}

impl Delivery {
    /// True when the call made at least one attempt and every attempt's connection was
    /// refused: the request never left this machine.
    pub fn never_sent(&self) -> bool {
        let started = self.0.started.load(Ordering::SeqCst);
        started > 0 && self.0.refused_at_connect.load(Ordering::SeqCst) == started
    }
}

impl Intercept for Delivery {
    fn name(&self) -> &'static str {
        "wallet-tui delivery"
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.started.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let refused = context
            .output_or_error()
            .and_then(Result::err)
            .and_then(|error| error.as_connector_error())
            .is_some_and(|error| refused_at_connect(error));
        if refused {
            self.0.refused_at_connect.fetch_add(1, Ordering::SeqCst);
        }
        Ok(())
    }
}

/// Whether `error` or one of its causes is a refused TCP connection. `ECONNREFUSED` comes
/// from `connect()` only: on an established connection a peer's reset is `ECONNRESET`.
pub fn refused_at_connect(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::ConnectionRefused
        {
            return true;
        }
        next = e.source();
    }
    false
}

#[cfg(test)]
mod tests;
