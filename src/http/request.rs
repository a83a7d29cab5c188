//! Decoding what a client sends: the query string and the body, in either of
//! the encodings Mollie accepts (JSON, or a form with bracketed keys).

use hyper::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE, HOST};
use serde_json::{Map, Value};

use super::field::{self, read_fields, Slot, SlotSeed, SCAN_FIELDS};
pub use super::field::{Field, Obj};
use crate::error::{ApiError, Result};

/// The segments after a path's first `/`, as `path.split('/').skip(1)`
/// gives them, cut over bytes: `str::split`'s searcher cost more than what
/// the router and the metrics do with the segments.
pub fn path_segments(path: &str) -> impl Iterator<Item = &str> {
    let bytes = path.as_bytes();
    let mut next = bytes.iter().position(|&b| b == b'/').map(|at| at + 1);
    std::iter::from_fn(move || {
        let start = next?;
        let rest = bytes.get(start..)?;
        // Cut at '/' bytes and the end: always character boundaries.
        match rest.iter().position(|&b| b == b'/') {
            Some(at) => {
                next = Some(start + at + 1);
                path.get(start..start + at)
            }
            None => {
                next = None;
                path.get(start..)
            }
        }
    })
}

/// The headers the API path reads, found in one walk over the request's
/// few headers: each `HeaderMap::get` hashes its name and probes, and five
/// of them (a custom name parsed first) cost more than the walk.
#[derive(Debug, Default, Clone, Copy)]
pub struct Known<'a> {
    pub host: Option<&'a HeaderValue>,
    pub authorization: Option<&'a HeaderValue>,
    pub content_type: Option<&'a HeaderValue>,
    pub idempotency_key: Option<&'a HeaderValue>,
    /// `X-Sandbox-Scenario`.
    pub scenario: Option<&'a HeaderValue>,
}

