//! Output bounds of synthesis (`docs/synthesis.md` §7), one constant per rule so that every
//! writer checks the same numbers.
//!
//! Multipliers reach 10^12, so a scaled length, a row's id list or a whole run can be far
//! larger than any machine holds. Sizes are therefore computed in 128 bits *before* anything
//! is allocated; a value over a bound is an `OUTPUT_LIMIT` error that names the flags
//! responsible, the size the run would produce and the limit. The row bounds are the
//! readers' own (`docs/trace-format.md` §2.4, §3): synthesis never writes a line that
//! `analyze-trace`, `profile` or `synthesize` would reject.

use crate::decimal::{Decimal, SCALE};
use crate::error::{ErrorCode, TraceError};
use crate::lines::MAX_LINE_BYTES;
use crate::row::MAX_TIME;
use crate::synthesis::options::SynthesisOptions;

/// Largest `input_length` / `output_length` of an output row: the largest the readers accept.
pub const MAX_TOKENS: u64 = u32::MAX as u64;

/// Longest output row in bytes (without its newline): the readers' line limit.
pub const MAX_ROW_BYTES: u64 = MAX_LINE_BYTES as u64;

/// Largest `timestamp` / `delay` of an output row (2^53): the largest the readers accept.
pub const MAX_TIME_VALUE: f64 = MAX_TIME;

/// Most bytes one synthesis run writes (1 TiB): far beyond any real trace, and a bound on
/// the disk a mistyped `--num-requests` or multiplier can fill.
pub const MAX_OUTPUT_BYTES: u64 = 1 << 40;

/// Output bytes one streaming call produces before it returns and the caller must drain
/// them (32 MiB; one more row, at most [`MAX_ROW_BYTES`], may complete the call).
pub const EMIT_BUFFER_BYTES: usize = 32 << 20;

/// Prompt text handed to the tokenizer in one `hash-prompts` batch: a batch closes at
/// `batch_rows` rows or at this many bytes, whichever comes first (a single longer prompt,
/// at most the 64 MiB line limit, goes alone).
pub const MAX_HASH_BATCH_BYTES: usize = 16 << 20;

/// Where to point the reader of [`TraceError`]s of this module.
const SEE: &str = "docs/synthesis.md §7";

/// A multiplier as the user would write it (`2`, `0.5`, `999999999999`).
pub fn decimal_text(d: &Decimal) -> String {
    let units = d.units();
    let (int, frac) = (units / SCALE, units % SCALE);
    if frac == 0 {
        return int.to_string();
    }
    let frac = format!("{frac:09}");
    format!("{int}.{}", frac.trim_end_matches('0'))
}

/// The flags (with values) that change a row's length or ids, for messages: those of
/// `which` that differ from 1, or `fallback` when none does.
fn flags(o: &SynthesisOptions, which: &[Flag], fallback: &str) -> String {
    let mut names: Vec<String> = Vec::new();
    for f in which {
        match f {
            Flag::PrefixLen if !o.prefix_len_multiplier.is_one() => {
                names.push(format!("--synthesis-prefix-len-multiplier {}", decimal_text(&o.prefix_len_multiplier)));
            }
            Flag::PromptLen if !o.prompt_len_multiplier.is_one() => {
                names.push(format!("--synthesis-prompt-len-multiplier {}", decimal_text(&o.prompt_len_multiplier)));
            }
            Flag::OutputLen if !o.output_len_multiplier.is_one() => {
                names.push(format!("--synthesis-output-len-multiplier {}", decimal_text(&o.output_len_multiplier)));
            }
            Flag::Root if o.prefix_root_multiplier != 1 => {
                names.push(format!("--synthesis-prefix-root-multiplier {}", o.prefix_root_multiplier));
            }
            Flag::Speedup if !o.speedup_ratio.is_one() => {
                names.push(format!("--synthesis-speedup-ratio {}", decimal_text(&o.speedup_ratio)));
            }
            _ => {}
        }
    }
    if names.is_empty() {
        fallback.to_string()
    } else {
        names.join(" and ")
    }
}

#[derive(Clone, Copy)]
enum Flag {
    PrefixLen,
    PromptLen,
    OutputLen,
    Root,
    Speedup,
}

/// `input_length` (`output = false`) or `output_length` over [`MAX_TOKENS`]; `place` is
/// where the row comes from (`line 7`, `generated row 3`).
pub fn too_many_tokens(o: &SynthesisOptions, place: &str, output: bool, value: u128) -> TraceError {
    let (field, who) = if output {
        ("output_length", flags(o, &[Flag::OutputLen], "the input row"))
    } else {
        ("input_length", flags(o, &[Flag::PrefixLen, Flag::PromptLen], "the input row"))
    };
    TraceError::output_limit(format!(
        "output limit: {place}: {who} would make {field} {value}; a row holds at most {MAX_TOKENS} tokens (the largest the trace readers accept, {SEE})"
    ))
}

