//! Finding where a JSON Pointer (RFC 6901) points in a JSON text.
//!
//! JSON Schema validators report *where* an instance failed as a JSON Pointer into the
//! parsed value (`/tool_boundary/allowed_tools/2`), but a person editing the file wants
//! `line:column`. serde_json keeps no spans in a [`serde_json::Value`], so this module
//! walks the original text once more, following the pointer token by token and skipping
//! every value it does not need.
//!
//! The scanner is deliberately small and forgiving: it runs only on text that serde_json
//! already accepted, so it does not re-validate the grammar. On anything it does not
//! understand it gives up with `None` instead of guessing (a location is a courtesy; the
//! error that carries it is complete without one). It never panics, never recurses, and
//! takes time linear in the length of the text.
//!
//! Duplicate object keys resolve to the *last* occurrence, as serde_json does when it
//! builds a map, so the location matches the value that was actually validated.

use crate::error::Location;

/// The `line:column` of the value that `pointer` designates in `text`.
///
/// `""` designates the whole document; `/a/0/b~1c` designates member `b/c` of the first
/// element of member `a`. Columns count characters, not bytes. Returns `None` when the
/// pointer is malformed, designates nothing, or the text is not JSON.
///
/// For a member that does not exist (a `required` failure), callers pass the pointer of
/// the parent object, whose location is the most useful place to point at.
pub(crate) fn locate(text: &str, pointer: &str) -> Option<Location> {
    value_offset(text, pointer).map(|offset| Location::of_offset(text, offset))
}

/// The byte offset of the value that `pointer` designates in `text` (see [`locate`]).
pub(crate) fn value_offset(text: &str, pointer: &str) -> Option<usize> {
    let scanner = seek(text, pointer)?;
    scanner.peek()?;
    Some(scanner.pos)
}

/// The keys of the object that `pointer` designates, in document order, each with the
/// byte offset of its opening quote: to point at a key that is wrong where it is (a
/// field of another kind of object). `None` when `pointer` designates no object.
pub(crate) fn member_keys(text: &str, pointer: &str) -> Option<Vec<(String, usize)>> {
    let mut scanner = seek(text, pointer)?;
    let mut keys = Vec::new();
    scanner.each_member(|key, key_offset, _| keys.push((key, key_offset)))?;
    Some(keys)
}

/// A scanner at the start of the value that `pointer` designates.
fn seek<'a>(text: &'a str, pointer: &str) -> Option<Scanner<'a>> {
    let tokens = parse_pointer(pointer)?;
    let mut scanner = Scanner {
        bytes: text.as_bytes(),
        pos: 0,
    };
    scanner.skip_whitespace();
    for token in &tokens {
        match scanner.peek()? {
            b'{' => scanner.enter_member(token)?,
            b'[' => scanner.enter_element(parse_index(token)?)?,
            _ => return None,
        }
    }
    Some(scanner)
}

/// Splits an RFC 6901 pointer into unescaped reference tokens (`None` if malformed).
pub(crate) fn parse_pointer(pointer: &str) -> Option<Vec<String>> {
    if pointer.is_empty() {
        return Some(Vec::new());
    }
    let rest = pointer.strip_prefix('/')?;
    rest.split('/').map(unescape_token).collect()
}

/// Escapes one reference token: `~` becomes `~0` and `/` becomes `~1`.
pub(crate) fn escape_token(token: &str) -> String {
    let mut out = String::with_capacity(token.len());
    push_escaped(&mut out, token);
    out
}

/// Appends `/` and the escaped `token` to `pointer`, allocating only to grow it (the
/// schema validator extends one pointer per member it visits).
pub(crate) fn push_token(pointer: &mut String, token: &str) {
    pointer.push('/');
    push_escaped(pointer, token);
}

fn push_escaped(out: &mut String, token: &str) {
    for ch in token.chars() {
        match ch {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            other => out.push(other),
        }
    }
}

