//! The whole-file materialisation size-conflict rule (`docs/trace-format.md` §7.1), shared by
//! `analyze-trace --check-materialisation` and the replay dataset, so that both judge a file
//! the same way and print the same message.
//!
//! The first row that uses a hash id fixes its size; a later row that needs the id at another
//! size is an error. Every id but a row's last is a full block, so the table keeps full-size
//! ids in a set (a bitset for the small dense ids of real traces) and only partial sizes
//! apart (at most one per row), by id for small ids: the partial ids of real traces are
//! mostly fresh, so that table is written almost in order, where a hash map took a cache miss
//! per row.

use crate::error::{ErrorCode, TraceError};
use crate::id_table::{table_bytes, FastMap, IdSet};
use crate::layout::materialised_block_size;

/// A row that requests an id at another size than its first use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeConflict {
    /// Position of the id in the row (`hash_ids[K]`).
    pub k: usize,
    pub id: u64,
    /// The size this row needs.
    pub size: u64,
    /// The size the first use fixed.
    pub first_size: u64,
    /// The line of the first use, when the table keeps lines ([`SizeTable::with_lines`]).
    pub first_line: Option<u64>,
}

impl SizeConflict {
    /// The `SIZE_CONFLICT` error of §7.1 for the row at `file:line`, whose id was first used
    /// on `first_line`:
    /// `FILE:LINE: hash_ids[K]: hash id H requested at S tokens but was already materialised at S0 tokens (line L0)`.
    pub fn to_error(&self, file: &str, line: u64, first_line: u64) -> TraceError {
        let field = format!("hash_ids[{}]", self.k);
        TraceError {
            code: ErrorCode::SizeConflict,
            reason: None,
            file: Some(file.to_string()),
            line: Some(line),
            message: format!(
                "{}:{}: {}: hash id {} requested at {} tokens but was already materialised at {} tokens (line {})",
                file, line, field, self.id, self.size, self.first_size, first_line
            ),
            field: Some(field),
        }
    }
}

/// Ids above this never go to the by-id table (its u16 entries would take 128 MiB).
const DENSE_LIMIT: u64 = 1 << 26;

/// Partial sizes: by id for small ids whose size fits 16 bits (0 = none), else a map.
#[derive(Default)]
struct PartialSizes {
    dense: Vec<u16>,
    other: FastMap<u64, u32>,
}

impl PartialSizes {
    #[inline]
    fn get(&self, id: u64) -> Option<u32> {
        match self.dense.get(id as usize) {
            Some(&v) if v != 0 => Some(u32::from(v)),
            _ if self.other.is_empty() => None,
            _ => self.other.get(&id).copied(),
        }
    }

    /// `distinct`: ids seen so far (full or partial).
    fn insert(&mut self, id: u64, size: u32, distinct: usize) {
        // The table grows only while ids stay proportional to the ids seen (real traces number
        // them densely), so one huge id cannot make it allocate a lot.
        let i = id as usize;
        let fits = id < DENSE_LIMIT && size <= u32::from(u16::MAX) && (i < self.dense.len() || i < 4 * (distinct + 65536));
        if !fits {
            self.other.insert(id, size);
            return;
        }
        if i >= self.dense.len() {
            let want = (i + 1).max(self.dense.len() * 2).min(DENSE_LIMIT as usize);
            self.dense.resize(want, 0);
        }
        self.dense[i] = size as u16;
    }

    fn heap_bytes(&self) -> usize {
        self.dense.capacity() * 2 + table_bytes(self.other.capacity(), 12)
    }
}

/// The size each id was first materialised at, fed one row at a time in file order.
#[derive(Default)]
pub struct SizeTable {
    /// Ids first used as a full block.
    full: IdSet,
    /// Ids first used at a partial size (`< bs`), with that size.
    partial: PartialSizes,
    /// Distinct ids seen.
    distinct: usize,
    /// First line of every id, for callers that keep no rows to look it up in.
    lines: Option<FastMap<u64, u64>>,
}

