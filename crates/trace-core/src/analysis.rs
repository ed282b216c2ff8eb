//! `analyze-trace` statistics (`docs/trace-analysis.md` §2–5) as a streaming analyzer (§8).
//!
//! Pipeline: byte chunks → [`LineSplitter`] blocks → rows parsed into compact batches
//! (by the line pipeline's helper thread on native targets) → folded into the analysis
//! state strictly in file order → statistics at [`TraceAnalyzer::finish`]. The fold keeps
//! no input text: per row a few integers, per distinct prefix / `(position, id)` pair a
//! few bytes, so parsing order and chunking cannot change any result.

use crate::error::{Reason, TraceError};
use crate::float_format::{format_float, ratio, ExactSum};
use crate::id_table::{FastMap, IdSet, PairTable, Trie};
use crate::layout::LayoutKind;
use crate::lines::{Block, LineKind, LineSplitter};
use crate::pipeline::{LineBatch, LinePipeline};
use crate::row::{parse_common_row, parse_row_into, ParseOptions, Row, RowError};
use crate::size_conflicts::SizeTable;
use crate::skips::SkipSummary;
use crate::stats::{metric_stats_select as metric_stats, sparse_count_stats, MetricStats};

/// Options of the analyzer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalyzerOptions {
    /// Tokens per hash block (≥ 1; default 512).
    pub block_size: u32,
    /// Lenient mode: count and skip invalid rows instead of failing.
    pub skip_invalid: bool,
    /// File name used in error messages (`PATH` of `docs/trace-format.md` §4.1).
    pub source_name: String,
    /// Run the whole-file materialisation size-conflict check (`docs/trace-format.md` §7.1).
    pub check_materialisation: bool,
}

impl Default for AnalyzerOptions {
    fn default() -> Self {
        AnalyzerOptions { block_size: 512, skip_invalid: false, source_name: "<input>".to_string(), check_materialisation: false }
    }
}

/// [`AnalyzerOptions`] as a caller without Rust types passes them (a binding): every field
/// optional, the block size a double. [`AnalyzerOptions::from_input`] checks them, so the
/// rules and messages live here rather than in each binding.
#[derive(Debug, Clone, Default)]
pub struct AnalyzerOptionsInput {
    pub block_size: Option<f64>,
    pub skip_invalid: Option<bool>,
    pub source_name: Option<String>,
    pub check_materialisation: Option<bool>,
}

impl AnalyzerOptions {
    /// Decodes [`AnalyzerOptionsInput`]; absent fields take the defaults. A block size that
    /// is not an integer in [1, 2^32 − 1] is `INVALID_ARG` naming the value given.
    pub fn from_input(input: AnalyzerOptionsInput) -> Result<Self, TraceError> {
        let d = AnalyzerOptions::default();
        Ok(AnalyzerOptions {
            block_size: input.block_size.map(crate::args::block_size).transpose()?.unwrap_or(d.block_size),
            skip_invalid: input.skip_invalid.unwrap_or(d.skip_invalid),
            source_name: input.source_name.unwrap_or(d.source_name),
            check_materialisation: input.check_materialisation.unwrap_or(d.check_materialisation),
        })
    }
}

/// One entry of `inconsistent_row_examples`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InconsistentRow {
    pub line: u64,
    pub input_length: u32,
    pub num_hash_ids: u64,
    /// `PrefixOnly` or `Overshoot`.
    pub kind: LayoutKind,
}

/// `duration_ms`: an integer when every timestamp is integral, else a float.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Duration {
    pub value: f64,
    pub integral: bool,
}

