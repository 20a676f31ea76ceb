//! YAML text to a document [`Node`] tree.
//!
//! The text is tokenized and parsed by `saphyr-parser` (a YAML 1.2 parser in pure
//! Rust, checked against the YAML test suite); this module turns its events into the
//! tree that [`super::read`] reads the policy types from. It replaced serde_yaml, which
//! is no longer maintained and which brought libyaml (translated from C) into the
//! WebAssembly module; the module is 14 KiB (gzipped) smaller for it.
//!
//! A policy reads as it did with serde_yaml: `tests::reads_every_text_as_serde_yaml_reads_it`
//! compares the two on the default policy edited thousands of ways and on texts made to
//! probe each rule below. What a value means follows serde_yaml's rules exactly:
//!
//! - a quoted or block (`|`, `>`) scalar is text;
//! - a plain scalar is null (empty, `~`, `null`), a boolean (`true`, `False`, …), an
//!   integer (decimal, `0x`, `0o`, `0b`, optionally signed; a decimal with a leading
//!   zero is text), a float (`1.5`, `1e3`, `.inf`, `.nan`), and otherwise text;
//! - the core tags `!!str`, `!!int`, `!!float`, `!!bool` and `!!null` choose the
//!   meaning, and a value that does not fit its tag is refused; local tags (`!name`)
//!   have no meaning in a policy and are refused;
//! - a mapping key is read as text, as written;
//! - aliases (`*name`) stand for a copy of their anchored node.
//!
//! The syntax is YAML 1.2's, where libyaml read YAML 1.1's. Texts that policies are
//! written in read the same; the differences are at the edges: a byte order mark
//! inside a document is refused, U+0085 is not a line break, anchor names may hold any
//! character but flow indicators, `?` directly before a character is part of a plain
//! scalar, and a tab before a document's first token is read as a space.
//!
//! Two limits keep a hostile text from exhausting the stack or memory: nesting deeper
//! than 128 levels is refused, and so are aliases that together would copy more than
//! ten nodes per byte of the text (the "billion laughs").

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span, Tag};

use super::tree::Node;
use crate::error::Location;

/// The deepest nesting of lists and mappings read, as serde_yaml allows.
const MAX_DEPTH: usize = 128;

/// A YAML text that could not be read into a tree, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct YamlError {
    /// What is wrong, without a position.
    pub(crate) message: String,
    /// Where in the text, when known.
    pub(crate) location: Option<Location>,
}

impl YamlError {
    #[cold]
    fn at(span: &Span, message: impl Into<String>) -> YamlError {
        YamlError {
            message: message.into(),
            location: Some(location(span)),
        }
    }
}

fn location(span: &Span) -> Location {
    Location {
        line: span.start.line(),
        column: span.start.col() + 1,
    }
}

impl From<ScanError> for YamlError {
    #[cold]
    fn from(error: ScanError) -> YamlError {
        let mark = error.marker();
        YamlError {
            message: error.info().to_string(),
            location: Some(Location {
                line: mark.line(),
                column: mark.col() + 1,
            }),
        }
    }
}

/// Reads one YAML document (an empty text is null).
///
/// # Errors
/// The text is not YAML, holds more than one document, uses a local tag, a value that
/// does not fit its core tag, a mapping or list as a mapping key, or exceeds the
/// nesting or alias limits.
pub(crate) fn parse(text: &str) -> Result<Node, YamlError> {
    let mut builder = TreeBuilder {
        open: Vec::new(),
        anchors: HashMap::new(),
        document: None,
        documents: 0,
        copy_budget: text.len().saturating_mul(10).max(10_000),
        unbroken_end: (!text.ends_with(['\n', '\r'])).then(|| text.chars().count()),
    };
    // The first error ends the reading: the parser is not made to be polled after one
    // (it may repeat the error forever).
    for event in Parser::new_from_str(text) {
        let (event, span) = event?;
        builder.event(event, &span)?;
    }
    Ok(builder.document.unwrap_or(Node::Null))
}

