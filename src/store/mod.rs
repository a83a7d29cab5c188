//! State. The [`Registry`] maps each API key to its [`Account`]; an account
//! holds its objects in [`Data`] behind one lock, so that a cascade (deleting
//! a customer cancels its mandates and subscriptions) is atomic for every
//! reader, while accounts never contend with each other.

pub mod capture;
pub mod chargeback;
pub mod collection;
pub mod customer;
pub mod data_lock;
pub mod mandate;
pub mod payment;
pub mod payment_extra;
pub mod profile;
pub mod refund;
pub mod registry;
pub mod subscription;

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use parking_lot::Mutex;
use rand::rngs::StdRng;
use rand::SeedableRng;

use crate::clock::Clock;
use crate::idempotency::IdempotencyStore;
use crate::ids::{self, Id};
pub use capture::{Capture, CaptureStatus};
pub use chargeback::Chargeback;
pub use collection::{Collection, Keyed, Page, SortKey};
pub use customer::Customer;
pub use data_lock::{DataLock, Version};
pub use mandate::{Mandate, MandateStatus};
pub use payment::{Amount, Country, Money, Payment, PaymentStatus, SequenceType};
pub use payment_extra::PaymentExtra;
pub use profile::{Organization, Profile};
pub use refund::{Refund, RefundStatus};
pub use registry::Registry;
pub use subscription::{ChargeOutcome, Subscription, SubscriptionStatus};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    Test,
    Live,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Test => "test",
            Mode::Live => "live",
        }
    }
}

/// Every kept object carries its id as `id`.
macro_rules! keyed {
    ($($t:ty),*) => {
        $(impl Keyed for $t {
            fn id(&self) -> &str {
                &self.id
            }
        })*
    };
}
keyed!(
    Customer,
    Payment,
    Mandate,
    Subscription,
    Refund,
    Chargeback,
    Capture
);

/// A map by object id. foldhash rather than SipHash: every request looks
/// an id or two up, and a sandbox on loopback needs no defence against
/// crafted ids beyond foldhash's per-process seed.
pub type IdMap<V> = HashMap<Id, V, foldhash::fast::RandomState>;

pub struct Account {
    pub key: Box<str>,
    pub mode: Mode,
    pub profile_id: Id,
    pub clock: Clock,
    pub data: DataLock,
    pub idempotency: Mutex<IdempotencyStore>,
    /// The account's own scenario and every scenario's counters here.
    pub scenarios: crate::scenario::AccountScenarios,
    pub journal: crate::journal::Journal,
    /// What the account's keyless page links carry ([`crate::page_link`]).
    pub page_token: Box<str>,
    /// When the account last served a request, and whether anything could
    /// have changed it: what decides that an idle account may be dropped.
    pub activity: Activity,
}

#[derive(Default)]
pub struct Activity {
    /// Wall-clock milliseconds.
    last_used: AtomicI64,
    changed: AtomicBool,
}

impl Account {
    /// A stable, opaque name for the account: what the console's account
    /// list hands out instead of the key (`X-Sandbox-Account`).
    pub fn reference(&self) -> crate::ids::Id {
        crate::ids::derived("acct_", &self.key)
    }

    /// The account of `key`; its profile is the first of `data`'s (a
    /// fixture's), else a new one with an id derived from the key.
    pub fn new(key: &str, mode: Mode, mut data: Data) -> Account {
        let profile_id = data.ensure_profile(key, mode);
        let clock = Clock::default();
        if let Some(at) = data.starts_at {
            clock.start_at(at);
        }
        Account {
            key: key.into(),
            mode,
            profile_id,
            clock,
            data: DataLock::new(data),
            idempotency: Mutex::new(IdempotencyStore::default()),
            scenarios: Default::default(),
            journal: Default::default(),
            page_token: crate::page_link::token(key),
            activity: Activity {
                last_used: AtomicI64::new(jiff::Timestamp::now().as_millisecond()),
                changed: AtomicBool::new(false),
            },
        }
    }

