//! Synthesis and `hash-prompts` exports: `TransformStream`, `GenerateStream`,
//! `PromptHasher`, `parsePromptRow` (same JS names as the napi binding). Adapters only: decode, call one core
//! function, encode. Output leaves as `Uint8Array` chunks, reports as one JSON string.

use trace_core::hash_prompts::{parse_prompt_row_json, PromptHasher as CorePromptHasher};
use trace_core::synthesis::{
    GenerateRun, GenerateStream as CoreGenerateStream, StreamSettings, SynthesisOptions as CoreOptions, SynthesisOptionsText,
    TransformStream as CoreTransformStream,
};
use trace_core::TraceError;
use wasm_bindgen::prelude::*;

use crate::error;

#[wasm_bindgen(typescript_custom_section)]
const TS_SYNTHESIS_OPTIONS: &'static str = r#"
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
}

fn decode(o: Option<SynthesisOptions>) -> Result<(CoreOptions, StreamSettings), TraceError> {
    let Some(o) = o else { return Ok((CoreOptions::default(), StreamSettings::default())) };
    let text = SynthesisOptionsText {
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
    };
    let settings = StreamSettings { source_name: o.source_name().unwrap_or_default(), skip_invalid: o.skip_invalid().unwrap_or(false) };
    Ok((CoreOptions::from_text(&text)?, settings))
}

/// Transform mode in two passes over the same bytes (see the napi binding).
#[wasm_bindgen]
pub struct TransformStream {
    inner: CoreTransformStream,
    report: Option<String>,
}

#[wasm_bindgen]
impl TransformStream {
    #[wasm_bindgen(constructor)]
    pub fn new(options: Option<SynthesisOptions>) -> Result<TransformStream, JsValue> {
        let (opts, settings) = error::map(decode(options))?;
        let inner = error::map(CoreTransformStream::new(opts, settings))?;
        Ok(TransformStream { inner, report: None })
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

    #[wasm_bindgen(js_name = finishEmit)]
    pub fn finish_emit(&mut self) -> Result<Vec<u8>, JsValue> {
        let (out, report) = error::map(self.inner.finish_emit())?;
        self.report = Some(report.to_json());
        Ok(out)
    }

    #[wasm_bindgen(js_name = reportJson)]
    pub fn report_json(&self) -> Result<String, JsValue> {
        error::map(self.report.clone().ok_or_else(|| TraceError::analyzer_state("reportJson is available after finishEmit")))
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
    learn: Option<CoreGenerateStream>,
    run: Option<GenerateRun>,
}

fn num_requests_of(n: f64) -> Result<u64, TraceError> {
    if n.fract() == 0.0 && (1.0..=9_007_199_254_740_992.0).contains(&n) {
        Ok(n as u64)
    } else {
        Err(TraceError::invalid_arg(format!("option '--num-requests': expected a positive integer, got '{n}'")))
    }
}

impl GenerateStream {
    fn learning(&mut self) -> Result<&mut CoreGenerateStream, TraceError> {
        self.learn.as_mut().ok_or_else(|| TraceError::analyzer_state("generate: the input is already finished"))
    }
    fn running(&mut self) -> Result<&mut GenerateRun, TraceError> {
        self.run.as_mut().ok_or_else(|| TraceError::analyzer_state("generate: call finish(numRequests) first"))
    }
}

#[wasm_bindgen]
impl GenerateStream {
    #[wasm_bindgen(constructor)]
    pub fn new(options: Option<SynthesisOptions>) -> Result<GenerateStream, JsValue> {
        let (opts, settings) = error::map(decode(options))?;
        let learn = error::map(CoreGenerateStream::new(opts, settings))?;
        Ok(GenerateStream { learn: Some(learn), run: None })
    }

    pub fn push(&mut self, chunk: &[u8]) -> Result<(), JsValue> {
        error::map(self.learning().and_then(|l| l.push(chunk)))
    }

    pub fn finish(&mut self, num_requests: f64) -> Result<(), JsValue> {
        let n = error::map(num_requests_of(num_requests))?;
        let run = error::map(self.learning().and_then(|l| l.finish(n)))?;
        self.learn = None;
        self.run = Some(run);
        Ok(())
    }

    #[wasm_bindgen(js_name = nextChunk)]
    pub fn next_chunk(&mut self, min_bytes: f64) -> Result<Vec<u8>, JsValue> {
        let run = error::map(self.running())?;
        error::map(run.next_chunk(min_bytes.clamp(1.0, 1e9) as usize))
    }

    #[wasm_bindgen(getter)]
    pub fn produced(&self) -> f64 {
        self.run.as_ref().map_or(0.0, |r| r.produced() as f64)
    }

    #[wasm_bindgen(js_name = reportJson)]
    pub fn report_json(&mut self) -> Result<String, JsValue> {
        let run = error::map(self.running())?;
        Ok(run.report_json())
    }

    #[wasm_bindgen(js_name = skippedWarning)]
    pub fn skipped_warning(&mut self, path: &str) -> Result<Option<String>, JsValue> {
        let run = error::map(self.running())?;
        Ok(run.skipped().warning_line(path))
    }
}

/// `hash-prompts` chain hashing (see the napi binding).
#[wasm_bindgen]
pub struct PromptHasher {
    inner: CorePromptHasher,
}

#[wasm_bindgen]
impl PromptHasher {
    #[wasm_bindgen(constructor)]
    pub fn new(block_size: f64) -> Result<PromptHasher, JsValue> {
        let bs = if block_size.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&block_size) { block_size as u32 } else { 0 };
        let inner = error::map(CorePromptHasher::new(bs))?;
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

/// One `hash-prompts` input row as one JSON string (see the napi binding).
#[wasm_bindgen(js_name = parsePromptRow)]
pub fn parse_prompt_row(line: &[u8], text_field: Option<String>) -> String {
    parse_prompt_row_json(line, text_field.as_deref())
}
