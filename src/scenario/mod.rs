//! Scenarios: named lists of rules that script errors, latency and
//! connection faults. This module is the model and the loader (JSON files,
//! the shipped ones embedded in the binary, validated at start with messages
//! that name the file, the rule and the field); [`engine`] decides, per
//! account, what a request gets.
//!
//! A scenario file:
//!
//! ```json
//! {"name": "flaky-payment-create", "description": "…", "rules": [
//!   {"name": "fail", "match": {"method": "POST", "path": "/v2/payments"},
//!    "times": 2, "response": {"status": 503}}
//! ], "chargebacks": [
//!   {"amount": {"value": "66.66", "currency": "EUR"}, "reason": {"code": "MD06", "description": "…"}}
//! ]}
//! ```
//!
//! `chargebacks` (optional) script what happens after payment: every payment
//! of that amount is charged back in full the moment it is paid.

pub mod engine;
pub mod step;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hyper::header::{HeaderName, HeaderValue};
use hyper::Method;
use serde_json::{Map, Value};

pub use engine::{AccountScenarios, Decision, Request};
pub use step::step;

/// The scenarios shipped in `scenarios/`, compiled into the binary.
pub const SHIPPED: &[(&str, &str)] = &[
    (
        "connection-drops.json",
        include_str!("../../scenarios/connection-drops.json"),
    ),
    (
        "flaky-payment-create.json",
        include_str!("../../scenarios/flaky-payment-create.json"),
    ),
    ("outage.json", include_str!("../../scenarios/outage.json")),
    (
        "rate-limited.json",
        include_str!("../../scenarios/rate-limited.json"),
    ),
    (
        "slow-api.json",
        include_str!("../../scenarios/slow-api.json"),
    ),
    ("timeout.json", include_str!("../../scenarios/timeout.json")),
    (
        "refund-fails.json",
        include_str!("../../scenarios/refund-fails.json"),
    ),
    (
        "chargeback-66-66.json",
        include_str!("../../scenarios/chargeback-66-66.json"),
    ),
];

/// The built-in scenario without rules: activating it turns a server-wide
/// scenario off for one account or one request.
pub const NONE: &str = "none";

/// The request header that applies a scenario to that request alone.
pub const HEADER: &str = "x-sandbox-scenario";

#[derive(Debug)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// Where it was loaded from, for listings and error messages.
    pub source: String,
    pub rules: Vec<Rule>,
    /// Paid payments of these amounts are charged back.
    pub chargebacks: Vec<ScriptedChargeback>,
}

#[derive(Debug)]
pub struct ScriptedChargeback {
    pub amount: crate::store::Amount,
    pub reason: Option<(smol_str::SmolStr, Box<str>)>,
}

#[derive(Debug)]
pub struct Rule {
    pub name: String,
    pub when: Match,
    /// Fires only from match number `after + 1` on.
    pub after: u64,
    /// Fires at most this many times.
    pub times: Option<u64>,
    /// Fires on every n-th eligible match (1: each one).
    pub every: u64,
    pub probability: f64,
    pub delay: Option<Delay>,
    pub answer: Option<Answer>,
    /// The rule as written in its file, echoed by `GET /_sandbox/scenarios`.
    pub definition: Value,
}

/// What a rule matches; an empty list matches anything.
#[derive(Debug, Default)]
pub struct Match {
    pub methods: Vec<Method>,
    pub paths: Vec<PathPattern>,
    pub query: Vec<(String, Expect)>,
    /// Dotted paths into the decoded body (`amount.currency`).
    pub body: Vec<(Vec<String>, Expect)>,
    pub headers: Vec<(HeaderName, Expect)>,
}

/// An expected field value: present with any value, or equal as text
/// (so `10` matches both `10` in JSON and `"10"` in a form).
#[derive(Debug)]
pub enum Expect {
    Present,
    Equals(String),
}

impl Expect {
    pub fn accepts(&self, actual: &str) -> bool {
        match self {
            Expect::Present => true,
            Expect::Equals(want) => want == actual,
        }
    }
}

/// `/v2/customers/*/payments`: `*` is one segment, a final `**` any rest.
#[derive(Debug, Clone, PartialEq)]
pub struct PathPattern {
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Literal(String),
    One,
    Rest,
}

