//! JSON values in which no object repeats a key.
//!
//! JSON leaves a repeated key undefined, and parsers disagree: serde_json keeps the
//! last value, many others the first. A decision the model wrote as
//! `{"decision": "ESCALATE", …, "decision": "AUTO_RESOLVE"}` would be judged as one
//! thing here and read as the other by a log, a dashboard or the executor; a contract
//! that lists `approval_required_tools` twice would gate tools differently here than
//! in the tool its author checked it with. So the model's decision and the contract
//! are read with [`UniqueKeysValue`], which refuses a repeated key (naming it, at its
//! place in the text): such a decision fails closed, such a contract does not load.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::map::Entry;
use serde_json::{Map, Value};

/// A [`Value`] read from JSON in which no object repeats a key.
pub(crate) struct UniqueKeysValue(pub(crate) Value);

/// `#[serde(deserialize_with = "unique_keys")]`: a [`Value`] field read as a
/// [`UniqueKeysValue`].
pub(crate) fn unique_keys<'de, D: Deserializer<'de>>(data: D) -> Result<Value, D::Error> {
    UniqueKeysValue::deserialize(data).map(|UniqueKeysValue(value)| value)
}

impl<'de> Deserialize<'de> for UniqueKeysValue {
    fn deserialize<D: Deserializer<'de>>(data: D) -> Result<UniqueKeysValue, D::Error> {
        data.deserialize_any(UniqueKeysVisitor).map(UniqueKeysValue)
    }
}

struct UniqueKeysVisitor;

impl<'de> Visitor<'de> for UniqueKeysVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        // JSON has no NaN or infinity, so every f64 read from it is a number.
        Ok(serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_string()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, data: D) -> Result<Value, D::Error> {
        data.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Value, A::Error> {
        let mut list = Vec::with_capacity(items.size_hint().unwrap_or(0).min(4096));
        while let Some(UniqueKeysValue(item)) = items.next_element()? {
            list.push(item);
        }
        Ok(Value::Array(list))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = entries.next_key::<String>()? {
            match map.entry(key) {
                Entry::Vacant(vacant) => {
                    let UniqueKeysValue(value) = entries.next_value()?;
                    vacant.insert(value);
                }
                Entry::Occupied(occupied) => {
                    let key = occupied.key();
                    return Err(de::Error::custom(format_args!("duplicate key `{key}`")));
                }
            }
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Value, String> {
        serde_json::from_str::<UniqueKeysValue>(text)
            .map(|UniqueKeysValue(value)| value)
            .map_err(|error| error.to_string())
    }

    #[test]
    fn reads_what_serde_json_reads() {
        let text =
            r#"{"a": [1, -2, 2.5, 18446744073709551615, "x", true, null, {}], "b": {"c": []}}"#;
        assert_eq!(
            read(text).unwrap(),
            serde_json::from_str::<Value>(text).unwrap()
        );
    }

    #[test]
    fn refuses_a_repeated_key_at_any_depth() {
        assert_eq!(
            read(r#"{"decision": "ESCALATE", "decision": "AUTO_RESOLVE"}"#).unwrap_err(),
            "duplicate key `decision` at line 1 column 35"
        );
        assert_eq!(
            read(r#"{"actions": [{"tool": "a", "args": {"x": 1, "x": 2}}]}"#).unwrap_err(),
            "duplicate key `x` at line 1 column 47"
        );
        // The same key in two objects is no repeat.
        assert!(read(r#"[{"x": 1}, {"x": 2}]"#).is_ok());
    }
}
