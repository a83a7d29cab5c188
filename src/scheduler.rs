//! Everything that happens later, on an account's clock: one ordered set of
//! due events per account ([`Schedule`], kept in [`Data`] under the same lock
//! as the objects, so a cascade that cancels an object also drops its events
//! atomically), and one runner ([`run_due`]) that fires what is due in time
//! order. A background loop ([`run`]) calls it for every account; moving an
//! account's clock forward calls it directly.
//!
//! Each resource adds its own [`Due`] variant and one arm in [`fire`]; the
//! object's own rules stay in its module (`lifecycle` for payments).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use smallvec::SmallVec;
use tokio::sync::watch;

use crate::app::App;
use crate::ids::Id;
use crate::store::{Account, Data, PaymentStatus};

/// How often the background loop looks for due events.
pub const TICK: Duration = Duration::from_millis(250);

/// What can fall due; the time and the insertion sequence decide the
/// firing order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
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
    /// Boxed: the other events are one id, and every open payment keeps
    /// one in the tree; a retry inline would double them all.
    WebhookRetry(Box<crate::webhooks::Retry>),
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

    /// Whether [`Schedule`]'s index holds it: only a subscription's charge,
    /// the one event dropped through its object ([`Schedule::cancel`]: a
    /// cancel, a suspension, a customer's deletion). A payment's expiry is
    /// dropped by its place ([`Schedule::cancel_at`]); every other event
    /// fires and finds its object as it is then (a canceled refund's step
    /// does nothing). A refund books two steps: indexing them was a random
    /// write and erase in a table of every refund in flight.
    fn indexed(&self) -> bool {
        matches!(self, Due::SubscriptionCharge(_))
    }
}

/// An account's pending events, by (time, insertion order).
#[derive(Debug, Default)]
pub struct Schedule {
    /// Keyed by (time, sequence), which is unique: the tree compares and
    /// moves two integers, not the event beside them (a refund books three).
    /// The sequence is the account's one counter ([`Data::schedule_at`]),
    /// so events of the same second fire in the order they were booked.
    events: BTreeMap<(i64, u64), Due>,
    /// Where each subscription's charge sits in `events` ([`Due::indexed`]):
    /// a cascade drops a subscription's events by lookup, not by a walk
    /// through every event of the account (a charge reschedules its
    /// subscription: thousands in one advance, each with thousands pending).
    /// Nearly every subscription has one event at a time: kept inline,
    /// booking one allocates nothing beside the set's own node.
    ///
    /// A payment's expiry is not in it: every open payment has one, and a
    /// random write into a table of millions was the dearest part of storing
    /// a payment. The payment itself knows where its expiry sits (its
    /// `expiresAt` and its key's sequence), see [`Schedule::cancel_at`].
    index: HashMap<Due, SmallVec<[(i64, u64); 1]>, foldhash::fast::RandomState>,
}

impl Schedule {
    /// Books `due` at `at`; `seq` is unique in the account and grows in
    /// booking order.
    pub fn at(&mut self, at: i64, seq: u64, due: Due) {
        if due.indexed() {
            self.index.entry(due.clone()).or_default().push((at, seq));
        }
        self.events.insert((at, seq), due);
    }

    /// Drops the event booked at exactly `(at, seq)`: a payment's expiry.
    pub fn cancel_at(&mut self, at: i64, seq: u64) {
        self.events.remove(&(at, seq));
    }

    /// Drops every event of `due` (the object it concerns is gone or
    /// settled); only for an indexed event (see `Due::indexed`).
    pub fn cancel(&mut self, due: &Due) {
        for (at, seq) in self.index.remove(due).unwrap_or_default() {
            self.events.remove(&(at, seq));
        }
    }

    pub fn next_at(&self) -> Option<i64> {
        self.events.first_key_value().map(|((at, _), _)| *at)
    }

    pub fn is_due(&self, now: i64) -> bool {
        self.next_at().is_some_and(|at| at <= now)
    }

    /// The earliest event at or before `now`, taken out of the schedule.
    pub fn pop_due(&mut self, now: i64) -> Option<(i64, Due)> {
        if !self.is_due(now) {
            return None;
        }
        let ((at, seq), due) = self.events.pop_first()?;
        if !due.indexed() {
            return Some((at, due));
        }
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
        Due::WebhookRetry(retry) => app.webhooks.retry(&account.key, *retry),
    }
}

