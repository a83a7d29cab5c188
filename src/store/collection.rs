//! An ordered collection: objects kept in creation order, found by id in
//! O(log n) (an id the account made names the object's place; any other id
//! is looked up in an index first) and paged from any cursor in
//! O(log n + limit). Mollie lists are
//! newest-first with an inclusive `from` cursor; [`Collection::page`] implements exactly
//! that, for the whole collection or for a sub-index (a customer's payments).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

use super::IdMap;
use crate::ids::{self, Id};

/// Creation time first, then the order objects were made in: lists stay
/// stable for objects created within the same second.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SortKey {
    pub created_at: i64,
    pub seq: u64,
}

/// What a collection needs of its objects: the id each one carries.
pub trait Keyed {
    fn id(&self) -> &str;
}

#[derive(Debug, Clone)]
pub struct Collection<T> {
    /// Boxed: objects arrive mostly in key order, which leaves the tree's
    /// nodes about half full. Holding the object itself there would double
    /// the memory of the larger ones (a payment is over 500 bytes), and fresh
    /// memory is what a growing sandbox pays for most (the kernel zeroes
    /// every new page).
    items: BTreeMap<SortKey, Box<T>>,
    /// Where each object is whose id does not name its place (see
    /// [`ids::placed`]): one loaded from a fixture or a state export, or
    /// made where no id could name its place. The account's own new objects
    /// are found by their id alone.
    keys: IdMap<SortKey>,
    /// Where removed objects stood: a `next` link whose `from` object was
    /// removed between two pages still places the cursor (the list goes on
    /// from that position), as with a live object.
    removed: IdMap<SortKey>,
    /// The account's key to the places its ids name.
    secret: u64,
    /// The bounds of the places held by id alone: an id decoding outside
    /// them (most ids not made here) is looked up in `keys` without a walk
    /// down the tree.
    placed: Option<(SortKey, SortKey)>,
}

impl<T> Default for Collection<T> {
    fn default() -> Self {
        Collection::new(0)
    }
}

impl<T: Keyed> Collection<T> {
    /// A new id with `prefix` naming the place `key` (`None` when the place
    /// is past what an id can name), unless an object found through the
    /// index already has it.
    pub fn placed_id(&self, prefix: &str, key: SortKey) -> Option<Id> {
        let id = ids::placed(prefix, key.created_at, key.seq, self.secret)?;
        let taken = (!self.keys.is_empty() && self.keys.contains_key(&id))
            || (!self.removed.is_empty() && self.removed.contains_key(&id));
        (!taken).then_some(id)
    }

    /// The place `id` names and the object there, when it has that id.
    fn placed_entry(&self, id: &str) -> Option<(SortKey, &T)> {
        let (lo, hi) = self.placed?;
        let (created_at, seq) = ids::place_of(id, self.secret)?;
        let key = SortKey { created_at, seq };
        if key < lo || key > hi {
            return None;
        }
        let item = self.items.get(&key)?;
        (item.id() == id).then_some((key, &**item))
    }

    fn placed_key(&self, id: &str) -> Option<SortKey> {
        self.placed_entry(id).map(|(key, _)| key)
    }

    /// The object `id` names and where it stands, in one walk down the tree.
    pub fn entry(&self, id: &str) -> Option<(SortKey, &T)> {
        self.placed_entry(id).or_else(|| {
            let key = *self.keys.get(id)?;
            self.items.get(&key).map(|b| (key, &**b))
        })
    }

    pub fn insert(&mut self, id: Id, key: SortKey, item: T) {
        // Hashing the id to find it absent from an empty map is most inserts' cost.
        if !self.removed.is_empty() {
            self.removed.remove(&id);
        }
        let names_key = ids::place_of(&id, self.secret) == Some((key.created_at, key.seq));
        if names_key {
            if !self.keys.is_empty() {
                if let Some(old) = self.keys.remove(&id) {
                    self.items.remove(&old);
                }
            }
            self.placed = Some(match self.placed {
                Some((lo, hi)) => (lo.min(key), hi.max(key)),
                None => (key, key),
            });
        } else {
            if let Some(old) = self.placed_key(&id) {
                self.items.remove(&old);
            }
            if let Some(old) = self.keys.insert(id, key) {
                self.items.remove(&old);
            }
        }
        self.items.insert(key, Box::new(item));
    }

    pub fn key_of(&self, id: &str) -> Option<SortKey> {
        self.placed_key(id).or_else(|| self.keys.get(id).copied())
    }

    /// The position of `id` for a list cursor: where it is, or where it
    /// stood before it was removed.
    pub fn position_of(&self, id: &str) -> Option<SortKey> {
        self.key_of(id).or_else(|| self.removed.get(id).copied())
    }

