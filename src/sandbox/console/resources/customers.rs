//! Customers in the console: id, name, email, locale; a link to their payments.

use super::{scan, Resource, Rows, Search};
use crate::sandbox::console::html;
use crate::store::{Customer, Data};

pub const TABLE: Resource = Resource {
    name: "customers",
    title: "Customers",
    columns: &["Customer", "Created", "Name", "Email", "Locale", "Objects"],
    statuses: &[],
    rows,
    controls: None,
};

fn rows(data: &Data, search: &Search) -> Rows {
    scan(
        data.customers.iter().rev(),
        data.customers.len(),
        search,
        |c: &Customer| &c.id,
        |c| {
            format!(
                "{} {} {}",
                c.id,
                c.name.as_deref().unwrap_or_default(),
                c.email.as_deref().unwrap_or_default()
            )
        },
        |_| "",
        |c| {
            vec![
                html::code(&c.id),
                html::time(c.created_at),
                html::opt(c.name.as_deref()),
                html::opt(c.email.as_deref()),
                html::opt(c.locale),
                format!(
                    "{} · {}",
                    html::link(&format!("payments?q={}", c.id), "payments"),
                    html::link(&format!("mandates?q={}", c.id), "mandates")
                ),
            ]
        },
    )
}
