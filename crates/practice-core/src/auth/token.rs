//! The token itself: an access secret, an optional refresh secret, and when it expires on
//! tokio's clock.
// Times, durations and dates here come from vendors and users: no arithmetic that can panic.
#![deny(clippy::arithmetic_side_effects)]

use std::fmt;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::time::Instant;

use crate::secret::Secret;

/// An access token and what is needed to renew it.
#[derive(Clone)]
pub struct Token {
    access: Secret,
    refresh: Option<Secret>,
    expires_at: Instant,
    /// The lifetime stated when the token was issued, if it was issued just now.
    issued_lifetime: Option<Duration>,
}

impl Token {
    /// The longest lifetime a token is believed to have: a vendor stating decades is capped.
    pub const MAX_LIFETIME: Duration = Duration::from_secs(366 * 86_400);

    /// A token valid until `expires_at` (on tokio's clock), for example one read back from a
    /// store.
    pub fn new(access: Secret, expires_at: Instant) -> Self {
        Token {
            access,
            refresh: None,
            expires_at,
            issued_lifetime: None,
        }
    }

    /// A token issued just now, valid for `lifetime` (capped at [`Token::MAX_LIFETIME`]).
    pub fn valid_for(access: Secret, lifetime: Duration) -> Self {
        let lifetime = lifetime.min(Self::MAX_LIFETIME);
        let now = Instant::now();
        Token {
            issued_lifetime: Some(lifetime),
            ..Self::new(access, now.checked_add(lifetime).unwrap_or(now))
        }
    }

    /// A token issued just now that expires at a wall-clock instant sent by the vendor.
    pub fn expiring_at(access: Secret, at: OffsetDateTime) -> Self {
        // Provably safe: both instants lie within years ±9999, whose difference fits.
        #[allow(clippy::arithmetic_side_effects)]
        let left = at - OffsetDateTime::now_utc();
        Self::valid_for(access, left.try_into().unwrap_or(Duration::ZERO))
    }

    /// Adds a refresh token.
    pub fn with_refresh(mut self, refresh: Secret) -> Self {
        self.refresh = Some(refresh);
        self
    }

    /// The access token.
    pub fn access(&self) -> &Secret {
        &self.access
    }

    /// The refresh token, if the vendor issues one.
    pub fn refresh(&self) -> Option<&Secret> {
        self.refresh.as_ref()
    }

    /// When the token expires, on tokio's clock.
    pub fn expires_at(&self) -> Instant {
        self.expires_at
    }

    /// Whether the token is still valid now.
    pub fn is_valid(&self) -> bool {
        Instant::now() < self.expires_at
    }

    /// Whether the token is valid for at least `margin` more. A token issued with a lifetime
    /// no longer than `margin` is fresh for as long as it is valid: renewing it ahead of
    /// expiry would renew it on every call.
    pub fn is_fresh(&self, margin: Duration) -> bool {
        if self
            .issued_lifetime
            .is_some_and(|lifetime| lifetime <= margin)
        {
            return self.is_valid();
        }
        Instant::now()
            .checked_add(margin)
            .is_some_and(|then| then < self.expires_at)
    }

    pub(crate) fn same_as(&self, other: &Token) -> bool {
        self.access == other.access
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("access", &self.access)
            .field("refresh", &self.refresh)
            .field(
                "expires_in",
                &self.expires_at.saturating_duration_since(Instant::now()),
            )
            .finish()
    }
}
