//! Synthesis and `hash-prompts` exports: `TransformStream`, `GenerateStream`,
//! `PromptHashStream`, `PromptHasher`, `validateSynthesisOptions` (same JS names as the wasm
//! binding). Adapters only: decode, call one core function, encode. Output leaves as
//! `Uint8Array` chunks, reports as one JSON string.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use trace_core::args;
use trace_core::hash_prompts::{
    PromptHashOptions as CorePromptHashOptions, PromptHashOptionsInput, PromptHashStream as CorePromptHashStream,
    PromptHasher as CorePromptHasher,
};
use trace_core::synthesis::{GenerateStream as CoreGenerateStream, SynthesisOptionsText, TransformStream as CoreTransformStream};

use crate::error;

/// Options of `TransformStream` and `GenerateStream`. Multipliers and the seed are decimal
/// strings so that they stay exact (`docs/synthesis.md` §1); absent fields take the defaults.
#[napi(object)]
pub struct SynthesisOptions {
    /// Tokens per hash block (default 512).
    pub block_size: Option<f64>,
    /// `--synthesis-speedup-ratio` (default "1").
    pub speedup_ratio: Option<String>,
    /// `--synthesis-prefix-len-multiplier` (default "1").
    pub prefix_len_multiplier: Option<String>,
    /// `--synthesis-prefix-root-multiplier`, a positive integer as text (default "1").
    pub prefix_root_multiplier: Option<String>,
    /// `--synthesis-prompt-len-multiplier` (default "1").
    pub prompt_len_multiplier: Option<String>,
    /// `--synthesis-output-len-multiplier` (default "1").
    pub output_len_multiplier: Option<String>,
    pub max_isl: Option<f64>,
    pub max_osl: Option<f64>,
    /// Generate mode only.
    pub min_isl: Option<f64>,
    /// Generate mode only.
    pub min_osl: Option<f64>,
    /// `--random-seed`, an integer in [0, 2^64 − 1] as text (default "0").
    pub seed: Option<String>,
    /// Lenient mode (`--skip-invalid`).
    pub skip_invalid: Option<bool>,
    /// FILE in error messages and warnings.
    pub source_name: Option<String>,
}

/// The JS options as the core's text form; the core checks them.
fn decode(o: Option<SynthesisOptions>) -> SynthesisOptionsText {
    o.map(|o| SynthesisOptionsText {
        block_size: o.block_size,
        speedup_ratio: o.speedup_ratio,
        prefix_len_multiplier: o.prefix_len_multiplier,
        prefix_root_multiplier: o.prefix_root_multiplier,
        prompt_len_multiplier: o.prompt_len_multiplier,
        output_len_multiplier: o.output_len_multiplier,
        max_isl: o.max_isl,
        max_osl: o.max_osl,
        min_isl: o.min_isl,
        min_osl: o.min_osl,
        seed: o.seed,
        skip_invalid: o.skip_invalid,
        source_name: o.source_name,
    })
    .unwrap_or_default()
}

/// Checks synthesis options without reading anything (the CLI calls it before it creates
/// its output file); throws `INVALID_ARG` naming the option, as the constructors would.
#[napi]
pub fn validate_synthesis_options(env: Env, options: Option<SynthesisOptions>) -> Result<()> {
    error::map(&env, decode(options).decode().map(|_| ()))
}

/// Transform mode in two passes over the same bytes: `pushLearn`… `finishLearn`, then
/// `pushEmit`… (each returns output bytes, then `drainEmit` until empty) `finishEmit`, then
/// `reportJson`.
#[napi]
pub struct TransformStream {
    inner: CoreTransformStream,
}

#[napi]
impl TransformStream {
    #[napi(constructor)]
    pub fn new(env: Env, options: Option<SynthesisOptions>) -> Result<Self> {
        let inner = error::map(&env, decode(options).decode().and_then(|(o, s)| CoreTransformStream::new(o, s)))?;
        Ok(TransformStream { inner })
    }

    /// Pass 1: the next chunk of the input.
    #[napi]
    pub fn push_learn(&mut self, env: Env, chunk: Uint8Array) -> Result<()> {
        error::map(&env, self.inner.push_learn(&chunk))
    }

    /// Ends pass 1 and plans the ids.
    #[napi]
    pub fn finish_learn(&mut self, env: Env) -> Result<()> {
        error::map(&env, self.inner.finish_learn())
    }

