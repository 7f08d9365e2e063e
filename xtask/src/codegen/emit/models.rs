//! Emits `models.rs`: one struct per object schema with hand-written serde impls that keep
//! unknown fields and explicit nulls, open enumerations, and aliases.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::super::docs::Doc;
use super::super::ir::{AliasModel, Api, EnumModel, EnumRepr, EnumValue, Model, StructModel, Ty};
use super::super::names;
use super::types::{self, Ctx, Uses};

/// The items of `models.rs`.
pub fn file(api: &Api) -> TokenStream {
    let mut doc = Doc::default();
    doc.own(&format!(
        "Records and enumerations of the {} (spec version {}), generated from its OpenAPI description.",
        api.api_name(),
        api.version
    ));
    doc.own(
        "Every field of a record is optional, because answers leave fields out. Fields the spec \
         does not name are kept in `unknown_fields`, fields that arrived as `null` are \
         written back as `null`, and a field whose value does not match its documented type \
         or format is kept as sent and named in `deviations()`, so that a record serialises \
         back to what was received and one odd field never costs the record.",
    );
    let inner_doc = doc.inner_tokens();
    let uses = Uses::default();
    let ctx = Ctx {
        in_models: true,
        uses: &uses,
    };
    let items: Vec<TokenStream> = api
        .models
        .iter()
        .map(|model| match model {
            Model::Struct(s) if s.fields.is_empty() => alias(
                &AliasModel {
                    name: s.name.clone(),
                    doc: s.doc.clone(),
                    ty: Ty::OpenRecord,
                },
                ctx,
            ),
            Model::Struct(s) => record(s, ctx),
            Model::Enum(e) => enumeration(e, ctx),
            Model::Alias(a) => alias(a, ctx),
        })
        .collect();
    let has_records = api
        .models
        .iter()
        .any(|m| matches!(m, Model::Struct(s) if !s.fields.is_empty()));
    let has_int_enums = api
        .models
        .iter()
        .any(|m| matches!(m, Model::Enum(e) if e.repr == EnumRepr::Int));
    let write_field = has_records.then(|| {
        let wire = ctx.name("practice_core::wire");
        quote! {
            /// Writes one named field of a record: the text as sent when it deviated from its
            /// type, else its value when present, `null` when it arrived as `null`, nothing
            /// when it was absent.
            fn write_field<M: serde::ser::SerializeMap, T: serde::Serialize>(
                map: &mut M,
                nulls: &#wire::ExplicitNulls,
                deviations: &#wire::Deviations,
                name: &'static str,
                value: Option<T>,
            ) -> Result<(), M::Error> {
                if let Some(raw) = deviations.raw(name) {
                    return map.serialize_entry(name, raw);
                }
                match value {
                    Some(value) => map.serialize_entry(name, &value),
                    None if nulls.contains(name) => map.serialize_entry(name, &()),
                    None => Ok(()),
                }
            }
        }
    });
    let code_visitor = has_int_enums.then(|| {
        let wire = ctx.name("practice_core::wire");
        let fmt = ctx.name("std::fmt");
        quote! {
            /// Reads the code of an integer enumeration, also when sent as a string of digits.
            struct CodeVisitor;

            impl serde::de::Visitor<'_> for CodeVisitor {
                type Value = i64;

                fn expecting(&self, f: &mut #fmt::Formatter<'_>) -> #fmt::Result {
                    f.write_str("an integer code")
                }

                fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<i64, E> {
                    Ok(value)
                }

                fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<i64, E> {
                    i64::try_from(value).map_err(|_| E::custom("an integer code out of range"))
                }

                fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<i64, E> {
                    #wire::parse_int(value)
                        .ok_or_else(|| E::custom("expected an integer code"))
                }
            }
        }
    });
    let uses = uses.tokens();
    quote! {
        #inner_doc
        #uses
        #(#items)*
        #write_field
        #code_visitor
    }
}

fn alias(a: &AliasModel, ctx: Ctx) -> TokenStream {
    let doc = a.doc.tokens();
    let name = format_ident!("{}", a.name);
    let ty = types::rust(&a.ty, ctx);
    quote! {
        #doc
        pub type #name = #ty;
    }
}

