//! `/v2/profiles`: the key's own profile (`me`) for every credential; the
//! organization's profiles (list, create, get, update, delete) for access
//! tokens only; enabling and disabling methods and gift card or voucher
//! issuers on a profile (`me` with an API key, any id with a token).

use bytes::Bytes;
use hyper::StatusCode;
use serde_json::{json, Value};

use crate::auth::Kind;
use crate::catalogue::{self, Status};
use crate::error::{ApiError, Result};
use crate::http::response::{hal_response, no_content, Resp};
use crate::store::{Data, Mode, Profile};
use crate::validate;
use crate::views::method::MethodView;
use crate::views::{profile as view, Link};

use super::list::{DEFAULT_LIMIT, MAX_LIMIT};
use super::Ctx;

/// Endpoints that need an organization: an API key gets what the real API
/// answers a credential that cannot call them.
pub fn token_only(ctx: &Ctx<'_>) -> Result<()> {
    match ctx.kind {
        Kind::AccessToken => Ok(()),
        Kind::ApiKey => Err(ApiError::unauthorized()),
    }
}

fn respond(status: StatusCode, value: &Value) -> Resp {
    hal_response(status, Bytes::from(crate::views::to_json(value)))
}

/// One profile as the response body.
fn rendered(ctx: &Ctx<'_>, p: &Profile, me: bool, documentation: &'static str) -> Vec<u8> {
    crate::views::to_json(&view::ProfileView {
        render: ctx.render(),
        profile: p,
        me,
        documentation: Some(documentation),
    })
}

/// The profile `id` names: `me` is the key's own (the first).
fn find<'d>(data: &'d Data, id: &str) -> Result<&'d Profile> {
    let found = if id == "me" {
        data.profiles.first()
    } else {
        data.profile(id)
    };
    found.ok_or_else(|| ApiError::not_found("profile", id))
}

fn find_mut<'d>(data: &'d mut Data, id: &str) -> Result<&'d mut Profile> {
    let found = if id == "me" {
        data.profiles.first_mut()
    } else {
        data.profile_mut(id)
    };
    found.ok_or_else(|| ApiError::not_found("profile", id))
}

/// `GET /v2/profiles/me`
pub fn me(ctx: &Ctx<'_>) -> Result<Resp> {
    ctx.query_only(&[])?;
    let body = ctx.with_profiles(|data| -> Result<Vec<u8>> {
        let p = find(data, "me")?;
        Ok(rendered(ctx, p, true, "profiles-api/get-profile-me"))
    })?;
    Ok(hal_response(StatusCode::OK, Bytes::from(body)))
}

/// `GET /v2/profiles/{id}`
pub fn get(ctx: &Ctx<'_>, id: &str) -> Result<Resp> {
    if id == "me" {
        return me(ctx);
    }
    token_only(ctx)?;
    ctx.query_only(&[])?;
    let body = ctx.with_profiles(|data| -> Result<Vec<u8>> {
        let p = find(data, id)?;
        Ok(rendered(ctx, p, false, "profiles-api/get-profile"))
    })?;
    Ok(hal_response(StatusCode::OK, Bytes::from(body)))
}

