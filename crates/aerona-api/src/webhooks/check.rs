//! Checking a delivery before it is read: method, shared secret, size.

use practice_core::Secret;
use practice_core::bytes::Bytes;
use practice_core::http::{HeaderName, Request, StatusCode};

use super::delivery::Delivery;

/// The default limit on a delivery's size.
pub const DEFAULT_MAX_BODY: usize = 256 * 1024;

/// Why a delivery was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// The shared secret was missing or wrong (answered 404, so the URL reveals nothing).
    BadSecret,
    /// The body was over the size limit (answered 413).
    TooLarge,
    /// Not a POST (answered 405).
    WrongMethod,
    /// The body could not be read (answered 400).
    Unreadable,
}

impl Rejection {
    pub(super) fn status(&self) -> StatusCode {
        match self {
            Rejection::BadSecret => StatusCode::NOT_FOUND,
            Rejection::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Rejection::WrongMethod => StatusCode::METHOD_NOT_ALLOWED,
            Rejection::Unreadable => StatusCode::BAD_REQUEST,
        }
    }
}

#[derive(Clone)]
enum SharedSecret {
    PathToken(Secret),
    Header(HeaderName, Secret),
}

/// Checks a delivery: method, shared secret and size. Parsing is separate.
#[derive(Clone)]
pub struct DeliveryCheck {
    secret: Option<SharedSecret>,
    pub(super) max_body: usize,
}

impl Default for DeliveryCheck {
    fn default() -> Self {
        Self::new()
    }
}

impl DeliveryCheck {
    /// No secret, [`DEFAULT_MAX_BODY`].
    pub fn new() -> Self {
        DeliveryCheck {
            secret: None,
            max_body: DEFAULT_MAX_BODY,
        }
    }

    /// Requires the URL path's last segment to equal `token` (configure Aerona with
    /// `https://you.example/hooks/aerona/<token>`).
    pub fn path_token(mut self, token: impl Into<String>) -> Self {
        self.secret = Some(SharedSecret::PathToken(Secret::new(token)));
        self
    }

    /// Requires header `name` to equal `value`.
    pub fn header(mut self, name: HeaderName, value: impl Into<String>) -> Self {
        self.secret = Some(SharedSecret::Header(name, Secret::new(value)));
        self
    }

    /// Refuses bodies over `bytes`.
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// Checks method and secret of a request whose body has not been read yet.
    pub fn check_head<B>(&self, request: &Request<B>) -> Result<(), Rejection> {
        if request.method() != practice_core::http::Method::POST {
            return Err(Rejection::WrongMethod);
        }
        match &self.secret {
            None => Ok(()),
            Some(SharedSecret::PathToken(token)) => {
                let last = request
                    .uri()
                    .path()
                    .trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .unwrap_or("");
                if constant_time_eq(last.as_bytes(), token.expose().as_bytes()) {
                    Ok(())
                } else {
                    Err(Rejection::BadSecret)
                }
            }
            Some(SharedSecret::Header(name, value)) => {
                let given = request
                    .headers()
                    .get(name)
                    .map(|v| v.as_bytes())
                    .unwrap_or(b"");
                if constant_time_eq(given, value.expose().as_bytes()) {
                    Ok(())
                } else {
                    Err(Rejection::BadSecret)
                }
            }
        }
    }

    /// Checks a request whose body is in hand.
    pub fn check(&self, request: &Request<Bytes>) -> Result<Delivery, Rejection> {
        self.check_head(request)?;
        if request.body().len() > self.max_body {
            return Err(Rejection::TooLarge);
        }
        Ok(Delivery::from_body(request.body().clone()))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checking_is_separate_from_parsing() {
        let check = DeliveryCheck::new()
            .header(HeaderName::from_static("x-hook-secret"), "s3cret")
            .max_body(16);
        let ok = Request::post("/h")
            .header("x-hook-secret", "s3cret")
            .body(Bytes::from_static(b"not json"))
            .unwrap();
        let delivery = check.check(&ok).unwrap();
        assert_eq!(
            delivery.body(),
            b"not json",
            "stored raw; parsing may fail later"
        );
        let wrong = Request::post("/h")
            .header("x-hook-secret", "nope")
            .body(Bytes::new())
            .unwrap();
        assert_eq!(check.check(&wrong).unwrap_err(), Rejection::BadSecret);
        let big = Request::post("/h")
            .header("x-hook-secret", "s3cret")
            .body(Bytes::from(vec![b' '; 17]))
            .unwrap();
        assert_eq!(check.check(&big).unwrap_err(), Rejection::TooLarge);
        assert!(!format!("{delivery:?}").contains("not json"));
    }
}
