//! infermark's trace core: Mooncake trace parsing, analysis, synthesis and statistics, in
//! pure Rust.
//!
//! The core knows nothing of JavaScript or I/O: it takes bytes and returns plain Rust
//! values or a [`TraceError`] with a stable code. Bindings (napi, wasm) are thin adapters.
//!
//! * [`lines`]: chunked JSONL line splitting (BOM, CRLF, blank lines, 64 MiB limit).
//! * [`row`]: one row → typed fields, with the exact validation rules and messages.
//! * [`skips`]: the lenient-mode skip summary and its one warning line, for every command.
//! * [`layout`]: block-layout consistency of a row's hash ids.
//! * [`size_conflicts`]: the whole-file materialisation size-conflict rule.
//! * [`analysis`]: the streaming `analyze-trace` statistics ([`TraceAnalyzer`]).
//! * [`stats`], [`float_format`], [`json_text`]: NumPy-exact statistics, the AIPerf float
//!   format and JSON text output.
//! * [`synthesis`]: transform and generate modes of `synthesize`.
//! * [`hash_prompts`]: chain hashing of token blocks into dense hash ids.
//! * [`replay`]: a trace file held compactly for `profile` ([`ReplayDataset`]): the three row
//!   formats, the window and the in-memory transform, and prompt materialisation.
//! * [`rng`]: the specified SplitMix64/FNV-1a generator, so every build draws the same numbers.
//! * [`decimal`]: exact decimal multipliers.
//! * [`args`]: integer arguments given as doubles (block sizes, counts), checked once.

pub mod analysis;
pub mod args;
pub mod decimal;
pub mod error;
pub mod float_format;
pub mod hash_prompts;
mod id_table;
pub mod json_text;
pub mod layout;
pub mod lines;
mod pipeline;
pub mod replay;
pub mod rng;
pub mod row;
pub mod size_conflicts;
pub mod skips;
pub mod stats;
pub mod synthesis;

pub use analysis::{analyze_trace, AnalysisReport, AnalyzerOptions, AnalyzerOptionsInput, Duration, InconsistentRow, TraceAnalyzer};
pub use error::{ErrorCode, Reason, TraceError};
pub use layout::LayoutKind;
pub use skips::{SkipReasonCount, SkipSummary};
pub use stats::MetricStats;
