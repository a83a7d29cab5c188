//! `/v2/payments` and `/v2/customers/{id}/payments`: one implementation of
//! create, get and list for both.

use std::sync::LazyLock;

use bytes::Bytes;
use hyper::StatusCode;
use serde_json::Value;

use crate::auth::Kind;
use crate::catalogue::{self, Fit};
use crate::error::{ApiError, Result};
use crate::http::request::Field;
use crate::http::response::{hal_response, Resp};
use crate::ids::{self, Id};
use crate::lifecycle;
use crate::store::{Country, Data, Mandate, Payment, PaymentStatus, SequenceType};
use crate::validate;
use crate::views::reuse;
use crate::views::TextView;
use crate::views::{
    CaptureView, ChargebackView, ListView, PaymentEmbeds, PaymentLinks, PaymentView, RefundView,
    Render,
};

use super::list::ListParams;
use super::payment_fields;
use super::Ctx;

/// The create fields this file reads; the rest are
/// [`payment_fields::CREATE_FIELDS`], none of them in both lists (the
/// unknown-field check's bits tell which list a sent name is in).
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
];

pub fn render_one(
    status: StatusCode,
    payment: &Payment,
    render: Render<'_>,
    doc: &'static str,
) -> Resp {
    render_embedded(status, payment, render, doc, None)
}

pub fn render_embedded(
    status: StatusCode,
    payment: &Payment,
    render: Render<'_>,
    doc: &'static str,
    embedded: Option<PaymentEmbeds<'_>>,
) -> Resp {
    hal_response(
        status,
        Bytes::from(view(payment, render, doc, embedded).body()),
    )
}

/// `payment` as the single-object endpoints answer it.
fn view<'a>(
    payment: &'a Payment,
    render: Render<'a>,
    doc: &'static str,
    embedded: Option<PaymentEmbeds<'a>>,
) -> PaymentView<'a> {
    PaymentView {
        payment,
        render,
        links: Some(PaymentLinks {
            documentation: Some(doc),
        }),
        embedded,
    }
}

/// [`render_one`], with what the request's `include` asks for
/// (`details.qrCode`).
fn render_included(
    ctx: &Ctx<'_>,
    status: StatusCode,
    payment: &Payment,
    doc: &'static str,
    embedded: Option<PaymentEmbeds<'_>>,
) -> Resp {
    if !crate::views::wants_qr_code(ctx.query.get("include")) {
        return render_embedded(status, payment, ctx.render(), doc, embedded);
    }
    let json = crate::views::with_qr_code(&view(payment, ctx.render(), doc, embedded));
    hal_response(status, Bytes::from(json.to_string()))
}

/// `embed=refunds,chargebacks,captures` (any of them, comma-separated):
/// which were asked, in that order; 400 for anything else.
fn parse_embed(ctx: &Ctx<'_>) -> Result<Option<[bool; 3]>> {
    let Some(text) = ctx.query.get("embed") else {
        return Ok(None);
    };
    let mut which = [false; 3];
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part {
            "refunds" => which[0] = true,
            "chargebacks" => which[1] = true,
            "captures" => which[2] = true,
            _ => {
                return Err(ApiError::bad_request(format!(
                "Embed parameter '{part}' is not supported: use refunds, chargebacks or captures"
            ))
                .with_field("embed"))
            }
        }
    }
    Ok(Some(which))
}

/// The payment's refunds, chargebacks and captures that `which` asks for
/// (newest first, as their lists), as embedded objects.
pub fn embeds<'a>(
    data: &'a Data,
    payment: &str,
    render: Render<'a>,
    which: [bool; 3],
) -> PaymentEmbeds<'a> {
    let links = Some(None);
    let mut e = PaymentEmbeds::default();
    if which[0] {
        let v: Vec<_> = Data::of_payment(&data.refunds, &data.payment_refunds, payment)
            .rev()
            .map(|refund| RefundView {
                refund,
                render,
                links,
            })
            .collect();
        e.refunds = Some(v);
    }
    if which[1] {
        let v: Vec<_> = Data::of_payment(&data.chargebacks, &data.payment_chargebacks, payment)
            .rev()
            .map(|chargeback| ChargebackView {
                chargeback,
                render,
                links,
            })
            .collect();
        e.chargebacks = Some(v);
    }
    if which[2] {
        let v: Vec<_> = Data::of_payment(&data.captures, &data.payment_captures, payment)
            .rev()
            .map(|capture| CaptureView {
                capture,
                render,
                links,
                payment: None,
            })
            .collect();
        e.captures = Some(v);
    }
    e
}

