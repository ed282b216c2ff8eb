//! `hash-prompts` chain hashing (`docs/synthesis.md` §5): token blocks → dense hash ids.
//!
//! Block j of a prompt is keyed by `(id of block j−1 or ROOT, exact tokens of block j)`;
//! keys get dense ids `0, 1, 2, …` in first-seen order over the whole input. The mapping is
//! exact: a 64-bit hash only finds candidates, which are verified against the stored
//! tokens, so two different blocks can never share an id (a bare 64-bit hash could).
//!
//! Tokenisation happens in the caller (the tokenizer lives in TypeScript); batches of rows
//! cross the boundary as one flat token array plus row offsets. [`PromptHashStream`] is the
//! whole command over byte chunks: lines, rows, strict/lenient handling, output rows.
//!
//! Input rows are read by [`parse_prompt_row`]: the trace row parser's scan and field
//! checks (`docs/trace-format.md` §3–4: syntax errors with columns, duplicate keys and aliases,
//! lax values) without the trace's input-mode rules, so a copied `timestamp` or
//! `output_length` that infermark would reject in the output is rejected in the input, with
//! the same message.

use crate::error::{Reason, TraceError};
use crate::json_text::write_json_string;
use crate::row::{decode_string, display_value, parse_row_with_schema, Field, ParseOptions, RawField, Row, RowError, RowSchema, TimeValue};
use crate::synthesis::fxhash::FxHashMap;
use crate::synthesis::json_out::{push_compact_json, push_u64};

mod stream;
pub use stream::{PromptHashOptions, PromptHashOptionsInput, PromptHashReport, PromptHashStream};

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
            self.hash_row(&tokens[w[0] as usize..w[1] as usize], &mut out.ids)?;
            out.row_offsets.push(out.ids.len() as u32);
        }
        Ok(out)
    }

    /// Hashes one row, appending its `ceil(tokens / block_size)` ids to `ids`.
    pub fn hash_row(&mut self, tokens: &[u32], ids: &mut Vec<u32>) -> Result<(), TraceError> {
        let mut parent = ROOT;
        for block in tokens.chunks(self.bs) {
            parent = self.id_for(parent, block)?;
            ids.push(parent);
        }
        self.blocks += tokens.len().div_ceil(self.bs) as u64;
        self.rows += 1;
        Ok(())
    }

    /// Tokens per block.
    pub fn block_size(&self) -> u32 {
        self.bs as u32
    }
}

/// The text fields tried in order when no `--text-field` is given (`docs/synthesis.md` §5).
pub const DEFAULT_TEXT_FIELDS: [&str; 3] = ["prompt", "text_input", "text"];

/// One valid `hash-prompts` input row: its text and the copied fields, already written as
/// output JSON. The output row is
/// `{` + `before_input_length` + `"input_length":N` + `before_hash_ids` + `,"hash_ids":[…]`
/// + `after_hash_ids` + `}`, which gives the §5 key order `timestamp, input_length,
/// output_length, hash_ids, session_id, delay, extra` with only the present keys.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PromptRow {
    /// The decoded prompt text; `None` when the row has no text field but has `messages`
    /// (the caller renders those with a chat template, or rejects the row).
    pub text: Option<String>,
    /// The key the text came from (`prompt`, `text_input`, `text` or the `--text-field`),
    /// or `messages`: the FIELD of a later error about this text (e.g. an empty prompt).
    pub text_field: String,
    /// `messages` is present (non-null).
    pub has_messages: bool,
    /// `"timestamp":V,` or empty.
    pub before_input_length: String,
    /// `,"output_length":V` or empty.
    pub before_hash_ids: String,
    /// `,"session_id":S` `,"delay":V` `,"extra":{…}` (those present, in this order) or empty.
    pub after_hash_ids: String,
}

