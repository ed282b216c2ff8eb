//! Synthesis parameters (`docs/synthesis.md` §3.1, §4.1): one struct for both modes, with the
//! defaults in one place and validation that names the flag.

use crate::args::{block_size, positive_integer};
use crate::decimal::Decimal;
use crate::error::TraceError;
use crate::synthesis::stream::StreamSettings;

/// Default block size of Mooncake traces.
pub const DEFAULT_BLOCK_SIZE: u64 = 512;

/// All synthesis parameters. Multipliers are exact decimals (§1).
#[derive(Debug, Clone, PartialEq)]
pub struct SynthesisOptions {
    /// `bs`, ≥ 1.
    pub block_size: u64,
    /// `r` (`--synthesis-speedup-ratio`), > 0.
    pub speedup_ratio: Decimal,
    /// `P` (`--synthesis-prefix-len-multiplier`), > 0.
    pub prefix_len_multiplier: Decimal,
    /// `R` (`--synthesis-prefix-root-multiplier`), integer ≥ 1.
    pub prefix_root_multiplier: u64,
    /// `Q` (`--synthesis-prompt-len-multiplier`), > 0.
    pub prompt_len_multiplier: Decimal,
    /// `m` (`--synthesis-output-len-multiplier`), ≥ 0.
    pub output_len_multiplier: Decimal,
    pub max_isl: Option<u64>,
    pub max_osl: Option<u64>,
    /// Generate mode only.
    pub min_isl: Option<u64>,
    /// Generate mode only.
    pub min_osl: Option<u64>,
    /// `--random-seed` (§2).
    pub seed: u64,
}

impl Default for SynthesisOptions {
    fn default() -> Self {
        SynthesisOptions {
            block_size: DEFAULT_BLOCK_SIZE,
            speedup_ratio: Decimal::ONE,
            prefix_len_multiplier: Decimal::ONE,
            prefix_root_multiplier: 1,
            prompt_len_multiplier: Decimal::ONE,
            output_len_multiplier: Decimal::ONE,
            max_isl: None,
            max_osl: None,
            min_isl: None,
            min_osl: None,
            seed: 0,
        }
    }
}

fn opt_err(flag: &str, reason: String) -> TraceError {
    TraceError::invalid_arg(format!("option '{flag}': {reason}"))
}

/// Parses one exact multiplier given as text, with the `docs/cli.md` §1.4 message on error.
pub fn parse_multiplier(flag: &str, text: &str, allow_zero: bool) -> Result<Decimal, TraceError> {
    let expected = if allow_zero { "a non-negative number" } else { "a positive number" };
    let d = Decimal::parse_expecting(text, expected).map_err(|reason| opt_err(flag, reason))?;
    if d.is_zero() && !allow_zero {
        return Err(opt_err(flag, format!("expected a positive number, got '{text}'")));
    }
    Ok(d)
}

impl SynthesisOptions {
    /// Checks the ranges of §3.1/§4.1. Errors are `INVALID_ARG` naming the flag.
    pub fn validate(&self) -> Result<(), TraceError> {
        if self.block_size == 0 || self.block_size > u64::from(u32::MAX) {
            return Err(opt_err("--block-size", format!("expected a positive integer, got '{}'", self.block_size)));
        }
        let positive = [
            ("--synthesis-speedup-ratio", &self.speedup_ratio),
            ("--synthesis-prefix-len-multiplier", &self.prefix_len_multiplier),
            ("--synthesis-prompt-len-multiplier", &self.prompt_len_multiplier),
        ];
        for (flag, d) in positive {
            if d.is_zero() {
                return Err(opt_err(flag, "expected a positive number, got '0'".into()));
            }
        }
        if self.prefix_root_multiplier == 0 {
            return Err(opt_err("--synthesis-prefix-root-multiplier", "expected a positive integer, got '0'".into()));
        }
        let caps = [
            ("--synthesis-max-isl", self.max_isl),
            ("--synthesis-max-osl", self.max_osl),
            ("--synthesis-min-isl", self.min_isl),
            ("--synthesis-min-osl", self.min_osl),
        ];
        for (flag, v) in caps {
            if v == Some(0) {
                return Err(opt_err(flag, "expected a positive integer, got '0'".into()));
            }
        }
        Ok(())
    }

    /// Whether hash ids and input lengths change (`docs/synthesis.md` §3.4 step 1).
    pub fn ids_change(&self) -> bool {
        !self.prefix_len_multiplier.is_one() || !self.prompt_len_multiplier.is_one() || self.prefix_root_multiplier != 1
    }
}

/// Synthesis options as they arrive from JavaScript: multipliers and the seed as decimal
/// text (exact; a JS `number` cannot hold every seed or multiplier), the rest as doubles.
/// Bindings copy fields into this struct and call [`SynthesisOptionsText::decode`], so
/// every check and message lives here.
#[derive(Debug, Clone, Default)]
pub struct SynthesisOptionsText {
    pub block_size: Option<f64>,
    pub speedup_ratio: Option<String>,
    pub prefix_len_multiplier: Option<String>,
    pub prefix_root_multiplier: Option<String>,
    pub prompt_len_multiplier: Option<String>,
    pub output_len_multiplier: Option<String>,
    pub max_isl: Option<f64>,
    pub max_osl: Option<f64>,
    pub min_isl: Option<f64>,
    pub min_osl: Option<f64>,
    pub seed: Option<String>,
    /// `--skip-invalid` (default false).
    pub skip_invalid: Option<bool>,
    /// FILE in messages (default empty).
    pub source_name: Option<String>,
}

