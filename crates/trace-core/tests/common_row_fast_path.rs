//! The common-shape fast path (`row::parse_common_row`) against the full validating
//! parser: whatever the fast path accepts, the full parser accepts with the same values
//! (on the real trace, generated rows and mutated rows); whatever it declines is left to
//! the full parser, so analyses are byte-identical either way.

use trace_core::row::{parse_common_row, parse_common_row_fields, parse_row, CommonRow, InputMode, ParseOptions, Row, TimeValue};
use trace_core::{analyze_trace, AnalyzerOptions};

/// The real Mooncake trace, found relative to this crate (the repository sits next to `shared/`).
const REAL_TRACE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/mooncake/conversation_trace.jsonl");

fn real_trace() -> Vec<u8> {
    std::fs::read(REAL_TRACE).expect("the real Mooncake trace")
}

/// The row the full parser must produce for a fast-path result.
fn expected_row(line: &[u8], c: &CommonRow, ids: &[u64]) -> Row {
    Row {
        input_mode: InputMode::Tokens,
        timestamp: Some(TimeValue { value: c.timestamp as f64, integral: true }),
        input_length: Some(c.input_length),
        output_length: Some(c.output_length),
        hash_ids: ids.to_vec(),
        session_id: c.session_id.clone().map(|s| String::from_utf8(line[s].to_vec()).unwrap()),
        ..Row::default()
    }
}

/// Checks the contract on one line; returns whether the fast path took it.
fn check(line: &[u8]) -> bool {
    let mut ids = vec![7, 8, 9];
    let fast = parse_common_row(line, &mut ids);
    let full = parse_row(line, &ParseOptions::default());
    match fast {
        None => {
            assert_eq!(ids, vec![7, 8, 9], "a declined line leaves the id buffer as it was: {:?}", String::from_utf8_lossy(line));
            let mut fields = Vec::new();
            assert_eq!(parse_common_row_fields(line, &mut ids, &mut fields), None);
            assert!(ids == vec![7, 8, 9] && fields.is_empty(), "declined by one variant, not the other");
            false
        }
        Some(c) => {
            assert_eq!(&ids[..3], &[7, 8, 9]);
            let full = full.unwrap_or_else(|e| {
                panic!("fast path accepted a line the full parser rejects ({e:?}): {:?}", String::from_utf8_lossy(line))
            });
            assert_eq!(full, expected_row(line, &c, &ids[3..]), "line {:?}", String::from_utf8_lossy(line));
            // The span-keeping variant (transform's emit pass) records exactly the full
            // parser's field spans.
            let mut ids2 = vec![1];
            let mut fields = Vec::new();
            assert_eq!(parse_common_row_fields(line, &mut ids2, &mut fields), Some(c));
            assert_eq!(&ids2[1..], &ids[3..]);
            let kept = parse_row(line, &ParseOptions { keep_fields: true }).unwrap();
            assert_eq!(fields, kept.fields, "line {:?}", String::from_utf8_lossy(line));
            true
        }
    }
}

#[test]
fn takes_every_row_of_the_real_trace_with_identical_values() {
    let data = real_trace();
    let mut n = 0;
    for line in data.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        assert!(check(line), "real-trace row declined: {:?}", String::from_utf8_lossy(line));
        n += 1;
    }
    assert_eq!(n, 12_031);
}

/// Deterministic LCG so every run sees the same rows.
struct Lcg(u64);
impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
    fn number(&mut self) -> u64 {
        // small, mid-sized and limit-adjacent values
        match self.below(6) {
            0 => self.below(10),
            1 => self.below(100_000),
            2 => u32::MAX as u64 - self.below(3) + self.below(3),
            3 => 999_999_999_999_999 + self.below(3),
            4 => 9_999_999_999_999_999_999 - self.below(3),
            _ => u64::MAX - self.below(3),
        }
    }
}

fn common_line(g: &mut Lcg) -> String {
    let ids: Vec<String> = (0..g.below(6)).map(|_| g.number().to_string()).collect();
    let mut s = format!(
        "{{\"timestamp\": {}, \"input_length\": {}, \"output_length\": {}, \"hash_ids\": [{}]",
        g.number(),
        g.number(),
        g.number(),
        ids.join(", ")
    );
    match g.below(4) {
        0 => s.push_str(&format!(", \"session_id\": \"s{}-x.y:z \"", g.below(1000))),
        1 => s.push_str(", \"session_id\": \"\""),
        _ => {}
    }
    s.push('}');
    s
}