/// Seconds an open payment lives before it expires, by method (the
/// catalogue's; 15 minutes while no method is chosen).
pub fn expiry_secs(method: Option<&str>) -> i64 {
    method
        .and_then(catalogue::get)
        .map_or(15 * 60, |m| m.expiry_secs)
}

/// Whether `method` may be used with `sequence`.
fn suits(method: &str, sequence: SequenceType) -> bool {
    catalogue::get(method).is_some_and(|m| match sequence {
        SequenceType::First => m.first,
        SequenceType::Recurring => m.recurring,
        SequenceType::Oneoff => true,
    })
}

/// `method` as a single id or a list of ids.
fn methods(value: Option<&Value>) -> Result<Vec<&'static str>> {
    let invalid = || ApiError::unprocessable("The payment method is invalid").with_field("method");
    let one = |v: &Value| -> Result<&'static str> {
        v.as_str()
            .and_then(crate::catalogue::id)
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
fn country(value: Option<&Value>) -> Result<Option<Country>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_str().and_then(Country::new).map(Some).ok_or_else(|| {
            ApiError::unprocessable("The country code is invalid")
                .with_field("restrictPaymentMethodsToCountry")
        }),
    }
}

/// `captureMode` and `captureDelay`: only for the methods that hold an
/// authorization, never on a first payment, a delay only with automatic
/// capture.
fn capture_settings(
    b: &crate::http::request::Body,
    sequence_type: SequenceType,
    methods: &[&'static str],
) -> Result<crate::store::Money> {
    let manual = match b.get("captureMode") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s == "manual" => Some(true),
        Some(Value::String(s)) if s == "automatic" => Some(false),
        Some(_) => {
            return Err(ApiError::unprocessable(
                "The capture mode is invalid: use automatic or manual",
            )
            .with_field("captureMode"))
        }
    };
    let delay = match b.get("captureDelay") {
        None | Some(Value::Null) => None,
        Some(v) => {
            let text = v.as_str().unwrap_or_default();
            let secs = crate::store::capture::parse_delay(text).ok_or_else(|| {
                ApiError::unprocessable(
                    "The capture delay is invalid: use '<n> hours' or '<n> days', at most 7 days",
                )
                .with_field("captureDelay")
            })?;
            Some((Box::<str>::from(text), secs))
        }
    };
    if delay.is_some() && manual == Some(true) {
        return Err(ApiError::unprocessable(
            "A capture delay needs captureMode automatic: Mollie captures when it has passed",
        )
        .with_field("captureDelay"));
    }
    let later = manual == Some(true) || delay.is_some();
    if later {
        let field = if delay.is_some() {
            "captureDelay"
        } else {
            "captureMode"
        };
        if sequence_type == SequenceType::First {
            return Err(ApiError::unprocessable(
                "Capturing later is not possible for first payments",
            )
            .with_field(field));
        }
        // The catalogue's methods that can hold an authorization.
        if let Some(m) = methods.iter().find(|m| !catalogue::can_authorize(m, true)) {
            return Err(ApiError::unprocessable(format!(
                "The payment method {m} does not support capturing later"
            ))
            .with_field(field));
        }
    }
    Ok(crate::store::Money {
        manual_capture: manual == Some(true),
        capture_delay: delay,
        ..Default::default()
    })
}

