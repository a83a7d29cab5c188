//! Field rules shared by every endpoint that takes them: amounts, locales,
//! URLs, metadata (method ids are the [`crate::catalogue`]'s). Each returns
//! Mollie's exact error on failure.

use serde_json::value::RawValue;
use serde_json::Value;
use smol_str::SmolStr;

use crate::error::{ApiError, Result};
use crate::http::request::Field;
use crate::store::Amount;

pub const LOCALES: &[&str] = &[
    "en_US", "en_GB", "nl_NL", "nl_BE", "fr_FR", "fr_BE", "de_DE", "de_AT", "de_CH", "es_ES",
    "ca_ES", "pt_PT", "it_IT", "nb_NO", "sv_SE", "fi_FI", "da_DK", "is_IS", "hu_HU", "pl_PL",
    "lv_LV", "lt_LT", "cs_CZ", "de_LU", "en_BE", "en_NL", "fr_LU", "sk_SK",
];

/// Currencies Mollie accepts, with their number of decimals.
pub const CURRENCIES: &[(&str, usize)] = &[
    ("AED", 2),
    ("AUD", 2),
    ("BGN", 2),
    ("BRL", 2),
    ("CAD", 2),
    ("CHF", 2),
    ("CZK", 2),
    ("DKK", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("HKD", 2),
    ("HUF", 2),
    ("ILS", 2),
    ("ISK", 0),
    ("JPY", 0),
    ("MXN", 2),
    ("MYR", 2),
    ("NOK", 2),
    ("NZD", 2),
    ("PHP", 2),
    ("PLN", 2),
    ("RON", 2),
    ("RUB", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("THB", 2),
    ("TWD", 2),
    ("USD", 2),
    ("ZAR", 2),
];

pub const METADATA_LIMIT: usize = 1024;

pub fn locale<'a>(value: impl Into<Field<'a>>) -> Result<Option<&'static str>> {
    let value = value.into();
    if value.is_null() {
        return Ok(None);
    }
    match value
        .as_str()
        .and_then(|s| LOCALES.iter().find(|l| **l == s))
    {
        Some(l) => Ok(Some(*l)),
        None => Err(ApiError::unprocessable("The locale is invalid").with_field("locale")),
    }
}

/// The types Mollie's OpenAPI document allows for `metadata`: a string, a
/// number, an object, an array of strings (or null). The API refuses the
/// rest (`false`, `[{}]`).
pub fn metadata_type_ok(value: &Value) -> bool {
    match value {
        Value::Null | Value::String(_) | Value::Number(_) | Value::Object(_) => true,
        Value::Array(items) => items.iter().all(Value::is_string),
        Value::Bool(_) => false,
    }
}

/// Metadata of an allowed type, stored as its text; `null` clears it.
pub fn metadata<'a>(value: impl Into<Field<'a>>) -> Result<Option<Box<RawValue>>> {
    let value = value.into();
    if value.is_null() {
        return Ok(None);
    }
    let type_ok = match value {
        Field::Value(v) => metadata_type_ok(v),
        Field::Str(_) | Field::Object(_) => true,
    };
    if !type_ok {
        return Err(ApiError::unprocessable(
            "The metadata is invalid. It must be a string, a number, an object, an array of strings or null.",
        )
        .with_field("metadata"));
    }
    // Serialised straight into its RawValue: text made from a Value needs
    // no parsing again.
    let raw = serde_json::value::to_raw_value(&value).ok();
    if raw.as_ref().is_some_and(|r| r.get().len() > METADATA_LIMIT) {
        return Err(ApiError::unprocessable(
            "The metadata is too large. It may contain up to 1024 characters.",
        )
        .with_field("metadata"));
    }
    Ok(raw)
}

/// A nullable string field, or 422 naming it.
pub fn opt_string<'a>(
    value: impl Into<Field<'a>>,
    field: &'static str,
) -> Result<Option<Box<str>>> {
    let value = value.into();
    if value.is_null() {
        return Ok(None);
    }
    match value.as_str() {
        Some(s) => Ok(Some(s.into())),
        None => Err(
            ApiError::unprocessable(format!("The '{field}' field must be a string"))
                .with_field(field),
        ),
    }
}

