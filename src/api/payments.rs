//! `/v2/payments` and `/v2/customers/{id}/payments`: one implementation of
//! create, get and list for both.

use bytes::Bytes;
use hyper::StatusCode;
use serde_json::Value;
use smol_str::SmolStr;

use crate::auth::Kind;
use crate::error::{ApiError, Result};
use crate::http::response::{hal_response, Resp};
use crate::ids::{self, Id};
use crate::lifecycle;
use crate::store::{Data, Mandate, Payment, PaymentStatus, SequenceType};
use crate::validate::{self, FIRST_METHODS, RECURRING_METHODS};
use crate::views::{ListView, PaymentLinks, PaymentView, Render};

use super::list::ListParams;
use super::payment_fields;
use super::Ctx;

const CREATE_FIELDS: &[&str] = &[
    "amount",
    "description",
    "redirectUrl",
    "cancelUrl",
    "webhookUrl",
    "locale",
    "method",
    "restrictPaymentMethodsToCountry",
    "metadata",
    "sequenceType",
    "mandateId",
    "captureMode",
    "captureDelay",
    "issuer",
    "billingEmail",
    "dueDate",
    "cardToken",
    "billingAddress",
    "shippingAddress",
    "consumerName",
    "consumerAccount",
    "customerReference",
    "applePayPaymentToken",
];

pub fn render_one(
    status: StatusCode,
    payment: &Payment,
    render: Render<'_>,
    doc: &'static str,
) -> Resp {
    let view = PaymentView {
        payment,
        render,
        links: Some(PaymentLinks {
            documentation: Some(doc),
        }),
    };
    hal_response(status, Bytes::from(crate::views::to_json(&view)))
}

/// [`render_one`], with what the request's `include` asks for
/// (`details.qrCode`).
fn render_included(
    ctx: &Ctx<'_>,
    status: StatusCode,
    payment: &Payment,
    doc: &'static str,
) -> Resp {
    if !crate::views::wants_qr_code(ctx.query.get("include")) {
        return render_one(status, payment, ctx.render(), doc);
    }
    let view = PaymentView {
        payment,
        render: ctx.render(),
        links: Some(PaymentLinks {
            documentation: Some(doc),
        }),
    };
    let json = crate::views::with_qr_code(&view);
    hal_response(status, Bytes::from(json.to_string()))
}

/// Seconds an open payment lives before it expires, by method.
pub fn expiry_secs(method: Option<&str>) -> i64 {
    const MIN: i64 = 60;
    const HOUR: i64 = 60 * MIN;
    match method {
        Some("creditcard" | "giropay") => 30 * MIN,
        Some("mybank") => 45 * MIN,
        Some("bancontact" | "belfius" | "eps" | "kbc" | "przelewy24") => HOUR,
        Some("sofort" | "voucher") => 2 * HOUR,
        Some("klarna" | "in3" | "riverty" | "billie") => 48 * HOUR,
        Some("paypal") => 72 * HOUR,
        Some("banktransfer") => 12 * 24 * HOUR,
        _ => 15 * MIN,
    }
}

/// `method` as a single id or a list of ids.
fn methods(value: Option<&Value>) -> Result<Vec<&'static str>> {
    let invalid = || ApiError::unprocessable("The payment method is invalid").with_field("method");
    let one = |v: &Value| -> Result<&'static str> {
        v.as_str()
            .and_then(validate::method_name)
            .ok_or_else(invalid)
    };
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items.iter().map(one).collect(),
        Some(v) => Ok(vec![one(v)?]),
    }
}

fn opt_id(
    value: Option<&Value>,
    prefix: &str,
    field: &'static str,
    detail: &'static str,
) -> Result<Option<Id>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if ids::is_valid(prefix, s) => Ok(Some(Id::new(s))),
        Some(_) => Err(ApiError::unprocessable(detail).with_field(field)),
    }
}

