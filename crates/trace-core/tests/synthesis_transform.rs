//! Transform mode (`docs/synthesis.md` §3): every worked example of §3.7, the §3.8 fixes as
//! regression tests, and the §3.9 properties (including on the real trace).

use std::collections::HashMap;

use trace_core::decimal::Decimal;
use trace_core::synthesis::{transform_bytes, StreamSettings, SynthesisOptions, TransformReport, TransformStream};
use trace_core::{ErrorCode, Reason};

fn d(s: &str) -> Decimal {
    Decimal::parse(s).unwrap()
}

fn settings() -> StreamSettings {
    StreamSettings { source_name: "t.jsonl".into(), skip_invalid: false }
}

fn run(input: &str, opts: SynthesisOptions) -> (Vec<String>, TransformReport) {
    let (out, report, _) = transform_bytes(input.as_bytes(), opts, settings()).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.is_empty() || text.ends_with('\n'));
    (text.lines().map(str::to_string).collect(), report)
}

fn with(f: impl FnOnce(&mut SynthesisOptions)) -> SynthesisOptions {
    let mut o = SynthesisOptions::default();
    f(&mut o);
    o
}

const EXAMPLE_A: &str = r#"{"timestamp":0,"input_length":1200,"output_length":100,"hash_ids":[1,2,3]}
{"timestamp":1000,"input_length":1100,"output_length":200,"hash_ids":[1,2,4]}
{"timestamp":2001,"input_length":600,"output_length":50,"hash_ids":[1,5]}
{"timestamp":3000,"input_length":1024,"output_length":300,"hash_ids":[1,2]}
"#;

/// (hash_ids, input_length) of each output row, as text.
fn ids_isl(rows: &[String]) -> Vec<String> {
    rows.iter()
        .map(|r| {
            let ids = r.split("\"hash_ids\":").nth(1).unwrap().split(']').next().unwrap().to_string() + "]";
            let isl = r.split("\"input_length\":").nth(1).unwrap().split([',', '}']).next().unwrap().to_string();
            format!("{ids} {isl}")
        })
        .collect()
}

#[test]
fn example_a_defaults_are_identity() {
    let (rows, rep) = run(EXAMPLE_A, SynthesisOptions::default());
    assert_eq!(rows.join("\n") + "\n", EXAMPLE_A);
    assert_eq!(rep.fresh_ids, None);
    assert_eq!((rep.rows_in, rep.rows_out), (4, 4));
}

#[test]
fn example_a_speedup_floors_integral_timestamps() {
    let (rows, _) = run(EXAMPLE_A, with(|o| o.speedup_ratio = d("2")));
    let ts: Vec<&str> = rows.iter().map(|r| r.split("\"timestamp\":").nth(1).unwrap().split(',').next().unwrap()).collect();
    assert_eq!(ts, ["0", "500", "1000", "1500"]);
    assert_eq!(ids_isl(&rows), ["[1,2,3] 1200", "[1,2,4] 1100", "[1,5] 600", "[1,2] 1024"]);
}

#[test]
fn example_a_prefix_multipliers() {
    let (rows, rep) = run(EXAMPLE_A, with(|o| o.prefix_len_multiplier = d("2")));
    assert_eq!(ids_isl(&rows), ["[2,3,4,5,7] 2224", "[2,3,4,5,8] 2124", "[2,3,9] 1112", "[2,3,4,5] 2048"]);
    assert_eq!(rep.fresh_ids, Some((7, 9)));
    let (rows, _) = run(EXAMPLE_A, with(|o| o.prefix_len_multiplier = d("1.5")));
    assert_eq!(ids_isl(&rows), ["[2,3,4,7] 1712", "[2,3,4,8] 1612", "[2,3,9] 1112", "[2,3,4] 1536"]);
    let (rows, _) = run(EXAMPLE_A, with(|o| o.prefix_len_multiplier = d("0.5")));
    assert_eq!(ids_isl(&rows), ["[1,4] 688", "[1,5] 588", "[1,6] 600", "[1] 512"]);
}

#[test]
fn example_a_prompt_multipliers() {
    let (rows, _) = run(EXAMPLE_A, with(|o| o.prompt_len_multiplier = d("0.5")));
    assert_eq!(ids_isl(&rows), ["[1,2,4] 1112", "[1,2,5] 1062", "[1,6] 556", "[1,2] 1024"]);
    let (rows, _) = run(EXAMPLE_A, with(|o| o.prompt_len_multiplier = d("2")));
    assert_eq!(ids_isl(&rows), ["[1,2,4] 1376", "[1,2,5] 1176", "[1,6] 688", "[1,2] 1024"]);
}