    /// Pass 2: the next chunk of the same input; returns the output bytes it completed (at
    /// most about 32 MiB: call `drainEmit` until it is empty before the next push).
    #[napi]
    pub fn push_emit(&mut self, env: Env, chunk: Uint8Array) -> Result<Uint8Array> {
        error::map(&env, self.inner.push_emit(&chunk)).map(Uint8Array::from)
    }

    /// Output of lines already pushed that did not fit the last call's buffer (at most about
    /// 32 MiB per call); empty when everything pushed is written.
    #[napi]
    pub fn drain_emit(&mut self, env: Env) -> Result<Uint8Array> {
        error::map(&env, self.inner.drain_emit()).map(Uint8Array::from)
    }

    /// Ends pass 2; returns the last output bytes.
    #[napi]
    pub fn finish_emit(&mut self, env: Env) -> Result<Uint8Array> {
        error::map(&env, self.inner.finish_emit()).map(|(out, _)| Uint8Array::from(out))
    }

    /// The run summary as JSON (after `finishEmit`), including the `summary` line.
    #[napi]
    pub fn report_json(&self, env: Env) -> Result<String> {
        error::map(&env, self.inner.report().map(|r| r.to_json()))
    }

    /// Lenient-mode skips as JSON `{"total","reasons":[{"reason","count","lines"}]}`.
    #[napi]
    pub fn skipped_json(&self) -> String {
        self.inner.skipped().to_json()
    }

    /// The `warning: skipped N invalid rows in PATH (…)` line, or null.
    #[napi]
    pub fn skipped_warning(&self, path: String) -> Option<String> {
        self.inner.skipped().warning_line(&path)
    }

    /// Bytes pushed in the current pass.
    #[napi(getter)]
    pub fn bytes_consumed(&self) -> f64 {
        self.inner.bytes_consumed() as f64
    }
}

/// Generate mode: `push` the input, `finish(numRequests)` learns the model, then
/// `nextChunk(minBytes)` until it returns an empty array, then `reportJson`.
#[napi]
pub struct GenerateStream {
    inner: CoreGenerateStream,
}

#[napi]
impl GenerateStream {
    #[napi(constructor)]
    pub fn new(env: Env, options: Option<SynthesisOptions>) -> Result<Self> {
        let inner = error::map(&env, decode(options).decode().and_then(|(o, s)| CoreGenerateStream::new(o, s)))?;
        Ok(GenerateStream { inner })
    }

    #[napi]
    pub fn push(&mut self, env: Env, chunk: Uint8Array) -> Result<()> {
        error::map(&env, self.inner.push(&chunk))
    }

    /// Ends the input and learns; `numRequests` is a positive integer.
    #[napi]
    pub fn finish(&mut self, env: Env, num_requests: f64) -> Result<()> {
        error::map(&env, args::positive_integer("--num-requests", num_requests).and_then(|n| self.inner.finish(n)))
    }

    /// The next generated bytes (at least `minBytes` unless finished); empty when done.
    #[napi]
    pub fn next_chunk(&mut self, env: Env, min_bytes: f64) -> Result<Uint8Array> {
        // `as` saturates (NaN → 0); the core clamps the size to its range.
        error::map(&env, self.inner.next_chunk(min_bytes as usize)).map(Uint8Array::from)
    }

    /// Rows generated so far.
    #[napi(getter)]
    pub fn produced(&self) -> f64 {
        self.inner.produced() as f64
    }

    /// The run summary as JSON, plus `warnings` (lines) and `skipped` (see TransformStream).
    #[napi]
    pub fn report_json(&self, env: Env) -> Result<String> {
        error::map(&env, self.inner.report_json())
    }

    /// The `warning: skipped N invalid rows in PATH (…)` line, or null.
    #[napi]
    pub fn skipped_warning(&self, env: Env, path: String) -> Result<Option<String>> {
        error::map(&env, self.inner.skipped().map(|s| s.warning_line(&path)))
    }
}

/// Options of `PromptHashStream`; absent fields take the defaults.
#[napi(object)]
pub struct PromptHashOptions {
    /// Tokens per block, an integer in [1, 4294967295] (default 512).
    pub block_size: Option<f64>,
    /// Read the text from this string field instead of `prompt` / `text_input` / `text`.
    pub text_field: Option<String>,
    /// Lenient mode (`--skip-invalid`).
    pub skip_invalid: Option<bool>,
    /// FILE in error messages and the warning (default "input").
    pub source_name: Option<String>,
    /// Rows per batch handed out for tokenizing (default 512).
    pub batch_rows: Option<f64>,
}