pub fn decimals_of(currency: &str) -> Option<usize> {
    CURRENCIES
        .iter()
        .find(|(c, _)| *c == currency)
        .map(|(_, d)| *d)
}

/// `{"value":"10.00","currency":"EUR"}`, with exactly the currency's decimals.
/// `required` is the detail for a missing amount.
pub fn amount<'a>(value: Option<impl Into<Field<'a>>>, required: &'static str) -> Result<Amount> {
    let value = value.map(Into::into).filter(|v| !v.is_null());
    let Some(value) = value else {
        return Err(ApiError::unprocessable(required).with_field("amount"));
    };
    let Some(obj) = value.object() else {
        return Err(
            ApiError::unprocessable("The amount contains an invalid value")
                .with_field("amount.value"),
        );
    };
    // One pass: the two names, and the first other one to refuse. Each
    // name is there once (the decoder kept the last value sent).
    let (mut value, mut currency) = (None, None);
    for (key, v) in obj.iter() {
        match key {
            "value" => value = Some(v),
            "currency" => currency = Some(v),
            _ => return Err(ApiError::unknown_body_field(&format!("amount.{key}"))),
        }
    }
    // A currency that is not a string is an invalid one ("" is none).
    let Some(currency) = currency
        .filter(|c| !c.is_null())
        .map(|c| c.as_str().unwrap_or(""))
    else {
        return Err(
            ApiError::unprocessable("The amount does not contain a currency")
                .with_field("amount.currency"),
        );
    };
    let Some(decimals) = decimals_of(currency) else {
        return Err(
            ApiError::unprocessable("The amount contains an invalid currency")
                .with_field("amount.currency"),
        );
    };
    let invalid = || {
        ApiError::unprocessable("The amount contains an invalid value").with_field("amount.value")
    };
    let Some(value) = value.and_then(Field::as_str) else {
        return Err(invalid());
    };
    if !value_has_decimals(value, decimals) {
        return Err(invalid());
    }
    Ok(Amount {
        value: SmolStr::new(value),
        currency: SmolStr::new(currency),
    })
}

fn value_has_decimals(value: &str, decimals: usize) -> bool {
    let (int, frac) = match value.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (value, None),
    };
    let int_ok = !int.is_empty() && int.len() <= 12 && int.bytes().all(|b| b.is_ascii_digit());
    let frac_ok = match (frac, decimals) {
        (None, 0) => true,
        (Some(f), d) if d > 0 => f.len() == d && f.bytes().all(|b| b.is_ascii_digit()),
        _ => false,
    };
    int_ok && frac_ok
}

/// The amount in minor units, for minimum and maximum checks.
pub fn minor_units(amount: &Amount) -> u64 {
    amount
        .value
        .bytes()
        .filter(u8::is_ascii_digit)
        .fold(0u64, |acc, b| {
            acc.saturating_mul(10).saturating_add(u64::from(b - b'0'))
        })
}

/// An absolute http(s) URL with a host. Local hosts are fine: this is a sandbox.
pub fn url<'a>(
    value: impl Into<Field<'a>>,
    field: &'static str,
    detail: &'static str,
) -> Result<Option<Box<str>>> {
    let bad = || ApiError::unprocessable(detail).with_field(field);
    let value = value.into();
    if value.is_null() {
        return Ok(None);
    }
    match value.as_str() {
        Some("") => Ok(None),
        Some(s) => {
            if !plainly_http_url(s) {
                let uri: hyper::Uri = s.parse().map_err(|_| bad())?;
                let scheme_ok = matches!(uri.scheme_str(), Some("http" | "https"));
                if !scheme_ok || uri.host().is_none_or(str::is_empty) {
                    return Err(bad());
                }
            }
            Ok(Some(s.into()))
        }
        None => Err(bad()),
    }
}

