//! JSON Schema validation of the two schemas deskguard ships (`policies/agentaz.schema.json`
//! for contracts, `policies/decision.schema.json` for model decisions).
//!
//! Two backends produce the same [`Failure`]s in the same order:
//!
//! - with the `jsonschema` feature (on by default, so the CLI and the Rust crate use it),
//!   the [jsonschema](https://docs.rs/jsonschema) crate, draft-07, formats asserted;
//! - without it (the WebAssembly build), a small built-in draft-07 validator
//!   ([`builtin`]) that knows exactly the keywords the shipped schemas use. jsonschema and
//!   its dependencies are about 800 KB of the module's code; the built-in validator is a
//!   few KB.
//!
//! A test compiles both shipped schemas with the built-in validator, so a schema edit
//! that needs an unsupported keyword fails `cargo test`, and a differential test runs both
//! backends over the AgentAz registry, every decision in the fixtures and thousands of
//! mutated documents, comparing pointer, keyword and message.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde_json::Value;

#[cfg(any(test, not(feature = "jsonschema")))]
pub(crate) mod builtin;
#[cfg(feature = "jsonschema")]
mod external;
#[cfg(all(test, feature = "jsonschema"))]
mod tests;

/// Stands for the offending value in [`Kind::Other`]'s `masked` message.
#[cfg(feature = "jsonschema")]
pub(crate) const INSTANCE_PLACEHOLDER: &str = "\u{0}instance\u{0}";

/// A compiled schema: compile once, validate many.
pub(crate) struct Schema {
    #[cfg(feature = "jsonschema")]
    inner: jsonschema::Validator,
    #[cfg(not(feature = "jsonschema"))]
    inner: builtin::Schema,
}

impl Schema {
    /// Compiles a draft-07 schema given as JSON text, with `format` asserted.
    ///
    /// # Errors
    ///
    /// The text is not JSON, or not a schema this backend can compile.
    pub(crate) fn compile(text: &str) -> Result<Schema, String> {
        let schema: Value = serde_json::from_str(text).map_err(|error| error.to_string())?;
        #[cfg(feature = "jsonschema")]
        let inner = external::compile(&schema)?;
        #[cfg(not(feature = "jsonschema"))]
        let inner = builtin::Schema::compile(&schema)?;
        Ok(Schema { inner })
    }

    /// Every failure of `value`, in the order jsonschema reports them.
    pub(crate) fn failures<'a>(&self, value: &'a Value) -> Vec<Failure<'a>> {
        #[cfg(feature = "jsonschema")]
        return external::failures(&self.inner, value);
        #[cfg(not(feature = "jsonschema"))]
        return self.inner.failures(value);
    }
}

/// One way a document fails its schema.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Failure<'a> {
    /// JSON Pointer of the value the keyword checked (for `required` and
    /// `additionalProperties`, the object).
    pub(crate) instance_path: String,
    /// That value.
    pub(crate) instance: Cow<'a, Value>,
    /// What is wrong with it.
    pub(crate) kind: Kind,
}

/// What a [`Failure`] is about, with the keyword's data.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    /// A required member is missing.
    Required { property: String },
    /// The value is none of the allowed ones (`options` is the schema's array).
    Enum { options: Value },
    /// The value has the wrong JSON type (`types` in the schema's spelling).
    Type { types: Vec<String> },
    /// A string does not match a `format`.
    Format { format: String },
    /// A number is below `minimum`.
    Minimum { limit: Value },
    /// A number is above `maximum`.
    Maximum { limit: Value },
    /// A string has fewer characters than `minLength`.
    MinLength { limit: u64 },
    /// A string has more characters than `maxLength`.
    MaxLength { limit: u64 },
    /// An array has more items than `maxItems`.
    MaxItems { limit: u64 },
    /// Members `additionalProperties: false` does not allow.
    AdditionalProperties { unexpected: Vec<String> },
    /// Any other keyword (only the jsonschema backend; the shipped schemas use none):
    /// jsonschema's message, and the same with the value replaced by
    /// [`INSTANCE_PLACEHOLDER`].
    #[cfg(feature = "jsonschema")]
    Other {
        keyword: String,
        message: String,
        masked: String,
    },
}

