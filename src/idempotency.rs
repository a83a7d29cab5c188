//! `Idempotency-Key` on POST: the first response is kept for an hour (by the
//! account's clock) and replayed for the same key and request; a different
//! request under the same key is refused, as is one that races the first.
//! Only successful responses are kept, so a retry after a failure really runs.
//!
//! Keys are found through an ordered map and leave through an ordered index
//! of their creation times: an insert or a lookup costs O(log n), whatever
//! the number of keys, and never more (a hash map rehashes every key when
//! it grows, a pause of tens of milliseconds at 200,000 keys, while it
//! holds the store and blocks a runtime thread). Expired keys go oldest
//! first, at most
//! [`EXPIRE_PER_INSERT`] at each insert, never by a scan of them all (a
//! clock moved on by hours expires every key at once, and the insert that
//! finds them must not pay for them all while it holds the store). An
//! expired key not yet dropped counts as absent.

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{DefaultHasher, Hash, Hasher};

/// The header, as a constant: looked up by a string, a name is parsed and
/// hashed again on every request.
pub const HEADER: hyper::header::HeaderName =
    hyper::header::HeaderName::from_static("idempotency-key");

use bytes::Bytes;

use crate::error::{ApiError, DOC_IDEMPOTENCY};

const TTL_SECS: i64 = 3600;
/// More than the one key an insert adds, so that a backlog of expired keys
/// shrinks at every insert.
pub const EXPIRE_PER_INSERT: usize = 8;

#[derive(Default)]
pub struct IdempotencyStore {
    entries: BTreeMap<Box<str>, Entry>,
    /// Every key by (creation time, insertion number): the front is the
    /// next to expire.
    by_age: BTreeSet<(i64, u64, Box<str>)>,
    seq: u64,
}

struct Entry {
    fingerprint: u64,
    created: i64,
    seq: u64,
    done: Option<Stored>,
}

#[derive(Clone)]
pub struct Stored {
    pub status: u16,
    pub body: Bytes,
}

pub enum Begin {
    /// Run the request, then call [`IdempotencyStore::finish`].
    Run,
    Replay(Stored),
}

pub fn fingerprint(method: &str, path: &str, body: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    method.hash(&mut h);
    path.hash(&mut h);
    body.hash(&mut h);
    h.finish()
}

impl IdempotencyStore {
    pub fn begin(&mut self, key: &str, fingerprint: u64, now: i64) -> Result<Begin, ApiError> {
        if let Some(entry) = self.entries.get(key) {
            if now - entry.created < TTL_SECS {
                if entry.fingerprint != fingerprint {
                    return Err(ApiError::bad_request(
                        "This Idempotency-Key has already been used.",
                    )
                    .with_doc(DOC_IDEMPOTENCY));
                }
                return match &entry.done {
                    Some(stored) => Ok(Begin::Replay(stored.clone())),
                    None => Err(ApiError::new(
                        409,
                        "Another request with this Idempotency-Key is already being processed.",
                    )
                    .with_doc(DOC_IDEMPOTENCY)),
                };
            }
        }
        self.expire(now);
        self.remove(key);
        self.seq += 1;
        let key: Box<str> = key.into();
        self.by_age.insert((now, self.seq, key.clone()));
        self.entries.insert(
            key,
            Entry {
                fingerprint,
                created: now,
                seq: self.seq,
                done: None,
            },
        );
        Ok(Begin::Run)
    }

    /// Drops up to [`EXPIRE_PER_INSERT`] keys whose hour is over, oldest
    /// first; stops at the first that is still valid.
    fn expire(&mut self, now: i64) {
        for _ in 0..EXPIRE_PER_INSERT {
            match self.by_age.first() {
                Some((created, _, _)) if now - created >= TTL_SECS => {}
                _ => break,
            }
            if let Some((_, _, key)) = self.by_age.pop_first() {
                self.entries.remove(&key);
            }
        }
    }

    fn remove(&mut self, key: &str) {
        if let Some((key, e)) = self.entries.remove_entry(key) {
            self.by_age.remove(&(e.created, e.seq, key));
        }
    }

