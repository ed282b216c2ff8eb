//! docs/trace-analysis.md §8 and §9 properties 3–7 on seeded generated traces: chunking and
//! threading invariance, blank lines / CRLF / aliases, reordering, block size,
//! idempotence, lenient skipping.

use trace_core::{analyze_trace, AnalysisReport, AnalyzerOptions, MetricStats, TraceAnalyzer};

/// Small deterministic generator (PCG-like LCG), so every run sees the same traces.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One generated row as (canonical text, alias text).
fn gen_row(g: &mut Lcg, conv: &mut Vec<Vec<u64>>) -> (String, String) {
    let kind = g.below(20);
    let ts = if g.below(10) == 0 { None } else { Some(g.below(20_000)) };
    let osl = if g.below(8) == 0 { None } else { Some(g.below(700)) };
    let session = match g.below(6) {
        0 => Some(format!("\"s{}é\"", g.below(30))),
        1 => Some(g.below(30).to_string()),
        _ => None,
    };
    let mut canon = Vec::new();
    let mut alias = Vec::new();
    if let Some(t) = ts {
        let t = if g.below(4) == 0 { format!("{t}.5") } else { t.to_string() };
        canon.push(format!("\"timestamp\": {t}"));
        alias.push(format!("\"created_time\": {t}"));
    }
    if let Some(o) = osl {
        canon.push(format!("\"output_length\": {o}"));
        alias.push(format!("\"output_tokens\": {o}"));
    }
    if let Some(s) = session {
        canon.push(format!("\"session_id\": {s}"));
        alias.push(format!("\"session_id\": {s}"));
    }
    if kind == 0 {
        canon.push("\"text_input\": \"hello\"".into());
        alias.push("\"text_input\": \"hello\"".into());
    } else {
        // hash list: extend a previous conversation (shared prefix) or start a new one
        let mut ids: Vec<u64> = if !conv.is_empty() && g.below(3) > 0 {
            let base = &conv[g.below(conv.len() as u64) as usize];
            if base.is_empty() {
                Vec::new()
            } else {
                base[..(g.below(base.len() as u64) + 1) as usize].to_vec()
            }
        } else {
            Vec::new()
        };
        let extra = g.below(5);
        for _ in 0..extra {
            // mostly small dense ids, sometimes huge ones (hash-map path)
            ids.push(if g.below(10) == 0 { u64::MAX - g.below(50) } else { g.below(400) });
        }
        if g.below(15) == 0 {
            ids.clear();
        }
        let n = ids.len() as u64;
        let isl = match g.below(6) {
            0 => g.below(3000), // anything, often inconsistent
            _ if n == 0 => g.below(3000),
            _ => (n - 1) * 512 + 1 + g.below(512), // consistent
        };
        conv.push(ids.clone());
        let list: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
        canon.push(format!("\"input_length\": {isl}"));
        alias.push(format!("\"input_tokens\": {isl}"));
        if !ids.is_empty() || g.below(2) == 0 {
            canon.push(format!("\"hash_ids\": [{}]", list.join(", ")));
            alias.push(format!("\"hash_ids\": [{}]", list.join(",")));
        }
    }
    (format!("{{{}}}", canon.join(", ")), format!("{{{}}}", alias.join(",")))
}

fn gen_trace(seed: u64, rows: usize) -> (Vec<String>, Vec<String>) {
    let mut g = Lcg(seed);
    let mut conv = Vec::new();
    (0..rows).map(|_| gen_row(&mut g, &mut conv)).unzip()
}

const BAD_ROWS: [&str; 6] = [
    "[1, 2]",
    "{\"input_length\": \"abc\"}",
    "{\"input_length\": 5, \"hash_ids\": [1, -2]}",
    "{\"text_input\": \"x\", \"input_length\": 3}",
    "{\"input_length\": 1,",
    "{\"input_length\": 1, \"s\": \"\u{00e9}\u{00e9}\"} \u{feff}",
];

fn opts(bs: u32, skip: bool) -> AnalyzerOptions {
    AnalyzerOptions { block_size: bs, skip_invalid: skip, source_name: "gen.jsonl".into(), check_materialisation: false }
}

fn chunked(bytes: &[u8], o: AnalyzerOptions, cuts: &[usize], threads: usize) -> AnalysisReport {
    let mut a = TraceAnalyzer::new(o).unwrap();
    a.set_threads(threads);
    // small pipeline segments so that test-sized inputs take the parallel path
    a.set_segment_bytes(64 * 1024);
    let mut prev = 0;
    for &c in cuts {
        a.push(&bytes[prev..c]).unwrap();
        prev = c;
    }
    a.push(&bytes[prev..]).unwrap();
    assert_eq!(a.bytes_consumed(), bytes.len() as u64);
    a.finish().unwrap()
}

