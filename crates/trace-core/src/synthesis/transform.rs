//! Transform mode (`docs/synthesis.md` §3): AIPerf-compatible, row-preserving, with the §3.8
//! fixes.
//!
//! Two passes over the same bytes, so the output is never held in memory:
//! 1. **learn** — every valid row is parsed; the prefix trie counts `c(p)`, sessions are
//!    interned, the integrality of `timestamp`/`delay` is noted, and ~40 bytes per row are
//!    kept (line number, trie leaf, lengths, session).
//! 2. **plan** (between the passes) — `ℓ` per row, `M`, the allocator start `C`, fresh-id
//!    ranges in processing order (sessions by first appearance), tree draws per session.
//! 3. **emit** — the same bytes again; each row is rewritten in place and appended to the
//!    output buffer, which the caller drains chunk by chunk. Planned rows are independent,
//!    so [`EmitCursor`]s may rewrite consecutive parts of a chunk on several threads.

use crate::decimal::Decimal;
use crate::error::TraceError;
use crate::id_table::Trie;
use crate::rng::{labels, Stream};
use crate::synthesis::fxhash::FxHashMap;
use crate::synthesis::input::{Canon, SynthRow, Time};
use crate::synthesis::json_out::{push_compact_json, push_js_number, push_u64, push_u64_list};
use crate::synthesis::limits;
use crate::synthesis::options::SynthesisOptions;

const NONE: u32 = u32::MAX;

/// Counts of every distinct prefix path (`c(p)` of §3.4 step 2), saturated at 2: only
/// "shared by ≥ 2 rows" matters. Built on the analysis trie (first child inline, so the
/// common single-child chains cost no hashing); node 0 is the root.
struct PrefixTrie {
    trie: Trie,
    /// Per node: its parent (node data of the trie holds nothing else).
    count: Vec<u8>,
    /// `M`: the largest id whose prefix node reached count 2 (counts only grow, so this is
    /// the maximum over all shared prefix paths).
    max_shared: Option<u64>,
}

impl Default for PrefixTrie {
    fn default() -> Self {
        PrefixTrie { trie: Trie::default(), count: vec![2], max_shared: None }
    }
}

impl PrefixTrie {
    fn insert_path(&mut self, ids: &[u64]) -> Result<u32, TraceError> {
        let mut p = 0u32;
        for &id in ids {
            if self.trie.nodes() >= u32::MAX - 1 {
                return Err(TraceError::invalid_arg("transform: more than 4294967293 distinct hash-id prefixes"));
            }
            let (node, created) = self.trie.child(p, id);
            if created {
                *self.trie.data_mut(node) = p;
                self.count.push(0);
            }
            let c = &mut self.count[node as usize];
            if *c < 2 {
                *c += 1;
                if *c == 2 {
                    self.max_shared = Some(self.max_shared.map_or(id, |m| m.max(id)));
                }
            }
            p = node;
        }
        Ok(p)
    }

    /// `ℓ_raw`: the depth of the deepest node on the path whose count is ≥ 2 (counts never
    /// grow along a path, so walk up from the leaf; the root counts as shared).
    fn shared_depth(&mut self, leaf: u32, n: u32) -> u32 {
        let mut node = leaf;
        let mut depth = n;
        while self.count[node as usize] < 2 {
            node = *self.trie.data_mut(node);
            depth -= 1;
        }
        depth
    }

    /// `M`: the largest id on any shared prefix path.
    fn max_shared_id(&self) -> Option<u64> {
        self.max_shared
    }
}

#[derive(Clone, Copy)]
struct RowPlan {
    /// Line number in the file: how pass 2 finds a row's plan from any starting line.
    line: u64,
    leaf: u32,
    n: u32,
    /// `input_length`, or NONE_LEN when absent.
    isl: u64,
    session: u32,
    /// `ℓ` after planning.
    ell: u32,
    /// First fresh id of this row (valid when it gets any).
    fresh_start: u64,
}

