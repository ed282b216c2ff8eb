//! Synthesis and `hash-prompts` exports: `TransformStream`, `GenerateStream`,
//! `PromptHashStream`, `PromptHasher`, `validateSynthesisOptions` (same JS names as the napi
//! binding). Adapters only: decode, call one core function, encode. Output leaves as
//! `Uint8Array` chunks, reports as one JSON string.

use trace_core::args;
use trace_core::hash_prompts::{
    PromptHashOptions as CorePromptHashOptions, PromptHashOptionsInput, PromptHashStream as CorePromptHashStream,
    PromptHasher as CorePromptHasher,
};
use trace_core::synthesis::{GenerateStream as CoreGenerateStream, SynthesisOptionsText, TransformStream as CoreTransformStream};
use wasm_bindgen::prelude::*;

use crate::error;

#[wasm_bindgen(typescript_custom_section)]
const TS_OPTIONS: &'static str = r#"
/** Options of `TransformStream` and `GenerateStream`; multipliers and the seed are decimal strings (exact). */
export interface SynthesisOptions {
  blockSize?: number;
  speedupRatio?: string;
  prefixLenMultiplier?: string;
  prefixRootMultiplier?: string;
  promptLenMultiplier?: string;
  outputLenMultiplier?: string;
  maxIsl?: number;
  maxOsl?: number;
  minIsl?: number;
  minOsl?: number;
  seed?: string;
  skipInvalid?: boolean;
  sourceName?: string;
}

/** Options of `PromptHashStream`; absent fields take the defaults. */
export interface PromptHashOptions {
  blockSize?: number;
  textField?: string;
  skipInvalid?: boolean;
  sourceName?: string;
  batchRows?: number;
}
"#;

#[wasm_bindgen]
extern "C" {
    /// A plain JS options object (see the `SynthesisOptions` interface).
    #[wasm_bindgen(typescript_type = "SynthesisOptions")]
    pub type SynthesisOptions;

    #[wasm_bindgen(method, getter, js_name = blockSize)]
    fn block_size(this: &SynthesisOptions) -> Option<f64>;
    #[wasm_bindgen(method, getter, js_name = speedupRatio)]
    fn speedup_ratio(this: &SynthesisOptions) -> Option<String>;
    #[wasm_bindgen(method, getter, js_name = prefixLenMultiplier)]
    fn prefix_len_multiplier(this: &SynthesisOptions) -> Option<String>;
    #[wasm_bindgen(method, getter, js_name = prefixRootMultiplier)]
    fn prefix_root_multiplier(this: &SynthesisOptions) -> Option<String>;
    #[wasm_bindgen(method, getter, js_name = promptLenMultiplier)]
    fn prompt_len_multiplier(this: &SynthesisOptions) -> Option<String>;
    #[wasm_bindgen(method, getter, js_name = outputLenMultiplier)]
    fn output_len_multiplier(this: &SynthesisOptions) -> Option<String>;
    #[wasm_bindgen(method, getter, js_name = maxIsl)]
    fn max_isl(this: &SynthesisOptions) -> Option<f64>;
    #[wasm_bindgen(method, getter, js_name = maxOsl)]
    fn max_osl(this: &SynthesisOptions) -> Option<f64>;
    #[wasm_bindgen(method, getter, js_name = minIsl)]
    fn min_isl(this: &SynthesisOptions) -> Option<f64>;
    #[wasm_bindgen(method, getter, js_name = minOsl)]
    fn min_osl(this: &SynthesisOptions) -> Option<f64>;
    #[wasm_bindgen(method, getter)]
    fn seed(this: &SynthesisOptions) -> Option<String>;
    #[wasm_bindgen(method, getter, js_name = skipInvalid)]
    fn skip_invalid(this: &SynthesisOptions) -> Option<bool>;
    #[wasm_bindgen(method, getter, js_name = sourceName)]
    fn source_name(this: &SynthesisOptions) -> Option<String>;

    /// A plain JS options object (see the `PromptHashOptions` interface).
    #[wasm_bindgen(typescript_type = "PromptHashOptions")]
    pub type PromptHashOptions;

    #[wasm_bindgen(method, getter, js_name = blockSize)]
    fn block_size(this: &PromptHashOptions) -> Option<f64>;
    #[wasm_bindgen(method, getter, js_name = textField)]
    fn text_field(this: &PromptHashOptions) -> Option<String>;
    #[wasm_bindgen(method, getter, js_name = skipInvalid)]
    fn skip_invalid(this: &PromptHashOptions) -> Option<bool>;
    #[wasm_bindgen(method, getter, js_name = sourceName)]
    fn source_name(this: &PromptHashOptions) -> Option<String>;
    #[wasm_bindgen(method, getter, js_name = batchRows)]
    fn batch_rows(this: &PromptHashOptions) -> Option<f64>;
}

