//! Writers for the rows synthesis emits: ECMAScript number text and compact raw values.

/// `Number.prototype.toString` of a finite, non-negative double (ECMA-262 §6.1.6.1.20):
/// the shortest digits that round-trip, positional for exponents in [-7, 21), else
/// `d.ddde+x`. `docs/synthesis.md` §3.3 fixes this form for fractional timestamps.
pub fn push_js_number(out: &mut Vec<u8>, v: f64) {
    if v == 0.0 {
        out.push(b'0');
        return;
    }
    if !v.is_finite() {
        // Unreachable for validated rows (times are finite and <= 2^53, r > 0); keep JSON valid.
        out.extend_from_slice(b"null");
        return;
    }
    if v < 0.0 {
        out.push(b'-');
        return push_js_number(out, -v);
    }
    // Rust's `{:e}` prints the shortest round-trip digits: "1.2345e3", "5e-7".
    let sci = format!("{v:e}");
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: Vec<u8> = mant.bytes().filter(|b| b.is_ascii_digit()).collect();
    let k = digits.len() as i32;
    let n = exp + 1; // value = 0.d1d2… × 10^n
    if k <= n && n <= 21 {
        out.extend_from_slice(&digits);
        out.extend(std::iter::repeat_n(b'0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        out.extend_from_slice(&digits[..n as usize]);
        out.push(b'.');
        out.extend_from_slice(&digits[n as usize..]);
    } else if -6 < n && n <= 0 {
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat_n(b'0', (-n) as usize));
        out.extend_from_slice(&digits);
    } else {
        out.push(digits[0]);
        if k > 1 {
            out.push(b'.');
            out.extend_from_slice(&digits[1..]);
        }
        out.push(b'e');
        out.push(if n >= 1 { b'+' } else { b'-' });
        out.extend_from_slice((n - 1).abs().to_string().as_bytes());
    }
}

/// Appends a raw JSON value with insignificant whitespace removed (strings kept byte for
/// byte, escapes included), so unknown keys survive verbatim (`docs/synthesis.md` §3.4 step 9).
pub fn push_compact_json(out: &mut Vec<u8>, raw: &[u8]) {
    let mut in_string = false;
    let mut escaped = false;
    for &b in raw {
        if in_string {
            out.push(b);
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else {
            match b {
                b' ' | b'\t' | b'\n' | b'\r' => {}
                b'"' => {
                    in_string = true;
                    out.push(b);
                }
                _ => out.push(b),
            }
        }
    }
}

/// Two-digit pairs "00".."99", so integers are written two digits per step.
const DIGIT_PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Appends a decimal integer, written in place: a fixed-size extend makes room (a few
/// moves), the digits go straight into the output and the unused tail is cut off. Output
/// rows are mostly integers, and a variable-length copy per number is a library call (in
/// WASM a call into the runtime).
#[inline]
pub fn push_u64(out: &mut Vec<u8>, v: u64) {
    let len = v.checked_ilog10().map_or(1, |l| l as usize + 1);
    let start = out.len();
    out.extend_from_slice(&[0u8; 20]);
    let digits = &mut out[start..start + len];
    let mut i = len;
    let mut v = v;
    // Most values fit 32 bits: 32-bit division by a constant is a multiply everywhere,
    // 64-bit division is a real division in WASM (no 64-bit multiply-high there).
    while v > u64::from(u32::MAX) {
        let d = (v % 100) as usize * 2;
        v /= 100;
        i -= 2;
        digits[i] = DIGIT_PAIRS[d];
        digits[i + 1] = DIGIT_PAIRS[d + 1];
    }
    let mut v = v as u32;
    while v >= 100 {
        let d = (v % 100) as usize * 2;
        v /= 100;
        i -= 2;
        digits[i] = DIGIT_PAIRS[d];
        digits[i + 1] = DIGIT_PAIRS[d + 1];
    }
    if v >= 10 {
        let d = v as usize * 2;
        digits[0] = DIGIT_PAIRS[d];
        digits[1] = DIGIT_PAIRS[d + 1];
    } else {
        digits[0] = b'0' + v as u8;
    }
    out.truncate(start + len);
}

/// Appends `[a,b,c]`.
pub fn push_u64_list(out: &mut Vec<u8>, ids: &[u64]) {
    out.push(b'[');
    for (i, &id) in ids.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_u64(out, id);
    }
    out.push(b']');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn js(v: f64) -> String {
        let mut out = Vec::new();
        push_js_number(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn matches_ecmascript_number_to_string() {
        assert_eq!(js(1.0 / 6.0), "0.16666666666666666");
        assert_eq!(js(1001.0 / 3.0), "333.6666666666667");
        assert_eq!(js(500.0), "500");
        assert_eq!(js(0.0), "0");
        assert_eq!(js(20.25), "20.25");
        assert_eq!(js(1e21), "1e+21");
        assert_eq!(js(1.5e21), "1.5e+21");
        assert_eq!(js(1e20), "100000000000000000000");
        assert_eq!(js(0.000001), "0.000001");
        assert_eq!(js(0.0000001), "1e-7");
        assert_eq!(js(1.25e-7), "1.25e-7");
        assert_eq!(js(123456789.125), "123456789.125");
    }

    #[test]
    fn compacts_whitespace_outside_strings_only() {
        let mut out = Vec::new();
        push_compact_json(&mut out, br#"{ "a" : [1, 2 ,"x \" y" ],"b":"\\" , "c": { } }"#);
        assert_eq!(String::from_utf8(out).unwrap(), r#"{"a":[1,2,"x \" y"],"b":"\\","c":{}}"#);
    }

    #[test]
    fn integers_and_lists() {
        let mut out = Vec::new();
        push_u64_list(&mut out, &[0, 7, 10, 99, 100, 1009, u64::MAX]);
        assert_eq!(String::from_utf8(out).unwrap(), "[0,7,10,99,100,1009,18446744073709551615]");
        // every digit count at both ends of its range, and both sides of 2^32
        let mut values = vec![u64::from(u32::MAX), u64::from(u32::MAX) + 1, u64::from(u32::MAX) * 100 + 99];
        for digits in 1..=20u32 {
            let lo = if digits == 1 { 0 } else { 10u64.pow(digits - 1) };
            let hi = if digits == 20 { u64::MAX } else { 10u64.pow(digits) - 1 };
            values.extend([lo, lo + 1, hi - 1, hi]);
        }
        for v in values {
            let mut out = b"x".to_vec();
            push_u64(&mut out, v);
            assert_eq!(out, format!("x{v}").into_bytes());
        }
    }
}
