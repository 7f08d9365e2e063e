//! What a vendor crate implements ([`Authenticator`]), and the context through which it sends
//! its token requests ([`AuthContext`]).

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderValue, Request, Response};
use tracing::Instrument;

use crate::auth::token::Token;
use crate::error::{Error, ErrorKind};
use crate::exchange::Exchange;
use crate::operation::Endpoint;
use crate::request::BoxFuture;
use crate::secret::Secret;
use crate::service::TransportService;

/// What a vendor crate implements: how to obtain a token and how to attach it.
pub trait Authenticator: Send + Sync + 'static {
    /// The identity the token belongs to, used as the store key. Must not contain a secret
    /// (for example a client id or user name).
    fn credential_key(&self) -> String;

    /// Obtains a new token. `previous` is the last token, possibly expired, for vendors that
    /// can refresh one; the implementation falls back to a fresh login when refreshing fails.
    /// Implemented as an `async fn`.
    fn acquire(
        &self,
        ctx: &AuthContext,
        previous: Option<&Token>,
    ) -> impl Future<Output = Result<Token, Error>> + Send;

    /// Attaches `token` to an outgoing request.
    fn apply(&self, request: &mut Request<Bytes>, token: &Token) -> Result<(), Error>;

    /// The credentials this authenticator holds (passwords, keys, PINs, and ids the vendor
    /// treats as credentials), masked in every error and log line even when a vendor echoes
    /// them. Tokens are masked without being listed here.
    fn secrets(&self) -> Vec<Secret> {
        Vec::new()
    }
}

/// [`Authenticator`] as the stack holds it (`dyn`): its future boxed. Implemented for every
/// `Authenticator`, so that vendors write a plain `async fn acquire`.
pub(crate) trait DynAuthenticator: Send + Sync + 'static {
    fn acquire<'a>(
        &'a self,
        ctx: &'a AuthContext,
        previous: Option<&'a Token>,
    ) -> BoxFuture<'a, Result<Token, Error>>;
    fn apply(&self, request: &mut Request<Bytes>, token: &Token) -> Result<(), Error>;
}

impl<A: Authenticator> DynAuthenticator for A {
    fn acquire<'a>(
        &'a self,
        ctx: &'a AuthContext,
        previous: Option<&'a Token>,
    ) -> BoxFuture<'a, Result<Token, Error>> {
        Box::pin(Authenticator::acquire(self, ctx, previous))
    }

    fn apply(&self, request: &mut Request<Bytes>, token: &Token) -> Result<(), Error> {
        Authenticator::apply(self, request, token)
    }
}

/// Lets an [`Authenticator`] send its token requests through the layers below auth (quota,
/// timeout, reading, transport; not auth or retry), each in a `token` span. The request is
/// built and its answer read as a caller's is, but it never goes back up through the callers'
/// send path it was called from.
#[derive(Clone)]
pub struct AuthContext {
    below_auth: TransportService,
    exchange: Arc<Exchange>,
}

impl std::fmt::Debug for AuthContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthContext").finish_non_exhaustive()
    }
}

impl AuthContext {
    pub(crate) fn new(below_auth: TransportService, exchange: Arc<Exchange>) -> Self {
        AuthContext {
            below_auth,
            exchange,
        }
    }

    /// The vendor's name, for logs.
    pub(crate) fn vendor(&self) -> &'static str {
        self.exchange.vendor()
    }

    /// Validates, sends and decodes a token request.
    pub async fn execute<E: Endpoint>(&self, endpoint: &E) -> Result<E::Output, Error> {
        let response = self.execute_raw(endpoint).await?;
        endpoint
            .decode(response.body())
            .map_err(|err| self.exchange.redact(err))
    }

    /// Like [`execute`](Self::execute), but returns the successful answer undecoded, for a
    /// vendor whose token comes back in a response header.
    pub async fn execute_raw<E: Endpoint>(&self, endpoint: &E) -> Result<Response<Bytes>, Error> {
        let meta = endpoint.meta();
        let span = tracing::debug_span!("token", vendor = meta.vendor, operation = meta.name);
        let request = self.exchange.request(endpoint)?;
        let response = self
            .below_auth
            .call_shared(request)
            .instrument(span)
            .await
            .map_err(|e| self.exchange.redact(e.with_operation(meta.name)))?;
        // A token request has no deadline of its own: the caller's call clock, if any, cuts
        // the whole call from above.
        self.exchange.answer(meta, response, None)
    }
}

/// A header value that carries a secret, marked sensitive (http's `Debug` hides it and HTTP/2
/// never indexes it). Fails, naming no secret, if `value` is not a valid header value.
pub fn sensitive_header(value: &str) -> Result<HeaderValue, Error> {
    let mut header = HeaderValue::from_str(value).map_err(|_| {
        Error::new(
            ErrorKind::Authentication,
            "the token is not a valid header value",
        )
    })?;
    header.set_sensitive(true);
    Ok(header)
}
