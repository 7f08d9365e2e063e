//! The `practice_core::Endpoint` impl of a request: `validate`, `path`, `query`, `body` and
//! `decode`, each from the operation's fields and answer.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::super::ir::{Location, Operation, RequestField, Ty};
use super::super::names;
use super::types::{self, Ctx};
/// Whether a field is present, as an expression.
fn present(op: &Operation, wire: &str) -> TokenStream {
    match op.fields.iter().find(|f| f.field.wire == wire) {
        Some(f) if f.field.required => quote!(true),
        Some(f) => {
            let ident = names::ident(&f.field.rust);
            quote!(self.#ident.is_some())
        }
        None => quote!(false),
    }
}

/// `validate`: the spec's constraints, checked before anything is sent.
pub fn validate_fn(op: &Operation, ctx: Ctx) -> TokenStream {
    let name = &op.name;
    let error = ctx.name("practice_core::Error");
    let mut checks = Vec::new();
    for f in &op.fields {
        let ident = names::ident(&f.field.rust);
        let wire = &f.field.wire;
        let c = &f.field.checks;
        let required = f.field.required;
        if f.location == Location::Path && matches!(f.field.ty, Ty::Str) {
            checks.push(quote!(check.path_segment(#wire, &self.#ident);));
        }
        if let Some(digits) = c.max_digits {
            let digits = Literal::u32_unsuffixed(digits);
            let value = match (&f.field.ty, required) {
                (Ty::Enum(..), true) => quote!(Some(self.#ident.code())),
                (Ty::Enum(..), false) => quote!(self.#ident.map(|value| value.code())),
                (_, true) => quote!(Some(self.#ident)),
                (_, false) => quote!(self.#ident),
            };
            checks.push(quote!(check.max_digits(#wire, #value, #digits);));
        }
        if let Ty::Enum(..) = &f.field.ty {
            // The spec enumerates the values; one this version does not know is not sent.
            let ty = types::rust(&f.field.ty, ctx);
            let message = "is not one of the values the spec documents";
            checks.push(if required {
                quote! {
                    if matches!(self.#ident, #ty::Unknown(_)) {
                        check.fail(#wire, #message);
                    }
                }
            } else {
                quote! {
                    if matches!(self.#ident, Some(#ty::Unknown(_))) {
                        check.fail(#wire, #message);
                    }
                }
            });
        }
        for (bound, is_min) in [(c.minimum, true), (c.maximum, false)] {
            let Some(bound) = bound else { continue };
            let lit = Literal::i64_unsuffixed(bound);
            let message = if is_min {
                format!("must be at least {bound}, got {{}}")
            } else {
                format!("must be at most {bound}, got {{}}")
            };
            let cmp = if is_min { quote!(<) } else { quote!(>) };
            checks.push(if required {
                quote! {
                    if self.#ident #cmp #lit {
                        check.fail(#wire, format!(#message, self.#ident));
                    }
                }
            } else {
                quote! {
                    if let Some(value) = self.#ident && value #cmp #lit {
                        check.fail(#wire, format!(#message, value));
                    }
                }
            });
        }
        for (bound, is_min) in [(c.min_length, true), (c.max_length, false)] {
            let Some(bound) = bound else { continue };
            let lit = Literal::usize_unsuffixed(bound);
            let message = if is_min {
                format!("must have at least {bound} characters")
            } else {
                format!("must have at most {bound} characters")
            };
            let cmp = if is_min { quote!(<) } else { quote!(>) };
            let text = |place: TokenStream| match f.field.ty {
                Ty::Secret => quote!(#place.expose()),
                _ => place,
            };
            checks.push(if required {
                let text = text(quote!(self.#ident));
                quote! {
                    if #text.chars().count() #cmp #lit {
                        check.fail(#wire, #message);
                    }
                }
            } else {
                let text = text(quote!(value));
                quote! {
                    if let Some(value) = &self.#ident && #text.chars().count() #cmp #lit {
                        check.fail(#wire, #message);
                    }
                }
            });
        }
        if let Some(trigger) = &c.required_with
            && !required
        {
            let this = present(op, wire);
            let other = present(op, trigger);
            checks.push(quote!(check.required_with(#wire, #this, #trigger, #other);));
        }
    }
    for group in &op.exactly_one {
        let entries = group.iter().map(|wire| {
            let p = present(op, wire);
            quote!((#wire, #p))
        });
        checks.push(quote!(check.exactly_one(&[#(#entries),*]);));
    }
    if checks.is_empty() {
        return quote! {
            fn validate(&self) -> Result<(), #error> {
                Ok(())
            }
        };
    }
    let validator = ctx.name("practice_core::Validator");
    quote! {
        fn validate(&self) -> Result<(), #error> {
            let mut check = #validator::new();
            #(#checks)*
            check.finish(#name)
        }
    }
}

/// `path`: the path template with each segment filled in (percent-encoded).
pub fn path_fn(op: &Operation, ctx: Ctx) -> TokenStream {
    let mut template = String::new();
    let mut args = Vec::new();
    let mut rest = op.path.as_str();
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        template.push_str(&rest[..start]);
        template.push_str("{}");
        let param = &rest[start + 1..start + len];
        let field = op
            .fields
            .iter()
            .find(|f| f.location == Location::Path && f.field.wire == param)
            .expect("every path segment has a field");
        let ident = names::ident(&field.field.rust);
        let encode = || ctx.name("practice_core::operation::encode_path_segment");
        args.push(match field.field.ty {
            // Digits and `true`/`false` need no percent-encoding: formatted in place, with
            // no intermediate strings (this runs on every request).
            Ty::Int | Ty::Bool => quote!(self.#ident),
            Ty::Str => {
                let encode = encode();
                quote!(#encode(&self.#ident))
            }
            ref ty => {
                let encode = encode();
                let text = types::wire_text(ty, quote!(self.#ident), false, ctx);
                quote!(#encode(&#text))
            }
        });
        rest = &rest[start + len + 1..];
    }
    template.push_str(rest);
    let body = if args.is_empty() {
        quote!(#template.to_owned())
    } else {
        quote!(format!(#template, #(#args),*))
    };
    quote! {
        fn path(&self) -> String {
            #body
        }
    }
}

/// `query`: the query parameters in spec order (empty when there are none).
pub fn query_fn(op: &Operation, ctx: Ctx) -> TokenStream {
    let params: Vec<&RequestField> = op
        .fields
        .iter()
        .filter(|f| f.location == Location::Query)
        .collect();
    if params.is_empty() {
        return TokenStream::new();
    }
    let is_scalar_required =
        |f: &RequestField| f.field.required && !matches!(f.field.ty, Ty::List(_));
    let leading = params.iter().take_while(|f| is_scalar_required(f)).count();
    let pair = |f: &RequestField, place: TokenStream, is_ref: bool| {
        let wire = &f.field.wire;
        let text = types::wire_text(&f.field.ty, place, is_ref, ctx);
        quote!((#wire, #text))
    };
    let initial: Vec<TokenStream> = params[..leading]
        .iter()
        .map(|f| {
            let ident = names::ident(&f.field.rust);
            pair(f, quote!(self.#ident), false)
        })
        .collect();
    if leading == params.len() {
        return quote! {
            fn query(&self) -> Vec<(&'static str, String)> {
                vec![#(#initial),*]
            }
        };
    }
    let init = if initial.is_empty() {
        quote!(let mut query = Vec::new();)
    } else {
        quote!(let mut query = vec![#(#initial),*];)
    };
    let pushes = params[leading..].iter().map(|f| {
        let ident = names::ident(&f.field.rust);
        let wire = &f.field.wire;
        match (&f.field.ty, f.field.required) {
            (Ty::List(inner), true) => {
                let text = types::wire_text(inner, quote!(item), true, ctx);
                quote! {
                    for item in &self.#ident {
                        query.push((#wire, #text));
                    }
                }
            }
            (Ty::List(inner), false) => {
                let text = types::wire_text(inner, quote!(item), true, ctx);
                quote! {
                    if let Some(items) = &self.#ident {
                        for item in items {
                            query.push((#wire, #text));
                        }
                    }
                }
            }
            (_, true) => {
                let pair = pair(f, quote!(self.#ident), false);
                quote!(query.push(#pair);)
            }
            (_, false) => {
                let pair = pair(f, quote!(value), true);
                quote! {
                    if let Some(value) = &self.#ident {
                        query.push(#pair);
                    }
                }
            }
        }
    });
    quote! {
        fn query(&self) -> Vec<(&'static str, String)> {
            #init
            #(#pushes)*
            query
        }
    }
}

/// `body`: the JSON body (nothing when the operation has none).
pub fn body_fn(
    op: &Operation,
    request: &proc_macro2::Ident,
    meta: &proc_macro2::Ident,
    ctx: Ctx,
) -> TokenStream {
    let has_body = op
        .fields
        .iter()
        .any(|f| matches!(f.location, Location::Body | Location::WholeBody));
    if !has_body {
        return TokenStream::new();
    }
    let json_body = ctx.name("practice_core::operation::json_body");
    let bytes = ctx.name("practice_core::bytes::Bytes");
    let error = ctx.name("practice_core::Error");
    if let Some(f) = op.fields.iter().find(|f| f.location == Location::WholeBody) {
        let ident = names::ident(&f.field.rust);
        let body = if f.field.required {
            let arg = types::ser_arg(&f.field.ty, quote!(&self.#ident), ctx);
            quote!(#json_body(&#meta, #arg))
        } else {
            let arg = types::ser_arg(&f.field.ty, quote!(body), ctx);
            quote! {
                match &self.#ident {
                    Some(body) => #json_body(&#meta, #arg),
                    None => Ok(None),
                }
            }
        };
        return quote! {
            fn body(&self) -> Result<Option<#bytes>, #error> {
                #body
            }
        };
    }
    let members: Vec<&RequestField> = op
        .fields
        .iter()
        .filter(|f| f.location == Location::Body)
        .collect();
    if members.is_empty() {
        return TokenStream::new();
    }
    let entries = members.iter().map(|f| {
        let ident = names::ident(&f.field.rust);
        let wire = &f.field.wire;
        if f.field.required {
            let arg = types::ser_arg(&f.field.ty, quote!(&request.#ident), ctx);
            quote!(map.serialize_entry(#wire, #arg)?;)
        } else {
            let arg = types::ser_arg(&f.field.ty, quote!(value), ctx);
            quote! {
                if let Some(value) = &request.#ident {
                    map.serialize_entry(#wire, #arg)?;
                }
            }
        }
    });
    quote! {
        fn body(&self) -> Result<Option<#bytes>, #error> {
            /// The JSON body: the request's body fields under their wire names.
            struct Body<'a>(&'a #request);

            impl serde::Serialize for Body<'_> {
                fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                    use serde::ser::SerializeMap as _;
                    let request = self.0;
                    let mut map = serializer.serialize_map(None)?;
                    #(#entries)*
                    map.end()
                }
            }

            #json_body(&#meta, &Body(self))
        }
    }
}

/// The output type and `decode`: the first success answer decoded.
pub fn decode_fn(
    op: &Operation,
    meta: &proc_macro2::Ident,
    ctx: Ctx,
) -> (TokenStream, TokenStream) {
    let error = ctx.name("practice_core::Error");
    let Some(ty) = &op.output else {
        return (
            quote!(()),
            quote! {
                fn decode(&self, _body: &[u8]) -> Result<Self::Output, #error> {
                    Ok(())
                }
            },
        );
    };
    let output = types::rust(ty, ctx);
    let de_ty = types::de_ty(ty, ctx);
    // Only core decoders: generated code never calls the vendor crate's own code.
    let decode = ctx.name("practice_core::decode");
    let call = match &op.payload {
        Some(member) => quote!(#decode::json_field::<#de_ty>(&#meta, body, #member)),
        None => quote!(#decode::json::<#de_ty>(&#meta, body)),
    };
    let call = if types::needs_adapter(ty) {
        let f = types::from_de_fn(ty, ctx);
        quote!(#call.map(#f))
    } else {
        call
    };
    (
        output,
        quote! {
            fn decode(&self, body: &[u8]) -> Result<Self::Output, #error> {
                #call
            }
        },
    )
}
