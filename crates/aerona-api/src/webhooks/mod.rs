//! Receiving Aerona webhooks.
//!
//! Aerona posts events about Patient, Appointment and Treatment objects to an HTTPS URL of
//! yours. Anything but a `200` — or no answer — makes it try again, once an hour, up to 24
//! more times, so the same event can arrive many times. The vendor documents neither the
//! payload nor a signature (both assumptions are recorded in the spec), so:
//!
//! * [`DeliveryCheck`] checks a delivery — a shared secret you choose (a path token or a
//!   header; required: without one every delivery is refused, unless you opt out with
//!   [`WebhookReceiver::without_signature_check`]) and a size limit — apart from parsing, so
//!   raw deliveries can be stored and parsed later;
//! * [`WebhookEvent::parse`] reads the kind of object when it can and keeps the whole payload
//!   as JSON; a payload of a shape we do not know is kept whole, never rejected;
//! * [`WebhookReceiver`] is a tower `Service` (mount it in axum or hyper) that checks, reads
//!   the body within a size and a time limit, claims the delivery in a [`DedupStore`] (bounded
//!   and in memory by default, 25 hours; a trait, so replicas can share one — with feature
//!   `redis`, `aerona_api::redis::RedisDedupStore`), and runs your
//!   [`WebhookHandler`] under a time limit. Only a handler that finished answers `200`; a
//!   panic, a timeout or a copy of a delivery still in progress answer an error, so Aerona
//!   retries.
//!
//! The limits, and when an acknowledged event can still be lost, are in `docs/aerona.md`.
//!
//! ```no_run
//! # async fn run() {
//! use aerona_api::webhooks::{Delivery, DeliveryCheck, HandlerOutcome, WebhookEvent, WebhookReceiver};
//!
//! let receiver = WebhookReceiver::new(
//!     DeliveryCheck::new().path_token("long-random-token"),
//!     |delivery: Delivery| async move {
//!         match WebhookEvent::parse(delivery.body()) {
//!             Ok(WebhookEvent::Appointment(event)) => println!("appointment event: {:?}", event.action),
//!             Ok(other) => println!("other event: {:?}", other.kind()),
//!             Err(err) => eprintln!("{err}"),
//!         }
//!         HandlerOutcome::Done
//!     },
//! );
//! let app = axum::Router::new().route_service("/hooks/aerona/{token}", receiver);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
//! axum::serve(listener, app).await.unwrap();
//! # }
//! ```

// Leases, retentions and timeouts are the user's settings, and may be absurd (a retention of
// `Duration::MAX`): no arithmetic that can panic.
#![deny(clippy::arithmetic_side_effects)]

mod check;
mod dedup;
mod delivery;
mod event;
mod handler;
mod receiver;
#[cfg(feature = "redis")]
mod redis_dedup;

pub use check::{DEFAULT_MAX_BODY, DeliveryCheck, Rejection};
pub use dedup::{Claim, DEFAULT_CAPACITY, DEFAULT_RETENTION, DedupStore, InMemoryDedupStore};
pub use delivery::Delivery;
pub use event::{ObjectEvent, ObjectKind, WebhookEvent};
pub use handler::{HandlerOutcome, WebhookHandler};
pub use practice_core::http::HeaderName;
pub use receiver::{DEFAULT_BODY_TIMEOUT, DEFAULT_HANDLER_TIMEOUT, WebhookReceiver};