#[test]
fn example_a_root_multiplier() {
    let (rows, rep) = run(EXAMPLE_A, with(|o| o.prefix_root_multiplier = 3));
    assert_eq!(ids_isl(&rows), ["[8,9,11] 1200", "[8,9,12] 1100", "[1,6] 600", "[1,2] 1024"]);
    assert_eq!(rep.trees, 3);
    let (rows, _) = run(
        EXAMPLE_A,
        with(|o| {
            o.prefix_root_multiplier = 3;
            o.prefix_len_multiplier = d("2");
            o.seed = 1;
        }),
    );
    let ids: Vec<String> = ids_isl(&rows).iter().map(|s| s.split(' ').next().unwrap().to_string()).collect();
    assert_eq!(ids, ["[22,23,24,25,27]", "[22,23,24,25,28]", "[22,23,29]", "[22,23,24,25]"]);
}

#[test]
fn example_a_output_caps_and_summary_line() {
    let (rows, _) = run(
        EXAMPLE_A,
        with(|o| {
            o.output_len_multiplier = d("1.5");
            o.max_osl = Some(200);
        }),
    );
    let osl: Vec<&str> = rows.iter().map(|r| r.split("\"output_length\":").nth(1).unwrap().split(',').next().unwrap()).collect();
    assert_eq!(osl, ["150", "200", "75", "200"]);
    let (rows, rep) = run(
        EXAMPLE_A,
        with(|o| {
            o.output_len_multiplier = d("1.5");
            o.max_osl = Some(200);
            o.max_isl = Some(1100);
        }),
    );
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rep.summary_line(),
        "synthesize (transform): 4 rows in, 3 rows out; 1 skipped by --synthesis-max-isl (1 session affected); 2 output lengths capped by --synthesis-max-osl; 0 inconsistent rows repaired; fresh ids none; trees 1; seed 0"
    );
}

#[test]
fn example_a_max_isl_skips_on_the_final_length() {
    let (rows, rep) = run(EXAMPLE_A, with(|o| o.max_isl = Some(1000)));
    assert_eq!(ids_isl(&rows), ["[1,5] 600"]);
    assert_eq!(rep.skipped_max_isl, 3);
    let (rows, rep) = run(
        EXAMPLE_A,
        with(|o| {
            o.prefix_len_multiplier = d("2");
            o.max_isl = Some(1500);
        }),
    );
    assert_eq!(ids_isl(&rows), ["[2,3,9] 1112"]);
    assert_eq!((rep.skipped_max_isl, rep.sessions_affected), (3, 3));
    let (rows, _) = run(EXAMPLE_A, with(|o| o.max_isl = Some(1100)));
    let lines: Vec<&str> = EXAMPLE_A.lines().collect();
    assert_eq!(rows, lines[1..]);
}

#[test]
fn example_b_paths_not_positions() {
    let input = r#"{"timestamp":0,  "input_length":1536,"output_length":10,"hash_ids":[10,11,12]}
{"timestamp":0,  "input_length":1400,"output_length":20,"hash_ids":[20,11,12]}
{"timestamp":500,"input_length":700, "output_length":30,"hash_ids":[10,12]}
{"timestamp":900,"input_length":100, "output_length":40,"hash_ids":[30]}
"#;
    let (rows, rep) = run(input, with(|o| o.prefix_len_multiplier = d("2")));
    assert_eq!(ids_isl(&rows), ["[20,21,23,24] 2048", "[25,26,27] 1400", "[20,21,28] 1212", "[29] 100"]);
    assert_eq!(rep.fresh_ids, Some((23, 29)));
    // §3.8 #1/#11: a speedup alone never fails and never touches ids.
    let (rows, _) = run(input, with(|o| o.speedup_ratio = d("2")));
    assert_eq!(ids_isl(&rows)[1], "[20,11,12] 1400");
}

const EXAMPLE_C: &str = r#"{"input_length":300,"output_length":10}
{"input_length":700,"output_length":20,"hash_ids":[7,8]}
{"input_length":700,"hash_ids":[7,8]}
"#;

