//! How a [`Ty`] is spelled in generated code, and how values of it pass through the
//! `serde_with` wire adapters of `practice_core::wire`.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::str::FromStr as _;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::super::ir::{EnumRepr, Ty};

/// The `use` declarations a generated file needs, collected while it is emitted so that
/// the code can name things briefly without unused imports.
#[derive(Default)]
pub struct Uses(RefCell<BTreeSet<&'static str>>);

impl Uses {
    /// Notes that `path` (e.g. `practice_core::time::Date`) is used, and returns its last
    /// segment, the name to write.
    pub fn name(&self, path: &'static str) -> TokenStream {
        self.0.borrow_mut().insert(path);
        let last = path.rsplit("::").next().unwrap_or(path);
        TokenStream::from_str(last).unwrap_or_default()
    }

    /// The `use` declarations.
    pub fn tokens(&self) -> TokenStream {
        let paths = self.0.borrow();
        let items = paths.iter().map(|path| {
            let path = TokenStream::from_str(path).unwrap_or_default();
            quote!(use #path;)
        });
        quote!(#(#items)*)
    }
}

/// Where the code is emitted: models are named directly in `models.rs` and through
/// `models::` elsewhere.
#[derive(Clone, Copy)]
pub struct Ctx<'u> {
    /// Inside `models.rs`.
    pub in_models: bool,
    /// The file's imports.
    pub uses: &'u Uses,
}

impl Ctx<'_> {
    /// Notes a use of `path` and returns the name to write.
    pub fn name(&self, path: &'static str) -> TokenStream {
        self.uses.name(path)
    }
}

/// The Rust type.
pub fn rust(ty: &Ty, ctx: Ctx) -> TokenStream {
    match ty {
        Ty::Int => quote!(i64),
        Ty::Bool => quote!(bool),
        Ty::Str => quote!(String),
        Ty::Money => ctx.name("practice_core::rust_decimal::Decimal"),
        Ty::IsoDate | Ty::UsDate => ctx.name("practice_core::time::Date"),
        Ty::Clock => ctx.name("practice_core::time::Time"),
        Ty::Timestamp => ctx.name("practice_core::time::OffsetDateTime"),
        Ty::Secret => ctx.name("practice_core::Secret"),
        Ty::List(inner) => {
            let inner = rust(inner, ctx);
            quote!(Vec<#inner>)
        }
        Ty::Struct(name) | Ty::Record(name) | Ty::Enum(name, _) => {
            let name = format_ident!("{}", name);
            if ctx.in_models {
                quote!(#name)
            } else {
                let models = ctx.name("super::models");
                quote!(#models::#name)
            }
        }
        Ty::OpenRecord => {
            let wire = ctx.name("practice_core::wire");
            quote!(#wire::OpenRecord)
        }
        Ty::Json => ctx.name("practice_core::serde_json::Value"),
    }
}

/// The `serde_with` adapter of a leaf type, if it has one.
fn leaf_adapter(ty: &Ty, ctx: Ctx) -> Option<TokenStream> {
    let adapter = match ty {
        Ty::Money => quote!(Money),
        Ty::IsoDate => quote!(IsoDate),
        Ty::UsDate => quote!(UsDate),
        Ty::Clock => quote!(ClockTime),
        Ty::Timestamp => quote!(Timestamp),
        _ => return None,
    };
    let wire = ctx.name("practice_core::wire");
    Some(quote!(#wire::#adapter))
}

fn has_leaf_adapter(ty: &Ty) -> bool {
    matches!(
        ty,
        Ty::Money | Ty::IsoDate | Ty::UsDate | Ty::Clock | Ty::Timestamp
    )
}

/// Whether values of the type pass through an adapter.
pub fn needs_adapter(ty: &Ty) -> bool {
    match ty {
        Ty::List(inner) => needs_adapter(inner),
        other => has_leaf_adapter(other),
    }
}

/// The type to deserialise, which [`from_de`] turns into the Rust type.
pub fn de_ty(ty: &Ty, ctx: Ctx) -> TokenStream {
    if let Some(adapter) = leaf_adapter(ty, ctx) {
        let rust = rust(ty, ctx);
        let wrap = ctx.name("practice_core::serde_with::de::DeserializeAsWrap");
        return quote!(#wrap<#rust, #adapter>);
    }
    match ty {
        Ty::List(inner) if needs_adapter(inner) => {
            let inner = de_ty(inner, ctx);
            quote!(Vec<#inner>)
        }
        other => rust(other, ctx),
    }
}

/// Turns a deserialised [`de_ty`] value (`expr`) into the Rust type.
pub fn from_de(ty: &Ty, expr: TokenStream, ctx: Ctx) -> TokenStream {
    if has_leaf_adapter(ty) {
        return quote!(#expr.into_inner());
    }
    match ty {
        Ty::List(inner) if needs_adapter(inner) => {
            let f = from_de_fn(inner, ctx);
            quote!(#expr.into_iter().map(#f).collect())
        }
        _ => expr,
    }
}

/// A function from a [`de_ty`] value to the Rust type (only for types that need an adapter).
pub fn from_de_fn(ty: &Ty, ctx: Ctx) -> TokenStream {
    if has_leaf_adapter(ty) {
        let wrap = ctx.name("practice_core::serde_with::de::DeserializeAsWrap");
        return quote!(#wrap::into_inner);
    }
    let body = from_de(ty, quote!(value), ctx);
    quote!(|value| #body)
}

/// An expression of type `impl FnOnce(&str) -> practice_core::wire::Reading<T>` that reads a
/// field's raw JSON text as the type, tolerantly (see `practice_core::wire::deviation`).
pub fn reader(ty: &Ty, ctx: Ctx) -> TokenStream {
    if let Some(adapter) = leaf_adapter(ty, ctx) {
        return quote!(#adapter::read);
    }
    let wire = ctx.name("practice_core::wire");
    let expected = match ty {
        Ty::Int => "an integer",
        Ty::Bool => "a boolean",
        Ty::Str => return quote!(|raw| #wire::read_string(raw, "a string")),
        Ty::Secret => "a string",
        Ty::Enum(_, EnumRepr::Int) => {
            return quote!(|raw| #wire::read_code(raw, "an integer code"));
        }
        Ty::Enum(_, EnumRepr::Str) => "a string",
        Ty::Struct(_) | Ty::Record(_) | Ty::OpenRecord => "an object",
        Ty::List(inner) if needs_adapter(inner) => {
            let de_ty = de_ty(ty, ctx);
            let value = from_de(ty, quote!(value), ctx);
            return quote!(|raw| #wire::read_plain::<#de_ty>(raw, "a list").map(|value| #value));
        }
        Ty::List(_) => "a list",
        _ => "a JSON value",
    };
    quote!(|raw| #wire::read_plain(raw, #expected))
}

/// A serialisable value from `r`, an expression of type `&T`.
pub fn ser_value(ty: &Ty, r: TokenStream, ctx: Ctx) -> TokenStream {
    if let Some(adapter) = leaf_adapter(ty, ctx) {
        let rust = rust(ty, ctx);
        let wrap = ctx.name("practice_core::serde_with::ser::SerializeAsWrap");
        return quote!(#wrap::<#rust, #adapter>::new(#r));
    }
    match ty {
        Ty::List(inner) if needs_adapter(inner) => {
            let f = ser_fn(inner, ctx);
            quote!(#r.iter().map(#f).collect::<Vec<_>>())
        }
        _ => r,
    }
}

/// A function from `&T` to a serialisable value (only for types that need an adapter).
pub fn ser_fn(ty: &Ty, ctx: Ctx) -> TokenStream {
    if let Some(adapter) = leaf_adapter(ty, ctx) {
        let rust = rust(ty, ctx);
        let wrap = ctx.name("practice_core::serde_with::ser::SerializeAsWrap");
        return quote!(#wrap::<#rust, #adapter>::new);
    }
    let body = ser_value(ty, quote!(value), ctx);
    quote!(|value| #body)
}

/// A `&T` argument for `serialize_entry`/`json_body` from `r`, an expression of type `&T`.
pub fn ser_arg(ty: &Ty, r: TokenStream, ctx: Ctx) -> TokenStream {
    // `Secret` is not `Serialize` (a user's struct holding one must not leak it): the
    // generated body says where the value leaves.
    if matches!(ty, Ty::Secret) {
        let secret = ctx.name("practice_core::Secret");
        return quote!(#secret::expose(#r));
    }
    if needs_adapter(ty) {
        let value = ser_value(ty, r, ctx);
        quote!(&#value)
    } else {
        r
    }
}

/// The query or path text of a scalar value. `place` is an expression of type `T` when
/// `is_ref` is false and `&T` when it is true.
pub fn wire_text(ty: &Ty, place: TokenStream, is_ref: bool, ctx: Ctx) -> TokenStream {
    let r = if is_ref {
        place.clone()
    } else {
        quote!(&#place)
    };
    if has_leaf_adapter(ty)
        && !matches!(ty, Ty::Money)
        && let Some(adapter) = leaf_adapter(ty, ctx)
    {
        return quote!(#adapter::format(#r));
    }
    match ty {
        Ty::Int | Ty::Bool | Ty::Money => quote!(#place.to_string()),
        Ty::Str => quote!(#place.clone()),
        Ty::Secret => quote!(#place.expose().to_owned()),
        Ty::Enum(_, EnumRepr::Int) => quote!(#place.code().to_string()),
        Ty::Enum(_, EnumRepr::Str) => quote!(#place.as_str().to_owned()),
        _ => {
            let json = ctx.name("practice_core::serde_json");
            quote!(#json::to_string(#r).unwrap_or_default())
        }
    }
}
