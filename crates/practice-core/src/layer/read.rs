//! Reads each answer once, as it comes back from the transport: the vendor's profile turns it
//! into a [`ResponseReading`] kept in the response's extensions, which the quota layer, the
//! retry classifier and the status check then only read. An error answer is read from a copy
//! whose echoed credentials and tokens are already masked.

use std::sync::Arc;

use bytes::Bytes;
use http::Response;

use crate::redact::Redactor;
use crate::vendor::{ResponseReading, VendorProfile};

/// The `map_response` step just above the transport.
pub(crate) fn read_once(
    profile: Arc<dyn VendorProfile>,
    redactor: Redactor,
) -> impl Fn(Response<Bytes>) -> Response<Bytes> + Clone + Send + Sync + 'static {
    move |mut response: Response<Bytes>| {
        let reading: ResponseReading = if response.status().is_success() {
            profile.read(&response)
        } else {
            profile.read(&redactor.masked_copy(&response))
        };
        response.extensions_mut().insert(reading);
        response
    }
}