#[test]
fn generated_rows_near_every_limit_agree_with_the_full_parser() {
    let mut g = Lcg(42);
    let mut taken = 0;
    for _ in 0..20_000 {
        if check(common_line(&mut g).as_bytes()) {
            taken += 1;
        }
    }
    // the fast path must actually be exercised, and decline the out-of-range values
    assert!(taken > 1_000 && taken < 20_000, "taken {taken}");
    assert!(check(br#"{"timestamp": 0, "input_length": 0, "output_length": 0, "hash_ids": []}"#));
    assert!(check(
        br#"{"timestamp": 1, "input_length": 4294967295, "output_length": 2, "hash_ids": [9999999999999999999], "session_id": "a b"}"#
    ));
}

#[test]
fn declines_unusual_but_valid_rows() {
    for line in [
        r#"{"timestamp":1, "input_length": 2, "output_length": 3, "hash_ids": [4]}"#,
        r#"{"timestamp": 1, "input_length": 2, "output_length": 3, "hash_ids": [4] }"#,
        r#" {"timestamp": 1, "input_length": 2, "output_length": 3, "hash_ids": [4]}"#,
        r#"{"timestamp": 1.5, "input_length": 2, "output_length": 3, "hash_ids": [4]}"#,
        r#"{"timestamp": 1e3, "input_length": 2, "output_length": 3, "hash_ids": [4]}"#,
        r#"{"timestamp": 1000000000000000, "input_length": 2, "output_length": 3, "hash_ids": [4]}"#,
        r#"{"timestamp": 1, "input_length": "2", "output_length": 3, "hash_ids": [4]}"#,
        r#"{"timestamp": 1, "input_length": 2, "output_length": 3, "hash_ids": [10000000000000000000]}"#,
        r#"{"timestamp": 1, "input_length": 2, "output_length": 3, "hash_ids": [4], "session_id": 5}"#,
        r#"{"timestamp": 1, "input_length": 2, "output_length": 3, "hash_ids": [4], "session_id": "é"}"#,
        r#"{"timestamp": 1, "input_length": 2, "output_length": 3, "hash_ids": [4], "session_id": "a\"b"}"#,
        r#"{"timestamp": 1, "input_length": 2, "output_length": 3, "hash_ids": [4], "delay": 5}"#,
        r#"{"input_length": 2, "timestamp": 1, "output_length": 3, "hash_ids": [4]}"#,
        r#"{"timestamp": 1, "input_tokens": 2, "output_length": 3, "hash_ids": [4]}"#,
        r#"{"timestamp": 1, "input_length": 2, "output_length": 3, "hash_ids": null}"#,
        r#"{"timestamp": 1, "input_length": 2, "output_length": 3}"#,
    ] {
        assert!(parse_row(line.as_bytes(), &ParseOptions::default()).is_ok(), "{line}");
        assert!(!check(line.as_bytes()), "fast path took {line}");
    }
}

#[test]
fn never_accepts_a_row_the_full_parser_rejects() {
    for line in [
        r#"{"timestamp": 1, "input_length": 4294967296, "output_length": 3, "hash_ids": [4]}"#,
        r#"{"timestamp": 1, "input_length": 2, "output_length": 3, "hash_ids": [18446744073709551616]}"#,
        r#"{"timestamp": 01, "input_length": 2, "output_length": 3, "hash_ids": [4]}"#,
        r#"{"timestamp": 1, "input_length": 2, "output_length": 3, "hash_ids": [04]}"#,
        r#"{"timestamp": 1, "input_length": 2, "output_length": 3, "hash_ids": [4,]}"#,
        r#"{"timestamp": 1, "input_length": 2, "output_length": 3, "hash_ids": [4]}}"#,
        "{\"timestamp\": 1, \"input_length\": 2, \"output_length\": 3, \"hash_ids\": [4], \"session_id\": \"a\tb\"}",
        r#"{"timestamp": 1, "input_length": 2, "output_length": 3, "hash_ids": [4], "session_id": "a"#,
        r#"{"timestamp": 1, "input_length": 2, "output_length": 3, "hash_ids": [4], "hash_ids": [4]}"#,
        r#"{"timestamp": 1, "input_length": 2, "output_length": 3, "hash_ids": [4], "text_input": "x"}"#,
    ] {
        assert!(parse_row(line.as_bytes(), &ParseOptions::default()).is_err(), "{line}");
        assert!(!check(line.as_bytes()), "fast path took {line}");
    }
}

/// Every single-byte replacement, deletion and insertion (from an alphabet of JSON
/// structural and boundary bytes) of a few template rows.
#[test]
fn mutated_rows_never_diverge_from_the_full_parser() {
    let templates = [
        r#"{"timestamp": 105, "input_length": 4294967295, "output_length": 0, "hash_ids": [0, 18446744073709551615, 9999999999999999999]}"#,
        r#"{"timestamp": 999999999999999, "input_length": 10, "output_length": 20, "hash_ids": [], "session_id": "s-1"}"#,
        r#"{"timestamp": 0, "input_length": 6758, "output_length": 500, "hash_ids": [0, 1, 2], "session_id": ""}"#,
    ];
    let alphabet: &[u8] = b"0189-+.eE\"\\,:[]{} \t\nnulltrx\x00\x1f\x7f\xc3\xa9\xff";
    let (mut lines, mut taken) = (0u64, 0u64);
    for t in templates {
        let t = t.as_bytes();
        for i in 0..=t.len() {
            for &b in alphabet {
                let mut ins = t.to_vec();
                ins.insert(i, b);
                taken += check(&ins) as u64;
                if i < t.len() {
                    let mut rep = t.to_vec();
                    rep[i] = b;
                    taken += check(&rep) as u64;
                    lines += 1;
                }
                lines += 1;
            }
            if i < t.len() {
                let mut del = t.to_vec();
                del.remove(i);
                taken += check(&del) as u64;
                lines += 1;
            }
        }
    }
    assert!(lines > 10_000 && taken > 100, "{lines} lines, {taken} taken");
}

/// Rewriting every row with compact separators sends it through the full parser; the
/// analysis must not change by a byte.
#[test]
fn analysis_is_identical_through_the_fast_path_and_the_full_parser() {
    let data = real_trace();
    let text = String::from_utf8(data.clone()).unwrap();
    let compact = text.replace("\": ", "\":").replace(", ", ",");
    assert!(parse_common_row(compact.lines().next().unwrap().as_bytes(), &mut Vec::new()).is_none());
    for bs in [512, 16, 1] {
        let opts = || AnalyzerOptions { block_size: bs, ..AnalyzerOptions::default() };
        let fast = analyze_trace(&data, opts()).unwrap().to_json();
        let full = analyze_trace(compact.as_bytes(), opts()).unwrap().to_json();
        assert_eq!(fast, full, "block size {bs}");
    }
}
