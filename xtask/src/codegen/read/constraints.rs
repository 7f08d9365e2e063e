//! Client-side checks from a field's constraints: `x-max-digits`, `x-required-with`,
//! `minimum`/`maximum` of integers and `minLength`/`maxLength` of strings, each with the doc
//! note that states it. A constraint that does not fit the field's type is dropped.

use openapiv3::{Schema, SchemaKind, Type};
use serde_json::Value;

use super::super::ir::{Checks, EnumRepr, Ty};
use super::extensions;

/// The checks of a field of type `ty`. `ext` looks an extension up where the field's own
/// extensions say; `inline` is the field's schema when it is given inline. Notes for the docs
/// are added to `notes`.
pub fn checks<'v>(
    ty: &Ty,
    ext: impl Fn(&str) -> Option<&'v Value>,
    inline: Option<&Schema>,
    notes: &mut Vec<String>,
) -> Result<Checks, String> {
    let mut checks = Checks::default();
    if let Some(v) = ext("x-max-digits") {
        let digits = extensions::max_digits(v)?;
        checks.max_digits = Some(digits);
        notes.push(format!("At most {digits} digits."));
    }
    if let Some(v) = ext("x-required-with") {
        let other = extensions::required_with(v)?;
        notes.push(format!("Required when `{other}` is given."));
        checks.required_with = Some(other);
    }
    if let Some(s) = inline {
        match &s.schema_kind {
            SchemaKind::Type(Type::Integer(i)) => {
                checks.minimum = i
                    .minimum
                    .map(|m| m.checked_add(i64::from(i.exclusive_minimum)))
                    .map(|m| m.ok_or("`minimum` is out of range"))
                    .transpose()?;
                checks.maximum = i
                    .maximum
                    .map(|m| m.checked_sub(i64::from(i.exclusive_maximum)))
                    .map(|m| m.ok_or("`maximum` is out of range"))
                    .transpose()?;
            }
            SchemaKind::Type(Type::String(st)) => {
                checks.min_length = st.min_length;
                checks.max_length = st.max_length;
            }
            _ => {}
        }
        if let Some(min) = checks.minimum {
            notes.push(format!("At least {min}."));
        }
        if let Some(max) = checks.maximum {
            notes.push(format!("At most {max}."));
        }
        if let Some(max) = checks.max_length {
            notes.push(format!("At most {max} characters."));
        }
    }
    if !matches!(ty, Ty::Int | Ty::Enum(_, EnumRepr::Int)) {
        checks.max_digits = None;
    }
    if !matches!(ty, Ty::Int) {
        checks.minimum = None;
        checks.maximum = None;
    }
    if !matches!(ty, Ty::Str | Ty::Secret) {
        checks.min_length = None;
        checks.max_length = None;
    }
    Ok(checks)
}
