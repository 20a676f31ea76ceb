//! Turning parse failures into [`Error`]s that say where.
//!
//! YAML is read into a document tree by [`yaml`], which knows the line and column of a
//! syntax error; a tree that does not fit its type gives the field's path, which
//! [`yaml_path`] finds in the text. serde_json knows the line and column of a failure,
//! and [`json_path`] reads the field path off the text at that place. This module joins
//! them and rewrites messages so that they name fields and JSON/YAML kinds, not Rust
//! types.

pub(crate) mod json_path;
pub(crate) mod json_pointer;
mod object;
pub(crate) mod read;
pub(crate) mod tree;
pub(crate) mod unique;
pub(crate) mod yaml;
pub(crate) mod yaml_path;

use serde::de::DeserializeOwned;

use crate::codes::Code;
use crate::error::{Error, Location, Result};

pub(crate) use object::{object, object_map, objects, optional_object, ObjectOnly};

/// Parses YAML text into `T`, through a [`tree::Node`] (see [`tree`] for why). A text
/// that is not YAML at all gives `YAML_SYNTAX`; one that is YAML but does not fit `T`
/// gives `invalid_code`, naming the field and, where the text shows it, its line:column.
pub(crate) fn from_yaml<T: read::FromTree>(text: &str, invalid_code: Code) -> Result<T> {
    let node = yaml::parse(text)
        .map_err(|error| Error::new(Code::YamlSyntax, error.message).at(error.location))?;
    if matches!(node, tree::Node::Null) {
        // serde would say "invalid type: unit value": say what the author did instead.
        return Err(Error::new(
            invalid_code,
            "the document is empty (or `~`): expected a mapping",
        )
        .at(Some(Location { line: 1, column: 1 })));
    }
    T::from_tree(&node).map_err(|error| {
        let path = error.path();
        let location = match error.bad_key() {
            Some(bad) => yaml_path::locate_key(text, &path, &bad.key, bad.occurrence),
            None => yaml_path::locate_steps(text, &path),
        }
        // An error about the document as a whole (a list where a mapping belongs)
        // points at its start.
        .or_else(|| path.is_empty().then_some(Location { line: 1, column: 1 }));
        misfit(&error, invalid_code).at(location)
    })
}

/// Parses JSON text into `T` through a [`tree::Node`], as [`from_yaml`] does: for
/// texts known to be valid (the embedded policy), so that `T` is read by the tree's
/// code alone. Errors name the field, without a location.
pub(crate) fn from_json_tree<T: read::FromTree>(text: &str, invalid_code: Code) -> Result<T> {
    let node: tree::Node = from_json(text, Code::JsonSyntax)?;
    T::from_tree(&node).map_err(|error| misfit(&error, invalid_code))
}

/// A document that parsed but does not fit its type: `invalid_code`, naming the field.
fn misfit(error: &tree::TreeError, invalid_code: Code) -> Error {
    Error::new(invalid_code, humanize(error.message())).in_field(error.field())
}

/// Parses JSON text into `T`, naming the field path of a type error.
pub(crate) fn from_json<T: DeserializeOwned>(text: &str, invalid_code: Code) -> Result<T> {
    parse_json(text).map_err(|failure| json_error(&failure, invalid_code))
}

/// Parses a JSON object into the struct `T`, as [`from_json`] does; anything but an
/// object (an array above all: see [`ObjectOnly`]) is refused, naming its type.
pub(crate) fn from_json_object<T: DeserializeOwned>(text: &str, invalid_code: Code) -> Result<T> {
    parse_json_with(text, |deserializer| {
        T::deserialize(ObjectOnly(deserializer))
    })
    .map_err(|failure| json_error(&failure, invalid_code))
}

/// Parses a JSON object value into the struct `T`, as [`from_json_object`] parses text.
/// Only a value that does not fit is written out as text and parsed again, so that the
/// error names the field as [`from_json_object`] does; the error has no location, the
/// value having no text of its own.
pub(crate) fn from_json_object_value<T: DeserializeOwned>(
    value: &serde_json::Value,
    invalid_code: Code,
) -> Result<T> {
    match T::deserialize(ObjectOnly(value)) {
        Ok(parsed) => Ok(parsed),
        Err(_) => {
            from_json_object(&value.to_string(), invalid_code).map_err(Error::without_location)
        }
    }
}

