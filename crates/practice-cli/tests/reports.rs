//! Aloha reports through the built binary: each row once whatever the chunking, records that
//! deviate from their documented types printed exactly as sent with a warning naming the
//! record and field, and `--fields` checked against typed records before anything is sent.

use httpmock::MockServer;

mod support;

use support::{code, run, stderr, stdout};

const PREFIX: &str = "/customer";

#[tokio::test]
async fn client_authorizations_come_once_each_with_and_without_chunking() {
    let none: &[(&str, String)] = &[];
    let base = [
        "--format",
        "ndjson",
        "aloha",
        "client-authorizations",
        "--from",
        "2024-02-01",
        "--to",
        "2024-03-31",
    ];
    let mut seen_sets = Vec::new();
    for chunking in [&[][..], &["--chunk-days", "31"], &["--chunk-days", "10"]] {
        let args: Vec<&str> = base.iter().chain(chunking).copied().collect();
        let out = run(&args, none).await;
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let mut lines: Vec<String> = stdout(&out).lines().map(str::to_owned).collect();
        // February and March 2024 hold 198 client-months in the sandbox (the rows name no
        // client, so equal rows are told apart by count: 198, never the 296 of day chunks).
        assert_eq!(lines.len(), 198, "{chunking:?}");
        assert!(
            lines
                .iter()
                .all(|l| l.contains(r#""startDate":"2024-02-01""#)
                    || l.contains(r#""startDate":"2024-03-01""#)),
            "{chunking:?}"
        );
        lines.sort();
        seen_sets.push(lines);
    }
    assert!(seen_sets.windows(2).all(|w| w[0] == w[1]));
}

/// A row whose fields deviate from their documented types (fields in spec order).
const ODD: &str = r#"{"appointmentId":2,"claimId":12345,"appointmentDate":"2024-01-15","units":"5","charge":1.234567890123456789012345678901e3,"chargeRate":1.5e1,"completed":"No"}"#;
const FINE: &str = r#"{"appointmentId":1,"claimId":"CLM-0001","appointmentDate":"01-15-2024","units":4,"charge":125.50,"completed":"Yes"}"#;

async fn odd_aloha() -> (MockServer, Vec<(&'static str, String)>) {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method("POST").path(format!("{PREFIX}/token"));
            then.status(200).body(
                r#"{"status":200,"message":"Success","data":{"username":"u","accessToken":"tok","accessTokenExpiration":"2099-01-01T00:00:00Z","refreshToken":"r","subscriptionId":"s"}}"#,
            );
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method("GET")
                .path(format!("{PREFIX}/v1/report/appointments"));
            then.status(200).body(format!(
                r#"{{"status":200,"message":"Success","data":[{FINE},{ODD}]}}"#
            ));
        })
        .await;
    let env = vec![
        ("ALOHA_CLIENT_ID", "client".to_owned()),
        ("ALOHA_SECRET_KEY", "secret".to_owned()),
        ("ALOHA_BASE_URL", server.url(PREFIX)),
    ];
    (server, env)
}

#[tokio::test]
async fn a_deviating_record_is_printed_as_sent_in_every_format_with_a_warning() {
    let (_server, env) = odd_aloha().await;
    let range = ["--from", "2024-01-01", "--to", "2024-01-31"];
    let mut outputs = Vec::new();
    for format in ["json", "ndjson", "csv", "table"] {
        let args: Vec<&str> = ["--format", format, "aloha", "appointments"]
            .iter()
            .chain(&range)
            .copied()
            .collect();
        let out = run(&args, &env).await;
        assert_eq!(code(&out), 0, "{format}: {}", stderr(&out));
        let err = stderr(&out);
        for field in [
            "claimId",
            "appointmentDate",
            "units",
            "charge",
            "chargeRate",
        ] {
            assert!(
                err.contains(&format!("record 2: field `{field}`")),
                "{format}: {err}"
            );
        }
        assert!(!err.contains("record 1:"), "{format}: {err}");
        assert!(
            !err.contains("12345") && !err.contains("2024-01-15"),
            "{err}"
        );
        outputs.push((format, stdout(&out)));
    }
    for (format, text) in &outputs {
        match *format {
            "json" | "ndjson" => {
                assert!(text.contains(ODD), "{format}: {text}");
                assert!(text.contains(FINE), "{format}: {text}");
            }
            _ => {
                // Cells carry each value's text as sent: no re-formatted number or date (the
                // table shortens wide cells with `…`, so the long number is checked by prefix).
                let long = if *format == "csv" {
                    "1.234567890123456789012345678901e3"
                } else {
                    "1.2345678901234567890123456789"
                };
                for cell in ["12345", "2024-01-15", long, "1.5e1", "125.50", "CLM-0001"] {
                    assert!(text.contains(cell), "{format}: {cell} in {text}");
                }
            }
        }
    }
}

#[tokio::test]
async fn fields_of_typed_records_are_checked_before_anything_is_sent() {
    let server = MockServer::start_async().await;
    let anything = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(500);
        })
        .await;
    let env = vec![
        ("ALOHA_CLIENT_ID", "client".to_owned()),
        ("ALOHA_SECRET_KEY", "secret".to_owned()),
        ("ALOHA_BASE_URL", server.url(PREFIX)),
    ];
    let out = run(
        &[
            "--format",
            "csv",
            "--fields",
            "appointmentId,noSuchField",
            "aloha",
            "appointments",
            "--from",
            "2024-01-01",
            "--to",
            "2024-01-31",
        ],
        &env,
    )
    .await;
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("noSuchField"), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    // Nothing was sent, not even the token request.
    assert_eq!(anything.calls_async().await, 0);
}

#[tokio::test]
async fn chunk_days_of_zero_is_refused_before_anything_is_sent() {
    let none: &[(&str, String)] = &[];
    let out = run(
        &[
            "aloha",
            "appointments",
            "--from",
            "2024-01-01",
            "--to",
            "2024-01-31",
            "--chunk-days",
            "0",
        ],
        none,
    )
    .await;
    assert_eq!(code(&out), 2, "{}", stderr(&out));
}