impl<'a> Known<'a> {
    /// The first value of each, as `HeaderMap::get` gives it.
    pub fn of(headers: &'a HeaderMap) -> Known<'a> {
        const SCENARIO: HeaderName = HeaderName::from_static(crate::scenario::HEADER);
        let mut known = Known::default();
        for (name, value) in headers {
            let slot = if *name == HOST {
                &mut known.host
            } else if *name == AUTHORIZATION {
                &mut known.authorization
            } else if *name == CONTENT_TYPE {
                &mut known.content_type
            } else if *name == crate::idempotency::HEADER {
                &mut known.idempotency_key
            } else if *name == SCENARIO {
                &mut known.scenario
            } else {
                continue;
            };
            if slot.is_none() {
                *slot = Some(value);
            }
        }
        known
    }
}

/// Query parameters in the order they were sent, decoded.
#[derive(Debug, Default, Clone)]
pub struct Query {
    pub pairs: Vec<(String, String)>,
}

impl Query {
    pub fn parse(raw: Option<&str>) -> Query {
        let pairs = raw
            .map(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        Query { pairs }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// 422 for the first parameter the endpoint does not know.
    pub fn only(&self, allowed: &[&str]) -> Result<()> {
        match self
            .pairs
            .iter()
            .find(|(k, _)| !allowed.contains(&k.as_str()))
        {
            Some((k, _)) => Err(ApiError::unknown_query_field(k)),
            None => Ok(()),
        }
    }
}

/// A decoded request body: always an object, whatever the wire encoding.
#[derive(Debug, Default, Clone)]
pub struct Body<'a> {
    fields: Fields<'a>,
    /// The body came as a form: scalar values are strings and must be read
    /// leniently ("3" for an integer, "true" for a boolean).
    pub form: bool,
}

impl<'a> Body<'a> {
    pub fn decode(content_type: Option<&str>, raw: &'a [u8]) -> Result<Body<'a>> {
        let mime = content_type
            .map(|ct| ct.split(';').next().unwrap_or("").trim())
            .unwrap_or_default();
        let text = raw.trim_ascii();
        // Compared without a lowercased copy: this runs on every request.
        let is_json = mime.eq_ignore_ascii_case("application/json")
            || mime
                .len()
                .checked_sub(5)
                .and_then(|at| mime.get(at..))
                .is_some_and(|end| end.eq_ignore_ascii_case("+json"));
        if is_json {
            if text.is_empty() {
                return Ok(Body::default());
            }
            if text.first() == Some(&b'{') {
                // Checked as UTF-8 once, whole: serde_json's slice reader
                // checks each string on its own, at several times the cost.
                // Invalid UTF-8 goes the slice way for its error message.
                let fields = match std::str::from_utf8(text) {
                    Ok(text) => serde_json::from_str::<Fields>(text),
                    Err(_) => serde_json::from_slice::<Fields>(text),
                };
                return match fields {
                    Ok(fields) => Ok(Body {
                        fields,
                        form: false,
                    }),
                    Err(e) => Err(ApiError::bad_request(format!(
                        "The JSON in the request body is invalid: {e}."
                    ))),
                };
            }
            return match serde_json::from_slice::<Value>(text) {
                Ok(_) => Err(ApiError::bad_request(
                    "The request body must be a JSON object.",
                )),
                Err(e) => Err(ApiError::bad_request(format!(
                    "The JSON in the request body is invalid: {e}."
                ))),
            };
        }
        let mime = mime.to_ascii_lowercase();
        if !(mime.is_empty() || mime == "application/x-www-form-urlencoded") {
            if text.is_empty() {
                // Clients put a content type on bodiless requests; nothing to decode.
                return Ok(Body::default());
            }
            return Err(ApiError::new(
                415,
                format!("The content type \"{mime}\" is not supported. Send JSON with \"Content-Type: application/json\" or URL encoded form data."),
            ));
        }
        if text.is_empty() {
            return Ok(Body::default());
        }
        if text.first().is_some_and(|c| *c == b'{' || *c == b'[') {
            return Err(ApiError::bad_request(
                "Expected URL encoded form data, got JSON. Set the \"Content-Type\" header to \"application/json\" when sending JSON encoded data.",
            ));
        }
        Ok(Body {
            fields: Fields::Many(decode_form(text)?),
            form: true,
        })
    }

    /// Decodes `raw` as the request's `Content-Type` says.
    pub fn from_request(parts: &hyper::http::request::Parts, raw: &'a [u8]) -> Result<Body<'a>> {
        Body::of_type(parts.headers.get(CONTENT_TYPE), raw)
    }

    /// The body, decoded as its `Content-Type` header says.
    pub fn of_type(content_type: Option<&HeaderValue>, raw: &'a [u8]) -> Result<Body<'a>> {
        Body::decode(content_type.and_then(|v| v.to_str().ok()), raw)
    }

    pub fn is_empty(&self) -> bool {
        match &self.fields {
            Fields::Few(few) => few.is_empty(),
            Fields::Many(map) => map.is_empty(),
        }
    }

    /// The fields in the order they were sent, each name once.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> + '_ {
        // One of the two is empty: no boxed iterator on every request.
        let (few, many) = match &self.fields {
            Fields::Few(few) => (few.as_slice(), None),
            Fields::Many(map) => (&[][..], Some(map)),
        };
        few.iter()
            .map(|(k, v)| (k.as_ref(), v.value()))
            .chain(many.into_iter().flatten().map(|(k, v)| (k.as_str(), v)))
    }

    /// 422 for the first field the endpoint does not know; else which of
    /// `allowed` were sent, as bits (bit `i` for `allowed[i]`, the first 64),
    /// for a handler to skip the lookups of fields it now knows are absent.
    pub fn only(&self, allowed: &[&str]) -> Result<u64> {
        let mut sent = 0u64;
        let mut mark = |k: &str| match allowed.iter().position(|a| *a == k) {
            Some(i) => {
                sent |= 1u64.checked_shl(i as u32).unwrap_or(0);
                true
            }
            None => false,
        };
        // Every POST asks this: matched here rather than through `iter`,
        // whose chained iterator counted more instructions.
        let unknown = match &self.fields {
            Fields::Few(few) => few.iter().map(|(k, _)| k.as_ref()).find(|k| !mark(k)),
            Fields::Many(map) => map.keys().map(String::as_str).find(|k| !mark(k)),
        };
        match unknown {
            Some(k) => Err(ApiError::unknown_body_field(k)),
            None => Ok(sent),
        }
    }

    /// A handler asks for every field it knows, most of them absent: in a
    /// body of a few fields comparing names beats hashing each one asked.
    pub fn get(&self, name: &str) -> Option<&Value> {
        match &self.fields {
            Fields::Few(few) => few.iter().find(|(k, _)| k == name).map(|(_, v)| v.value()),
            Fields::Many(map) if map.len() <= SCAN_FIELDS => {
                map.iter().find(|(k, _)| k.as_str() == name).map(|(_, v)| v)
            }
            Fields::Many(map) => map.get(name),
        }
    }

    /// A field as the amount and metadata rules read it: an object sent
    /// in JSON without its `Value` made ([`Field`]).
    pub fn field(&self, name: &str) -> Option<Field<'_>> {
        match &self.fields {
            Fields::Few(few) => few.iter().find(|(k, _)| k == name).map(|(_, v)| v.field()),
            Fields::Many(_) => self.get(name).map(Field::Value),
        }
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The body as one JSON object.
    pub fn to_value(&self) -> Value {
        Value::Object(
            self.iter()
                .map(|(k, v)| (k.to_owned(), v.clone()))
                .collect(),
        )
    }
}

/// A body's top-level fields. A JSON body of a few fields (every real
/// request) is kept as a list: serde_json's own map hashes each name with
/// SipHash on the way in, which cost more than all the lookups after; an
/// object among its values is kept as a list too ([`Slot`]). Past
/// `SCAN_FIELDS` it becomes a map ([`read_fields`]).
type Fields<'a> = field::Fields<'a, Slot<'a>>;

impl Default for Fields<'_> {
    fn default() -> Self {
        Fields::Few(Vec::new())
    }
}

impl<'de> serde::Deserialize<'de> for Fields<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(
        d: D,
    ) -> std::result::Result<Fields<'de>, D::Error> {
        d.deserialize_map(FieldsVisitor)
    }
}

struct FieldsVisitor;

impl<'de> serde::de::Visitor<'de> for FieldsVisitor {
    type Value = Fields<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut access: A,
    ) -> std::result::Result<Fields<'de>, A::Error> {
        // Room for a typical body up front: growing 0, 4, 8 reallocated twice.
        let few = Vec::with_capacity(8);
        read_fields(
            &mut access,
            few,
            |a| a.next_value_seed(SlotSeed),
            Slot::into_value,
        )
    }
}

