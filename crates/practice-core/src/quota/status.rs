//! What a caller can see of a budget ([`BudgetStatus`]): how much is left and when the next
//! slot frees, from our own count or from the vendor's headers.

use std::time::Duration;

/// Where a [`BudgetStatus`] comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BudgetSource {
    /// Our own count of the client-side budget (Aerona: the vendor says nothing).
    ClientCount,
    /// The vendor's `X-RateLimit-*` headers on its last answer (Aloha).
    VendorHeaders,
}

/// A budget as it stands now.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BudgetStatus {
    /// Where the figures come from.
    pub source: BudgetSource,
    /// Requests allowed per window, when known.
    pub limit: Option<u64>,
    /// The window's length (for our own count: the vendor's window plus the drift
    /// allowance), when known.
    pub window: Option<Duration>,
    /// Requests that may be handed to the transport now without waiting.
    pub remaining: u64,
    /// Requests handed to the transport and not yet answered (our own count only).
    pub in_flight: u64,
    /// How long until the next slot frees: zero when one is free now. While requests are in
    /// flight this is an upper bound (each counted until its per-try timeout lapses).
    pub next_free_in: Duration,
}

impl BudgetStatus {
    /// A status from our own count.
    pub fn counted(
        limit: u64,
        window: Duration,
        remaining: u64,
        in_flight: u64,
        next_free_in: Duration,
    ) -> Self {
        BudgetStatus {
            source: BudgetSource::ClientCount,
            limit: Some(limit),
            window: Some(window),
            remaining,
            in_flight,
            next_free_in,
        }
    }

    /// A status from the vendor's headers.
    pub fn from_vendor(limit: Option<u64>, remaining: u64, reset_in: Duration) -> Self {
        BudgetStatus {
            source: BudgetSource::VendorHeaders,
            limit,
            window: None,
            remaining,
            in_flight: 0,
            next_free_in: if remaining > 0 {
                Duration::ZERO
            } else {
                reset_in
            },
        }
    }
}

impl std::fmt::Display for BudgetStatus {
    /// One line for people, such as `7 of 10 left per 2s, 1 in flight; next slot free now`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.limit {
            Some(limit) => write!(f, "{} of {limit} left", self.remaining)?,
            None => write!(f, "{} left", self.remaining)?,
        }
        if let Some(window) = self.window {
            write!(f, " per {}", seconds(window))?;
        }
        if self.in_flight > 0 {
            write!(f, ", {} in flight", self.in_flight)?;
        }
        if self.next_free_in.is_zero() {
            write!(f, "; next slot free now")?;
        } else {
            write!(f, "; next slot free in {}", seconds(self.next_free_in))?;
        }
        match self.source {
            BudgetSource::ClientCount => write!(f, " (our count)"),
            BudgetSource::VendorHeaders => write!(f, " (the vendor's headers)"),
        }
    }
}

/// `2s`, `1.5s`, `905s`: a duration at the precision people read.
fn seconds(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_as_one_line() {
        let s = BudgetStatus::counted(10, Duration::from_secs(2), 7, 1, Duration::ZERO);
        assert_eq!(
            s.to_string(),
            "7 of 10 left per 2s, 1 in flight; next slot free now (our count)"
        );
        let v = BudgetStatus::from_vendor(Some(1000), 0, Duration::from_millis(1500));
        assert_eq!(
            v.to_string(),
            "0 of 1000 left; next slot free in 1.5s (the vendor's headers)"
        );
    }
}
