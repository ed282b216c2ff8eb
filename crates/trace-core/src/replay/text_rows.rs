//! `single_turn` and `multi_turn` rows (`docs/cli.md` §3.3), scanned with the scanner of
//! [`crate::row`], so that they share its discipline: UTF-8 first, the first syntax error
//! wins over field errors, a key written twice is `duplicate_field`, `null` is absent, and the
//! numbers are read with the lax rules of `docs/trace-format.md` §3.1.
//!
//! ```text
//! single_turn: {"text": string | "texts": [string], "output_length"?, "timestamp"?, "delay"?, "extra"?, "session_id"?}
//! multi_turn:  {"session_id"?, "turns": [{"text" | "texts", "output_length"?, "timestamp"?, "delay"?, "role"?}]}
//! ```
//!
//! Unknown keys are accepted and ignored (as in Mooncake rows). A multi_turn row's leading
//! `role: "system"` turn is its session's system message, not a turn; any other turn's role
//! must be `user`. Texts are kept as raw JSON spans; nothing is decoded here.

use std::ops::Range;

use crate::error::Reason;
use crate::json_text::json_string;
use crate::row::{
    decode_string, display_value, parse_time, parse_uint, scan_line, session_id_text, Fail, Kind, PResult, RowError, Scanner, TimeValue,
    Tok,
};

use super::reader::{ParsedRow, TurnData, TurnKind};

/// Walks the members of the object whose `{` was just consumed; `on(scanner, key)` gets the
/// decoded key with the scanner at its value, and must consume the value.
pub(crate) fn members(sc: &mut Scanner<'_>, mut on: impl FnMut(&mut Scanner<'_>, &[u8]) -> PResult<()>) -> PResult<()> {
    sc.skip_ws();
    if sc.peek() == Some(b'}') {
        sc.i += 1;
        return Ok(());
    }
    loop {
        sc.skip_ws();
        if sc.peek() != Some(b'"') {
            return Err(Fail::Syntax(sc.i, "expected a string key"));
        }
        let s = sc.s;
        let (ks, ke, esc) = sc.scan_string()?;
        let decoded;
        let key: &[u8] = if esc {
            decoded = decode_string(&s[ks..ke], true).unwrap_or_default();
            decoded.as_bytes()
        } else {
            &s[ks..ke]
        };
        sc.skip_ws();
        if sc.peek() != Some(b':') {
            return Err(Fail::Syntax(sc.i, "expected ':'"));
        }
        sc.i += 1;
        sc.skip_ws();
        on(sc, key)?;
        if sc.container_ends(b'}')? {
            return Ok(());
        }
    }
}

/// Keys seen in one object: known keys by bit, unknown ones by value (rare, so a list).
#[derive(Default)]
struct SeenKeys {
    bits: u32,
    unknown: Vec<Vec<u8>>,
}

impl SeenKeys {
    /// Whether `key` (index `known` in its key table, if known) was seen before.
    fn repeated(&mut self, known: Option<usize>, key: &[u8]) -> bool {
        match known {
            Some(i) => {
                let bit = 1 << i;
                let seen = self.bits & bit != 0;
                self.bits |= bit;
                seen
            }
            None => {
                let seen = self.unknown.iter().any(|k| k == key);
                if !seen {
                    self.unknown.push(key.to_vec());
                }
                seen
            }
        }
    }
}

/// The first field error of a row; later ones are not reported (the scan goes on, to find
/// syntax errors, which win).
#[derive(Default)]
struct FirstError(Option<RowError>);

impl FirstError {
    fn note(&mut self, e: RowError) {
        if self.0.is_none() {
            self.0 = Some(e);
        }
    }

    fn is_set(&self) -> bool {
        self.0.is_some()
    }

    /// Notes the error of a field value, passing its value on.
    fn take<T>(&mut self, r: Result<Option<T>, RowError>) -> Option<T> {
        r.unwrap_or_else(|e| {
            self.note(e);
            None
        })
    }
}

fn duplicate(field: String, key: &[u8]) -> RowError {
    let written = String::from_utf8_lossy(key).into_owned();
    RowError::new(Reason::DuplicateField, field, format!("key {} appears more than once", json_string(&written)))
}

