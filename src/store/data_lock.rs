//! An account's [`Data`] behind its lock, with a version that every write
//! moves on: what lets a reader tell, without comparing anything else, that
//! nothing in the account changed since it last looked
//! ([`crate::views::reuse`]).

use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::Data;

/// Hands every lock its own serial, so that a version is never read as
/// another account's (an account dropped and a new one made at the same
/// address would otherwise start from the same count).
static SERIALS: AtomicU64 = AtomicU64::new(1);

pub struct DataLock {
    lock: RwLock<Data>,
    serial: u64,
    /// Moved on by every [`DataLock::write`], while the write lock is held:
    /// a reader under the read lock sees the count of the last write
    /// before it, as the lock orders the two.
    version: AtomicU64,
}

/// Which state of which account a reader saw: equal only when no write
/// came between the two reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Version {
    serial: u64,
    count: u64,
}

impl Version {
    /// The same account's at another count: with `current` read under
    /// the lock, this one is from before a later write.
    pub fn is_superseded_by(self, current: Version) -> bool {
        self.serial == current.serial && self.count != current.count
    }
}

impl DataLock {
    pub fn new(data: Data) -> DataLock {
        DataLock {
            lock: RwLock::new(data),
            serial: SERIALS.fetch_add(1, Ordering::Relaxed),
            version: AtomicU64::new(0),
        }
    }

    pub fn read(&self) -> RwLockReadGuard<'_, Data> {
        self.lock.read()
    }

    /// The write lock, counted as a change whether or not the caller
    /// changes anything: a spare count costs a reader one render.
    pub fn write(&self) -> RwLockWriteGuard<'_, Data> {
        let guard = self.lock.write();
        // Only writers move the count, one at a time under the lock: a
        // plain load and store, not a locked read-modify-write.
        let count = self.version.load(Ordering::Relaxed);
        self.version.store(count.wrapping_add(1), Ordering::Relaxed);
        guard
    }

    /// The version `data` is at; `data` is this lock's guard, which proves
    /// the caller holds it (no write can move the count meanwhile).
    pub fn version(&self, data: &Data) -> Version {
        debug_assert!(std::ptr::eq(data, self.lock.data_ptr()));
        Version {
            serial: self.serial,
            count: self.version.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_moves_the_version_and_a_read_does_not() {
        let lock = DataLock::new(Data::new(1));
        let first = lock.version(&lock.read());
        assert_eq!(first, lock.version(&lock.read()));
        drop(lock.write());
        let second = lock.version(&lock.read());
        assert_ne!(first, second);
        assert!(first.is_superseded_by(second));
        assert!(!second.is_superseded_by(second));
        let other = DataLock::new(Data::new(1));
        assert_ne!(first, other.version(&other.read()));
    }
}