/// A JSON text that did not parse into the wanted type: what went wrong, where, and
/// the field it concerns (empty for syntax errors and for the document itself).
pub(crate) struct JsonFailure {
    /// serde_json's message, without its position.
    pub(crate) message: String,
    /// The text is not JSON (otherwise it is JSON of the wrong shape).
    pub(crate) is_syntax: bool,
    pub(crate) location: Option<Location>,
    pub(crate) field: json_path::FieldPath,
}

/// Parses JSON text into `T`; on failure, finds the field at the failure's position.
pub(crate) fn parse_json<T: DeserializeOwned>(text: &str) -> std::result::Result<T, JsonFailure> {
    parse_json_with(text, |deserializer| T::deserialize(deserializer))
}

/// Parses JSON text with `read`, as [`parse_json`] does.
fn parse_json_with<'de, T>(
    text: &'de str,
    read: impl FnOnce(
        &mut serde_json::Deserializer<serde_json::de::StrRead<'de>>,
    ) -> std::result::Result<T, serde_json::Error>,
) -> std::result::Result<T, JsonFailure> {
    let failure = |error: serde_json::Error| {
        let offset = json_path::offset_of(text, error.line(), error.column());
        let message = without_position(&error);
        let is_syntax = !matches!(error.classify(), serde_json::error::Category::Data);
        let location = (error.line() > 0).then(|| Location {
            line: error.line(),
            column: error.column().max(1),
        });
        if is_syntax {
            if let Some(mistyped) = mistyped_name(text, offset, &message) {
                return mistyped;
            }
        }
        JsonFailure {
            message,
            is_syntax,
            location,
            field: if is_syntax {
                json_path::FieldPath::default()
            } else {
                json_path::field_at(text, offset)
            },
        }
    };
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = read(&mut deserializer).map_err(failure)?;
    // Trailing characters after the document are a syntax error too.
    deserializer.end().map_err(failure)?;
    Ok(value)
}

/// serde_json reads a name from a list (an enum of names, such as a mode) by peeking
/// at the value, and calls a value that is neither text nor an object of one key a
/// syntax error, "expected value", in a document that is valid JSON. That is the
/// value's type being wrong, and is reported as such, at the value:
/// `invalid type: integer `5`, expected a string`.
#[cold]
fn mistyped_name(text: &str, offset: usize, message: &str) -> Option<JsonFailure> {
    if message != "expected value" || serde_json::from_str::<serde::de::IgnoredAny>(text).is_err() {
        return None;
    }
    // serde_json counts the byte it peeked at as read: the value starts one before.
    let field = json_path::field_at(text, offset.saturating_sub(1));
    let value_start = json_pointer::value_offset(text, &field.pointer())?;
    let mut at_value = serde_json::Deserializer::from_str(text.get(value_start..)?);
    match <String as serde::Deserialize>::deserialize(&mut at_value) {
        Err(error) if matches!(error.classify(), serde_json::error::Category::Data) => {
            Some(JsonFailure {
                message: without_position(&error),
                is_syntax: false,
                location: Some(Location::of_offset(text, value_start)),
                field,
            })
        }
        _ => None,
    }
}

fn json_error(failure: &JsonFailure, invalid_code: Code) -> Error {
    let code = if failure.is_syntax {
        Code::JsonSyntax
    } else {
        invalid_code
    };
    Error::new(code, humanize(&failure.message))
        .at(failure.location)
        .in_field(failure.field.to_string())
}

/// A serde_json message without the " at line L column C" it appends.
pub(crate) fn without_position(error: &impl std::fmt::Display) -> String {
    let mut rendered = error.to_string();
    if let Some(index) = rendered.rfind(" at line ") {
        rendered.truncate(index);
    }
    rendered
}

/// Parses JSON text into a generic value, with `JSON_SYNTAX` and a location on failure.
pub(crate) fn json_value(text: &str) -> Result<serde_json::Value> {
    from_json::<serde_json::Value>(text, Code::JsonSyntax)
}

