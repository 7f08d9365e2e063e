//! A report streamed from one answer, against a raw TCP server written here from the HTTP
//! and Aloha documents (it shares no code with the client or the sandbox): rows come as the
//! bytes arrive, and every way a body can go wrong (endless, one endless row, stalled,
//! dripped past the deadline, cut short, over the buffered limit) ends with a clear error,
//! in bounded time and memory, after one request.

#[path = "../../practice-core/tests/support/http_head.rs"]
mod http_head;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aloha_api::{
    Appointments, Client, DateRange, ErrorKind, Row, RowPolicy, StreamLimits, Timeouts,
    TransportConfig,
};
use http_head::read_request;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const LOGIN: &str = r#"{"status":200,"message":"Success","data":{"username":"u","accessToken":"tok","accessTokenExpiration":"2099-01-01T00:00:00Z","refreshToken":"r","subscriptionId":"s"}}"#;
const ROW: &str = r#"{"appointmentId":1,"claimId":"CLM-1","appointmentDate":"01-15-2024","units":4,"charge":125.50}"#;

/// How the report's answer is sent, after its headers (`Transfer-Encoding: chunked`).
#[derive(Clone, Copy)]
enum Body {
    /// `n` rows, then a proper end.
    Rows(usize),
    /// Rows for ever.
    Endless,
    /// One row whose string never ends.
    EndlessRow,
    /// One row, then nothing, the connection held open.
    Stall,
    /// One byte every `ms` milliseconds, for ever.
    Drip(u64),
    /// Two rows, then the chunked body ends properly in the middle of the JSON.
    Cut,
    /// `Content-Length` of `n` bytes of rows, not chunked.
    Sized(usize),
}

struct Server {
    url: String,
    reports: Arc<AtomicUsize>,
}

async fn serve(body: Body) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/customer", listener.local_addr().unwrap());
    let reports = Arc::new(AtomicUsize::new(0));
    let counted = reports.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let counted = counted.clone();
            tokio::spawn(async move {
                let _ = answer(socket, body, &counted).await;
            });
        }
    });
    Server { url, reports }
}

async fn answer(mut socket: TcpStream, body: Body, reports: &AtomicUsize) -> std::io::Result<()> {
    loop {
        let Some(head) = read_request(&mut socket).await else {
            return Ok(());
        };
        if head.contains("/token") {
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{LOGIN}",
                LOGIN.len()
            );
            socket.write_all(reply.as_bytes()).await?;
            continue;
        }
        reports.fetch_add(1, Ordering::SeqCst);
        return report(socket, body).await;
    }
}

async fn chunk(socket: &mut TcpStream, data: &[u8]) -> std::io::Result<()> {
    socket
        .write_all(format!("{:x}\r\n", data.len()).as_bytes())
        .await?;
    socket.write_all(data).await?;
    socket.write_all(b"\r\n").await
}

