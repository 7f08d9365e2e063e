//! Output that is safe where it goes, end to end through the built binary: vendor text that
//! cannot steer a terminal (table, error lines), CSV cells a spreadsheet will not run,
//! json/ndjson exactly as sent, `--fields`, and a reader that closes early.

use std::io::Read;
use std::process::Stdio;

use httpmock::MockServer;

mod support;

use support::{code, run, stderr, stdout};

const PREFIX: &str = "/AeronaAPI";

/// A patient whose text fields hold what a hostile or broken vendor could send: an OSC 52
/// clipboard write, a C1 CSI, a bidi override, formula-like text; and a negative number.
const HOSTILE_PATIENT: &str = r#"{"practiceId":9876,"forename":"\u001b]52;c;ZWNobyBoaQ==\u0007Eve","surname":"\u202eevE","address1":"\u009b2J","occupation":"=HYPERLINK(\"http://x\")","postcode":"-5","knownAs":"@SUM(A1)","mobilePhone":"+44 7000","balance":-12.50}"#;

/// A stand-in Aerona on loopback that answers one hostile patient (7) and one hostile
/// error (8), and the environment that points the CLI at it.
async fn hostile_aerona() -> (MockServer, Vec<(&'static str, String)>) {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method("POST").path(format!("{PREFIX}/v1/login"));
            then.status(200).header("AERONA-AUTH-TOKEN", "tok");
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method("GET").path(format!("{PREFIX}/v1/patients/7"));
            then.status(200)
                .header("content-type", "application/json")
                .body(HOSTILE_PATIENT);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method("GET").path(format!("{PREFIX}/v1/patients/8"));
            then.status(400)
                .header("content-type", "application/json")
                .body(r#"{"message":"\u001b[2J\u001b]0;pwned\u0007bad \u202eid \u0085"}"#);
        })
        .await;
    let env = vec![
        ("AERONA_USERNAME", "user".to_owned()),
        ("AERONA_PASSWORD", "password".to_owned()),
        ("AERONA_BASE_URL", server.url(PREFIX)),
    ];
    (server, env)
}