    /// Notes a request at `now` (milliseconds); `changes` when it may have changed the account
    /// (any method but GET and HEAD, whatever its answer).
    pub fn touch(&self, now: i64, changes: bool) {
        // Written once a millisecond at most, not by every request: the
        // line stays shared between the cores that serve the account.
        if self.activity.last_used.load(Ordering::Relaxed) != now {
            self.activity.last_used.store(now, Ordering::Relaxed);
        }
        if changes {
            self.mark_changed();
        }
    }

    /// The account holds more than its seed: it is never dropped as idle.
    pub fn mark_changed(&self) {
        if !self.activity.changed.load(Ordering::Relaxed) {
            self.activity.changed.store(true, Ordering::Relaxed);
        }
    }

    /// Milliseconds.
    pub fn last_used(&self) -> i64 {
        self.activity.last_used.load(Ordering::Relaxed)
    }

    /// Holds nothing but what its seed made and a journal: no request that
    /// could change it, no status change, nothing scheduled, no idempotency
    /// key, no scenario of its own, the clock not moved.
    pub fn is_pristine(&self) -> bool {
        !self.activity.changed.load(Ordering::Relaxed)
            && self.clock.offset() == 0
            && self.scenarios.active().is_none()
            && self.idempotency.lock().is_empty()
            && self.data.read().schedule.is_empty()
    }
}

/// What a lookup of a customer id found.
pub enum Found<'a, T> {
    Live(&'a T),
    Deleted,
    Missing,
}

pub struct Data {
    rng: StdRng,
    seq: u64,
    /// The id made last ([`Data::new_payment_id`] and the like) and the
    /// place drawn for it: the object carrying that id takes it when stored.
    reserved: Option<(Id, SortKey)>,
    pub customers: Collection<Customer>,
    /// Deleted customers, by id, with the time of deletion: they answer 410.
    pub deleted_customers: IdMap<i64>,
    pub payments: Collection<Payment>,
    pub customer_payments: IdMap<BTreeSet<SortKey>>,
    /// Every mandate, revoked ones too (they answer 410).
    pub mandates: Collection<Mandate>,
    /// A customer's mandates that are not revoked: what its list shows.
    pub customer_mandates: IdMap<BTreeSet<SortKey>>,
    /// Every subscription, canceled ones too (they still answer 200).
    pub subscriptions: Collection<Subscription>,
    pub customer_subscriptions: IdMap<BTreeSet<SortKey>>,
    /// The payments each subscription made, as keys of `payments`.
    pub subscription_payments: IdMap<BTreeSet<SortKey>>,
    /// How this account's subscription charges come out (sandbox API).
    pub charges: ChargeSettings,
    /// What falls due later on the account's clock (expiry, ...): the
    /// scheduler reads the front of this set only.
    pub schedule: crate::scheduler::Schedule,
    /// Every refund of the account (what `GET /v2/refunds` pages), and
    /// each payment's own.
    pub refunds: Collection<Refund>,
    pub payment_refunds: IdMap<BTreeSet<SortKey>>,
    pub chargebacks: Collection<Chargeback>,
    pub payment_chargebacks: IdMap<BTreeSet<SortKey>>,
    pub captures: Collection<Capture>,
    pub payment_captures: IdMap<BTreeSet<SortKey>>,
    /// Seconds between two steps of a refund's status walk; `None` takes
    /// `--refund-delay`. Set by a fixture's `refundDelay`.
    pub refund_delay: Option<u64>,
    /// Website profiles, the key's own first (see [`profile`]).
    pub profiles: Vec<Profile>,
    pub organization: Option<Organization>,
    /// Where the account's clock starts when these objects are installed
    /// (a fixture's `now`, `--clock-start`); `None` leaves it.
    pub starts_at: Option<i64>,
}

/// The account's choices for subscription charges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeSettings {
    pub outcome: ChargeOutcome,
    /// Test mode cancels a subscription after 10 charges, as Mollie's does;
    /// `None` follows the server's flag.
    pub test_mode_cancel: Option<bool>,
}

impl Default for ChargeSettings {
    fn default() -> Self {
        ChargeSettings {
            outcome: ChargeOutcome::Paid,
            test_mode_cancel: None,
        }
    }
}

