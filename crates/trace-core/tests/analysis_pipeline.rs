//! The two-thread pipeline that lives across `push` calls (a helper parses job k + 1
//! while job k is folded): whatever the chunking and job size, strict-mode errors are
//! the same error (code, line, field, message) as on the sequential path, and results are
//! identical.

use trace_core::{AnalyzerOptions, TraceAnalyzer, TraceError};

/// The real Mooncake trace, found relative to this crate (the repository sits next to `shared/`).
const REAL_TRACE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/mooncake/conversation_trace.jsonl");

fn run(data: &[u8], threads: usize, segment: usize, chunk: usize, check_mat: bool) -> Result<String, TraceError> {
    let opts = AnalyzerOptions { source_name: "t.jsonl".into(), check_materialisation: check_mat, ..AnalyzerOptions::default() };
    let mut a = TraceAnalyzer::new(opts).unwrap();
    a.set_threads(threads);
    a.set_segment_bytes(segment);
    for c in data.chunks(chunk) {
        a.push(c)?;
    }
    a.finish().map(|r| r.to_json())
}

fn first_lines(n: usize) -> Vec<Vec<u8>> {
    let data = std::fs::read(REAL_TRACE).unwrap();
    data.split(|&b| b == b'\n').filter(|l| !l.is_empty()).take(n).map(<[u8]>::to_vec).collect()
}

fn join(lines: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(l);
        out.push(b'\n');
    }
    out
}

#[test]
fn strict_errors_are_the_same_in_every_job_position_and_chunking() {
    let base = first_lines(2_000);
    // bad rows early, at job boundaries and in the last job; two bad rows: the first wins
    for bad_at in [&[0usize][..], &[1], &[37], &[500, 501], &[999, 3], &[1_998], &[1_999]] {
        let mut lines = base.clone();
        for &k in bad_at {
            lines[k] = b"{\"input_length\": \"x\"}".to_vec();
        }
        let data = join(&lines);
        let expected = run(&data, 1, 4096, data.len(), false).unwrap_err();
        assert_eq!(expected.line, Some(*bad_at.iter().min().unwrap() as u64 + 1));
        for segment in [4096, 65_536, 4 << 20] {
            for chunk in [1_000, 4096, 100_003, data.len()] {
                let e = run(&data, 2, segment, chunk, false).unwrap_err();
                assert_eq!(format!("{e:?}"), format!("{expected:?}"), "bad {bad_at:?} segment {segment} chunk {chunk}");
            }
        }
    }
}

#[test]
fn size_conflicts_and_results_are_the_same_on_both_paths() {
    let lines = first_lines(3_000);
    let data = join(&lines);
    let seq = run(&data, 1, 4096, data.len(), true);
    for (segment, chunk) in [(4096, 777), (65_536, 65_536), (4 << 20, data.len())] {
        assert_eq!(format!("{:?}", run(&data, 2, segment, chunk, true)), format!("{seq:?}"));
        assert_eq!(run(&data, 2, segment, chunk, false).unwrap(), run(&data, 1, 4096, data.len(), false).unwrap());
    }
    // a row requesting id 0 at another size: a SIZE_CONFLICT on the same line both ways
    let mut conflict = lines.clone();
    conflict.insert(2_500, b"{\"input_length\": 1, \"hash_ids\": [0]}".to_vec());
    let data = join(&conflict);
    let seq = run(&data, 1, 4096, data.len(), true).unwrap_err();
    assert_eq!(seq.line, Some(2_501));
    for (segment, chunk) in [(4096, 777), (65_536, 65_536), (4 << 20, data.len())] {
        assert_eq!(format!("{:?}", run(&data, 2, segment, chunk, true).unwrap_err()), format!("{seq:?}"));
    }
}