async fn report(mut socket: TcpStream, body: Body) -> std::io::Result<()> {
    if let Body::Sized(n) = body {
        let rows = vec![ROW; n].join(",");
        let text = format!(r#"{{"status":200,"data":[{rows}]}}"#);
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            text.len()
        );
        socket.write_all(head.as_bytes()).await?;
        return socket.write_all(text.as_bytes()).await;
    }
    socket
        .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n")
        .await?;
    chunk(
        &mut socket,
        br#"{"status":200,"message":"Success","data":["#,
    )
    .await?;
    match body {
        Body::Rows(n) => {
            for i in 0..n {
                let sep = if i == 0 { "" } else { "," };
                chunk(&mut socket, format!("{sep}{ROW}").as_bytes()).await?;
            }
            chunk(&mut socket, b"]}").await?;
        }
        Body::Endless => {
            chunk(&mut socket, ROW.as_bytes()).await?;
            let many = format!(",{ROW}").repeat(500);
            loop {
                chunk(&mut socket, many.as_bytes()).await?;
            }
        }
        Body::EndlessRow => {
            chunk(&mut socket, br#"{"appointmentId":1,"clientName":""#).await?;
            let filler = vec![b'x'; 16 * 1024];
            loop {
                chunk(&mut socket, &filler).await?;
            }
        }
        Body::Stall => {
            chunk(&mut socket, ROW.as_bytes()).await?;
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
        Body::Drip(ms) => {
            chunk(&mut socket, ROW.as_bytes()).await?;
            loop {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                chunk(&mut socket, b" ").await?;
            }
        }
        Body::Cut => {
            chunk(
                &mut socket,
                format!("{ROW},{ROW},{{\"appointmentId\":3,").as_bytes(),
            )
            .await?;
        }
        Body::Sized(_) => unreachable!("answered above"),
    }
    socket.write_all(b"0\r\n\r\n").await
}

fn client(server: &Server) -> aloha_api::ClientBuilder {
    Client::builder("client", "secret").base_url(server.url.clone())
}

fn january() -> DateRange {
    DateRange::parse("2024-01-01", "2024-01-31").unwrap()
}

/// Reads the whole stream: the rows before the end, and the error that ended it.
async fn drain(client: &Client) -> (usize, Option<aloha_api::Error>) {
    let mut rows = match client
        .report_stream::<Appointments>(january(), RowPolicy::Fail)
        .await
    {
        Ok(rows) => rows,
        Err(err) => return (0, Some(err)),
    };
    let mut count = 0;
    while let Some(row) = rows.next_row().await {
        match row {
            Ok(_) => count += 1,
            Err(err) => return (count, Some(err)),
        }
    }
    (count, None)
}

#[tokio::test]
async fn rows_arrive_exactly_as_sent_and_all_of_them() {
    let server = serve(Body::Rows(2_000)).await;
    let client = client(&server).build().unwrap();
    let mut rows = client
        .report_stream::<Appointments>(january(), RowPolicy::Fail)
        .await
        .unwrap();
    let mut count = 0;
    while let Some(row) = rows.next_row().await {
        let row = row.unwrap();
        assert_eq!(row.raw(), ROW.as_bytes());
        assert_eq!(row.index(), count);
        let Row::Typed(appointment) = row.row() else {
            panic!("row {count} did not decode");
        };
        assert_eq!(appointment.claim_id.as_deref(), Some("CLM-1"));
        assert!(appointment.deviations().is_empty());
        count += 1;
    }
    assert_eq!(count, 2_000);
    assert_eq!(server.reports.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_endless_body_ends_at_the_answer_limit_after_one_request() {
    let server = serve(Body::Endless).await;
    let client = client(&server)
        .map_options(|o| o.stream_limits(StreamLimits::new(4 << 20, 64 << 10)))
        .build()
        .unwrap();
    let (rows, err) = drain(&client).await;
    let err = err.expect("an endless body must end with an error");
    assert_eq!(err.kind(), ErrorKind::TooLarge, "{err}");
    assert!(err.to_string().contains("4194304-byte limit"), "{err}");
    // The rows before the limit came through, about 4 MiB of them.
    assert!(rows > 30_000, "{rows}");
    assert_eq!(
        server.reports.load(Ordering::SeqCst),
        1,
        "never fetched again"
    );
}

#[tokio::test]
async fn one_endless_row_ends_at_the_row_limit() {
    let server = serve(Body::EndlessRow).await;
    let client = client(&server)
        .map_options(|o| o.stream_limits(StreamLimits::new(1 << 30, 256 << 10)))
        .build()
        .unwrap();
    let (rows, err) = drain(&client).await;
    let err = err.unwrap();
    assert_eq!(err.kind(), ErrorKind::TooLarge, "{err}");
    assert!(err.to_string().contains("row 0"), "{err}");
    assert_eq!(rows, 0);
    assert_eq!(server.reports.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_stalled_body_ends_after_the_per_try_timeout() {
    let server = serve(Body::Stall).await;
    let client = client(&server)
        .map_options(|o| o.timeouts(Timeouts::per_try(Duration::from_millis(300))))
        .build()
        .unwrap();
    let (rows, err) = drain(&client).await;
    let err = err.unwrap();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(
        err.to_string().contains("no part of the answer arrived"),
        "{err}"
    );
    assert_eq!(rows, 1);
    assert_eq!(server.reports.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_drip_inside_each_timeout_still_ends_at_the_deadline() {
    let server = serve(Body::Drip(50)).await;
    let client = client(&server)
        .map_options(|o| {
            o.timeouts(Timeouts::per_try(Duration::from_millis(300)))
                .deadline(Duration::from_millis(900))
        })
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let (rows, err) = drain(&client).await;
    let err = err.unwrap();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(err.to_string().contains("deadline"), "{err}");
    assert_eq!(rows, 1);
    // Bounded: the deadline, not the drip, ended it (generous for a loaded machine).
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn a_body_cut_short_is_an_error_after_the_rows_it_held() {
    let server = serve(Body::Cut).await;
    let client = client(&server).build().unwrap();
    let (rows, err) = drain(&client).await;
    let err = err.unwrap();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    assert!(err.to_string().contains("ended after"), "{err}");
    assert_eq!(rows, 2);
}

#[tokio::test]
async fn a_buffered_answer_over_its_limit_is_refused_and_not_fetched_again() {
    let server = serve(Body::Sized(2_000)).await;
    let client = client(&server)
        .map_options(|o| {
            o.transport_config(TransportConfig::default().with_max_response_bytes(64 << 10))
        })
        .build()
        .unwrap();
    let err = client.appointments(january()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooLarge, "{err}");
    assert!(!err.is_retryable());
    assert_eq!(
        server.reports.load(Ordering::SeqCst),
        1,
        "was fetched four times"
    );
    // The same answer streams whole: the buffered limit is not the streamed one.
    let (rows, err) = drain(&client).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(rows, 2_000);
}

#[tokio::test]
async fn strict_decoding_names_the_row_and_field_and_tolerant_keeps_the_record() {
    const ODD: &str = r#"{"appointmentId":2,"claimId":"CLM-2","units":"5","charge":1.5e1}"#;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/customer", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                loop {
                    let Ok(n) = socket.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    let head = String::from_utf8_lossy(&buf[..n]).to_string();
                    let text = if head.contains("/token") {
                        LOGIN.to_owned()
                    } else {
                        format!(r#"{{"status":200,"data":[{ROW},{ODD}]}}"#)
                    };
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{text}",
                        text.len()
                    );
                    if socket.write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    let client = Client::builder("client", "secret")
        .base_url(url)
        .build()
        .unwrap();
    let mut rows = client
        .report_stream::<Appointments>(january(), RowPolicy::Fail)
        .await
        .unwrap();
    let _first = rows.next_row().await.unwrap().unwrap();
    let odd = rows.next_row().await.unwrap().unwrap();
    assert_eq!(odd.raw(), ODD.as_bytes(), "kept exactly as sent");
    let Row::Typed(record) = odd.row() else {
        panic!("kept as a record")
    };
    let fields: Vec<_> = record.deviations().iter().map(|d| d.field()).collect();
    // A string where a number is documented, and money written with an exponent.
    assert_eq!(fields, ["units", "charge"]);
    assert!(rows.next_row().await.is_none());

    let mut strict = client
        .report_stream::<Appointments>(january(), RowPolicy::Strict)
        .await
        .unwrap();
    assert!(strict.next_row().await.unwrap().is_ok());
    let err = strict.next_row().await.unwrap().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_eq!(err.decode_detail().unwrap().path, "data[1].units");
    assert!(
        strict.next_row().await.is_none(),
        "the error ends the stream"
    );
}

#[tokio::test]
async fn the_sandbox_streams_the_same_rows_as_one_buffered_call() {
    let sandbox = practice_sandbox::Sandbox::start(Default::default())
        .await
        .unwrap();
    let client = Client::builder("sandbox-client", "sandbox-secret")
        .base_url(sandbox.aloha_base_url())
        .build()
        .unwrap();
    let range = DateRange::parse("2024-01-01", "2024-12-31").unwrap();
    let buffered = client.appointments(range).await.unwrap();
    let mut rows = client
        .report_stream::<Appointments>(range, RowPolicy::Fail)
        .await
        .unwrap();
    let mut streamed = Vec::new();
    while let Some(row) = rows.next_row().await {
        streamed.push(row.unwrap().into_row().typed().unwrap());
    }
    assert_eq!(streamed.len(), buffered.len());
    assert!(streamed.len() > 1000);
    assert_eq!(
        serde_json::to_string(&streamed).unwrap(),
        serde_json::to_string(&buffered).unwrap()
    );
}
