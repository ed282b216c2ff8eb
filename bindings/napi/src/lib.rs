//! Node-API adapter of `trace-core` (napi-rs v3).
//!
//! Every export decodes its JS arguments, calls one core function and encodes the result;
//! errors are mapped once, in [`error`]. The wasm-bindgen binding exposes the same JS names.
//! Chunks cross the boundary as `Uint8Array`s and results leave as one JSON string, so the
//! FFI is crossed once per chunk, never per row.

mod error;
// Public so that its free functions count as used in the test build too: napi-derive leaves
// out the export registration under `cfg(test)`, and clippy's `--all-targets` builds that.
pub mod replay;
pub mod synthesis;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use trace_core::{AnalyzerOptions as CoreOptions, AnalyzerOptionsInput};

/// Options of `TraceAnalyzer` and `analyzeTrace`.
#[napi(object)]
pub struct AnalyzerOptions {
    /// Tokens per hash block, an integer in [1, 4294967295] (default 512).
    pub block_size: Option<f64>,
    /// Lenient mode: count and skip invalid rows instead of throwing (default false).
    pub skip_invalid: Option<bool>,
    /// Name used as FILE in errors and warnings, usually the path as given by the user.
    pub source_name: Option<String>,
    /// Also run the whole-file materialisation size-conflict check (default false).
    pub check_materialisation: Option<bool>,
}

/// The JS options as the core's input; the core checks them.
fn decode(options: Option<AnalyzerOptions>) -> AnalyzerOptionsInput {
    options
        .map(|o| AnalyzerOptionsInput {
            block_size: o.block_size,
            skip_invalid: o.skip_invalid,
            source_name: o.source_name,
            check_materialisation: o.check_materialisation,
        })
        .unwrap_or_default()
}

/// Analyse a whole in-memory trace; returns the exact `analysis.json` text.
#[napi]
pub fn analyze_trace(env: Env, bytes: Uint8Array, options: Option<AnalyzerOptions>) -> Result<String> {
    error::map(&env, CoreOptions::from_input(decode(options)).and_then(|o| trace_core::analyze_trace(&bytes, o)).map(|r| r.to_json()))
}

/// Streaming analyzer: `push` chunks split anywhere, then `finishJson` once.
#[napi]
pub struct TraceAnalyzer {
    inner: trace_core::TraceAnalyzer,
}

#[napi]
impl TraceAnalyzer {
    /// Create an analyzer; throws `INVALID_ARG` for bad options.
    #[napi(constructor)]
    pub fn new(env: Env, options: Option<AnalyzerOptions>) -> Result<Self> {
        let inner = error::map(&env, CoreOptions::from_input(decode(options)).and_then(trace_core::TraceAnalyzer::new))?;
        Ok(TraceAnalyzer { inner })
    }

    /// Feed the next chunk. Strict mode throws `INVALID_ROW` on the first invalid row.
    #[napi]
    pub fn push(&mut self, env: Env, chunk: Uint8Array) -> Result<()> {
        error::map(&env, self.inner.push(&chunk))
    }

    /// Process the final line and return the exact `analysis.json` text (no trailing newline).
    #[napi]
    pub fn finish_json(&mut self, env: Env) -> Result<String> {
        error::map(&env, self.inner.finish_json())
    }

    /// The lenient-mode skip summary as JSON `{"total","reasons":[{"reason","count","lines"}]}`;
    /// throws `ANALYZER_STATE` before `finishJson`.
    #[napi]
    pub fn skipped_json(&self, env: Env) -> Result<String> {
        error::map(&env, self.inner.report().map(|r| r.skipped().to_json()))
    }

    /// The `warning: skipped N invalid rows in PATH (…)` line, or null if nothing was skipped.
    #[napi]
    pub fn skipped_warning(&self, env: Env, path: String) -> Result<Option<String>> {
        error::map(&env, self.inner.report().map(|r| r.skipped().warning_line(&path)))
    }

    /// The `warning: N rows have hash_ids inconsistent with input_length …` line, or null.
    #[napi]
    pub fn inconsistent_warning(&self, env: Env) -> Result<Option<String>> {
        error::map(&env, self.inner.report().map(|r| r.inconsistent_warning_line()))
    }

    /// Bytes accepted by `push` so far.
    #[napi(getter)]
    pub fn bytes_consumed(&self) -> f64 {
        self.inner.bytes_consumed() as f64
    }

    /// Rows parsed so far.
    #[napi(getter)]
    pub fn rows_parsed(&self) -> f64 {
        self.inner.rows_parsed() as f64
    }
}
