//! Time as the sandbox sees it. Every account has its own [`Clock`]: real time
//! plus an offset that the sandbox API can move forward, so that expiry and
//! recurring charges never make a test wait. Timestamps are whole Unix seconds,
//! the API's own resolution.

use std::sync::atomic::{AtomicI64, Ordering};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;

#[derive(Debug, Default)]
pub struct Clock {
    offset_secs: AtomicI64,
}

impl Clock {
    pub fn now(&self) -> i64 {
        Timestamp::now().as_second() + self.offset_secs.load(Ordering::Relaxed)
    }

    pub fn offset(&self) -> i64 {
        self.offset_secs.load(Ordering::Relaxed)
    }

    pub fn advance(&self, secs: i64) {
        self.offset_secs.fetch_add(secs, Ordering::Relaxed);
    }

    pub fn set_offset(&self, secs: i64) {
        self.offset_secs.store(secs, Ordering::Relaxed);
    }
}

/// `2024-03-20T09:13:37+00:00`: seconds, no fraction, a written-out UTC offset.
pub fn format_datetime(secs: i64) -> String {
    let ts = Timestamp::from_second(secs).unwrap_or(Timestamp::UNIX_EPOCH);
    let dt = TimeZone::UTC.to_datetime(ts);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+00:00",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

/// Reads the datetimes found in fixtures and pasted API objects: any RFC 3339
/// form (`Z`, `+00:00`, fractions); fractions are dropped.
pub fn parse_datetime(text: &str) -> Option<i64> {
    text.parse::<Timestamp>().ok().map(|ts| ts.as_second())
}

pub fn format_date(date: Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
}

pub fn date_of(secs: i64) -> Date {
    let ts = Timestamp::from_second(secs).unwrap_or(Timestamp::UNIX_EPOCH);
    TimeZone::UTC.to_datetime(ts).date()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_round_trip_in_mollie_form() {
        let s = parse_datetime("2024-03-20T09:13:37+00:00").unwrap();
        assert_eq!(format_datetime(s), "2024-03-20T09:13:37+00:00");
        assert_eq!(
            parse_datetime("2018-04-06T13:23:21.0Z"),
            parse_datetime("2018-04-06T13:23:21+00:00")
        );
    }

    #[test]
    fn clock_moves_forward() {
        let c = Clock::default();
        let before = c.now();
        c.advance(3600);
        assert!(c.now() >= before + 3600);
    }
}
