//! Budget precision on tokio's paused clock: the real Aerona client over an in-process
//! transport (a loopback socket cannot be used with a paused clock: the runtime would jump
//! past every timeout while waiting for I/O), with every send's instant recorded.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use practice_core::bytes::Bytes;
use practice_core::http::{Request, Response};
use tokio::time::Instant;

/// The patient answered to every call.
const PATIENT: &str = r#"{"practiceId":9876,"patientTypeId":1,"forename":"Test","surname":"Patient","dob":"2000-09-13"}"#;

/// An in-process Aerona: logins get a token header, everything else a patient after
/// `latency`; the instant of every request (logins included) is pushed to `sent`.
pub fn fake_aerona(
    sent: Arc<Mutex<Vec<Instant>>>,
    latency: Duration,
) -> practice_core::TransportService {
    practice_core::TransportService::new(tower::service_fn(move |request: Request<Bytes>| {
        let sent = sent.clone();
        async move {
            sent.lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .push(Instant::now());
            tokio::time::sleep(latency).await;
            let mut response = Response::new(Bytes::from_static(PATIENT.as_bytes()));
            if request.uri().path().ends_with("/login") {
                response.headers_mut().insert(
                    "aerona-auth-token",
                    practice_core::http::HeaderValue::from_static("tok-bench"),
                );
            }
            Ok::<_, practice_core::Error>(response)
        }
    }))
}

/// The most instants of `sorted` inside any half-open interval `[t, t + window)`.
pub fn max_in_window(sorted: &[Instant], window: Duration) -> usize {
    let mut best = 0;
    let mut lo = 0;
    for hi in 0..sorted.len() {
        while sorted[hi] - sorted[lo] >= window {
            lo += 1;
        }
        best = best.max(hi - lo + 1);
    }
    best
}

/// The least time from the first to the last of `sends` requests under `limit` per
/// `window`: send `i` (from 0) can go no earlier than `floor(i / limit)` windows after the
/// first, so the last waits `floor((sends - 1) / limit)` windows. Under the client's
/// accounting a slot frees one span after its *answer*, so pass window + margin + latency.
pub fn minimum_span(sends: usize, limit: usize, window: Duration) -> Duration {
    if sends == 0 || limit == 0 {
        return Duration::ZERO;
    }
    window * ((sends - 1) / limit) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn windows_and_minimum() {
        let t0 = Instant::now();
        let at = |s| t0 + Duration::from_secs(s);
        let sends = [at(0), at(1), at(2), at(10), at(11)];
        assert_eq!(max_in_window(&sends, Duration::from_secs(10)), 3);
        assert_eq!(max_in_window(&sends, Duration::from_secs(11)), 4);
        assert_eq!(max_in_window(&[], Duration::from_secs(1)), 0);
        let w = Duration::from_secs(900);
        assert_eq!(minimum_span(300, 300, w), Duration::ZERO);
        assert_eq!(minimum_span(3000, 300, w), w * 9);
        assert_eq!(minimum_span(3001, 300, w), w * 10);
    }
}
