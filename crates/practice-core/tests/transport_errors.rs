//! What a user reads when the connection fails: the phase, the host and port, and the cause,
//! with `source()` down to the transport's error; TLS and DNS failures tried once. Every
//! server and certificate is made here, on loopback (certificates from rcgen, the legacy
//! server from `openssl s_server`). Also run with `--features native-tls` (OpenSSL), where
//! the causes read the same but for what only rustls reports (an expiry date, the names a
//! certificate is for).

mod support;

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use practice_core::reqwest_0_13 as reqwest;
use practice_core::{
    ClientBuilder, Dispatch, Error, ErrorKind, HttpClient, RetryConfig, TransportPhase,
};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use support::http_head::read_request;
use support::*;
use tokio::io::AsyncWriteExt;

/// Built with native-tls (reqwest picks it over rustls when both are on).
const NATIVE: bool = cfg!(feature = "native-tls");

/// The cause expected from rustls, or from native-tls where it says less.
fn cause<'a>(rustls: &'a str, native: &'a str) -> &'a str {
    if NATIVE { native } else { rustls }
}

/// A certificate authority made for one test.
struct Ca {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl Ca {
    fn new(name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        Ca {
            issuer: CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap(),
        }
    }

    /// The CA's certificate in a PEM file of its own.
    fn pem_file(&self) -> TempFile {
        TempFile::new("ca.pem", self.issuer.pem().as_bytes())
    }

    /// A server certificate for `names`, valid over `valid` (years), and its key.
    fn leaf(&self, names: &[&str], valid: Option<(i32, i32)>) -> Leaf {
        let mut params =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .unwrap();
        if let Some((from, to)) = valid {
            params.not_before = rcgen::date_time_ymd(from, 1, 1);
            params.not_after = rcgen::date_time_ymd(to, 1, 1);
        }
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Leaf {
            chain: vec![cert.der().clone()],
            cert_pem: cert.pem(),
            key,
        }
    }
}

struct Leaf {
    chain: Vec<CertificateDer<'static>>,
    cert_pem: String,
    key: KeyPair,
}

/// A file removed when the test ends.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, contents: &[u8]) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "practice-core-tls-{}-{}-{name}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&path, contents).unwrap();
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A TLS server on loopback answering every request (HTTP/1.1) with a token or `{"ok":true}`;
/// counts the connections it accepted.
struct TlsServer {
    port: u16,
    accepted: Arc<AtomicUsize>,
}

async fn tls_server(leaf: Leaf) -> TlsServer {
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf.key.serialize_der()));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(leaf.chain, key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                let head = read_request(&mut tls).await.unwrap_or_default();
                let body = if head.contains("/login") {
                    "\"tok-1\""
                } else {
                    r#"{"ok":true}"#
                };
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(answer.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    TlsServer { port, accepted }
}

fn builder(base: String) -> ClientBuilder {
    ClientBuilder::new(Arc::new(TestProfile), base, "test-agent/1.0").map_options(|o| {
        o.retry(RetryConfig::default().with_initial_backoff(Duration::from_millis(1)))
    })
}

fn build(builder: ClientBuilder) -> HttpClient {
    builder
        .build(TestAuth {
            lifetime: Duration::from_secs(3600),
        })
        .unwrap()
}

/// The `Display` of every error in `err`'s chain, and whether a reqwest error is in it.
fn chain(err: &Error) -> (Vec<String>, bool) {
    let mut texts = Vec::new();
    let mut reqwest_seen = false;
    let mut next = std::error::Error::source(err);
    while let Some(cause) = next {
        reqwest_seen |= cause.downcast_ref::<reqwest::Error>().is_some();
        texts.push(cause.to_string());
        next = cause.source();
    }
    (texts, reqwest_seen)
}

/// The rustls error behind a failed handshake, found through the chain (behind one or more
/// `io::Error`s, whose `source()` skips what they wrap).
fn rustls_cause(err: &Error) -> Option<rustls::Error> {
    let mut next = std::error::Error::source(err);
    while let Some(cause) = next {
        if let Some(tls) = cause.downcast_ref::<rustls::Error>() {
            return Some(tls.clone());
        }
        next = match cause.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => cause.source(),
        };
    }
    None
}

