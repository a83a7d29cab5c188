use std::sync::Arc;

use dashmap::DashMap;

use super::{Account, Data, Mode};
use crate::fixtures::{self, AccountSeed, Source, TEMPLATE_KEY};
use crate::ids;

/// Every account, by the key that reaches it. Accounts seeded by a fixture
/// exist from the start; any other key gets a fresh account (from the `"*"`
/// template, when there is one) on its first request.
pub struct Registry {
    accounts: DashMap<Box<str>, Arc<Account>>,
    sources: Vec<Source>,
    template: Option<AccountSeed>,
    rng_seed: u64,
    /// Payment id to the name of the account that holds it, for the pages a
    /// browser opens without an API key (checkout). A hint, checked on use.
    payment_accounts: DashMap<ids::Id, Box<str>>,
    /// `--clock-start`: where new accounts' clocks start, unless their
    /// fixture says `now`.
    clock_start: Option<i64>,
}

/// Access tokens see test and live objects apart, so each mode of a token is
/// an account of its own.
fn account_name(key: &str, mode: Mode, access_token: bool) -> std::borrow::Cow<'_, str> {
    if access_token && mode == Mode::Test {
        format!("{key}#test").into()
    } else {
        key.into()
    }
}

impl Registry {
    pub fn new(
        sources: Vec<Source>,
        rng_seed: u64,
        now: i64,
        clock_start: Option<i64>,
    ) -> Result<Registry, String> {
        let mut registry = Registry {
            accounts: DashMap::new(),
            sources,
            template: None,
            rng_seed,
            payment_accounts: DashMap::new(),
            clock_start,
        };
        for (key, seed) in fixtures::load(&registry.sources, now)? {
            if key == TEMPLATE_KEY {
                registry.template = Some(seed);
                continue;
            }
            let mode = mode_of(&key);
            let mut data = seed.into_data(registry.account_seed(&key));
            data.starts_at = data.starts_at.or(clock_start);
            let account = Arc::new(Account::new(&key, mode, data));
            registry.index_payments(&account);
            registry.accounts.insert(key.as_str().into(), account);
        }
        Ok(registry)
    }

    /// The seed of an account's id generator: the run's seed and its name.
    pub fn account_seed(&self, key: &str) -> u64 {
        self.rng_seed ^ ids::fnv(key)
    }

    pub fn get(&self, key: &str, mode: Mode, access_token: bool) -> Arc<Account> {
        let name = account_name(key, mode, access_token);
        if let Some(acc) = self.accounts.get(name.as_ref()) {
            return acc.clone();
        }
        let mut created = false;
        let account = self
            .accounts
            .entry(name.as_ref().into())
            .or_insert_with(|| {
                created = true;
                Arc::new(Account::new(&name, mode, self.fresh_data(&name)))
            })
            .clone();
        if created {
            self.index_payments(&account);
        }
        account
    }

    /// Notes that `account` holds the payment `id`.
    pub fn index_payment(&self, id: &str, account: &Account) {
        self.payment_accounts
            .insert(ids::Id::new(id), account.key.clone());
    }

    /// Notes every payment of `account` (fixtures, templates, imports).
    pub fn index_payments(&self, account: &Account) {
        let data = account.data.read();
        for p in data.payments.iter() {
            self.payment_accounts
                .insert(p.id.clone(), account.key.clone());
        }
    }

    /// The account that holds payment `id`, for callers without an API key.
    /// The index is checked against the account; when it is stale (state
    /// replaced by a reset or an import) every account is searched once.
    pub fn payment_account(&self, id: &str) -> Option<Arc<Account>> {
        let hinted = self
            .payment_accounts
            .get(id)
            .and_then(|name| self.accounts.get(name.value().as_ref()).map(|a| a.clone()));
        if let Some(account) = hinted {
            if account.data.read().payments.get(id).is_some() {
                return Some(account);
            }
        }
        let found = self.account_holding(|data| data.payments.get(id).is_some())?;
        self.index_payment(id, &found);
        Some(found)
    }

    /// The first account whose data `holds` says yes to: a scan of every
    /// account, for the rare caller that has an object id but no key.
    pub fn account_holding(&self, holds: impl Fn(&Data) -> bool) -> Option<Arc<Account>> {
        self.accounts
            .iter()
            .find(|e| holds(&e.value().data.read()))
            .map(|e| e.value().clone())
    }

    /// The account [`Registry::get`] would answer with, only if it exists already.
    pub fn find(&self, key: &str, mode: Mode, access_token: bool) -> Option<Arc<Account>> {
        self.existing(&account_name(key, mode, access_token))
    }

    /// Only accounts that exist already; never creates one.
    pub fn existing(&self, name: &str) -> Option<Arc<Account>> {
        self.accounts.get(name).map(|a| a.clone())
    }

    fn fresh_data(&self, name: &str) -> Data {
        let seed = self.account_seed(name);
        let mut data = match &self.template {
            Some(t) => t.clone().into_data(seed),
            None => Data::new(seed),
        };
        data.starts_at = data.starts_at.or(self.clock_start);
        data
    }

    /// The account's data as its fixtures made it (re-read from their files).
    pub fn seeded_data(&self, name: &str, now: i64) -> Result<Data, String> {
        let seeds = fixtures::load(&self.sources, now)?;
        Ok(match seeds.into_iter().find(|(k, _)| k == name) {
            Some((_, seed)) => {
                let mut data = seed.into_data(self.account_seed(name));
                data.starts_at = data.starts_at.or(self.clock_start);
                data
            }
            None => self.fresh_data(name),
        })
    }

    pub fn all(&self) -> Vec<Arc<Account>> {
        self.accounts.iter().map(|e| e.value().clone()).collect()
    }

    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    pub fn insert(&self, account: Account) {
        let account = Arc::new(account);
        self.index_payments(&account);
        self.accounts.insert(account.key.clone(), account);
    }
}

pub fn mode_of(key: &str) -> Mode {
    if key.starts_with("live_") || (key.starts_with("access_") && !key.ends_with("#test")) {
        Mode::Live
    } else {
        Mode::Test
    }
}
