//! Generate mode (`docs/synthesis.md` §4): learn a contracted radix tree and conditional
//! terminal samplers from a trace, then sample brand-new rows from one seeded stream.
//!
//! Learning keeps per row only its last path id, block count, fill and OSL; the radix tree
//! and samplers are built once in [`Learner::build`]. Generation is incremental
//! ([`Generator::next_chunk`]) so a caller can write millions of rows without holding them.

use crate::decimal::Decimal;
use crate::error::{Reason, TraceError};
use crate::layout::{mismatch_text, LayoutKind};
use crate::rng::{labels, Stream};
use crate::synthesis::fxhash::FxHashMap;
use crate::synthesis::input::SynthRow;
use crate::synthesis::json_out::{push_js_number, push_u64, push_u64_list};
use crate::synthesis::limits;
use crate::synthesis::options::SynthesisOptions;

const ROOT: u32 = u32::MAX;
const NONE: u32 = u32::MAX;

/// A row that generate mode cannot learn from (`docs/trace-format.md` §6, §7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub reason: Reason,
    pub field: String,
    pub text: String,
}

#[derive(Clone, Copy)]
struct LearnedRow {
    last: u32,
    fill: u32,
    osl: u32,
}

/// Pass over the input (one pass suffices): path ids, counts, records, arrivals.
pub struct Learner {
    opts: SynthesisOptions,
    paths: FxHashMap<(u32, u64), u32>,
    parent: Vec<u32>,
    visited: Vec<u32>,
    end: Vec<u32>,
    rows: Vec<LearnedRow>,
    timestamps: Vec<f64>,
    ts_integral: bool,
    min_isl: u64,
    max_isl: u64,
    ignored_session_or_delay: u64,
    /// Original id → the block size it was first used at (`docs/trace-format.md` §7.1).
    id_sizes: FxHashMap<u64, u32>,
    size_conflicts: u64,
}

impl Learner {
    pub fn new(opts: SynthesisOptions) -> Result<Self, TraceError> {
        opts.validate()?;
        Ok(Learner {
            opts,
            paths: FxHashMap::default(),
            parent: Vec::new(),
            visited: Vec::new(),
            end: Vec::new(),
            rows: Vec::new(),
            timestamps: Vec::new(),
            ts_integral: true,
            min_isl: u64::MAX,
            max_isl: 0,
            ignored_session_or_delay: 0,
            id_sizes: FxHashMap::default(),
            size_conflicts: 0,
        })
    }

    /// Checks the generate-mode requirements for one valid row (without learning it).
    pub fn check(&self, row: &SynthRow<'_>) -> Result<(), RowProblem> {
        let missing = |field: &str| RowProblem {
            reason: Reason::MissingField,
            field: field.to_string(),
            text: "required by generate mode".to_string(),
        };
        let isl = row.input_length.ok_or_else(|| missing("input_length"))?;
        row.output_length.ok_or_else(|| missing("output_length"))?;
        if row.hash_ids.is_empty() {
            return Err(missing("hash_ids"));
        }
        row.timestamp.ok_or_else(|| missing("timestamp"))?;
        let bs = self.opts.block_size;
        let n = row.hash_ids.len() as u64;
        match LayoutKind::classify(isl, n, bs) {
            Some(kind) if !kind.is_consistent() => {
                return Err(RowProblem {
                    reason: Reason::InconsistentLayout,
                    field: "hash_ids".to_string(),
                    text: mismatch_text(n, isl, bs, kind),
                });
            }
            _ => {}
        }
        Ok(())
    }

    /// Learns one valid row (file order). Returns the problem if the row is unusable.
    pub fn learn(&mut self, row: &SynthRow<'_>) -> Result<(), RowProblem> {
        self.check(row)?;
        let isl = row.input_length.unwrap_or(0);
        let osl = row.output_length.unwrap_or(0);
        let ts = row.timestamp.expect("checked");
        if row.session_id.is_some() || row.delay.is_some() {
            self.ignored_session_or_delay += 1;
        }
        let bs = self.opts.block_size;
        let n = row.hash_ids.len();
        let fill = (isl - (n as u64 - 1) * bs) as u32;
        // §7.1 size bookkeeping: every id is a full block except a partial last one.
        let mut conflict = false;
        for (j, &h) in row.hash_ids.iter().enumerate() {
            let size = if j + 1 == n { fill } else { bs as u32 };
            let first = *self.id_sizes.entry(h).or_insert(size);
            conflict |= first != size;
        }
        self.size_conflicts += u64::from(conflict);
        let mut p = ROOT;
        for &h in row.hash_ids.iter() {
            let node = match self.paths.get(&(p, h)) {
                Some(&u) => u,
                None => {
                    let u = self.parent.len() as u32;
                    self.paths.insert((p, h), u);
                    self.parent.push(p);
                    self.visited.push(0);
                    self.end.push(0);
                    u
                }
            };
            self.visited[node as usize] += 1;
            p = node;
        }
        self.end[p as usize] += 1;
        self.rows.push(LearnedRow { last: p, fill, osl: osl.min(u64::from(u32::MAX)) as u32 });
        self.timestamps.push(ts.value);
        self.ts_integral &= ts.integral;
        self.min_isl = self.min_isl.min(isl);
        self.max_isl = self.max_isl.max(isl);
        Ok(())
    }

