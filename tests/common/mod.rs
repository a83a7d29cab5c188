//! Shared by the integration tests: a sandbox started in-process on port 0,
//! a fresh random API key per test (so tests are isolated and run in
//! parallel), and a small HTTP client that keeps responses whole.
#![allow(dead_code)]

use std::time::Duration;

use mollie_sandbox::{Config, Server};
use rand::distr::{Alphanumeric, SampleString};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// A running sandbox. Keep it alive for as long as the test talks to it:
/// dropping the [`Server`] stops it.
pub struct Sandbox {
    pub server: Server,
    pub url: String,
}

pub async fn start() -> Sandbox {
    start_with(Config::ephemeral()).await
}

pub async fn start_with(config: Config) -> Sandbox {
    let server = mollie_sandbox::start(Config { port: 0, ..config })
        .await
        .expect("sandbox starts");
    let url = server.url();
    Sandbox { server, url }
}

/// `test_` + 32 random letters and digits.
pub fn test_key() -> String {
    key_with("test_")
}

pub fn live_key() -> String {
    key_with("live_")
}

pub fn access_token() -> String {
    key_with("access_")
}

fn key_with(prefix: &str) -> String {
    format!(
        "{prefix}{}",
        Alphanumeric.sample_string(&mut rand::rng(), 32)
    )
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client")
}

/// One API account on one sandbox.
#[derive(Clone)]
pub struct Api {
    pub client: reqwest::Client,
    pub base: String,
    pub key: String,
}

/// A response read whole: status, headers, raw text and (when it parses) JSON.
#[derive(Debug)]
pub struct Res {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Res {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }

    /// Asserts a Mollie-shaped error: exact key order, status, title, detail,
    /// field (absent when `None`), documentation link, content type.
    pub fn assert_error(&self, status: u16, detail: &str, field: Option<&str>) {
        assert_eq!(self.status.as_u16(), status, "status of {}", self.text);
        assert_eq!(
            self.content_type(),
            Some("application/hal+json"),
            "{}",
            self.text
        );
        let expected_keys: &[&str] = if field.is_some() {
            &["status", "title", "detail", "field", "_links"]
        } else {
            &["status", "title", "detail", "_links"]
        };
        assert_eq!(keys(&self.json), expected_keys, "{}", self.text);
        assert_eq!(self.json["status"], status, "{}", self.text);
        assert_eq!(self.json["title"], title(status), "{}", self.text);
        assert_eq!(self.json["detail"], detail, "{}", self.text);
        if let Some(f) = field {
            assert_eq!(self.json["field"], f, "{}", self.text);
        }
        let doc = &self.json["_links"]["documentation"];
        assert_eq!(doc["type"], "text/html", "{}", self.text);
        assert!(
            doc["href"]
                .as_str()
                .unwrap()
                .starts_with("https://docs.mollie.com/"),
            "{}",
            self.text
        );
    }
}

pub fn title(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        410 => "Gone",
        413 => "Request Entity Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        _ => panic!("no title known for {status}"),
    }
}

pub async fn read(resp: reqwest::Response) -> Res {
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body");
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Res {
        status,
        headers,
        text,
        json,
    }
}

impl Sandbox {
    pub fn api(&self) -> Api {
        self.api_with(&test_key())
    }

    pub fn api_with(&self, key: &str) -> Api {
        Api {
            client: http(),
            base: self.url.clone(),
            key: key.to_owned(),
        }
    }
}

impl Api {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(&self.key)
    }

    pub async fn send(&self, rb: reqwest::RequestBuilder) -> Res {
        read(rb.send().await.expect("request sent")).await
    }

    pub async fn get(&self, path: &str) -> Res {
        self.send(self.request(Method::GET, path)).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Res {
        self.send(self.request(Method::POST, path).json(body)).await
    }

    /// A form body, exactly as written (`amount[value]=10.00&...`).
    pub async fn post_form(&self, path: &str, form: &str) -> Res {
        self.send(
            self.request(Method::POST, path)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form.to_owned()),
        )
        .await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Res {
        self.send(self.request(Method::PATCH, path).json(body))
            .await
    }

    pub async fn delete(&self, path: &str) -> Res {
        self.send(self.request(Method::DELETE, path)).await
    }

    /// Creates a customer and returns its JSON.
    pub async fn customer(&self, body: Value) -> Value {
        let r = self.post("/v2/customers", &body).await;
        assert_eq!(r.status, 201, "{}", r.text);
        r.json
    }

    pub async fn customer_id(&self) -> String {
        self.customer(json!({})).await["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Creates a customer payment from `body` and returns the response.
    pub async fn customer_payment(&self, customer: &str, body: &Value) -> Res {
        self.post(&format!("/v2/customers/{customer}/payments"), body)
            .await
    }

    /// A valid customer payment; returns its JSON.
    pub async fn new_payment(&self, customer: &str) -> Value {
        let r = self.customer_payment(customer, &payment_body()).await;
        assert_eq!(r.status, 201, "{}", r.text);
        r.json
    }
}

/// The smallest valid create-payment body.
pub fn payment_body() -> Value {
    json!({
        "amount": {"value": "10.00", "currency": "EUR"},
        "description": "Order #1",
        "redirectUrl": "https://example.org/return",
    })
}

/// A copy of `base` with `patch`'s top-level keys set (null removes one).
pub fn with(base: &Value, patch: Value) -> Value {
    let mut out = base.clone();
    let map = out.as_object_mut().unwrap();
    for (k, v) in patch.as_object().unwrap() {
        if v.is_null() {
            map.remove(k);
        } else {
            map.insert(k.clone(), v.clone());
        }
    }
    out
}

/// An object's keys in the order they came on the wire. serde_json is built
/// with `preserve_order` (a dependency of the crate), so this is wire order;
/// [`wire_order_is_kept`] guards that assumption.
pub fn keys(v: &Value) -> Vec<&str> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect()
}

pub fn wire_order_is_kept() {
    let v: Value = serde_json::from_str(r#"{"b":1,"a":2,"c":3}"#).unwrap();
    assert_eq!(keys(&v), ["b", "a", "c"]);
}

pub fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

/// `<prefix>` plus exactly 10 base62 characters.
pub fn assert_id(id: &Value, prefix: &str) {
    let id = s(id);
    let rest = id
        .strip_prefix(prefix)
        .unwrap_or_else(|| panic!("{id} lacks {prefix}"));
    assert_eq!(rest.len(), 10, "{id}");
    assert!(rest.bytes().all(|b| b.is_ascii_alphanumeric()), "{id}");
}

/// `2024-03-20T09:13:37+00:00`; returns Unix seconds.
pub fn datetime(v: &Value) -> i64 {
    let text = s(v);
    let shape = "dddd-dd-ddTdd:dd:dd+00:00";
    assert_eq!(text.len(), shape.len(), "{text}");
    for (c, want) in text.chars().zip(shape.chars()) {
        if want == 'd' {
            assert!(c.is_ascii_digit(), "{text}");
        } else {
            assert_eq!(c, want, "{text}");
        }
    }
    text.parse::<jiff::Timestamp>().unwrap().as_second()
}

pub fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// A link object `{"href": ..., "type": ...}`, in that order.
pub fn assert_link(link: &Value, href: &str, kind: &str) {
    assert_eq!(keys(link), ["href", "type"], "{link}");
    assert_eq!(link["href"], href, "{link}");
    assert_eq!(link["type"], kind, "{link}");
}

pub const DOCS: &str = "https://docs.mollie.com/reference/v2/";
