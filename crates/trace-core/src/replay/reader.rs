//! One line of a replay file → its turns, for the three dataset types of `docs/cli.md` §3.3,
//! and the type inference from the first valid row.
//!
//! Mooncake rows go through [`crate::row`] unchanged (its fast path for the common shape, else
//! the full parser: every rule and message of `docs/trace-format.md` §3–4). `single_turn` and
//! `multi_turn` rows are scanned by [`super::text_rows`] with the same scanner. Nothing is
//! decoded or copied here: the result is spans into the line plus the numbers, in buffers
//! reused from row to row.

use std::ops::Range;

use crate::row::{parse_common_row, parse_row_into, scan_line, Field, InputMode, ParseOptions, Row, RowError, TimeValue};

use super::options::DatasetType;
use super::text_rows;

/// What a turn sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum TurnKind {
    /// A Mooncake row with `input_length`: materialised from its hash ids (`docs/synthesis.md` §6).
    #[default]
    Tokens = 0,
    /// A Mooncake `text_input` row, sent verbatim.
    TextInput = 1,
    /// A Mooncake `messages` row, sent verbatim.
    Messages = 2,
    /// A Mooncake `payload` row, sent verbatim.
    Payload = 3,
    /// A `single_turn` or `multi_turn` turn: `text` or `texts`, sent verbatim.
    Text = 4,
}

impl TurnKind {
    pub(crate) fn from_bits(bits: u64) -> TurnKind {
        match bits {
            0 => TurnKind::Tokens,
            1 => TurnKind::TextInput,
            2 => TurnKind::Messages,
            3 => TurnKind::Payload,
            _ => TurnKind::Text,
        }
    }
}

/// One turn of a parsed row: numbers, and spans into the line for what is sent verbatim.
#[derive(Debug, Clone, Default)]
pub(crate) struct TurnData {
    pub kind: TurnKind,
    pub timestamp: Option<TimeValue>,
    pub delay: Option<TimeValue>,
    pub input_length: Option<u32>,
    pub output_length: Option<u32>,
    /// The turn's hash ids: a range of [`ParsedRow::ids`].
    pub ids: Range<usize>,
    /// The raw JSON of the sent content: the `text_input` or `text` string literal, the
    /// `texts` array, the `messages` array or the `payload` object.
    pub primary: Option<Range<usize>>,
    pub tools: Option<Range<usize>>,
    pub extra: Option<Range<usize>>,
    /// Position in the row's `turns` array (`multi_turn`; FIELD names), else 0.
    pub index: u32,
}

/// Where a row's session key is.
#[derive(Debug, Clone, Default)]
enum SessionKey {
    #[default]
    None,
    /// A span of the line that is the key as it is (no escapes).
    Span(Range<usize>),
    /// Decoded into [`ParsedRow::session_buf`].
    Owned,
}

/// A valid row: its turns (one, except in `multi_turn` files), its session key and, for
/// `multi_turn`, the text of a leading system turn. Reused from row to row.
#[derive(Default)]
pub(crate) struct ParsedRow {
    pub turns: Vec<TurnData>,
    pub ids: Vec<u64>,
    /// The raw JSON (`text` literal or `texts` array) of a leading `role: "system"` turn.
    pub system: Option<Range<usize>>,
    /// A `multi_turn` row (its turns' FIELD names are `turns[K].…`).
    pub multi_turn: bool,
    session: SessionKey,
    pub(super) session_buf: String,
    /// The full parser's row (slow path of Mooncake rows).
    row: Row,
}

impl ParsedRow {
    pub(super) fn clear(&mut self) {
        self.turns.clear();
        self.ids.clear();
        self.system = None;
        self.multi_turn = false;
        self.session = SessionKey::None;
    }

    /// The session key (decoded `session_id`), if the row has one.
    pub(crate) fn session<'a>(&'a self, line: &'a [u8]) -> Option<&'a [u8]> {
        match &self.session {
            SessionKey::None => None,
            SessionKey::Span(r) => Some(&line[r.clone()]),
            SessionKey::Owned => Some(self.session_buf.as_bytes()),
        }
    }

    pub(super) fn set_session_span(&mut self, span: Range<usize>) {
        self.session = SessionKey::Span(span);
    }

    /// The key is in `session_buf`.
    pub(super) fn set_session_owned(&mut self) {
        self.session = SessionKey::Owned;
    }
}

