//! Your code that handles a delivery, and what it made of it.

use std::future::Future;

use futures_util::future::BoxFuture;

use super::delivery::Delivery;

/// What a handler made of a delivery. A handler that panics or runs over the receiver's
/// handler timeout counts as [`HandlerOutcome::Redeliver`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandlerOutcome {
    /// Handled: answered `200`, and redeliveries are dropped.
    Done,
    /// Failed for good: the reason is logged (keep patient data out of it), answered `200`
    /// all the same and remembered as handled, so the event is dropped. Use it only for
    /// events that no retry could handle.
    Failed(String),
    /// Failed; ask Aerona to deliver it again (answered `500`, and not remembered).
    Redeliver,
}

/// Your code that handles a new (not redelivered) delivery.
///
/// It runs in a task of its own, cut off at the receiver's handler timeout (at its next
/// `.await`: blocking code cannot be cut off, so run it with `spawn_blocking`). Aerona's
/// deliveries are at least once: a handler cut off or failing is run again on a later
/// redelivery, so make what it does idempotent, or quick and durable (store the raw
/// delivery, answer, and work on it later).
pub trait WebhookHandler: Send + Sync + 'static {
    /// Handles one delivery.
    fn handle(&self, delivery: Delivery) -> BoxFuture<'static, HandlerOutcome>;
}

impl<F, Fut> WebhookHandler for F
where
    F: Fn(Delivery) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = HandlerOutcome> + Send + 'static,
{
    fn handle(&self, delivery: Delivery) -> BoxFuture<'static, HandlerOutcome> {
        Box::pin(self(delivery))
    }
}
