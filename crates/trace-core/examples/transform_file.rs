//! Times the two passes of transform mode on one trace file held in memory (no disk I/O in
//! the timing), fed in chunks like the CLI.
//!
//! `cargo run --release -p trace-core --example transform_file -- FILE [--prefix-len P] [--speedup R] [--root R] [--prompt-len Q] [--chunk BYTES] [--threads N] [--out FILE]`
//!
//! Prints learn (pass 1 + plan) and emit (pass 2) seconds; `--out` writes the output (after
//! the timing) so it can be compared byte for byte.

use std::time::Instant;

use trace_core::synthesis::{parse_multiplier, StreamSettings, SynthesisOptions, TransformStream};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args.first().expect("usage: transform_file FILE [options]");
    let opt = |name: &str| args.iter().position(|a| a == name).map(|i| args[i + 1].clone());
    let mut o = SynthesisOptions::default();
    if let Some(p) = opt("--prefix-len") {
        o.prefix_len_multiplier = parse_multiplier("--prefix-len", &p, false).unwrap();
    }
    if let Some(r) = opt("--speedup") {
        o.speedup_ratio = parse_multiplier("--speedup", &r, false).unwrap();
    }
    if let Some(q) = opt("--prompt-len") {
        o.prompt_len_multiplier = parse_multiplier("--prompt-len", &q, false).unwrap();
    }
    if let Some(r) = opt("--root") {
        o.prefix_root_multiplier = r.parse().expect("an integer");
    }
    let chunk: usize = opt("--chunk").map_or(1 << 20, |c| c.parse().expect("a number"));
    let bytes = std::fs::read(path).expect("readable file");
    let settings = StreamSettings { source_name: path.clone(), skip_invalid: false };

    let t = Instant::now();
    let mut s = TransformStream::new(o, settings).unwrap();
    if let Some(n) = opt("--threads") {
        s.set_threads(n.parse().expect("a number"));
    }
    for c in bytes.chunks(chunk) {
        s.push_learn(c).unwrap();
    }
    let pushed = t.elapsed().as_secs_f64();
    s.finish_learn().unwrap();
    let learn = t.elapsed().as_secs_f64();
    eprintln!("learn: pushes {pushed:.3} s, finish (last jobs + plan) {:.3} s", learn - pushed);
    let t = Instant::now();
    // Output is kept only for `--out`; otherwise each chunk is dropped at once, as the CLI
    // does after writing it (so its memory is reused, not freshly faulted in).
    let keep = opt("--out").is_some();
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut written = 0usize;
    for c in bytes.chunks(chunk) {
        // One call returns at most ~32 MiB; the rest of the chunk comes from drain_emit.
        let mut o = s.push_emit(c).unwrap();
        while !o.is_empty() {
            written += o.len();
            if keep {
                out.push(o);
            }
            o = s.drain_emit().unwrap();
        }
    }
    let (tail, report) = s.finish_emit().unwrap();
    written += tail.len();
    out.push(tail);
    let emit = t.elapsed().as_secs_f64();
    eprintln!("{path}: learn+plan {learn:.3} s, emit {emit:.3} s, total {:.3} s; {written} bytes out", learn + emit);
    eprintln!("{}", report.summary_line());
    if let Some(p) = opt("--out") {
        std::fs::write(p, out.concat()).expect("writable output");
    }
}