/// The complete analysis (every key of `analysis.json`, §3–4) plus the skip summary.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisReport {
    pub total_requests: u64,
    pub unique_prefixes: u64,
    pub num_prefix_groups: u64,
    pub cache_hit_rate: f64,
    pub min_isl: u64,
    pub max_isl: u64,
    pub avg_isl: f64,
    pub min_osl: u64,
    pub max_osl: u64,
    pub avg_osl: f64,
    pub prefix_reuse_ratio: f64,
    pub isl_stats: Option<MetricStats>,
    pub osl_stats: Option<MetricStats>,
    pub context_length_stats: Option<MetricStats>,
    pub unique_prompt_length_stats: Option<MetricStats>,
    pub hit_rate_stats: Option<MetricStats>,
    pub block_size: u32,
    pub skipped_invalid_rows: u64,
    pub rows_without_hash_ids: u64,
    pub rows_without_input_length: u64,
    pub rows_without_timestamp: u64,
    pub inconsistent_rows: u64,
    pub inconsistent_row_examples: Vec<InconsistentRow>,
    pub token_weighted_hit_rate: f64,
    pub sessions: u64,
    pub multi_turn_sessions: u64,
    pub duration_ms: Option<Duration>,
    pub request_rate_stats: Option<MetricStats>,
    pub skipped: SkipSummary,
}

fn push_stats(out: &mut String, key: &str, s: &Option<MetricStats>, last: bool) {
    out.push_str(&format!("  \"{}\": ", key));
    match s {
        None => out.push_str("null"),
        Some(s) => {
            out.push_str("{\n");
            let vals = [
                ("mean", s.mean),
                ("std_dev", s.std_dev),
                ("min", s.min),
                ("p25", s.p25),
                ("median", s.median),
                ("p75", s.p75),
                ("max", s.max),
            ];
            for (i, (k, v)) in vals.iter().enumerate() {
                out.push_str(&format!("    \"{}\": {}{}\n", k, format_float(*v), if i + 1 < vals.len() { "," } else { "" }));
            }
            out.push_str("  }");
        }
    }
    out.push_str(if last { "\n" } else { ",\n" });
}

impl AnalysisReport {
    /// Exact `analysis.json` bytes (§5): 2-space indentation, AIPerf key order then the
    /// infermark keys, AIPerf float format, no trailing newline.
    pub fn to_json(&self) -> String {
        let mut o = String::with_capacity(2048);
        o.push_str("{\n");
        let int = |o: &mut String, k: &str, v: u64| o.push_str(&format!("  \"{}\": {},\n", k, v));
        let flt = |o: &mut String, k: &str, v: f64| o.push_str(&format!("  \"{}\": {},\n", k, format_float(v)));
        int(&mut o, "total_requests", self.total_requests);
        int(&mut o, "unique_prefixes", self.unique_prefixes);
        int(&mut o, "num_prefix_groups", self.num_prefix_groups);
        flt(&mut o, "cache_hit_rate", self.cache_hit_rate);
        int(&mut o, "min_isl", self.min_isl);
        int(&mut o, "max_isl", self.max_isl);
        flt(&mut o, "avg_isl", self.avg_isl);
        int(&mut o, "min_osl", self.min_osl);
        int(&mut o, "max_osl", self.max_osl);
        flt(&mut o, "avg_osl", self.avg_osl);
        flt(&mut o, "prefix_reuse_ratio", self.prefix_reuse_ratio);
        push_stats(&mut o, "isl_stats", &self.isl_stats, false);
        push_stats(&mut o, "osl_stats", &self.osl_stats, false);
        push_stats(&mut o, "context_length_stats", &self.context_length_stats, false);
        push_stats(&mut o, "unique_prompt_length_stats", &self.unique_prompt_length_stats, false);
        push_stats(&mut o, "hit_rate_stats", &self.hit_rate_stats, false);
        int(&mut o, "block_size", self.block_size as u64);
        int(&mut o, "skipped_invalid_rows", self.skipped_invalid_rows);
        int(&mut o, "rows_without_hash_ids", self.rows_without_hash_ids);
        int(&mut o, "rows_without_input_length", self.rows_without_input_length);
        int(&mut o, "rows_without_timestamp", self.rows_without_timestamp);
        int(&mut o, "inconsistent_rows", self.inconsistent_rows);
        if self.inconsistent_row_examples.is_empty() {
            o.push_str("  \"inconsistent_row_examples\": [],\n");
        } else {
            o.push_str("  \"inconsistent_row_examples\": [\n");
            let n = self.inconsistent_row_examples.len();
            for (i, e) in self.inconsistent_row_examples.iter().enumerate() {
                o.push_str(&format!(
                    "    {{\n      \"line\": {},\n      \"input_length\": {},\n      \"num_hash_ids\": {},\n      \"kind\": \"{}\"\n    }}{}\n",
                    e.line,
                    e.input_length,
                    e.num_hash_ids,
                    e.kind.as_str(),
                    if i + 1 < n { "," } else { "" }
                ));
            }
            o.push_str("  ],\n");
        }
        flt(&mut o, "token_weighted_hit_rate", self.token_weighted_hit_rate);
        int(&mut o, "sessions", self.sessions);
        int(&mut o, "multi_turn_sessions", self.multi_turn_sessions);
        match self.duration_ms {
            None => o.push_str("  \"duration_ms\": null,\n"),
            Some(d) if d.integral => o.push_str(&format!("  \"duration_ms\": {},\n", d.value as u64)),
            Some(d) => flt(&mut o, "duration_ms", d.value),
        }
        push_stats(&mut o, "request_rate_stats", &self.request_rate_stats, true);
        o.push('}');
        o
    }