/// A file with invalid rows, CRLF endings, blank lines, a BOM and multi-byte UTF-8.
fn messy_file(seed: u64, rows: usize) -> Vec<u8> {
    let (canon, _) = gen_trace(seed, rows);
    let mut g = Lcg(seed ^ 0xdead);
    let mut out = "\u{feff}".to_string();
    for (i, r) in canon.iter().enumerate() {
        out.push_str(r);
        out.push_str(if i % 3 == 0 { "\r\n" } else { "\n" });
        if g.below(9) == 0 {
            out.push_str(BAD_ROWS[g.below(BAD_ROWS.len() as u64) as usize]);
            out.push('\n');
        }
        if g.below(11) == 0 {
            out.push_str(" \t \r\n");
        }
    }
    out.into_bytes()
}

#[test]
fn any_chunking_gives_identical_results() {
    let bytes = messy_file(7, 300);
    let reference = analyze_trace(&bytes, opts(512, true)).unwrap();
    assert!(reference.skipped_invalid_rows > 10, "the file must contain invalid rows");
    let json = reference.to_json();
    // one-byte chunks
    let all: Vec<usize> = (1..bytes.len()).collect();
    let r = chunked(&bytes, opts(512, true), &all, 1);
    assert_eq!(r.to_json(), json);
    assert_eq!(r.skipped(), reference.skipped());
    // random splits
    let mut g = Lcg(99);
    for _ in 0..40 {
        let mut cuts: Vec<usize> = (0..g.below(30)).map(|_| g.below(bytes.len() as u64) as usize).collect();
        cuts.sort_unstable();
        let r = chunked(&bytes, opts(512, true), &cuts, 1 + (g.below(2) as usize));
        assert_eq!(r.to_json(), json, "cuts {cuts:?}");
        assert_eq!(r.skipped(), reference.skipped());
    }
}

#[test]
fn sequential_and_parallel_parsing_agree() {
    // big enough for several parallel segments
    let bytes = messy_file(11, 40_000);
    assert!(bytes.len() > 2 * 1024 * 1024);
    let seq = chunked(&bytes, opts(512, true), &[], 1);
    let par = chunked(&bytes, opts(512, true), &[], 2);
    assert_eq!(seq, par);
    assert_eq!(seq.to_json(), par.to_json());
    let par_chunks = chunked(&bytes, opts(512, true), &[1, 300_000, 300_001, 1_700_000], 2);
    assert_eq!(seq, par_chunks);
    // small chunks (as a CLI stream delivers them) are gathered for the pipeline
    let cuts: Vec<usize> = (1..bytes.len() / 65536).map(|k| k * 65536 + k % 7).collect();
    assert_eq!(seq, chunked(&bytes, opts(512, true), &cuts, 2));
    // strict mode reports the same first error either way
    let err = |threads: usize| {
        let mut a = TraceAnalyzer::new(opts(512, false)).unwrap();
        a.set_threads(threads);
        a.set_segment_bytes(64 * 1024);
        a.push(&bytes).and_then(|_| a.finish().map(|_| ())).unwrap_err()
    };
    assert_eq!(err(1), err(2));
}

#[test]
fn blank_lines_crlf_and_aliases_do_not_change_the_analysis() {
    let (canon, alias) = gen_trace(3, 500);
    let base = analyze_trace(canon.join("\n").as_bytes(), opts(512, false)).unwrap();
    let aliased = analyze_trace(alias.join("\n").as_bytes(), opts(512, false)).unwrap();
    assert_eq!(base.to_json(), aliased.to_json());
    // CRLF keeps line numbers; blank lines shift only the example line numbers
    let crlf = analyze_trace(canon.join("\r\n").as_bytes(), opts(512, false)).unwrap();
    assert_eq!(base.to_json(), crlf.to_json());
    let blanks = analyze_trace(format!("\n \n{}\n\n", canon.join("\n\t\r\n")).as_bytes(), opts(512, false)).unwrap();
    let mut shifted = blanks.clone();
    for e in &mut shifted.inconsistent_row_examples {
        e.line = (e.line - 3) / 2 + 1;
    }
    assert_eq!(shifted, base);
}

fn close(a: f64, b: f64) -> bool {
    a == b || ((a - b).abs() / a.abs().max(b.abs())) < 1e-12
}

fn stats_close(a: &Option<MetricStats>, b: &Option<MetricStats>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            close(a.mean, b.mean)
                && close(a.std_dev, b.std_dev)
                && a.min == b.min
                && a.p25 == b.p25
                && a.median == b.median
                && a.p75 == b.p75
                && a.max == b.max
        }
        _ => false,
    }
}

