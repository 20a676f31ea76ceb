//! The jsonschema backend (the `jsonschema` feature): its errors as [`Failure`]s.

use std::borrow::Cow;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};
use serde_json::Value;

use super::{Failure, Kind, INSTANCE_PLACEHOLDER};

/// Compiles `schema` as draft-07 with `format` asserted, without any resolver (jsonschema
/// is built with its default features off), so nothing is fetched.
pub(super) fn compile(schema: &Value) -> Result<Validator, String> {
    jsonschema::draft7::options()
        .should_validate_formats(true)
        .build(schema)
        .map_err(|error| error.to_string())
}

/// Every error jsonschema reports for `value`, in its order.
pub(super) fn failures<'a>(validator: &Validator, value: &'a Value) -> Vec<Failure<'a>> {
    // Nearly every document is valid: the short-circuiting check is the fast path.
    if validator.is_valid(value) {
        return Vec::new();
    }
    validator
        .iter_errors(value)
        .map(|error| failure(&error))
        .collect()
}

/// Owns its instance: jsonschema's errors borrow the validator as well as the value.
fn failure<'a>(error: &ValidationError<'_>) -> Failure<'a> {
    let kind = match error.kind() {
        ValidationErrorKind::Required { property } => Kind::Required {
            property: property
                .as_str()
                .map_or_else(|| property.to_string(), str::to_owned),
        },
        ValidationErrorKind::Enum { options } => Kind::Enum {
            options: Value::clone(options),
        },
        ValidationErrorKind::Type { kind } => Kind::Type {
            types: match kind {
                TypeKind::Single(json_type) => vec![json_type.to_string()],
                TypeKind::Multiple(types) => types.iter().map(|t| t.to_string()).collect(),
            },
        },
        ValidationErrorKind::Format { format } => Kind::Format {
            format: format.clone(),
        },
        ValidationErrorKind::Minimum { limit } => Kind::Minimum {
            limit: limit.clone(),
        },
        ValidationErrorKind::Maximum { limit } => Kind::Maximum {
            limit: limit.clone(),
        },
        ValidationErrorKind::MinLength { limit } => Kind::MinLength { limit: *limit },
        ValidationErrorKind::MaxLength { limit } => Kind::MaxLength { limit: *limit },
        ValidationErrorKind::MaxItems { limit } => Kind::MaxItems { limit: *limit },
        ValidationErrorKind::AdditionalProperties { unexpected } => Kind::AdditionalProperties {
            unexpected: unexpected.clone(),
        },
        other => Kind::Other {
            keyword: other.keyword().to_owned(),
            message: error.to_string(),
            masked: error.masked_with(INSTANCE_PLACEHOLDER).to_string(),
        },
    };
    Failure {
        instance_path: error.instance_path().as_str().to_owned(),
        instance: Cow::Owned(Value::clone(error.instance())),
        kind,
    }
}