#[test]
fn example_c_partial_shared_block_becomes_prompt() {
    let (rows, _) = run(EXAMPLE_C, with(|o| o.prompt_len_multiplier = d("2")));
    assert_eq!(
        rows,
        [
            r#"{"input_length":600,"output_length":10}"#,
            r#"{"input_length":888,"output_length":20,"hash_ids":[7,10]}"#,
            r#"{"input_length":888,"hash_ids":[7,11]}"#
        ]
    );
    let (rows, _) = run(EXAMPLE_C, with(|o| o.prefix_len_multiplier = d("2")));
    assert_eq!(rows[0], r#"{"input_length":300,"output_length":10}"#);
    assert_eq!(ids_isl(&rows[1..]), ["[14,15,19] 1212", "[14,15,20] 1212"]);
    let (rows, _) = run(EXAMPLE_C, with(|o| o.speedup_ratio = d("2")));
    assert_eq!(rows.join("\n") + "\n", EXAMPLE_C);
}

const EXAMPLE_E: &str = r#"{"hash_ids":[1,2],"input_length":10,"timestamp":100,"output_length":2}
{"hash_ids":[1,3],"input_length":10,"timestamp":201,"output_length":3}
"#;

#[test]
fn example_e_aiperf_unit_vector() {
    let (rows, _) = run(
        EXAMPLE_E,
        with(|o| {
            o.block_size = 4;
            o.speedup_ratio = d("2");
            o.prefix_len_multiplier = d("2");
            o.prompt_len_multiplier = d("1.5");
            o.output_len_multiplier = d("1.5");
        }),
    );
    assert_eq!(
        rows,
        [
            r#"{"hash_ids":[2,3,5,6,7],"input_length":17,"timestamp":50,"output_length":3}"#,
            r#"{"hash_ids":[2,3,8,9,10],"input_length":17,"timestamp":100,"output_length":4}"#
        ]
    );
    let (rows, rep) = run(
        EXAMPLE_E,
        with(|o| {
            o.block_size = 4;
            o.max_isl = Some(4);
            o.max_osl = Some(2);
        }),
    );
    assert!(rows.is_empty());
    assert_eq!(rep.skipped_max_isl, 2);
}

const EXAMPLE_F: &str = r#"{"session_id":"s1","timestamp":0,"input_length":1024,"hash_ids":[1,2],"output_length":10}
{"session_id":"s1","delay":700,"input_length":1100,"hash_ids":[1,2,3],"output_length":20}
{"session_id":"s2","timestamp":300,"input_length":700,"hash_ids":[1,9],"output_length":30}
"#;

#[test]
fn example_f_sessions_scale_delay_and_share_a_tree() {
    let (rows, _) = run(EXAMPLE_F, with(|o| o.speedup_ratio = d("2")));
    assert_eq!(
        rows,
        [
            r#"{"session_id":"s1","timestamp":0,"input_length":1024,"hash_ids":[1,2],"output_length":10}"#,
            r#"{"session_id":"s1","delay":350,"input_length":1100,"hash_ids":[1,2,3],"output_length":20}"#,
            r#"{"session_id":"s2","timestamp":150,"input_length":700,"hash_ids":[1,9],"output_length":30}"#
        ]
    );
    let (rows, rep) = run(
        EXAMPLE_F,
        with(|o| {
            o.prefix_root_multiplier = 2;
            o.seed = 1;
        }),
    );
    assert_eq!(ids_isl(&rows), ["[1,2] 1024", "[1,2,4] 1100", "[7,11] 700"]);
    assert_eq!(rep.fresh_ids, Some((4, 5)));
}

#[test]
fn processing_order_groups_sessions_before_allocating_ids() {
    // s2's row comes between s1's turns in the file, but s1 is processed first (§3.4 step 0).
    let input = r#"{"session_id":"s1","input_length":1024,"hash_ids":[1,2]}
{"session_id":"s2","input_length":1024,"hash_ids":[1,5]}
{"session_id":"s1","input_length":1024,"hash_ids":[1,6]}
"#;
    let (rows, _) = run(input, with(|o| o.prompt_len_multiplier = d("2")));
    // M = 1, C = 2: s1 turn 1 gets 3,4; s1 turn 2 gets 5,6; s2 gets 7,8.
    assert_eq!(ids_isl(&rows), ["[1,3,4] 1536", "[1,7,8] 1536", "[1,5,6] 1536"]);
}

#[test]
fn example_g_p_below_one_leaves_unshared_rows_alone() {
    let input =
        "{\"input_length\":1024,\"hash_ids\":[1,2]}\n{\"input_length\":1024,\"hash_ids\":[1,3]}\n{\"input_length\":100,\"hash_ids\":[5]}\n";
    let (rows, _) = run(input, with(|o| o.prefix_len_multiplier = d("0.5")));
    assert_eq!(ids_isl(&rows), ["[1,3] 1024", "[1,4] 1024", "[5] 100"]);
}

#[test]
fn fix_12_payload_and_text_rows_never_get_input_length() {
    let input = r#"{"payload":{"a": 1},"timestamp":5}
{"text_input":"hi","timestamp":7}
{"messages":[{"role":"user","content":"x"}]}
"#;
    let (rows, _) = run(
        input,
        with(|o| {
            o.prompt_len_multiplier = d("2");
            o.prefix_len_multiplier = d("3");
            o.speedup_ratio = d("2");
        }),
    );
    assert_eq!(
        rows,
        [r#"{"payload":{"a":1},"timestamp":2}"#, r#"{"text_input":"hi","timestamp":3}"#, r#"{"messages":[{"role":"user","content":"x"}]}"#]
    );
}

#[test]
fn fix_13_rows_without_ids_scale_by_q_with_at_least_one_token() {
    let input = "{\"input_length\":300}\n{\"input_length\":1}\n";
    let (rows, _) = run(input, with(|o| o.prompt_len_multiplier = d("0.1")));
    assert_eq!(rows, ["{\"input_length\":30}", "{\"input_length\":1}"]);
}

#[test]
fn fix_14_a_row_keeps_one_token_and_one_id() {
    let input = "{\"input_length\":10,\"hash_ids\":[4]}\n";
    let (rows, _) = run(input, with(|o| o.prompt_len_multiplier = d("0.01")));
    // M = 0 (nothing shared), C = 1: the one fresh id is 2.
    assert_eq!(rows, ["{\"input_length\":1,\"hash_ids\":[2]}"]);
}

#[test]
fn fix_15_exact_decimal_arithmetic() {
    // 10 blocks shared × 1.1 → ceil(11.000…) = 11 exactly (binary FP gives 12).
    let mut input = String::new();
    for tail in [100u64, 101] {
        let ids: Vec<String> = (0..10).map(|i| i.to_string()).chain([tail.to_string()]).collect();
        input += &format!("{{\"input_length\":{},\"hash_ids\":[{}]}}\n", 10 * 512 + 1, ids.join(","));
    }
    let (rows, _) = run(&input, with(|o| o.prefix_len_multiplier = d("1.1")));
    let n_ids = rows[0].split("\"hash_ids\":[").nth(1).unwrap().split(',').count();
    assert_eq!(n_ids, 12, "11 prefix ids + 1 fresh id");
    // 3 / 0.1 = 30 exactly (AIPerf's int(3 / 0.1) is 29).
    let (rows, _) = run("{\"timestamp\":3,\"input_length\":5}\n", with(|o| o.speedup_ratio = d("0.1")));
    assert_eq!(rows, ["{\"timestamp\":30,\"input_length\":5}"]);
}

#[test]
fn fix_7_fractional_timestamps_keep_precision() {
    let input = "{\"timestamp\":0.5,\"input_length\":5}\n{\"timestamp\":1001,\"input_length\":5,\"delay\":1}\n{\"timestamp\":1000,\"input_length\":5}\n";
    let (rows, _) = run(input, with(|o| o.speedup_ratio = d("3")));
    assert_eq!(
        rows,
        [
            "{\"timestamp\":0.16666666666666666,\"input_length\":5}",
            "{\"timestamp\":333.6666666666667,\"input_length\":5,\"delay\":0}",
            "{\"timestamp\":333.3333333333333,\"input_length\":5}"
        ]
    );
}

#[test]
fn identity_renames_aliases_and_raises_zero_output_length() {
    let input = "{ \"input_tokens\" : 100.0, \"output_tokens\": 0, \"created_time\": 40.5, \"x\": { \"k\" : [1, \"a b\"] }, \"hash_ids\": [\"18446744073709551615\"] }\n";
    let (rows, _) = run(input, SynthesisOptions::default());
    assert_eq!(
        rows,
        ["{\"input_length\":100.0,\"output_length\":1,\"timestamp\":40.5,\"x\":{\"k\":[1,\"a b\"]},\"hash_ids\":[\"18446744073709551615\"]}"]
    );
}

#[test]
fn u64_hash_ids_round_trip_when_ids_change() {
    // A fully shared one-block prompt needs no fresh id, so M = C = 2^64 − 2 + 1 fits and
    // the id (given once as a string) is written back as the exact integer.
    let shared =
        "{\"input_length\":512,\"hash_ids\":[18446744073709551614]}\n{\"input_length\":512,\"hash_ids\":[\"18446744073709551614\"]}\n";
    let (rows, _) = run(shared, with(|o| o.prompt_len_multiplier = d("2")));
    assert_eq!(rows, ["{\"input_length\":512,\"hash_ids\":[18446744073709551614]}"; 2]);
    // With a tail, the first fresh id would be 2^64: exhausted, nothing written.
    let input = "{\"input_length\":1024,\"hash_ids\":[18446744073709551614,1]}\n{\"input_length\":1024,\"hash_ids\":[\"18446744073709551614\",2]}\n";
    let err = transform_bytes(input.as_bytes(), with(|o| o.prompt_len_multiplier = d("2")), settings()).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArg);
    assert!(err.message.starts_with("hash id space exhausted (largest id would exceed 18446744073709551615)"));
}

#[test]
fn max_u64_prefix_id_is_written_exactly() {
    let input =
        "{\"input_length\":600,\"hash_ids\":[18446744073709551615,1]}\n{\"input_length\":600,\"hash_ids\":[18446744073709551615,2]}\n";
    // M = 2^64 − 1 ⇒ C = 2^64 overflows at once.
    let err = transform_bytes(input.as_bytes(), with(|o| o.prompt_len_multiplier = d("2")), settings()).unwrap_err();
    assert!(err.message.contains("hash id space exhausted"));
    // Without id changes the id passes through verbatim.
    let (rows, _) = run(input, with(|o| o.speedup_ratio = d("2")));
    assert!(rows[0].contains("[18446744073709551615,1]"));
}

#[test]
fn strict_mode_reports_file_line_and_field() {
    let input = "{\"input_length\":1}\n\n{\"input_length\":\"abc\"}\n";
    let err = transform_bytes(input.as_bytes(), SynthesisOptions::default(), settings()).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidRow);
    assert_eq!(err.reason, Some(Reason::BadType));
    assert_eq!(err.message, "t.jsonl:3: input_length: expected a non-negative integer, got \"abc\"");
}

