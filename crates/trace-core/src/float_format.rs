//! The AIPerf float format of `analysis.json` (`docs/trace-analysis.md` §5.3) and exact,
//! correctly rounded division of wide integers.

/// Formats a finite double: the shortest decimal that round-trips; positional with at
/// least one fractional digit when `1e-5 ≤ |v| < 1e16` or `v = 0` (`981.0`, `0.00001`),
/// otherwise scientific with an explicit exponent sign and no leading exponent zeros
/// (`5e-6`, `1e+16`, `1.2345678901234568e+17`).
pub fn format_float(v: f64) -> String {
    let a = v.abs();
    if v == 0.0 || (1e-5..1e16).contains(&a) {
        // Rust's Display is the shortest round-trip digits, always positional.
        let s = format!("{}", v);
        if s.contains('.') {
            s
        } else {
            s + ".0"
        }
    } else {
        let s = format!("{:e}", v);
        match s.find('e') {
            Some(p) if !s[p + 1..].starts_with('-') => format!("{}e+{}", &s[..p], &s[p + 1..]),
            _ => s,
        }
    }
}

/// Unsigned 256-bit integer (hi, lo), just enough for exact sums and one division.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct U256 {
    pub hi: u128,
    pub lo: u128,
}

impl U256 {
    pub const ZERO: U256 = U256 { hi: 0, lo: 0 };

    pub fn from_u128(v: u128) -> Self {
        U256 { hi: 0, lo: v }
    }

    pub fn is_zero(&self) -> bool {
        self.hi == 0 && self.lo == 0
    }

    pub fn plus(self, o: U256) -> U256 {
        let (lo, c) = self.lo.overflowing_add(o.lo);
        U256 { hi: self.hi.wrapping_add(o.hi).wrapping_add(c as u128), lo }
    }

    /// Bit length (0 for zero).
    pub fn bits(&self) -> u32 {
        if self.hi != 0 {
            256 - self.hi.leading_zeros()
        } else {
            128 - self.lo.leading_zeros()
        }
    }

    pub fn shl_by(self, n: u32) -> U256 {
        if n == 0 {
            self
        } else if n >= 256 {
            U256::ZERO
        } else if n >= 128 {
            U256 { hi: self.lo << (n - 128), lo: 0 }
        } else {
            U256 { hi: (self.hi << n) | (self.lo >> (128 - n)), lo: self.lo << n }
        }
    }

    pub fn shr_by(self, n: u32) -> U256 {
        if n == 0 {
            self
        } else if n >= 256 {
            U256::ZERO
        } else if n >= 128 {
            U256 { hi: 0, lo: self.hi >> (n - 128) }
        } else {
            U256 { hi: self.hi >> n, lo: (self.lo >> n) | (self.hi << (128 - n)) }
        }
    }

    fn bit(&self, i: u32) -> bool {
        if i >= 128 {
            (self.hi >> (i - 128)) & 1 == 1
        } else {
            (self.lo >> i) & 1 == 1
        }
    }

    /// Quotient and remainder by a non-zero `d` (schoolbook, bit by bit: called a few
    /// times per report, never per row).
    pub fn div_rem(self, d: u128) -> (U256, u128) {
        assert!(d != 0);
        let mut q = U256::ZERO;
        // remainder < d ≤ 2^128 − 1, so 2·rem + 1 fits in 129 bits: track the carry.
        let mut rem: u128 = 0;
        for i in (0..self.bits()).rev() {
            let carry = rem >> 127;
            rem = (rem << 1) | self.bit(i) as u128;
            if carry == 1 || rem >= d {
                rem = rem.wrapping_sub(d);
                q = q.plus(U256::from_u128(1).shl_by(i));
            }
        }
        (q, rem)
    }
}

/// `2^e` as a double, for `-1022 ≤ e ≤ 1023`.
fn pow2(e: i32) -> f64 {
    debug_assert!((-1022..=1023).contains(&e));
    f64::from_bits(((e + 1023) as u64) << 52)
}

/// The double nearest to `num · 2^-scale / den` (ties to even): the exact quotient is
/// rounded once. `den` must be non-zero. Results are assumed to be in the normal range.
pub fn round_div(num: U256, scale: u32, den: u128) -> f64 {
    if num.is_zero() {
        return 0.0;
    }
    // Scale the numerator so that the quotient has at least 55 significant bits.
    let den_bits = 128 - den.leading_zeros();
    let want = 56 + den_bits;
    let s = want.saturating_sub(num.bits());
    let (q, rem) = num.shl_by(s).div_rem(den);
    let sticky = rem != 0;
    // value = q · 2^-(s + scale), q ≥ 2^54
    let p = q.bits() - 1; // top bit index, ≥ 54
    let drop = p - 52; // bits below the 53-bit mantissa
    let mut mant = q.shr_by(drop).lo as u64;
    let low = q.shl_by(256 - drop).shr_by(256 - drop); // dropped bits
    let half = U256::from_u128(1).shl_by(drop - 1);
    let round_up = if low.hi > half.hi || (low.hi == half.hi && low.lo > half.lo) {
        true
    } else if low == half {
        sticky || (mant & 1 == 1)
    } else {
        false
    };
    let mut exp = drop as i32 - s as i32 - scale as i32;
    if round_up {
        mant += 1;
        if mant == 1 << 53 {
            mant >>= 1;
            exp += 1;
        }
    }
    // mant < 2^53 is exact as a double; multiply by 2^exp in two steps to stay in range.
    let half_exp = exp / 2;
    mant as f64 * pow2(half_exp) * pow2(exp - half_exp)
}

