//! `hash-prompts` over byte chunks (`docs/synthesis.md` §5) with a stub tokenizer (a prompt is
//! its space-separated token ids): output rows, chunking and batching invariance, strict and
//! lenient row errors in file order, and the call protocol.

use trace_core::hash_prompts::{PromptHashOptions, PromptHashReport, PromptHashStream};
use trace_core::{ErrorCode, Reason, TraceError};

/// The stub tokenizer over a batch: texts hold only digits and spaces, so the JSON array
/// needs no unescaping.
fn tokenize(json: &str) -> (Vec<u32>, Vec<u32>) {
    let inner = json.strip_prefix("[\"").and_then(|s| s.strip_suffix("\"]")).expect("a non-empty JSON array of strings");
    let mut tokens = Vec::new();
    let mut offsets = vec![0];
    for text in inner.split("\",\"") {
        tokens.extend(text.split_whitespace().map(|t| t.parse::<u32>().expect("token ids")));
        offsets.push(tokens.len() as u32);
    }
    (tokens, offsets)
}

fn opts(block_size: u32, batch_rows: usize, skip_invalid: bool) -> PromptHashOptions {
    PromptHashOptions { block_size, batch_rows, skip_invalid, source_name: "p.jsonl".into(), text_field: None }
}

fn drain(s: &mut PromptHashStream, out: &mut Vec<u8>) -> Result<(), TraceError> {
    while let Some(json) = s.next_batch()? {
        let (tokens, offsets) = tokenize(&json);
        out.extend(s.hash_batch(&tokens, &offsets)?);
    }
    Ok(())
}

fn run(input: &[u8], o: PromptHashOptions, chunk: usize) -> Result<(String, PromptHashReport), TraceError> {
    let mut s = PromptHashStream::new(o)?;
    let mut out = Vec::new();
    for c in input.chunks(chunk.max(1)) {
        s.push(c)?;
        drain(&mut s, &mut out)?;
    }
    s.finish()?;
    drain(&mut s, &mut out)?;
    Ok((String::from_utf8(out).unwrap(), s.report()?))
}

const EXAMPLE: &str = "{\"prompt\":\"11 12 13 14 15 16 17 18 19 20\",\"timestamp\":0,\"output_length\":5}\r\n\
{\"text_input\":\"11 12 13 14 15 16 17 18 30\",\"session_id\":\"s\"}\r\n\
\r\n\
{\"text\":\"15 16 17 18 11 12 13 14\",\"extra\":{\"k\":1},\"delay\":3}\r\n\
{\"prompt\":\"11 12 13 14 15 16 17 18 19 20\",\"timestamp\":0,\"output_length\":5}";

const EXAMPLE_OUT: &str = "{\"timestamp\":0,\"input_length\":10,\"output_length\":5,\"hash_ids\":[0,1,2]}\n\
{\"input_length\":9,\"hash_ids\":[0,1,3],\"session_id\":\"s\"}\n\
{\"input_length\":8,\"hash_ids\":[4,5],\"delay\":3,\"extra\":{\"k\":1}}\n\
{\"timestamp\":0,\"input_length\":10,\"output_length\":5,\"hash_ids\":[0,1,2]}\n";

#[test]
fn spec_example_rows_and_summary() {
    let (out, report) = run(EXAMPLE.as_bytes(), opts(4, 512, false), 1 << 20).unwrap();
    assert_eq!(out, EXAMPLE_OUT);
    assert_eq!(report.summary(), "hash-prompts: 4 rows, 11 blocks, 6 distinct ids, block size 4");
    assert_eq!((report.tokens, report.skipped.total()), (37, 0));
    assert_eq!(
        report.to_json(),
        r#"{"rows":4,"blocks":11,"distinct_ids":6,"tokens":37,"block_size":4,"summary":"hash-prompts: 4 rows, 11 blocks, 6 distinct ids, block size 4","skipped":{"total":0,"reasons":[]}}"#
    );
}

#[test]
fn output_does_not_depend_on_chunking_or_batch_size() {
    let input = format!("\u{feff}{EXAMPLE}\n");
    for chunk in [1, 2, 3, 7, 64, 1 << 20] {
        for batch in [1, 2, 3, 512] {
            let (out, _) = run(input.as_bytes(), opts(4, batch, false), chunk).unwrap();
            assert_eq!(out, EXAMPLE_OUT, "chunk {chunk}, batch {batch}");
        }
    }
}

