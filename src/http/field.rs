//! A JSON body's top-level values as the handlers read them.
//!
//! An object directly under the body (a payment's `amount` and `metadata`,
//! a customer's `metadata`) is kept as its list of fields rather than as a
//! `serde_json::Value`: serde_json's map is an `IndexMap` that hashes every
//! name with SipHash and allocates twice, which cost more than everything a
//! handler does with the object after. The amount and metadata rules read
//! the list directly ([`Field`]); any other reader gets a `Value`, built
//! the first time it asks.

use std::sync::OnceLock;

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

/// Up to this many fields an object is a list, looked up by a scan.
pub(crate) const SCAN_FIELDS: usize = 16;

/// One top-level value of a decoded body.
#[derive(Debug, Clone)]
pub(crate) enum Slot {
    Value(Value),
    /// An object of at most [`SCAN_FIELDS`] fields, each name once, in the
    /// order sent; the `Value` is made when a reader asks for one.
    Object(Vec<(String, Value)>, OnceLock<Value>),
}

impl Slot {
    pub(crate) fn value(&self) -> &Value {
        match self {
            Slot::Value(v) => v,
            Slot::Object(pairs, made) => made.get_or_init(|| Value::Object(to_map(pairs))),
        }
    }

    pub(crate) fn field(&self) -> Field<'_> {
        match self {
            Slot::Value(v) => Field::Value(v),
            Slot::Object(pairs, _) => Field::Object(pairs),
        }
    }

    pub(crate) fn into_value(self) -> Value {
        match self {
            Slot::Value(v) => v,
            Slot::Object(pairs, _) => Value::Object(pairs.into_iter().collect()),
        }
    }
}

fn to_map(pairs: &[(String, Value)]) -> Map<String, Value> {
    pairs.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// A body field as the amount and metadata rules read it: a `Value`, or an
/// object's fields in the order sent.
#[derive(Debug, Clone, Copy)]
pub enum Field<'a> {
    Value(&'a Value),
    Object(&'a [(String, Value)]),
}

static NULL: Value = Value::Null;

impl<'a> Field<'a> {
    /// `null`, for a field that was not sent.
    pub const NULL: Field<'static> = Field::Value(&NULL);

    pub fn is_null(&self) -> bool {
        matches!(self, Field::Value(Value::Null))
    }

    /// Its fields, when it is an object.
    pub fn object(self) -> Option<Obj<'a>> {
        match self {
            Field::Value(Value::Object(map)) => Some(Obj::Map(map)),
            Field::Object(pairs) => Some(Obj::Pairs(pairs)),
            Field::Value(_) => None,
        }
    }
}

impl<'a> From<&'a Value> for Field<'a> {
    fn from(v: &'a Value) -> Self {
        Field::Value(v)
    }
}

/// Written as the `Value` it stands for would be.
impl Serialize for Field<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Field::Value(v) => v.serialize(s),
            Field::Object(pairs) => s.collect_map(pairs.iter().map(|(k, v)| (k, v))),
        }
    }
}

/// An object's fields, whichever way it was kept.
#[derive(Debug, Clone, Copy)]
pub enum Obj<'a> {
    Map(&'a Map<String, Value>),
    Pairs(&'a [(String, Value)]),
}

impl<'a> Obj<'a> {
    pub fn iter(self) -> impl Iterator<Item = (&'a str, &'a Value)> {
        // One of the two is empty: no boxed iterator.
        let (pairs, map) = match self {
            Obj::Pairs(pairs) => (pairs, None),
            Obj::Map(map) => (&[][..], Some(map)),
        };
        pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v))
            .chain(map.into_iter().flatten().map(|(k, v)| (k.as_str(), v)))
    }

    pub fn keys(self) -> impl Iterator<Item = &'a str> {
        self.iter().map(|(k, _)| k)
    }

    /// A scan: these objects have a few fields (a map past
    /// `SCAN_FIELDS` is looked up by its hash).
    pub fn get(self, name: &str) -> Option<&'a Value> {
        match self {
            Obj::Map(map) if map.len() > SCAN_FIELDS => map.get(name),
            _ => self.iter().find(|(k, _)| *k == name).map(|(_, v)| v),
        }
    }
}

