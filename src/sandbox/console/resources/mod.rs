//! The account's objects as searchable, paged tables: one [`Resource`] per
//! kind of object, each in its own file. A new resource is one file and one
//! line in [`RESOURCES`]; the navigation, search form, pager and status
//! filter come from here.

mod captures;
pub mod chargebacks;
mod customers;
mod mandates;
pub mod payments;
mod refunds;
mod subscriptions;

use std::fmt::Write as _;

use super::html::{self, esc};
use crate::http::request::Query;
use crate::store::Data;

pub struct Resource {
    /// The route (`#/payments`) and the navigation entry.
    pub name: &'static str,
    pub title: &'static str,
    pub columns: &'static [&'static str],
    /// Values of the status filter; empty when the object has no status.
    pub statuses: &'static [&'static str],
    /// A page of rows, newest first.
    pub rows: fn(&Data, &Search) -> Rows,
    /// What the panel shows above its table: settings of the account that
    /// apply to every object of the kind, with their buttons.
    pub controls: Option<fn(&Data) -> String>,
}

pub const RESOURCES: &[Resource] = &[
    payments::TABLE,
    customers::TABLE,
    mandates::TABLE,
    subscriptions::TABLE,
    refunds::TABLE,
    chargebacks::TABLE,
    captures::TABLE,
];

pub fn find(name: &str) -> Option<&'static Resource> {
    RESOURCES.iter().find(|r| r.name == name)
}

/// Rows shown per page.
pub const PAGE: usize = 25;

pub struct Search<'a> {
    /// Lowercase text searched for in ids and the shown fields.
    pub text: Option<String>,
    pub status: Option<&'a str>,
    /// The id of the first row of the page.
    pub from: Option<&'a str>,
}

pub struct Rows {
    pub rows: Vec<Vec<String>>,
    /// The id that starts the next page.
    pub next: Option<String>,
    /// Objects of this kind in the account, before any search.
    pub total: usize,
}

/// Newest first: skips to `from`, keeps what matches, stops after a page.
pub fn scan<'a, T: 'a>(
    items: impl Iterator<Item = &'a T>,
    total: usize,
    search: &Search,
    id: impl Fn(&T) -> &str,
    haystack: impl Fn(&T) -> String,
    status: impl Fn(&T) -> &str,
    row: impl Fn(&T) -> Vec<String>,
) -> Rows {
    let mut started = search.from.is_none();
    let mut rows = Vec::new();
    let mut next = None;
    for item in items {
        if !started {
            if id(item) != search.from.unwrap_or_default() {
                continue;
            }
            started = true;
        }
        if search.status.is_some_and(|s| s != status(item)) {
            continue;
        }
        if let Some(text) = &search.text {
            if !haystack(item).to_lowercase().contains(text.as_str()) {
                continue;
            }
        }
        if rows.len() == PAGE {
            next = Some(id(item).to_owned());
            break;
        }
        rows.push(row(item));
    }
    Rows { rows, next, total }
}

/// The panel: heading, search form, table, pager.
pub fn panel(resource: &Resource, data: &Data, query: &Query) -> String {
    let q = query.get("q").map(str::trim).filter(|q| !q.is_empty());
    let status = query.get("status").filter(|s| !s.is_empty());
    let search = Search {
        text: q.map(str::to_lowercase),
        status,
        from: query.get("from").filter(|s| !s.is_empty()),
    };
    let rows = (resource.rows)(data, &search);
    let mut out = String::new();
    let _ = write!(
        out,
        "<section aria-labelledby=\"h-{name}\"><h2 id=\"h-{name}\">{title} <small>{total} in this account</small></h2>",
        name = resource.name,
        title = esc(resource.title),
        total = rows.total
    );
    if let Some(controls) = resource.controls {
        out.push_str(&controls(data));
    }
    let _ = write!(
        out,
        "<form class=\"search\" role=\"search\" data-route=\"{name}\">\
         <label>Search <input type=\"search\" name=\"q\" value=\"{q}\" placeholder=\"id, name, description…\"></label>",
        name = resource.name,
        q = esc(q.unwrap_or_default())
    );
    if !resource.statuses.is_empty() {
        out.push_str("<label>Status <select name=\"status\"><option value=\"\">any</option>");
        for s in resource.statuses {
            let selected = if status == Some(*s) { " selected" } else { "" };
            let _ = write!(out, "<option{selected}>{}</option>", esc(s));
        }
        out.push_str("</select></label>");
    }
    out.push_str("<button type=\"submit\">Search</button></form>");
    out.push_str(&html::table(
        resource.title,
        resource.columns,
        &rows.rows,
        "Nothing here yet.",
    ));
    out.push_str("<nav class=\"pager\" aria-label=\"Pages\">");
    if search.from.is_some() {
        let first = html::query(&[("q", q), ("status", status)]);
        let _ = write!(
            out,
            "{}",
            html::link(&format!("{}{first}", resource.name), "First page")
        );
    }
    if let Some(next) = &rows.next {
        let more = html::query(&[("q", q), ("status", status), ("from", Some(next))]);
        let _ = write!(
            out,
            "{}",
            html::link(&format!("{}{more}", resource.name), "Next page")
        );
    }
    out.push_str("</nav></section>");
    out
}
