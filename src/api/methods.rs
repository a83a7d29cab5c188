//! `/v2/methods`, `/v2/methods/all` and `/v2/methods/{id}`: the catalogue
//! as the account's profile sees it. Lists are not paginated.
//!
//! Query parameters come bracketed (`amount[value]=10.00`), as a JSON text
//! (`amount={"value":"10.00","currency":"EUR"}`), and lists as commas or
//! repeated `include[]=…`. Bad values are 400s, as the real API answers for
//! query parameters.

use bytes::Bytes;
use hyper::StatusCode;
use serde_json::{json, Map, Value};

use crate::auth::Kind;
use crate::catalogue::{self, Fit, Issuer, Limit, Method};
use crate::error::{ApiError, Result};
use crate::http::response::{hal_response, Resp};
use crate::store::{Amount, Profile, SequenceType};
use crate::validate;
use crate::views::method::MethodView;
use crate::views::Link;

use super::Ctx;

/// The query as read: the parameter's name before any bracket, and its value.
fn params<'q>(ctx: &'q Ctx<'_>) -> impl Iterator<Item = (&'q str, Option<&'q str>, &'q str)> {
    ctx.query.pairs.iter().map(|(k, v)| {
        let (head, sub) = match k.split_once('[') {
            Some((h, rest)) => (h, Some(rest.trim_end_matches(']'))),
            None => (k.as_str(), None),
        };
        (head, sub, v.as_str())
    })
}

fn check_known(ctx: &Ctx<'_>, allowed: &[&str]) -> Result<()> {
    let mut all = allowed.to_vec();
    if ctx.kind == Kind::AccessToken {
        all.extend(["testmode", "profileId"]);
    }
    match params(ctx).find(|(head, _, _)| !all.contains(head)) {
        Some((head, _, _)) => Err(ApiError::unknown_query_field(head)),
        None => Ok(()),
    }
}

