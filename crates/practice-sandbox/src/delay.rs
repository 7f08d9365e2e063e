//! The one-way network delay a test may put between its clients and the vendors: each request
//! waits a time drawn from the configured range before it arrives (and is counted).

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::data::mix;

/// Draws delays evenly from a range, deterministically for a seed (SplitMix64 over an atomic
/// state, so concurrent requests each get their own draw).
#[derive(Debug)]
pub(crate) struct ArrivalDelay {
    range: Range<Duration>,
    state: AtomicU64,
}

impl ArrivalDelay {
    pub(crate) fn new(range: Range<Duration>, seed: u64) -> Self {
        ArrivalDelay {
            range,
            state: AtomicU64::new(seed ^ 0xDE1A_7000),
        }
    }

    /// The next request's delay: `start` plus an even draw below `end - start`; exactly
    /// `start` when the range is empty.
    pub(crate) fn next(&self) -> Duration {
        let Range { start, end } = self.range;
        let span = u64::try_from(end.saturating_sub(start).as_nanos()).unwrap_or(u64::MAX);
        if span == 0 {
            return start;
        }
        let draw = mix(self
            .state
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
            .wrapping_add(0x9E37_79B9_7F4A_7C15));
        start.saturating_add(Duration::from_nanos(draw % span))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_stay_in_the_range_and_spread_over_it() {
        let ms = Duration::from_millis;
        let delay = ArrivalDelay::new(ms(10)..ms(250), 2024);
        let draws: Vec<Duration> = (0..1000).map(|_| delay.next()).collect();
        assert!(draws.iter().all(|d| (ms(10)..ms(250)).contains(d)));
        assert!(draws.iter().any(|d| *d < ms(40)), "the low end is reached");
        assert!(
            draws.iter().any(|d| *d > ms(220)),
            "the high end is reached"
        );
        assert_eq!(ArrivalDelay::new(ms(7)..ms(7), 1).next(), ms(7), "fixed");
        assert_eq!(ArrivalDelay::new(ms(9)..ms(3), 1).next(), ms(9), "empty");
        assert_eq!(
            ArrivalDelay::new(Duration::ZERO..Duration::ZERO, 1).next(),
            Duration::ZERO
        );
    }
}
