//! The token itself: an access secret, an optional refresh secret, and when it expires on
//! tokio's clock.

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
}

impl Token {
    /// A token valid until `expires_at` (on tokio's clock).
    pub fn new(access: Secret, expires_at: Instant) -> Self {
        Token {
            access,
            refresh: None,
            expires_at,
        }
    }

    /// A token valid for `lifetime` from now.
    pub fn valid_for(access: Secret, lifetime: Duration) -> Self {
        Self::new(access, Instant::now() + lifetime)
    }

    /// A token that expires at a wall-clock instant sent by the vendor.
    pub fn expiring_at(access: Secret, at: OffsetDateTime) -> Self {
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

    /// Whether the token is valid for at least `margin` more.
    pub fn is_fresh(&self, margin: Duration) -> bool {
        Instant::now() + margin < self.expires_at
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
