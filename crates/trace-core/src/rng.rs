//! The one deterministic random generator of infermark (`docs/synthesis.md` §2).
//!
//! Every random choice in the core (transform tree draws, generate mode, prompt
//! materialisation) comes from a [`Stream`] named by a label and a few keys, so the native
//! and WASM builds, and the TypeScript port, draw exactly the same numbers. Nothing here may
//! change without changing the spec's test vectors.

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
const GOLDEN_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// 64-bit FNV-1a over `bytes`.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h = FNV_OFFSET;
    for &b in bytes {
        h = (h ^ u64::from(b)).wrapping_mul(FNV_PRIME);
    }
    h
}

/// Incremental FNV-1a 64, for hashing a file that arrives in chunks (the prompt scope).
#[derive(Debug, Clone, Copy)]
pub struct Fnv1a64 {
    h: u64,
}

impl Default for Fnv1a64 {
    fn default() -> Self {
        Self { h: FNV_OFFSET }
    }
}

impl Fnv1a64 {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn update(&mut self, bytes: &[u8]) {
        let mut h = self.h;
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(FNV_PRIME);
        }
        self.h = h;
    }
    pub fn finish(&self) -> u64 {
        self.h
    }
}

/// The SplitMix64 output function (`MIX` in the spec).
#[inline]
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A SplitMix64 stream. Only `next`, `below` and `unit` consume draws.
#[derive(Debug, Clone)]
pub struct Stream {
    state: u64,
}

impl Stream {
    /// `stream(seed, label, keys…)` of §2.1.
    pub fn new(seed: u64, label: &str, keys: &[u64]) -> Self {
        let mut state = seed ^ fnv1a64(label.as_bytes());
        for &k in keys {
            state = mix(state ^ k);
        }
        Self { state }
    }

    /// A stream with a given raw state (used by the test vectors: "SplitMix64 with state 0").
    pub fn from_state(state: u64) -> Self {
        Self { state }
    }

    /// The current state (exposed for the §2.3 vectors and for diagnostics).
    pub fn state(&self) -> u64 {
        self.state
    }

    #[inline]
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        mix(self.state)
    }

    /// Uniform integer in `[0, n)` by rejection (no modulo bias). `n` must be ≥ 1; callers
    /// guarantee it (every weight total in the core is positive by construction).
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n >= 1, "below(0) is undefined");
        let n = n.max(1);
        // (2^64 - n) mod n, computed without 128-bit arithmetic.
        let t = n.wrapping_neg() % n;
        loop {
            let x = self.next();
            if x >= t {
                return x % n;
            }
        }
    }

    /// Uniform double in `[0, 1)` with 53 random bits.
    #[inline]
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
    }
}

/// Stream labels of §2.2, one place so a typo cannot fork the randomness.
pub mod labels {
    pub const SYNTHESIS_ROOT: &str = "infermark/synthesis/root";
    pub const SYNTHESIS_GENERATE: &str = "infermark/synthesis/generate";
    pub const PROMPT_BLOCK: &str = "infermark/prompt/block";
    pub const PROMPT_PAD: &str = "infermark/prompt/pad";
    pub const PROMPT_FRESH: &str = "infermark/prompt/fresh";
}
