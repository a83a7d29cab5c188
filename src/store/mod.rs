//! State. The [`Registry`] maps each API key to its [`Account`]; an account
//! holds its objects in [`Data`] behind one lock, so that a cascade (deleting
//! a customer cancels its mandates and subscriptions) is atomic for every
//! reader, while accounts never contend with each other.

pub mod collection;
pub mod customer;
pub mod mandate;
pub mod payment;
pub mod registry;
pub mod subscription;

use std::collections::{BTreeSet, HashMap};

use parking_lot::{Mutex, RwLock};
use rand::rngs::StdRng;
use rand::SeedableRng;

use crate::clock::Clock;
use crate::idempotency::IdempotencyStore;
use crate::ids::{self, Id};
pub use collection::{Collection, Page, SortKey};
pub use customer::Customer;
pub use mandate::{Mandate, MandateStatus};
pub use payment::{Amount, Payment, PaymentStatus, SequenceType};
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

pub struct Account {
    pub key: Box<str>,
    pub mode: Mode,
    pub profile_id: Id,
    pub clock: Clock,
    pub data: RwLock<Data>,
    pub idempotency: Mutex<IdempotencyStore>,
    /// The account's own scenario and every scenario's counters here.
    pub scenarios: crate::scenario::AccountScenarios,
    pub journal: crate::journal::Journal,
}

impl Account {
    pub fn new(key: &str, mode: Mode, data: Data) -> Account {
        let clock = Clock::default();
        if let Some(at) = data.starts_at {
            clock.start_at(at);
        }
        Account {
            key: key.into(),
            mode,
            profile_id: ids::derived("pfl_", key),
            clock,
            data: RwLock::new(data),
            idempotency: Mutex::new(IdempotencyStore::default()),
            scenarios: Default::default(),
            journal: Default::default(),
        }
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
    pub customers: Collection<Customer>,
    /// Deleted customers, by id, with the time of deletion: they answer 410.
    pub deleted_customers: HashMap<Id, i64>,
    pub payments: Collection<Payment>,
    pub customer_payments: HashMap<Id, BTreeSet<SortKey>>,
    /// Every mandate, revoked ones too (they answer 410).
    pub mandates: Collection<Mandate>,
    /// A customer's mandates that are not revoked: what its list shows.
    pub customer_mandates: HashMap<Id, BTreeSet<SortKey>>,
    /// Every subscription, canceled ones too (they still answer 200).
    pub subscriptions: Collection<Subscription>,
    pub customer_subscriptions: HashMap<Id, BTreeSet<SortKey>>,
    /// The payments each subscription made, as keys of `payments`.
    pub subscription_payments: HashMap<Id, BTreeSet<SortKey>>,
    /// How this account's subscription charges come out (sandbox API).
    pub charges: ChargeSettings,
    /// What falls due later on the account's clock (expiry, ...): the
    /// scheduler reads the front of this set only.
    pub schedule: crate::scheduler::Schedule,
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
        Data {
            rng: StdRng::seed_from_u64(rng_seed),
            seq: 0,
            customers: Collection::default(),
            deleted_customers: HashMap::new(),
            payments: Collection::default(),
            customer_payments: HashMap::new(),
            mandates: Collection::default(),
            customer_mandates: HashMap::new(),
            subscriptions: Collection::default(),
            customer_subscriptions: HashMap::new(),
            subscription_payments: HashMap::new(),
            charges: ChargeSettings::default(),
            schedule: Default::default(),
            starts_at: None,
        }
    }

    fn next_key(&mut self, created_at: i64) -> SortKey {
        self.seq += 1;
        SortKey {
            created_at,
            seq: self.seq,
        }
    }

    pub fn new_customer_id(&mut self) -> Id {
        loop {
            let id = ids::generate("cst_", &mut self.rng);
            if self.customers.get(&id).is_none() && !self.deleted_customers.contains_key(&id) {
                return id;
            }
        }
    }

    pub fn new_payment_id(&mut self) -> Id {
        loop {
            let id = ids::generate("tr_", &mut self.rng);
            if self.payments.get(&id).is_none() {
                return id;
            }
        }
    }

    pub fn new_mandate_id(&mut self) -> Id {
        loop {
            let id = ids::generate("mdt_", &mut self.rng);
            if self.mandates.get(&id).is_none() {
                return id;
            }
        }
    }

    pub fn new_subscription_id(&mut self) -> Id {
        loop {
            let id = ids::generate("sub_", &mut self.rng);
            if self.subscriptions.get(&id).is_none() {
                return id;
            }
        }
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
        let key = self.next_key(customer.created_at);
        self.customers.insert(customer.id.clone(), key, customer);
    }

    pub fn insert_payment(&mut self, payment: Payment) {
        let key = self.next_key(payment.created_at);
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
            self.schedule
                .at(at, crate::scheduler::Due::PaymentExpiry(payment.id.clone()));
        }
        self.payments.insert(payment.id.clone(), key, payment);
    }

    /// Takes a payment out of the expiry schedule (it reached a final status).
    pub fn unschedule_expiry(&mut self, id: &str) {
        use crate::scheduler::Due;
        self.schedule
            .cancel(|d| matches!(d, Due::PaymentExpiry(p) if p.as_str() == id));
    }

    pub fn insert_mandate(&mut self, mandate: Mandate) {
        let key = self.next_key(mandate.created_at);
        if mandate.revoked_at.is_none() {
            self.customer_mandates
                .entry(mandate.customer_id.clone())
                .or_default()
                .insert(key);
        }
        self.mandates.insert(mandate.id.clone(), key, mandate);
    }

    pub fn customer_has_mandates(&self, id: &str) -> bool {
        self.customer_mandates
            .get(id)
            .is_some_and(|set| !set.is_empty())
    }

    /// Adds a subscription and, when it is to charge, its next charge.
    pub fn insert_subscription(&mut self, sub: Subscription) {
        let key = self.next_key(sub.created_at);
        self.customer_subscriptions
            .entry(sub.customer_id.clone())
            .or_default()
            .insert(key);
        if let (false, Some(date)) = (sub.status.is_final(), sub.next_payment_date) {
            self.schedule.at(
                subscription::day_start(date),
                crate::scheduler::Due::SubscriptionCharge(sub.id.clone()),
            );
        }
        self.subscriptions.insert(sub.id.clone(), key, sub);
    }

    /// Drops the subscription's pending charge from the schedule.
    pub fn unschedule_charge(&mut self, id: &str) {
        use crate::scheduler::Due;
        self.schedule
            .cancel(|d| matches!(d, Due::SubscriptionCharge(s) if s.as_str() == id));
    }

    /// (Re)schedules the subscription's next charge, if it has one.
    pub fn schedule_charge(&mut self, id: &str) {
        self.unschedule_charge(id);
        let Some(sub) = self.subscriptions.get(id) else {
            return;
        };
        if let (false, Some(date)) = (sub.status.is_final(), sub.next_payment_date) {
            self.schedule.at(
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