/// How deep bracketed form keys may nest (`a[b][c]` is 2), as PHP's
/// `max_input_nesting_level` bounds them on Mollie's side. Deeper keys are
/// refused: unbounded nesting would build values too deep to drop or render.
pub const MAX_FORM_DEPTH: usize = 64;

/// A form key as it goes into an error detail: the whole key when short,
/// else its start (a key may be a megabyte long).
fn shown(key: &str) -> std::borrow::Cow<'_, str> {
    const SHOWN: usize = 64;
    if key.len() <= SHOWN {
        return key.into();
    }
    let mut end = SHOWN;
    while !key.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &key[..end]).into()
}

/// `amount[value]=10.00&method[]=ideal` into `{"amount":{"value":"10.00"},"method":["ideal"]}`.
fn decode_form(raw: &[u8]) -> Result<Map<String, Value>> {
    let mut root = Map::new();
    for (key, value) in form_urlencoded::parse(raw) {
        let (head, path) = split_brackets(&key);
        if head.is_empty() {
            return Err(ApiError::bad_request(format!(
                "The form field \"{}\" is malformed.",
                shown(&key)
            )));
        }
        if path.len() > MAX_FORM_DEPTH {
            return Err(ApiError::bad_request(format!(
                "The form field \"{}\" is nested too deeply. Keys may nest up to {MAX_FORM_DEPTH} levels.",
                shown(&key)
            )));
        }
        let value = if head == "metadata" && path.is_empty() {
            form_metadata(value.into_owned())
        } else {
            Value::String(value.into_owned())
        };
        insert_path(&mut root, head, &path, value).map_err(|()| {
            ApiError::bad_request(format!(
                "The form field \"{}\" conflicts with another field.",
                shown(&key)
            ))
        })?;
    }
    Ok(root)
}

/// Mollie documents metadata sent in forms as a JSON string: decoded when it
/// is JSON of a type metadata may have, else kept as the string it is
/// (`metadata=false` is the text "false", not a boolean the API refuses).
fn form_metadata(text: String) -> Value {
    match serde_json::from_str::<Value>(&text) {
        Ok(v) if crate::validate::metadata_type_ok(&v) => v,
        _ => Value::String(text),
    }
}