    /// The lenient-mode skip summary (empty in strict mode).
    pub fn skipped(&self) -> &SkipSummary {
        &self.skipped
    }

    /// The `docs/trace-format.md` §7 stderr warning, or `None` without inconsistent rows:
    /// `warning: N rows have hash_ids inconsistent with input_length at block size BS (lines L1, L2, ...)`.
    pub fn inconsistent_warning_line(&self) -> Option<String> {
        if self.inconsistent_rows == 0 {
            return None;
        }
        let mut lines: Vec<String> = self.inconsistent_row_examples.iter().map(|e| e.line.to_string()).collect();
        if self.inconsistent_rows > lines.len() as u64 {
            lines.push("...".to_string());
        }
        Some(format!(
            "warning: {} rows have hash_ids inconsistent with input_length at block size {} (lines {})",
            self.inconsistent_rows,
            self.block_size,
            lines.join(", ")
        ))
    }
}

// ---------------------------------------------------------------------------------------
// Parsing into batches

const NO_SESSION: u32 = u32::MAX;
/// Trie node data flag: more than one row went through the node.
const MULTI: u32 = 1 << 31;
/// `pair_info` value of a pair carried by at least two rows.
const REPEATED: u32 = u32::MAX;

/// A valid row reduced to what the analysis needs.
#[derive(Clone, Copy)]
struct BRow {
    line: u64,
    ts: f64,
    isl: u32,
    osl: u32,
    n_hash: u32,
    /// start in the session arena, or NO_SESSION
    sess_start: u32,
    sess_len: u32,
    has_isl: bool,
    has_ts: bool,
    ts_integral: bool,
}

enum Item {
    Row(BRow),
    Skip { line: u64, err: RowError },
}

#[derive(Default)]
struct Batch {
    items: Vec<Item>,
    hash_ids: Vec<u64>,
    sessions: Vec<u8>,
    rows: u64,
    row: Row,
}

impl Batch {
    fn clear(&mut self) {
        self.items.clear();
        self.hash_ids.clear();
        self.sessions.clear();
        self.rows = 0;
    }

