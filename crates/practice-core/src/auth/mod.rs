//! Tokens: a vendor crate says how to obtain one and how to attach it ([`Authenticator`]); the
//! core owns caching, renewal before expiry and single flight (`cache`). The layer that
//! applies tokens and replays once after a 401 is [`crate::layer`]'s auth layer.

pub mod authenticator;
pub(crate) mod cache;
pub mod store;
pub mod token;

/// The renewal settings, kept at this path too.
pub use crate::options::RenewalPolicy;
pub use authenticator::{AuthContext, Authenticator, sensitive_header};
pub use store::{ClaimId, InMemoryTokenStore, RenewalClaim, TokenStore};
pub use token::Token;

/// Kept at this path for the crates that name it here.
pub use crate::request::BoxFuture;