fn split_brackets(key: &str) -> (&str, Vec<&str>) {
    let Some(open) = key.find('[') else {
        return (key, Vec::new());
    };
    let head = &key[..open];
    let mut path = Vec::new();
    let mut rest = &key[open..];
    while let Some(stripped) = rest.strip_prefix('[') {
        match stripped.find(']') {
            Some(close) => {
                path.push(&stripped[..close]);
                rest = &stripped[close + 1..];
            }
            None => break,
        }
    }
    (head, path)
}

/// Puts `value` at `head[path…]`, creating objects on the way; `[]` appends
/// to an array and must come last. A loop, not recursion: depth costs no stack.
fn insert_path(
    map: &mut Map<String, Value>,
    head: &str,
    path: &[&str],
    value: Value,
) -> Result<(), ()> {
    let mut map = map;
    let mut name = head;
    for (i, seg) in path.iter().enumerate() {
        let last = i + 1 == path.len();
        if seg.is_empty() {
            let slot = map
                .entry(name.to_owned())
                .or_insert_with(|| Value::Array(Vec::new()));
            return match slot {
                Value::Array(items) if last => {
                    items.push(value);
                    Ok(())
                }
                _ => Err(()),
            };
        }
        let slot = map
            .entry(name.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        map = match slot {
            Value::Object(inner) => inner,
            _ => return Err(()),
        };
        name = seg;
    }
    map.insert(name.to_owned(), value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The JSON media type in any case and with parameters; anything else
    /// that is not a form is 415, named in lower case.
    #[test]
    fn media_types_are_matched_without_case() {
        for ct in [
            "application/json",
            "Application/JSON; charset=utf-8",
            "application/hal+json",
            "application/vnd.mollie+JSON",
        ] {
            let body = Body::decode(Some(ct), br#"{"a":"b"}"#).unwrap();
            assert_eq!(body.get("a"), Some(&Value::String("b".into())), "{ct}");
        }
        let err = Body::decode(Some("Text/Plain; charset=x"), b"a=b").unwrap_err();
        assert_eq!(err.status, 415);
        assert!(err.detail.contains("\"text/plain\""), "{}", err.detail);
        let form = Body::decode(Some("Application/X-WWW-Form-Urlencoded"), b"a=b").unwrap();
        assert_eq!(form.get("a"), Some(&Value::String("b".into())));
        assert!(Body::decode(Some("json"), b"{}").is_err());
    }

    /// Invalid UTF-8 in a JSON body is the same 400 as serde_json's slice
    /// reader gives; valid non-ASCII text decodes.
    #[test]
    fn json_bodies_that_are_not_utf8_are_refused_as_before() {
        let raw = b"{\"name\":\"Jan \xff\"}";
        let err = Body::decode(Some("application/json"), raw).unwrap_err();
        let expected = serde_json::from_slice::<Value>(raw).unwrap_err();
        assert_eq!(err.status, 400);
        assert_eq!(
            err.detail,
            format!("The JSON in the request body is invalid: {expected}.")
        );
        let body =
            Body::decode(Some("application/json"), "{\"name\":\"Zoë 🦀\"}".as_bytes()).unwrap();
        assert_eq!(body.get("name"), Some(&Value::String("Zoë 🦀".into())));
    }

    /// One walk finds what five `HeaderMap::get`s found, first value first.
    #[test]
    fn known_headers_are_the_first_value_of_each() {
        let mut headers = HeaderMap::new();
        headers.append(HOST, HeaderValue::from_static("sandbox:8080"));
        headers.append("x-other", HeaderValue::from_static("x"));
        headers.append(AUTHORIZATION, HeaderValue::from_static("Bearer a"));
        headers.append(AUTHORIZATION, HeaderValue::from_static("Bearer b"));
        headers.append("Idempotency-Key", HeaderValue::from_static("k1"));
        headers.append("X-Sandbox-Scenario", HeaderValue::from_static("flaky"));
        headers.append("x-sandbox-scenario", HeaderValue::from_static("second"));
        let known = Known::of(&headers);
        assert_eq!(known.host, headers.get(HOST));
        assert_eq!(known.authorization, headers.get(AUTHORIZATION));
        assert_eq!(
            known.authorization.map(|v| v.as_bytes()),
            Some(&b"Bearer a"[..])
        );
        assert_eq!(known.content_type, None);
        assert_eq!(known.idempotency_key, headers.get("idempotency-key"));
        assert_eq!(known.scenario, headers.get(crate::scenario::HEADER));
        assert_eq!(known.scenario.map(|v| v.as_bytes()), Some(&b"flaky"[..]));
        assert!(Known::of(&HeaderMap::new()).host.is_none());
    }

    #[test]
    fn form_brackets_nest() {
        let body = Body::decode(
            None,
            b"amount[value]=10.00&amount[currency]=EUR&method[]=ideal&method[]=creditcard&metadata=%7B%22a%22%3A1%7D",
        )
        .unwrap();
        assert_eq!(
            body.to_value(),
            serde_json::json!({"amount":{"value":"10.00","currency":"EUR"},"method":["ideal","creditcard"],"metadata":{"a":1}})
        );
    }

    #[test]
    fn a_name_sent_twice_keeps_its_place_and_its_last_value() {
        let body = Body::decode(Some("application/json"), br#"{"a":1,"b":2,"a":3}"#).unwrap();
        assert_eq!(body.to_value().to_string(), r#"{"a":3,"b":2}"#);
    }

    /// Names and strings are borrowed from the text unless they hold an
    /// escape; either way every reader sees what serde_json reads.
    #[test]
    fn escaped_and_plain_strings_read_alike() {
        let text = r#"{"d":"plain","e\u0073c":"caf\u00e9","amount":{"currency":"E\u0055R","value":"1.00"},"n":2}"#;
        let body = Body::decode(Some("application/json"), text.as_bytes()).unwrap();
        let expected: Value = serde_json::from_str(text).unwrap();
        assert_eq!(body.to_value(), expected);
        assert_eq!(body.field("d").and_then(Field::as_str), Some("plain"));
        assert_eq!(body.field("esc").and_then(Field::as_str), Some("café"));
        assert_eq!(body.get("esc"), Some(&Value::from("café")));
        assert_eq!(body.field("n").and_then(Field::as_str), None);
        let amount = body.field("amount").and_then(Field::object);
        let read: Vec<_> = amount
            .into_iter()
            .flat_map(|o| o.iter())
            .map(|(k, v)| (k, v.as_str()))
            .collect();
        assert_eq!(read, [("currency", Some("EUR")), ("value", Some("1.00"))]);
        assert_eq!(body.only(&["d", "esc", "amount", "n"]).ok(), Some(0b1111));
    }

    #[test]
    fn a_body_of_many_fields_is_found_by_name_in_order() {
        let text = format!(
            "{{{}}}",
            (0..40)
                .map(|i| format!("\"f{i}\":{i}"))
                .collect::<Vec<_>>()
                .join(",")
        );
        let body = Body::decode(Some("application/json"), text.as_bytes()).unwrap();
        assert_eq!(body.get("f39"), Some(&serde_json::json!(39)));
        assert_eq!(body.get("f0"), Some(&serde_json::json!(0)));
        assert_eq!(body.iter().nth(20).map(|(k, _)| k), Some("f20"));
        assert_eq!(body.get("nope"), None);
    }

    #[test]
    fn json_that_is_not_an_object_is_refused_as_before() {
        for text in [&b"[1,2]"[..], b"12", b"\"x\"", b"null"] {
            let err = Body::decode(Some("application/json"), text).unwrap_err();
            assert_eq!(err.detail, "The request body must be a JSON object.");
        }
        let err = Body::decode(Some("application/json"), b"{\"a\":").unwrap_err();
        assert!(err
            .detail
            .starts_with("The JSON in the request body is invalid: "));
    }

    #[test]
    fn json_without_content_type_is_refused() {
        let err = Body::decode(None, b"{\"a\":1}").unwrap_err();
        assert_eq!(err.status, 400);
        assert!(err
            .detail
            .starts_with("Expected URL encoded form data, got JSON."));
    }

    #[test]
    fn empty_json_body_is_empty() {
        assert!(Body::decode(Some("application/json"), b"")
            .unwrap()
            .is_empty());
        assert!(Body::decode(Some("application/json; charset=utf-8"), b"{}")
            .unwrap()
            .is_empty());
    }
}