#[test]
fn lenient_mode_skips_and_counts() {
    let input = "{\"input_length\":1}\n[1]\n{\"input_length\":-1}\n{\"input_length\":2}\n";
    let (out, rep, skipped) = transform_bytes(
        input.as_bytes(),
        with(|o| o.prompt_len_multiplier = d("3")),
        StreamSettings { source_name: "t.jsonl".into(), skip_invalid: true },
    )
    .unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), "{\"input_length\":3}\n{\"input_length\":6}\n");
    assert_eq!(rep.rows_in, 2);
    assert_eq!(
        skipped.warning_line("t.jsonl").unwrap(),
        "warning: skipped 2 invalid rows in t.jsonl (not_an_object: 1 [line 2]; out_of_range: 1 [line 3])"
    );
}

#[test]
fn any_chunking_gives_the_same_output() {
    let opts = || {
        with(|o| {
            o.prefix_len_multiplier = d("1.5");
            o.prefix_root_multiplier = 2;
        })
    };
    let (whole, _, _) = transform_bytes(EXAMPLE_F.as_bytes(), opts(), settings()).unwrap();
    for size in [1usize, 2, 7, 64] {
        let mut s = TransformStream::new(opts(), settings()).unwrap();
        for c in EXAMPLE_F.as_bytes().chunks(size) {
            s.push_learn(c).unwrap();
        }
        s.finish_learn().unwrap();
        let mut out = Vec::new();
        for c in EXAMPLE_F.as_bytes().chunks(size) {
            out.extend(s.push_emit(c).unwrap());
        }
        out.extend(s.finish_emit().unwrap().0);
        assert_eq!(out, whole, "chunk size {size}");
    }
}