/// A row longer than [`MAX_ROW_BYTES`] (`ids` hash ids take `id_bytes` of it).
pub fn row_too_long(o: &SynthesisOptions, place: &str, row_bytes: u128, ids: u128) -> TraceError {
    let who = flags(o, &[Flag::PrefixLen, Flag::PromptLen, Flag::Root], "the input row");
    TraceError::output_limit(format!(
        "output limit: {place}: {who} would make a row of {row_bytes} bytes ({ids} hash ids); a row is at most {MAX_ROW_BYTES} bytes (the longest line the trace readers accept, {SEE})"
    ))
}

/// A `timestamp` or `delay` over [`MAX_TIME_VALUE`] after `--synthesis-speedup-ratio`.
pub fn time_too_large(o: &SynthesisOptions, place: &str, field: &str, value: f64) -> TraceError {
    let who = flags(o, &[Flag::Speedup], "the input row");
    TraceError::output_limit(format!(
        "output limit: {place}: {who} would make {field} {value:e}; a time is at most 9007199254740992 (2^53, the largest the trace readers accept, {SEE})"
    ))
}

/// More than `limit` bytes ([`MAX_OUTPUT_BYTES`]) in one run (`what` names the flag, e.g.
/// `--num-requests 1000000000`; by default the length flags that differ from 1).
pub fn output_too_large(o: &SynthesisOptions, what: Option<&str>, bytes: u128, limit: u64) -> TraceError {
    let who = match what {
        Some(w) => w.to_string(),
        None => flags(o, &[Flag::PrefixLen, Flag::PromptLen, Flag::Root], "the input"),
    };
    TraceError::output_limit(format!(
        "output limit: {who} would write more than {bytes} bytes; one run writes at most {limit} bytes ({SEE})"
    ))
}

/// An output-limit error of the row at `file:line`, located like a row error
/// (`FILE:LINE: output limit: …` instead of the transformer's `output limit: line LINE: …`);
/// other errors pass unchanged.
pub fn at_line(mut e: TraceError, file: &str, line: u64) -> TraceError {
    if e.code == ErrorCode::OutputLimit {
        let text = e.message.replacen(&format!("output limit: line {line}: "), "output limit: ", 1);
        e.message = format!("{file}:{line}: {text}");
        e.file = Some(file.to_string());
        e.line = Some(line);
    }
    e
}

/// Digits of `v` in decimal.
fn digits(v: u128) -> u128 {
    v.checked_ilog10().map_or(1, |l| u128::from(l) + 1)
}

/// Total decimal digits of the `n` consecutive integers from `first`, in O(40) steps.
pub fn range_digits(first: u128, n: u128) -> u128 {
    if n == 0 {
        return 0;
    }
    let last = first + (n - 1);
    let mut total = 0u128;
    let mut lo = first;
    while lo <= last {
        let d = digits(lo);
        // The largest number with `d` digits (saturates at the top of u128, never reached).
        let band_end = 10u128.checked_pow(d as u32).map_or(u128::MAX, |p| p - 1);
        let hi = band_end.min(last);
        total += (hi - lo + 1) * d;
        if hi == u128::MAX {
            break;
        }
        lo = hi + 1;
    }
    total
}

/// Bytes of `[a,b,…]` for ids given as runs `(first, count)`, and the number of ids.
pub fn id_list_bytes(runs: impl IntoIterator<Item = (u128, u128)>) -> (u128, u128) {
    let (mut ids, mut digits) = (0u128, 0u128);
    for (first, n) in runs {
        ids += n;
        digits += range_digits(first, n);
    }
    (2 + digits + ids.saturating_sub(1), ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_digits_counts_every_band() {
        let naive = |a: u128, n: u128| (a..a + n).map(|v| v.to_string().len() as u128).sum::<u128>();
        for (a, n) in [(0, 1), (0, 10), (0, 11), (7, 200), (95, 10), (999, 2), (123_456, 1_000_000), (u128::from(u64::MAX) - 5, 6)] {
            assert_eq!(range_digits(a, n), naive(a, n), "{a} {n}");
        }
        assert_eq!(range_digits(5, 0), 0);
        assert_eq!(id_list_bytes([(0, 3), (10, 1)]), (10, 4)); // [0,1,2,10]
        assert_eq!(id_list_bytes([]), (2, 0));
    }

    #[test]
    fn decimal_text_is_what_the_user_wrote() {
        for t in ["2", "0.5", "999999999999", "0.000000001", "1.25"] {
            assert_eq!(decimal_text(&Decimal::parse(t).unwrap()), t);
        }
    }
}
