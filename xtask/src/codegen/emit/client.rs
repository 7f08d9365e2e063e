//! Emits `client.rs`: the vendor `Client`'s convenience methods that the spec asks for with
//! `x-client-method`, each building its operation's request from its arguments (or taking
//! the request whole) and executing it. With `builder.rs`, the only generated code that names
//! the vendor crate's own code: here `crate::Client` and its `execute`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::super::docs::Doc;
use super::super::ir::{Api, Operation};
use super::super::names;
use super::types::{self, Ctx, Uses};

/// The items of `client.rs`, or `None` when no operation asks for a method.
pub fn file(api: &Api) -> Option<TokenStream> {
    let uses = Uses::default();
    let ctx = Ctx {
        in_models: false,
        uses: &uses,
    };
    let methods: Vec<TokenStream> = api
        .operations
        .iter()
        .filter_map(|op| method(op, ctx))
        .collect();
    if methods.is_empty() {
        return None;
    }
    let mut doc = Doc::default();
    doc.own(&format!(
        "Convenience methods of the {} client, one per operation with `x-client-method`.",
        api.api_name()
    ));
    let inner_doc = doc.inner_tokens();
    let uses = uses.tokens();
    Some(quote! {
        #inner_doc
        #uses

        impl crate::Client {
            #(#methods)*
        }
    })
}

fn method(op: &Operation, ctx: Ctx) -> Option<TokenStream> {
    let spec = op.client_method.as_ref()?;
    let mut doc = Doc::default();
    doc.own(&spec.doc);
    let doc = doc.tokens();
    let name = names::ident(&spec.name);
    let request = format_ident!("{}", op.struct_name);
    let operations = ctx.name("super::operations");
    let error = ctx.name("practice_core::Error");
    let output = match &op.output {
        Some(ty) => types::rust(ty, ctx),
        None => quote!(()),
    };
    if spec.args.is_empty() {
        return Some(quote! {
            #doc
            pub async fn #name(&self, request: &#operations::#request) -> Result<#output, #error> {
                self.execute(request).await
            }
        });
    }
    let fields: Vec<_> = spec
        .args
        .iter()
        .filter_map(|wire| op.fields.iter().find(|f| &f.field.wire == wire))
        .collect();
    let params = fields.iter().map(|f| {
        let ident = names::ident(&f.field.rust);
        let ty = types::rust(&f.field.ty, ctx);
        quote!(#ident: #ty)
    });
    let setters = fields.iter().map(|f| {
        let ident = names::ident(&f.field.rust);
        quote!(.#ident(#ident))
    });
    Some(quote! {
        #doc
        pub async fn #name(&self, #(#params),*) -> Result<#output, #error> {
            let request = #operations::#request::builder() #(#setters)* .build()?;
            self.execute(&request).await
        }
    })
}
