//! The sandbox over plain HTTP, without the vendor clients: wire formats, token and budget
//! rules, validation, determinism, slots. Raw TCP where the bytes on the wire matter.

use std::collections::BTreeSet;
use std::time::Duration;

mod support;

use practice_sandbox::{Sandbox, SandboxConfig};
use serde_json::Value;
use support::{JsonBody, aerona_login, http, json_of};

async fn start(config: SandboxConfig) -> Sandbox {
    Sandbox::start(config).await.unwrap()
}

async fn aloha_token(s: &Sandbox) -> Value {
    let c = s.credentials();
    let r = http()
        .post(format!("{}/token", s.aloha_base_url()))
        .json_body(
            &serde_json::json!({"clientId": c.aloha_client_id, "secretKey": c.aloha_secret_key}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    json_of(r).await
}

async fn aloha_get(
    s: &Sandbox,
    token: &str,
    path: &str,
) -> (u16, reqwest::header::HeaderMap, String) {
    let r = http()
        .get(format!("{}{path}", s.aloha_base_url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.text().await.unwrap())
}

async fn aerona_call(
    s: &Sandbox,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, String) {
    let mut request = http()
        .request(method, format!("{}{path}", s.aerona_base_url()))
        .header("AERONA-AUTH-TOKEN", token);
    if let Some(body) = body {
        request = request.json_body(&body);
    }
    let r = request.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn aerona_get(s: &Sandbox, token: &str, path: &str) -> (u16, String) {
    aerona_call(s, token, reqwest::Method::GET, path, None).await
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

fn is_us_date(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() == 10
        && b[2] == b'-'
        && b[5] == b'-'
        && t.replace('-', "").bytes().all(|c| c.is_ascii_digit())
}

fn is_clock(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() == 8 && b[2] == b':' && (t.ends_with(" AM") || t.ends_with(" PM"))
}

/// Every `"name":<number>` in raw JSON text.
fn raw_numbers<'a>(text: &'a str, name: &str) -> Vec<&'a str> {
    let key = format!("\"{name}\":");
    text.match_indices(&key)
        .map(|(i, _)| {
            let rest = &text[i + key.len()..];
            let end = rest.find([',', '}']).unwrap();
            &rest[..end]
        })
        .collect()
}

#[tokio::test]
async fn aloha_tokens_envelope_and_report_wire_formats() {
    let s = start(SandboxConfig::default()).await;
    let envelope = aloha_token(&s).await;
    assert_eq!(envelope["status"], 200);
    assert_eq!(envelope["message"], "Success");
    let data = &envelope["data"];
    for k in [
        "username",
        "accessToken",
        "accessTokenExpiration",
        "refreshToken",
        "subscriptionId",
    ] {
        assert!(data[k].is_string(), "{k}");
    }
    let expires = time::OffsetDateTime::parse(
        data["accessTokenExpiration"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let ttl = expires - time::OffsetDateTime::now_utc();
    assert!(
        ttl > time::Duration::minutes(179) && ttl <= time::Duration::hours(3),
        "{ttl}"
    );
    assert!(
        data["accessTokenExpiration"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    let token = data["accessToken"].as_str().unwrap();

    // Wrong credentials: 401 in the error envelope.
    let r = http()
        .post(format!("{}/token", s.aloha_base_url()))
        .json_body(&serde_json::json!({"clientId": "sandbox-client", "secretKey": "wrong"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let body: Value = json_of(r).await;
    assert_eq!(body["status"], 401);
    assert!(body["errors"][0]["name"].is_string() && body["errors"][0]["message"].is_string());

    let (status, headers, text) = aloha_get(&s, token, "/v1/report/clients").await;
    assert_eq!(status, 200);
    assert_eq!(headers["x-ratelimit-limit"], "1000");
    let clients: Value = serde_json::from_str(&text).unwrap();
    let rows = clients["data"].as_array().unwrap();
    assert_eq!(rows.len(), 300);
    assert!(
        rows.iter().any(|r| r.get("sandboxNote").is_some()),
        "an unknown field"
    );
    assert!(
        rows.iter().any(|r| r.get("aliasName").is_none()),
        "an absent field"
    );
    assert!(rows.iter().all(|r| r["imageUrl"].is_null()), "a null field");
    assert!(rows[0]["street"].as_str().unwrap().contains("Test Street"));

    let (status, _, text) = aloha_get(
        &s,
        token,
        "/v1/report/appointments?startDate=2024-03-01&endDate=2024-03-31",
    )
    .await;
    assert_eq!(status, 200);
    // Money keeps two decimals on the wire, trailing zeros included.
    let charges = raw_numbers(&text, "charge");
    assert!(!charges.is_empty());
    assert!(
        charges
            .iter()
            .all(|c| c.split('.').nth(1).is_some_and(|d| d.len() == 2)),
        "{charges:?}"
    );
    assert!(
        charges.iter().any(|c| c.ends_with('0')),
        "a trailing zero survives"
    );
    let appointments: Value = serde_json::from_str(&text).unwrap();
    let rows = appointments["data"].as_array().unwrap();
    for row in rows {
        let date = row["appointmentDate"].as_str().unwrap();
        assert!(
            is_us_date(date) && date.starts_with("03-") && date.ends_with("-2024"),
            "{date}"
        );
        assert!(is_clock(row["appointmentStart"].as_str().unwrap()));
        assert!(is_clock(row["appointmentEnd"].as_str().unwrap()));
        assert!(matches!(row["completed"].as_str(), Some("Yes" | "No")));
    }
    assert!(
        rows.iter().any(|r| r.get("gender").is_none()),
        "some rows leave fields out"
    );
    assert!(
        rows.iter()
            .any(|r| r.get("chargeLineTimeZone") == Some(&Value::Null))
    );
    assert!(rows.iter().any(|r| r.get("sandboxNote").is_some()));

    // The ledger agrees with the completed appointments.
    let (_, _, text) = aloha_get(
        &s,
        token,
        "/v1/report/billing-ledger?startDate=2024-03-01&endDate=2024-03-31",
    )
    .await;
    let ledger: Value = serde_json::from_str(&text).unwrap();
    let ledger = ledger["data"].as_array().unwrap();
    let completed: Vec<&Value> = rows.iter().filter(|r| r["completed"] == "Yes").collect();
    assert_eq!(ledger.len(), completed.len());
    for entry in ledger {
        assert!(
            completed.iter().any(|a| a["clientId"] == entry["clientId"]
                && a["appointmentDate"] == entry["dateOfService"]
                && a["billingCode"] == entry["billingCode"]
                && a["charge"] == entry["billedAmount"]),
            "{entry}"
        );
    }

    let (_, _, text) = aloha_get(
        &s,
        token,
        "/v1/report/client-authorizations?startDate=2024-03-10&endDate=2024-03-12",
    )
    .await;
    let auths: Value = serde_json::from_str(&text).unwrap();
    let auths = auths["data"].as_array().unwrap();
    assert!(!auths.is_empty(), "monthly periods overlapping the range");
    assert_eq!(auths[0]["rangeType"], "Monthly");
    assert_eq!(auths[0]["startDate"], "2024-03-01");

    let (_, _, text) = aloha_get(
        &s,
        token,
        "/v1/report/authorizations-without-appointments?startDate=2024-03-01&endDate=2024-03-31",
    )
    .await;
    let without: Value = serde_json::from_str(&text).unwrap();
    let first = &without["data"][0];
    for k in [
        "client_Name",
        "iD_with_Payer",
        "authorization_Number",
        "allowed_Limit",
        "start_Date1",
        "client_Id",
    ] {
        assert!(first.get(k).is_some(), "{k} in {first}");
    }
    assert!(first["startDate"].as_str().unwrap().ends_with("T00:00:00Z"));
    s.stop().await;
}

#[tokio::test]
async fn aloha_tokens_expire_and_refresh_once() {
    let s = start(SandboxConfig {
        aloha_token_ttl: Duration::from_millis(1000),
        ..SandboxConfig::default()
    })
    .await;
    let first = aloha_token(&s).await["data"].clone();
    let access = first["accessToken"].as_str().unwrap();
    assert_eq!(aloha_get(&s, access, "/v1/report/clients").await.0, 200);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, _, text) = aloha_get(&s, access, "/v1/report/clients").await;
    assert_eq!(status, 401, "{text}");
    assert_eq!(aloha_get(&s, "made-up", "/v1/report/clients").await.0, 401);

    let refresh = |access: Value, refresh: Value| {
        http()
            .post(format!("{}/refresh-token", s.aloha_base_url()))
            .json_body(&serde_json::json!({"clientId": "sandbox-client", "accessToken": access, "refreshToken": refresh}))
            .send()
    };
    let r = refresh(first["accessToken"].clone(), first["refreshToken"].clone())
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "an expired access token can be refreshed");
    let second: Value = json_of(r).await;
    let second = &second["data"];
    assert_ne!(second["accessToken"], first["accessToken"]);
    assert_eq!(
        aloha_get(
            &s,
            second["accessToken"].as_str().unwrap(),
            "/v1/report/clients"
        )
        .await
        .0,
        200
    );
    let again = refresh(first["accessToken"].clone(), first["refreshToken"].clone())
        .await
        .unwrap();
    assert_eq!(again.status(), 401, "a refresh token works once");
    let body: Value = json_of(again).await;
    assert_eq!(body["status"], 401);
    s.stop().await;
}

#[tokio::test]
async fn aloha_daily_limit_429_body_headers_and_wrong_url() {
    let s = start(SandboxConfig {
        aloha_daily_limit: 3,
        ..SandboxConfig::default()
    })
    .await;
    let token = aloha_token(&s).await["data"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, headers, _) = aloha_get(&s, &token, "/v1/report/clients").await;
    assert_eq!(status, 200);
    assert_eq!(headers["x-ratelimit-limit"], "3");
    assert_eq!(headers["x-ratelimit-remaining"], "1");
    let reset: u64 = headers["x-ratelimit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert_eq!(reset % 86_400, 0, "the next UTC day boundary");
    assert!(reset > now && reset <= now + 86_400);

    // A wrong URL is the vendor's 429 too, and costs a request.
    let (status, headers, text) = aloha_get(&s, &token, "/v1/report/nothing-here").await;
    assert_eq!(status, 429);
    assert_eq!(headers["x-ratelimit-remaining"], "0");
    assert!(text.contains("not hitting the correct URL"), "{text}");

    let (status, headers, text) = aloha_get(&s, &token, "/v1/report/clients").await;
    assert_eq!(status, 429);
    assert_eq!(headers["x-ratelimit-remaining"], "0");
    assert_eq!(
        text,
        format!(
            r#"{{"status":429,"message":"Too Many Requests","errors":[{{"name":"RateLimitError","message":"Rate Limit exceeded. Please retry at {reset}"}}]}}"#
        )
    );
    s.stop().await;
}

#[tokio::test]
async fn aloha_date_validation_uses_both_error_forms() {
    let s = start(SandboxConfig::default()).await;
    let token = aloha_token(&s).await["data"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    for (query, array) in [
        ("", true),
        ("?startDate=2024-01-01", true),
        ("?startDate=01-01-2024&endDate=2024-01-31", true),
        ("?startDate=2024-01-01&endDate=2024-02-30", true),
        ("?startDate=2024-02-01&endDate=2024-01-31", false),
    ] {
        let (status, headers, text) =
            aloha_get(&s, &token, &format!("/v1/report/appointments{query}")).await;
        assert_eq!(status, 400, "{query}: {text}");
        assert!(headers.contains_key("x-ratelimit-remaining"));
        let body: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(body["status"], 400);
        assert_eq!(body["errors"].is_array(), array, "{query}: {text}");
        assert_eq!(body["errors"].is_object(), !array, "{query}: {text}");
    }
    // The clients report takes no dates.
    assert_eq!(
        aloha_get(&s, &token, "/v1/report/clients?startDate=x")
            .await
            .0,
        200
    );
    s.stop().await;
}

#[tokio::test]
async fn aerona_login_tokens_and_records() {
    let s = start(SandboxConfig::default()).await;
    let login = |body: Value| {
        http()
            .post(format!("{}/v1/login", s.aerona_base_url()))
            .json_body(&body)
            .send()
    };
    let bad = login(serde_json::json!({"username": "sandbox-user", "password": "nope"}))
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
    assert!(!bad.headers().contains_key("aerona-auth-token"));
    let wrong_pin = login(serde_json::json!({"username": "sandbox-user", "password": "sandbox-password", "pin": "9999"}))
        .await
        .unwrap();
    assert_eq!(wrong_pin.status(), 401);
    let with_pin = login(serde_json::json!({"username": "sandbox-user", "password": "sandbox-password", "pin": s.credentials().aerona_pin}))
        .await
        .unwrap();
    assert_eq!(with_pin.status(), 200);
    assert!(with_pin.headers().contains_key("aerona-auth-token"));

    assert_eq!(aerona_get(&s, "", "/v1/patients/426700").await.0, 401);
    assert_eq!(
        aerona_get(&s, "aerona-token-999", "/v1/patients/426700")
            .await
            .0,
        401
    );
    let token = aerona_login(&s).await;

    let (status, text) = aerona_get(&s, &token, "/v1/payments/187000").await;
    assert_eq!(status, 200);
    let payment: Value = serde_json::from_str(&text).unwrap();
    let documented: BTreeSet<String> = [
        "id",
        "patientId",
        "practiceId",
        "practiceName",
        "paymentType",
        "paymentMethod",
        "amount",
        "cancellation",
        "refund",
        "refundReference",
        "paymentNote",
        "paymentDate",
        "cancellationNote",
        "cancellationDate",
        "patientPlan",
        "patientCarePlanId",
        "createdUserId",
        "dateModified",
        "thirdPartyProviderName",
    ]
    .map(String::from)
    .into();
    assert_eq!(keys(&payment), documented);
    assert!(payment["paymentType"].is_string());
    for field in ["amount", "cancellation", "refund"] {
        let raw = raw_numbers(&text, field)[0];
        assert_eq!(
            raw.split('.').nth(1).map(str::len),
            Some(2),
            "{field}: {raw}"
        );
    }

    let (status, text) = aerona_get(&s, &token, "/v1/invoices/337000").await;
    assert_eq!(status, 200);
    let invoice: Value = serde_json::from_str(&text).unwrap();
    let documented: BTreeSet<String> = [
        "id",
        "patientId",
        "date",
        "quantity",
        "dateCompleted",
        "price",
        "status",
        "saleItem",
        "userId",
        "discount",
        "discountAmount",
        "refundAmount",
        "refundNote",
        "refundDate",
        "refundMethod",
        "patientCarePlan",
        "vatRate",
        "insurerFee",
        "adjustmentType",
        "adjustmentNote",
        "adjustmentAmount",
        "prechargeDate",
        "trackingFee",
    ]
    .map(String::from)
    .into();
    assert_eq!(keys(&invoice), documented);
    assert_eq!(
        raw_numbers(&text, "price")[0]
            .split('.')
            .nth(1)
            .map(str::len),
        Some(2)
    );

    let (status, text) = aerona_get(&s, &token, "/v1/patients/426700").await;
    assert_eq!(status, 200);
    let patient: Value = serde_json::from_str(&text).unwrap();
    for k in [
        "practiceId",
        "patientTypeId",
        "sourceId",
        "referrerId",
        "genderId",
        "titleId",
        "forename",
        "surname",
        "maidenName",
        "occupation",
        "dob",
        "knownAs",
        "address1",
        "address2",
        "address3",
        "email",
        "mobilePhone",
        "postcode",
    ] {
        assert!(patient.get(k).is_some(), "{k}");
    }
    assert!(
        patient["email"]
            .as_str()
            .unwrap()
            .ends_with("@example.invalid")
    );

    let (status, text) = aerona_get(
        &s,
        &token,
        "/v1/payments/search?patientId=426700&fromDate=2024-01-01&toDate=2026-12-31",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&text)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        4
    );
    // Without dates: the 1st of the current month to today.
    let today = time::OffsetDateTime::now_utc().date();
    let (status, text) = aerona_get(&s, &token, "/v1/payments/search").await;
    assert_eq!(status, 200);
    for p in serde_json::from_str::<Value>(&text)
        .unwrap()
        .as_array()
        .unwrap()
    {
        let date = &p["paymentDate"].as_str().unwrap()[..10];
        let date = time::Date::parse(
            date,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .unwrap();
        assert!(
            date >= today.replace_day(1).unwrap() && date <= today,
            "{date}"
        );
    }
    let (status, text) = aerona_get(&s, &token, "/v1/clinicians?practiceId=9876").await;
    assert_eq!(status, 200);
    let clinicians: Value = serde_json::from_str(&text).unwrap();
    assert!(
        clinicians
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["practiceId"] == 9876)
    );
    let (_, text) = aerona_get(&s, &token, "/v1/appointment-types").await;
    let enabled = serde_json::from_str::<Value>(&text)
        .unwrap()
        .as_array()
        .unwrap()
        .len();
    let (_, text) = aerona_get(&s, &token, "/v1/appointment-types?includeDisabled=true").await;
    assert_eq!(
        serde_json::from_str::<Value>(&text)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        enabled + 1
    );

    s.stop().await;

    // A token lives for the configured time.
    let s = start(SandboxConfig {
        aerona_token_ttl: Duration::from_millis(1000),
        ..SandboxConfig::default()
    })
    .await;
    let token = aerona_login(&s).await;
    assert_eq!(aerona_get(&s, &token, "/v1/patients/426700").await.0, 200);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, text) = aerona_get(&s, &token, "/v1/patients/426700").await;
    assert_eq!(status, 401, "{text}");
    s.stop().await;
}

#[tokio::test]
async fn aerona_400s_and_404s() {
    let s = start(SandboxConfig::default()).await;
    let token = aerona_login(&s).await;
    let field = |text: &str| {
        serde_json::from_str::<Value>(text).unwrap()["field"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    for (path, expected) in [
        ("/v1/patients/123456789012", "patientId"),
        ("/v1/patients/12a", "patientId"),
        ("/v1/payments/123456789012", "paymentId"),
        ("/v1/invoices/search?fromDate=2024-13-01", "fromDate"),
        (
            "/v1/payments/search?fromDate=2024-02-01&toDate=2024-01-01",
            "fromDate",
        ),
        (
            "/v1/find-appointment-slots?appointmentTypeId=1860&searchStart=2026-03-02&timeOfDay=0",
            "clinicianId",
        ),
        (
            "/v1/find-appointment-slots?clinicianId=34560&clinicianTypeId=1&practiceId=9876&appointmentTypeId=1860&searchStart=2026-03-02&timeOfDay=0",
            "clinicianId",
        ),
        (
            "/v1/find-appointment-slots?clinicianTypeId=1&appointmentTypeId=1860&searchStart=2026-03-02&timeOfDay=0",
            "practiceId",
        ),
        (
            "/v1/find-appointment-slots?clinicianId=34560&appointmentTypeId=1860&searchStart=2026-03-02",
            "timeOfDay",
        ),
        (
            "/v1/find-appointment-slots?clinicianId=34560&appointmentTypeId=1860&searchStart=2026-03-02&timeOfDay=4",
            "timeOfDay",
        ),
        (
            "/v1/find-appointment-slots?clinicianId=34560&appointmentTypeId=1860&searchStart=03/02/2026&timeOfDay=1",
            "searchStart",
        ),
    ] {
        let (status, text) = aerona_get(&s, &token, path).await;
        assert_eq!(status, 400, "{path}: {text}");
        assert_eq!(field(&text), expected, "{path}");
    }
    let valid = serde_json::json!({
        "practiceId": 9876, "userId": 34560, "appointmentTypeId": 1860, "appointmentStatusId": 2,
        "appointmentTime": "2026-03-02T09:00:00Z", "duration": 30, "patientId": 426700,
    });
    for (name, value) in [
        ("practiceId", Value::Null),
        ("patientId", serde_json::json!(123_456_789_012_i64)),
        ("duration", serde_json::json!(1_000_000)),
        ("appointmentTime", serde_json::json!("yesterday")),
        ("appointmentTime", Value::Null),
        ("emergency", serde_json::json!("yes")),
    ] {
        let mut body = valid.clone();
        if value.is_null() {
            body.as_object_mut().unwrap().remove(name);
        } else {
            body[name] = value;
        }
        let (status, text) = aerona_call(
            &s,
            &token,
            reqwest::Method::POST,
            "/v1/appointments",
            Some(body),
        )
        .await;
        assert_eq!(status, 400, "{name}: {text}");
        assert_eq!(field(&text), name);
    }
    let (status, _) = aerona_call(
        &s,
        &token,
        reqwest::Method::PUT,
        "/v1/appointments/123456789012/status",
        Some(serde_json::json!({"appointmentStatusId": 2})),
    )
    .await;
    assert_eq!(status, 400);
    for path in [
        "/v1/patients/1",
        "/v1/payments/1",
        "/v1/invoices/1",
        "/v1/nothing",
        "/v1/clinicians?appointmentTypeId=1",
        "/v1/appointment-types?practiceId=1",
        "/v1/find-appointment-slots?clinicianId=1&appointmentTypeId=1860&searchStart=2026-03-02&timeOfDay=0",
    ] {
        let (status, text) = aerona_get(&s, &token, path).await;
        assert_eq!(status, 404, "{path}: {text}");
        assert!(serde_json::from_str::<Value>(&text).unwrap()["message"].is_string());
    }
    let mut unknown_patient = valid.clone();
    unknown_patient["patientId"] = serde_json::json!(1);
    let (status, _) = aerona_call(
        &s,
        &token,
        reqwest::Method::POST,
        "/v1/appointments",
        Some(unknown_patient),
    )
    .await;
    assert_eq!(status, 404);
    s.stop().await;
}

#[tokio::test]
async fn aerona_budget_invalidates_the_accounts_tokens() {
    let s = start(SandboxConfig {
        aerona_limit: 3,
        aerona_window: Duration::from_millis(1500),
        ..SandboxConfig::default()
    })
    .await;
    let token = aerona_login(&s).await; // 1
    assert_eq!(aerona_get(&s, &token, "/v1/patients/426700").await.0, 200); // 2
    assert_eq!(aerona_get(&s, &token, "/v1/patients/426701").await.0, 200); // 3
    let (status, text) = aerona_get(&s, &token, "/v1/patients/426702").await; // 4: over
    assert_eq!(status, 401, "{text}");
    assert!(text.contains("invalidated"), "{text}");
    // While the window is over budget, logins are refused too.
    let r = http()
        .post(format!("{}/v1/login", s.aerona_base_url()))
        .json_body(&serde_json::json!({"username": "sandbox-user", "password": "sandbox-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    tokio::time::sleep(Duration::from_millis(1600)).await;
    // The old token stays dead; a new login works once the window has slid.
    assert_eq!(aerona_get(&s, &token, "/v1/patients/426700").await.0, 401);
    let fresh = aerona_login(&s).await;
    assert_eq!(aerona_get(&s, &fresh, "/v1/patients/426700").await.0, 200);
    assert_eq!(s.requests("aerona.login"), 3);
    s.stop().await;
}

async fn set_status(s: &Sandbox, token: &str, id: i64, status: i64) -> (u16, String) {
    let path = format!("/v1/appointments/{id}/status");
    let body = serde_json::json!({ "appointmentStatusId": status });
    aerona_call(s, token, reqwest::Method::PUT, &path, Some(body)).await
}

#[tokio::test]
async fn a_created_appointment_takes_its_slot_and_can_change_status() {
    let s = start(SandboxConfig::default()).await;
    let token = aerona_login(&s).await;
    let find = "/v1/find-appointment-slots?clinicianId=34560&appointmentTypeId=1860&searchStart=2026-03-02&timeOfDay=1";
    let (status, text) = aerona_get(&s, &token, find).await;
    assert_eq!(status, 200, "{text}");
    let before: Vec<Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(before.len(), 50);
    for slot in &before {
        let start = slot["startTime"].as_str().unwrap();
        let hour: u32 = start[11..13].parse().unwrap();
        assert!(hour < 12, "morning only: {start}");
        assert_eq!(slot["clinicianId"], 34560);
    }
    let first = before[0]["startTime"].as_str().unwrap().to_owned();
    let (status, text) = aerona_call(
        &s,
        &token,
        reqwest::Method::POST,
        "/v1/appointments",
        Some(serde_json::json!({
            "practiceId": 9876, "userId": 34560, "appointmentTypeId": 1860,
            "appointmentStatusId": 2, "appointmentTime": first, "duration": 30,
            "patientId": 426700, "emergency": false, "appointmentNotes": "sandbox test",
        })),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let id: i64 = text.parse().unwrap();
    assert!(id > 0);
    let (_, text) = aerona_get(&s, &token, find).await;
    let after: Vec<Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(after.len(), 50);
    assert!(
        after.iter().all(|slot| slot["startTime"] != first.as_str()),
        "the slot is gone"
    );
    assert_eq!(after[0], before[1]);

    // Afternoon and evening filters; by clinician type within a practice.
    for (tod, ok) in [(2, 12..17), (3, 17..24)] {
        let (_, text) = aerona_get(
            &s,
            &token,
            &format!("/v1/find-appointment-slots?clinicianTypeId=1&practiceId=9876&appointmentTypeId=1860&searchStart=2026-03-02&timeOfDay={tod}"),
        )
        .await;
        let slots: Vec<Value> = serde_json::from_str(&text).unwrap();
        assert_eq!(slots.len(), 50);
        for slot in slots {
            let hour: u32 = slot["startTime"].as_str().unwrap()[11..13].parse().unwrap();
            assert!(ok.contains(&hour), "{slot}");
            assert_eq!(slot["practiceId"], 9876);
        }
    }

    assert_eq!(
        set_status(&s, &token, id, 3).await,
        (200, "true".to_owned())
    );
    assert_eq!(
        set_status(&s, &token, 30_001, 7).await,
        (200, "true".to_owned()),
        "a seeded one"
    );
    assert_eq!(
        set_status(&s, &token, id, 15).await,
        (200, "false".to_owned()),
        "no status 15"
    );
    assert_eq!(
        set_status(&s, &token, 999_999, 3).await,
        (200, "false".to_owned())
    );
    // Cancelling frees the slot again.
    assert_eq!(
        set_status(&s, &token, id, 12).await,
        (200, "true".to_owned())
    );
    let (_, text) = aerona_get(&s, &token, find).await;
    assert_eq!(serde_json::from_str::<Vec<Value>>(&text).unwrap(), before);
    s.stop().await;
}

#[tokio::test]
async fn the_same_seed_serves_the_same_bytes() {
    let (a, b, c) = (
        start(SandboxConfig::default()).await,
        start(SandboxConfig::default()).await,
        start(SandboxConfig {
            seed: 7,
            ..SandboxConfig::default()
        })
        .await,
    );
    let mut answers = Vec::new();
    for s in [&a, &b, &c] {
        let aloha = aloha_token(s).await["data"]["accessToken"]
            .as_str()
            .unwrap()
            .to_owned();
        let aerona = aerona_login(s).await;
        let mut texts = Vec::new();
        for path in [
            "/v1/report/clients",
            "/v1/report/appointments?startDate=2024-01-01&endDate=2025-12-31",
            "/v1/report/billing-ledger?startDate=2024-01-01&endDate=2025-12-31",
            "/v1/report/client-authorizations?startDate=2024-01-01&endDate=2025-12-31",
            "/v1/report/authorizations-without-appointments?startDate=2024-06-01&endDate=2024-06-30",
        ] {
            texts.push(aloha_get(s, &aloha, path).await.2);
        }
        for path in [
            "/v1/invoices/search?fromDate=2024-01-01&toDate=2026-12-31",
            "/v1/payments/search?fromDate=2024-01-01&toDate=2026-12-31",
            "/v1/patients/426777",
            "/v1/clinicians",
            "/v1/appointment-types?includeDisabled=true",
            "/v1/find-appointment-slots?clinicianTypeId=3&practiceId=9877&appointmentTypeId=1861&searchStart=2026-01-05&timeOfDay=0",
        ] {
            texts.push(aerona_get(s, &aerona, path).await.1);
        }
        answers.push(texts);
    }
    assert!(answers[0][1].len() > 100_000);
    assert_eq!(answers[0], answers[1]);
    assert_ne!(answers[0][1], answers[2][1], "another seed, other data");
    for s in [a, b, c] {
        s.stop().await;
    }
}
