//! The composed client: the layers of [`crate::layer`] stacked once, in a fixed order, and
//! type-erased so that public client types carry no generic parameters.
//!
//! ```text
//! HttpClient::execute            validate → build request (nothing sent if invalid)   send.rs
//!   └ Retry                      per call: classifier + attempts/deadline settings   layer/retry.rs
//!      └ Trace (per try)         span: vendor, operation, method, path template, …  layer/trace.rs
//!         └ Auth                 token per try; 401 → one renewal, one replay        layer/auth.rs
//!            └ Quota             every try and every token request counted           layer/quota.rs
//!               └ Timeout        per try                                             layer/timeout.rs
//!                  └ User-Agent, Accept                                              layer/default_headers.rs
//!                     └ Read     the vendor reads the answer once                    layer/read.rs
//!                        └ Transport   reqwest, pooled, TLS ≥ 1.2, h2, gzip          layer/transport.rs
//! ```

mod builder;
mod http;

pub use builder::{ClientBuilder, VendorBuilder};
pub use http::HttpClient;