impl SizeTable {
    /// A table that leaves the first line to the caller (it can find the first row using the
    /// id in what it kept; this saves a map entry per distinct id).
    pub fn new() -> Self {
        SizeTable::default()
    }

    /// A table that also remembers the first line of every id (the analyzer keeps no rows).
    pub fn with_lines() -> Self {
        SizeTable { lines: Some(FastMap::default()), ..SizeTable::default() }
    }

    /// Bytes held (approximate for the hash tables).
    pub fn heap_bytes(&self) -> usize {
        self.full.heap_bytes() + self.partial.heap_bytes() + self.lines.as_ref().map_or(0, |l| table_bytes(l.capacity(), 16))
    }

    /// Records the ids of one row (`isl` tokens, block size `bs`) at `line`, or returns the
    /// first id the row needs at another size than its first use. Rows of kind `overshoot`
    /// must not be passed (§7.1: they are rejected before this rule applies).
    pub fn add_row(&mut self, isl: u64, ids: &[u64], bs: u64, line: u64) -> Result<(), SizeConflict> {
        let n = ids.len() as u64;
        for (k, &id) in ids.iter().enumerate() {
            let size = materialised_block_size(isl, n, k as u64, bs);
            let first_size = if self.full.contains(id) {
                bs
            } else if let Some(s) = self.partial.get(id) {
                u64::from(s)
            } else {
                if size == bs {
                    self.full.insert(id);
                } else {
                    // 1 ≤ size < bs ≤ u32::MAX (block sizes are u32; overshoot rows never come)
                    self.partial.insert(id, size as u32, self.distinct);
                }
                self.distinct += 1;
                if let Some(lines) = &mut self.lines {
                    lines.insert(id, line);
                }
                continue;
            };
            if first_size != size {
                let first_line = self.lines.as_ref().and_then(|l| l.get(&id).copied());
                return Err(SizeConflict { k, id, size, first_size, first_line });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_example_names_both_lines() {
        // docs/trace-format.md §7.1: [7,8]/700 on line 2, then [7,8,9]/1100 on line 5.
        let mut t = SizeTable::with_lines();
        t.add_row(700, &[7, 8], 512, 2).unwrap();
        let c = t.add_row(1100, &[7, 8, 9], 512, 5).unwrap_err();
        assert_eq!(c, SizeConflict { k: 1, id: 8, size: 512, first_size: 188, first_line: Some(2) });
        assert_eq!(
            c.to_error("t.jsonl", 5, 2).message,
            "t.jsonl:5: hash_ids[1]: hash id 8 requested at 512 tokens but was already materialised at 188 tokens (line 2)"
        );
    }

    #[test]
    fn equal_sizes_and_huge_ids_pass_and_a_partial_after_full_conflicts() {
        let mut t = SizeTable::new();
        t.add_row(1024, &[u64::MAX, 1 << 40], 512, 1).unwrap();
        t.add_row(1500, &[u64::MAX], 512, 2).unwrap(); // prefix_only: every id full
        t.add_row(600, &[1 << 40, 3], 512, 3).unwrap();
        t.add_row(600, &[1 << 40, 3], 512, 4).unwrap();
        let c = t.add_row(100, &[u64::MAX], 512, 5).unwrap_err();
        assert_eq!((c.k, c.size, c.first_size, c.first_line), (0, 100, 512, None));
        // partial sizes of huge ids and big sizes are kept too
        let mut t = SizeTable::new();
        t.add_row(70_000, &[1 << 40], 100_000, 1).unwrap();
        t.add_row(513, &[1, 1 << 40], 512, 2).unwrap_err();
        let c = t.add_row(70_001, &[1 << 40], 100_000, 3).unwrap_err();
        assert_eq!((c.size, c.first_size), (70_001, 70_000));
        // an id repeated inside one row at two sizes conflicts with its own first use
        let c = SizeTable::new().add_row(700, &[5, 5], 512, 9).unwrap_err();
        assert_eq!((c.k, c.size, c.first_size), (1, 188, 512));
    }
}