/// The first line of an error is words: no `Debug` form of rustls's or webpki's types
/// (`DnsName("…")`, `Some(…)`, quoted strings, `{ … }` struct dumps, `CamelCase` variants).
fn assert_reads_in_words(line: &str) {
    for debug in [
        "DnsName(",
        "IpAddress(",
        "Some(",
        "None",
        "\"",
        "{",
        "}",
        "Context",
    ] {
        assert!(!line.contains(debug), "{debug} in {line}");
    }
    // An enum variant printed with `{:?}` is one word with an inner capital (`UnknownCA`).
    let camel = line.split(|c: char| !c.is_ascii_alphanumeric()).find(|w| {
        w.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && w.chars().skip(1).any(|c| c.is_ascii_lowercase())
            && w.chars().skip(1).any(|c| c.is_ascii_uppercase())
    });
    assert_eq!(camel, None, "a Debug-looking word in {line}");
}

/// The chain reaches the TLS library's own error: rustls's, or OpenSSL's text (native-tls
/// on Linux).
fn assert_tls_library_in_chain(err: &Error) {
    let (texts, _) = chain(err);
    if !NATIVE {
        assert!(rustls_cause(err).is_some(), "rustls's error: {texts:?}");
    } else if cfg!(target_os = "linux") {
        assert!(
            texts.iter().any(|t| t.contains("SSL routines")),
            "OpenSSL's error: {texts:?}"
        );
    }
}

/// With rustls, the certificate error behind `err` is what `expected` says.
fn assert_certificate_error(err: &Error, expected: fn(&rustls::CertificateError) -> bool) {
    if NATIVE {
        return;
    }
    match rustls_cause(err) {
        Some(rustls::Error::InvalidCertificate(cert)) => assert!(expected(&cert), "{cert:?}"),
        other => panic!("not a certificate error: {other:?}"),
    }
}

/// A TLS failure: the first line, the phase, never sent, not retryable, tried once, and the
/// chain down to reqwest's and rustls's errors.
async fn assert_tls_failure(client: HttpClient, server: &TlsServer, cause: &str) -> Error {
    let err = client.execute(&GetThing(1)).await.unwrap_err();
    let port = server.port;
    assert_reads_in_words(&err.to_string());
    assert_eq!(
        err.to_string(),
        format!("login: transport error: TLS handshake with localhost:{port}: {cause}")
    );
    assert_eq!(err.kind(), ErrorKind::Transport);
    assert_eq!(err.transport_phase(), Some(TransportPhase::TlsHandshake));
    assert_eq!(err.dispatch(), Dispatch::NotSent);
    assert!(!err.is_retryable());
    let (texts, reqwest_seen) = chain(&err);
    assert!(reqwest_seen, "the chain reaches reqwest's error: {texts:?}");
    assert_tls_library_in_chain(&err);
    // Debug: the line and the chain, no field dump.
    let debug = format!("{err:?}");
    assert!(debug.starts_with(&err.to_string()), "{debug}");
    assert!(debug.contains("\ncaused by: "), "{debug}");
    assert!(!debug.contains("inner"), "{debug}");
    // Deterministic: one handshake, no retry (the default allows 4 tries).
    assert_eq!(server.accepted.load(Ordering::SeqCst), 1);
    err
}

#[tokio::test]
async fn an_expired_certificate_says_when_it_expired_and_is_tried_once() {
    let ca = Ca::new("Practice Test CA");
    let server = tls_server(ca.leaf(&["localhost"], Some((2022, 2024)))).await;
    let ca_file = ca.pem_file();
    let client = build(
        builder(format!("https://localhost:{}", server.port))
            .map_options(|o| o.add_ca_file(&ca_file.0)),
    );
    let err = assert_tls_failure(
        client,
        &server,
        cause(
            "certificate expired on 2024-01-01T00:00:00Z",
            "certificate has expired",
        ),
    )
    .await;
    assert_certificate_error(&err, |e| {
        matches!(e, rustls::CertificateError::ExpiredContext { .. })
    });
}

#[tokio::test]
async fn a_certificate_for_another_name_names_both() {
    let ca = Ca::new("Practice Test CA");
    let server = tls_server(ca.leaf(&["other.example"], None)).await;
    let ca_file = ca.pem_file();
    let client = build(
        builder(format!("https://localhost:{}", server.port))
            .map_options(|o| o.add_ca_file(&ca_file.0)),
    );
    let err = assert_tls_failure(
        client,
        &server,
        cause(
            "certificate is not valid for localhost (it is for other.example)",
            "certificate is not valid for localhost",
        ),
    )
    .await;
    assert_certificate_error(&err, |e| {
        matches!(e, rustls::CertificateError::NotValidForNameContext { .. })
    });
}

