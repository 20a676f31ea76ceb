//! A small draft-07 validator for the schemas deskguard ships, used when the `jsonschema`
//! feature is off (the WebAssembly build).
//!
//! It supports exactly what `policies/agentaz.schema.json` and
//! `policies/decision.schema.json` use: `type` (one name), `enum`, `minimum`, `maximum`,
//! `minLength`, `maxLength`, `maxItems`, `required`, `format: date`, `properties`,
//! `additionalProperties` (a boolean), `items` (one schema) and local `$ref`s, plus the
//! annotations (`$schema`, `$id` at the root, `title`, `description`, `definitions`,
//! `default`, `examples`, `$comment`). Anything else is a compile error, so a schema edit
//! that needs more fails the test that compiles the shipped schemas with this module.
//!
//! Failures come in jsonschema's order, which the decision check relies on (it reports
//! the first): within a schema, keywords run by jsonschema's priority (`type`, `enum`,
//! `minimum`, `maximum`, `minLength`, `maxLength`, `maxItems`, `required`, `format`,
//! `properties`, `additionalProperties`, `items`), members in the instance's order, with
//! jsonschema's two fusions reproduced: `{type: "array", items: {..}}` checks type and
//! `maxItems` where `items` runs, and `additionalProperties: false` with `properties`
//! checks members, then the unexpected ones, then a single `required` name.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;

use serde_json::{Map, Number, Value};

use super::{Failure, Kind};
use crate::source::json_pointer;

/// The JSON types `type` may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JsonType {
    Array,
    Boolean,
    Integer,
    Null,
    Number,
    Object,
    String,
}

impl JsonType {
    fn parse(name: &str) -> Option<JsonType> {
        Some(match name {
            "array" => JsonType::Array,
            "boolean" => JsonType::Boolean,
            "integer" => JsonType::Integer,
            "null" => JsonType::Null,
            "number" => JsonType::Number,
            "object" => JsonType::Object,
            "string" => JsonType::String,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            JsonType::Array => "array",
            JsonType::Boolean => "boolean",
            JsonType::Integer => "integer",
            JsonType::Null => "null",
            JsonType::Number => "number",
            JsonType::Object => "object",
            JsonType::String => "string",
        }
    }

    /// Draft-07 semantics: an integer is any number without a fractional part (`1.0` too).
    fn accepts(self, value: &Value) -> bool {
        match (self, value) {
            (JsonType::Array, Value::Array(_))
            | (JsonType::Boolean, Value::Bool(_))
            | (JsonType::Null, Value::Null)
            | (JsonType::Number, Value::Number(_))
            | (JsonType::Object, Value::Object(_))
            | (JsonType::String, Value::String(_)) => true,
            (JsonType::Integer, Value::Number(number)) => {
                number.is_i64()
                    || number.is_u64()
                    || number.as_f64().is_some_and(|float| float.fract() == 0.0)
            }
            _ => false,
        }
    }
}

/// The formats this module asserts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// RFC 3339 `full-date`: `YYYY-MM-DD`, a real calendar day.
    Date,
}

impl Format {
    fn parse(name: &str) -> Option<Format> {
        match name {
            "date" => Some(Format::Date),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Format::Date => "date",
        }
    }

    fn accepts(self, text: &str) -> bool {
        match self {
            Format::Date => is_date(text),
        }
    }
}

/// One compiled (sub)schema. Indexes point into [`Schema::nodes`].
#[derive(Debug, Default)]
struct Node {
    /// `$ref`: the target, and every sibling keyword is ignored (draft-07).
    reference: Option<usize>,
    json_type: Option<JsonType>,
    options: Option<Value>,
    minimum: Option<Number>,
    maximum: Option<Number>,
    min_length: Option<u64>,
    max_length: Option<u64>,
    max_items: Option<u64>,
    required: Vec<String>,
    format: Option<Format>,
    properties: Vec<(String, usize)>,
    /// `additionalProperties: false`.
    closed: bool,
    items: Option<usize>,
}

