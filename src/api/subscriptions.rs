//! `/v2/customers/{id}/subscriptions` (create, get, update, cancel, list),
//! `/v2/subscriptions` (every subscription of the account) and
//! `/v2/customers/{id}/subscriptions/{id}/payments`. Validation runs in the
//! real API's order: the mandate check first, whatever else is wrong.
//! Charging is [`crate::recurring`]'s, on the account's clock.

use bytes::Bytes;
use hyper::StatusCode;
use jiff::civil::Date;
use serde_json::Value;

use crate::auth::Kind;
use crate::clock;
use crate::error::{ApiError, Result};
use crate::http::request::Field;
use crate::http::response::{hal_response, Resp};
use crate::ids;
use crate::store::subscription::Interval;
use crate::store::{Data, Subscription, SubscriptionStatus};
use crate::validate;
use crate::views::TextView;
use crate::views::{ListView, PaymentLinks, PaymentView, Render, SubscriptionView};

use super::list::ListParams;
use super::Ctx;

const CREATE_FIELDS: &[&str] = &[
    "amount",
    "interval",
    "description",
    "times",
    "startDate",
    "method",
    "mandateId",
    "webhookUrl",
    "metadata",
];

const UPDATE_FIELDS: &[&str] = &[
    "amount",
    "description",
    "interval",
    "mandateId",
    "metadata",
    "startDate",
    "times",
    "webhookUrl",
];

/// Create fields only access tokens (Mollie Connect apps) may send; to an
/// API key they are unknown parameters, as `testmode` and `profileId` are.
const TOKEN_CREATE_FIELDS: &[&str] = &["applicationFee"];

pub const NO_MANDATE: &str = "No suitable mandates found for customer";
const DUPLICATE: &str =
    "A subscription with the same description already exists for this customer.";
const CANCELED: &str = "The subscription has been cancelled.";
const COMPLETED: &str = "The subscription has been completed.";

fn view<'a>(
    data: &Data,
    sub: &'a Subscription,
    render: Render<'a>,
    links: Option<Option<&'static str>>,
) -> SubscriptionView<'a> {
    SubscriptionView {
        subscription: sub,
        render,
        links,
        has_payments: data
            .subscription_payments
            .get(&sub.id)
            .is_some_and(|s| !s.is_empty()),
    }
}

fn render_one(
    status: StatusCode,
    data: &Data,
    sub: &Subscription,
    render: Render<'_>,
    doc: &'static str,
) -> Resp {
    let v = view(data, sub, render, Some(Some(doc)));
    hal_response(status, Bytes::from(v.body()))
}

/// The customer's subscription `id`, or 404.
fn found<'d>(data: &'d Data, customer: &str, id: &str) -> Result<&'d Subscription> {
    match data.subscriptions.get(id) {
        Some(s) if s.customer_id == customer => Ok(s),
        _ => Err(ApiError::not_found("subscription", id)),
    }
}

/// `method` for a subscription: a mandate method, or none.
fn method(value: Option<&Value>) -> std::result::Result<Option<&'static str>, ()> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => crate::catalogue::mandate_methods()
            .find(|m| *m == s.as_str())
            .map(Some)
            .ok_or(()),
        Some(_) => Err(()),
    }
}

fn interval(value: Option<&Value>) -> Result<Interval> {
    let invalid = || ApiError::unprocessable("The interval unit is invalid").with_field("interval");
    match value {
        None | Some(Value::Null) => {
            Err(ApiError::unprocessable("The 'interval' field is missing").with_field("interval"))
        }
        Some(Value::String(s)) => Interval::parse(s.trim()).ok_or_else(invalid),
        Some(_) => Err(invalid()),
    }
}

/// `times`: a whole number of at least `min` (JSON number or form text).
fn times(value: &Value, min: u32) -> Result<Option<u32>> {
    let invalid = || {
        ApiError::unprocessable(format!(
            "The times value must be a whole number of at least {min}"
        ))
        .with_field("times")
    };
    let n = match value {
        Value::Null => return Ok(None),
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    };
    match n.and_then(|n| u32::try_from(n).ok()) {
        Some(n) if n >= min.max(1) => Ok(Some(n)),
        _ => Err(invalid()),
    }
}

