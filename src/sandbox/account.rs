//! Which account a sandbox call acts on: the same `Authorization: Bearer`
//! key as the API, so a test drives exactly the account its client uses,
//! or an account reference with the admin token (the console's list).

use std::sync::Arc;

use hyper::header::AUTHORIZATION;
use hyper::http::request::Parts;

use crate::api::Ctx;
use crate::app::App;
use crate::auth::{Credential, Kind};
use crate::error::Result;
use crate::http::request::{Body, Query};
use crate::store::{Account, Mode};

/// The caller's account, and whether an access token reached it in test
/// mode (its API links then carry `?testmode=true`). Access tokens pick test
/// mode with `testmode=true` in the query or the body, as on the API.
/// An account picked by reference (the console's account list) instead.
pub fn bearer_account(app: &App, parts: &Parts, body: &Body) -> Result<(Arc<Account>, bool)> {
    if let Some(account) = super::access::referenced_account(app, parts) {
        return account.map(|a| (a, false));
    }
    let cred = Credential::from_header(parts.headers.get(AUTHORIZATION).map(|h| h.as_bytes()))?;
    let mode = match cred.kind {
        Kind::ApiKey => cred.mode,
        Kind::AccessToken => {
            let query = Query::parse(parts.uri.query());
            let in_query = query.get("testmode") == Some("true");
            let in_body = matches!(body.get("testmode"), Some(v) if v == true || v == "true");
            if in_query || in_body {
                Mode::Test
            } else {
                Mode::Live
            }
        }
    };
    let token = cred.kind == Kind::AccessToken;
    Ok((
        app.registry.get(cred.key, mode, token),
        token && mode == Mode::Test,
    ))
}

/// Runs one of the API's own handlers (`api::refunds::create`, …) for the
/// account a sandbox request names, by key or by reference: the console
/// acts on an account whose key it never saw, and the object is made by
/// the very code `/v2/…` runs (validation, webhooks, the scheduler), not
/// by a copy of it.
pub fn as_api<R>(
    app: &App,
    parts: &Parts,
    body: Body,
    tls: bool,
    handler: impl FnOnce(&Ctx<'_>) -> Result<R>,
) -> Result<R> {
    let (account, _) = bearer_account(app, parts, &body)?;
    // The account's own key says what kind of credential made it; an
    // access token's account takes `testmode` and `profileId` as on the API.
    let kind = if account.key.starts_with("access_") {
        Kind::AccessToken
    } else {
        Kind::ApiKey
    };
    let base = app.base_url(parts, tls);
    let ctx = Ctx {
        app,
        account: &account,
        method: &parts.method,
        path: parts.uri.path(),
        query: Query::parse(parts.uri.query()),
        body,
        kind,
        base: &base,
    };
    handler(&ctx)
}
