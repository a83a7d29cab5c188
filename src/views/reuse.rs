//! The body a worker thread last rendered for an object, given again while
//! nothing in the object's account has changed.
//!
//! A client that reads the same object again and again (a shop polling a
//! payment, a test suite fetching what it just made) gets the same bytes
//! each time; rendering them is most of what such a read costs the
//! sandbox. The account's [`Version`] moves on with every write to its
//! data, so an unchanged version means an unchanged object, and unchanged
//! `_links` too (they read the account's other objects). Only views that
//! read nothing but the account's data and the request's [`Reuse`] key
//! may be kept: one that reads the clock may not.
//!
//! Per thread, not shared: a hit takes no lock and touches no line that
//! another core writes, and the few bodies kept bound the memory.

use std::cell::RefCell;

use bytes::Bytes;
use smol_str::SmolStr;

use crate::store::Version;

/// Everything a kept body depends on besides the account's data.
pub struct Reuse<'a> {
    pub version: Version,
    /// The view's resource, so that two views never share a body even
    /// where their ids could be spelled alike.
    pub resource: &'static str,
    pub id: &'a str,
    pub base: &'a str,
    pub testmode_links: bool,
    pub documentation: &'static str,
}

struct Kept {
    version: Version,
    resource: &'static str,
    id: SmolStr,
    base: SmolStr,
    testmode_links: bool,
    documentation: &'static str,
    body: Bytes,
}

impl Kept {
    fn is(&self, key: &Reuse<'_>) -> bool {
        self.version == key.version
            && self.id == key.id
            && self.base == key.base
            && self.testmode_links == key.testmode_links
            && self.resource == key.resource
            && self.documentation == key.documentation
    }
}

/// A few objects read in turn (a customer and its payment) each stay kept.
const SLOTS: usize = 4;

/// A larger body is rendered each time: keeping it would cost more memory
/// per thread than a read of it saves.
const MAX_KEPT: usize = 16 * 1024;

#[derive(Default)]
struct Slots {
    kept: [Option<Kept>; SLOTS],
    /// The slot the next new body replaces: the oldest.
    next: usize,
}

thread_local! {
    static KEPT: RefCell<Slots> = RefCell::default();
}

/// The body kept for `key`, else `render`'s, kept for the next read.
/// `render` finds the object too: a kept body stands for having found it
/// at that version (a delete moves the version on), and a failure (the
/// object's 404 or 410) is `render`'s to answer and is not kept.
pub fn body<E>(key: &Reuse<'_>, render: impl FnOnce() -> Result<Vec<u8>, E>) -> Result<Bytes, E> {
    let hit = KEPT.with(|slots| {
        let slots = slots.try_borrow().ok()?;
        slots
            .kept
            .iter()
            .flatten()
            .find(|kept| kept.is(key))
            .map(|kept| kept.body.clone())
    });
    if let Some(body) = hit {
        return Ok(body);
    }
    let body = Bytes::from(render()?);
    if body.len() <= MAX_KEPT {
        KEPT.with(|slots| {
            if let Ok(mut slots) = slots.try_borrow_mut() {
                // A body of the account's from before its last write can
                // never be given again: its slot goes first.
                let at = slots
                    .kept
                    .iter()
                    .position(|kept| {
                        kept.as_ref()
                            .is_some_and(|k| k.version.is_superseded_by(key.version))
                    })
                    .unwrap_or(slots.next);
                slots.kept[at] = Some(Kept {
                    version: key.version,
                    resource: key.resource,
                    id: key.id.into(),
                    base: key.base.into(),
                    testmode_links: key.testmode_links,
                    documentation: key.documentation,
                    body: body.clone(),
                });
                if at == slots.next {
                    slots.next = (at + 1) % SLOTS;
                }
            }
        });
    }
    Ok(body)
}
