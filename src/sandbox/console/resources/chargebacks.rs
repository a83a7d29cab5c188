//! Chargebacks in the console: id, payment, amount, reason, reversed.

use super::{scan, Resource, Rows, Search};
use crate::sandbox::console::html;
use crate::store::{Chargeback, Data};

pub const TABLE: Resource = Resource {
    name: "chargebacks",
    title: "Chargebacks",
    columns: &[
        "Chargeback",
        "Created",
        "Payment",
        "Amount",
        "Status",
        "Reason",
        "Reversed",
    ],
    // A chargeback has no status in the API; the console shows whether it
    // still stands.
    statuses: &["charged_back", "reversed"],
    rows,
    controls: None,
};

pub fn status(c: &Chargeback) -> &'static str {
    if c.reversed_at.is_some() {
        "reversed"
    } else {
        "charged_back"
    }
}

/// The bank's reason as one line: `AC01: Account identifier incorrect`,
/// or the code alone when it came without a description.
pub fn reason(c: &Chargeback) -> Option<String> {
    c.reason.as_ref().map(|(code, why)| {
        if why.is_empty() {
            code.to_string()
        } else {
            format!("{code}: {why}")
        }
    })
}

fn rows(data: &Data, search: &Search) -> Rows {
    scan(
        data.chargebacks.iter().rev(),
        data.chargebacks.len(),
        search,
        |c: &Chargeback| &c.id,
        |c| {
            let (code, why) = c
                .reason
                .as_ref()
                .map(|(code, why)| (code.as_str(), &**why))
                .unwrap_or_default();
            format!(
                "{} {} {} {} {code} {why}",
                c.id, c.payment_id, c.amount.value, c.amount.currency
            )
        },
        |c| status(c),
        |c| {
            vec![
                html::code(&c.id),
                html::time(c.created_at),
                html::link(&format!("payments/{}", c.payment_id), &c.payment_id),
                html::text(&format!("{} {}", c.amount.currency, c.amount.value)),
                html::chip(status(c)),
                html::opt(reason(c).as_deref()),
                html::opt_time(c.reversed_at),
            ]
        },
    )
}