fn record(s: &StructModel, ctx: Ctx) -> TokenStream {
    let wire = ctx.name("practice_core::wire");
    let fmt = ctx.name("std::fmt");
    let raw_value = ctx.name("practice_core::serde_json::value::RawValue");
    let field_key = quote!(#wire::FieldKey);
    let doc = s.doc.tokens();
    let name = format_ident!("{}", s.name);
    let expecting = format!("a `{}` object", s.name);
    let visitor = format_ident!("{}Visitor", s.name);

    let fields = s.fields.iter().map(|f| {
        let doc = f.doc.tokens();
        let ident = names::ident(&f.rust);
        let ty = types::rust(&f.ty, ctx);
        quote! {
            #doc
            pub #ident: Option<#ty>,
        }
    });

    let writes = s.fields.iter().map(|f| {
        let ident = names::ident(&f.rust);
        let wire = &f.wire;
        let value = if matches!(f.ty, Ty::Secret) {
            // `Secret` is not `Serialize`: a record written back out carries its tokens.
            quote!(self.#ident.as_ref().map(|secret| secret.expose()))
        } else if types::needs_adapter(&f.ty) {
            let map = types::ser_fn(&f.ty, ctx);
            quote!(self.#ident.as_ref().map(#map))
        } else {
            quote!(self.#ident.as_ref())
        };
        quote! {
            write_field(&mut map, nulls, devs, #wire, #value)?;
        }
    });

    let reads = s.fields.iter().map(|f| {
        let ident = names::ident(&f.rust);
        let wire_name = &f.wire;
        let reader = types::reader(&f.ty, ctx);
        quote! {
            #wire_name => {
                let raw = map.next_value::<&'de #raw_value>()?;
                out.#ident = out.deviations.read(#wire_name, raw, &mut out.explicit_nulls, #reader);
            }
        }
    });
    let wire_names = s.fields.iter().map(|f| &f.wire);
    let table_columns: Vec<&String> = if s.table_columns.is_empty() {
        s.fields.iter().map(|f| &f.wire).collect()
    } else {
        s.table_columns.iter().collect()
    };

    quote! {
        #doc
        #[derive(Debug, Clone, Default, PartialEq)]
        #[non_exhaustive]
        pub struct #name {
            #(#fields)*
            /// Fields the spec does not name, kept exactly as received.
            pub unknown_fields: #wire::UnknownFields,
            /// Which named fields arrived as `null` rather than absent.
            explicit_nulls: #wire::ExplicitNulls,
            /// Named fields whose value did not match their type, kept as sent.
            deviations: #wire::Deviations,
        }

        impl #name {
            /// The wire names of the documented fields, in spec order.
            pub const FIELDS: &'static [&'static str] = &[#(#wire_names),*];

            /// The fields a table shows by default, in this order: the spec's
            /// `x-table-columns`, or every documented field when it names none.
            pub const TABLE_FIELDS: &'static [&'static str] = &[#(#table_columns),*];

            /// The fields whose value did not match their documented type or format, each
            /// kept exactly as sent (and written back so).
            pub fn deviations(&self) -> &#wire::Deviations {
                &self.deviations
            }
        }

        impl #wire::Deviating for #name {
            fn deviations(&self) -> &#wire::Deviations {
                &self.deviations
            }
        }

        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap as _;
                let mut map = serializer.serialize_map(None)?;
                let nulls = &self.explicit_nulls;
                let devs = &self.deviations;
                #(#writes)*
                self.unknown_fields.serialize_into(&mut map)?;
                map.end()
            }
        }

        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct #visitor;

                impl<'de> serde::de::Visitor<'de> for #visitor {
                    type Value = #name;

                    fn expecting(&self, f: &mut #fmt::Formatter<'_>) -> #fmt::Result {
                        f.write_str(#expecting)
                    }

                    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<#name, A::Error> {
                        let mut out = #name::default();
                        while let Some(key) = map.next_key::<#field_key<'de>>()? {
                            match key.as_str() {
                                #(#reads)*
                                _ => {
                                    let raw = map.next_value::<Box<#raw_value>>()?;
                                    out.unknown_fields.insert(key.into_owned(), raw);
                                }
                            }
                        }
                        Ok(out)
                    }
                }

                deserializer.deserialize_map(#visitor)
            }
        }
    }
}

