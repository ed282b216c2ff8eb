//! `ReplayDataset` (same JS names as the napi binding): a trace file held for replay, its turns'
//! content and their materialised prompts. Adapters only: decode, call one core function,
//! encode. Per-turn arrays leave as typed arrays, summaries and turns as one JSON string.

use trace_core::replay::{ReplayDataset as CoreReplayDataset, ReplayOptionsInput};
use wasm_bindgen::prelude::*;

use crate::error;

#[wasm_bindgen(typescript_custom_section)]
const TS_OPTIONS: &'static str = r#"
/** Options of `ReplayDataset`; multipliers and the seed are decimal strings (exact); absent fields take the defaults. */
export interface ReplayOptions {
  blockSize?: number;
  skipInvalid?: boolean;
  sourceName?: string;
  /** 'mooncake_trace' | 'single_turn' | 'multi_turn'; absent: inferred from the first valid row. */
  datasetType?: string;
  windowStartMs?: number;
  windowEndMs?: number;
  requireTimestamps?: boolean;
  seed?: string;
  speedupRatio?: string;
  prefixLenMultiplier?: string;
  prefixRootMultiplier?: string;
  promptLenMultiplier?: string;
  outputLenMultiplier?: string;
  maxIsl?: number;
  maxOsl?: number;
}
"#;

#[wasm_bindgen]
extern "C" {
    /// A plain JS options object (see the `ReplayOptions` interface).
    #[wasm_bindgen(typescript_type = "ReplayOptions")]
    pub type ReplayOptions;

    #[wasm_bindgen(method, getter, js_name = blockSize)]
    fn block_size(this: &ReplayOptions) -> Option<f64>;
    #[wasm_bindgen(method, getter, js_name = skipInvalid)]
    fn skip_invalid(this: &ReplayOptions) -> Option<bool>;
    #[wasm_bindgen(method, getter, js_name = sourceName)]
    fn source_name(this: &ReplayOptions) -> Option<String>;
    #[wasm_bindgen(method, getter, js_name = datasetType)]
    fn dataset_type(this: &ReplayOptions) -> Option<String>;
    #[wasm_bindgen(method, getter, js_name = windowStartMs)]
    fn window_start_ms(this: &ReplayOptions) -> Option<f64>;
    #[wasm_bindgen(method, getter, js_name = windowEndMs)]
    fn window_end_ms(this: &ReplayOptions) -> Option<f64>;
    #[wasm_bindgen(method, getter, js_name = requireTimestamps)]
    fn require_timestamps(this: &ReplayOptions) -> Option<bool>;
    #[wasm_bindgen(method, getter)]
    fn seed(this: &ReplayOptions) -> Option<String>;
    #[wasm_bindgen(method, getter, js_name = speedupRatio)]
    fn speedup_ratio(this: &ReplayOptions) -> Option<String>;
    #[wasm_bindgen(method, getter, js_name = prefixLenMultiplier)]
    fn prefix_len_multiplier(this: &ReplayOptions) -> Option<String>;
    #[wasm_bindgen(method, getter, js_name = prefixRootMultiplier)]
    fn prefix_root_multiplier(this: &ReplayOptions) -> Option<String>;
    #[wasm_bindgen(method, getter, js_name = promptLenMultiplier)]
    fn prompt_len_multiplier(this: &ReplayOptions) -> Option<String>;
    #[wasm_bindgen(method, getter, js_name = outputLenMultiplier)]
    fn output_len_multiplier(this: &ReplayOptions) -> Option<String>;
    #[wasm_bindgen(method, getter, js_name = maxIsl)]
    fn max_isl(this: &ReplayOptions) -> Option<f64>;
    #[wasm_bindgen(method, getter, js_name = maxOsl)]
    fn max_osl(this: &ReplayOptions) -> Option<f64>;
}

fn decode(o: Option<ReplayOptions>) -> ReplayOptionsInput {
    o.map(|o| ReplayOptionsInput {
        block_size: o.block_size(),
        skip_invalid: o.skip_invalid(),
        source_name: o.source_name(),
        dataset_type: o.dataset_type(),
        window_start_ms: o.window_start_ms(),
        window_end_ms: o.window_end_ms(),
        require_timestamps: o.require_timestamps(),
        seed: o.seed(),
        speedup_ratio: o.speedup_ratio(),
        prefix_len_multiplier: o.prefix_len_multiplier(),
        prefix_root_multiplier: o.prefix_root_multiplier(),
        prompt_len_multiplier: o.prompt_len_multiplier(),
        output_len_multiplier: o.output_len_multiplier(),
        max_isl: o.max_isl(),
        max_osl: o.max_osl(),
    })
    .unwrap_or_default()
}