/// A list or mapping whose end has not been read yet.
enum Open {
    List {
        items: Vec<Node>,
        anchor: usize,
        start: Location,
    },
    Mapping {
        entries: Vec<(String, Node)>,
        key: Option<String>,
        anchor: usize,
        start: Location,
    },
}

struct TreeBuilder {
    open: Vec<Open>,
    /// Completed anchored nodes, by the parser's anchor id.
    anchors: HashMap<usize, Anchored>,
    document: Option<Node>,
    documents: usize,
    /// Nodes that aliases may still copy.
    copy_budget: usize,
    /// Where the text ends, in characters, when its last line has no line break.
    unbroken_end: Option<usize>,
}

/// An anchored node, and its text when it is a scalar (which a key alias reads).
#[derive(Clone)]
struct Anchored {
    node: Node,
    text: Option<String>,
}

impl TreeBuilder {
    fn event(&mut self, event: Event<'_>, span: &Span) -> Result<(), YamlError> {
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(YamlError::at(
                        span,
                        "a policy is one YAML document; this text holds more than one",
                    ));
                }
                Ok(())
            }
            Event::Scalar(mut value, style, anchor, tag) => {
                // A block scalar's last line break is its content's (YAML 1.2, 8.1.1.2):
                // where the text ends without one, the content has none either, as
                // libyaml reads it; the parser adds one.
                let is_block = matches!(style, ScalarStyle::Literal | ScalarStyle::Folded);
                if is_block && self.unbroken_end == Some(span.end.index()) && value.ends_with('\n')
                {
                    value.to_mut().pop();
                }
                let node = scalar(&value, style, tag.as_deref(), span)?;
                if anchor != 0 {
                    self.anchors.insert(
                        anchor,
                        Anchored {
                            node: node.clone(),
                            text: Some(value.to_string()),
                        },
                    );
                }
                self.complete(node, Some(&value), location(span))
            }
            Event::SequenceStart(anchor, tag) => {
                refuse_local_tag(tag.as_deref(), span)?;
                self.enter(span)?;
                self.open.push(Open::List {
                    items: Vec::new(),
                    anchor,
                    start: location(span),
                });
                Ok(())
            }
            Event::MappingStart(anchor, tag) => {
                refuse_local_tag(tag.as_deref(), span)?;
                self.enter(span)?;
                self.open.push(Open::Mapping {
                    entries: Vec::new(),
                    key: None,
                    anchor,
                    start: location(span),
                });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor, start) = match self.open.pop() {
                    Some(Open::List {
                        items,
                        anchor,
                        start,
                    }) => (Node::List(items), anchor, start),
                    Some(Open::Mapping {
                        entries,
                        anchor,
                        start,
                        ..
                    }) => (Node::Mapping(entries), anchor, start),
                    // The parser balances its events; an unbalanced end is a bug there,
                    // reported rather than trusted.
                    None => return Err(YamlError::at(span, "unbalanced end of a collection")),
                };
                if anchor != 0 {
                    self.anchors.insert(
                        anchor,
                        Anchored {
                            node: node.clone(),
                            text: None,
                        },
                    );
                }
                self.complete(node, None, start)
            }
            Event::Alias(anchor) => {
                // The parser knows every anchor before its alias; one it knows whose node
                // is not here yet is still open: the alias is inside it.
                let Some(anchored) = self.anchors.get(&anchor) else {
                    return Err(YamlError::at(
                        span,
                        "an alias inside the node it names (a node cannot contain itself)",
                    ));
                };
                let copied = anchored.node.count();
                if copied > self.copy_budget {
                    return Err(YamlError::at(
                        span,
                        "aliases copy too much: more than ten nodes per byte of the text",
                    ));
                }
                if self.open.len() + anchored.node.depth() > MAX_DEPTH {
                    return Err(nesting_error(span));
                }
                self.copy_budget -= copied;
                let Anchored { node, text } = anchored.clone();
                self.complete(node, text.as_deref(), location(span))
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => Ok(()),
        }
    }

    fn enter(&self, span: &Span) -> Result<(), YamlError> {
        if self.open.len() >= MAX_DEPTH {
            return Err(nesting_error(span));
        }
        Ok(())
    }

    /// Places a finished node, which starts `at`: as a list item, a mapping key or
    /// value, or the document. `text` is the scalar as written, which a key is read as.
    fn complete(&mut self, node: Node, text: Option<&str>, at: Location) -> Result<(), YamlError> {
        match self.open.last_mut() {
            None => {
                self.document = Some(node);
                Ok(())
            }
            Some(Open::List { items, .. }) => {
                items.push(node);
                Ok(())
            }
            Some(Open::Mapping { entries, key, .. }) => {
                match key.take() {
                    Some(key) => entries.push((key, node)),
                    None => match text {
                        Some(text) => *key = Some(text.to_string()),
                        None => {
                            return Err(YamlError {
                                message: format!("a mapping key must be text, not {}", kind(&node)),
                                location: Some(at),
                            })
                        }
                    },
                }
                Ok(())
            }
        }
    }
}