#[test]
fn a_batch_waits_for_batch_rows_rows_until_the_input_ends() {
    let mut s = PromptHashStream::new(opts(4, 2, false)).unwrap();
    s.push(b"{\"prompt\":\"1\"}\n{\"prompt\":\"2\"}\n{\"prompt\":\"3\"}\n{\"prompt\":\"4\"}").unwrap();
    assert_eq!(s.rows_read(), 3);
    assert_eq!(s.next_batch().unwrap().as_deref(), Some(r#"["1","2"]"#));
    s.hash_batch(&[1, 2], &[0, 1, 2]).unwrap();
    assert_eq!(s.next_batch().unwrap(), None, "one row queued, the input goes on");
    s.finish().unwrap();
    assert_eq!(s.next_batch().unwrap().as_deref(), Some(r#"["3","4"]"#));
}

#[test]
fn texts_cross_as_exact_json_strings() {
    let mut s = PromptHashStream::new(opts(4, 512, false)).unwrap();
    s.push(br#"{"prompt":"a\"b\\c\n\u00e9\ud83d\ude00\u0001"}"#).unwrap();
    s.finish().unwrap();
    assert_eq!(s.next_batch().unwrap().unwrap(), "[\"a\\\"b\\\\c\\né😀\\u0001\"]");
}

fn strict_error(input: &str, batch: usize) -> TraceError {
    run(input.as_bytes(), opts(4, batch, false), 1 << 20).unwrap_err()
}

#[test]
fn strict_row_errors_come_in_file_order_with_file_line_and_field() {
    // The empty prompt on line 2 is found only after tokenizing; the broken row on line 4 is
    // found when read. Line 2 comes first in the file, so it is the error, whatever the batching.
    let input = "{\"prompt\":\"1 2\"}\n{\"prompt\":\"\"}\n\n{\"prompt\":\"3\",}\n{\"prompt\":\"4\"}\n";
    for batch in [1, 2, 512] {
        let e = strict_error(input, batch);
        assert_eq!(
            (e.code, e.reason, e.file.as_deref(), e.line, e.field.as_deref(), e.message.as_str()),
            (
                ErrorCode::InvalidRow,
                Some(Reason::MissingInput),
                Some("p.jsonl"),
                Some(2),
                Some("prompt"),
                "p.jsonl:2: prompt: empty prompt (no tokens to hash)"
            ),
            "batch {batch}"
        );
    }
    let e = strict_error("{\"prompt\":\"1 2\"}\n\n{\"prompt\":\"3\",}\n{\"prompt\":\"\"}\n", 512);
    assert_eq!((e.line, e.message.as_str()), (Some(3), "p.jsonl:3: json: invalid JSON: expected a string key at column 15"));
    let e = strict_error("{\"messages\":[{\"role\":\"user\",\"content\":\"1 2\"}]}\n", 512);
    assert_eq!(e.message, "p.jsonl:1: messages: the tokenizer has no chat template to render messages");
}

#[test]
fn lenient_skips_are_counted_in_file_order_under_one_summary() {
    let input = [
        r#"{"prompt":"1 2"}"#,
        r#"{"prompt":"1","timestamp":"abc"}"#,
        r#"{"prompt":"1","output_length":-5}"#,
        r#"{"prompt":"1","output_length":1.5}"#,
        r#"{"prompt":"1","session_id":"a","session_id":"b"}"#,
        r#"{"prompt":"1","delay":1,"delay_ms":1}"#,
        r#"{"prompt":"1",}"#,
        r#"{"prompt":""}"#,
        r#"{"prompt":"3"}"#,
    ]
    .join("\n");
    for batch in [1, 3, 512] {
        let (out, report) = run(input.as_bytes(), opts(2, batch, true), 5).unwrap();
        assert_eq!(out, "{\"input_length\":2,\"hash_ids\":[0]}\n{\"input_length\":1,\"hash_ids\":[1]}\n");
        assert_eq!(
            report.skipped.warning_line("p.jsonl").unwrap(),
            "warning: skipped 7 invalid rows in p.jsonl (duplicate_field: 2 [line 5, 6]; bad_type: 2 [line 2, 4]; invalid_json: 1 [line 7]; missing_input: 1 [line 8]; out_of_range: 1 [line 3])",
            "batch {batch}"
        );
    }
    // empty prompts inside a batch and parse errors after it keep ascending line lists
    let input = "{\"prompt\":\"\"}\n{\"prompt\":\"1\"}\n{\"prompt\":\"\"}\n{}\n{\"prompt\":\"\"}\n";
    let (_, report) = run(input.as_bytes(), opts(2, 512, true), 1 << 20).unwrap();
    assert_eq!(report.skipped.reasons()[0].lines, vec![1, 3, 4, 5]);
}

#[test]
fn calls_out_of_order_are_state_errors_and_bad_offsets_argument_errors() {
    let code = |r: Result<(), TraceError>| r.unwrap_err().code;
    let mut s = PromptHashStream::new(opts(4, 1, false)).unwrap();
    assert_eq!(code(s.hash_batch(&[], &[0]).map(|_| ())), ErrorCode::AnalyzerState);
    s.push(b"{\"prompt\":\"1 2\"}\n{\"prompt\":\"3\"}\n").unwrap();
    assert_eq!(code(s.report().map(|_| ())), ErrorCode::AnalyzerState);
    assert!(s.next_batch().unwrap().is_some());
    assert_eq!(code(s.next_batch().map(|_| ())), ErrorCode::AnalyzerState, "the batch is not hashed yet");
    let e = s.hash_batch(&[1, 2], &[0, 1, 2]).unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (ErrorCode::InvalidArg, "hash-prompts: invalid row offsets: expected 2 offsets for a batch of 1 rows, got 3")
    );
    assert_eq!(code(s.push(b"\n")), ErrorCode::AnalyzerState, "unusable after an error");

    let mut s = PromptHashStream::new(opts(4, 512, false)).unwrap();
    s.finish().unwrap();
    assert_eq!(code(s.finish()), ErrorCode::AnalyzerState);
    assert_eq!(s.next_batch().unwrap(), None);
    assert_eq!(s.report().unwrap().rows, 0);
}

#[test]
fn options_from_doubles_name_the_value_given() {
    use trace_core::hash_prompts::PromptHashOptionsInput;
    let input = |bs: f64| PromptHashOptionsInput { block_size: Some(bs), ..Default::default() };
    // Regression: the bindings narrowed 1.5 to 0 first, and the message said "got '0'".
    let e = PromptHashOptions::from_input(input(1.5)).unwrap_err();
    assert_eq!((e.code, e.message.as_str()), (ErrorCode::InvalidArg, "option '--block-size': expected a positive integer, got '1.5'"));
    assert_eq!(PromptHashOptions::from_input(input(64.0)).unwrap().block_size, 64);
    let e = PromptHashOptions::from_input(PromptHashOptionsInput { batch_rows: Some(0.0), ..Default::default() }).unwrap_err();
    assert_eq!(e.message, "option 'batchRows': expected a positive integer, got '0'");
    assert_eq!(PromptHashOptions::from_input(PromptHashOptionsInput::default()).unwrap(), PromptHashOptions::default());
}

/// A row whose prompt is `n` bytes of `"7 "` (the stub tokenizer's ids).
fn big_prompt_row(n: usize) -> String {
    format!("{{\"prompt\":\"{}\"}}\n", "7 ".repeat(n / 2))
}

#[test]
fn a_batch_closes_at_16_mib_of_text_however_few_rows_that_is() {
    // Before: 512 rows were queued however long their prompts (up to 64 MiB each), so one
    // batch could hold gigabytes of text while waiting for its 512th row.
    let mib = 1 << 20;
    let mut s = PromptHashStream::new(opts(4, 512, false)).unwrap();
    for _ in 0..6 {
        s.push(big_prompt_row(5 * mib).as_bytes()).unwrap();
    }
    // 30 MiB queued: the first batch is released at once and stops at ≥ 16 MiB of text.
    let first = s.next_batch().unwrap().expect("released by its size");
    assert_eq!(first.matches("\",\"").count() + 1, 4, "rows until the text reaches 16 MiB");
    let (tokens, offsets) = tokenize(&first);
    s.hash_batch(&tokens, &offsets).unwrap();
    // 10 MiB left and the input goes on: the rest waits for more.
    assert_eq!(s.next_batch().unwrap(), None);
    s.finish().unwrap();
    let rest = s.next_batch().unwrap().expect("the last batch");
    assert_eq!(rest.matches("\",\"").count() + 1, 2);
}

#[test]
fn a_line_over_64_mib_is_an_input_error_naming_file_and_line() {
    let mut input = big_prompt_row(100).into_bytes();
    input.extend(big_prompt_row(64 << 20).into_bytes());
    let e = run(&input, opts(4, 512, false), 1 << 20).unwrap_err();
    assert_eq!((e.code, e.reason, e.line), (ErrorCode::InvalidRow, Some(Reason::LineTooLong), Some(2)));
    assert_eq!(e.message, "p.jsonl:2: row: line is longer than 64 MiB");
}