    /// Rows that carried `session_id` or `delay` (ignored by generate mode; one warning).
    pub fn ignored_session_or_delay(&self) -> u64 {
        self.ignored_session_or_delay
    }

    /// Rows whose ids conflict in materialisation size (counted, one warning).
    pub fn size_conflicts(&self) -> u64 {
        self.size_conflicts
    }

    /// Builds the radix tree, samplers and arrival process (L2–L7, §4.3).
    pub fn build(self) -> Result<Model, TraceError> {
        if self.rows.is_empty() {
            return Err(TraceError::invalid_arg("generate: the input has no usable rows to learn from"));
        }
        let np = self.parent.len();
        let core = |u: u32| self.visited[u as usize] >= 2;
        // Children in increasing id order (CSR): ids are assigned after their parent's.
        let mut child_start = vec![0u32; np + 2];
        for &p in &self.parent {
            let slot = if p == ROOT { 0 } else { p as usize + 1 };
            child_start[slot + 1] += 1;
        }
        for i in 1..child_start.len() {
            child_start[i] += child_start[i - 1];
        }
        let mut fill_pos = child_start.clone();
        let mut children = vec![0u32; np];
        for (u, &p) in self.parent.iter().enumerate() {
            let slot = if p == ROOT { 0 } else { p as usize + 1 };
            children[fill_pos[slot] as usize] = u as u32;
            fill_pos[slot] += 1;
        }
        let kids = |u: u32| -> &[u32] {
            let slot = if u == ROOT { 0 } else { u as usize + 1 };
            &children[child_start[slot] as usize..child_start[slot + 1] as usize]
        };
        let merges = |u: u32| -> Option<u32> {
            let k = kids(u);
            if k.len() == 1 && core(k[0]) && self.visited[k[0] as usize] == self.visited[u as usize] {
                Some(k[0])
            } else {
                None
            }
        };
        // L4: radix nodes, in start order. node_of[u] = radix index of core id u.
        let mut node_of = vec![NONE; np];
        let mut nodes: Vec<RadixNode> = Vec::new();
        for u in 0..np as u32 {
            if !core(u) || node_of[u as usize] != NONE {
                continue;
            }
            // u is a chain start: its parent did not merge into it (else it was labelled).
            let idx = nodes.len() as u32;
            let mut last = u;
            node_of[u as usize] = idx;
            let mut len = 1u64;
            while let Some(v) = merges(last) {
                last = v;
                node_of[v as usize] = idx;
                len += 1;
            }
            nodes.push(RadixNode { len, last, ..Default::default() });
        }
        // L5: outcomes at ROOT (index nodes.len()) and at each node's last id.
        let n_nodes = nodes.len();
        let mut outcomes: Vec<Outcomes> = Vec::with_capacity(n_nodes + 1);
        // Index n_nodes is ROOT, after every real node.
        let lasts = nodes.iter().map(|n| n.last).chain(std::iter::once(ROOT));
        for last in lasts {
            let mut o = Outcomes::default();
            let mut cache_end = 0u64;
            for &c in kids(last) {
                if core(c) {
                    o.children.push((node_of[c as usize], u64::from(self.visited[c as usize])));
                } else {
                    cache_end += 1;
                }
            }
            o.cache_end = cache_end;
            o.end = if last == ROOT { 0 } else { u64::from(self.end[last as usize]) };
            o.total = o.children.iter().map(|c| c.1).sum::<u64>() + o.cache_end + o.end;
            outcomes.push(o);
        }
        // L6: terminal records in file order.
        for r in &self.rows {
            let mut u = r.last;
            let mut k = 0u32;
            while u != ROOT && !core(u) {
                u = self.parent[u as usize];
                k += 1;
            }
            let x = if u == ROOT { n_nodes } else { node_of[u as usize] as usize };
            if k >= 1 {
                outcomes[x].leaf_records.push((k, r.fill, r.osl));
            } else {
                outcomes[x].end_records.push((r.fill, r.osl));
            }
        }
        // §4.3: scaled lengths and reserved ranges.
        let p = self.opts.prefix_len_multiplier;
        let mut z: u128 = 0;
        for n in nodes.iter_mut() {
            let scaled = if p.is_one() { u128::from(n.len) } else { p.mul_rhe(u128::from(n.len)).max(1) };
            // (a length over 2^64 makes z too large: the check below reports it)
            n.len_scaled = scaled.min(u128::from(u64::MAX)) as u64;
            n.offset = z.min(u128::from(u64::MAX)) as u64;
            z += scaled;
        }
        let r_mult = u128::from(self.opts.prefix_root_multiplier);
        if z * r_mult > u128::from(u64::MAX) {
            return Err(TraceError::invalid_arg(
                "hash id space exhausted (largest id would exceed 18446744073709551615); lower --synthesis-prefix-len-multiplier or --synthesis-prefix-root-multiplier",
            ));
        }
        // L7: arrivals.
        let mut ts = self.timestamps;
        ts.sort_by(|a, b| a.total_cmp(b));
        let mut counts: Vec<u64> = Vec::new();
        let mut distinct: Vec<f64> = Vec::new();
        for &t in &ts {
            if distinct.last() == Some(&t) {
                *counts.last_mut().expect("non-empty") += 1;
            } else {
                distinct.push(t);
                counts.push(1);
            }
        }
        let deltas: Vec<f64> = distinct.windows(2).map(|w| w[1] - w[0]).collect();
        Ok(Model {
            opts: self.opts,
            learned_rows: self.rows.len() as u64,
            path_ids: np as u64,
            nodes,
            outcomes,
            z: z as u64,
            counts,
            deltas,
            ts_integral: self.ts_integral,
            min_isl: self.min_isl,
            max_isl: self.max_isl,
        })
    }
}