    /// Keys held, expired ones not yet dropped included.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The kept response of a request that succeeded under this key, if this
    /// is the same request; changes nothing.
    pub fn stored(&self, key: &str, fingerprint: u64, now: i64) -> Option<Stored> {
        let entry = self.entries.get(key)?;
        if now - entry.created < TTL_SECS && entry.fingerprint == fingerprint {
            entry.done.clone()
        } else {
            None
        }
    }

    /// Keeps a successful response; forgets the key otherwise.
    pub fn finish(&mut self, key: &str, stored: Option<Stored>) {
        match stored {
            Some(s) if (200..300).contains(&s.status) => {
                if let Some(e) = self.entries.get_mut(key) {
                    e.done = Some(s);
                }
            }
            _ => self.remove(key),
        }
    }

    pub fn clear(&mut self) {
        self.entries.clear();
        self.by_age.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replays_refuses_and_expires() {
        let mut s = IdempotencyStore::default();
        assert!(matches!(s.begin("k", 1, 0), Ok(Begin::Run)));
        assert_eq!(s.begin("k", 1, 1).err().map(|e| e.status), Some(409));
        s.finish(
            "k",
            Some(Stored {
                status: 201,
                body: Bytes::from_static(b"{}"),
            }),
        );
        assert!(matches!(s.begin("k", 1, 2), Ok(Begin::Replay(_))));
        assert_eq!(s.stored("k", 1, 2).map(|st| st.status), Some(201));
        assert!(s.stored("k", 2, 2).is_none());
        assert_eq!(s.begin("k", 2, 2).err().map(|e| e.status), Some(400));
        assert!(matches!(s.begin("k", 2, TTL_SECS + 1), Ok(Begin::Run)));
        s.finish(
            "k",
            Some(Stored {
                status: 422,
                body: Bytes::new(),
            }),
        );
        assert!(matches!(s.begin("k", 3, TTL_SECS + 2), Ok(Begin::Run)));
        assert_eq!((s.len(), s.by_age.len()), (1, 1));
    }

    /// Expired keys leave in creation order at later inserts, without a
    /// scan: keys made at one a second leave as fast as new ones come.
    #[test]
    fn expired_keys_leave_oldest_first() {
        let mut s = IdempotencyStore::default();
        for i in 0..100_i64 {
            assert!(matches!(s.begin(&format!("k{i}"), 1, i), Ok(Begin::Run)));
        }
        assert_eq!(s.len(), 100);
        // At TTL + 5 the keys made at 0..=5 are an hour old.
        assert!(matches!(s.begin("new", 1, TTL_SECS + 5), Ok(Begin::Run)));
        assert_eq!(s.len(), 100 - 6 + 1);
        assert!(s.stored("k5", 1, TTL_SECS + 5).is_none());
        assert!(s.entries.contains_key("k6"));
        assert_eq!(s.by_age.first().map(|(t, _, _)| *t), Some(6));
        // A key used again after its hour is a new key with a new age.
        assert!(matches!(s.begin("k50", 2, TTL_SECS + 60), Ok(Begin::Run)));
        assert_eq!(s.len(), s.by_age.len());
        assert_eq!(s.by_age.last().map(|(_, _, k)| &**k), Some("k50"));
    }

    /// A clock moved on expires every key at once: each insert drops a few
    /// of them, never all, and the store still shrinks insert by insert.
    #[test]
    fn a_backlog_of_expired_keys_leaves_a_few_per_insert() {
        let mut s = IdempotencyStore::default();
        for i in 0..100 {
            assert!(matches!(s.begin(&format!("k{i}"), 1, 0), Ok(Begin::Run)));
        }
        let later = TTL_SECS * 5;
        assert!(matches!(s.begin("a", 1, later), Ok(Begin::Run)));
        assert_eq!(s.len(), 100 - EXPIRE_PER_INSERT + 1);
        // Not yet dropped, an expired key is gone all the same.
        assert!(s.stored("k99", 1, later).is_none());
        assert!(matches!(s.begin("k99", 2, later), Ok(Begin::Run)));
        let mut n = 0;
        while s.by_age.first().is_some_and(|(t, _, _)| *t == 0) {
            n += 1;
            assert!(matches!(
                s.begin(&format!("b{n}"), 1, later),
                Ok(Begin::Run)
            ));
        }
        assert!(n <= 100 / (EXPIRE_PER_INSERT - 1), "{n} inserts");
        assert_eq!(s.len(), s.by_age.len());
    }
}
