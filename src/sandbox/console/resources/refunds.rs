//! Refunds in the console: id, payment, amount, status, description.

use super::{scan, Resource, Rows, Search};
use crate::sandbox::console::html;
use crate::store::{Data, Refund};

pub const TABLE: Resource = Resource {
    name: "refunds",
    title: "Refunds",
    columns: &[
        "Refund",
        "Created",
        "Payment",
        "Amount",
        "Status",
        "Description",
    ],
    statuses: &[
        "queued",
        "pending",
        "processing",
        "refunded",
        "failed",
        "canceled",
    ],
    rows,
    controls: None,
};

fn rows(data: &Data, search: &Search) -> Rows {
    scan(
        data.refunds.iter().rev(),
        data.refunds.len(),
        search,
        |r: &Refund| &r.id,
        |r| {
            format!(
                "{} {} {} {} {}",
                r.id, r.payment_id, r.amount.value, r.amount.currency, r.description
            )
        },
        |r| r.status.as_str(),
        |r| {
            vec![
                html::code(&r.id),
                html::time(r.created_at),
                html::link(&format!("payments/{}", r.payment_id), &r.payment_id),
                html::text(&format!("{} {}", r.amount.currency, r.amount.value)),
                html::chip(r.status.as_str()),
                html::text(&r.description),
            ]
        },
    )
}
