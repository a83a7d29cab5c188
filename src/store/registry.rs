use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};

use dashmap::DashMap;

use super::{Account, Data, Mode};
use crate::fixtures::{self, AccountSeed, Source, TEMPLATE_KEY};
use crate::ids;

/// Every account, by the key that reaches it. Accounts seeded by a fixture
/// exist from the start; any other key gets a fresh account (from the `"*"`
/// template, when there is one) on its first request.
pub struct Registry {
    accounts: DashMap<Box<str>, Arc<Account>, foldhash::fast::RandomState>,
    sources: Vec<Source>,
    template: Option<AccountSeed>,
    rng_seed: u64,
    /// Page token to the name of its account, for the pages a browser opens
    /// without an API key (checkout, dashboard): see [`crate::page_link`].
    page_tokens: DashMap<Box<str>, Box<str>>,
    /// Reference ([`Account::reference`]) to the name of its account, so
    /// that the console finds an account picked from its list without a
    /// look at every account.
    references: DashMap<Box<str>, Box<str>>,
    /// Accounts named by a fixture: never dropped as idle.
    seeded: std::collections::HashSet<Box<str>>,
    /// The bound on every account's journal together.
    journal_budget: Arc<crate::journal::Budget>,
    /// `--clock-start`: where new accounts' clocks start, unless their
    /// fixture says `now`.
    clock_start: Option<i64>,
    /// This registry among all in the process (tests run many servers on
    /// the same threads), for [`Registry::remembered`].
    id: u64,
    /// Bumped whenever an account leaves the map or is replaced in it: what
    /// a worker thread remembers from before is then not used.
    generation: AtomicU64,
}

/// Each worker thread's last API-key account: a keep-alive client sends
/// the same `Authorization` header on every request, and finding its
/// account again (the header's shape checked, the map read) cost more than
/// comparing the header with the one before.
struct Remembered {
    registry: u64,
    generation: u64,
    header: Box<[u8]>,
    account: Weak<Account>,
}

thread_local! {
    static REMEMBERED: RefCell<Option<Remembered>> = const { RefCell::new(None) };
}

static REGISTRY_IDS: AtomicU64 = AtomicU64::new(1);

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
            accounts: DashMap::default(),
            sources,
            template: None,
            rng_seed,
            page_tokens: DashMap::new(),
            references: DashMap::new(),
            seeded: Default::default(),
            journal_budget: Default::default(),
            clock_start,
            id: REGISTRY_IDS.fetch_add(1, Ordering::Relaxed),
            generation: AtomicU64::new(0),
        };
        for (key, seed) in fixtures::load(&registry.sources, now)? {
            if key == TEMPLATE_KEY {
                registry.template = Some(seed);
                continue;
            }
            let mode = mode_of(&key);
            let mut data = seed.into_data(registry.account_seed(&key));
            data.starts_at = data.starts_at.or(clock_start);
            let account = Arc::new(registry.account(&key, mode, data));
            registry.note_names(&account);
            registry.seeded.insert(key.as_str().into());
            registry.accounts.insert(key.as_str().into(), account);
        }
        Ok(registry)
    }

    /// A new account whose journal counts against the shared bound.
    fn account(&self, name: &str, mode: Mode, data: Data) -> Account {
        let mut account = Account::new(name, mode, data);
        account.journal = crate::journal::Journal::new(self.journal_budget.clone());
        account
    }

    pub fn journal_budget(&self) -> &crate::journal::Budget {
        &self.journal_budget
    }

    /// Drops the accounts that hold nothing but their seed and a journal and
    /// have served no request for `idle_ms` before `now_ms`; fixture accounts stay. An
    /// account a request holds right now is never dropped. Returns how many
    /// went.
    pub fn drop_idle(&self, now_ms: i64, idle_ms: i64) -> usize {
        let idle: Vec<Box<str>> = self
            .accounts
            .iter()
            .filter(|e| now_ms - e.value().last_used() >= idle_ms && !self.seeded.contains(e.key()))
            .map(|e| e.key().clone())
            .collect();
        let mut dropped = 0;
        for name in idle {
            // Under the map's lock for this key: no request can pick the
            // account up meanwhile, and only the map holds it.
            let removed = self.accounts.remove_if(&name, |_, a| {
                Arc::strong_count(a) == 1 && now_ms - a.last_used() >= idle_ms && a.is_pristine()
            });
            if let Some((_, account)) = removed {
                self.generation.fetch_add(1, Ordering::Release);
                self.page_tokens.remove(&account.page_token);
                self.references.remove(account.reference().as_str());
                dropped += 1;
            }
        }
        dropped
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
                Arc::new(self.account(&name, mode, self.fresh_data(&name)))
            })
            .clone();
        if created {
            self.note_names(&account);
        }
        account
    }

    /// Remembers how keyless callers name the account: its page token and
    /// its reference.
    fn note_names(&self, account: &Account) {
        self.page_tokens
            .insert(account.page_token.clone(), account.key.clone());
        self.references
            .insert(account.reference().as_str().into(), account.key.clone());
    }

    /// The account the console's list named `reference`.
    pub fn by_reference(&self, reference: &str) -> Option<Arc<Account>> {
        let name = self.references.get(reference)?;
        self.existing(name.value())
    }

    /// The account whose page links carry `token`.
    pub fn by_page_token(&self, token: &str) -> Option<Arc<Account>> {
        let name = self.page_tokens.get(token)?;
        self.existing(name.value())
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
            Some(t) => {
                let mut data = t.clone().into_data(seed);
                // The template's profile becomes each account's own.
                if let Some(p) = data.profiles.first_mut() {
                    p.id = ids::derived("pfl_", name);
                }
                data
            }
            None => Data::new(seed),
        };
        data.starts_at = data.starts_at.or(self.clock_start);
        data
    }

    /// The account's data as its fixtures made it (re-read from their
    /// files), its id generator seeded with `id_seed`.
    pub fn seeded_data(&self, name: &str, now: i64, id_seed: u64) -> Result<Data, String> {
        let seeds = fixtures::load(&self.sources, now)?;
        let seed = seeds
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, seed)| seed)
            .or_else(|| self.template.clone());
        let mut data = match seed {
            Some(seed) => seed.into_data(id_seed),
            None => Data::new(id_seed),
        };
        data.starts_at = data.starts_at.or(self.clock_start);
        Ok(data)
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

    /// Adds an account made elsewhere (a state file): it holds data of its
    /// own, so it is never dropped as idle.
    pub fn insert(&self, mut account: Account) {
        account.journal = crate::journal::Journal::new(self.journal_budget.clone());
        account.mark_changed();
        self.note_names(&account);
        self.accounts.insert(account.key.clone(), Arc::new(account));
        self.generation.fetch_add(1, Ordering::Release);
    }

    /// The API-key account this thread last found for exactly `header`
    /// (the `Authorization` value), while no account has left the map since.
    pub fn remembered(&self, header: &[u8]) -> Option<Arc<Account>> {
        REMEMBERED.with(|r| {
            let r = r.try_borrow().ok()?;
            let r = r.as_ref()?;
            let current = r.registry == self.id
                && r.generation == self.generation.load(Ordering::Acquire)
                && *r.header == *header;
            if current {
                r.account.upgrade()
            } else {
                None
            }
        })
    }

    /// Where the map stands, read before an account is looked up to be
    /// remembered ([`Registry::remember`]).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Remembers `account` as the one `header` reaches, on this thread, as
    /// of `generation` (read before the lookup: an account replaced between
    /// the lookup and now is then not remembered as current). Only for API
    /// keys: an access token's account depends on the request.
    pub fn remember(&self, header: &[u8], account: &Arc<Account>, generation: u64) {
        REMEMBERED.with(|r| {
            if let Ok(mut r) = r.try_borrow_mut() {
                *r = Some(Remembered {
                    registry: self.id,
                    generation,
                    header: header.into(),
                    account: Arc::downgrade(account),
                });
            }
        });
    }
}