/// `restrictPaymentMethodsToCountry`: two capital letters, or nothing.
fn country(value: Option<&Value>) -> Result<Option<SmolStr>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.len() == 2 && s.bytes().all(|c| c.is_ascii_uppercase()) => {
            Ok(Some(s.as_str().into()))
        }
        Some(_) => Err(ApiError::unprocessable("The country code is invalid")
            .with_field("restrictPaymentMethodsToCountry")),
    }
}

pub fn create(ctx: &Ctx<'_>, path_customer: Option<&str>) -> Result<Resp> {
    ctx.query_only(&["include"])?;
    let mut fields = [CREATE_FIELDS, payment_fields::CREATE_FIELDS].concat();
    if let Some(id) = path_customer {
        ctx.customer(&ctx.account.data.read(), id)?;
    } else {
        fields.push("customerId");
    }
    ctx.body_only(&fields)?;
    let b = &ctx.body;
    let amount = validate::amount(b.get("amount"), "The amount is required for payments")?;
    let description = validate::description(b.get("description"))?;
    let sequence_type = match b.get("sequenceType") {
        None | Some(Value::Null) => SequenceType::Oneoff,
        Some(v) => v.as_str().and_then(SequenceType::parse).ok_or_else(|| {
            ApiError::unprocessable("The sequence type is invalid").with_field("sequenceType")
        })?,
    };
    let recurring = sequence_type == SequenceType::Recurring;
    let null = Value::Null;
    let redirect_url = validate::url(
        b.get("redirectUrl").unwrap_or(&null),
        "redirectUrl",
        "The redirect URL is invalid",
    )?;
    if redirect_url.is_none() && !recurring {
        return Err(
            ApiError::unprocessable("The redirect URL is invalid").with_field("redirectUrl")
        );
    }
    let cancel_url = validate::url(
        b.get("cancelUrl").unwrap_or(&null),
        "cancelUrl",
        "The cancel URL is invalid",
    )?;
    let webhook_url = validate::url(
        b.get("webhookUrl").unwrap_or(&null),
        "webhookUrl",
        "The webhook URL is invalid",
    )?;
    let locale = validate::locale(b.get("locale").unwrap_or(&null))?;
    let methods = methods(b.get("method"))?;
    let allowed = match sequence_type {
        SequenceType::First => Some(FIRST_METHODS),
        SequenceType::Recurring => Some(RECURRING_METHODS),
        SequenceType::Oneoff => None,
    };
    if let Some(allowed) = allowed {
        if methods.iter().any(|m| !allowed.contains(m)) {
            return Err(ApiError::unprocessable("No suitable payment methods found"));
        }
    }
    let minor = validate::minor_units(&amount);
    let zero_allowed = sequence_type == SequenceType::First
        && !methods.is_empty()
        && methods
            .iter()
            .all(|m| matches!(*m, "creditcard" | "paypal"));
    if minor == 0 && !zero_allowed {
        return Err(
            ApiError::unprocessable("The amount is lower than the minimum").with_field("amount"),
        );
    }
    if methods == ["ideal"] && (amount.currency != "EUR" || minor > 5_000_000) {
        return Err(
            ApiError::unprocessable("The amount is higher than the maximum").with_field("amount"),
        );
    }
    let restrict_to_country = country(b.get("restrictPaymentMethodsToCountry"))?;
    let metadata = validate::metadata(b.get("metadata").unwrap_or(&null))?;
    let body_customer = opt_id(
        b.get("customerId"),
        "cst_",
        "customerId",
        "The customer id is invalid",
    )?;
    let mandate_id = opt_id(
        b.get("mandateId"),
        "mdt_",
        "mandateId",
        "The mandate id is invalid",
    )?;

    let profile_id = match ctx.kind {
        // Organization tokens reach many profiles, so they must say which.
        Kind::AccessToken => Some(
            opt_id(
                b.get("profileId"),
                "pfl_",
                "profileId",
                "The profile id is invalid",
            )?
            .ok_or_else(|| {
                ApiError::unprocessable("The 'profileId' field is required").with_field("profileId")
            })?,
        ),
        Kind::ApiKey => None,
    };

    let now = ctx.now();
    let extra = payment_fields::create(b, &amount, &methods, account_date(now))?;
    let mut data = ctx.account.data.write();
    let customer_id: Option<Id> = match (path_customer, body_customer) {
        (Some(id), _) => Some(Id::new(ctx.customer(&data, id)?.id.as_str())),
        (None, Some(id)) => match data.customers.get(&id) {
            Some(_) => Some(id),
            None => {
                return Err(
                    ApiError::unprocessable("The customer id is invalid").with_field("customerId")
                )
            }
        },
        (None, None) => None,
    };
    let mut payment = Payment {
        id: data.new_payment_id(),
        created_at: now,
        amount,
        description,
        method: (methods.len() == 1).then(|| methods[0]),
        method_choices: methods.clone().into_boxed_slice(),
        metadata,
        status: PaymentStatus::Open,
        expires_at: None,
        authorized_at: None,
        paid_at: None,
        canceled_at: None,
        expired_at: None,
        failed_at: None,
        locale,
        country_code: None,
        restrict_to_country,
        customer_id,
        mandate_id: None,
        subscription_id: None,
        profile_id,
        sequence_type,
        redirect_url,
        cancel_url,
        webhook_url,
        details: None,
        extra,
    };
    if recurring {
        let Some(customer_id) = payment.customer_id.clone() else {
            return Err(
                ApiError::unprocessable("A customer is required for this recurring type")
                    .with_field("customerId"),
            );
        };
        let mandate = recurring_mandate(
            &data,
            &customer_id,
            mandate_id.as_deref(),
            &payment.method_choices,
        )
        .ok_or_else(|| ApiError::unprocessable("No suitable mandates found for customer"))?;
        payment.method = Some(mandate.method);
        if mandate.method == "directdebit" {
            // Test-mode direct debits wait in pending until changePaymentState.
            payment.status = PaymentStatus::Pending;
            payment.details = lifecycle::direct_debit_details(&mut data, &mandate, now);
        }
        payment.mandate_id = Some(mandate.id);
    } else {
        payment.expires_at = Some(now + expiry_secs(payment.method));
        if let (Some("banktransfer"), Some(due)) = (payment.method, due_date_end(&payment)) {
            // A bank transfer waits until the end of its due date.
            payment.expires_at = Some(due);
        }
        if payment.method == Some("banktransfer") {
            payment.details = lifecycle::bank_transfer_details(&mut data);
        }
    }
    let id = payment.id.clone();
    data.insert_payment(payment);
    ctx.app.registry.index_payment(&id, ctx.account);
    let data = parking_lot::RwLockWriteGuard::downgrade(data);
    let payment = data
        .payments
        .get(&id)
        .ok_or_else(|| ApiError::new(500, "The payment was lost."))?;
    let doc = if path_customer.is_some() {
        "customers-api/create-customer-payment"
    } else {
        "payments-api/create-payment"
    };
    Ok(render_included(ctx, StatusCode::CREATED, payment, doc))
}

