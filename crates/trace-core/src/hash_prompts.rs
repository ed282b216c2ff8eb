//! `hash-prompts` chain hashing (`synthesis.md` §5): token blocks → dense hash ids.
//!
//! Block j of a prompt is keyed by `(id of block j−1 or ROOT, exact tokens of block j)`;
//! keys get dense ids `0, 1, 2, …` in first-seen order over the whole input. The mapping is
//! exact: a 64-bit hash only finds candidates, which are verified against the stored
//! tokens, so two different blocks can never share an id (a bare 64-bit hash could).
//!
//! Tokenisation happens in the caller (the tokenizer lives in TypeScript); batches of rows
//! cross the boundary as one flat token array plus row offsets.

use crate::error::TraceError;
use crate::synthesis::fxhash::FxHashMap;

const ROOT: u32 = u32::MAX;
const NO_NEXT: u32 = u32::MAX;

/// The ids of one batch: `ids` flat, row i's ids are `ids[row_offsets[i]..row_offsets[i+1]]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HashedBatch {
    pub ids: Vec<u32>,
    /// `rows + 1` offsets into `ids`, starting at 0.
    pub row_offsets: Vec<u32>,
}

/// Incremental chain hasher; feed batches in file order.
pub struct PromptHasher {
    bs: usize,
    /// Key hash → most recent block id with that hash (chained through `next`).
    heads: FxHashMap<u64, u32>,
    next: Vec<u32>,
    parent: Vec<u32>,
    /// Start of each block's tokens in `arena` (block i ends at `start[i+1]`).
    start: Vec<u64>,
    arena: Vec<u32>,
    blocks: u64,
    rows: u64,
}

fn key_hash(parent: u32, tokens: &[u32]) -> u64 {
    // FNV-style mixing of 32-bit words; only used to find candidates.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ u64::from(parent);
    for &t in tokens {
        h = (h ^ u64::from(t)).wrapping_mul(0x0000_0100_0000_01b3);
        h ^= h >> 29;
    }
    crate::rng::mix(h ^ tokens.len() as u64)
}

impl PromptHasher {
    /// `block_size` ≥ 1 (`--block-size`).
    pub fn new(block_size: u32) -> Result<Self, TraceError> {
        if block_size == 0 {
            return Err(TraceError::invalid_arg("option '--block-size': expected a positive integer, got '0'"));
        }
        Ok(PromptHasher {
            bs: block_size as usize,
            heads: FxHashMap::default(),
            next: Vec::new(),
            parent: Vec::new(),
            start: vec![0],
            arena: Vec::new(),
            blocks: 0,
            rows: 0,
        })
    }

    /// Number of distinct ids assigned so far.
    pub fn distinct_ids(&self) -> u64 {
        self.parent.len() as u64
    }
    /// Total blocks over all rows hashed so far (`Σ ceil(tokens/bs)`).
    pub fn blocks(&self) -> u64 {
        self.blocks
    }
    /// Rows hashed so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    fn tokens_of(&self, id: u32) -> &[u32] {
        &self.arena[self.start[id as usize] as usize..self.start[id as usize + 1] as usize]
    }

    fn id_for(&mut self, parent: u32, tokens: &[u32]) -> Result<u32, TraceError> {
        let h = key_hash(parent, tokens);
        let mut cand = self.heads.get(&h).copied().unwrap_or(NO_NEXT);
        while cand != NO_NEXT {
            if self.parent[cand as usize] == parent && self.tokens_of(cand) == tokens {
                return Ok(cand);
            }
            cand = self.next[cand as usize];
        }
        let id = self.parent.len();
        if id >= ROOT as usize {
            return Err(TraceError::invalid_arg("hash-prompts: more than 4294967294 distinct blocks"));
        }
        let id = id as u32;
        let prev = self.heads.insert(h, id).unwrap_or(NO_NEXT);
        self.next.push(prev);
        self.parent.push(parent);
        self.arena.extend_from_slice(tokens);
        self.start.push(self.arena.len() as u64);
        Ok(id)
    }

    /// Hashes one batch of rows. `row_offsets` has `rows + 1` non-decreasing entries, the
    /// first 0 and the last `tokens.len()`; row i's tokens are
    /// `tokens[row_offsets[i]..row_offsets[i+1]]`.
    pub fn hash_batch(&mut self, tokens: &[u32], row_offsets: &[u32]) -> Result<HashedBatch, TraceError> {
        let bad = |m: &str| Err(TraceError::invalid_arg(format!("hash-prompts: invalid row offsets: {m}")));
        if row_offsets.first() != Some(&0) {
            return bad("the first offset must be 0");
        }
        if *row_offsets.last().unwrap_or(&0) as usize != tokens.len() {
            return bad("the last offset must equal the number of tokens");
        }
        if row_offsets.windows(2).any(|w| w[0] > w[1]) {
            return bad("offsets must be non-decreasing");
        }
        let mut out = HashedBatch {
            ids: Vec::with_capacity(tokens.len() / self.bs + row_offsets.len()),
            row_offsets: Vec::with_capacity(row_offsets.len()),
        };
        out.row_offsets.push(0);
        for w in row_offsets.windows(2) {
            let row = &tokens[w[0] as usize..w[1] as usize];
            let mut parent = ROOT;
            for block in row.chunks(self.bs) {
                parent = self.id_for(parent, block)?;
                out.ids.push(parent);
            }
            self.blocks += row.len().div_ceil(self.bs) as u64;
            self.rows += 1;
            out.row_offsets.push(out.ids.len() as u32);
        }
        Ok(out)
    }
}
