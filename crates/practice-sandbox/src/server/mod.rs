//! The HTTP side: one handler that routes by path, counts, applies injected faults, then hands
//! the request to the vendor's rules (`crate::aloha`, `crate::aerona`). Plain dispatch keeps
//! every rule in one readable place.

mod admin;
mod conn;
mod faulting;
mod operation;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request};
use http::StatusCode;

pub(crate) use conn::{ConnHandle, KillableListener};
use faulting::Effect;
use operation::{Vendor, operation};

use crate::params::query_map;
use crate::reply::{Reply, reply};
use crate::state::State;

/// Largest request body read.
const BODY_LIMIT: usize = 1024 * 1024;

pub(crate) fn router(state: Arc<State>) -> axum::Router {
    axum::Router::new().fallback(move |request: Request| {
        let state = state.clone();
        async move { handle(state, request).await }
    })
}

async fn handle(state: Arc<State>, request: Request) -> Reply {
    let conn = request
        .extensions()
        .get::<ConnectInfo<ConnHandle>>()
        .map(|c| c.0.clone());
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        return reply(
            StatusCode::PAYLOAD_TOO_LARGE,
            "{\"message\":\"body too large\"}",
        );
    };
    let path = parts.uri.path();
    if let Some(admin) = path.strip_prefix("/_sandbox/") {
        return admin::route(&state, &parts.method, admin, &body);
    }
    let Some((vendor, rest)) = Vendor::of(path) else {
        return reply(
            StatusCode::NOT_FOUND,
            "{\"message\":\"unknown sandbox path: Aloha is under /aloha/customer, Aerona under /aerona/AeronaAPI\"}",
        );
    };
    // The network between client and vendor: the request arrives after its one-way delay.
    let delay = state.arrival_delay.next();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let op = operation(&parts.method, vendor.name(), rest);
    state.count(&op);

    let mut truncate = false;
    let mut pause = None;
    if let Some(fault) = state.faults.take(&[op.as_str(), path, rest]) {
        match faulting::apply(fault, vendor, &parts, conn) {
            Effect::Answer(answer) => return answer,
            Effect::Delay(delay) => pause = Some(delay),
            Effect::Truncate => truncate = true,
        }
    }
    let query = query_map(parts.uri.query());
    let (method, headers) = (&parts.method, &parts.headers);
    let response = match vendor {
        Vendor::Aloha => {
            wait(pause).await;
            crate::aloha::handle(&state, method, headers, rest, &query, &body)
        }
        Vendor::Aerona => {
            // Aerona counts a request when it arrives; an injected delay slows its answer only.
            let arrival = crate::aerona::arrive(&state);
            wait(pause).await;
            crate::aerona::handle(&state, arrival, method, headers, rest, &query, &body)
        }
    };
    if truncate {
        return faulting::truncated(response).await;
    }
    response
}

/// Sleeps for an injected delay, if there is one.
async fn wait(pause: Option<Duration>) {
    if let Some(pause) = pause {
        tokio::time::sleep(pause).await;
    }
}
