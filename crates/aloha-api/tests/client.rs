//! The Aloha client against httpmock on loopback, under a prefixed base URL.

use std::time::Duration;

use aloha_api::models::YesNo;
use aloha_api::rust_decimal::Decimal;
use aloha_api::{
    Appointments, AuthorizationsWithoutAppointments, BillingLedger, Client, DateRange, ErrorKind,
    Row, RowPolicy,
};
use futures_util::TryStreamExt;
use httpmock::{Mock, MockServer};
use practice_core::RenewalPolicy;
use practice_core::decode::deviations;

mod support;
use support::{PREFIX, envelope, in_seconds, mock_client, report_mock};

fn token_body(access: &str, expires_in: i64) -> String {
    format!(
        r#"{{"status":200,"message":"Success","data":{{"username":"sandbox","accessToken":"{access}","accessTokenExpiration":"{}","refreshToken":"refresh-{access}","subscriptionId":"sub-1"}}}}"#,
        in_seconds(expires_in)
    )
}

async fn token_mock<'a>(server: &'a MockServer, access: &str, expires_in: i64) -> Mock<'a> {
    let body = token_body(access, expires_in);
    server
        .mock_async(|when, then| {
            when.method("POST")
                .path(format!("{PREFIX}/token"))
                .json_body(
                    serde_json::json!({"clientId": "client-1", "secretKey": "secret-key-value"}),
                );
            then.status(200)
                .header("content-type", "application/json")
                .body(body);
        })
        .await
}

fn aloha_client(server: &MockServer) -> Client {
    mock_client(server, "client-1", "secret-key-value")
}

const APPOINTMENT: &str = r#"{"appointmentId":5001,"clientId":1024,"claimId":null,"appointmentDate":"01-15-2024","appointmentStart":"09:00 AM","appointmentEnd":"10:15 AM","clientName":"Test Client","staffName":"Sandbox Staff","gender":"F","appointmentLocation":"Clinic","patientAddress":"1 Test Street","insuredId":"INS-1","office":"Main Office","renderingProviderNPI":"1234567890","renderingProvider":"Dr Test","diagnosticCodes":"F84.0","diagnosticCodes2":null,"payerName":"Test Payer","authorizationNumber":"AUTH-9","officeTimeZone":"America/Chicago","serviceFacility":"Main","serviceFacilityAddress":"1 Test Street","clientCity":"Springfield","billingAddress":"2 Test Avenue","canceledType":"","serviceName":"Direct Therapy","billingProviderNPI":"0987654321","billingProvider":"Test Billing","billingCode":"97153","modifier":"HN","placeOfService":12,"units":5,"unitSize":"15 minutes","charge":125.50,"chargeRate":25.10,"contractRate":24.00,"contractAmount":120.00,"dob":"09-13-2015","referringProviderName":"Dr Refer","referringProviderNPI":null,"billingMinutes":75,"billingHours":1.25,"completed":"Yes","sandboxNote":{"unknown":[1,2.50]}}"#;

