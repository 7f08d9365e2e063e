//! Emits the test, in `generated/mod.rs`, that holds the hand-written re-export lists
//! (`src/models.rs`, `src/operations.rs`) to exactly the public names the generator wrote:
//! the lists keep the public paths apart from the generator, and the test says which names a
//! new spec added (or removed) so that no name becomes public, or stops being, unseen.

use proc_macro2::TokenStream;
use quote::quote;

/// The public top-level names of a generated file, in the order they stand.
pub fn public_names(items: &TokenStream) -> Result<Vec<String>, String> {
    let file: syn::File = syn::parse2(items.clone())
        .map_err(|e| format!("the generator produced invalid Rust (a generator bug): {e}"))?;
    let public = |vis: &syn::Visibility| matches!(vis, syn::Visibility::Public(_));
    Ok(file
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(i) if public(&i.vis) => Some(i.ident.to_string()),
            syn::Item::Enum(i) if public(&i.vis) => Some(i.ident.to_string()),
            syn::Item::Type(i) if public(&i.vis) => Some(i.ident.to_string()),
            syn::Item::Static(i) if public(&i.vis) => Some(i.ident.to_string()),
            syn::Item::Const(i) if public(&i.vis) => Some(i.ident.to_string()),
            syn::Item::Fn(i) if public(&i.vis) => Some(i.sig.ident.to_string()),
            syn::Item::Trait(i) if public(&i.vis) => Some(i.ident.to_string()),
            syn::Item::Mod(i) if public(&i.vis) => Some(i.ident.to_string()),
            _ => None,
        })
        .collect())
}

/// The `#[cfg(test)]` module comparing each hand-written list with `models` and `operations`.
pub fn check(models: &[String], operations: &[String]) -> TokenStream {
    quote! {
        /// The hand-written re-export lists against the generated public names.
        #[cfg(test)]
        mod re_exports {
            /// Every public name of `models.rs`, as generated.
            const MODELS: &[&str] = &[#(#models),*];
            /// Every public name of `operations.rs`, as generated.
            const OPERATIONS: &[&str] = &[#(#operations),*];

            /// The names in `source`'s `pub use crate::generated::<module>::{..};` list.
            fn listed(source: &str, module: &str) -> Vec<String> {
                let start = format!("pub use crate::generated::{module}::{{");
                let Some((_, rest)) = source.split_once(&start) else {
                    return Vec::new();
                };
                let list = rest.split_once("};").map_or(rest, |(list, _)| list);
                list.lines()
                    .filter(|line| !line.trim_start().starts_with("//"))
                    .flat_map(|line| line.split(|c: char| c == ',' || c.is_whitespace()))
                    .filter(|name| !name.is_empty())
                    .map(str::to_owned)
                    .collect()
            }

            /// What `listed` lacks of `generated`, and what it has that `generated` lacks.
            fn differences(listed: &[String], generated: &[&str]) -> (Vec<String>, Vec<String>) {
                let missing = generated
                    .iter()
                    .filter(|name| !listed.iter().any(|l| l == *name))
                    .map(|name| (*name).to_owned())
                    .collect();
                let extra = listed
                    .iter()
                    .filter(|l| !generated.contains(&l.as_str()))
                    .cloned()
                    .collect();
                (missing, extra)
            }

            #[test]
            fn src_models_rs_re_exports_exactly_the_generated_models() {
                let listed = listed(include_str!("../models.rs"), "models");
                let (missing, extra) = differences(&listed, MODELS);
                assert!(
                    missing.is_empty() && extra.is_empty(),
                    "src/models.rs's list differs from the generated models: add {missing:?}, remove {extra:?} (each a public name: decide, then edit the list)"
                );
            }

            #[test]
            fn src_operations_rs_re_exports_exactly_the_generated_operations() {
                let listed = listed(include_str!("../operations.rs"), "operations");
                let (missing, extra) = differences(&listed, OPERATIONS);
                assert!(
                    missing.is_empty() && extra.is_empty(),
                    "src/operations.rs's list differs from the generated operations: add {missing:?}, remove {extra:?} (each a public name: decide, then edit the list)"
                );
            }
        }
    }
}
