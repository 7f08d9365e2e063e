//! `practice sync --metrics-addr ADDR`: Prometheus text at `/metrics`, through the `metrics`
//! crate and its Prometheus exporter (the format is theirs, not ours), served by axum, which
//! the CLI already has for `webhooks serve`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use practice_core::Error;
use practice_core::auth::{ClaimId, RenewalClaim, Token, TokenStore};
use practice_core::request::BoxFuture;
use practice_core::time::OffsetDateTime;

/// What one account's pass did, as the metrics count it.
#[derive(Debug)]
pub struct AccountPass<'a> {
    /// The account's name in the accounts file.
    pub account: &'a str,
    /// `aloha` or `aerona`.
    pub vendor: &'a str,
    /// Data requests sent, as the summary counts them (logins apart).
    pub requests: u64,
    /// Tokens obtained (logins and refreshes) during the pass.
    pub logins: u64,
    /// Rows written per table.
    pub rows: &'a BTreeMap<&'static str, u64>,
    /// The budget left at the end of the pass, when the client knows it.
    pub budget_remaining: Option<u64>,
    /// When the pass ended, if it succeeded.
    pub succeeded_at: Option<OffsetDateTime>,
}

/// The names and help lines, said once so that `/metrics` explains itself.
fn describe() {
    metrics::describe_counter!(
        "practice_requests_total",
        "Data requests sent to the vendor (logins apart), per account"
    );
    metrics::describe_counter!(
        "practice_logins_total",
        "Tokens obtained from the vendor (logins and refreshes), per account"
    );
    metrics::describe_counter!(
        "practice_rows_written_total",
        "Rows written to the database, per account and table"
    );
    metrics::describe_gauge!(
        "practice_budget_remaining",
        "Requests left in the account's budget at the end of its last pass"
    );
    metrics::describe_gauge!(
        "practice_last_success_timestamp_seconds",
        "Unix time at which the account's last successful pass ended"
    );
    metrics::describe_counter!(
        "practice_passes_total",
        "Passes over an account, by outcome (ok or failed)"
    );
}

/// Adds one account's pass to the metrics of the installed recorder.
pub fn record(pass: &AccountPass<'_>) {
    let account = pass.account.to_owned();
    let vendor = pass.vendor.to_owned();
    metrics::counter!("practice_requests_total", "account" => account.clone(), "vendor" => vendor.clone())
        .increment(pass.requests);
    metrics::counter!("practice_logins_total", "account" => account.clone(), "vendor" => vendor.clone())
        .increment(pass.logins);
    for (table, rows) in pass.rows {
        metrics::counter!("practice_rows_written_total", "account" => account.clone(), "table" => *table)
            .increment(*rows);
    }
    if let Some(remaining) = pass.budget_remaining {
        // A gauge holds f64; budgets are far below 2^53, so the value is exact.
        metrics::gauge!("practice_budget_remaining", "account" => account.clone(), "vendor" => vendor.clone())
            .set(remaining as f64);
    }
    let outcome = if pass.succeeded_at.is_some() {
        "ok"
    } else {
        "failed"
    };
    metrics::counter!("practice_passes_total", "account" => account.clone(), "outcome" => outcome)
        .increment(1);
    if let Some(at) = pass.succeeded_at {
        metrics::gauge!("practice_last_success_timestamp_seconds", "account" => account)
            .set(at.unix_timestamp() as f64);
    }
}

/// The metrics endpoint, serving until the process ends.
#[derive(Debug)]
pub struct MetricsServer {
    /// The address it listens on (the port chosen, when ADDR asked for port 0).
    pub addr: SocketAddr,
}

impl MetricsServer {
    /// Installs the Prometheus recorder for this process and serves it at `http://ADDR/metrics`.
    pub async fn start(addr: SocketAddr) -> Result<MetricsServer, String> {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        metrics::set_global_recorder(recorder)
            .map_err(|_| "the metrics recorder was already installed".to_owned())?;
        describe();
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|err| format!("--metrics-addr {addr}: cannot listen there ({err})"))?;
        let addr = listener
            .local_addr()
            .map_err(|err| format!("--metrics-addr {addr}: {err}"))?;
        tokio::spawn(async move {
            // An accept error ends the endpoint, not the sync: the metrics are an aid.
            if let Err(err) = axum::serve(listener, router(handle)).await {
                eprintln!("practice: the metrics endpoint stopped: {err}");
            }
        });
        Ok(MetricsServer { addr })
    }
}

