//! Reading structs from JSON objects only.
//!
//! serde's derive reads a struct from a JSON array as well as from an object, taking
//! the array's items as the fields in order. For deskguard's inputs that is a way for
//! input that means nothing to pass as input that does: `[]` would be a request of
//! defaults, `"customer": [true]` a verified customer, `[]` a monitor configuration.
//! [`ObjectOnly`] wraps a deserializer so that a struct is read from an object and
//! from nothing else; [`super::from_json_object`] reads a whole document through it
//! (and [`super::from_json_object_value`] a whole value), and [`object`], [`objects`],
//! [`object_map`] and [`optional_object`] a nested part
//! (`#[serde(deserialize_with = "…")]`).

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};

/// Reads a nested struct (a request's ticket, a reply context's context) from a JSON
/// object only, for `#[serde(deserialize_with = "object")]`: `"ticket": []` must not
/// read as a ticket of defaults (see [`ObjectOnly`]).
pub(crate) fn object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    data: D,
) -> Result<T, D::Error> {
    T::deserialize(ObjectOnly(data))
}

/// A list of structs, each read from a JSON object only (see [`object`]).
pub(crate) fn objects<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    data: D,
) -> Result<Vec<T>, D::Error> {
    let items = Vec::<Object<T>>::deserialize(data)?;
    Ok(items.into_iter().map(|Object(item)| item).collect())
}

/// A map whose values are structs, each read from a JSON object only (see [`object`]).
///
/// Entries are inserted as they are read, as serde's own map reader does: collecting
/// a map of wrapped values into a map of values would sort them again, and that sort
/// is instantiated for every value type.
pub(crate) fn object_map<'de, D, K, T>(data: D) -> Result<BTreeMap<K, T>, D::Error>
where
    D: Deserializer<'de>,
    K: Deserialize<'de> + Ord,
    T: Deserialize<'de>,
{
    struct Entries<K, T>(PhantomData<(K, T)>);

    impl<'de, K: Deserialize<'de> + Ord, T: Deserialize<'de>> Visitor<'de> for Entries<K, T> {
        type Value = BTreeMap<K, T>;

        fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
            formatter.write_str("a map")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<Self::Value, A::Error> {
            let mut map = BTreeMap::new();
            while let Some((key, Object(value))) = entries.next_entry::<K, Object<T>>()? {
                map.insert(key, value);
            }
            Ok(map)
        }
    }

    data.deserialize_map(Entries(PhantomData))
}

/// A struct or `null`, the struct read from a JSON object only (see [`object`]).
pub(crate) fn optional_object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    data: D,
) -> Result<Option<T>, D::Error> {
    let value = Option::<Object<T>>::deserialize(data)?;
    Ok(value.map(|Object(value)| value))
}

/// One item of [`objects`], value of [`object_map`] or content of [`optional_object`].
struct Object<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(data: D) -> Result<Self, D::Error> {
        object(data).map(Object)
    }
}

/// A deserializer that reads a struct as a map: from an object, and from nothing else.
/// A value of any other kind is read as `D` reads it.
pub(crate) struct ObjectOnly<D>(pub(crate) D);

impl<'de, D: Deserializer<'de>> Deserializer<'de> for ObjectOnly<D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_map(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
        byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
        identifier ignored_any
    }
}
