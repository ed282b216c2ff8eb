//! `ReplayDataset` (same JS names as the wasm binding): a trace file held for replay, its turns'
//! content and their materialised prompts. Adapters only: decode, call one core function,
//! encode. Per-turn arrays leave as typed arrays (copied into JS-owned memory), summaries and
//! turns as one JSON string.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use trace_core::replay::{ReplayDataset as CoreReplayDataset, ReplayOptionsInput};

use crate::error;

/// Options of `ReplayDataset`; absent fields take the defaults. Multipliers and the seed are
/// decimal strings so that they stay exact (`docs/synthesis.md` §1).
#[napi(object)]
pub struct ReplayOptions {
    /// Tokens per hash block, an integer in [1, 4294967295] (default 512).
    pub block_size: Option<f64>,
    /// Lenient mode (`--skip-invalid`).
    pub skip_invalid: Option<bool>,
    /// FILE in error messages.
    pub source_name: Option<String>,
    /// 'mooncake_trace' | 'single_turn' | 'multi_turn'; absent: inferred from the first valid row.
    pub dataset_type: Option<String>,
    /// Keep only rows whose original timestamp is in [windowStartMs, windowEndMs] (inclusive).
    pub window_start_ms: Option<f64>,
    pub window_end_ms: Option<f64>,
    /// A fixed schedule: the first turn of every session needs a `timestamp`.
    pub require_timestamps: Option<bool>,
    /// `--random-seed`, an integer in [0, 2^64 − 1] as text (default "0").
    pub seed: Option<String>,
    pub speedup_ratio: Option<String>,
    pub prefix_len_multiplier: Option<String>,
    pub prefix_root_multiplier: Option<String>,
    pub prompt_len_multiplier: Option<String>,
    pub output_len_multiplier: Option<String>,
    pub max_isl: Option<f64>,
    pub max_osl: Option<f64>,
}

fn decode(o: Option<ReplayOptions>) -> ReplayOptionsInput {
    o.map(|o| ReplayOptionsInput {
        block_size: o.block_size,
        skip_invalid: o.skip_invalid,
        source_name: o.source_name,
        dataset_type: o.dataset_type,
        window_start_ms: o.window_start_ms,
        window_end_ms: o.window_end_ms,
        require_timestamps: o.require_timestamps,
        seed: o.seed,
        speedup_ratio: o.speedup_ratio,
        prefix_len_multiplier: o.prefix_len_multiplier,
        prefix_root_multiplier: o.prefix_root_multiplier,
        prompt_len_multiplier: o.prompt_len_multiplier,
        output_len_multiplier: o.output_len_multiplier,
        max_isl: o.max_isl,
        max_osl: o.max_osl,
    })
    .unwrap_or_default()
}

/// A trace file for replay: (`pushLearn`… `finishLearn` when `needsLearnPass`), `push`…
/// `finish`, then per-turn content and prompts.
#[napi]
pub struct ReplayDataset {
    inner: CoreReplayDataset,
}

#[napi]
impl ReplayDataset {
    #[napi(constructor)]
    pub fn new(env: Env, options: Option<ReplayOptions>) -> Result<Self> {
        let inner = error::map(&env, CoreReplayDataset::from_input(decode(options)))?;
        Ok(ReplayDataset { inner })
    }

    /// A finished dataset from the bytes of `toBytes` (written by either backend); set its
    /// tables before the first prompt. Throws `INVALID_ARG` for bytes that are not an intact
    /// snapshot of this format version.
    #[napi(factory)]
    pub fn from_bytes(env: Env, bytes: Uint8Array) -> Result<Self> {
        let inner = error::map(&env, CoreReplayDataset::from_bytes(&bytes))?;
        Ok(ReplayDataset { inner })
    }

    /// The finished dataset as a versioned snapshot, the same bytes on both backends, for
    /// `fromBytes` in another thread (no tokenizer tables). An external buffer, not a copy:
    /// it is made once per run and may be a hundred megabytes.
    #[napi]
    pub fn to_bytes(&self, env: Env) -> Result<Uint8Array> {
        error::map(&env, self.inner.to_bytes()).map(Uint8Array::from)
    }

    /// True when a transform runs: push the file through `pushLearn`/`finishLearn` first.
    #[napi(getter)]
    pub fn needs_learn_pass(&self) -> bool {
        self.inner.needs_learn_pass()
    }