    /// Parses one line into the batch. Returns false in strict mode after an error (the
    /// caller stops: later rows cannot matter).
    fn add_line(&mut self, line_no: u64, kind: LineKind<'_>, strict: bool) -> bool {
        if let LineKind::Text(t) = kind {
            // Most rows have the plain Mooncake shape: take them without the full parser.
            let before = self.hash_ids.len();
            if let Some(c) = parse_common_row(t, &mut self.hash_ids) {
                self.rows += 1;
                let n_hash = (self.hash_ids.len() - before) as u32;
                let (sess_start, sess_len) = match c.session_id {
                    Some(span) => {
                        let st = self.sessions.len() as u32;
                        self.sessions.extend_from_slice(&t[span.clone()]);
                        (st, span.len() as u32)
                    }
                    None => (NO_SESSION, 0),
                };
                self.items.push(Item::Row(BRow {
                    line: line_no,
                    ts: c.timestamp as f64,
                    isl: c.input_length,
                    osl: c.output_length,
                    n_hash,
                    sess_start,
                    sess_len,
                    has_isl: true,
                    has_ts: true,
                    ts_integral: true,
                }));
                return true;
            }
        }
        let res = match kind {
            LineKind::Blank => return true,
            LineKind::TooLong => Err(RowError::new(Reason::LineTooLong, "row", "line is longer than 64 MiB")),
            LineKind::Text(t) => parse_row_into(t, &ParseOptions::default(), &mut self.row),
        };
        self.rows += 1;
        match res {
            Ok(()) => {
                let r = &self.row;
                let (sess_start, sess_len) = match &r.session_id {
                    Some(s) => {
                        let st = self.sessions.len() as u32;
                        self.sessions.extend_from_slice(s.as_bytes());
                        (st, s.len() as u32)
                    }
                    None => (NO_SESSION, 0),
                };
                self.hash_ids.extend_from_slice(&r.hash_ids);
                let ts = r.timestamp;
                self.items.push(Item::Row(BRow {
                    line: line_no,
                    ts: ts.map(|t| t.value).unwrap_or(0.0),
                    isl: r.input_length.unwrap_or(0),
                    osl: r.output_length.unwrap_or(0),
                    n_hash: r.hash_ids.len() as u32,
                    sess_start,
                    sess_len,
                    has_isl: r.input_length.is_some(),
                    has_ts: ts.is_some(),
                    ts_integral: ts.map(|t| t.integral).unwrap_or(true),
                }));
                true
            }
            Err(err) => {
                self.items.push(Item::Skip { line: line_no, err });
                !strict
            }
        }
    }
}

impl LineBatch for Batch {
    /// Strict mode: parsing stops at the first invalid row.
    type Config = bool;

    fn parse(&mut self, strict: bool, first_line: u64, text: &[u8]) -> Option<u64> {
        self.clear();
        crate::lines::for_each_line(first_line, text, |n, k| if self.add_line(n, k, strict) { Ok(()) } else { Err(()) }).ok()
    }

    fn too_long(&mut self, strict: bool, line: u64) {
        self.clear();
        self.add_line(line, LineKind::TooLong, strict);
    }
}

// ---------------------------------------------------------------------------------------
// The fold

#[derive(Default)]
struct State {
    bs: u32,
    strict: bool,
    source: String,
    check_mat: bool,

    // per valid row
    isl: Vec<u32>,
    osl: Vec<u32>,
    n_hash: Vec<u32>,
    repeated: Vec<u32>,
    ts: Vec<f64>,
    hits: Vec<f64>,

    sum_isl: u128,
    sum_osl: u128,
    min_isl: u64,
    max_isl: u64,
    min_osl: u64,
    max_osl: u64,
    rows_without_hash_ids: u64,
    rows_without_input_length: u64,
    rows_without_timestamp: u64,
    all_ts_integral: bool,
    hit_sum: ExactSum,
    tw_reusable: u128,
    tw_isl: u128,
    inconsistent: u64,
    examples: Vec<InconsistentRow>,

    sessions: FastMap<Box<[u8]>, u32>,
    rows_without_session: u64,
    multi_turn: u64,

