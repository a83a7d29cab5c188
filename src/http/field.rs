//! A JSON body's top-level values as the handlers read them.
//!
//! An object directly under the body (a payment's `amount` and `metadata`,
//! a customer's `metadata`) is kept as its list of fields rather than as a
//! `serde_json::Value`: serde_json's map is an `IndexMap` that hashes every
//! name with SipHash and allocates twice, which cost more than everything a
//! handler does with the object after. The amount and metadata rules read
//! the list directly ([`Field`]); any other reader gets a `Value`, built
//! the first time it asks.
//!
//! Names and strings borrow the request's text ([`Text`]) unless they hold
//! an escape, so a body lives no longer than the bytes it was read from:
//! the handler's `Ctx` and the bytes share the pipeline's frame. The rules
//! that read a string (URLs, descriptions, names, the amount) take it as a
//! [`Field`] and never ask for its `Value`.

use std::borrow::Cow;
use std::sync::OnceLock;

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

/// Up to this many fields an object is a list, looked up by a scan.
pub(crate) const SCAN_FIELDS: usize = 16;

/// A name or a string as sent: borrowed from the request's text unless it
/// had an escape to undo. Every POST's names and most of its strings are
/// then never copied, where each was an allocation, a copy and a free.
pub(crate) type Text<'a> = Cow<'a, str>;

/// One top-level value of a decoded body.
#[derive(Debug, Clone)]
pub(crate) enum Slot<'a> {
    Value(Value),
    /// A string; its `Value` is made when a reader asks for one.
    Str(Text<'a>, OnceLock<Value>),
    /// An object of at most [`SCAN_FIELDS`] fields, each name once, in the
    /// order sent; the `Value` is made when a reader asks for one.
    Object(Vec<(Text<'a>, Leaf<'a>)>, OnceLock<Value>),
}

impl<'a> Slot<'a> {
    pub(crate) fn value(&self) -> &Value {
        match self {
            Slot::Value(v) => v,
            Slot::Str(s, made) => made.get_or_init(|| Value::String(s.as_ref().to_owned())),
            Slot::Object(pairs, made) => made.get_or_init(|| Value::Object(to_map(pairs))),
        }
    }

    pub(crate) fn field(&self) -> Field<'_> {
        match self {
            Slot::Value(v) => Field::Value(v),
            Slot::Str(s, _) => Field::Str(s),
            Slot::Object(pairs, _) => Field::Object(pairs),
        }
    }

    pub(crate) fn into_value(self) -> Value {
        match self {
            Slot::Value(v) => v,
            Slot::Str(s, _) => Value::String(s.into_owned()),
            Slot::Object(pairs, _) => Value::Object(
                pairs
                    .into_iter()
                    .map(|(k, v)| (k.into_owned(), v.into_value()))
                    .collect(),
            ),
        }
    }
}

fn to_map(pairs: &[(Text<'_>, Leaf<'_>)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.as_ref().to_owned(), v.clone().into_value()))
        .collect()
}

/// A value inside an object directly under the body (`amount.value`): a
/// string as sent, or any other value.
#[derive(Debug, Clone, PartialEq)]
pub enum Leaf<'a> {
    Str(Text<'a>),
    Value(Value),
}

impl Leaf<'_> {
    fn into_value(self) -> Value {
        match self {
            Leaf::Str(s) => Value::String(s.into_owned()),
            Leaf::Value(v) => v,
        }
    }

    fn field(&self) -> Field<'_> {
        match self {
            Leaf::Str(s) => Field::Str(s),
            Leaf::Value(v) => Field::Value(v),
        }
    }
}

