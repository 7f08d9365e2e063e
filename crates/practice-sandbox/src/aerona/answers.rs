//! Aerona's refusals and the parameter checks that produce them: 400 with the field, 404, 401.

use http::StatusCode;

use crate::reply::json_str;

/// A status and a JSON body.
pub(crate) type Answer = (StatusCode, String);

/// A validation error: `{"message": ..., "field": ...}`.
pub(crate) fn bad(field: &str, message: &str) -> Answer {
    (
        StatusCode::BAD_REQUEST,
        format!(
            "{{\"message\":{},\"field\":{}}}",
            json_str(message),
            json_str(field)
        ),
    )
}

pub(crate) fn not_found(what: &str) -> Answer {
    (
        StatusCode::NOT_FOUND,
        format!("{{\"message\":{}}}", json_str(&format!("{what} not found"))),
    )
}

pub(crate) fn unauthorized(message: &str) -> Answer {
    (
        StatusCode::UNAUTHORIZED,
        format!("{{\"message\":{}}}", json_str(message)),
    )
}

/// Statuses the vendor documents (no 15).
pub(crate) fn known_status(status: i64) -> bool {
    (1..=14).contains(&status) || status == 16
}

/// An id parameter: digits only, at most 11 of them.
pub(crate) fn id(field: &str, text: Option<&str>, required: bool) -> Result<Option<i64>, Answer> {
    match text {
        None | Some("") if required => Err(bad(field, &format!("{field} is required"))),
        None | Some("") => Ok(None),
        Some(t) if t.len() > 11 || !t.bytes().all(|b| b.is_ascii_digit()) => Err(bad(
            field,
            &format!("{field} must be a number of at most 11 digits"),
        )),
        Some(t) => Ok(t.parse().ok()),
    }
}

pub(crate) fn flag(field: &str, text: Option<&str>) -> Result<bool, Answer> {
    match text {
        None | Some("") | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(bad(field, &format!("{field} must be true or false"))),
    }
}
