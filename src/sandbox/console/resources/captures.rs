//! Captures in the console: id, payment, amount, status, description.

use super::{scan, Resource, Rows, Search};
use crate::sandbox::console::html;
use crate::store::{Capture, Data};

pub const TABLE: Resource = Resource {
    name: "captures",
    title: "Captures",
    columns: &[
        "Capture",
        "Created",
        "Payment",
        "Amount",
        "Status",
        "Description",
    ],
    statuses: &["pending", "succeeded", "failed"],
    rows,
    controls: None,
};

fn rows(data: &Data, search: &Search) -> Rows {
    scan(
        data.captures.iter().rev(),
        data.captures.len(),
        search,
        |c: &Capture| &c.id,
        |c| {
            format!(
                "{} {} {} {} {}",
                c.id,
                c.payment_id,
                c.amount.value,
                c.amount.currency,
                c.description.as_deref().unwrap_or_default()
            )
        },
        |c| c.status.as_str(),
        |c| {
            vec![
                html::code(&c.id),
                html::time(c.created_at),
                html::link(&format!("payments/{}", c.payment_id), &c.payment_id),
                html::text(&format!("{} {}", c.amount.currency, c.amount.value)),
                html::chip(c.status.as_str()),
                html::opt(c.description.as_deref()),
            ]
        },
    )
}