/// Rewrites serde's Rust-flavoured wording ("struct Thresholds", "f64") into the
/// vocabulary of the YAML/JSON the user wrote.
fn humanize(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut words = message.split(' ').peekable();
    let mut first = true;
    while let Some(word) = words.next() {
        let replacement = match word {
            "struct" | "enum" if words.peek().is_some() => {
                let _type_name = words.next();
                if word == "struct" {
                    "a mapping"
                } else {
                    "one of the allowed values"
                }
            }
            "f64" | "f64," | "f32" => "a number",
            "u32" | "u64" | "usize" | "u16" | "u8" | "i64" => "a whole number",
            "map" => "a mapping",
            other => other,
        };
        if !first {
            out.push(' ');
        }
        first = false;
        out.push_str(replacement);
        if word == "f64," {
            out.push(',');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        #[allow(dead_code)]
        inner: Inner,
    }
    read::read_struct!(Outer, Deny { inner: required });

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        #[allow(dead_code)]
        x: f64,
    }
    read::read_struct!(Inner, Deny { x: required });

    #[derive(serde::Deserialize, Debug)]
    #[serde(rename_all = "snake_case")]
    enum Color {
        Red,
        Green,
    }

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Paint {
        color: Color,
        #[serde(default)]
        shades: Vec<Color>,
    }

    /// serde_json calls a name given as another kind of value a syntax error in valid
    /// JSON; it is the value's type, at the value.
    #[test]
    fn a_name_of_the_wrong_type_is_a_type_error_at_the_value() {
        for (text, code, expected) in [
            (
                r#"{"color": 5}"#,
                Code::RequestInvalid,
                "1:11: field `color`: invalid type: integer `5`, expected a string",
            ),
            (
                "{\n  \"color\": \"red\",\n  \"shades\": [\"green\", null]\n}",
                Code::RequestInvalid,
                "3:23: field `shades[1]`: invalid type: null, expected a string",
            ),
            (
                r#"{"color": {}}"#,
                Code::RequestInvalid,
                "1:11: field `color`: invalid type: map, expected a string",
            ),
            (
                r#"{"color": "blue"}"#,
                Code::RequestInvalid,
                "1:16: field `color`: unknown variant `blue`, expected `red` or `green`",
            ),
            // Not JSON: still a syntax error.
            (r#"{"color": }"#, Code::JsonSyntax, "1:11: expected value"),
            (r#"{"color": 5"#, Code::JsonSyntax, "1:11: expected value"),
        ] {
            let error = from_json::<Paint>(text, Code::RequestInvalid).unwrap_err();
            assert_eq!(error.code(), code, "{text}");
            assert_eq!(error.to_string(), expected, "{text}");
        }
    }

    #[test]
    fn yaml_type_error_names_field_and_location() {
        let error = from_yaml::<Outer>("inner:\n  x: hello\n", Code::PolicyInvalid).unwrap_err();
        assert_eq!(error.code(), Code::PolicyInvalid);
        assert_eq!(error.field(), Some("inner.x"));
        assert_eq!(error.location(), Some(Location { line: 2, column: 6 }));
        assert_eq!(
            error.message(),
            "invalid type: string \"hello\", expected a number"
        );
    }

    #[test]
    fn an_empty_document_says_so_at_its_start() {
        for text in ["", "~\n", "# only a comment\n", "null"] {
            let error = from_yaml::<Outer>(text, Code::PolicyInvalid).unwrap_err();
            assert_eq!(error.code(), Code::PolicyInvalid, "{text:?}");
            assert_eq!(
                error.to_string(),
                "1:1: the document is empty (or `~`): expected a mapping",
                "{text:?}"
            );
        }
        let error = from_yaml::<Outer>("- inner\n", Code::PolicyInvalid).unwrap_err();
        assert_eq!(error.location(), Some(Location { line: 1, column: 1 }));
    }

    #[test]
    fn yaml_syntax_error_reports_the_parse_failure() {
        let error = from_yaml::<Outer>("inner: [\n", Code::PolicyInvalid).unwrap_err();
        assert_eq!(error.code(), Code::YamlSyntax);
        assert!(
            !error.message().contains("invalid type"),
            "{}",
            error.message()
        );
    }

    #[test]
    fn yaml_syntax_error_is_syntax() {
        let error = from_yaml::<Outer>("inner: [1, 2\n", Code::PolicyInvalid).unwrap_err();
        assert_eq!(error.code(), Code::YamlSyntax);
        assert!(error.location().is_some());
    }

    #[test]
    fn json_error_names_path() {
        let error =
            from_json::<Outer>("{\"inner\": {\"x\": \"s\"}}", Code::RequestInvalid).unwrap_err();
        assert_eq!(error.code(), Code::RequestInvalid);
        assert_eq!(error.field(), Some("inner.x"));
        assert_eq!(
            error.location(),
            Some(Location {
                line: 1,
                column: 19
            })
        );
        let error = from_json::<Outer>("{\"inner\": ", Code::RequestInvalid).unwrap_err();
        assert_eq!(error.code(), Code::JsonSyntax);
        let error =
            from_json::<Outer>("{\"inner\": {\"x\": 1}} x", Code::RequestInvalid).unwrap_err();
        assert_eq!(error.code(), Code::JsonSyntax);
    }
}