#[derive(Default, Clone)]
struct RadixNode {
    len: u64,
    last: u32,
    len_scaled: u64,
    offset: u64,
}

#[derive(Default, Clone)]
struct Outcomes {
    /// (radix node, weight) in increasing start order.
    children: Vec<(u32, u64)>,
    cache_end: u64,
    end: u64,
    total: u64,
    leaf_records: Vec<(u32, u32, u32)>,
    end_records: Vec<(u32, u32)>,
}

/// The learned model (§4.2–4.3); [`Model::generator`] samples from it.
pub struct Model {
    opts: SynthesisOptions,
    learned_rows: u64,
    path_ids: u64,
    nodes: Vec<RadixNode>,
    /// Index `nodes.len()` is ROOT.
    outcomes: Vec<Outcomes>,
    z: u64,
    counts: Vec<u64>,
    deltas: Vec<f64>,
    ts_integral: bool,
    min_isl: u64,
    max_isl: u64,
}

impl Model {
    pub fn learned_rows(&self) -> u64 {
        self.learned_rows
    }
    pub fn path_ids(&self) -> u64 {
        self.path_ids
    }
    pub fn radix_nodes(&self) -> u64 {
        self.nodes.len() as u64
    }

    /// A generator of `num_requests` rows (≥ 1); it owns the model.
    pub fn into_generator(self, num_requests: u64) -> Result<Generator, TraceError> {
        if num_requests == 0 {
            return Err(TraceError::invalid_arg("option '--num-requests': expected a positive integer, got '0'"));
        }
        let r = self.opts.prefix_root_multiplier;
        let tail_next = u128::from(self.z) * u128::from(r);
        Ok(Generator {
            g: Stream::new(self.opts.seed, labels::SYNTHESIS_GENERATE, &[]),
            model: self,
            n: num_requests,
            produced: 0,
            batch_left: 0,
            first_batch: true,
            s_int: 0,
            s_float: 0.0,
            tail_next,
            rejected: 0,
            ids: Vec::new(),
            runs: Vec::new(),
        })
    }
}

/// The §4.5 summary facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateReport {
    pub learned_rows: u64,
    pub path_ids: u64,
    pub radix_nodes: u64,
    pub generated: u64,
    pub rejected: u64,
    pub trees: u64,
    pub seed: u64,
}

impl GenerateReport {
    /// The facts as one compact JSON object; the seed as a string (it may exceed 2^53).
    pub fn to_json(&self) -> String {
        format!(
            "{{\"mode\":\"generate\",\"learned_rows\":{},\"path_ids\":{},\"radix_nodes\":{},\"generated\":{},\"rejected\":{},\"trees\":\"{}\",\"seed\":\"{}\",\"summary\":{}}}",
            self.learned_rows,
            self.path_ids,
            self.radix_nodes,
            self.generated,
            self.rejected,
            self.trees,
            self.seed,
            crate::json_text::json_string(&self.summary_line())
        )
    }

