//! A refund of (part of) a paid payment, and how its status walks.

use serde_json::value::RawValue;

use super::Amount;
use crate::ids::Id;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundStatus {
    Queued,
    Pending,
    Processing,
    Refunded,
    Failed,
    Canceled,
}

impl RefundStatus {
    pub const ALL: [RefundStatus; 6] = [
        RefundStatus::Queued,
        RefundStatus::Pending,
        RefundStatus::Processing,
        RefundStatus::Refunded,
        RefundStatus::Failed,
        RefundStatus::Canceled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RefundStatus::Queued => "queued",
            RefundStatus::Pending => "pending",
            RefundStatus::Processing => "processing",
            RefundStatus::Refunded => "refunded",
            RefundStatus::Failed => "failed",
            RefundStatus::Canceled => "canceled",
        }
    }

    pub fn parse(s: &str) -> Option<RefundStatus> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    pub fn is_final(self) -> bool {
        matches!(
            self,
            RefundStatus::Refunded | RefundStatus::Failed | RefundStatus::Canceled
        )
    }

    /// Money on its way back (or back): it counts in `amountRefunded`.
    pub fn counts(self) -> bool {
        !matches!(self, RefundStatus::Failed | RefundStatus::Canceled)
    }

    /// A merchant may cancel a refund until it is processed.
    pub fn is_cancelable(self) -> bool {
        matches!(self, RefundStatus::Queued | RefundStatus::Pending)
    }

    /// The statuses that call the payment's webhook.
    pub fn calls_webhook(self) -> bool {
        matches!(
            self,
            RefundStatus::Processing | RefundStatus::Refunded | RefundStatus::Failed
        )
    }
}

/// Methods whose refunds pass through `processing` (money sent back by a
/// SEPA transfer in a batch) before they are `refunded`.
pub const PROCESSING_METHODS: &[&str] = &["banktransfer", "directdebit"];

#[derive(Debug, Clone)]
pub struct Refund {
    pub id: Id,
    pub payment_id: Id,
    pub created_at: i64,
    pub amount: Amount,
    pub description: Box<str>,
    pub metadata: Option<Box<RawValue>>,
    pub status: RefundStatus,
}

impl Refund {
    /// The status after `from` on the way to `refunded`, for a payment paid
    /// with `method`; `None` once there is nowhere further to go.
    pub fn next_status(from: RefundStatus, method: Option<&str>) -> Option<RefundStatus> {
        let processing = method.is_some_and(|m| PROCESSING_METHODS.contains(&m));
        match from {
            RefundStatus::Queued => Some(RefundStatus::Pending),
            RefundStatus::Pending if processing => Some(RefundStatus::Processing),
            RefundStatus::Pending | RefundStatus::Processing => Some(RefundStatus::Refunded),
            _ => None,
        }
    }
}