/// The token's text, and its text with quotes for strings (what messages show).
fn raw_of(s: &[u8], tok: Tok) -> (&[u8], &[u8]) {
    let raw = &s[tok.start..tok.end];
    match tok.kind {
        Kind::Str { .. } => (raw, &s[tok.start - 1..tok.end + 1]),
        _ => (raw, raw),
    }
}

fn bad_type(field: &str, expected: &str, raw_full: &[u8]) -> RowError {
    RowError::new(Reason::BadType, field, format!("expected {}, got {}", expected, display_value(raw_full)))
}

type Value<T> = PResult<Result<Option<T>, RowError>>;

/// An unsigned integer field (`output_length`) by the rules of §3.1.
fn uint_value(sc: &mut Scanner<'_>, field: &str) -> Value<u32> {
    let tok = sc.value_token()?;
    if tok.kind == Kind::Null {
        return Ok(Ok(None));
    }
    let (raw, raw_full) = raw_of(sc.s, tok);
    Ok(parse_uint(tok, raw, u64::from(u32::MAX), false).map(|v| Some(v as u32)).map_err(|e| e.into_row_error(field, raw_full)))
}

/// A time field (`timestamp`, `delay`) by the rules of §3.1.
fn time_value(sc: &mut Scanner<'_>, field: &str) -> Value<TimeValue> {
    let tok = sc.value_token()?;
    if tok.kind == Kind::Null {
        return Ok(Ok(None));
    }
    let (raw, raw_full) = raw_of(sc.s, tok);
    Ok(parse_time(tok, raw).map(Some).map_err(|e| e.into_row_error(field, raw_full)))
}

/// A string field: the span of its literal, quotes included.
fn string_value(sc: &mut Scanner<'_>, field: &str) -> Value<Range<usize>> {
    let tok = sc.value_token()?;
    match tok.kind {
        Kind::Null => Ok(Ok(None)),
        Kind::Str { .. } => Ok(Ok(Some(tok.start - 1..tok.end + 1))),
        _ => Ok(Err(bad_type(field, "a string", raw_of(sc.s, tok).1))),
    }
}

/// `texts`: a non-empty array of strings; the span of the array.
fn texts_value(sc: &mut Scanner<'_>, field: &str) -> Value<Range<usize>> {
    if sc.peek() != Some(b'[') {
        let tok = sc.value_token()?;
        if tok.kind == Kind::Null {
            return Ok(Ok(None));
        }
        return Ok(Err(bad_type(field, "a non-empty array of strings", raw_of(sc.s, tok).1)));
    }
    let start = sc.i;
    sc.i += 1;
    sc.skip_ws();
    if sc.peek() == Some(b']') {
        sc.i += 1;
        return Ok(Err(RowError::new(Reason::EmptyPayload, field, "must not be empty")));
    }
    let mut err = None;
    let mut k = 0usize;
    loop {
        sc.skip_ws();
        let tok = sc.value_token()?;
        if !matches!(tok.kind, Kind::Str { .. }) && err.is_none() {
            err = Some(bad_type(&format!("{field}[{k}]"), "a string", raw_of(sc.s, tok).1));
        }
        k += 1;
        if sc.container_ends(b']')? {
            break;
        }
    }
    Ok(err.map_or(Ok(Some(start..sc.i)), Err))
}

/// An object field (`extra`): the span of the object.
fn object_value(sc: &mut Scanner<'_>, field: &str) -> Value<Range<usize>> {
    let tok = sc.value_token()?;
    match tok.kind {
        Kind::Null => Ok(Ok(None)),
        Kind::Object => Ok(Ok(Some(tok.start..tok.end))),
        _ => Ok(Err(bad_type(field, "an object", raw_of(sc.s, tok).1))),
    }
}

/// `session_id` (a string or an integer, as in Mooncake rows) into `out.session_buf`.
fn session_value(sc: &mut Scanner<'_>, out: &mut ParsedRow) -> PResult<Result<(), RowError>> {
    let tok = sc.value_token()?;
    if tok.kind == Kind::Null {
        return Ok(Ok(()));
    }
    let (raw, raw_full) = raw_of(sc.s, tok);
    Ok(match session_id_text(tok, raw) {
        Some(id) => {
            out.session_buf = id;
            out.set_session_owned();
            Ok(())
        }
        None => Err(bad_type("session_id", "a string or an integer", raw_full)),
    })
}

