//! Hash tables keyed by `(u32, u64)` pairs and sets of `u64` ids, tuned for traces whose
//! ids are small dense integers (Mooncake remaps ids to 0, 1, 2, …) while staying exact
//! for arbitrary `u64` ids.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A fast non-cryptographic hasher for integer keys: a folded 128-bit multiply mixes
/// every input bit into the low bits that hashbrown uses for bucket selection. Traces are
/// local files, so HashDoS resistance is not needed.
#[derive(Default, Clone, Copy)]
pub struct MixHasher(u64);

const K: u64 = 0x9E37_79B9_7F4A_7C15;

impl Hasher for MixHasher {
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(b));
        }
    }
    #[inline]
    fn write_u64(&mut self, v: u64) {
        let m = ((self.0 ^ v) as u128).wrapping_mul(K as u128);
        self.0 = (m as u64) ^ ((m >> 64) as u64);
    }
    #[inline]
    fn write_u32(&mut self, v: u32) {
        self.write_u64(v as u64)
    }
    #[inline]
    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64)
    }
}

pub type FastBuild = BuildHasherDefault<MixHasher>;
pub type FastMap<K, V> = HashMap<K, V, FastBuild>;
pub type FastSet<K> = HashSet<K, FastBuild>;

/// Approximate bytes of a hash table that can hold `capacity` entries of `entry` bytes
/// (hashbrown: buckets at 7/8 load, one control byte per bucket), for memory reports.
pub fn table_bytes(capacity: usize, entry: usize) -> usize {
    if capacity == 0 {
        0
    } else {
        capacity * 8 / 7 * (entry + 1)
    }
}

/// Map from `(a: u32, id: u64)` to a `u32`; keys with `id < 2^32` are packed into one
/// `u64` (the common case), others use a tuple key.
#[derive(Default)]
pub struct PackedMap {
    small: FastMap<u64, u32>,
    big: FastMap<(u32, u64), u32>,
}

impl PackedMap {
    #[inline]
    pub fn get(&self, a: u32, id: u64) -> Option<u32> {
        if id < (1 << 32) {
            self.small.get(&(((a as u64) << 32) | id)).copied()
        } else {
            self.big.get(&(a, id)).copied()
        }
    }

    #[inline]
    pub fn insert(&mut self, a: u32, id: u64, v: u32) {
        if id < (1 << 32) {
            self.small.insert(((a as u64) << 32) | id, v);
        } else {
            self.big.insert((a, id), v);
        }
    }
}

const NONE: u32 = u32::MAX;

/// The prefix trie of all hash-id lists. Node 0 is the root; every other node is one
/// distinct prefix. Most nodes of real traces have a single child, so the first child of
/// each node is stored inline (no hashing); further children go to a hash map. Each node
/// carries a `u32` of caller data, in the same cache line as its links.
pub struct Trie {
    nodes: Vec<Node>,
    more: PackedMap,
}

#[derive(Clone, Copy)]
struct Node {
    first_id: u64,
    first_child: u32,
    data: u32,
}

const EMPTY_NODE: Node = Node { first_id: 0, first_child: NONE, data: 0 };

impl Default for Trie {
    fn default() -> Self {
        Trie { nodes: vec![EMPTY_NODE], more: PackedMap::default() }
    }
}

impl Trie {
    /// Number of nodes including the root.
    pub fn nodes(&self) -> u32 {
        self.nodes.len() as u32
    }

    /// The caller data of `node` (0 for a new node).
    #[inline]
    pub fn data_mut(&mut self, node: u32) -> &mut u32 {
        &mut self.nodes[node as usize].data
    }

    fn new_node(&mut self) -> u32 {
        let c = self.nodes.len() as u32;
        self.nodes.push(EMPTY_NODE);
        c
    }

    /// The child of `parent` for `id`, created if absent; `(child, created)`.
    /// Callers keep [`Trie::nodes`] below `u32::MAX`.
    #[inline]
    pub fn child(&mut self, parent: u32, id: u64) -> (u32, bool) {
        let p = parent as usize;
        let Node { first_id, first_child, .. } = self.nodes[p];
        if first_child == NONE {
            let c = self.new_node();
            self.nodes[p].first_child = c;
            self.nodes[p].first_id = id;
            return (c, true);
        }
        if first_id == id {
            return (first_child, false);
        }
        if let Some(c) = self.more.get(parent, id) {
            return (c, false);
        }
        let c = self.new_node();
        self.more.insert(parent, id, c);
        (c, true)
    }
}

