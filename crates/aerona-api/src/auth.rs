//! Aerona tokens: the login (its method, path and body are an assumption kept in the spec)
//! answers with the token in the `AERONA-AUTH-TOKEN` response header; every other call sends
//! it back in a request header of the same name. Tokens live one hour.

use std::time::Duration;

use practice_core::auth::{BoxFuture, sensitive_header};
use practice_core::bytes::Bytes;
use practice_core::http::{HeaderName, Request};
use practice_core::{AuthContext, Authenticator, Error, ErrorKind, Secret, Token};

use crate::generated::operations::LoginRequest;

/// The header carrying the token, both ways.
pub const TOKEN_HEADER: HeaderName = HeaderName::from_static("aerona-auth-token");

/// Tokens are valid for one hour after login.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

pub(crate) struct AeronaAuth {
    pub(crate) username: String,
    pub(crate) password: Secret,
    pub(crate) pin: Option<Secret>,
}

impl AeronaAuth {
    pub(crate) fn login_request(&self) -> Result<LoginRequest, Error> {
        let builder = LoginRequest::builder()
            .username(self.username.clone())
            .password(self.password.clone());
        match &self.pin {
            Some(pin) => builder.pin(pin.clone()).build(),
            None => builder.build(),
        }
    }
}

impl Authenticator for AeronaAuth {
    fn credential_key(&self) -> String {
        self.username.clone()
    }

    fn acquire<'a>(
        &'a self,
        ctx: &'a AuthContext,
        _previous: Option<&'a Token>,
    ) -> BoxFuture<'a, Result<Token, Error>> {
        Box::pin(async move {
            let response = ctx.execute_raw(&self.login_request()?).await?;
            let token = response
                .headers()
                .get(&TOKEN_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::Authentication,
                        "the login answer carried no AERONA-AUTH-TOKEN header",
                    )
                    .with_operation("login")
                })?;
            Ok(Token::valid_for(Secret::new(token), TOKEN_LIFETIME))
        })
    }

    fn secrets(&self) -> Vec<Secret> {
        let mut secrets = vec![self.password.clone()];
        secrets.extend(self.pin.clone());
        secrets
    }

    fn apply(&self, request: &mut Request<Bytes>, token: &Token) -> Result<(), Error> {
        let value = sensitive_header(token.access().expose())?;
        request.headers_mut().insert(TOKEN_HEADER, value);
        Ok(())
    }
}