/// `text` and `texts` of a row or turn: exactly one of them.
fn text_or_texts(text: Option<Range<usize>>, texts: Option<Range<usize>>, field: &str, what: &str) -> Result<Range<usize>, RowError> {
    match (text, texts) {
        (Some(t), None) | (None, Some(t)) => Ok(t),
        (Some(_), Some(_)) => Err(RowError::new(Reason::ConflictingInputs, field, "text and texts are mutually exclusive")),
        (None, None) => Err(RowError::new(Reason::MissingInput, field, format!("missing (a {what} needs one of text, texts)"))),
    }
}

const SINGLE_KEYS: [&str; 7] = ["text", "texts", "output_length", "timestamp", "delay", "extra", "session_id"];

/// A `single_turn` row: one turn.
pub(crate) fn read_single_turn(line: &[u8], out: &mut ParsedRow) -> Result<(), RowError> {
    scan_line(line, |sc| {
        sc.open_row_object()?;
        let mut err = FirstError::default();
        let mut seen = SeenKeys::default();
        let (mut text, mut texts) = (None, None);
        let mut turn = TurnData { kind: TurnKind::Text, ..TurnData::default() };
        members(sc, |sc, key| {
            let known = SINGLE_KEYS.iter().position(|k| k.as_bytes() == key);
            if seen.repeated(known, key) {
                err.note(duplicate(String::from_utf8_lossy(key).into_owned(), key));
            }
            let Some(k) = known.filter(|_| !err.is_set()) else {
                return sc.skip_value(0);
            };
            let name = SINGLE_KEYS[k];
            match k {
                0 => text = err.take(string_value(sc, name)?),
                1 => texts = err.take(texts_value(sc, name)?),
                2 => turn.output_length = err.take(uint_value(sc, name)?),
                3 => turn.timestamp = err.take(time_value(sc, name)?),
                4 => turn.delay = err.take(time_value(sc, name)?),
                5 => turn.extra = err.take(object_value(sc, name)?),
                _ => {
                    if let Err(e) = session_value(sc, out)? {
                        err.note(e);
                    }
                }
            }
            Ok(())
        })?;
        sc.close_row()?;
        if let Some(e) = err.0 {
            return Err(Fail::Row(e));
        }
        turn.primary = Some(text_or_texts(text, texts, "row", "row").map_err(Fail::Row)?);
        out.turns.push(turn);
        Ok(())
    })
}

const TURN_KEYS: [&str; 6] = ["text", "texts", "output_length", "timestamp", "delay", "role"];

/// One element of `turns` (its `{` consumed); pushes the turn, or sets the system message.
fn read_turn(sc: &mut Scanner<'_>, k: usize, err: &mut FirstError, out: &mut ParsedRow) -> PResult<()> {
    let prefix = format!("turns[{k}]");
    let mut seen = SeenKeys::default();
    let (mut text, mut texts, mut role) = (None, None, None);
    let mut turn = TurnData { kind: TurnKind::Text, index: k as u32, ..TurnData::default() };
    members(sc, |sc, key| {
        let known = TURN_KEYS.iter().position(|t| t.as_bytes() == key);
        if seen.repeated(known, key) {
            err.note(duplicate(format!("{prefix}.{}", String::from_utf8_lossy(key)), key));
        }
        let Some(i) = known.filter(|_| !err.is_set()) else {
            return sc.skip_value(0);
        };
        let name = format!("{prefix}.{}", TURN_KEYS[i]);
        match i {
            0 => text = err.take(string_value(sc, &name)?),
            1 => texts = err.take(texts_value(sc, &name)?),
            2 => turn.output_length = err.take(uint_value(sc, &name)?),
            3 => turn.timestamp = err.take(time_value(sc, &name)?),
            4 => turn.delay = err.take(time_value(sc, &name)?),
            _ => role = err.take(string_value(sc, &name)?),
        }
        Ok(())
    })?;
    if err.is_set() {
        return Ok(());
    }
    let primary = match text_or_texts(text, texts, &prefix, "turn") {
        Ok(p) => p,
        Err(e) => {
            err.note(e);
            return Ok(());
        }
    };
    let role_text = role.clone().map(|r| {
        let s = sc.s;
        decode_string(&s[r.start + 1..r.end - 1], true).unwrap_or_default()
    });
    match role_text.as_deref() {
        None | Some("user") => {
            turn.primary = Some(primary);
            out.turns.push(turn);
        }
        Some("system") if k == 0 => out.system = Some(primary),
        Some(_) => {
            let shown = &sc.s[role.expect("a role").clone()];
            err.note(bad_type(&format!("{prefix}.role"), "\"user\" (or \"system\" on the first turn)", shown));
        }
    }
    Ok(())
}