    #[napi]
    pub fn push_learn(&mut self, env: Env, chunk: Uint8Array) -> Result<()> {
        error::map(&env, self.inner.push_learn(&chunk))
    }

    #[napi]
    pub fn finish_learn(&mut self, env: Env) -> Result<()> {
        error::map(&env, self.inner.finish_learn())
    }

    /// The next chunk; strict mode throws `INVALID_ROW` / `SIZE_CONFLICT` with file, line, field.
    #[napi]
    pub fn push(&mut self, env: Env, chunk: Uint8Array) -> Result<()> {
        error::map(&env, self.inner.push(&chunk))
    }

    #[napi]
    pub fn finish(&mut self, env: Env) -> Result<()> {
        error::map(&env, self.inner.finish())
    }

    /// The resolved dataset type ('mooncake_trace' while no valid row fixed it).
    #[napi(getter)]
    pub fn dataset_type(&self) -> String {
        self.inner.dataset_type().as_str().to_string()
    }

    #[napi(getter)]
    pub fn rows(&self) -> f64 {
        self.inner.rows() as f64
    }

    #[napi(getter)]
    pub fn turns(&self) -> f64 {
        self.inner.turns() as f64
    }

    #[napi(getter)]
    pub fn sessions(&self) -> f64 {
        self.inner.sessions() as f64
    }

    /// Bytes pushed in the current pass.
    #[napi(getter)]
    pub fn bytes_consumed(&self) -> f64 {
        self.inner.bytes_consumed() as f64
    }

    /// Bytes the dataset holds (while loading with its tables; once finished what it keeps).
    #[napi(getter)]
    pub fn memory_bytes(&self) -> f64 {
        self.inner.heap_bytes() as f64
    }

    #[napi]
    pub fn summary_json(&self, env: Env) -> Result<String> {
        error::map(&env, self.inner.summary_json())
    }

    /// The `warning: skipped N invalid rows in PATH (…)` line, or null.
    #[napi]
    pub fn skipped_warning(&self, path: String) -> Option<String> {
        self.inner.skipped_warning(&path)
    }

    #[napi(ts_return_type = "Uint32Array")]
    pub fn session_start<'env>(&self, env: &'env Env) -> Result<Uint32ArraySlice<'env>> {
        Uint32ArraySlice::copy_from(env, error::map(env, self.inner.session_start())?)
    }

    #[napi(ts_return_type = "Float64Array")]
    pub fn timestamps<'env>(&self, env: &'env Env) -> Result<Float64ArraySlice<'env>> {
        Float64ArraySlice::copy_from(env, error::map(env, self.inner.timestamps())?)
    }

    #[napi(ts_return_type = "Float64Array")]
    pub fn delays<'env>(&self, env: &'env Env) -> Result<Float64ArraySlice<'env>> {
        Float64ArraySlice::copy_from(env, error::map(env, self.inner.delays())?)
    }

    #[napi]
    pub fn turn_json(&self, env: Env, t: f64) -> Result<String> {
        error::map(&env, self.inner.turn_json(t))
    }

    /// The tokenizer tables (corpus tokens, vocabulary bytes and offsets, separator or -1).
    #[napi]
    pub fn set_tables(
        &mut self,
        env: Env,
        corpus: Uint32Array,
        token_bytes: Uint8Array,
        token_offsets: Uint32Array,
        separator: f64,
    ) -> Result<()> {
        error::map(&env, self.inner.set_tables(&corpus, &token_bytes, &token_offsets, separator))
    }

    /// Copied into a JS-owned buffer: an external one (what `Uint32Array::from(Vec)` makes)
    /// is freed only by a finalizer after a GC, and a replay asks for one per request.
    #[napi(ts_return_type = "Uint32Array")]
    pub fn prompt_tokens<'env>(&self, env: &'env Env, t: f64) -> Result<Uint32ArraySlice<'env>> {
        Uint32ArraySlice::copy_from(env, error::map(env, self.inner.prompt_tokens(t))?)
    }

    #[napi]
    pub fn prompt_text(&self, env: Env, t: f64) -> Result<String> {
        error::map(&env, self.inner.prompt_text(t))
    }
}
