//! Node-API adapter of `trace-core` (napi-rs v3).
//!
//! Every export decodes its JS arguments, calls one core function and encodes the result;
//! errors are mapped once, in [`error`]. The wasm-bindgen binding exposes the same JS names.
//! Chunks cross the boundary as `Uint8Array`s and results leave as one JSON string, so the
//! FFI is crossed once per chunk, never per row.

mod error;
mod synthesis;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use trace_core::{AnalysisReport, TraceError};

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

/// Decode JS options into the core's; a block size that is not a 32-bit integer is rejected
/// here because JS numbers would otherwise wrap silently when narrowed.
fn decode(options: Option<AnalyzerOptions>) -> std::result::Result<trace_core::AnalyzerOptions, TraceError> {
    let mut core = trace_core::AnalyzerOptions::default();
    let Some(o) = options else { return Ok(core) };
    if let Some(bs) = o.block_size {
        if !(bs.fract() == 0.0 && (0.0..=u32::MAX as f64).contains(&bs)) {
            return Err(TraceError::invalid_arg(format!("blockSize must be an integer between 1 and 4294967295, got {bs}")));
        }
        core.block_size = bs as u32;
    }
    if let Some(v) = o.skip_invalid {
        core.skip_invalid = v;
    }
    if let Some(v) = o.source_name {
        core.source_name = v;
    }
    if let Some(v) = o.check_materialisation {
        core.check_materialisation = v;
    }
    Ok(core)
}

/// Analyse a whole in-memory trace; returns the exact `analysis.json` text.
#[napi]
pub fn analyze_trace(env: Env, bytes: Uint8Array, options: Option<AnalyzerOptions>) -> Result<String> {
    let opts = error::map(&env, decode(options))?;
    let report = error::map(&env, trace_core::analyze_trace(&bytes, opts))?;
    Ok(report.to_json())
}

/// Streaming analyzer: `push` chunks split anywhere, then `finishJson` once.
#[napi]
pub struct TraceAnalyzer {
    inner: trace_core::TraceAnalyzer,
    report: Option<AnalysisReport>,
}

#[napi]
impl TraceAnalyzer {
    /// Create an analyzer; throws `INVALID_ARG` for bad options.
    #[napi(constructor)]
    pub fn new(env: Env, options: Option<AnalyzerOptions>) -> Result<Self> {
        let opts = error::map(&env, decode(options))?;
        let inner = error::map(&env, trace_core::TraceAnalyzer::new(opts))?;
        Ok(TraceAnalyzer { inner, report: None })
    }

    /// Feed the next chunk. Strict mode throws `INVALID_ROW` on the first invalid row.
    #[napi]
    pub fn push(&mut self, env: Env, chunk: Uint8Array) -> Result<()> {
        error::map(&env, self.inner.push(&chunk))
    }

    /// Process the final line and return the exact `analysis.json` text (no trailing newline).
    #[napi]
    pub fn finish_json(&mut self, env: Env) -> Result<String> {
        let report = error::map(&env, self.inner.finish())?;
        let json = report.to_json();
        self.report = Some(report);
        Ok(json)
    }

    /// The lenient-mode skip summary as JSON; throws `ANALYZER_STATE` before `finishJson`.
    #[napi]
    pub fn skipped_json(&self, env: Env) -> Result<String> {
        error::map(&env, self.finished().map(|r| r.skipped().to_json()))
    }

    /// The `warning: skipped N invalid rows in PATH (…)` line, or null if nothing was skipped.
    #[napi]
    pub fn skipped_warning(&self, env: Env, path: String) -> Result<Option<String>> {
        error::map(&env, self.finished().map(|r| r.skipped().warning_line(&path)))
    }

    /// The `warning: N rows have hash_ids inconsistent with input_length …` line, or null.
    #[napi]
    pub fn inconsistent_warning(&self, env: Env) -> Result<Option<String>> {
        error::map(&env, self.finished().map(|r| r.inconsistent_warning_line()))
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

impl TraceAnalyzer {
    fn finished(&self) -> std::result::Result<&AnalysisReport, TraceError> {
        self.report.as_ref().ok_or_else(|| TraceError::analyzer_state("warnings and the skip summary are available after finishJson"))
    }
}
