//! How answers are written: a JSON reply, and JSON text built from pre-serialised parts.

use axum::body::Body;
use http::{HeaderValue, Response, StatusCode};

/// An answer to one request.
pub(crate) type Reply = Response<Body>;

/// An answer with a JSON content type.
pub(crate) fn reply(status: StatusCode, body: impl Into<Body>) -> Reply {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// A JSON string literal.
pub(crate) fn json_str(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

/// Pre-serialised JSON rows joined into one JSON array.
pub(crate) fn json_array<'a>(rows: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::from("[");
    for (i, row) in rows.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(row);
    }
    out.push(']');
    out
}