#[tokio::test]
async fn every_report_is_requested_under_the_prefix_with_the_bearer_token() {
    let server = MockServer::start_async().await;
    let token = token_mock(&server, "access-1", 3 * 3600).await;
    let mut reports = Vec::new();
    for (path, rows) in [
        (
            "clients",
            r#"[{"clientId":1,"firstName":"Test","lastName":"Client","imageUrl":null,"isActive":true,"zip":"00000"}]"#,
        ),
        ("appointments", &format!("[{APPOINTMENT}]")[..]),
        (
            "client-authorizations",
            r#"[{"startDate":"01/01/2024","endDate":"01/31/2024","scheduledAppointments":4,"completedAppointments":3,"scheduledHours":8.0,"completedHours":6.5,"rangeType":"Monthly"}]"#,
        ),
        (
            "billing-ledger",
            r#"[{"invoiceId":77,"dateOfService":"01-15-2024","clientId":1024,"billedAmount":125.50,"billedUnits":5,"primaryPayment":100.00,"clientBalance":0.00,"adjustments":-5.50}]"#,
        ),
        (
            "authorizations-without-appointments",
            r#"[{"office":"Main","client_Name":"Test Client","iD_with_Payer":"P-1","allowed_Limit":40,"type":"Units","startDate":"2024-10-26T00:00:00Z","client_Id":1024}]"#,
        ),
    ] {
        let body = envelope(rows);
        let mock_path = format!("{PREFIX}/v1/report/{path}");
        let dated = path != "clients";
        let mock = server
            .mock_async(|when, then| {
                let when = when
                    .method("GET")
                    .path(mock_path.as_str())
                    .header("authorization", "Bearer access-1");
                if dated {
                    when.query_param("startDate", "2024-01-01")
                        .query_param("endDate", "2024-01-31");
                }
                then.status(200)
                    .header("x-ratelimit-limit", "1000")
                    .header("x-ratelimit-remaining", "990")
                    .header("x-ratelimit-reset", "4102444800")
                    .body(body);
            })
            .await;
        reports.push(mock);
    }
    let client = aloha_client(&server);
    let range = DateRange::parse("2024-01-01", "2024-01-31").unwrap();

    let clients = client.clients().await.unwrap();
    assert_eq!(clients[0].first_name.as_deref(), Some("Test"));
    assert_eq!(clients[0].image_url, None);

    let appointments = client.appointments(range).await.unwrap();
    let a = &appointments[0];
    assert_eq!(a.appointment_date.unwrap().to_string(), "2024-01-15");
    assert_eq!(a.appointment_end.unwrap().hour(), 10);
    assert_eq!(a.charge.unwrap().to_string(), "125.50");
    assert_eq!(a.completed, Some(YesNo::Yes));
    assert_eq!(a.rendering_provider_npi.as_deref(), Some("1234567890"));
    assert_eq!(
        a.unknown_fields.get("sandboxNote"),
        Some(r#"{"unknown":[1,2.50]}"#)
    );
    // A row serialised back out equals the row received, digits and nulls included.
    assert_eq!(serde_json::to_string(a).unwrap(), APPOINTMENT);

    let auths = client.client_authorizations(range).await.unwrap();
    assert_eq!(auths[0].range_type.as_deref(), Some("Monthly"));
    let ledger = client.billing_ledger(range).await.unwrap();
    assert_eq!(ledger[0].adjustments.unwrap().to_string(), "-5.50");
    assert_eq!(ledger[0].client_balance.unwrap().to_string(), "0.00");
    let without = client
        .authorizations_without_appointments(range)
        .await
        .unwrap();
    assert_eq!(without[0].client_name.as_deref(), Some("Test Client"));
    assert_eq!(without[0].id_with_payer.as_deref(), Some("P-1"));
    assert!(
        serde_json::to_string(&without[0])
            .unwrap()
            .contains(r#""client_Name":"Test Client""#)
    );

    assert_eq!(token.calls_async().await, 1, "one token for five reports");
    for report in reports {
        assert_eq!(report.calls_async().await, 1);
    }
}

#[tokio::test]
async fn the_token_is_refreshed_before_expiry_and_replaced_when_refresh_fails() {
    let server = MockServer::start_async().await;
    // The first token lives 62 s and enters the 60 s renewal margin within 2 s; the second,
    // refreshed 2.5 s in, expires 64 s after the start and enters it within 4 s. (A token
    // issued with a lifetime inside the margin is trusted until it expires: tests/hostile.rs.)
    let token = token_mock(&server, "access-1", 62).await;
    let refresh_body = token_body("access-2", 64);
    let refresh = server
        .mock_async(|when, then| {
            when.method("POST").path(format!("{PREFIX}/refresh-token")).json_body(serde_json::json!({
                "clientId": "client-1", "accessToken": "access-1", "refreshToken": "refresh-access-1"
            }));
            then.status(200).body(refresh_body);
        })
        .await;
    let failing_refresh = server
        .mock_async(|when, then| {
            when.method("POST").path(format!("{PREFIX}/refresh-token")).json_body(serde_json::json!({
                "clientId": "client-1", "accessToken": "access-2", "refreshToken": "refresh-access-2"
            }));
            then.status(401).body(r#"{"status":401,"message":"Unauthorized","errors":[{"name":"AuthError","message":"refresh token expired"}]}"#);
        })
        .await;
    let report = report_mock(&server, "clients", 200, envelope("[]")).await;
    let client = Client::builder("client-1", "secret-key-value")
        .base_url(server.url(PREFIX))
        .map_options(|o| {
            o.renewal(
                RenewalPolicy::default()
                    .with_margin(Duration::from_secs(60))
                    .with_retry_failed_after(Duration::ZERO),
            )
        })
        .build()
        .unwrap();
    let into_margin = Duration::from_millis(2500);
    client.clients().await.unwrap(); // /token
    tokio::time::sleep(into_margin).await;
    client.clients().await.unwrap(); // refresh → access-2
    tokio::time::sleep(into_margin).await;
    client.clients().await.unwrap(); // refresh fails → /token again
    assert_eq!(token.calls_async().await, 2);
    assert_eq!(refresh.calls_async().await, 1);
    assert_eq!(failing_refresh.calls_async().await, 1);
    assert_eq!(report.calls_async().await, 3);
}

#[tokio::test]
async fn a_401_renews_once_and_replays_and_concurrent_callers_share_one_token() {
    let server = MockServer::start_async().await;
    let token = token_mock(&server, "access-1", 3 * 3600).await;
    let report = report_mock(&server, "clients", 200, envelope("[]")).await;
    let client = aloha_client(&server);
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.clients().await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(token.calls_async().await, 1);
    assert_eq!(report.calls_async().await, 20);

    let server = MockServer::start_async().await;
    let token = token_mock(&server, "access-1", 3 * 3600).await;
    let refused = report_mock(
        &server,
        "clients",
        401,
        r#"{"status":401,"message":"Unauthorized","errors":{}}"#,
    )
    .await;
    let err = aloha_client(&server).clients().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication);
    assert_eq!(token.calls_async().await, 2, "one token, one renewal");
    assert_eq!(refused.calls_async().await, 2, "one try, one replay");
}

#[tokio::test]
async fn rate_limits_in_both_forms_and_the_wrong_url_429() {
    let server = MockServer::start_async().await;
    token_mock(&server, "access-1", 3 * 3600).await;
    let reset = practice_core::time::OffsetDateTime::now_utc().unix_timestamp() + 7200;
    let limited = report_mock(&server, "clients", 429, format!(
                r#"{{"status":429,"message":"Too Many Requests","errors":[{{"name":"RateLimitError","message":"Rate Limit exceeded. Please retry at {reset}"}}]}}"#
            )).await;
    let client = aloha_client(&server);
    let err = client.clients().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited, "{err}");
    assert_eq!(
        err.retry_at().unwrap().unix_timestamp(),
        reset,
        "reset from the message"
    );
    assert_eq!(
        limited.calls_async().await,
        1,
        "a two-hour wait is beyond the retry deadline"
    );
    // The budget is now known to be spent: the next call is refused without being sent.
    let err = client.clients().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::QuotaExhausted);
    assert_eq!(limited.calls_async().await, 1);

    let server = MockServer::start_async().await;
    token_mock(&server, "access-1", 3 * 3600).await;
    let wrong = report_mock(&server, "clients", 429, r#"{"status":429,"message":"Too Many Requests","errors":[{"name":"NotFound","message":"You are not hitting the correct URL"}]}"#).await;
    let err = aloha_client(&server).clients().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    assert!(
        err.to_string().contains("not hitting the correct URL"),
        "{err}"
    );
    assert_eq!(wrong.calls_async().await, 1, "never retried");
}

#[tokio::test]
async fn remaining_zero_fails_fast_with_the_reset_instant() {
    let server = MockServer::start_async().await;
    token_mock(&server, "access-1", 3 * 3600).await;
    let reset = practice_core::time::OffsetDateTime::now_utc().unix_timestamp() + 3600;
    let report = server
        .mock_async(|when, then| {
            when.method("GET")
                .path(format!("{PREFIX}/v1/report/clients"));
            then.status(200)
                .header("x-ratelimit-limit", "1000")
                .header("x-ratelimit-remaining", "0")
                .header("x-ratelimit-reset", reset.to_string())
                .body(envelope("[]"));
        })
        .await;
    let client = aloha_client(&server);
    client.clients().await.unwrap();
    let err = client.clients().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::QuotaExhausted);
    assert_eq!(err.retry_at().unwrap().unix_timestamp(), reset);
    assert_eq!(report.calls_async().await, 1);
}

