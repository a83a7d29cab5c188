//! Operations on the whole sandbox rather than one account (today
//! `POST /_sandbox/reset?all=true`) need `--admin-token` when one is set,
//! sent as `Authorization: Bearer <token>`: on a shared sandbox no team's
//! tests can wipe another's. Without the flag they stay open, as before.

use hyper::header::AUTHORIZATION;
use hyper::http::request::Parts;

use crate::app::App;
use crate::error::{ApiError, Result, DOC_AUTH};

/// `Ok` when no admin token is configured or the request carries it.
pub fn check(app: &App, parts: &Parts) -> Result<()> {
    let Some(expected) = app.config.admin_token.as_deref() else {
        return Ok(());
    };
    let sent = parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim);
    match sent {
        Some(token) if same(token.as_bytes(), expected.as_bytes()) => Ok(()),
        _ => Err(ApiError::new(
            401,
            "This acts on other accounts than the caller's: it needs the sandbox's admin token (--admin-token) as \"Authorization: Bearer …\".",
        )
        .with_doc(DOC_AUTH)),
    }
}

/// Compares without returning early at the first difference.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