#[test]
fn misuse_is_a_state_error() {
    let mut s = TransformStream::new(SynthesisOptions::default(), settings()).unwrap();
    assert_eq!(s.push_emit(b"{}").unwrap_err().code, ErrorCode::AnalyzerState);
    s.finish_learn().unwrap();
    assert_eq!(s.push_learn(b"{}").unwrap_err().code, ErrorCode::AnalyzerState);
    // the stream owns its finished state: the report exists after the last pass only
    assert_eq!(s.report().unwrap_err().code, ErrorCode::AnalyzerState);
    let (_, report) = s.finish_emit().unwrap();
    assert_eq!(s.report().unwrap(), &report);
    assert_eq!(s.finish_emit().unwrap_err().message, "transform: the run is finished");
}

#[test]
fn zero_multipliers_are_rejected_with_the_flag_name() {
    let err = TransformStream::new(with(|o| o.prefix_len_multiplier = d("0")), settings()).err().unwrap();
    assert_eq!(err.message, "option '--synthesis-prefix-len-multiplier': expected a positive number, got '0'");
    let err = TransformStream::new(with(|o| o.prefix_root_multiplier = 0), settings()).err().unwrap();
    assert_eq!(err.code, ErrorCode::InvalidArg);
}

fn real_trace() -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/mooncake/conversation_trace.jsonl");
    std::fs::read(path).expect("real trace")
}

