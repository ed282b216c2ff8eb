//! Sessions of a replay dataset: a row's session key is its `session_id`, or a fresh key of
//! its own (`docs/synthesis.md` §3.4 step 0); sessions are numbered by first appearance.
//!
//! While loading, named sessions are found by an open-addressing table whose slots point at
//! the names in the store's arena (no key copies), and every session counts its turns. At the
//! end the counts become `sessionStart` and the turn order (sessions in first-appearance
//! order, each session's turns in file order); both tables are then dropped.

use std::ops::Range;

use crate::rng::{fnv1a64, mix};

use super::store::Store;

const EMPTY: u32 = u32::MAX;

#[derive(Clone, Copy)]
struct Slot {
    /// Arena offset and length of the name.
    at: u64,
    len: u32,
    session: u32,
}

const FREE: Slot = Slot { at: 0, len: 0, session: EMPTY };

/// Session numbering while loading.
#[derive(Default)]
pub(crate) struct Sessions {
    /// Turns per session.
    counts: Vec<u32>,
    slots: Vec<Slot>,
    named: usize,
}

fn hash(name: &[u8]) -> u64 {
    // FNV-1a spreads poorly into the low bits used for the slot index; MIX fixes that.
    mix(fnv1a64(name))
}

impl Sessions {
    /// Sessions so far.
    pub(crate) fn len(&self) -> usize {
        self.counts.len()
    }

    /// Bytes held while loading.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.counts.capacity() * 4 + self.slots.capacity() * std::mem::size_of::<Slot>()
    }

    /// The session named `name`, if one exists (`arena`: the store's).
    pub(crate) fn find(&self, name: &[u8], arena: &[u8]) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = hash(name) as usize & mask;
        loop {
            let s = self.slots[i];
            if s.session == EMPTY {
                return None;
            }
            if s.len as usize == name.len() && &arena[s.at as usize..s.at as usize + name.len()] == name {
                return Some(s.session);
            }
            i = (i + 1) & mask;
        }
    }

    /// A new session (its first turn is about to be stored).
    pub(crate) fn open(&mut self) -> u32 {
        self.counts.push(0);
        (self.counts.len() - 1) as u32
    }

    /// Registers the name of session `session`, stored at `name` in `arena`.
    pub(crate) fn name(&mut self, session: u32, name: Range<usize>, arena: &[u8]) {
        if (self.named + 1) * 2 > self.slots.len() {
            self.grow(arena);
        }
        self.named += 1;
        self.insert(Slot { at: name.start as u64, len: name.len() as u32, session }, arena);
    }

    fn insert(&mut self, slot: Slot, arena: &[u8]) {
        let mask = self.slots.len() - 1;
        let name = &arena[slot.at as usize..slot.at as usize + slot.len as usize];
        let mut i = hash(name) as usize & mask;
        while self.slots[i].session != EMPTY {
            i = (i + 1) & mask;
        }
        self.slots[i] = slot;
    }

    fn grow(&mut self, arena: &[u8]) {
        let size = (self.slots.len() * 2).max(64);
        let old = std::mem::replace(&mut self.slots, vec![FREE; size]);
        for s in old.into_iter().filter(|s| s.session != EMPTY) {
            self.insert(s, arena);
        }
    }

    /// Counts one more turn of `session`.
    pub(crate) fn add_turn(&mut self, session: u32) {
        self.counts[session as usize] += 1;
    }

    /// `sessionStart` (sessions + 1 entries) and the storage index of every turn in turn
    /// order, or `None` when that is the storage order itself (files without interleaved
    /// sessions: no table is kept).
    pub(crate) fn finish(self, store: &Store) -> (Vec<u32>, Option<Vec<u32>>) {
        let mut start = Vec::with_capacity(self.counts.len() + 1);
        let mut next = self.counts;
        let mut total = 0u32;
        start.push(0);
        for c in next.iter_mut() {
            let first = total;
            total += *c;
            start.push(total);
            *c = first;
        }
        let mut order = vec![0u32; store.len()];
        let mut identity = true;
        store.for_each(|r, rec| {
            let slot = &mut next[rec.session as usize];
            order[*slot as usize] = r as u32;
            identity &= *slot as usize == r;
            *slot += 1;
        });
        (start, (!identity).then_some(order))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_names_through_growth() {
        let mut arena = Vec::new();
        let mut s = Sessions::default();
        for i in 0..1000u32 {
            let name = format!("session-{i}");
            assert_eq!(s.find(name.as_bytes(), &arena), None);
            let id = s.open();
            let at = arena.len();
            arena.extend_from_slice(name.as_bytes());
            s.name(id, at..arena.len(), &arena);
        }
        for i in (0..1000u32).rev() {
            assert_eq!(s.find(format!("session-{i}").as_bytes(), &arena), Some(i));
        }
        assert_eq!(s.find(b"session-", &arena), None);
        assert_eq!(s.len(), 1000);
    }
}
