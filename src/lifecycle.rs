//! How payments change status. [`set_status`] is the one function that moves
//! a payment: the checkout page, the sandbox API, a cancel and the expiry
//! sweep all call it, so that timestamps, details, the mandate of a first
//! payment and the webhook come out the same whichever path was taken.
//!
//! Expiry is driven by each account's [`crate::clock::Clock`]: a payment's
//! `expiresAt` is in the account's time, and [`expire_due`] expires whatever
//! is due by that clock, through [`crate::scheduler`], whose loop runs it for
//! every account; whatever moves a clock forward can call it directly.

use serde_json::value::RawValue;
use serde_json::{json, Value};

use crate::app::App;
use crate::clock;
use crate::error::{ApiError, Result};

use crate::catalogue;
use crate::store::{
    Account, Data, Found, Mandate, MandateStatus, Mode, Payment, PaymentStatus, SequenceType,
};

/// The consumer every test bank payment is paid by (as Mollie's test mode).
pub const TEST_CONSUMER_NAME: &str = "T. TEST";
pub const TEST_CONSUMER_IBAN: &str = "NL12RABO0995764688";
pub const TEST_CONSUMER_BIC: &str = "TRIONL2U";
pub const TEST_PAYPAL_EMAIL: &str = "test@example.org";
/// Mollie's SEPA creditor identifier, shown on direct debits.
pub const CREDITOR_IDENTIFIER: &str = "NL08ZZZ502057730000";

/// The statuses that call the webhook: the final ones, and `authorized`
/// (a shop ships, then captures, on it).
pub fn calls_webhook(status: PaymentStatus) -> bool {
    matches!(
        status,
        PaymentStatus::Authorized
            | PaymentStatus::Paid
            | PaymentStatus::Failed
            | PaymentStatus::Canceled
            | PaymentStatus::Expired
    )
}

/// Whether a payment may move from `from` to `to` (staying put is handled
/// before this is asked).
pub fn allowed(from: PaymentStatus, to: PaymentStatus) -> bool {
    use PaymentStatus::*;
    match from {
        Open => to != Open,
        Pending => matches!(to, Paid | Authorized | Failed | Canceled | Expired),
        Authorized => matches!(to, Paid | Canceled | Expired),
        Paid | Canceled | Expired | Failed => false,
    }
}

/// The method a payment without one is paid with when nobody chose: the
/// first the merchant offered, else iDEAL for euros, else a card.
pub fn default_method(p: &Payment) -> &'static str {
    if let Some(m) = p.method_choices.first() {
        return m;
    }
    // Only some methods hold an authorization: a card by default.
    if p.captures_later() {
        return "creditcard";
    }
    if p.amount.currency == "EUR" {
        "ideal"
    } else {
        "creditcard"
    }
}

/// The methods a payment without a method may still be paid with: those
/// the merchant listed, else every method the payment's profile enables
/// that a consumer can pick for this amount, sequence and country.
pub fn method_options(data: &Data, p: &Payment, mode: Mode) -> Vec<&'static str> {
    if !p.method_choices.is_empty() {
        return p.method_choices.to_vec();
    }
    let profile = data.profile_for(p);
    let mut out: Vec<&'static str> = catalogue::METHODS
        .iter()
        // Capturing later narrows the choice to methods that hold an
        // authorization.
        .filter(|m| !p.captures_later() || m.can_authorize(true))
        .filter(|m| match p.sequence_type {
            SequenceType::First => m.first,
            SequenceType::Recurring => m.recurring,
            SequenceType::Oneoff => m.at_checkout,
        })
        .filter(|m| {
            p.sequence_type == SequenceType::Recurring
                || profile.is_none_or(|pr| pr.enables(m.id, mode))
        })
        .filter(|m| m.fits(&p.amount) == catalogue::Fit::Yes)
        .filter(|m| {
            p.restrict_to_country
                .as_deref()
                .is_none_or(|c| m.offered_in(c))
        })
        .map(|m| m.id)
        .collect();
    // The common choice first, as the select list's default.
    if let Some(pos) = out.iter().position(|m| *m == default_method(p)) {
        let m = out.remove(pos);
        out.insert(0, m);
    }
    out
}

fn raw(value: Value) -> Option<Box<RawValue>> {
    RawValue::from_string(value.to_string()).ok()
}

