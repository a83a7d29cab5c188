//! The request journal: each account remembers its last requests (method,
//! path, query, status or fault, latency, the scenario rules that fired) in
//! a bounded ring, newest last; `GET /_sandbox/requests` reads it newest
//! first. With `--journal-bodies`, request and response bodies are kept
//! apart from the entries ([`Bodies`]), each cut at [`BODY_LIMIT`] and all
//! of an account's at [`BODIES_BYTES`], so the entries stay small.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;

use hyper::http::request::Parts;
use parking_lot::Mutex;
use serde::Serialize;
use smol_str::SmolStr;

use crate::app::{App, Outcome};
use crate::scenario::Fault;
use crate::store::Account;

/// What one entry may cost at most, its own size and the text it owns
/// together, whatever the request held: a long URL or key is cut short.
pub const MAX_ENTRY_BYTES: usize = 512;
/// Caps of the owned text of an entry, in bytes (cut at a character
/// boundary, a cut one ending in `…`).
const MAX_TARGET: usize = 160;
const MAX_SCENARIO: usize = 48;
const MAX_RULES: usize = 80;
const MAX_IDEMPOTENCY_KEY: usize = 64;
/// What a trim frees below the bound (a quarter of it, for a bound under
/// 1 MiB): enough that a trim is not every request's (some 1,500 entries),
/// little enough that one costs well under a millisecond. A trim runs in
/// the request that crossed the bound, and every request behind it on the
/// thread waits: freeing a quarter of 64 MiB at once took 27 ms, one
/// stall every few seconds under a test suite's traffic of many keys,
/// and the p99 of the benchmark's mixed workload with it.
const TRIM_STEP: usize = 256 * 1024;

pub struct Journal {
    inner: Mutex<Ring>,
    budget: Arc<Budget>,
}

impl Default for Journal {
    /// A journal counted against a budget of its own (tests, unregistered
    /// accounts); the registry gives its accounts the shared one.
    fn default() -> Self {
        Journal::new(Arc::new(Budget::default()))
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        let bytes = self.inner.get_mut().bytes;
        self.budget.release(bytes);
    }
}

#[derive(Default)]
struct Ring {
    entries: VecDeque<Entry>,
    next_id: u64,
    /// Entries pushed out by newer ones (or by the bound on all journals)
    /// since the last clear.
    dropped: u64,
    /// What the entries cost, as [`Entry::footprint`] counts.
    bytes: usize,
    /// Bodies by entry id, oldest first, at most [`BODIES_BYTES`] in all.
    bodies: VecDeque<(u64, Arc<Bodies>)>,
    bodies_bytes: usize,
}

/// Each body is cut to this many bytes.
pub const BODY_LIMIT: usize = 8 * 1024;
/// An account keeps at most this many bytes of bodies; older ones go first.
pub const BODIES_BYTES: usize = 512 * 1024;

/// A request's bodies as kept with `--journal-bodies`.
#[derive(Debug, Clone, Default)]
pub struct Bodies {
    pub request: Bytes,
    pub request_truncated: bool,
    pub response: Bytes,
    pub response_truncated: bool,
}

impl Bodies {
    /// Both bodies, each cut at [`BODY_LIMIT`] (copied, so a cut body does
    /// not keep a large buffer alive).
    pub fn new(request: &Bytes, response: &Bytes) -> Bodies {
        let cut = |b: &Bytes| {
            if b.len() > BODY_LIMIT {
                (Bytes::copy_from_slice(&b[..BODY_LIMIT]), true)
            } else {
                (b.clone(), false)
            }
        };
        let (request, request_truncated) = cut(request);
        let (response, response_truncated) = cut(response);
        Bodies {
            request,
            request_truncated,
            response,
            response_truncated,
        }
    }

    fn size(&self) -> usize {
        self.request.len() + self.response.len()
    }
}

