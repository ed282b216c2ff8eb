//! Generate mode (`docs/synthesis.md` §4): the §4.7 worked example exactly and the §4.8
//! properties, including statistical fidelity on the real trace (KS < 0.05).

use std::collections::{HashMap, HashSet};

use trace_core::decimal::Decimal;
use trace_core::row::{parse_row, ParseOptions};
use trace_core::synthesis::{generate_bytes, GenerateStream, StreamSettings, SynthesisOptions};
use trace_core::{ErrorCode, Reason};

fn d(s: &str) -> Decimal {
    Decimal::parse(s).unwrap()
}
fn settings() -> StreamSettings {
    StreamSettings { source_name: "d.jsonl".into(), skip_invalid: false }
}
fn with(f: impl FnOnce(&mut SynthesisOptions)) -> SynthesisOptions {
    let mut o = SynthesisOptions::default();
    f(&mut o);
    o
}
fn gen(input: &str, n: u64, opts: SynthesisOptions) -> Vec<String> {
    let (out, rep, _) = generate_bytes(input.as_bytes(), n, opts, settings()).unwrap();
    assert_eq!(rep.generated, n);
    String::from_utf8(out).unwrap().lines().map(str::to_string).collect()
}

const EXAMPLE_D: &str = r#"{"timestamp":0,"input_length":1024,"output_length":10,"hash_ids":[0,1]}
{"timestamp":0,"input_length":2500,"output_length":20,"hash_ids":[0,1,2,3,4]}
{"timestamp":1000,"input_length":3400,"output_length":30,"hash_ids":[0,1,2,3,4,5,6]}
{"timestamp":1000,"input_length":1024,"output_length":40,"hash_ids":[7,8]}
{"timestamp":1000,"input_length":1900,"output_length":50,"hash_ids":[7,8,9,10]}
{"timestamp":3000,"input_length":600,"output_length":60,"hash_ids":[11,12]}
"#;

#[test]
fn worked_example_defaults() {
    let rows = gen(EXAMPLE_D, 6, SynthesisOptions::default());
    assert_eq!(
        rows,
        [
            r#"{"timestamp":0,"input_length":1900,"output_length":50,"hash_ids":[5,6,7,8],"context_len":1024,"unique_user_prompt_len":876}"#,
            r#"{"timestamp":2000,"input_length":1024,"output_length":10,"hash_ids":[0,1],"context_len":1024,"unique_user_prompt_len":0}"#,
            r#"{"timestamp":2000,"input_length":1024,"output_length":40,"hash_ids":[5,6],"context_len":1024,"unique_user_prompt_len":0}"#,
            r#"{"timestamp":4000,"input_length":1900,"output_length":50,"hash_ids":[5,6,9,10],"context_len":1024,"unique_user_prompt_len":876}"#,
            r#"{"timestamp":4000,"input_length":1900,"output_length":50,"hash_ids":[5,6,11,12],"context_len":1024,"unique_user_prompt_len":876}"#,
            r#"{"timestamp":4000,"input_length":1900,"output_length":50,"hash_ids":[5,6,13,14],"context_len":1024,"unique_user_prompt_len":876}"#,
        ]
    );
}

#[test]
fn worked_example_summary_counts() {
    let (_, rep, _) = generate_bytes(EXAMPLE_D.as_bytes(), 6, SynthesisOptions::default(), settings()).unwrap();
    assert_eq!((rep.learned_rows, rep.path_ids, rep.radix_nodes), (6, 13, 3));
    assert_eq!(
        rep.summary_line(),
        "synthesize (generate): learned 6 rows → 13 path ids, 3 radix nodes; generated 6 rows; 0 rejected samples; trees 1; seed 0"
    );
}

#[test]
fn worked_example_prefix_and_root_multipliers() {
    let rows = gen(
        EXAMPLE_D,
        6,
        with(|o| {
            o.prefix_len_multiplier = d("2");
            o.prefix_root_multiplier = 2;
        }),
    );
    assert_eq!(
        rows,
        [
            r#"{"timestamp":0,"input_length":5060,"output_length":20,"hash_ids":[14,15,16,17,18,19,20,21,22,23],"context_len":5060,"unique_user_prompt_len":0}"#,
            r#"{"timestamp":1000,"input_length":2048,"output_length":40,"hash_ids":[10,11,12,13],"context_len":2048,"unique_user_prompt_len":0}"#,
            r#"{"timestamp":3000,"input_length":5960,"output_length":30,"hash_ids":[14,15,16,17,18,19,20,21,22,23,28,29],"context_len":5120,"unique_user_prompt_len":840}"#,
            r#"{"timestamp":3000,"input_length":2924,"output_length":50,"hash_ids":[10,11,12,13,30,31],"context_len":2048,"unique_user_prompt_len":876}"#,
            r#"{"timestamp":3000,"input_length":5060,"output_length":20,"hash_ids":[0,1,2,3,4,5,6,7,8,9],"context_len":5060,"unique_user_prompt_len":0}"#,
            r#"{"timestamp":5000,"input_length":5060,"output_length":20,"hash_ids":[0,1,2,3,4,5,6,7,8,9],"context_len":5060,"unique_user_prompt_len":0}"#,
        ]
    );
}

