//! What happens to money after a payment: refunds walking to `refunded`,
//! captures settling, authorizations captured by `captureDelay` or
//! expiring at `captureBefore`, chargebacks and their reversal. Each moves
//! through one function here, which keeps the payment's totals and calls its
//! **current** `webhookUrl` (it may have been PATCHed since it was paid), so
//! the API, the sandbox routes and the scheduler all come out the same.
//!
//! Everything later is an event on the account's clock
//! ([`crate::scheduler::Due`]); a delay of 0 walks at once.

use crate::app::App;
use crate::error::{ApiError, Result};
use crate::ids::Id;
use crate::scheduler::Due;
use smol_str::SmolStr;

use crate::store::{
    Account, Capture, CaptureStatus, Chargeback, Data, PaymentStatus, Refund, RefundStatus,
};

/// Seconds between two steps of a refund's walk: the account's fixture
/// setting, else `--refund-delay`.
pub fn refund_delay(app: &App, data: &Data) -> i64 {
    data.refund_delay.unwrap_or(app.config.refund_delay) as i64
}

/// Seconds a capture stays `pending`: a second, so that a client polling it
/// sees it settle (none when refunds are instant).
pub fn capture_delay(app: &App, data: &Data) -> i64 {
    refund_delay(app, data).min(1)
}

/// Calls the payment's webhook, if it has one.
fn call_webhook(app: &App, account: &Account, data: &Data, payment: &str) {
    if let Some(p) = data.payments.get(payment) {
        if let Some(url) = &p.webhook_url {
            app.webhooks.enqueue(&account.key, &p.id, url);
        }
    }
}

/// A new refund starts its walk: the next step after the delay, or the
/// whole walk now when the delay is 0.
pub fn start_refund(app: &App, account: &Account, data: &mut Data, id: &str, now: i64) {
    let delay = refund_delay(app, data);
    if delay == 0 {
        while step_refund(app, account, data, id) {}
    } else {
        data.schedule_at(now + delay, Due::RefundStep(Id::new(id)));
    }
}

/// One step of the walk (queued → pending → [processing →] refunded).
/// Returns whether the refund can step further.
fn step_refund(app: &App, account: &Account, data: &mut Data, id: &str) -> bool {
    let Some(r) = data.refunds.get(id) else {
        return false;
    };
    let method = data.payments.get(&r.payment_id).and_then(|p| p.method);
    let Some(next) = Refund::next_status(r.status, method) else {
        return false;
    };
    set_refund_status(app, account, data, id, next).is_ok() && !next.is_final()
}

/// The scheduler's step: one move, and the next one booked.
pub fn refund_due(app: &App, account: &Account, data: &mut Data, id: &str, at: i64) {
    if step_refund(app, account, data, id) {
        let delay = refund_delay(app, data);
        data.schedule_at(at + delay, Due::RefundStep(Id::new(id)));
    }
}

fn rank(s: RefundStatus) -> u8 {
    match s {
        RefundStatus::Queued => 0,
        RefundStatus::Pending => 1,
        RefundStatus::Processing => 2,
        RefundStatus::Refunded | RefundStatus::Failed | RefundStatus::Canceled => 3,
    }
}

/// Moves a refund forward to `to` (never back, never out of a final
/// status; `canceled` only while queued or pending), keeps the payment's
/// totals, and calls its webhook for processing, refunded and failed.
pub fn set_refund_status(
    app: &App,
    account: &Account,
    data: &mut Data,
    id: &str,
    to: RefundStatus,
) -> Result<()> {
    let r = data
        .refunds
        .get_mut(id)
        .ok_or_else(|| ApiError::not_found("refund", id))?;
    let from = r.status;
    if from == to && !from.is_final() {
        return Ok(());
    }
    if from.is_final() {
        return Err(ApiError::unprocessable(format!(
            "The refund is {} already; a final status cannot change (to {}).",
            from.as_str(),
            to.as_str()
        ))
        .with_field("status"));
    }
    if to == RefundStatus::Canceled && !from.is_cancelable() {
        return Err(ApiError::unprocessable(format!(
            "The refund is {} and can no longer be canceled.",
            from.as_str()
        ))
        .with_field("status"));
    }
    if rank(to) < rank(from) {
        return Err(ApiError::unprocessable(format!(
            "The refund status cannot change from {} to {}.",
            from.as_str(),
            to.as_str()
        ))
        .with_field("status"));
    }
    r.status = to;
    let payment = r.payment_id.clone();
    // A step still booked for a refund that is final finds nothing to do;
    // leaving it costs less than a scan of the schedule per refund.
    // Queued, pending, processing and refunded all count towards the
    // payment's total: only a refund that fails or is canceled changes it,
    // and a recount walks every refund of the payment.
    if from.counts() != to.counts() {
        data.settle_totals(&payment);
    }
    if to.calls_webhook() {
        call_webhook(app, account, data, &payment);
    }
    Ok(())
}

