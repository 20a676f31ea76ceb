//! Naming the field at a byte offset of a JSON text.
//!
//! serde_json reports *where* a typed parse failed (line and column) but not *which
//! field*; the usual remedy, serde_path_to_error, wraps every deserializer and visitor
//! to track the path as it goes. That wrapper is paid on every successful parse (a
//! path segment per member, its key copied) and doubles the generated parsing code of
//! every type: measured, about 400 KiB of the WASM module before wasm-opt. A failure is
//! the rare case, so this module pays only then: it walks the text once more up to the
//! failure's offset, keeping a stack of the objects and arrays it is inside, and reads
//! the path off that stack.
//!
//! The path is the one serde_path_to_error gives (tests/field_paths.rs compares them
//! on every field of the example requests): `decision.actions[0].amount` for a value
//! of the wrong type, the field itself when it is unknown (`label.decison`), the
//! enclosing object when a field is missing (`decision` for "missing field `kind`"),
//! and the empty path for the document itself.
//!
//! Where the walk stops follows serde_json's positions: after the last byte it consumed
//! (the end of a scalar, a member's key, or a closing bracket, which serde_json
//! consumes even when the object's visitor failed), or at the first byte of a value it
//! only peeked at (`[` or `{` where a string was expected).
//!
//! Like [`json_pointer`](super::json_pointer), the walk runs only on text serde_json
//! has read up to the offset, so it trusts the grammar and never re-validates it. It
//! never panics, never recurses, and takes time linear in the offset.

use std::fmt;

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    /// A member of an object, by its (unescaped) key.
    Member(String),
    /// An element of an array, by its position.
    Element(usize),
}

/// The path from the document to a value, such as `decision.actions[0].amount`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FieldPath(pub(crate) Vec<Segment>);

impl FieldPath {
    /// The path as an RFC 6901 JSON Pointer (`/decision/actions/0/amount`).
    pub(crate) fn pointer(&self) -> String {
        let mut pointer = String::new();
        for segment in &self.0 {
            match segment {
                Segment::Member(key) => super::json_pointer::push_token(&mut pointer, key),
                Segment::Element(index) => {
                    // Writing to a String cannot fail.
                    let _ = fmt::Write::write_fmt(&mut pointer, format_args!("/{index}"));
                }
            }
        }
        pointer
    }
}

/// Dotted members and bracketed elements; empty for the document itself.
impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Member(key) if index == 0 => f.write_str(key)?,
                Segment::Member(key) => write!(f, ".{key}")?,
                Segment::Element(position) => write!(f, "[{position}]")?,
            }
        }
        Ok(())
    }
}

/// The byte offset serde_json means by a 1-based `line` and a `column` that counts the
/// bytes of that line up to and including the last one it consumed.
pub(crate) fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start = if line <= 1 {
        0
    } else {
        text.bytes()
            .enumerate()
            .filter(|&(_, byte)| byte == b'\n')
            .nth(line - 2)
            .map_or(text.len(), |(index, _)| index + 1)
    };
    line_start.saturating_add(column).min(text.len())
}

/// Where the walk is inside one object or array.
#[derive(Debug)]
enum Frame {
    Object {
        /// The key of the member being read, once its key has been read.
        key: Option<String>,
        /// Whether the `:` after that key has been passed (its value has begun).
        in_value: bool,
    },
    Array {
        /// How many elements have begun.
        begun: usize,
        /// Just past `[` or `,`: the next element is due, and a failure here (at its
        /// first byte, which serde_json only peeked at) concerns that element.
        due: bool,
    },
}

