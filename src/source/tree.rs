//! Policies as a document tree: parsed once from YAML or JSON, then read into the
//! policy types by one reader.
//!
//! Every serde format deserializes the policy types with code of its own: serde
//! monomorphizes each type's `Deserialize` for each format. The policy has about forty
//! types, so loading it from YAML (a user's policy) and from JSON (the embedded one,
//! rendered by `build.rs` because JSON parses ten times faster than YAML) would ship
//! that code twice in the WebAssembly module, about 40 KB gzipped. Instead, both
//! formats parse into a [`Node`] tree, which costs each format only the small code that
//! builds the tree, and the policy types are read from the tree alone: their structs
//! by [`super::read`], the leaves (text, numbers, names, YAML values) by serde through
//! this module's deserializer, which also reads whole policy types in tests, as the
//! reference the reader is compared with.
//!
//! The tree keeps what serde_yaml (the reader policies were once read with, and the
//! reference the tests compare with) would have let a typed parse see: mapping entries in
//! order and with duplicates (so a struct still refuses a repeated field), and a plain
//! scalar such as `404` or `true` read as text where the field wants text, as
//! serde_yaml reads it. Errors carry the path of the field that failed
//! (`routing.rules[2].queue`), which the caller turns into a line:column.

use std::fmt;

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};
use serde::{Deserialize, Deserializer};

/// A parsed YAML or JSON document, before it meets a type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Null,
    Bool(bool),
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    Text(String),
    List(Vec<Node>),
    /// Entries in document order, duplicates kept.
    Mapping(Vec<(String, Node)>),
}

/// One step of a path from the document's root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    Key(String),
    Index(usize),
}

/// A value that does not fit its type, and where it sits.
///
/// Boxed: every `Result` of the tree's deserializers, one per policy type, carries
/// it, and a one-word error keeps those functions small (they are most of the
/// policy-loading code in the WebAssembly module, and compiled on each cold start).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TreeError(Box<ErrorDetails>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct ErrorDetails {
    message: String,
    /// From the failing value up to the root (reversed once, when read).
    path_upward: Vec<Step>,
    /// The mapping key refused (an unknown or a repeated field): the error concerns
    /// the mapping, but the key is where to point.
    bad_key: Option<BadKey>,
}

/// A key of the failing mapping that the error is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadKey {
    /// The key as written.
    pub(crate) key: String,
    /// Which of the mapping's keys of that name: 0 for the first, 1 for the second
    /// (a repeated field is refused at its second occurrence).
    pub(crate) occurrence: usize,
}

impl TreeError {
    /// serde's message ("unknown field `x`, expected one of ...").
    pub(crate) fn message(&self) -> &str {
        &self.0.message
    }

    /// The path of the field that failed, from the root.
    pub(crate) fn path(&self) -> Vec<Step> {
        self.0.path_upward.iter().rev().cloned().collect()
    }

    /// The key to point at within the field's mapping, rather than at the mapping.
    pub(crate) fn bad_key(&self) -> Option<&BadKey> {
        self.0.bad_key.as_ref()
    }

    /// The field path as serde_yaml writes it: `routing.rules[2].queue`.
    pub(crate) fn field(&self) -> String {
        let mut field = String::new();
        for step in self.path() {
            match step {
                Step::Key(key) => {
                    if !field.is_empty() {
                        field.push('.');
                    }
                    field.push_str(&key);
                }
                Step::Index(index) => {
                    use fmt::Write as _;
                    let _ = write!(field, "[{index}]");
                }
            }
        }
        field
    }

    // The error path is out of line (and its key copied only there), away from the
    // many generic functions that call it.
    #[cold]
    #[inline(never)]
    pub(super) fn under_index(mut self, index: usize) -> TreeError {
        self.0.path_upward.push(Step::Index(index));
        self
    }

    #[cold]
    #[inline(never)]
    pub(super) fn under_key(mut self, key: &str) -> TreeError {
        self.0.path_upward.push(Step::Key(key.to_string()));
        self
    }