    pub fn get(&self, id: &str) -> Option<&T> {
        self.entry(id).map(|(_, item)| item)
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut T> {
        let key = self.key_of(id)?;
        self.items.get_mut(&key).map(|b| &mut **b)
    }

    pub fn remove(&mut self, id: &str) -> Option<T> {
        let key = match self.placed_key(id) {
            Some(key) => key,
            None => self.keys.remove(id)?,
        };
        self.removed.insert(Id::new(id), key);
        self.items.remove(&key).map(|b| *b)
    }

    /// Places `id` as an object that stood at `key` and was removed (a
    /// state loaded back): a cursor naming it pages on from there.
    pub fn insert_removed(&mut self, id: Id, key: SortKey) {
        if self.key_of(&id).is_none() {
            self.removed.insert(id, key);
        }
    }
}

impl<T> Collection<T> {
    pub fn by_key(&self, key: &SortKey) -> Option<&T> {
        self.items.get(key).map(|b| &**b)
    }

    /// An empty collection of an account whose ids are made with `secret`.
    pub fn new(secret: u64) -> Self {
        Collection {
            items: BTreeMap::new(),
            keys: IdMap::default(),
            removed: IdMap::default(),
            secret,
            placed: None,
        }
    }

    /// Every removed object's position, oldest first, with how many live
    /// objects come before it: what a state export keeps of it. One walk
    /// over the live keys in all, however many were removed.
    pub fn removed_ranks(&self) -> Vec<(&Id, SortKey, usize)> {
        let mut removed: Vec<(&Id, SortKey)> =
            self.removed.iter().map(|(id, k)| (id, *k)).collect();
        removed.sort_by_key(|(_, k)| *k);
        let mut out = Vec::with_capacity(removed.len());
        let mut rank = 0;
        let mut counted = Bound::Unbounded;
        for (id, key) in removed {
            rank += self.items.range((counted, Bound::Excluded(key))).count();
            counted = Bound::Included(key);
            out.push((id, key, rank));
        }
        out
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> {
        self.items.values().map(|b| &**b)
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.items.values_mut().map(|b| &mut **b)
    }

    pub fn page(&self, from: Option<SortKey>, limit: usize, desc: bool) -> Page<'_, T> {
        page(
            |lo, hi| Box::new(self.items.range((lo, hi)).map(|(_, v)| &**v)),
            from,
            limit,
            desc,
        )
    }

    /// A page over a sub-index of this collection's keys.
    pub fn page_of<'a>(
        &'a self,
        index: &'a BTreeSet<SortKey>,
        from: Option<SortKey>,
        limit: usize,
        desc: bool,
    ) -> Page<'a, T> {
        page(
            |lo, hi| {
                Box::new(
                    index
                        .range((lo, hi))
                        .filter_map(|k| self.items.get(k).map(|b| &**b)),
                )
            },
            from,
            limit,
            desc,
        )
    }
}

pub struct Page<'a, T> {
    pub items: Vec<&'a T>,
    /// First item of the following page.
    pub next: Option<&'a T>,
    /// First item of the page before this one.
    pub previous: Option<&'a T>,
}

type Range<'a, T> = Box<dyn DoubleEndedIterator<Item = &'a T> + 'a>;

