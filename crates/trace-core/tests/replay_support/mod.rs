//! Helpers shared by the `replay_*` tests: load a file into a `ReplayDataset` (both passes
//! when a transform runs), read a turn's JSON, and a toy tokenizer whose token `t` is the
//! text `<t>`, so a prompt text can be read back as tokens.
#![allow(dead_code)]

use trace_core::replay::{ReplayDataset, ReplayOptions};
use trace_core::TraceError;

pub const REAL_TRACE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/mooncake/conversation_trace.jsonl");

pub fn real_trace() -> Vec<u8> {
    std::fs::read(REAL_TRACE).expect("the real Mooncake trace")
}

/// Options with FILE `t.jsonl`.
pub fn opts() -> ReplayOptions {
    ReplayOptions { source_name: "t.jsonl".into(), ..ReplayOptions::default() }
}

/// Pushes `bytes` in chunks of `chunk` bytes (both passes when needed) and finishes.
pub fn load_chunked(bytes: &[u8], o: ReplayOptions, chunk: usize) -> Result<ReplayDataset, TraceError> {
    let mut d = ReplayDataset::new(o)?;
    if d.needs_learn_pass() {
        for c in bytes.chunks(chunk.max(1)) {
            d.push_learn(c)?;
        }
        d.finish_learn()?;
    }
    for c in bytes.chunks(chunk.max(1)) {
        d.push(c)?;
    }
    d.finish()?;
    Ok(d)
}

pub fn load(text: &str, o: ReplayOptions) -> Result<ReplayDataset, TraceError> {
    load_chunked(text.as_bytes(), o, 1 << 20)
}

pub fn turns_json(d: &ReplayDataset) -> Vec<String> {
    (0..d.turns()).map(|t| d.turn_json(t as f64).unwrap()).collect()
}

/// The value text of `key` in a flat JSON object written by the core (no nested `,"key":`).
pub fn field<'a>(json: &'a str, key: &str) -> &'a str {
    let pat = format!("\"{key}\":");
    let start = json.find(&pat).unwrap_or_else(|| panic!("{key} in {json}")) + pat.len();
    let rest = &json[start..];
    // values are numbers, null, booleans, strings without `","` inside, or simple containers
    let mut depth = 0i32;
    let mut in_str = false;
    let mut esc = false;
    for (i, c) in rest.char_indices() {
        if in_str {
            match (esc, c) {
                (true, _) => esc = false,
                (false, '\\') => esc = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '[' | '{' => depth += 1,
            ']' | '}' if depth > 0 => depth -= 1,
            ',' | '}' if depth == 0 => return &rest[..i],
            _ => {}
        }
    }
    rest
}

/// A toy tokenizer: token `t` is the text `<t>`; `VOCAB − 1` is the separator.
pub const VOCAB: u32 = 5000;
pub const SEP: u32 = VOCAB - 1;

pub fn toy_tables() -> (Vec<u32>, Vec<u8>, Vec<u32>) {
    let mut bytes = Vec::new();
    let mut offsets = vec![0u32];
    for t in 0..VOCAB {
        bytes.extend_from_slice(format!("<{t}>").as_bytes());
        offsets.push(bytes.len() as u32);
    }
    // a corpus of 20,000 tokens, none of them the separator
    let mut x = 12345u64;
    let corpus = (0..20_000)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((x >> 33) % u64::from(SEP)) as u32
        })
        .collect();
    (corpus, bytes, offsets)
}

pub fn with_toy_tables(d: &mut ReplayDataset, separator: bool) {
    let (corpus, bytes, offsets) = toy_tables();
    d.set_tables(&corpus, &bytes, &offsets, if separator { f64::from(SEP) } else { -1.0 }).unwrap();
}

/// A toy prompt text read back as tokens.
pub fn text_tokens(text: &str) -> Vec<u32> {
    text.split('>').filter(|s| !s.is_empty()).map(|s| s.trim_start_matches('<').parse().unwrap()).collect()
}
