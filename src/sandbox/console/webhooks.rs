//! Webhook deliveries of the account, newest first, each attempt with the
//! receiver's answer and the next retry; a resend button per delivery.

use std::fmt::Write as _;

use super::html;
use super::payment::attempt;
use crate::app::App;
use crate::store::Account;

pub fn panel(app: &App, account: &Account) -> String {
    let attempts = app.webhooks.attempts(&account.key, None);
    let mut out = String::from(
        "<section aria-labelledby=\"h-webhooks\"><h2 id=\"h-webhooks\">Webhook deliveries</h2>",
    );
    let _ = write!(
        out,
        "<p class=\"muted\">{} attempts. A delivery is retried on Mollie's schedule until the receiver answers 200.</p>",
        attempts.len()
    );
    if attempts.is_empty() {
        out.push_str("<p>No webhook call yet: payments with a webhookUrl call it when their status changes.</p>");
    }
    out.push_str("<ol class=\"timeline\" reversed>");
    for a in attempts.iter().rev() {
        let _ = write!(
            out,
            "{}",
            attempt(a).replacen(
                "<span>",
                &format!(
                    "<span>{} · ",
                    html::link(&format!("payments/{}", a.payment_id), &a.payment_id)
                ),
                1
            )
        );
    }
    out.push_str("</ol></section>");
    out
}