/// A URL of the everyday shape (`http` or `https`, a host name, perhaps a
/// port, a path and query of plain characters) that `hyper::Uri` surely
/// accepts. A payment checks up to three URLs and the full parse costs about
/// a thousand instructions each; anything else still goes through it, so this
/// only decides earlier, never differently.
fn plainly_http_url(s: &str) -> bool {
    let Some(rest) = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
    else {
        return false;
    };
    if s.len() > 2048 {
        return false;
    }
    let bytes = rest.as_bytes();
    let end = bytes
        .iter()
        .position(|b| matches!(b, b'/' | b'?'))
        .unwrap_or(bytes.len());
    let (authority, tail) = bytes.split_at(end);
    let (host, port) = match authority.iter().position(|b| *b == b':') {
        Some(at) => (&authority[..at], Some(&authority[at + 1..])),
        None => (authority, None),
    };
    // Folded without an early exit: a loop the compiler unrolls, where
    // `all`'s branch per byte cost some ten instructions a byte.
    let every = |bytes: &[u8], class: u8| {
        bytes
            .iter()
            .fold(class, |acc, b| acc & URL_BYTES[usize::from(*b)])
            != 0
    };
    let host_ok = host.first().is_some_and(u8::is_ascii_alphanumeric) && every(host, HOST);
    let port_ok = port.is_none_or(|p| {
        (1..=5).contains(&p.len())
            && p.iter().all(u8::is_ascii_digit)
            && std::str::from_utf8(p)
                .ok()
                .and_then(|p| p.parse::<u16>().ok())
                .is_some()
    });
    host_ok && port_ok && every(tail, TAIL)
}

/// [`URL_BYTES`]: a byte a host name may have.
const HOST: u8 = 1;
/// [`URL_BYTES`]: a byte a plain path and query may have.
const TAIL: u8 = 2;

/// Which bytes [`plainly_http_url`] takes where: a table, as a `match`
/// over the sets cost about fifteen instructions a byte.
const URL_BYTES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() {
            t[b] = HOST | TAIL;
        }
        b += 1;
    }
    t[b'.' as usize] = HOST | TAIL;
    t[b'-' as usize] = HOST | TAIL;
    let tail = b"_~!$&'()*+,;=:@/?%";
    let mut i = 0;
    while i < tail.len() {
        t[tail[i] as usize] |= TAIL;
        i += 1;
    }
    t
};

/// `true`/`false`, also as the strings a form sends.
pub fn boolean(value: &Value, field: &'static str) -> Result<bool> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s == "true" => Ok(true),
        Value::String(s) if s == "false" => Ok(false),
        _ => Err(
            ApiError::unprocessable(format!("The '{field}' field must be a boolean"))
                .with_field(field),
        ),
    }
}

/// Cuts at 255 characters, as Mollie does, rather than refusing.
pub fn description<'a>(value: Option<impl Into<Field<'a>>>) -> Result<Box<str>> {
    let missing =
        || ApiError::unprocessable("The 'description' field is missing").with_field("description");
    let value = value.map(Into::into);
    match value.and_then(Field::as_str) {
        Some(s) if !s.trim().is_empty() => {
            // 255 bytes hold at most 255 characters: only longer ones are cut.
            let cut = if s.len() <= 255 {
                s
            } else {
                s.char_indices().nth(255).map_or(s, |(at, _)| &s[..at])
            };
            Ok(cut.into())
        }
        Some(_) => Err(missing()),
        None => match value {
            Some(Field::Value(Value::Number(n))) => Ok(n.to_string().into()),
            _ => Err(missing()),
        },
    }
}