/// The bound on every journal together (`--journal-max-mb`): the bytes their
/// entries cost now, and the most they may cost.
pub struct Budget {
    bytes: AtomicUsize,
    max: AtomicUsize,
    trimming: AtomicBool,
    /// The accounts with a journal, least recently used last, as of the
    /// last walk of the registry: each trim takes from its end and leaves
    /// the rest for the next, so that the walk (every account, sorted)
    /// is paid once per pass over all journals, not once per trim.
    to_trim: Mutex<Vec<std::sync::Weak<Account>>>,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            bytes: AtomicUsize::new(0),
            max: AtomicUsize::new(usize::MAX),
            trimming: AtomicBool::new(false),
            to_trim: Mutex::new(Vec::new()),
        }
    }
}

impl Ring {
    /// Bodies go with their entry (older than `oldest`), and the oldest go
    /// past [`BODIES_BYTES`].
    fn evict_bodies(&mut self, oldest: u64) {
        while let Some((id, b)) = self.bodies.front() {
            if *id >= oldest && self.bodies_bytes <= BODIES_BYTES {
                break;
            }
            self.bodies_bytes -= b.size();
            self.bodies.pop_front();
        }
    }
}

impl Budget {
    pub fn set_max(&self, bytes: usize) {
        self.max.store(bytes, Ordering::Relaxed);
    }

    pub fn max(&self) -> usize {
        self.max.load(Ordering::Relaxed)
    }

    /// What every journal's entries cost together now.
    pub fn used(&self) -> usize {
        self.bytes.load(Ordering::Relaxed)
    }

    fn add(&self, bytes: usize) {
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    fn release(&self, bytes: usize) {
        self.bytes.fetch_sub(bytes, Ordering::Relaxed);
    }

    fn over(&self) -> bool {
        self.used() > self.max()
    }
}

/// Text owned by an entry, cut to at most `max` bytes.
fn bounded(text: &str, max: usize) -> Box<str> {
    if text.len() <= max {
        return text.into();
    }
    const MORE: &str = "…";
    let mut end = max - MORE.len();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = String::with_capacity(end + MORE.len());
    out.push_str(&text[..end]);
    out.push_str(MORE);
    out.into_boxed_str()
}

#[derive(Debug, Clone)]
pub struct Entry {
    /// Counts up per account from 1, so a client can ask for what is new.
    pub id: u64,
    /// Wall-clock time the request arrived, written as RFC 3339 with
    /// milliseconds only when the journal is read.
    pub time: jiff::Timestamp,
    /// Inline (no allocation) up to 23 bytes; a longer method is cut.
    method: SmolStr,
    /// Path and query as one owned string, bounded: a journal entry must
    /// not keep the request's buffers alive (hyper's `Uri` shares the
    /// connection's read buffer, kilobytes per entry).
    target: Box<str>,
    /// Where the path ends in `target`; a query follows after a `?`.
    path_len: u16,
    /// `null` when the connection was faulted instead of answered.
    pub status: Option<u16>,
    pub fault: Option<&'static str>,
    pub latency_ms: f64,
    /// The scenario in force for the request, if any.
    scenario: Option<Box<str>>,
    /// The scenario rules that fired, in order, one per line.
    rules: Box<str>,
    idempotency_key: Option<Box<str>>,
}

/// What a request left in the journal, before it is bounded into an [`Entry`].
pub struct Request<'a> {
    pub time: jiff::Timestamp,
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub status: Option<u16>,
    pub fault: Option<&'static str>,
    pub latency: Duration,
    pub scenario: Option<&'a str>,
    pub rules: &'a [String],
    pub idempotency_key: Option<&'a str>,
}