impl Node {
    /// jsonschema fuses `{type: "array", items: {..}}` (with `minItems`/`maxItems`) into
    /// one validator that runs at `items`' priority.
    fn array_fused(&self) -> bool {
        self.json_type == Some(JsonType::Array) && self.items.is_some()
    }

    /// jsonschema checks a single `required` name inside the closed-object validator.
    fn required_fused(&self) -> bool {
        self.closed && self.required.len() == 1
    }
}

/// A compiled schema.
#[derive(Debug)]
pub(crate) struct Schema {
    nodes: Vec<Node>,
}

impl Schema {
    /// Compiles `root`.
    ///
    /// # Errors
    ///
    /// A keyword, keyword value or `$ref` this module does not support, named with the
    /// schema location.
    pub(crate) fn compile(root: &Value) -> Result<Schema, String> {
        let mut compiler = Compiler {
            root,
            nodes: Vec::new(),
            by_pointer: HashMap::new(),
        };
        compiler.node(root, "", true)?;
        Ok(Schema {
            nodes: compiler.nodes,
        })
    }

    /// Every failure of `value`, in jsonschema's order.
    pub(crate) fn failures<'a>(&self, value: &'a Value) -> Vec<Failure<'a>> {
        let mut out = Vec::new();
        self.check(0, value, &mut String::new(), &mut out);
        out
    }

    fn check<'a>(
        &self,
        index: usize,
        value: &'a Value,
        path: &mut String,
        out: &mut Vec<Failure<'a>>,
    ) {
        let Some(node) = self.nodes.get(index) else {
            return;
        };
        if let Some(target) = node.reference {
            return self.check(target, value, path, out);
        }
        let fail = |kind: Kind, path: &str| Failure {
            instance_path: path.to_owned(),
            instance: Cow::Borrowed(value),
            kind,
        };
        if let Some(json_type) = node.json_type.filter(|_| !node.array_fused()) {
            if !json_type.accepts(value) {
                out.push(fail(type_kind(json_type), path));
            }
        }
        if let Some(options) = &node.options {
            let allowed = options
                .as_array()
                .is_some_and(|items| items.iter().any(|option| equal(option, value)));
            if !allowed {
                out.push(fail(
                    Kind::Enum {
                        options: options.clone(),
                    },
                    path,
                ));
            }
        }
        if let Value::Number(number) = value {
            if let Some(limit) = &node.minimum {
                if compare(number, limit) == Some(std::cmp::Ordering::Less) {
                    let limit = Value::Number(limit.clone());
                    out.push(fail(Kind::Minimum { limit }, path));
                }
            }
            if let Some(limit) = &node.maximum {
                if compare(number, limit) == Some(std::cmp::Ordering::Greater) {
                    let limit = Value::Number(limit.clone());
                    out.push(fail(Kind::Maximum { limit }, path));
                }
            }
        }
        if let Value::String(text) = value {
            let chars = || text.chars().count() as u64;
            if let Some(limit) = node.min_length.filter(|limit| chars() < *limit) {
                out.push(fail(Kind::MinLength { limit }, path));
            }
            if let Some(limit) = node.max_length.filter(|limit| chars() > *limit) {
                out.push(fail(Kind::MaxLength { limit }, path));
            }
        }
        if !node.array_fused() {
            if let (Some(limit), Value::Array(items)) = (node.max_items, value) {
                if items.len() as u64 > limit {
                    out.push(fail(Kind::MaxItems { limit }, path));
                }
            }
        }
        if let Value::Object(members) = value {
            if !node.required_fused() {
                for property in node
                    .required
                    .iter()
                    .filter(|name| !members.contains_key(*name))
                {
                    let property = property.clone();
                    out.push(fail(Kind::Required { property }, path));
                }
            }
        }
        if let (Some(format), Value::String(text)) = (node.format, value) {
            if !format.accepts(text) {
                let format = format.name().to_owned();
                out.push(fail(Kind::Format { format }, path));
            }
        }
        if let Value::Object(members) = value {
            self.check_members(node, members, path, out);
            if node.closed {
                let unexpected: Vec<String> = members
                    .keys()
                    .filter(|name| !node.properties.iter().any(|(known, _)| known == *name))
                    .cloned()
                    .collect();
                if !unexpected.is_empty() {
                    out.push(fail(Kind::AdditionalProperties { unexpected }, path));
                }
                if node.required_fused() {
                    for property in node
                        .required
                        .iter()
                        .filter(|name| !members.contains_key(*name))
                    {
                        let property = property.clone();
                        out.push(fail(Kind::Required { property }, path));
                    }
                }
            }
        }
        if let Some(items_node) = node.items {
            self.check_items(node, items_node, value, path, out, &fail);
        }
    }

    /// `properties`: declared members, in the instance's order.
    fn check_members<'a>(
        &self,
        node: &Node,
        members: &'a Map<String, Value>,
        path: &mut String,
        out: &mut Vec<Failure<'a>>,
    ) {
        for (name, member) in members {
            let Some((_, child)) = node.properties.iter().find(|(known, _)| known == name) else {
                continue;
            };
            let length = path.len();
            json_pointer::push_token(path, name);
            self.check(*child, member, path, out);
            path.truncate(length);
        }
    }

    /// `items`, with the fused `type: array` and `maxItems` checks when jsonschema fuses them.
    fn check_items<'a>(
        &self,
        node: &Node,
        items_node: usize,
        value: &'a Value,
        path: &mut String,
        out: &mut Vec<Failure<'a>>,
        fail: &dyn Fn(Kind, &str) -> Failure<'a>,
    ) {
        let Value::Array(items) = value else {
            if node.array_fused() {
                out.push(fail(type_kind(JsonType::Array), path));
            }
            return;
        };
        if node.array_fused() {
            if let Some(limit) = node.max_items.filter(|limit| items.len() as u64 > *limit) {
                out.push(fail(Kind::MaxItems { limit }, path));
            }
        }
        for (index, item) in items.iter().enumerate() {
            let length = path.len();
            // Writing to a String cannot fail.
            let _ = write!(path, "/{index}");
            self.check(items_node, item, path, out);
            path.truncate(length);
        }
    }
}

