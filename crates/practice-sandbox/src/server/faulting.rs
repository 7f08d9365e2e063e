//! Injected faults applied to one request: the ones that answer in the vendor's place, and the
//! ones that change how the vendor's own answer travels (a delay, a cut body).

use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use http::request::Parts;
use http::{HeaderValue, Response, StatusCode};

use super::conn::ConnHandle;
use super::operation::Vendor;
use crate::faults::Fault;
use crate::reply::{Reply, json_str, reply};

/// What a fault does to the request it was taken for.
pub(crate) enum Effect {
    /// The fault answers; the vendor never sees the request.
    Answer(Reply),
    /// The vendor answers after this pause.
    Delay(Duration),
    /// The vendor answers, cut half-way ([`truncated`]).
    Truncate,
}

/// What `fault` does to a request for `vendor` whose head is `parts`, on connection `conn`.
pub(crate) fn apply(
    fault: Fault,
    vendor: Vendor,
    parts: &Parts,
    conn: Option<ConnHandle>,
) -> Effect {
    match fault {
        Fault::Status { status } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            Effect::Answer(reply(
                status,
                fault_body(vendor, status, "injected by the sandbox"),
            ))
        }
        Fault::Unavailable { retry_after } => {
            let status = StatusCode::SERVICE_UNAVAILABLE;
            let mut r = reply(
                status,
                fault_body(vendor, status, "injected outage: retry later"),
            );
            r.headers_mut()
                .insert(http::header::RETRY_AFTER, HeaderValue::from(retry_after));
            Effect::Answer(r)
        }
        Fault::Delay { millis } => Effect::Delay(Duration::from_millis(millis)),
        Fault::Drop => Effect::Answer(dropped(conn)),
        Fault::Truncate => Effect::Truncate,
        Fault::Html => {
            let mut r = reply(
                StatusCode::OK,
                "<!DOCTYPE html><html><head><title>Maintenance</title></head><body><h1>Gateway page</h1></body></html>",
            );
            r.headers_mut().insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            Effect::Answer(r)
        }
        Fault::Redirect => Effect::Answer(redirect_to_https(parts)),
    }
}

/// No answer at all: the connection is killed before a byte is written.
fn dropped(conn: Option<ConnHandle>) -> Reply {
    if let Some(conn) = conn {
        // Hyper's first write of this answer fails: nothing is sent.
        conn.kill();
        return reply(StatusCode::OK, "");
    }
    let broken = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("connection dropped by the sandbox"))
    });
    reply(StatusCode::OK, Body::from_stream(broken))
}

/// A 301 to the same URL on https, as the vendors answer plain http.
fn redirect_to_https(parts: &Parts) -> Reply {
    let mut r = reply(StatusCode::MOVED_PERMANENTLY, "");
    r.headers_mut().remove(http::header::CONTENT_TYPE);
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| parts.uri.authority().map(|a| a.to_string()))
        .unwrap_or_else(|| "localhost".into());
    let path = parts.uri.path();
    let location = match parts.uri.query() {
        Some(q) => format!("https://{host}{path}?{q}"),
        None => format!("https://{host}{path}"),
    };
    if let Ok(value) = HeaderValue::from_str(&location) {
        r.headers_mut().insert(http::header::LOCATION, value);
    }
    r
}

/// A short error body in the vendor's shape, for injected faults.
fn fault_body(vendor: Vendor, status: StatusCode, message: &str) -> String {
    match vendor {
        Vendor::Aloha => format!(
            "{{\"status\":{},\"message\":{},\"errors\":[{{\"name\":\"SandboxFault\",\"message\":{}}}]}}",
            status.as_u16(),
            json_str(status.canonical_reason().unwrap_or("Error")),
            json_str(message)
        ),
        Vendor::Aerona => format!("{{\"message\":{}}}", json_str(message)),
    }
}

/// Cut the way a network does: the declared length stays, half the bytes arrive, then the
/// connection ends. A client can tell; a shorter but complete answer it could not.
pub(crate) async fn truncated(response: Reply) -> Reply {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let full = bytes.len();
    let half = bytes.slice(..full / 2);
    let first = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(half) });
    // The pause lets hyper flush the first half before the error ends the connection.
    let cut = futures_util::stream::once(async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        Err::<Bytes, std::io::Error>(std::io::Error::other("connection cut by the sandbox"))
    });
    parts
        .headers
        .insert(http::header::CONTENT_LENGTH, HeaderValue::from(full));
    Response::from_parts(
        parts,
        Body::from_stream(futures_util::StreamExt::chain(first, cut)),
    )
}
