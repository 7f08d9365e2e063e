//! Testing your own code without a server (feature `test-util`): a [`Mock`] answers each
//! operation as you say — with a record, an HTTP status or a connection failure — and answers
//! the login itself. Add the feature to your dev-dependencies only:
//!
//! ```toml
//! [dev-dependencies]
//! aerona-api = { version = "0.1", features = ["test-util"] }
//! ```
//!
//! For a whole simulated vendor over HTTP (reports with data, faults, budgets), run the
//! sandbox: `practice sandbox --print-env` prints the `AERONA_*` variables that
//! [`Client::from_env`] reads.

use practice_core::OperationMeta;
use practice_core::bytes::Bytes;
use practice_core::http::{HeaderValue, Response, StatusCode};
use practice_core::mock::MockVendor;
use practice_core::serde_json::{self, Value};

pub use practice_core::mock::{Answer, RecordedRequest};
/// Builds the JSON for [`Answer::json`] (serde_json's macro, re-exported so that tests need
/// no serde_json dependency of their own).
pub use practice_core::serde_json::json;

use crate::{Client, ClientBuilder, TOKEN_HEADER};

/// A stand-in for the Aerona API, answered by operation (a static of [`crate::operations`],
/// such as `GET_PATIENT`); logins are answered with a token unless you answer `LOGIN`
/// yourself. Clones share answers and calls. [`Mock::client`] gives a client of it with the
/// vendor's budget; retries keep their number but wait only a millisecond.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), aerona_api::Error> {
/// use aerona_api::models::Patient;
/// use aerona_api::operations::GET_PATIENT;
/// use aerona_api::test_util::{Answer, Mock};
///
/// let mut patient = Patient::default();
/// patient.forename = Some("Test".into());
/// let mock = Mock::new().on(&GET_PATIENT, Answer::record(&patient));
/// let client = mock.client()?;
/// assert_eq!(client.patient(1).await?.forename.as_deref(), Some("Test"));
/// assert_eq!(mock.calls(), ["login", "getPatient"]);
/// # Ok(()) }
/// ```
pub type Mock = practice_core::mock::Mock<ClientBuilder>;

/// The Aerona API's wire shape and constants, for [`Mock`].
impl MockVendor for ClientBuilder {
    const BASE_URL: &'static str = "http://127.0.0.1:9/AeronaAPI";

    fn with_mock_credentials() -> Self {
        Client::builder("mock-user", "mock-password")
    }

    /// A login answer: the token in its header, as Aerona sends it.
    fn login(_operation: &OperationMeta) -> Response<Bytes> {
        let mut response = Response::new(Bytes::new());
        response
            .headers_mut()
            .insert(TOKEN_HEADER, HeaderValue::from_static("mock-token"));
        response
    }

    fn success(record: Value) -> Vec<u8> {
        serde_json::to_vec(&record).unwrap_or_default()
    }

    fn error(status: StatusCode) -> Vec<u8> {
        let message = status.canonical_reason().unwrap_or("Error");
        serde_json::to_vec(&json!({ "message": message })).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use crate::models::AppointmentStatus;
    use crate::operations::{GET_PATIENT, LOGIN, UPDATE_APPOINTMENT_STATUS};

    #[tokio::test]
    async fn answers_by_operation_with_records_statuses_and_failures() {
        let mock = Mock::new()
            .on(&GET_PATIENT, Answer::json(json!({"forename": "A"})))
            .on(&UPDATE_APPOINTMENT_STATUS, Answer::json(json!(true)));
        let client = mock.client().unwrap();
        assert_eq!(
            client.patient(1).await.unwrap().forename.as_deref(),
            Some("A")
        );
        assert!(
            client
                .update_appointment_status(2, AppointmentStatus::Arrived)
                .await
                .unwrap()
        );

        let mock = mock.on(&GET_PATIENT, Answer::status(404));
        assert_eq!(
            client.patient(1).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );

        let mock = mock.on(&GET_PATIENT, Answer::timeout());
        assert_eq!(
            client.patient(1).await.unwrap_err().kind(),
            ErrorKind::Timeout
        );
        assert_eq!(mock.calls_to(&LOGIN), 1);
    }

    #[tokio::test]
    async fn an_unanswered_operation_fails_naming_it_and_a_refused_login_is_reported() {
        let client = Mock::new().client().unwrap();
        let err = client.patient(1).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Configuration);
        assert!(err.to_string().contains("getPatient"), "{err}");

        let mock = Mock::new()
            .on(&LOGIN, Answer::status(401))
            .on(&GET_PATIENT, Answer::json(json!({})));
        let err = mock.client().unwrap().patient(1).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Authentication, "{err}");
    }
}
