//! Tokens: a vendor crate says how to obtain one and how to attach it ([`Authenticator`]); the
//! core owns caching, renewal before expiry, single flight and the one renewal + one replay
//! after a 401.
//!
//! The layer sits inside the retry loop, so every try carries the token current at that
//! moment, and it sends its own token requests through the quota layer, so logins count
//! against the vendor's budget like any other request.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use time::OffsetDateTime;
use tokio::time::Instant;
use tower::{Service, ServiceExt};
use tracing::Instrument;

use crate::client::{Dispatcher, InnerService};
use crate::error::{Dispatch, Error, ErrorKind};
use crate::operation::{Endpoint, OperationMeta};
use crate::secret::Secret;

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// An access token and what is needed to renew it.
#[derive(Clone)]
pub struct Token {
    access: Secret,
    refresh: Option<Secret>,
    expires_at: Instant,
}

impl Token {
    /// A token valid until `expires_at` (on tokio's clock).
    pub fn new(access: Secret, expires_at: Instant) -> Self {
        Token {
            access,
            refresh: None,
            expires_at,
        }
    }

    /// A token valid for `lifetime` from now.
    pub fn valid_for(access: Secret, lifetime: Duration) -> Self {
        Self::new(access, Instant::now() + lifetime)
    }

    /// A token that expires at a wall-clock instant sent by the vendor.
    pub fn expiring_at(access: Secret, at: OffsetDateTime) -> Self {
        let left = at - OffsetDateTime::now_utc();
        Self::valid_for(access, left.try_into().unwrap_or(Duration::ZERO))
    }

    /// Adds a refresh token.
    pub fn with_refresh(mut self, refresh: Secret) -> Self {
        self.refresh = Some(refresh);
        self
    }

    /// The access token.
    pub fn access(&self) -> &Secret {
        &self.access
    }

    /// The refresh token, if the vendor issues one.
    pub fn refresh(&self) -> Option<&Secret> {
        self.refresh.as_ref()
    }

    /// When the token expires, on tokio's clock.
    pub fn expires_at(&self) -> Instant {
        self.expires_at
    }

    /// Whether the token is still valid now.
    pub fn is_valid(&self) -> bool {
        Instant::now() < self.expires_at
    }

    /// Whether the token is valid for at least `margin` more.
    pub fn is_fresh(&self, margin: Duration) -> bool {
        Instant::now() + margin < self.expires_at
    }

    fn same_as(&self, other: &Token) -> bool {
        self.access == other.access
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("access", &self.access)
            .field("refresh", &self.refresh)
            .field(
                "expires_in",
                &self.expires_at.saturating_duration_since(Instant::now()),
            )
            .finish()
    }
}

/// Where tokens are kept, keyed by credential identity (never by the secret). The in-memory
/// default serves one process; a shared store lets a fleet reuse one token.
pub trait TokenStore: Send + Sync + 'static {
    /// The stored token for `key`, if any.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Token>, Error>>;
    /// Stores `token` for `key`.
    fn put<'a>(&'a self, key: &'a str, token: Token) -> BoxFuture<'a, Result<(), Error>>;
    /// Removes the token for `key` if it is still `token` (a 401 evicts the rejected token, not
    /// a newer one another task already stored).
    fn remove_if_same<'a>(
        &'a self,
        key: &'a str,
        token: &'a Token,
    ) -> BoxFuture<'a, Result<(), Error>>;

    /// Claims the right to renew the token for `key`, for at most `hold`, across everything
    /// that shares this store. A store serving one process may always grant it (the default):
    /// the cache already lets one task at a time renew. A shared store grants it to one
    /// process; the claim lapses by itself after `hold`, so a holder that crashed cannot block
    /// the others.
    fn claim_renewal<'a>(
        &'a self,
        key: &'a str,
        hold: Duration,
    ) -> BoxFuture<'a, Result<RenewalClaim, Error>> {
        let _ = (key, hold);
        Box::pin(async { Ok(RenewalClaim::Granted(ClaimId::local())) })
    }

    /// Gives up a claim granted by [`TokenStore::claim_renewal`], if it is still this one's.
    fn release_renewal<'a>(
        &'a self,
        key: &'a str,
        claim: &'a ClaimId,
    ) -> BoxFuture<'a, Result<(), Error>> {
        let _ = (key, claim);
        Box::pin(async { Ok(()) })
    }
}

