//! Options of a [`super::ReplayDataset`]: the dataset flags of `profile` that reach the core
//! (`docs/cli.md` §3.3–3.4) and the `--synthesis-*` transform (`docs/synthesis.md` §3.1), with
//! every check and message here rather than in the bindings.

use crate::error::TraceError;
use crate::synthesis::{SynthesisOptions, SynthesisOptionsText};

/// The three `--custom-dataset-type` values (`docs/cli.md` §3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatasetType {
    MooncakeTrace,
    SingleTurn,
    MultiTurn,
}

impl DatasetType {
    pub const ALL: [DatasetType; 3] = [DatasetType::MooncakeTrace, DatasetType::SingleTurn, DatasetType::MultiTurn];

    /// `mooncake_trace`, `single_turn`, `multi_turn`.
    pub fn as_str(&self) -> &'static str {
        match self {
            DatasetType::MooncakeTrace => "mooncake_trace",
            DatasetType::SingleTurn => "single_turn",
            DatasetType::MultiTurn => "multi_turn",
        }
    }

    /// Parses the flag's value; `INVALID_ARG` naming `--custom-dataset-type` otherwise.
    pub fn parse(text: &str) -> Result<DatasetType, TraceError> {
        DatasetType::ALL.iter().copied().find(|t| t.as_str() == text).ok_or_else(|| {
            TraceError::invalid_arg(format!(
                "option '--custom-dataset-type': expected one of mooncake_trace, single_turn, multi_turn, got '{text}'"
            ))
        })
    }
}

/// Validated options.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayOptions {
    /// `bs`: materialisation, layout and size-conflict checks, and the transform.
    pub block_size: u32,
    /// `--skip-invalid`.
    pub skip_invalid: bool,
    /// FILE in messages.
    pub source_name: String,
    /// `--custom-dataset-type`; `None` infers it from the first valid row.
    pub dataset_type: Option<DatasetType>,
    /// `--fixed-schedule-start-offset` / `-end-offset` (ms): rows whose original timestamp lies
    /// outside `[start, end]` are dropped; rows without a timestamp are kept.
    pub window_start_ms: Option<f64>,
    pub window_end_ms: Option<f64>,
    /// A fixed schedule: the first turn of every session needs a `timestamp`
    /// (`docs/trace-format.md` §6).
    pub require_timestamps: bool,
    /// `--random-seed`: materialisation streams and the transform's tree draws.
    pub seed: u64,
    /// The transform's parameters (its block size and seed are the two above).
    pub synthesis: SynthesisOptions,
}

impl Default for ReplayOptions {
    fn default() -> Self {
        ReplayOptions {
            block_size: 512,
            skip_invalid: false,
            source_name: "<input>".to_string(),
            dataset_type: None,
            window_start_ms: None,
            window_end_ms: None,
            require_timestamps: false,
            seed: 0,
            synthesis: SynthesisOptions::default(),
        }
    }
}

/// [`ReplayOptions`] as a binding passes them: every field optional, numbers as doubles,
/// multipliers and the seed as exact decimal text (the `BackendSynthesisOptions` names).
#[derive(Debug, Clone, Default)]
pub struct ReplayOptionsInput {
    pub block_size: Option<f64>,
    pub skip_invalid: Option<bool>,
    pub source_name: Option<String>,
    pub dataset_type: Option<String>,
    pub window_start_ms: Option<f64>,
    pub window_end_ms: Option<f64>,
    pub require_timestamps: Option<bool>,
    pub seed: Option<String>,
    pub speedup_ratio: Option<String>,
    pub prefix_len_multiplier: Option<String>,
    pub prefix_root_multiplier: Option<String>,
    pub prompt_len_multiplier: Option<String>,
    pub output_len_multiplier: Option<String>,
    pub max_isl: Option<f64>,
    pub max_osl: Option<f64>,
}

fn window_bound(flag: &str, v: Option<f64>) -> Result<Option<f64>, TraceError> {
    match v {
        Some(x) if !(x.is_finite() && x >= 0.0) => {
            Err(TraceError::invalid_arg(format!("option '{flag}': expected a non-negative number, got '{x}'")))
        }
        _ => Ok(v),
    }
}

impl ReplayOptions {
    /// Decodes and checks [`ReplayOptionsInput`]; absent fields take the defaults. The
    /// synthesis fields go through [`SynthesisOptions::from_text`], so their messages are the
    /// `synthesize` command's.
    pub fn from_input(input: ReplayOptionsInput) -> Result<Self, TraceError> {
        let d = ReplayOptions::default();
        let synthesis = SynthesisOptions::from_text(&SynthesisOptionsText {
            block_size: input.block_size,
            speedup_ratio: input.speedup_ratio,
            prefix_len_multiplier: input.prefix_len_multiplier,
            prefix_root_multiplier: input.prefix_root_multiplier,
            prompt_len_multiplier: input.prompt_len_multiplier,
            output_len_multiplier: input.output_len_multiplier,
            max_isl: input.max_isl,
            max_osl: input.max_osl,
            seed: input.seed,
            ..SynthesisOptionsText::default()
        })?;
        let window_start_ms = window_bound("--fixed-schedule-start-offset", input.window_start_ms)?;
        let window_end_ms = window_bound("--fixed-schedule-end-offset", input.window_end_ms)?;
        if let (Some(s), Some(e)) = (window_start_ms, window_end_ms) {
            if s > e {
                return Err(TraceError::invalid_arg(format!(
                    "option '--fixed-schedule-start-offset': {s} is after --fixed-schedule-end-offset {e}"
                )));
            }
        }
        Ok(ReplayOptions {
            // validated by from_text (1 ≤ bs ≤ u32::MAX)
            block_size: synthesis.block_size as u32,
            skip_invalid: input.skip_invalid.unwrap_or(d.skip_invalid),
            source_name: input.source_name.unwrap_or(d.source_name),
            dataset_type: input.dataset_type.as_deref().map(DatasetType::parse).transpose()?,
            window_start_ms,
            window_end_ms,
            require_timestamps: input.require_timestamps.unwrap_or(d.require_timestamps),
            seed: synthesis.seed,
            synthesis,
        })
    }