/// The amount against the limits of the methods asked for: one method
/// answers why it does not fit; of several, at least one must fit.
fn check_limits(methods: &[&'static str], amount: &crate::store::Amount) -> Result<()> {
    let fits: Vec<Fit> = methods
        .iter()
        .filter_map(|m| catalogue::get(m))
        .map(|m| m.fits(amount))
        .collect();
    if fits.is_empty() || fits.contains(&Fit::Yes) {
        return Ok(());
    }
    match fits.as_slice() {
        [Fit::TooHigh] => Err(
            ApiError::unprocessable("The amount is higher than the maximum").with_field("amount"),
        ),
        [Fit::TooLow] => Err(
            ApiError::unprocessable("The amount is lower than the minimum").with_field("amount"),
        ),
        _ => Err(ApiError::unprocessable("No suitable payment methods found")),
    }
}

/// The methods asked for must be enabled on the payment's profile (mandate
/// charges excepted); without a method, some enabled method must take the
/// amount.
fn check_enabled(
    ctx: &Ctx<'_>,
    profile_id: Option<&str>,
    methods: &[&'static str],
    amount: &crate::store::Amount,
    sequence: SequenceType,
) -> Result<()> {
    if sequence == SequenceType::Recurring {
        return Ok(());
    }
    let mode = ctx.account.mode;
    ctx.with_profiles(|data| {
        let profile = match profile_id {
            Some(id) => data.profile(id),
            None => data.profiles.first(),
        };
        // A token may name a profile the sandbox never saw: the catalogue's
        // defaults then stand in for it.
        let default;
        let profile = match profile {
            Some(p) => p,
            None => {
                default = crate::store::Profile::new(Id::new("pfl_"), mode, 0);
                &default
            }
        };
        if methods.iter().any(|m| !profile.enables(m, mode)) {
            return Err(ApiError::unprocessable(
                "The payment method is not enabled in your website profile",
            )
            .with_field("method"));
        }
        if methods.is_empty() && validate::minor_units(amount) > 0 {
            let any = catalogue::METHODS.iter().any(|m| {
                m.at_checkout
                    && (sequence == SequenceType::Oneoff || m.first)
                    && profile.enables(m.id, mode)
                    && m.fits(amount) == Fit::Yes
            });
            if !any {
                return Err(ApiError::unprocessable("No suitable payment methods found"));
            }
        }
        Ok(())
    })
}

/// The names a create may send, joined once: the common ones, then the rare
/// ones (whose bits follow in what `body_only` returns); the second list
/// adds `customerId` for `POST /v2/payments`.
static CREATE_NAMES: LazyLock<[Vec<&'static str>; 2]> = LazyLock::new(|| {
    let names = [CREATE_FIELDS, payment_fields::CREATE_FIELDS].concat();
    let mut with_customer = names.clone();
    with_customer.push("customerId");
    [names, with_customer]
});

static UPDATE_NAMES: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| [UPDATE_FIELDS, payment_fields::UPDATE_FIELDS].concat());