impl PathPattern {
    pub fn parse(text: &str) -> Result<PathPattern, String> {
        let trimmed = text.trim_end_matches('/');
        let Some(rest) = trimmed.strip_prefix('/') else {
            return Err(format!(
                "expected a path starting with \"/\", got \"{text}\""
            ));
        };
        let parts: Vec<&str> = if rest.is_empty() {
            Vec::new()
        } else {
            rest.split('/').collect()
        };
        let mut segments = Vec::with_capacity(parts.len());
        for (i, part) in parts.iter().enumerate() {
            segments.push(match *part {
                "*" => Segment::One,
                "**" if i + 1 == parts.len() => Segment::Rest,
                "**" => return Err("\"**\" may only end a path".to_owned()),
                "" => return Err(format!("empty segment in \"{text}\"")),
                lit => Segment::Literal(lit.to_owned()),
            });
        }
        Ok(PathPattern { segments })
    }

    pub fn matches(&self, path: &str) -> bool {
        let path = path.trim_end_matches('/');
        let mut parts = path.split('/').skip(1).filter(|p| !p.is_empty());
        for seg in &self.segments {
            match seg {
                Segment::Rest => return true,
                Segment::One => {
                    if parts.next().is_none() {
                        return false;
                    }
                }
                Segment::Literal(lit) => {
                    if parts.next() != Some(lit.as_str()) {
                        return false;
                    }
                }
            }
        }
        parts.next().is_none()
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Delay {
    Fixed(Duration),
    /// Uniform over the closed range.
    Uniform(Duration, Duration),
}

#[derive(Debug, Clone)]
pub enum Answer {
    Respond(Reply),
    Fault(Fault),
}

/// An injected HTTP answer: Mollie's error body for the status, unless a
/// whole body is given.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub detail: Option<String>,
    pub field: Option<String>,
    pub body: Option<Bytes>,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

/// What can happen to the connection instead of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Close with a TCP reset (RST), no bytes written.
    Reset,
    /// Never answer; hold the connection until the client gives up.
    Hang,
    /// Write bytes that are not HTTP, then close.
    Garbage,
    /// Close cleanly without writing a byte.
    Empty,
}

impl Fault {
    pub const ALL: [Fault; 4] = [Fault::Reset, Fault::Hang, Fault::Garbage, Fault::Empty];

    pub fn as_str(self) -> &'static str {
        match self {
            Fault::Reset => "reset",
            Fault::Hang => "hang",
            Fault::Garbage => "garbage",
            Fault::Empty => "empty",
        }
    }
}

/// Every loaded scenario by name, and the server-wide one.
#[derive(Debug)]
pub struct Library {
    scenarios: BTreeMap<String, Arc<Scenario>>,
    server_default: Option<Arc<Scenario>>,
    seed: u64,
}

