//! A subscription's page: its facts (the next payment date among them),
//! the buttons that steer it (cancel; how its charges come out, over the
//! account's setting) and the payments it has made, newest first.
//!
//! The buttons call `POST /_sandbox/subscriptions/{id}/cancel` (the API's
//! cancel, for any account the console addresses) and
//! `PUT /_sandbox/subscriptions/{id}` (`chargeOutcome`, read by
//! [`crate::recurring`] when the clock makes the next charge).

use std::fmt::Write as _;

use serde_json::{json, Value};

use super::actions::{self, Action};
use super::html::{self, esc};
use crate::error::{ApiError, Result};
use crate::store::{Account, ChargeOutcome, Data, SubscriptionStatus};
use crate::views::{Render, SubscriptionView};

const OUTCOMES: [ChargeOutcome; 3] = [
    ChargeOutcome::Paid,
    ChargeOutcome::Pending,
    ChargeOutcome::Failed,
];

pub fn page(account: &Account, base: &str, id: &str) -> Result<String> {
    let data = account.data.read();
    let s = data
        .subscriptions
        .get(id)
        .ok_or_else(|| ApiError::not_found("subscription", id))?;
    let mut out = String::new();
    let _ = write!(
        out,
        "<section aria-labelledby=\"h-subscription\"><p>{}</p><h2 id=\"h-subscription\">Subscription {} {}</h2>",
        html::link("subscriptions", "← All subscriptions"),
        esc(&s.id),
        html::chip(s.status.as_str())
    );
    let outcome = match s.outcome {
        Some(o) => html::text(&format!("{} (this subscription's)", o.as_str())),
        None => html::text(&format!(
            "{} (the account's)",
            data.charges.outcome.as_str()
        )),
    };
    let times = s
        .times
        .map(|t| format!(" of {t}"))
        .unwrap_or_else(|| " (no end)".to_owned());
    let facts: [(&str, String); 12] = [
        (
            "Amount",
            html::text(&format!("{} {}", s.amount.currency, s.amount.value)),
        ),
        ("Description", html::text(&s.description)),
        (
            "Customer",
            html::link(&format!("payments?q={}", s.customer_id), &s.customer_id),
        ),
        ("Interval", html::text(&s.interval.text)),
        ("Start date", html::text(&s.start_date.to_string())),
        (
            "Next payment",
            html::opt(s.next_payment_date.map(|d| d.to_string()).as_deref()),
        ),
        ("Charges", html::text(&format!("{}{times}", s.charges))),
        ("Failed in a row", html::text(&s.failures.to_string())),
        ("Charge outcome", outcome),
        ("Canceled", html::opt_time(s.canceled_at)),
        ("Mandate", html::opt(s.mandate_id.as_deref())),
        ("Webhook URL", html::opt(s.webhook_url.as_deref())),
    ];
    out.push_str(&html::facts(&facts));
    out.push_str("<h3>Actions</h3>");
    let mut buttons = Vec::new();
    let ended = matches!(
        s.status,
        SubscriptionStatus::Canceled | SubscriptionStatus::Completed
    );
    // An ended subscription makes no more charges: nothing to steer.
    if !ended {
        buttons.push(
            Action::new(
                "Cancel subscription",
                "POST",
                format!("/_sandbox/subscriptions/{}/cancel", s.id),
            )
            .confirm("Cancel this subscription? It makes no more payments."),
        );
        let path = format!("/_sandbox/subscriptions/{}", s.id);
        for o in OUTCOMES {
            buttons.push(
                Action::new(format!("Charges {}", o.as_str()), "PUT", &path)
                    .body(json!({"chargeOutcome": o.as_str()})),
            );
        }
        if s.outcome.is_some() {
            buttons.push(
                Action::new("Charges as the account's", "PUT", &path)
                    .body(json!({"chargeOutcome": Value::Null})),
            );
        }
    }
    out.push_str(&actions::buttons(&buttons));
    out.push_str(
        "<p class=\"muted\">A charge is made when the clock reaches the next payment date \
         (the Clock panel advances it); its payment comes out as the charge outcome says.</p>",
    );
    out.push_str("<h3>Payments</h3>");
    out.push_str(&payments(&data, id));
    let render = Render::of(base, account, false);
    let view = SubscriptionView {
        subscription: s,
        render,
        links: Some(None),
        has_payments: data
            .subscription_payments
            .get(id)
            .is_some_and(|p| !p.is_empty()),
    };
    out.push_str(&html::as_api(&view));
    out.push_str("</section>");
    Ok(out)
}

/// The subscription's payments, newest first, as the payments table shows
/// them.
fn payments(data: &Data, id: &str) -> String {
    let rows: Vec<Vec<String>> = data
        .subscription_payments
        .get(id)
        .into_iter()
        .flatten()
        .rev()
        .filter_map(|k| data.payments.by_key(k))
        .map(super::resources::payments::row)
        .collect();
    html::table(
        "Payments of the subscription",
        super::resources::payments::TABLE.columns,
        &rows,
        "No payment yet: the first charge comes on the next payment date.",
    )
}

/// The account's charge outcome, above the subscriptions table: what
/// every subscription without its own setting gets
/// (`PUT /_sandbox/subscriptions`).
pub fn account_outcome(data: &Data) -> String {
    let mut out = format!(
        "<div class=\"outcome\"><p>Charges of this account's subscriptions come out {}; \
         a subscription's page sets its own.</p>",
        html::chip(data.charges.outcome.as_str())
    );
    let buttons: Vec<Action> = OUTCOMES
        .into_iter()
        .map(|o| {
            Action::new(
                format!("All charges {}", o.as_str()),
                "PUT",
                "/_sandbox/subscriptions",
            )
            .body(json!({"chargeOutcome": o.as_str()}))
        })
        .collect();
    out.push_str(&actions::buttons(&buttons));
    out.push_str("</div>");
    out
}