impl Data {
    pub fn new(rng_seed: u64) -> Data {
        let mut rng = StdRng::seed_from_u64(rng_seed);
        // Mixed into the places the account's ids name (`ids::placed`).
        let secret = rand::Rng::random(&mut rng);
        Data {
            rng,
            seq: 0,
            reserved: None,
            customers: Collection::new(secret),
            deleted_customers: IdMap::default(),
            payments: Collection::new(secret),
            customer_payments: IdMap::default(),
            mandates: Collection::new(secret),
            customer_mandates: IdMap::default(),
            subscriptions: Collection::new(secret),
            customer_subscriptions: IdMap::default(),
            subscription_payments: IdMap::default(),
            charges: ChargeSettings::default(),
            schedule: Default::default(),
            refunds: Collection::new(secret),
            payment_refunds: IdMap::default(),
            chargebacks: Collection::new(secret),
            payment_chargebacks: IdMap::default(),
            captures: Collection::new(secret),
            payment_captures: IdMap::default(),
            refund_delay: None,
            profiles: Vec::new(),
            organization: None,
            starts_at: None,
        }
    }

    /// Gives an account without a profile (or organization) the default
    /// ones, derived from its key; returns the key's own profile id.
    pub fn ensure_profile(&mut self, key: &str, mode: Mode) -> Id {
        let bare = key.strip_suffix("#test").unwrap_or(key);
        if self.organization.is_none() {
            let digits = ids::fnv(bare) % 100_000_000;
            self.organization = Some(Organization::new(Id::new(format!("org_{digits:08}"))));
        }
        if self.profiles.is_empty() {
            let created = jiff::Timestamp::now().as_second();
            let id = ids::derived("pfl_", key);
            self.profiles.push(Profile::new(id, mode, created));
        }
        self.profiles[0].id.clone()
    }

