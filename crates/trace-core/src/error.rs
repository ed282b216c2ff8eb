//! The one error type of the core, with stable codes.
//!
//! Bindings map [`TraceError`] once per boundary (napi, wasm) using [`ErrorCode::as_str`]
//! as the JS `err.code`; callers match on codes and reasons, never on messages.

use std::fmt;

use crate::json_text::write_json_string;

/// Stable error code (reaches JS as `err.code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// A trace row is invalid (strict mode), see [`Reason`].
    InvalidRow,
    /// A caller passed a bad argument (e.g. block size 0).
    InvalidArg,
    /// The streaming analyzer was used after `finish` or after an error.
    AnalyzerState,
    /// The whole-file materialisation size check failed (`docs/trace-format.md` §7.1).
    SizeConflict,
    /// The output would exceed a bound of `docs/synthesis.md` §7 (a row longer than the
    /// readers accept, or more output than a run may write); exit code 2. Found before
    /// anything that large is allocated.
    OutputLimit,
    /// A bug or an impossible value (e.g. a ratio outside [0, 1]); exit code 1.
    Internal,
}

impl ErrorCode {
    /// The stable text of the code: `"INVALID_ROW"`, `"INVALID_ARG"`, `"ANALYZER_STATE"`,
    /// `"SIZE_CONFLICT"`, `"OUTPUT_LIMIT"`, `"INTERNAL"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ErrorCode::InvalidRow => "INVALID_ROW",
            ErrorCode::InvalidArg => "INVALID_ARG",
            ErrorCode::AnalyzerState => "ANALYZER_STATE",
            ErrorCode::SizeConflict => "SIZE_CONFLICT",
            ErrorCode::OutputLimit => "OUTPUT_LIMIT",
            ErrorCode::Internal => "INTERNAL",
        }
    }
}

/// Why a row is invalid (`docs/trace-format.md` §4.3). The order of [`Reason::ALL`] is the
/// table order, which breaks ties in skip summaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    InvalidJson,
    NotAnObject,
    InvalidUtf8,
    LineTooLong,
    DuplicateField,
    MissingInput,
    ConflictingInputs,
    HashIdsWithoutInputLength,
    ToolsWithoutMessages,
    EmptyPayload,
    BadType,
    OutOfRange,
    MissingField,
    InconsistentLayout,
}

impl Reason {
    /// All reasons in the §4.3 table order.
    pub const ALL: [Reason; 14] = [
        Reason::InvalidJson,
        Reason::NotAnObject,
        Reason::InvalidUtf8,
        Reason::LineTooLong,
        Reason::DuplicateField,
        Reason::MissingInput,
        Reason::ConflictingInputs,
        Reason::HashIdsWithoutInputLength,
        Reason::ToolsWithoutMessages,
        Reason::EmptyPayload,
        Reason::BadType,
        Reason::OutOfRange,
        Reason::MissingField,
        Reason::InconsistentLayout,
    ];

    /// The stable snake_case code, e.g. `"invalid_json"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Reason::InvalidJson => "invalid_json",
            Reason::NotAnObject => "not_an_object",
            Reason::InvalidUtf8 => "invalid_utf8",
            Reason::LineTooLong => "line_too_long",
            Reason::DuplicateField => "duplicate_field",
            Reason::MissingInput => "missing_input",
            Reason::ConflictingInputs => "conflicting_inputs",
            Reason::HashIdsWithoutInputLength => "hash_ids_without_input_length",
            Reason::ToolsWithoutMessages => "tools_without_messages",
            Reason::EmptyPayload => "empty_payload",
            Reason::BadType => "bad_type",
            Reason::OutOfRange => "out_of_range",
            Reason::MissingField => "missing_field",
            Reason::InconsistentLayout => "inconsistent_layout",
        }
    }

    /// Position in [`Reason::ALL`] (the §4.3 table order).
    pub fn index(&self) -> usize {
        *self as usize
    }

    /// Parses the snake_case code back (for bindings and tests).
    pub fn from_str_code(s: &str) -> Option<Reason> {
        Reason::ALL.iter().copied().find(|r| r.as_str() == s)
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The structured error returned by every fallible core function.
///
/// For [`ErrorCode::InvalidRow`] and [`ErrorCode::SizeConflict`], `message` is exactly the
/// `docs/trace-format.md` §4.1 line without the `error: ` prefix, e.g.
/// `t.jsonl:3: input_length: expected a non-negative integer, got "abc"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceError {
    pub code: ErrorCode,
    pub reason: Option<Reason>,
    pub file: Option<String>,
    pub line: Option<u64>,
    pub field: Option<String>,
    pub message: String,
}

impl TraceError {
    /// An error without file position (argument, state and internal errors).
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        TraceError { code, reason: None, file: None, line: None, field: None, message: message.into() }
    }

    /// `INVALID_ARG` with the given message.
    pub fn invalid_arg(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidArg, message)
    }

    /// `ANALYZER_STATE` with the given message.
    pub fn analyzer_state(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::AnalyzerState, message)
    }

    /// `OUTPUT_LIMIT` with the given message (`docs/synthesis.md` §7).
    pub fn output_limit(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::OutputLimit, message)
    }

    /// `INTERNAL` with the given message.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, message)
    }

    /// `INVALID_ROW` for a row error at `file:line`, message `FILE:LINE: FIELD: TEXT`.
    pub fn invalid_row(file: &str, line: u64, err: &crate::row::RowError) -> Self {
        TraceError {
            code: ErrorCode::InvalidRow,
            reason: Some(err.reason),
            file: Some(file.to_string()),
            line: Some(line),
            field: Some(err.field.clone()),
            message: format!("{}:{}: {}: {}", file, line, err.field, err.text),
        }
    }

    /// The error as one compact JSON object:
    /// `{"code":…,"reason":…|null,"file":…|null,"line":…|null,"field":…|null,"message":…}`.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(64 + self.message.len());
        out.push_str("{\"code\":");
        write_json_string(&mut out, self.code.as_str());
        out.push_str(",\"reason\":");
        match self.reason {
            Some(r) => write_json_string(&mut out, r.as_str()),
            None => out.push_str("null"),
        }
        out.push_str(",\"file\":");
        match &self.file {
            Some(f) => write_json_string(&mut out, f),
            None => out.push_str("null"),
        }
        out.push_str(",\"line\":");
        match self.line {
            Some(l) => out.push_str(&l.to_string()),
            None => out.push_str("null"),
        }
        out.push_str(",\"field\":");
        match &self.field {
            Some(f) => write_json_string(&mut out, f),
            None => out.push_str("null"),
        }
        out.push_str(",\"message\":");
        write_json_string(&mut out, &self.message);
        out.push('}');
        out
    }
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TraceError {}
