//! A stateful simulator of the Aloha and Aerona APIs on localhost, for tests and the
//! `practice` CLI. Neither vendor offers a sandbox; this one follows their documented rules:
//!
//! * **Aloha** under `/aloha/customer`: `POST /token`, `POST /refresh-token` (tokens live 3
//!   hours), the five reports under `/v1/report/`, the `{status, message, data}` envelope,
//!   `X-RateLimit-*` headers on every answer, 1,000 requests a day with the documented 429
//!   body, and a 429 "wrong URL" for unknown paths.
//! * **Aerona** under `/aerona/AeronaAPI`: `POST /v1/login` answering with the
//!   `AERONA-AUTH-TOKEN` header (tokens live 1 hour), the ten other operations, 300 requests
//!   per 15 minutes per account — the request over budget invalidates every token of the
//!   account — validation 400s, 404s, and created appointments that take their slot.
//! * **Faults** on request (`Faults::inject`, or `POST /_sandbox/faults`): for the next N
//!   answers of an operation, a 500, a 503 with `Retry-After`, a delay, a dropped connection,
//!   a truncated or non-JSON body, a 401, or a 301 to https. `GET /_sandbox/stats` counts
//!   requests per operation.
//! * **Webhooks** (Aerona): `POST /_sandbox/webhooks` with `{"url": ..., "header": [name,
//!   value]?}` (or `Sandbox::register_webhook`) registers a receiver; creating an appointment
//!   or changing its status posts an `Appointment` event to it, and anything but a 200 (or no
//!   answer) is retried once an hour — [`SandboxConfig::webhook_hour`] — up to 24 more times.
//!   The event's shape is ours (the vendor documents none):
//!   `{"event":"Appointment","action":"created"|"statusChanged","appointmentId":N,
//!   "appointmentStatusId":N,"occurredAt":RFC 3339}`.
//!
//! Data is deterministic for a seed and clearly fake, anchored to fixed dates: Aloha 2024-01-01 to
//! 2025-12-31, Aerona payments and invoices 2024-01-01 to 2026-12-31.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod data;
mod server;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use server::Fault;

/// How the sandbox behaves.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Seed of the generated data.
    pub seed: u64,
    /// Port on 127.0.0.1 (0: any free port).
    pub port: u16,
    /// Aloha token lifetime (vendor: 3 hours).
    pub aloha_token_ttl: Duration,
    /// Aerona token lifetime (vendor: 1 hour).
    pub aerona_token_ttl: Duration,
    /// Aloha requests per key per UTC day (vendor: 1,000).
    pub aloha_daily_limit: u32,
    /// Aerona requests per account per window (vendor: 300).
    pub aerona_limit: u32,
    /// Aerona's window (vendor: 15 minutes).
    pub aerona_window: Duration,
    /// How long "one hour" between webhook redeliveries lasts here (vendor: an hour; tests
    /// compress it to milliseconds).
    pub webhook_hour: Duration,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            seed: 2024,
            port: 0,
            aloha_token_ttl: Duration::from_secs(3 * 3600),
            aerona_token_ttl: Duration::from_secs(3600),
            aloha_daily_limit: 1000,
            aerona_limit: 300,
            aerona_window: Duration::from_secs(15 * 60),
            webhook_hour: Duration::from_secs(3600),
        }
    }
}

/// The sandbox's fixed credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Aloha client id.
    pub aloha_client_id: String,
    /// Aloha secret key.
    pub aloha_secret_key: String,
    /// Aerona username.
    pub aerona_username: String,
    /// Aerona password.
    pub aerona_password: String,
}

impl Default for Credentials {
    fn default() -> Self {
        Credentials {
            aloha_client_id: "sandbox-client".into(),
            aloha_secret_key: "sandbox-secret".into(),
            aerona_username: "sandbox-user".into(),
            aerona_password: "sandbox-password".into(),
        }
    }
}

/// Injects faults into the next answers of an operation.
#[derive(Clone, Default)]
pub struct Faults {
    queue: Arc<Mutex<HashMap<String, Vec<Fault>>>>,
}

impl Faults {
    /// The next `times` answers of `operation` (for example `aloha.listAppointments`,
    /// `aerona.getPatient`, `aerona.login`) get `fault`.
    pub fn inject(&self, operation: &str, fault: Fault, times: usize) {
        let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        let entry = queue.entry(operation.to_owned()).or_default();
        entry.extend(std::iter::repeat_n(fault, times));
    }

    /// Removes every pending fault.
    pub fn clear(&self) {
        self.queue.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    pub(crate) fn take(&self, operation: &str) -> Option<Fault> {
        let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        let entry = queue.get_mut(operation)?;
        if entry.is_empty() {
            return None;
        }
        Some(entry.remove(0))
    }
}

/// A running sandbox. Dropping it stops the server.
pub struct Sandbox {
    addr: SocketAddr,
    webhooks: server::Webhooks,
    faults: Faults,
    stats: Arc<Mutex<HashMap<String, u64>>>,
    credentials: Credentials,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Sandbox {
    /// Binds 127.0.0.1 and serves both simulators in the background.
    pub async fn start(config: SandboxConfig) -> std::io::Result<Sandbox> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await?;
        let addr = listener.local_addr()?;
        let faults = Faults::default();
        let credentials = Credentials::default();
        let state = server::State::new(config, credentials.clone(), faults.clone());
        let stats = state.stats.clone();
        let webhooks = state.webhooks.clone();
        let app = server::router(state);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(Sandbox {
            addr,
            webhooks,
            faults,
            stats,
            credentials,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Aloha's base URL, e.g. `http://127.0.0.1:PORT/aloha/customer`.
    pub fn aloha_base_url(&self) -> String {
        format!("http://{}/aloha/customer", self.addr)
    }

    /// Aerona's base URL, e.g. `http://127.0.0.1:PORT/aerona/AeronaAPI`.
    pub fn aerona_base_url(&self) -> String {
        format!("http://{}/aerona/AeronaAPI", self.addr)
    }

    /// The credentials it accepts.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// Fault injection.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Registers a webhook receiver at `url`, optionally sending a shared-secret header.
    pub fn register_webhook(&self, url: &str, header: Option<(&str, &str)>) {
        self.webhooks.register(
            url.to_owned(),
            header.map(|(n, v)| (n.to_owned(), v.to_owned())),
        );
    }

    /// Deliveries attempted so far (first tries and retries).
    pub fn webhook_attempts(&self) -> u64 {
        self.webhooks.attempts()
    }

    /// Requests seen per operation (`aloha.postToken`, `aerona.getPatient`, …).
    pub fn requests(&self, operation: &str) -> u64 {
        self.stats
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(operation)
            .copied()
            .unwrap_or(0)
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