/// The JS options as the core's text form; the core checks them.
fn decode(o: Option<SynthesisOptions>) -> SynthesisOptionsText {
    o.map(|o| SynthesisOptionsText {
        block_size: o.block_size(),
        speedup_ratio: o.speedup_ratio(),
        prefix_len_multiplier: o.prefix_len_multiplier(),
        prefix_root_multiplier: o.prefix_root_multiplier(),
        prompt_len_multiplier: o.prompt_len_multiplier(),
        output_len_multiplier: o.output_len_multiplier(),
        max_isl: o.max_isl(),
        max_osl: o.max_osl(),
        min_isl: o.min_isl(),
        min_osl: o.min_osl(),
        seed: o.seed(),
        skip_invalid: o.skip_invalid(),
        source_name: o.source_name(),
    })
    .unwrap_or_default()
}

/// Checks synthesis options without reading anything (see the napi binding).
#[wasm_bindgen(js_name = validateSynthesisOptions)]
pub fn validate_synthesis_options(options: Option<SynthesisOptions>) -> Result<(), JsValue> {
    error::map(decode(options).decode().map(|_| ()))
}

/// Transform mode in two passes over the same bytes (see the napi binding).
#[wasm_bindgen]
pub struct TransformStream {
    inner: CoreTransformStream,
}

#[wasm_bindgen]
impl TransformStream {
    #[wasm_bindgen(constructor)]
    pub fn new(options: Option<SynthesisOptions>) -> Result<TransformStream, JsValue> {
        let inner = error::map(decode(options).decode().and_then(|(o, s)| CoreTransformStream::new(o, s)))?;
        Ok(TransformStream { inner })
    }

    #[wasm_bindgen(js_name = pushLearn)]
    pub fn push_learn(&mut self, chunk: &[u8]) -> Result<(), JsValue> {
        error::map(self.inner.push_learn(chunk))
    }

    #[wasm_bindgen(js_name = finishLearn)]
    pub fn finish_learn(&mut self) -> Result<(), JsValue> {
        error::map(self.inner.finish_learn())
    }

    #[wasm_bindgen(js_name = pushEmit)]
    pub fn push_emit(&mut self, chunk: &[u8]) -> Result<Vec<u8>, JsValue> {
        error::map(self.inner.push_emit(chunk))
    }

    /// Output of lines already pushed that did not fit the last call's buffer (at most about
    /// 32 MiB per call); empty when everything pushed is written. Call until empty before
    /// the next `pushEmit` and before `finishEmit`.
    #[wasm_bindgen(js_name = drainEmit)]
    pub fn drain_emit(&mut self) -> Result<Vec<u8>, JsValue> {
        error::map(self.inner.drain_emit())
    }

    #[wasm_bindgen(js_name = finishEmit)]
    pub fn finish_emit(&mut self) -> Result<Vec<u8>, JsValue> {
        error::map(self.inner.finish_emit()).map(|(out, _)| out)
    }

    #[wasm_bindgen(js_name = reportJson)]
    pub fn report_json(&self) -> Result<String, JsValue> {
        error::map(self.inner.report().map(|r| r.to_json()))
    }

    #[wasm_bindgen(js_name = skippedJson)]
    pub fn skipped_json(&self) -> String {
        self.inner.skipped().to_json()
    }

    #[wasm_bindgen(js_name = skippedWarning)]
    pub fn skipped_warning(&self, path: &str) -> Option<String> {
        self.inner.skipped().warning_line(path)
    }

    #[wasm_bindgen(getter, js_name = bytesConsumed)]
    pub fn bytes_consumed(&self) -> f64 {
        self.inner.bytes_consumed() as f64
    }
}

/// Generate mode (see the napi binding).
#[wasm_bindgen]
pub struct GenerateStream {
    inner: CoreGenerateStream,
}

#[wasm_bindgen]
impl GenerateStream {
    #[wasm_bindgen(constructor)]
    pub fn new(options: Option<SynthesisOptions>) -> Result<GenerateStream, JsValue> {
        let inner = error::map(decode(options).decode().and_then(|(o, s)| CoreGenerateStream::new(o, s)))?;
        Ok(GenerateStream { inner })
    }

    pub fn push(&mut self, chunk: &[u8]) -> Result<(), JsValue> {
        error::map(self.inner.push(chunk))
    }

