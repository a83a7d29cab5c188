use serde_json::value::RawValue;

use crate::ids::Id;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MandateStatus {
    Valid,
    Pending,
    Invalid,
}

impl MandateStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MandateStatus::Valid => "valid",
            MandateStatus::Pending => "pending",
            MandateStatus::Invalid => "invalid",
        }
    }

    pub fn parse(s: &str) -> Option<MandateStatus> {
        match s {
            "valid" => Some(MandateStatus::Valid),
            "pending" => Some(MandateStatus::Pending),
            "invalid" => Some(MandateStatus::Invalid),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Mandate {
    pub id: Id,
    pub customer_id: Id,
    pub created_at: i64,
    pub status: MandateStatus,
    /// `directdebit`, `creditcard` or `paypal`.
    pub method: &'static str,
    /// The method's details object, in the key order it renders in.
    pub details: Box<RawValue>,
    pub mandate_reference: Option<Box<str>>,
    /// `YYYY-MM-DD`
    pub signature_date: Option<Box<str>>,
    /// Set once revoked (by the API or a customer delete): it then answers
    /// 410 and is no longer listed or usable.
    pub revoked_at: Option<i64>,
}

impl Mandate {
    pub fn is_usable(&self) -> bool {
        self.revoked_at.is_none() && self.status == MandateStatus::Valid
    }
}
