//! Who is calling: `Authorization: Bearer <key>` into a [`Credential`]. Every
//! distinct key is its own account; the key's prefix sets the mode.

use crate::error::{ApiError, Result};
use crate::store::Mode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `test_…` / `live_…`: mode from the key, `testmode` and `profileId` refused.
    ApiKey,
    /// `access_…`: mode from the `testmode` parameter.
    AccessToken,
}

#[derive(Debug, Clone, Copy)]
pub struct Credential<'a> {
    pub key: &'a str,
    pub kind: Kind,
    /// The key's own mode; access tokens choose per request.
    pub mode: Mode,
}

/// Characters after the prefix: at least this many letters, digits or underscores.
const MIN_KEY_CHARS: usize = 30;

impl<'a> Credential<'a> {
    /// The caller's credential, or Mollie's bare 401. The answer says no
    /// more than the real API's; the log says why, so a key of the wrong
    /// shape is found in the sandbox's output rather than guessed at.
    pub fn from_header(header: Option<&'a [u8]>) -> Result<Credential<'a>> {
        Self::read_header(header).map_err(|why| {
            tracing::warn!("401 Unauthorized: {why}");
            ApiError::unauthorized()
        })
    }

    /// Byte by byte: this runs on every request, and a header of the right
    /// shape is all ASCII, so only a wrong one is decoded as text (for the log).
    fn read_header(header: Option<&'a [u8]>) -> std::result::Result<Credential<'a>, String> {
        let Some(header) = header else {
            return Err("no Authorization header (send Authorization: Bearer <key>)".into());
        };
        let value = header.trim_ascii();
        let (scheme, key) = match value.iter().position(|&b| b == b' ') {
            Some(at) => (&value[..at], value[at + 1..].trim_ascii()),
            None => (value, &value[value.len()..]),
        };
        if !scheme.eq_ignore_ascii_case(b"bearer") || key.is_empty() {
            return Err("the Authorization header is not 'Bearer <key>'".into());
        }
        if let Some(credential) = Self::parse_key_bytes(key) {
            return Ok(credential);
        }
        let key = std::str::from_utf8(key)
            .map_err(|_| "the Authorization header is not text".to_owned())?;
        let shown: String = key.chars().take(8).collect();
        Err(format!(
            "{}; got \"{shown}…\" ({} characters)",
            shape_rule(key),
            key.chars().count()
        ))
    }

    pub fn parse_key(key: &'a str) -> Option<Credential<'a>> {
        Self::parse_key_bytes(key.as_bytes())
    }

    fn parse_key_bytes(key: &'a [u8]) -> Option<Credential<'a>> {
        let (kind, mode, rest) = if let Some(rest) = key.strip_prefix(b"test_") {
            (Kind::ApiKey, Mode::Test, rest)
        } else if let Some(rest) = key.strip_prefix(b"live_") {
            (Kind::ApiKey, Mode::Live, rest)
        } else if let Some(rest) = key.strip_prefix(b"access_") {
            (Kind::AccessToken, Mode::Live, rest)
        } else {
            return None;
        };
        let shape_ok = rest.len() >= MIN_KEY_CHARS
            && rest.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_');
        if !shape_ok {
            return None;
        }
        // All ASCII by the check above, so this cannot fail.
        let key = std::str::from_utf8(key).ok()?;
        Some(Credential { key, kind, mode })
    }
}

/// What a key of the wrong shape should have been.
pub fn shape_rule(key: &str) -> &'static str {
    if key.starts_with("access_") {
        "an access token must be access_ plus at least 30 characters (letters, digits, underscores)"
    } else {
        "key must be test_ or live_ plus at least 30 characters (letters, digits, underscores)"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_schemes() {
        let ok = b"Bearer test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM";
        let c = Credential::from_header(Some(ok)).unwrap();
        assert_eq!(c.mode, Mode::Test);
        assert_eq!(c.kind, Kind::ApiKey);
        for bad in [
            &b"Basic test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM"[..],
            b"Bearer test_short",
            b"Bearer foo_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM",
            b"Bearer",
            b"Bearer ",
            b"Bearertest_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM",
            b"Bearer test_dHar4XY7LxsDOtmnkVtjNVWXLSlX\xc3\xa9",
            b"Bearer test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM extra",
            b"\xff\xfe test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM",
        ] {
            assert_eq!(Credential::from_header(Some(bad)).unwrap_err().status, 401);
        }
        assert!(Credential::from_header(None).is_err());
        // Scheme in any case, spaces around the key, as before.
        for ok in [
            &b"bearer test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM"[..],
            b"  BEARER   test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM  ",
            b"Bearer live_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM",
        ] {
            let c = Credential::from_header(Some(ok)).unwrap();
            assert!(
                c.key.ends_with("_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM"),
                "{}",
                c.key
            );
        }
        let why = Credential::read_header(Some(b"Bearer test_\xff\xfe")).unwrap_err();
        assert!(why.contains("not text"), "{why}");
        let why = Credential::read_header(Some(b"Bearer test_short")).unwrap_err();
        assert!(
            why.starts_with("key must be test_ or live_ plus at least 30 characters"),
            "{why}"
        );
        assert!(why.ends_with("(10 characters)"), "{why}");
        let why = Credential::read_header(Some(b"Basic abc")).unwrap_err();
        assert!(why.contains("not 'Bearer <key>'"), "{why}");
        assert_eq!(
            Credential::parse_key("access_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM")
                .unwrap()
                .kind,
            Kind::AccessToken
        );
    }
}
