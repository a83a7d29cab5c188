//! What a subscription does when its payment date comes ([`charge`], fired
//! by the scheduler): a recurring payment on its mandate, with the
//! subscription's amount, description, metadata and webhook; the outcome the
//! account, the subscription or a scenario rule chose; then the next date,
//! completion, or test mode's cancel after 10 charges. Each charge is
//! journaled as the request it stands for. [`payment_settled`] keeps the
//! count of failures in a row that suspends a subscription.

use hyper::{HeaderMap, Method};

use crate::app::App;
use crate::http::request::{Body, Query};
use crate::ids::Id;
use crate::lifecycle;
use crate::store::subscription::{MAX_FAILURES, TEST_MODE_CHARGES};
use crate::store::{
    Account, ChargeOutcome, Data, Mode, Payment, PaymentExtra, PaymentStatus, SequenceType,
    SubscriptionStatus,
};

/// The path a scenario rule matches to act on subscription charges (no API
/// endpoint takes a POST there): any rule that answers (a response or a
/// fault) makes the charge fail, so `after`/`times` pick the Nth charge.
pub fn scenario_path(customer: &str, subscription: &str) -> String {
    format!("/v2/customers/{customer}/subscriptions/{subscription}/payments")
}

/// What the scenario in force made of a charge: its name, the rules that
/// fired, and the status of the answer that fails the charge, if one did.
#[derive(Default)]
struct ScenarioCall {
    scenario: Option<String>,
    rules: Vec<String>,
    failed_with: Option<u16>,
}

/// Runs the charge past the scenario in force for the account.
fn scenario_call(app: &App, account: &Account, path: &str) -> ScenarioCall {
    let Some(scenario) = account
        .scenarios
        .active()
        .or_else(|| app.scenarios.server_default().cloned())
    else {
        return ScenarioCall::default();
    };
    let (query, body, headers) = (Query::default(), Body::default(), HeaderMap::new());
    let req = crate::scenario::Request {
        method: &Method::POST,
        path,
        query: &query,
        body: &body,
        headers: &headers,
    };
    let decision = account
        .scenarios
        .decide(&scenario, app.scenarios.seed(), &account.key, &req);
    ScenarioCall {
        scenario: Some(scenario.name.clone()),
        rules: decision.fired,
        failed_with: decision.answer.map(|a| match a {
            crate::scenario::Answer::Respond(reply) => reply.status,
            // A connection fault: the bank never answered.
            crate::scenario::Answer::Fault(_) => 504,
        }),
    }
}

/// The charge in the account's journal, as the request it stands for (the
/// scenario path), at the account clock's time: 201, or the scenario's
/// answer that failed it.
fn journal(app: &App, account: &Account, path: &str, now: i64, call: ScenarioCall) {
    let entry = crate::journal::Entry::new(crate::journal::Request {
        time: jiff::Timestamp::from_second(now).unwrap_or(jiff::Timestamp::UNIX_EPOCH),
        method: "POST",
        path,
        query: None,
        status: Some(call.failed_with.unwrap_or(201)),
        fault: None,
        latency: std::time::Duration::ZERO,
        scenario: call.scenario.as_deref(),
        rules: &call.rules,
        idempotency_key: None,
    });
    let (_, over) = account.journal.push(entry, None, app.config.journal_size);
    if over {
        crate::journal::trim(&app.registry);
    }
}

/// Whether test mode's cancel after [`TEST_MODE_CHARGES`] applies here.
fn test_mode_cancel(app: &App, account: &Account, data: &Data) -> bool {
    account.mode == Mode::Test
        && data
            .charges
            .test_mode_cancel
            .unwrap_or(!app.config.no_test_subscription_cancel)
}

