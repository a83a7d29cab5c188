//! Scenarios: every loaded one with its description and rules, which one is
//! in force for the account (and from where), each rule's counters here,
//! and the buttons that switch the account's scenario.

use std::fmt::Write as _;

use serde_json::json;

use super::actions::Action;
use super::html::{self, esc};
use crate::app::App;
use crate::store::Account;

pub fn panel(app: &App, account: &Account) -> String {
    let own = account.scenarios.active();
    let server = app.scenarios.server_default().cloned();
    let active = own.clone().or(server.clone());
    let mut out = String::from(
        "<section aria-labelledby=\"h-scenarios\"><h2 id=\"h-scenarios\">Scenarios</h2>",
    );
    let source = match (&own, &server) {
        (Some(_), _) => "chosen for this account",
        (None, Some(_)) => "the server's (--scenario)",
        (None, None) => "",
    };
    match &active {
        Some(s) => {
            let _ = write!(
                out,
                "<p>In force: <strong>{}</strong>, {source}.</p>",
                esc(&s.name)
            );
        }
        None => {
            out.push_str("<p>No scenario is in force: every request gets the normal answer.</p>")
        }
    }
    if own.is_some() {
        out.push_str(
            &Action::new(
                "Switch off for this account",
                "DELETE",
                "/_sandbox/scenario",
            )
            .button(),
        );
    }
    for s in app.scenarios.all() {
        let on = active.as_ref().is_some_and(|a| a.name == s.name);
        let _ =
            write!(
            out,
            "<article class=\"scenario{}\"><h3>{} {}</h3><p>{}</p><p class=\"muted\">from {}</p>",
            if on { " on" } else { "" },
            esc(&s.name),
            if on { html::chip("active") } else { String::new() },
            esc(&s.description),
            esc(&s.source)
        );
        if !on {
            out.push_str(
                &Action::new(format!("Switch on {}", s.name), "PUT", "/_sandbox/scenario")
                    .body(json!({"name": s.name}))
                    .button(),
            );
        }
        let counts = account.scenarios.counts(s);
        let rows: Vec<Vec<String>> = s
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let c = counts.get(i);
                vec![
                    html::text(&r.name),
                    html::code(&r.definition.to_string()),
                    c.map_or(0, |c| c.matched).to_string(),
                    c.map_or(0, |c| c.fired).to_string(),
                ]
            })
            .collect();
        out.push_str(&html::table(
            &format!("Rules of {}", s.name),
            &["Rule", "Definition", "Matched", "Fired"],
            &rows,
            "No rules.",
        ));
        out.push_str("</article>");
    }
    out.push_str("</section>");
    out
}
