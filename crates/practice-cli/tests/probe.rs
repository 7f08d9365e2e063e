//! `practice aloha probe` and `practice aerona probe` against a sandbox whose truth differs
//! from our assumptions (the variant) and against the faithful one: each difference named
//! with its fix within the ceilings, no record value printed, the suggested variables making
//! the usual commands work, exit 0 against the faithful sandbox and 3 on a wrong password.

use practice_sandbox::{Sandbox, SandboxConfig};
use serde_json::Value;

mod support;

use support::{code, env_for, json, run, stderr, stdout};

/// A short range the sandbox has Aloha and Aerona rows in.
const RANGE: [&str; 4] = ["--from", "2025-12-01", "--to", "2025-12-31"];

fn args<'a>(vendor: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![vendor, "probe", "--format", "json"];
    args.extend(RANGE);
    args.extend(extra);
    args
}

fn verdict<'a>(report: &'a Value, id: &str) -> (&'a str, &'a str) {
    let a = report["assumptions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {report}"));
    (
        a["verdict"].as_str().unwrap(),
        a["evidence"].as_str().unwrap(),
    )
}

fn field<'a>(report: &'a Value, schema: &str, name: &str) -> &'a Value {
    report["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["schema"] == schema && f["field"] == name)
        .unwrap_or_else(|| panic!("no {schema}.{name} in {report}"))
}

fn sets(report: &Value) -> Vec<String> {
    report["fixes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["set"].as_str().map(str::to_owned))
        .collect()
}

/// Requests the sandbox saw for one vendor.
fn seen(s: &Sandbox, vendor: &str) -> u64 {
    s.stats()
        .iter()
        .filter(|(op, _)| op.starts_with(&format!("{vendor}.")))
        .map(|(_, n)| n)
        .sum()
}

/// Every string value of at least four characters in `records` (a JSON array or object).
fn values(records: &Value, out: &mut Vec<String>) {
    match records {
        Value::String(s) if s.len() >= 4 => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| values(v, out)),
        Value::Object(map) => map.values().for_each(|v| values(v, out)),
        _ => {}
    }
}