impl Entry {
    pub fn new(r: Request<'_>) -> Entry {
        let method = if r.method.len() <= 23 {
            SmolStr::new(r.method)
        } else {
            SmolStr::new(&*bounded(r.method, 23))
        };
        let path = bounded(r.path, MAX_TARGET);
        let path_end = path.len();
        let target = match r.query {
            Some(q) if path.len() + 1 < MAX_TARGET => {
                let mut t = String::with_capacity(path.len() + 1 + q.len().min(MAX_TARGET));
                t.push_str(&path);
                t.push('?');
                t.push_str(q);
                bounded(&t, MAX_TARGET)
            }
            _ => path,
        };
        // The query, when kept, starts right after the path (a path has no '?').
        let path_len = if target.as_bytes().get(path_end) == Some(&b'?') {
            path_end
        } else {
            target.len()
        };
        let mut rules = String::new();
        for rule in r.rules {
            if !rules.is_empty() {
                rules.push('\n');
            }
            rules.push_str(&rule.replace('\n', " "));
            if rules.len() > MAX_RULES {
                break;
            }
        }
        Entry {
            id: 0,
            time: r.time,
            method,
            path_len: u16::try_from(path_len).unwrap_or(0),
            target,
            status: r.status,
            fault: r.fault,
            latency_ms: millis(r.latency),
            scenario: r.scenario.map(|s| bounded(s, MAX_SCENARIO)),
            rules: bounded(&rules, MAX_RULES),
            idempotency_key: r.idempotency_key.map(|k| bounded(k, MAX_IDEMPOTENCY_KEY)),
        }
    }

    pub fn method(&self) -> &str {
        &self.method
    }

    pub fn path(&self) -> &str {
        &self.target[..usize::from(self.path_len)]
    }

    pub fn query(&self) -> Option<&str> {
        self.target.get(usize::from(self.path_len) + 1..)
    }

    pub fn rules(&self) -> impl Iterator<Item = &str> {
        self.rules.split('\n').filter(|r| !r.is_empty())
    }

    /// What the entry costs: its own size and the text it owns.
    pub fn footprint(&self) -> usize {
        std::mem::size_of::<Entry>()
            + self.target.len()
            + self.scenario.as_ref().map_or(0, |s| s.len())
            + self.rules.len()
            + self.idempotency_key.as_ref().map_or(0, |k| k.len())
    }

    pub fn idempotency_key(&self) -> Option<&str> {
        self.idempotency_key.as_deref()
    }

    pub fn scenario(&self) -> Option<&str> {
        self.scenario.as_deref()
    }
}

impl Serialize for Entry {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Entry", 11)?;
        st.serialize_field("id", &self.id)?;
        st.serialize_field("time", &time_text(self.time))?;
        st.serialize_field("method", self.method())?;
        st.serialize_field("path", self.path())?;
        st.serialize_field("query", &self.query())?;
        st.serialize_field("status", &self.status)?;
        if let Some(fault) = self.fault {
            st.serialize_field("fault", fault)?;
        }
        st.serialize_field("latencyMs", &self.latency_ms)?;
        st.serialize_field("scenario", &self.scenario)?;
        st.serialize_field("rules", &self.rules().collect::<Vec<_>>())?;
        st.serialize_field("idempotencyKey", &self.idempotency_key)?;
        st.end()
    }
}

/// What a request's way through the pipeline left for its journal entry.
#[derive(Default)]
pub struct Trace {
    pub account: Option<std::sync::Arc<crate::store::Account>>,
    pub scenario: Option<String>,
    pub rules: Vec<String>,
    pub fault: Option<Fault>,
    /// Reading the journal is not itself journaled.
    pub skip: bool,
    /// The request body, set only with `--journal-bodies`.
    pub request_body: Option<Bytes>,
    /// The `Idempotency-Key` header, taken where the headers are read.
    pub idempotency_key: Option<hyper::header::HeaderValue>,
}

/// Filters of `GET /_sandbox/requests`.
#[derive(Debug, Default)]
pub struct Filter {
    pub method: Option<String>,
    pub path_prefix: Option<String>,
    pub status: Option<StatusFilter>,
    /// A scenario rule that fired (its name contains this).
    pub rule: Option<String>,
    /// Only entries with a greater id: what is new since the last read.
    pub after: Option<u64>,
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    Exact(u16),
    /// `5xx`: the hundreds digit.
    Class(u16),
    /// `fault`: requests whose connection was faulted.
    Fault,
}

