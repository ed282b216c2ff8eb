//! The worked examples of trace-analysis.md §7, number for number.

use trace_core::{analyze_trace, AnalyzerOptions, MetricStats};

fn run(text: &str) -> trace_core::AnalysisReport {
    analyze_trace(text.as_bytes(), AnalyzerOptions::default()).unwrap()
}

const EXAMPLE_A: &str = r#"{"timestamp":0,   "input_length":1200,"output_length":100,"hash_ids":[1,2,3]}
{"timestamp":1000,"input_length":1100,"output_length":200,"hash_ids":[1,2,4]}
{"timestamp":2001,"input_length":600, "output_length":50, "hash_ids":[1,5]}
{"timestamp":3000,"input_length":1024,"output_length":300,"hash_ids":[1,2]}
"#;

const EXAMPLE_A_JSON: &str = r#"{
  "total_requests": 4,
  "unique_prefixes": 5,
  "num_prefix_groups": 1,
  "cache_hit_rate": 0.5416666666666666,
  "min_isl": 600,
  "max_isl": 1200,
  "avg_isl": 981.0,
  "min_osl": 50,
  "max_osl": 300,
  "avg_osl": 162.5,
  "prefix_reuse_ratio": 0.7,
  "isl_stats": {
    "mean": 981.0,
    "std_dev": 228.65476159485505,
    "min": 600.0,
    "p25": 918.0,
    "median": 1062.0,
    "p75": 1125.0,
    "max": 1200.0
  },
  "osl_stats": {
    "mean": 162.5,
    "std_dev": 96.0143218483576,
    "min": 50.0,
    "p25": 87.5,
    "median": 150.0,
    "p75": 225.0,
    "max": 300.0
  },
  "context_length_stats": {
    "mean": 896.0,
    "std_dev": 221.70250336881628,
    "min": 512.0,
    "p25": 896.0,
    "median": 1024.0,
    "p75": 1024.0,
    "max": 1024.0
  },
  "unique_prompt_length_stats": {
    "mean": 85.0,
    "std_dev": 62.44197306299666,
    "min": 0.0,
    "p25": 57.0,
    "median": 82.0,
    "p75": 110.0,
    "max": 176.0
  },
  "hit_rate_stats": {
    "mean": 0.5416666666666666,
    "std_dev": 0.3608439182435161,
    "min": 0.0,
    "p25": 0.375,
    "median": 0.5833333333333333,
    "p75": 0.75,
    "max": 1.0
  },
  "block_size": 512,
  "skipped_invalid_rows": 0,
  "rows_without_hash_ids": 0,
  "rows_without_input_length": 0,
  "rows_without_timestamp": 0,
  "inconsistent_rows": 0,
  "inconsistent_row_examples": [],
  "token_weighted_hit_rate": 0.6523955147808359,
  "sessions": 4,
  "multi_turn_sessions": 0,
  "duration_ms": 3000,
  "request_rate_stats": {
    "mean": 1.3333333333333333,
    "std_dev": 0.4714045207910317,
    "min": 1.0,
    "p25": 1.0,
    "median": 1.0,
    "p75": 1.5,
    "max": 2.0
  }
}"#;

#[test]
fn example_a_json_is_byte_identical() {
    assert_eq!(run(EXAMPLE_A).to_json(), EXAMPLE_A_JSON);
}
