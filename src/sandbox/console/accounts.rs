//! The accounts with recent activity, keys masked: `GET /_sandbox/accounts`
//! (JSON) and the console's picker. Each carries a reference the console
//! sends in `X-Sandbox-Account` to act on that account without its key.
//! Open to anyone on a sandbox without `--admin-token`, else to its holder.

use std::fmt::Write as _;

use serde_json::{json, Value};

use super::html::{self, esc};
use crate::app::App;
use crate::journal::time_text;
use crate::sandbox::access::{account_ref, mask};

struct Summary {
    reference: String,
    masked: String,
    mode: &'static str,
    last: Option<jiff::Timestamp>,
    objects: usize,
}

fn summaries(app: &App) -> Vec<Summary> {
    let mut all: Vec<Summary> = app
        .registry
        .all()
        .into_iter()
        .map(|a| Summary {
            reference: account_ref(&a),
            masked: mask(&a.key),
            mode: a.mode.as_str(),
            last: a.journal.last_time(),
            objects: a.data.read().object_counts().iter().map(|(_, n)| n).sum(),
        })
        .collect();
    all.sort_by(|a, b| b.last.cmp(&a.last).then_with(|| a.masked.cmp(&b.masked)));
    all
}

pub fn json(app: &App) -> Value {
    let accounts: Vec<Value> = summaries(app)
        .into_iter()
        .map(|s| {
            json!({
                "reference": s.reference,
                "key": s.masked,
                "mode": s.mode,
                "lastActivity": s.last.map(time_text),
                "objects": s.objects,
            })
        })
        .collect();
    json!({"count": accounts.len(), "accounts": accounts})
}

pub fn panel(app: &App) -> String {
    let rows: Vec<Vec<String>> = summaries(app)
        .into_iter()
        .map(|s| {
            vec![
                html::code(&s.masked),
                html::text(s.mode),
                s.last
                    .map(|t| html::text(&time_text(t)))
                    .unwrap_or_else(|| "—".to_owned()),
                s.objects.to_string(),
                format!(
                    "<button type=\"button\" class=\"pick\" data-ref=\"{}\" data-label=\"{}\">Open</button>",
                    esc(&s.reference),
                    esc(&s.masked)
                ),
            ]
        })
        .collect();
    let mut out = String::from("<h2 id=\"h-accounts\">Accounts</h2>");
    let _ = write!(
        out,
        "{}",
        html::table(
            "Accounts, most recently active first",
            &["Key", "Mode", "Last request", "Objects", ""],
            &rows,
            "No account yet: make a request with any test_ key.",
        )
    );
    out
}
