//! The sandbox's hand on money after payment, for tests and QA:
//!
//! - `POST /_sandbox/refunds/{reId}/status {"status": "failed"}` (or
//!   `refunded`, `processing`, `pending`, `canceled`) forces a refund's outcome;
//! - `POST /_sandbox/captures/{cptId}/status {"status": "failed"}` (or
//!   `succeeded`) settles a pending capture;
//! - `POST /_sandbox/payments/{id}/chargebacks` (`amount`, default the
//!   whole payment; `reason {code, description}`) charges a paid payment back;
//! - `POST /_sandbox/chargebacks/{chbId}/reverse` reverses one;
//! - `POST /_sandbox/payments/{id}/refunds` and `…/captures` make a refund
//!   or a capture as `POST /v2/payments/{id}/refunds` and `…/captures` do
//!   (the same handler), for an account named by key or by reference: what
//!   the console's buttons send for an account picked from its list.
//!
//! Each goes through [`crate::after_sales`], so totals and webhooks come out
//! as when the clock moves them.

use bytes::Bytes;
use hyper::http::request::Parts;
use hyper::{Method, StatusCode};
use serde_json::Value;
use smol_str::SmolStr;

use crate::after_sales;
use crate::api;
use crate::app::App;
use crate::error::{ApiError, Result};
use crate::http::request::Body;
use crate::http::response::{hal_response, Resp};
use crate::store::{Account, CaptureStatus, Data, RefundStatus};
use crate::views::{CaptureView, ChargebackView, RefundView, Render};

use super::account::{as_api, bearer_account};

pub fn handle(
    app: &App,
    parts: &Parts,
    raw: &Bytes,
    tls: bool,
    kind: &str,
    rest: &[&str],
) -> Result<Resp> {
    let body = Body::from_request(parts, raw)?;
    let post = parts.method == Method::POST;
    match (kind, rest) {
        ("refunds", [id, "status"]) if post => refund_status(app, parts, &body, tls, id),
        ("captures", [id, "status"]) if post => capture_status(app, parts, &body, tls, id),
        ("payments", [id, "chargebacks"]) if post => chargeback(app, parts, &body, tls, id),
        ("chargebacks", [id, "reverse"]) if post => reverse(app, parts, &body, tls, id),
        ("payments", [id, "refunds"]) if post => {
            as_api(app, parts, body, tls, |ctx| api::refunds::create(ctx, id))
        }
        ("payments", [id, "captures"]) if post => {
            as_api(app, parts, body, tls, |ctx| api::captures::create(ctx, id))
        }
        ("refunds" | "captures", [_, "status"])
        | ("payments", [_, "chargebacks" | "refunds" | "captures"])
        | ("chargebacks", [_, "reverse"]) => Err(crate::api::not_allowed("POST")),
        _ => Err(crate::api::unknown_endpoint()),
    }
}