    #[cold]
    #[inline(never)]
    pub(super) fn at_key(mut self, key: &str, occurrence: usize) -> TreeError {
        self.0.bad_key.get_or_insert_with(|| BadKey {
            key: key.to_string(),
            occurrence,
        });
        self
    }
}

impl fmt::Display for TreeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let field = self.field();
        if field.is_empty() {
            f.write_str(&self.0.message)
        } else {
            write!(f, "{field}: {}", self.0.message)
        }
    }
}

impl std::error::Error for TreeError {}

impl de::Error for TreeError {
    fn custom<T: fmt::Display>(message: T) -> TreeError {
        TreeError::new(message.to_string())
    }
}

impl TreeError {
    #[cold]
    #[inline(never)]
    fn new(message: String) -> TreeError {
        TreeError(Box::new(ErrorDetails {
            message,
            path_upward: Vec::new(),
            bad_key: None,
        }))
    }
}

/// Deserializes `T` from a tree.
pub(crate) fn from_node<'de, T: Deserialize<'de>>(node: &'de Node) -> Result<T, TreeError> {
    T::deserialize(NodeDeserializer(node))
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Node, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML or JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Node, E> {
        Ok(Node::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Node, E> {
        Ok(Node::Signed(value))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Node, E> {
        Ok(Node::Unsigned(value))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Node, E> {
        Ok(Node::Float(value))
    }

    fn visit_str<E>(self, value: &str) -> Result<Node, E> {
        Ok(Node::Text(value.to_string()))
    }

    fn visit_string<E>(self, value: String) -> Result<Node, E> {
        Ok(Node::Text(value))
    }

    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        Node::deserialize(deserializer)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut items: A) -> Result<Node, A::Error> {
        let mut list = Vec::with_capacity(items.size_hint().unwrap_or(0));
        while let Some(item) = items.next_element()? {
            list.push(item);
        }
        Ok(Node::List(list))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut entries: A) -> Result<Node, A::Error> {
        let mut mapping = Vec::with_capacity(entries.size_hint().unwrap_or(0));
        while let Some(entry) = entries.next_entry::<String, Node>()? {
            mapping.push(entry);
        }
        Ok(Node::Mapping(mapping))
    }
}

/// Reads a [`Node`] as any type.
#[derive(Clone, Copy)]
struct NodeDeserializer<'de>(&'de Node);

impl Node {
    /// What serde's "invalid type" message calls this node.
    pub(crate) fn unexpected(&self) -> de::Unexpected<'_> {
        match self {
            Node::Null => de::Unexpected::Unit,
            Node::Bool(value) => de::Unexpected::Bool(*value),
            Node::Unsigned(value) => de::Unexpected::Unsigned(*value),
            Node::Signed(value) => de::Unexpected::Signed(*value),
            Node::Float(value) => de::Unexpected::Float(*value),
            Node::Text(value) => de::Unexpected::Str(value),
            Node::List(_) => de::Unexpected::Seq,
            Node::Mapping(_) => de::Unexpected::Map,
        }
    }
}

impl<'de> NodeDeserializer<'de> {
    fn invalid<V: Visitor<'de>>(self, visitor: &V) -> TreeError {
        de::Error::invalid_type(self.0.unexpected(), visitor)
    }
}