/// The answer to [`TokenStore::claim_renewal`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenewalClaim {
    /// This caller renews, and releases the claim afterwards.
    Granted(ClaimId),
    /// Another process is renewing; its claim lapses within `lapses_in` at the latest.
    HeldElsewhere {
        /// The longest the other claim can still last.
        lapses_in: Duration,
    },
}

/// Identifies one renewal claim, so that only its holder releases it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimId(String);

impl ClaimId {
    /// A new, random claim id.
    pub fn random() -> Self {
        ClaimId(format!(
            "{:016x}{:016x}",
            fastrand::u64(..),
            fastrand::u64(..)
        ))
    }

    fn local() -> Self {
        ClaimId("local".to_owned())
    }

    /// The id as text, for storing it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The default [`TokenStore`]: a map in this process.
#[derive(Default)]
pub struct InMemoryTokenStore {
    tokens: Mutex<HashMap<String, Token>>,
}

impl InMemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Token>> {
        self.tokens.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl TokenStore for InMemoryTokenStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Token>, Error>> {
        let token = self.map().get(key).cloned();
        Box::pin(async move { Ok(token) })
    }

    fn put<'a>(&'a self, key: &'a str, token: Token) -> BoxFuture<'a, Result<(), Error>> {
        self.map().insert(key.to_owned(), token);
        Box::pin(async { Ok(()) })
    }

    fn remove_if_same<'a>(
        &'a self,
        key: &'a str,
        token: &'a Token,
    ) -> BoxFuture<'a, Result<(), Error>> {
        let mut map = self.map();
        if map.get(key).is_some_and(|t| t.same_as(token)) {
            map.remove(key);
        }
        Box::pin(async { Ok(()) })
    }
}

impl fmt::Debug for InMemoryTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InMemoryTokenStore")
            .field("keys", &self.map().len())
            .finish()
    }
}

/// What a vendor crate implements: how to obtain a token and how to attach it.
pub trait Authenticator: Send + Sync + 'static {
    /// The identity the token belongs to, used as the store key. Must not contain a secret
    /// (for example `aloha:<clientId>`).
    fn credential_key(&self) -> String;

    /// Obtains a new token. `previous` is the last token, possibly expired, for vendors that
    /// can refresh one; the implementation falls back to a fresh login when refreshing fails.
    fn acquire<'a>(
        &'a self,
        ctx: &'a AuthContext,
        previous: Option<&'a Token>,
    ) -> BoxFuture<'a, Result<Token, Error>>;

    /// Attaches `token` to an outgoing request.
    fn apply(&self, request: &mut Request<Bytes>, token: &Token) -> Result<(), Error>;
}

/// Lets an [`Authenticator`] send its token requests through the quota, timeout and transport
/// layers (not through auth or retry).
#[derive(Clone)]
pub struct AuthContext {
    inner: InnerService,
    dispatcher: Arc<Dispatcher>,
}

impl AuthContext {
    pub(crate) fn new(inner: InnerService, dispatcher: Arc<Dispatcher>) -> Self {
        AuthContext { inner, dispatcher }
    }

    /// Validates, sends and decodes a token request.
    pub async fn execute<E: Endpoint>(&self, endpoint: &E) -> Result<E::Output, Error> {
        let meta = endpoint.meta();
        let request = self.dispatcher.build_request(endpoint)?;
        let span = tracing::debug_span!("token", vendor = meta.vendor, operation = meta.name);
        let response = self
            .inner
            .call_shared(request)
            .instrument(span)
            .await
            .map_err(|e| e.with_operation(meta.name))?;
        self.dispatcher.finish(endpoint, response)
    }

    /// When a response header carries the token (Aerona), the raw response is needed.
    pub async fn execute_raw<E: Endpoint>(&self, endpoint: &E) -> Result<Response<Bytes>, Error> {
        let meta = endpoint.meta();
        let request = self.dispatcher.build_request(endpoint)?;
        let response = self
            .inner
            .call_shared(request)
            .await
            .map_err(|e| e.with_operation(meta.name))?;
        self.dispatcher.check_status(meta, response)
    }
}

/// Renewal settings.
#[derive(Debug, Clone)]
pub struct RenewalPolicy {
    /// Renew this long before expiry. Default 5 minutes.
    pub margin: Duration,
    /// After a failed renewal while the old token is still valid, wait this long before trying
    /// again (so a vendor outage does not turn every call into a renewal attempt). Default 30 s.
    pub retry_failed_after: Duration,
    /// With a shared [`TokenStore`], the longest one process may hold the renewal claim before
    /// the others stop waiting for it and renew themselves. Default 60 s.
    pub claim_hold: Duration,
}