/// Dense index of `(position, id)` pairs. Real traces use each id at one position, so the
/// first position of a small id and its pair index are stored in an id-indexed vector;
/// other pairs go to a hash map. Exact for any `u64` id.
#[derive(Default)]
pub struct PairTable {
    /// per small id: (first position, its pair index), or (NONE, NONE)
    dense: Vec<(u32, u32)>,
    more: PackedMap,
    len: u32,
}

impl PairTable {
    /// The index of `(pos, id)`, created if absent (indexes are 0, 1, 2, … in order of
    /// creation); `(index, created)`.
    #[inline]
    pub fn get_or_insert(&mut self, pos: u32, id: u64) -> (u32, bool) {
        let next = self.len;
        // The dense vector grows only while ids stay proportional to the number of pairs,
        // so one huge id cannot make it allocate gigabytes.
        if id < DENSE_IDS && (id as usize) < self.dense.len().max(4 * (next as usize + 65536)) {
            let i = id as usize;
            if i >= self.dense.len() {
                let want = (i + 1).max(self.dense.len() * 2).min(DENSE_IDS as usize);
                self.dense.resize(want, (NONE, NONE));
            }
            let (p0, idx) = self.dense[i];
            if p0 == pos {
                return (idx, false);
            }
            if p0 == NONE {
                self.dense[i] = (pos, next);
                self.len += 1;
                return (next, true);
            }
        }
        if let Some(v) = self.more.get(pos, id) {
            return (v, false);
        }
        self.more.insert(pos, id, next);
        self.len += 1;
        (next, true)
    }
}

/// Ids below this go to the bitset (at most 8 MiB of bits).
const DENSE_IDS: u64 = 1 << 26;

/// A set of `u64` ids: a growable bitset for small ids, a hash set for the rest.
#[derive(Default)]
pub struct IdSet {
    bits: Vec<u64>,
    other: FastSet<u64>,
}

impl IdSet {
    /// Bytes held (approximate for the hash part).
    pub fn heap_bytes(&self) -> usize {
        self.bits.capacity() * 8 + table_bytes(self.other.capacity(), 8)
    }

    #[inline]
    pub fn contains(&self, id: u64) -> bool {
        if id < DENSE_IDS {
            let w = (id >> 6) as usize;
            w < self.bits.len() && (self.bits[w] >> (id & 63)) & 1 == 1
        } else {
            self.other.contains(&id)
        }
    }

    #[inline]
    pub fn insert(&mut self, id: u64) {
        if id < DENSE_IDS {
            let w = (id >> 6) as usize;
            if w >= self.bits.len() {
                let want = (w + 1).max(self.bits.len() * 2).min((DENSE_IDS >> 6) as usize);
                self.bits.resize(want, 0);
            }
            self.bits[w] |= 1 << (id & 63);
        } else {
            self.other.insert(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trie_and_pairs_handle_extremes() {
        let mut t = Trie::default();
        assert_eq!(t.child(0, 5), (1, true));
        assert_eq!(t.child(0, u64::MAX), (2, true));
        assert_eq!(t.child(1, 5), (3, true));
        assert_eq!(t.child(0, 5), (1, false));
        assert_eq!(t.child(0, u64::MAX), (2, false));
        assert_eq!(t.child(1, 1 << 32), (4, true));
        assert_eq!(t.child(1, 5), (3, false));
        assert_eq!(t.nodes(), 5);
        let mut p = PairTable::default();
        assert_eq!(p.get_or_insert(0, 7), (0, true));
        assert_eq!(p.get_or_insert(1, 7), (1, true));
        assert_eq!(p.get_or_insert(0, 7), (0, false));
        assert_eq!(p.get_or_insert(1, 7), (1, false));
        assert_eq!(p.get_or_insert(3, u64::MAX), (2, true));
        assert_eq!(p.get_or_insert(3, u64::MAX), (2, false));
        assert_eq!(p.get_or_insert(3, DENSE_IDS - 1), (3, true));
        assert_eq!(p.get_or_insert(3, DENSE_IDS - 1), (3, false));
        assert_eq!(p.len, 4);
        let mut s = IdSet::default();
        for id in [0, 63, 64, DENSE_IDS - 1, DENSE_IDS, u64::MAX] {
            assert!(!s.contains(id));
            s.insert(id);
            assert!(s.contains(id));
        }
        assert!(!s.contains(1));
    }
}