impl Failure<'_> {
    /// The schema keyword that failed, as jsonschema's `keyword()` names it.
    pub(crate) fn keyword(&self) -> &str {
        match &self.kind {
            Kind::Required { .. } => "required",
            Kind::Enum { .. } => "enum",
            Kind::Type { .. } => "type",
            Kind::Format { .. } => "format",
            Kind::Minimum { .. } => "minimum",
            Kind::Maximum { .. } => "maximum",
            Kind::MinLength { .. } => "minLength",
            Kind::MaxLength { .. } => "maxLength",
            Kind::MaxItems { .. } => "maxItems",
            Kind::AdditionalProperties { .. } => "additionalProperties",
            #[cfg(feature = "jsonschema")]
            Kind::Other { keyword, .. } => keyword,
        }
    }

    /// The message in jsonschema's wording (its `Display`), byte for byte.
    pub(crate) fn message(&self) -> String {
        self.render(None)
    }

    /// The message with the offending value shown as `placeholder` (jsonschema's
    /// `masked_with`).
    pub(crate) fn masked_with(&self, placeholder: &str) -> String {
        self.render(Some(placeholder))
    }

    /// The message, with the value shown as JSON or as `placeholder`.
    fn render(&self, placeholder: Option<&str>) -> String {
        let shown;
        let instance = match placeholder {
            Some(placeholder) => placeholder,
            None => {
                shown = self.instance.to_string();
                shown.as_str()
            }
        };
        match &self.kind {
            Kind::Required { property } => {
                format!("{} is a required property", Value::String(property.clone()))
            }
            Kind::Enum { options } => enum_message(instance, options),
            Kind::Type { types } => match types.as_slice() {
                [single] => format!(r#"{instance} is not of type "{single}""#),
                several => {
                    let quoted: Vec<String> = several.iter().map(|t| format!("\"{t}\"")).collect();
                    format!("{instance} is not of types {}", quoted.join(", "))
                }
            },
            Kind::Format { format } => format!(r#"{instance} is not a "{format}""#),
            Kind::Minimum { limit } => format!("{instance} is less than the minimum of {limit}"),
            Kind::Maximum { limit } => {
                format!("{instance} is greater than the maximum of {limit}")
            }
            Kind::MinLength { limit } => {
                format!(
                    "{instance} is shorter than {limit} character{}",
                    plural(*limit)
                )
            }
            Kind::MaxLength { limit } => {
                format!(
                    "{instance} is longer than {limit} character{}",
                    plural(*limit)
                )
            }
            Kind::MaxItems { limit } => {
                format!("{instance} has more than {limit} item{}", plural(*limit))
            }
            Kind::AdditionalProperties { unexpected } => {
                let quoted: Vec<String> =
                    unexpected.iter().map(|name| format!("'{name}'")).collect();
                let verb = if unexpected.len() == 1 { "was" } else { "were" };
                format!(
                    "Additional properties are not allowed ({} {verb} unexpected)",
                    quoted.join(", ")
                )
            }
            #[cfg(feature = "jsonschema")]
            Kind::Other {
                message, masked, ..
            } => match placeholder {
                Some(placeholder) => masked.replace(INSTANCE_PLACEHOLDER, placeholder),
                None => message.clone(),
            },
        }
    }
}

fn plural(count: u64) -> &'static str {
    if count == 1 {
        ""
    } else {
        "s"
    }
}

/// jsonschema's enum message: up to three options as `a, b or c`, else the first two
/// and how many others.
fn enum_message(instance: &str, options: &Value) -> String {
    const SHOWN: usize = 3;
    let mut out = format!("{instance} is not one of ");
    let items: &[Value] = options.as_array().map_or(&[], Vec::as_slice);
    let total = items.len();
    if total <= SHOWN {
        for (index, option) in items.iter().enumerate() {
            let _ = match index {
                0 => write!(out, "{option}"),
                last if last + 1 == total => write!(out, " or {option}"),
                _ => write!(out, ", {option}"),
            };
        }
    } else {
        for (index, option) in items.iter().take(SHOWN - 1).enumerate() {
            let _ = match index {
                0 => write!(out, "{option}"),
                _ => write!(out, ", {option}"),
            };
        }
        let _ = write!(out, " or {} other candidates", total - (SHOWN - 1));
    }
    out
}