#[tokio::test]
async fn a_certificate_from_an_unknown_authority_says_so() {
    let trusted = Ca::new("Practice Test CA");
    let unknown = Ca::new("Nobody's CA");
    let server = tls_server(unknown.leaf(&["localhost"], None)).await;
    let ca_file = trusted.pem_file();
    let client = build(
        builder(format!("https://localhost:{}", server.port))
            .map_options(|o| o.add_ca_file(&ca_file.0)),
    );
    let err = assert_tls_failure(
        client,
        &server,
        "certificate issued by an unknown authority",
    )
    .await;
    assert_certificate_error(&err, |e| {
        matches!(e, rustls::CertificateError::UnknownIssuer)
    });
}

#[tokio::test]
async fn a_private_ca_added_to_the_platform_store_is_trusted() {
    let ca = Ca::new("Clinic Private CA");
    let server = tls_server(ca.leaf(&["localhost"], None)).await;
    let base = format!("https://localhost:{}", server.port);
    // Without the CA: the platform's store does not know it.
    let err = build(builder(base.clone()))
        .execute(&GetThing(1))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .ends_with("certificate issued by an unknown authority"),
        "{err}"
    );
    // With it added (the platform's roots stay: this adds, it does not replace).
    let ca_file = ca.pem_file();
    let answer = build(builder(base).map_options(|o| o.add_ca_file(&ca_file.0)))
        .execute(&GetThing(1))
        .await
        .unwrap();
    assert_eq!(answer, serde_json::json!({"ok": true}));
}

#[test]
fn an_unreadable_or_empty_ca_file_fails_the_build_naming_it() {
    let missing = std::env::temp_dir().join("practice-core-no-such-ca.pem");
    let err = builder("https://localhost:1".into())
        .map_options(|o| o.add_ca_file(&missing))
        .build(TestAuth {
            lifetime: Duration::from_secs(1),
        })
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Configuration);
    assert!(
        err.to_string()
            .contains(&format!("could not read the CA file {}", missing.display())),
        "{err}"
    );
    let empty = TempFile::new("empty.pem", b"not a certificate\n");
    let err = builder("https://localhost:1".into())
        .map_options(|o| o.add_ca_file(&empty.0))
        .build(TestAuth {
            lifetime: Duration::from_secs(1),
        })
        .unwrap_err();
    assert!(err.to_string().contains("holds no certificate"), "{err}");
}

/// `openssl s_server` speaking TLS 1.1 only, killed when dropped.
struct LegacyServer {
    child: Child,
    port: u16,
    _files: (TempFile, TempFile),
}

impl Drop for LegacyServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn legacy_server(leaf: Leaf) -> LegacyServer {
    let cert = TempFile::new("legacy-cert.pem", leaf.cert_pem.as_bytes());
    let key = TempFile::new("legacy-key.pem", leaf.key.serialize_pem().as_bytes());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("openssl")
        .args([
            "s_server",
            "-quiet",
            "-tls1_1",
            "-cipher",
            "DEFAULT@SECLEVEL=0",
        ])
        .arg("-accept")
        .arg(format!("127.0.0.1:{port}"))
        .arg("-cert")
        .arg(&cert.0)
        .arg("-key")
        .arg(&key.0)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl (the command line tool) is needed for the TLS 1.1 server");
    let server = LegacyServer {
        child,
        port,
        _files: (cert, key),
    };
    // Ready when it accepts a connection (the probe sends nothing and is closed at once).
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    for _ in 0..500 {
        if let Ok(mut probe) = TcpStream::connect_timeout(&addr, Duration::from_millis(20)) {
            let _ = probe.write_all(b"");
            let mut nothing = [0u8; 1];
            let _ = probe.set_read_timeout(Some(Duration::from_millis(1)));
            let _ = probe.read(&mut nothing);
            return server;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("openssl s_server did not start on port {port}");
}

#[tokio::test]
async fn a_server_speaking_only_tls_1_1_says_what_is_required() {
    let ca = Ca::new("Practice Test CA");
    let server = legacy_server(ca.leaf(&["localhost"], None));
    let ca_file = ca.pem_file();
    let err = build(
        builder(format!("https://localhost:{}", server.port))
            .map_options(|o| o.add_ca_file(&ca_file.0)),
    )
    .execute(&GetThing(1))
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "login: transport error: TLS handshake with localhost:{}: the server offers only TLS 1.1 or older; TLS 1.2 or 1.3 is required",
            server.port
        )
    );
    assert_reads_in_words(&err.to_string());
    assert_eq!(err.transport_phase(), Some(TransportPhase::TlsHandshake));
    assert!(!err.is_retryable());
    assert!(chain(&err).1);
    assert_tls_library_in_chain(&err);
    // OpenSSL refuses the versions offered with an alert (another server may answer with
    // TLS 1.1 instead); the chain keeps which.
    assert!(
        NATIVE
            || matches!(
                rustls_cause(&err),
                Some(
                    rustls::Error::AlertReceived(rustls::AlertDescription::ProtocolVersion)
                        | rustls::Error::PeerIncompatible(
                            rustls::PeerIncompatible::ServerDoesNotSupportTls12Or13
                        )
                )
            ),
        "{:?}",
        rustls_cause(&err)
    );
    assert_eq!(err.dispatch(), Dispatch::NotSent);
}