/// Whether `text` holds anything that would steer a terminal or reorder its text.
fn steers(text: &str) -> bool {
    text.chars().any(|c| {
        (c.is_control() && c != '\n')
            || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn tables_and_error_lines_show_vendor_controls_escaped() {
    let (_server, env) = hostile_aerona().await;
    let out = run(&["aerona", "patient", "7", "--format", "table"], &env).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let table = stdout(&out);
    assert!(!steers(&table), "{table:?}");
    for shown in [
        r"\u{1b}]52;c;ZWNobyBoaQ==\u{7}Eve",
        r"\u{202e}evE",
        r"\u{9b}2J",
    ] {
        assert!(table.contains(shown), "{shown} in {table}");
    }
    assert!(table.contains("(1 record)"), "{table}");

    let out = run(&["aerona", "patient", "8"], &env).await;
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(!steers(&err), "{err:?}");
    assert!(err.starts_with("error: "), "{err}");
    for shown in [
        r"\u{1b}[2J",
        r"\u{1b}]0;pwned\u{7}",
        r"\u{202e}id",
        r"\u{85}",
    ] {
        assert!(err.contains(shown), "{shown} in {err}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn csv_makes_formula_like_text_inert_unless_raw_and_json_is_as_sent() {
    let (_server, env) = hostile_aerona().await;
    let fields = "occupation,postcode,knownAs,mobilePhone,balance,surname";
    let out = run(
        &[
            "aerona", "patient", "7", "--format", "csv", "--fields", fields,
        ],
        &env,
    )
    .await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "{fields}\n\"'=HYPERLINK(\"\"http://x\"\")\",'-5,'@SUM(A1),'+44 7000,-12.50,\u{202e}evE\n"
        ),
        "text protected, the number kept as sent"
    );

    let raw = run(
        &[
            "aerona",
            "patient",
            "7",
            "--format",
            "csv",
            "--csv-raw",
            "--fields",
            fields,
        ],
        &env,
    )
    .await;
    assert_eq!(code(&raw), 0, "{}", stderr(&raw));
    assert_eq!(
        stdout(&raw),
        format!(
            "{fields}\n\"=HYPERLINK(\"\"http://x\"\")\",-5,@SUM(A1),+44 7000,-12.50,\u{202e}evE\n"
        )
    );

    let sent: serde_json::Value = serde_json::from_str(HOSTILE_PATIENT).unwrap();
    for format in ["json", "ndjson"] {
        let out = run(&["aerona", "patient", "7", "--format", format], &env).await;
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let got: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
        assert_eq!(got, sent, "{format}: every value as sent");
        assert!(
            stdout(&out).contains("-12.50"),
            "digits as sent: {}",
            stdout(&out)
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn fields_choose_and_order_columns_and_unknown_names_exit_2() {
    let none: &[(&str, String)] = &[];
    let csv = run(
        &[
            "aloha",
            "clients",
            "--format",
            "csv",
            "--fields",
            "lastName, clientId",
        ],
        none,
    )
    .await;
    assert_eq!(code(&csv), 0, "{}", stderr(&csv));
    let text = stdout(&csv);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("lastName,clientId"));
    assert_eq!(lines.clone().count(), 300);
    assert!(lines.all(|l| l.split(',').count() == 2), "{text}");

    let table = run(
        &[
            "aloha",
            "clients",
            "--format",
            "table",
            "--fields",
            "clientId,firstName",
        ],
        none,
    )
    .await;
    assert_eq!(code(&table), 0, "{}", stderr(&table));
    let header = stdout(&table).lines().next().unwrap_or("").to_owned();
    assert_eq!(
        header.split_whitespace().collect::<Vec<_>>(),
        ["clientId", "firstName"]
    );

    let unknown = run(
        &[
            "aloha",
            "clients",
            "--format",
            "csv",
            "--fields",
            "clientId,nope",
        ],
        none,
    )
    .await;
    assert_eq!(code(&unknown), 2, "{}", stderr(&unknown));
    assert!(stdout(&unknown).is_empty());
    let err = stderr(&unknown);
    assert!(
        err.contains(r#"no field named "nope""#) && err.contains("clientId, firstName"),
        "the message names the field and the ones there are: {err}"
    );

    // Found before anything starts: no sandbox, no request.
    for args in [
        &[
            "aloha", "clients", "--format", "json", "--fields", "clientId",
        ][..],
        &[
            "aloha",
            "clients",
            "--format",
            "csv",
            "--fields",
            "clientId,,firstName",
        ],
        &[
            "aloha",
            "clients",
            "--format",
            "csv",
            "--fields",
            "clientId,clientId",
        ],
    ] {
        let out = run(args, none).await;
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(stdout(&out).is_empty(), "{args:?}");
        assert!(
            !stderr(&out).contains("using the built-in"),
            "{}",
            stderr(&out)
        );
        assert!(stderr(&out).contains("--fields"), "{}", stderr(&out));
    }
}

/// Runs `args` with stdout a pipe whose reader reads `keep` bytes (none: closed before
/// the CLI writes), then closes it; returns the exit code and stderr.
fn with_early_close(args: &[&str], keep: usize) -> (i32, String) {
    let mut child = support::command()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut pipe = child.stdout.take().expect("piped");
    let mut kept = vec![0; keep];
    pipe.read_exact(&mut kept).expect("the first bytes");
    drop(pipe);
    let out = child.wait_with_output().expect("the binary ends");
    (
        code(&out),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_reader_that_closes_early_ends_every_format_quietly() {
    for format in ["json", "ndjson", "csv", "table"] {
        // Enough output to outrun any pipe buffer, so the late writes meet a closed pipe.
        let args = [
            "aloha",
            "appointments",
            "--from",
            "2024-01-01",
            "--to",
            "2024-06-30",
            "--format",
            format,
        ];
        for keep in [0, 16] {
            let (code, err) = with_early_close(&args, keep);
            assert_eq!(code, 0, "{format}, {keep} bytes read: {err}");
            assert!(!err.contains("error"), "{format}: {err}");
            assert!(!err.contains("panicked"), "{format}: {err}");
        }
    }
    let (code, err) = with_early_close(&["completions", "bash"], 0);
    assert_eq!(code, 0, "{err}");
    assert!(err.is_empty(), "{err}");
}
