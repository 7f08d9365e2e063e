//! A stateful simulator of the Aloha and Aerona APIs on localhost, for tests and the
//! `practice` CLI. Neither vendor offers a sandbox; this one follows their documented rules:
//!
//! * **Aloha** under `/aloha/customer`: `POST /token`, `POST /refresh-token` (tokens live 3
//!   hours), the five reports under `/v1/report/`, the `{status, message, data}` envelope,
//!   `X-RateLimit-*` headers on every answer, 1,000 requests a day with the documented 429
//!   body, and a 429 "wrong URL" for unknown paths.
//! * **Aerona** under `/aerona/AeronaAPI`: `POST /v1/login` answering with the
//!   `AERONA-AUTH-TOKEN` header (tokens live 1 hour), the ten other operations, 300 requests
//!   per 15 minutes per account counted on arrival on the real clock — the request over
//!   budget invalidates every token of the account — validation 400s, 404s, and created
//!   appointments that take their slot. [`Sandbox::aerona_traffic`] (or
//!   `GET /_sandbox/aerona/traffic`) tells when each request arrived and the most in one
//!   window.
//! * **Network**: an optional one-way delay with jitter before each request arrives
//!   ([`SandboxConfig::arrival_delay`]), for tests of client-side budget accounting.
//! * **Faults** on request ([`Faults::inject`], or `POST /_sandbox/faults`): for the next N
//!   answers of a route, a 500 (or any status, 401 included), a 503 with `Retry-After`, a
//!   delay, a dropped connection, a truncated body, an HTML body, or a 301 to https.
//!   `GET /_sandbox/stats` counts requests per operation.
//! * **Webhooks** (Aerona): `POST /_sandbox/webhooks` (or [`Sandbox::add_webhook`]) registers
//!   a receiver; creating an appointment or changing its status posts an `Appointment` event
//!   to it, and anything but a 200 (or no answer) is retried once an "hour" —
//!   [`SandboxConfig::webhook_hour`] — up to 24 more times.
//!
//! * **Variant mode** ([`SandboxConfig::variant`]): vendors whose truth differs from the
//!   project's assumptions (the Aloha token at `/v1/token`, an Aerona login that wants a form
//!   body, a string where the spec has a number, a field the spec lacks), to test
//!   `practice … probe` and the settings it suggests.
//!
//! Data is deterministic for a seed and clearly fake, anchored to fixed dates: Aloha
//! 2024-01-01 to 2025-12-31, Aerona payments and invoices 2024-01-01 to 2026-12-31. The
//! crate's README lists routes, credentials, the data and both admin APIs.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use practice_sandbox::{Fault, Sandbox, SandboxConfig};
//!
//! let sandbox = Sandbox::start(SandboxConfig::default()).await?;
//! println!("{}", sandbox.aloha_base_url()); // http://127.0.0.1:PORT/aloha/customer
//! sandbox.faults().inject("aerona.getPatient", Fault::Status { status: 500 }, 1);
//! sandbox.stop().await;
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]
#![deny(missing_debug_implementations)]
#![forbid(unsafe_code)]

mod aerona;
mod aerona_budget;
mod aloha;
mod config;
mod data;
mod delay;
mod faults;
mod params;
mod reply;
mod server;
mod state;
mod variant;
mod webhooks;

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

pub use aerona_budget::AeronaTraffic;
pub use config::{Credentials, SandboxConfig, SandboxInfo};
pub use faults::{Fault, Faults};
pub use webhooks::{SecretHeader, Webhook};

/// A running sandbox. Dropping it stops the server; [`Sandbox::stop`] also waits for it.
pub struct Sandbox {
    addr: SocketAddr,
    state: Arc<state::State>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    closed: tokio::sync::watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox").field("addr", &self.addr).finish()
    }
}