#[tokio::test]
async fn validation_errors_in_both_envelope_forms_keep_the_vendor_messages() {
    let server = MockServer::start_async().await;
    token_mock(&server, "access-1", 3 * 3600).await;
    report_mock(&server, "appointments", 400, r#"{"status":400,"message":"Validation failed","errors":{"startDate":"must not be after endDate"}}"#).await;
    report_mock(&server, "billing-ledger", 400, r#"{"status":400,"message":"Validation failed","errors":[{"name":"endDate","message":"is required"}]}"#).await;
    let client = aloha_client(&server);
    let range = DateRange::parse("2024-01-01", "2024-01-02").unwrap();
    let err = client.appointments(range).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.status().map(|s| s.as_u16())),
        (ErrorKind::Api, Some(400))
    );
    assert_eq!(err.vendor_messages()[0].name.as_deref(), Some("startDate"));
    let err = client.billing_ledger(range).await.unwrap_err();
    assert_eq!(err.vendor_messages()[0].message, "is required");
    assert!(err.to_string().contains("endDate: is required"), "{err}");
}

/// A row whose fields deviate from their documented types: units as text, a date in another
/// format, money with an exponent and more than 28 significant digits, money with an exact
/// exponent, and a number where the reference documents a string (`claimId`).
/// (Fields in spec order, the order a record writes its named fields in.)
const DEVIATING: &str = r#"{"appointmentId":2,"claimId":12345,"appointmentDate":"2024-01-15","units":"5","charge":1.234567890123456789012345678901e3,"chargeRate":1.5e1,"completed":"No"}"#;

