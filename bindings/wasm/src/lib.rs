//! WebAssembly adapter of `trace-core` (wasm-bindgen), used by Node as the fallback backend
//! and by the browser app.
//!
//! Same JS names as the napi binding. Every export decodes its JS arguments, calls one core
//! function and encodes the result; errors are mapped once, in [`error`]. Chunks are copied
//! into linear memory once per `push`, and results leave as one JSON string.

mod error;
mod replay;
mod synthesis;

use trace_core::{AnalyzerOptions as CoreOptions, AnalyzerOptionsInput};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_OPTIONS: &'static str = r#"
/** Options of `TraceAnalyzer` and `analyzeTrace`. */
export interface AnalyzerOptions {
  /** Tokens per hash block, an integer in [1, 4294967295] (default 512). */
  blockSize?: number;
  /** Lenient mode: count and skip invalid rows instead of throwing (default false). */
  skipInvalid?: boolean;
  /** Name used as FILE in errors and warnings, usually the path as given by the user. */
  sourceName?: string;
  /** Also run the whole-file materialisation size-conflict check (default false). */
  checkMaterialisation?: boolean;
}
"#;

#[wasm_bindgen]
extern "C" {
    /// A plain JS options object (see the `AnalyzerOptions` interface).
    #[wasm_bindgen(typescript_type = "AnalyzerOptions")]
    pub type AnalyzerOptions;

    #[wasm_bindgen(method, getter, js_name = blockSize)]
    fn block_size(this: &AnalyzerOptions) -> Option<f64>;
    #[wasm_bindgen(method, getter, js_name = skipInvalid)]
    fn skip_invalid(this: &AnalyzerOptions) -> Option<bool>;
    #[wasm_bindgen(method, getter, js_name = sourceName)]
    fn source_name(this: &AnalyzerOptions) -> Option<String>;
    #[wasm_bindgen(method, getter, js_name = checkMaterialisation)]
    fn check_materialisation(this: &AnalyzerOptions) -> Option<bool>;
}

/// The JS options as the core's input; the core checks them.
fn decode(options: Option<AnalyzerOptions>) -> AnalyzerOptionsInput {
    options
        .map(|o| AnalyzerOptionsInput {
            block_size: o.block_size(),
            skip_invalid: o.skip_invalid(),
            source_name: o.source_name(),
            check_materialisation: o.check_materialisation(),
        })
        .unwrap_or_default()
}

/// Analyse a whole in-memory trace; returns the exact `analysis.json` text.
#[wasm_bindgen(js_name = analyzeTrace)]
pub fn analyze_trace(bytes: &[u8], options: Option<AnalyzerOptions>) -> Result<String, JsValue> {
    error::map(CoreOptions::from_input(decode(options)).and_then(|o| trace_core::analyze_trace(bytes, o)).map(|r| r.to_json()))
}

/// Streaming analyzer: `push` chunks split anywhere, then `finishJson` once.
#[wasm_bindgen]
pub struct TraceAnalyzer {
    inner: trace_core::TraceAnalyzer,
}

#[wasm_bindgen]
impl TraceAnalyzer {
    /// Create an analyzer; throws `INVALID_ARG` for bad options.
    #[wasm_bindgen(constructor)]
    pub fn new(options: Option<AnalyzerOptions>) -> Result<TraceAnalyzer, JsValue> {
        let inner = error::map(CoreOptions::from_input(decode(options)).and_then(trace_core::TraceAnalyzer::new))?;
        Ok(TraceAnalyzer { inner })
    }

    /// Feed the next chunk. Strict mode throws `INVALID_ROW` on the first invalid row.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), JsValue> {
        error::map(self.inner.push(chunk))
    }

    /// Process the final line and return the exact `analysis.json` text (no trailing newline).
    #[wasm_bindgen(js_name = finishJson)]
    pub fn finish_json(&mut self) -> Result<String, JsValue> {
        error::map(self.inner.finish_json())
    }

    /// The lenient-mode skip summary as JSON `{"total","reasons":[{"reason","count","lines"}]}`;
    /// throws `ANALYZER_STATE` before `finishJson`.
    #[wasm_bindgen(js_name = skippedJson)]
    pub fn skipped_json(&self) -> Result<String, JsValue> {
        error::map(self.inner.report().map(|r| r.skipped().to_json()))
    }

    /// The `warning: skipped N invalid rows in PATH (…)` line, or null if nothing was skipped.
    #[wasm_bindgen(js_name = skippedWarning)]
    pub fn skipped_warning(&self, path: &str) -> Result<Option<String>, JsValue> {
        error::map(self.inner.report().map(|r| r.skipped().warning_line(path)))
    }

    /// The `warning: N rows have hash_ids inconsistent with input_length …` line, or null.
    #[wasm_bindgen(js_name = inconsistentWarning)]
    pub fn inconsistent_warning(&self) -> Result<Option<String>, JsValue> {
        error::map(self.inner.report().map(|r| r.inconsistent_warning_line()))
    }

    /// Bytes accepted by `push` so far.
    #[wasm_bindgen(getter = bytesConsumed)]
    pub fn bytes_consumed(&self) -> f64 {
        self.inner.bytes_consumed() as f64
    }

    /// Rows parsed so far.
    #[wasm_bindgen(getter = rowsParsed)]
    pub fn rows_parsed(&self) -> f64 {
        self.inner.rows_parsed() as f64
    }
}