/// `~1` is `/` and `~0` is `~`; any other `~` sequence is malformed.
fn unescape_token(token: &str) -> Option<String> {
    let mut out = String::with_capacity(token.len());
    let mut chars = token.chars();
    while let Some(ch) = chars.next() {
        if ch == '~' {
            match chars.next()? {
                '0' => out.push('~'),
                '1' => out.push('/'),
                _ => return None,
            }
        } else {
            out.push(ch);
        }
    }
    Some(out)
}

/// An array index token: decimal digits, no leading zero (RFC 6901 section 4).
fn parse_index(token: &str) -> Option<usize> {
    if token.is_empty()
        || !token.bytes().all(|b| b.is_ascii_digit())
        || (token.len() > 1 && token.starts_with('0'))
    {
        return None;
    }
    token.parse().ok()
}

struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn bump(&mut self) {
        self.pos = self.pos.saturating_add(1);
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        if self.peek()? == byte {
            self.bump();
            Some(())
        } else {
            None
        }
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.bump();
        }
    }

    /// At `{`: moves to the value of the last member named `key`.
    fn enter_member(&mut self, key: &str) -> Option<()> {
        let mut found = None;
        self.each_member(|name, _, value_offset| {
            if name == key {
                found = Some(value_offset);
            }
        })?;
        self.pos = found?;
        Some(())
    }

    /// At `{`: calls `visit(key, key_offset, value_offset)` for each member in order,
    /// leaving the scanner at the closing `}`.
    fn each_member(&mut self, mut visit: impl FnMut(String, usize, usize)) -> Option<()> {
        self.expect(b'{')?;
        loop {
            self.skip_whitespace();
            if self.peek()? == b'}' {
                return Some(());
            }
            let key_offset = self.pos;
            let name = self.read_string()?;
            self.skip_whitespace();
            self.expect(b':')?;
            self.skip_whitespace();
            visit(name, key_offset, self.pos);
            self.skip_value()?;
            self.skip_whitespace();
            match self.peek()? {
                b',' => self.bump(),
                b'}' => return Some(()),
                _ => return None,
            }
        }
    }

    /// At `[`: moves to element `index`.
    fn enter_element(&mut self, index: usize) -> Option<()> {
        self.expect(b'[')?;
        self.skip_whitespace();
        if self.peek()? == b']' {
            return None;
        }
        let mut current = 0usize;
        loop {
            self.skip_whitespace();
            if current == index {
                return Some(());
            }
            self.skip_value()?;
            self.skip_whitespace();
            match self.peek()? {
                b',' => self.bump(),
                _ => return None,
            }
            current = current.checked_add(1)?;
        }
    }

    /// At `"`: reads and unescapes a string, leaving the scanner after the closing quote.
    fn read_string(&mut self) -> Option<String> {
        self.expect(b'"')?;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let byte = self.peek()?;
            self.bump();
            match byte {
                b'"' => return String::from_utf8(out).ok(),
                b'\\' => {
                    let escape = self.peek()?;
                    self.bump();
                    let ch = match escape {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.read_unicode_escape()?,
                        _ => return None,
                    };
                    let mut buffer = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buffer).as_bytes());
                }
                // Bytes of multi-byte characters are copied as they are: the input is a
                // `&str`, and the string is split only at ASCII bytes, so `out` stays UTF-8.
                other => out.push(other),
            }
        }
    }

    /// After `\u`: four hex digits, and a second `\uXXXX` for a surrogate pair.
    /// A lone surrogate becomes U+FFFD, as lenient parsers do.
    fn read_unicode_escape(&mut self) -> Option<char> {
        let high = self.read_hex4()?;
        if !(0xD800..0xDC00).contains(&high) {
            return Some(char::from_u32(high).unwrap_or('\u{FFFD}'));
        }
        let save = self.pos;
        if self.peek() == Some(b'\\') {
            self.bump();
            if self.peek() == Some(b'u') {
                self.bump();
                let low = self.read_hex4()?;
                if (0xDC00..0xE000).contains(&low) {
                    let combined = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                    return Some(char::from_u32(combined).unwrap_or('\u{FFFD}'));
                }
            }
        }
        self.pos = save;
        Some('\u{FFFD}')
    }

    fn read_hex4(&mut self) -> Option<u32> {
        let mut value = 0u32;
        for _ in 0..4 {
            let digit = char::from(self.peek()?).to_digit(16)?;
            self.bump();
            value = value * 16 + digit;
        }
        Some(value)
    }

    /// Skips one value of any kind, without recursion.
    fn skip_value(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.read_string().map(drop),
            b'{' | b'[' => self.skip_container(),
            _ => self.skip_scalar(),
        }
    }

    fn skip_container(&mut self) -> Option<()> {
        let mut depth = 0usize;
        loop {
            match self.peek()? {
                b'"' => {
                    self.read_string()?;
                    continue;
                }
                b'{' | b'[' => depth = depth.checked_add(1)?,
                b'}' | b']' => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        self.bump();
                        return Some(());
                    }
                }
                _ => {}
            }
            self.bump();
        }
    }

    /// A number, `true`, `false` or `null`: runs to the next delimiter.
    fn skip_scalar(&mut self) -> Option<()> {
        let start = self.pos;
        while let Some(byte) = self.peek() {
            if matches!(byte, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                break;
            }
            self.bump();
        }
        (self.pos > start).then_some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: usize, column: usize) -> Option<Location> {
        Some(Location { line, column })
    }

    const DOC: &str = r#"{
  "agent_id": "x",
  "tool_boundary": {
    "allowed_tools": ["a", "b",
      "c"],
    "execution_tools_absent": true
  },
  "nested": [[1, 2], {"k": [null, {"deep": false}]}]
}"#;

    #[test]
    fn root_and_members() {
        assert_eq!(locate(DOC, ""), at(1, 1));
        assert_eq!(locate(DOC, "/agent_id"), at(2, 15));
        assert_eq!(locate(DOC, "/tool_boundary"), at(3, 20));
        assert_eq!(
            locate(DOC, "/tool_boundary/execution_tools_absent"),
            at(6, 31)
        );
    }

    #[test]
    fn member_keys_in_document_order_with_offsets() {
        let keys = member_keys(DOC, "/tool_boundary").unwrap();
        let named: Vec<(&str, Option<Location>)> = keys
            .iter()
            .map(|(key, offset)| (key.as_str(), Some(Location::of_offset(DOC, *offset))))
            .collect();
        assert_eq!(
            named,
            [
                ("allowed_tools", at(4, 5)),
                ("execution_tools_absent", at(6, 5))
            ]
        );
        let repeated = r#"{"a": 1, "b": {"a": 2}, "a": 3}"#;
        let keys = member_keys(repeated, "").unwrap();
        assert_eq!(
            keys,
            [
                ("a".to_string(), 1),
                ("b".to_string(), 9),
                ("a".to_string(), 24)
            ]
        );
        assert_eq!(member_keys(DOC, "/agent_id"), None);
        assert_eq!(member_keys(r#"{"a": 1"#, ""), None);
    }

    #[test]
    fn array_elements() {
        assert_eq!(locate(DOC, "/tool_boundary/allowed_tools"), at(4, 22));
        assert_eq!(locate(DOC, "/tool_boundary/allowed_tools/0"), at(4, 23));
        assert_eq!(locate(DOC, "/tool_boundary/allowed_tools/1"), at(4, 28));
        assert_eq!(locate(DOC, "/tool_boundary/allowed_tools/2"), at(5, 7));
        assert_eq!(locate(DOC, "/nested/0/1"), at(8, 18));
        assert_eq!(locate(DOC, "/nested/1/k/1/deep"), at(8, 44));
    }

    #[test]
    fn missing_or_malformed_pointers_give_none() {
        assert_eq!(locate(DOC, "/nope"), None);
        assert_eq!(locate(DOC, "/tool_boundary/allowed_tools/3"), None);
        assert_eq!(locate(DOC, "/tool_boundary/allowed_tools/01"), None);
        assert_eq!(locate(DOC, "/tool_boundary/allowed_tools/-"), None);
        assert_eq!(locate(DOC, "/agent_id/0"), None);
        assert_eq!(locate(DOC, "agent_id"), None);
        assert_eq!(locate(DOC, "/a~2b"), None);
        assert_eq!(locate("[]", "/0"), None);
        assert_eq!(locate("{}", "/a"), None);
        assert_eq!(locate("", ""), None);
    }

    #[test]
    fn tokens_escape_tilde_then_slash() {
        for token in ["", "plain", "a/b", "~", "~1", "/~/", "~~//", "é/~x", "a~/b"] {
            let expected = token.replace('~', "~0").replace('/', "~1");
            assert_eq!(escape_token(token), expected, "{token:?}");
            assert_eq!(unescape_token(&expected).as_deref(), Some(token));
            let mut pointer = String::from("/x");
            push_token(&mut pointer, token);
            assert_eq!(pointer, format!("/x/{expected}"));
        }
    }

    #[test]
    fn escaped_keys_and_strings() {
        let text = r#"{"a\"b": 1, "c\\d": "x\"}\\", "e/f": 2, "g~h": 3, "\u00e9": 4}"#;
        assert_eq!(locate(text, "/a\"b"), at(1, 10));
        assert_eq!(locate(text, "/c\\d"), at(1, 21));
        assert_eq!(locate(text, "/e~1f"), at(1, 38));
        assert_eq!(locate(text, "/g~0h"), at(1, 48));
        assert_eq!(locate(text, "/é"), at(1, 61));
    }

    #[test]
    fn surrogate_pairs_in_keys() {
        let text = r#"{"\ud83d\ude00": 1, "\ud800x": 2}"#;
        assert_eq!(locate(text, "/😀"), at(1, 18));
        assert_eq!(locate(text, "/\u{FFFD}x"), at(1, 32));
    }

    #[test]
    fn columns_count_characters_after_unicode() {
        let text = "{\"note\": \"héllo wörld 😀\", \"next\": 7}";
        // 'é', 'ö' and the emoji are multi-byte but one column each.
        assert_eq!(locate(text, "/next"), at(1, 35));
        let text = "{\"ключ\": {\"значение\": [true]}}";
        assert_eq!(locate(text, "/ключ/значение/0"), at(1, 24));
    }

    #[test]
    fn tokens_round_trip_through_escaping() {
        for token in ["plain", "a/b", "c~d", "~1", "/~0/"] {
            let pointer = format!("/{}", escape_token(token));
            assert_eq!(parse_pointer(&pointer), Some(vec![token.to_owned()]));
        }
        assert_eq!(parse_pointer(""), Some(vec![]));
        assert_eq!(parse_pointer("/"), Some(vec![String::new()]));
        assert_eq!(parse_pointer("/~01"), Some(vec!["~1".to_owned()]));
    }

    #[test]
    fn duplicate_keys_resolve_to_the_last_one() {
        let text = "{\"a\": 1, \"a\": 2}";
        assert_eq!(locate(text, "/a"), at(1, 15));
    }

    #[test]
    fn never_panics_on_truncated_text() {
        let full = DOC;
        for end in 0..full.len() {
            if let Some(prefix) = full.get(..end) {
                let _ = locate(prefix, "/nested/1/k/1/deep");
                let _ = locate(prefix, "/tool_boundary/allowed_tools/2");
            }
        }
        assert_eq!(locate("{\"a\": \"\\u12", "/b"), None);
        assert_eq!(locate("{\"a\": [1, 2", "/a/5"), None);
    }
}
