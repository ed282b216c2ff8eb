//! Times the analysis of one trace file held in memory (no disk I/O in the timing).
//!
//! `cargo run --release -p trace-core --example analyze_file -- FILE [--threads N] [--chunk BYTES] [--repeat K] [--json]`
//!
//! `--chunk` feeds the streaming API with chunks of that size (default: the whole file in
//! one `push`); `--threads 1` forces the sequential path. Prints the best of K runs.

use std::time::Instant;

use trace_core::{AnalyzerOptions, TraceAnalyzer};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args.first().expect("usage: analyze_file FILE [--threads N] [--chunk BYTES] [--repeat K] [--json]");
    let opt = |name: &str| args.iter().position(|a| a == name).map(|i| args[i + 1].parse::<usize>().expect("a number"));
    let threads = opt("--threads");
    let chunk = opt("--chunk");
    let repeat = opt("--repeat").unwrap_or(3);
    let bytes = std::fs::read(path).expect("readable file");
    let mut best = f64::INFINITY;
    let mut json = String::new();
    for _ in 0..repeat {
        let t = Instant::now();
        let mut a = TraceAnalyzer::new(AnalyzerOptions { source_name: path.clone(), ..Default::default() }).unwrap();
        if let Some(n) = threads {
            a.set_threads(n);
        }
        match chunk {
            Some(c) => bytes.chunks(c).for_each(|ch| a.push(ch).unwrap()),
            None => a.push(&bytes).unwrap(),
        }
        let r = a.finish().unwrap();
        best = best.min(t.elapsed().as_secs_f64());
        json = r.to_json();
    }
    let mb = bytes.len() as f64 / 1e6;
    eprintln!("{path}: {mb:.1} MB, best of {repeat}: {best:.3} s = {:.0} MB/s (threads {:?}, chunk {:?})", mb / best, threads, chunk);
    if args.iter().any(|a| a == "--json") {
        println!("{json}");
    }
}