fn nesting_error(span: &Span) -> YamlError {
    YamlError::at(
        span,
        format!("lists and mappings nest deeper than {MAX_DEPTH} levels"),
    )
}

fn kind(node: &Node) -> &'static str {
    match node {
        Node::List(_) => "a list",
        _ => "a mapping",
    }
}

impl Node {
    /// The nodes in this tree, itself included.
    fn count(&self) -> usize {
        match self {
            Node::List(items) => 1 + items.iter().map(Node::count).sum::<usize>(),
            Node::Mapping(entries) => 1 + entries.iter().map(|(_, v)| v.count()).sum::<usize>(),
            _ => 1,
        }
    }

    /// How many lists and mappings deep this tree nests.
    fn depth(&self) -> usize {
        match self {
            Node::List(items) => 1 + items.iter().map(Node::depth).max().unwrap_or(0),
            Node::Mapping(entries) => 1 + entries.iter().map(|(_, v)| v.depth()).max().unwrap_or(0),
            _ => 0,
        }
    }
}

/// The core schema's tag namespace, which `!!` stands for.
const CORE: &str = "tag:yaml.org,2002:";

/// A tag as written in full: `!name` (local), `tag:yaml.org,2002:int` (`!!int`).
fn full_name(tag: &Tag) -> String {
    format!("{}{}", tag.handle, tag.suffix)
}

fn refuse_local_tag(tag: Option<&Tag>, span: &Span) -> Result<(), YamlError> {
    match tag.map(full_name) {
        Some(name) if name.starts_with('!') => Err(YamlError::at(
            span,
            format!("the tag `{name}` has no meaning in a policy"),
        )),
        _ => Ok(()),
    }
}

/// What a scalar means (see the module docs).
fn scalar(
    value: &str,
    style: ScalarStyle,
    tag: Option<&Tag>,
    span: &Span,
) -> Result<Node, YamlError> {
    refuse_local_tag(tag, span)?;
    let refuse = |expected: &str| {
        YamlError::at(
            span,
            format!("invalid value: string {value:?}, expected {expected}"),
        )
    };
    let name = tag.map(full_name);
    match name.as_deref().map(|name| name.strip_prefix(CORE)) {
        Some(Some("bool")) => {
            return parse_bool(value)
                .map(Node::Bool)
                .ok_or_else(|| refuse("a boolean"))
        }
        Some(Some("int")) => {
            return match parse_int(value) {
                Some(int) => int.map_err(|message| YamlError::at(span, message)),
                None => Err(refuse("an integer")),
            }
        }
        Some(Some("float")) => {
            return parse_float(value)
                .map(Node::Float)
                .ok_or_else(|| refuse("a float"))
        }
        Some(Some("null")) if is_null(value) => return Ok(Node::Null),
        Some(Some("null")) => return Err(refuse("null")),
        // The other core tags (`!!str`, `!!binary`, …) and global tags: text.
        Some(_) => return Ok(Node::Text(value.to_string())),
        None if style != ScalarStyle::Plain => return Ok(Node::Text(value.to_string())),
        None => {}
    }
    if value.is_empty() || is_null(value) {
        return Ok(Node::Null);
    }
    if let Some(boolean) = parse_bool(value) {
        return Ok(Node::Bool(boolean));
    }
    if let Some(int) = parse_int(value) {
        return int.map_err(|message| YamlError::at(span, message));
    }
    if !leading_zero_digits(value) {
        if let Some(float) = parse_float(value) {
            return Ok(Node::Float(float));
        }
    }
    Ok(Node::Text(value.to_string()))
}