/// `GET /v2/profiles`: newest first, paged with `from` and `limit`.
pub fn list(ctx: &Ctx<'_>) -> Result<Resp> {
    token_only(ctx)?;
    ctx.query_only(&["from", "limit"])?;
    let limit = match ctx.query.get("limit") {
        None => DEFAULT_LIMIT,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => return Err(ApiError::bad_request("Invalid value passed").with_field("limit")),
        },
    };
    let from = ctx.query.get("from");
    let render = ctx.render();
    let (items, next, previous) = ctx.with_profiles(|data| -> Result<_> {
        let all: Vec<&Profile> = data.profiles.iter().rev().collect();
        let start = match from {
            None => 0,
            Some(id) => all
                .iter()
                .position(|p| p.id == id)
                .ok_or_else(|| ApiError::bad_request("Invalid value passed").with_field("from"))?,
        };
        let items: Vec<Value> = all
            .iter()
            .skip(start)
            .take(limit)
            .map(|p| view::profile(&render, p, false, None))
            .collect();
        let next = all.get(start + limit).map(|p| p.id.to_string());
        let previous = (start > 0).then(|| all[start.saturating_sub(limit)].id.to_string());
        Ok((items, next, previous))
    })?;
    let base = format!("{}/v2/profiles", ctx.base);
    let page = |from: &str| {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        ser.append_pair("from", from);
        ser.append_pair("limit", &limit.to_string());
        json!(Link::hal(format!("{base}?{}", ser.finish())))
    };
    let self_href = super::list::echo_href(ctx);
    let body = json!({
        "count": items.len(),
        "_embedded": {"profiles": items},
        "_links": {
            "self": Link::hal(self_href),
            "previous": previous.as_deref().map(page),
            "next": next.as_deref().map(page),
            "documentation": Link::docs("profiles-api/list-profiles"),
        },
    });
    Ok(respond(StatusCode::OK, &body))
}

const FIELDS: &[&str] = &[
    "name",
    "website",
    "email",
    "phone",
    "description",
    "countriesOfActivity",
    "businessCategory",
    "categoryCode",
    "mode",
];

/// The fields a create or update sets, validated.
#[derive(Default)]
struct Changes {
    name: Option<Box<str>>,
    website: Option<Box<str>>,
    email: Option<Box<str>>,
    phone: Option<Box<str>>,
    description: Option<Option<Box<str>>>,
    countries: Option<Vec<Box<str>>>,
    business_category: Option<Box<str>>,
    mode: Option<Mode>,
}

fn text_field(ctx: &Ctx<'_>, name: &'static str) -> Result<Option<Box<str>>> {
    match ctx.body.get(name) {
        None => Ok(None),
        Some(v) => match validate::opt_string(v, name)? {
            Some(s) if !s.trim().is_empty() => Ok(Some(s)),
            _ => Err(
                ApiError::unprocessable(format!("The '{name}' field is missing")).with_field(name),
            ),
        },
    }
}

fn changes(ctx: &Ctx<'_>) -> Result<Changes> {
    let mut c = Changes {
        name: text_field(ctx, "name")?,
        website: text_field(ctx, "website")?,
        email: text_field(ctx, "email")?,
        phone: text_field(ctx, "phone")?,
        business_category: text_field(ctx, "businessCategory")?,
        ..Changes::default()
    };
    if let Some(w) = &c.website {
        let url = validate::url(
            &Value::String(w.to_string()),
            "website",
            "The website URL is invalid",
        )?;
        let host_has_tld = w
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split(['/', ':', '?']).next())
            .is_some_and(|host| host.contains('.') && !host.ends_with('.'));
        if url.is_none() || !host_has_tld || w.contains('@') {
            return Err(ApiError::unprocessable("The website URL is invalid").with_field("website"));
        }
    }
    if let Some(e) = &c.email {
        let ok = e
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.'));
        if !ok {
            return Err(ApiError::unprocessable("The email address is invalid").with_field("email"));
        }
    }
    if let Some(p) = &c.phone {
        let digits = p.strip_prefix('+').unwrap_or("");
        let ok = (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
        if !ok {
            return Err(ApiError::unprocessable(
                "The phone number is invalid. It must be in the E.164 format, for example +31208202070",
            )
            .with_field("phone"));
        }
    }
    if let Some(v) = ctx.body.get("description") {
        c.description = Some(validate::opt_string(v, "description")?);
    }
    if let Some(v) = ctx.body.get("countriesOfActivity") {
        let bad = || {
            ApiError::unprocessable("The countries of activity are invalid")
                .with_field("countriesOfActivity")
        };
        let items = v.as_array().ok_or_else(bad)?;
        let mut out = Vec::new();
        for item in items {
            match item.as_str() {
                Some(s) if s.len() == 2 && s.bytes().all(|b| b.is_ascii_uppercase()) => {
                    out.push(s.into())
                }
                _ => return Err(bad()),
            }
        }
        c.countries = Some(out);
    }
    if let Some(v) = ctx.body.get("mode") {
        c.mode = Some(match v.as_str() {
            Some("live") => Mode::Live,
            Some("test") => Mode::Test,
            _ => return Err(ApiError::unprocessable("The mode is invalid").with_field("mode")),
        });
    }
    Ok(c)
}

