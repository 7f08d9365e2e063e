//! Aerona webhook deliveries into `aerona_webhook_events`: each delivery stored once, keyed
//! by its identity (the digest of its verified body), before it is acknowledged.

use aerona_api::webhooks::{Delivery, HandlerOutcome, WebhookEvent, WebhookHandler};
use practice_core::time::{OffsetDateTime, format_description::well_known::Rfc3339};

use crate::db::Db;
use crate::error::SyncError;

/// Stores `delivery`; `false` if it was stored before (a redelivery).
pub async fn store(db: &Db, delivery: &Delivery) -> Result<bool, SyncError> {
    let record = std::str::from_utf8(delivery.body())
        .map_err(|_| SyncError::Input("a webhook body is not UTF-8 JSON".into()))?;
    let event = match WebhookEvent::parse(delivery.body()) {
        Ok(WebhookEvent::Patient(_)) => Some("Patient"),
        Ok(WebhookEvent::Appointment(_)) => Some("Appointment"),
        Ok(WebhookEvent::Treatment(_)) => Some("Treatment"),
        _ => None,
    };
    let received_at = OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .map_err(|e| SyncError::Input(format!("cannot format the time: {e}")))?;
    let sql = format!(
        "INSERT INTO aerona_webhook_events (delivery_key, record, event, received_at) VALUES ({}, {}, {}, {}) ON CONFLICT (delivery_key) DO NOTHING",
        db.arg(1),
        db.arg(2),
        db.arg(3),
        db.stamp_arg(4)
    );
    let done = sqlx::query(&sql)
        .bind(delivery.dedup_key().to_owned())
        .bind(record.to_owned())
        .bind(event.map(str::to_owned))
        .bind(received_at)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// A [`WebhookHandler`] that stores every delivery in the database before answering 200; a
/// database failure asks Aerona to deliver again (500), so nothing acknowledged is lost.
#[derive(Debug, Clone)]
pub struct StoreEvents {
    db: Db,
}

impl StoreEvents {
    /// A handler storing into `db`.
    pub fn new(db: Db) -> Self {
        StoreEvents { db }
    }
}

impl WebhookHandler for StoreEvents {
    fn handle(
        &self,
        delivery: Delivery,
    ) -> futures_util::future::BoxFuture<'static, HandlerOutcome> {
        let db = self.db.clone();
        Box::pin(async move {
            match store(&db, &delivery).await {
                Ok(_) => HandlerOutcome::Done,
                Err(err) => {
                    tracing::error!(error = %err, "could not store a webhook delivery; asking for it again");
                    HandlerOutcome::Redeliver
                }
            }
        })
    }
}