/// `startDate`: `YYYY-MM-DD`, today (by the account's clock) or later.
fn start_date(value: &Value, today: Date) -> Result<Date> {
    let date = value
        .as_str()
        .filter(|s| s.len() == 10)
        .and_then(|s| s.parse::<Date>().ok())
        .ok_or_else(|| {
            ApiError::unprocessable("The start date is invalid").with_field("startDate")
        })?;
    if date < today {
        return Err(
            ApiError::unprocessable("The start date cannot be in the past").with_field("startDate"),
        );
    }
    Ok(date)
}

fn duplicate(data: &Data, customer: &str, description: &str, except: Option<&str>) -> bool {
    data.customer_subscriptions
        .get(customer)
        .is_some_and(|set| {
            set.iter()
                .filter_map(|k| data.subscriptions.by_key(k))
                .any(|s| s.is_current() && &*s.description == description && Some(&*s.id) != except)
        })
}

pub fn create(ctx: &Ctx<'_>, customer: &str) -> Result<Resp> {
    ctx.customer(&ctx.account.data.read(), customer)?;
    ctx.query_only(&[])?;
    let mut allowed = CREATE_FIELDS.to_vec();
    if ctx.kind == Kind::AccessToken {
        allowed.extend(TOKEN_CREATE_FIELDS);
    }
    ctx.body_only(&allowed)?;
    let b = &ctx.body;
    let null = Value::Null;
    let now = ctx.now();
    let mut data = ctx.account.data.write();
    let customer_id = ctx.customer(&data, customer)?.id.clone();
    // The mandate first: without one, nothing else is looked at.
    let method = method(b.get("method"));
    let mandate_id = match b.get("mandateId") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => Some(String::new()),
    };
    let methods: Vec<&str> = match method {
        Ok(m) => m.into_iter().collect(),
        Err(()) => vec!["(none)"],
    };
    let mandate = data
        .mandate_for(&customer_id, mandate_id.as_deref(), &methods, true)
        .cloned()
        .ok_or_else(|| ApiError::unprocessable(NO_MANDATE))?;
    let amount = validate::amount(
        b.field("amount"),
        "The amount is required for subscriptions",
    )?;
    if validate::minor_units(&amount) == 0 {
        return Err(
            ApiError::unprocessable("The amount is lower than the minimum").with_field("amount"),
        );
    }
    let interval = interval(b.get("interval"))?;
    let description = validate::description(b.field("description"))?;
    if duplicate(&data, &customer_id, &description, None) {
        return Err(ApiError::unprocessable(DUPLICATE));
    }
    let times = times(b.get("times").unwrap_or(&null), 1)?;
    let today = clock::date_of(now);
    let start = match b.get("startDate") {
        None | Some(Value::Null) => today,
        Some(v) => start_date(v, today)?,
    };
    if method.ok().flatten().is_some() && mandate_id.is_some() {
        return Err(ApiError::unprocessable(
            "The method cannot be combined with a mandate id: leave one of them out",
        )
        .with_field("mandateId"));
    }
    let webhook_url = validate::url(
        b.field("webhookUrl").unwrap_or(Field::NULL),
        "webhookUrl",
        "The webhook URL is invalid",
    )?;
    let metadata = validate::metadata(b.field("metadata").unwrap_or(Field::NULL))?;
    let application_fee = match b.get("applicationFee") {
        None | Some(Value::Null) => None,
        Some(v) => Some(super::payment_fields::application_fee(v)?),
    };
    let status = if mandate.is_usable() {
        SubscriptionStatus::Active
    } else {
        SubscriptionStatus::Pending
    };
    let sub = Subscription {
        id: data.new_subscription_id(now),
        customer_id,
        created_at: now,
        status,
        amount,
        times,
        interval,
        description,
        start_date: start,
        next_payment_date: Some(start),
        method: method.ok().flatten(),
        mandate_id: mandate_id.map(|_| mandate.id.clone()),
        webhook_url,
        metadata,
        canceled_at: None,
        charges: 0,
        anchor: start,
        since_anchor: 0,
        failures: 0,
        outcome: None,
        application_fee,
    };
    let id = sub.id.clone();
    data.insert_subscription(sub);
    let data = parking_lot::RwLockWriteGuard::downgrade(data);
    let sub = found(&data, customer, &id)?;
    Ok(render_one(
        StatusCode::CREATED,
        &data,
        sub,
        ctx.render(),
        "subscriptions-api/create-subscription",
    ))
}

