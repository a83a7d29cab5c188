//! The sandbox's own API under `/_sandbox/`: health and the CA certificate
//! here; the pages `dashboard` links lead to in [`dashboard`]; each further
//! concern (payment and mandate status, webhooks, scenarios, journal, state,
//! clock) in a module of its own, dispatched from [`handle`].

pub mod access;
pub mod console;
pub mod dashboard;

pub mod control;
pub mod state;

mod account;
pub mod admin;
pub mod after_sales;
pub mod clock;
pub mod mandates;
pub mod payments;
pub mod webhooks;

use std::sync::Arc;

use bytes::Bytes;
use hyper::http::request::Parts;
use hyper::{Method, StatusCode};
use serde_json::json;

use crate::app::App;
use crate::error::ApiError;
use crate::http::response::{json_value, with_type, Resp};

pub async fn handle(app: &Arc<App>, parts: &Parts, body: Bytes, tls: bool) -> Resp {
    let path = parts.uri.path().trim_end_matches('/');
    let segments: Vec<&str> = path.split('/').skip(2).collect();
    if let Err(e) = access::cross_site(app, parts, tls) {
        return e.into_response();
    }
    if let Some(resp) = console::route(app, parts, &segments, tls) {
        return resp;
    }
    if let Some(resp) = control::route(app, parts, &body, &segments) {
        return resp;
    }
    match (&parts.method, segments.as_slice()) {
        (&Method::GET, ["health"]) => json_value(StatusCode::OK, &json!({"status": "ok"})),
        (&Method::GET, ["metrics"]) => with_type(
            StatusCode::OK,
            "text/plain; version=0.0.4; charset=utf-8",
            crate::metrics::render(app),
        ),
        (&Method::GET, ["ca.pem"]) => match &app.ca_pem {
            Some(pem) => with_type(StatusCode::OK, "application/x-pem-file", pem.clone()),
            None => ApiError::new(
                404,
                "No certificate authority: HTTPS is off or uses a mounted certificate.",
            )
            .into_response(),
        },
        (&Method::GET, ["dashboard", "customers", id]) => dashboard::customer(app, parts, tls, id),
        (&Method::GET, ["dashboard", "payments", id]) => dashboard::payment(app, parts, tls, id),
        (&Method::GET, ["dashboard", "subscriptions", id]) => {
            dashboard::subscription(app, parts, tls, id)
        }
        (
            _,
            ["health" | "ca.pem" | "metrics"]
            | ["dashboard", "customers" | "payments" | "subscriptions", _],
        ) => crate::api::not_allowed("GET").into_response(),
        (_, ["clock"]) => clock::clock(app, parts, &body)
            .await
            .unwrap_or_else(ApiError::into_response),
        (_, ["subscriptions", rest @ ..]) => clock::subscriptions(app, parts, &body, tls, rest)
            .unwrap_or_else(ApiError::into_response),
        (_, [kind @ ("refunds" | "captures" | "chargebacks"), rest @ ..]) => {
            after_sales::handle(app, parts, &body, tls, kind, rest)
                .unwrap_or_else(ApiError::into_response)
        }
        (_, ["payments", id, what @ ("chargebacks" | "refunds" | "captures")]) => {
            after_sales::handle(app, parts, &body, tls, "payments", &[id, what])
                .unwrap_or_else(ApiError::into_response)
        }
        (_, ["mandates", rest @ ..]) => {
            mandates::handle(app, parts, &body, tls, rest).unwrap_or_else(ApiError::into_response)
        }
        (_, ["payments", rest @ ..]) => {
            payments::handle(app, parts, &body, tls, rest).unwrap_or_else(ApiError::into_response)
        }
        (_, ["webhooks", rest @ ..]) => {
            webhooks::handle(app, parts, &body, rest).unwrap_or_else(ApiError::into_response)
        }
        _ => crate::api::unknown_endpoint().into_response(),
    }
}
