//! The account's clock and its subscriptions' charge outcomes:
//!
//! - `GET /_sandbox/clock`: `{"now": …, "offsetSeconds": …, "pendingEvents": …, "nextEventAt": …}`.
//! - `POST /_sandbox/clock`: `{"advance": "P1M"}` (ISO 8601 duration),
//!   `{"days": 30}` (also `weeks`, `hours`, `minutes`, `seconds`) or
//!   `{"to": "2027-01-01T00:00:00+00:00"}`; forward only. Fires what falls
//!   due on the way ([`crate::scheduler::advance`]) and answers with a
//!   summary once the webhooks it caused were attempted.
//! - `GET/PUT /_sandbox/subscriptions`: `{"chargeOutcome": "paid" | "pending"
//!   | "failed", "testModeCancel": true}` for the account;
//!   `PUT /_sandbox/subscriptions/{id}`: `{"chargeOutcome": …}` for one
//!   subscription (`null` follows the account again).
//! - `POST /_sandbox/subscriptions/{id}/cancel`: cancels it as
//!   `DELETE /v2/customers/{cst}/subscriptions/{id}` does (the same
//!   handler), for an account named by key or by reference.

use std::sync::Arc;

use bytes::Bytes;
use hyper::http::request::Parts;
use hyper::{Method, StatusCode};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};
use serde_json::{json, Value};

use super::account::{as_api, bearer_account};
use crate::app::App;
use crate::clock::{format_datetime, parse_datetime};
use crate::error::{ApiError, Result};
use crate::http::request::Body;
use crate::http::response::{json_value, Resp};
use crate::store::{Account, ChargeOutcome};

pub async fn clock(app: &Arc<App>, parts: &Parts, raw: &Bytes) -> Result<Resp> {
    let body = Body::from_request(parts, raw)?;
    let (account, _) = bearer_account(app, parts, &body)?;
    match parts.method {
        Method::GET => Ok(json_value(StatusCode::OK, &state(&account))),
        Method::POST => {
            body.only(&[
                "advance", "to", "weeks", "days", "hours", "minutes", "seconds", "testmode",
            ])?;
            let now = account.clock.now();
            let target = target(&body, now)?;
            let summary = crate::scheduler::advance(app, &account, target).await;
            let mut out = serde_json::to_value(&summary).unwrap_or(Value::Null);
            if let (Value::Object(o), Value::Object(s)) = (&mut out, state(&account)) {
                o.insert("pendingEvents".into(), s["pendingEvents"].clone());
                o.insert("nextEventAt".into(), s["nextEventAt"].clone());
            }
            Ok(json_value(StatusCode::OK, &out))
        }
        _ => Err(crate::api::not_allowed("GET, POST")),
    }
}

fn state(account: &Account) -> Value {
    let now = account.clock.now();
    let data = account.data.read();
    json!({
        "now": format_datetime(now),
        "offsetSeconds": account.clock.offset(),
        "pendingEvents": data.schedule.len(),
        "nextEventAt": data.schedule.next_at().map(format_datetime),
    })
}

fn bad(field: &str, detail: impl Into<String>) -> ApiError {
    ApiError::unprocessable(detail.into()).with_field(field.to_owned())
}

/// The time to advance to: exactly one way of saying it, never backwards.
fn target(body: &Body, now: i64) -> Result<i64> {
    const UNITS: [(&str, i64); 5] = [
        ("weeks", 7 * 86_400),
        ("days", 86_400),
        ("hours", 3600),
        ("minutes", 60),
        ("seconds", 1),
    ];
    let given: Vec<&str> = ["advance", "to"]
        .into_iter()
        .chain(UNITS.iter().map(|(u, _)| *u))
        .filter(|k| body.get(k).is_some())
        .collect();
    if given.is_empty() {
        return Err(ApiError::unprocessable(
            "Say how far to move the clock: {\"advance\": \"P1M\"}, {\"days\": 30} or {\"to\": \"2027-01-01T00:00:00+00:00\"}.",
        ));
    }
    let units_only = given.iter().all(|k| UNITS.iter().any(|(u, _)| u == k));
    if given.len() > 1 && !units_only {
        return Err(bad(
            given[1],
            "Give one of advance, to, or the units weeks/days/hours/minutes/seconds.",
        ));
    }
    if let Some(v) = body.get("to") {
        let at = v.as_str().and_then(parse_datetime).ok_or_else(|| {
            bad(
                "to",
                "The time is invalid: use a datetime such as 2027-01-01T00:00:00+00:00",
            )
        })?;
        if at < now {
            return Err(bad(
                "to",
                format!(
                    "The clock only moves forward: it is {} already.",
                    format_datetime(now)
                ),
            ));
        }
        return Ok(at);
    }
    if let Some(v) = body.get("advance") {
        let text = v.as_str().unwrap_or("");
        let span: Span = text.parse().map_err(|_| {
            bad(
                "advance",
                "The duration is invalid: use ISO 8601, such as P1M, P30D or PT15M",
            )
        })?;
        if span.is_negative() {
            return Err(bad("advance", "The clock only moves forward."));
        }
        // Calendar units count on the calendar (P1M from Jan 31 is Feb 28/29).
        let zoned = Timestamp::from_second(now)
            .map_err(|_| bad("advance", "The clock is out of range."))?
            .to_zoned(TimeZone::UTC);
        let at = zoned
            .checked_add(span)
            .map_err(|_| bad("advance", "The duration is too long."))?;
        return Ok(at.timestamp().as_second());
    }
    let mut secs: i64 = 0;
    for (unit, size) in UNITS {
        let Some(v) = body.get(unit) else { continue };
        let n = match v {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        }
        .filter(|n| *n >= 0)
        .ok_or_else(|| {
            bad(
                unit,
                format!("The {unit} must be a whole number of 0 or more"),
            )
        })?;
        secs = n
            .checked_mul(size)
            .and_then(|s| secs.checked_add(s))
            .filter(|s| *s <= 100 * 366 * 86_400)
            .ok_or_else(|| bad(unit, "The clock moves at most 100 years at a time."))?;
    }
    Ok(now + secs)
}