/// Charges subscription `id` now, by the account's clock.
pub fn charge(app: &App, account: &Account, data: &mut Data, id: &str) {
    let now = account.clock.now();
    let Some(sub) = data.subscriptions.get(id) else {
        return;
    };
    if sub.status != SubscriptionStatus::Active {
        // Pending (mandate not yet valid) and suspended ones wait; the
        // date stays until the subscription changes.
        return;
    }
    let methods: Vec<&str> = sub.method.into_iter().collect();
    let mandate = data
        .mandate_for(&sub.customer_id, sub.mandate_id.as_deref(), &methods, false)
        .cloned();
    let Some(mandate) = mandate else {
        // Nothing left to charge: the mandate became invalid.
        if let Some(s) = data.subscriptions.get_mut(id) {
            s.status = SubscriptionStatus::Suspended;
        }
        return;
    };
    let sub = sub.clone();
    let path = scenario_path(&sub.customer_id, &sub.id);
    let call = scenario_call(app, account, &path);
    let outcome = if call.failed_with.is_some() {
        ChargeOutcome::Failed
    } else {
        sub.outcome.unwrap_or(data.charges.outcome)
    };
    journal(app, account, &path, now, call);
    let payment_id = data.new_payment_id(now);
    let details = if mandate.method == "directdebit" {
        lifecycle::direct_debit_details(data, &mandate, now)
    } else {
        None
    };
    let payment = Payment {
        id: payment_id.clone(),
        created_at: now,
        amount: sub.amount.clone(),
        description: sub.description.clone(),
        method: Some(mandate.method),
        method_choices: Box::new([mandate.method]),
        metadata: sub.metadata.clone(),
        status: if mandate.method == "directdebit" {
            PaymentStatus::Pending
        } else {
            PaymentStatus::Open
        },
        expires_at: None,
        authorized_at: None,
        paid_at: None,
        canceled_at: None,
        expired_at: None,
        failed_at: None,
        locale: None,
        country_code: None,
        restrict_to_country: None,
        customer_id: Some(sub.customer_id.clone()),
        mandate_id: Some(mandate.id.clone()),
        subscription_id: Some(sub.id.clone()),
        profile_id: None,
        sequence_type: SequenceType::Recurring,
        redirect_url: None,
        cancel_url: None,
        webhook_url: sub.webhook_url.clone(),
        details,
        money: Default::default(),
        // "Applied on each payment created for the subscription" (docs).
        extra: sub.application_fee.clone().map(|fee| {
            Box::new(PaymentExtra {
                application_fee: Some(fee),
                ..PaymentExtra::default()
            })
        }),
    };
    data.insert_payment(payment);
    let auto_cancel = test_mode_cancel(app, account, data);
    if let Some(s) = data.subscriptions.get_mut(id) {
        s.charges += 1;
        s.since_anchor += 1;
        let done = s.times.is_some_and(|t| s.charges >= t);
        if done {
            s.status = SubscriptionStatus::Completed;
            s.next_payment_date = None;
        } else if auto_cancel && s.charges >= TEST_MODE_CHARGES {
            s.status = SubscriptionStatus::Canceled;
            s.canceled_at = Some(now);
            s.next_payment_date = None;
        } else {
            s.next_payment_date = Some(s.following_date());
        }
    }
    data.schedule_charge(id);
    match outcome {
        ChargeOutcome::Paid => {
            let _ =
                lifecycle::set_status(app, account, data, &payment_id, PaymentStatus::Paid, None);
        }
        ChargeOutcome::Failed => {
            let _ =
                lifecycle::set_status(app, account, data, &payment_id, PaymentStatus::Failed, None);
        }
        ChargeOutcome::Pending => {
            if let Some(p) = data.payments.get_mut(&payment_id) {
                p.status = PaymentStatus::Pending;
            }
        }
    }
}

/// A subscription payment reached `status`: failures in a row suspend the
/// subscription after [`MAX_FAILURES`]; a paid one starts the count again.
pub fn payment_settled(data: &mut Data, subscription: &Id, status: PaymentStatus) {
    let Some(s) = data.subscriptions.get_mut(subscription) else {
        return;
    };
    match status {
        PaymentStatus::Paid => s.failures = 0,
        PaymentStatus::Failed => {
            s.failures += 1;
            if s.failures >= MAX_FAILURES && s.status == SubscriptionStatus::Active {
                s.status = SubscriptionStatus::Suspended;
                data.unschedule_charge(subscription);
            }
        }
        _ => {}
    }
}
