//! Everything that happens later, on an account's clock: one ordered set of
//! due events per account ([`Schedule`], kept in [`Data`] under the same lock
//! as the objects, so a cascade that cancels an object also drops its events
//! atomically), and one runner ([`run_due`]) that fires what is due in time
//! order. A background loop ([`run`]) calls it for every account; moving an
//! account's clock forward calls it directly.
//!
//! Each resource adds its own [`Due`] variant and one arm in [`fire`]; the
//! object's own rules stay in its module (`lifecycle` for payments).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::app::App;
use crate::ids::Id;
use crate::store::{Account, Data, PaymentStatus};

/// How often the background loop looks for due events.
pub const TICK: Duration = Duration::from_millis(250);

/// What can fall due. Ordered only so that it can sit in a `BTreeSet`; the
/// time and the insertion sequence decide the firing order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Due {
    /// An open payment reaches its `expiresAt`.
    PaymentExpiry(Id),
    /// A refund takes its next step towards `refunded`.
    RefundStep(Id),
    /// A pending capture succeeds.
    CaptureSettle(Id),
    /// An authorized payment's `captureDelay` has passed (payment id).
    AutoCapture(Id),
    /// An authorized payment reaches its `captureBefore` (payment id).
    AuthorizationExpiry(Id),
}

/// An account's pending events, by (time, insertion order).
#[derive(Debug, Default)]
pub struct Schedule {
    events: BTreeSet<(i64, u64, Due)>,
    seq: u64,
}

impl Schedule {
    pub fn at(&mut self, at: i64, due: Due) {
        self.seq += 1;
        self.events.insert((at, self.seq, due));
    }

    /// Drops every event that `matches` (the object it concerns is gone or
    /// settled). Linear, but cancellations are rare next to reads.
    pub fn cancel(&mut self, matches: impl Fn(&Due) -> bool) {
        self.events.retain(|(_, _, d)| !matches(d));
    }

    pub fn next_at(&self) -> Option<i64> {
        self.events.first().map(|(at, _, _)| *at)
    }

    pub fn is_due(&self, now: i64) -> bool {
        self.next_at().is_some_and(|at| at <= now)
    }

    /// The earliest event at or before `now`, taken out of the schedule.
    pub fn pop_due(&mut self, now: i64) -> Option<(i64, Due)> {
        if !self.is_due(now) {
            return None;
        }
        self.events.pop_first().map(|(at, _, d)| (at, d))
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    pub fn clear(&mut self) {
        self.events.clear();
    }
}

/// Fires, in time order, every event of the account due at or before `now`.
/// Returns how many fired.
pub fn run_due(app: &App, account: &Account, now: i64) -> usize {
    if !account.data.read().schedule.is_due(now) {
        return 0;
    }
    let mut data = account.data.write();
    let mut n = 0;
    while let Some((at, due)) = data.schedule.pop_due(now) {
        fire(app, account, &mut data, at, due);
        n += 1;
    }
    n
}

fn fire(app: &App, account: &Account, data: &mut Data, at: i64, due: Due) {
    use crate::after_sales;
    match due {
        Due::PaymentExpiry(id) => {
            // A payment that reached a final status meanwhile simply stays.
            let _ =
                crate::lifecycle::set_status(app, account, data, &id, PaymentStatus::Expired, None);
        }
        Due::RefundStep(id) => after_sales::refund_due(app, account, data, &id, at),
        Due::CaptureSettle(id) => {
            // A capture forced to an outcome meanwhile stays as it is.
            let _ = after_sales::settle_capture(
                app,
                account,
                data,
                &id,
                crate::store::CaptureStatus::Succeeded,
            );
        }
        Due::AutoCapture(id) => after_sales::auto_capture(app, account, data, &id, at),
        Due::AuthorizationExpiry(id) => after_sales::authorization_expired(app, account, data, &id),
    }
}

/// Every [`TICK`], fires what is due in every account, until `stop`.
pub async fn run(app: Arc<App>, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                for account in app.registry.all() {
                    run_due(&app, &account, account.clock.now());
                }
            }
            _ = stop.changed() => break,
        }
        if *stop.borrow() {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_then_insertion_order() {
        let mut s = Schedule::default();
        s.at(20, Due::PaymentExpiry("tr_b".into()));
        s.at(10, Due::PaymentExpiry("tr_c".into()));
        s.at(20, Due::PaymentExpiry("tr_a".into()));
        assert_eq!(s.next_at(), Some(10));
        assert!(s.pop_due(9).is_none());
        let order: Vec<_> = std::iter::from_fn(|| s.pop_due(20)).collect();
        assert_eq!(
            order,
            vec![
                (10, Due::PaymentExpiry("tr_c".into())),
                (20, Due::PaymentExpiry("tr_b".into())),
                (20, Due::PaymentExpiry("tr_a".into())),
            ]
        );
        assert!(s.is_empty());
    }

    #[test]
    fn cancel_drops_matching_events() {
        let mut s = Schedule::default();
        s.at(5, Due::PaymentExpiry("tr_a".into()));
        s.at(6, Due::PaymentExpiry("tr_b".into()));
        s.cancel(|d| matches!(d, Due::PaymentExpiry(id) if id.as_str() == "tr_a"));
        assert_eq!(s.len(), 1);
        assert_eq!(s.next_at(), Some(6));
    }
}