fn apply(p: &mut Profile, c: Changes) {
    if let Some(v) = c.name {
        p.name = v;
    }
    if let Some(v) = c.website {
        p.website = v;
    }
    if let Some(v) = c.email {
        p.email = v;
    }
    if let Some(v) = c.phone {
        p.phone = v;
    }
    if let Some(v) = c.description {
        p.description = v;
    }
    if let Some(v) = c.countries {
        p.countries_of_activity = v;
    }
    if let Some(v) = c.business_category {
        p.business_category = v;
    }
    if let Some(v) = c.mode {
        p.mode = v;
    }
}

/// `POST /v2/profiles`: a new, unverified profile with no methods enabled
/// yet (enable them with the methods endpoints below).
pub fn create(ctx: &Ctx<'_>) -> Result<Resp> {
    token_only(ctx)?;
    ctx.query_only(&[])?;
    ctx.body_only(FIELDS)?;
    for field in ["name", "website", "email", "phone"] {
        if ctx.body.get(field).is_none_or(Value::is_null) {
            return Err(
                ApiError::unprocessable(format!("The '{field}' field is missing"))
                    .with_field(field),
            );
        }
    }
    let c = changes(ctx)?;
    let now = ctx.now();
    let body = ctx.with_profiles_mut(|data| {
        let id = data.new_profile_id();
        let mut p = Profile::new(id, Mode::Live, now);
        p.methods.clear();
        p.issuers.clear();
        p.status = "unverified".into();
        apply(&mut p, c);
        let body = rendered(ctx, &p, false, "profiles-api/create-profile");
        data.profiles.push(p);
        body
    });
    Ok(hal_response(StatusCode::CREATED, Bytes::from(body)))
}

/// `PATCH /v2/profiles/{id}`
pub fn update(ctx: &Ctx<'_>, id: &str) -> Result<Resp> {
    token_only(ctx)?;
    ctx.query_only(&[])?;
    ctx.body_only(FIELDS)?;
    if !FIELDS.iter().any(|f| ctx.body.has(f)) {
        return Err(ApiError::unprocessable(
            "Provide at least one of the fields to update",
        ));
    }
    let c = changes(ctx)?;
    let body = ctx.with_profiles_mut(|data| -> Result<Vec<u8>> {
        let p = find_mut(data, id)?;
        apply(p, c);
        Ok(rendered(ctx, p, false, "profiles-api/update-profile"))
    })?;
    Ok(hal_response(StatusCode::OK, Bytes::from(body)))
}

/// `DELETE /v2/profiles/{id}`: gone from every list and lookup.
pub fn delete(ctx: &Ctx<'_>, id: &str) -> Result<Resp> {
    token_only(ctx)?;
    ctx.query_only(&[])?;
    ctx.body_only(&[])?;
    ctx.with_profiles_mut(|data| -> Result<()> {
        let pos = data
            .profiles
            .iter()
            .position(|p| p.id == id)
            .ok_or_else(|| ApiError::not_found("profile", id))?;
        data.profiles.remove(pos);
        Ok(())
    })?;
    Ok(no_content())
}

/// `me` is for API keys, any other profile id for access tokens.
fn may_manage(ctx: &Ctx<'_>, profile: &str) -> Result<()> {
    if profile == "me" {
        Ok(())
    } else {
        token_only(ctx)
    }
}