fn page<'a, T: 'a>(
    range: impl Fn(Bound<SortKey>, Bound<SortKey>) -> Range<'a, T>,
    from: Option<SortKey>,
    limit: usize,
    desc: bool,
) -> Page<'a, T> {
    use Bound::{Excluded, Included, Unbounded};
    let (mut items, previous): (Vec<&T>, Option<&T>) = match (from, desc) {
        (None, true) => (
            range(Unbounded, Unbounded).rev().take(limit + 1).collect(),
            None,
        ),
        (None, false) => (range(Unbounded, Unbounded).take(limit + 1).collect(), None),
        (Some(k), true) => (
            range(Unbounded, Included(k))
                .rev()
                .take(limit + 1)
                .collect(),
            range(Excluded(k), Unbounded).take(limit).last(),
        ),
        (Some(k), false) => (
            range(Included(k), Unbounded).take(limit + 1).collect(),
            range(Unbounded, Excluded(k)).rev().take(limit).last(),
        ),
    };
    let next = if items.len() > limit {
        items.pop()
    } else {
        None
    };
    Page {
        items,
        next,
        previous,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Item(Id, u64);

    impl Keyed for Item {
        fn id(&self) -> &str {
            &self.0
        }
    }

    fn coll(n: u64) -> Collection<Item> {
        let mut c = Collection::default();
        for i in 0..n {
            let id = Id::new(format!("x_{i}"));
            c.insert(
                id.clone(),
                SortKey {
                    created_at: 100,
                    seq: i,
                },
                Item(id, i),
            );
        }
        c
    }

    fn ns(items: &[&Item]) -> Vec<u64> {
        items.iter().map(|i| i.1).collect()
    }

    fn n(item: Option<&Item>) -> Option<u64> {
        item.map(|i| i.1)
    }

    #[test]
    fn pages_walk_newest_first_with_inclusive_cursor() {
        let c = coll(7);
        let p = c.page(None, 3, true);
        assert_eq!(ns(&p.items), vec![6, 5, 4]);
        assert_eq!(n(p.next), Some(3));
        assert!(p.previous.is_none());
        let p = c.page(c.key_of("x_3"), 3, true);
        assert_eq!(ns(&p.items), vec![3, 2, 1]);
        assert_eq!(n(p.next), Some(0));
        assert_eq!(n(p.previous), Some(6));
        let p = c.page(c.key_of("x_0"), 3, true);
        assert_eq!(ns(&p.items), vec![0]);
        assert!(p.next.is_none());
        assert_eq!(n(p.previous), Some(3));
    }

    #[test]
    fn ascending_pages() {
        let c = coll(5);
        let p = c.page(None, 2, false);
        assert_eq!(ns(&p.items), vec![0, 1]);
        assert_eq!(n(p.next), Some(2));
        let p = c.page(c.key_of("x_2"), 2, false);
        assert_eq!(ns(&p.items), vec![2, 3]);
        assert_eq!(n(p.previous), Some(0));
        assert_eq!(n(p.next), Some(4));
    }

    #[test]
    fn a_removed_cursor_keeps_its_position() {
        let mut c = coll(5);
        let cursor = c.key_of("x_2");
        assert!(c.remove("x_2").is_some());
        assert_eq!(c.key_of("x_2"), None);
        assert_eq!(c.position_of("x_2"), cursor);
        let p = c.page(c.position_of("x_2"), 2, true);
        assert_eq!(ns(&p.items), vec![1, 0]);
        assert_eq!(n(p.previous), Some(4));
        let p = c.page(c.position_of("x_2"), 2, false);
        assert_eq!(ns(&p.items), vec![3, 4]);
        assert_eq!(c.position_of("x_9"), None);
    }

    #[test]
    fn removed_objects_rank_among_the_live_ones() {
        let mut c = coll(6);
        for id in ["x_0", "x_3", "x_4"] {
            assert!(c.remove(id).is_some());
        }
        let ranks: Vec<(&str, usize)> = c
            .removed_ranks()
            .into_iter()
            .map(|(id, _, rank)| (id.as_str(), rank))
            .collect();
        // Live: x_1, x_2, x_5.
        assert_eq!(ranks, [("x_0", 0), ("x_3", 2), ("x_4", 2)]);
        // Placed back, a removed position is a cursor again; a live id is
        // never shadowed by one.
        let mut d = coll(2);
        let at = SortKey {
            created_at: 100,
            seq: 7,
        };
        d.insert_removed(Id::new("x_9"), at);
        d.insert_removed(Id::new("x_1"), at);
        assert_eq!(d.position_of("x_9"), Some(at));
        assert_eq!(d.position_of("x_1"), d.key_of("x_1"));
        assert_ne!(d.key_of("x_1"), Some(at));
    }

    #[test]
    fn sub_index_pages() {
        let c = coll(6);
        let index: BTreeSet<SortKey> = [1u64, 3, 5]
            .iter()
            .map(|&seq| SortKey {
                created_at: 100,
                seq,
            })
            .collect();
        let p = c.page_of(&index, None, 2, true);
        assert_eq!(ns(&p.items), vec![5, 3]);
        assert_eq!(n(p.next), Some(1));
    }

    #[test]
    fn ids_that_name_their_place_need_no_index() {
        let secret = 0x5eed;
        let mut c: Collection<Item> = Collection::new(secret);
        let at = |seq| SortKey {
            created_at: 1_700_000_000,
            seq,
        };
        let mut placed = Vec::new();
        for seq in 1..=5 {
            let id = c.placed_id("tr_", at(seq)).expect("fits");
            c.insert(id.clone(), at(seq), Item(id.clone(), seq));
            placed.push(id);
        }
        // A loaded object whose id names nothing here goes in the index.
        let foreign = Id::new("tr_WDqYK6vllg");
        c.insert(foreign.clone(), at(6), Item(foreign.clone(), 6));
        assert_eq!(c.keys.len(), 1);
        for (seq, id) in (1..).zip(&placed) {
            assert_eq!(c.key_of(id), Some(at(seq)));
            assert_eq!(c.get(id).map(|i| i.1), Some(seq));
        }
        assert_eq!(c.get(&foreign).map(|i| i.1), Some(6));
        // Another secret's id for the same place is not this one's object.
        let other = ids::placed("tr_", at(3).created_at, 3, secret + 1).expect("fits");
        assert_eq!(c.get(&other).map(|i| i.1), None);
        // Stored at another place (a state loaded back), it is found there.
        let moved = placed[1].clone();
        c.insert(moved.clone(), at(9), Item(moved.clone(), 9));
        assert_eq!(c.key_of(&moved), Some(at(9)));
        assert_eq!(c.len(), 6);
        // A removed one keeps its position for a cursor.
        assert_eq!(c.remove(&placed[0]).map(|i| i.1), Some(1));
        assert_eq!(c.get(&placed[0]).map(|i| i.1), None);
        assert_eq!(c.position_of(&placed[0]), Some(at(1)));
        // A place already taken through the index gives no id.
        let mut d: Collection<Item> = Collection::new(secret);
        let clash = ids::placed("tr_", at(7).created_at, 7, secret).expect("fits");
        d.insert(clash.clone(), at(1), Item(clash.clone(), 1));
        assert_eq!(d.placed_id("tr_", at(7)), None);
        assert_eq!(d.get(&clash).map(|i| i.1), Some(1));
    }
}
