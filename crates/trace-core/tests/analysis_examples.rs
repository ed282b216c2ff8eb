//! The worked examples of docs/trace-analysis.md §7, number for number.

use trace_core::{analyze_trace, AnalysisReport, AnalyzerOptions, MetricStats};

fn run(text: &str) -> AnalysisReport {
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

/// (mean, std_dev, p25, median, p75) as listed in the spec's tables, compared bit for bit.
fn five(s: &Option<MetricStats>) -> [f64; 5] {
    let s = s.expect("stats present");
    [s.mean, s.std_dev, s.p25, s.median, s.p75]
}

fn seven(s: &Option<MetricStats>) -> [f64; 7] {
    let s = s.expect("stats present");
    [s.mean, s.std_dev, s.min, s.p25, s.median, s.p75, s.max]
}

#[test]
fn example_a_per_row_values_and_warnings() {
    let r = run(EXAMPLE_A);
    assert_eq!(r.token_weighted_hit_rate, 2560.0 / 3924.0);
    assert_eq!(r.inconsistent_warning_line(), None);
    assert_eq!(r.skipped().warning_line("a.jsonl"), None);
}

#[test]
fn example_b_non_prefix_reuse() {
    let r = run(r#"{"timestamp":0,  "input_length":1536,"output_length":10,"hash_ids":[10,11,12]}
{"timestamp":0,  "input_length":1400,"output_length":20,"hash_ids":[20,11,12]}
{"timestamp":500,"input_length":700, "output_length":30,"hash_ids":[10,12]}
{"timestamp":900,"input_length":100, "output_length":40,"hash_ids":[30]}"#);
    assert_eq!((r.unique_prefixes, r.prefix_reuse_ratio, r.num_prefix_groups, r.cache_hit_rate), (8, 0.2222222222222222, 1, 0.25));
    assert_eq!(five(&r.isl_stats), [934.0, 576.6003815468735, 550.0, 1050.0, 1434.0]);
    assert_eq!(five(&r.context_length_stats), [768.0, 572.4334022399462, 384.0, 768.0, 1152.0]);
    assert_eq!(five(&r.unique_prompt_length_stats), [166.0, 138.28955130450024, 75.0, 144.0, 235.0]);
    assert_eq!(five(&r.hit_rate_stats), [0.25, 0.4330127018922193, 0.0, 0.0, 0.25]);
    assert_eq!(five(&r.osl_stats), [25.0, 11.180339887498949, 17.5, 25.0, 32.5]);
    assert_eq!(r.token_weighted_hit_rate, 0.1873661670235546);
    let d = r.duration_ms.unwrap();
    assert!(d.integral && d.value == 900.0);
    assert_eq!(seven(&r.request_rate_stats), [4.0, 0.0, 4.0, 4.0, 4.0, 4.0, 4.0]);
}

#[test]
fn example_c_missing_fields() {
    let r = run(r#"{"input_length":300,"output_length":10}
{"input_length":700,"output_length":20,"hash_ids":[7,8]}
{"input_length":700,"hash_ids":[7,8]}"#);
    assert_eq!(r.total_requests, 3);
    assert_eq!((r.min_osl, r.avg_osl, r.avg_isl), (0, 10.0, 566.6666666666666));
    assert_eq!((r.cache_hit_rate, r.unique_prefixes, r.prefix_reuse_ratio, r.num_prefix_groups), (0.5, 2, 1.0, 1));
    assert_eq!(r.hit_rate_stats.unwrap().std_dev, 0.5);
    assert_eq!(five(&r.isl_stats), [566.6666666666666, 188.56180831641268, 500.0, 700.0, 700.0]);
    assert_eq!(five(&r.osl_stats), [10.0, 8.16496580927726, 5.0, 10.0, 15.0]);
    assert_eq!(five(&r.context_length_stats), [466.6666666666667, 329.9831645537222, 350.0, 700.0, 700.0]);
    assert_eq!(five(&r.unique_prompt_length_stats), [100.0, 141.4213562373095, 0.0, 0.0, 150.0]);
    assert_eq!((r.rows_without_hash_ids, r.rows_without_timestamp, r.token_weighted_hit_rate, r.sessions), (1, 3, 0.5, 3));
    assert_eq!((r.duration_ms, r.request_rate_stats), (None, None));
    let json = r.to_json();
    assert!(json.contains("\n  \"duration_ms\": null,\n  \"request_rate_stats\": null\n}"), "{json}");
}

#[test]
fn example_d_branching_conversations() {
    let rows = [
        ("[0,1]", 1024, 10, 0),
        ("[0,1,2,3,4]", 2500, 20, 0),
        ("[0,1,2,3,4,5,6]", 3400, 30, 1000),
        ("[7,8]", 1024, 40, 1000),
        ("[7,8,9,10]", 1900, 50, 1000),
        ("[11,12]", 600, 60, 3000),
    ];
    let text: String = rows
        .iter()
        .map(|(h, isl, osl, ts)| format!("{{\"timestamp\":{ts},\"input_length\":{isl},\"output_length\":{osl},\"hash_ids\":{h}}}\n"))
        .collect();
    let r = run(&text);
    assert_eq!(r.cache_hit_rate, 0.26904761904761904);
    assert_eq!((r.unique_prefixes, r.prefix_reuse_ratio, r.num_prefix_groups), (13, 0.7272727272727273, 2));
    assert_eq!(r.token_weighted_hit_rate, 0.44104134762633995);
    assert_eq!(seven(&r.request_rate_stats), [2.0, 0.816496580927726, 1.0, 1.5, 2.0, 2.5, 3.0]);
    // per-row context [1024, 2500, 2560, 1024, 1024, 0] and unique [0, 0, 840, 0, 876, 600]
    let ctx = r.context_length_stats.unwrap();
    assert_eq!((ctx.min, ctx.max, ctx.mean), (0.0, 2560.0, (1024.0 + 2500.0 + 2560.0 + 1024.0 + 1024.0) / 6.0));
    let un = r.unique_prompt_length_stats.unwrap();
    assert_eq!((un.min, un.max, un.mean, un.median), (0.0, 876.0, 2316.0 / 6.0, 300.0));
    let hit = r.hit_rate_stats.unwrap();
    assert_eq!((hit.max, hit.median), (0.7142857142857143, 0.2));
}

#[test]
fn no_hash_ids_at_all() {
    let r = run("{\"input_length\":10,\"output_length\":3}\n{\"input_length\":20}");
    assert_eq!((r.unique_prefixes, r.cache_hit_rate, r.hit_rate_stats), (0, 0.0, None));
    assert_eq!(seven(&r.context_length_stats), [0.0; 7]);
    assert_eq!(seven(&r.unique_prompt_length_stats), seven(&r.isl_stats));
    assert!(r.to_json().contains("\"hit_rate_stats\": null,\n"));
}

#[test]
fn empty_file_gives_zeros_and_nulls() {
    let opts = AnalyzerOptions { block_size: 64, ..Default::default() };
    for text in ["", "\n\n  \r\n"] {
        let r = analyze_trace(text.as_bytes(), opts.clone()).unwrap();
        let json = r.to_json();
        assert!(json.contains("\"total_requests\": 0,") && json.contains("\"avg_isl\": 0.0,") && json.contains("\"block_size\": 64,"));
        assert!(json.contains("\"isl_stats\": null,") && json.contains("\"duration_ms\": null,"));
        assert_eq!((r.min_isl, r.max_isl, r.sessions), (0, 0, 0));
    }
}

fn real_trace() -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/mooncake/conversation_trace.jsonl");
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

#[test]
fn real_mooncake_trace() {
    let r = analyze_trace(&real_trace(), AnalyzerOptions { check_materialisation: true, ..Default::default() }).unwrap();
    assert_eq!((r.total_requests, r.unique_prefixes, r.num_prefix_groups), (12031, 182790, 1));
    assert_eq!(r.cache_hit_rate, 0.38425808746366197);
    assert_eq!((r.min_isl, r.max_isl, r.avg_isl), (891, 126195, 12035.061341534369));
    assert_eq!((r.min_osl, r.max_osl, r.avg_osl), (1, 2000, 342.6189011719724));
    assert_eq!(r.prefix_reuse_ratio, 0.519424610051993);
    assert_eq!(seven(&r.isl_stats), [12035.061341534369, 15800.344851301792, 891.0, 2306.5, 6909.0, 15367.0, 126195.0]);
    assert_eq!(seven(&r.osl_stats), [342.6189011719724, 249.90803456204557, 1.0, 156.5, 350.0, 472.0, 2000.0]);
    assert_eq!(seven(&r.context_length_stats), [6373.585487490649, 12024.627428204118, 512.0, 512.0, 1536.0, 7168.0, 122880.0]);
    assert_eq!(seven(&r.unique_prompt_length_stats), [5661.475854043721, 12353.496775322432, 0.0, 350.0, 594.0, 6071.5, 125683.0]);
    assert_eq!(
        seven(&r.hit_rate_stats),
        [0.38425808746366197, 0.33651244604875785, 0.0, 0.06666666666666667, 0.3333333333333333, 0.6666666666666666, 1.0]
    );
    assert_eq!((r.rows_without_hash_ids, r.inconsistent_rows, r.skipped_invalid_rows), (0, 0, 0));
    assert_eq!(r.token_weighted_hit_rate, 0.3736237491291324);
    assert_eq!(r.token_weighted_hit_rate, 54098411.0 / 144793823.0);
    assert_eq!((r.sessions, r.multi_turn_sessions), (12031, 0));
    let d = r.duration_ms.unwrap();
    assert!(d.integral && d.value == 3536999.0);
    assert_eq!(seven(&r.request_rate_stats), [3.4014701724625387, 5.18184758044207, 0.0, 0.0, 0.0, 8.0, 28.0]);
}
