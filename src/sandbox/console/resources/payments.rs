//! Payments in the console: id, amount, status, method, description, customer.

use super::{scan, Resource, Rows, Search};
use crate::sandbox::console::html;
use crate::store::{Data, Payment};

pub const TABLE: Resource = Resource {
    name: "payments",
    title: "Payments",
    columns: &[
        "Payment",
        "Created",
        "Amount",
        "Status",
        "Method",
        "Description",
        "Customer",
    ],
    statuses: &[
        "open",
        "pending",
        "authorized",
        "paid",
        "failed",
        "canceled",
        "expired",
    ],
    rows,
    controls: None,
};

fn rows(data: &Data, search: &Search) -> Rows {
    scan(
        data.payments.iter().rev(),
        data.payments.len(),
        search,
        |p: &Payment| &p.id,
        |p| {
            format!(
                "{} {} {} {} {} {} {}",
                p.id,
                p.description,
                p.amount.value,
                p.amount.currency,
                p.method.unwrap_or_default(),
                p.customer_id.as_deref().unwrap_or_default(),
                p.status.as_str()
            )
        },
        |p| p.status.as_str(),
        row,
    )
}

/// One payment's cells (the subscription page lists its payments alike).
pub fn row(p: &Payment) -> Vec<String> {
    vec![
        html::link(&format!("payments/{}", p.id), &p.id),
        html::time(p.created_at),
        html::text(&format!("{} {}", p.amount.currency, p.amount.value)),
        html::chip(p.status.as_str()),
        html::opt(p.method),
        html::text(&p.description),
        p.customer_id
            .as_deref()
            .map(|c| html::link(&format!("payments?q={c}"), c))
            .unwrap_or_else(|| "—".to_owned()),
    ]
}