/// The path of the field that a failure at byte `offset` of `text` concerns (see the
/// module docs for what "concerns" means at each kind of position).
pub(crate) fn field_at(text: &str, offset: usize) -> FieldPath {
    let bytes = text.as_bytes();
    let end = offset.min(bytes.len());
    let mut stack: Vec<Frame> = Vec::new();
    let mut pos = 0;
    while pos < end {
        let Some(&byte) = bytes.get(pos) else { break };
        match byte {
            b' ' | b'\t' | b'\n' | b'\r' => pos += 1,
            b'{' | b'[' => {
                begin_value(&mut stack);
                stack.push(if byte == b'{' {
                    Frame::Object {
                        key: None,
                        in_value: false,
                    }
                } else {
                    Frame::Array {
                        begun: 0,
                        due: true,
                    }
                });
                pos += 1;
            }
            b'}' | b']' => {
                stack.pop();
                pos += 1;
            }
            b':' => {
                if let Some(Frame::Object { in_value, .. }) = stack.last_mut() {
                    *in_value = true;
                }
                pos += 1;
            }
            b',' => {
                match stack.last_mut() {
                    Some(Frame::Object { key, in_value }) => {
                        *key = None;
                        *in_value = false;
                    }
                    Some(Frame::Array { due, .. }) => *due = true,
                    None => {}
                }
                pos += 1;
            }
            b'"' => {
                let close = string_end(bytes, pos);
                match stack.last_mut() {
                    Some(Frame::Object {
                        key,
                        in_value: false,
                    }) => *key = Some(unescape(text.get(pos..close).unwrap_or_default())),
                    _ => begin_value(&mut stack),
                }
                pos = close;
            }
            _ => {
                // A number, `true`, `false` or `null`: up to the next delimiter.
                begin_value(&mut stack);
                while bytes.get(pos).is_some_and(|&b| {
                    !matches!(b, b',' | b'}' | b']' | b':' | b' ' | b'\t' | b'\n' | b'\r')
                }) {
                    pos += 1;
                }
            }
        }
    }
    let mut path = Vec::with_capacity(stack.len());
    for frame in &stack {
        match frame {
            Frame::Object {
                key: Some(key),
                in_value,
            } => {
                path.push(Segment::Member(key.clone()));
                // A key whose value has not begun: the failure is the key itself (an
                // unknown field), so nothing deeper can be meant.
                if !in_value {
                    break;
                }
            }
            Frame::Array { begun, due: true } => {
                path.push(Segment::Element(*begun));
                break;
            }
            Frame::Array { begun, due: false } if *begun > 0 => {
                path.push(Segment::Element(begun - 1));
            }
            // No member or element begun yet (a missing field is reported at the
            // closing brace, past this frame): the failure concerns the container.
            Frame::Object { key: None, .. } | Frame::Array { .. } => break,
        }
    }
    FieldPath(path)
}

/// A value begins in the innermost container: in an array, that is the next element.
fn begin_value(stack: &mut [Frame]) {
    if let Some(Frame::Array { begun, due }) = stack.last_mut() {
        *begun += 1;
        *due = false;
    }
}

/// The offset just past the string that starts (with its `"`) at `start`.
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut pos = start + 1;
    while let Some(&byte) = bytes.get(pos) {
        match byte {
            b'\\' => pos += 2,
            b'"' => return pos + 1,
            _ => pos += 1,
        }
    }
    bytes.len()
}

/// A key as serde sees it: the JSON string token decoded (escapes resolved).
fn unescape(token: &str) -> String {
    serde_json::from_str::<String>(token).unwrap_or_else(|_| {
        token
            .trim_start_matches('"')
            .trim_end_matches('"')
            .to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(text: &str, offset: usize) -> String {
        field_at(text, offset).to_string()
    }

    #[test]
    fn after_a_scalar_names_its_member() {
        let text = r#"{"inner": {"x": "s"}}"#;
        assert_eq!(path(text, 19), "inner.x");
        assert_eq!(field_at(text, 19).pointer(), "/inner/x");
    }

    #[test]
    fn after_a_key_names_that_key() {
        let text = r#"{"inner": {"y": 1}}"#;
        assert_eq!(path(text, 14), "inner.y");
        assert_eq!(path(text, 8), "inner");
        assert_eq!(path(text, 11), "inner");
    }

    #[test]
    fn after_a_closing_brace_names_the_closed_value() {
        let text = r#"{"a": [{"b": 1}, {"c": {}}]}"#;
        // Just past `}` of the first element: that element.
        assert_eq!(path(text, 15), "a[0]");
        // Past the inner `{}`: member c of the second element.
        assert_eq!(path(text, 25), "a[1].c");
        assert_eq!(path(text, 26), "a[1]");
        assert_eq!(path(text, text.len()), "");
    }

    #[test]
    fn at_a_peeked_bracket_names_the_member() {
        let text = r#"{"x": [1, 2]}"#;
        assert_eq!(path(text, 6), "x");
        assert_eq!(path(text, 11), "x[1]");
        // At the first byte of an element: that element.
        let text = r#"{"x": [1, [2]]}"#;
        assert_eq!(path(text, 7), "x[0]");
        assert_eq!(path(text, 10), "x[1]");
    }

    #[test]
    fn keys_are_unescaped_and_pointer_escaped() {
        let text = r#"{"a\"b/c": 1}"#;
        assert_eq!(path(text, 12), "a\"b/c");
        assert_eq!(field_at(text, 12).pointer(), "/a\"b~1c");
    }

    #[test]
    fn strings_hide_their_brackets() {
        let text = r#"{"a": "{[,:", "b": true}"#;
        assert_eq!(path(text, 23), "b");
    }

    #[test]
    fn offsets_count_bytes_per_line() {
        let text = "{\n  \"é\": 1,\n  \"x\": 2\n}";
        assert_eq!(offset_of(text, 1, 1), 1);
        assert_eq!(offset_of(text, 3, 8), text.find('2').unwrap_or(0) + 1);
        assert_eq!(offset_of(text, 9, 9), text.len());
    }
}