/// Every value of a list parameter: `include=issuers,pricing`,
/// `include[]=issuers&include[]=pricing`, `include[0]=…`.
fn list_values<'q>(ctx: &'q Ctx<'_>, name: &str) -> Vec<&'q str> {
    params(ctx)
        .filter(|(head, _, _)| *head == name)
        .flat_map(|(_, _, v)| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect()
}

fn bad(detail: &'static str, field: &'static str) -> ApiError {
    ApiError::bad_request(detail).with_field(field)
}

/// `amount[value]` + `amount[currency]`, or `amount` as JSON.
fn amount(ctx: &Ctx<'_>) -> Result<Option<Amount>> {
    let mut obj = Map::new();
    let mut seen = false;
    for (_, sub, v) in params(ctx).filter(|(h, _, _)| *h == "amount") {
        seen = true;
        match sub {
            Some(key) => {
                obj.insert(key.to_owned(), Value::String(v.to_owned()));
            }
            None => match serde_json::from_str::<Value>(v) {
                Ok(Value::Object(o)) => obj.extend(o),
                _ => return Err(bad("The amount contains an invalid value", "amount.value")),
            },
        }
    }
    if !seen {
        return Ok(None);
    }
    validate::amount(Some(&Value::Object(obj)), "The amount is invalid")
        .map(Some)
        .map_err(|e| {
            // The body rules, answered with 400 as for every query parameter.
            let mut e400 = ApiError::bad_request(e.detail);
            e400.field = e.field;
            e400
        })
}

fn locale(ctx: &Ctx<'_>) -> Result<Option<&'static str>> {
    match ctx.query.get("locale") {
        None => Ok(None),
        Some(l) => validate::LOCALES
            .iter()
            .find(|x| **x == l)
            .copied()
            .map(Some)
            .ok_or_else(|| bad("The locale is invalid", "locale")),
    }
}

struct Includes {
    issuers: bool,
    pricing: bool,
}

fn includes(ctx: &Ctx<'_>) -> Includes {
    let values = list_values(ctx, "include");
    Includes {
        issuers: values.contains(&"issuers"),
        pricing: values.contains(&"pricing"),
    }
}

/// The profile the request is about: the key's own, or for access tokens
/// the `profileId` asked for (required, as the docs say).
pub fn profile_of<'d>(ctx: &Ctx<'_>, data: &'d crate::store::Data) -> Result<&'d Profile> {
    match ctx.kind {
        Kind::ApiKey => data
            .profiles
            .first()
            .ok_or_else(|| ApiError::new(500, "The account has no profile.")),
        Kind::AccessToken => {
            let id = ctx.query.get("profileId").ok_or_else(|| {
                ApiError::unprocessable("The 'profileId' field is required").with_field("profileId")
            })?;
            data.profile(id)
                .ok_or_else(|| ApiError::not_found("profile", id))
        }
    }
}

/// The issuers `include=issuers` shows: the profile's enabled ones for gift
/// cards and vouchers, every one for the others; None for a method without.
fn shown_issuers(m: &'static Method, profile: &Profile) -> Option<Vec<&'static Issuer>> {
    if m.issuers.is_empty() {
        return None;
    }
    Some(
        m.issuers
            .iter()
            .filter(|i| profile.issuer_enabled(m.id, i.id))
            .collect(),
    )
}

/// A method's limits for the amount asked about (None when it does not
/// take it); without an amount, in euros, or for `any_currency` (the list
/// of all methods) in its first currency when it takes no euros.
fn limit_for(
    m: &'static Method,
    amount: Option<&Amount>,
    any_currency: bool,
) -> Option<&'static Limit> {
    match amount {
        Some(a) if m.fits(a) == Fit::Yes => m.limit(&a.currency),
        Some(_) => None,
        None if any_currency => m.limit("EUR").or(m.limits.first()),
        None => m.limit("EUR"),
    }
}

/// One method as this request shows it.
fn show(
    ctx: &Ctx<'_>,
    m: &'static Method,
    limit: &'static Limit,
    locale: Option<&str>,
    profile: &Profile,
    inc: &Includes,
    documentation: Option<&'static str>,
) -> Value {
    MethodView {
        method: m,
        limit,
        locale,
        status: profile.status_of(m.id),
        issuers: inc.issuers.then(|| shown_issuers(m, profile)).flatten(),
        pricing: inc.pricing,
        documentation,
    }
    .to_value(&ctx.render())
}

fn list_response(ctx: &Ctx<'_>, items: Vec<Value>, doc: &'static str) -> Resp {
    let self_href = super::list::echo_href(ctx);
    let body = json!({
        "count": items.len(),
        "_embedded": { "methods": items },
        "_links": {
            "self": Link::hal(self_href),
            "documentation": Link::docs(doc),
        },
    });
    hal_response(StatusCode::OK, Bytes::from(crate::views::to_json(&body)))
}

/// Catalogue order, with the methods a consumer in the locale's country
/// expects first.
fn ordered(locale: Option<&str>) -> Vec<&'static Method> {
    let mut all: Vec<&'static Method> = catalogue::METHODS.iter().collect();
    if let Some(country) = locale.and_then(|l| l.split('_').nth(1)) {
        let preferred = catalogue::preferred_first(country);
        all.sort_by_key(|m| {
            preferred
                .iter()
                .position(|p| *p == m.id)
                .unwrap_or(usize::MAX)
        });
    }
    all
}

/// `GET /v2/methods`
pub fn list(ctx: &Ctx<'_>) -> Result<Resp> {
    check_known(
        ctx,
        &[
            "sequenceType",
            "locale",
            "amount",
            "resource",
            "billingCountry",
            "includeWallets",
            "orderLineCategories",
            "include",
        ],
    )?;
    let sequence = match ctx.query.get("sequenceType") {
        None => SequenceType::Oneoff,
        Some(s) => SequenceType::parse(s)
            .ok_or_else(|| bad("The sequence type is invalid", "sequenceType"))?,
    };
    let locale = locale(ctx)?;
    let amount = amount(ctx)?;
    let orders = match ctx.query.get("resource") {
        None | Some("payments") => false,
        Some("orders") => true,
        Some(_) => return Err(bad("The resource is invalid", "resource")),
    };
    let country = match ctx.query.get("billingCountry") {
        None => None,
        Some(c) if c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()) => {
            Some(c.to_ascii_uppercase())
        }
        Some(_) => return Err(bad("The billing country is invalid", "billingCountry")),
    };
    let wallets = list_values(ctx, "includeWallets");
    if wallets
        .iter()
        .any(|w| !matches!(*w, "applepay" | "googlepay"))
    {
        return Err(bad("The wallet is invalid", "includeWallets"));
    }
    let inc = includes(ctx);
    let mode = ctx.account.mode;
    let items = ctx.with_profiles(|data| -> Result<Vec<Value>> {
        let profile = profile_of(ctx, data)?;
        let mut items = Vec::new();
        for m in ordered(locale) {
            // Recurring charges do not depend on what the dashboard enables.
            let enabled = match sequence {
                SequenceType::Recurring => m.recurring,
                SequenceType::First => m.first && profile.enables(m.id, mode),
                SequenceType::Oneoff => profile.enables(m.id, mode),
            };
            let shown = enabled
                && (orders || !m.orders_only)
                && (!m.wallet || wallets.contains(&m.id))
                && country.as_deref().is_none_or(|c| m.offered_in(c));
            if !shown {
                continue;
            }
            // Without an amount, the methods for euros.
            let Some(limit) = limit_for(m, amount.as_ref(), false) else {
                continue;
            };
            items.push(show(ctx, m, limit, locale, profile, &inc, None));
        }
        Ok(items)
    })?;
    Ok(list_response(ctx, items, "methods-api/list-methods"))
}

