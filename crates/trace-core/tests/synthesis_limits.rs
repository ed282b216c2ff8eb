//! Output limits of synthesis (`docs/synthesis.md` §7): multipliers up to 10^12 end in an
//! `OUTPUT_LIMIT` error naming the flag and the size, found before the output is allocated,
//! and no output row is ever one the readers reject.

use trace_core::decimal::Decimal;
use trace_core::lines::MAX_LINE_BYTES;
use trace_core::row::{parse_row, ParseOptions};
use trace_core::synthesis::limits::{EMIT_BUFFER_BYTES, MAX_ROW_BYTES, MAX_TOKENS};
use trace_core::synthesis::{generate_bytes, transform_bytes, StreamSettings, SynthesisOptions, TransformStream};
use trace_core::{ErrorCode, TraceError};

const TRACE: &str = r#"{"timestamp":0,"input_length":6758,"output_length":500,"hash_ids":[0,1,2,3,4,5,6,7,8,9,10,11,12,13]}
{"timestamp":10,"input_length":7322,"output_length":490,"hash_ids":[0,14,15,16,17,18,19,20,21,22,23,24,25,26,27]}
{"timestamp":20,"input_length":1200,"output_length":30,"hash_ids":[0,28,29]}
{"timestamp":30,"input_length":900,"output_length":60,"hash_ids":[30,31]}
"#;

fn settings() -> StreamSettings {
    StreamSettings { source_name: "t.jsonl".into(), skip_invalid: false }
}

fn with(f: impl FnOnce(&mut SynthesisOptions)) -> SynthesisOptions {
    let mut o = SynthesisOptions::default();
    f(&mut o);
    o
}

fn d(s: &str) -> Decimal {
    Decimal::parse(s).unwrap()
}

fn generate_err(input: &str, opts: SynthesisOptions) -> TraceError {
    generate_bytes(input.as_bytes(), 1, opts, settings()).map(|_| ()).unwrap_err()
}

fn transform_err(input: &str, opts: SynthesisOptions) -> TraceError {
    transform_bytes(input.as_bytes(), opts, settings()).map(|_| ()).unwrap_err()
}

/// Every output line parses with the readers' own parser and fits their limits.
fn assert_readable(out: &[u8]) {
    for line in out.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        assert!(line.len() <= MAX_LINE_BYTES, "line of {} bytes", line.len());
        parse_row(line, &ParseOptions::default()).unwrap_or_else(|e| panic!("unreadable output row: {e:?}"));
    }
}

#[test]
fn a_huge_prompt_multiplier_in_generate_mode_is_an_output_limit_naming_the_flag_and_the_size() {
    // Before: a Rust allocation failure (abort) for 999999999999, unbounded growth for 10000000.
    for q in ["999999999999", "10000000"] {
        let e = generate_err(TRACE, with(|o| o.prompt_len_multiplier = d(q)));
        assert_eq!(e.code, ErrorCode::OutputLimit, "{}", e.message);
        assert!(e.message.contains(&format!("--synthesis-prompt-len-multiplier {q} would make input_length ")), "{}", e.message);
        assert!(e.message.contains(&format!("at most {MAX_TOKENS} tokens")), "{}", e.message);
        assert!(e.message.starts_with("output limit: generated row 1: "), "{}", e.message);
    }
}

#[test]
fn huge_prefix_and_output_multipliers_in_generate_mode_are_output_limits() {
    let opts = with(|o| o.prefix_len_multiplier = d("999999999999"));
    let e = generate_bytes(TRACE.as_bytes(), 20, opts, settings()).map(|_| ()).unwrap_err();
    // (or the id space runs out first: either way a typed error, never an allocation)
    assert!(matches!(e.code, ErrorCode::OutputLimit | ErrorCode::InvalidArg), "{e:?}");
    // The shared prefix [0] of 512 tokens × 10^7 = 5.12e9 tokens (20 rows: one takes that path).
    let opts = with(|o| o.prefix_len_multiplier = d("10000000"));
    let e = generate_bytes(TRACE.as_bytes(), 20, opts, settings()).map(|_| ()).unwrap_err();
    assert_eq!(e.code, ErrorCode::OutputLimit, "{}", e.message);
    assert!(e.message.contains("--synthesis-prefix-len-multiplier 10000000 would make input_length "), "{}", e.message);
    let e = generate_err(TRACE, with(|o| o.output_len_multiplier = d("999999999999")));
    assert_eq!(e.code, ErrorCode::OutputLimit, "{}", e.message);
    assert!(e.message.contains("--synthesis-output-len-multiplier 999999999999 would make output_length "), "{}", e.message);
}

#[test]
fn generate_mode_stays_within_the_limits_just_below_them() {
    // 900 tokens × 4,000,000 = 3.6e9 ≤ 2^32 − 1 for the smallest rows; larger rows are rejected
    // by --synthesis-max-isl first, which is a resample and not an error.
    let opts = with(|o| {
        o.prompt_len_multiplier = d("4000000");
        o.max_isl = Some(MAX_TOKENS);
    });
    let (out, _, _) = generate_bytes(TRACE.as_bytes(), 2, opts, settings()).unwrap();
    assert_readable(&out);
}

#[test]
fn transform_scaling_past_the_token_limit_names_file_line_and_flag() {
    let e = transform_err(TRACE, with(|o| o.prompt_len_multiplier = d("999999999999")));
    assert_eq!(e.code, ErrorCode::OutputLimit);
    assert!(e.message.starts_with("t.jsonl:1: output limit: --synthesis-prompt-len-multiplier 999999999999"), "{}", e.message);
    let e = transform_err(TRACE, with(|o| o.output_len_multiplier = d("10000000")));
    assert_eq!(e.code, ErrorCode::OutputLimit);
    assert!(e.message.contains("--synthesis-output-len-multiplier 10000000 would make output_length 5000000000"), "{}", e.message);
    // --synthesis-max-isl drops such rows instead (step 8 comes before the limit).
    let opts = with(|o| {
        o.prompt_len_multiplier = d("999999999999");
        o.max_isl = Some(100_000);
    });
    let (out, report, _) = transform_bytes(TRACE.as_bytes(), opts, settings()).unwrap();
    assert_eq!((out.len(), report.skipped_max_isl), (0, 4));
}