    // prefix trie: node k ≥ 1 = one distinct prefix; node data = its (position, id) pair
    // index, with MULTI set once more than one row went through the node
    trie: Trie,
    reuse_num: u128,
    reuse_den: u128,
    prefix_groups: u64,
    // (position, id) pairs
    pairs: PairTable,
    // per pair: the only row that has it so far, or REPEATED once a second row has it
    pair_info: Vec<u32>,
    seen: IdSet,
    // materialisation check (docs/trace-format.md §7.1)
    mat: SizeTable,

    skipped: SkipSummary,
}

impl State {
    fn new(opts: &AnalyzerOptions) -> Self {
        State {
            bs: opts.block_size,
            strict: !opts.skip_invalid,
            source: opts.source_name.clone(),
            check_mat: opts.check_materialisation,
            mat: SizeTable::with_lines(),
            all_ts_integral: true,
            min_isl: u64::MAX,
            min_osl: u64::MAX,
            ..Default::default()
        }
    }

    fn fold(&mut self, b: &Batch) -> Result<(), TraceError> {
        let mut h = 0usize;
        for item in &b.items {
            match item {
                Item::Skip { line, err } => {
                    if self.strict {
                        return Err(TraceError::invalid_row(&self.source, *line, err));
                    }
                    self.skipped.add(err.reason, *line);
                }
                Item::Row(r) => {
                    let ids = &b.hash_ids[h..h + r.n_hash as usize];
                    h += r.n_hash as usize;
                    let sess = if r.sess_start == NO_SESSION {
                        None
                    } else {
                        Some(&b.sessions[r.sess_start as usize..(r.sess_start + r.sess_len) as usize])
                    };
                    self.add_row(r, ids, sess)?;
                }
            }
        }
        Ok(())
    }

    fn add_row(&mut self, r: &BRow, ids: &[u64], session: Option<&[u8]>) -> Result<(), TraceError> {
        let row_index = self.isl.len();
        if row_index >= u32::MAX as usize {
            return Err(TraceError::internal("more than 4294967294 rows are not supported"));
        }
        let row_index = row_index as u32;
        let isl = r.isl as u64;
        let osl = r.osl as u64;
        self.isl.push(r.isl);
        self.osl.push(r.osl);
        self.n_hash.push(ids.len() as u32);
        self.sum_isl += isl as u128;
        self.sum_osl += osl as u128;
        self.min_isl = self.min_isl.min(isl);
        self.max_isl = self.max_isl.max(isl);
        self.min_osl = self.min_osl.min(osl);
        self.max_osl = self.max_osl.max(osl);
        if !r.has_isl {
            self.rows_without_input_length += 1;
        }
        if r.has_ts {
            self.ts.push(r.ts);
            self.all_ts_integral &= r.ts_integral;
        } else {
            self.rows_without_timestamp += 1;
        }
        match session {
            None => self.rows_without_session += 1,
            Some(s) => {
                if let Some(c) = self.sessions.get_mut(s) {
                    *c += 1;
                    if *c == 2 {
                        self.multi_turn += 1;
                    }
                } else {
                    self.sessions.insert(s.into(), 1);
                }
            }
        }
        let n = ids.len();
        if n == 0 {
            self.rows_without_hash_ids += 1;
            self.repeated.push(0);
            return Ok(());
        }
        let bs = self.bs as u64;
        let kind = LayoutKind::classify(isl, n as u64, bs).expect("n > 0");
        if !kind.is_consistent() {
            self.inconsistent += 1;
            if self.examples.len() < 5 {
                self.examples.push(InconsistentRow { line: r.line, input_length: r.isl, num_hash_ids: n as u64, kind });
            }
        }
        if self.check_mat && kind != LayoutKind::Overshoot {
            if let Err(c) = self.mat.add_row(isl, ids, bs, r.line) {
                // the table keeps lines, so the first line is always known
                return Err(c.to_error(&self.source, r.line, c.first_line.unwrap_or(r.line)));
            }
        }
        // Theoretical hit rate: infinite cache, hash-only, prefix-only (§3.3).
        let f = ids.iter().position(|&id| !self.seen.contains(id)).unwrap_or(n);
        for &id in &ids[f..] {
            self.seen.insert(id);
        }
        let hit = f as f64 / n as f64;
        self.hits.push(hit);
        self.hit_sum.add(hit);
        self.tw_reusable += (f as u64 * bs).min(isl) as u128;
        self.tw_isl += isl as u128;
        // Prefix trie and position-aware pairs (§3.1, §3.2).
        self.reuse_den += n as u128;
        let mut node: u32 = 0;
        let mut rep: u32 = 0;
        for (j, &id) in ids.iter().enumerate() {
            if self.trie.nodes() >= u32::MAX - 2 {
                return Err(TraceError::internal("too many distinct prefixes"));
            }
            let (child, new) = self.trie.child(node, id);
            let data = self.trie.data_mut(child);
            let p = if new {
                let (p, new_pair) = self.pairs.get_or_insert(j as u32, id);
                if p >= MULTI {
                    return Err(TraceError::internal("too many distinct (position, hash id) pairs"));
                }
                *data = p;
                if new_pair {
                    // first row with this pair: not repeated (yet)
                    self.pair_info.push(row_index);
                    node = child;
                    continue;
                }
                p
            } else {
                if *data & MULTI != 0 {
                    // At least two rows went through this node, so both carry its pair and
                    // the second one already marked it REPEATED: skip that (cache-missing)
                    // lookup, the commonest case of shared prefixes.
                    self.reuse_num += 1;
                    rep += 1;
                    node = child;
                    continue;
                }
                *data |= MULTI;
                self.reuse_num += 2;
                if j == 0 {
                    self.prefix_groups += 1;
                }
                *data & !MULTI
            };
            let info = &mut self.pair_info[p as usize];
            if *info != REPEATED {
                // the second row with this pair: the first one gains a repeated pair too
                self.repeated[*info as usize] += 1;
                *info = REPEATED;
            }
            rep += 1;
            node = child;
        }
        self.repeated.push(rep);
        Ok(())
    }

