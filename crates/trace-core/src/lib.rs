//! infermark's trace core: Mooncake trace parsing, analysis and statistics, in pure Rust.
//!
//! The core knows nothing of JavaScript or I/O: it takes bytes and returns plain Rust
//! values or a [`TraceError`] with a stable code. Bindings (napi, wasm) are thin adapters.
//!
//! * [`lines`]: chunked JSONL line splitting (BOM, CRLF, blank lines, 64 MiB limit).
//! * [`row`]: one row → typed fields, with the exact validation rules and messages.
//! * [`analysis`]: the streaming `analyze-trace` statistics ([`TraceAnalyzer`]).
//! * [`stats`], [`float_format`]: NumPy-exact statistics and the AIPerf float format.

pub mod decimal;
pub mod analysis;
pub mod error;
pub mod float_format;
mod id_table;
pub mod layout;
pub mod hash_prompts;
pub mod json_text;
pub mod lines;
pub mod rng;
pub mod row;
pub mod stats;
pub mod synthesis;

pub use analysis::{
    analyze_trace, AnalysisReport, AnalyzerOptions, Duration, InconsistentRow, SkipReasonCount, SkipSummary, TraceAnalyzer,
};
pub use error::{ErrorCode, Reason, TraceError};
pub use layout::LayoutKind;
pub use stats::MetricStats;
