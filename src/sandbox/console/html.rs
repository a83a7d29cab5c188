//! The few HTML pieces the console's panels share. Every value from the
//! data goes through [`esc`] (it escapes `& < > " ' /`, so the result is
//! safe in text and in quoted attributes alike).

use std::borrow::Cow;
use std::fmt::Write as _;

use bytes::Bytes;
use hyper::header::{HeaderName, HeaderValue, CACHE_CONTROL};
use hyper::StatusCode;

use crate::clock::format_datetime;
use crate::http::response::{with_type, Resp};

pub fn esc(s: &str) -> Cow<'_, str> {
    html_escape::encode_safe(s)
}

/// An HTML answer that no cache keeps (it shows one account's data).
pub fn answer(html: impl Into<Bytes>) -> Resp {
    with_type(StatusCode::OK, "text/html; charset=utf-8", html)
        .header(CACHE_CONTROL, HeaderValue::from_static("no-store"))
}

/// What the shell page sends besides its body: no inline script or style
/// can run (so markup that slipped through escaping stays inert), no
/// framing, no referrer.
pub fn hardened(resp: Resp) -> Resp {
    let csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
               connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
    resp.header(
        HeaderName::from_static("content-security-policy"),
        HeaderValue::from_static(csp),
    )
    .header(
        HeaderName::from_static("x-frame-options"),
        HeaderValue::from_static("DENY"),
    )
    .header(
        HeaderName::from_static("referrer-policy"),
        HeaderValue::from_static("no-referrer"),
    )
    .header(
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    )
}

/// A status as a coloured chip; the colour class comes from a fixed list,
/// never from the data.
pub fn chip(status: &str) -> String {
    let class = match status {
        "paid" | "valid" | "active" | "success" | "completed" | "succeeded" | "refunded"
        | "charged_back" | "ok" | "activated" | "enabled" | "verified" => "good",
        "failed" | "canceled" | "expired" | "invalid" | "error" | "fault" | "suspended"
        | "rejected" | "blocked" | "disabled" => "bad",
        "open" | "pending" | "authorized" | "queued" | "processing" | "retrying" | "unverified" => {
            "wait"
        }
        s if s.starts_with("pending-") => "wait",
        s if s.starts_with('2') => "good",
        s if s.starts_with('4') || s.starts_with('5') => "bad",
        _ => "plain",
    };
    format!("<span class=\"chip chip-{class}\">{}</span>", esc(status))
}

/// An account-clock time (seconds) as `<time>`.
pub fn time(secs: i64) -> String {
    let text = format_datetime(secs);
    let shown = text.get(..19).unwrap_or(&text).replace('T', " ");
    format!("<time datetime=\"{}\">{}</time>", esc(&text), esc(&shown))
}

pub fn opt_time(secs: Option<i64>) -> String {
    secs.map(time).unwrap_or_else(|| "—".to_owned())
}

/// A link inside the console (a `#/…` route; the key never enters a URL).
pub fn link(route: &str, text: &str) -> String {
    format!("<a href=\"#/{}\">{}</a>", esc(route), esc(text))
}

pub fn text(s: &str) -> String {
    esc(s).into_owned()
}

pub fn opt(s: Option<&str>) -> String {
    s.map(text).unwrap_or_else(|| "—".to_owned())
}

pub fn code(s: &str) -> String {
    format!("<code>{}</code>", esc(s))
}

/// An object's facts as a definition list; values are HTML already.
pub fn facts(facts: &[(&str, String)]) -> String {
    let mut out = String::from("<dl class=\"facts\">");
    for (name, value) in facts {
        let _ = write!(out, "<div><dt>{}</dt><dd>{value}</dd></div>", esc(name));
    }
    out.push_str("</dl>");
    out
}

/// An object as the API renders it, folded away under the page.
pub fn as_api(view: &impl serde::Serialize) -> String {
    // Through a Value: views write themselves as compact text, which the
    // pretty printer would copy as it is.
    let json = serde_json::to_value(view)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_default();
    format!(
        "<details><summary>As the API renders it</summary><pre>{}</pre></details>",
        esc(&json)
    )
}

/// A table with a header row; `rows` hold cells that are HTML already.
pub fn table(caption: &str, columns: &[&str], rows: &[Vec<String>], empty: &str) -> String {
    let mut out = String::new();
    out.push_str("<div class=\"scroll\"><table>");
    let _ = write!(
        out,
        "<caption class=\"sr-only\">{}</caption><thead><tr>",
        esc(caption)
    );
    for c in columns {
        let _ = write!(out, "<th scope=\"col\">{}</th>", esc(c));
    }
    out.push_str("</tr></thead><tbody>");
    if rows.is_empty() {
        let _ = write!(
            out,
            "<tr><td colspan=\"{}\" class=\"empty\">{}</td></tr>",
            columns.len().max(1),
            esc(empty)
        );
    }
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td>{cell}</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    out
}

/// A query string of the non-empty pairs, for `#/` links.
pub fn query(pairs: &[(&str, Option<&str>)]) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            q.append_pair(k, v);
        }
    }
    let q = q.finish();
    if q.is_empty() {
        q
    } else {
        format!("?{q}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_everywhere() {
        assert_eq!(
            chip("<script>"),
            "<span class=\"chip chip-plain\">&lt;script&gt;</span>"
        );
        assert_eq!(link("x\"y", "<b>"), "<a href=\"#/x&quot;y\">&lt;b&gt;</a>");
        assert_eq!(query(&[("q", Some("a b&c")), ("from", None)]), "?q=a+b%26c");
        assert_eq!(chip("503"), "<span class=\"chip chip-bad\">503</span>");
    }
}
