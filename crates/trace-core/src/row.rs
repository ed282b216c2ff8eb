//! One trace row: a hand-written JSON scanner that validates a line and extracts the
//! Mooncake fields with the exact semantics of `docs/trace-format.md` §3–4.
//!
//! Why hand-written: it must detect duplicate keys, keep `u64` hash ids exact, accept the
//! lax encodings of §3.1 (zero-fraction numbers, digit strings), report the first error
//! with the exact field and message, and run at hundreds of MB/s without allocating per
//! row. Generic JSON libraries do at most two of these.
//!
//! Use [`parse_row`] for a one-off row, or [`parse_row_into`] with a reused [`Row`] in
//! loops (it reuses the row's buffers). With [`ParseOptions::keep_fields`] every
//! top-level `(key, raw value)` byte span is recorded in [`Row::fields`] in file order,
//! so that writers can copy unknown keys back verbatim:
//!
//! ```
//! use trace_core::row::{parse_row, ParseOptions, InputMode, Field};
//! let line = br#"{"timestamp": 1.5, "input_tokens": "100", "hash_ids": [18446744073709551615], "x": {"y": 1}}"#;
//! let row = parse_row(line, &ParseOptions { keep_fields: true }).unwrap();
//! assert_eq!(row.input_mode, InputMode::Tokens);
//! assert_eq!(row.input_length, Some(100));
//! assert_eq!(row.hash_ids, vec![u64::MAX]);
//! let ts = row.timestamp.unwrap();
//! assert!(ts.value == 1.5 && !ts.integral);
//! let unknown = &row.fields[3];
//! assert_eq!(unknown.field, None);
//! assert_eq!(&line[unknown.key_span.clone()], br#""x""#);
//! assert_eq!(&line[unknown.value_span.clone()], br#"{"y": 1}"#);
//! assert_eq!(row.fields[1].field, Some(Field::InputLength)); // alias resolved
//!
//! let err = parse_row(br#"{"input_length": "abc"}"#, &ParseOptions::default()).unwrap_err();
//! assert_eq!(err.field, "input_length");
//! assert_eq!(err.text, r#"expected a non-negative integer, got "abc""#);
//! ```

use std::ops::Range;

use crate::error::Reason;
use crate::json_text::{json_string, truncate_chars};

/// Largest accepted time value, 2^53 ms.
pub const MAX_TIME: f64 = 9_007_199_254_740_992.0;
const TWO_POW_53: u64 = 1 << 53;
const MAX_DEPTH: usize = 512;

/// A `timestamp` or `delay` in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeValue {
    /// The value, finite, `0 ≤ value ≤ 2^53` (never `-0.0`).
    pub value: f64,
    /// Whether the value as written is mathematically an integer (`100`, `1e2`, `"100.0"`),
    /// decided on the decimal text, not on the rounded double.
    pub integral: bool,
}

/// Which of the four input modes the row uses (§3 rule 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputMode {
    /// `input_length` (alias `input_tokens`).
    #[default]
    Tokens,
    /// `text_input`.
    Text,
    /// `messages`.
    Messages,
    /// `payload`.
    Payload,
}

impl InputMode {
    /// The canonical field name of the mode.
    pub fn field_name(&self) -> &'static str {
        match self {
            InputMode::Tokens => "input_length",
            InputMode::Text => "text_input",
            InputMode::Messages => "messages",
            InputMode::Payload => "payload",
        }
    }
}

/// A known field of the schema, aliases resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Timestamp,
    InputLength,
    OutputLength,
    HashIds,
    SessionId,
    Delay,
    TextInput,
    Messages,
    Tools,
    Payload,
    Extra,
}

impl Field {
    /// The canonical name (`input_length` for `input_tokens`, …).
    pub fn name(&self) -> &'static str {
        match self {
            Field::Timestamp => "timestamp",
            Field::InputLength => "input_length",
            Field::OutputLength => "output_length",
            Field::HashIds => "hash_ids",
            Field::SessionId => "session_id",
            Field::Delay => "delay",
            Field::TextInput => "text_input",
            Field::Messages => "messages",
            Field::Tools => "tools",
            Field::Payload => "payload",
            Field::Extra => "extra",
        }
    }

    /// Resolves a key as written (canonical or Dynamo alias); `None` for unknown keys.
    /// The bool is true for an alias.
    pub fn from_key(key: &[u8]) -> Option<(Field, bool)> {
        Some(match key {
            b"timestamp" => (Field::Timestamp, false),
            b"created_time" => (Field::Timestamp, true),
            b"input_length" => (Field::InputLength, false),
            b"input_tokens" => (Field::InputLength, true),
            b"output_length" => (Field::OutputLength, false),
            b"output_tokens" => (Field::OutputLength, true),
            b"hash_ids" => (Field::HashIds, false),
            b"session_id" => (Field::SessionId, false),
            b"delay" => (Field::Delay, false),
            b"delay_ms" => (Field::Delay, true),
            b"text_input" => (Field::TextInput, false),
            b"messages" => (Field::Messages, false),
            b"tools" => (Field::Tools, false),
            b"payload" => (Field::Payload, false),
            b"extra" => (Field::Extra, false),
            _ => return None,
        })
    }

    fn alias_name(&self) -> &'static str {
        match self {
            Field::Timestamp => "created_time",
            Field::InputLength => "input_tokens",
            Field::OutputLength => "output_tokens",
            Field::Delay => "delay_ms",
            _ => self.name(),
        }
    }
}

/// One top-level member of the row object, as byte ranges into the parsed line. Spans
/// only, so keeping the fields of every row allocates nothing per key; [`RawField::key`]
/// decodes a key when it is needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawField {
    /// The known field the key names (aliases resolved), or `None` for an unknown key.
    pub field: Option<Field>,
    /// The key token including its quotes, e.g. `"x"`.
    pub key_span: Range<usize>,
    /// The raw value text exactly as written (e.g. `{"y": 1}`), without surrounding
    /// whitespace.
    pub value_span: Range<usize>,
}

impl RawField {
    /// The key as written, unescaped (e.g. `input_tokens`); `line` is the parsed line.
    pub fn key<'l>(&self, line: &'l [u8]) -> std::borrow::Cow<'l, str> {
        let inner = &line[self.key_span.start + 1..self.key_span.end - 1];
        if inner.contains(&b'\\') {
            std::borrow::Cow::Owned(decode_string(inner, true).unwrap_or_else(|| String::from_utf8_lossy(inner).into_owned()))
        } else {
            String::from_utf8_lossy(inner)
        }
    }
}

/// A parsed, valid row. Absent and `null` fields are `None` / empty.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Row {
    /// The row's input mode (exactly one is present in a valid row).
    pub input_mode: InputMode,
    pub timestamp: Option<TimeValue>,
    pub delay: Option<TimeValue>,
    /// `Some` iff `input_mode == Tokens`.
    pub input_length: Option<u32>,
    pub output_length: Option<u32>,
    /// Empty when absent, `null` or `[]`.
    pub hash_ids: Vec<u64>,
    /// A string, or a JSON integer converted to its decimal text.
    pub session_id: Option<String>,
    /// Decoded `text_input`.
    pub text_input: Option<String>,
    /// Raw spans (into the line) of the verbatim fields, when present and non-null.
    pub messages: Option<Range<usize>>,
    pub tools: Option<Range<usize>>,
    pub payload: Option<Range<usize>>,
    pub extra: Option<Range<usize>>,
    /// Every top-level member in file order; filled only with [`ParseOptions::keep_fields`].
    pub fields: Vec<RawField>,
}