/// A `multi_turn` row: its turns in order, and the system message of a leading system turn.
pub(crate) fn read_multi_turn(line: &[u8], out: &mut ParsedRow) -> Result<(), RowError> {
    out.multi_turn = true;
    scan_line(line, |sc| {
        sc.open_row_object()?;
        let mut err = FirstError::default();
        let mut seen = SeenKeys::default();
        let mut has_turns = false;
        members(sc, |sc, key| {
            let known = match key {
                b"session_id" => Some(0),
                b"turns" => Some(1),
                _ => None,
            };
            if seen.repeated(known, key) {
                err.note(duplicate(String::from_utf8_lossy(key).into_owned(), key));
            }
            match known.filter(|_| !err.is_set()) {
                None => sc.skip_value(0),
                Some(0) => {
                    if let Err(e) = session_value(sc, out)? {
                        err.note(e);
                    }
                    Ok(())
                }
                Some(_) if sc.peek() == Some(b'[') => {
                    has_turns = true;
                    sc.i += 1;
                    sc.skip_ws();
                    if sc.peek() == Some(b']') {
                        sc.i += 1;
                        err.note(RowError::new(Reason::EmptyPayload, "turns", "must not be empty"));
                        return Ok(());
                    }
                    let mut k = 0usize;
                    loop {
                        sc.skip_ws();
                        if sc.peek() == Some(b'{') {
                            sc.i += 1;
                            read_turn(sc, k, &mut err, out)?;
                        } else {
                            let start = sc.i;
                            sc.skip_value(1)?;
                            err.note(bad_type(&format!("turns[{k}]"), "a turn object", &sc.s[start..sc.i]));
                        }
                        k += 1;
                        if sc.container_ends(b']')? {
                            return Ok(());
                        }
                    }
                }
                Some(_) => {
                    let tok = sc.value_token()?;
                    if tok.kind != Kind::Null {
                        has_turns = true;
                        err.note(bad_type("turns", "a non-empty array of turn objects", raw_of(sc.s, tok).1));
                    }
                    Ok(())
                }
            }
        })?;
        sc.close_row()?;
        if let Some(e) = err.0 {
            return Err(Fail::Row(e));
        }
        if !has_turns {
            return Err(Fail::Row(RowError::new(Reason::MissingInput, "row", "missing (a row needs turns)")));
        }
        if out.turns.is_empty() {
            return Err(Fail::Row(RowError::new(Reason::EmptyPayload, "turns", "must contain a turn besides the system message")));
        }
        Ok(())
    })
}

/// The prompt of a stored `text` literal or `texts` array (its strings joined with `"\n"`),
/// decoded. The span was validated when the row was read.
pub(crate) fn decode_text(raw: &[u8]) -> String {
    if raw.first() != Some(&b'[') {
        return if raw.len() >= 2 { decode_string(&raw[1..raw.len() - 1], true).unwrap_or_default() } else { String::new() };
    }
    let mut sc = Scanner { s: raw, i: 1 };
    let mut out = String::new();
    let mut first = true;
    loop {
        sc.skip_ws();
        let Ok((a, b, esc)) = sc.scan_string() else {
            return out;
        };
        if !first {
            out.push('\n');
        }
        first = false;
        out.push_str(&decode_string(&raw[a..b], esc).unwrap_or_default());
        sc.skip_ws();
        if sc.peek() != Some(b',') {
            return out;
        }
        sc.i += 1;
    }
}