fn assert_no_values(text: &str, records: &[String], secrets: &[&str]) {
    for value in records {
        assert!(
            !text.contains(value.as_str()),
            "the probe printed the record value {value:?}:\n{text}"
        );
    }
    for secret in secrets {
        assert!(
            !text.contains(secret),
            "the probe printed {secret:?}:\n{text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_aloha_probe_finds_the_variant_token_path_and_types_and_its_fix_works() {
    let s = Sandbox::start(SandboxConfig::default().with_variant(true))
        .await
        .unwrap();
    let env = env_for(&s);
    let patch = std::env::temp_dir().join(format!("aloha-probe-{}.patch", std::process::id()));
    let patch_arg = patch.to_str().unwrap().to_owned();
    let out = run(&args("aloha", &["--spec-patch", &patch_arg]), &env).await;
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let report = json(&out);
    assert!(seen(&s, "aloha") <= 12, "{:?}", s.stats());
    assert_eq!(report["requests"].as_u64().unwrap(), seen(&s, "aloha"));
    let (v, evidence) = verdict(&report, "A16");
    assert_eq!(v, "contradicted");
    assert!(evidence.contains("/v1/token"), "{evidence}");
    assert!(
        sets(&report).contains(&"ALOHA_TOKEN_PATH=/v1/token".to_owned()),
        "{report}"
    );
    let office = field(&report, "Client", "officeId");
    assert_eq!(
        (office["documented"].as_str(), office["seen"].as_str()),
        (Some("integer"), Some("string"))
    );
    assert!(office["count"].as_u64().unwrap() > 0);
    assert_eq!(
        field(&report, "Client", "preferredLanguage")["documented"],
        "absent"
    );
    for held in ["A9", "A10", "A13", "A15"] {
        assert_eq!(verdict(&report, held).0, "held", "{held}: {report}");
    }

    // The patch applies to the spec it was made from.
    let diff = std::fs::read_to_string(&patch).unwrap();
    assert!(
        diff.contains("+  /v1/token:") && diff.contains("officeId: { type: string"),
        "{diff}"
    );
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let check = std::process::Command::new("git")
        .args(["apply", "--check", &patch_arg])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let _ = std::fs::remove_file(&patch);

    // With the suggested variable the usual command works, unchanged.
    let mut fixed = env.clone();
    fixed.push(("ALOHA_TOKEN_PATH", "/v1/token".to_owned()));
    let clients = run(&["aloha", "clients", "--format", "json"], &fixed).await;
    assert_eq!(code(&clients), 0, "{}", stderr(&clients));
    let rows = json(&clients);
    assert!(rows.as_array().unwrap().len() > 10);
    assert_eq!(
        rows[0]["officeId"].as_str().map(|_| ()),
        Some(()),
        "kept as sent"
    );

    // Nothing of the records, the secret or a token in what the probe printed.
    let mut record_values = Vec::new();
    values(&rows, &mut record_values);
    let printed = format!("{}{}", stdout(&out), stderr(&out));
    assert_no_values(
        &printed,
        &record_values,
        &["sandbox-secret", "aloha-access-", "aloha-refresh-"],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_aerona_probe_finds_the_form_login_and_types_and_its_fix_works() {
    let s = Sandbox::start(SandboxConfig::default().with_variant(true))
        .await
        .unwrap();
    let env = env_for(&s);
    let out = run(&args("aerona", &[]), &env).await;
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let report = json(&out);
    assert!(seen(&s, "aerona") <= 20, "{:?}", s.stats());
    assert_eq!(report["requests"].as_u64().unwrap(), seen(&s, "aerona"));
    assert_eq!(
        s.requests("aerona.login"),
        2,
        "the configured shape, then the form"
    );
    let (v, evidence) = verdict(&report, "A1");
    assert_eq!(v, "contradicted");
    assert!(evidence.contains("form"), "{evidence}");
    assert!(
        sets(&report).contains(&"AERONA_LOGIN_ENCODING=form".to_owned()),
        "{report}"
    );
    let kind = field(&report, "Patient", "patientTypeId");
    assert_eq!(
        (kind["documented"].as_str(), kind["seen"].as_str()),
        (Some("integer"), Some("string"))
    );
    assert_eq!(
        field(&report, "Patient", "mobileNumber")["documented"],
        "absent"
    );
    assert_eq!(verdict(&report, "A14").0, "contradicted");
    for untested in ["A4", "A5", "A8"] {
        assert_eq!(verdict(&report, untested).0, "untested");
    }
    assert_eq!(
        s.requests("aerona.createAppointment") + s.requests("aerona.updateAppointmentStatus"),
        0
    );

    let mut fixed = env.clone();
    fixed.push(("AERONA_LOGIN_ENCODING", "form".to_owned()));
    let payments = run(
        &[
            "aerona",
            "payments",
            "--from",
            "2025-12-01",
            "--to",
            "2025-12-31",
            "--format",
            "json",
        ],
        &fixed,
    )
    .await;
    assert_eq!(code(&payments), 0, "{}", stderr(&payments));
    let patient_id = json(&payments)[0]["patientId"]
        .as_i64()
        .unwrap()
        .to_string();
    let patient = run(
        &["aerona", "patient", &patient_id, "--format", "json"],
        &fixed,
    )
    .await;
    assert_eq!(code(&patient), 0, "{}", stderr(&patient));
    let record = json(&patient);
    assert_eq!(record["mobileNumber"], "07700 900000");

    let mut record_values = Vec::new();
    values(&record, &mut record_values);
    values(&json(&payments), &mut record_values);
    let printed = format!("{}{}", stdout(&out), stderr(&out));
    assert_no_values(
        &printed,
        &record_values,
        &["sandbox-password", "aerona-token-", "1234"],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn against_the_faithful_sandbox_both_probes_exit_0() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let env = env_for(&s);
    for vendor in ["aloha", "aerona"] {
        let out = run(&args(vendor, &[]), &env).await;
        assert_eq!(
            code(&out),
            0,
            "{vendor}: {}\n{}",
            stdout(&out),
            stderr(&out)
        );
        let report = json(&out);
        assert!(
            report["assumptions"]
                .as_array()
                .unwrap()
                .iter()
                .all(|a| a["verdict"] != "contradicted"),
            "{report}"
        );
        assert!(
            report["fields"]
                .as_array()
                .unwrap()
                .iter()
                .all(|f| f["documented"] == "absent"),
            "{report}"
        );
    }
    assert!(
        seen(&s, "aloha") <= 12 && seen(&s, "aerona") <= 20,
        "{:?}",
        s.stats()
    );
    assert_eq!(s.requests("aloha.postToken"), 1);
    assert_eq!(s.requests("aerona.login"), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_password_is_not_a_wrong_shape_it_stops_at_once_with_exit_3() {
    let s = Sandbox::start(SandboxConfig::default().with_variant(true))
        .await
        .unwrap();
    let mut env = env_for(&s);
    for (name, value) in [
        ("ALOHA_SECRET_KEY", "wrong-key"),
        ("AERONA_PASSWORD", "wrong-password"),
    ] {
        env.retain(|(k, _)| *k != name);
        env.push((name, value.to_owned()));
    }
    // Aloha: the configured path is the variant's wrong URL, the alternative refuses the key.
    let out = run(&args("aloha", &[]), &env).await;
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("ALOHA_SECRET_KEY"),
        "{}",
        stderr(&out)
    );
    assert!(!format!("{}{}", stdout(&out), stderr(&out)).contains("wrong-key"));
    assert_eq!(s.requests("aloha.postToken"), 2);
    assert_eq!(seen(&s, "aloha"), 2, "nothing after the refusal");
    // Aerona, with the shape right: one login, refused, and nothing more.
    env.push(("AERONA_LOGIN_ENCODING", "form".to_owned()));
    let out = run(&args("aerona", &[]), &env).await;
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert_eq!(s.requests("aerona.login"), 1);
    assert_eq!(seen(&s, "aerona"), 1);
    assert!(!format!("{}{}", stdout(&out), stderr(&out)).contains("wrong-password"));
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_probe_input_exits_2_with_nothing_sent() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let env = env_for(&s);
    for bad in [
        vec![
            "aloha",
            "probe",
            "--from",
            "2025-01-01",
            "--to",
            "2025-12-31",
        ],
        vec!["aloha", "probe", "--to", "31-12-2025"],
        vec![
            "aerona",
            "probe",
            "--from",
            "2025-12-31",
            "--to",
            "2025-12-01",
        ],
    ] {
        let out = run(&bad, &env).await;
        assert_eq!(code(&out), 2, "{bad:?}: {}", stderr(&out));
    }
    let mut env = env.clone();
    env.push(("AERONA_LOGIN_ENCODING", "xml".to_owned()));
    let out = run(&["aerona", "probe"], &env).await;
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("AERONA_LOGIN_ENCODING"),
        "{}",
        stderr(&out)
    );
    assert!(s.stats().values().all(|n| *n == 0), "{:?}", s.stats());
}

#[tokio::test(flavor = "multi_thread")]
async fn on_a_terminal_format_the_report_reads_as_text() {
    let s = Sandbox::start(SandboxConfig::default().with_variant(true))
        .await
        .unwrap();
    let mut args = vec!["aloha", "probe", "--format", "table"];
    args.extend(RANGE);
    let out = run(&args, &env_for(&s)).await;
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let text = stdout(&out);
    for part in [
        "aloha probe of http://127.0.0.1:",
        "A16  CONTRADICTED",
        "the token answered at /v1/token",
        "Client.officeId: documented integer, seen string",
        "What to do:",
        "A16: set ALOHA_TOKEN_PATH=/v1/token",
        "--format json",
    ] {
        assert!(text.contains(part), "missing {part:?} in:\n{text}");
    }
    assert!(
        stderr(&out).contains("contradicted 1 assumption(s)"),
        "{}",
        stderr(&out)
    );
}