/// Parses one prompt row (the line without `\n`; BOM and CR already removed). The text is
/// the string field `text_field` if given, else the first present non-null of
/// [`DEFAULT_TEXT_FIELDS`]; a non-string value is `bad_type`.
///
/// Copied values are canonical JSON under their canonical names (aliases renamed):
/// * `output_length`: the integer (`"100"`, `100.0`, `1e2` → `100`);
/// * `timestamp`, `delay`: **canonicalised** to a JSON number rather than copied verbatim,
///   so the output is a plain Mooncake trace for any reader, not only lax ones. An integral
///   value is written as its integer digits (exact: it is at most 2^53), so `"1000"`,
///   `1e3` and `1000.0` give `1000`; a fractional one keeps its exact decimal digits (a
///   number literal as written, a numeric string with `+`, leading zeros and a bare `.`
///   normalised away), so its value and integrality (`docs/synthesis.md` §3.3) do not change;
/// * `session_id`: a JSON string; an integer id becomes its decimal text exactly, however
///   large (`12345678901234567890` → `"12345678901234567890"`);
/// * `extra`: the object as written, insignificant whitespace removed.
pub fn parse_prompt_row(line: &[u8], text_field: Option<&str>) -> Result<PromptRow, RowError> {
    let mut row = Row::default();
    parse_row_with_schema(line, &ParseOptions { keep_fields: true }, RowSchema::Prompt, &mut row)?;
    let (text, field) = prompt_text(line, &row, text_field)?;
    let mut out = PromptRow { has_messages: row.messages.is_some(), ..PromptRow::default() };
    match text {
        Some(t) => {
            out.text = Some(t);
            out.text_field = field.to_string();
        }
        None => out.text_field = "messages".to_string(),
    }
    let mut buf = Vec::new();
    if let (Some(t), Some(raw)) = (row.timestamp, raw_value(line, &row.fields, Field::Timestamp)) {
        buf.extend_from_slice(b"\"timestamp\":");
        push_time(&mut buf, raw, t);
        buf.push(b',');
    }
    out.before_input_length = utf8(std::mem::take(&mut buf));
    if let Some(osl) = row.output_length {
        buf.extend_from_slice(b",\"output_length\":");
        push_u64(&mut buf, u64::from(osl));
    }
    out.before_hash_ids = utf8(std::mem::take(&mut buf));
    let mut tail = String::new();
    if let Some(sid) = &row.session_id {
        tail.push_str(",\"session_id\":");
        write_json_string(&mut tail, sid);
    }
    if let (Some(d), Some(raw)) = (row.delay, raw_value(line, &row.fields, Field::Delay)) {
        buf.extend_from_slice(b",\"delay\":");
        push_time(&mut buf, raw, d);
    }
    if let Some(span) = row.extra.clone() {
        buf.extend_from_slice(b",\"extra\":");
        push_compact_json(&mut buf, &line[span]);
    }
    tail.push_str(&utf8(buf));
    out.after_hash_ids = tail;
    Ok(out)
}

/// The row's text and the key it came from; `(None, "")` for a `messages`-only row.
fn prompt_text<'f>(line: &[u8], row: &Row, text_field: Option<&'f str>) -> Result<(Option<String>, &'f str), RowError> {
    let value = |name: &str| -> Option<&[u8]> {
        let f = row.fields.iter().find(|f| f.key(line) == name)?;
        let raw = &line[f.value_span.clone()];
        (raw != b"null").then_some(raw)
    };
    let string = |name: &str, raw: &[u8]| -> Result<String, RowError> {
        if raw.first() != Some(&b'"') {
            return Err(RowError::new(Reason::BadType, name, format!("expected a string, got {}", display_value(raw))));
        }
        let body = &raw[1..raw.len() - 1];
        // The scanner validated the string, so decoding cannot fail.
        Ok(decode_string(body, body.contains(&b'\\')).unwrap_or_default())
    };
    if let Some(name) = text_field {
        return match value(name) {
            Some(raw) => Ok((Some(string(name, raw)?), name)),
            None => Err(RowError::new(Reason::MissingInput, name, format!("missing (--text-field {name})"))),
        };
    }
    for name in DEFAULT_TEXT_FIELDS {
        if let Some(raw) = value(name) {
            return Ok((Some(string(name, raw)?), name));
        }
    }
    if row.messages.is_some() {
        return Ok((None, ""));
    }
    Err(RowError::new(Reason::MissingInput, "row", "missing (a row needs one of prompt, text_input, text)"))
}

