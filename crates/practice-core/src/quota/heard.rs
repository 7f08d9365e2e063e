//! What the vendor's own headers said of its count, as last heard by this process: the
//! budget a client without a client-side limit reports. State only; the quota layer feeds it
//! each answer's [`ServerQuota`] as read once when the answer came back.
// Times, durations and dates here come from vendors and users: no arithmetic that can panic.
#![deny(clippy::arithmetic_side_effects)]

use std::sync::Mutex;

use tokio::time::Instant;

use crate::headers::ServerQuota;
use crate::quota::status::BudgetStatus;
use crate::quota::store::later;

/// The vendor's count as this process last heard it.
#[derive(Debug, Default)]
pub(crate) struct HeardCount {
    last: Mutex<Option<VendorCount>>,
}

#[derive(Debug, Clone, Copy)]
struct VendorCount {
    limit: Option<u64>,
    remaining: u64,
    reset_at: Instant,
}

impl VendorCount {
    /// The count after hearing `heard` at `now`. Answers in flight together can be read in
    /// any order, so within one window (until the reset the last count named) the lowest
    /// remaining is the latest truth; once that reset has passed, what is heard replaces it.
    fn updated(self, heard: VendorCount, now: Instant) -> VendorCount {
        if now >= self.reset_at || heard.remaining <= self.remaining {
            return heard;
        }
        VendorCount {
            limit: heard.limit.or(self.limit),
            ..self
        }
    }
}

impl HeardCount {
    /// Takes in what one answer said.
    pub(crate) fn hear(&self, quota: &ServerQuota) {
        let now = Instant::now();
        let heard = VendorCount {
            limit: quota.limit,
            remaining: quota.remaining,
            reset_at: later(now, quota.reset_in),
        };
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        *last = Some(match last.take() {
            Some(before) => before.updated(heard, now),
            None => heard,
        });
    }

    /// The budget as last heard (`None` before any answer carried the headers).
    pub(crate) fn status(&self) -> Option<BudgetStatus> {
        let last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        last.as_ref().map(|v| {
            BudgetStatus::from_vendor(
                v.limit,
                v.remaining,
                v.reset_at.saturating_duration_since(Instant::now()),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn quota(limit: Option<u64>, remaining: u64, reset_s: u64) -> ServerQuota {
        ServerQuota {
            limit,
            remaining,
            reset_in: Duration::from_secs(reset_s),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn within_a_window_the_lowest_count_stands_and_a_new_window_replaces_it() {
        let heard = HeardCount::default();
        assert!(heard.status().is_none());
        heard.hear(&quota(Some(300), 10, 60));
        // An answer read late, from before the last one: its higher count is older news.
        heard.hear(&quota(None, 12, 60));
        let status = heard.status().unwrap();
        assert_eq!((status.limit, status.remaining), (Some(300), 10));
        tokio::time::advance(Duration::from_secs(61)).await;
        heard.hear(&quota(None, 299, 900));
        assert_eq!(heard.status().unwrap().remaining, 299);
    }
}