impl StatusFilter {
    pub fn parse(text: &str) -> Option<StatusFilter> {
        let t = text.trim().to_ascii_lowercase();
        if t == "fault" {
            return Some(StatusFilter::Fault);
        }
        if let Some(d) = t.strip_suffix("xx") {
            return d
                .parse::<u16>()
                .ok()
                .filter(|d| (1..=5).contains(d))
                .map(StatusFilter::Class);
        }
        t.parse::<u16>()
            .ok()
            .filter(|s| (100..=599).contains(s))
            .map(StatusFilter::Exact)
    }

    fn accepts(self, status: Option<u16>) -> bool {
        match (self, status) {
            (StatusFilter::Exact(want), Some(s)) => s == want,
            (StatusFilter::Class(d), Some(s)) => s / 100 == d,
            (StatusFilter::Fault, None) => true,
            _ => false,
        }
    }
}

impl Filter {
    fn accepts(&self, e: &Entry) -> bool {
        self.method
            .as_ref()
            .is_none_or(|m| m.eq_ignore_ascii_case(e.method.as_str()))
            && self
                .path_prefix
                .as_ref()
                .is_none_or(|p| e.path().starts_with(p.as_str()))
            && self.status.is_none_or(|s| s.accepts(e.status))
            && self
                .rule
                .as_ref()
                .is_none_or(|r| e.rules().any(|n| n.contains(r.as_str())))
            && self.after.is_none_or(|a| e.id > a)
    }
}

pub struct Listing {
    pub entries: Vec<Entry>,
    pub kept: usize,
    pub dropped: u64,
}

impl Journal {
    /// An empty journal counted against `budget`.
    pub fn new(budget: Arc<Budget>) -> Journal {
        Journal {
            inner: Mutex::new(Ring::default()),
            budget,
        }
    }

    /// Appends an entry (its id filled in), dropping the oldest past
    /// `capacity`. Returns the entry's id, and whether all journals together
    /// are now past their bound.
    pub fn push(&self, mut entry: Entry, bodies: Option<Bodies>, capacity: usize) -> (u64, bool) {
        if capacity == 0 {
            return (0, false);
        }
        let mut ring = self.inner.lock();
        ring.next_id += 1;
        entry.id = ring.next_id;
        let mut freed = 0;
        while ring.entries.len() >= capacity {
            let Some(old) = ring.entries.pop_front() else {
                break;
            };
            freed += old.footprint();
            ring.dropped += 1;
        }
        let added = entry.footprint();
        let oldest = ring.entries.front().map_or(entry.id, |e| e.id);
        ring.entries.push_back(entry);
        ring.bytes = ring.bytes + added - freed;
        let id = ring.next_id;
        if let Some(bodies) = bodies {
            ring.bodies_bytes += bodies.size();
            ring.bodies.push_back((id, Arc::new(bodies)));
        }
        ring.evict_bodies(oldest);
        drop(ring);
        // The counter all journals share, written only when the total moves:
        // a full ring of like requests frees what it adds, and every core
        // writing this line on every request cost more than the push.
        if added > freed {
            self.budget.add(added - freed);
        } else if freed > added {
            self.budget.release(freed - added);
        }
        (id, self.budget.over())
    }

    /// Drops the oldest entries until at most `keep_bytes` remain; returns
    /// the bytes freed.
    fn shrink(&self, keep_bytes: usize) -> usize {
        let mut ring = self.inner.lock();
        let mut freed = 0;
        while ring.bytes > keep_bytes {
            let Some(old) = ring.entries.pop_front() else {
                break;
            };
            ring.bytes -= old.footprint();
            freed += old.footprint();
            ring.dropped += 1;
        }
        let oldest = ring.entries.front().map_or(u64::MAX, |e| e.id);
        ring.evict_bodies(oldest);
        drop(ring);
        self.budget.release(freed);
        freed
    }

    /// What this journal's entries cost.
    pub fn bytes(&self) -> usize {
        self.inner.lock().bytes
    }

    /// What the kept bodies cost (`--journal-bodies`).
    pub fn bodies_bytes(&self) -> usize {
        self.inner.lock().bodies_bytes
    }