/// Decodes one top-level value into a [`Slot`].
pub(crate) struct SlotSeed;

impl<'de> DeserializeSeed<'de> for SlotSeed {
    type Value = Slot;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Slot, D::Error> {
        d.deserialize_any(SlotVisitor)
    }
}

struct SlotVisitor;

impl<'de> Visitor<'de> for SlotVisitor {
    type Value = Slot;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Slot, E> {
        Ok(Slot::Value(Value::Bool(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Slot, E> {
        Ok(Slot::Value(Value::from(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Slot, E> {
        Ok(Slot::Value(Value::from(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Slot, E> {
        Ok(Slot::Value(
            serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number),
        ))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Slot, E> {
        Ok(Slot::Value(Value::String(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Slot, E> {
        Ok(Slot::Value(Value::String(v)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Slot, E> {
        Ok(Slot::Value(Value::Null))
    }

    fn visit_none<E: de::Error>(self) -> Result<Slot, E> {
        Ok(Slot::Value(Value::Null))
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Slot, D::Error> {
        Value::deserialize(d).map(Slot::Value)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Slot, A::Error> {
        Value::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Slot::Value)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Slot, A::Error> {
        let Some(first) = access.next_key::<String>()? else {
            return Ok(Slot::Object(Vec::new(), OnceLock::new()));
        };
        if first.starts_with("$serde_json::private::") {
            // With arbitrary_precision a number arrives as a map under
            // serde_json's private name (and so does an object sent with
            // that name first): serde_json's own `Value` reads it, from
            // the name already taken.
            let replay = Replay {
                first: Some(first),
                rest: access,
            };
            return Value::deserialize(de::value::MapAccessDeserializer::new(replay))
                .map(Slot::Value);
        }
        let mut pairs: Vec<(String, Value)> = Vec::with_capacity(4);
        pairs.push((first, access.next_value()?));
        Ok(
            match read_fields(&mut access, pairs, |a| a.next_value(), |v| v)? {
                Fields::Few(pairs) => Slot::Object(pairs, OnceLock::new()),
                Fields::Many(map) => Slot::Value(Value::Object(map)),
            },
        )
    }
}

/// An object's fields as read: a list up to [`SCAN_FIELDS`], else a map.
#[derive(Debug, Clone)]
pub(crate) enum Fields<V> {
    Few(Vec<(String, V)>),
    Many(Map<String, Value>),
}

/// Reads the rest of `access` after `few`, each value by `read`. A name
/// sent twice keeps its first place and its last value, as serde_json's
/// map does. Past [`SCAN_FIELDS`] names it turns to serde_json's map
/// (`into_value` for the values read so far), so that an object of a
/// million names is neither scanned per name nor deduplicated in quadratic
/// time.
pub(crate) fn read_fields<'de, A: MapAccess<'de>, V>(
    access: &mut A,
    mut few: Vec<(String, V)>,
    mut read: impl FnMut(&mut A) -> Result<V, A::Error>,
    into_value: impl Fn(V) -> Value,
) -> Result<Fields<V>, A::Error> {
    while let Some(name) = access.next_key::<String>()? {
        let value = read(access)?;
        if let Some(slot) = few.iter_mut().find(|(k, _)| *k == name) {
            slot.1 = value;
            continue;
        }
        few.push((name, value));
        if few.len() > SCAN_FIELDS {
            let mut map: Map<String, Value> =
                few.into_iter().map(|(k, v)| (k, into_value(v))).collect();
            while let Some((name, value)) = access.next_entry::<String, Value>()? {
                map.insert(name, value);
            }
            return Ok(Fields::Many(map));
        }
    }
    Ok(Fields::Few(few))
}

/// A map whose first name was already read.
struct Replay<A> {
    first: Option<String>,
    rest: A,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Replay<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        match self.first.take() {
            Some(name) => seed.deserialize(name.into_deserializer()).map(Some),
            None => self.rest.next_key_seed(seed),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.rest.next_value_seed(seed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(text: &str) -> Result<Slot, serde_json::Error> {
        let mut d = serde_json::Deserializer::from_str(text);
        let slot = SlotSeed.deserialize(&mut d)?;
        d.end()?;
        Ok(slot)
    }

    /// Every kind of value reads back as serde_json's own `Value` would,
    /// in value and in text, and so do its errors.
    #[test]
    fn a_slot_is_what_serde_json_makes_of_the_same_text() {
        for text in [
            r#"{"value":"10.00","currency":"EUR"}"#,
            r#"{"a":1,"b":{"c":[1,2.50,"x"]},"a":3}"#,
            r#"{}"#,
            r#"{"n":123456789012345678901234567890}"#,
            r#"{"$serde_json::private::Number":"12.5"}"#,
            r#"{"$serde_json::private::Number":"x"}"#,
            r#"{"$serde_json::private::Number":1}"#,
            r#"{"$serde_json::private::RawValue":"[1,{\"a\":2}]"}"#,
            r#"{"$serde_json::private::RawValue":"[1"}"#,
            r#"{"$serde_json::private::Other":1}"#,
            r#"{"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17,"k1":0,"k18":18}"#,
            "12.50",
            "-7",
            "1e400",
            "\"s\\u00e9\"",
            "true",
            "null",
            "[1,[2],{\"a\":null}]",
            "{\"a\":}",
            "{\"a\":1",
        ] {
            let expected = serde_json::from_str::<Value>(text);
            match (slot(text), expected) {
                (Ok(s), Ok(v)) => {
                    assert_eq!(s.value(), &v, "{text}");
                    assert_eq!(
                        serde_json::to_string(&s.field()).unwrap_or_default(),
                        v.to_string(),
                        "{text}"
                    );
                    assert_eq!(s.clone().into_value(), v, "{text}");
                }
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{text}"),
                (a, b) => panic!("{text}: {a:?} against {b:?}"),
            }
        }
    }

    #[test]
    fn a_small_object_is_kept_as_its_fields_and_a_large_one_as_a_map() {
        let small = slot(r#"{"value":"10.00","currency":"EUR","value":"11.00"}"#);
        let Ok(Slot::Object(pairs, _)) = small else {
            panic!("{small:?}")
        };
        assert_eq!(pairs.len(), 2);
        assert_eq!(pairs[0], ("value".to_owned(), Value::from("11.00")));
        let names: Vec<String> = (0..=SCAN_FIELDS).map(|i| format!("\"k{i}\":{i}")).collect();
        let large = slot(&format!("{{{}}}", names.join(",")));
        assert!(
            matches!(large, Ok(Slot::Value(Value::Object(_)))),
            "{large:?}"
        );
    }

    #[test]
    fn an_object_is_read_alike_either_way() {
        let value = serde_json::json!({"value": "1.00", "currency": "EUR"});
        let pairs = vec![
            ("value".to_owned(), Value::from("1.00")),
            ("currency".to_owned(), Value::from("EUR")),
        ];
        for field in [Field::from(&value), Field::Object(&pairs)] {
            let Some(obj) = field.object() else {
                panic!("{field:?}")
            };
            assert_eq!(obj.keys().collect::<Vec<_>>(), ["value", "currency"]);
            assert_eq!(obj.get("currency"), Some(&Value::from("EUR")));
            assert_eq!(obj.get("other"), None);
        }
        assert!(Field::NULL.is_null());
        assert!(Field::NULL.object().is_none());
    }
}