/// An amount sent for a payment (a refund, a capture, a chargeback): of
/// the payment's currency, above zero, at most `max` minor units.
pub fn amount_for<'a>(
    value: Option<impl Into<Field<'a>>>,
    p: &crate::store::Payment,
    max: u64,
    too_high: &'static str,
) -> Result<Amount> {
    let amount = match value.map(Into::into).filter(|v| !v.is_null()) {
        None => return Ok(Amount::from_minor(max, &p.amount.currency)),
        Some(v) => amount(Some(v), "The amount is required")?,
    };
    if amount.currency != p.amount.currency {
        return Err(ApiError::unprocessable(format!(
            "The amount must be in the payment's currency ({})",
            p.amount.currency
        ))
        .with_field("amount.currency"));
    }
    let minor = minor_units(&amount);
    if minor == 0 {
        return Err(
            ApiError::unprocessable("The amount is lower than the minimum").with_field("amount"),
        );
    }
    if minor > max {
        return Err(ApiError::unprocessable(too_high).with_field("amount"));
    }
    Ok(amount)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn amounts_need_the_currency_decimals() {
        assert!(amount(Some(&json!({"value":"10.00","currency":"EUR"})), "x").is_ok());
        assert!(amount(Some(&json!({"value":"1000","currency":"JPY"})), "x").is_ok());
        for bad in [
            json!({"value":"16.1","currency":"EUR"}),
            json!({"value":10,"currency":"EUR"}),
            json!({"value":"10.00","currency":"JPY"}),
            json!({"value":"-1.00","currency":"EUR"}),
            json!({"value":"1,000.00","currency":"EUR"}),
        ] {
            let e = amount(Some(&bad), "x").unwrap_err();
            assert_eq!(e.detail, "The amount contains an invalid value", "{bad}");
            assert_eq!(e.field.as_deref(), Some("amount.value"));
        }
        let e = amount(Some(&json!({"value":"10.00","currency":"XXX"})), "x").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("amount.currency"));
        assert_eq!(
            minor_units(&amount(Some(&json!({"value":"12.34","currency":"EUR"})), "x").unwrap()),
            1234
        );
    }

    /// The everyday-URL shortcut never accepts what `hyper::Uri` (with the
    /// scheme and host checks after it) refuses: checked on hand-picked
    /// cases and on random strings over the characters that matter.
    #[test]
    fn the_url_shortcut_only_accepts_what_the_full_parse_accepts() {
        use rand::{Rng, SeedableRng};
        let full = |s: &str| {
            s.parse::<hyper::Uri>().is_ok_and(|u| {
                matches!(u.scheme_str(), Some("http" | "https"))
                    && u.host().is_some_and(|h| !h.is_empty())
            })
        };
        let picked = [
            "https://webshop.example.org/order/12345/",
            "http://localhost:3000/return?x=1&y=%20",
            "https://a.b/",
            "https://a",
            "https://a:65535",
            "https://a:65536/",
            "https://a:0/",
            "https://a:/",
            "https://:80/",
            "https:///x",
            "https://-a/",
            "https://a b/",
            "https://a/b c",
            "https://a/\"x\"",
            "https://a/{x}",
            "https://a/#frag",
            "https://user@a/",
            "https://[::1]/",
            "HTTPS://a/",
            "ftp://a/",
            "https://a/ü",
            "https://a?x",
            "https://a/x?y=@:;,",
        ];
        for s in picked {
            if plainly_http_url(s) {
                assert!(full(s), "{s}");
            }
        }
        assert!(plainly_http_url(picked[0]) && plainly_http_url(picked[1]));
        let alphabet: Vec<char> = "ahz09.-_~:/?#[]@!$&'()*+,;=% \"<>\\^`{|}ü\u{7f}\t"
            .chars()
            .collect();
        let mut rng = rand::rngs::StdRng::seed_from_u64(16);
        let mut accepted = 0;
        for _ in 0..200_000 {
            let len = rng.random_range(0..12);
            let mut s = String::from(if rng.random_bool(0.5) {
                "https://"
            } else {
                "http://"
            });
            for _ in 0..len {
                s.push(alphabet[rng.random_range(0..alphabet.len())]);
            }
            if plainly_http_url(&s) {
                accepted += 1;
                assert!(full(&s), "{s:?}");
            }
        }
        assert!(
            accepted > 1000,
            "only {accepted} random URLs took the shortcut"
        );
    }

    /// The table holds the sets as they were written out before it.
    #[test]
    fn the_url_byte_table_is_the_two_sets() {
        for b in 0..=255u8 {
            let host = b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-');
            let tail = host || b"_~!$&'()*+,;=:@/?%".contains(&b);
            assert_eq!(URL_BYTES[usize::from(b)] & HOST != 0, host, "{b}");
            assert_eq!(URL_BYTES[usize::from(b)] & TAIL != 0, tail, "{b}");
        }
    }

    #[test]
    fn urls_allow_localhost_but_need_a_scheme() {
        assert!(
            url(&json!("http://localhost:3000/return"), "redirectUrl", "bad")
                .unwrap()
                .is_some()
        );
        assert!(url(&json!("example.org/return"), "redirectUrl", "bad").is_err());
        assert!(url(&json!("ftp://example.org"), "redirectUrl", "bad").is_err());
    }
}