impl Default for RenewalPolicy {
    fn default() -> Self {
        RenewalPolicy {
            margin: Duration::from_secs(300),
            retry_failed_after: Duration::from_secs(30),
            claim_hold: Duration::from_secs(60),
        }
    }
}

/// How often a process re-reads a shared store while another renews: from the first to the
/// last interval, doubling. Renewals happen about once a token lifetime, so this is rare.
const WAIT_FOR_RENEWAL: (Duration, Duration) =
    (Duration::from_millis(20), Duration::from_millis(500));

/// The core-owned cache in front of a [`TokenStore`]: single flight per process, renewal
/// before expiry, and a failed renewal never evicts a token that is still valid.
pub(crate) struct TokenCache {
    store: Arc<dyn TokenStore>,
    key: String,
    renewal: tokio::sync::Mutex<Option<Instant>>,
    policy: RenewalPolicy,
}

impl TokenCache {
    pub(crate) fn new(store: Arc<dyn TokenStore>, key: String, policy: RenewalPolicy) -> Self {
        TokenCache {
            store,
            key,
            renewal: tokio::sync::Mutex::new(None),
            policy,
        }
    }

    async fn current(&self, auth: &dyn Authenticator, ctx: &AuthContext) -> Result<Token, Error> {
        if let Some(token) = self.store.get(&self.key).await?
            && token.is_fresh(self.policy.margin)
        {
            return Ok(token);
        }
        // One renewal at a time in this process; whoever waited here finds the new token in
        // the store.
        let mut last_failure = self.renewal.lock().await;
        loop {
            let existing = self.store.get(&self.key).await?;
            if let Some(token) = &existing {
                if token.is_fresh(self.policy.margin) {
                    return Ok(token.clone());
                }
                let backing_off = last_failure
                    .is_some_and(|at| Instant::now() < at + self.policy.retry_failed_after);
                if backing_off && token.is_valid() {
                    return Ok(token.clone());
                }
            }
            // And one at a time across the processes sharing the store.
            match self
                .store
                .claim_renewal(&self.key, self.policy.claim_hold)
                .await?
            {
                RenewalClaim::Granted(claim) => {
                    let renewed = self
                        .renew(auth, ctx, &mut last_failure, existing.as_ref())
                        .await;
                    // A claim that cannot be released lapses on its own; the renewal's outcome
                    // is what the caller needs.
                    if let Err(err) = self.store.release_renewal(&self.key, &claim).await {
                        tracing::warn!(
                            vendor = ctx.dispatcher.vendor(),
                            error = %err,
                            "could not release the renewal claim; it will lapse"
                        );
                    }
                    return renewed;
                }
                RenewalClaim::HeldElsewhere { lapses_in } => {
                    // A renewal ahead of expiry elsewhere: the current token still serves.
                    if let Some(token) = existing.filter(Token::is_valid) {
                        return Ok(token);
                    }
                    if let Some(token) = self.wait_for_renewal(lapses_in).await? {
                        return Ok(token);
                    }
                    // The claim lapsed without a new token (its holder failed or crashed):
                    // claim it again.
                }
            }
        }
    }

