//! The request journal: each account remembers its last requests (method,
//! path, query, status or fault, latency, the scenario rules that fired) in
//! a bounded ring, newest last; `GET /_sandbox/requests` reads it newest
//! first. With `--journal-bodies`, request and response bodies are kept
//! apart from the entries ([`Bodies`]), each cut at [`BODY_LIMIT`] and all
//! of an account's at [`BODIES_BYTES`], so the entries stay small.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use hyper::http::request::Parts;
use hyper::{Method, Uri};
use parking_lot::Mutex;
use serde::Serialize;

use crate::app::{App, Outcome};
use crate::scenario::Fault;

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

    /// Roughly what the entry holds in memory, for the metrics.
    fn size(&self) -> usize {
        let strings = self.uri.to_string().len()
            + self.scenario.as_ref().map_or(0, String::len)
            + self.rules.iter().map(String::len).sum::<usize>()
            + self.idempotency_key.as_ref().map_or(0, String::len);
        std::mem::size_of::<Entry>() + strings
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
    /// The request body, set only with `--journal-bodies`.
    pub request_body: Option<Bytes>,
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
                .is_none_or(|r| e.rules.iter().any(|n| n.contains(r.as_str())))
            && self.after.is_none_or(|a| e.id > a)
    }
}

pub struct Listing {
    pub entries: Vec<Entry>,
    pub kept: usize,
    pub dropped: u64,
}

impl Journal {
    /// Appends an entry (its id filled in), dropping the oldest past `capacity`.
    pub fn push(&self, mut entry: Entry, bodies: Option<Bodies>, capacity: usize) {
        if capacity == 0 {
            return;
        }
        let mut ring = self.inner.lock();
        ring.next_id += 1;
        entry.id = ring.next_id;
        while ring.entries.len() >= capacity {
            ring.entries.pop_front();
            ring.dropped += 1;
        }
        let oldest = ring.entries.front().map_or(entry.id, |e| e.id);
        ring.entries.push_back(entry);
        if let Some(bodies) = bodies {
            ring.bodies_bytes += bodies.size();
            let id = ring.next_id;
            ring.bodies.push_back((id, Arc::new(bodies)));
        }
        // Bodies go with their entry, and the oldest go past the byte bound.
        while let Some((id, b)) = ring.bodies.front() {
            if *id >= oldest && ring.bodies_bytes <= BODIES_BYTES {
                break;
            }
            ring.bodies_bytes -= b.size();
            ring.bodies.pop_front();
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

    /// Roughly the bytes the journal holds, bodies included (for the metrics).
    pub fn bytes(&self) -> usize {
        let ring = self.inner.lock();
        ring.entries.iter().map(Entry::size).sum::<usize>() + ring.bodies_bytes
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
        n
    }
}

/// Journals a finished request in its account's ring, if it has an account.
pub fn record(
    app: &App,
    parts: &Parts,
    trace: Trace,
    outcome: &Outcome,
    arrived: jiff::Timestamp,
    latency: Duration,
) {
    let Some(account) = trace.account else {
        return;
    };
    if trace.skip || app.config.journal_size == 0 {
        return;
    }
    let status = match outcome {
        Outcome::Respond(resp) => Some(resp.status.as_u16()),
        Outcome::Fault(_) => None,
    };
    let bodies = app.config.journal_bodies.then(|| {
        let response = match outcome {
            Outcome::Respond(resp) => resp.body.clone(),
            Outcome::Fault(_) => Bytes::new(),
        };
        Bodies::new(&trace.request_body.unwrap_or_default(), &response)
    });
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
    account.journal.push(entry, bodies, app.config.journal_size);
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
        assert!(j.bytes() > BODIES_BYTES / 2 && j.bytes() < BODIES_BYTES * 2);
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