impl Library {
    /// The shipped scenarios, then every `*.json` in `dir` (which may replace
    /// a shipped one by name), then `--scenario` checked against them.
    pub fn load(
        dir: Option<&Path>,
        server_default: Option<&str>,
        seed: u64,
    ) -> Result<Library, String> {
        let mut scenarios = BTreeMap::new();
        scenarios.insert(
            NONE.to_owned(),
            Arc::new(Scenario {
                name: NONE.to_owned(),
                description:
                    "No rules: turns a server-wide scenario off for an account or a request."
                        .to_owned(),
                source: "built in".to_owned(),
                rules: Vec::new(),
                chargebacks: Vec::new(),
            }),
        );
        for (file, text) in SHIPPED {
            let s = parse(&format!("scenarios/{file} (shipped)"), file, text)?;
            scenarios.insert(s.name.clone(), Arc::new(s));
        }
        if let Some(dir) = dir {
            let mut files: Vec<_> = std::fs::read_dir(dir)
                .map_err(|e| format!("--scenarios {}: {e}", dir.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect();
            files.sort();
            let mut from_dir: BTreeMap<String, String> = BTreeMap::new();
            for path in files {
                let shown = path.display().to_string();
                let text = std::fs::read_to_string(&path).map_err(|e| format!("{shown}: {e}"))?;
                let stem = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                let s = parse(&shown, stem, &text)?;
                if let Some(other) = from_dir.insert(s.name.clone(), shown.clone()) {
                    return Err(format!(
                        "{shown}: field \"name\": \"{}\" is also the name of {other}",
                        s.name
                    ));
                }
                scenarios.insert(s.name.clone(), Arc::new(s));
            }
        }
        let server_default = match server_default {
            None => None,
            Some(name) => Some(scenarios.get(name).cloned().ok_or_else(|| {
                format!(
                    "--scenario {name}: no such scenario (loaded: {})",
                    scenarios.keys().cloned().collect::<Vec<_>>().join(", ")
                )
            })?),
        };
        Ok(Library {
            scenarios,
            server_default,
            seed,
        })
    }

    pub fn get(&self, name: &str) -> Option<&Arc<Scenario>> {
        self.scenarios.get(name)
    }

    pub fn all(&self) -> impl Iterator<Item = &Arc<Scenario>> {
        self.scenarios.values()
    }

    pub fn names(&self) -> String {
        self.scenarios
            .keys()
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn server_default(&self) -> Option<&Arc<Scenario>> {
        self.server_default.as_ref()
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }
}

// ---------------------------------------------------------------- parsing

/// One scenario file. `file` names it in errors; `stem` is the default name.
pub fn parse(file: &str, file_name: &str, text: &str) -> Result<Scenario, String> {
    let root: Value =
        serde_json::from_str(text).map_err(|e| format!("{file}: not valid JSON: {e}"))?;
    let obj = root.as_object().ok_or_else(|| {
        format!("{file}: expected an object with \"name\", \"description\" and \"rules\"")
    })?;
    let top = |field: &str, msg: String| format!("{file}: field \"{field}\": {msg}");
    if let Some(k) = obj
        .keys()
        .find(|k| !["name", "description", "rules", "chargebacks"].contains(&k.as_str()))
    {
        return Err(top(
            k,
            "unknown field (expected name, description, rules, chargebacks)".into(),
        ));
    }
    let name = match obj.get("name") {
        None => file_name.trim_end_matches(".json").to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(top("name", "expected a string".into())),
    };
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    {
        return Err(top(
            "name",
            format!("\"{name}\": use letters, digits, \"-\", \"_\" and \".\" only"),
        ));
    }
    if name == NONE {
        return Err(top(
            "name",
            format!("\"{NONE}\" is reserved for the built-in scenario without rules"),
        ));
    }
    let description = match obj.get("description") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(top("description", "expected a string".into())),
    };
    let rules = obj
        .get("rules")
        .and_then(Value::as_array)
        .ok_or_else(|| top("rules", "expected an array of rules".into()))?;
    let mut parsed = Vec::with_capacity(rules.len());
    for (i, rule) in rules.iter().enumerate() {
        let label = rule
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("rule-{}", i + 1));
        let r = parse_rule(rule, label.clone()).map_err(|(field, msg)| {
            format!("{file}: rules[{i}] (\"{label}\"): field \"{field}\": {msg}")
        })?;
        if parsed.iter().any(|p: &Rule| p.name == r.name) {
            return Err(format!(
                "{file}: rules[{i}] (\"{label}\"): field \"name\": another rule has this name"
            ));
        }
        parsed.push(r);
    }
    let chargebacks = match obj.get("chargebacks") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                scripted_chargeback(item).map_err(|msg| format!("{file}: chargebacks[{i}]: {msg}"))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(top("chargebacks", "expected an array".into())),
    };
    Ok(Scenario {
        name,
        description,
        source: file.to_owned(),
        rules: parsed,
        chargebacks,
    })
}

/// `{"amount": {"value", "currency"}, "reason": {"code", "description"}}`.
fn scripted_chargeback(item: &Value) -> Result<ScriptedChargeback, String> {
    let obj = item
        .as_object()
        .ok_or("expected an object with \"amount\" (and \"reason\")")?;
    if let Some(k) = obj.keys().find(|k| *k != "amount" && *k != "reason") {
        return Err(format!(
            "field \"{k}\": unknown field (expected amount, reason)"
        ));
    }
    let amount = crate::validate::amount(obj.get("amount"), "The amount is required")
        .map_err(|e| format!("field \"amount\": {}", e.detail))?;
    let reason = match obj.get("reason") {
        None | Some(Value::Null) => None,
        Some(r) => match (
            r.get("code").and_then(Value::as_str),
            r.get("description").and_then(Value::as_str),
        ) {
            (Some(code), description) => Some((code.into(), description.unwrap_or("").into())),
            _ => return Err("field \"reason\": expected {\"code\", \"description\"}".into()),
        },
    };
    Ok(ScriptedChargeback { amount, reason })
}

/// An error inside a rule: the field's dotted path and what is wrong.
type FieldErr = (String, String);

