//! State. The [`Registry`] maps each API key to its [`Account`]; an account
//! holds its objects in [`Data`] behind one lock, so that a cascade (deleting
//! a customer cancels its mandates and subscriptions) is atomic for every
//! reader, while accounts never contend with each other.

pub mod collection;
pub mod customer;
pub mod mandate;
pub mod payment;
pub mod payment_extra;
pub mod registry;

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
pub use payment_extra::PaymentExtra;
pub use registry::Registry;

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
        Account {
            key: key.into(),
            mode,
            profile_id: ids::derived("pfl_", key),
            clock: Clock::default(),
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
    /// What falls due later on the account's clock (expiry, ...): the
    /// scheduler reads the front of this set only.
    pub schedule: crate::scheduler::Schedule,
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
            schedule: Default::default(),
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

    /// Makes a mandate unusable and unlisted; it answers 410 from then on.
    /// Subscriptions that charge it are to be cancelled here as well.
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
        true
    }

    pub fn customer_has_payments(&self, id: &str) -> bool {
        self.customer_payments
            .get(id)
            .is_some_and(|set| !set.is_empty())
    }

    /// Removes the customer from every list and revokes its mandates; its
    /// payments stay, still naming it.
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
                self.deleted_customers.insert(c.id, now);
                true
            }
            None => false,
        }
    }
}