#[tokio::test]
async fn a_deviating_field_never_costs_the_report_and_is_named() {
    let server = MockServer::start_async().await;
    token_mock(&server, "access-1", 3 * 3600).await;
    let first = APPOINTMENT.replace(r#""claimId":null"#, r#""claimId":"CLM-0001""#);
    let body = envelope(&format!("[{first},{DEVIATING},7]"));
    report_mock(&server, "appointments", 200, body).await;
    let client = aloha_client(&server);
    let range = DateRange::parse("2024-01-01", "2024-01-31").unwrap();

    let rows = client
        .report_rows::<Appointments>(range, RowPolicy::KeepRaw)
        .await
        .unwrap();
    assert_eq!(rows.len(), 3);
    let (Row::Typed(ok), Row::Typed(odd)) = (&rows[0], &rows[1]) else {
        panic!("{rows:?}");
    };
    // The reference documents claimId as text; it decodes as text.
    assert_eq!(ok.claim_id.as_deref(), Some("CLM-0001"));
    assert!(ok.deviations().is_empty(), "{:?}", ok.deviations());
    assert_eq!(serde_json::to_string(ok).unwrap(), first);

    // The odd record is kept, serialises back exactly as sent, and names each odd field.
    assert_eq!(serde_json::to_string(odd).unwrap(), DEVIATING);
    let named: Vec<(usize, &str, bool)> = deviations(&rows)
        .map(|(row, d)| (row, d.field(), d.value_kept()))
        .collect();
    assert_eq!(
        named,
        [
            (1, "claimId", false),
            (1, "appointmentDate", false),
            (1, "units", true),
            (1, "charge", false),
            (1, "chargeRate", true),
        ]
    );
    // Read exactly where that is possible; money that would need rounding is refused.
    assert_eq!(odd.units, Some(Decimal::from(5)));
    assert_eq!(odd.charge_rate, Some(Decimal::from(15)));
    assert_eq!(
        (odd.charge, odd.appointment_date, &odd.claim_id),
        (None, None, &None)
    );
    assert_eq!(odd.completed, Some(YesNo::No));
    // A row that is no record at all is kept raw under KeepRaw.
    assert!(matches!(&rows[2], Row::Raw { index: 2, .. }));

    // The typed call keeps the record too (and fails only on the non-record row).
    let err = client.appointments(range).await.unwrap_err();
    assert_eq!(err.decode_detail().unwrap().row, Some(2), "{err}");
}

#[tokio::test]
async fn strict_decoding_is_a_client_option_and_zone_less_timestamps_are_kept() {
    let server = MockServer::start_async().await;
    token_mock(&server, "access-1", 3 * 3600).await;
    let row = r#"{"client_Name":"Test Client","allowed_Limit":20,"startDate":"2024-10-26T00:00:00","endDate":"2025-04-24T00:00:00Z"}"#;
    let body = envelope(&format!("[{row}]"));
    server
        .mock_async(|when, then| {
            when.method("GET").path(format!(
                "{PREFIX}/v1/report/authorizations-without-appointments"
            ));
            then.status(200).body(body);
        })
        .await;
    let range = DateRange::parse("2024-10-01", "2024-10-31").unwrap();
    let rows = aloha_client(&server)
        .authorizations_without_appointments(range)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].start_date, None);
    assert!(rows[0].end_date.is_some());
    let d: Vec<&str> = rows[0].deviations().iter().map(|d| d.field()).collect();
    assert_eq!(d, ["startDate"]);
    assert_eq!(serde_json::to_string(&rows[0]).unwrap(), row);

    // Strict decoding is opt-in, per call or per client, and names row and field only.
    let err = aloha_client(&server)
        .report_rows::<AuthorizationsWithoutAppointments>(range, RowPolicy::Strict)
        .await
        .unwrap_err();
    let detail = err.decode_detail().unwrap();
    assert_eq!(
        (err.kind(), detail.row, detail.path.as_str()),
        (ErrorKind::Decode, Some(0), "data[0].startDate"),
        "{err}"
    );
    assert!(!format!("{err} {err:?}").contains("2024-10-26"), "{err:?}");
    let strict = Client::builder("client-1", "secret-key-value")
        .base_url(server.url(PREFIX))
        .strict_decoding(true)
        .build()
        .unwrap();
    let err = strict
        .authorizations_without_appointments(range)
        .await
        .unwrap_err();
    assert_eq!(
        err.decode_detail().unwrap().path,
        "data[0].startDate",
        "{err}"
    );
}