/// Exact sum of doubles in `[0, 2^63)` as a fixed-point number with 192 fractional bits;
/// used for the correctly rounded mean of hit rates (`docs/trace-analysis.md` §3.1).
#[derive(Debug, Clone, Copy, Default)]
pub struct ExactSum {
    acc: U256,
}

/// Fractional bits of [`ExactSum`].
pub const EXACT_SUM_SCALE: u32 = 192;

impl ExactSum {
    /// Adds a non-negative finite double. Bits below 2^-192 (impossible for hit rates,
    /// whose denominators are below 2^32) would be dropped.
    pub fn add(&mut self, v: f64) {
        debug_assert!(v >= 0.0 && v.is_finite());
        if v == 0.0 {
            return;
        }
        let bits = v.to_bits();
        let e = ((bits >> 52) & 0x7ff) as i32;
        let frac = bits & ((1u64 << 52) - 1);
        let (mant, exp) = if e == 0 { (frac, -1074) } else { (frac | (1 << 52), e - 1075) };
        // v = mant · 2^exp; in units of 2^-192: mant · 2^(exp + 192)
        let sh = exp + EXACT_SUM_SCALE as i32;
        let m = U256::from_u128(mant as u128);
        let term = if sh >= 0 { m.shl_by(sh as u32) } else { m.shr_by((-sh) as u32) };
        self.acc = self.acc.plus(term);
    }

    /// The exact sum divided by `n`, correctly rounded (0.0 for `n = 0`).
    pub fn mean(&self, n: u64) -> f64 {
        if n == 0 {
            return 0.0;
        }
        round_div(self.acc, EXACT_SUM_SCALE, n as u128)
    }
}

/// `a / b` for integers, correctly rounded (Python's `int / int`); 0.0 if `b = 0`.
pub fn ratio(a: u128, b: u128) -> f64 {
    if b == 0 {
        0.0
    } else {
        round_div(U256::from_u128(a), 0, b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aiperf_float_format_examples() {
        let cases: &[(f64, &str)] = &[
            (981.0, "981.0"),
            (0.00001, "0.00001"),
            (0.000012, "0.000012"),
            (1000000000000000.0, "1000000000000000.0"),
            (5e-6, "5e-6"),
            (9.99e-6, "9.99e-6"),
            (1e16, "1e+16"),
            (1.2345678901234568e17, "1.2345678901234568e+17"),
            (0.0, "0.0"),
            (0.5416666666666666, "0.5416666666666666"),
            (228.65476159485505, "228.65476159485505"),
            (-3.5, "-3.5"),
            (-1e20, "-1e+20"),
        ];
        for &(v, s) in cases {
            assert_eq!(format_float(v), s, "{v:e}");
        }
    }

    #[test]
    fn ratio_is_correctly_rounded() {
        for (a, b) in [(2560u128, 3924u128), (1, 3), (2, 3), (700, 3736), (54098411, 144793823), (7, 10), (1, 1), (0, 5)] {
            assert_eq!(ratio(a, b), a as f64 / b as f64, "{a}/{b}");
        }
        // beyond 2^53, plain float division would round twice
        let a = (1u128 << 80) + 1;
        let b = 3u128;
        let exact = ratio(a, b);
        // (2^80+1)/3 = 402975273204876391568725.66…; Rust's parser rounds decimals correctly
        assert_eq!(exact, "402975273204876391568725.6666".parse::<f64>().unwrap());
    }

    #[test]
    fn exact_mean_of_hit_rates() {
        let mut s = ExactSum::default();
        for v in [0.0, 2.0 / 3.0, 0.5, 1.0] {
            s.add(v);
        }
        assert_eq!(s.mean(4), 0.5416666666666666);
        let mut s = ExactSum::default();
        for v in [0.0, 0.4, 0.7142857142857143, 0.0, 0.5, 0.0] {
            s.add(v);
        }
        assert_eq!(s.mean(6), 0.26904761904761904);
        // 0.1 ten times: a naive sum gives 0.9999999999999999
        let mut s = ExactSum::default();
        for _ in 0..10 {
            s.add(0.1);
        }
        assert_eq!(s.mean(10), 0.1);
    }
}