struct Out {
    isl: Vec<u64>,
    osl: Vec<u64>,
    ids: Vec<Vec<u64>>,
    ts: Vec<f64>,
}

fn parse_out(text: &[u8]) -> Out {
    use trace_core::row::{parse_row, ParseOptions};
    let mut o = Out { isl: vec![], osl: vec![], ids: vec![], ts: vec![] };
    for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let r = parse_row(line, &ParseOptions::default()).unwrap();
        o.isl.push(u64::from(r.input_length.unwrap()));
        o.osl.push(r.output_length.map_or(0, u64::from));
        o.ids.push(r.hash_ids);
        o.ts.push(r.timestamp.map_or(-1.0, |t| t.value));
    }
    o
}

fn common_prefix(a: &[u64], b: &[u64]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

#[test]
fn real_trace_identity_with_defaults() {
    let input = real_trace();
    let (out, rep, _) = transform_bytes(&input, SynthesisOptions::default(), settings()).unwrap();
    let a = parse_out(&input);
    let b = parse_out(&out);
    assert_eq!(rep.rows_out, 12031);
    assert_eq!(a.ids, b.ids);
    assert_eq!(a.isl, b.isl);
    assert_eq!(a.osl, b.osl); // the real trace has no output_length 0
    assert_eq!(a.ts, b.ts);
}

#[test]
fn real_trace_properties_when_ids_change() {
    let input = real_trace();
    let a = parse_out(&input);
    let bs = 512u64;
    for (p, q, r) in [("1.5", "1", 1u64), ("2", "0.7", 1), ("0.5", "1.3", 1), ("1", "1", 4)] {
        let opts = with(|o| {
            o.prefix_len_multiplier = d(p);
            o.prompt_len_multiplier = d(q);
            o.prefix_root_multiplier = r;
            o.output_len_multiplier = d("0.5");
            o.max_osl = Some(300);
            o.speedup_ratio = d("3");
        });
        let (out, rep, _) = transform_bytes(&input, opts, settings()).unwrap();
        let b = parse_out(&out);
        assert_eq!(b.isl.len(), 12031, "row count (no max_isl)");
        assert_eq!(rep.inconsistent_repaired, 0);
        let pm = d(p);
        let mut tail_owner = HashMap::new();
        for i in 0..b.isl.len() {
            // Layout (§3.9.3) and timing/output (§3.9.7–8).
            let n = b.ids[i].len() as u64;
            assert!((n - 1) * bs < b.isl[i] && b.isl[i] <= n * bs, "row {i} block-consistent");
            assert_eq!(b.ts[i], (a.ts[i] as u64 / 3) as f64);
            let o = d("0.5").mul_rhe(u128::from(a.osl[i])) as u64;
            assert_eq!(b.osl[i], o.clamp(1, 300));
            for &h in &b.ids[i] {
                tail_owner.entry(h).or_insert(i);
            }
        }
        // Shared-prefix growth (§3.9.5) on neighbouring row pairs (the trace's rows share
        // only its root block, or whole conversation prefixes).
        if r == 1 {
            for i in 1..a.ids.len().min(3000) {
                let s = common_prefix(&a.ids[i - 1], &a.ids[i]) as u64;
                let s = s.min(a.isl[i - 1] / bs).min(a.isl[i] / bs);
                let got = common_prefix(&b.ids[i - 1], &b.ids[i]) as u64;
                if pm.gt_one() {
                    assert!(got >= pm.mul_ceil(u128::from(s)) as u64, "row {i}: shared {got} < ceil({s}·{p})");
                } else if pm.is_one() {
                    assert!(got >= s);
                }
            }
        }
    }
}

#[test]
fn root_multiplier_spreads_sessions_uniformly() {
    // 3,000 sessions of one row each, R = 4: each tree within 4 standard errors of 1/4, and
    // each row's ids are its R = 1 ids plus t·base.
    let mut input = String::new();
    for i in 0..3000 {
        input += &format!("{{\"input_length\":1024,\"hash_ids\":[1,{}]}}\n", 10 + i);
    }
    let (one, rep1, _) = transform_bytes(input.as_bytes(), with(|o| o.prompt_len_multiplier = d("2")), settings()).unwrap();
    let (four, _, _) = transform_bytes(
        input.as_bytes(),
        with(|o| {
            o.prompt_len_multiplier = d("2");
            o.prefix_root_multiplier = 4;
        }),
        settings(),
    )
    .unwrap();
    let base = rep1.fresh_ids.unwrap().1 + 1;
    let a = parse_out(&one);
    let b = parse_out(&four);
    let mut freq = [0u32; 4];
    for (x, y) in a.ids.iter().zip(&b.ids) {
        let t = (y[0] - x[0]) / base;
        assert!(t < 4);
        freq[t as usize] += 1;
        assert!(x.iter().zip(y).all(|(u, v)| *v == u + t * base));
    }
    let se = (3000.0f64 * 0.25 * 0.75).sqrt();
    for f in freq {
        assert!((f64::from(f) - 750.0).abs() < 4.0 * se, "{freq:?}");
    }
}

fn analyze(bytes: &[u8], check: bool) -> Result<trace_core::AnalysisReport, trace_core::TraceError> {
    trace_core::analyze_trace(bytes, trace_core::AnalyzerOptions { check_materialisation: check, ..Default::default() })
}

#[test]
fn analysis_is_stable_under_a_speedup_transform() {
    // §3.9 property 13: with P = Q = R = 1 the structural statistics are reproduced.
    let input = real_trace();
    let (out, _, _) = transform_bytes(&input, with(|o| o.speedup_ratio = d("4")), settings()).unwrap();
    let a = analyze(&input, false).unwrap();
    let b = analyze(&out, false).unwrap();
    assert_eq!(a.isl_stats, b.isl_stats);
    assert_eq!(a.unique_prefixes, b.unique_prefixes);
    assert_eq!(a.prefix_reuse_ratio, b.prefix_reuse_ratio);
    assert_eq!(a.num_prefix_groups, b.num_prefix_groups);
    assert_eq!(a.total_requests, b.total_requests);
}

#[test]
fn transformed_output_passes_the_materialisation_check() {
    // §3.9 property 3 and fix #1: even inputs with partial shared blocks and size conflicts
    // become conflict-free once ids change.
    let conflicted = "{\"input_length\":700,\"hash_ids\":[7,8]}\n{\"input_length\":1100,\"hash_ids\":[7,8,9]}\n{\"input_length\":20,\"hash_ids\":[7,8]}\n";
    assert!(analyze(conflicted.as_bytes(), true).is_err(), "the input has a size conflict");
    let (out, rep, _) = transform_bytes(conflicted.as_bytes(), with(|o| o.prompt_len_multiplier = d("1.1")), settings()).unwrap();
    assert_eq!(rep.inconsistent_repaired, 1, "the overshoot row is repaired");
    let report = analyze(&out, true).unwrap();
    assert_eq!(report.total_requests, 3);
    let input = real_trace();
    let (out, _, _) = transform_bytes(
        &input,
        with(|o| {
            o.prefix_len_multiplier = d("1.5");
            o.prompt_len_multiplier = d("0.8");
            o.prefix_root_multiplier = 2;
        }),
        settings(),
    )
    .unwrap();
    analyze(&out, true).unwrap();
}