impl Sandbox {
    /// Binds 127.0.0.1 on the configured port and serves both simulators in the background.
    /// Must be called within a tokio runtime.
    pub async fn start(config: SandboxConfig) -> std::io::Result<Sandbox> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await?;
        let addr = listener.local_addr()?;
        let (closed, closed_rx) = tokio::sync::watch::channel(false);
        // Generating the data takes a moment: off the async threads.
        let state = tokio::task::spawn_blocking(move || {
            state::State::new(config, Credentials::default(), Faults::default(), closed_rx)
        })
        .await
        .map_err(std::io::Error::other)?;
        let state = Arc::new(state);
        let app = server::router(state.clone())
            .into_make_service_with_connect_info::<server::ConnHandle>();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(server::KillableListener(listener), app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(Sandbox {
            addr,
            state,
            shutdown: Some(tx),
            closed,
            task: Some(task),
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Aloha's base URL, `http://127.0.0.1:PORT/aloha/customer`.
    pub fn aloha_base_url(&self) -> String {
        format!("http://{}/aloha/customer", self.addr)
    }

    /// Aerona's base URL, `http://127.0.0.1:PORT/aerona/AeronaAPI`.
    pub fn aerona_base_url(&self) -> String {
        format!("http://{}/aerona/AeronaAPI", self.addr)
    }

    /// The admin API's base URL, `http://127.0.0.1:PORT/_sandbox`.
    pub fn admin_url(&self) -> String {
        format!("http://{}/_sandbox", self.addr)
    }

    /// The credentials it accepts.
    pub fn credentials(&self) -> &Credentials {
        &self.state.creds
    }

    /// Base URLs and credentials together, for printing.
    pub fn info(&self) -> SandboxInfo {
        SandboxInfo {
            aloha_base_url: self.aloha_base_url(),
            aerona_base_url: self.aerona_base_url(),
            admin_url: self.admin_url(),
            credentials: self.state.creds.clone(),
        }
    }

    /// A handle on the fault queue (the same queue `POST /_sandbox/faults` fills).
    pub fn faults(&self) -> Faults {
        self.state.faults.clone()
    }

    /// Registers a webhook receiver of every event at `url`, optionally sending a
    /// shared-secret header `(name, value)`.
    pub fn register_webhook(&self, url: &str, header: Option<(&str, &str)>) {
        let mut webhook = Webhook::new(url);
        webhook.secret_header = header.map(|(name, value)| SecretHeader {
            name: name.to_owned(),
            value: value.to_owned(),
        });
        self.state.webhooks.register(webhook);
    }

    /// Registers a webhook receiver; an `https://` URL, a header with a line break or an
    /// unknown event is refused with the reason.
    pub fn add_webhook(&self, webhook: Webhook) -> Result<(), String> {
        if let Some(problem) = webhook.problem() {
            return Err(problem);
        }
        self.state.webhooks.register(webhook);
        Ok(())
    }

    /// Webhook deliveries attempted so far (first tries and retries, to every receiver).
    pub fn webhook_attempts(&self) -> u64 {
        self.state.webhooks.attempts()
    }

    /// Requests seen for one operation (`aloha.postToken`, `aerona.getPatient`, …), faulted
    /// ones included.
    pub fn requests(&self, operation: &str) -> u64 {
        self.state.stats().get(operation).copied().unwrap_or(0)
    }

    /// What Aerona's budget has seen: when each request arrived (on the real clock, after any
    /// [`SandboxConfig::arrival_delay`]), the most requests in any one window, logins and
    /// invalidations. `GET /_sandbox/aerona/traffic` answers the same.
    pub fn aerona_traffic(&self) -> AeronaTraffic {
        self.state.aerona_traffic()
    }

    /// Requests seen per operation, as `GET /_sandbox/stats` answers them.
    pub fn stats(&self) -> BTreeMap<String, u64> {
        self.state.stats()
    }

    /// Serves until `signal` completes, then stops.
    pub async fn run_until(self, signal: impl Future<Output = ()>) {
        signal.await;
        self.stop().await;
    }

    /// Serves until Ctrl-C, then stops (for `practice sandbox`).
    pub async fn run_until_ctrl_c(self) -> std::io::Result<()> {
        let waited = tokio::signal::ctrl_c().await;
        self.stop().await;
        waited
    }

    /// Stops accepting, lets answers in flight finish, abandons pending webhook deliveries,
    /// and waits for the server to end.
    pub async fn stop(mut self) {
        self.signal_stop();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    fn signal_stop(&mut self) {
        let _ = self.closed.send(true);
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.signal_stop();
    }
}
