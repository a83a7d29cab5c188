//! `POST /_sandbox/mandates/{id}/status`: what Mollie does to a mandate
//! behind the API (the IBAN arrives, the bank refuses it), for headless
//! tests: `{"status": "valid"}`, `"pending"` or `"invalid"`. The customer's
//! subscriptions follow ([`crate::store::Data::mandates_changed`]): a
//! pending one turns active when its mandate turns valid. Revoking stays
//! the API's `DELETE`.

use bytes::Bytes;
use hyper::http::request::Parts;
use hyper::{Method, StatusCode};
use serde_json::Value;

use crate::app::App;
use crate::error::{ApiError, Result};
use crate::http::request::Body;
use crate::http::response::{hal_response, Resp};
use crate::store::MandateStatus;
use crate::views::{MandateView, Render};

use super::account::bearer_account;

pub fn handle(app: &App, parts: &Parts, raw: &Bytes, tls: bool, rest: &[&str]) -> Result<Resp> {
    match (&parts.method, rest) {
        (&Method::POST, [id, "status"]) => status(app, parts, raw, tls, id),
        (_, [_, "status"]) => Err(crate::api::not_allowed("POST")),
        _ => Err(crate::api::unknown_endpoint()),
    }
}

fn status(app: &App, parts: &Parts, raw: &Bytes, tls: bool, id: &str) -> Result<Resp> {
    let body = Body::from_request(parts, raw)?;
    let (account, testmode_links) = bearer_account(app, parts, &body)?;
    body.only(&["status", "testmode"])?;
    let to = match body.get("status") {
        None | Some(Value::Null) => {
            return Err(
                ApiError::unprocessable("The 'status' field is missing").with_field("status")
            )
        }
        Some(v) => v.as_str().and_then(MandateStatus::parse).ok_or_else(|| {
            ApiError::unprocessable("The status is invalid: use valid, pending or invalid")
                .with_field("status")
        })?,
    };
    let mut data = account.data.write();
    match data.mandates.get(id) {
        None => return Err(ApiError::not_found("mandate", id)),
        Some(m) if m.revoked_at.is_some() => {
            return Err(ApiError::gone("The mandate has been revoked."))
        }
        Some(_) => {}
    }
    data.set_mandate_status(id, to);
    account.mark_changed();
    let m = data
        .mandates
        .get(id)
        .ok_or_else(|| ApiError::not_found("mandate", id))?;
    let base = app.base_url(parts, tls);
    let view = MandateView {
        mandate: m,
        render: Render::of(&base, &account, testmode_links),
        links: Some(Some("mandates-api/get-mandate")),
    };
    Ok(hal_response(
        StatusCode::OK,
        Bytes::from(serde_json::to_vec(&view).unwrap_or_default()),
    ))
}
