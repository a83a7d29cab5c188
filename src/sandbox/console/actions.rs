//! The console's buttons. Each one is a request to the documented
//! `/_sandbox/` API, exactly what a test would send: the page's script sends
//! it with the account's header, shows the answer and the equivalent curl
//! command, and reloads the panel. A new sandbox action is one entry here.

use serde_json::{json, Value};

use super::html::esc;
use crate::lifecycle::{allowed, default_method};
use crate::store::{Payment, PaymentStatus};

pub struct Action {
    pub label: String,
    pub method: &'static str,
    pub path: String,
    pub body: Option<Value>,
    /// Asked before the request is sent (destructive actions).
    pub confirm: Option<&'static str>,
}

impl Action {
    pub fn new(label: impl Into<String>, method: &'static str, path: impl Into<String>) -> Action {
        Action {
            label: label.into(),
            method,
            path: path.into(),
            body: None,
            confirm: None,
        }
    }

    pub fn body(mut self, body: Value) -> Action {
        self.body = Some(body);
        self
    }

    pub fn confirm(mut self, question: &'static str) -> Action {
        self.confirm = Some(question);
        self
    }

    pub fn button(&self) -> String {
        let body = self
            .body
            .as_ref()
            .map(|b| format!(" data-body=\"{}\"", esc(&b.to_string())))
            .unwrap_or_default();
        let confirm = self
            .confirm
            .map(|c| format!(" data-confirm=\"{}\"", esc(c)))
            .unwrap_or_default();
        let danger = if self.confirm.is_some() {
            " danger"
        } else {
            ""
        };
        format!(
            "<button type=\"button\" class=\"action{danger}\" data-method=\"{}\" data-path=\"{}\"{body}{confirm}>{}</button>",
            esc(self.method),
            esc(&self.path),
            esc(&self.label)
        )
    }
}

pub fn buttons(actions: &[Action]) -> String {
    if actions.is_empty() {
        return "<p class=\"muted\">No action applies in this state.</p>".to_owned();
    }
    let mut out = String::from("<div class=\"actions\">");
    for a in actions {
        out.push_str(&a.button());
    }
    out.push_str("</div>");
    out
}

/// One kind of thing a tester can do to a payment.
pub struct PaymentAction {
    pub actions: fn(&Payment) -> Vec<Action>,
}

/// What can be done to a payment: one entry per sandbox action. Refunds,
/// chargebacks and captures join this list when their endpoints exist.
pub const PAYMENT_ACTIONS: &[PaymentAction] = &[
    PaymentAction {
        actions: status_changes,
    },
    PaymentAction {
        actions: call_webhook,
    },
];

pub fn for_payment(p: &Payment) -> Vec<Action> {
    PAYMENT_ACTIONS
        .iter()
        .flat_map(|a| (a.actions)(p))
        .collect()
}

/// `POST /_sandbox/payments/{id}/status`, one button per allowed status.
fn status_changes(p: &Payment) -> Vec<Action> {
    let method = p.method.unwrap_or_else(|| default_method(p));
    PaymentStatus::ALL
        .into_iter()
        .filter(|to| allowed(p.status, *to))
        .filter(|to| {
            *to != PaymentStatus::Authorized
                || crate::catalogue::can_authorize(method, p.captures_later())
        })
        .map(|to| {
            Action::new(
                format!("Set {}", to.as_str()),
                "POST",
                format!("/_sandbox/payments/{}/status", p.id),
            )
            .body(json!({"status": to.as_str()}))
        })
        .collect()
}

/// `POST /_sandbox/payments/{id}/webhook`
fn call_webhook(p: &Payment) -> Vec<Action> {
    if p.webhook_url.is_none() {
        return Vec::new();
    }
    vec![Action::new(
        "Call the webhook now",
        "POST",
        format!("/_sandbox/payments/{}/webhook", p.id),
    )]
}