/// `GET /v2/methods/all`: every method with its status on the profile.
pub fn list_all(ctx: &Ctx<'_>) -> Result<Resp> {
    check_known(ctx, &["locale", "amount", "include"])?;
    let locale = locale(ctx)?;
    let amount = amount(ctx)?;
    let inc = includes(ctx);
    let items = ctx.with_profiles(|data| -> Result<Vec<Value>> {
        let profile = profile_of(ctx, data)?;
        let mut items = Vec::new();
        for m in ordered(locale) {
            let Some(limit) = limit_for(m, amount.as_ref(), true) else {
                continue;
            };
            items.push(show(ctx, m, limit, locale, profile, &inc, None));
        }
        Ok(items)
    })?;
    Ok(list_response(ctx, items, "methods-api/list-all-methods"))
}

/// `GET /v2/methods/{id}`: 404 for a method Mollie does not have, 403 for
/// one the profile cannot use.
pub fn get(ctx: &Ctx<'_>, id: &str) -> Result<Resp> {
    check_known(ctx, &["locale", "currency", "include"])?;
    let m = catalogue::get(id).ok_or_else(|| ApiError::not_found("method", id))?;
    let locale = locale(ctx)?;
    let limit = match ctx.query.get("currency") {
        None => limit_for(m, None, true),
        Some(c) => {
            if validate::decimals_of(c).is_none() {
                return Err(bad("The currency is invalid", "currency"));
            }
            Some(m.limit(c).ok_or_else(|| {
                bad(
                    "The currency is not supported by this payment method",
                    "currency",
                )
            })?)
        }
    };
    let Some(limit) = limit else {
        return Err(ApiError::not_found("method", id));
    };
    let inc = includes(ctx);
    let body = ctx.with_profiles(|data| -> Result<Value> {
        let profile = profile_of(ctx, data)?;
        if !profile.enables(m.id, ctx.account.mode) {
            return Err(ApiError::new(
                403,
                "The payment method is not enabled in your website profile",
            ));
        }
        Ok(show(
            ctx,
            m,
            limit,
            locale,
            profile,
            &inc,
            Some("methods-api/get-method"),
        ))
    })?;
    Ok(hal_response(
        StatusCode::OK,
        Bytes::from(crate::views::to_json(&body)),
    ))
}