impl Row {
    fn reset(&mut self) {
        self.input_mode = InputMode::Tokens;
        self.timestamp = None;
        self.delay = None;
        self.input_length = None;
        self.output_length = None;
        self.hash_ids.clear();
        self.session_id = None;
        self.text_input = None;
        self.messages = None;
        self.tools = None;
        self.payload = None;
        self.extra = None;
        self.fields.clear();
    }
}

/// Options of [`parse_row`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ParseOptions {
    /// Record every top-level `(key, value)` span in [`Row::fields`].
    pub keep_fields: bool,
}

/// Which row-level rules apply once every field has been read and checked.
///
/// A separate argument rather than a [`ParseOptions`] field, so the existing
/// `ParseOptions { keep_fields }` literals keep compiling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RowSchema {
    /// A trace row: `docs/trace-format.md` §3 rules 1–3 (exactly one input mode, `hash_ids`
    /// only with `input_length`, `tools` only with `messages`).
    #[default]
    Trace,
    /// A `hash-prompts` input row (`docs/synthesis.md` §5): the same scan and per-field checks
    /// (UTF-8, syntax, duplicate keys and aliases, lax values), but none of rules 1–3,
    /// because its text lives in fields the trace schema does not know (`prompt`, `text`,
    /// `--text-field`). [`Row::input_mode`] is left at its default and means nothing.
    Prompt,
}

/// Why a row is invalid: the reason code, the FIELD of the message (`row`, `json`, a
/// canonical field name, or `hash_ids[K]`) and the REASON-TEXT. Combine with a file and
/// line via [`crate::error::TraceError::invalid_row`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub reason: Reason,
    pub field: String,
    pub text: String,
}

impl RowError {
    pub fn new(reason: Reason, field: impl Into<String>, text: impl Into<String>) -> Self {
        RowError { reason, field: field.into(), text: text.into() }
    }
}

/// Parses one line (without its `\n`; BOM and CR already removed, e.g. by
/// [`crate::lines::LineSplitter`]) into a new [`Row`].
pub fn parse_row(line: &[u8], opts: &ParseOptions) -> Result<Row, RowError> {
    let mut row = Row::default();
    parse_row_into(line, opts, &mut row)?;
    Ok(row)
}

/// Like [`parse_row`] but reuses `row`'s allocations. On error `row` holds partial data.
pub fn parse_row_into(line: &[u8], opts: &ParseOptions, row: &mut Row) -> Result<(), RowError> {
    parse_row_with_schema(line, opts, RowSchema::Trace, row)
}

/// [`parse_row_into`] with the row-level rules of `schema`.
pub fn parse_row_with_schema(line: &[u8], opts: &ParseOptions, schema: RowSchema, row: &mut Row) -> Result<(), RowError> {
    row.reset();
    scan_line(line, |p| p.parse_row(opts, schema, row))
}

/// Runs `scan` over one line with the row discipline every row format of the core shares:
/// invalid UTF-8 is `invalid_utf8` before anything is scanned, and a syntax error anywhere
/// is `invalid_json` with its column. Crate-internal: the `single_turn` and `multi_turn`
/// readers of [`crate::replay`] scan their rows through it.
pub(crate) fn scan_line<T>(line: &[u8], scan: impl FnOnce(&mut Scanner<'_>) -> PResult<T>) -> Result<T, RowError> {
    if let Err(e) = std::str::from_utf8(line) {
        return Err(RowError::new(Reason::InvalidUtf8, "row", format!("invalid UTF-8 at byte {}", e.valid_up_to() + 1)));
    }
    let mut p = Scanner { s: line, i: 0 };
    match scan(&mut p) {
        Ok(v) => Ok(v),
        Err(Fail::Syntax(pos, msg)) => {
            Err(RowError::new(Reason::InvalidJson, "json", format!("invalid JSON: {} at column {}", msg, column(line, pos))))
        }
        Err(Fail::Row(e)) => Err(e),
    }
}

/// A row in the exact shape Mooncake traces (and infermark's generators) write:
/// `{"timestamp": T, "input_length": I, "output_length": O, "hash_ids": [H, ...]}` with an
/// optional trailing `, "session_id": "S"`, as recognised by [`parse_common_row`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommonRow {
    /// Integral milliseconds, below 10^15 (so exact as a double).
    pub timestamp: u64,
    pub input_length: u32,
    pub output_length: u32,
    /// Byte span (into the line) of the session id's text between its quotes: printable
    /// ASCII without `"` or `\\`, so the bytes are the decoded string.
    pub session_id: Option<Range<usize>>,
}

/// Fast path for the common row shape: one pass, no allocation, no UTF-8 or key
/// bookkeeping. Returns `None` for anything else (other spacing or key order, aliases,
/// `null`s, strings or fractions as numbers, leading zeros, escapes, numbers near a
/// limit, …) and the caller falls back to [`parse_row_into`], which decides. Every line
/// accepted here is accepted by the full parser with the same values (tested against it
/// on real, generated and mutated rows). The hash ids are appended to `hash_ids`; on
/// `None` it is left as it was.
#[inline]
pub fn parse_common_row(line: &[u8], hash_ids: &mut Vec<u64>) -> Option<CommonRow> {
    let mark = hash_ids.len();
    let r = common_row(line, hash_ids, None);
    if r.is_none() {
        hash_ids.truncate(mark);
    }
    r
}

/// [`parse_common_row`] that also fills `fields` (cleared first) with the spans the full
/// parser records under [`ParseOptions::keep_fields`], so writers can use the fast path
/// too. On `None` both buffers are left as they were (`fields` empty).
#[inline]
pub fn parse_common_row_fields(line: &[u8], hash_ids: &mut Vec<u64>, fields: &mut Vec<RawField>) -> Option<CommonRow> {
    fields.clear();
    let mark = hash_ids.len();
    let r = common_row(line, hash_ids, Some(&mut *fields));
    if r.is_none() {
        hash_ids.truncate(mark);
        fields.clear();
    }
    r
}