/// The account's calendar date (UTC) at `now`.
fn account_date(now: i64) -> jiff::civil::Date {
    jiff::Timestamp::from_second(now)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}

/// The end of a payment's `dueDate` (midnight after it, UTC), if it has one.
fn due_date_end(p: &Payment) -> Option<i64> {
    let due: jiff::civil::Date = p.extra.as_ref()?.due_date.as_deref()?.parse().ok()?;
    let end = due
        .tomorrow()
        .ok()?
        .to_zoned(jiff::tz::TimeZone::UTC)
        .ok()?;
    Some(end.timestamp().as_second())
}

/// The mandate a recurring payment charges: the one named, or else the
/// customer's most recent usable one, among `methods` when any were given.
pub fn recurring_mandate(
    data: &Data,
    customer: &str,
    mandate: Option<&str>,
    methods: &[&str],
) -> Option<Mandate> {
    let fits = |m: &&Mandate| {
        m.is_usable()
            && m.customer_id == customer
            && (methods.is_empty() || methods.contains(&m.method))
    };
    match mandate {
        Some(id) => data.mandates.get(id).filter(fits).cloned(),
        None => data
            .customer_mandates
            .get(customer)?
            .iter()
            .rev()
            .filter_map(|k| data.mandates.by_key(k))
            .find(fits)
            .cloned(),
    }
}