#[test]
fn worked_example_prompt_speedup_and_output_options() {
    let rows = gen(
        EXAMPLE_D,
        6,
        with(|o| {
            o.prompt_len_multiplier = d("0.5");
            o.speedup_ratio = d("2");
            o.output_len_multiplier = d("1.5");
            o.max_osl = Some(60);
        }),
    );
    assert!(rows[0].starts_with(r#"{"timestamp":0,"input_length":1462,"output_length":60,"hash_ids":[5,6,7],"#), "{}", rows[0]);
    assert!(rows[1].starts_with(r#"{"timestamp":1000,"input_length":1024,"output_length":15,"hash_ids":[0,1],"#), "{}", rows[1]);
    assert!(rows[2].starts_with(r#"{"timestamp":1000,"input_length":1024,"output_length":60,"hash_ids":[5,6],"#), "{}", rows[2]);
}

#[test]
fn unreachable_isl_window_fails_after_1000_rejections() {
    let a = "{\"timestamp\":0,\"input_length\":1200,\"output_length\":100,\"hash_ids\":[1,2,3]}\n{\"timestamp\":1000,\"input_length\":1100,\"output_length\":200,\"hash_ids\":[1,2,4]}\n{\"timestamp\":2001,\"input_length\":600,\"output_length\":50,\"hash_ids\":[1,5]}\n{\"timestamp\":3000,\"input_length\":1024,\"output_length\":300,\"hash_ids\":[1,2]}\n";
    let err = generate_bytes(a.as_bytes(), 10, with(|o| o.max_isl = Some(500)), settings()).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArg);
    assert_eq!(
        err.message,
        "generate: 1000 consecutive samples fell outside --synthesis-min-isl/--synthesis-max-isl [1, 500]; the learned input-length distribution has almost no mass there (learned ISL range 600..1200)"
    );
}

#[test]
fn rows_generate_mode_cannot_learn_are_input_errors() {
    let err = generate_bytes(
        b"{\"timestamp\":0,\"input_length\":20,\"output_length\":5,\"hash_ids\":[0,1]}\n",
        1,
        SynthesisOptions::default(),
        settings(),
    )
    .unwrap_err();
    assert_eq!(err.reason, Some(Reason::InconsistentLayout));
    assert_eq!(err.message, "d.jsonl:1: hash_ids: 2 ids do not match input_length 20 at block size 512 (overshoot)");
    let err = generate_bytes(b"\n{\"input_length\":20,\"output_length\":5,\"hash_ids\":[0]}\n", 1, SynthesisOptions::default(), settings())
        .unwrap_err();
    assert_eq!(err.reason, Some(Reason::MissingField));
    assert_eq!(err.message, "d.jsonl:2: timestamp: required by generate mode");
    // Lenient: skipped and counted; the rest is learned.
    let input = format!("{{\"text_input\":\"hi\"}}\n{EXAMPLE_D}");
    let (out, _, skipped) = generate_bytes(
        input.as_bytes(),
        6,
        SynthesisOptions::default(),
        StreamSettings { source_name: "d.jsonl".into(), skip_invalid: true },
    )
    .unwrap();
    assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 6);
    assert_eq!(skipped.warning_line("d.jsonl").unwrap(), "warning: skipped 1 invalid rows in d.jsonl (missing_field: 1 [line 1])");
}

#[test]
fn the_stream_owns_its_states_learning_running_failed() {
    let state = |r: Result<(), trace_core::TraceError>| r.map_err(|e| (e.code, e.message)).unwrap_err();
    let mut s = GenerateStream::new(SynthesisOptions::default(), settings()).unwrap();
    assert_eq!(state(s.next_chunk(1).map(|_| ())), (ErrorCode::AnalyzerState, "generate: call finish(numRequests) first".into()));
    assert_eq!(s.report_json().unwrap_err().code, ErrorCode::AnalyzerState);
    assert_eq!((s.produced(), s.is_done()), (0, false));
    s.push(EXAMPLE_D.as_bytes()).unwrap();
    s.finish(3).unwrap();
    assert_eq!(state(s.push(b"\n")), (ErrorCode::AnalyzerState, "generate: the input is already finished".into()));
    assert_eq!(state(s.finish(3)), (ErrorCode::AnalyzerState, "generate: the input is already finished".into()));
    while !s.is_done() {
        s.next_chunk(1).unwrap();
    }
    assert_eq!(s.produced(), 3);
    assert!(s.report_json().unwrap().contains("\"skipped\":{\"total\":0,\"reasons\":[]}"));
    // a failed learning pass leaves a stream that only reports the failure
    let mut bad = GenerateStream::new(SynthesisOptions::default(), settings()).unwrap();
    assert_eq!(bad.push(b"[1]\n").and_then(|_| bad.finish(3)).unwrap_err().code, ErrorCode::InvalidRow);
    assert_eq!(state(bad.finish(3)), (ErrorCode::AnalyzerState, "generate: unusable after an error".into()));
}

#[test]
fn empty_input_cannot_be_learned() {
    let mut s = GenerateStream::new(SynthesisOptions::default(), settings()).unwrap();
    s.push(b"\n\n").unwrap();
    assert_eq!(s.finish(5).err().unwrap().code, ErrorCode::InvalidArg);
}

struct Parsed {
    ts: Vec<f64>,
    isl: Vec<u64>,
    osl: Vec<u64>,
    ids: Vec<Vec<u64>>,
    extra: Vec<(u64, u64)>,
}

fn parse_all(text: &[u8]) -> Parsed {
    let mut p = Parsed { ts: vec![], isl: vec![], osl: vec![], ids: vec![], extra: vec![] };
    for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let row = parse_row(line, &ParseOptions { keep_fields: true }).unwrap();
        p.ts.push(row.timestamp.unwrap().value);
        p.isl.push(u64::from(row.input_length.unwrap()));
        p.osl.push(u64::from(row.output_length.unwrap()));
        p.ids.push(row.hash_ids.clone());
        let num = |k: &str| {
            row.fields
                .iter()
                .find(|f| f.key(line) == k)
                .map(|f| std::str::from_utf8(&line[f.value_span.clone()]).unwrap().parse::<u64>().unwrap())
                .unwrap_or(0)
        };
        p.extra.push((num("context_len"), num("unique_user_prompt_len")));
    }
    p
}

/// §4.8 properties 1–3 and 5 on a generated sample.
fn check_structure(out: &[u8], n: usize, bs: u64, r: u64, z: Option<u64>) {
    let p = parse_all(out);
    assert_eq!(p.isl.len(), n);
    assert!(p.ts.windows(2).all(|w| w[0] <= w[1]), "timestamps non-decreasing");
    let mut tails = HashSet::new();
    for i in 0..n {
        let (isl, k) = (p.isl[i], p.ids[i].len() as u64);
        assert!((k - 1) * bs < isl && isl <= k * bs, "block-consistent");
        let (ctx, uniq) = p.extra[i];
        assert!(ctx % bs == 0 || ctx == isl);
        assert_eq!(ctx + uniq, isl);
        assert!(p.osl[i] >= 1);
        if let Some(z) = z {
            let copy = p.ids[i].iter().find(|&&h| h < r * z).map(|h| h / z);
            for &h in &p.ids[i] {
                if h >= r * z {
                    assert!(tails.insert(h), "tail id {h} repeated");
                } else {
                    assert_eq!(Some(h / z), copy, "one copy per row");
                }
            }
        }
    }
}

fn real_trace() -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/mooncake/conversation_trace.jsonl");
    std::fs::read(path).expect("real trace")
}

#[test]
fn structure_and_determinism_with_copies() {
    let opts = || {
        with(|o| {
            o.prefix_root_multiplier = 3;
            o.prefix_len_multiplier = d("1.5");
            o.seed = 7;
        })
    };
    let (a, _, _) = generate_bytes(EXAMPLE_D.as_bytes(), 500, opts(), settings()).unwrap();
    let (b, _, _) = generate_bytes(EXAMPLE_D.as_bytes(), 500, opts(), settings()).unwrap();
    assert_eq!(a, b, "same seed, same bytes");
    // len' = rhe(2·1.5)=3, rhe(3·1.5)=4 (4.5 → 4), 3 → Z = 10.
    check_structure(&a, 500, 512, 3, Some(10));
    let (c, _, _) = generate_bytes(EXAMPLE_D.as_bytes(), 500, with(|o| o.seed = 8), settings()).unwrap();
    assert_ne!(a, c);
}

#[test]
fn isl_and_osl_bounds_hold() {
    let (out, rep, _) = generate_bytes(
        EXAMPLE_D.as_bytes(),
        300,
        with(|o| {
            o.min_isl = Some(1000);
            o.max_isl = Some(3000);
            o.min_osl = Some(25);
            o.max_osl = Some(45);
        }),
        settings(),
    )
    .unwrap();
    let p = parse_all(&out);
    assert!(p.isl.iter().all(|&v| (1000..=3000).contains(&v)));
    assert!(p.osl.iter().all(|&v| (25..=45).contains(&v)));
    assert!(rep.rejected > 0, "600-token rows must have been rejected");
}

#[test]
fn shared_radix_nodes_give_shared_leading_ids() {
    // With P = 2 every row through node (0,2) starts with its 4 scaled ids.
    let out = gen(EXAMPLE_D, 200, with(|o| o.prefix_len_multiplier = d("2")));
    for r in out.iter().filter(|r| r.contains("\"hash_ids\":[0,")) {
        assert!(r.contains("\"hash_ids\":[0,1,2,3"), "{r}");
    }
}

/// Position-aware context (`docs/trace-analysis.md` §3.2) per row of one file.
fn cacheable_fractions(p: &Parsed, bs: u64) -> Vec<f64> {
    let mut pairs: HashMap<(usize, u64), u32> = HashMap::new();
    for ids in &p.ids {
        for (j, &h) in ids.iter().enumerate() {
            *pairs.entry((j, h)).or_default() += 1;
        }
    }
    p.ids
        .iter()
        .zip(&p.isl)
        .map(|(ids, &isl)| {
            let rep = ids.iter().enumerate().filter(|(j, h)| pairs[&(*j, **h)] >= 2).count() as u64;
            let ctx = if ids.is_empty() {
                0
            } else if rep == ids.len() as u64 {
                isl
            } else {
                rep * bs
            };
            ctx as f64 / isl as f64
        })
        .collect()
}

/// Two-sample Kolmogorov–Smirnov statistic, both CDFs evaluated at every distinct value.
fn ks(a: &[f64], b: &[f64]) -> f64 {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let (mut i, mut j, mut dmax) = (0usize, 0usize, 0f64);
    while i < a.len() && j < b.len() {
        let x = a[i].min(b[j]);
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        dmax = dmax.max((i as f64 / a.len() as f64 - j as f64 / b.len() as f64).abs());
    }
    dmax
}

#[test]
fn ks_statistic_is_right_on_known_samples() {
    assert_eq!(ks(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]), 0.0);
    assert_eq!(ks(&[1.0, 2.0], &[3.0, 4.0]), 1.0);
    assert!((ks(&[1.0, 2.0, 3.0, 4.0], &[2.0, 3.0, 4.0, 5.0]) - 0.25).abs() < 1e-15);
    assert_eq!(ks(&[1.0, 1.0, 2.0], &[1.0, 2.0, 2.0]), 1.0 / 3.0);
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn rate(ts: &[f64]) -> f64 {
    let lo = ts.iter().cloned().fold(f64::INFINITY, f64::min);
    let hi = ts.iter().cloned().fold(0.0, f64::max);
    ts.len() as f64 / ((hi - lo) / 1000.0).ceil().max(1.0)
}

#[test]
fn statistical_fidelity_on_the_real_trace() {
    let input = real_trace();
    let (out, rep, _) = generate_bytes(&input, 100_000, SynthesisOptions::default(), settings()).unwrap();
    assert_eq!(rep.learned_rows, 12031);
    assert_eq!(rep.path_ids, 182790);
    assert_eq!(rep.radix_nodes, 3970);
    assert_eq!(rep.rejected, 0);
    check_structure(&out, 100_000, 512, 1, None);
    let a = parse_all(&input);
    let b = parse_all(&out);
    let f = |v: &[u64]| v.iter().map(|&x| x as f64).collect::<Vec<f64>>();
    let checks = [
        ("isl", f(&a.isl), f(&b.isl)),
        ("osl", f(&a.osl), f(&b.osl)),
        ("cacheable fraction", cacheable_fractions(&a, 512), cacheable_fractions(&b, 512)),
    ];
    for (name, x, y) in checks {
        let rel = (mean(&y) - mean(&x)).abs() / mean(&x);
        let k = ks(&x, &y);
        eprintln!("fidelity {name}: mean {} vs {} ({:+.2}%), KS {k:.4}", mean(&y), mean(&x), 100.0 * (mean(&y) / mean(&x) - 1.0));
        assert!(rel < 0.05, "{name}: mean differs by {rel}");
        assert!(k < 0.05, "{name}: KS {k}");
    }
    let (ra, rb) = (rate(&a.ts), rate(&b.ts));
    eprintln!("fidelity arrival rate: {rb} vs {ra} req/s");
    assert!((rb - ra).abs() / ra < 0.05, "arrival rate {rb} vs {ra}");
}

#[test]
fn generated_output_from_the_real_trace_passes_the_materialisation_check() {
    // §4.8 property 2: a conflict-free input gives a conflict-free output.
    let input = real_trace();
    let (out, _, _) = generate_bytes(&input, 20_000, with(|o| o.prefix_len_multiplier = d("1.5")), settings()).unwrap();
    let opts = trace_core::AnalyzerOptions { check_materialisation: true, ..Default::default() };
    let report = trace_core::analyze_trace(&out, opts).unwrap();
    assert_eq!(report.total_requests, 20_000);
}
