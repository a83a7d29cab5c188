//! Property tests (proptest) over what a client controls: bodies in any
//! content type, bracketed forms of any depth and shape, JSON of any
//! nesting, query strings, metadata. Decoders must answer with a value or a
//! Mollie-shaped 4xx, never panic or overflow the stack; the server must
//! answer every request with less than 500. Bounded: a fixed number of
//! cases per property (PROPTEST_CASES overrides it), a few seconds in all.

use mollie_sandbox::http::request::{Body, Query, MAX_FORM_DEPTH};
use proptest::prelude::*;
use serde_json::Value;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(cases),
        // No files of past failures in the tree: a failure prints its input.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// The deepest nesting of arrays and objects in `v`, without recursion.
fn depth(v: &Value) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(v, 0usize)];
    while let Some((v, d)) = stack.pop() {
        deepest = deepest.max(d);
        match v {
            Value::Array(items) => stack.extend(items.iter().map(|i| (i, d + 1))),
            Value::Object(map) => stack.extend(map.values().map(|i| (i, d + 1))),
            _ => {}
        }
    }
    deepest
}

fn content_type() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("application/json".to_owned())),
        Just(Some("application/json; charset=utf-8".to_owned())),
        Just(Some("application/x-www-form-urlencoded".to_owned())),
        Just(Some("application/hal+json".to_owned())),
        Just(Some("text/plain".to_owned())),
        "[ -~]{0,40}".prop_map(Some),
    ]
}

/// A form key: a head and bracketed segments, some empty (`[]`), up to
/// well past the depth limit; sometimes with stray brackets. The segments
/// come from one number (cheap to generate, and to shrink).
fn form_key() -> impl Strategy<Value = String> {
    (
        prop_oneof![
            "[a-z]{0,8}",
            Just("metadata".to_owned()),
            Just("amount".to_owned())
        ],
        // Around the limit mostly; now and then deep enough to overflow a
        // recursive decoder's stack (issue 9: 33,000 levels killed it).
        prop_oneof![9 => 0..(MAX_FORM_DEPTH + 20), 1 => 10_000usize..50_000],
        any::<u64>(),
        prop_oneof![Just(""), Just("["), Just("]"), Just("[["), Just("]]x")],
    )
        .prop_map(|(head, depth, bits, tail)| {
            let mut key = head;
            for i in 0..depth {
                key.push('[');
                // Mostly named segments, an empty one (an array) now and then.
                if bits >> (i % 64) & 1 == 0 || i % 5 != 4 {
                    key.push(char::from(b'a' + (bits >> (i % 61)) as u8 % 3));
                }
                key.push(']');
            }
            key.push_str(tail);
            key
        })
}

fn form_body() -> impl Strategy<Value = String> {
    prop::collection::vec((form_key(), "[ -~]{0,12}"), 0..12).prop_map(|pairs| {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &pairs {
            ser.append_pair(k, v);
        }
        ser.finish()
    })
}

/// Arbitrary JSON values, nested a little.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[ -~]{0,10}".prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{0,6}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// JSON text nested `n` levels deep, closed or not.
fn deep_json() -> impl Strategy<Value = String> {
    (
        0usize..5000,
        any::<bool>(),
        prop_oneof![Just("["), Just("{\"a\":")],
    )
        .prop_map(|(n, close, open)| {
            let mut s = open.repeat(n);
            s.push('1');
            if close {
                let end = if open == "[" { "]" } else { "}" };
                s.push_str(&end.repeat(n));
            }
            s
        })
}

