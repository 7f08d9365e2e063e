//! Your code that handles a delivery, and what it made of it.

use std::future::Future;

use practice_core::auth::BoxFuture;

use super::delivery::Delivery;

/// What a handler made of a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandlerOutcome {
    /// Handled.
    Done,
    /// Failed; logged, answered `200` all the same (no redelivery).
    Failed(String),
    /// Failed; ask Aerona to deliver it again (answered `500`, and not marked as seen).
    Redeliver,
}

/// Your code that handles a new (not redelivered) delivery.
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
