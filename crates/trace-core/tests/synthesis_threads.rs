//! Threads in synthesis: transform's learning pass runs on the two-thread line pipeline and
//! its emit pass rewrites the parts of a block on several threads at once; generate learns
//! on the pipeline. Whatever the thread count, job size and chunking, the output bytes,
//! the report, lenient skips and strict errors are exactly those of the sequential run,
//! and a file that changes between transform's passes is still detected.

use trace_core::decimal::Decimal;
use trace_core::synthesis::{GenerateStream, StreamSettings, SynthesisOptions, TransformReport, TransformStream};
use trace_core::{ErrorCode, SkipSummary, TraceError};

/// The real Mooncake trace, found relative to this crate (the repository sits next to `shared/`).
const REAL_TRACE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/mooncake/conversation_trace.jsonl");

fn real_trace() -> Vec<u8> {
    std::fs::read(REAL_TRACE).expect("real trace")
}

fn d(s: &str) -> Decimal {
    Decimal::parse(s).unwrap()
}

fn settings(skip_invalid: bool) -> StreamSettings {
    StreamSettings { source_name: "t.jsonl".into(), skip_invalid }
}

/// One way of running: thread cap, unit of threaded work, chunk size.
#[derive(Debug, Clone, Copy)]
struct Run {
    threads: usize,
    segment: usize,
    chunk: usize,
}

const SEQUENTIAL: Run = Run { threads: 1, segment: 4 << 20, chunk: usize::MAX };

const RUNS: [Run; 5] = [
    Run { threads: 2, segment: 4 << 20, chunk: 1 << 20 },
    Run { threads: 2, segment: 4096, chunk: 65_536 },
    Run { threads: 2, segment: 4096, chunk: 4_099 },
    Run { threads: 3, segment: 8192, chunk: 300_001 },
    Run { threads: 2, segment: 4096, chunk: usize::MAX },
];

type Transformed = (Vec<u8>, TransformReport, SkipSummary);

/// Transform with `emit_input` as the second pass (normally the same bytes).
fn transform_with(
    learn_input: &[u8],
    emit_input: &[u8],
    opts: &SynthesisOptions,
    lenient: bool,
    run: Run,
) -> Result<Transformed, TraceError> {
    let mut s = TransformStream::new(opts.clone(), settings(lenient))?;
    s.set_threads(run.threads);
    s.set_segment_bytes(run.segment);
    for c in learn_input.chunks(run.chunk.min(learn_input.len().max(1))) {
        s.push_learn(c)?;
    }
    s.finish_learn()?;
    let mut out = Vec::new();
    for c in emit_input.chunks(run.chunk.min(emit_input.len().max(1))) {
        out.extend(s.push_emit(c)?);
        loop {
            let more = s.drain_emit()?;
            if more.is_empty() {
                break;
            }
            out.extend(more);
        }
    }
    let (tail, report) = s.finish_emit()?;
    out.extend(tail);
    Ok((out, report, s.skipped().clone()))
}

fn transform(input: &[u8], opts: &SynthesisOptions, lenient: bool, run: Run) -> Result<Transformed, TraceError> {
    transform_with(input, input, opts, lenient, run)
}

fn option_sets() -> Vec<SynthesisOptions> {
    vec![
        SynthesisOptions { prefix_len_multiplier: d("1.5"), speedup_ratio: d("2"), prefix_root_multiplier: 3, ..Default::default() },
        SynthesisOptions {
            prefix_len_multiplier: d("0.6"),
            prompt_len_multiplier: d("0.7"),
            max_isl: Some(20_000),
            max_osl: Some(300),
            ..Default::default()
        },
        SynthesisOptions { speedup_ratio: d("0.5"), ..Default::default() },
    ]
}

#[test]
fn transform_of_the_real_trace_is_the_same_for_every_thread_count_job_size_and_chunking() {
    let input = real_trace();
    for opts in option_sets() {
        let (want, want_report, _) = transform(&input, &opts, false, SEQUENTIAL).unwrap();
        assert!(want.len() > 1_000_000);
        for run in RUNS {
            let (out, report, _) = transform(&input, &opts, false, run).unwrap();
            assert_eq!(report, want_report, "{run:?}");
            assert!(out == want, "output differs: {run:?}");
        }
    }
}