fn err<T>(field: &str, msg: impl Into<String>) -> Result<T, FieldErr> {
    Err((field.to_owned(), msg.into()))
}

const RULE_FIELDS: &[&str] = &[
    "name",
    "description",
    "match",
    "after",
    "times",
    "every",
    "probability",
    "delay",
    "response",
    "fault",
];

fn parse_rule(value: &Value, name: String) -> Result<Rule, FieldErr> {
    let Some(obj) = value.as_object() else {
        return err("", "expected an object");
    };
    if let Some(k) = obj.keys().find(|k| !RULE_FIELDS.contains(&k.as_str())) {
        return err(
            k,
            format!("unknown field (expected one of {})", RULE_FIELDS.join(", ")),
        );
    }
    if !matches!(obj.get("name"), None | Some(Value::String(_))) {
        return err("name", "expected a string");
    }
    let when = match obj.get("match") {
        None => Match::default(),
        Some(Value::Object(m)) => parse_match(m)?,
        Some(_) => return err("match", "expected an object"),
    };
    let count = |field: &str, min: u64| -> Result<Option<u64>, FieldErr> {
        match obj.get(field) {
            None => Ok(None),
            Some(v) => match v.as_u64() {
                Some(n) if n >= min => Ok(Some(n)),
                _ => err(field, format!("expected a whole number of at least {min}")),
            },
        }
    };
    let after = count("after", 0)?.unwrap_or(0);
    let times = count("times", 0)?;
    let every = count("every", 1)?.unwrap_or(1);
    let probability = match obj.get("probability") {
        None => 1.0,
        Some(v) => match v.as_f64() {
            Some(p) if (0.0..=1.0).contains(&p) => p,
            _ => return err("probability", "expected a number from 0 to 1"),
        },
    };
    let delay = obj.get("delay").map(parse_delay).transpose()?;
    let response = obj.get("response").map(parse_reply).transpose()?;
    let fault = match obj.get("fault") {
        None => None,
        Some(v) => {
            let s = v.as_str().unwrap_or("");
            match Fault::ALL.into_iter().find(|f| f.as_str() == s) {
                Some(f) => Some(f),
                None => {
                    return err(
                        "fault",
                        "expected \"reset\", \"hang\", \"garbage\" or \"empty\"",
                    )
                }
            }
        }
    };
    let answer = match (response, fault) {
        (Some(_), Some(_)) => {
            return err(
                "fault",
                "a rule answers with a response or a fault, not both",
            )
        }
        (Some(r), None) => Some(Answer::Respond(r)),
        (None, Some(f)) => Some(Answer::Fault(f)),
        (None, None) => None,
    };
    if delay.is_none() && answer.is_none() {
        return err(
            "",
            "a rule needs a \"delay\", a \"response\" or a \"fault\"",
        );
    }
    Ok(Rule {
        name,
        when,
        after,
        times,
        every,
        probability,
        delay,
        answer,
        definition: value.clone(),
    })
}

fn strings(value: &Value, field: &str) -> Result<Vec<String>, FieldErr> {
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::String(s) => Ok(s.clone()),
                _ => err(&format!("{field}[{i}]"), "expected a string"),
            })
            .collect(),
        _ => err(field, "expected a string or an array of strings"),
    }
}

/// A field's value as text, the way a form would carry it.
pub fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn expect(value: &Value, field: &str) -> Result<Expect, FieldErr> {
    match value {
        Value::String(s) if s == "*" => Ok(Expect::Present),
        Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null => {
            Ok(Expect::Equals(scalar_text(value)))
        }
        _ => err(
            field,
            "expected a string, number, boolean or null (\"*\": any value)",
        ),
    }
}

fn fields(value: &Value, field: &str) -> Result<Vec<(String, Expect)>, FieldErr> {
    let Some(obj) = value.as_object() else {
        return err(field, "expected an object of names and values");
    };
    obj.iter()
        .map(|(k, v)| Ok((k.clone(), expect(v, &format!("{field}.{k}"))?)))
        .collect()
}

