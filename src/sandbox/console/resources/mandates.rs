//! Mandates in the console: id, customer, status, method, reference.

use super::{scan, Resource, Rows, Search};
use crate::sandbox::console::html;
use crate::store::{Data, Mandate};

pub const TABLE: Resource = Resource {
    name: "mandates",
    title: "Mandates",
    columns: &[
        "Mandate",
        "Created",
        "Customer",
        "Status",
        "Method",
        "Reference",
        "Revoked",
    ],
    statuses: &["valid", "pending", "invalid"],
    rows,
    controls: None,
};

fn rows(data: &Data, search: &Search) -> Rows {
    scan(
        data.mandates.iter().rev(),
        data.mandates.len(),
        search,
        |m: &Mandate| &m.id,
        |m| {
            format!(
                "{} {} {} {}",
                m.id,
                m.customer_id,
                m.method,
                m.mandate_reference.as_deref().unwrap_or_default()
            )
        },
        |m| m.status.as_str(),
        |m| {
            vec![
                html::code(&m.id),
                html::time(m.created_at),
                html::link(&format!("payments?q={}", m.customer_id), &m.customer_id),
                html::chip(m.status.as_str()),
                html::text(m.method),
                html::opt(m.mandate_reference.as_deref()),
                html::opt_time(m.revoked_at),
            ]
        },
    )
}
