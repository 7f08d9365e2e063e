//! The whole-call deadline: one instant by which a call ends, whatever it spends its time on
//! (logins, replays, retries, backoff, waits for budget), and the phase it was in when time
//! ran out, so that the error can say which.
//!
//! The client puts one [`CallClock`] in each request's extensions; the layers read the time
//! left from it and record their phase in it. Copies of the request (retries, replays) share
//! it.
// Times, durations and dates here come from vendors and users: no arithmetic that can panic.
#![deny(clippy::arithmetic_side_effects)]

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::Duration;

use http::Request;
use tokio::time::Instant;

/// What a call was doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Phase {
    /// Sending the request or waiting for its answer.
    Sending = 0,
    /// Obtaining a token (a login, a refresh, or waiting for another task's renewal).
    Login = 1,
    /// Replaying the request after a rejected token.
    Replay = 2,
    /// Waiting before a retry.
    WaitingToRetry = 3,
    /// Waiting for request budget.
    WaitingForBudget = 4,
}

impl Phase {
    fn from_u8(value: u8) -> Phase {
        match value {
            1 => Phase::Login,
            2 => Phase::Replay,
            3 => Phase::WaitingToRetry,
            4 => Phase::WaitingForBudget,
            _ => Phase::Sending,
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::Sending => "waiting for the answer",
            Phase::Login => "obtaining a token",
            Phase::Replay => "replaying after a rejected token",
            Phase::WaitingToRetry => "waiting to retry",
            Phase::WaitingForBudget => "waiting for request budget",
        })
    }
}

/// One call's deadline and phase, shared by every copy of its request.
#[derive(Clone)]
pub struct CallClock {
    inner: Arc<ClockState>,
}

struct ClockState {
    /// `None` when the deadline lies beyond what the clock can represent: no deadline.
    deadline: Option<Instant>,
    limit: Duration,
    phase: AtomicU8,
    sent: AtomicBool,
}

impl CallClock {
    /// A clock for a call that must end within `limit` from now.
    pub fn start(limit: Duration) -> Self {
        CallClock {
            inner: Arc::new(ClockState {
                deadline: Instant::now().checked_add(limit),
                limit,
                phase: AtomicU8::new(Phase::Sending as u8),
                sent: AtomicBool::new(false),
            }),
        }
    }

    /// The clock a request carries, if its client set one.
    pub fn of<B>(request: &Request<B>) -> Option<&CallClock> {
        request.extensions().get::<CallClock>()
    }

    /// The instant the call ends at, if representable.
    pub fn deadline(&self) -> Option<Instant> {
        self.inner.deadline
    }

    /// The deadline as a length, as configured.
    pub fn limit(&self) -> Duration {
        self.inner.limit
    }

    /// Time left before the deadline (zero once passed).
    pub fn remaining(&self) -> Duration {
        match self.inner.deadline {
            Some(at) => at.saturating_duration_since(Instant::now()),
            None => Duration::MAX,
        }
    }

    /// Records what the call is doing now.
    pub fn enter(&self, phase: Phase) {
        self.inner.phase.store(phase as u8, Ordering::Relaxed);
    }

    /// What the call was doing last.
    pub fn phase(&self) -> Phase {
        Phase::from_u8(self.inner.phase.load(Ordering::Relaxed))
    }

    /// Records that the request itself (not a login) was handed to the transport.
    pub fn mark_sent(&self) {
        self.inner.sent.store(true, Ordering::Relaxed);
    }

    /// Whether the request itself may have reached the server.
    pub fn maybe_sent(&self) -> bool {
        self.inner.sent.load(Ordering::Relaxed)
    }
}

impl fmt::Debug for CallClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallClock")
            .field("limit", &self.inner.limit)
            .field("remaining", &self.remaining())
            .field("phase", &self.phase())
            .finish()
    }
}

/// Records `phase` on the request's clock, if it has one.
pub(crate) fn enter<B>(request: &Request<B>, phase: Phase) {
    if let Some(clock) = CallClock::of(request) {
        clock.enter(phase);
    }
}

/// Time left before the request's deadline (unbounded without a clock).
pub(crate) fn remaining<B>(request: &Request<B>) -> Duration {
    CallClock::of(request).map_or(Duration::MAX, CallClock::remaining)
}