#[tokio::test]
async fn a_refused_connection_names_host_and_cause_and_is_retried() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let err = build(builder(format!("http://127.0.0.1:{port}")))
        .execute(&GetThing(1))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("login: transport error: connecting to 127.0.0.1:{port}: connection refused")
    );
    assert_eq!(err.transport_phase(), Some(TransportPhase::Connecting));
    assert_eq!(err.dispatch(), Dispatch::NotSent);
    assert!(err.is_retryable());
    let (texts, reqwest_seen) = chain(&err);
    assert!(reqwest_seen, "{texts:?}");
}

/// A resolver that knows no name, so that no test asks a real DNS server.
struct NoSuchHost(Arc<AtomicUsize>);

impl reqwest::dns::Resolve for NoSuchHost {
    fn resolve(&self, _name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        self.0.fetch_add(1, Ordering::SeqCst);
        Box::pin(async {
            Err(Box::new(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no such host",
            )) as _)
        })
    }
}

#[tokio::test]
async fn an_unresolvable_host_says_so_and_is_tried_once() {
    let lookups = Arc::new(AtomicUsize::new(0));
    let reqwest_client = reqwest::Client::builder()
        .dns_resolver(Arc::new(NoSuchHost(lookups.clone())))
        .build()
        .unwrap();
    let err = build(
        builder("https://no-such-host.invalid".into())
            .map_options(|o| o.reqwest_client(reqwest_client)),
    )
    .execute(&GetThing(1))
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "login: transport error: resolving no-such-host.invalid:443: could not resolve no-such-host.invalid"
    );
    assert_eq!(err.transport_phase(), Some(TransportPhase::Resolving));
    assert_eq!(err.dispatch(), Dispatch::NotSent);
    assert!(!err.is_retryable());
    let (texts, reqwest_seen) = chain(&err);
    assert!(reqwest_seen, "{texts:?}");
    assert!(
        texts.iter().any(|t| t.contains("no such host")),
        "{texts:?}"
    );
    assert_eq!(lookups.load(Ordering::SeqCst), 1, "not retried");
}

#[tokio::test]
async fn a_failed_login_reads_the_same_for_every_caller_in_its_pause() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = Arc::new(build(builder(format!("http://127.0.0.1:{port}"))));
    let expected =
        format!("login: transport error: connecting to 127.0.0.1:{port}: connection refused");
    // Eight at once, then one more inside the pause after the failed login: whoever made
    // the attempt, and whoever got the shared failure, reads the same line and the same chain.
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.execute(&GetThing(1)).await.unwrap_err() })
        })
        .collect();
    let mut errors = Vec::new();
    for call in calls {
        errors.push(call.await.unwrap());
    }
    errors.push(client.execute(&GetThing(2)).await.unwrap_err());
    for err in &errors {
        assert_eq!(err.to_string(), expected);
        assert_eq!(err.transport_phase(), Some(TransportPhase::Connecting));
        let (texts, reqwest_seen) = chain(err);
        assert!(reqwest_seen, "{texts:?}");
        assert_eq!(format!("{err:?}"), format!("{:?}", errors[0]));
    }
}