    pub fn summary_line(&self) -> String {
        format!(
            "synthesize (generate): learned {} rows → {} path ids, {} radix nodes; generated {} rows; {} rejected samples; trees {}; seed {}",
            self.learned_rows, self.path_ids, self.radix_nodes, self.generated, self.rejected, self.trees, self.seed
        )
    }
}

/// Samples rows per §4.4; one stream for every draw.
pub struct Generator {
    model: Model,
    g: Stream,
    n: u64,
    produced: u64,
    batch_left: u64,
    first_batch: bool,
    s_int: u128,
    s_float: f64,
    tail_next: u128,
    rejected: u64,
    ids: Vec<u64>,
    /// The sampled path's ids as runs `(first, count)`, before they are materialised.
    runs: Vec<(u64, u64)>,
}

const MAX_REJECTIONS: u32 = 1000;

impl Generator {
    pub fn options(&self) -> &SynthesisOptions {
        &self.model.opts
    }
    pub fn produced(&self) -> u64 {
        self.produced
    }
    pub fn is_done(&self) -> bool {
        self.produced >= self.n
    }

    pub fn report(&self) -> GenerateReport {
        GenerateReport {
            learned_rows: self.model.learned_rows,
            path_ids: self.model.path_ids,
            radix_nodes: self.model.nodes.len() as u64,
            generated: self.produced,
            rejected: self.rejected,
            trees: self.model.opts.prefix_root_multiplier,
            seed: self.model.opts.seed,
        }
    }

    /// Appends rows to `out` until it holds at least `min_bytes` more bytes or all rows
    /// are generated. Returns the number of rows appended.
    pub fn next_chunk(&mut self, out: &mut Vec<u8>, min_bytes: usize) -> Result<u64, TraceError> {
        let start_len = out.len();
        let mut rows = 0;
        while self.produced < self.n && out.len() - start_len < min_bytes {
            self.next_row(out)?;
            rows += 1;
        }
        Ok(rows)
    }

    /// The output length of a sampled row, in 128 bits (the multiplier may reach 10^12).
    fn output_len(&self, osl: u32) -> u128 {
        let o = &self.model.opts;
        let mut v = o.output_len_multiplier.mul_rhe(u128::from(osl));
        if let Some(max) = o.max_osl {
            v = v.min(u128::from(max));
        }
        if let Some(min) = o.min_osl {
            v = v.max(u128::from(min));
        }
        v.max(1)
    }

