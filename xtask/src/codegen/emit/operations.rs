//! Emits `operations.rs`: per operation a metadata static, a request struct with a builder,
//! and its `practice_core::Endpoint` impl.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::super::docs::Doc;
use super::super::ir::{Api, Location, Operation, RequestField, Ty};
use super::super::names;
use super::endpoint;
use super::types::{self, Ctx, Uses};

/// The items of `operations.rs`.
pub fn file(api: &Api, vendor: &str) -> TokenStream {
    let mut doc = Doc::default();
    doc.own(&format!(
        "Requests of the {} (spec version {}), generated from its OpenAPI description: per \
         operation a metadata static, a request struct with a builder, and its \
         `practice_core::Endpoint` impl.",
        api.api_name(),
        api.version
    ));
    let inner_doc = doc.inner_tokens();
    let uses = Uses::default();
    let ctx = Ctx {
        in_models: false,
        uses: &uses,
    };
    let ops: Vec<TokenStream> = api
        .operations
        .iter()
        .map(|op| operation(op, vendor, ctx))
        .collect();
    let all = api
        .operations
        .iter()
        .map(|op| format_ident!("{}", op.const_name));
    let meta_ty = ctx.name("practice_core::OperationMeta");
    let uses = uses.tokens();
    quote! {
        #inner_doc
        #uses
        #(#ops)*

        /// Every operation of the API, in spec order.
        pub static ALL_OPERATIONS: &[&#meta_ty] = &[#(&#all),*];
    }
}

fn field_ty(f: &RequestField, ctx: Ctx) -> TokenStream {
    let ty = types::rust(&f.field.ty, ctx);
    if f.field.required {
        ty
    } else {
        quote!(Option<#ty>)
    }
}

fn operation(op: &Operation, vendor: &str, ctx: Ctx) -> TokenStream {
    let meta_ty = ctx.name("practice_core::OperationMeta");
    let method_ty = ctx.name("practice_core::http::Method");
    let endpoint = ctx.name("practice_core::Endpoint");
    let meta = format_ident!("{}", op.const_name);
    let meta_doc = format!(" Metadata of `{}`.", op.name);
    let name = &op.name;
    let method = format_ident!("{}", op.method);
    let path = &op.path;
    let idempotent = op.idempotent;
    let authenticated = op.authenticated;
    let doc = op.doc.tokens();
    let request = format_ident!("{}", op.struct_name);
    let builder = format_ident!("{}Builder", op.struct_name);
    let builder_doc = format!(
        " Builds a [`{}`]; [`build`](Self::build) checks it.",
        op.struct_name
    );
    let new_doc = format!(
        " Starts a [`{0}Builder`]; its `build` checks required fields and the spec's constraints.",
        op.struct_name
    );

    let fields = op.fields.iter().map(|f| {
        let doc = if f.field.described {
            let mut doc = f.field.doc.clone();
            doc.own(&location_note(f));
            doc
        } else {
            // Replace the generic "The `x` field." with where the field goes.
            let mut doc = Doc::default();
            doc.own(&location_note(f));
            doc.append_after_first(&f.field.doc);
            doc
        };
        let doc = doc.tokens();
        let ident = names::ident(&f.field.rust);
        let ty = field_ty(f, ctx);
        quote! {
            #doc
            pub #ident: #ty,
        }
    });
    let builder_fields = op.fields.iter().map(|f| {
        let ident = names::ident(&f.field.rust);
        let ty = types::rust(&f.field.ty, ctx);
        quote!(#ident: Option<#ty>,)
    });
    let setters = op.fields.iter().map(|f| {
        let ident = names::ident(&f.field.rust);
        let doc = format!(" Sets the {}", setter_note(f));
        let (param, value) = match f.field.ty {
            Ty::Str => (quote!(impl Into<String>), quote!(value.into())),
            Ty::Secret => {
                let secret = ctx.name("practice_core::Secret");
                (quote!(impl Into<#secret>), quote!(value.into()))
            }
            ref ty => (types::rust(ty, ctx), quote!(value)),
        };
        quote! {
            #[doc = #doc]
            pub fn #ident(mut self, value: #param) -> Self {
                self.#ident = Some(#value);
                self
            }
        }
    });

    let derive_default = op
        .fields
        .iter()
        .all(|f| !f.field.required)
        .then(|| quote!(Default,));

    let build = build_fn(op, &request, ctx);
    let validate = endpoint::validate_fn(op, ctx);
    let path_fn = endpoint::path_fn(op, ctx);
    let query_fn = endpoint::query_fn(op, ctx);
    let body_fn = endpoint::body_fn(op, &request, &meta, ctx);
    let (output, decode) = endpoint::decode_fn(op, &meta, ctx);

    quote! {
        #[doc = #meta_doc]
        pub static #meta: #meta_ty = #meta_ty {
            vendor: #vendor,
            name: #name,
            method: #method_ty::#method,
            path_template: #path,
            idempotent: #idempotent,
            authenticated: #authenticated,
        };

        #doc
        #[derive(Debug, Clone, #derive_default PartialEq)]
        #[non_exhaustive]
        pub struct #request {
            #(#fields)*
        }

        impl #request {
            #[doc = #new_doc]
            pub fn builder() -> #builder {
                #builder::default()
            }
        }

        #[doc = #builder_doc]
        #[derive(Debug, Clone, Default)]
        pub struct #builder {
            #(#builder_fields)*
        }

        impl #builder {
            #(#setters)*

            #build
        }

        impl #endpoint for #request {
            type Output = #output;

            fn meta(&self) -> &'static #meta_ty {
                &#meta
            }

            #validate
            #path_fn
            #query_fn
            #body_fn
            #decode
        }
    }
}

