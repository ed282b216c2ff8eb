//! docs/trace-format.md §9 properties, through the public API (row parser and analyzer).

use trace_core::lines::MAX_LINE_BYTES;
use trace_core::row::{parse_row, Field, InputMode, ParseOptions, TimeValue};
use trace_core::{analyze_trace, AnalyzerOptions, AnalyzerOptionsInput, ErrorCode, LayoutKind, Reason, TraceAnalyzer, TraceError};

fn strict(text: &[u8]) -> Result<trace_core::AnalysisReport, TraceError> {
    analyze_trace(text, AnalyzerOptions { source_name: "t.jsonl".into(), ..Default::default() })
}

fn lenient(text: &[u8]) -> trace_core::AnalysisReport {
    analyze_trace(text, AnalyzerOptions { source_name: "t.jsonl".into(), skip_invalid: true, ..Default::default() }).unwrap()
}

const VALID: &str = r#"{"timestamp": 0, "input_length": 655, "output_length": 52, "hash_ids": [46, 47]}"#;

/// Puts `bad` on line 3 (after a valid row and a blank line) and checks the strict error.
fn check_reason(bad: &[u8], reason: Reason, field: &str) -> TraceError {
    let mut text = format!("{VALID}\n\n").into_bytes();
    text.extend_from_slice(bad);
    text.extend_from_slice(b"\n");
    text.extend_from_slice(VALID.as_bytes());
    let err = strict(&text).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidRow, "{}", err.message);
    assert_eq!(err.reason, Some(reason), "{}", err.message);
    assert_eq!(err.field.as_deref(), Some(field), "{}", err.message);
    assert_eq!(err.line, Some(3));
    assert_eq!(err.file.as_deref(), Some("t.jsonl"));
    assert!(err.message.starts_with(&format!("t.jsonl:3: {field}: ")), "{}", err.message);
    // lenient mode counts it under the same reason and line
    let r = lenient(&text);
    assert_eq!(r.total_requests, 2);
    assert_eq!(r.skipped_invalid_rows, 1);
    let by = r.skipped().reasons();
    assert_eq!((by.len(), by[0].reason, by[0].count, by[0].lines.clone()), (1, reason, 1, vec![3]));
    err
}

