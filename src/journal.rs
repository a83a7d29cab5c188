//! The request journal: each account remembers its last requests (method,
//! path, query, status or fault, latency, the scenario rules that fired) in
//! a bounded ring, newest last; `GET /_sandbox/requests` reads it newest
//! first.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper::http::request::Parts;
use hyper::{Method, Uri};
use parking_lot::Mutex;
use serde::Serialize;

use crate::app::{App, Outcome};
use crate::scenario::Fault;
use crate::store::Account;

#[derive(Default)]
pub struct Journal {
    inner: Mutex<Ring>,
}

#[derive(Default)]
struct Ring {
    entries: VecDeque<Entry>,
    next_id: u64,
    /// Entries pushed out by newer ones since the last clear.
    dropped: u64,
}

#[derive(Debug, Clone)]
pub struct Entry {
    /// Counts up per account from 1, so a client can ask for what is new.
    pub id: u64,
    /// Wall-clock time the request arrived, written as RFC 3339 with
    /// milliseconds only when the journal is read.
    pub time: jiff::Timestamp,
    /// Method and URI are kept as hyper parsed them: cloning them shares
    /// their bytes, so journaling costs no string copies per request.
    pub method: Method,
    pub uri: Uri,
    /// `null` when the connection was faulted instead of answered.
    pub status: Option<u16>,
    pub fault: Option<&'static str>,
    pub latency_ms: f64,
    /// The scenario in force for the request, if any.
    pub scenario: Option<String>,
    /// The scenario rules that fired, in order.
    pub rules: Vec<String>,
    pub idempotency_key: Option<String>,
}

impl Entry {
    pub fn path(&self) -> &str {
        self.uri.path()
    }
}

impl Serialize for Entry {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Entry", 11)?;
        st.serialize_field("id", &self.id)?;
        st.serialize_field("time", &time_text(self.time))?;
        st.serialize_field("method", self.method.as_str())?;
        st.serialize_field("path", self.uri.path())?;
        st.serialize_field("query", &self.uri.query())?;
        st.serialize_field("status", &self.status)?;
        if let Some(fault) = self.fault {
            st.serialize_field("fault", fault)?;
        }
        st.serialize_field("latencyMs", &self.latency_ms)?;
        st.serialize_field("scenario", &self.scenario)?;
        st.serialize_field("rules", &self.rules)?;
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
}

/// Filters of `GET /_sandbox/requests`.
#[derive(Debug, Default)]
pub struct Filter {
    pub method: Option<String>,
    pub path_prefix: Option<String>,
    pub status: Option<StatusFilter>,
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
    }
}

pub struct Listing {
    pub entries: Vec<Entry>,
    pub kept: usize,
    pub dropped: u64,
}

impl Journal {
    /// Appends an entry (its id filled in, and returned), dropping the
    /// oldest past `capacity`.
    pub fn push(&self, mut entry: Entry, capacity: usize) -> u64 {
        if capacity == 0 {
            return 0;
        }
        let mut ring = self.inner.lock();
        ring.next_id += 1;
        entry.id = ring.next_id;
        while ring.entries.len() >= capacity {
            ring.entries.pop_front();
            ring.dropped += 1;
        }
        ring.entries.push_back(entry);
        ring.next_id
    }

    /// Rewrites the latency of entry `id`, if it is still kept.
    pub fn set_latency(&self, id: u64, latency: Duration) {
        let mut ring = self.inner.lock();
        if let Ok(at) = ring.entries.binary_search_by_key(&id, |e| e.id) {
            ring.entries[at].latency_ms = millis(latency);
        }
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
        n
    }
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

/// Journals a finished request in its account's ring, if it has an account.
/// For a hang fault, returns the [`Mark`] to finish once the hang ends.
pub fn record(
    app: &App,
    parts: &Parts,
    trace: Trace,
    outcome: &Outcome,
    arrived: jiff::Timestamp,
    started: Instant,
) -> Option<Mark> {
    let latency = started.elapsed();
    let account = trace.account?;
    if trace.skip || app.config.journal_size == 0 {
        return None;
    }
    let status = match outcome {
        Outcome::Respond(resp) => Some(resp.status.as_u16()),
        Outcome::Fault(..) => None,
    };
    let hang = matches!(outcome, Outcome::Fault(Fault::Hang, _));
    let entry = Entry {
        id: 0,
        time: arrived,
        method: parts.method.clone(),
        uri: parts.uri.clone(),
        status,
        fault: trace.fault.map(Fault::as_str),
        latency_ms: millis(latency),
        scenario: trace.scenario,
        rules: trace.rules,
        idempotency_key: parts
            .headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };
    let id = account.journal.push(entry, app.config.journal_size);
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
        Entry {
            id: 0,
            time: jiff::Timestamp::now(),
            method: Method::GET,
            uri: path.parse().unwrap(),
            status,
            fault: None,
            latency_ms: 1.0,
            scenario: None,
            rules: Vec::new(),
            idempotency_key: None,
        }
    }

    #[test]
    fn ring_is_bounded_and_newest_first() {
        let j = Journal::default();
        for i in 0..10 {
            j.push(entry(&format!("/v2/p/{i}"), Some(200)), 4);
        }
        let l = j.list(&Filter::default());
        assert_eq!(l.kept, 4);
        assert_eq!(l.dropped, 6);
        let ids: Vec<u64> = l.entries.iter().map(|e| e.id).collect();
        assert_eq!(ids, vec![10, 9, 8, 7]);
        j.push(entry("/x", Some(200)), 0);
        assert_eq!(j.list(&Filter::default()).kept, 4);
    }

    #[test]
    fn filters() {
        let j = Journal::default();
        j.push(entry("/v2/payments", Some(201)), 10);
        j.push(entry("/v2/customers", Some(503)), 10);
        j.push(entry("/v2/payments/tr_1", None), 10);
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