pub fn get(ctx: &Ctx<'_>, customer: &str, id: &str) -> Result<Resp> {
    let data = ctx.account.data.read();
    ctx.customer(&data, customer)?;
    ctx.query_only(&[])?;
    let sub = found(&data, customer, id)?;
    Ok(render_one(
        StatusCode::OK,
        &data,
        sub,
        ctx.render(),
        "subscriptions-api/get-subscription",
    ))
}

pub fn update(ctx: &Ctx<'_>, customer: &str, id: &str) -> Result<Resp> {
    let now = ctx.now();
    let mut data = ctx.account.data.write();
    ctx.customer(&data, customer)?;
    ctx.query_only(&[])?;
    ctx.body_only(UPDATE_FIELDS)?;
    let sub = found(&data, customer, id)?.clone();
    match sub.status {
        SubscriptionStatus::Canceled => return Err(ApiError::unprocessable(CANCELED)),
        SubscriptionStatus::Completed => return Err(ApiError::unprocessable(COMPLETED)),
        _ => {}
    }
    let b = &ctx.body;
    let mut next = sub.clone();
    if let Some(v) = b.get("mandateId") {
        let wanted = v
            .as_str()
            .filter(|s| ids::is_valid("mdt_", s))
            .ok_or_else(|| {
                ApiError::unprocessable("The mandate id is invalid").with_field("mandateId")
            })?;
        let mandate = data
            .mandate_for(&sub.customer_id, Some(wanted), &[], true)
            .ok_or_else(|| ApiError::unprocessable(NO_MANDATE).with_field("mandateId"))?;
        next.mandate_id = Some(mandate.id.clone());
        next.method = None;
        // A usable mandate brings a pending or suspended one back to life.
        next.status = if mandate.is_usable() {
            SubscriptionStatus::Active
        } else {
            SubscriptionStatus::Pending
        };
        next.failures = 0;
    }
    if let Some(v) = b.field("amount") {
        next.amount = validate::amount(Some(v), "The amount is required for subscriptions")?;
        if validate::minor_units(&next.amount) == 0 {
            return Err(
                ApiError::unprocessable("The amount is lower than the minimum")
                    .with_field("amount"),
            );
        }
    }
    if let Some(v) = b.field("description") {
        next.description = validate::description(Some(v))?;
        if duplicate(&data, &sub.customer_id, &next.description, Some(id)) {
            return Err(ApiError::unprocessable(DUPLICATE).with_field("description"));
        }
    }
    if let Some(v) = b.get("startDate") {
        if sub.charges > 0 {
            return Err(ApiError::unprocessable(
                "The start date cannot be changed when the subscription is already charged",
            )
            .with_field("startDate"));
        }
        let start = start_date(v, clock::date_of(now))?;
        next.start_date = start;
        next.anchor = start;
        next.since_anchor = 0;
        next.next_payment_date = Some(start);
    }
    if b.get("interval").is_some() {
        next.interval = interval(b.get("interval"))?;
        if sub.charges > 0 {
            // Counted again from the last charge date.
            let last = sub
                .interval
                .nth(sub.anchor, sub.since_anchor.saturating_sub(1));
            next.anchor = last;
            next.since_anchor = 1;
            next.next_payment_date = Some(next.following_date());
        }
    }
    if let Some(v) = b.get("times") {
        next.times = times(v, sub.charges.max(1))?;
        if next.times.is_some_and(|t| t == sub.charges) {
            next.status = SubscriptionStatus::Completed;
            next.next_payment_date = None;
        }
    }
    if let Some(v) = b.field("webhookUrl") {
        next.webhook_url = validate::url(v, "webhookUrl", "The webhook URL is invalid")?;
    }
    if let Some(v) = b.field("metadata") {
        next.metadata = validate::metadata(v)?;
    }
    if let Some(s) = data.subscriptions.get_mut(id) {
        *s = next;
    }
    data.schedule_charge(id);
    let data = parking_lot::RwLockWriteGuard::downgrade(data);
    let sub = found(&data, customer, id)?;
    Ok(render_one(
        StatusCode::OK,
        &data,
        sub,
        ctx.render(),
        "subscriptions-api/update-subscription",
    ))
}