/// The dataset type a row asks for (`docs/cli.md` §3.3): `turns` → `multi_turn`, `text` or
/// `texts` → `single_turn`, anything else (including a line that is not a JSON object) →
/// `mooncake_trace`. `null` values count as absent.
pub(crate) fn infer_type(line: &[u8]) -> DatasetType {
    scan_line(line, |sc| {
        sc.open_row_object()?;
        let mut ty = DatasetType::MooncakeTrace;
        text_rows::members(sc, |sc, key| {
            let present = sc.peek() != Some(b'n');
            match key {
                b"turns" if present => ty = DatasetType::MultiTurn,
                b"text" | b"texts" if present && ty == DatasetType::MooncakeTrace => ty = DatasetType::SingleTurn,
                _ => {}
            }
            sc.skip_value(0)
        })?;
        Ok(ty)
    })
    .unwrap_or(DatasetType::MooncakeTrace)
}

/// Parses and validates one non-blank line as a row of type `ty` into `out`.
pub(crate) fn read_row(ty: DatasetType, line: &[u8], out: &mut ParsedRow) -> Result<(), RowError> {
    out.clear();
    match ty {
        DatasetType::MooncakeTrace => read_mooncake(line, out),
        DatasetType::SingleTurn => text_rows::read_single_turn(line, out),
        DatasetType::MultiTurn => text_rows::read_multi_turn(line, out),
    }
}

fn read_mooncake(line: &[u8], out: &mut ParsedRow) -> Result<(), RowError> {
    // Most rows have the plain Mooncake shape: take them without the full parser (the same
    // values, see `row::parse_common_row`).
    if let Some(c) = parse_common_row(line, &mut out.ids) {
        if let Some(span) = c.session_id {
            // printable ASCII without escapes: the bytes are the key
            out.set_session_span(span);
        }
        out.turns.push(TurnData {
            kind: TurnKind::Tokens,
            timestamp: Some(TimeValue { value: c.timestamp as f64, integral: true }),
            input_length: Some(c.input_length),
            output_length: Some(c.output_length),
            ids: 0..out.ids.len(),
            ..TurnData::default()
        });
        return Ok(());
    }
    // keep_fields: the raw `text_input` literal is kept verbatim (the row decodes it)
    parse_row_into(line, &ParseOptions { keep_fields: true }, &mut out.row)?;
    let r = &mut out.row;
    let (kind, primary) = match r.input_mode {
        InputMode::Tokens => (TurnKind::Tokens, None),
        InputMode::Text => {
            let span = r.fields.iter().rev().find(|f| f.field == Some(Field::TextInput)).map(|f| f.value_span.clone());
            (TurnKind::TextInput, span)
        }
        InputMode::Messages => (TurnKind::Messages, r.messages.clone()),
        InputMode::Payload => (TurnKind::Payload, r.payload.clone()),
    };
    out.ids.extend_from_slice(&r.hash_ids);
    if let Some(s) = r.session_id.take() {
        out.session_buf = s;
        out.set_session_owned();
    }
    let r = &out.row;
    out.turns.push(TurnData {
        kind,
        timestamp: r.timestamp,
        delay: r.delay,
        input_length: r.input_length,
        output_length: r.output_length,
        ids: 0..out.ids.len(),
        primary,
        tools: r.tools.clone(),
        extra: r.extra.clone(),
        index: 0,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infers_the_type_from_the_keys() {
        let t = |s: &str| infer_type(s.as_bytes());
        assert_eq!(t(r#"{"turns": [{"text": "a"}], "text": "b"}"#), DatasetType::MultiTurn);
        assert_eq!(t(r#"{"texts": ["a"]}"#), DatasetType::SingleTurn);
        assert_eq!(t(r#"{"text": null, "input_length": 3}"#), DatasetType::MooncakeTrace);
        assert_eq!(t(r#"{"text_input": "a"}"#), DatasetType::MooncakeTrace);
        assert_eq!(t("[1]"), DatasetType::MooncakeTrace);
        assert_eq!(t("{"), DatasetType::MooncakeTrace);
    }

    #[test]
    fn mooncake_rows_keep_their_verbatim_spans_and_session_keys() {
        let mut p = ParsedRow::default();
        let line = br#"{"text_input": "h\u00e9", "session_id": "a\u0041", "extra": {"k": 1}}"#;
        read_row(DatasetType::MooncakeTrace, line, &mut p).unwrap();
        let t = &p.turns[0];
        assert_eq!((t.kind, t.input_length), (TurnKind::TextInput, None));
        assert_eq!(&line[t.primary.clone().unwrap()], br#""h\u00e9""#);
        assert_eq!(&line[t.extra.clone().unwrap()], br#"{"k": 1}"#);
        assert_eq!(p.session(line), Some(&b"aA"[..]));
        let fast = br#"{"timestamp": 5, "input_length": 3, "output_length": 1, "hash_ids": [7, 8], "session_id": "s1"}"#;
        read_row(DatasetType::MooncakeTrace, fast, &mut p).unwrap();
        assert_eq!((p.ids.clone(), p.session(fast)), (vec![7, 8], Some(&b"s1"[..])));
        assert_eq!(p.turns.len(), 1);
    }
}