pub fn get(ctx: &Ctx<'_>, id: &str) -> Result<Resp> {
    ctx.query_only(&["include", "embed"])?;
    let data = ctx.account.data.read();
    let payment = data
        .payments
        .get(id)
        .ok_or_else(|| ApiError::not_found("payment", id))?;
    Ok(render_included(
        ctx,
        StatusCode::OK,
        payment,
        "payments-api/get-payment",
    ))
}

fn render_list(
    ctx: &Ctx<'_>,
    params: &ListParams,
    page: crate::store::Page<'_, Payment>,
    doc: &'static str,
) -> Resp {
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
        })
        .collect();
    let view = ListView {
        embedded_key: "payments",
        items,
        links: params.links(
            ctx,
            page.next.map(|p| p.id.as_str()),
            page.previous.map(|p| p.id.as_str()),
            doc,
        ),
    };
    hal_response(StatusCode::OK, Bytes::from(crate::views::to_json(&view)))
}

pub fn list(ctx: &Ctx<'_>) -> Result<Resp> {
    ctx.query_only(&["from", "limit", "sort", "include", "embed"])?;
    let params = ListParams::parse(ctx)?;
    let data = ctx.account.data.read();
    let cursor = params.cursor(&data.payments, |_| true)?;
    let page = data.payments.page(cursor, params.limit, params.desc);
    Ok(render_list(
        ctx,
        &params,
        page,
        "payments-api/list-payments",
    ))
}

pub fn list_for_customer(ctx: &Ctx<'_>, customer: &str) -> Result<Resp> {
    let data = ctx.account.data.read();
    ctx.customer(&data, customer)?;
    ctx.query_only(&["from", "limit", "sort"])?;
    let params = ListParams::parse(ctx)?;
    let empty = Default::default();
    let index = data.customer_payments.get(customer).unwrap_or(&empty);
    let cursor = params.cursor(&data.payments, |k| index.contains(k))?;
    let page = data
        .payments
        .page_of(index, cursor, params.limit, params.desc);
    Ok(render_list(
        ctx,
        &params,
        page,
        "customers-api/list-customer-payments",
    ))
}

const UPDATE_FIELDS: &[&str] = &[
    "description",
    "redirectUrl",
    "cancelUrl",
    "webhookUrl",
    "metadata",
    "method",
    "locale",
    "restrictPaymentMethodsToCountry",
    "dueDate",
    "issuer",
    "billingEmail",
];

fn finalized(field: &'static str, what: &str) -> ApiError {
    ApiError::unprocessable(format!(
        "The {what} cannot be updated when the payment is finalized"
    ))
    .with_field(field)
}

