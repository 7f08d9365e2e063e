//! End-to-end: the built `practice` binary against the sandbox, for every command and every
//! exit code.

use std::process::Command;

use practice_sandbox::{Fault, Sandbox, SandboxConfig};

mod support;

use support::{code, env_for, json, run, stderr, stdout};

#[tokio::test(flavor = "multi_thread")]
async fn every_command_runs_against_the_built_in_sandbox() {
    let none: &[(&str, String)] = &[];
    let out = run(&["aloha", "clients"], none).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out).as_array().unwrap().len(), 300);
    assert_eq!(
        stderr(&out).lines().count(),
        1,
        "one line says the sandbox is used: {}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("built-in aloha sandbox"));

    for report in [
        "appointments",
        "client-authorizations",
        "billing-ledger",
        "authorizations-without-appointments",
    ] {
        let out = run(
            &[
                "aloha",
                report,
                "--from",
                "2024-01-01",
                "--to",
                "2024-03-31",
            ],
            none,
        )
        .await;
        assert_eq!(code(&out), 0, "{report}: {}", stderr(&out));
        assert!(!json(&out).as_array().unwrap().is_empty(), "{report}");
    }
    let out = run(
        &[
            "aloha",
            "appointments",
            "--from",
            "2024-03-01",
            "--to",
            "2024-03-01",
            "--format",
            "ndjson",
        ],
        none,
    )
    .await;
    for line in stdout(&out).lines() {
        let row: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(row["appointmentDate"], "03-01-2024");
    }
    assert!(
        stdout(&out).contains(".00")
            || stdout(&out).contains(".50")
            || stdout(&out).contains(".75"),
        "money digits as sent"
    );

    let one = json(&run(&["aerona", "patient", "426700"], none).await);
    assert!(
        one.is_object() && one["email"].is_string(),
        "one id → one object, undocumented fields kept"
    );
    let many = json(&run(&["aerona", "patient", "426702", "426700", "426701"], none).await);
    let order: Vec<_> = many
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["email"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        order,
        [
            "patient426702@example.invalid",
            "patient426700@example.invalid",
            "patient426701@example.invalid"
        ]
    );
    assert_eq!(
        json(&run(&["aerona", "payment", "187000"], none).await)["id"],
        187000
    );
    assert_eq!(
        json(&run(&["aerona", "invoice", "337000"], none).await)["id"],
        337000
    );
    let payments = run(
        &[
            "aerona",
            "payments",
            "--patient",
            "426700",
            "--from",
            "2024-01-01",
            "--to",
            "2026-12-31",
        ],
        none,
    )
    .await;
    assert_eq!(json(&payments).as_array().unwrap().len(), 4);
    let month = run(&["aerona", "invoices"], none).await;
    assert_eq!(code(&month), 0);
    assert!(
        stderr(&month).contains("current month"),
        "{}",
        stderr(&month)
    );
    assert!(
        !json(&run(&["aerona", "clinicians", "--practice", "9876"], none).await)
            .as_array()
            .unwrap()
            .is_empty()
    );
    let types = json(&run(&["aerona", "appointment-types", "--include-disabled"], none).await);
    assert_eq!(types.as_array().unwrap().len(), 6);
    let slots = json(
        &run(
            &[
                "aerona",
                "slots",
                "--appointment-type",
                "1860",
                "--start",
                "2026-03-02",
                "--clinician",
                "34560",
                "--time-of-day",
                "afternoon",
            ],
            none,
        )
        .await,
    );
    assert_eq!(slots.as_array().unwrap().len(), 50);
    let by_type = run(
        &[
            "aerona",
            "slots",
            "--appointment-type",
            "1860",
            "--start",
            "2026-03-02",
            "--clinician-type",
            "1",
            "--practice",
            "9876",
        ],
        none,
    )
    .await;
    assert_eq!(code(&by_type), 0, "{}", stderr(&by_type));
    let created = json(
        &run(
            &[
                "aerona",
                "create-appointment",
                "--practice",
                "9876",
                "--clinician",
                "34560",
                "--appointment-type",
                "1860",
                "--status",
                "2",
                "--time",
                "2026-03-02T13:00:00Z",
                "--duration",
                "30",
                "--patient",
                "426700",
                "--notes",
                "from the CLI test",
            ],
            none,
        )
        .await,
    );
    assert!(created["appointmentId"].as_i64().unwrap() > 0, "{created}");
    assert_eq!(
        json(&run(&["aerona", "set-appointment-status", "30001", "7"], none).await),
        serde_json::json!({"updated": true})
    );
    assert_eq!(
        json(&run(&["aerona", "set-appointment-status", "999999", "7"], none).await),
        serde_json::json!({"updated": false})
    );

    let csv = run(
        &[
            "aerona",
            "payments",
            "--from",
            "2024-01-01",
            "--to",
            "2024-01-31",
            "--format",
            "csv",
        ],
        none,
    )
    .await;
    assert!(
        stdout(&csv).starts_with("id,patientId,practiceId,"),
        "{}",
        stdout(&csv)
    );
    let table = run(&["aerona", "payment", "187000", "--format", "table"], none).await;
    assert!(stdout(&table).contains("(1 record)"));
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_input_exits_2_and_sends_nothing() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let env = env_for(&s);
    for args in [
        &[
            "aloha",
            "appointments",
            "--from",
            "01-01-2024",
            "--to",
            "2024-01-31",
        ][..],
        &[
            "aloha",
            "appointments",
            "--from",
            "2024-02-01",
            "--to",
            "2024-01-31",
        ],
        &["aerona", "patient", "abc"],
        &["aerona", "patient", "123456789012"],
        &["aerona", "payment", "-5"],
        &[
            "aerona",
            "slots",
            "--appointment-type",
            "1",
            "--start",
            "2026-03-02",
            "--clinician",
            "1",
            "--clinician-type",
            "1",
            "--practice",
            "1",
        ],
        &[
            "aerona",
            "slots",
            "--appointment-type",
            "1",
            "--start",
            "2026-03-02",
            "--clinician-type",
            "1",
        ],
        &[
            "aerona",
            "create-appointment",
            "--practice",
            "1",
            "--clinician",
            "1",
            "--appointment-type",
            "1",
            "--status",
            "15",
            "--time",
            "2026-03-02T13:00:00Z",
            "--duration",
            "30",
            "--patient",
            "1",
        ],
        &[
            "aerona",
            "create-appointment",
            "--practice",
            "1",
            "--clinician",
            "1",
            "--appointment-type",
            "1",
            "--status",
            "2",
            "--time",
            "tomorrow",
            "--duration",
            "30",
            "--patient",
            "1",
        ],
        &[
            "aerona",
            "create-appointment",
            "--practice",
            "1",
            "--clinician",
            "1",
            "--appointment-type",
            "1",
            "--status",
            "2",
            "--time",
            "2026-03-02T13:00:00Z",
            "--duration",
            "1000000",
            "--patient",
            "1",
        ],
        &["aerona", "set-appointment-status", "1", "99"],
        &["aerona", "frobnicate"],
    ] {
        let out = run(args, &env).await;
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(stdout(&out).is_empty(), "stdout carries data only");
    }
    let mut bad_budget = env.clone();
    bad_budget.push(("AERONA_RATE_LIMIT", "lots".into()));
    let out = run(&["aerona", "patient", "426700"], &bad_budget).await;
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).starts_with("error: AERONA_RATE_LIMIT"),
        "{}",
        stderr(&out)
    );
    for op in [
        "aloha.postToken",
        "aerona.login",
        "aerona.getPatient",
        "aloha.listAppointments",
    ] {
        assert_eq!(s.requests(op), 0, "{op}: not even a login");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn vendor_refusals_limits_and_failures_map_to_3_4_and_5() {
    let s = Sandbox::start(SandboxConfig {
        aloha_daily_limit: 2,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let env = env_for(&s);

    let out = run(&["aerona", "patient", "1"], &env).await;
    assert_eq!(code(&out), 3, "not found: {}", stderr(&out));
    assert!(
        stderr(&out).starts_with("error: getPatient: not found"),
        "{}",
        stderr(&out)
    );
    let mut wrong = env.clone();
    wrong[4] = ("AERONA_PASSWORD", "wrong-password".into());
    let out = run(&["aerona", "patient", "426700"], &wrong).await;
    assert_eq!(code(&out), 3, "authentication: {}", stderr(&out));

    let mut tight = env.clone();
    tight.push(("AERONA_RATE_LIMIT", "2/1h".into()));
    let out = run(&["aerona", "patient", "426700", "426701"], &tight).await;
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(stderr(&out).contains("retry in"), "{}", stderr(&out));

    assert_eq!(code(&run(&["aloha", "clients"], &env).await), 0); // token + clients: the day's 2
    let out = run(&["aloha", "clients"], &env).await;
    assert_eq!(code(&out), 4, "vendor 429: {}", stderr(&out));
    assert!(stderr(&out).contains("retry at"), "{}", stderr(&out));

    s.faults()
        .inject("aerona.getPayment", Fault::Status { status: 500 }, 10);
    let out = run(&["aerona", "payment", "187000"], &env).await;
    assert_eq!(code(&out), 5, "{}", stderr(&out));
    s.faults().inject("aerona.getInvoice", Fault::Html, 1);
    assert_eq!(
        code(&run(&["aerona", "invoice", "337000"], &env).await),
        5,
        "decode failure"
    );

    let before = s.requests("aerona.createAppointment");
    s.faults()
        .inject("aerona.createAppointment", Fault::Drop, 1);
    let out = run(
        &[
            "aerona",
            "create-appointment",
            "--practice",
            "9876",
            "--clinician",
            "34561",
            "--appointment-type",
            "1860",
            "--status",
            "2",
            "--time",
            "2026-03-02T13:00:00Z",
            "--duration",
            "30",
            "--patient",
            "426700",
        ],
        &env,
    )
    .await;
    assert_eq!(code(&out), 5, "{}", stderr(&out));
    assert!(stderr(&out).contains("outcome unknown"), "{}", stderr(&out));
    assert_eq!(
        s.requests("aerona.createAppointment"),
        before + 1,
        "sent once, never repeated"
    );
    assert_eq!(
        stderr(&out)
            .lines()
            .filter(|l| l.starts_with("error:"))
            .count(),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn verbose_logs_hold_no_secret_or_token() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let env = env_for(&s);
    let out = run(&["-vvv", "aerona", "patient", "426700"], &env).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out2 = run(&["-vvv", "aloha", "clients"], &env).await;
    let logs = stderr(&out) + &stderr(&out2);
    assert!(
        logs.contains("getPatient") && logs.contains("listClients"),
        "{logs}"
    );
    for secret in [
        "sandbox-password",
        "sandbox-secret",
        "aerona-token-",
        "aloha-access-",
        "aloha-refresh-",
        "example.invalid",
    ] {
        assert!(!logs.contains(secret), "{secret} leaked: {logs}");
    }
}

#[test]
fn practice_sandbox_serves_until_stopped() {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_practice"))
        .args(["sandbox", "--port", "0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let aloha = lines.next().unwrap().unwrap();
    let aerona = lines.next().unwrap().unwrap();
    assert!(
        aloha.starts_with("aloha  http://127.0.0.1:") && aloha.contains("/aloha/customer"),
        "{aloha}"
    );
    assert!(
        aerona.starts_with("aerona http://127.0.0.1:") && aerona.contains("/aerona/AeronaAPI"),
        "{aerona}"
    );
    child.kill().unwrap();
    child.wait().unwrap();
}