#[test]
fn the_largest_input_length_with_a_root_multiplier_is_refused_not_written_as_an_unreadable_line() {
    // Before: a 74 MB line (8,388,608 fresh ids) that every reader rejects as line_too_long.
    let row = r#"{"timestamp":0,"input_length":4294967295,"output_length":1,"hash_ids":[1]}"#;
    let e = transform_err(row, with(|o| o.prefix_root_multiplier = 3));
    assert_eq!(e.code, ErrorCode::OutputLimit, "{}", e.message);
    assert!(e.message.contains("--synthesis-prefix-root-multiplier 3 would make a row of "), "{}", e.message);
    assert!(e.message.contains("(8388608 hash ids)"), "{}", e.message);
    assert!(e.message.contains(&format!("at most {MAX_ROW_BYTES} bytes")), "{}", e.message);
}

#[test]
fn a_speedup_ratio_that_pushes_times_past_2_pow_53_is_an_output_limit() {
    let row = "{\"timestamp\":100000000,\"input_length\":10,\"output_length\":1}\n";
    let e = transform_err(row, with(|o| o.speedup_ratio = d("0.000000001")));
    assert_eq!(e.code, ErrorCode::OutputLimit);
    assert!(e.message.contains("--synthesis-speedup-ratio 0.000000001 would make timestamp 1e17"), "{}", e.message);
    let rows = "{\"timestamp\":0,\"input_length\":10,\"output_length\":1,\"hash_ids\":[1]}\n{\"timestamp\":100000000,\"input_length\":10,\"output_length\":1,\"hash_ids\":[2]}\n";
    let e = generate_bytes(rows.as_bytes(), 50, with(|o| o.speedup_ratio = d("0.000000001")), settings()).map(|_| ()).unwrap_err();
    assert_eq!(e.code, ErrorCode::OutputLimit, "{}", e.message);
}

#[test]
fn a_transform_emit_call_returns_at_most_one_buffer_and_the_rest_comes_from_drain_emit() {
    // 2,000 rows that each grow to ~70 KB (a prompt multiplier of 4000): 140 MB of output from
    // a 150 KB input, handed out in buffers of about EMIT_BUFFER_BYTES.
    let mut input = String::new();
    for i in 0..2000 {
        input.push_str(&format!(
            "{{\"timestamp\":{i},\"input_length\":1024,\"output_length\":1,\"hash_ids\":[{},{}]}}\n",
            2 * i,
            2 * i + 1
        ));
    }
    let opts = with(|o| o.prompt_len_multiplier = d("4000"));
    let mut s = TransformStream::new(opts, settings()).unwrap();
    s.push_learn(input.as_bytes()).unwrap();
    s.finish_learn().unwrap();
    let first = s.push_emit(input.as_bytes()).unwrap();
    let max_call = EMIT_BUFFER_BYTES + MAX_LINE_BYTES;
    assert!(first.len() <= max_call && first.len() >= EMIT_BUFFER_BYTES, "{}", first.len());
    let (mut total, mut calls, mut rows) = (first.len(), 1, first.iter().filter(|&&b| b == b'\n').count());
    // Pushing before the buffer is drained is a usage error.
    assert_eq!(s.push_emit(b"").unwrap_err().code, ErrorCode::AnalyzerState);
    loop {
        let more = s.drain_emit().unwrap();
        if more.is_empty() {
            break;
        }
        assert!(more.len() <= max_call, "{}", more.len());
        total += more.len();
        rows += more.iter().filter(|&&b| b == b'\n').count();
        calls += 1;
    }
    let (tail, report) = s.finish_emit().unwrap();
    assert!(tail.is_empty());
    assert_eq!((rows, report.rows_out), (2000, 2000));
    assert!(total > 3 * EMIT_BUFFER_BYTES && calls >= 4, "{calls} calls for {total} bytes");
}

#[test]
fn a_run_stops_at_its_total_output_bound_naming_the_flag() {
    // The real bound is 1 TiB; a lowered one shows the check on both modes.
    let mut g = trace_core::synthesis::GenerateStream::new(SynthesisOptions::default(), settings()).unwrap();
    g.set_max_output_bytes(10_000);
    g.push(TRACE.as_bytes()).unwrap();
    g.finish(1_000_000).unwrap();
    let e = loop {
        match g.next_chunk(1 << 12) {
            Ok(c) => assert!(!c.is_empty(), "the bound stops the run first"),
            Err(e) => break e,
        }
    };
    assert_eq!(e.code, ErrorCode::OutputLimit);
    assert!(e.message.starts_with("output limit: --num-requests 1000000 would write more than "), "{}", e.message);
    assert!(e.message.contains("one run writes at most 10000 bytes"), "{}", e.message);

    let mut t = TransformStream::new(with(|o| o.prompt_len_multiplier = d("3")), settings()).unwrap();
    t.set_max_output_bytes(100);
    t.push_learn(TRACE.as_bytes()).unwrap();
    t.finish_learn().unwrap();
    let e = t.push_emit(TRACE.as_bytes()).unwrap_err();
    assert_eq!(e.code, ErrorCode::OutputLimit);
    assert!(e.message.starts_with("output limit: --synthesis-prompt-len-multiplier 3 would write more than "), "{}", e.message);
}
