//! The admin API under `/_sandbox/`: fault injection, webhook receivers, request stats, and
//! what Aerona's budget has seen.

use std::time::Duration;

use http::{Method, StatusCode};
use serde::Deserialize;

use crate::faults::Fault;
use crate::reply::{Reply, json_str, reply};
use crate::state::State;
use crate::webhooks::{SecretHeader, Webhook};

pub(crate) fn route(state: &State, method: &Method, path: &str, body: &[u8]) -> Reply {
    #[derive(Deserialize)]
    struct Injection {
        route: String,
        fault: Fault,
        #[serde(default = "one")]
        times: usize,
    }
    fn one() -> usize {
        1
    }
    /// The registration body; `header: [name, value]` is accepted as an older spelling of
    /// `secretHeader`.
    #[derive(Deserialize)]
    struct Registration {
        #[serde(flatten)]
        webhook: Webhook,
        #[serde(default)]
        header: Option<(String, String)>,
    }
    let bad = |message: String| {
        reply(
            StatusCode::BAD_REQUEST,
            serde_json::json!({ "message": message }).to_string(),
        )
    };
    match (method.as_str(), path.trim_end_matches('/')) {
        ("POST", "faults") => match serde_json::from_slice::<Injection>(body) {
            Ok(injection) => {
                state
                    .faults
                    .inject(&injection.route, injection.fault, injection.times);
                reply(
                    StatusCode::OK,
                    format!(
                        "{{\"injected\":{},\"route\":{},\"pending\":{}}}",
                        injection.times,
                        json_str(&injection.route),
                        state.faults.pending(&injection.route)
                    ),
                )
            }
            Err(e) => bad(e.to_string()),
        },
        ("DELETE", "faults") => {
            state.faults.clear();
            reply(StatusCode::OK, "{\"cleared\":true}")
        }
        ("POST", "webhooks") => match serde_json::from_slice::<Registration>(body) {
            Ok(Registration {
                mut webhook,
                header,
            }) => {
                if webhook.secret_header.is_none()
                    && let Some((name, value)) = header
                {
                    webhook.secret_header = Some(SecretHeader { name, value });
                }
                if let Some(problem) = webhook.problem() {
                    return bad(problem);
                }
                state.webhooks.register(webhook);
                reply(StatusCode::OK, "{\"registered\":true}")
            }
            Err(e) => bad(e.to_string()),
        },
        ("GET", "webhooks") => {
            let receivers: Vec<serde_json::Value> = state
                .webhooks
                .receivers()
                .into_iter()
                .map(|w| serde_json::json!({ "url": w.url, "events": w.events }))
                .collect();
            reply(
                StatusCode::OK,
                serde_json::json!({
                    "receivers": receivers,
                    "attempts": state.webhooks.attempts(),
                })
                .to_string(),
            )
        }
        ("DELETE", "webhooks") => {
            state.webhooks.clear();
            reply(StatusCode::OK, "{\"cleared\":true}")
        }
        ("GET", "stats") => reply(
            StatusCode::OK,
            serde_json::to_string(&state.stats()).unwrap_or_default(),
        ),
        ("GET", "aerona/traffic") => reply(StatusCode::OK, traffic(state)),
        _ => reply(
            StatusCode::NOT_FOUND,
            "{\"message\":\"unknown admin route: POST|DELETE /_sandbox/faults, POST|GET|DELETE /_sandbox/webhooks, GET /_sandbox/stats, GET /_sandbox/aerona/traffic\"}",
        ),
    }
}

/// `GET /_sandbox/aerona/traffic`: [`crate::AeronaTraffic`] in JSON, times in milliseconds
/// (arrivals since the sandbox started).
fn traffic(state: &State) -> String {
    let traffic = state.aerona_traffic();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let arrivals: Vec<f64> = traffic
        .arrivals
        .iter()
        .map(|at| ms(at.saturating_duration_since(state.started)))
        .collect();
    serde_json::json!({
        "limit": traffic.limit,
        "windowMs": ms(traffic.window),
        "arrivalsMs": arrivals,
        "maxInWindow": traffic.max_in_window,
        "logins": traffic.logins,
        "overLimit": traffic.over_limit,
        "invalidations": traffic.invalidations,
    })
    .to_string()
}