    pub fn is_empty(&self) -> bool {
        self.inner.lock().entries.is_empty()
    }

    /// Rewrites the latency of entry `id`, if it is still kept.
    pub fn set_latency(&self, id: u64, latency: Duration) {
        let mut ring = self.inner.lock();
        if let Ok(at) = ring.entries.binary_search_by_key(&id, |e| e.id) {
            ring.entries[at].latency_ms = millis(latency);
        }
    }

    /// One entry, and its bodies when they were kept.
    pub fn get(&self, id: u64) -> Option<(Entry, Option<Arc<Bodies>>)> {
        let ring = self.inner.lock();
        let entry = ring.entries.iter().find(|e| e.id == id)?.clone();
        let bodies = ring
            .bodies
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, b)| b.clone());
        Some((entry, bodies))
    }

    /// When the newest entry arrived: the account's last activity.
    pub fn last_time(&self) -> Option<jiff::Timestamp> {
        self.inner.lock().entries.back().map(|e| e.time)
    }

    /// Matching entries, newest first.
    pub fn list(&self, filter: &Filter) -> Listing {
        let ring = self.inner.lock();
        let limit = filter.limit.unwrap_or(usize::MAX);
        let entries = ring
            .entries
            .iter()
            .rev()
            .filter(|e| filter.accepts(e))
            .take(limit)
            .cloned()
            .collect();
        Listing {
            entries,
            kept: ring.entries.len(),
            dropped: ring.dropped,
        }
    }

    /// Forgets every entry; ids go on counting.
    pub fn clear(&self) -> usize {
        let mut ring = self.inner.lock();
        let n = ring.entries.len();
        ring.entries.clear();
        ring.dropped = 0;
        ring.bodies.clear();
        ring.bodies_bytes = 0;
        let bytes = std::mem::take(&mut ring.bytes);
        drop(ring);
        self.budget.release(bytes);
        n
    }
}

/// Brings all journals together back to [`TRIM_STEP`] under their bound:
/// the accounts used least recently lose their oldest entries first. One
/// trim runs at a time; a request that finds one running goes on.
pub fn trim(registry: &crate::store::Registry) {
    let budget = registry.journal_budget();
    if budget
        .trimming
        .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
        .is_err()
    {
        return;
    }
    let max = budget.max();
    let target = max - TRIM_STEP.min(max / 4);
    let mut queue = budget.to_trim.lock();
    let mut walked = false;
    while budget.used() > target {
        let Some(weak) = queue.pop() else {
            if walked {
                break;
            }
            walked = true;
            let mut accounts: Vec<_> = registry
                .all()
                .into_iter()
                .filter(|a| !a.journal.is_empty())
                .map(|a| (a.last_used(), a))
                .collect();
            // Most recently used first: the least recently used are popped.
            accounts.sort_by_key(|(used, _)| std::cmp::Reverse(*used));
            *queue = accounts.iter().map(|(_, a)| Arc::downgrade(a)).collect();
            continue;
        };
        let Some(account) = weak.upgrade() else {
            continue;
        };
        let excess = budget.used().saturating_sub(target);
        let bytes = account.journal.bytes();
        account.journal.shrink(bytes.saturating_sub(excess));
        if !account.journal.is_empty() {
            // What is left of it goes first next time.
            queue.push(weak);
        }
    }
    drop(queue);
    budget.trimming.store(false, Ordering::Release);
}

/// A journal entry whose request is not over when it is recorded (a hung
/// connection): [`Mark::finished`] sets its latency when it is.
pub struct Mark {
    account: Arc<Account>,
    id: u64,
    started: Instant,
}

impl Mark {
    pub fn finished(self) {
        self.account
            .journal
            .set_latency(self.id, self.started.elapsed());
    }
}