    fn report(&self) -> Result<AnalysisReport, TraceError> {
        let n = self.isl.len();
        let bs = self.bs as f64;
        let stats_of = |f: &dyn Fn(usize) -> f64| {
            let mut v: Vec<f64> = (0..n).map(f).collect();
            metric_stats(&mut v)
        };
        let isl_stats = stats_of(&|i| self.isl[i] as f64);
        let osl_stats = stats_of(&|i| self.osl[i] as f64);
        let context = |i: usize| -> f64 {
            let (nh, r) = (self.n_hash[i], self.repeated[i]);
            if nh == 0 {
                0.0
            } else if r == nh {
                self.isl[i] as f64
            } else {
                r as f64 * bs
            }
        };
        let context_length_stats = stats_of(&context);
        let unique_prompt_length_stats = stats_of(&|i| {
            let (nh, r) = (self.n_hash[i], self.repeated[i]);
            if nh == 0 {
                self.isl[i] as f64
            } else if r == nh {
                0.0
            } else {
                // may be negative for an inconsistent row; exact in i128
                (self.isl[i] as i128 - r as i128 * self.bs as i128) as f64
            }
        });
        let mut hits = self.hits.clone();
        let hit_rate_stats = metric_stats(&mut hits);

        let (duration_ms, request_rate_stats) = if self.ts.is_empty() {
            (None, None)
        } else {
            let t0 = self.ts.iter().copied().fold(f64::INFINITY, f64::min);
            let t1 = self.ts.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let d = t1 - t0;
            let w = ((d / 1000.0).ceil() as u64).max(1);
            let window = |t: f64| (((t - t0) / 1000.0).floor() as u64).min(w - 1);
            let stats = if w <= 1 << 22 {
                let mut counts = vec![0u64; w as usize];
                for &t in &self.ts {
                    counts[window(t) as usize] += 1;
                }
                let mut v: Vec<f64> = counts.iter().map(|&c| c as f64).collect();
                metric_stats(&mut v)
            } else {
                let mut m: FastMap<u64, u64> = FastMap::default();
                for &t in &self.ts {
                    *m.entry(window(t)).or_insert(0) += 1;
                }
                let mut nz: Vec<(u64, u64)> = m.into_iter().collect();
                nz.sort_unstable();
                sparse_count_stats(w, &nz)
            };
            (Some(Duration { value: d, integral: self.all_ts_integral }), stats)
        };

        let report = AnalysisReport {
            total_requests: n as u64,
            unique_prefixes: self.trie.nodes() as u64 - 1,
            num_prefix_groups: self.prefix_groups,
            cache_hit_rate: self.hit_sum.mean(self.hits.len() as u64),
            min_isl: if n == 0 { 0 } else { self.min_isl },
            max_isl: self.max_isl,
            avg_isl: ratio(self.sum_isl, n as u128),
            min_osl: if n == 0 { 0 } else { self.min_osl },
            max_osl: self.max_osl,
            avg_osl: ratio(self.sum_osl, n as u128),
            prefix_reuse_ratio: ratio(self.reuse_num, self.reuse_den),
            isl_stats,
            osl_stats,
            context_length_stats,
            unique_prompt_length_stats,
            hit_rate_stats,
            block_size: self.bs,
            skipped_invalid_rows: self.skipped.total(),
            rows_without_hash_ids: self.rows_without_hash_ids,
            rows_without_input_length: self.rows_without_input_length,
            rows_without_timestamp: self.rows_without_timestamp,
            inconsistent_rows: self.inconsistent,
            inconsistent_row_examples: self.examples.clone(),
            token_weighted_hit_rate: ratio(self.tw_reusable, self.tw_isl),
            sessions: self.sessions.len() as u64 + self.rows_without_session,
            multi_turn_sessions: self.multi_turn,
            duration_ms,
            request_rate_stats,
            skipped: self.skipped.clone(),
        };
        for (name, v) in [
            ("cache_hit_rate", report.cache_hit_rate),
            ("prefix_reuse_ratio", report.prefix_reuse_ratio),
            ("token_weighted_hit_rate", report.token_weighted_hit_rate),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(TraceError::internal(format!("{} = {} is outside [0, 1]", name, v)));
            }
        }
        Ok(report)
    }
}

