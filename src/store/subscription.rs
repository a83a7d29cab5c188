//! A subscription: what it charges, how often, and where it stands. The
//! dates it charges on follow Mollie's month arithmetic ([`Interval::nth`]);
//! the charging itself is an event on the account's clock
//! ([`crate::scheduler::Due::SubscriptionCharge`], run by
//! [`crate::recurring`]).

use jiff::civil::Date;
use jiff::Span;
use serde_json::value::RawValue;

use super::payment::Amount;
use crate::ids::Id;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionStatus {
    Pending,
    Active,
    Suspended,
    Completed,
    Canceled,
}

impl SubscriptionStatus {
    pub const ALL: [SubscriptionStatus; 5] = [
        SubscriptionStatus::Pending,
        SubscriptionStatus::Active,
        SubscriptionStatus::Suspended,
        SubscriptionStatus::Completed,
        SubscriptionStatus::Canceled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SubscriptionStatus::Pending => "pending",
            SubscriptionStatus::Active => "active",
            SubscriptionStatus::Suspended => "suspended",
            SubscriptionStatus::Completed => "completed",
            SubscriptionStatus::Canceled => "canceled",
        }
    }

    pub fn parse(s: &str) -> Option<SubscriptionStatus> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Completed and canceled subscriptions never charge again.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            SubscriptionStatus::Completed | SubscriptionStatus::Canceled
        )
    }
}

/// What a subscription charge becomes, chosen per account or per
/// subscription (sandbox API) or by a scenario rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChargeOutcome {
    Paid,
    /// Test-mode direct debit: stays pending until someone changes it.
    Pending,
    Failed,
}

impl ChargeOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            ChargeOutcome::Paid => "paid",
            ChargeOutcome::Pending => "pending",
            ChargeOutcome::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<ChargeOutcome> {
        [
            ChargeOutcome::Paid,
            ChargeOutcome::Pending,
            ChargeOutcome::Failed,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Day,
    Week,
    Month,
}

/// `1 month`, `2 weeks`, `14 days`: at most a year (12 months, 52 weeks,
/// 365 days), never `year`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interval {
    pub count: u16,
    pub unit: Unit,
    /// As the merchant wrote it; the API echoes it.
    pub text: Box<str>,
}

impl Interval {
    pub fn parse(text: &str) -> Option<Interval> {
        let (n, unit) = text.split_once(' ')?;
        if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let count: u16 = n.parse().ok()?;
        let (unit, max) = match unit {
            "day" | "days" => (Unit::Day, 365),
            "week" | "weeks" => (Unit::Week, 52),
            "month" | "months" => (Unit::Month, 12),
            _ => return None,
        };
        if count == 0 || count > max {
            return None;
        }
        Some(Interval {
            count,
            unit,
            text: text.into(),
        })
    }

    /// The `n`-th charge date counted from `anchor` (n = 0 is the anchor).
    /// Months count from the anchor, not from the previous date, so that a
    /// clamped February does not drag the 31st down for good: the last day
    /// of a month stays the last day, other days clamp to the month's
    /// length.
    pub fn nth(&self, anchor: Date, n: u32) -> Date {
        let steps = i64::from(self.count) * i64::from(n);
        // try_*: a span out of jiff's range is no date, never a panic.
        let span = |f: fn(Span, i64) -> Result<Span, jiff::Error>, n: i64| f(Span::new(), n);
        let added = match self.unit {
            Unit::Day => span(Span::try_days, steps).and_then(|s| anchor.checked_add(s)),
            Unit::Week => span(Span::try_weeks, steps).and_then(|s| anchor.checked_add(s)),
            Unit::Month => {
                let target = span(Span::try_months, steps).and_then(|s| anchor.checked_add(s));
                if anchor == anchor.last_of_month() {
                    target.map(|d| d.last_of_month())
                } else {
                    target
                }
            }
        };
        added.unwrap_or(Date::MAX)
    }
}

#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: Id,
    pub customer_id: Id,
    pub created_at: i64,
    pub status: SubscriptionStatus,
    pub amount: Amount,
    /// `None`: endless.
    pub times: Option<u32>,
    pub interval: Interval,
    pub description: Box<str>,
    pub start_date: Date,
    /// `None` once nothing more will be charged.
    pub next_payment_date: Option<Date>,
    pub method: Option<&'static str>,
    pub mandate_id: Option<Id>,
    pub webhook_url: Option<Box<str>>,
    pub metadata: Option<Box<RawValue>>,
    pub canceled_at: Option<i64>,
    /// Payments made so far.
    pub charges: u32,
    /// Where the interval counts from: the start date, or the last charge
    /// date once the interval changed; and the charges made since then.
    pub anchor: Date,
    pub since_anchor: u32,
    /// Failed charges in a row; [`MAX_FAILURES`] suspends the subscription.
    pub failures: u32,
    /// This subscription's charge outcome, over the account's (sandbox).
    pub outcome: Option<ChargeOutcome>,
    /// Mollie Connect's fee (`{"amount": {...}, "description": ...}`, as
    /// rendered), carried onto every payment the subscription makes.
    pub application_fee: Option<Box<RawValue>>,
}

/// Failed charges in a row that suspend a subscription.
pub const MAX_FAILURES: u32 = 3;

/// Test mode cancels a subscription after this many charges.
pub const TEST_MODE_CHARGES: u32 = 10;

impl Subscription {
    pub fn times_remaining(&self) -> Option<u32> {
        self.times.map(|t| t.saturating_sub(self.charges))
    }

    /// The date after the charge just made.
    pub fn following_date(&self) -> Date {
        self.interval.nth(self.anchor, self.since_anchor)
    }

    /// Not canceled nor completed: what the description must be unique among.
    pub fn is_current(&self) -> bool {
        !self.status.is_final()
    }
}

/// Midnight UTC of `date`, the moment its charge falls due.
pub fn day_start(date: Date) -> i64 {
    date.to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp().as_second())
        .unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn interval_grammar_and_limits() {
        for ok in [
            "1 day",
            "365 days",
            "2 weeks",
            "52 weeks",
            "1 month",
            "12 months",
        ] {
            assert!(Interval::parse(ok).is_some(), "{ok}");
        }
        for bad in [
            "1 year",
            "banana",
            "0 months",
            "13 months",
            "53 weeks",
            "366 days",
            "month",
            "-1 month",
            "1  month",
            "1 Month",
            "",
        ] {
            assert!(Interval::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn month_ends_stay_month_ends_and_other_days_clamp() {
        let m = Interval::parse("1 month").unwrap();
        let dates: Vec<Date> = (0..4).map(|n| m.nth(d("2018-04-30"), n)).collect();
        assert_eq!(
            dates,
            [
                d("2018-04-30"),
                d("2018-05-31"),
                d("2018-06-30"),
                d("2018-07-31")
            ]
        );
        assert_eq!(m.nth(d("2024-01-31"), 1), d("2024-02-29"));
        assert_eq!(m.nth(d("2023-01-30"), 1), d("2023-02-28"));
        assert_eq!(m.nth(d("2023-01-30"), 2), d("2023-03-30"));
        let q = Interval::parse("3 months").unwrap();
        assert_eq!(q.nth(d("2024-11-30"), 1), d("2025-02-28"));
        let w = Interval::parse("2 weeks").unwrap();
        assert_eq!(w.nth(d("2024-02-22"), 1), d("2024-03-07"));
        let y = Interval::parse("365 days").unwrap();
        assert_eq!(y.nth(d("2024-01-01"), 1), d("2024-12-31"));
    }
}
