//! The account's own tools: its clock (see it, advance it and read what the
//! advance did), reset, and its state out and in (the fixture format, the
//! same file `--fixtures` loads).

use std::fmt::Write as _;

use serde_json::json;

use super::actions::Action;
use super::html::{self, esc};
use crate::store::Account;

pub fn panel(account: &Account) -> String {
    let now = account.clock.now();
    let offset = account.clock.offset();
    let mut out =
        String::from("<section aria-labelledby=\"h-account\"><h2 id=\"h-account\">Account</h2>");
    let _ = write!(
        out,
        "<dl class=\"facts\"><div><dt>Mode</dt><dd>{}</dd></div><div><dt>Profile</dt><dd>{}</dd></div>\
         <div><dt>Clock</dt><dd>{} ({})</dd></div></dl>",
        esc(account.mode.as_str()),
        html::code(&account.profile_id),
        html::time(now),
        if offset == 0 {
            "real time".to_owned()
        } else {
            format!("{offset} s ahead of real time")
        }
    );
    out.push_str("<h3>State</h3><div class=\"actions\">");
    out.push_str(
        "<button type=\"button\" class=\"download\" data-path=\"/_sandbox/state\">Download state</button>",
    );
    out.push_str(
        "<label class=\"upload\">Upload state <input type=\"file\" accept=\"application/json,.json\" data-path=\"/_sandbox/state\"></label>",
    );
    out.push_str(
        &Action::new("Reset this account", "POST", "/_sandbox/reset")
            .confirm("Reset this account to its fixtures? Its objects, webhook log and clock go.")
            .button(),
    );
    out.push_str(&Action::new("Clear the journal", "DELETE", "/_sandbox/requests").button());
    out.push_str("</div></section>");
    out
}

/// The clock: now, what is scheduled, and advance buttons. Each button is
/// `POST /_sandbox/clock`; its answer (the advance's summary: events fired
/// by kind, payments created, webhooks sent) is shown as a list.
pub fn clock(account: &Account) -> String {
    let now = account.clock.now();
    let offset = account.clock.offset();
    let (pending, next) = {
        let data = account.data.read();
        (data.schedule.len(), data.schedule.next_at())
    };
    let mut out =
        String::from("<section aria-labelledby=\"h-clock\"><h2 id=\"h-clock\">Clock</h2>");
    let _ = write!(
        out,
        "<dl class=\"facts\"><div><dt>Now</dt><dd id=\"clock-now\">{}</dd></div>\
         <div><dt>Ahead of real time</dt><dd>{offset} s</dd></div>\
         <div><dt>Scheduled events</dt><dd>{pending}</dd></div>\
         <div><dt>Next event</dt><dd>{}</dd></div></dl>",
        html::time(now),
        html::opt_time(next)
    );
    out.push_str("<h3>Advance</h3><div class=\"actions\">");
    for (label, span) in [
        ("Advance 1 hour", "PT1H"),
        ("Advance 1 day", "P1D"),
        ("Advance 1 month", "P1M"),
    ] {
        out.push_str(
            &Action::new(label, "POST", "/_sandbox/clock")
                .body(json!({"advance": span}))
                .summary()
                .button(),
        );
    }
    out.push_str(
        &Action::new("Advance", "POST", "/_sandbox/clock")
            .input("advance", "ISO 8601 duration", "P7D".to_owned())
            .summary()
            .button(),
    );
    out.push_str(
        "</div><p class=\"muted\">The clock only moves forward. What falls due on the way \
         (expiries, subscription charges, refund steps, webhook retries) fires in time order.</p></section>",
    );
    out
}
