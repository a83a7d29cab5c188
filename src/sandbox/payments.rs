//! `POST /_sandbox/payments/{id}/status`: what the checkout page does, for
//! headless tests (`{"status": "paid"}`, JSON or form, optional `method`).
//! `POST /_sandbox/payments/{id}/webhook`: calls the payment's webhook now.

use bytes::Bytes;
use hyper::http::request::Parts;
use hyper::{Method, StatusCode};
use serde_json::{json, Value};

use crate::api::payments::render_one;
use crate::app::App;
use crate::error::{ApiError, Result};
use crate::http::request::Body;
use crate::http::response::{json_value, Resp};
use crate::lifecycle;
use crate::store::PaymentStatus;
use crate::views::Render;

use super::account::bearer_account;

pub fn handle(app: &App, parts: &Parts, raw: &Bytes, tls: bool, rest: &[&str]) -> Result<Resp> {
    let body = Body::from_request(parts, raw)?;
    match (&parts.method, rest) {
        (&Method::POST, [id, "status"]) => status(app, parts, &body, tls, id),
        (&Method::POST, [id, "webhook"]) => webhook(app, parts, &body, id),
        (_, [_, "status" | "webhook"]) => Err(crate::api::not_allowed("POST")),
        _ => Err(crate::api::unknown_endpoint()),
    }
}

fn status(app: &App, parts: &Parts, body: &Body, tls: bool, id: &str) -> Result<Resp> {
    let (account, testmode_links) = bearer_account(app, parts, body)?;
    body.only(&["status", "method", "testmode"])?;
    let to = match body.get("status") {
        None | Some(Value::Null) => {
            return Err(
                ApiError::unprocessable("The 'status' field is missing").with_field("status")
            )
        }
        Some(v) => v.as_str().and_then(PaymentStatus::parse).ok_or_else(|| {
            ApiError::unprocessable(
                "The status is invalid: use open, pending, authorized, paid, failed, canceled or expired",
            )
            .with_field("status")
        })?,
    };
    let method = match body.get("method") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_str().and_then(crate::catalogue::id).ok_or_else(|| {
            ApiError::unprocessable("The payment method is invalid").with_field("method")
        })?),
    };
    let mut data = account.data.write();
    let p = data
        .payments
        .get(id)
        .ok_or_else(|| ApiError::not_found("payment", id))?;
    if let Some(m) = method {
        let fits = match p.method {
            Some(current) => current == m,
            None => lifecycle::method_options(&data, p, account.mode).contains(&m),
        };
        if !fits {
            return Err(
                ApiError::unprocessable(format!("The payment cannot be paid with {m}"))
                    .with_field("method"),
            );
        }
    }
    lifecycle::set_status(app, &account, &mut data, id, to, method)?;
    let payment = data
        .payments
        .get(id)
        .ok_or_else(|| ApiError::not_found("payment", id))?;
    let base = app.base_url(parts, tls);
    let render = Render::of(&base, &account, testmode_links);
    Ok(render_one(
        StatusCode::OK,
        payment,
        render,
        "payments-api/get-payment",
    ))
}

fn webhook(app: &App, parts: &Parts, body: &Body, id: &str) -> Result<Resp> {
    let (account, _) = bearer_account(app, parts, body)?;
    body.only(&["testmode"])?;
    let data = account.data.read();
    let p = data
        .payments
        .get(id)
        .ok_or_else(|| ApiError::not_found("payment", id))?;
    let url = p.webhook_url.as_deref().ok_or_else(|| {
        ApiError::unprocessable("The payment has no webhookUrl").with_field("webhookUrl")
    })?;
    let delivery = app.webhooks.enqueue(&account.key, &p.id, url);
    Ok(json_value(
        StatusCode::ACCEPTED,
        &json!({"deliveryId": delivery, "paymentId": p.id, "url": url}),
    ))
}
