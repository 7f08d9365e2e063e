//! The auth layer: attaches the current token to each try; on a 401, renews once and replays
//! once.
//!
//! It sits inside the retry loop, so every try carries the token current at that moment, and
//! the authenticator sends its own token requests through the quota layer, so logins count
//! against the vendor's budget like any other request.
// Times, durations and dates here come from vendors and users: no arithmetic that can panic.
#![deny(clippy::arithmetic_side_effects)]

use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use tower::{Service, ServiceExt};

use crate::auth::authenticator::{AuthContext, DynAuthenticator};
use crate::auth::cache::TokenCache;
use crate::deadline::{self, Phase};
use crate::error::{Dispatch, Error, ErrorKind};
use crate::request::{BoxFuture, clone_request, operation_of};
use crate::vendor::ResponseReading;

/// The auth layer's service: attaches the current token to each try; on a 401, renews once
/// and replays once.
#[derive(Clone)]
pub(crate) struct AuthService<S> {
    inner: S,
    // One reference count for everything else: tower clones each layer's service per call.
    shared: Arc<AuthShared>,
}

struct AuthShared {
    auth: Arc<dyn DynAuthenticator>,
    cache: Arc<TokenCache>,
    ctx: AuthContext,
}

impl<S> AuthService<S> {
    pub(crate) fn new(
        inner: S,
        auth: Arc<dyn DynAuthenticator>,
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
            deadline::enter(&request, Phase::Login);
            let token = cache
                .current(auth.as_ref(), ctx)
                .await
                .map_err(|e| e.with_dispatch(Dispatch::NotSent))?;
            deadline::enter(&request, Phase::Sending);
            let mut first = clone_request(&request);
            auth.apply(&mut first, &token)?;
            // The same service serves a replay, so the first try needs no clone of it.
            let mut inner = inner;
            let response = inner.ready().await?.call(first).await?;
            if !ResponseReading::of(&response).token_rejected {
                return Ok(response);
            }
            // The server refused the token (expired early, or invalidated): a 401 means the
            // request was not applied, so one replay with a renewed token is safe.
            tracing::debug!("token rejected; renewing once and replaying");
            deadline::enter(&request, Phase::Login);
            let renewed = cache
                .replace_rejected(&token, auth.as_ref(), ctx)
                .await
                .map_err(|e| e.with_dispatch(Dispatch::NotSent))?;
            deadline::enter(&request, Phase::Replay);
            let mut replay = request;
            auth.apply(&mut replay, &renewed)?;
            let response = inner.oneshot(replay).await?;
            if ResponseReading::of(&response).token_rejected {
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