const NONE_LEN: u64 = u64::MAX;

/// The run summary of §3.5.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TransformReport {
    pub rows_in: u64,
    pub rows_out: u64,
    pub skipped_max_isl: u64,
    pub sessions_affected: u64,
    pub capped_max_osl: u64,
    pub inconsistent_repaired: u64,
    /// First and last fresh id allocated, if any.
    pub fresh_ids: Option<(u64, u64)>,
    pub trees: u64,
    pub seed: u64,
}

impl TransformReport {
    /// The facts as one compact JSON object (for `synthesis_report` and the bindings);
    /// ids and the seed are strings because they may exceed 2^53.
    pub fn to_json(&self) -> String {
        let fresh = match self.fresh_ids {
            Some((a, b)) => format!("[\"{a}\",\"{b}\"]"),
            None => "null".into(),
        };
        format!(
            "{{\"mode\":\"transform\",\"rows_in\":{},\"rows_out\":{},\"skipped_max_isl\":{},\"sessions_affected\":{},\"capped_max_osl\":{},\"inconsistent_repaired\":{},\"fresh_ids\":{},\"trees\":\"{}\",\"seed\":\"{}\",\"summary\":{}}}",
            self.rows_in,
            self.rows_out,
            self.skipped_max_isl,
            self.sessions_affected,
            self.capped_max_osl,
            self.inconsistent_repaired,
            fresh,
            self.trees,
            self.seed,
            crate::json_text::json_string(&self.summary_line())
        )
    }