/// Journals a finished request in its account's ring, if it has an account,
/// with when it started and how long it took (read once by the caller).
/// For a hang fault, returns the [`Mark`] to finish once the hang ends.
pub fn record(
    app: &App,
    parts: &Parts,
    trace: Trace,
    outcome: &Outcome,
    arrived: jiff::Timestamp,
    started: Instant,
    latency: Duration,
) -> Option<Mark> {
    let account = trace.account?;
    if trace.skip || app.config.journal_size == 0 {
        return None;
    }
    let status = match outcome {
        Outcome::Respond(resp) => Some(resp.status.as_u16()),
        Outcome::Fault(..) => None,
    };
    let hang = matches!(outcome, Outcome::Fault(Fault::Hang, _));
    let bodies = app.config.journal_bodies.then(|| {
        let response = match outcome {
            Outcome::Respond(resp) => resp.body.clone(),
            Outcome::Fault(..) => Bytes::new(),
        };
        Bodies::new(&trace.request_body.clone().unwrap_or_default(), &response)
    });
    let entry = Entry::new(Request {
        time: arrived,
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query(),
        status,
        fault: trace.fault.map(Fault::as_str),
        latency,
        scenario: trace.scenario.as_deref(),
        rules: &trace.rules,
        idempotency_key: trace.idempotency_key.as_ref().and_then(|v| v.to_str().ok()),
    });
    let (id, over) = account.journal.push(entry, bodies, app.config.journal_size);
    if over {
        trim(&app.registry);
    }
    hang.then_some(Mark {
        account,
        id,
        started,
    })
}

/// Milliseconds with two decimals.
pub fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 100_000.0).round() / 100.0
}

