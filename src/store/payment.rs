use serde_json::value::RawValue;
use smol_str::SmolStr;

use crate::ids::Id;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amount {
    pub value: SmolStr,
    pub currency: SmolStr,
}

impl Amount {
    /// `minor` units written with the currency's own decimals (`1050` EUR
    /// is `10.50`).
    pub fn from_minor(minor: u64, currency: &str) -> Amount {
        let decimals = crate::validate::decimals_of(currency).unwrap_or(2) as u32;
        let value = if decimals == 0 {
            minor.to_string()
        } else {
            let unit = 10u64.pow(decimals);
            format!(
                "{}.{:0width$}",
                minor / unit,
                minor % unit,
                width = decimals as usize
            )
        };
        Amount {
            value: value.into(),
            currency: currency.into(),
        }
    }
}

/// An ISO 3166-1 alpha-2 country code (`NL`), held in its two bytes: a
/// `SmolStr` would take 24, in every payment.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Country([u8; 2]);

impl Country {
    /// Two ASCII capitals, or `None`.
    pub fn new(code: &str) -> Option<Country> {
        match *code.as_bytes() {
            [a, b] if a.is_ascii_uppercase() && b.is_ascii_uppercase() => Some(Country([a, b])),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &str {
        // Only `new` makes one, from two ASCII capitals.
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}

impl std::ops::Deref for Country {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Debug for Country {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl serde::Serialize for Country {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
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
    pub country_code: Option<Country>,
    pub restrict_to_country: Option<Country>,
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
    /// Captures, refunds and chargebacks: how the money moved after payment.
    pub money: Money,
}

/// What a payment carries about its authorization, captures, refunds and
/// chargebacks. The totals are kept by [`crate::store::Data`] from the
/// objects themselves (never edited by hand), so the payment renders
/// without a look at them.
#[derive(Debug, Clone, Default)]
pub struct Money {
    /// `captureMode: manual`: authorized first, captured on request.
    pub manual_capture: bool,
    /// `captureDelay` as sent (`8 hours`), with its length in seconds.
    pub capture_delay: Option<(Box<str>, i64)>,
    /// While authorized: when the authorization expires.
    pub capture_before: Option<i64>,
    /// Totals in minor units of the payment's currency.
    pub refunded: u64,
    pub charged_back: u64,
    pub captured: u64,
    /// Whether any refund, chargeback or capture exists (the links).
    pub has_refunds: bool,
    pub has_chargebacks: bool,
    pub has_captures: bool,
}

impl Payment {
    /// Mollie lets a merchant cancel only payments whose method allows it:
    /// bank transfers and direct debits while they are not final.
    pub fn is_cancelable(&self) -> bool {
        !self.status.is_final()
            && (matches!(
                self.status,
                PaymentStatus::Pending | PaymentStatus::Authorized
            ) || matches!(self.method, Some("banktransfer" | "directdebit")))
    }

    /// Authorized before it is paid: `captureMode: manual` or a
    /// `captureDelay` (pay-later methods authorize whatever was asked).
    pub fn captures_later(&self) -> bool {
        self.money.manual_capture || self.money.capture_delay.is_some()
    }

    /// What can be refunded at most: the captured amount of an authorized
    /// payment, else the whole amount.
    pub fn refundable_base(&self) -> u64 {
        if self.authorized_at.is_some() {
            self.money.captured
        } else {
            crate::validate::minor_units(&self.amount)
        }
    }

    /// `amountRemaining`: what is left to refund.
    pub fn amount_remaining(&self) -> u64 {
        self.refundable_base()
            .saturating_sub(self.money.refunded)
            .saturating_sub(self.money.charged_back)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_country_is_two_capitals() {
        assert_eq!(Country::new("NL").map(|c| c.to_string()), Some("NL".into()));
        for bad in ["nl", "Nl", "NLD", "N", "", "\u{d1}L", "1L"] {
            assert!(Country::new(bad).is_none(), "{bad:?}");
        }
        assert_eq!(
            serde_json::to_string(&Country::new("BE")).unwrap(),
            "\"BE\""
        );
    }

    /// What a payment costs in memory: the allocator rounds a boxed payment
    /// up to its size class (512, then 640 bytes), and every open payment
    /// keeps an expiry event in the account's schedule.
    #[test]
    fn a_payment_fits_its_allocation_class() {
        assert!(
            std::mem::size_of::<Payment>() <= 512,
            "{}",
            std::mem::size_of::<Payment>()
        );
        assert!(std::mem::size_of::<crate::scheduler::Due>() <= 32);
    }
}
