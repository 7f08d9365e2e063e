//! Checking a delivery: method, shared secret, size. Parsing is separate.

use practice_core::Secret;
use practice_core::bytes::Bytes;
use practice_core::http::{HeaderName, Request, StatusCode, header};
use subtle::ConstantTimeEq;

use super::delivery::Delivery;

/// The default limit on a delivery's size (256 KiB): also the most memory one delivery can
/// hold while its body is read.
pub const DEFAULT_MAX_BODY: usize = 256 * 1024;

/// Why a delivery was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// The shared secret was missing or wrong, or none is configured (answered 404, so the URL
    /// reveals nothing).
    BadSecret,
    /// The body was over the size limit, declared or read (answered 413).
    TooLarge,
    /// Not a POST (answered 405).
    WrongMethod,
    /// The body could not be read (answered 400).
    Unreadable,
    /// The body did not arrive within the receiver's body timeout (answered 408).
    TooSlow,
}

impl Rejection {
    /// The status answered for this rejection. None is `200`, so a genuine delivery refused by
    /// mistake is retried by Aerona.
    pub fn status(&self) -> StatusCode {
        match self {
            Rejection::BadSecret => StatusCode::NOT_FOUND,
            Rejection::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Rejection::WrongMethod => StatusCode::METHOD_NOT_ALLOWED,
            Rejection::Unreadable => StatusCode::BAD_REQUEST,
            Rejection::TooSlow => StatusCode::REQUEST_TIMEOUT,
        }
    }
}

/// How deliveries prove they come from Aerona. `Debug` shows the header name, never a secret.
#[derive(Clone, Debug)]
enum SharedSecret {
    /// None configured yet: every delivery is refused (the safe default).
    Unset,
    /// Explicitly switched off by [`DeliveryCheck::without_signature_check`].
    Disabled,
    PathToken(Secret),
    Header(HeaderName, Secret),
}

/// Checks a delivery: method, shared secret and size. Parsing is separate.
///
/// A check starts with no secret and then refuses every delivery: configure one with
/// [`path_token`](Self::path_token) or [`header`](Self::header), or opt out explicitly with
/// [`without_signature_check`](Self::without_signature_check). `Debug` redacts the secret.
#[derive(Clone, Debug)]
pub struct DeliveryCheck {
    secret: SharedSecret,
    max_body: usize,
}

impl Default for DeliveryCheck {
    fn default() -> Self {
        Self::new()
    }
}

impl DeliveryCheck {
    /// No secret yet (every delivery refused until one is set), [`DEFAULT_MAX_BODY`].
    pub fn new() -> Self {
        DeliveryCheck {
            secret: SharedSecret::Unset,
            max_body: DEFAULT_MAX_BODY,
        }
    }

    /// Accepts deliveries without any shared secret: anyone who learns the URL can post events.
    /// Logs a warning, since this is only for a URL that nothing else can reach.
    pub fn without_signature_check() -> Self {
        tracing::warn!(
            "aerona webhooks: the shared-secret check is switched off; anyone who can reach the \
             URL can post events"
        );
        DeliveryCheck {
            secret: SharedSecret::Disabled,
            max_body: DEFAULT_MAX_BODY,
        }
    }

    /// Requires the URL path's last segment to equal `token` (configure Aerona with
    /// `https://you.example/hooks/aerona/<token>`). An empty token refuses every delivery.
    pub fn path_token(mut self, token: impl Into<String>) -> Self {
        let token = Secret::new(token);
        self.secret = if token.expose().is_empty() {
            SharedSecret::Unset
        } else {
            SharedSecret::PathToken(token)
        };
        self
    }

    /// Requires header `name` to equal `value`. An empty value refuses every delivery.
    pub fn header(mut self, name: HeaderName, value: impl Into<String>) -> Self {
        let value = Secret::new(value);
        self.secret = if value.expose().is_empty() {
            SharedSecret::Unset
        } else {
            SharedSecret::Header(name, value)
        };
        self
    }

    /// Refuses bodies over `bytes`, declared (`Content-Length`) or read.
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// The size limit in bytes.
    pub fn body_limit(&self) -> usize {
        self.max_body
    }

    /// Whether deliveries can pass: a secret is set, or the check was explicitly switched off.
    pub fn accepts_deliveries(&self) -> bool {
        !matches!(self.secret, SharedSecret::Unset)
    }

    /// Checks method, secret and declared size of a request whose body has not been read yet.
    /// The secret is checked before the size, so an outsider learns nothing about the limit.
    pub fn check_head<B>(&self, request: &Request<B>) -> Result<(), Rejection> {
        if request.method() != practice_core::http::Method::POST {
            return Err(Rejection::WrongMethod);
        }
        let expected = match &self.secret {
            SharedSecret::Unset => return Err(Rejection::BadSecret),
            SharedSecret::Disabled => None,
            SharedSecret::PathToken(token) => Some((path_token_of(request), token)),
            SharedSecret::Header(name, value) => Some((
                request
                    .headers()
                    .get(name)
                    .map(|v| v.as_bytes())
                    .unwrap_or(b""),
                value,
            )),
        };
        if let Some((given, secret)) = expected {
            // `subtle` compares in time independent of where the bytes differ.
            if !bool::from(given.ct_eq(secret.expose().as_bytes())) {
                return Err(Rejection::BadSecret);
            }
        }
        let declared = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let limit = u64::try_from(self.max_body).unwrap_or(u64::MAX);
        if declared.is_some_and(|len| len > limit) {
            return Err(Rejection::TooLarge);
        }
        Ok(())
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

/// The last non-empty segment of the request's path.
fn path_token_of<B>(request: &Request<B>) -> &[u8] {
    request
        .uri()
        .path()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("")
        .as_bytes()
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

    #[test]
    fn no_secret_refuses_everything_unless_switched_off() {
        let request = || Request::post("/hooks/x").body(Bytes::new()).unwrap();
        let unset = DeliveryCheck::new();
        assert!(!unset.accepts_deliveries());
        assert_eq!(unset.check(&request()).unwrap_err(), Rejection::BadSecret);
        let empty = DeliveryCheck::new().path_token("");
        assert_eq!(empty.check(&request()).unwrap_err(), Rejection::BadSecret);
        let off = DeliveryCheck::without_signature_check();
        assert!(off.accepts_deliveries());
        assert!(off.check(&request()).is_ok());
    }

    #[test]
    fn a_declared_length_over_the_limit_is_refused_before_reading() {
        let check = DeliveryCheck::new().path_token("tok").max_body(10);
        let declared = Request::post("/tok")
            .header("content-length", "11")
            .body(())
            .unwrap();
        assert_eq!(check.check_head(&declared), Err(Rejection::TooLarge));
        let outsider = Request::post("/nope")
            .header("content-length", "11")
            .body(())
            .unwrap();
        assert_eq!(check.check_head(&outsider), Err(Rejection::BadSecret));
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let path = DeliveryCheck::new().path_token("tok-abc-123");
        let header = DeliveryCheck::new().header(HeaderName::from_static("x-hook"), "hdr-xyz-789");
        assert!(!format!("{path:?}").contains("tok-abc-123"));
        let shown = format!("{header:?}");
        assert!(!shown.contains("hdr-xyz-789"));
        assert!(shown.contains("x-hook"), "{shown}");
    }
}
