//! A chargeback: the consumer's bank took (part of) a paid payment back.
//! Mollie has no API to make one; the sandbox does (`/_sandbox/…`).

use smol_str::SmolStr;

use super::Amount;
use crate::ids::Id;

#[derive(Debug, Clone)]
pub struct Chargeback {
    pub id: Id,
    pub payment_id: Id,
    pub created_at: i64,
    pub amount: Amount,
    /// `{code, description}` as the bank reported it; `null` when none.
    pub reason: Option<(SmolStr, Box<str>)>,
    /// Set when the chargeback was reversed: the money is back.
    pub reversed_at: Option<i64>,
}
