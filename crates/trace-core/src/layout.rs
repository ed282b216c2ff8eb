//! Block-layout consistency of a row (`docs/trace-format.md` §7).

/// How `n ≥ 1` hash ids tile `isl` tokens at block size `bs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayoutKind {
    /// `isl = n·bs`: every block full (consistent).
    ExactTile,
    /// `(n−1)·bs < isl < n·bs`: the last block is partial (consistent).
    LastBlockPartial,
    /// `isl > n·bs`: the ids cover only a prefix (inconsistent).
    PrefixOnly,
    /// `isl ≤ (n−1)·bs`: more ids than the tokens fill, including `isl = 0` (inconsistent).
    Overshoot,
}

impl LayoutKind {
    /// Classifies a row; `None` when the row has no hash ids (never inconsistent).
    pub fn classify(isl: u64, n: u64, bs: u64) -> Option<LayoutKind> {
        if n == 0 {
            return None;
        }
        // u128: n·bs can exceed u64 only in theory, but costs nothing to rule out.
        let (isl, n, bs) = (isl as u128, n as u128, bs as u128);
        Some(if isl <= (n - 1) * bs {
            LayoutKind::Overshoot
        } else if isl > n * bs {
            LayoutKind::PrefixOnly
        } else if isl == n * bs {
            LayoutKind::ExactTile
        } else {
            LayoutKind::LastBlockPartial
        })
    }

    /// `prefix_only` and `overshoot` are inconsistent.
    pub fn is_consistent(&self) -> bool {
        matches!(self, LayoutKind::ExactTile | LayoutKind::LastBlockPartial)
    }

    /// The spec's name: `exact_tile`, `last_block_partial`, `prefix_only`, `overshoot`.
    pub fn as_str(&self) -> &'static str {
        match self {
            LayoutKind::ExactTile => "exact_tile",
            LayoutKind::LastBlockPartial => "last_block_partial",
            LayoutKind::PrefixOnly => "prefix_only",
            LayoutKind::Overshoot => "overshoot",
        }
    }
}

/// The REASON-TEXT of an `inconsistent_layout` row (`docs/trace-format.md` §4.3, §7), e.g.
/// `2 ids do not match input_length 20 at block size 512 (overshoot)`.
pub fn mismatch_text(n: u64, isl: u64, bs: u64, kind: LayoutKind) -> String {
    format!("{n} ids do not match input_length {isl} at block size {bs} ({})", kind.as_str())
}

/// Tokens that hash id number `k` (0-based) of a row stands for when materialised
/// (`docs/trace-format.md` §7.1): `bs` except for the last id, which gets
/// `min(bs, isl − (n−1)·bs)`. Meaningless for `overshoot` rows (they are rejected first).
pub fn materialised_block_size(isl: u64, n: u64, k: u64, bs: u64) -> u64 {
    if k + 1 < n {
        bs
    } else {
        bs.min(isl.saturating_sub((n - 1) * bs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_are_exact() {
        let bs = 512;
        for n in 1..4u64 {
            assert_eq!(LayoutKind::classify((n - 1) * bs, n, bs), Some(LayoutKind::Overshoot));
            assert_eq!(LayoutKind::classify((n - 1) * bs + 1, n, bs), Some(LayoutKind::LastBlockPartial));
            assert_eq!(LayoutKind::classify(n * bs, n, bs), Some(LayoutKind::ExactTile));
            assert_eq!(LayoutKind::classify(n * bs + 1, n, bs), Some(LayoutKind::PrefixOnly));
        }
        assert_eq!(LayoutKind::classify(0, 0, bs), None);
        assert_eq!(materialised_block_size(700, 2, 1, 512), 188);
        assert_eq!(materialised_block_size(1500, 1, 0, 512), 512);
    }
}