/// A capture settles: `succeeded` makes its payment paid (the payment's
/// webhook then fires as for any payment), `failed` leaves the payment
/// authorized and calls the webhook.
pub fn settle_capture(
    app: &App,
    account: &Account,
    data: &mut Data,
    id: &str,
    to: CaptureStatus,
) -> Result<()> {
    let c = data
        .captures
        .get_mut(id)
        .ok_or_else(|| ApiError::not_found("capture", id))?;
    if c.status == to {
        return Ok(());
    }
    if c.status != CaptureStatus::Pending || to == CaptureStatus::Pending {
        return Err(ApiError::unprocessable(format!(
            "The capture is {} already; its status cannot change (to {}).",
            c.status.as_str(),
            to.as_str()
        ))
        .with_field("status"));
    }
    c.status = to;
    let payment = c.payment_id.clone();
    data.settle_totals(&payment);
    let authorized = data
        .payments
        .get(&payment)
        .is_some_and(|p| p.status == PaymentStatus::Authorized);
    match to {
        CaptureStatus::Succeeded if authorized => {
            crate::lifecycle::set_status(app, account, data, &payment, PaymentStatus::Paid, None)?;
        }
        _ => call_webhook(app, account, data, &payment),
    }
    Ok(())
}

/// A new capture settles after the capture delay (at once when it is 0).
pub fn start_capture(app: &App, account: &Account, data: &mut Data, id: &str, now: i64) {
    let delay = capture_delay(app, data);
    if delay == 0 {
        let _ = settle_capture(app, account, data, id, CaptureStatus::Succeeded);
    } else {
        data.schedule_at(now + delay, Due::CaptureSettle(Id::new(id)));
    }
}

/// `captureDelay` has passed: Mollie captures the whole amount, unless the
/// merchant captured (or released) meanwhile.
pub fn auto_capture(app: &App, account: &Account, data: &mut Data, payment: &str, at: i64) {
    let Some(p) = data.payments.get(payment) else {
        return;
    };
    let pending = Data::of_payment(&data.captures, &data.payment_captures, payment)
        .any(|c| c.status == CaptureStatus::Pending);
    if p.status != PaymentStatus::Authorized || pending {
        return;
    }
    let amount = p.amount.clone();
    let capture = Capture {
        id: data.new_capture_id(at),
        payment_id: Id::new(payment),
        created_at: at,
        amount,
        description: None,
        metadata: None,
        status: CaptureStatus::Pending,
    };
    let id = capture.id.clone();
    data.insert_capture(capture);
    let _ = settle_capture(app, account, data, &id, CaptureStatus::Succeeded);
}

/// An authorization not captured by `captureBefore` expires.
pub fn authorization_expired(app: &App, account: &Account, data: &mut Data, payment: &str) {
    let authorized = data
        .payments
        .get(payment)
        .is_some_and(|p| p.status == PaymentStatus::Authorized);
    if authorized {
        let _ =
            crate::lifecycle::set_status(app, account, data, payment, PaymentStatus::Expired, None);
    }
}

/// What a payment's status change means here (called by
/// [`crate::lifecycle::set_status`]): an authorization books its expiry and
/// its delayed capture; totals follow.
pub fn status_changed(data: &mut Data, id: &str, to: PaymentStatus, now: i64) {
    if to == PaymentStatus::Authorized {
        // An authorization no longer expires at `expiresAt`, but at
        // `captureBefore`.
        data.unschedule_expiry(id);
        let (before, delay) = match data.payments.get(id) {
            Some(p) => (
                p.money.capture_before,
                p.money.capture_delay.as_ref().map(|d| d.1),
            ),
            None => return,
        };
        if let Some(at) = before {
            data.schedule_at(at, Due::AuthorizationExpiry(Id::new(id)));
        }
        if let Some(secs) = delay {
            data.schedule_at(now + secs, Due::AutoCapture(Id::new(id)));
        }
    }
    // Leaving `authorized` leaves its expiry and delayed capture booked:
    // each checks that the payment is still authorized when it comes.
    data.settle_totals(id);
}