    fn next_row(&mut self, out: &mut Vec<u8>) -> Result<(), TraceError> {
        let m = &self.model;
        let opts = &m.opts;
        let bs = opts.block_size;
        // Batches: draw a batch size from the learned counts; after each batch advance S.
        while self.batch_left == 0 {
            if !self.first_batch && !m.deltas.is_empty() {
                let d = m.deltas[self.g.below(m.deltas.len() as u64) as usize];
                if m.ts_integral {
                    self.s_int += d as u128;
                } else {
                    self.s_float += d;
                }
            }
            self.first_batch = false;
            self.batch_left = m.counts[self.g.below(m.counts.len() as u64) as usize];
        }
        let r_mult = opts.prefix_root_multiplier;
        let root = m.nodes.len();
        let mut rejections = 0u32;
        let place = || format!("generated row {}", self.produced + 1);
        // Lengths in 128 bits and ids as runs `(first, count)`: a sample is checked against
        // the output limits (§7) before its ids are materialised.
        let (isl, context, tail, osl_out) = loop {
            let t = if r_mult > 1 { self.g.below(r_mult) } else { 0 };
            let mut x = root;
            self.runs.clear();
            let mut core = 0u128;
            let sample = loop {
                let o = &m.outcomes[x];
                let mut v = self.g.below(o.total);
                let mut next = None;
                for &(y, w) in &o.children {
                    if v < w {
                        next = Some(y as usize);
                        break;
                    }
                    v -= w;
                }
                if let Some(y) = next {
                    let node = &m.nodes[y];
                    self.runs.push((t * m.z + node.offset, node.len_scaled));
                    core += u128::from(node.len_scaled);
                    x = y;
                    continue;
                }
                let bs = u128::from(bs);
                if v < o.cache_end {
                    let (k, fill, osl) = o.leaf_records[self.g.below(o.leaf_records.len() as u64) as usize];
                    let tt = u128::from(k - 1) * bs + u128::from(fill);
                    let t2 = if opts.prompt_len_multiplier.is_one() { tt } else { opts.prompt_len_multiplier.mul_rhe(tt).max(1) };
                    let k2 = t2.div_ceil(bs);
                    let fill2 = t2 - (k2 - 1) * bs;
                    break ((core + k2 - 1) * bs + fill2, core * bs, k2, osl);
                }
                let (fill, osl) = o.end_records[self.g.below(o.end_records.len() as u64) as usize];
                let isl = (core - 1) * bs + u128::from(fill);
                break (isl, isl, 0, osl);
            };
            let (isl, ..) = sample;
            let low = opts.min_isl.is_some_and(|lo| isl < u128::from(lo));
            let high = opts.max_isl.is_some_and(|hi| isl > u128::from(hi));
            if low || high {
                rejections += 1;
                self.rejected += 1;
                if rejections == MAX_REJECTIONS {
                    let lo = opts.min_isl.unwrap_or(1);
                    let hi = opts.max_isl.map_or_else(|| "inf".to_string(), |v| v.to_string());
                    return Err(TraceError::invalid_arg(format!(
                        "generate: 1000 consecutive samples fell outside --synthesis-min-isl/--synthesis-max-isl [{lo}, {hi}]; the learned input-length distribution has almost no mass there (learned ISL range {}..{})",
                        m.min_isl, m.max_isl
                    )));
                }
                continue;
            }
            if isl > u128::from(limits::MAX_TOKENS) {
                return Err(limits::too_many_tokens(opts, &place(), false, isl));
            }
            let o = self.output_len(sample.3);
            if o > u128::from(limits::MAX_TOKENS) {
                return Err(limits::too_many_tokens(opts, &place(), true, o));
            }
            // Both fit: isl ≤ MAX_TOKENS, so the context and the tail do too.
            break (isl as u64, sample.1 as u64, sample.2 as u64, o as u64);
        };
        let tail_first = self.tail_next;
        if tail_first + u128::from(tail) > u128::from(u64::MAX) + 1 {
            return Err(TraceError::invalid_arg(
                "hash id space exhausted (largest id would exceed 18446744073709551615); lower --synthesis-prefix-len-multiplier or --synthesis-prefix-root-multiplier",
            ));
        }
        let runs = self.runs.iter().map(|&(a, n)| (u128::from(a), u128::from(n))).chain(std::iter::once((tail_first, u128::from(tail))));
        let (id_bytes, id_count) = limits::id_list_bytes(runs);
        // The rest of a generated row is at most 200 bytes (six fields of ≤ 20 digits).
        if id_bytes + 200 > u128::from(limits::MAX_ROW_BYTES) {
            return Err(limits::row_too_long(opts, &place(), id_bytes + 200, id_count));
        }
        self.tail_next += u128::from(tail);
        self.ids.clear();
        for &(first, n) in &self.runs {
            self.ids.extend(first..first + n);
        }
        self.ids.extend((tail_first as u64..).take(tail as usize));

        let row_start = out.len();
        out.extend_from_slice(b"{\"timestamp\":");
        let r = &opts.speedup_ratio;
        if m.ts_integral {
            let ts = div_floor_u128(self.s_int, r);
            if ts > limits::MAX_TIME_VALUE as u64 {
                out.truncate(row_start);
                return Err(limits::time_too_large(opts, &place(), "timestamp", ts as f64));
            }
            push_u64(out, ts);
        } else {
            let ts = self.s_float / r.to_f64();
            if ts > limits::MAX_TIME_VALUE {
                out.truncate(row_start);
                return Err(limits::time_too_large(opts, &place(), "timestamp", ts));
            }
            push_js_number(out, ts);
        }
        out.extend_from_slice(b",\"input_length\":");
        push_u64(out, isl);
        out.extend_from_slice(b",\"output_length\":");
        push_u64(out, osl_out);
        out.extend_from_slice(b",\"hash_ids\":");
        push_u64_list(out, &self.ids);
        out.extend_from_slice(b",\"context_len\":");
        push_u64(out, context);
        out.extend_from_slice(b",\"unique_user_prompt_len\":");
        push_u64(out, isl - context);
        out.extend_from_slice(b"}\n");
        self.produced += 1;
        self.batch_left -= 1;
        Ok(())
    }
}

fn div_floor_u128(s: u128, r: &Decimal) -> u64 {
    // S ≤ 2^53 · N, so S · 10^9 fits easily in 128 bits for any realistic N.
    (s.saturating_mul(crate::decimal::SCALE) / r.units()).min(u128::from(u64::MAX)) as u64
}
