//! The innermost layer: reqwest as a `tower::Service<http::Request<Bytes>>`.
//!
//! reqwest stays out of the stable API: a caller who needs another HTTP stack hands in any
//! [`TransportService`](crate::TransportService); a caller who needs their own reqwest client
//! turns on the version-named feature `reqwest-0_13`, so that a future reqwest is a new
//! feature, not a breaking change.
//!
//! TLS comes from the features: `rustls` (the default; certificates are checked against the
//! platform's trust store, so clinics' TLS-inspecting proxies with a locally trusted root
//! work) or `native-tls`. When both are on, reqwest picks native-tls. A private CA is either
//! installed in the platform's store, or added to it for this client only with
//! [`TransportConfig::with_ca_file`] (the builders' `add_ca_file`, the CLI's
//! `PRACTICE_CA_FILE`); `SSL_CERT_FILE` instead *replaces* the platform's store.
//!
//! A failure names its phase, host and cause (`layer/transport_error.rs`).
//!
//! Bodies are buffered as [`Bytes`] in both directions: a retried write re-sends the identical
//! body (octocrab once re-sent an empty one), and a response is decoded from the one buffer
//! without a second copy.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use http::{Request, Response};

use crate::body::{BodySource, StreamRequest, StreamedBody};
use crate::error::{Error, ErrorKind};
use crate::layer::transport_error::{Target, classify};
use crate::options::TransportConfig;
use crate::request::BoxFuture;

impl TransportConfig {
    /// The shared reqwest 0.13 client of this configuration (see `shared_client`), for
    /// callers that compare against or build on it. Feature `reqwest-0_13`.
    #[cfg(feature = "reqwest-0_13")]
    #[cfg_attr(docsrs, doc(cfg(feature = "reqwest-0_13")))]
    pub fn shared_reqwest_client(&self) -> Result<reqwest::Client, Error> {
        self.shared_client()
    }

    /// A reqwest client for this configuration: TLS 1.2 minimum, HTTP/2 through ALPN, gzip,
    /// pooled connections, no redirects (a vendor's 301 to https must surface, not be followed
    /// with our token). Clients built from equal configurations share one pool.
    pub(crate) fn shared_client(&self) -> Result<reqwest::Client, Error> {
        static POOLS: OnceLock<Mutex<HashMap<TransportConfig, reqwest::Client>>> = OnceLock::new();
        let pools = POOLS.get_or_init(Default::default);
        let mut pools = pools
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(client) = pools.get(self) {
            return Ok(client.clone());
        }
        #[cfg(feature = "rustls-ring")]
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            // Another thread may install one first: theirs stands, as ours would.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let builder = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .pool_idle_timeout(self.pool_idle_timeout)
            .https_only(false) // enforced per base URL by `BaseUrl`, which allows loopback http
            .redirect(reqwest::redirect::Policy::none())
            .gzip(true);
        // Without a TLS feature only loopback http works, and there is no TLS to bound.
        #[cfg(any(feature = "rustls", feature = "rustls-ring", feature = "native-tls"))]
        let builder = builder
            .tls_version_min(reqwest::tls::Version::TLS_1_2)
            .tls_certs_merge(self.extra_roots()?);
        #[cfg(not(any(feature = "rustls", feature = "rustls-ring", feature = "native-tls")))]
        if !self.extra_ca_files.is_empty() {
            return Err(Error::configuration(
                "a CA file was given, but this build has no TLS (features `rustls` or `native-tls`)",
            ));
        }
        let client = builder
            .build()
            .map_err(|e| Error::configuration("could not build the HTTP client").with_source(e))?;
        pools.insert(self.clone(), client.clone());
        Ok(client)
    }

    /// The certificates of [`extra_ca_files`](Self::extra_ca_files).
    #[cfg(any(feature = "rustls", feature = "rustls-ring", feature = "native-tls"))]
    fn extra_roots(&self) -> Result<Vec<reqwest::Certificate>, Error> {
        let mut roots = Vec::new();
        for path in &self.extra_ca_files {
            let shown = path.display();
            let pem = std::fs::read(path).map_err(|e| {
                Error::configuration(format!("could not read the CA file {shown}: {e}"))
                    .with_source(e)
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                Error::configuration(format!("the CA file {shown} is not valid PEM")).with_source(e)
            })?;
            if certs.is_empty() {
                return Err(Error::configuration(format!(
                    "the CA file {shown} holds no certificate (expected PEM: -----BEGIN CERTIFICATE-----)"
                )));
            }
            roots.extend(certs);
        }
        Ok(roots)
    }
}