/// The raw value of the non-null member that set `field` (the canonical key or its alias;
/// both non-null is a `duplicate_field` error, so there is at most one).
fn raw_value<'l>(line: &'l [u8], fields: &[RawField], field: Field) -> Option<&'l [u8]> {
    fields.iter().filter(|f| f.field == Some(field)).map(|f| &line[f.value_span.clone()]).find(|raw| *raw != b"null")
}

/// Writes a validated time value as a canonical JSON number (see [`parse_prompt_row`]).
fn push_time(out: &mut Vec<u8>, raw: &[u8], t: TimeValue) {
    if t.integral {
        // An integral value is at most 2^53, so the double holds it exactly.
        push_u64(out, t.value as u64);
        return;
    }
    if raw.first() != Some(&b'"') {
        out.extend_from_slice(raw);
        return;
    }
    // A numeric string, `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?`, not
    // negative (rejected) and not integral (above), so any sign is `+`. JSON wants no `+`,
    // no leading zeros, a digit before the point and one after it.
    let body = &raw[1..raw.len() - 1];
    let text = decode_string(body, body.contains(&b'\\')).unwrap_or_default();
    let s = text.trim_start_matches(['+', '-']).as_bytes();
    let int_len = s.iter().position(|b| !b.is_ascii_digit()).unwrap_or(s.len());
    let int = &s[..int_len];
    let int = &int[int.iter().position(|&b| b != b'0').unwrap_or(int.len())..];
    out.extend_from_slice(if int.is_empty() { b"0" } else { int });
    let mut rest = &s[int_len..];
    if rest.first() == Some(&b'.') {
        let frac_len = rest[1..].iter().position(|b| !b.is_ascii_digit()).unwrap_or(rest.len() - 1);
        if frac_len > 0 {
            out.extend_from_slice(&rest[..1 + frac_len]);
        }
        rest = &rest[1 + frac_len..];
    }
    out.extend_from_slice(rest);
}

fn utf8(bytes: Vec<u8>) -> String {
    // Pieces of a line already checked to be UTF-8, cut at ASCII boundaries.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// [`parse_prompt_row`] as one compact JSON object, for tools that inspect single rows
/// (`hash-prompts` itself reads rows through [`PromptHashStream`], never one call per row). A valid row gives
/// `{"text":…|null,"textField":…,"messages":bool,"beforeInputLength":…,"beforeHashIds":…,"afterHashIds":…}`,
/// an invalid one `{"reason":…,"field":…,"message":…}` (the row problem as data, so lenient
/// mode counts it without an exception; the caller adds file and line).
pub fn parse_prompt_row_json(line: &[u8], text_field: Option<&str>) -> String {
    let mut out = String::new();
    match parse_prompt_row(line, text_field) {
        Ok(r) => {
            out.push_str("{\"text\":");
            match &r.text {
                Some(t) => write_json_string(&mut out, t),
                None => out.push_str("null"),
            }
            for (key, value) in [
                ("textField", &r.text_field),
                ("beforeInputLength", &r.before_input_length),
                ("beforeHashIds", &r.before_hash_ids),
                ("afterHashIds", &r.after_hash_ids),
            ] {
                out.push_str(",\"");
                out.push_str(key);
                out.push_str("\":");
                write_json_string(&mut out, value);
            }
            out.push_str(if r.has_messages { ",\"messages\":true}" } else { ",\"messages\":false}" });
        }
        Err(e) => {
            out.push_str("{\"reason\":");
            write_json_string(&mut out, e.reason.as_str());
            out.push_str(",\"field\":");
            write_json_string(&mut out, &e.field);
            out.push_str(",\"message\":");
            write_json_string(&mut out, &e.text);
            out.push('}');
        }
    }
    out
}