/// Details a payment gets on being paid (or authorized) with `method`.
fn paid_details(data: &mut Data, p: &Payment, method: &str) -> Option<Box<RawValue>> {
    let mandate: Option<Value> = p
        .mandate_id
        .as_deref()
        .and_then(|id| data.mandates.get(id))
        .and_then(|m| serde_json::from_str(m.details.get()).ok());
    let from_mandate = |key: &str| -> Option<Value> { mandate.as_ref()?.get(key).cloned() };
    let value = match method {
        "creditcard" => {
            let fingerprint = from_mandate("cardFingerprint")
                .unwrap_or_else(|| Value::String(data.random_token(24)));
            json!({
                "cardNumber": from_mandate("cardNumber").unwrap_or_else(|| json!("6787")),
                "cardHolder": from_mandate("cardHolder").unwrap_or_else(|| json!(TEST_CONSUMER_NAME)),
                "cardAudience": "consumer",
                "cardLabel": from_mandate("cardLabel").unwrap_or_else(|| json!("Mastercard")),
                "cardCountryCode": "NL",
                "cardSecurity": "normal",
                "feeRegion": "other",
                "cardFingerprint": fingerprint,
            })
        }
        "paypal" => json!({
            "consumerName": from_mandate("consumerName").unwrap_or_else(|| json!(TEST_CONSUMER_NAME)),
            "consumerAccount": from_mandate("consumerAccount").unwrap_or_else(|| json!(TEST_PAYPAL_EMAIL)),
            "paypalReference": data.random_token(17).to_uppercase(),
            "paypalPayerId": data.random_token(13).to_uppercase(),
        }),
        "directdebit" | "banktransfer" => {
            return p.details.clone().or_else(|| raw(bank_consumer()))
        }
        _ if catalogue::get(method).is_some_and(|m| m.bank_details) => bank_consumer(),
        _ => return p.details.clone(),
    };
    raw(value)
}

fn bank_consumer() -> Value {
    json!({
        "consumerName": TEST_CONSUMER_NAME,
        "consumerAccount": TEST_CONSUMER_IBAN,
        "consumerBic": TEST_CONSUMER_BIC,
    })
}

/// Test card amounts that fail with a given reason, as Mollie's test mode.
fn card_failure_reason(amount: &crate::store::Amount) -> Option<&'static str> {
    const REASONS: &[(&str, &str)] = &[
        ("1001.00", "invalid_card_number"),
        ("1002.00", "invalid_cvv"),
        ("1003.00", "invalid_card_holder_name"),
        ("1004.00", "card_expired"),
        ("1005.00", "invalid_card_type"),
        ("1006.00", "refused_by_issuer"),
        ("1007.00", "insufficient_funds"),
        ("1008.00", "inactive_card"),
        ("1009.00", "possible_fraud"),
        ("1010.00", "authentication_failed"),
        ("1011.00", "card_declined"),
    ];
    REASONS
        .iter()
        .find(|(v, _)| *v == amount.value.as_str())
        .map(|(_, r)| *r)
}

/// Details of a SEPA direct debit charged on a mandate (recurring payments).
pub fn direct_debit_details(data: &mut Data, mandate: &Mandate, now: i64) -> Option<Box<RawValue>> {
    let details: Value = serde_json::from_str(mandate.details.get()).unwrap_or(Value::Null);
    let due = clock::format_date(clock::date_of(now + 2 * 86_400));
    raw(json!({
        "transferReference": format!("SD{}", data.random_token(8).to_uppercase()),
        "creditorIdentifier": CREDITOR_IDENTIFIER,
        "consumerName": details.get("consumerName").cloned().unwrap_or(Value::Null),
        "consumerAccount": details.get("consumerAccount").cloned().unwrap_or(Value::Null),
        "consumerBic": details.get("consumerBic").cloned().unwrap_or(Value::Null),
        "dueDate": due,
        "signatureDate": mandate.signature_date.as_deref(),
    }))
}

/// Details of an open bank transfer: where the consumer should send the money.
pub fn bank_transfer_details(data: &mut Data) -> Option<Box<RawValue>> {
    let r = data.random_token(12).to_uppercase();
    raw(json!({
        "bankName": "Stichting Mollie Payments",
        "bankAccount": "NL53ABNA0627535577",
        "bankBic": "ABNANL2A",
        "transferReference": format!("RF{}-{}-{}", &r[..2], &r[2..6], &r[6..10]),
    }))
}