/// A time as the journal writes it: RFC 3339, UTC, milliseconds.
pub fn time_text(at: jiff::Timestamp) -> String {
    jiff::Timestamp::from_millisecond(at.as_millisecond())
        .unwrap_or(at)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, status: Option<u16>) -> Entry {
        Entry::new(Request {
            time: jiff::Timestamp::now(),
            method: "GET",
            path,
            query: None,
            status,
            fault: None,
            latency: Duration::from_millis(1),
            scenario: None,
            rules: &[],
            idempotency_key: None,
        })
    }

    /// However large the request, its entry costs at most 512 bytes, its
    /// own size and every byte it owns counted; what fits is kept as is.
    #[test]
    fn an_entry_costs_at_most_512_bytes() {
        let long = "é".repeat(50_000);
        let rules: Vec<String> = (0..1000).map(|i| format!("rule-{i}-{long}")).collect();
        let huge = Entry::new(Request {
            time: jiff::Timestamp::now(),
            method: &"X".repeat(10_000),
            path: &format!("/v2/customers/{long}"),
            query: Some(&format!("from={long}")),
            status: Some(200),
            fault: Some("reset"),
            latency: Duration::from_millis(3),
            scenario: Some(&long),
            rules: &rules,
            idempotency_key: Some(&long),
        });
        assert!(
            huge.footprint() <= MAX_ENTRY_BYTES,
            "{} bytes",
            huge.footprint()
        );
        assert!(huge.path().starts_with("/v2/customers/é"));
        assert!(huge.path().ends_with('…'));
        assert_eq!(huge.rules().count(), 1);
        assert!(
            std::mem::size_of::<Entry>()
                + MAX_TARGET
                + MAX_SCENARIO
                + MAX_RULES
                + MAX_IDEMPOTENCY_KEY
                <= MAX_ENTRY_BYTES
        );

        let rules = vec!["first-two-creations-fail".to_owned(), "slow".to_owned()];
        let small = Entry::new(Request {
            time: jiff::Timestamp::now(),
            method: "POST",
            path: "/v2/payments",
            query: Some("include=details.qrCode"),
            status: Some(201),
            fault: None,
            latency: Duration::from_millis(3),
            scenario: Some("flaky"),
            rules: &rules,
            idempotency_key: Some("6b3e1c1e-2f7c-4a55-9f0e-1c9b1f2b6a11"),
        });
        assert_eq!(small.method(), "POST");
        assert_eq!(small.path(), "/v2/payments");
        assert_eq!(small.query(), Some("include=details.qrCode"));
        assert_eq!(
            small.rules().collect::<Vec<_>>(),
            ["first-two-creations-fail", "slow"]
        );
        assert!(small.footprint() < 300);
        let plain = entry("/v2/payments", Some(200));
        assert_eq!(plain.query(), None);
    }

    #[test]
    fn journals_count_against_their_budget() {
        let budget = Arc::new(Budget::default());
        let a = Journal::new(budget.clone());
        let b = Journal::new(budget.clone());
        for i in 0..10 {
            a.push(entry(&format!("/v2/p/{i}"), Some(200)), None, 4);
            b.push(entry("/v2/q", Some(200)), None, 100);
        }
        assert_eq!(budget.used(), a.bytes() + b.bytes());
        assert_eq!(a.bytes(), 4 * entry("/v2/p/0", None).footprint());
        budget.set_max(a.bytes());
        assert!(b.push(entry("/v2/q", Some(200)), None, 100).1);
        let freed = b.shrink(b.bytes() / 2);
        assert!(freed > 0);
        assert_eq!(budget.used(), a.bytes() + b.bytes());
        a.clear();
        drop(b);
        assert_eq!(budget.used(), 0);
    }

    #[test]
    fn ring_is_bounded_and_newest_first() {
        let j = Journal::default();
        for i in 0..10 {
            j.push(entry(&format!("/v2/p/{i}"), Some(200)), None, 4);
        }
        let l = j.list(&Filter::default());
        assert_eq!(l.kept, 4);
        assert_eq!(l.dropped, 6);
        let ids: Vec<u64> = l.entries.iter().map(|e| e.id).collect();
        assert_eq!(ids, vec![10, 9, 8, 7]);
        j.push(entry("/x", Some(200)), None, 0);
        assert_eq!(j.list(&Filter::default()).kept, 4);
    }

    #[test]
    fn bodies_are_cut_and_bounded() {
        let j = Journal::default();
        let big = Bytes::from(vec![b'x'; BODY_LIMIT * 2]);
        for _ in 0..200 {
            j.push(
                entry("/v2/p", Some(200)),
                Some(Bodies::new(&big, &big)),
                1000,
            );
        }
        let (_, b) = j.get(200).unwrap();
        let b = b.unwrap();
        assert!(b.request_truncated && b.response_truncated);
        assert_eq!(b.request.len(), BODY_LIMIT);
        assert!(j.get(1).unwrap().1.is_none(), "oldest bodies dropped");
        assert!(j.bodies_bytes() > BODIES_BYTES / 2 && j.bodies_bytes() < BODIES_BYTES * 2);
        // Bodies leave with their entry.
        j.push(entry("/v2/p", Some(200)), None, 1);
        assert_eq!(j.inner.lock().bodies.len(), 0);
    }

    #[test]
    fn filters() {
        let j = Journal::default();
        j.push(entry("/v2/payments", Some(201)), None, 10);
        j.push(entry("/v2/customers", Some(503)), None, 10);
        j.push(entry("/v2/payments/tr_1", None), None, 10);
        let by = |f: Filter| {
            j.list(&f)
                .entries
                .into_iter()
                .map(|e| e.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            by(Filter {
                path_prefix: Some("/v2/payments".into()),
                ..Filter::default()
            }),
            vec![3, 1]
        );
        assert_eq!(
            by(Filter {
                status: StatusFilter::parse("5xx"),
                ..Filter::default()
            }),
            vec![2]
        );
        assert_eq!(
            by(Filter {
                status: StatusFilter::parse("fault"),
                ..Filter::default()
            }),
            vec![3]
        );
        assert_eq!(
            by(Filter {
                status: StatusFilter::parse("201"),
                ..Filter::default()
            }),
            vec![1]
        );
        assert_eq!(
            by(Filter {
                method: Some("post".into()),
                ..Filter::default()
            }),
            Vec::<u64>::new()
        );
        assert_eq!(
            by(Filter {
                limit: Some(1),
                ..Filter::default()
            }),
            vec![3]
        );
        assert!(StatusFilter::parse("abc").is_none());
        assert_eq!(j.clear(), 3);
    }
}