/// A null written out; a plain scalar left empty is null too, but not under `!!null`.
fn is_null(value: &str) -> bool {
    matches!(value, "~" | "null" | "Null" | "NULL")
}

fn parse_bool(value: &str) -> Option<bool> {
    match value {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// An integer, when `value` is written as one: a node, or an error for one too large
/// to hold (as serde_yaml refuses it).
fn parse_int(value: &str) -> Option<Result<Node, String>> {
    if let Some(unsigned) = parse_unsigned(value) {
        return Some(match u64::try_from(unsigned) {
            Ok(small) => Ok(Node::Unsigned(small)),
            Err(_) => Err(too_large(unsigned)),
        });
    }
    let negative = parse_negative(value)?;
    Some(match i64::try_from(negative) {
        Ok(small) => Ok(Node::Signed(small)),
        Err(_) => Err(too_large(negative)),
    })
}

#[cold]
fn too_large(value: impl std::fmt::Display) -> String {
    format!("the integer `{value}` does not fit in 64 bits")
}

fn parse_unsigned(value: &str) -> Option<u128> {
    let unsigned = value.strip_prefix('+').unwrap_or(value);
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(digits) = unsigned.strip_prefix(prefix) {
            if digits.starts_with(['+', '-']) {
                return None;
            }
            if let Ok(int) = u128::from_str_radix(digits, radix) {
                return Some(int);
            }
        }
    }
    if unsigned.starts_with(['+', '-']) || leading_zero_digits(value) {
        return None;
    }
    unsigned.parse::<u128>().ok()
}

fn parse_negative(value: &str) -> Option<i128> {
    for (prefix, radix) in [("-0x", 16), ("-0o", 8), ("-0b", 2)] {
        if let Some(digits) = value.strip_prefix(prefix) {
            if let Ok(int) = i128::from_str_radix(&format!("-{digits}"), radix) {
                return Some(int);
            }
        }
    }
    if leading_zero_digits(value) {
        return None;
    }
    value.parse::<i128>().ok()
}

fn parse_float(value: &str) -> Option<f64> {
    let unsigned = match value.strip_prefix('+') {
        Some(rest) if rest.starts_with(['+', '-']) => return None,
        Some(rest) => rest,
        None => value,
    };
    match unsigned {
        ".inf" | ".Inf" | ".INF" => return Some(f64::INFINITY),
        _ => {}
    }
    match value {
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    unsigned
        .parse::<f64>()
        .ok()
        .filter(|float| float.is_finite())
}

/// Digits after a leading zero (`007`): text in YAML 1.2, not a number.
fn leading_zero_digits(value: &str) -> bool {
    let digits = value.strip_prefix(['-', '+']).unwrap_or(value);
    digits.len() > 1
        && digits.starts_with('0')
        && digits.bytes().skip(1).all(|byte| byte.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = include_str!("../../policies/support-agent.yaml");

    /// Aliases that multiply by ten at each of eleven levels: 10^12 nodes.
    fn billion_laughs() -> String {
        (1..12).fold(
            String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"),
            |text, level| {
                let items = vec![format!("*a{}", level - 1); 10].join(", ");
                text + &format!("a{level}: &a{level} [{items}]\n")
            },
        )
    }

    #[test]
    fn refusals_say_what_and_where() {
        let cases: [(&str, &str, usize, usize); 13] = [
            (
                "a: [1, 2\n",
                "while parsing a flow sequence, expected ',' or ']'",
                2,
                1,
            ),
            (
                "a: 1\n  b: 2\n",
                "mapping values are not allowed in this context",
                2,
                4,
            ),
            (
                "a: 1\nb: !Foo 1",
                "the tag `!Foo` has no meaning in a policy",
                2,
                4,
            ),
            (
                "a: !<!foo> [1]",
                "the tag `!foo` has no meaning in a policy",
                1,
                4,
            ),
            (
                "a: 1\n---\nb: 2\n",
                "a policy is one YAML document; this text holds more than one",
                2,
                1,
            ),
            (
                "a: 1\n{b: 1}: c",
                "a mapping key must be text, not a mapping",
                2,
                1,
            ),
            (
                "a:\n  - [1]: b",
                "a mapping key must be text, not a list",
                2,
                5,
            ),
            (
                "a: 18446744073709551616",
                "the integer `18446744073709551616` does not fit in 64 bits",
                1,
                4,
            ),
            (
                "a: -0x8000000000000001",
                "the integer `-9223372036854775809` does not fit in 64 bits",
                1,
                4,
            ),
            (
                "a: !!int x",
                "invalid value: string \"x\", expected an integer",
                1,
                4,
            ),
            (
                "a: !!null \"\"",
                "invalid value: string \"\", expected null",
                1,
                4,
            ),
            ("a: *x", "while parsing node, found unknown anchor", 1, 4),
            (
                "a: &x [1, *x]",
                "an alias inside the node it names (a node cannot contain itself)",
                1,
                11,
            ),
        ];
        for (text, message, line, column) in cases {
            let error = parse(text).unwrap_err();
            assert_eq!(error.message, message, "{text:?}");
            assert_eq!(error.location, Some(Location { line, column }), "{text:?}");
        }
        assert_eq!(
            parse(&billion_laughs()).unwrap_err().message,
            "aliases copy too much: more than ten nodes per byte of the text"
        );
    }

    #[test]
    fn scalars_mean_what_serde_yaml_made_them_mean() {
        let read = |text: &str| parse(&format!("v: {text}")).unwrap();
        let value = |node: Node| match node {
            Node::Mapping(mut entries) => entries.remove(0).1,
            other => other,
        };
        let text = |t: &str| Node::Text(t.to_string());
        for (written, meaning) in [
            ("", Node::Null),
            ("~", Node::Null),
            ("NULL", Node::Null),
            ("nULL", text("nULL")),
            ("True", Node::Bool(true)),
            ("yes", text("yes")),
            ("0x1F", Node::Unsigned(31)),
            ("-0o17", Node::Signed(-15)),
            ("+12", Node::Unsigned(12)),
            ("007", text("007")),
            ("-007", text("-007")),
            ("++5", text("++5")),
            ("1e3", Node::Float(1000.0)),
            ("-.Inf", Node::Float(f64::NEG_INFINITY)),
            ("1_000", text("1_000")),
            ("\"12\"", text("12")),
            ("!!str 12", text("12")),
            ("!!int \"7\"", Node::Unsigned(7)),
            ("!!float 1", Node::Float(1.0)),
            ("!<tag:yaml.org,2002:bool> true", Node::Bool(true)),
            ("&a 5", Node::Unsigned(5)),
        ] {
            assert_eq!(value(read(written)), meaning, "{written:?}");
        }
        assert!(matches!(value(read(".nan")), Node::Float(nan) if nan.is_nan()));
        // A key is text as written; an alias to a scalar key reads as its text.
        assert_eq!(
            parse("&k 0x1F: 1\n*k : 2\n~: 3").unwrap(),
            Node::Mapping(vec![
                ("0x1F".into(), Node::Unsigned(1)),
                ("0x1F".into(), Node::Unsigned(2)),
                ("~".into(), Node::Unsigned(3)),
            ])
        );
        // A block scalar's last line break is kept only where the text has one.
        assert_eq!(parse("a: |\n  x\n").unwrap(), parse("a: \"x\\n\"").unwrap());
        assert_eq!(parse("a: |\n  x").unwrap(), parse("a: x").unwrap());
        assert_eq!(parse("").unwrap(), Node::Null);
        assert_eq!(parse("# only a comment\n").unwrap(), Node::Null);
    }

    /// serde_yaml's reading of `text` into a tree: how policies were read before this
    /// module, and the reference it keeps to.
    fn by_serde_yaml(text: &str) -> Result<Node, String> {
        serde_yaml::from_str::<Node>(text).map_err(|error| error.to_string())
    }

    /// Spellings of a scalar value, each meaning something different to YAML.
    const SCALARS: &[&str] = &[
        "12",
        "+12",
        "-12",
        "0",
        "-0",
        "007",
        "-007",
        "0x1F",
        "-0x1F",
        "0o17",
        "0b101",
        "+0x1F",
        "0x-1",
        "++5",
        "-+5",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "-9223372036854775809",
        "340282366920938463463374607431768211456",
        "1.5",
        "-1.5",
        "+1.5",
        "1e3",
        "1E-3",
        ".5",
        "5.",
        "1_000",
        ".inf",
        "-.Inf",
        "+.INF",
        ".nan",
        ".NaN",
        "-.nan",
        "nan",
        "inf",
        "infinity",
        "~",
        "null",
        "Null",
        "NULL",
        "nULL",
        "true",
        "True",
        "TRUE",
        "tRUE",
        "false",
        "yes",
        "no",
        "on",
        "off",
        "y",
        "\"12\"",
        "'true'",
        "\"\"",
        "''",
        "text with spaces",
        "a: b",
        "!!str 12",
        "!!str",
        "!!int \"7\"",
        "!!int 0x1F",
        "!!int seven",
        "!!int 99999999999999999999",
        "!!bool yes",
        "!!bool \"true\"",
        "!!float 1",
        "!!float \"1.5\"",
        "!!float x",
        "!!null ~",
        "!!null \"\"",
        "!!null x",
        "!!binary aGk=",
        "!Local x",
        "!local",
        "! x",
        "!<tag:example.com,2000:x> 5",
        "&a 5",
        "*a",
        "*missing",
        "[1, 2]",
        "{a: 1}",
        "[]",
        "{}",
        "[a, [b, {c: d}]]",
        "|\n  text\n  more",
        ">\n  folded\n  text",
        "|-\n  12",
        "\"line\\nbreak\"",
        "'it''s'",
        "\"\\u00e9\"",
        "# only a comment",
        "- item",
        "{a: 1, a: 2}",
        "[1, 2",
        "{a: 1",
        "\"unclosed",
        "'unclosed",
        "@at",
        "`tick",
        "%pct",
        "a\tb",
        "\u{feff}x",
        "::",
        "-",
        "- - x",
        "? complex\n  : key",
        "&anchor [1, 2]",
        "!!map {a: 1}",
        "!!seq [1]",
        "!Tag {a: 1}",
        "!Tag [1]",
    ];

    /// Whole texts that exercise documents, keys, aliases and limits.
    fn documents() -> Vec<String> {
        let mut texts: Vec<String> = [
            "",
            "# nothing",
            "---",
            "---\n...",
            "--- 5",
            "a: 1\n---\nb: 2",
            "---\na: 1\n...\n",
            "a: 1\n...\n---\nb: 2",
            "a: |+\n  x",
            "a: |\n  x\n  \n  ",
            "a: >\n  x\n\n  y",
            "a: |\n  x\n",
            "!<!foo> x",
            "!<tag:yaml.org,2002:int> 5",
            "!<tag:yaml.org,2002:str> 5",
            "a: !e!x 1",
            "!e!x 1",
            "a: &x 1\nb: *x",
            "a: &x {b: 1}\nc: *x",
            "*x",
            "&x a: 1",
            "a: &x [1, *x]",
            "? [1]\n: x",
            "? {a: 1}\n: x",
            "1: one\n2: two",
            "~: null key",
            "null: x",
            "true: x",
            "0x1F: x",
            "? \n: empty key",
            "'q': 1",
            "&k key: 1\n*k : 2",
            "a: &k key\n*k : 2",
            "a: &m {b: 1}\n*m : 2",
            "a: 1\na: 2",
            "\ta: 1",
            "\t- x\n",
            "a:\n\t- x",
            "a: b: c",
            "- a\nb: c",
            "a:\n  - b\n  c: d",
            "key: \"\\x\"",
            "key: \"\\q\"",
            "%YAML 1.2\n---\na: 1",
            "%YAML 1.1\n---\na: 1",
            "%TAG !e! tag:example.com,2000:\n---\na: !e!x 1",
            "a: !!str\nb: 1",
            "a: !!int\n",
            "<<: {a: 1}\nb: 2",
            "a: [1, 2,]",
            "a: {b,}",
            "a: 'multi\n  line'",
            "a: plain\n  continued",
            "a: >-\n  x\n\n  y\n",
            "a: |+\n  x\n\n",
            "- &a [1]\n- *a\n- [*a, *a]",
            "a: \u{0}",
            "a: \u{85}x",
            "\u{feff}a: 1",
            "a: 1 # c",
            "a: 1#c",
            "[a, b]: c",
            "{a: 1}: b",
        ]
        .into_iter()
        .map(str::to_string)
        .collect();
        texts.push(format!("{}1{}", "[".repeat(127), "]".repeat(127)));
        texts.push(format!("{}1{}", "[".repeat(128), "]".repeat(128)));
        texts.push(format!("{}1{}", "[".repeat(129), "]".repeat(129)));
        texts.push(format!("{}1{}", "{a: ".repeat(130), "}".repeat(130)));
        texts.push(billion_laughs());
        texts
    }

    /// The default policy edited line by line, each with what was changed: every line
    /// removed, repeated, indented, outdented and cut in two; and the value of every
    /// twentieth line spelled in each of [`SCALARS`].
    fn edited_policies() -> Vec<(String, String)> {
        let lines: Vec<&str> = POLICY.lines().collect();
        let mut texts = Vec::new();
        let mut edit = |index: usize, replacement: Vec<String>| {
            let label = format!("line {}: {:?} -> {replacement:?}", index + 1, lines[index]);
            let mut edited: Vec<String> = Vec::with_capacity(lines.len() + 1);
            edited.extend(lines.iter().take(index).map(|line| line.to_string()));
            edited.extend(replacement);
            edited.extend(lines.iter().skip(index + 1).map(|line| line.to_string()));
            texts.push((label, edited.join("\n")));
        };
        for (index, line) in lines.iter().enumerate() {
            edit(index, vec![]);
            edit(index, vec![line.to_string(), line.to_string()]);
            edit(index, vec![format!("  {line}")]);
            edit(index, vec![line.trim_start().to_string()]);
            let middle = line.len() / 2;
            if line.is_char_boundary(middle) {
                edit(index, vec![line[..middle].to_string()]);
            }
            let Some(colon) = line.find(": ").filter(|_| index % 20 == 0) else {
                continue;
            };
            let indent = " ".repeat(line.len() - line.trim_start().len() + 2);
            for scalar in SCALARS {
                let value = scalar.replace('\n', &format!("\n{indent}"));
                edit(index, vec![format!("{}: {value}", &line[..colon])]);
            }
        }
        texts
    }

    fn summary(read: &Result<Node, impl std::fmt::Debug>) -> String {
        let mut summary = format!("{read:?}");
        if summary.len() > 300 {
            summary = format!("{}…", summary.chars().take(300).collect::<String>());
        }
        summary
    }

    #[test]
    fn reads_every_text_as_serde_yaml_reads_it() {
        let mut texts: Vec<(String, String)> = documents()
            .into_iter()
            .map(|text| (format!("{text:?}"), text))
            .collect();
        for scalar in SCALARS {
            for text in [
                format!("key: {}", scalar.replace('\n', "\n  ")),
                format!("- {}", scalar.replace('\n', "\n  ")),
                scalar.to_string(),
            ] {
                texts.push((format!("{text:?}"), text));
            }
        }
        texts.extend(edited_policies());
        let mut differences = Vec::new();
        let mut expected_differences = [0; 3];
        let (mut both_read, mut both_refused) = (0, 0);
        for (label, text) in &texts {
            let ours = parse(text);
            let reference = by_serde_yaml(text);
            match (&ours, &reference) {
                // NaN is not equal to itself; the trees' Debug forms are.
                (Ok(ours), Ok(reference)) if format!("{ours:?}") == format!("{reference:?}") => {
                    both_read += 1
                }
                (Err(_), Err(_)) => both_refused += 1,
                // Where YAML 1.2 and libyaml (YAML 1.1) part ways: a byte order mark
                // may not appear inside a document, and U+0085 is no line break.
                (Err(error), Ok(_))
                    if text.trim_start_matches('\u{feff}').contains('\u{feff}')
                        && error.message.contains("byte order mark") =>
                {
                    expected_differences[0] += 1
                }
                (Ok(_), Err(_)) if text.contains('\u{85}') => expected_differences[1] += 1,
                // A tab before the first token, which libyaml refuses, is read as space.
                (Ok(_), Err(_)) if text.starts_with('\t') => expected_differences[2] += 1,
                _ => differences.push(format!(
                    "{label}\n  ours:       {}\n  serde_yaml: {}",
                    summary(&ours),
                    summary(&reference)
                )),
            }
        }
        assert!(
            differences.is_empty(),
            "{} of {} texts read differently:\n{}",
            differences.len(),
            texts.len(),
            differences.join("\n")
        );
        assert!(
            expected_differences.iter().all(|&count| count > 0),
            "each known difference still occurs: {expected_differences:?}"
        );
        assert!(
            both_read > 1000 && both_refused > 500,
            "{both_read} read, {both_refused} refused"
        );
    }
}

#[cfg(test)]
mod soup {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        /// Any text of YAML's indicator characters is read or refused, never a panic
        /// or an endless loop, and a tree read keeps to the nesting limit.
        #[test]
        fn any_text_is_read_or_refused(text in "[-:?\\[\\]{},&*!|>'\"#%@ \n\tab1.~+0x]{0,80}") {
            if let Ok(node) = parse(&text) {
                prop_assert!(node.depth() <= MAX_DEPTH);
            }
        }
    }

    /// Large and deep texts end as they should (the parser stops at the first error,
    /// long before the end of a text it cannot read).
    #[test]
    fn large_and_deep_texts_are_read_or_refused() {
        let read = [
            "a: b\n".repeat(200_000),
            format!("a: {}", "x ".repeat(500_000)),
            "- [a, b, {c: d}]\n".repeat(50_000),
        ];
        for text in &read {
            assert!(parse(text).is_ok(), "{} bytes", text.len());
        }
        let refusal = |text: &str| parse(text).map(drop).map_err(|error| error.message);
        assert_eq!(
            refusal(&"[".repeat(1_000_000)),
            Err("recursion limit exceeded".into())
        );
        // An alias nests its node where it stands.
        let deep = format!("{}1{}", "[".repeat(100), "]".repeat(100));
        let wrapped = |alias: &str, levels: usize| {
            format!(
                "a: &d {deep}\nb: {}{alias}{}",
                "[".repeat(levels),
                "]".repeat(levels)
            )
        };
        assert!(parse(&wrapped("*d", 27)).is_ok());
        assert_eq!(
            refusal(&wrapped("*d", 28)),
            Err("lists and mappings nest deeper than 128 levels".into())
        );
        assert_eq!(
            refusal(&"? ".repeat(300_000)),
            Err("lists and mappings nest deeper than 128 levels".into())
        );
    }
}