#[tokio::test]
async fn a_long_range_streams_chunk_by_chunk_in_date_order() {
    let server = MockServer::start_async().await;
    token_mock(&server, "access-1", 3 * 3600).await;
    let mut chunks = Vec::new();
    for (start, end, rows) in [
        (
            "2024-01-01",
            "2024-01-10",
            r#"[{"invoiceId":2,"dateOfService":"01-09-2024"},{"invoiceId":1,"dateOfService":"01-02-2024"}]"#,
        ),
        ("2024-01-11", "2024-01-20", "[]"),
        (
            "2024-01-21",
            "2024-01-25",
            r#"[{"invoiceId":3,"dateOfService":"01-25-2024","billedAmount":10.10}]"#,
        ),
    ] {
        let body = envelope(rows);
        chunks.push(
            server
                .mock_async(|when, then| {
                    when.method("GET")
                        .path(format!("{PREFIX}/v1/report/billing-ledger"))
                        .query_param("startDate", start)
                        .query_param("endDate", end);
                    then.status(200).body(body);
                })
                .await,
        );
    }
    let client = aloha_client(&server);
    let range = DateRange::parse("2024-01-01", "2024-01-25").unwrap();
    let rows: Vec<_> = client
        .stream::<BillingLedger>(range, 10)
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = rows.iter().map(|r| r.invoice_id.unwrap()).collect();
    assert_eq!(ids, [1, 2, 3]);
    assert_eq!(rows[2].billed_amount.unwrap().to_string(), "10.10");
    for chunk in chunks {
        assert_eq!(chunk.calls_async().await, 1);
    }
}

#[tokio::test]
async fn bad_input_sends_nothing_and_plain_http_is_refused() {
    let server = MockServer::start_async().await;
    let token = token_mock(&server, "access-1", 3 * 3600).await;
    let err = aloha_api::DateRange::parse("2024-02-01", "2024-01-01").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    let client = aloha_client(&server);
    let range = DateRange::parse("2024-01-01", "2024-01-02").unwrap();
    let err =
        futures_util::StreamExt::collect::<Vec<_>>(client.stream::<Appointments>(range, 0)).await;
    assert_eq!(
        err[0].as_ref().unwrap_err().kind(),
        ErrorKind::InvalidRequest
    );
    assert_eq!(
        token.calls_async().await,
        0,
        "nothing sent, not even a token request"
    );

    let err = Client::builder("id", "key")
        .base_url("http://api.alohaaba.com/customer")
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Configuration);
    Client::builder("id", "key")
        .base_url("https://customerapi.alohaaba.com")
        .build()
        .unwrap();
    let err = Client::builder("", "key").build().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Configuration);
    assert!(
        !format!("{:?}", Client::new("id", "secret-key-value").unwrap())
            .contains("secret-key-value")
    );
}
