//! Testing your own code without a server (feature `test-util`): a [`Mock`] answers each
//! operation as you say — with a record, an HTTP status or a connection failure — and answers
//! the token calls itself. Add the feature to your dev-dependencies only:
//!
//! ```toml
//! [dev-dependencies]
//! aloha-api = { version = "0.1", features = ["test-util"] }
//! ```
//!
//! For a whole simulated vendor over HTTP (reports with data, faults, budgets), run the
//! sandbox: `practice sandbox --print-env` prints the `ALOHA_*` variables that
//! [`Client::from_env`] reads.

use practice_core::OperationMeta;
use practice_core::bytes::Bytes;
use practice_core::http::{Response, StatusCode};
use practice_core::mock::MockVendor;
use practice_core::serde_json::{self, Value};

pub use practice_core::mock::{Answer, RecordedRequest};
/// Builds the JSON for [`Answer::json`] (serde_json's macro, re-exported so that tests need
/// no serde_json dependency of their own).
pub use practice_core::serde_json::json;

use crate::{Client, ClientBuilder};

/// A stand-in for the Aloha API, answered by operation (a static of [`crate::operations`],
/// such as `LIST_CLIENTS`); token calls are answered with a fresh token unless you answer
/// `POST_TOKEN` yourself. Clones share answers and calls. [`Mock::client`] gives a client of
/// it; retries keep their number but wait only a millisecond.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), aloha_api::Error> {
/// use aloha_api::models;
/// use aloha_api::operations::LIST_CLIENTS;
/// use aloha_api::test_util::{Answer, Mock};
///
/// let mut patient = models::Client::default(); // a client record: a patient
/// patient.client_id = Some(7);
/// let mock = Mock::new().on(&LIST_CLIENTS, Answer::record(&[patient]));
/// let client = mock.client()?;
/// let clients = client.clients().await?;
/// assert_eq!(clients[0].client_id, Some(7));
/// assert_eq!(mock.calls(), ["postToken", "listClients"]);
/// # Ok(()) }
/// ```
///
/// [`Mock::requests`] shows what your code asked for, such as the dates of a report:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), aloha_api::Error> {
/// use aloha_api::DateRange;
/// use aloha_api::operations::LIST_APPOINTMENTS;
/// use aloha_api::test_util::{Answer, Mock, json};
///
/// let mock = Mock::new().on(&LIST_APPOINTMENTS, Answer::json(json!([])));
/// mock.client()?.appointments(DateRange::month(2024, 3)?).await?;
///
/// let sent = &mock.requests_to(&LIST_APPOINTMENTS)[0];
/// assert_eq!((sent.method(), sent.path()), ("GET", "/customer/v1/report/appointments"));
/// assert_eq!(sent.query_value("startDate"), Some("2024-03-01"));
/// assert_eq!(sent.query_value("endDate"), Some("2024-03-31"));
/// # Ok(()) }
/// ```
pub type Mock = practice_core::mock::Mock<ClientBuilder>;

/// The Aloha API's wire shape and constants, for [`Mock`].
impl MockVendor for ClientBuilder {
    const BASE_URL: &'static str = "http://127.0.0.1:9/customer";

    fn with_mock_credentials() -> Self {
        Client::builder("mock-client-id", "mock-secret-key")
    }

    /// A token answer without an expiry: valid for the vendor's three hours.
    fn login(_operation: &OperationMeta) -> Response<Bytes> {
        Response::new(Bytes::from(Self::success(json!({
            "accessToken": "mock-access-token",
            "refreshToken": "mock-refresh-token",
        }))))
    }

    fn success(data: Value) -> Vec<u8> {
        serde_json::to_vec(&json!({ "status": 200, "message": "Success", "data": data }))
            .unwrap_or_default()
    }

    fn error(status: StatusCode) -> Vec<u8> {
        let message = status.canonical_reason().unwrap_or("Error");
        serde_json::to_vec(&json!({
            "status": status.as_u16(),
            "message": message,
            "errors": [{ "name": "mock", "message": message }],
        }))
        .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use crate::operations::{LIST_CLIENTS, POST_TOKEN};

    #[tokio::test]
    async fn answers_by_operation_with_records_statuses_and_failures() {
        let mock = Mock::new().on(&LIST_CLIENTS, Answer::json(json!([{"clientId": 3}])));
        let client = mock.client().unwrap();
        assert_eq!(client.clients().await.unwrap()[0].client_id, Some(3));

        let mock = mock.on(&LIST_CLIENTS, Answer::status(404));
        assert_eq!(
            client.clients().await.unwrap_err().kind(),
            ErrorKind::NotFound
        );

        let mock = mock.on(&LIST_CLIENTS, Answer::connection_refused());
        assert_eq!(
            client.clients().await.unwrap_err().kind(),
            ErrorKind::Transport
        );
        // One token for the client; refused connections are retried (4 tries).
        assert_eq!(mock.calls_to(&POST_TOKEN), 1);
        assert_eq!(mock.calls_to(&LIST_CLIENTS), 1 + 1 + 4);
    }

    #[tokio::test]
    async fn requests_record_what_was_sent_and_their_debug_hides_it() {
        let mock = Mock::new().on(&LIST_CLIENTS, Answer::json(json!([])));
        mock.client().unwrap().clients().await.unwrap();
        let requests = mock.requests();
        assert_eq!(
            requests.iter().map(|r| r.operation()).collect::<Vec<_>>(),
            mock.calls()
        );
        let login = &requests[0];
        assert_eq!(login.method(), "POST");
        let body = login.json().expect("the login sends JSON");
        assert!(body.to_string().contains("mock-secret-key"), "{body}");
        // The secret is in the body the test may read, never in Debug.
        let shown = format!("{requests:?}");
        assert!(!shown.contains("mock-secret-key"), "{shown}");
        assert!(shown.contains("body_bytes"), "{shown}");
        assert!(requests[1].body().is_empty());
        assert!(requests[1].json().is_none());
        assert_eq!(mock.requests_to(&LIST_CLIENTS).len(), 1);
    }

    #[tokio::test]
    async fn an_unanswered_operation_fails_naming_it_and_a_refused_login_is_reported() {
        let client = Mock::new().client().unwrap();
        let err = client.clients().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Configuration);
        assert!(err.to_string().contains("listClients"), "{err}");

        let mock = Mock::new()
            .on(&POST_TOKEN, Answer::status(401))
            .on(&LIST_CLIENTS, Answer::json(json!([])));
        let err = mock.client().unwrap().clients().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Authentication, "{err}");
    }
}