// ---------------------------------------------------------------------------------------
// The streaming analyzer

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Open,
    Finished,
    Failed,
}

/// Streaming analysis (`docs/trace-analysis.md` §8): push byte chunks of any size, then
/// [`finish`](TraceAnalyzer::finish). Results do not depend on chunking or threading.
pub struct TraceAnalyzer {
    engine: Engine,
    splitter: LineSplitter,
    status: Status,
    /// Kept after [`finish`](TraceAnalyzer::finish) for the warnings and the skip summary.
    report: Option<AnalysisReport>,
}

/// Everything behind the line splitter: rows are parsed into batches by the line
/// pipeline (on a helper thread on native targets) and folded into the state in file order.
struct Engine {
    state: State,
    rows_parsed: u64,
    pipeline: LinePipeline<Batch>,
}

impl Engine {
    fn new(opts: &AnalyzerOptions) -> Self {
        let state = State::new(opts);
        let pipeline = LinePipeline::new(state.strict);
        Engine { state, rows_parsed: 0, pipeline }
    }

    fn on_block(&mut self, block: Block<'_>) -> Result<(), TraceError> {
        let Engine { state, rows_parsed, pipeline } = self;
        pipeline.on_block(block, &mut |b: &Batch| {
            *rows_parsed += b.rows;
            state.fold(b)
        })
    }

    fn drain(&mut self) -> Result<(), TraceError> {
        let Engine { state, rows_parsed, pipeline } = self;
        pipeline.drain(&mut |b: &Batch| {
            *rows_parsed += b.rows;
            state.fold(b)
        })
    }
}

