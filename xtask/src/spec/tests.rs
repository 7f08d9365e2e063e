//! `spec import` against a made-up "official" Aerona document (JSON, OpenAPI 3.1) that
//! differs from ours in the ways a real one could: the login moved and form-encoded with a
//! required practice PIN, the practice list added, create appointment and others missing,
//! a search parameter added and another made required, a property retyped, one added, one
//! nullable the 3.1 way, and required fields.

use super::*;

fn run_import() -> (String, Value) {
    let root = crate::workspace_root();
    let ours = root.join("crates/aerona-api/openapi.yaml");
    let official =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src/spec/testdata/aerona-official.json");
    let out = std::env::temp_dir().join(format!("aerona-merged-{}.yaml", std::process::id()));
    let report = import(&ours, &official, &out, true).unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    assert!(
        text.starts_with("# Merged by `cargo xtask spec import`"),
        "{text}"
    );
    (report, serde_yaml::from_str(&text).unwrap())
}

#[test]
fn every_difference_is_printed() {
    let (report, _) = run_import();
    for line in [
        "operation login moved: POST /v1/login -> POST /v1/auth/login",
        "operation added: GET /v1/practices (listPractices)",
        "operation removed: POST /v1/appointments (createAppointment)",
        "operation removed: GET /v1/clinicians (listClinicians)",
        "login: request body application/json -> application/x-www-form-urlencoded",
        "login body: property practicePin added (string)",
        "login body: practicePin now required",
        "searchPayments: parameter query practiceId added",
        "searchPayments: parameter query fromDate required false -> true",
        "schema Payment: property refundReference type integer int64 -> string",
        "schema Payment: property currency added (string)",
        "schema Payment: property practiceName removed",
        "schema Payment: id now required",
        "schema Patient: property postcode added (string)",
        "schema added: Practice",
        "schema removed: Slot",
    ] {
        assert!(report.contains(line), "missing {line:?} in:\n{report}");
    }
}

#[test]
fn the_assumptions_the_official_file_settles_are_marked() {
    let (report, _) = run_import();
    for line in [
        "A1 settled (the login's method, path and body): POST /v1/auth/login, body application/x-www-form-urlencoded — differs from ours",
        "A4 settled (update appointment status's method and path): PUT /v1/appointments/{appointmentId}/status, body application/json — as assumed",
        "A5 not settled (create appointment's method and path): no operation createAppointment",
        "A7 settled (the patient's fields beyond the sample): the official file describes Patient",
        "A14 settled (record field types read from samples): the official file types Payment, Patient",
        "A6 not settled",
        "A8 not settled",
    ] {
        assert!(report.contains(line), "missing {line:?} in:\n{report}");
    }
}

#[test]
fn our_extensions_are_an_overlay_and_the_result_is_3_0() {
    let (report, merged) = run_import();
    assert_eq!(merged["openapi"], "3.0.3");
    assert_eq!(merged["info"]["x-rate-limit"]["limit"], 300);
    let payment = &merged["components"]["schemas"]["Payment"];
    assert_eq!(
        payment["properties"]["amount"]["x-money"], true,
        "ours on theirs"
    );
    assert_eq!(
        payment["properties"]["refundReference"]["type"], "string",
        "theirs wins on types"
    );
    assert_eq!(payment["properties"]["paymentNote"]["type"], "string");
    assert_eq!(payment["properties"]["paymentNote"]["nullable"], true);
    assert_eq!(
        payment["properties"]["paymentNote"]["example"],
        "Paid in full."
    );
    assert_eq!(
        merged["paths"]["/v1/payments/{paymentId}"]["get"]["x-idempotent"],
        true
    );
    assert_eq!(
        merged["paths"]["/v1/practices"]["get"]["x-idempotent"], true,
        "a new GET is idempotent"
    );
    // Our login extensions live at the old path: they do not follow it.
    assert!(
        merged["paths"]["/v1/auth/login"]["post"]
            .get("x-auth")
            .is_none()
    );
    assert!(report.contains("/paths//v1/login/post/x-auth"), "{report}");
    assert!(
        report.contains("/paths//v1/appointments/post/x-idempotent"),
        "{report}"
    );
    assert!(
        report.contains("adjusted: read as OpenAPI 3.0.3 (from 3.1)"),
        "{report}"
    );
}

#[test]
fn a_file_that_is_not_openapi_3_is_refused() {
    let dir = std::env::temp_dir();
    let ours = crate::workspace_root().join("crates/aerona-api/openapi.yaml");
    let swagger = dir.join(format!("swagger-{}.yaml", std::process::id()));
    std::fs::write(&swagger, "swagger: \"2.0\"\npaths: {}\n").unwrap();
    let out = dir.join("never-written.yaml");
    let err = import(&ours, &swagger, &out, true).unwrap_err();
    assert!(err.contains("not an OpenAPI 3.0 or 3.1 document"), "{err}");
    std::fs::write(&swagger, "{ not: [json").unwrap();
    let err = import(&ours, &swagger, &out, true).unwrap_err();
    assert!(err.contains("neither JSON nor YAML"), "{err}");
    let _ = std::fs::remove_file(&swagger);
    assert!(!out.exists());
}
