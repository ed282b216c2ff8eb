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

/// Map from `(a: u32, id: u64)` to a dense `u32` index; keys with `id < 2^32` are packed
/// into one `u64`.
#[derive(Default)]
pub struct PairIndex {
    small: FastMap<u64, u32>,
    big: FastMap<(u32, u64), u32>,
    len: u32,
}

impl PairIndex {
    /// Returns `(index, inserted)`; new keys get the next index.
    #[inline]
    pub fn get_or_insert(&mut self, a: u32, id: u64) -> (u32, bool) {
        let next = self.len;
        let (idx, inserted) = if id < (1 << 32) {
            let key = ((a as u64) << 32) | id;
            match self.small.entry(key) {
                std::collections::hash_map::Entry::Occupied(e) => (*e.get(), false),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(next);
                    (next, true)
                }
            }
        } else {
            match self.big.entry((a, id)) {
                std::collections::hash_map::Entry::Occupied(e) => (*e.get(), false),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(next);
                    (next, true)
                }
            }
        };
        if inserted {
            self.len += 1;
        }
        (idx, inserted)
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
    fn pair_index_and_id_set_handle_extremes() {
        let mut p = PairIndex::default();
        assert_eq!(p.get_or_insert(0, 5), (0, true));
        assert_eq!(p.get_or_insert(0, u64::MAX), (1, true));
        assert_eq!(p.get_or_insert(1, 5), (2, true));
        assert_eq!(p.get_or_insert(0, 5), (0, false));
        assert_eq!(p.get_or_insert(0, u64::MAX), (1, false));
        assert_eq!(p.get_or_insert(u32::MAX, 1 << 32), (3, true));
        let mut s = IdSet::default();
        for id in [0, 63, 64, DENSE_IDS - 1, DENSE_IDS, u64::MAX] {
            assert!(!s.contains(id));
            s.insert(id);
            assert!(s.contains(id));
        }
        assert!(!s.contains(1));
    }
}
