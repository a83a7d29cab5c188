//! Time as the sandbox sees it. Every account has its own [`Clock`]: real time
//! plus an offset that the sandbox API can move forward, so that expiry and
//! recurring charges never make a test wait. Timestamps are whole Unix seconds,
//! the API's own resolution.

use std::cell::Cell;
use std::sync::atomic::{AtomicI64, Ordering};

use jiff::civil::Date;
use jiff::tz::Offset;
use jiff::Timestamp;

#[derive(Debug)]
pub struct Clock {
    offset_secs: AtomicI64,
    /// While an advance fires an event, the clock shows the event's time
    /// ([`NOT_PINNED`] otherwise), so that what the event makes carries it.
    pinned: AtomicI64,
    /// One advance at a time per account.
    pub advancing: tokio::sync::Mutex<()>,
}

const NOT_PINNED: i64 = i64::MIN;

impl Default for Clock {
    fn default() -> Self {
        Clock {
            offset_secs: AtomicI64::new(0),
            pinned: AtomicI64::new(NOT_PINNED),
            advancing: tokio::sync::Mutex::new(()),
        }
    }
}

impl Clock {
    pub fn now(&self) -> i64 {
        match self.pinned.load(Ordering::Relaxed) {
            NOT_PINNED => Timestamp::now().as_second() + self.offset_secs.load(Ordering::Relaxed),
            at => at,
        }
    }

    /// Shows `at` until [`Clock::unpin_at`]; never earlier than it showed.
    pub fn pin(&self, at: i64) {
        let at = at.max(self.now());
        self.pinned.store(at, Ordering::Relaxed);
    }

    /// Runs on from `at` with real time: pinned no more.
    pub fn unpin_at(&self, at: i64) {
        self.offset_secs
            .store(at - Timestamp::now().as_second(), Ordering::Relaxed);
        self.pinned.store(NOT_PINNED, Ordering::Relaxed);
    }

    /// Starts the clock at `at` (a fixture's or `--clock-start`'s time).
    pub fn start_at(&self, at: i64) {
        self.unpin_at(at);
    }

    pub fn offset(&self) -> i64 {
        self.offset_secs.load(Ordering::Relaxed)
    }

    pub fn advance(&self, secs: i64) {
        self.offset_secs.fetch_add(secs, Ordering::Relaxed);
    }

    pub fn set_offset(&self, secs: i64) {
        self.offset_secs.store(secs, Ordering::Relaxed);
        self.pinned.store(NOT_PINNED, Ordering::Relaxed);
    }
}