/// The method and details of the mandate a first payment paid with
/// `method` (with `paid` as its details) leaves its customer.
fn mandate_details(paid: Option<&RawValue>, method: &str, now: i64) -> (&'static str, Value) {
    let details: Value = paid
        .and_then(|d| serde_json::from_str(d.get()).ok())
        .unwrap_or(Value::Null);
    let get = |k: &str, default: Value| details.get(k).cloned().unwrap_or(default);
    match catalogue::mandate_method(method) {
        "creditcard" => {
            let expiry = clock::date_of(now + 3 * 365 * 86_400);
            (
                "creditcard",
                json!({
                    "cardHolder": get("cardHolder", json!(TEST_CONSUMER_NAME)),
                    "cardNumber": get("cardNumber", json!("6787")),
                    "cardLabel": get("cardLabel", json!("Mastercard")),
                    "cardFingerprint": get("cardFingerprint", Value::Null),
                    "cardExpiryDate": format!("{:04}-{:02}-01", expiry.year(), expiry.month()),
                }),
            )
        }
        "paypal" => (
            "paypal",
            json!({
                "consumerName": get("consumerName", json!(TEST_CONSUMER_NAME)),
                "consumerAccount": get("consumerAccount", json!(TEST_PAYPAL_EMAIL)),
            }),
        ),
        _ => (
            "directdebit",
            json!({
                "consumerName": get("consumerName", json!(TEST_CONSUMER_NAME)),
                "consumerAccount": get("consumerAccount", json!(TEST_CONSUMER_IBAN)),
                "consumerBic": get("consumerBic", json!(TEST_CONSUMER_BIC)),
            }),
        ),
    }
}

/// The mandate a first payment leaves its customer: `valid` once paid,
/// `pending` while the payment is (Mollie: "when the first payment is not
/// yet finalized").
fn mandate_for(
    data: &mut Data,
    customer_id: crate::ids::Id,
    paid: Option<&RawValue>,
    method: &str,
    now: i64,
    status: MandateStatus,
) -> Mandate {
    let (method, details) = mandate_details(paid, method, now);
    Mandate {
        id: data.new_mandate_id(now),
        customer_id,
        created_at: now,
        status,
        method,
        details: raw(details).unwrap_or_default(),
        mandate_reference: None,
        signature_date: Some(clock::format_date(clock::date_of(now)).into()),
        revoked_at: None,
    }
}

/// The pending mandate a first payment made while it was pending, if it
/// still is.
fn pending_mandate(data: &Data, p: &Payment) -> Option<crate::ids::Id> {
    let id = p
        .mandate_id
        .as_ref()
        .filter(|_| p.sequence_type == SequenceType::First)?;
    data.mandates
        .get(id)
        .filter(|m| m.status == MandateStatus::Pending && m.revoked_at.is_none())
        .map(|m| m.id.clone())
}

fn transition_error(from: PaymentStatus, to: PaymentStatus) -> ApiError {
    let detail = if from.is_final() {
        format!(
            "The payment is {} already; a final status cannot change (to {}).",
            from.as_str(),
            to.as_str()
        )
    } else {
        format!(
            "The payment status cannot change from {} to {}.",
            from.as_str(),
            to.as_str()
        )
    };
    ApiError::unprocessable(detail).with_field("status")
}

