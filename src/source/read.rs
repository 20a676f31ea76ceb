//! Reading the policy's structs from a document tree with one shared loop instead of
//! serde's derive.
//!
//! serde's derive writes, for every struct, a visitor that identifies each key, checks
//! for repeats, deserializes each field's value with the value's own code inlined, and
//! drops what it read so far on every way out. In the WebAssembly module that came to
//! about 3.5 KB per policy struct, 105 KB in all, and V8 compiles all of it on every
//! cold start, because every engine build reads the embedded policy. Here a struct's
//! keys are matched, counted and refused by one function ([`Fields::next`]) for every
//! type; what is left per struct ([`read_struct!`]) is one call per field. An engine
//! build now compiles 77 KB of reader code (the maps' insertion code, generic over
//! each value type, is a quarter of it), and the module is 11 KiB smaller gzipped.
//!
//! Nothing a user sees changes. Every message is made by serde's own `de::Error`
//! constructors (`missing_field`, `unknown_field`, `duplicate_field`, `invalid_type`),
//! errors come in the same order (a mapping's entries in document order, then missing
//! fields in declaration order) and carry the same paths. The leaves (text, numbers,
//! enums of names, YAML values) are still read by serde through the tree's
//! deserializer, so their messages are serde's by construction. The policy types keep
//! their serde `Deserialize` for other formats, and a test (`policy::read`) reads
//! thousands of broken policies both ways and compares every result.

use std::collections::BTreeMap;

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, Deserialize};

use super::tree::{from_node, Node, TreeError};

/// A type read from a document tree.
pub(crate) trait FromTree: Sized {
    /// Reads `node` as `Self`; an error names the path below `node` where it failed.
    fn from_tree(node: &Node) -> Result<Self, TreeError>;
}

/// Types whose serde `Deserialize` is small (no visitor of named fields): read through
/// the tree's deserializer, with serde's own messages.
macro_rules! read_with_serde {
    ($($type:ty),* $(,)?) => {
        $(impl FromTree for $type {
            #[inline(never)]
            fn from_tree(node: &Node) -> Result<Self, TreeError> {
                from_node(node)
            }
        })*
    };
}

read_with_serde!(
    String,
    bool,
    f64,
    u32,
    usize,
    serde_json::Value,
    crate::codes::Trigger,
    crate::policy::Mode,
    crate::policy::Priority,
    crate::policy::Sentiment,
    crate::policy::Act,
    crate::runbook::HandlingTier,
    crate::runbook::WeekdayName,
);

impl<T: FromTree> FromTree for Option<T> {
    /// `null` is `None`, as serde reads an option.
    #[inline(never)]
    fn from_tree(node: &Node) -> Result<Self, TreeError> {
        match node {
            Node::Null => Ok(None),
            _ => T::from_tree(node).map(Some),
        }
    }
}

impl<T: FromTree> FromTree for Vec<T> {
    #[inline(never)]
    fn from_tree(node: &Node) -> Result<Self, TreeError> {
        let Node::List(items) = node else {
            return Err(invalid_type(node, "a sequence"));
        };
        let mut list = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            list.push(T::from_tree(item).map_err(|error| error.under_index(index))?);
        }
        Ok(list)
    }
}

impl<K: for<'de> Deserialize<'de> + Ord, V: FromTree> FromTree for BTreeMap<K, V> {
    /// Keys are read by serde (a trigger name, or text); a repeated key keeps its last
    /// value, as serde's map does.
    #[inline(never)]
    fn from_tree(node: &Node) -> Result<Self, TreeError> {
        let Node::Mapping(entries) = node else {
            return Err(invalid_type(node, "a map"));
        };
        let mut map = BTreeMap::new();
        for (key, value) in entries {
            // A key that does not read fails at its first occurrence.
            let read_key = K::deserialize(BorrowedStrDeserializer::<TreeError>::new(key))
                .map_err(|error| error.at_key(key, 0))?;
            map.insert(
                read_key,
                V::from_tree(value).map_err(|error| error.under_key(key))?,
            );
        }
        Ok(map)
    }
}

/// What a struct does with a key that is none of its fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unknown {
    /// Refuses it (`#[serde(deny_unknown_fields)]`).
    Deny,
    /// Skips it.
    Ignore,
    /// Hands it to the struct (`#[serde(flatten)]` into a map).
    Collect,
}

/// One entry of a struct's mapping.
pub(crate) enum Entry<'n> {
    /// The field at this index of the struct's names.
    Field(usize, &'n Node),
    /// A key that is none of the fields, under [`Unknown::Collect`].
    Other(&'n str, &'n Node),
}

/// A struct's mapping, read entry by entry in document order.
pub(crate) struct Fields<'n> {
    entries: std::slice::Iter<'n, (String, Node)>,
    names: &'static [&'static str],
    unknown: Unknown,
    /// Bit `i` is set once field `i` was read: a second time is refused.
    seen: u64,
    /// The key of the entry last returned, to name in a value's error.
    key: &'n str,
}