/// `PATCH /v2/payments/{id}`: some fields always, some only while the
/// payment is not final, the method only when it was created without one.
/// An update never calls the webhook.
pub fn update(ctx: &Ctx<'_>, id: &str) -> Result<Resp> {
    ctx.query_only(&[])?;
    ctx.body_only(&[UPDATE_FIELDS, payment_fields::UPDATE_FIELDS].concat())?;
    let b = &ctx.body;
    let description = b
        .get("description")
        .map(|v| validate::description(Some(v)))
        .transpose()?;
    let redirect_url = b
        .get("redirectUrl")
        .map(|v| validate::url(v, "redirectUrl", "The redirect URL is invalid"))
        .transpose()?;
    let cancel_url = b
        .get("cancelUrl")
        .map(|v| validate::url(v, "cancelUrl", "The cancel URL is invalid"))
        .transpose()?;
    let webhook_url = b
        .get("webhookUrl")
        .map(|v| validate::url(v, "webhookUrl", "The webhook URL is invalid"))
        .transpose()?;
    let metadata = b.get("metadata").map(validate::metadata).transpose()?;
    let locale = b.get("locale").map(validate::locale).transpose()?;
    let restrict = match b.get("restrictPaymentMethodsToCountry") {
        Some(v) => Some(country(Some(v))?),
        None => None,
    };
    let method = match b.get("method") {
        None => None,
        Some(v) => Some(v.as_str().and_then(validate::method_name).ok_or_else(|| {
            ApiError::unprocessable("The payment method is invalid").with_field("method")
        })?),
    };
    let extra = payment_fields::update(b, account_date(ctx.now()))?;

    let mut data = ctx.account.data.write();
    let p = data
        .payments
        .get_mut(id)
        .ok_or_else(|| ApiError::not_found("payment", id))?;
    let is_final = p.status.is_final();
    if is_final {
        if redirect_url.is_some() {
            return Err(finalized("redirectUrl", "redirect URL"));
        }
        if cancel_url.is_some() {
            return Err(finalized("cancelUrl", "cancel URL"));
        }
        if method.is_some() {
            return Err(finalized("method", "method"));
        }
        if b.has("dueDate") {
            return Err(finalized("dueDate", "due date"));
        }
        if b.has("issuer") {
            return Err(finalized("issuer", "issuer"));
        }
    }
    if let Some(m) = method {
        if !p.method_choices.is_empty() {
            return Err(ApiError::unprocessable(
                "The method can only be updated when the payment was created without a method",
            )
            .with_field("method"));
        }
        let allowed = match p.sequence_type {
            SequenceType::First => FIRST_METHODS.contains(&m),
            SequenceType::Recurring => RECURRING_METHODS.contains(&m),
            SequenceType::Oneoff => true,
        };
        if !allowed {
            return Err(ApiError::unprocessable("No suitable payment methods found"));
        }
    }
    if let Some(None) = redirect_url {
        if p.sequence_type != SequenceType::Recurring {
            return Err(
                ApiError::unprocessable("The redirect URL is invalid").with_field("redirectUrl")
            );
        }
    }
    // First, so that its one check (the issuer fits the method) fails
    // before anything changed.
    payment_fields::apply(p, extra)?;
    if let Some(v) = description {
        p.description = v;
    }
    if let Some(v) = redirect_url {
        p.redirect_url = v;
    }
    if let Some(v) = cancel_url {
        p.cancel_url = v;
    }
    if let Some(v) = webhook_url {
        p.webhook_url = v;
    }
    if let Some(v) = metadata {
        p.metadata = v;
    }
    if let Some(v) = locale {
        p.locale = v;
    }
    if let Some(v) = restrict {
        p.restrict_to_country = v;
    }
    if let Some(m) = method {
        p.method = Some(m);
    }
    let data = parking_lot::RwLockWriteGuard::downgrade(data);
    let payment = data
        .payments
        .get(id)
        .ok_or_else(|| ApiError::not_found("payment", id))?;
    Ok(render_one(
        StatusCode::OK,
        payment,
        ctx.render(),
        "payments-api/update-payment",
    ))
}

/// `DELETE /v2/payments/{id}`: cancels a cancelable payment (and so calls
/// its webhook); 422 for any other.
pub fn cancel(ctx: &Ctx<'_>, id: &str) -> Result<Resp> {
    ctx.query_only(&[])?;
    ctx.body_only(&[])?;
    let mut data = ctx.account.data.write();
    let p = data
        .payments
        .get(id)
        .ok_or_else(|| ApiError::not_found("payment", id))?;
    if !p.is_cancelable() {
        return Err(ApiError::unprocessable("The payment cannot be cancelled"));
    }
    lifecycle::set_status(
        ctx.app,
        ctx.account,
        &mut data,
        id,
        PaymentStatus::Canceled,
        None,
    )?;
    let data = parking_lot::RwLockWriteGuard::downgrade(data);
    let payment = data
        .payments
        .get(id)
        .ok_or_else(|| ApiError::not_found("payment", id))?;
    Ok(render_one(
        StatusCode::OK,
        payment,
        ctx.render(),
        "payments-api/cancel-payment",
    ))
}