/// `2024-03-20T09:13:37+00:00`: seconds, no fraction, a written-out UTC offset.
pub fn format_datetime(secs: i64) -> String {
    match DateText::new(secs) {
        Some(text) => text.as_str().to_owned(),
        None => {
            let dt = Offset::UTC.to_datetime(timestamp(secs));
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
    }
}

fn timestamp(secs: i64) -> Timestamp {
    Timestamp::from_second(secs).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// [`format_datetime`] on the stack, without `fmt`: every resource rendered
/// has one or more datetimes, so this is on the path of most responses.
pub struct DateText([u8; 25]);

/// 9999-12-29T23:59:59Z: the end of the last whole day that jiff's
/// `Timestamp` holds (its last is 9999-12-30T22:00Z); later seconds take
/// the whole conversion, as before.
const LAST_SECOND: i64 = 253_402_127_999;

thread_local! {
    /// The day (since 1970) this thread wrote last, and its date's text.
    static LAST_DAY: Cell<(i64, [u8; 10])> = const { Cell::new((-1, [0; 10])) };
}

impl DateText {
    /// `None` for years outside 0..=9999, which [`format_datetime`] writes
    /// the slow way.
    pub fn new(secs: i64) -> Option<DateText> {
        if !(0..=LAST_SECOND).contains(&secs) {
            return DateText::civil(secs);
        }
        // A response's datetimes, and those of the objects made in the same
        // hours, mostly fall on one day: its calendar date (jiff's civil
        // conversion, most of the cost) is taken from the last call on this
        // thread when the day is the same, the time of day is arithmetic.
        let (day, of_day) = (secs / 86_400, secs % 86_400);
        let date = match LAST_DAY.get() {
            (last, date) if last == day => date,
            _ => {
                let mut date = [0; 10];
                date.copy_from_slice(&DateText::civil(day * 86_400)?.0[..10]);
                LAST_DAY.set((day, date));
                date
            }
        };
        let mut b = *b"0000-00-00T00:00:00+00:00";
        b[..10].copy_from_slice(&date);
        // Each under 60 (24 for the hour), so two digits.
        for (at, n) in [
            (11, of_day / 3600),
            (14, of_day / 60 % 60),
            (17, of_day % 60),
        ] {
            b[at] = b'0' + (n / 10) as u8;
            b[at + 1] = b'0' + (n % 10) as u8;
        }
        Some(DateText(b))
    }

    /// The whole conversion, through jiff.
    fn civil(secs: i64) -> Option<DateText> {
        // The offset itself, not `TimeZone::UTC`: no time zone to consult.
        let dt = Offset::UTC.to_datetime(timestamp(secs));
        let year = u16::try_from(dt.year()).ok().filter(|y| *y <= 9999)?;
        let mut b = *b"0000-00-00T00:00:00+00:00";
        let mut put = |at: usize, width: usize, mut n: u16| {
            for i in (at..at + width).rev() {
                b[i] = b'0' + (n % 10) as u8;
                n /= 10;
            }
        };
        put(0, 4, year);
        for (at, n) in [
            (5, dt.month()),
            (8, dt.day()),
            (11, dt.hour()),
            (14, dt.minute()),
            (17, dt.second()),
        ] {
            put(at, 2, n as u16);
        }
        Some(DateText(b))
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII digits and separators went in.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
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
    Offset::UTC.to_datetime(ts).date()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_round_trip_in_mollie_form() {
        let s = parse_datetime("2024-03-20T09:13:37+00:00").unwrap();
        assert_eq!(format_datetime(s), "2024-03-20T09:13:37+00:00");
        assert_eq!(format_datetime(0), "1970-01-01T00:00:00+00:00");
        assert_eq!(format_datetime(4_102_444_799), "2099-12-31T23:59:59+00:00");
        // Before year 0 the slow path keeps what it always wrote.
        assert!(DateText::new(-62_167_219_201).is_none());
        assert!(format_datetime(-62_167_219_201).starts_with("-001-12-31T23:59:59"));
        assert_eq!(
            parse_datetime("2018-04-06T13:23:21.0Z"),
            parse_datetime("2018-04-06T13:23:21+00:00")
        );
    }

    /// The day kept from the last call writes what the whole conversion
    /// writes, across day, month, year and leap-day boundaries, in any order.
    #[test]
    fn a_kept_day_writes_what_the_whole_conversion_writes() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(16);
        let edges = [
            0,
            86_399,
            86_400,
            951_782_399, // 2000-02-28T23:59:59
            951_868_800, // 2000-03-01
            1_709_251_199,
            4_102_444_799,
            LAST_SECOND,
            LAST_SECOND + 1,
            253_402_300_799, // 9999-12-31T23:59:59
        ];
        let mut checked = 0;
        for i in 0..20_000u64 {
            let secs = match i % 4 {
                0 => edges[(i / 4) as usize % edges.len()],
                // Near the one before, as a response's datetimes are.
                1 | 2 => rng.random_range(1_700_000_000..1_700_172_800),
                _ => rng.random_range(0..=253_402_300_799),
            };
            let fast = DateText::new(secs).map(|t| t.as_str().to_owned());
            let whole = DateText::civil(secs).map(|t| t.as_str().to_owned());
            assert_eq!(fast, whole, "{secs}");
            checked += 1;
        }
        assert_eq!(checked, 20_000);
    }

    #[test]
    fn a_pinned_clock_shows_its_time_then_runs_on() {
        let c = Clock::default();
        let start = c.now();
        c.pin(start + 86_400);
        assert_eq!(c.now(), start + 86_400);
        c.pin(start);
        assert_eq!(c.now(), start + 86_400, "never backwards");
        c.unpin_at(start + 2 * 86_400);
        assert!(c.now() >= start + 2 * 86_400);
    }

    #[test]
    fn clock_moves_forward() {
        let c = Clock::default();
        let before = c.now();
        c.advance(3600);
        assert!(c.now() >= before + 3600);
    }
}
