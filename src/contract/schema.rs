//! Validating a contract against the bundled AgentAz JSON Schema.
//!
//! The schema (`policies/agentaz.schema.json`, draft-07) is compiled once per process
//! and reused: compiling is the expensive step, validating a contract against a
//! compiled schema is cheap. It is embedded with `include_str!`, and the validator is
//! built without any resolver, so loading a contract never touches the network or the
//! file system (jsonschema is built with its default features off).
//!
//! A failing contract usually fails in several places at once. Only one failure is
//! reported, and always the same one for the same document, whatever order the
//! validator happens to visit keywords in: the failure whose instance path sorts first
//! (segment by segment, array indexes numerically), then by keyword and message. Root
//! `required` failures therefore come first. The message is rewritten in deskguard's
//! style (lowercase, one line, user input in backticks), the path becomes the error's
//! field (`tool_boundary.allowed_tools[2]`), and, when the source text is known, the
//! JSON Pointer is mapped back to `line:column`.
//!
//! Validation itself is [`crate::schema`]'s: jsonschema natively, a built-in validator
//! in the WebAssembly build, with identical failures.

use std::cmp::Ordering;
use std::sync::OnceLock;

use serde_json::Value;

use crate::codes::Code;
use crate::error::{Error, Result};
use crate::schema::{self, Kind, Schema};
use crate::source::json_pointer;

/// The AgentAz JSON Schema, as shipped in `policies/`.
pub(crate) const SCHEMA_TEXT: &str = include_str!("../../policies/agentaz.schema.json");

/// The longest rendering of a user value inside a message, in characters.
const MAX_VALUE_CHARS: usize = 60;

/// The compiled schema, built on first use and shared by every thread after that.
fn validator() -> Result<&'static Schema> {
    static VALIDATOR: OnceLock<Result<Schema, String>> = OnceLock::new();
    VALIDATOR
        .get_or_init(|| Schema::compile(SCHEMA_TEXT))
        .as_ref()
        .map_err(|message| {
            Error::new(
                Code::InternalError,
                format!("the bundled contract schema does not compile: {message}"),
            )
        })
}

/// One schema failure, reduced to what the report needs.
struct Failure {
    /// JSON Pointer of the offending value; for `required`, of the missing member.
    pointer: String,
    /// JSON Pointer of a value that exists in the document (the parent, for `required`).
    anchor: String,
    keyword: String,
    message: String,
}

impl Failure {
    fn new(failure: &schema::Failure<'_>) -> Failure {
        let anchor = failure.instance_path.clone();
        let pointer = match &failure.kind {
            Kind::Required { property } => {
                format!("{anchor}/{}", json_pointer::escape_token(property))
            }
            _ => anchor.clone(),
        };
        Failure {
            pointer,
            anchor,
            keyword: failure.keyword().to_owned(),
            message: describe(failure),
        }
    }

    fn sort_key(&self) -> (&str, &str, &str) {
        (&self.pointer, &self.keyword, &self.message)
    }

    fn precedes(&self, other: &Failure) -> bool {
        let (pointer, keyword, message) = self.sort_key();
        let (other_pointer, other_keyword, other_message) = other.sort_key();
        compare_pointers(pointer, other_pointer)
            .then_with(|| keyword.cmp(other_keyword))
            .then_with(|| message.cmp(other_message))
            == Ordering::Less
    }
}

/// Checks `value` against the schema. `text`, when given, is the JSON `value` was parsed
/// from, and is used only to attach `line:column` to the error.
///
/// # Errors
///
/// `CONTRACT_SCHEMA` for the first failure (see the module docs for which one), or
/// `INTERNAL_ERROR` if the bundled schema itself does not compile.
pub(crate) fn validate(value: &Value, text: Option<&str>) -> Result<()> {
    let validator = validator()?;
    let mut first: Option<Failure> = None;
    for failure in validator.failures(value) {
        let failure = Failure::new(&failure);
        if first.as_ref().is_none_or(|best| failure.precedes(best)) {
            first = Some(failure);
        }
    }
    let Some(failure) = first else {
        return Ok(());
    };
    let location = text.and_then(|text| json_pointer::locate(text, &failure.anchor));
    Err(Error::new(Code::ContractSchema, failure.message)
        .at(location)
        .in_field(field_path(value, &failure.pointer)))
}

/// Orders JSON Pointers segment by segment, comparing all-digit segments as numbers so
/// that `/a/2` comes before `/a/10`. A prefix comes before its extensions.
fn compare_pointers(left: &str, right: &str) -> Ordering {
    let mut left_segments = left.split('/');
    let mut right_segments = right.split('/');
    loop {
        match (left_segments.next(), right_segments.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(a), Some(b)) => {
                let order = match (a.parse::<u64>(), b.parse::<u64>()) {
                    (Ok(x), Ok(y)) => x.cmp(&y).then_with(|| a.cmp(b)),
                    _ => a.cmp(b),
                };
                if order != Ordering::Equal {
                    return order;
                }
            }
        }
    }
}

