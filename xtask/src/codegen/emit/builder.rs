//! Emits `builder.rs`: the setters every vendor `ClientBuilder` has, and its
//! `practice_core::VendorBuilder` impl, written once here instead of by hand in each vendor
//! crate. They need only the builder's `core` field (a `practice_core::ClientBuilder`) and its
//! hand-written `build`; the vendor's own settings (credentials, login or token path) stay
//! hand-written beside the struct.

use proc_macro2::TokenStream;
use quote::quote;

use super::super::docs::Doc;
use super::super::ir::Api;

/// The items of `builder.rs`.
pub fn file(api: &Api) -> TokenStream {
    let mut doc = Doc::default();
    doc.own(&format!(
        "The vendor-neutral setters of the {} client's builder, the same in every vendor crate.",
        api.api_name()
    ));
    let inner_doc = doc.inner_tokens();
    quote! {
        #inner_doc

        use practice_core::ClientOptions;

        impl crate::ClientBuilder {
            /// The base URL. A path prefix is kept; `https` is required except for loopback hosts.
            pub fn base_url(self, base_url: impl Into<String>) -> Self {
                self.map_options(|options| options.base_url(base_url))
            }

            /// Changes the vendor-neutral settings, starting from this vendor's defaults (its
            /// budget included): timeouts, retries, budget, stores, renewal, deadline,
            /// transport, CA files and stream limits.
            /// `builder.map_options(|o| o.retry(RetryConfig::disabled()))`.
            pub fn map_options(
                mut self,
                change: impl FnOnce(ClientOptions) -> ClientOptions,
            ) -> Self {
                self.core = self.core.map_options(change);
                self
            }
        }

        /// For code generic over vendors, such as the test-util mock.
        impl practice_core::VendorBuilder for crate::ClientBuilder {
            type Client = crate::Client;

            fn map_options(self, change: impl FnOnce(ClientOptions) -> ClientOptions) -> Self {
                crate::ClientBuilder::map_options(self, change)
            }

            fn build(self) -> Result<crate::Client, practice_core::Error> {
                crate::ClientBuilder::build(self)
            }
        }
    }
}
