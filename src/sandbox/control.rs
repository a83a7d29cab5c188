//! The sandbox's control routes for tests and QA: scenario activation and
//! listing, the request journal, reset and state. Each acts on the account
//! of the calling key (`Authorization: Bearer …`, as on the API).

use std::sync::Arc;

use bytes::Bytes;
use hyper::header::AUTHORIZATION;
use hyper::http::request::Parts;
use hyper::{Method, StatusCode};
use serde_json::{json, Value};

use super::state;
use crate::app::App;
use crate::error::{ApiError, Result};
use crate::http::request::{Body, Query};
use crate::http::response::{json_value, Resp};
use crate::journal::{Filter, StatusFilter, Trace};
use crate::scenario::Scenario;
use crate::store::Account;

/// The routes of this module, or `None` for a path it does not own.
pub fn route(app: &App, parts: &Parts, body: &Bytes, segments: &[&str]) -> Option<Resp> {
    let m = &parts.method;
    let result = match segments {
        ["scenarios"] => match *m {
            Method::GET => list_scenarios(app, parts),
            _ => Err(crate::api::not_allowed("GET")),
        },
        ["scenario"] => match *m {
            Method::GET => caller(app, parts).map(|a| scenario_state(app, &a)),
            Method::PUT => activate(app, parts, body),
            Method::DELETE => caller(app, parts).map(|a| {
                a.scenarios.deactivate();
                scenario_state(app, &a)
            }),
            _ => Err(crate::api::not_allowed("GET, PUT, DELETE")),
        },
        ["requests"] => match *m {
            Method::GET => requests(app, parts),
            Method::DELETE => caller(app, parts).map(|a| {
                let cleared = a.journal.clear();
                json_value(StatusCode::OK, &json!({"cleared": cleared}))
            }),
            _ => Err(crate::api::not_allowed("GET, DELETE")),
        },
        ["requests", id] => match *m {
            Method::GET => request(app, parts, id),
            _ => Err(crate::api::not_allowed("GET")),
        },
        ["reset"] => match *m {
            Method::POST => state::reset(app, parts),
            _ => Err(crate::api::not_allowed("POST")),
        },
        ["state"] => match *m {
            Method::GET => {
                caller(app, parts).map(|a| json_value(StatusCode::OK, &state::export(&a)))
            }
            Method::PUT => caller(app, parts).and_then(|a| state::replace(app, &a, body)),
            _ => Err(crate::api::not_allowed("GET, PUT")),
        },
        _ => return None,
    };
    Some(result.unwrap_or_else(|e| e.into_response()))
}

/// The account of the calling key. Access tokens pick test mode with
/// `?testmode=true`, as on the API's GET requests.
pub fn caller(app: &App, parts: &Parts) -> Result<Arc<Account>> {
    super::account::bearer_account(app, parts, &Body::default()).map(|(account, _)| account)
}

/// Which account a sandbox request is journaled under, if any.
pub fn trace(app: &App, parts: &Parts, trace: &mut Trace) {
    let path = parts.uri.path().trim_end_matches('/');
    if path == "/_sandbox/requests" || path.starts_with("/_sandbox/requests/") {
        // Reading the journal must not change it.
        trace.skip = true;
        return;
    }
    if path.starts_with("/_sandbox/console") {
        // The console's own reads (pages, polling) would drown what the
        // tester wants to see; its actions use the other routes.
        trace.skip = true;
        return;
    }
    if has_key(parts) {
        trace.account = caller(app, parts).ok();
        trace.idempotency_key = parts.headers.get(crate::idempotency::HEADER).cloned();
    }
}

fn has_key(parts: &Parts) -> bool {
    parts.headers.contains_key(AUTHORIZATION)
        || parts.headers.contains_key(super::access::ACCOUNT_HEADER)
}

fn list_scenarios(app: &App, parts: &Parts) -> Result<Resp> {
    let account = if has_key(parts) {
        Some(caller(app, parts)?)
    } else {
        None
    };
    let own = account.as_ref().and_then(|a| a.scenarios.active());
    let server = app.scenarios.server_default().cloned();
    let active = own.clone().or(server.clone());
    let scenarios: Vec<Value> = app
        .scenarios
        .all()
        .map(|s| {
            describe(
                s,
                account.as_deref(),
                active.as_ref().is_some_and(|a| a.name == s.name),
            )
        })
        .collect();
    let mut out = json!({
        "active": active.map(|s| s.name.clone()),
        "serverScenario": server.map(|s| s.name.clone()),
    });
    if account.is_some() {
        out["accountScenario"] = json!(own.map(|s| s.name.clone()));
    }
    out["scenarios"] = Value::Array(scenarios);
    Ok(json_value(StatusCode::OK, &out))
}

