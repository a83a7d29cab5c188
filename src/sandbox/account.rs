//! Which account a sandbox call acts on: the same `Authorization: Bearer`
//! key as the API, so a test drives exactly the account its client uses.

use std::sync::Arc;

use hyper::header::AUTHORIZATION;
use hyper::http::request::Parts;

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
