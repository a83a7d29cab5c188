//! The account's website profiles and, for each, the catalogue's methods
//! with their status there and whether this account's payments may use
//! them (what `GET /v2/profiles/me` and `GET /v2/methods` answer).

use std::fmt::Write as _;

use super::html;
use crate::catalogue::METHODS;
use crate::store::Account;

pub fn panel(account: &Account) -> String {
    let data = account.data.read();
    let mut out = String::from(
        "<section aria-labelledby=\"h-profiles\"><h2 id=\"h-profiles\">Profile and methods</h2>",
    );
    if let Some(org) = &data.organization {
        let _ = write!(out, "<p>Organization {}</p>", html::code(&org.id));
    }
    for p in &data.profiles {
        let own = if p.id == account.profile_id {
            " <small>this key's (<code>me</code>)</small>"
        } else {
            ""
        };
        let _ = write!(
            out,
            "<h3>{} {}{own}</h3>",
            html::code(&p.id),
            html::chip(&p.status)
        );
        let facts = [
            ("Name", html::text(&p.name)),
            ("Website", html::text(&p.website)),
            ("Email", html::text(&p.email)),
            ("Phone", html::text(&p.phone)),
            ("Category", html::text(&p.business_category)),
            ("Mode", html::text(p.mode.as_str())),
            ("Review", html::opt(p.review.as_deref())),
            ("Created", html::time(p.created_at)),
        ];
        out.push_str("<dl class=\"facts\">");
        for (name, value) in facts {
            let _ = write!(out, "<div><dt>{name}</dt><dd>{value}</dd></div>");
        }
        out.push_str("</dl>");
        let rows: Vec<Vec<String>> = METHODS
            .iter()
            .map(|m| {
                let status = p.status_of(m.id).map(|s| s.as_str());
                let usable = if p.enables(m.id, account.mode) {
                    html::chip("enabled")
                } else {
                    html::chip("disabled")
                };
                vec![
                    html::code(m.id),
                    html::text(m.label),
                    status.map(html::chip).unwrap_or_else(|| "—".to_owned()),
                    usable,
                ]
            })
            .collect();
        out.push_str(&html::table(
            &format!("Methods of {}", p.id),
            &["Method", "Name", "Status", "Usable"],
            &rows,
            "No method in the catalogue.",
        ));
    }
    if data.profiles.is_empty() {
        out.push_str("<p class=\"muted\">No profile.</p>");
    }
    out.push_str("</section>");
    out
}
