//! Aloha tokens: `POST /token` with the client id and secret key; `POST /refresh-token` with
//! the previous pair before it expires (3 hours); back to `/token` when refreshing fails. The
//! core caches the token, renews it ahead of expiry and single-flights renewals.

use std::time::Duration;

use practice_core::auth::{BoxFuture, sensitive_header};
use practice_core::bytes::Bytes;
use practice_core::http::{Request, header::AUTHORIZATION};
use practice_core::time::OffsetDateTime;
use practice_core::wire::Timestamp;
use practice_core::{AuthContext, Authenticator, Error, ErrorKind, Secret, Token};

use crate::generated::models::TokenData;
use crate::generated::operations::{PostRefreshTokenRequest, PostTokenRequest};

/// Tokens live three hours from generation; used when an answer omits the expiry.
const TOKEN_LIFETIME: Duration = Duration::from_secs(3 * 3600);

pub(crate) struct AlohaAuth {
    pub(crate) client_id: String,
    pub(crate) secret_key: Secret,
}

impl AlohaAuth {
    async fn login(&self, ctx: &AuthContext) -> Result<Token, Error> {
        let request = PostTokenRequest::builder()
            .client_id(self.client_id.clone())
            .secret_key(self.secret_key.clone())
            .build()?;
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

    fn acquire<'a>(
        &'a self,
        ctx: &'a AuthContext,
        previous: Option<&'a Token>,
    ) -> BoxFuture<'a, Result<Token, Error>> {
        Box::pin(async move {
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
        })
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
