//! Aloha tokens: `POST /token` with the client id and secret key; `POST /refresh-token` with
//! the previous pair before it expires (3 hours); back to `/token` when refreshing fails. The
//! core caches the token, renews it ahead of expiry and single-flights renewals.
//!
//! Where `/token` lives is an assumption (A16 in docs/assumptions.md): the token path is a
//! setting ([`ClientBuilder::token_path`](crate::ClientBuilder::token_path),
//! `ALOHA_TOKEN_PATH`), so a wrong guess is fixed without a rebuild.

use std::time::Duration;

use practice_core::auth::sensitive_header;
use practice_core::bytes::Bytes;
use practice_core::http::{Request, header::AUTHORIZATION};
use practice_core::time::OffsetDateTime;
use practice_core::wire::Timestamp;
use practice_core::{
    AuthContext, Authenticator, Endpoint, Error, ErrorKind, OperationMeta, Secret, Token,
};

use crate::generated::models::TokenData;
use crate::generated::operations::{PostRefreshTokenRequest, PostTokenRequest};

/// Tokens live three hours from generation; used when an answer omits the expiry.
const TOKEN_LIFETIME: Duration = Duration::from_secs(3 * 3600);

/// Where the token request goes unless configured otherwise: the spec's path of
/// `postToken`, `{base}/token` (assumption A16; the alternative listed in the spec beside it
/// is `/v1/token`). Correcting the spec moves the default with it.
pub fn default_token_path() -> &'static str {
    crate::generated::operations::POST_TOKEN.path_template
}

pub(crate) struct AlohaAuth {
    pub(crate) client_id: String,
    pub(crate) secret_key: Secret,
    /// The token path under the base URL, checked by
    /// [`check_path`](practice_core::base_url::check_path).
    pub(crate) token_path: String,
}

/// The generated token request, sent to the configured path instead of the spec's.
struct AtPath<'a, E> {
    inner: &'a E,
    path: &'a str,
}

impl<E: Endpoint> Endpoint for AtPath<'_, E> {
    type Output = E::Output;

    fn meta(&self) -> &'static OperationMeta {
        self.inner.meta()
    }

    fn validate(&self) -> Result<(), Error> {
        self.inner.validate()
    }

    fn path(&self) -> String {
        self.path.to_owned()
    }

    fn query(&self) -> Vec<(&'static str, String)> {
        self.inner.query()
    }

    fn body(&self) -> Result<Option<Bytes>, Error> {
        self.inner.body()
    }

    fn decode(&self, body: &[u8]) -> Result<Self::Output, Error> {
        self.inner.decode(body)
    }
}

impl AlohaAuth {
    async fn login(&self, ctx: &AuthContext) -> Result<Token, Error> {
        let request = PostTokenRequest::builder()
            .client_id(self.client_id.clone())
            .secret_key(self.secret_key.clone())
            .build()?;
        let request = AtPath {
            inner: &request,
            path: &self.token_path,
        };
        token_from(ctx.execute(&request).await?)
    }

    async fn refresh(
        &self,
        ctx: &AuthContext,
        previous: &Token,
        refresh: &Secret,
    ) -> Result<Token, Error> {
        let request = PostRefreshTokenRequest::builder()
            .client_id(self.client_id.clone())
            .access_token(previous.access().clone())
            .refresh_token(refresh.clone())
            .build()?;
        token_from(ctx.execute(&request).await?)
    }
}

fn token_from(data: TokenData) -> Result<Token, Error> {
    let access = data.access_token.filter(|t| !t.is_empty()).ok_or_else(|| {
        Error::new(
            ErrorKind::Authentication,
            "the token answer carried no accessToken",
        )
    })?;
    let token = match data.access_token_expiration.as_deref().map(str::trim) {
        None | Some("") => Token::valid_for(access, TOKEN_LIFETIME),
        Some(text) => match Timestamp::parse(text) {
            Ok(at) if at > OffsetDateTime::now_utc() => Token::expiring_at(access, at),
            // A token is not refused for its label: an unreadable expiry, or one already past
            // (a skewed server clock), gets the documented lifetime, and a 401 still renews it.
            Ok(_) => {
                tracing::warn!(
                    "the token answer's accessTokenExpiration is already past (clock skew?); assuming the documented 3 hours"
                );
                Token::valid_for(access, TOKEN_LIFETIME)
            }
            Err(_) => {
                tracing::warn!(
                    "the token answer's accessTokenExpiration is unreadable; assuming the documented 3 hours"
                );
                Token::valid_for(access, TOKEN_LIFETIME)
            }
        },
    };
    Ok(match data.refresh_token.filter(|t| !t.is_empty()) {
        Some(refresh) => token.with_refresh(refresh),
        None => token,
    })
}

impl Authenticator for AlohaAuth {
    fn credential_key(&self) -> String {
        self.client_id.clone()
    }

    async fn acquire(&self, ctx: &AuthContext, previous: Option<&Token>) -> Result<Token, Error> {
        if let Some(previous) = previous
            && let Some(refresh) = previous.refresh()
        {
            match self.refresh(ctx, previous, refresh).await {
                Ok(token) => return Ok(token),
                Err(err) => {
                    tracing::debug!(error = %err, "refresh-token failed; requesting a new token");
                }
            }
        }
        self.login(ctx).await
    }

    fn secrets(&self) -> Vec<Secret> {
        // The client id is half of the credential pair: masked as well.
        vec![self.secret_key.clone(), Secret::new(self.client_id.clone())]
    }

    fn apply(&self, request: &mut Request<Bytes>, token: &Token) -> Result<(), Error> {
        let value = sensitive_header(&format!("Bearer {}", token.access().expose()))?;
        request.headers_mut().insert(AUTHORIZATION, value);
        Ok(())
    }
}
