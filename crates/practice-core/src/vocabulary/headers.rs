//! What response headers say about waiting and budgets: `Retry-After` and the
//! `X-RateLimit-*` pair. Plain parsing, shared by the vendor hooks, the quota store and the
//! retry policy; imports no layer.
// Times, durations and dates here come from vendors and users: no arithmetic that can panic.
#![deny(clippy::arithmetic_side_effects)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderMap;

/// The vendor's own count, read from response headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerQuota {
    /// The vendor's requests per window (`X-RateLimit-Limit`), when it says.
    pub limit: Option<u64>,
    /// Requests left in the vendor's window.
    pub remaining: u64,
    /// Time until the vendor's window resets.
    pub reset_in: Duration,
}

impl ServerQuota {
    /// Reads `X-RateLimit-Remaining` and `X-RateLimit-Reset` (UTC epoch seconds), and
    /// `X-RateLimit-Limit` where present: the one reading of these headers.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let number = |name: &str| headers.get(name)?.to_str().ok()?.trim().parse::<u64>().ok();
        let remaining = number("x-ratelimit-remaining")?;
        let reset = number("x-ratelimit-reset")?;
        Some(ServerQuota {
            limit: number("x-ratelimit-limit"),
            remaining,
            reset_in: until_epoch(reset),
        })
    }
}

impl ServerQuota {
    /// The longest a vendor's announced reset is believed: one day, the longest window either
    /// vendor documents. A reset further away (an epoch at the end of time, a bad clock) is
    /// logged and capped, so that the client pauses for a day at most, not for centuries.
    pub const MAX_RESET: Duration = Duration::from_secs(86_400);

    /// [`reset_in`](Self::reset_in), capped at [`MAX_RESET`](Self::MAX_RESET).
    pub fn capped_reset(&self) -> Duration {
        if self.reset_in > Self::MAX_RESET {
            tracing::warn!(
                reset_in_s = self.reset_in.as_secs(),
                cap_s = Self::MAX_RESET.as_secs(),
                "the vendor announced a budget reset beyond the cap; capped"
            );
            return Self::MAX_RESET;
        }
        self.reset_in
    }
}

/// Time from now until a UTC epoch second (zero if past).
pub fn until_epoch(epoch_seconds: u64) -> Duration {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Duration::from_secs(epoch_seconds).saturating_sub(now)
}

/// Reads a `Retry-After` header, if present and readable.
pub fn retry_after_header(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(http::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after)
}

/// Parses `Retry-After` as seconds or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let at = time::PrimitiveDateTime::parse(value, &format)
        .ok()?
        .assume_utc();
    // Provably safe: both instants lie within years ±9999, whose difference fits.
    #[allow(clippy::arithmetic_side_effects)]
    let left = at - time::OffsetDateTime::now_utc();
    left.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds_and_as_a_date() {
        assert_eq!(parse_retry_after(" 7 "), Some(Duration::from_secs(7)));
        let soon = time::OffsetDateTime::now_utc() + Duration::from_secs(120);
        let format = time::macros::format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
        );
        let text = soon.format(&format).unwrap();
        let parsed = parse_retry_after(&text).unwrap();
        assert!(
            parsed <= Duration::from_secs(120) && parsed >= Duration::from_secs(110),
            "{parsed:?}"
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}
