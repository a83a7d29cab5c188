use serde_json::value::RawValue;
use smol_str::SmolStr;

use crate::ids::Id;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amount {
    pub value: SmolStr,
    pub currency: SmolStr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentStatus {
    Open,
    Pending,
    Authorized,
    Paid,
    Canceled,
    Expired,
    Failed,
}

impl PaymentStatus {
    pub const ALL: [PaymentStatus; 7] = [
        PaymentStatus::Open,
        PaymentStatus::Pending,
        PaymentStatus::Authorized,
        PaymentStatus::Paid,
        PaymentStatus::Canceled,
        PaymentStatus::Expired,
        PaymentStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Open => "open",
            PaymentStatus::Pending => "pending",
            PaymentStatus::Authorized => "authorized",
            PaymentStatus::Paid => "paid",
            PaymentStatus::Canceled => "canceled",
            PaymentStatus::Expired => "expired",
            PaymentStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<PaymentStatus> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    pub fn is_final(self) -> bool {
        matches!(
            self,
            PaymentStatus::Paid
                | PaymentStatus::Canceled
                | PaymentStatus::Expired
                | PaymentStatus::Failed
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SequenceType {
    Oneoff,
    First,
    Recurring,
}

impl SequenceType {
    pub fn as_str(self) -> &'static str {
        match self {
            SequenceType::Oneoff => "oneoff",
            SequenceType::First => "first",
            SequenceType::Recurring => "recurring",
        }
    }

    pub fn parse(s: &str) -> Option<SequenceType> {
        match s {
            "oneoff" => Some(SequenceType::Oneoff),
            "first" => Some(SequenceType::First),
            "recurring" => Some(SequenceType::Recurring),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Payment {
    pub id: Id,
    pub created_at: i64,
    pub amount: Amount,
    pub description: Box<str>,
    /// The method once known; `None` renders as `null`.
    pub method: Option<&'static str>,
    /// Methods the merchant offered when it sent a list (checkout shows these).
    pub method_choices: Box<[&'static str]>,
    pub metadata: Option<Box<RawValue>>,
    pub status: PaymentStatus,
    pub expires_at: Option<i64>,
    pub authorized_at: Option<i64>,
    pub paid_at: Option<i64>,
    pub canceled_at: Option<i64>,
    pub expired_at: Option<i64>,
    pub failed_at: Option<i64>,
    pub locale: Option<&'static str>,
    pub country_code: Option<SmolStr>,
    pub restrict_to_country: Option<SmolStr>,
    pub customer_id: Option<Id>,
    pub mandate_id: Option<Id>,
    pub subscription_id: Option<Id>,
    /// The profile an access token named; API-key payments show the account's.
    pub profile_id: Option<Id>,
    pub sequence_type: SequenceType,
    pub redirect_url: Option<Box<str>>,
    pub cancel_url: Option<Box<str>>,
    pub webhook_url: Option<Box<str>>,
    /// Method-specific details (consumer, card), once there are any.
    pub details: Option<Box<RawValue>>,
    /// Lines, addresses and the other fields few payments carry.
    pub extra: Option<Box<super::PaymentExtra>>,
}

impl Payment {
    /// Mollie lets a merchant cancel only payments whose method allows it:
    /// bank transfers and direct debits while they are not final.
    pub fn is_cancelable(&self) -> bool {
        !self.status.is_final()
            && (self.status == PaymentStatus::Pending
                || matches!(self.method, Some("banktransfer" | "directdebit")))
    }

    /// The issuer given at creation or picked at checkout.
    pub fn issuer(&self) -> Option<&str> {
        self.extra.as_ref()?.issuer.as_deref()
    }

    /// The extra fields, boxed on first write.
    pub fn extra_mut(&mut self) -> &mut super::PaymentExtra {
        self.extra.get_or_insert_with(Default::default)
    }

    pub fn bare_id(&self) -> &str {
        self.id.strip_prefix("tr_").unwrap_or(&self.id)
    }
}