pub fn create(ctx: &Ctx<'_>, path_customer: Option<&str>) -> Result<Resp> {
    ctx.query_only(&["include"])?;
    if let Some(id) = path_customer {
        ctx.customer(&ctx.account.data.read(), id)?;
    }
    let fields = &CREATE_NAMES[usize::from(path_customer.is_none())];
    // The rare fields come right after the common ones in `fields`.
    let rare = (1u64 << payment_fields::CREATE_FIELDS.len()) - 1;
    let rare_sent = (ctx.body_only(fields)? >> CREATE_FIELDS.len()) & rare != 0;
    let b = &ctx.body;
    let amount = validate::amount(b.field("amount"), "The amount is required for payments")?;
    let description = validate::description(b.field("description"))?;
    let sequence_type = match b.get("sequenceType") {
        None | Some(Value::Null) => SequenceType::Oneoff,
        Some(v) => v.as_str().and_then(SequenceType::parse).ok_or_else(|| {
            ApiError::unprocessable("The sequence type is invalid").with_field("sequenceType")
        })?,
    };
    let recurring = sequence_type == SequenceType::Recurring;
    let redirect_url = validate::url(
        b.field("redirectUrl").unwrap_or(Field::NULL),
        "redirectUrl",
        "The redirect URL is invalid",
    )?;
    if redirect_url.is_none() && !recurring {
        return Err(
            ApiError::unprocessable("The redirect URL is invalid").with_field("redirectUrl")
        );
    }
    let cancel_url = validate::url(
        b.field("cancelUrl").unwrap_or(Field::NULL),
        "cancelUrl",
        "The cancel URL is invalid",
    )?;
    let webhook_url = validate::url(
        b.field("webhookUrl").unwrap_or(Field::NULL),
        "webhookUrl",
        "The webhook URL is invalid",
    )?;
    let locale = validate::locale(b.field("locale").unwrap_or(Field::NULL))?;
    let methods = methods(b.get("method"))?;
    if methods.iter().any(|m| !suits(m, sequence_type)) {
        return Err(ApiError::unprocessable("No suitable payment methods found"));
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
    if minor > 0 {
        check_limits(&methods, &amount)?;
    }
    let money = capture_settings(b, sequence_type, &methods)?;
    let restrict_to_country = country(b.get("restrictPaymentMethodsToCountry"))?;
    let metadata = validate::metadata(b.field("metadata").unwrap_or(Field::NULL))?;
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

    check_enabled(ctx, profile_id.as_deref(), &methods, &amount, sequence_type)?;

    let now = ctx.now();
    let extra = payment_fields::create(b, rare_sent, &amount, &methods, account_date(now))?;
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
        id: data.new_payment_id(now),
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
        money,
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
    let doc = if path_customer.is_some() {
        "customers-api/create-customer-payment"
    } else {
        "payments-api/create-payment"
    };
    if !crate::views::wants_qr_code(ctx.query.get("include")) {
        // Rendered before it is stored, as nothing in its view reads the
        // store: finding it again after cost a clone of its id and a lookup.
        let resp = render_embedded(StatusCode::CREATED, &payment, ctx.render(), doc, None);
        data.insert_payment(payment);
        return Ok(resp);
    }
    // A QR code takes about a millisecond to draw: under a read lock, so
    // the account's other readers go on meanwhile.
    let id = payment.id.clone();
    data.insert_payment(payment);
    let data = parking_lot::RwLockWriteGuard::downgrade(data);
    let payment = data
        .payments
        .get(&id)
        .ok_or_else(|| ApiError::new(500, "The payment was lost."))?;
    Ok(render_included(
        ctx,
        StatusCode::CREATED,
        payment,
        doc,
        None,
    ))
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
    data.mandate_for(customer, mandate, methods, false).cloned()
}

pub fn get(ctx: &Ctx<'_>, id: &str) -> Result<Resp> {
    ctx.query_only(&["include", "embed"])?;
    let which = parse_embed(ctx)?;
    let data = ctx.account.data.read();
    let find = || {
        data.payments
            .get(id)
            .ok_or_else(|| ApiError::not_found("payment", id))
    };
    let render = ctx.render();
    let doc = "payments-api/get-payment";
    if which.is_none() && !crate::views::wants_qr_code(ctx.query.get("include")) {
        // What a shop polling for the status asks, again and again.
        let key = ctx.reuse_key(&data, "payment", id, doc);
        let body = reuse::body(&key, || Ok(view(find()?, render, doc, None).body()))?;
        return Ok(hal_response(StatusCode::OK, body));
    }
    Ok(render_included(
        ctx,
        StatusCode::OK,
        find()?,
        doc,
        which.map(|w| embeds(&data, id, render, w)),
    ))
}

fn render_list(
    ctx: &Ctx<'_>,
    data: &Data,
    params: &ListParams,
    page: crate::store::Page<'_, Payment>,
    doc: &'static str,
) -> Result<Resp> {
    let which = parse_embed(ctx)?;
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
            embedded: which.map(|w| embeds(data, &p.id, render, w)),
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
    Ok(hal_response(
        StatusCode::OK,
        Bytes::from(crate::views::to_json(&view)),
    ))
}

pub fn list(ctx: &Ctx<'_>) -> Result<Resp> {
    ctx.query_only(&["from", "limit", "sort", "include", "embed"])?;
    let params = ListParams::parse(ctx)?;
    let data = ctx.account.data.read();
    let cursor = params.cursor(&data.payments, |_| true)?;
    let page = data.payments.page(cursor, params.limit, params.desc);
    render_list(ctx, &data, &params, page, "payments-api/list-payments")
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
    render_list(
        ctx,
        &data,
        &params,
        page,
        "customers-api/list-customer-payments",
    )
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
    ctx.body_only(&UPDATE_NAMES)?;
    let b = &ctx.body;
    let description = b
        .field("description")
        .map(|v| validate::description(Some(v)))
        .transpose()?;
    let redirect_url = b
        .field("redirectUrl")
        .map(|v| validate::url(v, "redirectUrl", "The redirect URL is invalid"))
        .transpose()?;
    let cancel_url = b
        .field("cancelUrl")
        .map(|v| validate::url(v, "cancelUrl", "The cancel URL is invalid"))
        .transpose()?;
    let webhook_url = b
        .field("webhookUrl")
        .map(|v| validate::url(v, "webhookUrl", "The webhook URL is invalid"))
        .transpose()?;
    let metadata = b.field("metadata").map(validate::metadata).transpose()?;
    let locale = b.field("locale").map(validate::locale).transpose()?;
    let restrict = match b.get("restrictPaymentMethodsToCountry") {
        Some(v) => Some(country(Some(v))?),
        None => None,
    };
    let method = match b.get("method") {
        None => None,
        Some(v) => Some(v.as_str().and_then(crate::catalogue::id).ok_or_else(|| {
            ApiError::unprocessable("The payment method is invalid").with_field("method")
        })?),
    };
    let extra = payment_fields::update(b, account_date(ctx.now()))?;
    if let Some(m) = method {
        // The method chosen later must be enabled too, on the payment's profile.
        let found = ctx
            .account
            .data
            .read()
            .payments
            .get(id)
            .map(|p| (p.profile_id.clone(), p.amount.clone(), p.sequence_type));
        if let Some((profile, amount, sequence)) = found {
            check_enabled(ctx, profile.as_deref(), &[m], &amount, sequence)?;
        }
    }

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
        if !suits(m, p.sequence_type) {
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

/// `POST /v2/payments/{id}/release-authorization`: gives up an authorized
/// payment's hold (202, no body); the payment becomes `canceled` and its
/// webhook is called.
pub fn release_authorization(ctx: &Ctx<'_>, id: &str) -> Result<Resp> {
    ctx.query_only(&[])?;
    ctx.body_only(&[])?;
    let mut data = ctx.account.data.write();
    let p = data
        .payments
        .get(id)
        .ok_or_else(|| ApiError::not_found("payment", id))?;
    if p.status != PaymentStatus::Authorized {
        return Err(ApiError::unprocessable(
            "Authorization cannot be released because the payment is not in the authorized state.",
        ));
    }
    lifecycle::set_status(
        ctx.app,
        ctx.account,
        &mut data,
        id,
        PaymentStatus::Canceled,
        None,
    )?;
    Ok(crate::http::response::Resp::new(
        StatusCode::ACCEPTED,
        hyper::header::HeaderValue::from_static("application/hal+json"),
        Bytes::new(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `create` tells a rare field by its bit after the common ones: the two
    /// lists must not share a name, and both must fit the 64 bits.
    #[test]
    fn the_common_and_rare_create_fields_are_apart_and_fit_the_bits() {
        for name in CREATE_FIELDS {
            assert!(!payment_fields::CREATE_FIELDS.contains(name), "{name}");
        }
        // customerId comes after them, and an access token's two names.
        assert!(CREATE_FIELDS.len() + payment_fields::CREATE_FIELDS.len() + 3 <= 64);
    }
}
