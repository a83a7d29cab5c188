//! The request journal, live: a filter form and the newest entries; the
//! page's script asks for rows `after` the newest it shows, once a second,
//! and each entry opens to its request and response bodies (kept only with
//! `--journal-bodies`).

use std::fmt::Write as _;

use super::html::{self, esc};
use crate::app::App;
use crate::error::{ApiError, Result};
use crate::http::request::Query;
use crate::journal::{time_text, Entry};
use crate::sandbox::control::journal_filter;
use crate::store::Account;

/// Entries on the first render; polling adds the newer ones above.
const SHOWN: usize = 100;

pub const COLUMNS: &[&str] = &[
    "#",
    "Time",
    "Method",
    "Path",
    "Status",
    "ms",
    "Scenario rules",
];

pub fn panel(account: &Account, query: &Query) -> Result<String> {
    let mut filter = journal_filter(query)?;
    filter.limit = Some(SHOWN);
    let listing = account.journal.list(&filter);
    let newest = listing.entries.first().map_or(0, |e| e.id);
    let value = |name: &str| esc(query.get(name).unwrap_or_default()).into_owned();
    let mut out = String::new();
    out.push_str(
        "<section aria-labelledby=\"h-journal\"><h2 id=\"h-journal\">Requests <small>live</small></h2>",
    );
    out.push_str("<form class=\"search\" role=\"search\" data-route=\"journal\">");
    out.push_str("<label>Method <select name=\"method\"><option value=\"\">any</option>");
    for m in ["GET", "POST", "PATCH", "DELETE", "PUT"] {
        let selected = if query.get("method") == Some(m) {
            " selected"
        } else {
            ""
        };
        let _ = write!(out, "<option{selected}>{m}</option>");
    }
    out.push_str("</select></label>");
    let _ = write!(
        out,
        "<label>Path starts with <input name=\"path\" value=\"{}\" placeholder=\"/v2/payments\"></label>\
         <label>Status <input name=\"status\" value=\"{}\" placeholder=\"503, 5xx, fault\" size=\"8\"></label>\
         <label>Scenario rule <input name=\"rule\" value=\"{}\" size=\"12\"></label>\
         <button type=\"submit\">Filter</button></form>",
        value("path"),
        value("status"),
        value("rule")
    );
    let _ = write!(
        out,
        "<p class=\"muted\">{} kept, {} dropped (oldest first). Open an entry for its bodies.</p>",
        listing.kept, listing.dropped
    );
    out.push_str("<div class=\"scroll\"><table class=\"journal\"><caption class=\"sr-only\">Requests, newest first</caption><thead><tr>");
    for c in COLUMNS {
        let _ = write!(out, "<th scope=\"col\">{c}</th>");
    }
    let _ = write!(
        out,
        "</tr></thead><tbody id=\"journal-rows\" data-after=\"{newest}\">"
    );
    for e in &listing.entries {
        out.push_str(&row(e));
    }
    out.push_str("</tbody></table></div></section>");
    Ok(out)
}

/// Rows newer than `after` (the same filters), newest first: what polling adds.
pub fn rows(account: &Account, query: &Query) -> Result<String> {
    let mut filter = journal_filter(query)?;
    if filter.after.is_none() {
        return Err(ApiError::bad_request("after is required").with_field("after"));
    }
    filter.limit = Some(SHOWN);
    let listing = account.journal.list(&filter);
    Ok(listing.entries.iter().map(row).collect())
}

fn row(e: &Entry) -> String {
    let status = match (e.status, e.fault) {
        (Some(s), _) => html::chip(&s.to_string()),
        (None, Some(f)) => format!("{} {}", html::chip("fault"), esc(f)),
        (None, None) => html::chip("fault"),
    };
    let path = match e.query() {
        Some(q) => format!("{}?{q}", e.path()),
        None => e.path().to_owned(),
    };
    let rules: Vec<&str> = e.rules().collect();
    let rules = if rules.is_empty() {
        String::new()
    } else {
        format!(
            "{}: {}",
            esc(e.scenario().unwrap_or_default()),
            esc(&rules.join(", "))
        )
    };
    format!(
        "<tr data-id=\"{id}\"><td><details data-entry=\"{id}\"><summary>{id}</summary><div class=\"bodies\"></div></details></td>\
         <td><time datetime=\"{time}\">{shown}</time></td><td>{method}</td><td class=\"path\">{path}</td><td>{status}</td><td>{ms}</td><td>{rules}</td></tr>",
        id = e.id,
        time = esc(&time_text(e.time)),
        shown = e.time.strftime("%H:%M:%S%.3f"),
        method = esc(e.method()),
        path = esc(&path),
        ms = e.latency_ms,
    )
}

/// One entry's bodies.
pub fn entry(app: &App, account: &Account, id: &str) -> Result<String> {
    let missing = || ApiError::new(404, format!("No journal entry exists with id {id}."));
    let n = id.parse::<u64>().map_err(|_| missing())?;
    let (entry, bodies) = account.journal.get(n).ok_or_else(missing)?;
    let mut out = String::new();
    if let Some(key) = entry.idempotency_key() {
        let _ = write!(out, "<p>Idempotency-Key {}</p>", html::code(key));
    }
    match bodies {
        Some(b) => {
            for (what, body, cut) in [
                ("Request body", &b.request, b.request_truncated),
                ("Response body", &b.response, b.response_truncated),
            ] {
                let text = String::from_utf8_lossy(body);
                let shown = pretty(&text);
                let note = if cut { " (cut)" } else { "" };
                let _ = write!(
                    out,
                    "<h4>{what}{note}</h4><pre>{}</pre>",
                    if shown.is_empty() { "(empty)".into() } else { esc(&shown) }
                );
            }
        }
        None if app.config.journal_bodies => out.push_str("<p class=\"muted\">No bodies kept for this entry (they are bounded; older ones go first).</p>"),
        None => out.push_str("<p class=\"muted\">Bodies are kept only when the sandbox runs with <code>--journal-bodies</code>.</p>"),
    }
    Ok(out)
}

/// JSON indented, anything else as it came.
fn pretty(text: &str) -> String {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| text.to_owned())
}