fn type_kind(json_type: JsonType) -> Kind {
    Kind::Type {
        types: vec![json_type.name().to_owned()],
    }
}

struct Compiler<'s> {
    root: &'s Value,
    nodes: Vec<Node>,
    /// Compiled `$ref` targets by JSON Pointer, so a schema that refers to itself
    /// compiles to a cycle instead of recursing forever.
    by_pointer: HashMap<String, usize>,
}

impl Compiler<'_> {
    /// Compiles the schema at `location` (a JSON Pointer into the root) and returns its
    /// index.
    fn node(&mut self, schema: &Value, location: &str, is_root: bool) -> Result<usize, String> {
        let index = self.nodes.len();
        self.nodes.push(Node::default());
        self.by_pointer.entry(location.to_owned()).or_insert(index);
        let unsupported = |what: &str| format!("unsupported {what} at `#{location}`");
        let Value::Object(keywords) = schema else {
            return Err(unsupported("schema (only objects)"));
        };
        let mut node = Node::default();
        if let Some(reference) = keywords.get("$ref") {
            let target = reference
                .as_str()
                .and_then(|text| text.strip_prefix('#'))
                .ok_or_else(|| unsupported("`$ref` (only `#/...` pointers)"))?;
            node.reference = Some(match self.by_pointer.get(target) {
                Some(existing) => *existing,
                None => {
                    let resolved = json_pointer_get(self.root, target)
                        .ok_or_else(|| unsupported("`$ref` (its target is missing)"))?;
                    self.node(resolved, target, false)?
                }
            });
            self.set(index, node);
            return Ok(index);
        }
        for (keyword, value) in keywords {
            let at = |name: &str| format!("{location}/{}", json_pointer::escape_token(name));
            match keyword.as_str() {
                "$schema" | "$id" if !is_root => {
                    return Err(unsupported(&format!("`{keyword}` below the root")))
                }
                "$schema" | "$id" | "title" | "description" | "definitions" | "default"
                | "examples" | "$comment" => {}
                "type" => {
                    node.json_type = Some(
                        value
                            .as_str()
                            .and_then(JsonType::parse)
                            .ok_or_else(|| unsupported("`type` (only one type name)"))?,
                    );
                }
                "enum" => {
                    if !value.is_array() {
                        return Err(unsupported("`enum` (only an array)"));
                    }
                    node.options = Some(value.clone());
                }
                "minimum" | "maximum" => {
                    let Value::Number(number) = value else {
                        return Err(unsupported(&format!("`{keyword}` (only a number)")));
                    };
                    if keyword == "minimum" {
                        node.minimum = Some(number.clone());
                    } else {
                        node.maximum = Some(number.clone());
                    }
                }
                "minLength" | "maxLength" | "maxItems" => {
                    let limit = value.as_u64().ok_or_else(|| {
                        unsupported(&format!("`{keyword}` (only a whole number)"))
                    })?;
                    match keyword.as_str() {
                        "minLength" => node.min_length = Some(limit),
                        "maxLength" => node.max_length = Some(limit),
                        _ => node.max_items = Some(limit),
                    }
                }
                "required" => {
                    node.required = value
                        .as_array()
                        .and_then(|names| {
                            names
                                .iter()
                                .map(|name| name.as_str().map(str::to_owned))
                                .collect()
                        })
                        .ok_or_else(|| unsupported("`required` (only an array of names)"))?;
                }
                "format" => {
                    node.format = Some(
                        value
                            .as_str()
                            .and_then(Format::parse)
                            .ok_or_else(|| unsupported("`format` (only `date`)"))?,
                    );
                }
                "properties" => {
                    let Value::Object(members) = value else {
                        return Err(unsupported("`properties` (only an object)"));
                    };
                    let location = at("properties");
                    for (name, member) in members {
                        let child = self.node(
                            member,
                            &format!("{location}/{}", json_pointer::escape_token(name)),
                            false,
                        )?;
                        node.properties.push((name.clone(), child));
                    }
                }
                "additionalProperties" => match value {
                    Value::Bool(allowed) => node.closed = !allowed,
                    _ => return Err(unsupported("`additionalProperties` (only a boolean)")),
                },
                "items" => {
                    if !value.is_object() {
                        return Err(unsupported("`items` (only one schema)"));
                    }
                    node.items = Some(self.node(value, &at("items"), false)?);
                }
                other => return Err(unsupported(&format!("keyword `{other}`"))),
            }
        }
        // jsonschema orders these cases differently from the rest; only the ones whose order
        // this module reproduces are accepted.
        if node.closed && (node.properties.is_empty() || node.required.len() > 1) {
            return Err(unsupported(
                "`additionalProperties: false` (only with `properties` and at most one `required` name)",
            ));
        }
        self.set(index, node);
        Ok(index)
    }

    fn set(&mut self, index: usize, node: Node) {
        if let Some(slot) = self.nodes.get_mut(index) {
            *slot = node;
        }
    }
}

