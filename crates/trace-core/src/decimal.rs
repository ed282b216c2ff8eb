//! Exact decimal multipliers (`docs/synthesis.md` §1).
//!
//! AIPerf multiplies in binary floating point, where `ceil(10 × 1.1)` is 12 and
//! `int(3 / 0.1)` is 29. infermark parses each multiplier from its decimal text into an
//! exact fraction `units / 10^9` and does every product and quotient with 128-bit integers,
//! rounding once, as the spec states.

/// Fixed denominator: every accepted value has at most 9 fractional digits.
pub const SCALE: u128 = 1_000_000_000;
const SCALE_U64: u64 = SCALE as u64;
const MAX_INT_DIGITS: usize = 12;
const MAX_FRAC_DIGITS: usize = 9;

/// An exact non-negative decimal `units / 10^9`, with its nearest double for the places
/// where the spec asks for IEEE arithmetic (fractional timestamps).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decimal {
    units: u128,
    float: f64,
}

impl Decimal {
    pub const ONE: Decimal = Decimal { units: SCALE, float: 1.0 };

    /// Parses decimal or exponent notation (`1.5`, `0.25`, `2`, `1e-3`, `.5`, `+2`).
    /// A value is accepted only if its exact positional form has at most 12 integer digits
    /// and at most 9 fractional digits. The error is the reason text of `docs/cli.md` §1.4,
    /// e.g. `expected a decimal number with at most 9 fractional digits, got '1e-10'`.
    pub fn parse(text: &str) -> Result<Decimal, String> {
        Self::parse_expecting(text, "a positive number")
    }