/// reqwest as a tower service. Clone is cheap (the pool is shared).
#[derive(Clone, Debug)]
pub struct HttpTransport {
    client: reqwest::Client,
    max_response_bytes: usize,
}

impl HttpTransport {
    /// A transport over a caller's own reqwest 0.13 client (proxies, custom roots). Keep
    /// redirects disabled on it so that tokens never follow a redirect. Feature `reqwest-0_13`.
    #[cfg(feature = "reqwest-0_13")]
    #[cfg_attr(docsrs, doc(cfg(feature = "reqwest-0_13")))]
    pub fn new(client: reqwest::Client, max_response_bytes: usize) -> Self {
        Self::over(client, max_response_bytes)
    }

    pub(crate) fn over(client: reqwest::Client, max_response_bytes: usize) -> Self {
        HttpTransport {
            client,
            max_response_bytes,
        }
    }

    /// A transport over the shared pool of `config`.
    pub fn from_config(config: &TransportConfig) -> Result<Self, Error> {
        Ok(Self::over(
            config.shared_client()?,
            config.max_response_bytes,
        ))
    }
}

impl tower::Service<Request<Bytes>> for HttpTransport {
    type Response = Response<Bytes>;
    type Error = Error;
    type Future = BoxFuture<'static, Result<Response<Bytes>, Error>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Bytes>) -> Self::Future {
        let client = self.client.clone();
        let limit = self.max_response_bytes;
        let stream = StreamRequest::is_set(&request);
        let target = Target::of(request.uri());
        Box::pin(async move {
            let request = reqwest::Request::try_from(request).map_err(|e| {
                Error::invalid_request("could not build the HTTP request").with_source(e)
            })?;
            let response = client
                .execute(request)
                .await
                .map_err(|e| classify(e, &target, false))?;
            if stream && response.status().is_success() {
                return Ok(hand_over(response, target));
            }
            read_response(response, limit, &target).await
        })
    }
}

/// A 2xx answer whose caller reads the body as it arrives: the headers now, the body
/// undrained in the extensions (bounded by the caller's [`BodyStream`](crate::BodyStream)).
fn hand_over(mut response: reqwest::Response, target: Target) -> Response<Bytes> {
    let mut out = Response::new(Bytes::new());
    *out.status_mut() = response.status();
    *out.headers_mut() = std::mem::take(response.headers_mut());
    *out.version_mut() = response.version();
    out.extensions_mut()
        .insert(StreamedBody::new(LiveBody(response, target)));
    out
}

/// A reqwest body read chunk by chunk.
struct LiveBody(reqwest::Response, Target);

impl BodySource for LiveBody {
    fn next_chunk(&mut self) -> BoxFuture<'_, Result<Option<Bytes>, Error>> {
        Box::pin(async move {
            let LiveBody(response, target) = self;
            response
                .chunk()
                .await
                .map_err(|e| classify(e, target, true))
        })
    }
}

async fn read_response(
    mut response: reqwest::Response,
    limit: usize,
    target: &Target,
) -> Result<Response<Bytes>, Error> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let version = response.version();
    if response
        .content_length()
        .is_some_and(|len| len > limit as u64)
    {
        return Err(too_large(limit));
    }
    let mut body = BytesMut::with_capacity(
        response
            .content_length()
            .map_or(8 * 1024, |len| len as usize)
            .min(limit),
    );
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| classify(e, target, true))?
    {
        if body.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    let mut out = Response::new(body.freeze());
    *out.status_mut() = status;
    *out.headers_mut() = headers;
    *out.version_mut() = version;
    Ok(out)
}

/// Not retried ([`ErrorKind::TooLarge`]): the same request would fetch the same answer.
fn too_large(limit: usize) -> Error {
    Error::new(
        ErrorKind::TooLarge,
        format!(
            "the answer is larger than the {limit}-byte limit (TransportConfig::max_response_bytes); a report this large can be streamed"
        ),
    )
}

#[cfg(all(test, feature = "rustls-ring"))]
mod ring_tests {
    use super::TransportConfig;

    /// reqwest built with `rustls-no-provider` panics at `build()` unless a provider is
    /// installed: with `rustls-ring` the first client installs ring, and a second reuses it.
    #[test]
    fn rustls_ring_builds_a_client_with_ring_as_the_provider() {
        let config = TransportConfig::default();
        config.shared_client().expect("the client builds");
        let provider = rustls::crypto::CryptoProvider::get_default().expect("ring is installed");
        let ring = rustls::crypto::ring::default_provider();
        assert_eq!(
            format!("{:?}", provider.cipher_suites),
            format!("{:?}", ring.cipher_suites)
        );
        config.shared_client().expect("again, from the pool");
    }
}