fn enumeration(e: &EnumModel, ctx: Ctx) -> TokenStream {
    let fmt = ctx.name("std::fmt");
    let doc = e.doc.tokens();
    let name = format_ident!("{}", e.name);
    let idents: Vec<_> = e
        .variants
        .iter()
        .map(|v| format_ident!("{}", v.name))
        .collect();
    let labels: Vec<&str> = e.variants.iter().map(|v| v.label.as_str()).collect();
    match e.repr {
        EnumRepr::Int => {
            let codes: Vec<i64> = e
                .variants
                .iter()
                .map(|v| match v.value {
                    EnumValue::Int(code) => code,
                    EnumValue::Str(_) => 0,
                })
                .collect();
            let docs: Vec<TokenStream> = e
                .variants
                .iter()
                .zip(&codes)
                .map(|(v, code)| {
                    let text = format!(" {code} — {}", v.label);
                    quote!(#[doc = #text])
                })
                .collect();
            let codes: Vec<Literal> = codes.into_iter().map(Literal::i64_unsuffixed).collect();
            quote! {
                #doc
                #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
                #[non_exhaustive]
                pub enum #name {
                    #(
                        #docs
                        #idents,
                    )*
                    /// A value this version does not know, kept as sent.
                    Unknown(i64),
                }

                impl #name {
                    /// The code on the wire.
                    pub fn code(self) -> i64 {
                        match self {
                            #(Self::#idents => #codes,)*
                            Self::Unknown(code) => code,
                        }
                    }

                    /// The value of a wire code; a code this version does not know becomes
                    /// [`Self::Unknown`].
                    pub fn from_code(code: i64) -> Self {
                        match code {
                            #(#codes => Self::#idents,)*
                            other => Self::Unknown(other),
                        }
                    }
                }

                impl #fmt::Display for #name {
                    fn fmt(&self, f: &mut #fmt::Formatter<'_>) -> #fmt::Result {
                        match self {
                            #(Self::#idents => f.write_str(#labels),)*
                            Self::Unknown(code) => write!(f, "unknown ({code})"),
                        }
                    }
                }

                impl serde::Serialize for #name {
                    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                        serializer.serialize_i64(self.code())
                    }
                }

                impl<'de> serde::Deserialize<'de> for #name {
                    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                        deserializer.deserialize_any(CodeVisitor).map(Self::from_code)
                    }
                }
            }
        }
        EnumRepr::Str => {
            let values: Vec<&str> = e
                .variants
                .iter()
                .map(|v| match &v.value {
                    EnumValue::Str(s) => s.as_str(),
                    EnumValue::Int(_) => "",
                })
                .collect();
            let docs = e.variants.iter().zip(&values).map(|(v, value)| {
                let text = if v.label == *value {
                    format!(" `{value}`")
                } else {
                    format!(" `{value}` — {}", v.label)
                };
                quote!(#[doc = #text])
            });
            quote! {
                #doc
                #[derive(Debug, Clone, PartialEq, Eq, Hash)]
                #[non_exhaustive]
                pub enum #name {
                    #(
                        #docs
                        #idents,
                    )*
                    /// A value this version does not know, kept as sent.
                    Unknown(String),
                }

                impl #name {
                    /// The text on the wire.
                    pub fn as_str(&self) -> &str {
                        match self {
                            #(Self::#idents => #values,)*
                            Self::Unknown(text) => text,
                        }
                    }
                }

                impl From<&str> for #name {
                    fn from(text: &str) -> Self {
                        match text {
                            #(#values => Self::#idents,)*
                            other => Self::Unknown(other.to_owned()),
                        }
                    }
                }

                impl #fmt::Display for #name {
                    fn fmt(&self, f: &mut #fmt::Formatter<'_>) -> #fmt::Result {
                        f.write_str(self.as_str())
                    }
                }

                impl serde::Serialize for #name {
                    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                        serializer.serialize_str(self.as_str())
                    }
                }

                impl<'de> serde::Deserialize<'de> for #name {
                    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                        <String as serde::Deserialize>::deserialize(deserializer)
                            .map(|text| Self::from(text.as_str()))
                    }
                }
            }
        }
    }
}
