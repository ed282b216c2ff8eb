//! Writes a larger Mooncake-like trace for benchmarks: K copies of a trace, copy c with
//! every hash id shifted by c·OFFSET (so prefixes stay distinct across copies, like a
//! longer trace) and timestamps shifted by c hours. Deterministic: no randomness.
//!
//! `cargo run --release -p trace-core --example scale_trace -- IN OUT K [OFFSET=200000]`

use std::io::Write;

use trace_core::lines::{LineKind, LineSplitter};
use trace_core::row::{parse_row, ParseOptions};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (input, output) = (&args[0], &args[1]);
    let copies: u64 = args[2].parse().expect("K");
    let offset: u64 = args.get(3).map(|s| s.parse().expect("OFFSET")).unwrap_or(200_000);
    let bytes = std::fs::read(input).expect("readable input");
    let mut rows = Vec::new();
    let mut sp = LineSplitter::new();
    let mut on_line = |n: u64, k: LineKind<'_>| -> Result<(), String> {
        if let LineKind::Text(t) = k {
            rows.push(parse_row(t, &ParseOptions::default()).map_err(|e| format!("line {n}: {}", e.text))?);
        }
        Ok(())
    };
    sp.push(&bytes, &mut on_line).unwrap();
    sp.finish(&mut on_line).unwrap();
    let mut out = std::io::BufWriter::new(std::fs::File::create(output).expect("writable output"));
    for c in 0..copies {
        for r in &rows {
            let ts = r.timestamp.map(|t| t.value).unwrap_or(0.0) + (c * 3_600_000) as f64;
            let ids: Vec<String> = r.hash_ids.iter().map(|h| (h + c * offset).to_string()).collect();
            writeln!(
                out,
                "{{\"timestamp\": {}, \"input_length\": {}, \"output_length\": {}, \"hash_ids\": [{}]}}",
                ts,
                r.input_length.unwrap_or(0),
                r.output_length.unwrap_or(0),
                ids.join(", ")
            )
            .unwrap();
        }
    }
}
