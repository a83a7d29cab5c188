//! `POST /v2/wallets/applepay/sessions`: the merchant session Apple Pay on
//! the web needs. The `validationUrl` must be one of Apple's validation
//! hosts, as the real API checks; the answer is a well-formed but fixed
//! merchant session, named after the profile, that no real Apple device
//! will accept.

use bytes::Bytes;
use hyper::StatusCode;
use serde_json::{json, Value};

use crate::auth::Kind;
use crate::error::{ApiError, Result};
use crate::http::response::{hal_response, Resp};

use super::Ctx;

/// Apple's merchant validation hosts (Apple Pay on the web, "Setting up
/// your server").
pub const APPLE_HOSTS: &[&str] = &[
    "apple-pay-gateway.apple.com",
    "cn-apple-pay-gateway.apple.com",
    "apple-pay-gateway-nc-pod1.apple.com",
    "apple-pay-gateway-nc-pod2.apple.com",
    "apple-pay-gateway-nc-pod3.apple.com",
    "apple-pay-gateway-nc-pod4.apple.com",
    "apple-pay-gateway-nc-pod5.apple.com",
    "apple-pay-gateway-pr-pod1.apple.com",
    "apple-pay-gateway-pr-pod2.apple.com",
    "apple-pay-gateway-pr-pod3.apple.com",
    "apple-pay-gateway-pr-pod4.apple.com",
    "apple-pay-gateway-pr-pod5.apple.com",
    "cn-apple-pay-gateway-sh-pod1.apple.com",
    "cn-apple-pay-gateway-sh-pod2.apple.com",
    "cn-apple-pay-gateway-sh-pod3.apple.com",
    "cn-apple-pay-gateway-tj-pod1.apple.com",
    "cn-apple-pay-gateway-tj-pod2.apple.com",
    "cn-apple-pay-gateway-tj-pod3.apple.com",
    "apple-pay-gateway-cert.apple.com",
    "cn-apple-pay-gateway-cert.apple.com",
];

fn required(ctx: &Ctx<'_>, name: &'static str) -> Result<String> {
    match ctx.body.get(name) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        _ => {
            Err(ApiError::unprocessable(format!("The '{name}' field is missing")).with_field(name))
        }
    }
}

pub fn applepay_session(ctx: &Ctx<'_>) -> Result<Resp> {
    ctx.query_only(&[])?;
    ctx.body_only(&["validationUrl", "domain"])?;
    let url = required(ctx, "validationUrl")?;
    let domain = required(ctx, "domain")?;
    let invalid_url =
        || ApiError::unprocessable("The validation URL is invalid").with_field("validationUrl");
    let uri: hyper::Uri = url.parse().map_err(|_| invalid_url())?;
    let apple =
        uri.scheme_str() == Some("https") && uri.host().is_some_and(|h| APPLE_HOSTS.contains(&h));
    if !apple {
        return Err(invalid_url());
    }
    let domain_ok = !domain.contains(['/', ':', ' ', '@'])
        && domain.contains('.')
        && domain
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    if !domain_ok {
        return Err(ApiError::unprocessable("The domain is invalid").with_field("domain"));
    }
    let display_name = ctx.with_profiles(|data| {
        let profile = match ctx.kind {
            Kind::ApiKey => data.profiles.first(),
            Kind::AccessToken => ctx
                .body
                .get("profileId")
                .and_then(Value::as_str)
                .and_then(|id| data.profile(id)),
        };
        profile.map(|p| p.name.to_string())
    });
    let display_name = match (display_name, ctx.kind) {
        (Some(name), _) => name,
        (None, Kind::AccessToken) if !ctx.body.has("profileId") => {
            return Err(ApiError::unprocessable("The 'profileId' field is required")
                .with_field("profileId"))
        }
        (None, _) => {
            return Err(ApiError::unprocessable("The profile id is invalid").with_field("profileId"))
        }
    };
    let now_ms = ctx.now() * 1000;
    let mut data = ctx.account.data.write();
    let session = data.random_token(32).to_uppercase();
    let nonce = data.random_token(8).to_lowercase();
    drop(data);
    let body = json!({
        "epochTimestamp": now_ms,
        "expiresAt": now_ms + 5 * 60 * 1000,
        "merchantSessionIdentifier": format!("SSH{session}_SANDBOX"),
        "nonce": nonce,
        "merchantIdentifier": "5ANDB0X0000000000000000000000000000000000000000000000000000000000",
        "domainName": domain,
        "displayName": display_name,
        "signature": "308006092a864886f70d010702a0803080020101310f300d06096086480165030402010500308006092a864886f70d0107010000a08030820000000000000000",
    });
    Ok(hal_response(
        StatusCode::CREATED,
        Bytes::from(crate::views::to_json(&body)),
    ))
}
