//! The built `practice` binary given hostile input and hostile answers (issue 16): no panic
//! (exit 101), absurd input refused with exit 2, valid input at the end of the calendar
//! served, and a vendor asking for a wait of millennia told in one line.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;

mod support;

use support::{practice, stderr};

#[test]
fn an_absurd_budget_is_invalid_input() {
    for budget in ["1/300000000000d", "1/18446744073709551615s"] {
        let out = practice(
            &["aerona", "clinicians"],
            &[("AERONA_RATE_LIMIT", budget.to_owned())],
        );
        assert_eq!(out.status.code(), Some(2), "{budget}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("AERONA_RATE_LIMIT"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn a_range_ending_in_december_9999_is_served() {
    let out = practice(
        &[
            "aloha",
            "appointments",
            "--from",
            "9999-12-01",
            "--to",
            "9999-12-31",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// A loopback Aloha that issues tokens and answers every report with `status`,
/// `Retry-After: <retry_after>` and, as Aloha's 429 does, "retry at <retry_after>" in the
/// body. Serves until the process ends.
fn vendor_asking_to_wait(status: u16, retry_after: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let response = if request_line.contains("/token") {
                let body = r#"{"status":200,"message":"Success","data":{"accessToken":"tok-loopback","accessTokenExpiration":"2999-01-01T00:00:00Z","refreshToken":"rt"}}"#;
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                )
            } else {
                // Aloha's 429 says when in its message, not in a header.
                let body = format!(
                    r#"{{"status":{status},"message":"Too Many Requests","errors":[{{"name":"RateLimitError","message":"Rate Limit exceeded. Please retry at {retry_after}"}}]}}"#
                );
                format!(
                    "HTTP/1.1 {status} Busy\r\nretry-after: {retry_after}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                )
            };
            let _ = stream.write_all(response.as_bytes());
        }
    });
    format!("http://{address}/customer")
}

#[test]
fn a_vendor_asking_to_wait_for_millennia_gets_a_one_line_error() {
    for (status, wait) in [(503, "300000000000"), (429, "18446744073709551615")] {
        let base = vendor_asking_to_wait(status, wait);
        let out = practice(
            &["aloha", "clients"],
            &[
                ("ALOHA_BASE_URL", base),
                ("ALOHA_CLIENT_ID", "client".into()),
                ("ALOHA_SECRET_KEY", "secret-key".into()),
            ],
        );
        let text = stderr(&out);
        assert_ne!(out.status.code(), Some(101), "panicked: {text}");
        assert!(matches!(out.status.code(), Some(4 | 5)), "{text}");
        assert!(text.contains("asks to wait"), "{text}");
        let errors = text.lines().filter(|l| l.starts_with("error:")).count();
        assert_eq!(errors, 1, "{text}");
        assert!(!text.contains("panicked"), "{text}");
    }
}