impl SynthesisOptionsText {
    /// The validated options and the stream settings: what [`TransformStream::new`] and
    /// [`GenerateStream::new`] take.
    ///
    /// [`TransformStream::new`]: crate::synthesis::TransformStream::new
    /// [`GenerateStream::new`]: crate::synthesis::GenerateStream::new
    pub fn decode(&self) -> Result<(SynthesisOptions, StreamSettings), TraceError> {
        let settings =
            StreamSettings { source_name: self.source_name.clone().unwrap_or_default(), skip_invalid: self.skip_invalid.unwrap_or(false) };
        Ok((SynthesisOptions::from_text(self)?, settings))
    }
}

fn positive_int(flag: &str, v: Option<f64>) -> Result<Option<u64>, TraceError> {
    v.map(|x| positive_integer(flag, x)).transpose()
}

impl SynthesisOptions {
    /// Decodes and validates [`SynthesisOptionsText`] (absent fields take the defaults).
    pub fn from_text(t: &SynthesisOptionsText) -> Result<SynthesisOptions, TraceError> {
        let mut o = SynthesisOptions::default();
        if let Some(bs) = t.block_size {
            o.block_size = u64::from(block_size(bs)?);
        }
        let mult = |flag: &str, v: &Option<String>, allow_zero: bool| -> Result<Option<Decimal>, TraceError> {
            v.as_deref().map(|s| parse_multiplier(flag, s, allow_zero)).transpose()
        };
        if let Some(d) = mult("--synthesis-speedup-ratio", &t.speedup_ratio, false)? {
            o.speedup_ratio = d;
        }
        if let Some(d) = mult("--synthesis-prefix-len-multiplier", &t.prefix_len_multiplier, false)? {
            o.prefix_len_multiplier = d;
        }
        if let Some(d) = mult("--synthesis-prompt-len-multiplier", &t.prompt_len_multiplier, false)? {
            o.prompt_len_multiplier = d;
        }
        if let Some(d) = mult("--synthesis-output-len-multiplier", &t.output_len_multiplier, true)? {
            o.output_len_multiplier = d;
        }
        if let Some(s) = &t.prefix_root_multiplier {
            o.prefix_root_multiplier = match s.parse::<u64>() {
                Ok(v) if v >= 1 && s.bytes().all(|b| b.is_ascii_digit()) => v,
                _ => return Err(opt_err("--synthesis-prefix-root-multiplier", format!("expected a positive integer, got '{s}'"))),
            };
        }
        o.max_isl = positive_int("--synthesis-max-isl", t.max_isl)?;
        o.max_osl = positive_int("--synthesis-max-osl", t.max_osl)?;
        o.min_isl = positive_int("--synthesis-min-isl", t.min_isl)?;
        o.min_osl = positive_int("--synthesis-min-osl", t.min_osl)?;
        if let Some(s) = &t.seed {
            o.seed = match s.parse::<u64>() {
                Ok(v) if s.bytes().all(|b| b.is_ascii_digit()) => v,
                _ => return Err(opt_err("--random-seed", format!("expected an integer between 0 and 18446744073709551615, got '{s}'"))),
            };
        }
        o.validate()?;
        Ok(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(t: SynthesisOptionsText) -> String {
        t.decode().map(|_| ()).unwrap_err().message
    }

    #[test]
    fn multipliers_accept_decimal_and_exponent_text_within_12_integer_and_9_fractional_digits() {
        for v in ["1.5", "0.25", "2", "1e-3", ".5", "5.", "+3", " 2 ", "999999999999.999999999", "1.000000000000", "0.000000001", "1E+2"] {
            assert!(parse_multiplier("--x", v, false).is_ok(), "{v}");
        }
        assert!(parse_multiplier("--x", "0", true).unwrap().is_zero());
        assert!(parse_multiplier("--x", "0.0", true).unwrap().is_zero());
    }

    // The docs/cli.md §1.4 reasons; the CLI prints them as they are (it once re-implemented them).
    #[test]
    fn bad_multipliers_name_the_option_and_the_value() {
        let p = "--synthesis-prefix-len-multiplier";
        let cases = [
            ("1e-10", "expected a decimal number with at most 9 fractional digits, got '1e-10'"),
            ("0.0000000001", "expected a decimal number with at most 9 fractional digits, got '0.0000000001'"),
            ("1e12", "expected a decimal number with at most 12 integer digits, got '1e12'"),
            ("0", "expected a positive number, got '0'"),
            ("-1", "expected a positive number, got '-1'"),
            ("abc", "expected a positive number, got 'abc'"),
            ("Infinity", "expected a positive number, got 'Infinity'"),
        ];
        for (value, text) in cases {
            let t = SynthesisOptionsText { prefix_len_multiplier: Some(value.into()), ..Default::default() };
            assert_eq!(message(t), format!("option '{p}': {text}"), "{value}");
        }
        let o = "--synthesis-output-len-multiplier";
        for value in ["-0.5", "x"] {
            let t = SynthesisOptionsText { output_len_multiplier: Some(value.into()), ..Default::default() };
            assert_eq!(message(t), format!("option '{o}': expected a non-negative number, got '{value}'"));
        }
    }

    #[test]
    fn decode_gives_the_stream_settings_too() {
        let t = SynthesisOptionsText {
            skip_invalid: Some(true),
            source_name: Some("t.jsonl".into()),
            block_size: Some(64.0),
            ..Default::default()
        };
        let (o, s) = t.decode().unwrap();
        assert_eq!((o.block_size, s.skip_invalid, s.source_name.as_str()), (64, true, "t.jsonl"));
        let bad = SynthesisOptionsText { block_size: Some(0.5), ..Default::default() };
        assert_eq!(message(bad), "option '--block-size': expected a positive integer, got '0.5'");
    }
}