    pub fn finish(&mut self, num_requests: f64) -> Result<(), JsValue> {
        error::map(args::positive_integer("--num-requests", num_requests).and_then(|n| self.inner.finish(n)))
    }

    #[wasm_bindgen(js_name = nextChunk)]
    pub fn next_chunk(&mut self, min_bytes: f64) -> Result<Vec<u8>, JsValue> {
        // `as` saturates (NaN → 0); the core clamps the size to its range.
        error::map(self.inner.next_chunk(min_bytes as usize))
    }

    #[wasm_bindgen(getter)]
    pub fn produced(&self) -> f64 {
        self.inner.produced() as f64
    }

    #[wasm_bindgen(js_name = reportJson)]
    pub fn report_json(&self) -> Result<String, JsValue> {
        error::map(self.inner.report_json())
    }

    #[wasm_bindgen(js_name = skippedWarning)]
    pub fn skipped_warning(&self, path: &str) -> Result<Option<String>, JsValue> {
        error::map(self.inner.skipped().map(|s| s.warning_line(path)))
    }
}

/// `hash-prompts` over byte chunks (see the napi binding).
#[wasm_bindgen]
pub struct PromptHashStream {
    inner: CorePromptHashStream,
}

#[wasm_bindgen]
impl PromptHashStream {
    #[wasm_bindgen(constructor)]
    pub fn new(options: Option<PromptHashOptions>) -> Result<PromptHashStream, JsValue> {
        let input = options
            .map(|o| PromptHashOptionsInput {
                block_size: o.block_size(),
                text_field: o.text_field(),
                skip_invalid: o.skip_invalid(),
                source_name: o.source_name(),
                batch_rows: o.batch_rows(),
            })
            .unwrap_or_default();
        let inner = error::map(CorePromptHashOptions::from_input(input).and_then(CorePromptHashStream::new))?;
        Ok(PromptHashStream { inner })
    }

    pub fn push(&mut self, chunk: &[u8]) -> Result<(), JsValue> {
        error::map(self.inner.push(chunk))
    }

    pub fn finish(&mut self) -> Result<(), JsValue> {
        error::map(self.inner.finish())
    }

    #[wasm_bindgen(js_name = nextBatch)]
    pub fn next_batch(&mut self) -> Result<Option<String>, JsValue> {
        error::map(self.inner.next_batch())
    }

    #[wasm_bindgen(js_name = hashBatch)]
    pub fn hash_batch(&mut self, tokens: &[u32], row_offsets: &[u32]) -> Result<Vec<u8>, JsValue> {
        error::map(self.inner.hash_batch(tokens, row_offsets))
    }

    #[wasm_bindgen(js_name = reportJson)]
    pub fn report_json(&self) -> Result<String, JsValue> {
        error::map(self.inner.report().map(|r| r.to_json()))
    }

    #[wasm_bindgen(js_name = skippedWarning)]
    pub fn skipped_warning(&self, path: &str) -> Option<String> {
        self.inner.skipped().warning_line(path)
    }

    #[wasm_bindgen(getter, js_name = rowsRead)]
    pub fn rows_read(&self) -> f64 {
        self.inner.rows_read() as f64
    }

    #[wasm_bindgen(getter, js_name = bytesConsumed)]
    pub fn bytes_consumed(&self) -> f64 {
        self.inner.bytes_consumed() as f64
    }
}

/// `hash-prompts` chain hashing alone (see the napi binding).
#[wasm_bindgen]
pub struct PromptHasher {
    inner: CorePromptHasher,
}

#[wasm_bindgen]
impl PromptHasher {
    #[wasm_bindgen(constructor)]
    pub fn new(block_size: f64) -> Result<PromptHasher, JsValue> {
        let inner = error::map(args::block_size(block_size).and_then(CorePromptHasher::new))?;
        Ok(PromptHasher { inner })
    }

    #[wasm_bindgen(js_name = hashBatch)]
    pub fn hash_batch(&mut self, tokens: &[u32], row_offsets: &[u32]) -> Result<Vec<u32>, JsValue> {
        error::map(self.inner.hash_batch(tokens, row_offsets)).map(|b| b.ids)
    }

    #[wasm_bindgen(getter, js_name = distinctIds)]
    pub fn distinct_ids(&self) -> f64 {
        self.inner.distinct_ids() as f64
    }

    #[wasm_bindgen(getter)]
    pub fn blocks(&self) -> f64 {
        self.inner.blocks() as f64
    }

    #[wasm_bindgen(getter)]
    pub fn rows(&self) -> f64 {
        self.inner.rows() as f64
    }
}
