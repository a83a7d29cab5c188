//! The console's buttons. Each one is a request to the documented
//! `/_sandbox/` API, exactly what a test would send: the page's script sends
//! it with the account's header, shows the answer and the equivalent curl
//! command, and reloads the panel. A new sandbox action is one entry here.

use serde_json::{json, Value};

use super::html::esc;
use crate::lifecycle::{allowed, default_method};
use crate::store::{Amount, Payment, PaymentStatus};

pub struct Action {
    pub label: String,
    pub method: &'static str,
    pub path: String,
    pub body: Option<Value>,
    /// Asked before the request is sent (destructive actions).
    pub confirm: Option<&'static str>,
    /// Fields the tester fills in; with any, the button becomes a small form.
    pub inputs: Vec<Input>,
    /// The script shows the answer's fields as a list (the clock's summary).
    pub summary: bool,
}

impl Action {
    pub fn new(label: impl Into<String>, method: &'static str, path: impl Into<String>) -> Action {
        Action {
            label: label.into(),
            method,
            path: path.into(),
            body: None,
            confirm: None,
            inputs: Vec::new(),
            summary: false,
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

    /// A field that must be filled: its place in the body (`amount.value`),
    /// its label and its first value.
    pub fn input(mut self, field: &'static str, label: &'static str, value: String) -> Action {
        self.inputs.push(Input {
            field,
            label,
            value,
            required: true,
        });
        self
    }

    /// A field that may be left empty: the body then goes without it (and
    /// without an object it empties, such as a chargeback's `reason`).
    pub fn optional(mut self, field: &'static str, label: &'static str, value: String) -> Action {
        self.inputs.push(Input {
            field,
            label,
            value,
            required: false,
        });
        self
    }

    pub fn summary(mut self) -> Action {
        self.summary = true;
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
        let summary = if self.summary {
            " data-summary=\"1\""
        } else {
            ""
        };
        let danger = if self.confirm.is_some() {
            " danger"
        } else {
            ""
        };
        if !self.inputs.is_empty() {
            // The script puts each field's value into the body at its
            // `data-field`.
            let fields: String = self.inputs.iter().map(Input::html).collect();
            return format!(
                "<form class=\"act-form\" data-method=\"{}\" data-path=\"{}\"{body}{confirm}{summary}>\
                 {fields}<button type=\"submit\" class=\"{}\">{}</button></form>",
                esc(self.method),
                esc(&self.path),
                danger.trim(),
                esc(&self.label)
            );
        }
        format!(
            "<button type=\"button\" class=\"action{danger}\" data-method=\"{}\" data-path=\"{}\"{body}{confirm}{summary}>{}</button>",
            esc(self.method),
            esc(&self.path),
            esc(&self.label)
        )
    }
}

/// One field of an [`Action`]'s form.
pub struct Input {
    /// Where the value goes in the body, dotted (`reason.code`).
    pub field: &'static str,
    pub label: &'static str,
    pub value: String,
    pub required: bool,
}

impl Input {
    fn html(&self) -> String {
        format!(
            "<label>{} <input data-field=\"{}\" value=\"{}\"{}></label>",
            esc(self.label),
            esc(self.field),
            esc(&self.value),
            if self.required { " required" } else { "" }
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

/// What can be done to a payment: one entry per sandbox action.
pub const PAYMENT_ACTIONS: &[PaymentAction] = &[
    PaymentAction {
        actions: status_changes,
    },
    PaymentAction { actions: refund },
    PaymentAction {
        actions: charge_back,
    },
    PaymentAction { actions: capture },
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

/// `POST /_sandbox/payments/{id}/refunds`: the refund the API's
/// `POST /v2/payments/{id}/refunds` makes (the same handler), for all that
/// remains or a part the tester types. The sandbox route, not the API's:
/// it also serves an account picked from the list, whose key the console
/// never has.
fn refund(p: &Payment) -> Vec<Action> {
    let remaining = p.amount_remaining();
    if p.status != PaymentStatus::Paid || remaining == 0 {
        return Vec::new();
    }
    let left = Amount::from_minor(remaining, &p.amount.currency);
    let path = format!("/_sandbox/payments/{}/refunds", p.id);
    vec![
        Action::new(
            format!("Refund {} {}", left.currency, left.value),
            "POST",
            &path,
        )
        .body(
            json!({"amount": {"currency": left.currency, "value": left.value},
                   "description": "Refund from the console"}),
        ),
        Action::new("Refund part", "POST", path)
            .body(json!({"amount": {"currency": left.currency},
                         "description": "Partial refund from the console"}))
            .input("amount.value", "Amount to refund", left.value.to_string()),
    ]
}

/// `POST /_sandbox/payments/{id}/chargebacks`: all that is not charged
/// back yet, with the bank's reason (`reason {code, description}`, as the
/// Chargebacks API shows it; both fields emptied: no reason).
fn charge_back(p: &Payment) -> Vec<Action> {
    if p.status != PaymentStatus::Paid || p.amount_remaining() == 0 {
        return Vec::new();
    }
    vec![Action::new(
        "Charge back",
        "POST",
        format!("/_sandbox/payments/{}/chargebacks", p.id),
    )
    .optional("reason.code", "Reason code", CHARGEBACK_CODE.to_owned())
    .optional(
        "reason.description",
        "Reason description",
        CHARGEBACK_REASON.to_owned(),
    )
    .confirm("Charge this payment back (the consumer's bank takes the money back)?")]
}

/// The first reason the form offers: the example of Mollie's OpenAPI
/// document (a SEPA return code; Mollie gives reasons for direct debits).
const CHARGEBACK_CODE: &str = "AC01";
const CHARGEBACK_REASON: &str = "Account identifier incorrect (i.e. invalid IBAN)";

/// `POST /_sandbox/payments/{id}/captures` (what the API's
/// `POST /v2/payments/{id}/captures` does, for any account the console
/// addresses) of an authorized payment: all of it or a part.
fn capture(p: &Payment) -> Vec<Action> {
    if p.status != PaymentStatus::Authorized {
        return Vec::new();
    }
    let path = format!("/_sandbox/payments/{}/captures", p.id);
    vec![
        Action::new("Capture", "POST", &path),
        Action::new("Capture part", "POST", path)
            .body(json!({"amount": {"currency": p.amount.currency}}))
            .input(
                "amount.value",
                "Amount to capture",
                p.amount.value.to_string(),
            ),
    ]
}