/// `hash-prompts` over byte chunks: `push` chunks (then `finish`), and after each call
/// `nextBatch()` until null: the texts of a batch as a JSON array of strings; tokenize them
/// and pass every token id back at once to `hashBatch(tokens, rowOffsets)`, which returns the
/// batch's output rows. `reportJson` at the end.
#[napi]
pub struct PromptHashStream {
    inner: CorePromptHashStream,
}

#[napi]
impl PromptHashStream {
    #[napi(constructor)]
    pub fn new(env: Env, options: Option<PromptHashOptions>) -> Result<Self> {
        let input = options
            .map(|o| PromptHashOptionsInput {
                block_size: o.block_size,
                text_field: o.text_field,
                skip_invalid: o.skip_invalid,
                source_name: o.source_name,
                batch_rows: o.batch_rows,
            })
            .unwrap_or_default();
        let inner = error::map(&env, CorePromptHashOptions::from_input(input).and_then(CorePromptHashStream::new))?;
        Ok(PromptHashStream { inner })
    }

    /// The next chunk of the input.
    #[napi]
    pub fn push(&mut self, env: Env, chunk: Uint8Array) -> Result<()> {
        error::map(&env, self.inner.push(&chunk))
    }

    /// Ends the input (the last batch may then be partial).
    #[napi]
    pub fn finish(&mut self, env: Env) -> Result<()> {
        error::map(&env, self.inner.finish())
    }

    /// The texts of the next batch as a JSON array of strings, or null when none is ready.
    /// Strict mode throws `INVALID_ROW` here for the first invalid row, in file order.
    #[napi]
    pub fn next_batch(&mut self, env: Env) -> Result<Option<String>> {
        error::map(&env, self.inner.next_batch())
    }

    /// The batch's tokens, flat, with `rows + 1` offsets; returns its output rows.
    #[napi]
    pub fn hash_batch(&mut self, env: Env, tokens: Uint32Array, row_offsets: Uint32Array) -> Result<Uint8Array> {
        error::map(&env, self.inner.hash_batch(&tokens, &row_offsets)).map(Uint8Array::from)
    }

    /// `{"rows","blocks","distinct_ids","tokens","block_size","summary","skipped"}` once
    /// everything is hashed.
    #[napi]
    pub fn report_json(&self, env: Env) -> Result<String> {
        error::map(&env, self.inner.report().map(|r| r.to_json()))
    }

    /// The `warning: skipped N invalid rows in PATH (…)` line, or null.
    #[napi]
    pub fn skipped_warning(&self, path: String) -> Option<String> {
        self.inner.skipped().warning_line(&path)
    }

    /// Valid rows read so far (progress).
    #[napi(getter)]
    pub fn rows_read(&self) -> f64 {
        self.inner.rows_read() as f64
    }

    /// Bytes pushed so far.
    #[napi(getter)]
    pub fn bytes_consumed(&self) -> f64 {
        self.inner.bytes_consumed() as f64
    }
}

/// `hash-prompts` chain hashing alone: `hashBatch(tokens, rowOffsets)` returns the flat ids of
/// the batch (row i has `ceil(tokens_i / blockSize)` of them).
#[napi]
pub struct PromptHasher {
    inner: CorePromptHasher,
}

#[napi]
impl PromptHasher {
    #[napi(constructor)]
    pub fn new(env: Env, block_size: f64) -> Result<Self> {
        let inner = error::map(&env, args::block_size(block_size).and_then(CorePromptHasher::new))?;
        Ok(PromptHasher { inner })
    }

    #[napi]
    pub fn hash_batch(&mut self, env: Env, tokens: Uint32Array, row_offsets: Uint32Array) -> Result<Uint32Array> {
        error::map(&env, self.inner.hash_batch(&tokens, &row_offsets)).map(|b| Uint32Array::from(b.ids))
    }

    #[napi(getter)]
    pub fn distinct_ids(&self) -> f64 {
        self.inner.distinct_ids() as f64
    }

    #[napi(getter)]
    pub fn blocks(&self) -> f64 {
        self.inner.blocks() as f64
    }

    #[napi(getter)]
    pub fn rows(&self) -> f64 {
        self.inner.rows() as f64
    }
}
