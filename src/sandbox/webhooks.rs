//! `GET /_sandbox/webhooks`: every webhook attempt of the caller's account,
//! oldest first (`?paymentId=tr_…` for one payment).
//! `POST /_sandbox/webhooks/{deliveryId}/resend`: sends a delivery again.

use hyper::http::request::Parts;
use hyper::{Method, StatusCode};
use serde_json::json;

use crate::app::App;
use crate::error::{ApiError, Result};
use crate::http::request::{Body, Query};
use crate::http::response::{json_value, Resp};

use super::account::bearer_account;

pub fn handle(app: &App, parts: &Parts, raw: &[u8], rest: &[&str]) -> Result<Resp> {
    let body = Body::from_request(parts, raw)?;
    match (&parts.method, rest) {
        (&Method::GET, []) => list(app, parts, &body),
        (&Method::POST, [id, "resend"]) => resend(app, parts, &body, id),
        (_, []) => Err(crate::api::not_allowed("GET")),
        (_, [_, "resend"]) => Err(crate::api::not_allowed("POST")),
        _ => Err(crate::api::unknown_endpoint()),
    }
}

fn list(app: &App, parts: &Parts, body: &Body) -> Result<Resp> {
    let (account, _) = bearer_account(app, parts, body)?;
    let query = Query::parse(parts.uri.query());
    query.only(&["paymentId", "testmode"])?;
    let attempts = app.webhooks.attempts(&account.key, query.get("paymentId"));
    Ok(json_value(
        StatusCode::OK,
        &json!({"count": attempts.len(), "webhooks": attempts}),
    ))
}

fn resend(app: &App, parts: &Parts, body: &Body, id: &str) -> Result<Resp> {
    let (account, _) = bearer_account(app, parts, body)?;
    body.only(&["testmode"])?;
    let delivery = app
        .webhooks
        .resend(&account.key, id)
        .ok_or_else(|| ApiError::new(404, format!("No webhook delivery exists with id {id}.")))?;
    Ok(json_value(
        StatusCode::ACCEPTED,
        &json!({"deliveryId": delivery, "resentFrom": id}),
    ))
}
