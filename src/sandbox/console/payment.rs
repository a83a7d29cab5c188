//! A payment's page: its facts, the buttons that move it on, and its
//! timeline (created, each status change, every webhook attempt with the
//! receiver's answer and the next retry).

use std::fmt::Write as _;

use super::actions;
use super::after_sales;
use super::html::{self, esc};
use crate::app::App;
use crate::error::{ApiError, Result};
use crate::store::Account;
use crate::views::{PaymentLinks, PaymentView, Render};
use crate::webhooks::Attempt;

pub fn page(app: &App, account: &Account, base: &str, id: &str) -> Result<String> {
    let data = account.data.read();
    let p = data
        .payments
        .get(id)
        .ok_or_else(|| ApiError::not_found("payment", id))?;
    let attempts = app.webhooks.attempts(&account.key, Some(id));
    let mut out = String::new();
    let _ = write!(
        out,
        "<section aria-labelledby=\"h-payment\"><p>{}</p><h2 id=\"h-payment\">Payment {} {}</h2>",
        html::link("payments", "← All payments"),
        esc(&p.id),
        html::chip(p.status.as_str())
    );
    let facts: [(&str, String); 10] = [
        (
            "Amount",
            html::text(&format!("{} {}", p.amount.currency, p.amount.value)),
        ),
        ("Description", html::text(&p.description)),
        ("Method", html::opt(p.method)),
        ("Sequence", html::text(p.sequence_type.as_str())),
        (
            "Customer",
            p.customer_id
                .as_deref()
                .map(|c| html::link(&format!("payments?q={c}"), c))
                .unwrap_or_else(|| "—".to_owned()),
        ),
        ("Mandate", html::opt(p.mandate_id.as_deref())),
        (
            "Subscription",
            p.subscription_id
                .as_deref()
                .map(|s| html::link(&format!("subscriptions/{s}"), s))
                .unwrap_or_else(|| "—".to_owned()),
        ),
        ("Expires", html::opt_time(p.expires_at)),
        ("Webhook URL", html::opt(p.webhook_url.as_deref())),
        ("Redirect URL", html::opt(p.redirect_url.as_deref())),
    ];
    out.push_str(&html::facts(&facts));
    out.push_str("<h3>Actions</h3>");
    out.push_str(&actions::buttons(&actions::for_payment(p)));
    out.push_str("<h3>Timeline</h3><ol class=\"timeline\">");
    // Each event as HTML, sorted by time: the payment's own stamps, then
    // the money that moved after it (refunds, chargebacks, captures) with
    // the buttons that steer each.
    let mut events: Vec<(i64, String)> = vec![(p.created_at, html::text("Created"))];
    let stamps = [
        ("Authorized", p.authorized_at),
        ("Paid", p.paid_at),
        ("Canceled", p.canceled_at),
        ("Expired", p.expired_at),
        ("Failed", p.failed_at),
    ];
    for (what, at) in stamps {
        if let Some(at) = at {
            events.push((at, html::text(&format!("Status {}", what.to_lowercase()))));
        }
    }
    let of = |index: &crate::store::IdMap<_>| {
        index
            .get(id)
            .cloned()
            .unwrap_or_else(std::collections::BTreeSet::new)
    };
    for key in of(&data.payment_refunds) {
        if let Some(r) = data.refunds.by_key(&key) {
            events.push((r.created_at, after_sales::refund(r)));
        }
    }
    for key in of(&data.payment_chargebacks) {
        if let Some(c) = data.chargebacks.by_key(&key) {
            events.push((c.created_at, after_sales::chargeback(c)));
            if let Some(at) = c.reversed_at {
                events.push((at, html::text(&format!("Chargeback {} reversed", c.id))));
            }
        }
    }
    for key in of(&data.payment_captures) {
        if let Some(c) = data.captures.by_key(&key) {
            events.push((c.created_at, after_sales::capture(c)));
        }
    }
    events.sort_by_key(|(at, _)| *at);
    for (at, what) in &events {
        let _ = write!(out, "<li>{} <span>{what}</span></li>", html::time(*at));
    }
    for a in &attempts {
        out.push_str(&attempt(a));
    }
    out.push_str("</ol>");
    if attempts.is_empty() {
        out.push_str("<p class=\"muted\">No webhook attempt yet.</p>");
    }
    let render = Render {
        base,
        mode: account.mode,
        profile_id: &account.profile_id,
        testmode_links: false,
        page_token: &account.page_token,
    };
    let view = PaymentView {
        payment: p,
        render,
        links: Some(PaymentLinks {
            documentation: None,
        }),
        embedded: None,
    };
    out.push_str(&html::as_api(&view));
    out.push_str("</section>");
    Ok(out)
}

/// One webhook attempt as a timeline entry, with a resend button.
pub fn attempt(a: &Attempt) -> String {
    let answer = match (a.status, &a.error) {
        (_, Some(e)) => format!("{} {}", html::chip("error"), esc(e)),
        (Some(s), None) => format!("answered {}", html::chip(&s.to_string())),
        (None, None) => "no answer".to_owned(),
    };
    let next = a
        .next_attempt_at
        .as_deref()
        .map(|n| format!(" · next retry <time datetime=\"{0}\">{0}</time>", esc(n)))
        .unwrap_or_default();
    let resend = actions::Action::new(
        "Resend",
        "POST",
        format!("/_sandbox/webhooks/{}/resend", a.delivery_id),
    );
    format!(
        "<li class=\"hook\"><time datetime=\"{at}\">{shown}</time> <span>Webhook {delivery} attempt {n} to {url}: {answer} ({ms} ms){next}</span> {button}</li>",
        at = esc(&a.at),
        shown = esc(&a.at.get(..19).unwrap_or(&a.at).replace('T', " ")),
        delivery = esc(&a.delivery_id),
        n = a.attempt,
        url = esc(&a.url),
        ms = a.latency_ms,
        button = resend.button()
    )
}