fn parse_match(m: &Map<String, Value>) -> Result<Match, FieldErr> {
    const KNOWN: &[&str] = &["method", "path", "query", "body", "headers"];
    if let Some(k) = m.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return err(
            &format!("match.{k}"),
            format!("unknown field (expected one of {})", KNOWN.join(", ")),
        );
    }
    let mut out = Match::default();
    if let Some(v) = m.get("method") {
        for (i, s) in strings(v, "match.method")?.into_iter().enumerate() {
            let upper = s.to_ascii_uppercase();
            match Method::from_bytes(upper.as_bytes()) {
                Ok(method)
                    if !upper.is_empty() && upper.bytes().all(|b| b.is_ascii_uppercase()) =>
                {
                    out.methods.push(method)
                }
                _ => {
                    return err(
                        &format!("match.method[{i}]"),
                        format!("\"{s}\" is not an HTTP method"),
                    )
                }
            }
        }
    }
    if let Some(v) = m.get("path") {
        for (i, s) in strings(v, "match.path")?.into_iter().enumerate() {
            out.paths
                .push(PathPattern::parse(&s).map_err(|e| (format!("match.path[{i}]"), e))?);
        }
    }
    if let Some(v) = m.get("query") {
        out.query = fields(v, "match.query")?;
    }
    if let Some(v) = m.get("body") {
        out.body = fields(v, "match.body")?
            .into_iter()
            .map(|(k, e)| (k.split('.').map(str::to_owned).collect(), e))
            .collect();
    }
    if let Some(v) = m.get("headers") {
        for (k, e) in fields(v, "match.headers")? {
            let name = HeaderName::from_bytes(k.to_ascii_lowercase().as_bytes()).map_err(|_| {
                (
                    format!("match.headers.{k}"),
                    "not a valid header name".to_owned(),
                )
            })?;
            out.headers.push((name, e));
        }
    }
    Ok(out)
}

/// Milliseconds: `250`, `{"ms": 250}` or `{"minMs": 300, "maxMs": 800}`.
fn parse_delay(value: &Value) -> Result<Delay, FieldErr> {
    let ms = |v: Option<&Value>, field: &str| -> Result<Duration, FieldErr> {
        match v.and_then(Value::as_u64) {
            Some(n) if n <= 3_600_000 => Ok(Duration::from_millis(n)),
            _ => err(field, "expected whole milliseconds, 0 to 3600000"),
        }
    };
    match value {
        Value::Number(_) => Ok(Delay::Fixed(ms(Some(value), "delay")?)),
        Value::Object(o) => {
            if let Some(k) = o
                .keys()
                .find(|k| !["ms", "minMs", "maxMs"].contains(&k.as_str()))
            {
                return err(
                    &format!("delay.{k}"),
                    "unknown field (expected ms, or minMs and maxMs)",
                );
            }
            match (o.get("ms"), o.get("minMs"), o.get("maxMs")) {
                (Some(v), None, None) => Ok(Delay::Fixed(ms(Some(v), "delay.ms")?)),
                (None, Some(lo), Some(hi)) => {
                    let (lo, hi) = (ms(Some(lo), "delay.minMs")?, ms(Some(hi), "delay.maxMs")?);
                    if lo > hi {
                        return err("delay.maxMs", "must not be below minMs");
                    }
                    Ok(Delay::Uniform(lo, hi))
                }
                _ => err(
                    "delay",
                    "expected {\"ms\": N} or {\"minMs\": A, \"maxMs\": B}",
                ),
            }
        }
        _ => err(
            "delay",
            "expected milliseconds, or {\"minMs\": A, \"maxMs\": B}",
        ),
    }
}