pub fn cancel(ctx: &Ctx<'_>, customer: &str, id: &str) -> Result<Resp> {
    let now = ctx.now();
    let mut data = ctx.account.data.write();
    ctx.customer(&data, customer)?;
    ctx.query_only(&[])?;
    ctx.body_only(&[])?;
    match found(&data, customer, id)?.status {
        SubscriptionStatus::Canceled => return Err(ApiError::unprocessable(CANCELED)),
        SubscriptionStatus::Completed => return Err(ApiError::unprocessable(COMPLETED)),
        _ => {}
    }
    data.cancel_subscription(id, now);
    let data = parking_lot::RwLockWriteGuard::downgrade(data);
    let sub = found(&data, customer, id)?;
    Ok(render_one(
        StatusCode::OK,
        &data,
        sub,
        ctx.render(),
        "subscriptions-api/cancel-subscription",
    ))
}

fn render_list(
    ctx: &Ctx<'_>,
    data: &Data,
    params: &ListParams,
    page: crate::store::Page<'_, Subscription>,
    doc: &'static str,
) -> Resp {
    let render = ctx.render();
    let items = page
        .items
        .iter()
        .map(|s| view(data, s, render, Some(None)))
        .collect();
    let list = ListView {
        embedded_key: "subscriptions",
        items,
        links: params.links(
            ctx,
            page.next.map(|s| s.id.as_str()),
            page.previous.map(|s| s.id.as_str()),
            doc,
        ),
    };
    hal_response(StatusCode::OK, Bytes::from(crate::views::to_json(&list)))
}

pub fn list(ctx: &Ctx<'_>, customer: &str) -> Result<Resp> {
    let data = ctx.account.data.read();
    ctx.customer(&data, customer)?;
    ctx.query_only(&["from", "limit", "sort"])?;
    let params = ListParams::parse(ctx)?;
    let empty = Default::default();
    let index = data.customer_subscriptions.get(customer).unwrap_or(&empty);
    let cursor = params.cursor(&data.subscriptions, |k| index.contains(k))?;
    let page = data
        .subscriptions
        .page_of(index, cursor, params.limit, params.desc);
    Ok(render_list(
        ctx,
        &data,
        &params,
        page,
        "subscriptions-api/list-subscriptions",
    ))
}

/// `GET /v2/subscriptions`: every subscription of the account.
pub fn list_all(ctx: &Ctx<'_>) -> Result<Resp> {
    ctx.query_only(&["from", "limit", "sort"])?;
    let params = ListParams::parse(ctx)?;
    let data = ctx.account.data.read();
    let cursor = params.cursor(&data.subscriptions, |_| true)?;
    let page = data.subscriptions.page(cursor, params.limit, params.desc);
    Ok(render_list(
        ctx,
        &data,
        &params,
        page,
        "subscriptions-api/list-all-subscriptions",
    ))
}

pub fn payments(ctx: &Ctx<'_>, customer: &str, id: &str) -> Result<Resp> {
    let data = ctx.account.data.read();
    ctx.customer(&data, customer)?;
    ctx.query_only(&["from", "limit", "sort"])?;
    found(&data, customer, id)?;
    let params = ListParams::parse(ctx)?;
    let empty = Default::default();
    let index = data.subscription_payments.get(id).unwrap_or(&empty);
    let cursor = params.cursor(&data.payments, |k| index.contains(k))?;
    let page = data
        .payments
        .page_of(index, cursor, params.limit, params.desc);
    let render = ctx.render();
    let items = page
        .items
        .iter()
        .map(|p| PaymentView {
            payment: p,
            render,
            links: Some(PaymentLinks {
                documentation: None,
            }),
            embedded: None,
        })
        .collect();
    let list = ListView {
        embedded_key: "payments",
        items,
        links: params.links(
            ctx,
            page.next.map(|p| p.id.as_str()),
            page.previous.map(|p| p.id.as_str()),
            "subscriptions-api/list-subscription-payments",
        ),
    };
    Ok(hal_response(
        StatusCode::OK,
        Bytes::from(crate::views::to_json(&list)),
    ))
}