impl<'de> Deserializer<'de> for NodeDeserializer<'de> {
    type Error = TreeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TreeError> {
        match self.0 {
            Node::Null => visitor.visit_unit(),
            Node::Bool(value) => visitor.visit_bool(*value),
            Node::Unsigned(value) => visitor.visit_u64(*value),
            Node::Signed(value) => visitor.visit_i64(*value),
            Node::Float(value) => visitor.visit_f64(*value),
            Node::Text(value) => visitor.visit_borrowed_str(value),
            Node::List(items) => {
                let mut access = Items {
                    items: items.iter(),
                    index: 0,
                };
                let value = visitor.visit_seq(&mut access)?;
                if access.items.len() == 0 {
                    Ok(value)
                } else {
                    Err(de::Error::invalid_length(items.len(), &"fewer elements"))
                }
            }
            Node::Mapping(_) => self.deserialize_map(visitor),
        }
    }

    /// Text wanted: a plain scalar that YAML would type as a number or a boolean is
    /// still text to serde_yaml, and so here.
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TreeError> {
        match self.0 {
            Node::Text(value) => visitor.visit_borrowed_str(value),
            Node::Bool(value) => visitor.visit_borrowed_str(if *value { "true" } else { "false" }),
            Node::Unsigned(value) => visitor.visit_string(value.to_string()),
            Node::Signed(value) => visitor.visit_string(value.to_string()),
            Node::Float(value) => visitor.visit_string(value.to_string()),
            _ => Err(self.invalid(&visitor)),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TreeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TreeError> {
        match self.0 {
            Node::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    /// A struct is read from a mapping only, as serde_yaml reads one: never from a list
    /// by position (as [`super::read`] reads one too).
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, TreeError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TreeError> {
        match self.0 {
            Node::Mapping(entries) => {
                let mut access = Entries {
                    entries,
                    next: 0,
                    value: None,
                };
                visitor
                    .visit_map(&mut access)
                    .map_err(|error| access.blame_pending_key(error))
            }
            _ => Err(self.invalid(&visitor)),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, TreeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, TreeError> {
        // Unit variants only, as serde_yaml reads a policy (which has no data-carrying
        // enum in map form: an SLA is a struct, see `runbook::calendar::SlaRepr`).
        match self.0 {
            Node::Text(variant) => visitor.visit_enum(variant.as_str().into_deserializer()),
            _ => Err(self.invalid(&visitor)),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf unit
        unit_struct seq tuple tuple_struct identifier ignored_any
    }
}

/// A list's items, each error marked with its index.
struct Items<'de> {
    items: std::slice::Iter<'de, Node>,
    index: usize,
}

impl<'de> de::SeqAccess<'de> for &mut Items<'de> {
    type Error = TreeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, TreeError> {
        let Some(item) = self.items.next() else {
            return Ok(None);
        };
        let index = self.index;
        self.index += 1;
        seed.deserialize(NodeDeserializer(item))
            .map(Some)
            .map_err(|error| error.under_index(index))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// A mapping's entries, each value's error marked with its key, and a key that is not
/// wanted marked as the place to point.
struct Entries<'de> {
    entries: &'de [(String, Node)],
    /// The index of the next entry to read.
    next: usize,
    /// The entry whose key was read and whose value was not (yet).
    value: Option<(&'de str, &'de Node)>,
}

impl Entries<'_> {
    /// An error raised while a key's value is pending (a visitor refusing a repeated
    /// field does so before reading the value) concerns that key.
    #[cold]
    fn blame_pending_key(&self, error: TreeError) -> TreeError {
        match self.value {
            Some((key, _)) => error.at_key(key, self.occurrence_of_last_key(key)),
            None => error,
        }
    }

    /// How many entries before the one last read have its key.
    fn occurrence_of_last_key(&self, key: &str) -> usize {
        let earlier = self
            .entries
            .get(..self.next.saturating_sub(1))
            .unwrap_or_default();
        earlier.iter().filter(|(other, _)| other == key).count()
    }
}

impl<'de> de::MapAccess<'de> for Entries<'de> {
    type Error = TreeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, TreeError> {
        let Some((key, value)) = self.entries.get(self.next) else {
            return Ok(None);
        };
        self.next += 1;
        self.value = Some((key, value));
        seed.deserialize(BorrowedStrDeserializer::<TreeError>::new(key))
            .map(Some)
            .map_err(|error| error.at_key(key, self.occurrence_of_last_key(key)))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, TreeError> {
        let (key, value) = self
            .value
            .take()
            .ok_or_else(|| de::Error::custom("a mapping value was read before its key"))?;
        seed.deserialize(NodeDeserializer(value))
            .map_err(|error| error.under_key(key))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len().saturating_sub(self.next))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Rule {
        name: String,
        #[serde(default)]
        weight: Option<f64>,
        kind: Kind,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Kind {
        Plain,
        Scaled,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Doc {
        rules: Vec<Rule>,
    }

    fn yaml(text: &str) -> Result<Doc, TreeError> {
        let node = super::super::yaml::parse(text).unwrap();
        from_node(&node)
    }

    #[test]
    fn reads_yaml_and_json_alike() {
        let from_yaml =
            yaml("rules:\n  - name: a\n    kind: plain\n  - {name: b, weight: 2, kind: scaled}\n");
        let node: Node = serde_json::from_str(
            r#"{"rules": [{"name": "a", "kind": "plain"}, {"name": "b", "weight": 2, "kind": "scaled"}]}"#,
        )
        .unwrap();
        let from_json: Result<Doc, TreeError> = from_node(&node);
        let expected = Doc {
            rules: vec![
                Rule {
                    name: "a".into(),
                    weight: None,
                    kind: Kind::Plain,
                },
                Rule {
                    name: "b".into(),
                    weight: Some(2.0),
                    kind: Kind::Scaled,
                },
            ],
        };
        assert_eq!(from_yaml, Ok(expected));
        assert_eq!(from_json, from_yaml);
    }

    #[test]
    fn a_plain_scalar_is_text_where_text_is_wanted() {
        let doc = yaml("rules:\n  - name: 404\n    kind: plain\n  - name: true\n    kind: plain\n")
            .unwrap();
        assert_eq!(doc.rules[0].name, "404");
        assert_eq!(doc.rules[1].name, "true");
    }

    #[test]
    fn a_type_error_names_its_path() {
        let error = yaml("rules:\n  - name: a\n    kind: plain\n  - name: b\n    weight: heavy\n    kind: plain\n")
            .unwrap_err();
        assert_eq!(error.field(), "rules[1].weight");
        assert_eq!(
            error.message(),
            "invalid type: string \"heavy\", expected f64"
        );
        assert_eq!(error.bad_key(), None);
    }

    #[test]
    fn an_unknown_key_names_its_mapping_and_points_at_the_key() {
        let error = yaml("rules:\n  - name: a\n    kind: plain\n    colour: red\n").unwrap_err();
        assert_eq!(error.field(), "rules[0]");
        assert!(
            error.message().starts_with("unknown field `colour`"),
            "{}",
            error.message()
        );
        assert_eq!(
            error.path(),
            vec![Step::Key("rules".into()), Step::Index(0)]
        );
        assert_eq!(
            error.bad_key(),
            Some(&BadKey {
                key: "colour".into(),
                occurrence: 0
            })
        );
    }

    #[test]
    fn a_repeated_field_is_refused_at_its_second_occurrence() {
        let error =
            yaml("rules:\n  - name: a\n    kind: plain\n    name: b\n    name: c\n").unwrap_err();
        assert_eq!(error.field(), "rules[0]");
        assert_eq!(error.message(), "duplicate field `name`");
        assert_eq!(
            error.bad_key(),
            Some(&BadKey {
                key: "name".into(),
                occurrence: 1
            })
        );
    }

    #[test]
    fn a_struct_is_read_from_a_mapping_only_as_serde_yaml_reads_it() {
        let text = "rules:\n  - [a, 1.5, plain]\n";
        let error = yaml(text).unwrap_err();
        assert_eq!(error.field(), "rules[0]");
        assert_eq!(
            error.message(),
            "invalid type: sequence, expected struct Rule"
        );
        // The same refusal, word for word, as serde_yaml's own typed parse.
        let direct = serde_yaml::from_str::<Doc>(text).unwrap_err().to_string();
        assert!(
            direct.starts_with(&format!("rules[0]: {}", error.message())),
            "{direct}"
        );
    }

    #[test]
    fn a_missing_field_names_its_mapping() {
        let error = yaml("rules:\n  - name: a\n").unwrap_err();
        assert_eq!(error.field(), "rules[0]");
        assert_eq!(error.message(), "missing field `kind`");
    }
}