#[inline]
fn common_row(s: &[u8], hash_ids: &mut Vec<u64>, mut fields: Option<&mut Vec<RawField>>) -> Option<CommonRow> {
    // Every key is followed by `": ` then its value: the quoted key ends 2 bytes before it.
    let mut field = |f: Field, key_len: usize, value: Range<usize>| {
        if let Some(v) = fields.as_deref_mut() {
            let key_end = value.start - 2;
            v.push(RawField { field: Some(f), key_span: key_end - key_len - 2..key_end, value_span: value });
        }
    };
    let mut i = expect(s, 0, b"{\"timestamp\": ")?;
    // 15 digits < 10^15 < 2^53: exact, as in parse_time's own fast path
    let (timestamp, j) = common_uint(s, i, 15)?;
    field(Field::Timestamp, 9, i..j);
    i = expect(s, j, b", \"input_length\": ")?;
    let (input_length, j) = common_uint(s, i, 10)?;
    field(Field::InputLength, 12, i..j);
    i = expect(s, j, b", \"output_length\": ")?;
    let (output_length, j) = common_uint(s, i, 10)?;
    field(Field::OutputLength, 13, i..j);
    if input_length > u32::MAX as u64 || output_length > u32::MAX as u64 {
        return None;
    }
    i = expect(s, j, b", \"hash_ids\": [")?;
    let ids_start = i - 1;
    if s.get(i) == Some(&b']') {
        i += 1;
    } else {
        loop {
            // 19 digits < 10^19 < 2^64: no overflow check needed
            let (id, j) = common_uint(s, i, 19)?;
            hash_ids.push(id);
            match s.get(j) {
                Some(b',') if s.get(j + 1) == Some(&b' ') => i = j + 2,
                Some(b']') => {
                    i = j + 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    field(Field::HashIds, 8, ids_start..i);
    let mut session_id = None;
    if s.get(i) == Some(&b',') {
        i = expect(s, i, b", \"session_id\": \"")?;
        let start = i;
        while let Some(&b) = s.get(i) {
            if b == b'"' {
                break;
            }
            if !(0x20..=0x7e).contains(&b) || b == b'\\' {
                return None;
            }
            i += 1;
        }
        if s.get(i) != Some(&b'"') {
            return None;
        }
        session_id = Some(start..i);
        i += 1;
        field(Field::SessionId, 10, start - 1..i);
    }
    if i + 1 != s.len() || s[i] != b'}' {
        return None;
    }
    Some(CommonRow { timestamp, input_length: input_length as u32, output_length: output_length as u32, session_id })
}

#[inline]
fn expect(s: &[u8], i: usize, lit: &[u8]) -> Option<usize> {
    if s.get(i..i + lit.len())? == lit {
        Some(i + lit.len())
    } else {
        None
    }
}

/// A JSON integer literal of 1..=`max_digits` digits without a leading zero (a lone `0`
/// is fine), not followed by a fraction or exponent.
#[inline]
fn common_uint(s: &[u8], i: usize, max_digits: usize) -> Option<(u64, usize)> {
    let mut j = i;
    let mut v: u64 = 0;
    while let Some(&d) = s.get(j) {
        let x = d.wrapping_sub(b'0');
        if x > 9 {
            break;
        }
        if j - i == max_digits {
            return None;
        }
        v = v * 10 + x as u64;
        j += 1;
    }
    let n = j - i;
    if n == 0 || (n > 1 && s[i] == b'0') || matches!(s.get(j), Some(b'.' | b'e' | b'E')) {
        return None;
    }
    Some((v, j))
}

/// 1-based character column of byte offset `pos`.
fn column(s: &[u8], pos: usize) -> usize {
    let pos = pos.min(s.len());
    s[..pos].iter().filter(|&&b| (b & 0xC0) != 0x80).count() + 1
}

/// Why a scan stopped: a syntax error (position, message) or a row error.
pub(crate) enum Fail {
    Syntax(usize, &'static str),
    Row(RowError),
}

pub(crate) type PResult<T> = Result<T, Fail>;

/// A value token: its kind and its span in the line.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Null,
    Bool,
    Number,
    /// Content span excludes the quotes; `esc` if it contains a backslash.
    Str {
        esc: bool,
    },
    Array,
    Object,
}

#[derive(Clone, Copy)]
pub(crate) struct Tok {
    pub(crate) kind: Kind,
    /// For strings, the content without the quotes.
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// Human text of a value for messages: strings are decoded, cut to 60 characters and
/// JSON-encoded; other values are their raw JSON text cut to 60 characters.
pub fn display_value(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    if raw.first() == Some(&b'"') && raw.len() >= 2 {
        let inner = &raw[1..raw.len() - 1];
        let decoded = decode_string(inner, inner.contains(&b'\\')).unwrap_or_else(|| String::from_utf8_lossy(inner).into_owned());
        return json_string(&truncate_chars(&decoded));
    }
    truncate_chars(&text)
}

pub(crate) fn type_name(first: u8) -> &'static str {
    match first {
        b'[' => "array",
        b'{' => "object",
        b'"' => "string",
        b't' | b'f' => "boolean",
        b'n' => "null",
        _ => "number",
    }
}

/// The JSON scanner: `s` is the line, `i` the position of the next byte.
pub(crate) struct Scanner<'a> {
    pub(crate) s: &'a [u8],
    pub(crate) i: usize,
}

#[inline]
fn is_ws(b: u8) -> bool {
    b == b' ' || b == b'\t' || b == b'\n' || b == b'\r'
}

/// Bit per physical key name, to detect a key written twice.
fn key_bit(field: Field, alias: bool) -> u32 {
    1 << ((field as u32) * 2 + alias as u32)
}

impl<'a> Scanner<'a> {
    #[inline]
    pub(crate) fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    #[inline]
    pub(crate) fn skip_ws(&mut self) {
        while let Some(&b) = self.s.get(self.i) {
            if is_ws(b) {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    /// After an array element or object member: consumes `,` (more follow, `false`) or
    /// the closing `]`/`}` (the container ends, `true`); anything else is a syntax error.
    pub(crate) fn container_ends(&mut self, close: u8) -> PResult<bool> {
        self.skip_ws();
        match self.peek() {
            Some(b',') => {
                self.i += 1;
                Ok(false)
            }
            Some(b) if b == close => {
                self.i += 1;
                Ok(true)
            }
            _ => Err(Fail::Syntax(self.i, if close == b']' { "expected ',' or ']'" } else { "expected ',' or '}'" })),
        }
    }

    /// The start of a row: consumes its `{`. A line holding any other JSON value is
    /// `not_an_object` (a syntax error first, if there is one).
    pub(crate) fn open_row_object(&mut self) -> PResult<()> {
        self.skip_ws();
        let first = match self.peek() {
            None => return Err(Fail::Syntax(self.i, "expected a value")),
            Some(b) => b,
        };
        if first != b'{' {
            self.skip_value(0)?;
            self.skip_ws();
            if self.i < self.s.len() {
                return Err(Fail::Syntax(self.i, "unexpected text after the value"));
            }
            return Err(Fail::Row(RowError::new(
                Reason::NotAnObject,
                "row",
                format!("row must be a JSON object, got {}", type_name(first)),
            )));
        }
        self.i += 1;
        Ok(())
    }

    /// After the row object's `}`: only whitespace may follow.
    pub(crate) fn close_row(&mut self) -> PResult<()> {
        self.skip_ws();
        if self.i < self.s.len() {
            return Err(Fail::Syntax(self.i, "unexpected text after the object"));
        }
        Ok(())
    }

    fn parse_row(&mut self, opts: &ParseOptions, schema: RowSchema, row: &mut Row) -> PResult<()> {
        self.open_row_object()?;
        let mut first_err: Option<RowError> = None;
        let mut seen_bits: u32 = 0;
        // non-null presence per canonical field and which spelling carried it
        let mut present: u32 = 0;
        let mut unknown_keys: Vec<Vec<u8>> = Vec::new();
        let mut unknown_set: Option<std::collections::HashSet<Vec<u8>>> = None;
        let mut has_hash_ids = false;

        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
        } else {
            loop {
                self.skip_ws();
                if self.peek() != Some(b'"') {
                    return Err(Fail::Syntax(self.i, "expected a string key"));
                }
                let key_start = self.i;
                let (ks, ke, kesc) = self.scan_string()?;
                let key_end = self.i;
                let decoded_key;
                let key_bytes: &[u8] = if kesc {
                    decoded_key = decode_string(&self.s[ks..ke], true).unwrap_or_default();
                    decoded_key.as_bytes()
                } else {
                    &self.s[ks..ke]
                };
                self.skip_ws();
                if self.peek() != Some(b':') {
                    return Err(Fail::Syntax(self.i, "expected ':'"));
                }
                self.i += 1;
                self.skip_ws();
                let value_start = self.i;
                let known = Field::from_key(key_bytes);
                // Duplicate key (any value, even null).
                let dup = match known {
                    Some((f, alias)) => {
                        let bit = key_bit(f, alias);
                        let d = seen_bits & bit != 0;
                        seen_bits |= bit;
                        d
                    }
                    None => {
                        if let Some(set) = &mut unknown_set {
                            !set.insert(key_bytes.to_vec())
                        } else {
                            let d = unknown_keys.iter().any(|k| k.as_slice() == key_bytes);
                            unknown_keys.push(key_bytes.to_vec());
                            if unknown_keys.len() > 16 {
                                unknown_set = Some(unknown_keys.drain(..).collect());
                            }
                            d
                        }
                    }
                };
                if dup && first_err.is_none() {
                    let name = match known {
                        Some((f, _)) => f.name().to_string(),
                        None => String::from_utf8_lossy(key_bytes).into_owned(),
                    };
                    let written = String::from_utf8_lossy(key_bytes).into_owned();
                    first_err =
                        Some(RowError::new(Reason::DuplicateField, name, format!("key {} appears more than once", json_string(&written))));
                }
                let wanted = if first_err.is_none() { known } else { None };
                if let Some((f, _)) = wanted {
                    let fbit = 1u32 << (f as u32);
                    let was_null = self.peek() == Some(b'n');
                    let r = self.field_value(f, row, &mut has_hash_ids)?;
                    match r {
                        Err(e) => first_err = Some(e),
                        Ok(()) => {
                            if !was_null {
                                if present & fbit != 0 {
                                    let (a, b) = (f.name(), f.alias_name());
                                    first_err =
                                        Some(RowError::new(Reason::DuplicateField, f.name(), format!("both {} and {} are present", a, b)));
                                }
                                present |= fbit;
                            }
                        }
                    }
                } else {
                    self.skip_value(0)?;
                }
                if opts.keep_fields {
                    row.fields.push(RawField {
                        field: known.map(|(f, _)| f),
                        key_span: key_start..key_end,
                        value_span: value_start..self.i,
                    });
                }
                if self.container_ends(b'}')? {
                    break;
                }
            }
        }
        self.close_row()?;
        if let Some(e) = first_err {
            return Err(Fail::Row(e));
        }
        if schema == RowSchema::Prompt {
            return Ok(());
        }
        // Row-level rules (§3 rules 1–3).
        let modes = [
            (Field::InputLength, InputMode::Tokens),
            (Field::TextInput, InputMode::Text),
            (Field::Messages, InputMode::Messages),
            (Field::Payload, InputMode::Payload),
        ];
        let mut found: Vec<(Field, InputMode)> = Vec::with_capacity(2);
        for (f, m) in modes {
            if present & (1 << (f as u32)) != 0 {
                found.push((f, m));
            }
        }
        match found.len() {
            0 => {
                return Err(Fail::Row(RowError::new(
                    Reason::MissingInput,
                    // a whole-row problem, spelled like hash-prompts' own missing-input rows
                    "row",
                    "missing (a row needs one of input_length, text_input, messages, payload)",
                )));
            }
            1 => row.input_mode = found[0].1,
            _ => {
                return Err(Fail::Row(RowError::new(
                    Reason::ConflictingInputs,
                    "row",
                    format!("{} and {} are mutually exclusive", found[0].0.name(), found[1].0.name()),
                )))
            }
        }
        if has_hash_ids && !row.hash_ids.is_empty() && row.input_mode != InputMode::Tokens {
            return Err(Fail::Row(RowError::new(Reason::HashIdsWithoutInputLength, "hash_ids", "hash_ids requires input_length")));
        }
        if row.tools.is_some() && row.messages.is_none() {
            return Err(Fail::Row(RowError::new(Reason::ToolsWithoutMessages, "tools", "tools requires messages")));
        }
        Ok(())
    }

    /// Parses the value of a known field into `row`. The outer `Err` is a syntax error
    /// (stops everything); the inner `Err` is a field error (the scan goes on).
    fn field_value(&mut self, f: Field, row: &mut Row, has_hash_ids: &mut bool) -> PResult<Result<(), RowError>> {
        if f == Field::HashIds && self.peek() == Some(b'[') {
            *has_hash_ids = true;
            return self.hash_id_array(row);
        }
        if f == Field::Messages && self.peek() == Some(b'[') {
            let start = self.i;
            let r = self.message_array()?;
            if r.is_ok() {
                row.messages = Some(start..self.i);
            }
            return Ok(r);
        }
        let tok = self.value_token()?;
        if tok.kind == Kind::Null {
            return Ok(Ok(()));
        }
        let raw = &self.s[tok.start..tok.end];
        let raw_full = match tok.kind {
            Kind::Str { .. } => &self.s[tok.start - 1..tok.end + 1],
            _ => raw,
        };
        let bad =
            |expected: &str| RowError::new(Reason::BadType, f.name(), format!("expected {}, got {}", expected, display_value(raw_full)));
        Ok(match f {
            Field::InputLength | Field::OutputLength => match parse_uint(tok, raw, u32::MAX as u64, false) {
                Ok(v) => {
                    if f == Field::InputLength {
                        row.input_length = Some(v as u32);
                    } else {
                        row.output_length = Some(v as u32);
                    }
                    Ok(())
                }
                Err(e) => Err(e.into_row_error(f.name(), raw_full)),
            },
            Field::Timestamp | Field::Delay => match parse_time(tok, raw) {
                Ok(t) => {
                    if f == Field::Timestamp {
                        row.timestamp = Some(t);
                    } else {
                        row.delay = Some(t);
                    }
                    Ok(())
                }
                Err(e) => Err(e.into_row_error(f.name(), raw_full)),
            },
            Field::HashIds => Err(bad("an array of non-negative integers")),
            Field::SessionId => match session_id_text(tok, raw) {
                Some(id) => {
                    row.session_id = Some(id);
                    Ok(())
                }
                None => Err(bad("a string or an integer")),
            },
            Field::TextInput => match tok.kind {
                Kind::Str { esc } => {
                    row.text_input = Some(decode_string(raw, esc).unwrap_or_default());
                    Ok(())
                }
                _ => Err(bad("a string")),
            },
            Field::Messages => Err(bad("a non-empty array of message objects")),
            Field::Tools => match tok.kind {
                Kind::Array => {
                    row.tools = Some(tok.start..tok.end);
                    Ok(())
                }
                _ => Err(bad("an array")),
            },
            Field::Payload => match tok.kind {
                Kind::Object => {
                    if is_empty_container(raw) {
                        Err(RowError::new(Reason::EmptyPayload, "payload", "must not be empty"))
                    } else {
                        row.payload = Some(tok.start..tok.end);
                        Ok(())
                    }
                }
                _ => Err(bad("an object")),
            },
            Field::Extra => match tok.kind {
                Kind::Object => {
                    row.extra = Some(tok.start..tok.end);
                    Ok(())
                }
                _ => Err(bad("an object")),
            },
        })
    }

    /// `hash_ids: [...]` with a fast path for plain integer literals.
    fn hash_id_array(&mut self, row: &mut Row) -> PResult<Result<(), RowError>> {
        self.i += 1; // '['
        let mut err: Option<RowError> = None;
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(Ok(()));
        }
        let mut k = 0usize;
        loop {
            self.skip_ws();
            let start = self.i;
            // Fast path: digits followed by a delimiter.
            let mut fast = false;
            if let Some(&d0) = self.s.get(self.i) {
                if d0.is_ascii_digit() {
                    let mut v: u64 = (d0 - b'0') as u64;
                    let mut j = self.i + 1;
                    let mut ok = true;
                    while let Some(&d) = self.s.get(j) {
                        if !d.is_ascii_digit() {
                            break;
                        }
                        match v.checked_mul(10).and_then(|x| x.checked_add((d - b'0') as u64)) {
                            Some(x) => v = x,
                            None => {
                                ok = false;
                                break;
                            }
                        }
                        j += 1;
                    }
                    let next = self.s.get(j).copied();
                    let leading_zero = d0 == b'0' && j > self.i + 1;
                    if ok && !leading_zero && !matches!(next, Some(b'.') | Some(b'e') | Some(b'E')) {
                        self.i = j;
                        if err.is_none() {
                            row.hash_ids.push(v);
                        }
                        fast = true;
                    }
                }
            }
            if !fast {
                let tok = self.value_token()?;
                if err.is_none() {
                    let raw = &self.s[tok.start..tok.end];
                    let raw_full = match tok.kind {
                        Kind::Str { .. } => &self.s[start..self.i],
                        _ => raw,
                    };
                    match parse_uint(tok, raw, u64::MAX, true) {
                        Ok(v) => row.hash_ids.push(v),
                        Err(e) => err = Some(e.into_row_error(&format!("hash_ids[{}]", k), raw_full)),
                    }
                }
            }
            k += 1;
            if self.container_ends(b']')? {
                break;
            }
        }
        Ok(err.map_or(Ok(()), Err))
    }

    /// `messages: [...]`: non-empty, every element an object with a string `role`.
    fn message_array(&mut self) -> PResult<Result<(), RowError>> {
        self.i += 1;
        let mut err: Option<RowError> = None;
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(Err(RowError::new(Reason::EmptyPayload, "messages", "must not be empty")));
        }
        let mut k = 0usize;
        loop {
            self.skip_ws();
            let start = self.i;
            let ok = if self.peek() == Some(b'{') {
                self.object_has_string_role()?
            } else {
                self.skip_value(1)?;
                false
            };
            if !ok && err.is_none() {
                err = Some(RowError::new(
                    Reason::BadType,
                    format!("messages[{}]", k),
                    format!("expected an object with a string \"role\", got {}", display_value(&self.s[start..self.i])),
                ));
            }
            k += 1;
            if self.container_ends(b']')? {
                break;
            }
        }
        Ok(err.map_or(Ok(()), Err))
    }

    fn object_has_string_role(&mut self) -> PResult<bool> {
        self.i += 1;
        let mut has_role = false;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(false);
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(Fail::Syntax(self.i, "expected a string key"));
            }
            let (ks, ke, kesc) = self.scan_string()?;
            let is_role = if kesc { decode_string(&self.s[ks..ke], true).as_deref() == Some("role") } else { &self.s[ks..ke] == b"role" };
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(Fail::Syntax(self.i, "expected ':'"));
            }
            self.i += 1;
            self.skip_ws();
            let is_str = self.peek() == Some(b'"');
            self.skip_value(2)?;
            if is_role && is_str {
                has_role = true;
            }
            if self.container_ends(b'}')? {
                return Ok(has_role);
            }
        }
    }

    /// Scans any value and returns its token (containers are validated and skipped).
    pub(crate) fn value_token(&mut self) -> PResult<Tok> {
        let start = self.i;
        let kind = match self.peek() {
            Some(b'"') => {
                let (s, e, esc) = self.scan_string()?;
                return Ok(Tok { kind: Kind::Str { esc }, start: s, end: e });
            }
            Some(b'[') => {
                self.skip_value(1)?;
                Kind::Array
            }
            Some(b'{') => {
                self.skip_value(1)?;
                Kind::Object
            }
            Some(b't') => {
                self.literal(b"true")?;
                Kind::Bool
            }
            Some(b'f') => {
                self.literal(b"false")?;
                Kind::Bool
            }
            Some(b'n') => {
                self.literal(b"null")?;
                Kind::Null
            }
            Some(b'-') | Some(b'0'..=b'9') => {
                self.scan_number()?;
                Kind::Number
            }
            _ => return Err(Fail::Syntax(self.i, "expected a value")),
        };
        Ok(Tok { kind, start, end: self.i })
    }

    fn literal(&mut self, word: &[u8]) -> PResult<()> {
        if self.s[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(())
        } else {
            Err(Fail::Syntax(self.i, "invalid literal"))
        }
    }

    fn scan_number(&mut self) -> PResult<()> {
        let s = self.s;
        let mut i = self.i;
        if s.get(i) == Some(&b'-') {
            i += 1;
        }
        match s.get(i) {
            Some(b'0') => {
                i += 1;
                if matches!(s.get(i), Some(b'0'..=b'9')) {
                    return Err(Fail::Syntax(i, "leading zeros are not allowed in numbers"));
                }
            }
            Some(b'1'..=b'9') => {
                while matches!(s.get(i), Some(b'0'..=b'9')) {
                    i += 1;
                }
            }
            _ => return Err(Fail::Syntax(i, "invalid number")),
        }
        if s.get(i) == Some(&b'.') {
            i += 1;
            if !matches!(s.get(i), Some(b'0'..=b'9')) {
                return Err(Fail::Syntax(i, "invalid number"));
            }
            while matches!(s.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
        }
        if matches!(s.get(i), Some(b'e') | Some(b'E')) {
            i += 1;
            if matches!(s.get(i), Some(b'+') | Some(b'-')) {
                i += 1;
            }
            if !matches!(s.get(i), Some(b'0'..=b'9')) {
                return Err(Fail::Syntax(i, "invalid number"));
            }
            while matches!(s.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
        }
        self.i = i;
        Ok(())
    }

    /// Scans a string starting at the opening quote; returns the content span and
    /// whether it has escapes. Validates escapes (including surrogate pairs).
    pub(crate) fn scan_string(&mut self) -> PResult<(usize, usize, bool)> {
        let s = self.s;
        let start = self.i + 1;
        let mut i = start;
        let mut esc = false;
        loop {
            let b = match s.get(i) {
                None => return Err(Fail::Syntax(i, "unterminated string")),
                Some(&b) => b,
            };
            if b == b'"' {
                self.i = i + 1;
                return Ok((start, i, esc));
            } else if b == b'\\' {
                esc = true;
                match s.get(i + 1) {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                    Some(b'u') => {
                        let cp = hex4(s, i + 2).ok_or(Fail::Syntax(i, "invalid \\u escape"))?;
                        i += 6;
                        if (0xD800..0xDC00).contains(&cp) {
                            let lo = if s.get(i) == Some(&b'\\') && s.get(i + 1) == Some(&b'u') { hex4(s, i + 2) } else { None };
                            match lo {
                                Some(l) if (0xDC00..0xE000).contains(&l) => i += 6,
                                _ => return Err(Fail::Syntax(i, "lone surrogate in \\u escape")),
                            }
                        } else if (0xDC00..0xE000).contains(&cp) {
                            return Err(Fail::Syntax(i - 6, "lone surrogate in \\u escape"));
                        }
                    }
                    _ => return Err(Fail::Syntax(i, "invalid escape")),
                }
            } else if b < 0x20 {
                return Err(Fail::Syntax(i, "control character in string"));
            } else {
                i += 1;
            }
        }
    }

    /// Validates and skips any value.
    pub(crate) fn skip_value(&mut self, depth: usize) -> PResult<()> {
        if depth > MAX_DEPTH {
            return Err(Fail::Syntax(self.i, "nesting is too deep"));
        }
        match self.peek() {
            Some(b'[') => {
                self.i += 1;
                self.skip_ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(());
                }
                loop {
                    self.skip_ws();
                    self.skip_value(depth + 1)?;
                    if self.container_ends(b']')? {
                        return Ok(());
                    }
                }
            }
            Some(b'{') => {
                self.i += 1;
                self.skip_ws();
                if self.peek() == Some(b'}') {
                    self.i += 1;
                    return Ok(());
                }
                loop {
                    self.skip_ws();
                    if self.peek() != Some(b'"') {
                        return Err(Fail::Syntax(self.i, "expected a string key"));
                    }
                    self.scan_string()?;
                    self.skip_ws();
                    if self.peek() != Some(b':') {
                        return Err(Fail::Syntax(self.i, "expected ':'"));
                    }
                    self.i += 1;
                    self.skip_ws();
                    self.skip_value(depth + 1)?;
                    if self.container_ends(b'}')? {
                        return Ok(());
                    }
                }
            }
            _ => self.value_token().map(|_| ()),
        }
    }
}

/// A `session_id` value (§3.1): a string, or a JSON integer as its decimal text (`-0` is
/// `0`); `None` for any other value (`bad_type`, "expected a string or an integer").
pub(crate) fn session_id_text(tok: Tok, raw: &[u8]) -> Option<String> {
    match tok.kind {
        Kind::Str { esc } => Some(decode_string(raw, esc).unwrap_or_default()),
        Kind::Number if raw.iter().all(|&b| b.is_ascii_digit() || b == b'-') => {
            let digits = if raw.starts_with(b"-") && raw[1..].iter().all(|&b| b == b'0') { &raw[1..] } else { raw };
            Some(String::from_utf8_lossy(digits).into_owned())
        }
        _ => None,
    }
}

pub(crate) fn is_empty_container(raw: &[u8]) -> bool {
    raw.len() >= 2 && raw[1..raw.len() - 1].iter().all(|&b| is_ws(b))
}

fn hex4(s: &[u8], at: usize) -> Option<u32> {
    let h = s.get(at..at + 4)?;
    let mut v = 0u32;
    for &c in h {
        v = v * 16 + (c as char).to_digit(16)?;
    }
    Some(v)
}

/// Decodes a validated JSON string body (without quotes).
pub fn decode_string(body: &[u8], esc: bool) -> Option<String> {
    if !esc {
        return std::str::from_utf8(body).ok().map(str::to_string);
    }
    let mut out = String::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let b = body[i];
        if b != b'\\' {
            let next = body[i..].iter().position(|&c| c == b'\\').map(|p| p + i).unwrap_or(body.len());
            out.push_str(std::str::from_utf8(&body[i..next]).ok()?);
            i = next;
            continue;
        }
        let c = *body.get(i + 1)?;
        i += 2;
        match c {
            b'"' => out.push('"'),
            b'\\' => out.push('\\'),
            b'/' => out.push('/'),
            b'b' => out.push('\u{8}'),
            b'f' => out.push('\u{c}'),
            b'n' => out.push('\n'),
            b'r' => out.push('\r'),
            b't' => out.push('\t'),
            b'u' => {
                let cp = hex4(body, i)?;
                i += 4;
                let ch = if (0xD800..0xDC00).contains(&cp) {
                    let lo = hex4(body, i + 2)?;
                    i += 6;
                    char::from_u32(0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00))?
                } else {
                    char::from_u32(cp)?
                };
                out.push(ch);
            }
            _ => return None,
        }
    }
    Some(out)
}