/// A trace file for replay (see the napi binding).
#[wasm_bindgen]
pub struct ReplayDataset {
    inner: CoreReplayDataset,
}

#[wasm_bindgen]
impl ReplayDataset {
    #[wasm_bindgen(constructor)]
    pub fn new(options: Option<ReplayOptions>) -> Result<ReplayDataset, JsValue> {
        let inner = error::map(CoreReplayDataset::from_input(decode(options)))?;
        Ok(ReplayDataset { inner })
    }

    /// A finished dataset from the bytes of `toBytes` (see the napi binding).
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(bytes: &[u8]) -> Result<ReplayDataset, JsValue> {
        let inner = error::map(CoreReplayDataset::from_bytes(bytes))?;
        Ok(ReplayDataset { inner })
    }

    /// The finished dataset as a versioned snapshot (see the napi binding).
    #[wasm_bindgen(js_name = toBytes)]
    pub fn to_bytes(&self) -> Result<Vec<u8>, JsValue> {
        error::map(self.inner.to_bytes())
    }

    #[wasm_bindgen(getter = needsLearnPass)]
    pub fn needs_learn_pass(&self) -> bool {
        self.inner.needs_learn_pass()
    }

    #[wasm_bindgen(js_name = pushLearn)]
    pub fn push_learn(&mut self, chunk: &[u8]) -> Result<(), JsValue> {
        error::map(self.inner.push_learn(chunk))
    }

    #[wasm_bindgen(js_name = finishLearn)]
    pub fn finish_learn(&mut self) -> Result<(), JsValue> {
        error::map(self.inner.finish_learn())
    }

    pub fn push(&mut self, chunk: &[u8]) -> Result<(), JsValue> {
        error::map(self.inner.push(chunk))
    }

    pub fn finish(&mut self) -> Result<(), JsValue> {
        error::map(self.inner.finish())
    }

    #[wasm_bindgen(getter = datasetType)]
    pub fn dataset_type(&self) -> String {
        self.inner.dataset_type().as_str().to_string()
    }

    #[wasm_bindgen(getter)]
    pub fn rows(&self) -> f64 {
        self.inner.rows() as f64
    }

    #[wasm_bindgen(getter)]
    pub fn turns(&self) -> f64 {
        self.inner.turns() as f64
    }

    #[wasm_bindgen(getter)]
    pub fn sessions(&self) -> f64 {
        self.inner.sessions() as f64
    }

    #[wasm_bindgen(getter = bytesConsumed)]
    pub fn bytes_consumed(&self) -> f64 {
        self.inner.bytes_consumed() as f64
    }

    #[wasm_bindgen(getter = memoryBytes)]
    pub fn memory_bytes(&self) -> f64 {
        self.inner.heap_bytes() as f64
    }

    #[wasm_bindgen(js_name = summaryJson)]
    pub fn summary_json(&self) -> Result<String, JsValue> {
        error::map(self.inner.summary_json())
    }

    #[wasm_bindgen(js_name = skippedWarning)]
    pub fn skipped_warning(&self, path: &str) -> Option<String> {
        self.inner.skipped_warning(path)
    }

    #[wasm_bindgen(js_name = sessionStart)]
    pub fn session_start(&self) -> Result<Vec<u32>, JsValue> {
        error::map(self.inner.session_start())
    }

    pub fn timestamps(&self) -> Result<Vec<f64>, JsValue> {
        error::map(self.inner.timestamps())
    }

    pub fn delays(&self) -> Result<Vec<f64>, JsValue> {
        error::map(self.inner.delays())
    }

    #[wasm_bindgen(js_name = turnJson)]
    pub fn turn_json(&self, t: f64) -> Result<String, JsValue> {
        error::map(self.inner.turn_json(t))
    }

    #[wasm_bindgen(js_name = setTables)]
    pub fn set_tables(&mut self, corpus: &[u32], token_bytes: &[u8], token_offsets: &[u32], separator: f64) -> Result<(), JsValue> {
        error::map(self.inner.set_tables(corpus, token_bytes, token_offsets, separator))
    }

    #[wasm_bindgen(js_name = promptTokens)]
    pub fn prompt_tokens(&self, t: f64) -> Result<Vec<u32>, JsValue> {
        error::map(self.inner.prompt_tokens(t))
    }

    #[wasm_bindgen(js_name = promptText)]
    pub fn prompt_text(&self, t: f64) -> Result<String, JsValue> {
        error::map(self.inner.prompt_text(t))
    }
}
