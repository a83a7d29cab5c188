//! Who may do what under `/_sandbox/`: the `--admin-token` for server-wide
//! operations, account references (the console acts on an account picked
//! from the list without ever seeing its key), and the refusal of
//! state-changing requests that a browser sends from another site.

use std::sync::Arc;

use hyper::header::{HOST, ORIGIN};
use hyper::http::request::Parts;
use hyper::Method;

use crate::app::App;
use crate::error::{ApiError, Result};
use crate::store::Account;

/// Names an account by its reference (from `GET /_sandbox/accounts`)
/// instead of its key; needs the admin token when one is set.
pub const ACCOUNT_HEADER: &str = "x-sandbox-account";

/// Server-wide things (the account list, an account by reference) need the
/// admin token when one is set: [`super::admin::check`].
pub fn require_admin(app: &App, parts: &Parts) -> Result<()> {
    super::admin::check(app, parts)
}

/// A stable, opaque name for an account: what the console's account list
/// hands out instead of the key.
pub fn account_ref(account: &Account) -> String {
    account.reference().to_string()
}

/// The account named by [`ACCOUNT_HEADER`], if the request has that header.
pub fn referenced_account(app: &App, parts: &Parts) -> Option<Result<Arc<Account>>> {
    let wanted = parts.headers.get(ACCOUNT_HEADER)?;
    Some(require_admin(app, parts).and_then(|()| {
        let wanted = wanted.to_str().unwrap_or_default();
        app.registry
            .by_reference(wanted)
            .ok_or_else(|| ApiError::new(404, "No account exists with this reference."))
    }))
}

/// The key as the console lists it: its kind and a few characters at each
/// end, enough to tell accounts apart and too few to use.
pub fn mask(key: &str) -> String {
    let (prefix, rest) = match key.find('_') {
        Some(i) => key.split_at(i + 1),
        None => ("", key),
    };
    let suffix = if key.ends_with("#test") {
        " (test)"
    } else {
        ""
    };
    let rest = rest.trim_end_matches("#test");
    let chars: Vec<char> = rest.chars().collect();
    if chars.len() < 12 {
        return format!("{prefix}…{suffix}");
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{prefix}{head}…{tail}{suffix}")
}

/// Refuses a state-changing request that a browser sent from another
/// site (a page elsewhere posting to the sandbox). Browsers say where a
/// request comes from in `Sec-Fetch-Site`, older ones in `Origin`; clients
/// that are not browsers (curl, test suites, Mollie libraries) send
/// neither and pass.
pub fn cross_site(app: &App, parts: &Parts, tls: bool) -> Result<()> {
    if matches!(
        parts.method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    ) {
        return Ok(());
    }
    let refused = || {
        ApiError::new(
            403,
            "Cross-site requests cannot change the sandbox: use the console at /_sandbox/ or a client that is not a browser.",
        )
    };
    if let Some(site) = parts.headers.get("sec-fetch-site") {
        return match site.as_bytes() {
            b"same-origin" | b"none" => Ok(()),
            _ => Err(refused()),
        };
    }
    if let Some(origin) = parts.headers.get(ORIGIN) {
        let origin = origin.to_str().unwrap_or("null");
        let ours = app.public_url.as_deref().is_some_and(|u| origin == u)
            || parts
                .headers
                .get(HOST)
                .and_then(|h| h.to_str().ok())
                .is_some_and(|host| {
                    let scheme = if tls { "https" } else { "http" };
                    origin == format!("{scheme}://{host}")
                });
        if !ours {
            return Err(refused());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keys() {
        assert_eq!(mask("test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM"), "test_dHa…lXsM");
        assert_eq!(mask("test_abc"), "test_…");
        assert_eq!(
            mask("access_abcdefghijklmnop#test"),
            "access_abc…mnop (test)"
        );
    }
}