/// A field-value failure before the field name is known.
pub(crate) enum ValueErr {
    BadType(&'static str),
    Negative,
    TooLarge(u64),
    NotFinite,
    TimeTooLarge,
}

impl ValueErr {
    pub(crate) fn into_row_error(self, field: &str, raw_full: &[u8]) -> RowError {
        let got = display_value(raw_full);
        match self {
            ValueErr::BadType(expected) => RowError::new(Reason::BadType, field, format!("expected {}, got {}", expected, got)),
            ValueErr::Negative => RowError::new(Reason::OutOfRange, field, format!("must be >= 0, got {}", got)),
            ValueErr::TooLarge(max) => RowError::new(Reason::OutOfRange, field, format!("must be <= {}, got {}", max, got)),
            ValueErr::NotFinite => RowError::new(Reason::OutOfRange, field, format!("must be finite, got {}", got)),
            ValueErr::TimeTooLarge => RowError::new(Reason::OutOfRange, field, format!("must be <= {}, got {}", TWO_POW_53, got)),
        }
    }
}

const EXPECT_UINT: &str = "a non-negative integer";
const EXPECT_TIME: &str = "a non-negative number";

/// A decimal number split into sign, significant digits and a power of ten.
struct Decimal<'a> {
    neg: bool,
    /// Digits without leading zeros (may be empty for zero); trailing zeros are kept.
    digits: Vec<u8>,
    exp10: i64,
    _src: std::marker::PhantomData<&'a ()>,
}