    /// [`parse`](Decimal::parse) for a range the caller names: text that is not a
    /// non-negative decimal gives `expected {expected}, got '{text}'` (e.g. "a non-negative
    /// number" where zero is allowed).
    pub fn parse_expecting(text: &str, expected: &str) -> Result<Decimal, String> {
        let bad_syntax = || format!("expected {expected}, got '{text}'");
        let s = text.trim();
        let s = s.strip_prefix('+').unwrap_or(s);
        if s.starts_with('-') {
            return Err(bad_syntax());
        }
        let (mantissa, exp) = match s.find(['e', 'E']) {
            Some(i) => {
                let e = &s[i + 1..];
                let (neg, digits) = match e.as_bytes().first() {
                    Some(b'+') => (false, &e[1..]),
                    Some(b'-') => (true, &e[1..]),
                    _ => (false, e),
                };
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad_syntax());
                }
                // Saturate absurd exponents; they fail the digit limits below anyway.
                let mag: i64 = digits.parse::<i64>().unwrap_or(i64::MAX / 4).min(1_000_000);
                (&s[..i], if neg { -mag } else { mag })
            }
            None => (s, 0),
        };
        let (int_part, frac_part) = match mantissa.find('.') {
            Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
            None => (mantissa, ""),
        };
        if int_part.is_empty() && frac_part.is_empty()
            || !int_part.bytes().all(|b| b.is_ascii_digit())
            || !frac_part.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad_syntax());
        }
        // All digits with the decimal point after `point` of them, shifted by the exponent.
        let digits: Vec<u8> = int_part.bytes().chain(frac_part.bytes()).map(|b| b - b'0').collect();
        let point = int_part.len() as i64 + exp;
        // Strip leading and trailing zeros so only significant positions count.
        let first = digits.iter().position(|&d| d != 0);
        let Some(first) = first else {
            return Ok(Decimal { units: 0, float: 0.0 });
        };
        let last = digits.iter().rposition(|&d| d != 0).unwrap_or(first);
        let int_digits = (point - first as i64).max(0);
        let frac_digits = (last as i64 + 1 - point).max(0);
        if int_digits > MAX_INT_DIGITS as i64 {
            return Err(format!("expected a decimal number with at most 12 integer digits, got '{text}'"));
        }
        if frac_digits > MAX_FRAC_DIGITS as i64 {
            return Err(format!("expected a decimal number with at most 9 fractional digits, got '{text}'"));
        }
        // units = Σ d_i · 10^(point - i - 1 + 9)
        let mut units: u128 = 0;
        for (i, &d) in digits.iter().enumerate().take(last + 1).skip(first) {
            let pow = point - i as i64 - 1 + MAX_FRAC_DIGITS as i64;
            debug_assert!((0..=21).contains(&pow));
            units += u128::from(d) * 10u128.pow(pow as u32);
        }
        Ok(Decimal::from_units(units))
    }

    /// From an exact count of 10^-9 units.
    pub fn from_units(units: u128) -> Decimal {
        let int = units / SCALE;
        let frac = units % SCALE;
        // The canonical positional text, parsed by Rust's correctly rounded float parser,
        // gives the nearest double of the exact value.
        let float: f64 = format!("{int}.{frac:09}").parse().unwrap_or(f64::NAN);
        Decimal { units, float }
    }

    pub fn from_int(v: u64) -> Decimal {
        Decimal::from_units(u128::from(v) * SCALE)
    }

    pub fn units(&self) -> u128 {
        self.units
    }
    pub fn to_f64(&self) -> f64 {
        self.float
    }
    pub fn is_zero(&self) -> bool {
        self.units == 0
    }
    pub fn is_one(&self) -> bool {
        self.units == SCALE
    }
    pub fn is_integer(&self) -> bool {
        self.units.is_multiple_of(SCALE)
    }
    pub fn gt_one(&self) -> bool {
        self.units > SCALE
    }
    pub fn lt_one(&self) -> bool {
        self.units < SCALE
    }
    /// `ceil(self)` as an integer.
    pub fn ceil(&self) -> u128 {
        self.units.div_ceil(SCALE)
    }

    /// `x · self.units` in 64 bits when both factors fit 32 bits (multipliers up to
    /// 4.294967295, lengths and positions): 128-bit products and quotients are library
    /// calls, natively and in WASM (where even a 64-bit overflow check is one), and these
    /// run per hash id in the transform's emit pass; 64-bit division by the constant scale
    /// is a multiply.
    #[inline]
    fn product_u64(&self, x: u128) -> Option<u64> {
        Some(u64::from(u32::try_from(x).ok()?) * u64::from(u32::try_from(self.units).ok()?))
    }

    /// `floor(x · self)`.
    pub fn mul_floor(&self, x: u128) -> u128 {
        match self.product_u64(x) {
            Some(n) => u128::from(n / SCALE_U64),
            None => x * self.units / SCALE,
        }
    }
    /// `ceil(x · self)`.
    pub fn mul_ceil(&self, x: u128) -> u128 {
        match self.product_u64(x) {
            Some(n) => u128::from(n.div_ceil(SCALE_U64)),
            None => (x * self.units).div_ceil(SCALE),
        }
    }
    /// `rhe(x · self)`: round half to even.
    pub fn mul_rhe(&self, x: u128) -> u128 {
        match self.product_u64(x) {
            Some(n) => {
                let (q, r) = (n / SCALE_U64, n % SCALE_U64);
                u128::from(if r * 2 > SCALE_U64 || (r * 2 == SCALE_U64 && q % 2 == 1) { q + 1 } else { q })
            }
            None => rhe_div(x * self.units, SCALE),
        }
    }
    /// `floor(x / self)`; `self` must be positive.
    pub fn div_floor(&self, x: u128) -> u128 {
        let fast = u64::try_from(x).ok().and_then(|x| x.checked_mul(SCALE_U64)).zip(u64::try_from(self.units).ok());
        match fast {
            Some((n, units)) => u128::from(n / units),
            None => x * SCALE / self.units,
        }
    }
}