    /// The one stderr line of §3.5.
    pub fn summary_line(&self) -> String {
        let fresh = match self.fresh_ids {
            Some((a, b)) => format!("{a}..{b}"),
            None => "none".to_string(),
        };
        format!(
            "synthesize (transform): {} rows in, {} rows out; {} skipped by --synthesis-max-isl ({} session{} affected); {} output lengths capped by --synthesis-max-osl; {} inconsistent rows repaired; fresh ids {}; trees {}; seed {}",
            self.rows_in,
            self.rows_out,
            self.skipped_max_isl,
            self.sessions_affected,
            if self.sessions_affected == 1 { "" } else { "s" },
            self.capped_max_osl,
            self.inconsistent_repaired,
            fresh,
            self.trees,
            self.seed
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Learn,
    Emit,
    Done,
}

/// The transform engine over parsed rows. [`crate::synthesis::TransformStream`] wraps it
/// with byte-chunk input; tests and other core callers may drive it row by row.
pub struct Transformer {
    opts: SynthesisOptions,
    ids_change: bool,
    phase: Phase,
    trie: PrefixTrie,
    rows: Vec<RowPlan>,
    sessions: FxHashMap<String, u32>,
    session_count: u32,
    session_has_ids: Vec<bool>,
    ts_integral: bool,
    delay_integral: bool,
    inconsistent: u64,
    // planning results
    k_mult: u64,
    c_start: u64,
    base: u64,
    tree_of_session: Vec<u64>,
    // emit state
    emit_index: usize,
    skipped_sessions: Vec<bool>,
    report: TransformReport,
}

/// Where one emitting worker is in the plan, and what it counted. Pass 2 may run several
/// cursors at once over consecutive parts of a chunk ([`Transformer::emit`] only reads the
/// transformer); [`Transformer::absorb`] merges them back in file order.
#[derive(Debug, Default)]
pub struct EmitCursor {
    /// Plan index of the first row this cursor emitted.
    start: usize,
    /// Plan index of the next row.
    next: usize,
    skipped_max_isl: u64,
    capped_max_osl: u64,
    rows_out: u64,
    /// Sessions with a row skipped by `max_isl`, possibly repeated.
    skipped_sessions: Vec<u32>,
    /// Scratch for a row's new ids.
    ids: Vec<u64>,
}

impl Transformer {
    pub fn new(opts: SynthesisOptions) -> Result<Self, TraceError> {
        opts.validate()?;
        let ids_change = opts.ids_change();
        let seed = opts.seed;
        let trees = opts.prefix_root_multiplier;
        Ok(Transformer {
            opts,
            ids_change,
            phase: Phase::Learn,
            trie: PrefixTrie::default(),
            rows: Vec::new(),
            sessions: FxHashMap::default(),
            session_count: 0,
            session_has_ids: Vec::new(),
            ts_integral: true,
            delay_integral: true,
            inconsistent: 0,
            k_mult: 1,
            c_start: 0,
            base: 0,
            tree_of_session: Vec::new(),
            emit_index: 0,
            skipped_sessions: Vec::new(),
            report: TransformReport { trees, seed, ..Default::default() },
        })
    }

    pub fn options(&self) -> &SynthesisOptions {
        &self.opts
    }

    fn state_err(&self, what: &str) -> TraceError {
        TraceError::analyzer_state(format!("transform: {what} called in the {:?} phase", self.phase))
    }

    /// Pass 1: one valid row, in file order.
    pub fn learn(&mut self, row: &SynthRow<'_>) -> Result<(), TraceError> {
        if self.phase != Phase::Learn {
            return Err(self.state_err("learn"));
        }
        let session = match &row.session_id {
            Some(s) => match self.sessions.get(s.as_ref()) {
                Some(&i) => i,
                None => {
                    let i = self.new_session();
                    self.sessions.insert(s.to_string(), i);
                    i
                }
            },
            None => self.new_session(),
        };
        if let Some(t) = row.timestamp {
            self.ts_integral &= t.integral;
        }
        if let Some(d) = row.delay {
            self.delay_integral &= d.integral;
        }
        let isl = row.input_length.unwrap_or(NONE_LEN);
        let has_ids = !row.hash_ids.is_empty() && row.input_length.is_some();
        let (leaf, n) = if has_ids {
            self.session_has_ids[session as usize] = true;
            let n = row.hash_ids.len() as u64;
            let bs = self.opts.block_size;
            if isl > n * bs || isl <= (n - 1) * bs {
                self.inconsistent += 1;
            }
            // Without id changes the prefix counts are never used: skip the trie (a
            // speedup-only transform then costs one parse per pass and ~40 bytes per row).
            let leaf = if self.ids_change { self.trie.insert_path(&row.hash_ids)? } else { NONE };
            (leaf, n as u32)
        } else {
            (NONE, 0)
        };
        self.rows.push(RowPlan { line: row.line, leaf, n, isl, session, ell: 0, fresh_start: 0 });
        Ok(())
    }

    fn new_session(&mut self) -> u32 {
        let i = self.session_count;
        self.session_count += 1;
        self.session_has_ids.push(false);
        i
    }

    fn exhausted() -> TraceError {
        TraceError::invalid_arg(
            "hash id space exhausted (largest id would exceed 18446744073709551615); lower --synthesis-prefix-len-multiplier or --synthesis-prefix-root-multiplier",
        )
    }

    /// Length of the new prefix for `ℓ` shared blocks (§3.4 step 4.2), in 128 bits: the
    /// multiplier may reach 10^12.
    fn new_prefix_len(&self, ell: u64) -> u128 {
        let p = &self.opts.prefix_len_multiplier;
        if p.gt_one() {
            p.mul_ceil(u128::from(ell))
        } else if p.lt_one() {
            if ell == 0 {
                0
            } else {
                p.mul_floor(u128::from(ell)).max(1)
            }
        } else {
            u128::from(ell)
        }
    }

    /// Tokens of the new non-prefix part (§3.4 step 4.3), in 128 bits.
    fn new_prompt_len(&self, isl: u64, ell: u64, new_prefix_len: u128) -> u128 {
        let prompt_len = isl - ell * self.opts.block_size;
        let npl = self.opts.prompt_len_multiplier.mul_floor(u128::from(prompt_len));
        if new_prefix_len == 0 && npl == 0 {
            1
        } else {
            npl
        }
    }

    /// Between the passes: steps 2, 3 and 5 of §3.4 for the whole file.
    pub fn plan(&mut self) -> Result<(), TraceError> {
        if self.phase != Phase::Learn {
            return Err(self.state_err("plan"));
        }
        self.phase = Phase::Emit;
        self.report.rows_in = self.rows.len() as u64;
        self.skipped_sessions = vec![false; self.session_count as usize];
        if !self.ids_change {
            self.trie = PrefixTrie::default();
            return Ok(());
        }
        self.report.inconsistent_repaired = self.inconsistent;
        let bs = self.opts.block_size;
        let m = self.trie.max_shared_id().unwrap_or(0);
        let p = self.opts.prefix_len_multiplier;
        self.k_mult = if p.gt_one() { p.ceil() as u64 } else { 1 };
        let c = (u128::from(m) + 1) * u128::from(self.k_mult);
        if c > u128::from(u64::MAX) {
            return Err(Self::exhausted());
        }
        self.c_start = c as u64;
        for r in self.rows.iter_mut() {
            if r.leaf != NONE {
                let raw = self.trie.shared_depth(r.leaf, r.n);
                r.ell = raw.min((r.isl / bs).min(u64::from(u32::MAX)) as u32);
            }
        }
        self.trie = PrefixTrie::default(); // free the trie before the emit pass

        // Processing order: sessions by first appearance, rows in file order within each
        // (a stable counting sort by session index).
        let mut starts = vec![0u32; self.session_count as usize + 1];
        for r in &self.rows {
            starts[r.session as usize + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let mut order = vec![0u32; self.rows.len()];
        for (i, r) in self.rows.iter().enumerate() {
            let s = &mut starts[r.session as usize];
            order[*s as usize] = i as u32;
            *s += 1;
        }
        let mut counter = u128::from(self.c_start);
        for &i in &order {
            let r = self.rows[i as usize];
            if r.leaf == NONE {
                continue;
            }
            let npre = self.new_prefix_len(u64::from(r.ell));
            let npl = self.new_prompt_len(r.isl, u64::from(r.ell), npre);
            let fresh = npl.div_ceil(u128::from(bs));
            if fresh > 0 {
                self.rows[i as usize].fresh_start = (counter + 1).min(u128::from(u64::MAX)) as u64;
                counter += fresh;
                if counter > u128::from(u64::MAX) {
                    return Err(Self::exhausted());
                }
            }
        }
        let c_final = counter as u64;
        if c_final > self.c_start {
            self.report.fresh_ids = Some((self.c_start + 1, c_final));
        }
        let r_mult = self.opts.prefix_root_multiplier;
        if r_mult > 1 {
            let base = u128::from(c_final) + 1;
            let mut g = Stream::new(self.opts.seed, labels::SYNTHESIS_ROOT, &[]);
            let mut max_t = 0u64;
            self.tree_of_session = (0..self.session_count)
                .map(|s| {
                    let t = g.below(r_mult);
                    if self.session_has_ids[s as usize] {
                        max_t = max_t.max(t);
                    }
                    t
                })
                .collect();
            if u128::from(max_t) * base + u128::from(c_final) > u128::from(u64::MAX) {
                return Err(Self::exhausted());
            }
            self.base = base as u64; // fits: base ≤ max id + 1 and ids fit, or max_t = 0
        }
        Ok(())
    }

    /// A cursor for emitting from line `first_line` on (pass 2 may start anywhere).
    pub fn cursor_at(&self, first_line: u64) -> Result<EmitCursor, TraceError> {
        if self.phase != Phase::Emit {
            return Err(self.state_err("emit"));
        }
        let start = self.rows.partition_point(|p| p.line < first_line);
        Ok(EmitCursor { start, next: start, ..Default::default() })
    }

    /// Pass 2: one valid row (the rows of pass 1, in file order from the cursor's start).
    /// Appends the output row (with its `\n`) to `out`, or nothing if `max_isl` skips it.
    /// Reads the transformer only, so cursors over different parts of the input may run
    /// on different threads.
    pub fn emit(&self, cursor: &mut EmitCursor, row: &SynthRow<'_>, out: &mut Vec<u8>) -> Result<(), TraceError> {
        let changed =
            || TraceError::internal(format!("transform: line {} differs between the two passes (file changed while reading?)", row.line));
        let Some(&plan) = self.rows.get(cursor.next) else {
            return Err(changed());
        };
        cursor.next += 1;
        let has_ids = !row.hash_ids.is_empty() && row.input_length.is_some();
        if plan.line != row.line || plan.isl != row.input_length.unwrap_or(NONE_LEN) || (has_ids && plan.n as usize != row.hash_ids.len()) {
            return Err(changed());
        }
        let bs = self.opts.block_size;

        // Steps 4–5: new ids and input length, sized in 128 bits and checked against the
        // output limits (§7) before any id is materialised.
        let place = || format!("line {}", row.line);
        let mut new_isl: Option<u128> = None;
        let mut ids_rewritten = false;
        if self.ids_change {
            if let Some(isl) = row.input_length {
                if !has_ids {
                    if !self.opts.prompt_len_multiplier.is_one() {
                        new_isl = Some(self.opts.prompt_len_multiplier.mul_floor(u128::from(isl)).max(1));
                    }
                } else {
                    let ell = u64::from(plan.ell);
                    let npre = self.new_prefix_len(ell);
                    let npl = self.new_prompt_len(isl, ell, npre);
                    new_isl = Some(npre * u128::from(bs) + npl);
                    ids_rewritten = true;
                }
            }
        }

        // Step 8: the max_isl skip, on the final length.
        if let (Some(max), Some(isl)) = (self.opts.max_isl, new_isl.or(row.input_length.map(u128::from))) {
            if isl > u128::from(max) {
                cursor.skipped_max_isl += 1;
                cursor.skipped_sessions.push(plan.session);
                return Ok(());
            }
        }
        if let Some(isl) = new_isl {
            if isl > u128::from(limits::MAX_TOKENS) {
                return Err(limits::too_many_tokens(&self.opts, &place(), false, isl));
            }
        }
        cursor.ids.clear();
        if ids_rewritten {
            let ell = u64::from(plan.ell);
            let npre = self.new_prefix_len(ell);
            let fresh = self.new_prompt_len(isl_of(row), ell, npre).div_ceil(u128::from(bs));
            // An id takes at most 21 bytes with its comma: only a list that might be too long
            // is measured exactly.
            if (npre + fresh) * 21 + 2 > u128::from(limits::MAX_ROW_BYTES) {
                let (bytes, count) = limits::id_list_bytes(self.id_runs(row, &plan));
                if bytes > u128::from(limits::MAX_ROW_BYTES) {
                    return Err(limits::row_too_long(&self.opts, &place(), bytes, count));
                }
            }
            self.push_ids(row, &plan, fresh as u64, &mut cursor.ids);
        }
        let new_isl = new_isl.map(|v| v as u64); // ≤ MAX_TOKENS, checked above

        // Step 9: assemble in place; a row the readers would reject is taken back.
        let row_start = out.len();
        let written = self.assemble(cursor, row, new_isl, ids_rewritten, out);
        if let Err(e) = written {
            out.truncate(row_start);
            return Err(e);
        }
        let row_bytes = out.len() - row_start;
        if row_bytes as u64 > limits::MAX_ROW_BYTES {
            out.truncate(row_start);
            return Err(limits::row_too_long(&self.opts, &place(), row_bytes as u128, cursor.ids.len() as u128));
        }
        out.push(b'\n');
        cursor.rows_out += 1;
        Ok(())
    }

    /// Appends the new ids of a rewritten row (§3.4 steps 4–5): the kept or expanded prefix,
    /// then `fresh` new ids, all moved to the session's tree. [`Transformer::id_runs`] lists
    /// the same ids as runs.
    fn push_ids(&self, row: &SynthRow<'_>, plan: &RowPlan, fresh: u64, ids: &mut Vec<u64>) {
        let ell = plan.ell as usize;
        let p = self.opts.prefix_len_multiplier;
        if p.gt_one() {
            let k = self.k_mult;
            for (j, &h) in row.hash_ids[..ell].iter().enumerate() {
                let cj = p.mul_ceil(j as u128 + 1) - p.mul_ceil(j as u128);
                for s in 0..cj as u64 {
                    ids.push(k * h + s);
                }
            }
        } else {
            let keep = self.new_prefix_len(ell as u64) as usize;
            ids.extend_from_slice(&row.hash_ids[..keep]);
        }
        ids.extend(plan.fresh_start..plan.fresh_start + fresh);
        if self.opts.prefix_root_multiplier > 1 {
            let t = self.tree_of_session[plan.session as usize];
            if t > 0 {
                let off = t * self.base;
                for id in ids.iter_mut() {
                    *id += off;
                }
            }
        }
    }

    /// The new ids of a rewritten row as runs `(first, count)` in order (§3.4 steps 4–5):
    /// the kept or expanded prefix, then the fresh ids, each moved to the session's tree.
    fn id_runs<'r>(&'r self, row: &'r SynthRow<'_>, plan: &RowPlan) -> impl Iterator<Item = (u128, u128)> + 'r {
        let ell = plan.ell as usize;
        let p = self.opts.prefix_len_multiplier;
        let off = if self.opts.prefix_root_multiplier > 1 {
            u128::from(self.tree_of_session[plan.session as usize]) * u128::from(self.base)
        } else {
            0
        };
        let k = u128::from(self.k_mult);
        let expanded = p.gt_one();
        let prefix: Box<dyn Iterator<Item = (u128, u128)> + 'r> = if expanded {
            Box::new(row.hash_ids[..ell].iter().enumerate().map(move |(j, &h)| {
                let cj = p.mul_ceil(j as u128 + 1) - p.mul_ceil(j as u128);
                (k * u128::from(h) + off, cj)
            }))
        } else {
            let keep = self.new_prefix_len(ell as u64) as usize;
            Box::new(row.hash_ids[..keep].iter().map(move |&h| (u128::from(h) + off, 1)))
        };
        let npre = self.new_prefix_len(ell as u64);
        let isl = plan.isl;
        let fresh = self.new_prompt_len(isl, ell as u64, npre).div_ceil(u128::from(self.opts.block_size));
        let fresh_run = (fresh > 0).then_some((u128::from(plan.fresh_start) + off, fresh));
        prefix.chain(fresh_run)
    }

    /// Writes the row's fields (without the newline) with the new values.
    fn assemble(
        &self,
        cursor: &mut EmitCursor,
        row: &SynthRow<'_>,
        new_isl: Option<u64>,
        ids_rewritten: bool,
        out: &mut Vec<u8>,
    ) -> Result<(), TraceError> {
        let place = || format!("line {}", row.line);
        let r = &self.opts.speedup_ratio;
        out.push(b'{');
        for (i, f) in row.fields().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            match f.canon {
                Canon::Timestamp | Canon::Delay => {
                    out.extend_from_slice(if f.canon == Canon::Timestamp { b"\"timestamp\":" } else { b"\"delay\":" });
                    let (value, integral) =
                        if f.canon == Canon::Timestamp { (row.timestamp, self.ts_integral) } else { (row.delay, self.delay_integral) };
                    match value {
                        Some(v) if !r.is_one() => {
                            let field = if f.canon == Canon::Timestamp { "timestamp" } else { "delay" };
                            push_scaled_time(out, v, integral, r).map_err(|t| limits::time_too_large(&self.opts, &place(), field, t))?;
                        }
                        _ => push_compact_json(out, f.value),
                    }
                }
                Canon::InputLength => {
                    out.extend_from_slice(b"\"input_length\":");
                    match new_isl {
                        Some(v) => push_u64(out, v),
                        None => push_compact_json(out, f.value),
                    }
                }
                Canon::OutputLength => {
                    out.extend_from_slice(b"\"output_length\":");
                    match row.output_length {
                        Some(osl) => {
                            let mut o = self.opts.output_len_multiplier.mul_rhe(u128::from(osl));
                            if let Some(max) = self.opts.max_osl {
                                if o > u128::from(max) {
                                    o = u128::from(max);
                                    cursor.capped_max_osl += 1;
                                }
                            }
                            if o > u128::from(limits::MAX_TOKENS) {
                                return Err(limits::too_many_tokens(&self.opts, &place(), true, o));
                            }
                            push_u64(out, o.max(1) as u64);
                        }
                        None => push_compact_json(out, f.value),
                    }
                }
                Canon::HashIds => {
                    out.extend_from_slice(b"\"hash_ids\":");
                    if ids_rewritten {
                        push_u64_list(out, &cursor.ids);
                    } else {
                        push_compact_json(out, f.value);
                    }
                }
                Canon::Other => {
                    out.extend_from_slice(f.key);
                    out.push(b':');
                    push_compact_json(out, f.value);
                }
            }
        }
        out.push(b'}');
        Ok(())
    }

