//! `Idempotency-Key` on POST: the first response is kept for an hour (by the
//! account's clock) and replayed for the same key and request; a different
//! request under the same key is refused, as is one that races the first.
//! Only successful responses are kept, so a retry after a failure really runs.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use bytes::Bytes;

use crate::error::{ApiError, DOC_IDEMPOTENCY};

const TTL_SECS: i64 = 3600;
/// Past this many keys an insert first drops the expired ones.
const PRUNE_AT: usize = 10_000;

#[derive(Default)]
pub struct IdempotencyStore {
    entries: HashMap<String, Entry>,
}

struct Entry {
    fingerprint: u64,
    created: i64,
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
        if self.entries.len() >= PRUNE_AT {
            self.entries.retain(|_, e| now - e.created < TTL_SECS);
        }
        self.entries.insert(
            key.to_owned(),
            Entry {
                fingerprint,
                created: now,
                done: None,
            },
        );
        Ok(Begin::Run)
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
            _ => {
                self.entries.remove(key);
            }
        }
    }

    pub fn clear(&mut self) {
        self.entries.clear();
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
    }
}