/// A scenario with its rules, and each rule's counters for `account`.
fn describe(s: &Scenario, account: Option<&Account>, active: bool) -> Value {
    let counts = account.map(|a| a.scenarios.counts(s));
    let rules: Vec<Value> = s
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut v = json!({"name": r.name});
            if let Some(c) = counts.as_ref().and_then(|c| c.get(i)) {
                v["matched"] = json!(c.matched);
                v["fired"] = json!(c.fired);
            }
            v["definition"] = r.definition.clone();
            v
        })
        .collect();
    json!({
        "name": s.name,
        "description": s.description,
        "source": s.source,
        "active": active,
        "rules": rules,
    })
}

/// What is in force for the account, and where it comes from.
fn scenario_state(app: &App, account: &Account) -> Resp {
    let own = account.scenarios.active();
    let server = app.scenarios.server_default().cloned();
    let (active, source) = match (&own, &server) {
        (Some(s), _) => (Some(s.clone()), "account"),
        (None, Some(s)) => (Some(s.clone()), "server"),
        (None, None) => (None, "none"),
    };
    json_value(
        StatusCode::OK,
        &json!({
            "active": active.as_ref().map(|s| s.name.clone()),
            "source": source,
            "scenario": active.map(|s| describe(&s, Some(account), true)),
        }),
    )
}

fn activate(app: &App, parts: &Parts, body: &Bytes) -> Result<Resp> {
    let account = caller(app, parts)?;
    let body = Body::from_request(parts, body)?;
    body.only(&["name"])?;
    let name = match body.get("name") {
        Some(Value::String(s)) => s.trim().to_owned(),
        _ => {
            return Err(ApiError::unprocessable(
                "The scenario name is missing. Send {\"name\": \"...\"}.",
            )
            .with_field("name"))
        }
    };
    let scenario = app.scenarios.get(&name).cloned().ok_or_else(|| {
        ApiError::unprocessable(format!(
            "The scenario \"{name}\" does not exist. Loaded scenarios: {}.",
            app.scenarios.names()
        ))
        .with_field("name")
    })?;
    account.scenarios.activate(scenario);
    Ok(scenario_state(app, &account))
}

fn requests(app: &App, parts: &Parts) -> Result<Resp> {
    let account = caller(app, parts)?;
    let query = Query::parse(parts.uri.query());
    query.only(&[
        "method", "path", "status", "rule", "after", "limit", "testmode",
    ])?;
    let listing = account.journal.list(&journal_filter(&query)?);
    Ok(json_value(
        StatusCode::OK,
        &json!({
            "count": listing.entries.len(),
            "kept": listing.kept,
            "capacity": app.config.journal_size,
            "dropped": listing.dropped,
            "requests": listing.entries,
        }),
    ))
}

/// The journal's filters from a query: `method`, `path` (a prefix),
/// `status` (503, 5xx or fault), `rule` (part of a rule's name), `after`
/// (an entry id) and `limit`.
pub fn journal_filter(query: &Query) -> Result<Filter> {
    let status = match query.get("status").filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(StatusFilter::parse(s).ok_or_else(|| {
            ApiError::bad_request(
                "Invalid status filter: use a status (503), a class (5xx) or \"fault\".",
            )
            .with_field("status")
        })?),
    };
    let number = |name: &'static str, min: u64, detail: &'static str| -> Result<Option<u64>> {
        match query.get(name).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(v) => v
                .parse::<u64>()
                .ok()
                .filter(|n| *n >= min)
                .map(Some)
                .ok_or_else(|| ApiError::bad_request(detail).with_field(name)),
        }
    };
    let limit = number("limit", 1, "Invalid limit: use a whole number from 1.")?;
    let after = number("after", 0, "Invalid after: use the id of a journal entry.")?;
    let text = |name: &str| query.get(name).filter(|s| !s.is_empty()).map(str::to_owned);
    Ok(Filter {
        method: text("method"),
        path_prefix: text("path"),
        status,
        rule: text("rule"),
        after,
        limit: limit.map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
    })
}

/// `GET /_sandbox/requests/{id}`: one entry, with its bodies when
/// `--journal-bodies` kept them.
fn request(app: &App, parts: &Parts, id: &str) -> Result<Resp> {
    let account = caller(app, parts)?;
    let missing = || ApiError::new(404, format!("No journal entry exists with id {id}."));
    let id = id.parse::<u64>().map_err(|_| missing())?;
    let (entry, bodies) = account.journal.get(id).ok_or_else(missing)?;
    let mut out = serde_json::to_value(&entry).unwrap_or_default();
    out["bodies"] = match bodies {
        Some(b) => json!({
            "request": String::from_utf8_lossy(&b.request),
            "requestTruncated": b.request_truncated,
            "response": String::from_utf8_lossy(&b.response),
            "responseTruncated": b.response_truncated,
        }),
        None => Value::Null,
    };
    out["bodiesKept"] = json!(app.config.journal_bodies);
    Ok(json_value(StatusCode::OK, &out))
}