fn router(handle: PrometheusHandle) -> axum::Router {
    axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let handle = handle.clone();
            async move {
                (
                    [(
                        axum::http::header::CONTENT_TYPE,
                        "text/plain; version=0.0.4; charset=utf-8",
                    )],
                    handle.render(),
                )
            }
        }),
    )
}

/// A recorder for tests, not installed globally.
#[cfg(test)]
fn local_recorder() -> metrics_exporter_prometheus::PrometheusRecorder {
    PrometheusBuilder::new().build_recorder()
}

/// A [`TokenStore`] that counts the tokens put into it: each is a login or a refresh this
/// process made (a token another process of the fleet obtained is read, never put here).
pub struct CountingLogins {
    inner: Arc<dyn TokenStore>,
    puts: AtomicU64,
}

impl std::fmt::Debug for CountingLogins {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CountingLogins")
            .field("logins", &self.logins())
            .finish_non_exhaustive()
    }
}

impl CountingLogins {
    /// Counts what `inner` is given.
    pub fn new(inner: Arc<dyn TokenStore>) -> Arc<CountingLogins> {
        Arc::new(CountingLogins {
            inner,
            puts: AtomicU64::new(0),
        })
    }

    /// Tokens put so far.
    pub fn logins(&self) -> u64 {
        self.puts.load(Ordering::Relaxed)
    }
}

impl TokenStore for CountingLogins {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Token>, Error>> {
        self.inner.get(key)
    }

    fn put<'a>(&'a self, key: &'a str, token: Token) -> BoxFuture<'a, Result<(), Error>> {
        self.puts.fetch_add(1, Ordering::Relaxed);
        self.inner.put(key, token)
    }

    fn remove_if_same<'a>(
        &'a self,
        key: &'a str,
        token: &'a Token,
    ) -> BoxFuture<'a, Result<(), Error>> {
        self.inner.remove_if_same(key, token)
    }

    fn claim_renewal<'a>(
        &'a self,
        key: &'a str,
        hold: std::time::Duration,
    ) -> BoxFuture<'a, Result<RenewalClaim, Error>> {
        self.inner.claim_renewal(key, hold)
    }

    fn release_renewal<'a>(
        &'a self,
        key: &'a str,
        claim: &'a ClaimId,
    ) -> BoxFuture<'a, Result<(), Error>> {
        self.inner.release_renewal(key, claim)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pass_reads_back_as_prometheus_text() {
        let recorder = local_recorder();
        let handle = recorder.handle();
        let rows = BTreeMap::from([("aloha_appointments", 144), ("aloha_clients", 12)]);
        metrics::with_local_recorder(&recorder, || {
            describe();
            for _ in 0..2 {
                record(&AccountPass {
                    account: "north",
                    vendor: "aloha",
                    requests: 7,
                    logins: 1,
                    rows: &rows,
                    budget_remaining: Some(993),
                    succeeded_at: Some(OffsetDateTime::from_unix_timestamp(1_733_600_000).unwrap()),
                });
            }
            record(&AccountPass {
                account: "smile",
                vendor: "aerona",
                requests: 3,
                logins: 0,
                rows: &BTreeMap::new(),
                budget_remaining: None,
                succeeded_at: None,
            });
        });
        let text = handle.render();
        for line in [
            "# HELP practice_requests_total Data requests sent to the vendor (logins apart), per account",
            "# TYPE practice_requests_total counter",
            r#"practice_requests_total{account="north",vendor="aloha"} 14"#,
            r#"practice_requests_total{account="smile",vendor="aerona"} 3"#,
            r#"practice_logins_total{account="north",vendor="aloha"} 2"#,
            r#"practice_rows_written_total{account="north",table="aloha_appointments"} 288"#,
            r#"practice_budget_remaining{account="north",vendor="aloha"} 993"#,
            r#"practice_last_success_timestamp_seconds{account="north"} 1733600000"#,
            r#"practice_passes_total{account="smile",outcome="failed"} 1"#,
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing {line:?} in\n{text}"
            );
        }
        assert!(!text.contains(r#"practice_last_success_timestamp_seconds{account="smile"}"#));
    }
}