/// The calling key's account, the body's fields checked, its data locked,
/// and how to render: what every route here starts with. `act` answers a
/// status and a view as JSON.
fn on_account(
    app: &App,
    parts: &Parts,
    body: &Body,
    tls: bool,
    fields: &[&str],
    act: impl FnOnce(&Account, &mut Data, Render<'_>) -> Result<(StatusCode, Vec<u8>)>,
) -> Result<Resp> {
    let (account, testmode_links) = bearer_account(app, parts, body)?;
    body.only(fields)?;
    let base = app.base_url(parts, tls);
    let render = Render {
        base: &base,
        mode: account.mode,
        profile_id: &account.profile_id,
        testmode_links,
        page_token: &account.page_token,
    };
    let mut data = account.data.write();
    let (status, json) = act(&account, &mut data, render)?;
    Ok(hal_response(status, json))
}

fn status_field<T>(body: &Body, parse: impl Fn(&str) -> Option<T>, choices: &str) -> Result<T> {
    match body.get("status") {
        None | Some(Value::Null) => {
            Err(ApiError::unprocessable("The 'status' field is missing").with_field("status"))
        }
        Some(v) => v.as_str().and_then(parse).ok_or_else(|| {
            ApiError::unprocessable(format!("The status is invalid: use {choices}"))
                .with_field("status")
        }),
    }
}

fn refund_status(app: &App, parts: &Parts, body: &Body, tls: bool, id: &str) -> Result<Resp> {
    let to = status_field(
        body,
        |s| RefundStatus::parse(s).filter(|s| *s != RefundStatus::Queued),
        "pending, processing, refunded, failed or canceled",
    )?;
    on_account(
        app,
        parts,
        body,
        tls,
        &["status", "testmode"],
        |account, data, render| {
            after_sales::set_refund_status(app, account, data, id, to)?;
            let refund = data
                .refunds
                .get(id)
                .ok_or_else(|| ApiError::not_found("refund", id))?;
            let view = RefundView {
                refund,
                render,
                links: Some(Some("refunds-api/get-payment-refund")),
            };
            Ok((StatusCode::OK, crate::views::to_json(&view)))
        },
    )
}

fn capture_status(app: &App, parts: &Parts, body: &Body, tls: bool, id: &str) -> Result<Resp> {
    let to = status_field(
        body,
        |s| CaptureStatus::parse(s).filter(|s| *s != CaptureStatus::Pending),
        "succeeded or failed",
    )?;
    on_account(
        app,
        parts,
        body,
        tls,
        &["status", "testmode"],
        |account, data, render| {
            after_sales::settle_capture(app, account, data, id, to)?;
            let capture = data
                .captures
                .get(id)
                .ok_or_else(|| ApiError::not_found("capture", id))?;
            let view = CaptureView {
                capture,
                render,
                links: Some(Some("captures-api/get-capture")),
                payment: None,
            };
            Ok((StatusCode::OK, crate::views::to_json(&view)))
        },
    )
}

/// `reason`: `{code, description}` or nothing.
fn reason(body: &Body) -> Result<Option<(SmolStr, Box<str>)>> {
    let invalid = || {
        ApiError::unprocessable("The reason must be {\"code\": …, \"description\": …}")
            .with_field("reason")
    };
    match body.get("reason") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => {
            if o.keys().any(|k| k != "code" && k != "description") {
                return Err(invalid());
            }
            let code = o.get("code").and_then(Value::as_str).ok_or_else(invalid)?;
            let description = o.get("description").and_then(Value::as_str).unwrap_or("");
            Ok(Some((code.into(), description.into())))
        }
        Some(_) => Err(invalid()),
    }
}

/// A chargeback as the API shows it.
fn chargeback_json(data: &Data, id: &str, render: Render<'_>) -> Result<Vec<u8>> {
    let chargeback = data
        .chargebacks
        .get(id)
        .ok_or_else(|| ApiError::not_found("chargeback", id))?;
    Ok(crate::views::to_json(&ChargebackView {
        chargeback,
        render,
        links: Some(Some("chargebacks-api/get-payment-chargeback")),
    }))
}

fn chargeback(app: &App, parts: &Parts, body: &Body, tls: bool, payment_id: &str) -> Result<Resp> {
    let reason = reason(body)?;
    let fields = ["amount", "reason", "testmode"];
    on_account(app, parts, body, tls, &fields, |account, data, render| {
        let amount = body.field("amount");
        let id = after_sales::charge_back(app, account, data, payment_id, amount, reason)?;
        Ok((StatusCode::CREATED, chargeback_json(data, &id, render)?))
    })
}

fn reverse(app: &App, parts: &Parts, body: &Body, tls: bool, id: &str) -> Result<Resp> {
    on_account(
        app,
        parts,
        body,
        tls,
        &["testmode"],
        |account, data, render| {
            let c = data
                .chargebacks
                .get_mut(id)
                .ok_or_else(|| ApiError::not_found("chargeback", id))?;
            if c.reversed_at.is_some() {
                return Err(ApiError::unprocessable(
                    "The chargeback has been reversed already",
                ));
            }
            c.reversed_at = Some(account.clock.now());
            let payment = c.payment_id.clone();
            after_sales::chargeback_changed(app, account, data, &payment);
            Ok((StatusCode::OK, chargeback_json(data, id, render)?))
        },
    )
}
