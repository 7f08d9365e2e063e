//! Emits the test, in `generated/mod.rs`, that decodes every example record of the spec as
//! its model and serialises it back to the same JSON: written from the spec, so that a new
//! model's examples are tested without a hand-written list to keep up.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// The `#[cfg(test)]` module over `models`, the names of the models that have examples;
/// nothing for a spec without examples.
pub fn check<'a>(models: impl Iterator<Item = &'a String>) -> TokenStream {
    let models: Vec<&String> = models.collect();
    if models.is_empty() {
        return TokenStream::new();
    }
    let arms = models.iter().map(|name| {
        let ty = format_ident!("{}", name);
        quote! { #name => round_trip::<super::models::#ty>(&text), }
    });
    quote! {
        /// The spec's example records against the generated models.
        #[cfg(test)]
        mod examples {
            use practice_core::serde_json::{self, Value};

            /// Decodes `text` as `T` and serialises it back.
            fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(text: &str) -> String {
                let record: T = serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"));
                serde_json::to_string(&record).unwrap()
            }

            #[test]
            fn every_spec_example_round_trips() {
                let examples: serde_json::Map<String, Value> =
                    serde_json::from_str(include_str!("examples.json")).unwrap();
                let mut seen = 0;
                for (model, list) in examples.iter().filter(|(k, _)| !k.starts_with('@')) {
                    for example in list.as_array().unwrap() {
                        let text = example.to_string();
                        let back = match model.as_str() {
                            #(#arms)*
                            other => panic!("examples.json has an example of `{other}`, which is no model: run `cargo xtask codegen`"),
                        };
                        let back: Value = serde_json::from_str(&back).unwrap();
                        assert_eq!(&back, example, "{model} did not round-trip");
                        seen += 1;
                    }
                }
                assert!(seen > 0, "the spec has no examples");
            }
        }
    }
}