impl Decimal<'_> {
    fn is_zero(&self) -> bool {
        self.digits.iter().all(|&d| d == b'0')
    }

    /// Mathematically an integer?
    fn is_integral(&self) -> bool {
        if self.is_zero() {
            return true;
        }
        if self.exp10 >= 0 {
            return true;
        }
        let k = (-self.exp10) as usize;
        let n = self.digits.len();
        // the last k digits must all be zero
        k <= n && self.digits[n - k..].iter().all(|&d| d == b'0')
    }

    /// The integer value if integral and at most `max`; `Err(true)` for non-integral,
    /// `Err(false)` for too large.
    fn to_u64(&self, max: u64) -> Result<u64, bool> {
        if self.is_zero() {
            return Ok(0);
        }
        if !self.is_integral() {
            return Err(true);
        }
        let mut digits: &[u8] = &self.digits;
        let mut exp = self.exp10;
        while exp < 0 {
            digits = &digits[..digits.len() - 1];
            exp += 1;
        }
        if digits.len() as i64 + exp > 20 {
            return Err(false);
        }
        let mut v: u128 = 0;
        for &d in digits {
            v = v * 10 + (d - b'0') as u128;
        }
        for _ in 0..exp {
            v *= 10;
        }
        if v > max as u128 {
            Err(false)
        } else {
            Ok(v as u64)
        }
    }
}

