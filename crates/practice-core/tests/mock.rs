//! The generic test-util mock, through a minimal vendor: what each vendor crate supplies
//! (wire shape, base URL, builder) is used, and what they share (answers, the call record,
//! the client's wiring) behaves the same for both.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Response, StatusCode};
use practice_core::mock::{Answer, Mock, MockVendor};
use practice_core::{
    ClientBuilder, ClientOptions, Error, ErrorKind, HttpClient, OperationMeta, VendorBuilder,
};
use support::{GET_THING, GetThing, LOGIN, TestAuth, TestProfile};

/// A vendor whose successes come in a `{"data": ..}` envelope and whose errors say
/// `vendor error <status>`; its login answers the token as a JSON string.
struct Test(ClientBuilder);

impl VendorBuilder for Test {
    type Client = HttpClient;

    fn map_options(self, change: impl FnOnce(ClientOptions) -> ClientOptions) -> Self {
        Test(self.0.map_options(change))
    }

    fn build(self) -> Result<HttpClient, Error> {
        self.0.build(TestAuth {
            lifetime: Duration::from_secs(3600),
        })
    }
}

impl MockVendor for Test {
    const BASE_URL: &'static str = "http://127.0.0.1:9/test-vendor";

    fn with_mock_credentials() -> Self {
        Test(ClientBuilder::new(
            Arc::new(TestProfile),
            "https://vendor.example/never-used",
            "test-agent/1.0",
        ))
    }

    fn login(operation: &OperationMeta) -> Response<Bytes> {
        Response::new(Bytes::from(format!("\"token-for-{}\"", operation.name)))
    }

    fn success(record: serde_json::Value) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({ "data": record })).unwrap_or_default()
    }

    fn error(status: StatusCode) -> Vec<u8> {
        format!("vendor error {}", status.as_u16()).into_bytes()
    }
}

#[tokio::test]
async fn records_come_in_the_vendors_shape_and_its_login_is_answered() {
    let mock = Mock::<Test>::new().on(&GET_THING, Answer::json(serde_json::json!({"id": 1})));
    let client = mock.client().unwrap();
    assert_eq!(client.base_url().as_str(), Test::BASE_URL);
    let thing = client.execute(&GetThing(1)).await.unwrap();
    assert_eq!(thing, serde_json::json!({"data": {"id": 1}}));
    // A clone shares the record of calls and the answers.
    let clone = mock.clone().on(&GET_THING, Answer::status(404));
    assert_eq!(clone.calls(), ["login", "getThing"]);
    let err = client.execute(&GetThing(1)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.to_string().contains("vendor error 404"), "{err}");
    assert_eq!(mock.calls_to(&LOGIN), 1);
    assert_eq!(mock.calls_to(&GET_THING), 2);
}

#[tokio::test]
async fn retries_keep_their_number_but_wait_a_millisecond() {
    let mock = Mock::<Test>::new().on(&GET_THING, Answer::status(503));
    let started = Instant::now();
    let err = mock
        .client()
        .unwrap()
        .execute(&GetThing(1))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Api, "{err}");
    assert_eq!(mock.calls_to(&GET_THING), 4);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_refused_login_an_unanswered_operation_and_a_bad_status_are_reported() {
    let mock = Mock::<Test>::new()
        .on(&LOGIN, Answer::status(401))
        .on(&GET_THING, Answer::json(serde_json::json!({})));
    let err = mock
        .client()
        .unwrap()
        .execute(&GetThing(1))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication, "{err}");

    let err = Mock::<Test>::default()
        .client()
        .unwrap()
        .execute(&GetThing(1))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Configuration);
    assert!(err.to_string().contains("getThing"), "{err}");

    let mock = Mock::<Test>::new().on(&GET_THING, Answer::status(1000));
    let err = mock
        .client()
        .unwrap()
        .execute(&GetThing(1))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Configuration, "{err}");
}

#[test]
fn debug_names_the_answered_operations_but_never_a_record() {
    let mock = Mock::<Test>::new().on(
        &GET_THING,
        Answer::json(serde_json::json!({"name": "Ada Lovelace"})),
    );
    let shown = format!("{mock:?}");
    assert!(shown.contains("getThing"), "{shown}");
    assert!(!shown.contains("Ada"), "{shown}");
}