#[test]
fn reordering_rows_changes_only_order_dependent_values() {
    let (canon, _) = gen_trace(5, 400);
    let a = analyze_trace(canon.join("\n").as_bytes(), opts(512, false)).unwrap();
    let mut shuffled = canon.clone();
    let mut g = Lcg(17);
    for i in (1..shuffled.len()).rev() {
        shuffled.swap(i, g.below(i as u64 + 1) as usize);
    }
    let b = analyze_trace(shuffled.join("\n").as_bytes(), opts(512, false)).unwrap();
    assert_ne!(a.cache_hit_rate, b.cache_hit_rate, "the shuffle must matter for the hit rate");
    let ints = |r: &AnalysisReport| {
        (
            r.total_requests,
            r.unique_prefixes,
            r.num_prefix_groups,
            (r.min_isl, r.max_isl, r.min_osl, r.max_osl),
            (r.rows_without_hash_ids, r.rows_without_input_length, r.rows_without_timestamp, r.inconsistent_rows),
            (r.sessions, r.multi_turn_sessions),
            r.duration_ms,
        )
    };
    assert_eq!(ints(&a), ints(&b));
    for (x, y) in [(a.avg_isl, b.avg_isl), (a.avg_osl, b.avg_osl), (a.prefix_reuse_ratio, b.prefix_reuse_ratio)] {
        assert_eq!(x, y); // exact sums: order cannot matter at all
    }
    for (x, y) in [
        (&a.isl_stats, &b.isl_stats),
        (&a.osl_stats, &b.osl_stats),
        (&a.context_length_stats, &b.context_length_stats),
        (&a.unique_prompt_length_stats, &b.unique_prompt_length_stats),
        (&a.request_rate_stats, &b.request_rate_stats),
    ] {
        assert!(stats_close(x, y), "{x:?} vs {y:?}");
    }
}

#[test]
fn block_size_changes_only_the_block_dependent_keys() {
    let (canon, _) = gen_trace(9, 400);
    let text = canon.join("\n");
    let a = analyze_trace(text.as_bytes(), opts(512, false)).unwrap();
    let b = analyze_trace(text.as_bytes(), opts(64, false)).unwrap();
    assert_ne!(a.context_length_stats, b.context_length_stats);
    assert_ne!(a.token_weighted_hit_rate, b.token_weighted_hit_rate);
    let mut b2 = b.clone();
    b2.context_length_stats = a.context_length_stats;
    b2.unique_prompt_length_stats = a.unique_prompt_length_stats;
    b2.inconsistent_rows = a.inconsistent_rows;
    b2.inconsistent_row_examples = a.inconsistent_row_examples.clone();
    b2.token_weighted_hit_rate = a.token_weighted_hit_rate;
    b2.block_size = a.block_size;
    assert_eq!(a, b2);
}

#[test]
fn analysing_twice_is_identical() {
    let bytes = messy_file(21, 500);
    let a = analyze_trace(&bytes, opts(512, true)).unwrap().to_json();
    let b = analyze_trace(&bytes, opts(512, true)).unwrap().to_json();
    assert_eq!(a, b);
}

#[test]
fn lenient_skipping_equals_deleting_the_invalid_lines() {
    let bytes = messy_file(13, 600);
    let text = String::from_utf8(bytes.clone()).unwrap();
    let skipped = analyze_trace(&bytes, opts(512, true)).unwrap();
    assert!(skipped.skipped_invalid_rows > 0);
    // blank out the invalid lines: line numbers stay, so everything but the count matches
    let lines: Vec<&str> = text.split('\n').collect();
    let mut kept = Vec::new();
    let mut deleted = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let line_text = if i == 0 { l.trim_start_matches('\u{feff}') } else { l };
        let valid = analyze_trace(line_text.as_bytes(), opts(512, false)).is_ok();
        kept.push(if valid { *l } else { "" });
        if valid {
            deleted.push(*l);
        }
    }
    let blanked = analyze_trace(kept.join("\n").as_bytes(), opts(512, false)).unwrap();
    let mut s2 = skipped.clone();
    s2.skipped_invalid_rows = 0;
    s2.skipped = Default::default();
    assert_eq!(s2, blanked);
    // really deleting them changes only the example line numbers as well
    let del = analyze_trace(deleted.join("\n").as_bytes(), opts(512, false)).unwrap();
    let mut s3 = s2.clone();
    s3.inconsistent_row_examples = del.inconsistent_row_examples.clone();
    assert_eq!(s3, del);
    assert_eq!(skipped.skipped().total(), skipped.skipped_invalid_rows);
}

#[test]
fn a_huge_time_span_does_not_materialise_its_windows() {
    // W = ceil(2^53 / 1000) ≈ 9·10^12 windows, two of them non-empty
    let text = "{\"timestamp\": 0, \"input_length\": 1}\n{\"timestamp\": 9007199254740992, \"input_length\": 1}\n";
    let r = analyze_trace(text.as_bytes(), opts(512, false)).unwrap();
    let w = 9_007_199_254_741.0_f64;
    let s = r.request_rate_stats.unwrap();
    assert_eq!((s.min, s.p25, s.median, s.p75, s.max), (0.0, 0.0, 0.0, 0.0, 1.0));
    assert_eq!(s.mean, 2.0 / w);
    let p = 2.0 / w;
    assert!((s.std_dev - (p * (1.0 - p)).sqrt()).abs() / s.std_dev < 1e-6, "{}", s.std_dev);
    assert!(r.to_json().contains("\"duration_ms\": 9007199254740992,"));
}