/// Parses a decimal `[+-]? (digits [. digits?] | . digits) ([eE][+-]?digits)?`.
fn parse_decimal(b: &[u8]) -> Option<Decimal<'_>> {
    let mut i = 0;
    let mut neg = false;
    if let Some(&c) = b.first() {
        if c == b'-' || c == b'+' {
            neg = c == b'-';
            i = 1;
        }
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int = &b[int_start..i];
    let mut frac: &[u8] = &[];
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let fs = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        frac = &b[fs..i];
    }
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut exp: i64 = 0;
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        let mut eneg = false;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            eneg = b[i] == b'-';
            i += 1;
        }
        let es = i;
        while i < b.len() && b[i].is_ascii_digit() {
            exp = (exp * 10 + (b[i] - b'0') as i64).min(1_000_000_000);
            i += 1;
        }
        if es == i {
            return None;
        }
        if eneg {
            exp = -exp;
        }
    }
    if i != b.len() {
        return None;
    }
    let mut digits: Vec<u8> = Vec::with_capacity(int.len() + frac.len());
    digits.extend_from_slice(int);
    digits.extend_from_slice(frac);
    let lead = digits.iter().take_while(|&&d| d == b'0').count();
    digits.drain(..lead);
    Some(Decimal { neg, digits, exp10: exp - frac.len() as i64, _src: std::marker::PhantomData })
}