/// `rhe(n / d)` for integers, `d > 0`.
pub fn rhe_div(n: u128, d: u128) -> u128 {
    let q = n / d;
    let r = n % d;
    let twice = r * 2;
    if twice > d || (twice == d && q % 2 == 1) {
        q + 1
    } else {
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_spec_examples() {
        assert_eq!(Decimal::parse("1.5").unwrap().units(), 1_500_000_000);
        assert_eq!(Decimal::parse("0.25").unwrap().units(), 250_000_000);
        assert_eq!(Decimal::parse("2").unwrap().units(), 2 * SCALE);
        assert_eq!(Decimal::parse("1e-3").unwrap().units(), 1_000_000);
        assert_eq!(Decimal::parse("1E+2").unwrap().units(), 100 * SCALE);
        assert_eq!(Decimal::parse(".5").unwrap().units(), 500_000_000);
        assert_eq!(Decimal::parse("1.000000000000").unwrap().units(), SCALE);
        assert_eq!(Decimal::parse("999999999999.999999999").unwrap().units(), 999_999_999_999_999_999_999);
        assert_eq!(Decimal::parse("1e-10").unwrap_err(), "expected a decimal number with at most 9 fractional digits, got '1e-10'");
        assert!(Decimal::parse("1e12").unwrap_err().contains("at most 12 integer digits"));
        assert!(Decimal::parse("abc").is_err());
        assert!(Decimal::parse("-1").is_err());
        assert!(Decimal::parse("1e").is_err());
        assert!(Decimal::parse("").is_err());
        assert!(Decimal::parse(".").is_err());
        assert!(Decimal::parse("nan").is_err());
        assert!(Decimal::parse("1e999999999999999999999").is_err());
        assert!(Decimal::parse("0").unwrap().is_zero());
    }

    #[test]
    fn exact_where_binary_floating_point_is_not() {
        // ceil(10 × 1.1) is 12 in binary floating point; exactly 11.
        assert_eq!(Decimal::parse("1.1").unwrap().mul_ceil(10), 11);
        // int(3 / 0.1) is 29 in binary floating point; exactly 30.
        assert_eq!(Decimal::parse("0.1").unwrap().div_floor(3), 30);
    }

    #[test]
    fn the_64_bit_fast_paths_agree_with_128_bit_arithmetic() {
        for m in ["1.5", "0.7", "2.000000001", "0.000000001", "999999999999.999999999", "3", "4.294967295", "4.294967296"] {
            let d = Decimal::parse(m).unwrap();
            let units = d.units;
            // x around where x · units (or x · SCALE) crosses 2^64
            let edge = (u128::from(u64::MAX) / units).max(1);
            let edge_div = u128::from(u64::MAX) / SCALE;
            let xs = [0, 1, 2, 3, 999, (1 << 32) - 1, 1 << 32, 1 << 53, edge - 1, edge, edge + 1, edge + 2, edge_div, edge_div + 1];
            for x in xs {
                let n = x * units;
                assert_eq!(d.mul_floor(x), n / SCALE, "{m} floor {x}");
                assert_eq!(d.mul_ceil(x), n.div_ceil(SCALE), "{m} ceil {x}");
                assert_eq!(d.mul_rhe(x), rhe_div(n, SCALE), "{m} rhe {x}");
                assert_eq!(d.div_floor(x), x * SCALE / units, "{m} div {x}");
            }
        }
    }

    #[test]
    fn round_half_to_even() {
        assert_eq!(rhe_div(5, 2), 2);
        assert_eq!(rhe_div(9, 2), 4);
        assert_eq!(rhe_div(375, 2), 188);
        assert_eq!(rhe_div(7, 2), 4);
        let m = Decimal::parse("1.5").unwrap();
        assert_eq!(m.mul_rhe(3), 4); // 4.5 -> 4
        assert_eq!(m.mul_rhe(5), 8); // 7.5 -> 8
    }

    #[test]
    fn nearest_double() {
        assert_eq!(Decimal::parse("0.1").unwrap().to_f64(), 0.1);
        assert_eq!(Decimal::parse("3").unwrap().to_f64(), 3.0);
    }
}
