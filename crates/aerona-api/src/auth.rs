//! Aerona tokens: the login (its method, path and body are an assumption kept in the spec)
//! answers with the token in the `AERONA-AUTH-TOKEN` response header; every other call sends
//! it back in a request header of the same name. Tokens live one hour.
//!
//! The login's path and body encoding are settings ([`ClientBuilder::login_path`],
//! [`ClientBuilder::login_encoding`], `AERONA_LOGIN_PATH`, `AERONA_LOGIN_ENCODING`): a wrong
//! guess (A1 in docs/assumptions.md) is fixed without a rebuild.
//!
//! [`ClientBuilder::login_path`]: crate::ClientBuilder::login_path
//! [`ClientBuilder::login_encoding`]: crate::ClientBuilder::login_encoding

use std::time::Duration;

use practice_core::auth::sensitive_header;
use practice_core::bytes::Bytes;
use practice_core::http::{HeaderName, Request};
use practice_core::{
    AuthContext, Authenticator, Endpoint, Error, ErrorKind, OperationMeta, Secret, Token,
};

use crate::generated::operations::LoginRequest;

/// The header carrying the token, both ways.
pub const TOKEN_HEADER: HeaderName = HeaderName::from_static("aerona-auth-token");

/// Tokens are valid for one hour after login.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// Where the login goes unless configured otherwise: the spec's path of `login`,
/// `/v1/login` (assumption A1; the alternative listed in the spec beside it is
/// `/v1/auth/login`). Correcting the spec moves the default with it.
pub fn default_login_path() -> &'static str {
    crate::generated::operations::LOGIN.path_template
}

/// How the login body is encoded (assumption A1: JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum LoginEncoding {
    /// `application/json`: `{"username", "password", "pin"?}`. The default.
    #[default]
    Json,
    /// `application/x-www-form-urlencoded`: `username=…&password=…&pin=…`.
    Form,
}

impl LoginEncoding {
    /// `json` or `form` (as `AERONA_LOGIN_ENCODING` is written), case aside.
    pub fn parse(text: &str) -> Result<Self, Error> {
        match text.trim().to_ascii_lowercase().as_str() {
            "json" => Ok(LoginEncoding::Json),
            "form" => Ok(LoginEncoding::Form),
            _ => Err(Error::configuration(format!(
                "AERONA_LOGIN_ENCODING={:?} is neither `json` nor `form`",
                text.trim()
            ))),
        }
    }

    /// `json` or `form`.
    pub fn as_str(self) -> &'static str {
        match self {
            LoginEncoding::Json => "json",
            LoginEncoding::Form => "form",
        }
    }
}

pub(crate) struct AeronaAuth {
    pub(crate) username: String,
    pub(crate) password: Secret,
    pub(crate) pin: Option<Secret>,
    /// The login path under the base URL, checked by
    /// [`check_path`](practice_core::base_url::check_path).
    pub(crate) login_path: String,
    pub(crate) encoding: LoginEncoding,
}

/// The generated login request in the configured shape: its path, and a form body instead
/// of JSON when so configured.
struct LoginShape<'a> {
    inner: &'a LoginRequest,
    auth: &'a AeronaAuth,
}

impl Endpoint for LoginShape<'_> {
    type Output = <LoginRequest as Endpoint>::Output;

    fn meta(&self) -> &'static OperationMeta {
        self.inner.meta()
    }

    fn validate(&self) -> Result<(), Error> {
        self.inner.validate()
    }

    fn path(&self) -> String {
        self.auth.login_path.clone()
    }

    fn body(&self) -> Result<Option<Bytes>, Error> {
        match self.auth.encoding {
            LoginEncoding::Json => self.inner.body(),
            LoginEncoding::Form => {
                let mut form = url::form_urlencoded::Serializer::new(String::new());
                form.append_pair("username", &self.auth.username);
                form.append_pair("password", self.auth.password.expose());
                if let Some(pin) = &self.auth.pin {
                    form.append_pair("pin", pin.expose());
                }
                Ok(Some(Bytes::from(form.finish())))
            }
        }
    }

    fn content_type(&self) -> &'static str {
        match self.auth.encoding {
            LoginEncoding::Json => self.inner.content_type(),
            LoginEncoding::Form => "application/x-www-form-urlencoded",
        }
    }

    fn decode(&self, body: &[u8]) -> Result<Self::Output, Error> {
        self.inner.decode(body)
    }
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

    async fn acquire(&self, ctx: &AuthContext, _previous: Option<&Token>) -> Result<Token, Error> {
        let request = self.login_request()?;
        let shape = LoginShape {
            inner: &request,
            auth: self,
        };
        let response = ctx.execute_raw(&shape).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn auth(encoding: LoginEncoding) -> AeronaAuth {
        AeronaAuth {
            username: "api user".into(),
            password: Secret::new("p&ss=word".to_owned()),
            pin: Some(Secret::new("1234".to_owned())),
            login_path: "/v1/auth/login".into(),
            encoding,
        }
    }

    #[test]
    fn the_form_login_encodes_every_field_and_says_so() {
        let auth = auth(LoginEncoding::Form);
        let request = auth.login_request().unwrap();
        let shape = LoginShape {
            inner: &request,
            auth: &auth,
        };
        assert_eq!(shape.path(), "/v1/auth/login");
        assert_eq!(shape.content_type(), "application/x-www-form-urlencoded");
        let body = shape.body().unwrap().unwrap();
        assert_eq!(
            std::str::from_utf8(&body).unwrap(),
            "username=api+user&password=p%26ss%3Dword&pin=1234"
        );
    }

    #[test]
    fn the_json_login_is_the_generated_body() {
        let auth = auth(LoginEncoding::Json);
        let request = auth.login_request().unwrap();
        let shape = LoginShape {
            inner: &request,
            auth: &auth,
        };
        assert_eq!(shape.content_type(), "application/json");
        let body: serde_json::Value =
            serde_json::from_slice(&shape.body().unwrap().unwrap()).unwrap();
        assert_eq!(body["username"], "api user");
        assert_eq!(body["password"], "p&ss=word");
        assert_eq!(body["pin"], "1234");
        assert_eq!(LoginEncoding::parse(" FORM ").unwrap(), LoginEncoding::Form);
    }
}