/// A body field as the rules read it: a `Value`, a string as sent, or an
/// object's fields in the order sent.
#[derive(Debug, Clone, Copy)]
pub enum Field<'a> {
    Value(&'a Value),
    Str(&'a str),
    Object(&'a [(Text<'a>, Leaf<'a>)]),
}

static NULL: Value = Value::Null;

impl<'a> Field<'a> {
    /// `null`, for a field that was not sent.
    pub const NULL: Field<'static> = Field::Value(&NULL);

    pub fn is_null(&self) -> bool {
        matches!(self, Field::Value(Value::Null))
    }

    /// Its text, when it is a string.
    pub fn as_str(self) -> Option<&'a str> {
        match self {
            Field::Str(s) => Some(s),
            Field::Value(Value::String(s)) => Some(s),
            _ => None,
        }
    }

    /// Its fields, when it is an object.
    pub fn object(self) -> Option<Obj<'a>> {
        match self {
            Field::Value(Value::Object(map)) => Some(Obj::Map(map)),
            Field::Object(pairs) => Some(Obj::Pairs(pairs)),
            Field::Value(_) | Field::Str(_) => None,
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
            Field::Str(text) => s.serialize_str(text),
            Field::Object(pairs) => s.collect_map(pairs.iter().map(|(k, v)| (k, v.field()))),
        }
    }
}

/// An object's fields, whichever way it was kept.
#[derive(Debug, Clone, Copy)]
pub enum Obj<'a> {
    Map(&'a Map<String, Value>),
    Pairs(&'a [(Text<'a>, Leaf<'a>)]),
}

impl<'a> Obj<'a> {
    pub fn iter(self) -> impl Iterator<Item = (&'a str, Field<'a>)> {
        // One of the two is empty: no boxed iterator.
        let (pairs, map) = match self {
            Obj::Pairs(pairs) => (pairs, None),
            Obj::Map(map) => (&[][..], Some(map)),
        };
        pairs.iter().map(|(k, v)| (k.as_ref(), v.field())).chain(
            map.into_iter()
                .flatten()
                .map(|(k, v)| (k.as_str(), Field::Value(v))),
        )
    }
}

/// Reads a name or a string borrowed from the text when it can be.
pub(crate) struct TextSeed;

impl<'de> DeserializeSeed<'de> for TextSeed {
    type Value = Text<'de>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Text<'de>, D::Error> {
        d.deserialize_str(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Text<'de>, E> {
        Ok(Cow::Owned(v))
    }
}

/// What one value decodes to: a [`Slot`] directly under the body, a
/// [`Leaf`] inside an object there. Both keep a string as sent and any
/// other scalar as serde_json's own `Value`; they differ in what they
/// make of an object.
trait Decoded<'de>: Sized {
    fn value(v: Value) -> Self;
    fn text(t: Text<'de>) -> Self;
    fn object<A: MapAccess<'de>>(access: A) -> Result<Self, A::Error>;
}

impl<'de> Decoded<'de> for Slot<'de> {
    fn value(v: Value) -> Self {
        Slot::Value(v)
    }

    fn text(t: Text<'de>) -> Self {
        Slot::Str(t, OnceLock::new())
    }

    fn object<A: MapAccess<'de>>(mut access: A) -> Result<Self, A::Error> {
        let Some(first) = access.next_key_seed(TextSeed)? else {
            return Ok(Slot::Object(Vec::new(), OnceLock::new()));
        };
        if first.starts_with("$serde_json::private::") {
            // With arbitrary_precision a number arrives as a map under
            // serde_json's private name (and so does an object sent with
            // that name first): serde_json's own `Value` reads it, from
            // the name already taken.
            let replay = Replay {
                first: Some(first.into_owned()),
                rest: access,
            };
            return Value::deserialize(de::value::MapAccessDeserializer::new(replay))
                .map(Slot::Value);
        }
        let mut pairs: Vec<(Text<'de>, Leaf<'de>)> = Vec::with_capacity(4);
        pairs.push((first, access.next_value_seed(LeafSeed)?));
        Ok(
            match read_fields(
                &mut access,
                pairs,
                |a| a.next_value_seed(LeafSeed),
                Leaf::into_value,
            )? {
                Fields::Few(pairs) => Slot::Object(pairs, OnceLock::new()),
                Fields::Many(map) => Slot::Value(Value::Object(map)),
            },
        )
    }
}

impl<'de> Decoded<'de> for Leaf<'de> {
    fn value(v: Value) -> Self {
        Leaf::Value(v)
    }

    fn text(t: Text<'de>) -> Self {
        Leaf::Str(t)
    }

    // Whole to serde_json's `Value`, which also reads a number that
    // arbitrary_precision sends as a map under its private name.
    fn object<A: MapAccess<'de>>(access: A) -> Result<Self, A::Error> {
        Value::deserialize(de::value::MapAccessDeserializer::new(access)).map(Leaf::Value)
    }
}

