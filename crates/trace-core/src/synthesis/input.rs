//! The view of a parsed trace row that synthesis works on, and the adapter from the
//! core's row parser to it (typed fields plus the raw `(key, value)` spans that transform
//! mode writes back verbatim).

use std::borrow::Cow;

/// A `timestamp` or `delay` value: the nearest double and whether the value is
/// mathematically an integer (`docs/trace-format.md` §3.1), which picks the §3.3 scaling mode.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Time {
    pub value: f64,
    pub integral: bool,
}

/// Which canonical field a raw key is (aliases resolved), for in-place rewriting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Canon {
    Timestamp,
    Delay,
    InputLength,
    OutputLength,
    HashIds,
    /// Any other key: written back verbatim.
    Other,
}

/// One top-level `key: value` of the row's object, as written in the file.
#[derive(Debug, Clone, Copy)]
pub struct RawField<'a> {
    /// The key's JSON text including its quotes, exactly as written.
    pub key: &'a [u8],
    /// The value's JSON text as written (may contain insignificant whitespace).
    pub value: &'a [u8],
    pub canon: Canon,
}

/// A valid row as synthesis needs it. Null-valued fields are `None` (absent).
#[derive(Debug, Clone)]
pub struct SynthRow<'a> {
    /// 1-based physical line number.
    pub line: u64,
    pub timestamp: Option<Time>,
    pub delay: Option<Time>,
    pub input_length: Option<u64>,
    pub output_length: Option<u64>,
    /// Empty when absent, null or `[]`.
    pub hash_ids: Cow<'a, [u64]>,
    pub session_id: Option<Cow<'a, str>>,
    /// The line the row was parsed from (the spans of `raw_fields` index into it).
    pub text: &'a [u8],
    /// Every top-level field in file order (empty when the parser was not asked to keep
    /// them, e.g. in learning passes).
    pub raw_fields: &'a [crate::row::RawField],
}

impl<'a> SynthRow<'a> {
    /// The row's top-level fields as key/value text with their canonical meaning.
    pub fn fields(&self) -> impl Iterator<Item = RawField<'a>> + '_ {
        use crate::row::Field;
        let text = self.text;
        self.raw_fields.iter().map(move |f| RawField {
            key: &text[f.key_span.clone()],
            value: &text[f.value_span.clone()],
            canon: match f.field {
                Some(Field::Timestamp) => Canon::Timestamp,
                Some(Field::Delay) => Canon::Delay,
                Some(Field::InputLength) => Canon::InputLength,
                Some(Field::OutputLength) => Canon::OutputLength,
                Some(Field::HashIds) => Canon::HashIds,
                _ => Canon::Other,
            },
        })
    }
}