    /// Merges a finished cursor; cursors must come back in file order, each starting
    /// where the previous one stopped (otherwise the file changed between the passes).
    pub fn absorb(&mut self, cursor: EmitCursor) -> Result<(), TraceError> {
        if self.phase != Phase::Emit {
            return Err(self.state_err("emit"));
        }
        if cursor.start != self.emit_index {
            return Err(TraceError::internal("transform: the rows of the second pass differ from the first (file changed while reading?)"));
        }
        self.emit_index = cursor.next;
        self.report.skipped_max_isl += cursor.skipped_max_isl;
        self.report.capped_max_osl += cursor.capped_max_osl;
        self.report.rows_out += cursor.rows_out;
        for s in cursor.skipped_sessions {
            let seen = &mut self.skipped_sessions[s as usize];
            if !*seen {
                *seen = true;
                self.report.sessions_affected += 1;
            }
        }
        Ok(())
    }

    /// After pass 2: the run summary.
    pub fn finish(&mut self) -> Result<TransformReport, TraceError> {
        if self.phase != Phase::Emit {
            return Err(self.state_err("finish"));
        }
        if self.emit_index != self.rows.len() {
            return Err(TraceError::internal(format!(
                "transform: the second pass saw {} rows but the first saw {} (file changed while reading?)",
                self.emit_index,
                self.rows.len()
            )));
        }
        self.phase = Phase::Done;
        Ok(self.report.clone())
    }
}

/// A row's `input_length` (rows whose ids are rewritten have one).
fn isl_of(row: &SynthRow<'_>) -> u64 {
    row.input_length.unwrap_or(0)
}

/// §3.3: integral mode `floor(v / r)` exactly; fractional mode IEEE `v ÷ r`. A result over
/// the readers' 2^53 (a ratio below 1) is returned as the error, nothing written.
fn push_scaled_time(out: &mut Vec<u8>, v: Time, integral: bool, r: &Decimal) -> Result<(), f64> {
    if integral {
        // Integral values are ≤ 2^53, so the double holds them exactly.
        let t = r.div_floor(v.value as u128);
        if t > limits::MAX_TIME_VALUE as u128 {
            return Err(t as f64);
        }
        push_u64(out, t as u64);
    } else {
        let t = v.value / r.to_f64();
        if t > limits::MAX_TIME_VALUE {
            return Err(t);
        }
        push_js_number(out, t);
    }
    Ok(())
}
