//! Integer arguments given as doubles, the only numbers JavaScript has: the checks and their
//! messages in one place, so that no binding narrows a value before the core has seen it
//! (a binding that turned `1.5` into `0` reported "got '0'").

use crate::error::TraceError;

/// The largest double below which every integer is exact (2^53).
const MAX_EXACT: f64 = 9_007_199_254_740_992.0;

/// A positive integer (≥ 1, at most 2^53) for the option `flag`, e.g. `--num-requests`.
/// `INVALID_ARG` otherwise: `option '--num-requests': expected a positive integer, got '1.5'`.
pub fn positive_integer(flag: &str, value: f64) -> Result<u64, TraceError> {
    if value.fract() == 0.0 && (1.0..=MAX_EXACT).contains(&value) {
        Ok(value as u64)
    } else {
        Err(TraceError::invalid_arg(format!("option '{flag}': expected a positive integer, got '{value}'")))
    }
}

/// A `--block-size`: a positive integer that fits 32 bits (`docs/trace-format.md` §1).
pub fn block_size(value: f64) -> Result<u32, TraceError> {
    let n = positive_integer("--block-size", value)?;
    u32::try_from(n)
        .map_err(|_| TraceError::invalid_arg(format!("option '--block-size': expected a positive integer <= {}, got '{value}'", u32::MAX)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_value_given() {
        let msg = |r: Result<u32, TraceError>| r.unwrap_err().message;
        assert_eq!(msg(block_size(1.5)), "option '--block-size': expected a positive integer, got '1.5'");
        assert_eq!(msg(block_size(0.0)), "option '--block-size': expected a positive integer, got '0'");
        assert_eq!(msg(block_size(-4.0)), "option '--block-size': expected a positive integer, got '-4'");
        assert_eq!(msg(block_size(f64::NAN)), "option '--block-size': expected a positive integer, got 'NaN'");
        assert_eq!(msg(block_size(4_294_967_296.0)), "option '--block-size': expected a positive integer <= 4294967295, got '4294967296'");
        assert_eq!(block_size(4_294_967_295.0).unwrap(), u32::MAX);
        assert_eq!(positive_integer("--num-requests", 9_007_199_254_740_992.0).unwrap(), 1 << 53);
        assert!(positive_integer("--num-requests", 9_007_199_254_740_994.0).is_err());
        assert!(positive_integer("--num-requests", f64::INFINITY).is_err());
    }
}