/// Moves payment `id` to `to`, with everything that comes with it: the
/// timestamp, the method (`method`, or the default when the payment had
/// none), details, a mandate for a paid first payment, and the webhook.
/// Staying in the same non-final status changes nothing; leaving a final
/// status, or a move Mollie does not make, is a 422.
pub fn set_status(
    app: &App,
    account: &Account,
    data: &mut Data,
    id: &str,
    to: PaymentStatus,
    method: Option<&'static str>,
) -> Result<()> {
    let now = account.clock.now();
    let p = data
        .payments
        .get(id)
        .ok_or_else(|| ApiError::not_found("payment", id))?;
    let from = p.status;
    if from == to && !from.is_final() {
        return Ok(());
    }
    if !allowed(from, to) {
        return Err(transition_error(from, to));
    }
    // Also by keyless pages and the clock: not only by keyed requests.
    account.mark_changed();
    let chosen = match (p.method, method) {
        (Some(m), _) => Some(m),
        (None, Some(m)) => Some(m),
        (None, None)
            if matches!(
                to,
                PaymentStatus::Paid | PaymentStatus::Authorized | PaymentStatus::Failed
            ) =>
        {
            Some(default_method(p))
        }
        (None, None) => None,
    };
    if p.captures_later() && to == PaymentStatus::Paid && from != PaymentStatus::Authorized {
        return Err(ApiError::unprocessable(
            "The payment is captured later (captureMode manual or a captureDelay): it becomes authorized first, then a capture makes it paid.",
        )
        .with_field("status"));
    }
    if to == PaymentStatus::Authorized
        && !chosen.is_some_and(|m| catalogue::can_authorize(m, p.captures_later()))
    {
        return Err(ApiError::unprocessable(format!(
            "The payment method {} has no authorization step.",
            chosen.unwrap_or("(none)")
        ))
        .with_field("status"));
    }
    let snapshot = p.clone();
    let details = match (to, chosen) {
        (PaymentStatus::Paid | PaymentStatus::Authorized, Some(m)) => {
            paid_details(data, &snapshot, m)
        }
        (PaymentStatus::Failed, Some("creditcard")) => {
            match card_failure_reason(&snapshot.amount) {
                Some(reason) => raw(json!({ "failureReason": reason })),
                None => snapshot.details.clone(),
            }
        }
        _ => snapshot.details.clone(),
    };
    let new_mandate_for = snapshot
        .customer_id
        .clone()
        .filter(|_| snapshot.sequence_type == SequenceType::First && snapshot.mandate_id.is_none())
        .filter(|cst| matches!(data.customer(cst), Found::Live(_)));
    let mandate = match (to, chosen, new_mandate_for) {
        (PaymentStatus::Paid, Some(m), Some(cst)) => Some(mandate_for(
            data,
            cst,
            details.as_deref(),
            m,
            now,
            MandateStatus::Valid,
        )),
        (PaymentStatus::Pending, m, Some(cst)) => {
            let m = m.unwrap_or_else(|| default_method(&snapshot));
            Some(mandate_for(
                data,
                cst,
                details.as_deref(),
                m,
                now,
                MandateStatus::Pending,
            ))
        }
        _ => None,
    };
    if to.is_final() {
        data.unschedule_expiry(id);
    }
    let mandate_id = mandate.as_ref().map(|m| m.id.clone());
    let mut mandates_changed = mandate.is_some();
    if let Some(m) = mandate {
        data.insert_mandate(m);
    }
    // The pending mandate of a first payment becomes valid when it is
    // paid (with what the payment was paid with), invalid when it fails.
    if let Some(mid) = pending_mandate(data, &snapshot) {
        let settled = match (to, chosen) {
            (PaymentStatus::Paid, Some(m)) => Some((
                MandateStatus::Valid,
                Some(mandate_details(details.as_deref(), m, now)),
            )),
            (PaymentStatus::Failed | PaymentStatus::Canceled | PaymentStatus::Expired, _) => {
                Some((MandateStatus::Invalid, None))
            }
            _ => None,
        };
        if let Some((status, details)) = settled {
            if let Some(m) = data.mandates.get_mut(&mid) {
                m.status = status;
                if let Some((method, d)) = details {
                    m.method = method;
                    m.details = raw(d).unwrap_or_default();
                }
            }
            mandates_changed = true;
        }
    }
    if mandates_changed {
        if let Some(cst) = &snapshot.customer_id {
            data.mandates_changed(cst);
        }
    }
    let Some(p) = data.payments.get_mut(id) else {
        return Err(ApiError::not_found("payment", id));
    };
    p.status = to;
    p.method = chosen;
    p.details = details;
    if mandate_id.is_some() {
        p.mandate_id = mandate_id;
    }
    match to {
        PaymentStatus::Paid => p.paid_at = Some(now),
        PaymentStatus::Authorized => {
            p.authorized_at = Some(now);
            p.money.capture_before =
                Some(now + crate::store::capture::authorization_window(p.method));
        }
        PaymentStatus::Canceled => p.canceled_at = Some(now),
        // Expired at its expiry time, even when the sweep (or a clock moved
        // far forward) notices later.
        PaymentStatus::Expired => {
            p.expired_at = Some(p.expires_at.filter(|at| *at <= now).unwrap_or(now))
        }
        PaymentStatus::Failed => p.failed_at = Some(now),
        PaymentStatus::Open | PaymentStatus::Pending => {}
    }
    if calls_webhook(to) {
        if let Some(url) = &p.webhook_url {
            app.webhooks.enqueue(&account.key, &p.id, url);
        }
    }
    let sub = p.subscription_id.clone();
    crate::after_sales::status_changed(data, id, to, now);
    if to == PaymentStatus::Paid {
        crate::after_sales::scripted_chargebacks(app, account, data, id);
    }
    if let Some(sub) = sub {
        crate::recurring::payment_settled(data, &sub, to);
    }
    Ok(())
}

/// Expires the account's open payments whose `expiresAt` has passed by its
/// clock (with everything else due by then). Returns how many events fired.
pub fn expire_due(app: &App, account: &Account) -> usize {
    crate::scheduler::run_due(app, account, account.clock.now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn final_statuses_do_not_move() {
        use PaymentStatus::*;
        for from in [Paid, Canceled, Expired, Failed] {
            for to in PaymentStatus::ALL {
                assert!(!allowed(from, to), "{from:?} -> {to:?}");
            }
        }
        assert!(allowed(Open, Paid));
        assert!(allowed(Pending, Failed));
        assert!(!allowed(Pending, Open));
        assert!(!allowed(Authorized, Failed));
        assert!(calls_webhook(Expired) && !calls_webhook(Pending));
    }
}