#[test]
fn every_row_reason_code_is_produced_with_its_field_and_line() {
    let e = check_reason(br#"{"timestamp": 1, "input_length": 5 "x": 1}"#, Reason::InvalidJson, "json");
    assert_eq!(e.message, "t.jsonl:3: json: invalid JSON: expected ',' or '}' at column 36");
    let e = check_reason(b"[1, 2]", Reason::NotAnObject, "row");
    assert_eq!(e.message, "t.jsonl:3: row: row must be a JSON object, got array");
    let e = check_reason(b"{\"input_length\": 1, \"s\": \"\xC3\x28\"}", Reason::InvalidUtf8, "row");
    assert_eq!(e.message, "t.jsonl:3: row: invalid UTF-8 at byte 27");
    let e = check_reason(br#"{"input_length": 1, "input_tokens": 2}"#, Reason::DuplicateField, "input_length");
    assert_eq!(e.message, "t.jsonl:3: input_length: both input_length and input_tokens are present");
    check_reason(br#"{"input_length": 1, "input_length": 1}"#, Reason::DuplicateField, "input_length");
    let e = check_reason(br#"{"output_length": 1}"#, Reason::MissingInput, "row");
    assert_eq!(e.message, "t.jsonl:3: row: missing (a row needs one of input_length, text_input, messages, payload)");
    let e = check_reason(br#"{"text_input": "hi", "payload": {"a": 1}}"#, Reason::ConflictingInputs, "row");
    assert_eq!(e.message, "t.jsonl:3: row: text_input and payload are mutually exclusive");
    let e = check_reason(br#"{"text_input": "hi", "hash_ids": [1]}"#, Reason::HashIdsWithoutInputLength, "hash_ids");
    assert_eq!(e.message, "t.jsonl:3: hash_ids: hash_ids requires input_length");
    let e = check_reason(br#"{"input_length": 1, "tools": [{}]}"#, Reason::ToolsWithoutMessages, "tools");
    assert_eq!(e.message, "t.jsonl:3: tools: tools requires messages");
    let e = check_reason(br#"{"payload": {}}"#, Reason::EmptyPayload, "payload");
    assert_eq!(e.message, "t.jsonl:3: payload: must not be empty");
    check_reason(br#"{"messages": []}"#, Reason::EmptyPayload, "messages");
    let e = check_reason(br#"{"input_length": [1]}"#, Reason::BadType, "input_length");
    assert_eq!(e.message, "t.jsonl:3: input_length: expected a non-negative integer, got [1]");
    check_reason(br#"{"input_length": 1, "text_input": 5}"#, Reason::BadType, "text_input");
    check_reason(br#"{"input_length": 1, "session_id": true}"#, Reason::BadType, "session_id");
    check_reason(br#"{"input_length": 1, "extra": []}"#, Reason::BadType, "extra");
    check_reason(br#"{"input_length": 1, "hash_ids": 5}"#, Reason::BadType, "hash_ids");
    check_reason(br#"{"input_length": 1, "hash_ids": [1, 2.5]}"#, Reason::BadType, "hash_ids[1]");
    let e = check_reason(br#"{"input_length": 1, "output_tokens": 4294967296}"#, Reason::OutOfRange, "output_length");
    assert_eq!(e.message, "t.jsonl:3: output_length: must be <= 4294967295, got 4294967296");
    check_reason(br#"{"input_length": 1, "created_time": -0.5}"#, Reason::OutOfRange, "timestamp");
    check_reason(br#"{"input_length": 1, "delay_ms": "-Infinity"}"#, Reason::OutOfRange, "delay");
}

#[test]
fn a_line_over_64_mib_is_line_too_long() {
    let mut bad = b"{\"input_length\": 1, \"x\": \"".to_vec();
    bad.resize(MAX_LINE_BYTES + 1 - 2, b'a');
    bad.extend_from_slice(b"\"}");
    assert_eq!(bad.len(), MAX_LINE_BYTES + 1);
    let e = check_reason(&bad, Reason::LineTooLong, "row");
    assert_eq!(e.message, "t.jsonl:3: row: line is longer than 64 MiB");
    // exactly 64 MiB is fine, also when it arrives in small chunks
    bad.truncate(MAX_LINE_BYTES - 2);
    bad.extend_from_slice(b"\"}");
    let mut a = TraceAnalyzer::new(AnalyzerOptions::default()).unwrap();
    for c in bad.chunks(1 << 20) {
        a.push(c).unwrap();
    }
    a.push(b"\r\n").unwrap();
    assert_eq!(a.finish().unwrap().total_requests, 1);
}

const T_JSONL: &str = r#"{"timestamp": 0, "input_length": 655, "output_length": 52, "hash_ids": [46, 47]}

{"timestamp": 10, "input_length": "abc", "output_length": 26}
{"timestamp": 20, "input_length": 672, "hash_ids": [46, -1]}
[1, 2]
{"timestamp": 30, "text_input": "hi", "input_length": 5}
{"input_tokens": 100, "output_tokens": 7, "created_time": 40.5}
"#;

#[test]
fn section_4_4_example_strict_and_lenient() {
    let e = strict(T_JSONL.as_bytes()).unwrap_err();
    assert_eq!(e.message, r#"t.jsonl:3: input_length: expected a non-negative integer, got "abc""#);
    assert_eq!(
        e.to_json(),
        r#"{"code":"INVALID_ROW","reason":"bad_type","file":"t.jsonl","line":3,"field":"input_length","message":"t.jsonl:3: input_length: expected a non-negative integer, got \"abc\""}"#
    );
    let r = lenient(T_JSONL.as_bytes());
    assert_eq!(
        r.skipped().warning_line("t.jsonl").unwrap(),
        "warning: skipped 4 invalid rows in t.jsonl (not_an_object: 1 [line 5]; conflicting_inputs: 1 [line 6]; bad_type: 1 [line 3]; out_of_range: 1 [line 4])"
    );
    assert_eq!(r.total_requests, 2);
    assert_eq!(r.skipped_invalid_rows, 4);
    assert_eq!(
        r.skipped().to_json(),
        r#"{"total":4,"reasons":[{"reason":"not_an_object","count":1,"lines":[5]},{"reason":"conflicting_inputs","count":1,"lines":[6]},{"reason":"bad_type","count":1,"lines":[3]},{"reason":"out_of_range","count":1,"lines":[4]}]}"#
    );
    // line 4 alone in strict mode
    let line4 = T_JSONL.lines().nth(3).unwrap();
    let e = strict(format!("\n\n\n{line4}").as_bytes()).unwrap_err();
    assert_eq!(e.message, "t.jsonl:4: hash_ids[1]: must be >= 0, got -1");
    // line 7 through the aliases
    let row = parse_row(T_JSONL.lines().nth(6).unwrap().as_bytes(), &ParseOptions::default()).unwrap();
    assert_eq!((row.input_length, row.output_length), (Some(100), Some(7)));
    assert_eq!(row.timestamp, Some(TimeValue { value: 40.5, integral: false }));
}

#[test]
fn warning_lists_at_most_five_lines_per_reason_then_dots() {
    let mut text = String::new();
    for i in 0..7 {
        text.push_str(if i % 2 == 0 { "{\"input_length\": true}\n" } else { "{}\n" });
    }
    text.push_str("{\"input_length\": -3}\n");
    let r = lenient(text.as_bytes());
    assert_eq!(r.skipped_invalid_rows, 8);
    assert_eq!(
        r.skipped().warning_line("x.jsonl").unwrap(),
        "warning: skipped 8 invalid rows in x.jsonl (bad_type: 4 [line 1, 3, 5, 7]; missing_input: 3 [line 2, 4, 6]; out_of_range: 1 [line 8])"
    );
    let many = "[]\n".repeat(6);
    let r = lenient(many.as_bytes());
    assert_eq!(r.skipped().warning_line("m").unwrap(), "warning: skipped 6 invalid rows in m (not_an_object: 6 [line 1, 2, 3, 4, 5, ...])");
    assert_eq!(r.skipped().reasons()[0].lines, vec![1, 2, 3, 4, 5]);
}

#[test]
fn bom_at_start_is_ignored_and_elsewhere_is_invalid_json() {
    let plain = strict(format!("{VALID}\n{VALID}\n").as_bytes()).unwrap();
    let bom = strict(format!("\u{feff}{VALID}\n{VALID}\n").as_bytes()).unwrap();
    assert_eq!(plain.to_json(), bom.to_json());
    let e = strict(format!("{VALID}\n\u{feff}{VALID}\n").as_bytes()).unwrap_err();
    assert_eq!((e.reason, e.line, e.field.as_deref()), (Some(Reason::InvalidJson), Some(2), Some("json")));
    // a BOM on a blank first line leaves a blank line
    assert_eq!(strict(format!("\u{feff}\n{VALID}").as_bytes()).unwrap().total_requests, 1);
}

#[test]
fn blank_lines_and_crlf_change_nothing_but_line_numbers() {
    let base = format!("{VALID}\n{{\"input_length\": 20, \"hash_ids\": [0, 1]}}\n");
    let crlf = format!("\r\n  \t\r\n{VALID}\r\n\r\n{{\"input_length\": 20, \"hash_ids\": [0, 1]}}\r\n \n");
    let a = strict(base.as_bytes()).unwrap();
    let b = strict(crlf.as_bytes()).unwrap();
    assert_eq!(a.total_requests, 2);
    let mut b2 = b.clone();
    // the inconsistent row moved from line 2 to line 5
    assert_eq!(a.inconsistent_row_examples[0].line, 2);
    assert_eq!(b2.inconsistent_row_examples[0].line, 5);
    b2.inconsistent_row_examples[0].line = 2;
    assert_eq!(a, b2);
    let e = strict(b"\r\n\r\n{\"input_length\": \"x\"}\r\n").unwrap_err();
    assert_eq!(e.line, Some(3));
    assert_eq!(e.message, "t.jsonl:3: input_length: expected a non-negative integer, got \"x\"");
}

#[test]
fn aliases_parse_like_canonical_names() {
    let opts = ParseOptions::default();
    let canon = parse_row(br#"{"timestamp": 5, "input_length": 3, "output_length": 2, "delay": 1.5}"#, &opts).unwrap();
    let alias = parse_row(br#"{"created_time": 5, "input_tokens": 3, "output_tokens": 2, "delay_ms": 1.5}"#, &opts).unwrap();
    assert_eq!(canon, alias);
    for (a, b) in [("timestamp", "created_time"), ("output_length", "output_tokens"), ("delay", "delay_ms")] {
        let e = parse_row(format!(r#"{{"input_length": 1, "{a}": 1, "{b}": 1}}"#).as_bytes(), &opts).unwrap_err();
        assert_eq!((e.reason, e.field.as_str()), (Reason::DuplicateField, a));
        assert_eq!(e.text, format!("both {a} and {b} are present"));
    }
}

#[test]
fn u64_extremes_round_trip_exactly() {
    let line = br#"{"input_length": 1024, "hash_ids": [18446744073709551615, "18446744073709551615"], "z": 1}"#;
    let row = parse_row(line, &ParseOptions { keep_fields: true }).unwrap();
    assert_eq!(row.hash_ids, vec![u64::MAX, u64::MAX]);
    let hf = &row.fields[1];
    assert_eq!(hf.field, Some(Field::HashIds));
    assert_eq!(&line[hf.value_span.clone()], br#"[18446744073709551615, "18446744073709551615"]"#);
    let e = parse_row(br#"{"input_length": 1, "hash_ids": [18446744073709551616]}"#, &ParseOptions::default()).unwrap_err();
    assert_eq!((e.reason, e.field.as_str()), (Reason::OutOfRange, "hash_ids[0]"));
    // analysis keeps them distinct from their neighbours
    let r = strict(b"{\"input_length\": 1024, \"hash_ids\": [18446744073709551615, 18446744073709551614]}\n{\"input_length\": 1024, \"hash_ids\": [18446744073709551615, 1]}").unwrap();
    assert_eq!((r.unique_prefixes, r.num_prefix_groups), (3, 1));
}

#[test]
fn lax_integer_encodings() {
    for v in ["100.0", "\"100\"", "1e2", "100"] {
        let r = parse_row(format!(r#"{{"input_length": {v}}}"#).as_bytes(), &ParseOptions::default()).unwrap();
        assert_eq!(r.input_length, Some(100), "{v}");
    }
    for (v, reason) in [("100.5", Reason::BadType), ("true", Reason::BadType), ("-1", Reason::OutOfRange), ("\" 100\"", Reason::BadType)] {
        let e = parse_row(format!(r#"{{"input_length": {v}}}"#).as_bytes(), &ParseOptions::default()).unwrap_err();
        assert_eq!(e.reason, reason, "{v}");
    }
}

#[test]
fn null_fields_are_absent() {
    let r = parse_row(
        br#"{"text_input": "hi", "hash_ids": null, "input_length": null, "tools": null, "session_id": null}"#,
        &ParseOptions::default(),
    )
    .unwrap();
    assert_eq!(r.input_mode, InputMode::Text);
    assert_eq!(r.text_input.as_deref(), Some("hi"));
    assert!(r.hash_ids.is_empty() && r.session_id.is_none() && r.tools.is_none());
}

#[test]
fn layout_kinds_at_the_boundaries() {
    let bs = 512u64;
    for n in 1..=3u64 {
        let ids: Vec<String> = (0..n).map(|i| (i + 10 * n).to_string()).collect();
        for (isl, kind) in [
            ((n - 1) * bs, LayoutKind::Overshoot),
            ((n - 1) * bs + 1, LayoutKind::LastBlockPartial),
            (n * bs, LayoutKind::ExactTile),
            (n * bs + 1, LayoutKind::PrefixOnly),
        ] {
            let text = format!("{{\"input_length\": {isl}, \"hash_ids\": [{}]}}", ids.join(","));
            let r = strict(text.as_bytes()).unwrap();
            assert_eq!(r.inconsistent_rows, !kind.is_consistent() as u64, "n={n} isl={isl}");
            if !kind.is_consistent() {
                assert_eq!(r.inconsistent_row_examples[0].kind, kind);
            }
            assert_eq!(LayoutKind::classify(isl, n, bs), Some(kind));
        }
    }
}

#[test]
fn section_7_2_example() {
    let g = r#"{"timestamp": 0, "input_length": 20,   "output_length": 5, "hash_ids": [0, 1]}
{"timestamp": 5, "input_length": 1500, "output_length": 5, "hash_ids": [0]}
{"timestamp": 9, "input_length": 600,  "output_length": 5, "hash_ids": [0, 2]}
"#;
    let r = analyze_trace(g.as_bytes(), AnalyzerOptions { check_materialisation: true, ..Default::default() }).unwrap();
    assert_eq!(r.inconsistent_rows, 2);
    let json = r.to_json();
    assert!(json.contains(
        "  \"inconsistent_rows\": 2,\n  \"inconsistent_row_examples\": [\n    {\n      \"line\": 1,\n      \"input_length\": 20,\n      \"num_hash_ids\": 2,\n      \"kind\": \"overshoot\"\n    },\n    {\n      \"line\": 2,\n      \"input_length\": 1500,\n      \"num_hash_ids\": 1,\n      \"kind\": \"prefix_only\"\n    }\n  ],\n"
    ), "{json}");
    assert_eq!(
        r.inconsistent_warning_line().unwrap(),
        "warning: 2 rows have hash_ids inconsistent with input_length at block size 512 (lines 1, 2)"
    );
}

#[test]
fn section_7_1_size_conflict_names_both_lines() {
    let t = "\n{\"input_length\":700,\"hash_ids\":[7,8]}\n\n\n{\"input_length\":1100,\"hash_ids\":[7,8,9]}\n";
    for skip_invalid in [false, true] {
        let opts = AnalyzerOptions { source_name: "t.jsonl".into(), check_materialisation: true, skip_invalid, block_size: 512 };
        let e = analyze_trace(t.as_bytes(), opts).unwrap_err();
        assert_eq!(e.code, ErrorCode::SizeConflict);
        assert_eq!((e.line, e.field.as_deref(), e.reason), (Some(5), Some("hash_ids[1]"), None));
        assert_eq!(
            e.message,
            "t.jsonl:5: hash_ids[1]: hash id 8 requested at 512 tokens but was already materialised at 188 tokens (line 2)"
        );
    }
    // without the option the same file analyses fine
    assert_eq!(strict(t.as_bytes()).unwrap().total_requests, 2);
}

#[test]
fn analyzer_options_from_doubles_name_the_value_given() {
    let input = |bs: f64| AnalyzerOptionsInput { block_size: Some(bs), ..Default::default() };
    assert_eq!(AnalyzerOptions::from_input(input(64.0)).unwrap().block_size, 64);
    assert_eq!(
        AnalyzerOptions::from_input(input(1.5)).unwrap_err().message,
        "option '--block-size': expected a positive integer, got '1.5'"
    );
    let e = AnalyzerOptions::from_input(input(4_294_967_296.0)).unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (ErrorCode::InvalidArg, "option '--block-size': expected a positive integer <= 4294967295, got '4294967296'")
    );
    assert_eq!(AnalyzerOptions::from_input(AnalyzerOptionsInput::default()).unwrap(), AnalyzerOptions::default());
}

#[test]
fn analyzer_misuse_is_a_state_error() {
    assert_eq!(TraceAnalyzer::new(AnalyzerOptions { block_size: 0, ..Default::default() }).err().unwrap().code, ErrorCode::InvalidArg);
    let mut a = TraceAnalyzer::new(AnalyzerOptions::default()).unwrap();
    a.push(VALID.as_bytes()).unwrap();
    assert_eq!(a.bytes_consumed(), VALID.len() as u64);
    assert_eq!(a.rows_parsed(), 0); // the line is not complete yet
    assert_eq!(a.report().unwrap_err().code, ErrorCode::AnalyzerState);
    let report = a.finish().unwrap();
    assert_eq!(a.rows_parsed(), 1);
    // the analyzer keeps its report for the warnings and the skip summary
    assert_eq!(a.report().unwrap(), &report);
    assert_eq!(a.finish().unwrap_err().code, ErrorCode::AnalyzerState);
    assert_eq!(a.push(b"\n").unwrap_err().code, ErrorCode::AnalyzerState);
    // after a strict error (sequential: the push of the bad line fails)
    let mut a = TraceAnalyzer::new(AnalyzerOptions::default()).unwrap();
    a.set_threads(1);
    assert_eq!(a.push(b"[]\n").unwrap_err().code, ErrorCode::InvalidRow);
    assert_eq!(a.push(b"\n").unwrap_err().code, ErrorCode::AnalyzerState);
    assert_eq!(a.finish().unwrap_err().code, ErrorCode::AnalyzerState);
    // with two threads small chunks are gathered first: the error comes by finish at the latest
    let mut a = TraceAnalyzer::new(AnalyzerOptions::default()).unwrap();
    a.set_threads(2);
    let e = a.push(b"{\"input_length\": 1}\n[]\n").and_then(|_| a.finish().map(|_| ())).unwrap_err();
    assert_eq!((e.code, e.line), (ErrorCode::InvalidRow, Some(2)));
    assert_eq!(a.finish().unwrap_err().code, ErrorCode::AnalyzerState);
    // an invalid final line without newline fails in finish
    let mut a = TraceAnalyzer::new(AnalyzerOptions::default()).unwrap();
    a.push(b"{\"input_length\": 1}\n{").unwrap();
    let e = a.finish().unwrap_err();
    assert_eq!((e.code, e.line, e.reason), (ErrorCode::InvalidRow, Some(2), Some(Reason::InvalidJson)));
}

#[test]
fn reason_table_order_and_codes() {
    let names: Vec<&str> = Reason::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(
        names,
        [
            "invalid_json",
            "not_an_object",
            "invalid_utf8",
            "line_too_long",
            "duplicate_field",
            "missing_input",
            "conflicting_inputs",
            "hash_ids_without_input_length",
            "tools_without_messages",
            "empty_payload",
            "bad_type",
            "out_of_range",
            "missing_field",
            "inconsistent_layout"
        ]
    );
    let codes: Vec<&str> = [
        ErrorCode::InvalidRow,
        ErrorCode::InvalidArg,
        ErrorCode::AnalyzerState,
        ErrorCode::SizeConflict,
        ErrorCode::OutputLimit,
        ErrorCode::Internal,
    ]
    .iter()
    .map(|c| c.as_str())
    .collect();
    assert_eq!(codes, ["INVALID_ROW", "INVALID_ARG", "ANALYZER_STATE", "SIZE_CONFLICT", "OUTPUT_LIMIT", "INTERNAL"]);
    let e = TraceError::invalid_arg("block size must be an integer >= 1, got 0");
    assert_eq!(
        e.to_json(),
        r#"{"code":"INVALID_ARG","reason":null,"file":null,"line":null,"field":null,"message":"block size must be an integer >= 1, got 0"}"#
    );
}

#[test]
fn an_overlong_line_streamed_in_small_chunks_is_line_too_long() {
    let mut a = TraceAnalyzer::new(AnalyzerOptions { source_name: "big.jsonl".into(), ..Default::default() }).unwrap();
    a.set_threads(1);
    a.push(format!("{VALID}\n").as_bytes()).unwrap();
    let piece = vec![b'x'; 1 << 20];
    for _ in 0..65 {
        a.push(&piece).unwrap();
    }
    let e = a.push(b"\n").unwrap_err();
    assert_eq!((e.reason, e.line, e.field.as_deref()), (Some(Reason::LineTooLong), Some(2), Some("row")));
    assert_eq!(e.message, "big.jsonl:2: row: line is longer than 64 MiB");
    // lenient: skipped, and the following rows keep their line numbers
    let mut a = TraceAnalyzer::new(AnalyzerOptions { skip_invalid: true, ..Default::default() }).unwrap();
    for _ in 0..65 {
        a.push(&piece).unwrap();
    }
    a.push(format!("\n{VALID}\n{{\"input_length\": \"x\"}}").as_bytes()).unwrap();
    let r = a.finish().unwrap();
    assert_eq!(r.total_requests, 1);
    let lines: Vec<(Reason, Vec<u64>)> = r.skipped().reasons().into_iter().map(|s| (s.reason, s.lines)).collect();
    assert_eq!(lines, vec![(Reason::LineTooLong, vec![1]), (Reason::BadType, vec![3])]);
}

#[test]
fn mutated_and_deeply_nested_rows_never_panic() {
    let deep = format!("{{\"input_length\": 1, \"x\": {}{}}}", "[".repeat(100_000), "]".repeat(100_000));
    let e = parse_row(deep.as_bytes(), &ParseOptions::default()).unwrap_err();
    assert_eq!(e.reason, Reason::InvalidJson);
    let seeds = [
        VALID,
        r#"{"created_time": "12.5", "input_tokens": "100", "hash_ids": ["18446744073709551615", 1e2], "session_id": "a\u00e9\ud83d\ude00"}"#,
        r#"{"messages": [{"role": "user", "content": "x"}], "tools": [{"a": [1, {"b": null}]}], "extra": {"k": true}}"#,
    ];
    let mut state = 0x1234_5678_u64;
    let mut next = || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    let alphabet = b"{}[]\",:\\u0123456789.eE+-tfnul \xc3\xa9\xff";
    for i in 0..20_000 {
        let mut line = seeds[i % seeds.len()].as_bytes().to_vec();
        for _ in 0..1 + next() % 4 {
            let pos = next() % (line.len() + 1);
            match next() % 3 {
                0 if pos < line.len() => {
                    line.remove(pos);
                }
                1 if pos < line.len() => line[pos] = alphabet[next() % alphabet.len()],
                _ => line.insert(pos, alphabet[next() % alphabet.len()]),
            }
        }
        // must return (Ok or a row error), never panic; errors carry a field and text
        if let Err(e) = parse_row(&line, &ParseOptions { keep_fields: true }) {
            assert!(!e.field.is_empty() && !e.text.is_empty());
        }
    }
}
