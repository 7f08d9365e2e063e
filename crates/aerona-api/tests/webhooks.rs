//! The webhook receiver mounted in axum and driven over loopback HTTP by a raw client (so a
//! test can send what no polite client would): a missing secret, wrong secrets, oversized and
//! dripped bodies, 50 copies of one delivery at once, panicking and slow handlers,
//! Aerona's 24-hour retry span, and dedup stores shared by replicas or unreachable.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aerona_api::webhooks::{
    Claim, DedupStore, Delivery, DeliveryCheck, HandlerOutcome, HeaderName, InMemoryDedupStore,
    WebhookReceiver,
};
use aerona_api::{Error, ErrorKind};
use futures_util::future::BoxFuture;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

const BODY: &[u8] = br#"{"event":"Appointment","action":"created","appointmentId":34234}"#;

/// Serves `receiver` on loopback at `/hooks/aerona` and `/hooks/aerona/{token}`.
async fn serve(receiver: WebhookReceiver) -> SocketAddr {
    let app = axum::Router::new()
        .route_service("/hooks/aerona", receiver.clone())
        .route_service("/hooks/aerona/{token}", receiver);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// A request head with `Connection: close`, the given headers, and a blank line.
fn head(path: &str, headers: &[(&str, &str)]) -> String {
    let mut head = format!("POST {path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    head
}

/// Reads the status code of the answer on `stream`.
async fn status_of(stream: &mut TcpStream) -> u16 {
    let mut answer = Vec::new();
    let mut chunk = [0u8; 1024];
    while !answer.windows(2).any(|w| w == b"\r\n") {
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "closed before a status line: {answer:?}");
        answer.extend_from_slice(&chunk[..n]);
    }
    let line = String::from_utf8_lossy(&answer);
    line.split(' ').nth(1).unwrap().parse().unwrap()
}

/// POSTs `body` to `path` with a `Content-Length` and answers the status.
async fn post(addr: SocketAddr, path: &str, headers: &[(&str, &str)], body: &[u8]) -> u16 {
    let length = body.len().to_string();
    let mut all = headers.to_vec();
    all.push(("content-length", &length));
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(head(path, &all).as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    status_of(&mut stream).await
}

/// A handler that counts its calls and answers `Done`.
fn counting() -> (
    Arc<AtomicUsize>,
    impl Fn(Delivery) -> std::future::Ready<HandlerOutcome>,
) {
    let calls = Arc::new(AtomicUsize::new(0));
    let count = calls.clone();
    let handler = move |_d: Delivery| {
        count.fetch_add(1, Ordering::SeqCst);
        std::future::ready(HandlerOutcome::Done)
    };
    (calls, handler)
}

/// Log lines written while `f` runs on this thread.
fn logged<T>(f: impl FnOnce() -> T) -> (T, String) {
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let value = tracing::subscriber::with_default(subscriber, f);
    let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    (value, text)
}

#[tokio::test]
async fn no_secret_refuses_everything_and_unsigned_is_a_loud_opt_out() {
    let (calls, handler) = counting();
    let (receiver, log) = logged(|| WebhookReceiver::new(DeliveryCheck::new(), handler));
    assert!(log.contains("ERROR"), "{log}");
    assert!(log.contains("no shared secret configured"), "{log}");
    let addr = serve(receiver).await;
    assert_eq!(post(addr, "/hooks/aerona", &[], BODY).await, 404);
    assert_eq!(post(addr, "/hooks/aerona/anything", &[], BODY).await, 404);
    assert_eq!(calls.load(Ordering::SeqCst), 0);

    let (calls, handler) = counting();
    let (receiver, log) = logged(|| WebhookReceiver::without_signature_check(handler));
    assert!(log.contains("WARN"), "{log}");
    assert!(log.contains("shared-secret check is switched off"), "{log}");
    let addr = serve(receiver).await;
    assert_eq!(post(addr, "/hooks/aerona", &[], BODY).await, 200);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn wrong_secrets_are_refused() {
    let (calls, handler) = counting();
    let addr = serve(WebhookReceiver::new(
        DeliveryCheck::new().path_token("tok-4f9a2c"),
        handler,
    ))
    .await;
    for path in [
        "/hooks/aerona",
        "/hooks/aerona/tok-4f9a2d",
        "/hooks/aerona/tok-4f9a2",
        "/hooks/aerona/tok-4f9a2cc",
    ] {
        assert_eq!(post(addr, path, &[], BODY).await, 404, "{path}");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    assert_eq!(post(addr, "/hooks/aerona/tok-4f9a2c", &[], BODY).await, 200);
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    let (calls, handler) = counting();
    let addr = serve(WebhookReceiver::new(
        DeliveryCheck::new().header(HeaderName::from_static("x-hook-secret"), "s3cret"),
        handler,
    ))
    .await;
    assert_eq!(post(addr, "/hooks/aerona", &[], BODY).await, 404);
    for wrong in ["s3creT", "s3cre", "s3crets", ""] {
        let headers = [("x-hook-secret", wrong)];
        assert_eq!(post(addr, "/hooks/aerona", &headers, BODY).await, 404);
    }
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    let right = [("x-hook-secret", "s3cret")];
    assert_eq!(post(addr, "/hooks/aerona", &right, BODY).await, 200);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn oversized_bodies_are_refused_within_the_limit() {
    let (calls, handler) = counting();
    let addr = serve(WebhookReceiver::without_signature_check(handler).max_body(1024)).await;

    // Declared too large: refused on the head alone (the body is never sent).
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let declared = head("/hooks/aerona", &[("content-length", "10000000000")]);
    stream.write_all(declared.as_bytes()).await.unwrap();
    assert_eq!(status_of(&mut stream).await, 413);

    // Undeclared (chunked): refused once the limit is passed.
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let chunked = head("/hooks/aerona", &[("transfer-encoding", "chunked")]);
    stream.write_all(chunked.as_bytes()).await.unwrap();
    let chunk = format!("400\r\n{}\r\n", "x".repeat(0x400));
    for _ in 0..2 {
        stream.write_all(chunk.as_bytes()).await.unwrap();
    }
    assert_eq!(status_of(&mut stream).await, 413);

    // At the limit: accepted.
    let exact = vec![b' '; 1024];
    assert_eq!(post(addr, "/hooks/aerona", &[], &exact).await, 200);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn a_dripped_body_is_refused_at_the_body_timeout() {
    let (calls, handler) = counting();
    let addr = serve(
        WebhookReceiver::without_signature_check(handler).body_timeout(Duration::from_secs(5)),
    )
    .await;
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    let started = Instant::now();
    write
        .write_all(head("/hooks/aerona", &[("content-length", "100")]).as_bytes())
        .await
        .unwrap();
    // One byte a second: 100 seconds for the whole body.
    let drip = tokio::spawn(async move {
        for _ in 0..100 {
            if write.write_all(b" ").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    let mut answer = [0u8; 12];
    read.read_exact(&mut answer).await.unwrap();
    assert_eq!(&answer, b"HTTP/1.1 408");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(5) && waited < Duration::from_secs(6),
        "{waited:?}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    drip.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_copies_at_once_run_the_handler_once() {
    let calls = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let (count, wait) = (calls.clone(), gate.clone());
    let receiver = WebhookReceiver::new(
        DeliveryCheck::new().path_token("tok"),
        move |_d: Delivery| {
            count.fetch_add(1, Ordering::SeqCst);
            let wait = wait.clone();
            async move {
                // Held until every other copy has been answered.
                let _permit = wait.acquire().await;
                HandlerOutcome::Done
            }
        },
    )
    .handler_timeout(Duration::from_secs(30));
    let addr = serve(receiver).await;

    let (answers, mut answered) = tokio::sync::mpsc::unbounded_channel();
    for _ in 0..50 {
        let answers = answers.clone();
        tokio::spawn(async move {
            let _ = answers.send(post(addr, "/hooks/aerona/tok", &[], BODY).await);
        });
    }
    let mut early = Vec::new();
    for _ in 0..49 {
        let status = tokio::time::timeout(Duration::from_secs(20), answered.recv())
            .await
            .expect("49 copies answered while the first is handled")
            .unwrap();
        early.push(status);
    }
    assert!(
        early.iter().all(|s| *s == 503),
        "copies of a delivery in progress ask for a retry: {early:?}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    gate.add_permits(1);
    assert_eq!(answered.recv().await, Some(200));
    // A later redelivery is acknowledged without running the handler.
    assert_eq!(post(addr, "/hooks/aerona/tok", &[], BODY).await, 200);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_panicking_handler_answers_500_and_the_retry_runs_it_again() {
    let calls = Arc::new(AtomicUsize::new(0));
    let count = calls.clone();
    let receiver = WebhookReceiver::new(
        DeliveryCheck::new().path_token("tok"),
        move |_d: Delivery| {
            let n = count.fetch_add(1, Ordering::SeqCst);
            async move {
                assert!(n > 0, "the handler panics on its first call");
                HandlerOutcome::Done
            }
        },
    );
    let addr = serve(receiver).await;
    assert_eq!(post(addr, "/hooks/aerona/tok", &[], BODY).await, 500);
    assert_eq!(post(addr, "/hooks/aerona/tok", &[], BODY).await, 200);
    assert_eq!(post(addr, "/hooks/aerona/tok", &[], BODY).await, 200);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "not remembered after the panic; remembered after success"
    );
}

#[tokio::test(start_paused = true)]
async fn a_slow_handler_is_cut_off_with_503_and_not_remembered() {
    let calls = Arc::new(AtomicUsize::new(0));
    let finished = Arc::new(AtomicUsize::new(0));
    let (count, done) = (calls.clone(), finished.clone());
    let receiver = WebhookReceiver::new(
        DeliveryCheck::new().path_token("tok"),
        move |_d: Delivery| {
            let n = count.fetch_add(1, Ordering::SeqCst);
            let done = done.clone();
            async move {
                if n == 0 {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                }
                done.fetch_add(1, Ordering::SeqCst);
                HandlerOutcome::Done
            }
        },
    )
    .handler_timeout(Duration::from_secs(2));
    let addr = serve(receiver).await;
    let started = Instant::now();
    assert_eq!(post(addr, "/hooks/aerona/tok", &[], BODY).await, 503);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(2) && waited < Duration::from_secs(3),
        "{waited:?}"
    );
    // Aerona's retry, an hour later: the first run never finished, the retry runs it again.
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert_eq!(
        finished.load(Ordering::SeqCst),
        0,
        "cut off, not left running"
    );
    assert_eq!(post(addr, "/hooks/aerona/tok", &[], BODY).await, 200);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(finished.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn a_handled_delivery_is_recognised_for_aeronas_whole_retry_span() {
    let (calls, handler) = counting();
    let addr = serve(WebhookReceiver::new(
        DeliveryCheck::new().path_token("tok"),
        handler,
    ))
    .await;
    assert_eq!(post(addr, "/hooks/aerona/tok", &[], BODY).await, 200);
    // The 24th retry comes 24 hours after the first try.
    for _ in 0..24 {
        tokio::time::advance(Duration::from_secs(3600)).await;
        assert_eq!(post(addr, "/hooks/aerona/tok", &[], BODY).await, 200);
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // Past the 25-hour retention the delivery is forgotten (the store stays bounded).
    tokio::time::advance(Duration::from_secs(3600)).await;
    assert_eq!(post(addr, "/hooks/aerona/tok", &[], BODY).await, 200);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

/// A shared store that cannot be reached.
struct Unreachable;

impl DedupStore for Unreachable {
    fn claim<'a>(&'a self, _key: &'a str, _lease: Duration) -> BoxFuture<'a, Result<Claim, Error>> {
        Box::pin(async { Err(Error::new(ErrorKind::SharedState, "store down")) })
    }
    fn mark_handled<'a>(
        &'a self,
        _key: &'a str,
        _retention: Duration,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async { Err(Error::new(ErrorKind::SharedState, "store down")) })
    }
    fn release<'a>(&'a self, _key: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async { Err(Error::new(ErrorKind::SharedState, "store down")) })
    }
}

#[tokio::test]
async fn replicas_sharing_a_store_handle_a_delivery_once_and_an_unreachable_store_asks_for_a_retry()
{
    let shared = Arc::new(InMemoryDedupStore::new());
    let (calls, handler) = counting();
    let handler = Arc::new(handler);
    let replica = |store: Arc<InMemoryDedupStore>| {
        let handler = handler.clone();
        WebhookReceiver::new(
            DeliveryCheck::new().path_token("tok"),
            move |d: Delivery| handler(d),
        )
        .dedup_store(store)
    };
    let first = serve(replica(shared.clone())).await;
    let second = serve(replica(shared.clone())).await;
    assert_eq!(post(first, "/hooks/aerona/tok", &[], BODY).await, 200);
    assert_eq!(post(second, "/hooks/aerona/tok", &[], BODY).await, 200);
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    let (calls, handler) = counting();
    let addr = serve(
        WebhookReceiver::new(DeliveryCheck::new().path_token("tok"), handler)
            .dedup_store(Arc::new(Unreachable)),
    )
    .await;
    assert_eq!(post(addr, "/hooks/aerona/tok", &[], BODY).await, 503);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "neither handled blind (copies could run twice) nor acknowledged (it would be lost)"
    );
}
