//! A loopback HTTP/1.1 server that drops the first connection, for the real-clock tests of the
//! budget after a dropped connection (`budget_ended.rs`, and `practice-redis`'s
//! `ended_tries.rs`, which includes this support folder by path).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use practice_core::{ClientBuilder, ClientOptions, RetryConfig};
use tokio::io::AsyncWriteExt;

use super::http_head::read_request;
use super::{GetThing, TestAuth, TestProfile};

/// Runs `GetThing(1)` through a client made by `configure` (retrying after 1 ms) against a
/// [`dropping_server`]; checks that it succeeded on its second try, and returns how long the
/// call took.
pub async fn call_through_a_dropped_connection(
    configure: impl FnOnce(ClientOptions) -> ClientOptions,
) -> Duration {
    let (port, things) = dropping_server().await;
    let builder = ClientBuilder::new(
        Arc::new(TestProfile),
        format!("http://127.0.0.1:{port}"),
        "test-agent/1.0",
    )
    .map_options(|o| {
        configure(o.retry(RetryConfig::default().with_initial_backoff(Duration::from_millis(1))))
    });
    let client = builder
        .build(TestAuth {
            lifetime: Duration::from_secs(3600),
        })
        .unwrap();
    let started = std::time::Instant::now();
    let answer = client.execute(&GetThing(1)).await.unwrap();
    let took = started.elapsed();
    assert_eq!(answer, serde_json::json!({"ok": true}));
    assert_eq!(
        things.load(Ordering::SeqCst),
        2,
        "dropped once, then answered"
    );
    took
}

/// A loopback HTTP/1.1 server that answers logins and drops the connection of the first
/// `GET /things/..` after reading it; later ones are answered.
async fn dropping_server() -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let things = Arc::new(AtomicUsize::new(0));
    let dropped = Arc::new(AtomicBool::new(false));
    let count = things.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let (count, dropped) = (count.clone(), dropped.clone());
            tokio::spawn(async move {
                loop {
                    let Some(head) = read_request(&mut stream).await else {
                        return;
                    };
                    let body = if head.contains("/login") {
                        "\"tok-1\""
                    } else {
                        count.fetch_add(1, Ordering::SeqCst);
                        if !dropped.swap(true, Ordering::SeqCst) {
                            return; // the connection is dropped with the request unanswered
                        }
                        r#"{"ok":true}"#
                    };
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if stream.write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, things)
}
