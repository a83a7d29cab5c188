//! How a keyless page (checkout, dashboard) knows its account: its link
//! carries `?account=TOKEN`, an opaque token of the account that made the
//! link, which the registry maps back. A page never searches every account
//! for an id: payments from a `"*"` template share ids across accounts, and
//! `PUT /_sandbox/state` can plant any id in any account.
//!
//! The token is derived from the account's name (its API key) by SHA-256,
//! so links stay valid across a restart with `--state-file`, and it reveals
//! nothing of the key. This module is the whole mechanism: a page that
//! changes its look (or its path) keeps calling [`account`].

use std::sync::Arc;

use crate::http::request::Query;
use crate::store::{Account, Registry};

/// The query parameter that carries the token.
pub const PARAM: &str = "account";
/// [`PARAM`] as the query of a link without one.
pub const QUERY: &str = "?account=";

/// The token of the account named `name`: 32 hex digits.
pub fn token(name: &str) -> Box<str> {
    let digest = ring::digest::digest(
        &ring::digest::SHA256,
        format!("mollie-sandbox page link\0{name}").as_bytes(),
    );
    digest.as_ref()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
        .into()
}

/// `href` with the account's token appended as [`PARAM`].
pub fn href(mut href: String, token: &str) -> String {
    if href.contains('?') {
        href.push('&');
        href.push_str(PARAM);
        href.push('=');
    } else {
        href.push_str(QUERY);
    }
    href.push_str(token);
    href
}

/// The account a page link was made for, or `None` when the link carries
/// no token or one that names no account of this sandbox.
pub fn account(registry: &Registry, query: &Query) -> Option<Arc<Account>> {
    registry.by_page_token(query.get(PARAM)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_opaque_stable_and_distinct() {
        let a = token("test_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(!a.contains("aaaa"));
        assert_eq!(a, token("test_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
        assert_ne!(a, token("test_aaaaaaaaaaaaaaaaaaaaaaaaaaaaab"));
        assert_eq!(href("http://x/p".into(), "t"), "http://x/p?account=t");
        assert_eq!(
            href("http://x/p?a=1".into(), "t"),
            "http://x/p?a=1&account=t"
        );
    }
}
