//! `/_sandbox/dashboard/customers/{id}`, `/_sandbox/dashboard/payments/{id}`
//! and `/_sandbox/dashboard/subscriptions/{id}`: where the `dashboard` links
//! of customers and payments lead (and a subscription's page). A read-only
//! page showing the object as the API renders it. The account is chosen as
//! for the API, by the `Authorization` header, or by a `key` query parameter
//! (`testmode=true` picks an access token's test mode); with neither, by the
//! link's own `account` token ([`crate::page_link`]), so that the link opens
//! in a browser as on Mollie's own dashboard, and only for its own account.

use bytes::Bytes;
use hyper::header::AUTHORIZATION;
use hyper::http::request::Parts;
use hyper::StatusCode;
use serde::Serialize;

use crate::api::{customers, live_customer};
use crate::app::App;
use crate::auth::{Credential, Kind};
use crate::error::{ApiError, Result};
use crate::http::request::Query;
use crate::http::response::{with_type, Resp};
use crate::page_link;
use crate::store::{Account, Mode};
use crate::views::{CustomerView, PaymentLinks, PaymentView, Render, SubscriptionView};

pub fn customer(app: &App, parts: &Parts, tls: bool, id: &str) -> Resp {
    page(app, parts, tls, "customer", id, |account, render| {
        let data = account.data.read();
        let customer = live_customer(&app.config, &data, id)?;
        let view = CustomerView {
            customer,
            render,
            links: Some(customers::links(&data, id, None)),
        };
        Ok(html("Customer", id, account.mode, &view))
    })
}

pub fn payment(app: &App, parts: &Parts, tls: bool, id: &str) -> Resp {
    page(app, parts, tls, "payment", id, |account, render| {
        let data = account.data.read();
        let payment = data
            .payments
            .get(id)
            .ok_or_else(|| ApiError::not_found("payment", id))?;
        // The page shows the payment's refunds, chargebacks and captures too.
        let view = PaymentView {
            payment,
            render,
            links: Some(PaymentLinks {
                documentation: None,
            }),
            embedded: Some(crate::api::payments::embeds(&data, id, render, [true; 3])),
        };
        Ok(html("Payment", id, account.mode, &view))
    })
}

pub fn subscription(app: &App, parts: &Parts, tls: bool, id: &str) -> Resp {
    page(app, parts, tls, "subscription", id, |account, render| {
        let data = account.data.read();
        let subscription = data
            .subscriptions
            .get(id)
            .ok_or_else(|| ApiError::not_found("subscription", id))?;
        let view = SubscriptionView {
            subscription,
            render,
            links: Some(None),
            has_payments: data
                .subscription_payments
                .get(id)
                .is_some_and(|s| !s.is_empty()),
        };
        Ok(html("Subscription", id, account.mode, &view))
    })
}

/// Finds the account and renders, or answers the Mollie-shaped error. An
/// account that has made no request yet has no objects: 404, without
/// creating it.
fn page(
    app: &App,
    parts: &Parts,
    tls: bool,
    kind: &str,
    id: &str,
    body: impl FnOnce(&Account, Render<'_>) -> Result<Resp>,
) -> Resp {
    let run = || -> Result<Resp> {
        let query = Query::parse(parts.uri.query());
        query.only(&["key", "testmode", page_link::PARAM])?;
        let header = parts.headers.get(AUTHORIZATION).map(|h| h.as_bytes());
        let (account, access_token) = match (query.get("key"), header) {
            (None, None) => (
                page_link::account(&app.registry, &query)
                    .ok_or_else(|| ApiError::not_found(kind, id))?,
                false,
            ),
            (key, header) => {
                let cred = match key {
                    Some(key) => Credential::parse_key(key).ok_or_else(ApiError::unauthorized)?,
                    None => Credential::from_header(header)?,
                };
                let mode = match cred.kind {
                    Kind::ApiKey => cred.mode,
                    Kind::AccessToken if query.get("testmode") == Some("true") => Mode::Test,
                    Kind::AccessToken => Mode::Live,
                };
                let access_token = cred.kind == Kind::AccessToken;
                let account = app
                    .registry
                    .find(cred.key, mode, access_token)
                    .ok_or_else(|| ApiError::not_found(kind, id))?;
                (account, access_token)
            }
        };
        let base = app.base_url(parts, tls);
        let render = Render::of(&base, &account, access_token && account.mode == Mode::Test);
        body(&account, render)
    };
    run().unwrap_or_else(ApiError::into_response)
}

fn html(kind: &str, id: &str, mode: Mode, view: &impl Serialize) -> Resp {
    // Through a Value: views write themselves as compact text, which the
    // pretty printer would copy as it is.
    let json = serde_json::to_value(view)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_default();
    let page = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{kind} {id} · mollie-sandbox</title>\n\
         <style>body{{font-family:system-ui,sans-serif;margin:2rem;color:#111}}\
         pre{{background:#f4f4f6;padding:1rem;border-radius:6px;overflow:auto}}</style>\n\
         </head>\n<body>\n<h1>{kind} {id}</h1>\n<p>{mode} mode · read-only view of mollie-sandbox</p>\n\
         <pre>{json}</pre>\n</body>\n</html>\n",
        kind = kind,
        id = html_escape::encode_text(id),
        mode = mode.as_str(),
        json = html_escape::encode_text(&json),
    );
    with_type(
        StatusCode::OK,
        "text/html; charset=utf-8",
        Bytes::from(page),
    )
}