/// Makes a chargeback of a paid payment now (`amount`: all that is not
/// charged back yet when left out); the payment's webhook is called. The
/// sandbox route, the checkout page's Chargeback outcome and a scenario's
/// `chargebacks` all come here.
pub fn charge_back(
    app: &App,
    account: &Account,
    data: &mut crate::store::Data,
    payment_id: &str,
    amount: Option<crate::http::request::Field<'_>>,
    reason: Option<(SmolStr, Box<str>)>,
) -> Result<Id> {
    let now = account.clock.now();
    let p = data
        .payments
        .get(payment_id)
        .ok_or_else(|| ApiError::not_found("payment", payment_id))?;
    if p.status != PaymentStatus::Paid {
        return Err(ApiError::unprocessable(format!(
            "Only paid payments can be charged back; this one is {}",
            p.status.as_str()
        )));
    }
    let left = crate::validate::minor_units(&p.amount).saturating_sub(p.money.charged_back);
    if left == 0 {
        return Err(
            ApiError::unprocessable("The payment has been charged back in full already")
                .with_field("amount"),
        );
    }
    let amount = crate::validate::amount_for(
        amount,
        p,
        left,
        "The amount is higher than what can still be charged back",
    )?;
    let chargeback = Chargeback {
        id: data.new_chargeback_id(now),
        payment_id: Id::new(payment_id),
        created_at: now,
        amount,
        reason,
        reversed_at: None,
    };
    let id = chargeback.id.clone();
    data.insert_chargeback(chargeback);
    chargeback_changed(app, account, data, payment_id);
    Ok(id)
}

/// A payment just paid: the chargebacks the account's scenario scripts for
/// its amount ("every paid payment of 66.66 EUR is charged back").
pub fn scripted_chargebacks(app: &App, account: &Account, data: &mut Data, payment: &str) {
    let Some(scenario) = account
        .scenarios
        .active()
        .or_else(|| app.scenarios.server_default().cloned())
    else {
        return;
    };
    let Some(p) = data.payments.get(payment) else {
        return;
    };
    let amount = p.amount.clone();
    for rule in scenario.chargebacks.iter().filter(|r| r.amount == amount) {
        let _ = charge_back(app, account, data, payment, None, rule.reason.clone());
    }
}

/// Calls the payment's webhook for a chargeback received or reversed.
pub fn chargeback_changed(app: &App, account: &Account, data: &mut Data, payment: &str) {
    data.settle_totals(payment);
    call_webhook(app, account, data, payment);
}

/// Seconds per refund step for objects loaded from a fixture or a state
/// file without `refundDelay` (the flag's default).
pub const DEFAULT_REFUND_DELAY: u64 = 2;

/// After a load: unfinished refunds and captures, and authorizations,
/// get their events back on the clock.
pub fn book_loaded(data: &mut Data) {
    let delay = data.refund_delay.unwrap_or(DEFAULT_REFUND_DELAY) as i64;
    let refunds: Vec<(i64, Id)> = data
        .refunds
        .iter()
        .filter(|r| !r.status.is_final())
        .map(|r| (r.created_at + delay, r.id.clone()))
        .collect();
    for (at, id) in refunds {
        data.schedule_at(at, Due::RefundStep(id));
    }
    let captures: Vec<(i64, Id)> = data
        .captures
        .iter()
        .filter(|c| c.status == CaptureStatus::Pending)
        .map(|c| (c.created_at + delay.min(1), c.id.clone()))
        .collect();
    for (at, id) in captures {
        data.schedule_at(at, Due::CaptureSettle(id));
    }
    let mut authorized = Vec::new();
    for p in data.payments.values_mut() {
        if p.status != PaymentStatus::Authorized {
            continue;
        }
        let since = p.authorized_at.unwrap_or(p.created_at);
        let before = *p
            .money
            .capture_before
            .get_or_insert(since + crate::store::capture::authorization_window(p.method));
        authorized.push((
            p.id.clone(),
            before,
            p.money.capture_delay.as_ref().map(|d| since + d.1),
        ));
    }
    let settled: Vec<Id> = data
        .payments
        .iter()
        .filter(|p| p.authorized_at.is_some())
        .map(|p| p.id.clone())
        .collect();
    for id in settled {
        data.settle_totals(&id);
    }
    for (id, before, capture_at) in authorized {
        data.unschedule_expiry(&id);
        data.schedule_at(before, Due::AuthorizationExpiry(id.clone()));
        if let Some(at) = capture_at {
            data.schedule_at(at, Due::AutoCapture(id));
        }
    }
}
