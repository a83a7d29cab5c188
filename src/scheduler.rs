//! Everything that happens later, on an account's clock: one ordered set of
//! due events per account ([`Schedule`], kept in [`Data`] under the same lock
//! as the objects, so a cascade that cancels an object also drops its events
//! atomically), and one runner ([`run_due`]) that fires what is due in time
//! order. A background loop ([`run`]) calls it for every account; moving an
//! account's clock forward calls it directly.
//!
//! Each resource adds its own [`Due`] variant and one arm in [`fire`]; the
//! object's own rules stay in its module (`lifecycle` for payments).

use std::collections::{BTreeSet, HashMap};
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
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
    /// A subscription's next payment date has come.
    SubscriptionCharge(Id),
    /// A failed webhook delivery's next attempt.
    WebhookRetry(crate::webhooks::Retry),
}

impl Due {
    /// The name an advance's summary counts it under.
    pub fn kind(&self) -> &'static str {
        match self {
            Due::PaymentExpiry(_) => "paymentExpiries",
            Due::SubscriptionCharge(_) => "subscriptionCharges",
            Due::WebhookRetry(_) => "webhookRetries",
            Due::RefundStep(_) => "refundSteps",
            Due::CaptureSettle(_) => "captureSettles",
            Due::AutoCapture(_) => "autoCaptures",
            Due::AuthorizationExpiry(_) => "authorizationExpiries",
        }
    }
}

/// An account's pending events, by (time, insertion order).
#[derive(Debug, Default)]
pub struct Schedule {
    events: BTreeSet<(i64, u64, Due)>,
    /// Where each event sits in `events`: a cascade drops an object's
    /// events by lookup, not by a walk through every event of the account
    /// (a charge reschedules its subscription, a paid payment drops its
    /// expiry: thousands in one advance, each with thousands pending).
    index: HashMap<Due, Vec<(i64, u64)>>,
    seq: u64,
}

impl Schedule {
    pub fn at(&mut self, at: i64, due: Due) {
        self.seq += 1;
        self.index
            .entry(due.clone())
            .or_default()
            .push((at, self.seq));
        self.events.insert((at, self.seq, due));
    }

    /// Drops every event of `due` (the object it concerns is gone or
    /// settled).
    pub fn cancel(&mut self, due: &Due) {
        for (at, seq) in self.index.remove(due).unwrap_or_default() {
            self.events.remove(&(at, seq, due.clone()));
        }
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
        let (at, seq, due) = self.events.pop_first()?;
        if let Some(places) = self.index.get_mut(&due) {
            places.retain(|p| *p != (at, seq));
            if places.is_empty() {
                self.index.remove(&due);
            }
        }
        Some((at, due))
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    pub fn clear(&mut self) {
        self.events.clear();
        self.index.clear();
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
        Due::SubscriptionCharge(id) => crate::recurring::charge(app, account, data, &id),
        Due::WebhookRetry(retry) => app.webhooks.retry(&account.key, retry),
    }
}

/// Events an advance fires before it lets go of the account and yields.
const CHUNK: usize = 32;

/// What an advance of the clock did.
#[derive(Debug, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub from: String,
    pub now: String,
    /// Events fired, by kind (`subscriptionCharges`, `paymentExpiries`, ...).
    pub events: std::collections::BTreeMap<&'static str, usize>,
    pub payments_created: usize,
    pub webhooks: WebhookSummary,
}

#[derive(Debug, Default, serde::Serialize)]
pub struct WebhookSummary {
    /// Attempts made during the advance (first attempts and retries).
    pub sent: usize,
    pub succeeded: usize,
    pub failed: usize,
}

impl WebhookSummary {
    fn count(&mut self, attempts: &[bool]) {
        self.sent += attempts.len();
        self.succeeded += attempts.iter().filter(|ok| **ok).count();
        self.failed += attempts.iter().filter(|ok| !**ok).count();
    }
}

/// Moves the account's clock forward to `target`, firing everything due on
/// the way in time order. While the events of one moment fire, the clock
/// shows that moment (so what they make carries it); the webhooks they
/// caused are attempted once before time moves on, so a failed delivery's
/// retry lands on the schedule at the right time and fires in the same
/// advance if it falls due before `target`.
pub async fn advance(app: &Arc<App>, account: &Arc<Account>, target: i64) -> Summary {
    let _one_at_a_time = account.clock.advancing.lock().await;
    let from = account.clock.now();
    let mut summary = Summary {
        from: crate::clock::format_datetime(from),
        ..Summary::default()
    };
    let payments_before = account.data.read().payments.len();
    app.webhooks.watch(&account.key);
    loop {
        // Everything due at this moment (including what firing adds), a
        // chunk at a time: the account's lock is let go and the runtime
        // thread yielded between chunks, so other requests (of this account
        // and every other) are not held up behind a thousand charges.
        // `None`: nothing more is due by `target`; `Some(more)`: fired a
        // chunk, and `more` is due at the same moment.
        let step = {
            let mut data = account.data.write();
            let next = data.schedule.next_at().filter(|at| *at <= target);
            next.map(|at| fire_chunk(app, account, &mut data, at, &mut summary))
        };
        let Some(more) = step else {
            // Whatever the last moment's events (or anyone else's) sent.
            let waited = app.webhooks.first_attempts(&account.key).await;
            summary.webhooks.count(&waited);
            break;
        };
        tokio::task::yield_now().await;
        if more {
            continue;
        }
        let waited = app.webhooks.first_attempts(&account.key).await;
        summary.webhooks.count(&waited);
    }
    app.webhooks.unwatch(&account.key);
    account.clock.unpin_at(target.max(account.clock.now()));
    summary.now = crate::clock::format_datetime(account.clock.now());
    summary.payments_created = account
        .data
        .read()
        .payments
        .len()
        .saturating_sub(payments_before);
    summary
}

/// Up to [`CHUNK`] events due at `at`, with the clock showing `at`; whether
/// more are due then.
fn fire_chunk(
    app: &App,
    account: &Account,
    data: &mut Data,
    at: i64,
    summary: &mut Summary,
) -> bool {
    account.clock.pin(at);
    for _ in 0..CHUNK {
        let Some((at, due)) = data.schedule.pop_due(at) else {
            break;
        };
        *summary.events.entry(due.kind()).or_default() += 1;
        fire(app, account, data, at, due);
    }
    data.schedule.is_due(at)
}

/// Every [`TICK`], fires what is due in every account, until `stop`.
pub async fn run(app: Arc<App>, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                for account in app.registry.all() {
                    // An account being advanced is the advance's to fire:
                    // its clock shows the moment being fired.
                    if let Ok(_idle) = account.clock.advancing.try_lock() {
                        run_due(&app, &account, account.clock.now());
                    }
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
        s.at(7, Due::PaymentExpiry("tr_a".into()));
        s.cancel(&Due::PaymentExpiry("tr_a".into()));
        assert_eq!(s.len(), 1);
        assert_eq!(s.next_at(), Some(6));
        assert_eq!(s.pop_due(10), Some((6, Due::PaymentExpiry("tr_b".into()))));
        assert!(s.is_empty() && s.index.is_empty());
    }
}
