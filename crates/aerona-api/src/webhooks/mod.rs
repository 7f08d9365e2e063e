//! Receiving Aerona webhooks.
//!
//! Aerona posts events about Patient, Appointment and Treatment objects to an HTTPS URL of
//! yours. Anything but a `200` — or no answer — makes it try again, once an hour, up to 24
//! more times, so the same event can arrive many times. The vendor documents neither the
//! payload nor a signature (both assumptions are recorded in the spec), so:
//!
//! * [`DeliveryCheck`] checks a delivery — a shared secret you choose (a path token or a
//!   header) and a size limit — apart from parsing, so raw deliveries can be stored and parsed
//!   later;
//! * [`WebhookEvent::parse`] reads the kind of object when it can and keeps the whole payload
//!   as JSON; a payload of a shape we do not know is kept whole, never rejected;
//! * [`WebhookReceiver`] is a tower `Service` (mount it in axum or hyper) that checks, answers
//!   `200` quickly, deduplicates redeliveries through a [`DedupStore`] (in memory by default,
//!   kept 25 hours), and hands each new delivery to your [`WebhookHandler`].
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

mod check;
mod dedup;
mod delivery;
mod event;
mod handler;
mod receiver;

pub use check::{DEFAULT_MAX_BODY, DeliveryCheck, Rejection};
pub use dedup::{Claim, DEFAULT_CAPACITY, DEFAULT_RETENTION, DedupStore, InMemoryDedupStore};
pub use delivery::Delivery;
pub use event::{ObjectEvent, ObjectKind, WebhookEvent};
pub use handler::{HandlerOutcome, WebhookHandler};
pub use practice_core::http::HeaderName;
pub use receiver::{DEFAULT_BODY_TIMEOUT, DEFAULT_HANDLER_TIMEOUT, WebhookReceiver};