/// At most this many events, and this long, in one slice of an advance;
/// then the account's lock is let go and the thread yielded, so that the
/// requests that arrived meanwhile (of this account and every other) run
/// before the next slice.
const SLICE_EVENTS: usize = 256;
const SLICE_TIME: Duration = Duration::from_micros(250);

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
///
/// The firing goes a short slice at a time ([`SLICE_EVENTS`],
/// [`SLICE_TIME`]): a slice's cost is bounded by time, not by a count of
/// events whose cost varies, so a request of another account waits at
/// most about one slice for the thread.
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
        // `None`: nothing more is due by `target`. Otherwise what fired,
        // and whether more is due at the same moment.
        let Some((fired, more)) = fire_slice(app, account, target) else {
            // Whatever the last moment's events (or anyone else's) sent.
            let waited = app.webhooks.first_attempts(&account.key).await;
            summary.webhooks.count(&waited);
            break;
        };
        for (kind, n) in fired {
            *summary.events.entry(kind).or_default() += n;
        }
        // Let go of the thread: requests that arrived meanwhile run first.
        tokio::task::yield_now().await;
        // A moment with more webhooks than an account may have waiting
        // (a slow receiver lets them pile up) waits for a share of them
        // before it fires on: none is dropped at the bound, and one
        // advance never fills the queue every account shares.
        if more && app.webhooks.unawaited(&account.key) < crate::webhooks::QUEUE / 2 {
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

/// Events fired in a slice, by kind.
type Fired = Vec<(&'static str, usize)>;

/// One slice of an advance: events due at the next moment by `target`,
/// with the clock showing that moment, until the slice's budget is spent.
/// `None` when nothing is due by `target`; else what fired and whether
/// more is due at that moment.
fn fire_slice(app: &App, account: &Account, target: i64) -> Option<(Fired, bool)> {
    let started = std::time::Instant::now();
    let mut data = account.data.write();
    let at = data.schedule.next_at().filter(|at| *at <= target)?;
    account.clock.pin(at);
    let mut fired: Fired = Vec::new();
    for _ in 0..SLICE_EVENTS {
        let Some((at, due)) = data.schedule.pop_due(at) else {
            break;
        };
        let kind = due.kind();
        match fired.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, n)) => *n += 1,
            None => fired.push((kind, 1)),
        }
        fire(app, account, &mut data, at, due);
        if started.elapsed() >= SLICE_TIME {
            break;
        }
    }
    Some((fired, data.schedule.is_due(at)))
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
        s.at(20, 1, Due::PaymentExpiry("tr_b".into()));
        s.at(10, 2, Due::RefundStep("re_c".into()));
        s.at(20, 3, Due::PaymentExpiry("tr_a".into()));
        assert_eq!(s.next_at(), Some(10));
        assert!(s.pop_due(9).is_none());
        let order: Vec<_> = std::iter::from_fn(|| s.pop_due(20)).collect();
        assert_eq!(
            order,
            vec![
                (10, Due::RefundStep("re_c".into())),
                (20, Due::PaymentExpiry("tr_b".into())),
                (20, Due::PaymentExpiry("tr_a".into())),
            ]
        );
        assert!(s.is_empty());
    }

    #[test]
    fn cancel_drops_matching_events() {
        let charge = |id: &str| Due::SubscriptionCharge(id.into());
        let mut s = Schedule::default();
        s.at(5, 1, charge("sub_a"));
        s.at(6, 2, charge("sub_b"));
        s.at(7, 3, charge("sub_a"));
        s.at(8, 4, Due::RefundStep("re_a".into()));
        // Only a subscription's charge is dropped through its object.
        assert_eq!(s.index.len(), 2);
        s.cancel(&charge("sub_a"));
        assert_eq!(s.len(), 2);
        assert_eq!(s.next_at(), Some(6));
        assert_eq!(s.pop_due(10), Some((6, charge("sub_b"))));
        assert_eq!(s.pop_due(10), Some((8, Due::RefundStep("re_a".into()))));
        assert!(s.is_empty() && s.index.is_empty());
    }

    #[test]
    fn a_payment_expiry_is_dropped_by_its_place() {
        let mut s = Schedule::default();
        s.at(5, 1, Due::PaymentExpiry("tr_a".into()));
        s.at(5, 2, Due::PaymentExpiry("tr_b".into()));
        s.at(5, 3, Due::SubscriptionCharge("sub_a".into()));
        assert_eq!(s.index.len(), 1);
        s.cancel_at(5, 1);
        // The wrong place drops nothing.
        s.cancel_at(6, 2);
        let order: Vec<_> = std::iter::from_fn(|| s.pop_due(5)).collect();
        assert_eq!(
            order,
            vec![
                (5, Due::PaymentExpiry("tr_b".into())),
                (5, Due::SubscriptionCharge("sub_a".into())),
            ]
        );
        assert!(s.is_empty() && s.index.is_empty());
    }
}
