//! Reads each answer once, as it comes back from the transport: the vendor's profile turns it
//! into a [`ResponseReading`] kept in the response's extensions, which the quota layer, the
//! retry classifier and the status check then only read.

use std::sync::Arc;

use bytes::Bytes;
use http::Response;

use crate::vendor::{ResponseReading, VendorProfile};

/// The `map_response` step just above the transport.
pub(crate) fn read_once(
    profile: Arc<dyn VendorProfile>,
) -> impl Fn(Response<Bytes>) -> Response<Bytes> + Clone + Send + Sync + 'static {
    move |mut response: Response<Bytes>| {
        let reading: ResponseReading = profile.read(&response);
        response.extensions_mut().insert(reading);
        response
    }
}