impl TraceAnalyzer {
    /// A new analyzer. `block_size` 0 is `INVALID_ARG`.
    pub fn new(opts: AnalyzerOptions) -> Result<Self, TraceError> {
        crate::args::block_size(f64::from(opts.block_size))?;
        Ok(TraceAnalyzer { engine: Engine::new(&opts), splitter: LineSplitter::new(), status: Status::Open, report: None })
    }

    /// Sets the job size of the two-thread pipeline (default 4 MiB, minimum 4 KiB).
    /// Results are identical for every value; tests use small segments to exercise the
    /// pipeline on small inputs.
    pub fn set_segment_bytes(&mut self, bytes: usize) {
        self.engine.pipeline.set_segment_bytes(bytes);
    }

    /// Caps the parse threads (1 = sequential). Results are identical for every value;
    /// this exists for tests and for callers that share the machine.
    pub fn set_threads(&mut self, threads: usize) {
        self.engine.pipeline.set_threads(threads);
    }

    /// Feeds the next chunk. Strict mode: the first invalid row returns `INVALID_ROW`
    /// and the analyzer becomes unusable (`ANALYZER_STATE` afterwards).
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), TraceError> {
        self.check_open()?;
        let TraceAnalyzer { engine, splitter, .. } = self;
        let r = splitter.push_blocks(chunk, |b| engine.on_block(b));
        self.fail_on_err(r)
    }

    /// Processes a final unterminated line and computes the report. Only one call is
    /// allowed; later `push`/`finish` calls return `ANALYZER_STATE`.
    pub fn finish(&mut self) -> Result<AnalysisReport, TraceError> {
        self.check_open()?;
        let TraceAnalyzer { engine, splitter, .. } = self;
        let r = splitter.finish_blocks(|b| engine.on_block(b)).and_then(|_| engine.drain());
        self.fail_on_err(r)?;
        let r = self.engine.state.report();
        self.status = if r.is_ok() { Status::Finished } else { Status::Failed };
        // free the per-row memory now rather than when the analyzer is dropped
        self.engine.state = State::default();
        self.report = r.as_ref().ok().cloned();
        r
    }

    /// The report of a finished analyzer (its warnings and skip summary); `ANALYZER_STATE`
    /// before [`finish`](TraceAnalyzer::finish) has succeeded.
    pub fn report(&self) -> Result<&AnalysisReport, TraceError> {
        self.report
            .as_ref()
            .ok_or_else(|| TraceError::analyzer_state("the analyzer is not finished: warnings and the skip summary come after finish"))
    }

    /// Like [`finish`](TraceAnalyzer::finish) but returns the `analysis.json` text.
    pub fn finish_json(&mut self) -> Result<String, TraceError> {
        self.finish().map(|r| r.to_json())
    }

    /// Bytes pushed so far.
    pub fn bytes_consumed(&self) -> u64 {
        self.splitter.bytes_consumed()
    }

    /// Non-blank lines processed so far (valid and skipped rows). With two threads, up
    /// to two pipeline jobs (2 × 4 MiB of complete lines) may be pending.
    pub fn rows_parsed(&self) -> u64 {
        self.engine.rows_parsed
    }

    fn check_open(&self) -> Result<(), TraceError> {
        match self.status {
            Status::Open => Ok(()),
            Status::Finished => Err(TraceError::analyzer_state("the analyzer is finished; create a new one")),
            Status::Failed => Err(TraceError::analyzer_state("the analyzer failed earlier and cannot be used")),
        }
    }

    fn fail_on_err(&mut self, r: Result<(), TraceError>) -> Result<(), TraceError> {
        if r.is_err() {
            self.status = Status::Failed;
            self.engine.state = State::default();
        }
        r
    }
}

/// Analyses a whole trace held in memory (uses both cores on native targets).
pub fn analyze_trace(bytes: &[u8], opts: AnalyzerOptions) -> Result<AnalysisReport, TraceError> {
    let mut a = TraceAnalyzer::new(opts)?;
    a.push(bytes)?;
    a.finish()
}