fn parse_reply(value: &Value) -> Result<Reply, FieldErr> {
    const KNOWN: &[&str] = &["status", "detail", "field", "body", "headers"];
    let Some(obj) = value.as_object() else {
        return err("response", "expected an object with a \"status\"");
    };
    if let Some(k) = obj.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return err(
            &format!("response.{k}"),
            format!("unknown field (expected one of {})", KNOWN.join(", ")),
        );
    }
    let body = obj.get("body").map(|b| Bytes::from(b.to_string()));
    let status = match obj.get("status").and_then(Value::as_u64) {
        Some(s) if (400..=599).contains(&s) => s as u16,
        Some(s) if (200..=399).contains(&s) && body.is_some() => s as u16,
        Some(_) if body.is_none() => {
            return err(
                "response.status",
                "expected 400 to 599 (or 200 to 399 with a \"body\")",
            )
        }
        _ => return err("response.status", "expected an HTTP status, 200 to 599"),
    };
    let text = |field: &str| -> Result<Option<String>, FieldErr> {
        match obj.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => err(&format!("response.{field}"), "expected a string"),
        }
    };
    let mut headers = Vec::new();
    match obj.get("headers") {
        None => {}
        Some(Value::Object(h)) => {
            for (k, v) in h {
                let at = format!("response.headers.{k}");
                let name = HeaderName::from_bytes(k.to_ascii_lowercase().as_bytes())
                    .map_err(|_| (at.clone(), "not a valid header name".to_owned()))?;
                let value = HeaderValue::from_str(&scalar_text(v))
                    .map_err(|_| (at.clone(), "not a valid header value".to_owned()))?;
                headers.push((name, value));
            }
        }
        Some(_) => {
            return err(
                "response.headers",
                "expected an object of header names and values",
            )
        }
    }
    Ok(Reply {
        status,
        detail: text("detail")?,
        field: text("field")?,
        body,
        headers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_scenarios_load() {
        let lib = Library::load(None, Some("outage"), 1).unwrap();
        for name in [
            "flaky-payment-create",
            "slow-api",
            "rate-limited",
            "outage",
            "connection-drops",
            "timeout",
            NONE,
        ] {
            assert!(lib.get(name).is_some(), "{name}");
        }
        assert_eq!(
            lib.server_default().map(|s| s.name.as_str()),
            Some("outage")
        );
        assert!(Library::load(None, Some("nope"), 1)
            .unwrap_err()
            .contains("--scenario nope"));
    }

    #[test]
    fn path_patterns() {
        let p = PathPattern::parse("/v2/customers/*/payments").unwrap();
        assert!(p.matches("/v2/customers/cst_1/payments"));
        assert!(p.matches("/v2/customers/cst_1/payments/"));
        assert!(!p.matches("/v2/customers/payments"));
        assert!(!p.matches("/v2/customers/cst_1/payments/x"));
        let all = PathPattern::parse("/v2/**").unwrap();
        assert!(all.matches("/v2/payments/tr_1"));
        assert!(all.matches("/v2"));
        assert!(!all.matches("/v3/payments"));
        assert!(PathPattern::parse("v2").is_err());
        assert!(PathPattern::parse("/**/x").is_err());
    }

    #[test]
    fn errors_name_file_rule_and_field() {
        let bad = r#"{"name":"x","rules":[{"delay":5},{"name":"boom","response":{"status":"x"}}]}"#;
        let e = parse("dir/x.json", "x.json", bad).unwrap_err();
        assert_eq!(e, "dir/x.json: rules[1] (\"boom\"): field \"response.status\": expected an HTTP status, 200 to 599");
        let e = parse(
            "f.json",
            "f.json",
            r#"{"rules":[{"match":{"path":"v2"},"fault":"reset"}]}"#,
        )
        .unwrap_err();
        assert!(
            e.starts_with("f.json: rules[0] (\"rule-1\"): field \"match.path[0]\""),
            "{e}"
        );
        let e = parse("f.json", "f.json", r#"{"rules":[{"fault":"explode"}]}"#).unwrap_err();
        assert!(e.contains("field \"fault\""), "{e}");
        let e = parse(
            "f.json",
            "f.json",
            r#"{"rules":[{"probability":2,"fault":"reset"}]}"#,
        )
        .unwrap_err();
        assert!(e.contains("field \"probability\""), "{e}");
        let e = parse("f.json", "f.json", r#"{"rules":[{"times":1}]}"#).unwrap_err();
        assert!(e.contains("needs a \"delay\""), "{e}");
        let e = parse(
            "f.json",
            "f.json",
            r#"{"rules":[{"delay":{"minMs":5,"maxMs":1}}]}"#,
        )
        .unwrap_err();
        assert!(e.contains("field \"delay.maxMs\""), "{e}");
        let e = parse("f.json", "f.json", r#"{"rules":[{"delay":1,"when":{}}]}"#).unwrap_err();
        assert!(e.contains("field \"when\": unknown field"), "{e}");
        let e = parse("f.json", "f.json", r#"{"name":"a b","rules":[]}"#).unwrap_err();
        assert!(e.starts_with("f.json: field \"name\""), "{e}");
    }

    #[test]
    fn name_defaults_to_file_stem() {
        let s = parse(
            "d/my-case.json",
            "my-case.json",
            r#"{"rules":[{"delay":1}]}"#,
        )
        .unwrap();
        assert_eq!(s.name, "my-case");
        assert_eq!(s.rules[0].name, "rule-1");
    }
}
