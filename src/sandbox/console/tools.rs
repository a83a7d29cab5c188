//! The account's own tools: its clock, reset, and its state out and in
//! (the fixture format, the same file `--fixtures` loads).

use std::fmt::Write as _;

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