/// The real trace with invalid rows and blank lines at `at` (indices into its rows).
fn with_bad_rows(at: &[usize]) -> Vec<u8> {
    let input = real_trace();
    let mut lines: Vec<&[u8]> = input.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
    let bad: [&[u8]; 3] = [b"[1]", b"{\"input_length\":-1}", b"{\"timestamp\":1,\"input_length\":\"x\"}"];
    for (k, &i) in at.iter().enumerate().rev() {
        lines.insert(i, bad[k % bad.len()]);
        lines.insert(i, b"   ");
    }
    let mut out = lines.join(&b'\n');
    out.push(b'\n');
    out
}

#[test]
fn lenient_skips_are_counted_once_and_identically_with_threads() {
    let input = with_bad_rows(&[0, 1, 4_000, 6_015, 6_016, 12_030]);
    let opts = &option_sets()[0];
    let (want, want_report, want_skipped) = transform(&input, opts, true, SEQUENTIAL).unwrap();
    assert_eq!(want_skipped.total(), 6);
    assert_eq!(want_report.rows_in, 12_031);
    for run in RUNS {
        let (out, report, skipped) = transform(&input, opts, true, run).unwrap();
        assert_eq!((report, skipped), (want_report.clone(), want_skipped.clone()), "{run:?}");
        assert!(out == want, "output differs: {run:?}");
    }
}

#[test]
fn strict_errors_name_the_first_bad_line_with_threads() {
    for at in [&[0usize][..], &[6_015, 3], &[12_030]] {
        let input = with_bad_rows(at);
        let want = transform(&input, &SynthesisOptions::default(), false, SEQUENTIAL).unwrap_err();
        assert_eq!(want.code, ErrorCode::InvalidRow);
        for run in RUNS {
            let err = transform(&input, &SynthesisOptions::default(), false, run).unwrap_err();
            assert_eq!(err.message, want.message, "{run:?}");
        }
    }
}

/// The real trace with row `i` replaced by `f(row)`, or removed if `f` gives `None`.
fn edited(i: usize, f: impl Fn(&str) -> Option<String>) -> Vec<u8> {
    let input = String::from_utf8(real_trace()).unwrap();
    let mut out = String::new();
    for (k, line) in input.lines().enumerate() {
        let line = if k == i { f(line) } else { Some(line.to_string()) };
        if let Some(l) = line {
            out.push_str(&l);
            out.push('\n');
        }
    }
    out.into_bytes()
}

#[test]
fn a_file_that_changes_between_the_passes_is_an_internal_error_with_threads() {
    let input = real_trace();
    let opts = &option_sets()[0];
    let changes = [
        edited(7_000, |l| Some(l.replacen("\"input_length\": ", "\"input_length\": 1", 1))),
        edited(7_000, |_| None),
        edited(7_000, |l| Some(format!("{l}\n{l}"))),
        edited(12_030, |_| None),
    ];
    for (k, changed) in changes.iter().enumerate() {
        assert_ne!(changed, &input, "edit {k} changed nothing");
        for run in [SEQUENTIAL].iter().chain(RUNS.iter()) {
            let err = transform_with(&input, changed, opts, false, *run).unwrap_err();
            assert_eq!(err.code, ErrorCode::Internal, "edit {k}, {run:?}: {}", err.message);
            assert!(err.message.contains("file changed while reading"), "{}", err.message);
        }
    }
}

fn generate(input: &[u8], lenient: bool, run: Run) -> Result<(Vec<u8>, String), TraceError> {
    let mut s = GenerateStream::new(SynthesisOptions::default(), settings(lenient))?;
    s.set_threads(run.threads);
    s.set_segment_bytes(run.segment);
    for c in input.chunks(run.chunk.min(input.len())) {
        s.push(c)?;
    }
    s.finish(5_000)?;
    let mut out = Vec::new();
    while !s.is_done() {
        out.extend(s.next_chunk(1 << 16)?);
    }
    s.report_json().map(|json| (out, json))
}

#[test]
fn generate_learns_the_same_model_with_threads() {
    let input = with_bad_rows(&[10, 9_000]);
    let (want, want_report) = generate(&input, true, SEQUENTIAL).unwrap();
    assert!(want_report.contains("\"total\":2"), "{want_report}");
    for run in RUNS {
        let (out, report) = generate(&input, true, run).unwrap();
        assert_eq!(report, want_report, "{run:?}");
        assert!(out == want, "output differs: {run:?}");
    }
    let want = generate(&input, false, SEQUENTIAL).unwrap_err();
    for run in RUNS {
        assert_eq!(generate(&input, false, run).unwrap_err().message, want.message, "{run:?}");
    }
}
