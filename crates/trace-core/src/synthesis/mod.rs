//! Trace synthesis (`docs/synthesis.md` §3–4): transform mode (row-preserving, AIPerf-compatible
//! with its bugs fixed) and generate mode (a learned radix tree sampled with one seeded
//! stream). Both take byte chunks and return byte chunks; see [`TransformStream`] and
//! [`GenerateStream`].

pub mod fxhash;
pub mod generate;
pub mod input;
pub mod json_out;
pub mod limits;
pub mod options;
pub mod stream;
pub mod transform;

pub use generate::{GenerateReport, Model};
pub use options::{parse_multiplier, SynthesisOptions, SynthesisOptionsText, DEFAULT_BLOCK_SIZE};
pub use stream::{generate_bytes, transform_bytes, GenerateStream, GenerateWarnings, StreamSettings, TransformStream};
pub use transform::{TransformReport, Transformer};
