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
    pub fn from_header(header: Option<&'a [u8]>) -> Result<Credential<'a>> {
        let value = header
            .and_then(|h| std::str::from_utf8(h).ok())
            .ok_or_else(ApiError::unauthorized)?;
        let (scheme, key) = value
            .trim()
            .split_once(' ')
            .ok_or_else(ApiError::unauthorized)?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(ApiError::unauthorized());
        }
        Self::parse_key(key.trim()).ok_or_else(ApiError::unauthorized)
    }

    pub fn parse_key(key: &'a str) -> Option<Credential<'a>> {
        let (kind, mode, rest) = if let Some(rest) = key.strip_prefix("test_") {
            (Kind::ApiKey, Mode::Test, rest)
        } else if let Some(rest) = key.strip_prefix("live_") {
            (Kind::ApiKey, Mode::Live, rest)
        } else if let Some(rest) = key.strip_prefix("access_") {
            (Kind::AccessToken, Mode::Live, rest)
        } else {
            return None;
        };
        let shape_ok = rest.len() >= MIN_KEY_CHARS
            && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        shape_ok.then_some(Credential { key, kind, mode })
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
        ] {
            assert_eq!(Credential::from_header(Some(bad)).unwrap_err().status, 401);
        }
        assert!(Credential::from_header(None).is_err());
        assert_eq!(
            Credential::parse_key("access_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM")
                .unwrap()
                .kind,
            Kind::AccessToken
        );
    }
}