fn setter_note(f: &RequestField) -> String {
    let wire = &f.field.wire;
    match f.location {
        Location::Path => format!("path parameter `{wire}`."),
        Location::Query => format!("query parameter `{wire}`."),
        Location::Body => format!("body field `{wire}`."),
        Location::WholeBody => "JSON body.".to_owned(),
    }
}

fn location_note(f: &RequestField) -> String {
    let wire = &f.field.wire;
    match f.location {
        Location::Path => format!("Path parameter `{wire}`."),
        Location::Query => format!("Query parameter `{wire}`."),
        Location::Body => format!("Body field `{wire}`."),
        Location::WholeBody => "The whole JSON body.".to_owned(),
    }
}

fn build_fn(op: &Operation, request: &proc_macro2::Ident, ctx: Ctx) -> TokenStream {
    let name = &op.name;
    let error = ctx.name("practice_core::Error");
    let required: Vec<&RequestField> = op.fields.iter().filter(|f| f.field.required).collect();
    let inits = op.fields.iter().map(|f| {
        let ident = names::ident(&f.field.rust);
        if f.field.required {
            quote!(#ident,)
        } else {
            quote!(#ident: self.#ident,)
        }
    });
    let construct = quote! {
        let request = #request { #(#inits)* };
        request.validate()?;
        Ok(request)
    };
    let docs = quote! {
        /// Checks the request: first that every required field is set, then the spec's
        /// constraints (the same checks as `Endpoint::validate`).
        ///
        /// # Errors
        ///
        /// An `InvalidRequest` error naming every failed check; nothing is sent.
    };
    if required.is_empty() {
        return quote! {
            #docs
            pub fn build(self) -> Result<#request, #error> {
                #construct
            }
        };
    }
    let requires = required.iter().map(|f| {
        let ident = names::ident(&f.field.rust);
        let wire = &f.field.wire;
        quote!(check.require(#wire, &self.#ident);)
    });
    let idents: Vec<_> = required
        .iter()
        .map(|f| names::ident(&f.field.rust))
        .collect();
    let (pattern, values) = if idents.len() == 1 {
        let ident = &idents[0];
        (quote!(Some(#ident)), quote!(self.#ident))
    } else {
        (quote!((#(Some(#idents)),*)), quote!((#(self.#idents),*)))
    };
    let validator = ctx.name("practice_core::Validator");
    quote! {
        #docs
        pub fn build(self) -> Result<#request, #error> {
            let mut check = #validator::new();
            #(#requires)*
            check.finish(#name)?;
            let #pattern = #values else {
                return Err(#error::invalid_request("a required field is missing")
                    .with_operation(#name));
            };
            #construct
        }
    }
}