/// `POST /v2/profiles/{id}/methods/{method}`: the method activated.
pub fn enable_method(ctx: &Ctx<'_>, profile: &str, method: &str) -> Result<Resp> {
    may_manage(ctx, profile)?;
    ctx.query_only(&[])?;
    ctx.body_only(&[])?;
    let m = catalogue::get(method).ok_or_else(|| ApiError::not_found("method", method))?;
    if m.id == "voucher" {
        return Err(ApiError::unprocessable(
            "Vouchers cannot be enabled with this endpoint: enable a voucher issuer instead",
        ));
    }
    let value = ctx.with_profiles_mut(|data| -> Result<Value> {
        let p = find_mut(data, profile)?;
        p.methods.insert(m.id, Status::Activated);
        let limit = m.limit("EUR").or(m.limits.first());
        let limit = limit.ok_or_else(|| ApiError::not_found("method", method))?;
        Ok(MethodView {
            method: m,
            limit,
            locale: None,
            status: Some(Status::Activated),
            issuers: None,
            pricing: false,
            documentation: Some("profiles-api/enable-method"),
        }
        .to_value(&ctx.render()))
    })?;
    Ok(respond(StatusCode::CREATED, &value))
}

/// `DELETE /v2/profiles/{id}/methods/{method}`: never requested again.
pub fn disable_method(ctx: &Ctx<'_>, profile: &str, method: &str) -> Result<Resp> {
    may_manage(ctx, profile)?;
    ctx.query_only(&[])?;
    ctx.body_only(&[])?;
    let m = catalogue::get(method).ok_or_else(|| ApiError::not_found("method", method))?;
    ctx.with_profiles_mut(|data| -> Result<()> {
        let p = find_mut(data, profile)?;
        p.methods.remove(m.id);
        Ok(())
    })?;
    Ok(no_content())
}

fn issuer_of(method: &str, issuer: &str) -> Result<&'static catalogue::Issuer> {
    if !matches!(method, "giftcard" | "voucher") {
        return Err(crate::api::unknown_endpoint());
    }
    catalogue::issuer(method, issuer).ok_or_else(|| ApiError::not_found("issuer", issuer))
}

/// `POST /v2/profiles/{id}/methods/{giftcard|voucher}/issuers/{issuer}`
pub fn enable_issuer(ctx: &Ctx<'_>, profile: &str, method: &str, issuer: &str) -> Result<Resp> {
    may_manage(ctx, profile)?;
    ctx.query_only(&[])?;
    ctx.body_only(if method == "voucher" {
        &["contractId"]
    } else {
        &[]
    })?;
    let i = issuer_of(method, issuer)?;
    let method_id = if method == "giftcard" {
        "giftcard"
    } else {
        "voucher"
    };
    ctx.with_profiles_mut(|data| -> Result<()> {
        let p = find_mut(data, profile)?;
        p.issuers
            .insert((method_id, i.id), Box::<str>::from("activated"));
        // An issuer is no use while its method is off.
        p.methods.entry(method_id).or_insert(Status::Activated);
        Ok(())
    })?;
    let doc = if method_id == "giftcard" {
        "profiles-api/enable-gift-card-issuer"
    } else {
        "profiles-api/enable-voucher-issuer"
    };
    let value = json!({
        "resource": "issuer",
        "id": i.id,
        "description": i.name,
        "status": "activated",
        "_links": {
            "self": Link::hal(format!("{}/v2/issuers/{}", ctx.base, i.id)),
            "documentation": Link::docs(doc),
        },
    });
    Ok(respond(StatusCode::CREATED, &value))
}

/// `DELETE /v2/profiles/{id}/methods/{giftcard|voucher}/issuers/{issuer}`
pub fn disable_issuer(ctx: &Ctx<'_>, profile: &str, method: &str, issuer: &str) -> Result<Resp> {
    may_manage(ctx, profile)?;
    ctx.query_only(&[])?;
    ctx.body_only(&[])?;
    let i = issuer_of(method, issuer)?;
    ctx.with_profiles_mut(|data| -> Result<()> {
        let p = find_mut(data, profile)?;
        p.issuers
            .retain(|(m, id), _| !(*m == method && *id == i.id));
        Ok(())
    })?;
    Ok(no_content())
}