/// Unsigned integer per §3.1. `hash_id`: integer literals up to `max`; zero-fraction
/// numbers only up to 2^53 (above that they cannot be exact).
pub(crate) fn parse_uint(tok: Tok, raw: &[u8], max: u64, hash_id: bool) -> Result<u64, ValueErr> {
    match tok.kind {
        Kind::Number if raw.len() <= 19 && raw.iter().all(u8::is_ascii_digit) => {
            // plain integer literal (the common case): no decimal analysis needed
            let v = raw.iter().fold(0u64, |v, &c| v * 10 + (c - b'0') as u64);
            if v > max {
                Err(ValueErr::TooLarge(max))
            } else {
                Ok(v)
            }
        }
        Kind::Number => {
            let d = parse_decimal(raw).ok_or(ValueErr::BadType(EXPECT_UINT))?;
            let literal_int = !raw.iter().any(|&c| c == b'.' || c == b'e' || c == b'E');
            if d.neg && !d.is_zero() {
                return Err(ValueErr::Negative);
            }
            match d.to_u64(max) {
                Ok(v) => {
                    if hash_id && !literal_int && v > TWO_POW_53 {
                        Err(ValueErr::BadType("an exact integer (a number with a fraction or exponent must be <= 2^53)"))
                    } else {
                        Ok(v)
                    }
                }
                Err(true) => Err(ValueErr::BadType(EXPECT_UINT)),
                Err(false) => {
                    if hash_id && !literal_int {
                        Err(ValueErr::BadType("an exact integer (a number with a fraction or exponent must be <= 2^53)"))
                    } else {
                        Err(ValueErr::TooLarge(max))
                    }
                }
            }
        }
        Kind::Str { esc } => {
            let decoded;
            let body: &[u8] = if esc {
                decoded = decode_string(raw, true).unwrap_or_default();
                decoded.as_bytes()
            } else {
                raw
            };
            if body.is_empty() || !body.iter().all(|c| c.is_ascii_digit()) {
                return Err(ValueErr::BadType(EXPECT_UINT));
            }
            let mut v: u128 = 0;
            for &c in body {
                v = v * 10 + (c - b'0') as u128;
                if v > max as u128 {
                    return Err(ValueErr::TooLarge(max));
                }
            }
            Ok(v as u64)
        }
        _ => Err(ValueErr::BadType(EXPECT_UINT)),
    }
}

