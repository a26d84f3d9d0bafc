//! SDK retries and throttled attempts, counted by an interceptor on the worker's client,
//! so they are seen whatever the call and however its error is later reported.
//!
//! A retry is an attempt beyond a call's first (the SDK's standard retry strategy retries
//! throttling, transient and timeout errors). A throttled attempt is one answered with one of
//! DynamoDB's throttling error codes ([`super::errors::THROTTLING_CODES`]), read from the
//! attempt's raw HTTP answer (the `x-amzn-ErrorType` header or the JSON body's `__type`), so
//! that every operation is counted alike, whichever the worker calls.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::interceptors::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_smithy_types::config_bag::{Storable, StoreReplace};
use tokio::sync::watch;

use super::errors::{is_throttling, wire_error_code};
use crate::msg::CallStats;

/// The header in which DynamoDB may name an error (else the JSON body's `__type` does).
const ERROR_TYPE_HEADER: &str = "x-amzn-errortype";

/// Adds a [`CountCalls`] interceptor to `client`; the receiver sees every change.
pub fn instrument(client: &Client) -> (Client, watch::Receiver<CallStats>) {
    let (publish, stats) = watch::channel(CallStats::default());
    let counter = CountCalls(Arc::new(Counters {
        retries: AtomicU64::new(0),
        throttled: AtomicU64::new(0),
        publish,
    }));
    let config = client.config().to_builder().interceptor(counter).build();
    (Client::from_conf(config), stats)
}

#[derive(Debug)]
struct Counters {
    retries: AtomicU64,
    throttled: AtomicU64,
    publish: watch::Sender<CallStats>,
}

impl Counters {
    /// Publishes the counts. Read under the channel's lock, so what is published never
    /// goes back even when two calls publish at once.
    fn publish(&self) {
        self.publish.send_if_modified(|shown| {
            let now = CallStats {
                retries: self.retries.load(Ordering::Relaxed),
                throttled: self.throttled.load(Ordering::Relaxed),
            };
            let changed = *shown != now;
            *shown = now;
            changed
        });
    }
}

/// The interceptor: counts into shared atomics and publishes the totals.
#[derive(Debug, Clone)]
struct CountCalls(Arc<Counters>);

/// Put in an operation's config bag by its first attempt: a later attempt finding it is a
/// retry. (Each operation has its own bag, kept across its attempts.)
#[derive(Debug, Clone, Copy)]
struct Attempted;

impl Storable for Attempted {
    type Storer = StoreReplace<Self>;
}

impl Intercept for CountCalls {
    fn name(&self) -> &'static str {
        "wallet-tui call stats"
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if cfg.load::<Attempted>().is_some() {
            self.0.retries.fetch_add(1, Ordering::Relaxed);
            self.0.publish();
        } else {
            cfg.interceptor_state().store_put(Attempted);
        }
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        // The raw answer, not the typed error: the same for every operation, so none is
        // missed. (No answer at all, as after a timeout, is no throttling.)
        let Some(response) = context.response() else { return Ok(()) };
        let code = wire_error_code(
            response.status().as_u16(),
            response.headers().get(ERROR_TYPE_HEADER),
            response.body().bytes(),
        );
        if code.as_deref().is_some_and(is_throttling) {
            self.0.throttled.fetch_add(1, Ordering::Relaxed);
            self.0.publish();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