pub fn subscriptions(
    app: &App,
    parts: &Parts,
    raw: &Bytes,
    tls: bool,
    rest: &[&str],
) -> Result<Resp> {
    let body = Body::from_request(parts, raw)?;
    if let [id, "cancel"] = rest {
        return match parts.method {
            Method::POST => cancel(app, parts, body, tls, id),
            _ => Err(crate::api::not_allowed("POST")),
        };
    }
    let (account, _) = bearer_account(app, parts, &body)?;
    let outcome = |v: &Value| -> Result<Option<ChargeOutcome>> {
        match v {
            Value::Null => Ok(None),
            v => v
                .as_str()
                .and_then(ChargeOutcome::parse)
                .map(Some)
                .ok_or_else(|| {
                    bad(
                        "chargeOutcome",
                        "The charge outcome is invalid: use paid, pending or failed",
                    )
                }),
        }
    };
    match (&parts.method, rest) {
        (&Method::GET, []) => Ok(json_value(StatusCode::OK, &settings(app, &account))),
        (&Method::PUT, []) => {
            body.only(&["chargeOutcome", "testModeCancel", "testmode"])?;
            let new_outcome = body.get("chargeOutcome").map(outcome).transpose()?;
            let cancel = match body.get("testModeCancel") {
                None => None,
                Some(Value::Null) => Some(None),
                Some(v) => Some(Some(crate::validate::boolean(v, "testModeCancel")?)),
            };
            {
                let mut data = account.data.write();
                if let Some(o) = new_outcome {
                    data.charges.outcome = o.unwrap_or(ChargeOutcome::Paid);
                }
                if let Some(c) = cancel {
                    data.charges.test_mode_cancel = c;
                }
            }
            Ok(json_value(StatusCode::OK, &settings(app, &account)))
        }
        (&Method::PUT, [id]) => {
            body.only(&["chargeOutcome", "testmode"])?;
            let o = match body.get("chargeOutcome") {
                None => return Err(bad("chargeOutcome", "The 'chargeOutcome' field is missing")),
                Some(v) => outcome(v)?,
            };
            let mut data = account.data.write();
            let sub = data
                .subscriptions
                .get_mut(id)
                .ok_or_else(|| ApiError::not_found("subscription", id))?;
            sub.outcome = o;
            Ok(json_value(
                StatusCode::OK,
                &json!({"id": id, "chargeOutcome": o.map(ChargeOutcome::as_str)}),
            ))
        }
        (_, []) => Err(crate::api::not_allowed("GET, PUT")),
        (_, [_]) => Err(crate::api::not_allowed("PUT")),
        _ => Err(crate::api::unknown_endpoint()),
    }
}

/// The API's cancel, with the customer the subscription belongs to: the
/// sandbox route names the subscription alone.
fn cancel(app: &App, parts: &Parts, body: Body, tls: bool, id: &str) -> Result<Resp> {
    as_api(app, parts, body, tls, |ctx| {
        let customer = ctx
            .account
            .data
            .read()
            .subscriptions
            .get(id)
            .map(|s| s.customer_id.clone())
            .ok_or_else(|| ApiError::not_found("subscription", id))?;
        crate::api::subscriptions::cancel(ctx, &customer, id)
    })
}

fn settings(app: &App, account: &Account) -> Value {
    let data = account.data.read();
    let overrides: serde_json::Map<String, Value> = data
        .subscriptions
        .iter()
        .filter_map(|s| Some((s.id.to_string(), json!(s.outcome?.as_str()))))
        .collect();
    json!({
        "chargeOutcome": data.charges.outcome.as_str(),
        "testModeCancel": account.mode == crate::store::Mode::Test
            && data.charges.test_mode_cancel.unwrap_or(!app.config.no_test_subscription_cancel),
        "subscriptions": overrides,
    })
}