/// Time value per §3.1: any number, or a string holding a decimal number.
pub(crate) fn parse_time(tok: Tok, raw: &[u8]) -> Result<TimeValue, ValueErr> {
    if tok.kind == Kind::Number && raw.len() <= 15 && raw.iter().all(u8::is_ascii_digit) {
        // plain integer literal below 10^15 < 2^53: exact as a double
        let v = raw.iter().fold(0u64, |v, &c| v * 10 + (c - b'0') as u64);
        return Ok(TimeValue { value: v as f64, integral: true });
    }
    let text: std::borrow::Cow<'_, [u8]> = match tok.kind {
        Kind::Number => std::borrow::Cow::Borrowed(raw),
        Kind::Str { esc } => {
            let body: Vec<u8> = if esc { decode_string(raw, true).unwrap_or_default().into_bytes() } else { raw.to_vec() };
            let lower = String::from_utf8_lossy(&body).to_ascii_lowercase();
            let word = lower.trim_start_matches(['+', '-']);
            if matches!(word, "nan" | "inf" | "infinity") {
                return Err(ValueErr::NotFinite);
            }
            std::borrow::Cow::Owned(body)
        }
        _ => return Err(ValueErr::BadType(EXPECT_TIME)),
    };
    let d = parse_decimal(&text).ok_or(ValueErr::BadType(EXPECT_TIME))?;
    if d.neg && !d.is_zero() {
        return Err(ValueErr::Negative);
    }
    let s = std::str::from_utf8(&text).map_err(|_| ValueErr::BadType(EXPECT_TIME))?;
    let v: f64 = s.parse().map_err(|_| ValueErr::BadType(EXPECT_TIME))?;
    if !v.is_finite() {
        return Err(ValueErr::NotFinite);
    }
    if v > MAX_TIME {
        return Err(ValueErr::TimeTooLarge);
    }
    Ok(TimeValue { value: if v == 0.0 { 0.0 } else { v }, integral: d.is_integral() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Row {
        parse_row(s.as_bytes(), &ParseOptions::default()).unwrap_or_else(|e| panic!("{s}: {e:?}"))
    }

    fn err(s: &str) -> RowError {
        parse_row(s.as_bytes(), &ParseOptions::default()).unwrap_err()
    }

    #[test]
    fn parses_a_mooncake_row() {
        let r = ok(r#"{"timestamp": 0, "input_length": 6758, "output_length": 500, "hash_ids": [0, 1, 2]}"#);
        assert_eq!(r.input_length, Some(6758));
        assert_eq!(r.output_length, Some(500));
        assert_eq!(r.hash_ids, vec![0, 1, 2]);
        assert_eq!(r.timestamp, Some(TimeValue { value: 0.0, integral: true }));
    }

    #[test]
    fn lax_integers() {
        for v in ["100", "100.0", "1e2", "\"100\"", "1000e-1", "\"0100\""] {
            assert_eq!(ok(&format!(r#"{{"input_length": {v}}}"#)).input_length, Some(100), "{v}");
        }
        let e = err(r#"{"input_length": 100.5}"#);
        assert_eq!((e.reason, e.text.as_str()), (Reason::BadType, "expected a non-negative integer, got 100.5"));
        let e = err(r#"{"input_length": true}"#);
        assert_eq!((e.reason, e.text.as_str()), (Reason::BadType, "expected a non-negative integer, got true"));
        let e = err(r#"{"input_length": -1}"#);
        assert_eq!((e.reason, e.text.as_str()), (Reason::OutOfRange, "must be >= 0, got -1"));
        let e = err(r#"{"input_length": 5000000000}"#);
        assert_eq!((e.reason, e.text.as_str()), (Reason::OutOfRange, "must be <= 4294967295, got 5000000000"));
        let e = err(r#"{"input_length": "+1"}"#);
        assert_eq!(e.reason, Reason::BadType);
        let e = err(r#"{"input_length": "1.0"}"#);
        assert_eq!(e.reason, Reason::BadType);
    }

    #[test]
    fn hash_id_extremes() {
        let r = ok(r#"{"input_length": 1, "hash_ids": [18446744073709551615, "18446744073709551615", 9007199254740992.0, 0]}"#);
        assert_eq!(r.hash_ids, vec![u64::MAX, u64::MAX, 1 << 53, 0]);
        let e = err(r#"{"input_length": 1, "hash_ids": [1, 18446744073709551616]}"#);
        assert_eq!((e.reason, e.field.as_str()), (Reason::OutOfRange, "hash_ids[1]"));
        assert_eq!(e.text, "must be <= 18446744073709551615, got 18446744073709551616");
        let e = err(r#"{"input_length": 1, "hash_ids": ["18446744073709551616"]}"#);
        assert_eq!((e.reason, e.field.as_str()), (Reason::OutOfRange, "hash_ids[0]"));
        let e = err(r#"{"input_length": 1, "hash_ids": [9007199254740993.0]}"#);
        assert_eq!((e.reason, e.field.as_str()), (Reason::BadType, "hash_ids[0]"));
        let e = err(r#"{"input_length": 1, "hash_ids": [46, -1]}"#);
        assert_eq!((e.reason, e.field.as_str(), e.text.as_str()), (Reason::OutOfRange, "hash_ids[1]", "must be >= 0, got -1"));
        let e = err(r#"{"input_length": 1, "hash_ids": [007]}"#);
        assert_eq!(e.reason, Reason::InvalidJson);
    }

    #[test]
    fn times_remember_integrality() {
        let t = |v: &str| ok(&format!(r#"{{"input_length": 1, "timestamp": {v}}}"#)).timestamp.unwrap();
        assert_eq!(t("12.5"), TimeValue { value: 12.5, integral: false });
        assert_eq!(t("1e3"), TimeValue { value: 1000.0, integral: true });
        assert_eq!(t("\"1000\""), TimeValue { value: 1000.0, integral: true });
        assert_eq!(t("\"12.50\""), TimeValue { value: 12.5, integral: false });
        assert_eq!(t("-0"), TimeValue { value: 0.0, integral: true });
        assert_eq!(t("9007199254740992"), TimeValue { value: MAX_TIME, integral: true });
        let e = err(r#"{"input_length": 1, "timestamp": "NaN"}"#);
        assert_eq!((e.reason, e.text.as_str()), (Reason::OutOfRange, "must be finite, got \"NaN\""));
        let e = err(r#"{"input_length": 1, "timestamp": 1e400}"#);
        assert_eq!(e.reason, Reason::OutOfRange);
        let e = err(r#"{"input_length": 1, "delay": -5}"#);
        assert_eq!((e.reason, e.field.as_str()), (Reason::OutOfRange, "delay"));
        let e = err(r#"{"input_length": 1, "timestamp": 9007199254740994}"#);
        assert_eq!((e.reason, e.text.as_str()), (Reason::OutOfRange, "must be <= 9007199254740992, got 9007199254740994"));
        let e = err(r#"{"input_length": 1, "timestamp": "soon"}"#);
        assert_eq!((e.reason, e.text.as_str()), (Reason::BadType, "expected a non-negative number, got \"soon\""));
    }

    #[test]
    fn structure_rules() {
        assert_eq!(err(r#"{"output_length": 1}"#).reason, Reason::MissingInput);
        let e = err(r#"{"timestamp": 30, "text_input": "hi", "input_length": 5}"#);
        assert_eq!((e.reason, e.text.as_str()), (Reason::ConflictingInputs, "input_length and text_input are mutually exclusive"));
        assert_eq!(err(r#"{"text_input": "hi", "hash_ids": [1]}"#).reason, Reason::HashIdsWithoutInputLength);
        assert_eq!(ok(r#"{"text_input": "hi", "hash_ids": []}"#).input_mode, InputMode::Text);
        assert_eq!(err(r#"{"input_length": 1, "tools": []}"#).reason, Reason::ToolsWithoutMessages);
        assert_eq!(err(r#"{"payload": {}}"#).reason, Reason::EmptyPayload);
        assert_eq!(err(r#"{"messages": []}"#).reason, Reason::EmptyPayload);
        assert_eq!(ok(r#"{"messages": [{"role": "user", "content": "x"}], "tools": [1]}"#).input_mode, InputMode::Messages);
        let e = err(r#"{"messages": [{"role": "user"}, {"content": "x"}]}"#);
        assert_eq!((e.reason, e.field.as_str()), (Reason::BadType, "messages[1]"));
        assert_eq!(ok(r#"{"payload": {"a": 1}, "input_length": null}"#).input_mode, InputMode::Payload);
        let e = err(r#"{"input_length": 1, "input_tokens": 1}"#);
        assert_eq!(
            (e.reason, e.field.as_str(), e.text.as_str()),
            (Reason::DuplicateField, "input_length", "both input_length and input_tokens are present")
        );
        assert_eq!(ok(r#"{"input_length": 1, "input_tokens": null}"#).input_length, Some(1));
        let e = err(r#"{"input_length": 1, "x": 1, "x": 2}"#);
        assert_eq!((e.reason, e.field.as_str()), (Reason::DuplicateField, "x"));
        let e = err(r#"{"input_length": 1, "input_length": null}"#);
        assert_eq!(e.reason, Reason::DuplicateField);
        assert_eq!(err("[1, 2]").text, "row must be a JSON object, got array");
        assert_eq!(err("[1, 2").reason, Reason::InvalidJson);
        assert_eq!(err(r#"{"input_length": 1,}"#).reason, Reason::InvalidJson);
        let e = parse_row(b"{\"input_length\": 1, \"x\": \"\xff\"}", &ParseOptions::default()).unwrap_err();
        assert_eq!((e.reason, e.text.as_str()), (Reason::InvalidUtf8, "invalid UTF-8 at byte 27"));
        assert_eq!(ok(r#"{"input_length": 1, "session_id": 5}"#).session_id.as_deref(), Some("5"));
        assert_eq!(ok(r#"{"input_length": 1, "session_id": "a\u00e9\ud83d\ude00"}"#).session_id.as_deref(), Some("aé😀"));
        assert_eq!(err(r#"{"input_length": 1, "session_id": 5.5}"#).reason, Reason::BadType);
    }

    #[test]
    fn long_values_are_truncated_in_messages() {
        let long = "x".repeat(100);
        let e = err(&format!(r#"{{"input_length": "{long}"}}"#));
        assert_eq!(e.text, format!("expected a non-negative integer, got \"{}...\"", "x".repeat(57)));
    }

    #[test]
    fn syntax_error_column() {
        let e = err(r#"{"timestamp": 0, "input_length": 1 "output_length": 2}"#);
        assert_eq!(e.field, "json");
        assert_eq!(e.text, "invalid JSON: expected ',' or '}' at column 36");
    }
}