proptest! {
    #![proptest_config(config(500))]

    #[test]
    fn any_bytes_in_any_content_type(ct in content_type(), raw in prop::collection::vec(any::<u8>(), 0..512)) {
        match Body::decode(ct.as_deref(), &raw) {
            Ok(body) => prop_assert!(depth(&body.to_value()) <= 128 + 1),
            Err(e) => prop_assert!(e.status == 400 || e.status == 415, "{e:?}"),
        }
    }

    #[test]
    fn forms_of_any_shape(body in form_body()) {
        match Body::decode(Some("application/x-www-form-urlencoded"), body.as_bytes()) {
            Ok(decoded) => {
                prop_assert!(decoded.form || body.is_empty());
                // metadata may hold decoded JSON (up to serde_json's 128).
                let bound = MAX_FORM_DEPTH + 1 + 128;
                prop_assert!(depth(&decoded.to_value()) <= bound);
            }
            Err(e) => {
                prop_assert_eq!(e.status, 400);
                prop_assert!(e.detail.len() < 300, "detail too long: {}", e.detail.len());
            }
        }
    }

    #[test]
    fn json_of_any_nesting(text in deep_json()) {
        match Body::decode(Some("application/json"), text.as_bytes()) {
            Ok(body) => prop_assert!(depth(&body.to_value()) <= 128),
            Err(e) => prop_assert_eq!(e.status, 400),
        }
    }

    #[test]
    fn json_objects_round_trip(fields in prop::collection::btree_map("[a-zA-Z]{1,8}", json_value(), 0..6)) {
        let v = Value::Object(fields.into_iter().collect());
        let text = serde_json::to_vec(&v).unwrap();
        let body = Body::decode(Some("application/json"), &text).expect("a JSON object decodes");
        prop_assert_eq!(body.to_value(), v);
    }

    #[test]
    fn metadata_is_a_value_or_a_422(v in json_value()) {
        match mollie_sandbox::validate::metadata(&v) {
            Ok(_) => prop_assert!(mollie_sandbox::validate::metadata_type_ok(&v)),
            Err(e) => {
                prop_assert_eq!(e.status, 422);
                prop_assert_eq!(e.field.as_deref(), Some("metadata"));
            }
        }
    }

    #[test]
    fn query_strings_of_any_shape(q in "[ -~]{0,200}", allowed in prop::collection::vec("[a-z]{1,5}", 0..4)) {
        let query = Query::parse(Some(&q));
        let allowed: Vec<&str> = allowed.iter().map(String::as_str).collect();
        if let Err(e) = query.only(&allowed) {
            prop_assert_eq!(e.status, 422);
        }
        for (k, _) in &query.pairs {
            prop_assert!(query.get(k).is_some());
        }
    }
}

/// The same inputs, end to end: every route a client or a browser reaches,
/// with and without a key, answers below 500 and the process keeps serving.
#[test]
fn the_server_answers_every_input_below_500() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = rt
        .block_on(mollie_sandbox::start(mollie_sandbox::Config::ephemeral()))
        .expect("sandbox starts");
    let base = server.url();
    let client = reqwest::Client::new();
    let key = format!("test_{}", "f".repeat(30));
    let paths = prop_oneof![
        Just("/v2/customers".to_owned()),
        Just("/v2/payments".to_owned()),
        Just("/v2/customers/cst_x/payments".to_owned()),
        Just("/v2/customers/cst_x/mandates".to_owned()),
        Just("/_sandbox/payments/tr_x/status".to_owned()),
        Just("/_sandbox/state".to_owned()),
        Just("/_sandbox/scenario".to_owned()),
        Just("/_sandbox/reset".to_owned()),
        Just("/checkout/select-method/x".to_owned()),
        "/[ -~&&[^ #?]]{0,30}",
    ];
    let bodies = prop_oneof![
        form_body(),
        deep_json(),
        json_value().prop_map(|v| v.to_string()),
        "[ -~]{0,100}",
    ];
    let methods = prop_oneof![
        Just("GET"),
        Just("POST"),
        Just("PATCH"),
        Just("PUT"),
        Just("DELETE")
    ];
    let mut runner = proptest::test_runner::TestRunner::new(config(300));
    let result = runner.run(
        &(
            methods,
            paths,
            "[ -~&&[^ #]]{0,60}",
            content_type(),
            bodies,
            any::<bool>(),
        ),
        |(method, path, query, ct, body, with_key)| {
            let url = format!("{base}{path}?{query}");
            let Ok(url) = reqwest::Url::parse(&url) else {
                return Ok(());
            };
            let mut rb = client
                .request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), url)
                .body(body);
            if let Some(ct) = ct.filter(|c| reqwest::header::HeaderValue::from_str(c).is_ok()) {
                rb = rb.header("content-type", ct);
            }
            if with_key {
                rb = rb.bearer_auth(&key);
            }
            let (status, text) = rt.block_on(async {
                let resp = rb.send().await.expect("the server answers");
                let status = resp.status().as_u16();
                (status, resp.text().await.unwrap_or_default())
            });
            prop_assert!(status < 500, "{method} {path}?{query}: {status} {text}");
            Ok(())
        },
    );
    if let Err(e) = result {
        panic!("{e}");
    }
    // Still alive.
    let status = rt.block_on(async {
        client
            .get(format!("{base}/_sandbox/health"))
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, 200);
    rt.block_on(server.shutdown());
}