/// Every so often (a quarter of `idle_secs`, between 50 ms and a minute),
/// drops the accounts idle for `idle_secs` ([`Registry::drop_idle`]), until
/// `stop` turns true.
pub async fn sweep_idle(
    registry: &Registry,
    idle_secs: u64,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    if idle_secs == 0 {
        return;
    }
    let every = std::time::Duration::from_millis((idle_secs * 250).clamp(50, 60_000));
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                let now = jiff::Timestamp::now().as_millisecond();
                let idle_ms = i64::try_from(idle_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
                let n = registry.drop_idle(now, idle_ms);
                if n > 0 {
                    tracing::debug!(accounts = n, "idle accounts dropped");
                }
            }
            _ = stop.changed() => break,
        }
        if *stop.borrow() {
            break;
        }
    }
}

pub fn mode_of(key: &str) -> Mode {
    if key.starts_with("live_") || (key.starts_with("access_") && !key.ends_with("#test")) {
        Mode::Live
    } else {
        Mode::Test
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM";
    const HEADER: &[u8] = b"Bearer test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM";

    fn registry() -> Registry {
        Registry::new(Vec::new(), 1, 0, None).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A remembered account is the one the key reaches, for the same header
    /// on the same registry only, and never one that has left the map.
    #[test]
    fn a_remembered_account_is_the_live_one_or_none() {
        let a = registry();
        let b = registry();
        assert!(a.remembered(HEADER).is_none());
        let account = a.get(KEY, Mode::Test, false);
        a.remember(HEADER, &account, a.generation());
        let again = a.remembered(HEADER).unwrap_or_else(|| panic!("remembered"));
        assert!(Arc::ptr_eq(&again, &account));
        drop(again);
        assert!(a
            .remembered(b"Bearer  test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM")
            .is_none());
        assert!(b.remembered(HEADER).is_none(), "another registry's account");
        // Remembering holds no strong reference: the idle sweep still sees
        // the map as the account's only holder, and drops it.
        drop(account);
        assert_eq!(a.drop_idle(i64::MAX / 2, 1), 1);
        assert!(a.remembered(HEADER).is_none(), "a dropped account");
        let fresh = a.get(KEY, Mode::Test, false);
        assert!(a.remembered(HEADER).is_none());
        let before = a.generation();
        a.remember(HEADER, &fresh, before);
        assert!(a.remembered(HEADER).is_some());
        // A state load replaces accounts: what was remembered is not used.
        a.insert(Account::new(KEY, Mode::Test, a.fresh_data(KEY)));
        assert!(a.remembered(HEADER).is_none(), "a replaced account");
        // Replaced between the lookup and the remembering: not current.
        a.remember(HEADER, &fresh, before);
        assert!(a.remembered(HEADER).is_none(), "remembered as of before");
    }
}