    /// Re-reads the store until another process has stored a usable token, or its claim has
    /// lapsed (`None`).
    async fn wait_for_renewal(&self, lapses_in: Duration) -> Result<Option<Token>, Error> {
        let deadline = Instant::now() + lapses_in;
        let (mut interval, longest) = WAIT_FOR_RENEWAL;
        loop {
            tokio::time::sleep(interval.min(deadline.saturating_duration_since(Instant::now())))
                .await;
            if let Some(token) = self.store.get(&self.key).await?
                && token.is_valid()
            {
                return Ok(Some(token));
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            interval = (interval * 2).min(longest);
        }
    }

    /// Obtains a new token and stores it; on failure keeps a still-valid one.
    async fn renew(
        &self,
        auth: &dyn Authenticator,
        ctx: &AuthContext,
        last_failure: &mut Option<Instant>,
        existing: Option<&Token>,
    ) -> Result<Token, Error> {
        // Another process may have renewed between our read and our claim.
        if let Some(token) = self.store.get(&self.key).await?
            && token.is_fresh(self.policy.margin)
        {
            return Ok(token);
        }
        match auth.acquire(ctx, existing).await {
            Ok(token) => {
                *last_failure = None;
                self.store.put(&self.key, token.clone()).await?;
                tracing::debug!(vendor = ctx.dispatcher.vendor(), "token renewed");
                Ok(token)
            }
            Err(err) => match existing {
                Some(token) if token.is_valid() => {
                    *last_failure = Some(Instant::now());
                    tracing::warn!(
                        vendor = ctx.dispatcher.vendor(),
                        error = %err,
                        "token renewal failed; keeping the current token until it expires"
                    );
                    Ok(token.clone())
                }
                _ => Err(err),
            },
        }
    }

    async fn replace_rejected(
        &self,
        rejected: &Token,
        auth: &dyn Authenticator,
        ctx: &AuthContext,
    ) -> Result<Token, Error> {
        self.store.remove_if_same(&self.key, rejected).await?;
        self.current(auth, ctx).await
    }
}

/// The auth layer's service: attaches the current token to each try; on a 401, renews once
/// and replays once.
#[derive(Clone)]
pub(crate) struct AuthService<S> {
    inner: S,
    // One reference count for everything else: tower clones each layer's service per call.
    shared: Arc<AuthShared>,
}

struct AuthShared {
    auth: Arc<dyn Authenticator>,
    cache: Arc<TokenCache>,
    ctx: AuthContext,
}

impl<S> AuthService<S> {
    pub(crate) fn new(
        inner: S,
        auth: Arc<dyn Authenticator>,
        cache: Arc<TokenCache>,
        ctx: AuthContext,
    ) -> Self {
        AuthService {
            inner,
            shared: Arc::new(AuthShared { auth, cache, ctx }),
        }
    }
}

impl<S> Service<Request<Bytes>> for AuthService<S>
where
    S: Service<Request<Bytes>, Response = Response<Bytes>, Error = Error> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response<Bytes>;
    type Error = Error;
    type Future = BoxFuture<'static, Result<Response<Bytes>, Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Bytes>) -> Self::Future {
        let inner = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, inner);
        let shared = self.shared.clone();
        Box::pin(async move {
            let AuthShared { auth, cache, ctx } = &*shared;
            let meta = operation_of(&request);
            let needs_token = meta.is_none_or(|m| m.authenticated);
            if !needs_token {
                return inner.oneshot(request).await;
            }
            // A failure to obtain a token means the request itself was never sent.
            let token = cache
                .current(auth.as_ref(), ctx)
                .await
                .map_err(|e| e.with_dispatch(Dispatch::NotSent))?;
            let mut first = clone_request(&request);
            auth.apply(&mut first, &token)?;
            // The same service serves a replay, so the first try needs no clone of it.
            let mut inner = inner;
            let response = inner.ready().await?.call(first).await?;
            if response.status() != StatusCode::UNAUTHORIZED {
                return Ok(response);
            }
            // The server refused the token (expired early, or invalidated): a 401 means the
            // request was not applied, so one replay with a renewed token is safe.
            tracing::debug!("token rejected; renewing once and replaying");
            let renewed = cache
                .replace_rejected(&token, auth.as_ref(), ctx)
                .await
                .map_err(|e| e.with_dispatch(Dispatch::NotSent))?;
            let mut replay = request;
            auth.apply(&mut replay, &renewed)?;
            let response = inner.oneshot(replay).await?;
            if response.status() == StatusCode::UNAUTHORIZED {
                let mut err = Error::new(
                    ErrorKind::Authentication,
                    "the vendor rejected a freshly renewed token",
                )
                .with_status(StatusCode::UNAUTHORIZED)
                .with_dispatch(Dispatch::NotSent);
                if let Some(meta) = meta {
                    err = err.with_operation(meta.name);
                }
                return Err(err);
            }
            Ok(response)
        })
    }
}

/// The operation a request belongs to, set by the client when it builds the request.
pub fn operation_of<B>(request: &Request<B>) -> Option<&'static OperationMeta> {
    request
        .extensions()
        .get::<&'static OperationMeta>()
        .copied()
}

/// Copies a request, body and extensions included (bodies are `Bytes`, so this is cheap).
pub fn clone_request(request: &Request<Bytes>) -> Request<Bytes> {
    let mut copy = Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    *copy.extensions_mut() = request.extensions().clone();
    copy
}