/// Turns a JSON Pointer into the dotted field path errors show
/// (`/tool_boundary/allowed_tools/2` into `tool_boundary.allowed_tools[2]`).
///
/// Whether a token is an array index is decided by the value it steps into, not by
/// its spelling, so an object key `"2"` stays `.2`.
pub(crate) fn field_path(root: &Value, pointer: &str) -> String {
    let Some(tokens) = json_pointer::parse_pointer(pointer) else {
        return pointer.to_owned();
    };
    let mut out = String::new();
    let mut current = Some(root);
    for token in &tokens {
        match current {
            Some(Value::Array(items)) => {
                let item = token
                    .parse::<usize>()
                    .ok()
                    .and_then(|index| items.get(index));
                out.push('[');
                out.push_str(token);
                out.push(']');
                current = item;
            }
            other => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(token);
                current = other.and_then(|value| value.get(token.as_str()));
            }
        }
    }
    out
}

/// The message for one failure, in deskguard's style.
fn describe(failure: &schema::Failure<'_>) -> String {
    let instance = &*failure.instance;
    match &failure.kind {
        Kind::Required { .. } => "missing required field".to_owned(),
        Kind::Enum { options } => {
            let allowed = options.as_array().map_or_else(
                || options.to_string(),
                |items| {
                    items
                        .iter()
                        .map(Value::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                },
            );
            format!("{} is not one of {allowed}", quote(instance))
        }
        Kind::Type { types } => {
            let expected = types
                .iter()
                .map(|json_type| with_article(json_type))
                .collect::<Vec<_>>()
                .join(" or ");
            format!("expected {expected}, found {}", quote(instance))
        }
        Kind::Format { format } => {
            format!("{} is not a valid {format}", quote(instance))
        }
        Kind::Minimum { limit } => {
            format!("{} is less than the minimum of {limit}", quote(instance))
        }
        // Keywords the bundled schema does not use: jsonschema's wording, with the value
        // shown in backticks and the first letter lowercased.
        _ => lowercase_first(&failure.masked_with(&quote(instance))),
    }
}

/// A user value as compact JSON in backticks, cut short if long.
fn quote(value: &Value) -> String {
    let rendered = value.to_string();
    if rendered.chars().count() <= MAX_VALUE_CHARS {
        return format!("`{rendered}`");
    }
    let cut: String = rendered.chars().take(MAX_VALUE_CHARS).collect();
    format!("`{cut}...`")
}

fn with_article(json_type: &str) -> String {
    let article = if json_type.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {json_type}")
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_bundled_schema_compiles_once() {
        let first = validator().unwrap() as *const Schema;
        let second = validator().unwrap() as *const Schema;
        assert_eq!(first, second);
    }

    #[test]
    fn pointers_sort_by_segment_with_numeric_indexes() {
        assert_eq!(compare_pointers("", "/a"), Ordering::Less);
        assert_eq!(compare_pointers("/a/2", "/a/10"), Ordering::Less);
        assert_eq!(compare_pointers("/a/10", "/b"), Ordering::Less);
        assert_eq!(compare_pointers("/b", "/a/0"), Ordering::Greater);
        assert_eq!(compare_pointers("/a", "/a"), Ordering::Equal);
    }

    #[test]
    fn field_paths_follow_the_value() {
        let value = json!({"a": [{"b~/c": 1}], "m": {"2": true}});
        assert_eq!(field_path(&value, ""), "");
        assert_eq!(field_path(&value, "/a/0/b~0~1c"), "a[0].b~/c");
        assert_eq!(field_path(&value, "/m/2"), "m.2");
        assert_eq!(field_path(&value, "/missing/x"), "missing.x");
    }

    #[test]
    fn messages_quote_values_and_cut_long_ones() {
        assert_eq!(quote(&json!("A9")), "`\"A9\"`");
        let long = quote(&json!("x".repeat(100)));
        assert!(long.ends_with("...`"));
        assert_eq!(long.chars().count(), MAX_VALUE_CHARS + 5);
        assert_eq!(with_article("array"), "an array");
        assert_eq!(with_article("string"), "a string");
        assert_eq!(lowercase_first("Additional"), "additional");
    }

    #[test]
    fn the_first_failure_is_deterministic() {
        let value = json!({"trust_level": "A9", "tool_boundary": {"allowed_tools": [1]}});
        let error = validate(&value, None).unwrap_err();
        assert_eq!(error.code(), Code::ContractSchema);
        assert_eq!(error.field(), Some("agent_id"));
        assert_eq!(error.message(), "missing required field");
        assert_eq!(error.location(), None);
    }
}