    pub fn profile(&self, id: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.id == id)
    }

    /// The profile a payment was made on: the one it names, else the key's own.
    pub fn profile_for(&self, p: &Payment) -> Option<&Profile> {
        p.profile_id
            .as_deref()
            .and_then(|id| self.profile(id))
            .or(self.profiles.first())
    }

    pub fn profile_mut(&mut self, id: &str) -> Option<&mut Profile> {
        self.profiles.iter_mut().find(|p| p.id == id)
    }

    pub fn new_profile_id(&mut self) -> Id {
        loop {
            let id = ids::generate("pfl_", &mut self.rng);
            if self.profile(&id).is_none() {
                return id;
            }
        }
    }

    fn next_key(&mut self, created_at: i64) -> SortKey {
        self.seq += 1;
        SortKey {
            created_at,
            seq: self.seq,
        }
    }

    /// Books `due` on the account's schedule, in sequence with the objects
    /// (a payment's expiry takes its payment's own place in it).
    pub fn schedule_at(&mut self, at: i64, due: crate::scheduler::Due) {
        self.seq += 1;
        self.schedule.at(at, self.seq, due);
    }

    /// A new object's id, made at `created_at`, for the collection `coll`
    /// picks: the id names the place drawn for it now, which the object
    /// takes when it is stored ([`Data::key_for`]). Where no id can name
    /// the place (or `taken` says another object has it), a random one,
    /// which its collection keeps in an index.
    fn new_id<T: Keyed>(
        &mut self,
        created_at: i64,
        prefix: &str,
        coll: fn(&Data) -> &Collection<T>,
        taken: fn(&Data, &Id) -> bool,
    ) -> Id {
        let key = self.next_key(created_at);
        let id = match coll(self).placed_id(prefix, key) {
            Some(id) if !taken(self, &id) => id,
            _ => loop {
                let id = ids::generate(prefix, &mut self.rng);
                if coll(self).get(&id).is_none() && !taken(self, &id) {
                    break id;
                }
            },
        };
        self.reserved = Some((id.clone(), key));
        id
    }

    /// Where an object being stored goes: the place drawn with its id when
    /// its id is the one made last, else a new one (an object loaded, or
    /// one whose id was not the last made).
    fn key_for(&mut self, id: &str, created_at: i64) -> SortKey {
        match &self.reserved {
            Some((made, key)) if made == id && key.created_at == created_at => {
                let key = *key;
                self.reserved = None;
                key
            }
            _ => self.next_key(created_at),
        }
    }

    pub fn new_customer_id(&mut self, created_at: i64) -> Id {
        self.new_id(
            created_at,
            "cst_",
            |d| &d.customers,
            |d, id| !d.deleted_customers.is_empty() && d.deleted_customers.contains_key(id),
        )
    }

    pub fn new_payment_id(&mut self, created_at: i64) -> Id {
        self.new_id(created_at, "tr_", |d| &d.payments, |_, _| false)
    }

    pub fn new_mandate_id(&mut self, created_at: i64) -> Id {
        self.new_id(created_at, "mdt_", |d| &d.mandates, |_, _| false)
    }

    pub fn new_refund_id(&mut self, created_at: i64) -> Id {
        self.new_id(created_at, "re_", |d| &d.refunds, |_, _| false)
    }

    pub fn new_chargeback_id(&mut self, created_at: i64) -> Id {
        self.new_id(created_at, "chb_", |d| &d.chargebacks, |_, _| false)
    }

    pub fn new_capture_id(&mut self, created_at: i64) -> Id {
        self.new_id(created_at, "cpt_", |d| &d.captures, |_, _| false)
    }

    pub fn new_subscription_id(&mut self, created_at: i64) -> Id {
        self.new_id(created_at, "sub_", |d| &d.subscriptions, |_, _| false)
    }

    /// A seed for the generator of the data that replaces this (a reset):
    /// drawn from this generator, so ids made after a reset differ from the
    /// ones made before it, and a run with `--seed` still replays.
    pub fn next_seed(&mut self) -> u64 {
        rand::Rng::random(&mut self.rng)
    }

    /// Random characters for test details (fingerprints, references).
    pub fn random_token(&mut self, len: usize) -> String {
        ids::random_base62(len, &mut self.rng)
    }

    pub fn customer(&self, id: &str) -> Found<'_, Customer> {
        if let Some(c) = self.customers.get(id) {
            Found::Live(c)
        } else if self.deleted_customers.contains_key(id) {
            Found::Deleted
        } else {
            Found::Missing
        }
    }

    pub fn insert_customer(&mut self, customer: Customer) {
        let key = self.key_for(&customer.id, customer.created_at);
        self.customers.insert(customer.id.clone(), key, customer);
    }

    /// A deleted customer loaded back: it answers 410, and when it was
    /// made at `created_at` (in list order with the customers inserted
    /// around it), a list cursor naming it still has its position.
    pub fn insert_deleted_customer(&mut self, id: Id, created_at: Option<i64>, deleted_at: i64) {
        if let Some(at) = created_at {
            let key = self.next_key(at);
            self.customers.insert_removed(id.clone(), key);
        }
        self.deleted_customers.insert(id, deleted_at);
    }

    pub fn insert_payment(&mut self, payment: Payment) {
        let key = self.key_for(&payment.id, payment.created_at);
        if let Some(cst) = &payment.customer_id {
            self.customer_payments
                .entry(cst.clone())
                .or_default()
                .insert(key);
        }
        if let Some(sub) = &payment.subscription_id {
            self.subscription_payments
                .entry(sub.clone())
                .or_default()
                .insert(key);
        }
        if let (false, Some(at)) = (payment.status.is_final(), payment.expires_at) {
            self.schedule.at(
                at,
                key.seq,
                crate::scheduler::Due::PaymentExpiry(payment.id.clone()),
            );
        }
        self.payments.insert(payment.id.clone(), key, payment);
    }

    /// A refund, in the account's list and its payment's; the payment's
    /// totals follow.
    pub fn insert_refund(&mut self, refund: Refund) {
        let key = self.key_for(&refund.id, refund.created_at);
        let payment = refund.payment_id.clone();
        let counted = refund
            .status
            .counts()
            .then(|| crate::validate::minor_units(&refund.amount));
        self.payment_refunds
            .entry(payment.clone())
            .or_default()
            .insert(key);
        self.refunds.insert(refund.id.clone(), key, refund);
        // The first refund settles all the payment's totals; each one after
        // adds to the refunded total, without recounting the others (which
        // made each refund cost as much as all before it).
        match self.payments.get_mut(&payment) {
            Some(p) if p.money.has_refunds => {
                p.money.refunded = p.money.refunded.saturating_add(counted.unwrap_or(0));
            }
            _ => self.settle_totals(&payment),
        }
    }

    pub fn insert_chargeback(&mut self, chargeback: Chargeback) {
        let key = self.key_for(&chargeback.id, chargeback.created_at);
        let payment = chargeback.payment_id.clone();
        self.payment_chargebacks
            .entry(payment.clone())
            .or_default()
            .insert(key);
        self.chargebacks
            .insert(chargeback.id.clone(), key, chargeback);
        self.settle_totals(&payment);
    }

    pub fn insert_capture(&mut self, capture: Capture) {
        let key = self.key_for(&capture.id, capture.created_at);
        let payment = capture.payment_id.clone();
        self.payment_captures
            .entry(payment.clone())
            .or_default()
            .insert(key);
        self.captures.insert(capture.id.clone(), key, capture);
        self.settle_totals(&payment);
    }

    /// A payment's refunds, chargebacks or captures, oldest first.
    pub fn of_payment<'a, T>(
        coll: &'a Collection<T>,
        index: &'a IdMap<BTreeSet<SortKey>>,
        payment: &str,
    ) -> impl DoubleEndedIterator<Item = &'a T> + 'a {
        index
            .get(payment)
            .into_iter()
            .flatten()
            .filter_map(|k| coll.by_key(k))
    }

    /// The payment's `amountRefunded`, `amountChargedBack`, `amountCaptured`
    /// and links, recounted from its objects after any of them changed.
    pub fn settle_totals(&mut self, payment: &str) {
        let refunds: Vec<u64> = Self::of_payment(&self.refunds, &self.payment_refunds, payment)
            .filter(|r| r.status.counts())
            .map(|r| crate::validate::minor_units(&r.amount))
            .collect();
        let has_refunds = self
            .payment_refunds
            .get(payment)
            .is_some_and(|s| !s.is_empty());
        let charged_back: u64 =
            Self::of_payment(&self.chargebacks, &self.payment_chargebacks, payment)
                .filter(|c| c.reversed_at.is_none())
                .map(|c| crate::validate::minor_units(&c.amount))
                .sum();
        let has_chargebacks = self
            .payment_chargebacks
            .get(payment)
            .is_some_and(|s| !s.is_empty());
        let captured: u64 = Self::of_payment(&self.captures, &self.payment_captures, payment)
            .filter(|c| c.status == CaptureStatus::Succeeded)
            .map(|c| crate::validate::minor_units(&c.amount))
            .sum();
        let has_captures = self
            .payment_captures
            .get(payment)
            .is_some_and(|s| !s.is_empty());
        if let Some(p) = self.payments.get_mut(payment) {
            let m = &mut p.money;
            m.refunded = refunds.iter().sum();
            m.has_refunds = has_refunds;
            m.charged_back = charged_back;
            m.has_chargebacks = has_chargebacks;
            // A payment set paid without a capture object (the sandbox
            // route, a fixture) was captured in full.
            m.captured =
                if captured == 0 && p.status == PaymentStatus::Paid && p.authorized_at.is_some() {
                    crate::validate::minor_units(&p.amount)
                } else {
                    captured
                };
            m.has_captures = has_captures;
        }
    }

    /// Takes a payment out of the expiry schedule (it reached a final status).
    pub fn unschedule_expiry(&mut self, id: &str) {
        if let Some((key, Some(at))) = self.payments.entry(id).map(|(k, p)| (k, p.expires_at)) {
            self.schedule.cancel_at(at, key.seq);
        }
    }

    pub fn insert_mandate(&mut self, mandate: Mandate) {
        let key = self.key_for(&mandate.id, mandate.created_at);
        if mandate.revoked_at.is_none() {
            self.customer_mandates
                .entry(mandate.customer_id.clone())
                .or_default()
                .insert(key);
        }
        self.mandates.insert(mandate.id.clone(), key, mandate);
    }

    /// How many objects of each kind the account holds, for the metrics
    /// (one line per collection).
    pub fn object_counts(&self) -> [(&'static str, usize); 8] {
        [
            ("customers", self.customers.len()),
            ("payments", self.payments.len()),
            ("mandates", self.mandates.len()),
            ("subscriptions", self.subscriptions.len()),
            ("refunds", self.refunds.len()),
            ("chargebacks", self.chargebacks.len()),
            ("captures", self.captures.len()),
            ("profiles", self.profiles.len()),
        ]
    }

    pub fn customer_has_mandates(&self, id: &str) -> bool {
        self.customer_mandates
            .get(id)
            .is_some_and(|set| !set.is_empty())
    }

    /// Adds a subscription and, when it is to charge, its next charge.
    pub fn insert_subscription(&mut self, sub: Subscription) {
        let key = self.key_for(&sub.id, sub.created_at);
        self.customer_subscriptions
            .entry(sub.customer_id.clone())
            .or_default()
            .insert(key);
        if let (false, Some(date)) = (sub.status.is_final(), sub.next_payment_date) {
            self.schedule_at(
                subscription::day_start(date),
                crate::scheduler::Due::SubscriptionCharge(sub.id.clone()),
            );
        }
        self.subscriptions.insert(sub.id.clone(), key, sub);
    }

    /// Drops the subscription's pending charge from the schedule.
    pub fn unschedule_charge(&mut self, id: &str) {
        use crate::scheduler::Due;
        self.schedule.cancel(&Due::SubscriptionCharge(Id::new(id)));
    }

    /// (Re)schedules the subscription's next charge, if it has one.
    pub fn schedule_charge(&mut self, id: &str) {
        self.unschedule_charge(id);
        let Some(sub) = self.subscriptions.get(id) else {
            return;
        };
        if let (false, Some(date)) = (sub.status.is_final(), sub.next_payment_date) {
            self.schedule_at(
                subscription::day_start(date),
                crate::scheduler::Due::SubscriptionCharge(sub.id.clone()),
            );
        }
    }

    /// The mandate a recurring charge uses: the one named, or else the
    /// customer's most recent usable one, among `methods` when any were
    /// given. `pending` also accepts pending mandates (a subscription on one
    /// starts pending).
    pub fn mandate_for(
        &self,
        customer: &str,
        mandate: Option<&str>,
        methods: &[&str],
        pending: bool,
    ) -> Option<&Mandate> {
        let fits = |m: &&Mandate| {
            m.revoked_at.is_none()
                && (m.status == MandateStatus::Valid
                    || (pending && m.status == MandateStatus::Pending))
                && m.customer_id == customer
                && (methods.is_empty() || methods.contains(&m.method))
        };
        match mandate {
            Some(id) => self.mandates.get(id).filter(fits),
            None => self
                .customer_mandates
                .get(customer)?
                .iter()
                .rev()
                .filter_map(|k| self.mandates.by_key(k))
                .find(fits),
        }
    }

    pub fn customer_has_subscriptions(&self, id: &str) -> bool {
        self.customer_subscriptions
            .get(id)
            .is_some_and(|set| !set.is_empty())
    }

    /// Cancels a subscription that may still charge: no next date, no
    /// scheduled charge. `false` when it was canceled or completed already.
    pub fn cancel_subscription(&mut self, id: &str, now: i64) -> bool {
        let Some(sub) = self.subscriptions.get_mut(id) else {
            return false;
        };
        if sub.status.is_final() {
            return false;
        }
        sub.status = SubscriptionStatus::Canceled;
        sub.canceled_at = Some(now);
        sub.next_payment_date = None;
        self.unschedule_charge(id);
        true
    }

    /// The customer's subscriptions, oldest first.
    pub fn subscriptions_of(&self, customer: &str) -> Vec<Id> {
        self.customer_subscriptions
            .get(customer)
            .map(|set| {
                set.iter()
                    .filter_map(|k| self.subscriptions.by_key(k).map(|s| s.id.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Makes a mandate unusable and unlisted; it answers 410 from then on.
    /// The subscriptions that charge it are canceled: those that name it,
    /// and those that name none and have no other mandate to charge.
    pub fn revoke_mandate(&mut self, id: &str, now: i64) -> bool {
        let Some(key) = self.mandates.key_of(id) else {
            return false;
        };
        let Some(m) = self.mandates.get_mut(id) else {
            return false;
        };
        if m.revoked_at.is_some() {
            return false;
        }
        m.revoked_at = Some(now);
        let customer = m.customer_id.clone();
        if let Some(set) = self.customer_mandates.get_mut(&customer) {
            set.remove(&key);
            if set.is_empty() {
                self.customer_mandates.remove(&customer);
            }
        }
        for sub in self.subscriptions_of(&customer) {
            let Some(s) = self.subscriptions.get(&sub) else {
                continue;
            };
            let uses_it = match &s.mandate_id {
                Some(m) => m == id,
                None => {
                    let methods: Vec<&str> = s.method.into_iter().collect();
                    self.mandate_for(&customer, None, &methods, false).is_none()
                }
            };
            if uses_it {
                self.cancel_subscription(&sub, now);
            }
        }
        true
    }

    /// Sets a mandate's status (revoking is [`Data::revoke_mandate`]) and
    /// lets its customer's subscriptions follow. `false` when there is no
    /// such mandate or it is revoked.
    pub fn set_mandate_status(&mut self, id: &str, to: MandateStatus) -> bool {
        let Some(m) = self.mandates.get_mut(id) else {
            return false;
        };
        if m.revoked_at.is_some() {
            return false;
        }
        m.status = to;
        let customer = m.customer_id.clone();
        self.mandates_changed(&customer);
        true
    }

    /// The customer's mandates changed (one appeared, or one turned valid,
    /// pending or invalid): each subscription that is pending or active
    /// takes the status of the mandate it would charge, as Mollie's depends
    /// on "whether the customer has a pending, valid or invalid mandate".
    /// Valid: active, its next charge on the schedule (a date that passed
    /// meanwhile charges at once). Only pending: pending. None left:
    /// suspended, until an update names another mandate. Suspended ones
    /// (failures) stay as they are.
    pub fn mandates_changed(&mut self, customer: &str) {
        for id in self.subscriptions_of(customer) {
            let Some(s) = self.subscriptions.get(&id) else {
                continue;
            };
            if !matches!(
                s.status,
                SubscriptionStatus::Pending | SubscriptionStatus::Active
            ) {
                continue;
            }
            let methods: Vec<&str> = s.method.into_iter().collect();
            let named = s.mandate_id.as_deref();
            let to = if self.mandate_for(customer, named, &methods, false).is_some() {
                SubscriptionStatus::Active
            } else if self.mandate_for(customer, named, &methods, true).is_some() {
                SubscriptionStatus::Pending
            } else {
                SubscriptionStatus::Suspended
            };
            if to == s.status {
                continue;
            }
            if let Some(s) = self.subscriptions.get_mut(&id) {
                s.status = to;
            }
            match to {
                SubscriptionStatus::Suspended => self.unschedule_charge(&id),
                _ => self.schedule_charge(&id),
            }
        }
    }

    pub fn customer_has_payments(&self, id: &str) -> bool {
        self.customer_payments
            .get(id)
            .is_some_and(|set| !set.is_empty())
    }

    /// Removes the customer from every list, revokes its mandates and
    /// cancels its subscriptions; its payments stay, still naming it.
    pub fn delete_customer(&mut self, id: &str, now: i64) -> bool {
        match self.customers.remove(id) {
            Some(c) => {
                let mandates: Vec<Id> = self
                    .customer_mandates
                    .get(id)
                    .map(|set| {
                        set.iter()
                            .filter_map(|k| self.mandates.by_key(k).map(|m| m.id.clone()))
                            .collect()
                    })
                    .unwrap_or_default();
                for m in mandates {
                    self.revoke_mandate(&m, now);
                }
                for sub in self.subscriptions_of(id) {
                    self.cancel_subscription(&sub, now);
                }
                self.deleted_customers.insert(c.id, now);
                true
            }
            None => false,
        }
    }
}
