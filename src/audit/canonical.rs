//! Canonical JSON (RFC 8785, the JSON Canonicalization Scheme).
//!
//! A hash chain is only as good as its serialization: two writers must produce the
//! same bytes for the same record, whatever their JSON library. JCS fixes that: object
//! members sorted by their keys' UTF-16 code units, no insignificant whitespace,
//! strings escaped minimally, and numbers written as ECMAScript's `Number.toString`
//! writes them (shortest round-trip digits, exponent form outside 1e-6..1e21).

use serde_json::Value;

/// The canonical form of `value`.
pub fn to_canonical_string(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, &mut out);
    out
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(number) => write_number(number, out),
        Value::String(text) => write_string(text, out),
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::Object(members) => {
            let mut sorted: Vec<(&String, &Value)> = members.iter().collect();
            sorted.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (index, (key, member)) in sorted.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write_value(member, out);
            }
            out.push('}');
        }
    }
}

fn write_string(text: &str, out: &mut String) {
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_number(number: &serde_json::Number, out: &mut String) {
    if let Some(integer) = number.as_i64() {
        // Integers beyond 2^53 are not exactly representable in JSON's number model;
        // JCS goes through f64 for them, like any ECMAScript reader would.
        if integer.unsigned_abs() <= 1 << 53 {
            out.push_str(&integer.to_string());
            return;
        }
    }
    if let Some(integer) = number.as_u64() {
        if integer <= 1 << 53 {
            out.push_str(&integer.to_string());
            return;
        }
    }
    out.push_str(&ecmascript_number(number.as_f64().unwrap_or(0.0)));
}

/// ECMAScript `Number.prototype.toString()` for a finite f64.
pub(crate) fn ecmascript_number(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return "0".to_string();
    }
    let negative = value < 0.0;
    // `{:e}` prints the shortest round-trip digits: "1.2345e-7".
    let formatted = format!("{:e}", value.abs());
    let (mantissa, exponent) = formatted.split_once('e').unwrap_or((&formatted, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let k = digits.len() as i32;
    let n = exponent + 1; // the decimal point sits after n digits
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    if k <= n && n <= 21 {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        let (int, frac) = digits.split_at(n as usize);
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-n) as usize));
        out.push_str(&digits);
    } else {
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        out.push('e');
        out.push(if n > 0 { '+' } else { '-' });
        out.push_str(&(n - 1).abs().to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_follow_ecmascript() {
        for (value, expected) in [
            (1.0, "1"),
            (0.1, "0.1"),
            (29.0, "29"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (1.5e-7, "1.5e-7"),
            (0.000001, "0.000001"),
            (123.456, "123.456"),
            (-0.5, "-0.5"),
            (4.35, "4.35"),
            (5e-324, "5e-324"),
        ] {
            assert_eq!(ecmascript_number(value), expected, "{value}");
        }
    }

    #[test]
    fn objects_sort_by_utf16_and_strings_escape_minimally() {
        // RFC 8785 §3.2.3's example: keys sort by UTF-16 code units, not bytes.
        let value =
            json!({"\u{20ac}": 1, "\r": 2, "1": 3, "\u{1f600}": 4, "\u{80}": 5, "\u{fb33}": 6});
        assert_eq!(
            to_canonical_string(&value),
            "{\"\\r\":2,\"1\":3,\"\u{80}\":5,\"\u{20ac}\":1,\"\u{1f600}\":4,\"\u{fb33}\":6}"
        );
        assert_eq!(
            to_canonical_string(&json!({"b": [true, null, "x\u{1}"], "a": 1.0})),
            "{\"a\":1,\"b\":[true,null,\"x\\u0001\"]}"
        );
    }
}
