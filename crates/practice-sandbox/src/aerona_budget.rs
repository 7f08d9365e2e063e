//! Aerona's budget as the vendor keeps it: every request is counted when it ARRIVES, on the
//! real clock, in a sliding window of the vendor's length (300 per 15 minutes by default);
//! the request that takes the count over the limit invalidates the account's tokens.
//!
//! The log of arrivals is also what tests read ([`AeronaTraffic`]): when each request
//! arrived, the most requests ever seen in one window, and how many logins there were.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Arrivals kept for [`AeronaTraffic::arrivals`]; older ones are forgotten (the maximum per
/// window is still counted over every request).
const ARRIVALS_KEPT: usize = 100_000;

/// What the sandbox's Aerona has seen of its budget, for tests: read it with
/// [`Sandbox::aerona_traffic`](crate::Sandbox::aerona_traffic) or
/// `GET /_sandbox/aerona/traffic`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AeronaTraffic {
    /// Requests allowed per window ([`SandboxConfig::aerona_limit`](crate::SandboxConfig)).
    pub limit: u32,
    /// The window's length.
    pub window: Duration,
    /// When each counted request arrived (after any arrival delay), oldest first: the last
    /// 100,000.
    pub arrivals: Vec<Instant>,
    /// The most requests that arrived within one window's length of each other: over
    /// `limit` means the budget was exceeded.
    pub max_in_window: usize,
    /// Successful logins (tokens issued).
    pub logins: u64,
    /// Requests that arrived while the window was over the limit (each answered 401).
    pub over_limit: u64,
    /// How often live tokens were invalidated by a request over the limit.
    pub invalidations: u64,
}

/// The sliding window and the arrival log.
#[derive(Debug)]
pub(crate) struct Budget {
    limit: u32,
    window: Duration,
    /// Arrivals within the last window, oldest first.
    recent: VecDeque<Instant>,
    /// Every arrival, up to [`ARRIVALS_KEPT`].
    arrivals: VecDeque<Instant>,
    max_in_window: usize,
    logins: u64,
    over_limit: u64,
    invalidations: u64,
}

impl Budget {
    pub(crate) fn new(limit: u32, window: Duration) -> Self {
        Budget {
            limit,
            window,
            recent: VecDeque::new(),
            arrivals: VecDeque::new(),
            max_in_window: 0,
            logins: 0,
            over_limit: 0,
            invalidations: 0,
        }
    }

    /// Counts a request arriving at `at` (not before any arrival counted so far): whether the
    /// window is now over the limit. The window holds the arrivals of the last `window`,
    /// `at` included.
    pub(crate) fn arrive(&mut self, at: Instant) -> bool {
        while self
            .recent
            .front()
            .is_some_and(|t| at.saturating_duration_since(*t) >= self.window)
        {
            self.recent.pop_front();
        }
        self.recent.push_back(at);
        if self.arrivals.len() == ARRIVALS_KEPT {
            self.arrivals.pop_front();
        }
        self.arrivals.push_back(at);
        self.max_in_window = self.max_in_window.max(self.recent.len());
        let over = self.recent.len() > self.limit as usize;
        if over {
            self.over_limit = self.over_limit.saturating_add(1);
        }
        over
    }

    /// Notes that a request over the limit invalidated live tokens.
    pub(crate) fn invalidated(&mut self) {
        self.invalidations = self.invalidations.saturating_add(1);
    }

    /// Notes a successful login.
    pub(crate) fn logged_in(&mut self) {
        self.logins = self.logins.saturating_add(1);
    }

    pub(crate) fn traffic(&self) -> AeronaTraffic {
        AeronaTraffic {
            limit: self.limit,
            window: self.window,
            arrivals: self.arrivals.iter().copied().collect(),
            max_in_window: self.max_in_window,
            logins: self.logins,
            over_limit: self.over_limit,
            invalidations: self.invalidations,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_slides_and_the_maximum_is_kept() {
        let mut budget = Budget::new(2, Duration::from_secs(10));
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        assert!(!budget.arrive(at(0)));
        assert!(!budget.arrive(at(5)));
        assert!(budget.arrive(at(9)), "three within 10 s");
        // At 10 s the first has left the window (it holds (0 s, 10 s]).
        assert!(budget.arrive(at(10)), "5, 9 and 10");
        assert!(!budget.arrive(at(20)), "only 20");
        let traffic = budget.traffic();
        assert_eq!(traffic.max_in_window, 3);
        assert_eq!(traffic.over_limit, 2);
        assert_eq!(traffic.arrivals.len(), 5);
        assert_eq!(traffic.arrivals[4], at(20));
    }
}
