//! The user's code tested against the `test-util` mock: no server, no hand-written login.

use aloha_api::operations::LIST_APPOINTMENTS;
use aloha_api::test_util::{Answer, Mock, json};
use aloha_api::time::{Date, Month};
use aloha_api::{DateRange, ErrorKind};
use aloha_downstream::appointments_per_day;

fn day(of_march: u8) -> Date {
    Date::from_calendar_date(2024, Month::March, of_march).unwrap()
}

fn march() -> DateRange {
    DateRange::parse("2024-03-01", "2024-03-31").unwrap()
}

#[tokio::test]
async fn appointments_are_counted_per_day() {
    let mock = Mock::new().on(
        &LIST_APPOINTMENTS,
        Answer::json(json!([
            {"appointmentId": 1, "appointmentDate": "03-04-2024"},
            {"appointmentId": 2, "appointmentDate": "03-04-2024"},
            {"appointmentId": 3, "appointmentDate": "03-05-2024"},
            {"appointmentId": 4}
        ])),
    );
    let days = appointments_per_day(&mock.client().unwrap(), march())
        .await
        .unwrap();
    assert_eq!(days.get(&day(4)), Some(&2));
    assert_eq!(days.get(&day(5)), Some(&1));
    assert_eq!(days.len(), 2);
    assert_eq!(mock.calls(), ["postToken", "listAppointments"]);
}

#[tokio::test]
async fn a_spent_daily_budget_reaches_the_caller_as_such() {
    let mock = Mock::new().on(&LIST_APPOINTMENTS, Answer::status(429));
    let client = mock.client().unwrap();
    let err = appointments_per_day(&client, march()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited, "{err}");
}
