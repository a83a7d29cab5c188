//! A capture of (part of) an authorized payment.

use serde_json::value::RawValue;

use super::Amount;
use crate::ids::Id;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureStatus {
    Pending,
    Succeeded,
    Failed,
}

impl CaptureStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CaptureStatus::Pending => "pending",
            CaptureStatus::Succeeded => "succeeded",
            CaptureStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<CaptureStatus> {
        [
            CaptureStatus::Pending,
            CaptureStatus::Succeeded,
            CaptureStatus::Failed,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }
}

#[derive(Debug, Clone)]
pub struct Capture {
    pub id: Id,
    pub payment_id: Id,
    pub created_at: i64,
    pub amount: Amount,
    pub description: Option<Box<str>>,
    pub metadata: Option<Box<RawValue>>,
    pub status: CaptureStatus,
}

/// How long an authorization holds before it expires (`captureBefore`):
/// cards at least 7 days (Visa, Amex), pay-later methods 28 days.
pub fn authorization_window(method: Option<&str>) -> i64 {
    const DAY: i64 = 86_400;
    match method {
        Some("creditcard" | "paypal") | None => 7 * DAY,
        Some(_) => 28 * DAY,
    }
}

/// `captureDelay` (`8 hours`, `2 days`) in seconds: at most 7 days.
pub fn parse_delay(text: &str) -> Option<i64> {
    let (n, unit) = text.split_once(' ')?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = n.parse().ok()?;
    let secs = match unit {
        "hour" | "hours" => n.checked_mul(3600)?,
        "day" | "days" => n.checked_mul(86_400)?,
        _ => return None,
    };
    (secs <= 7 * 86_400).then_some(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_delays_follow_the_pattern_and_the_limit() {
        assert_eq!(parse_delay("8 hours"), Some(8 * 3600));
        assert_eq!(parse_delay("1 day"), Some(86_400));
        assert_eq!(parse_delay("7 days"), Some(7 * 86_400));
        assert_eq!(parse_delay("168 hours"), Some(7 * 86_400));
        for bad in [
            "8 days",
            "169 hours",
            "2 weeks",
            "two days",
            "-1 days",
            "2days",
            " 2 days",
        ] {
            assert_eq!(parse_delay(bad), None, "{bad}");
        }
    }
}