fn json_pointer_get<'v>(root: &'v Value, pointer: &str) -> Option<&'v Value> {
    if pointer.is_empty() {
        return Some(root);
    }
    root.pointer(pointer)
}

/// JSON equality with numbers compared by value (`1` equals `1.0`), as `enum` compares.
fn equal(left: &Value, right: &Value) -> bool {
    match (left, right) {
        (Value::Number(a), Value::Number(b)) => compare(a, b) == Some(std::cmp::Ordering::Equal),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| equal(x, y))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(key, x)| b.get(key).is_some_and(|y| equal(x, y)))
        }
        _ => left == right,
    }
}

/// Orders two JSON numbers exactly when both are integers, else as `f64`.
fn compare(left: &Number, right: &Number) -> Option<std::cmp::Ordering> {
    if let (Some(a), Some(b)) = (as_i128(left), as_i128(right)) {
        return Some(a.cmp(&b));
    }
    left.as_f64()?.partial_cmp(&right.as_f64()?)
}

fn as_i128(number: &Number) -> Option<i128> {
    number
        .as_i64()
        .map(i128::from)
        .or_else(|| number.as_u64().map(i128::from))
}

/// `YYYY-MM-DD` with a month 01–12 and a day that exists in that month.
fn is_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = *bytes else {
        return false;
    };
    let Some(year) = digits(&[y0, y1, y2, y3]) else {
        return false;
    };
    let (Some(month), Some(day)) = (digits(&[m0, m1]), digits(&[d0, d1])) else {
        return false;
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0_u32, |total, byte| {
        byte.is_ascii_digit()
            .then(|| total * 10 + u32::from(byte - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_shipped_schemas_compile() {
        for text in [
            include_str!("../../policies/agentaz.schema.json"),
            include_str!("../../policies/decision.schema.json"),
        ] {
            Schema::compile(&serde_json::from_str(text).unwrap()).unwrap();
        }
    }

    #[test]
    fn unsupported_keywords_fail_to_compile() {
        let cases = [
            (json!({"pattern": "a"}), "unsupported keyword `pattern` at `#`"),
            (
                json!({"properties": {"a": {"type": ["string", "null"]}}}),
                "unsupported `type` (only one type name) at `#/properties/a`",
            ),
            (json!({"format": "email"}), "unsupported `format` (only `date`) at `#`"),
            (
                json!({"$ref": "http://example.com/s.json"}),
                "unsupported `$ref` (only `#/...` pointers) at `#`",
            ),
            (
                json!({"additionalProperties": false}),
                "unsupported `additionalProperties: false` (only with `properties` and at most one `required` name) at `#`",
            ),
        ];
        for (schema, message) in cases {
            assert_eq!(Schema::compile(&schema).unwrap_err(), message);
        }
    }

    #[test]
    fn dates_are_calendar_days() {
        for (text, valid) in [
            ("2024-02-29", true),
            ("2023-02-29", false),
            ("1900-02-29", false),
            ("2000-02-29", true),
            ("2024-04-31", false),
            ("2024-12-31", true),
            ("2024-13-01", false),
            ("2024-00-10", false),
            ("2024-01-00", false),
            ("2024-1-01", false),
            ("2024-01-01T00:00:00Z", false),
            ("２０２４-01-01", false),
        ] {
            assert_eq!(is_date(text), valid, "{text}");
        }
    }

    #[test]
    fn integers_include_whole_floats_and_refs_resolve() {
        let schema = Schema::compile(&json!({
            "definitions": {"n": {"type": "integer", "minimum": 1}},
            "properties": {"a": {"$ref": "#/definitions/n"}}
        }))
        .unwrap();
        assert!(schema.failures(&json!({"a": 2.0})).is_empty());
        let value = json!({"a": 0.5});
        let failures = schema.failures(&value);
        let seen: Vec<(String, String)> = failures
            .iter()
            .map(|failure| (failure.instance_path.clone(), failure.message()))
            .collect();
        assert_eq!(
            seen,
            [
                (
                    "/a".to_owned(),
                    r#"0.5 is not of type "integer""#.to_owned()
                ),
                (
                    "/a".to_owned(),
                    "0.5 is less than the minimum of 1".to_owned()
                ),
            ]
        );
    }
}
