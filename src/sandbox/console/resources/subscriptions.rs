//! Subscriptions in the console: id (to its page), customer, amount,
//! interval, status, next charge; above the table, the account's charge
//! outcome.

use super::{scan, Resource, Rows, Search};
use crate::sandbox::console::html;
use crate::store::{Data, Subscription};

pub const TABLE: Resource = Resource {
    name: "subscriptions",
    title: "Subscriptions",
    columns: &[
        "Subscription",
        "Created",
        "Customer",
        "Amount",
        "Interval",
        "Status",
        "Charges",
        "Next payment",
        "Description",
    ],
    statuses: &["pending", "active", "suspended", "completed", "canceled"],
    rows,
    controls: Some(crate::sandbox::console::subscription::account_outcome),
};

fn rows(data: &Data, search: &Search) -> Rows {
    scan(
        data.subscriptions.iter().rev(),
        data.subscriptions.len(),
        search,
        |s: &Subscription| &s.id,
        |s| {
            format!(
                "{} {} {} {} {}",
                s.id, s.customer_id, s.amount.value, s.amount.currency, s.description
            )
        },
        |s| s.status.as_str(),
        |s| {
            let times = s.times.map(|t| format!(" of {t}")).unwrap_or_default();
            vec![
                html::link(&format!("subscriptions/{}", s.id), &s.id),
                html::time(s.created_at),
                html::link(&format!("payments?q={}", s.customer_id), &s.customer_id),
                html::text(&format!("{} {}", s.amount.currency, s.amount.value)),
                html::text(&s.interval.text),
                html::chip(s.status.as_str()),
                html::text(&format!("{}{times}", s.charges)),
                html::opt(s.next_payment_date.map(|d| d.to_string()).as_deref()),
                html::text(&s.description),
            ]
        },
    )
}
