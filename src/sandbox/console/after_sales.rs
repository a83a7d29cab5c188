//! Refunds, chargebacks and captures on a payment's timeline, each with
//! the sandbox actions that move it on (`/_sandbox/refunds/{id}/status`,
//! `/_sandbox/chargebacks/{id}/reverse`, `/_sandbox/captures/{id}/status`).

use serde_json::json;

use super::actions::Action;
use super::html::{self, esc};
use crate::store::{Capture, CaptureStatus, Chargeback, Refund, RefundStatus};

/// A refund's line: amount, status, and a button per status it may be
/// forced to.
pub fn refund(r: &Refund) -> String {
    let mut out = format!(
        "Refund {} of {} {} {}",
        html::code(&r.id),
        esc(&r.amount.currency),
        esc(&r.amount.value),
        html::chip(r.status.as_str())
    );
    if !r.status.is_final() {
        let path = format!("/_sandbox/refunds/{}/status", r.id);
        for to in [
            RefundStatus::Pending,
            RefundStatus::Processing,
            RefundStatus::Refunded,
            RefundStatus::Failed,
            RefundStatus::Canceled,
        ] {
            if to != r.status {
                out.push(' ');
                out.push_str(
                    &Action::new(format!("Refund {}", to.as_str()), "POST", &path)
                        .body(json!({"status": to.as_str()}))
                        .button(),
                );
            }
        }
    }
    out
}

pub fn chargeback(c: &Chargeback) -> String {
    let mut out = format!(
        "Chargeback {} of {} {} {}",
        html::code(&c.id),
        esc(&c.amount.currency),
        esc(&c.amount.value),
        html::chip(super::resources::chargebacks::status(c))
    );
    if let Some(why) = super::resources::chargebacks::reason(c) {
        out.push_str(&format!(" · reason {}", esc(&why)));
    }
    if c.reversed_at.is_none() {
        out.push(' ');
        out.push_str(
            &Action::new(
                "Reverse",
                "POST",
                format!("/_sandbox/chargebacks/{}/reverse", c.id),
            )
            .button(),
        );
    }
    out
}

pub fn capture(c: &Capture) -> String {
    let mut out = format!(
        "Capture {} of {} {} {}",
        html::code(&c.id),
        esc(&c.amount.currency),
        esc(&c.amount.value),
        html::chip(c.status.as_str())
    );
    if c.status == CaptureStatus::Pending {
        let path = format!("/_sandbox/captures/{}/status", c.id);
        for to in [CaptureStatus::Succeeded, CaptureStatus::Failed] {
            out.push(' ');
            out.push_str(
                &Action::new(format!("Capture {}", to.as_str()), "POST", &path)
                    .body(json!({"status": to.as_str()}))
                    .button(),
            );
        }
    }
    out
}
