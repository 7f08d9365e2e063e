//! Property tests (issue 16): extreme header values, dates and budgets fed through the real
//! stack on tokio's paused clock never panic and never outlast the whole-call deadline.

mod support;

use std::time::Duration;

use practice_core::{DateRange, QuotaPolicy, RateLimit, WhenExhausted};
use proptest::prelude::*;
use support::*;
use tokio::time::Instant;

fn paused() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap()
}

/// Header values a hostile vendor may send where a number or a date is expected.
fn header_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<u64>().prop_map(|n| n.to_string()),
        (0u64..5).prop_map(|n| n.to_string()),
        Just(u64::MAX.to_string()),
        Just("18446744073709551616".to_owned()),
        Just("-1".to_owned()),
        Just("1e300".to_owned()),
        Just("Fri, 31 Dec 9999 23:59:59 GMT".to_owned()),
        Just("Mon, 01 Jan 0001 00:00:00 GMT".to_owned()),
        Just("Thu, 01 Jan 1970 00:00:00 GMT".to_owned()),
        "[ -~]{0,24}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn extreme_rate_headers_never_panic_or_outlast_the_deadline(
        status in prop::sample::select(vec![200u16, 201, 408, 429, 500, 503]),
        retry_after in header_value(),
        remaining in header_value(),
        reset in header_value(),
        write in any::<bool>(),
    ) {
        paused().block_on(async move {
            let server = FakeServer::new(move |_, _| {
                Reply::WithHeaders(
                    status,
                    "{}",
                    vec![
                        ("retry-after", retry_after.clone()),
                        ("x-ratelimit-remaining", remaining.clone()),
                        ("x-ratelimit-reset", reset.clone()),
                    ],
                )
            });
            let client = server.client(|b| {
                b.quota(QuotaPolicy {
                    limit: None,
                    when_exhausted: WhenExhausted::Wait { max_wait: Duration::from_secs(600) },
                })
            });
            let started = Instant::now();
            for id in 0..3 {
                let outcome = if write {
                    client.execute(&CreateThing).await.map(drop)
                } else {
                    client.execute(&GetThing(id)).await.map(drop)
                };
                if let Err(err) = outcome {
                    let _ = (err.to_string(), format!("{err:?}"), err.retry_at());
                }
            }
            assert!(started.elapsed() <= client.deadline().saturating_mul(3));
        });
    }

    #[test]
    fn any_budget_text_parses_or_is_refused_without_panicking(
        limit in any::<u64>(),
        amount in prop_oneof![any::<u64>(), 0u64..1000],
        unit in prop::sample::select(vec!["s", "m", "h", "d", "x", ""]),
    ) {
        if let Ok(parsed) = RateLimit::parse(&format!("{limit}/{amount}{unit}")) {
            prop_assert!(parsed.window <= RateLimit::MAX_WINDOW);
        }
    }

    #[test]
    fn any_budget_through_the_stack_never_panics(
        limit in 1u32..4,
        window in prop_oneof![any::<u64>().prop_map(Duration::from_secs), Just(Duration::MAX)],
        margin in prop_oneof![any::<u64>().prop_map(Duration::from_secs), Just(Duration::MAX)],
        max_wait in prop_oneof![Just(Duration::ZERO), Just(Duration::MAX), any::<u32>().prop_map(|s| Duration::from_secs(u64::from(s)))],
    ) {
        paused().block_on(async move {
            let server = FakeServer::ok();
            let client = server.client(|b| {
                b.quota(QuotaPolicy {
                    limit: Some(RateLimit::new(limit, window).with_safety_margin(margin)),
                    when_exhausted: WhenExhausted::Wait { max_wait },
                })
            });
            for id in 0..5 {
                if let Err(err) = client.execute(&GetThing(id)).await {
                    let _ = (err.to_string(), format!("{err:?}"));
                }
            }
        });
    }

    #[test]
    fn any_date_range_chunks_exactly_without_panicking(
        start in -1_930_999i32..=5_373_484,
        length in 0i32..4000,
        per_chunk in prop_oneof![1u32..400, Just(u32::MAX)],
    ) {
        // Julian days spanning the calendar's whole range: -9999-01-01 to 9999-12-31.
        let start_date = practice_core::time::Date::from_julian_day(start).unwrap();
        let end_date = practice_core::time::Date::from_julian_day(start.saturating_add(length))
            .unwrap_or(practice_core::time::Date::MAX);
        let range = DateRange::new(start_date, end_date.max(start_date)).unwrap();
        let chunks = range.chunks(per_chunk).unwrap();
        prop_assert_eq!(chunks.first().unwrap().start(), range.start());
        prop_assert_eq!(chunks.last().unwrap().end(), range.end());
        prop_assert_eq!(chunks.iter().map(DateRange::days).sum::<i64>(), range.days());
    }

    #[test]
    fn any_end_of_calendar_range_chunks(days_before_end in 0i64..400, per_chunk in 1u32..100) {
        let end = practice_core::time::Date::MAX;
        let start = end.checked_sub(practice_core::time::Duration::days(days_before_end)).unwrap();
        let range = DateRange::new(start, end).unwrap();
        let chunks = range.chunks(per_chunk).unwrap();
        prop_assert_eq!(chunks.last().unwrap().end(), end);
        prop_assert_eq!(chunks.iter().map(DateRange::days).sum::<i64>(), range.days());
    }
}