    /// The first `--synthesis-*` option that differs from its default, in the `docs/synthesis.md`
    /// §3.1 table order; the transform runs iff there is one (§3.2).
    pub fn first_synthesis_flag(&self) -> Option<&'static str> {
        let s = &self.synthesis;
        [
            (!s.speedup_ratio.is_one(), "--synthesis-speedup-ratio"),
            (!s.prefix_len_multiplier.is_one(), "--synthesis-prefix-len-multiplier"),
            (s.prefix_root_multiplier != 1, "--synthesis-prefix-root-multiplier"),
            (!s.prompt_len_multiplier.is_one(), "--synthesis-prompt-len-multiplier"),
            (!s.output_len_multiplier.is_one(), "--synthesis-output-len-multiplier"),
            (s.max_isl.is_some(), "--synthesis-max-isl"),
            (s.max_osl.is_some(), "--synthesis-max-osl"),
        ]
        .into_iter()
        .find_map(|(differs, flag)| differs.then_some(flag))
    }

    /// Whether the transform runs (and the file must be pushed twice).
    pub fn needs_transform(&self) -> bool {
        self.first_synthesis_flag().is_some()
    }

    /// Whether a row's original timestamp keeps it (rows without one are always kept).
    pub fn in_window(&self, timestamp: Option<f64>) -> bool {
        match timestamp {
            None => true,
            Some(t) => self.window_start_ms.is_none_or(|s| t >= s) && self.window_end_ms.is_none_or(|e| t <= e),
        }
    }

    /// `INVALID_ARG` when a transform is asked for a dataset that is not a Mooncake trace
    /// (`docs/cli.md` §3.6 rule 15).
    pub fn check_transform_type(&self, dataset_type: DatasetType) -> Result<(), TraceError> {
        match self.first_synthesis_flag() {
            Some(flag) if dataset_type != DatasetType::MooncakeTrace => Err(TraceError::invalid_arg(format!(
                "option '{flag}' requires a mooncake_trace --input-file ({} is {})",
                self.source_name,
                dataset_type.as_str()
            ))),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(input: ReplayOptionsInput) -> String {
        ReplayOptions::from_input(input).unwrap_err().message
    }

    #[test]
    fn defaults_and_the_transform_switch() {
        let o = ReplayOptions::from_input(ReplayOptionsInput::default()).unwrap();
        assert_eq!(o, ReplayOptions::default());
        assert!(!o.needs_transform());
        let seed_only = ReplayOptions::from_input(ReplayOptionsInput { seed: Some("7".into()), ..Default::default() }).unwrap();
        assert!(!seed_only.needs_transform(), "the seed alone is not a synthesis option");
        assert_eq!(seed_only.synthesis.seed, 7);
        let osl = ReplayOptions::from_input(ReplayOptionsInput { max_osl: Some(10.0), ..Default::default() }).unwrap();
        assert_eq!(osl.first_synthesis_flag(), Some("--synthesis-max-osl"));
        let one = ReplayOptions::from_input(ReplayOptionsInput { speedup_ratio: Some("1.0".into()), ..Default::default() }).unwrap();
        assert!(!one.needs_transform(), "1.0 is the default value");
    }

    #[test]
    fn messages_name_the_option() {
        assert_eq!(
            err(ReplayOptionsInput { dataset_type: Some("csv".into()), ..Default::default() }),
            "option '--custom-dataset-type': expected one of mooncake_trace, single_turn, multi_turn, got 'csv'"
        );
        assert_eq!(
            err(ReplayOptionsInput { window_start_ms: Some(-1.0), ..Default::default() }),
            "option '--fixed-schedule-start-offset': expected a non-negative number, got '-1'"
        );
        assert_eq!(
            err(ReplayOptionsInput { window_start_ms: Some(5.0), window_end_ms: Some(4.0), ..Default::default() }),
            "option '--fixed-schedule-start-offset': 5 is after --fixed-schedule-end-offset 4"
        );
        assert_eq!(
            err(ReplayOptionsInput { speedup_ratio: Some("0".into()), ..Default::default() }),
            "option '--synthesis-speedup-ratio': expected a positive number, got '0'"
        );
        assert_eq!(
            err(ReplayOptionsInput { seed: Some("-1".into()), ..Default::default() }),
            "option '--random-seed': expected an integer between 0 and 18446744073709551615, got '-1'"
        );
        let o = ReplayOptions::from_input(ReplayOptionsInput { prefix_root_multiplier: Some("2".into()), ..Default::default() }).unwrap();
        assert_eq!(
            o.check_transform_type(DatasetType::SingleTurn).unwrap_err().message,
            "option '--synthesis-prefix-root-multiplier' requires a mooncake_trace --input-file (<input> is single_turn)"
        );
    }

    #[test]
    fn the_window_is_inclusive_and_keeps_rows_without_timestamps() {
        let o = ReplayOptions { window_start_ms: Some(10.0), window_end_ms: Some(20.0), ..Default::default() };
        let kept: Vec<bool> = [9.999, 10.0, 15.0, 20.0, 20.001].iter().map(|&t| o.in_window(Some(t))).collect();
        assert_eq!(kept, [false, true, true, true, false]);
        assert!(o.in_window(None));
    }
}