impl<'n> Fields<'n> {
    /// The entries of `node`, which must be a mapping (`expecting` is serde's
    /// "struct Name" for the message when it is not).
    #[inline(never)]
    pub(crate) fn of(
        node: &'n Node,
        expecting: &'static str,
        names: &'static [&'static str],
        unknown: Unknown,
    ) -> Result<Fields<'n>, TreeError> {
        debug_assert!(names.len() <= 64, "a struct of more than 64 fields");
        match node {
            Node::Mapping(entries) => Ok(Fields {
                entries: entries.iter(),
                names,
                unknown,
                seen: 0,
                key: "",
            }),
            _ => Err(invalid_type(node, expecting)),
        }
    }

    /// The next entry, or an error for a repeated field or a refused key.
    #[inline(never)]
    pub(crate) fn next(&mut self) -> Result<Option<Entry<'n>>, TreeError> {
        for (key, value) in self.entries.by_ref() {
            self.key = key;
            match self.names.iter().position(|name| name == key) {
                Some(index) => {
                    let bit = 1u64 << index;
                    if self.seen & bit != 0 {
                        // Refused at once, so at the field's second occurrence.
                        let error: TreeError =
                            de::Error::duplicate_field(field_name(self.names, index));
                        return Err(error.at_key(key, 1));
                    }
                    self.seen |= bit;
                    return Ok(Some(Entry::Field(index, value)));
                }
                None => match self.unknown {
                    Unknown::Deny => {
                        let error: TreeError = de::Error::unknown_field(key, self.names);
                        return Err(error.at_key(key, 0));
                    }
                    Unknown::Ignore => {}
                    Unknown::Collect => return Ok(Some(Entry::Other(key, value))),
                },
            }
        }
        Ok(None)
    }

    /// Reads the value of the entry last returned.
    pub(crate) fn value<T: FromTree>(&self, node: &Node) -> Result<T, TreeError> {
        T::from_tree(node).map_err(|error| error.under_key(self.key))
    }
}

/// `names[index]`, which [`Fields::next`] found there.
fn field_name(names: &'static [&'static str], index: usize) -> &'static str {
    names.get(index).copied().unwrap_or_default()
}

/// A field that has no default: its value, or serde's "missing field" error.
pub(crate) fn required<T>(value: Option<T>, name: &'static str) -> Result<T, TreeError> {
    match value {
        Some(value) => Ok(value),
        None => Err(missing_field(name)),
    }
}

#[cold]
#[inline(never)]
fn missing_field(name: &'static str) -> TreeError {
    de::Error::missing_field(name)
}

/// serde's "invalid type: ..., expected ..." for `node`.
#[cold]
#[inline(never)]
fn invalid_type(node: &Node, expecting: &'static str) -> TreeError {
    de::Error::invalid_type(node.unexpected(), &expecting)
}

/// Implements [`FromTree`] for a struct, field by field, as serde's derive reads it
/// (the macro is private to the crate, so this is a sketch, not a doc test):
///
/// ```text
/// read_struct!(Financial, Deny {
///     auto_refund_cap_usd: required,         // no #[serde(default)]
///     refund_tools: default,                 // #[serde(default)], and every Option
///     amount_arg: default(default_amount_arg), // #[serde(default = "...")]
///     as_tools = "as": required,             // #[serde(rename = "as")]
/// });
/// read_struct!(ToneGuidelines, Collect(other) { ... }); // #[serde(flatten)] other
/// ```
///
/// The struct literal it ends with names every field, so a field added to the struct
/// and not here does not compile.
macro_rules! read_struct {
    (@name $field:ident) => { stringify!($field) };
    (@name $field:ident $name:literal) => { $name };
    (@finish $value:ident, $name:expr, required) => {
        $crate::source::read::required($value, $name)?
    };
    (@finish $value:ident, $name:expr, default) => { $value.unwrap_or_default() };
    (@finish $value:ident, $name:expr, default($default:path)) => {
        $value.unwrap_or_else($default)
    };
    ($type:ident, $unknown:ident $(($other:ident))? {
        $($field:ident $(= $name:literal)?: $how:ident $(($default:path))?),* $(,)?
    }) => {
        impl $crate::source::read::FromTree for $type {
            #[inline(never)]
            fn from_tree(
                node: &$crate::source::tree::Node,
            ) -> Result<Self, $crate::source::tree::TreeError> {
                use $crate::source::read::{Entry, Fields, Unknown};
                #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
                enum Index {
                    $($field),*
                }
                const NAMES: &[&str] = &[$($crate::source::read::read_struct!(@name $field $($name)?)),*];
                let mut fields = Fields::of(
                    node,
                    concat!("struct ", stringify!($type)),
                    NAMES,
                    Unknown::$unknown,
                )?;
                $(let mut $field = None;)*
                $(let mut $other = std::collections::BTreeMap::new();)?
                while let Some(entry) = fields.next()? {
                    match entry {
                        $(Entry::Field(index, value) if index == Index::$field as usize => {
                            $field = Some(fields.value(value)?);
                        })*
                        Entry::Other(_key, _value) => {
                            $($other.insert(_key.to_string(), fields.value(_value)?);)?
                        }
                        Entry::Field(..) => {}
                    }
                }
                Ok($type {
                    $($field: $crate::source::read::read_struct!(
                        @finish $field,
                        $crate::source::read::read_struct!(@name $field $($name)?),
                        $how $(($default))?
                    ),)*
                    $($other,)?
                })
            }
        }
    };
}

pub(crate) use read_struct;