/// Decodes one top-level value into a [`Slot`].
pub(crate) struct SlotSeed;

impl<'de> DeserializeSeed<'de> for SlotSeed {
    type Value = Slot<'de>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Slot<'de>, D::Error> {
        d.deserialize_any(DecodedVisitor(std::marker::PhantomData))
    }
}

/// Decodes a value inside an object into a [`Leaf`].
pub(crate) struct LeafSeed;

impl<'de> DeserializeSeed<'de> for LeafSeed {
    type Value = Leaf<'de>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Leaf<'de>, D::Error> {
        d.deserialize_any(DecodedVisitor(std::marker::PhantomData))
    }
}

struct DecodedVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: Decoded<'de>> Visitor<'de> for DecodedVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<T, E> {
        Ok(T::value(Value::Bool(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        Ok(T::value(Value::from(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        Ok(T::value(Value::from(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        Ok(T::value(
            serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number),
        ))
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<T, E> {
        Ok(T::text(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        Ok(T::text(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<T, E> {
        Ok(T::text(Cow::Owned(v)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        Ok(T::value(Value::Null))
    }

    fn visit_none<E: de::Error>(self) -> Result<T, E> {
        Ok(T::value(Value::Null))
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        Value::deserialize(d).map(T::value)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
        Value::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(T::value)
    }

    fn visit_map<A: MapAccess<'de>>(self, access: A) -> Result<T, A::Error> {
        T::object(access)
    }
}

/// An object's fields as read: a list up to [`SCAN_FIELDS`], else a map.
#[derive(Debug, Clone)]
pub(crate) enum Fields<'a, V> {
    Few(Vec<(Text<'a>, V)>),
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
    mut few: Vec<(Text<'de>, V)>,
    mut read: impl FnMut(&mut A) -> Result<V, A::Error>,
    into_value: impl Fn(V) -> Value,
) -> Result<Fields<'de, V>, A::Error> {
    while let Some(name) = access.next_key_seed(TextSeed)? {
        let value = read(access)?;
        if let Some(slot) = few.iter_mut().find(|(k, _)| *k == name) {
            slot.1 = value;
            continue;
        }
        few.push((name, value));
        if few.len() > SCAN_FIELDS {
            let mut map: Map<String, Value> = few
                .into_iter()
                .map(|(k, v)| (k.into_owned(), into_value(v)))
                .collect();
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

    fn slot(text: &str) -> Result<Slot<'_>, serde_json::Error> {
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
            r#"{"v":"1.00","n":12.50,"e":"caf\u00e9","o":{"x":[1]},"b":true,"z":null,"a":["s"]}"#,
            r#"{"k\u00e9y":"x","n":{"$serde_json::private::Number":"1"},"q":"a\"b"}"#,
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
        assert_eq!(
            pairs[0],
            (Cow::from("value"), Leaf::Str(Cow::from("11.00")))
        );
        let names: Vec<String> = (0..=SCAN_FIELDS).map(|i| format!("\"k{i}\":{i}")).collect();
        let text = format!("{{{}}}", names.join(","));
        let large = slot(&text);
        assert!(
            matches!(large, Ok(Slot::Value(Value::Object(_)))),
            "{large:?}"
        );
    }

    #[test]
    fn an_object_is_read_alike_either_way() {
        let value = serde_json::json!({"value": "1.00", "currency": "EUR"});
        let pairs = vec![
            (Cow::from("value"), Leaf::Str(Cow::from("1.00"))),
            (Cow::from("currency"), Leaf::Value(Value::from("EUR"))),
        ];
        for field in [Field::from(&value), Field::Object(&pairs)] {
            let Some(obj) = field.object() else {
                panic!("{field:?}")
            };
            let read: Vec<_> = obj.iter().map(|(k, v)| (k, v.as_str())).collect();
            assert_eq!(read, [("value", Some("1.00")), ("currency", Some("EUR"))]);
        }
        assert!(Field::NULL.is_null());
        assert!(Field::NULL.object().is_none());
    }
}
