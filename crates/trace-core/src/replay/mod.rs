//! A trace file held for replay by `profile --input-file` ([`ReplayDataset`]).
//!
//! The file is pushed in byte chunks, like every streaming API of the core. Its rows go
//! through the pipeline of `docs/synthesis.md` §3.2: parse and validate (the three row
//! formats of `docs/cli.md` §3.3, strict or lenient) → drop rows outside the window by their
//! original timestamp → the `--synthesis-*` transform, in memory, when an option asks for it
//! (then the file is pushed twice: `push_learn`… `finish_learn`, then `push`… `finish`) →
//! compact storage, with the `overshoot` and size-conflict checks of `docs/trace-format.md`
//! §7. Afterwards the dataset answers per turn: its content as JSON, and for Mooncake turns
//! the prompt tokens and text of `docs/synthesis.md` §6, built on demand from the tokenizer
//! tables given once with [`ReplayDataset::set_tables`].
//!
//! Turns are numbered in replay order: sessions in order of first appearance, a session's
//! turns in file order ([`ReplayDataset::session_start`]). That number is the row index of the
//! materialisation streams. A turn's `line` is the line of its row in the input file, also
//! after a transform (which never merges or splits rows); the turns of one `multi_turn` row
//! share its line.
//!
//! Files: [`options`] (options and their checks), `reader` and `text_rows` (rows → turns),
//! `loader` (window, checks, counts), `store` (compact storage), `sessions`, `transform`
//! (the in-memory transform), [`materialise`] (prompts), `summary` (JSON out), `snapshot`
//! (a finished dataset as bytes, for another thread: [`ReplayDataset::to_bytes`]).

pub mod materialise;
pub mod options;

mod loader;
mod reader;
mod scope;
mod sessions;
mod snapshot;
mod store;
mod summary;
mod text_rows;
mod transform;

pub use materialise::{separator_arg, PromptTables};
pub use options::{DatasetType, ReplayOptions, ReplayOptionsInput};

use crate::error::{Reason, TraceError};
use crate::lines::{LineKind, LineSplitter};
use crate::row::RowError;
use crate::size_conflicts::SizeTable;
use crate::skips::SkipSummary;
use crate::synthesis::stream::RowParser;
use crate::synthesis::TransformReport;

use loader::{overshoot_error, Loader};
use materialise::{PromptKeys, TurnLayout};
use reader::{infer_type, read_row, ParsedRow, TurnKind};
use scope::Scope;
use store::TurnRecord;
use transform::InMemoryTransform;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// The transform's first pass (`push_learn`).
    Learn,
    /// The pass that stores (`push`).
    Load,
    Finished,
    Failed,
}

/// What exists once the input is finished.
struct Done {
    session_start: Vec<u32>,
    /// The storage index of every turn in turn order; `None` when it is the identity.
    order: Option<Vec<u32>>,
    scope: u64,
    report: Option<TransformReport>,
}

/// A trace file parsed, validated, optionally transformed, and held compactly for replay.
pub struct ReplayDataset {
    opts: ReplayOptions,
    phase: Phase,
    splitter: LineSplitter,
    /// The dataset type once fixed (given, or inferred from the first valid row).
    dataset_type: Option<DatasetType>,
    /// The line of the first valid row of the transform's first pass: the second pass skips
    /// the lines before it (all invalid), whatever type they looked like.
    first_valid_line: Option<u64>,
    parsed: ParsedRow,
    /// The transform's rows (the same parser as `synthesize`), and the transform.
    parser: RowParser,
    transform: Option<InMemoryTransform>,
    loader: Loader,
    /// FNV-1a 64 of the bytes given to `push`: the materialisation scope (§6.1).
    scope: Scope,
    done: Option<Done>,
    tables: Option<PromptTables>,
}

impl std::fmt::Debug for ReplayDataset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplayDataset")
            .field("phase", &self.phase)
            .field("dataset_type", &self.dataset_type())
            .field("rows", &self.rows())
            .field("turns", &self.turns())
            .finish_non_exhaustive()
    }
}

fn too_long() -> RowError {
    RowError::new(Reason::LineTooLong, "row", "line is longer than 64 MiB")
}

impl ReplayDataset {
    /// A new dataset. `INVALID_ARG` when a transform is asked for a type other than
    /// `mooncake_trace` (`docs/cli.md` §3.6 rule 15).
    pub fn new(opts: ReplayOptions) -> Result<Self, TraceError> {
        let transform = if opts.needs_transform() {
            if let Some(t) = opts.dataset_type {
                opts.check_transform_type(t)?;
            }
            let mut synthesis = opts.synthesis.clone();
            synthesis.block_size = u64::from(opts.block_size);
            synthesis.seed = opts.seed;
            Some(InMemoryTransform::new(synthesis)?)
        } else {
            None
        };
        Ok(ReplayDataset { phase: if transform.is_some() { Phase::Learn } else { Phase::Load }, transform, ..ReplayDataset::empty(opts) })
    }

    /// A dataset before its first row, without a transform.
    fn empty(opts: ReplayOptions) -> Self {
        ReplayDataset {
            phase: Phase::Load,
            splitter: LineSplitter::new(),
            dataset_type: opts.dataset_type,
            first_valid_line: None,
            parsed: ParsedRow::default(),
            parser: RowParser::default(),
            transform: None,
            loader: Loader::new(u64::from(opts.block_size), opts.source_name.clone(), !opts.skip_invalid, opts.require_timestamps),
            scope: Scope::new(crate::pipeline::default_threads() > 1),
            done: None,
            tables: None,
            opts,
        }
    }

    /// The finished dataset as bytes ([`snapshot`]): everything its turns, prompts, schedule
    /// arrays and summary are answered from, not the tokenizer tables. Another process or
    /// thread, on either backend, rebuilds it with [`from_bytes`](Self::from_bytes) instead of
    /// reading the file again. `ANALYZER_STATE` before `finish`.
    pub fn to_bytes(&self) -> Result<Vec<u8>, TraceError> {
        snapshot::write(self)
    }

    /// A finished dataset from [`to_bytes`](Self::to_bytes)' bytes; set its tables before the
    /// first prompt. `INVALID_ARG` for bytes that are not a snapshot of this format version,
    /// are truncated or damaged (checked throughout, so that no later call reads out of
    /// bounds). `needsLearnPass` is false and `bytesConsumed` 0: nothing is to be pushed.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TraceError> {
        snapshot::read(bytes)
    }

    /// [`ReplayDataset::new`] from the options as a binding passes them.
    pub fn from_input(input: ReplayOptionsInput) -> Result<Self, TraceError> {
        ReplayDataset::new(ReplayOptions::from_input(input)?)
    }

    /// True when a transform runs: the file goes through [`push_learn`](Self::push_learn) and
    /// [`finish_learn`](Self::finish_learn) before [`push`](Self::push).
    pub fn needs_learn_pass(&self) -> bool {
        self.opts.needs_transform()
    }

    fn expect(&self, phase: Phase, call: &str) -> Result<(), TraceError> {
        if self.phase == phase {
            return Ok(());
        }
        Err(TraceError::analyzer_state(match self.phase {
            Phase::Failed => "replay dataset: unusable after an error".to_string(),
            Phase::Finished => format!("replay dataset: {call} after finish"),
            Phase::Learn => format!("replay dataset: {call} before the learn pass is finished (pushLearn…, finishLearn)"),
            Phase::Load if phase == Phase::Learn && !self.needs_learn_pass() => {
                format!("replay dataset: {call}, but no transform runs (needsLearnPass is false)")
            }
            Phase::Load => format!("replay dataset: {call} after the learn pass"),
        }))
    }

    fn run<T>(&mut self, r: Result<T, TraceError>) -> Result<T, TraceError> {
        if r.is_err() {
            self.phase = Phase::Failed;
            // free the rows now rather than when the dataset is dropped
            self.loader = Loader::new(0, String::new(), true, false);
            self.transform = None;
        }
        r
    }

    fn feed(&mut self, chunk: Option<&[u8]>) -> Result<(), TraceError> {
        let mut splitter = std::mem::take(&mut self.splitter);
        let r = match chunk {
            Some(c) => splitter.push(c, |no, kind| self.on_line(no, kind)),
            None => splitter.finish(|no, kind| self.on_line(no, kind)),
        };
        self.splitter = splitter;
        r
    }

    /// The transform's first pass: the next chunk of the file.
    pub fn push_learn(&mut self, chunk: &[u8]) -> Result<(), TraceError> {
        self.expect(Phase::Learn, "pushLearn")?;
        let r = self.feed(Some(chunk));
        self.run(r)
    }

    /// Ends the first pass and plans the transform; then push the file again.
    pub fn finish_learn(&mut self) -> Result<(), TraceError> {
        self.expect(Phase::Learn, "finishLearn")?;
        let r = self.feed(None).and_then(|_| self.transform.as_mut().expect("a transform").finish_learn());
        self.run(r)?;
        self.parser.keep_fields = true; // the second pass copies unknown keys verbatim
        self.splitter = LineSplitter::new();
        self.phase = Phase::Load;
        Ok(())
    }

    /// The next chunk of the file. Strict mode: the first invalid row is `INVALID_ROW`
    /// (`PATH:LINE: FIELD: reason`); a size conflict is `SIZE_CONFLICT` in either mode.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), TraceError> {
        self.expect(Phase::Load, "push")?;
        let mut scope = self.scope;
        let r = scope.hash_during(chunk, || self.feed(Some(chunk)));
        self.scope = scope;
        self.run(r)
    }

    /// Ends the file: its last line, the transform's summary, and the turn order.
    pub fn finish(&mut self) -> Result<(), TraceError> {
        self.expect(Phase::Load, "finish")?;
        let r = self.feed(None).and_then(|_| self.transform.as_mut().map(InMemoryTransform::finish).transpose());
        let report = self.run(r)?;
        self.transform = None;
        let loader = &mut self.loader;
        loader.store.shrink();
        loader.sizes = SizeTable::new();
        let (session_start, order) = std::mem::take(&mut loader.sessions).finish(&loader.store);
        self.done = Some(Done { session_start, order, scope: self.scope.finish(), report });
        self.phase = Phase::Finished;
        Ok(())
    }

    fn on_line(&mut self, no: u64, kind: LineKind<'_>) -> Result<(), TraceError> {
        let learning = self.phase == Phase::Learn;
        let text = match kind {
            LineKind::Blank => return Ok(()),
            // counted by the first pass that sees it
            LineKind::TooLong => return self.loader.reject(no, &too_long(), learning || self.transform.is_none()),
            LineKind::Text(t) => t,
        };
        match (self.transform.is_some(), learning) {
            (false, _) => self.load_row(no, text),
            (true, true) => self.learn_row(no, text),
            (true, false) => self.emit_row(no, text),
        }
    }

    /// The type of a row: fixed, or inferred from it while no valid row has fixed it.
    fn type_of(&self, text: &[u8]) -> DatasetType {
        self.dataset_type.unwrap_or_else(|| infer_type(text))
    }

    /// Without a transform: one pass, rows straight into the store.
    fn load_row(&mut self, no: u64, text: &[u8]) -> Result<(), TraceError> {
        let ty = self.type_of(text);
        let ReplayDataset { parsed, loader, opts, dataset_type, .. } = self;
        match read_row(ty, text, parsed) {
            Err(e) => loader.reject(no, &e, true),
            Ok(()) => {
                dataset_type.get_or_insert(ty);
                loader.add_row(no, text, parsed, |ts| opts.in_window(ts))
            }
        }
    }

    /// The transform's first pass: a kept, valid Mooncake row is learned.
    fn learn_row(&mut self, no: u64, text: &[u8]) -> Result<(), TraceError> {
        let ty = self.type_of(text);
        if ty != DatasetType::MooncakeTrace {
            return match read_row(ty, text, &mut self.parsed) {
                Err(e) => self.loader.reject(no, &e, true),
                Ok(()) => self.opts.check_transform_type(ty),
            };
        }
        let ReplayDataset { parser, transform, loader, opts, dataset_type, first_valid_line, .. } = self;
        let row = match parser.parse(no, text) {
            Err(e) => return loader.reject(no, &e, true),
            Ok(row) => row,
        };
        *dataset_type = Some(ty);
        first_valid_line.get_or_insert(no);
        if !opts.in_window(row.timestamp.map(|t| t.value)) {
            loader.window_dropped += 1;
            return Ok(());
        }
        let transform = transform.as_mut().expect("a transform");
        if let Some(e) = Self::unchanged_overshoot(transform, &row, opts.block_size) {
            return loader.reject(no, &e, true);
        }
        transform.learn(&row)
    }

    /// When ids do not change, an `overshoot` row stays one (`docs/synthesis.md` §3.6), so it
    /// is rejected before the transform, in file order with the other invalid rows. When ids
    /// change, the transform repairs it.
    fn unchanged_overshoot(transform: &InMemoryTransform, row: &crate::synthesis::input::SynthRow<'_>, bs: u32) -> Option<RowError> {
        let isl = row.input_length?;
        if transform.ids_change() || row.hash_ids.is_empty() {
            return None;
        }
        overshoot_error(isl, row.hash_ids.len() as u64, u64::from(bs), "hash_ids")
    }

    /// The transform's second pass: the same rows again, rewritten, parsed and stored under
    /// their input line. Rows the first pass rejected are skipped silently (already counted).
    fn emit_row(&mut self, no: u64, text: &[u8]) -> Result<(), TraceError> {
        if self.first_valid_line.is_none_or(|first| no < first) {
            return Ok(());
        }
        let ReplayDataset { parser, transform, loader, opts, parsed, .. } = self;
        let row = match parser.parse(no, text) {
            Err(e) => return loader.reject(no, &e, false),
            Ok(row) => row,
        };
        if !opts.in_window(row.timestamp.map(|t| t.value)) {
            return Ok(());
        }
        let transform = transform.as_mut().expect("a transform");
        if let Some(e) = Self::unchanged_overshoot(transform, &row, opts.block_size) {
            return loader.reject(no, &e, false);
        }
        let Some(out) = transform.emit(&row).map_err(|e| crate::synthesis::limits::at_line(e, &opts.source_name, no))? else {
            return Ok(()); // dropped by --synthesis-max-isl
        };
        read_row(DatasetType::MooncakeTrace, out, parsed)
            .map_err(|e| TraceError::internal(format!("transform output of line {no} does not parse: {}: {}", e.field, e.text)))?;
        loader.add_row(no, out, parsed, |_| true)
    }

    // -------------------------------------------------------------------------------------
    // After finish

    fn finished(&self) -> Result<&Done, TraceError> {
        match (&self.done, self.phase) {
            (Some(d), Phase::Finished) => Ok(d),
            _ => Err(TraceError::analyzer_state("replay dataset: not finished (push the whole file, then finish)")),
        }
    }

    /// The resolved dataset type (`mooncake_trace` while no valid row fixed it).
    pub fn dataset_type(&self) -> DatasetType {
        self.dataset_type.unwrap_or(DatasetType::MooncakeTrace)
    }

    /// Rows with at least one stored turn, so far.
    pub fn rows(&self) -> u64 {
        self.loader.rows
    }

    /// Turns stored so far.
    pub fn turns(&self) -> u64 {
        self.loader.store.len() as u64
    }

    /// Sessions so far.
    pub fn sessions(&self) -> u64 {
        match &self.done {
            Some(d) => (d.session_start.len() - 1) as u64,
            None => self.loader.sessions.len() as u64,
        }
    }

    /// Bytes pushed in the current pass.
    pub fn bytes_consumed(&self) -> u64 {
        self.splitter.bytes_consumed()
    }

    /// Bytes the dataset holds: while loading its tables too, once finished what it keeps
    /// (not the prompt tables, which are the tokenizer's, nor the transform's planning state).
    pub fn heap_bytes(&self) -> usize {
        let done = self.done.as_ref().map_or(0, |d| d.session_start.capacity() * 4 + d.order.as_ref().map_or(0, |o| o.capacity() * 4));
        self.loader.heap_bytes() + done
    }

    /// Rows skipped by `--skip-invalid`, per reason.
    pub fn skipped(&self) -> &SkipSummary {
        &self.loader.skipped
    }

    /// The `docs/trace-format.md` §4.2 warning line for `path`, or `None`.
    pub fn skipped_warning(&self, path: &str) -> Option<String> {
        self.loader.skipped.warning_line(path)
    }

    /// The transform's run summary, once finished (`None` without a transform).
    pub fn transform_report(&self) -> Result<Option<&TransformReport>, TraceError> {
        Ok(self.finished()?.report.as_ref())
    }

    /// The dataset summary as JSON (see `summary::Summary::to_json`).
    pub fn summary_json(&self) -> Result<String, TraceError> {
        let d = self.finished()?;
        let l = &self.loader;
        Ok(summary::Summary {
            dataset_type: self.dataset_type(),
            rows: l.rows,
            turns: l.store.len() as u64,
            sessions: (d.session_start.len() - 1) as u64,
            skipped: &l.skipped,
            window_dropped: l.window_dropped,
            facts: &l.facts,
            scope: d.scope,
            report: d.report.as_ref(),
        }
        .to_json())
    }

    /// The materialisation scope: FNV-1a 64 of the bytes given to `push`.
    pub fn scope(&self) -> Result<u64, TraceError> {
        Ok(self.finished()?.scope)
    }

    /// First turn of every session, plus the number of turns (sessions + 1 entries).
    pub fn session_start(&self) -> Result<Vec<u32>, TraceError> {
        Ok(self.finished()?.session_start.clone())
    }

    /// One value per turn, in turn order (`NaN` when absent).
    fn per_turn(&self, value: impl Fn(&TurnRecord) -> Option<f64>) -> Result<Vec<f64>, TraceError> {
        let d = self.finished()?;
        let mut by_record = vec![f64::NAN; self.loader.store.len()];
        self.loader.store.for_each(|r, rec| by_record[r] = value(rec).unwrap_or(f64::NAN));
        Ok(match &d.order {
            None => by_record,
            Some(order) => order.iter().map(|&r| by_record[r as usize]).collect(),
        })
    }

    /// Timestamps (ms, after the transform's scaling) per turn, `NaN` when absent.
    pub fn timestamps(&self) -> Result<Vec<f64>, TraceError> {
        self.per_turn(|r| r.timestamp)
    }

    /// Delays (ms, after the transform's scaling) per turn, `NaN` when absent.
    pub fn delays(&self) -> Result<Vec<f64>, TraceError> {
        self.per_turn(|r| r.delay)
    }

    /// The record of turn `t`, and of its session's first turn.
    fn turn(&self, t: f64) -> Result<(TurnRecord, usize), TraceError> {
        let d = self.finished()?;
        let n = self.loader.store.len();
        if !(t.fract() == 0.0 && t >= 0.0 && t < n as f64) {
            return Err(TraceError::invalid_arg(format!("turn {t} is out of range (the dataset has {n} turns)")));
        }
        let t = t as usize;
        let r = d.order.as_ref().map_or(t, |o| o[t] as usize);
        Ok((self.loader.store.record(r), t))
    }

    /// Turn `t`'s content as JSON (see `summary::turn_json`).
    pub fn turn_json(&self, t: f64) -> Result<String, TraceError> {
        let (rec, _) = self.turn(t)?;
        let d = self.finished()?;
        let first = d.session_start[rec.session as usize] as usize;
        let first = d.order.as_ref().map_or(first, |o| o[first] as usize);
        let session = self.loader.store.record(first);
        Ok(summary::turn_json(&self.loader.store, &rec, &session))
    }

    /// Turn `t`'s hash ids (empty for turns without; not exported to JavaScript, where ids
    /// would need `bigint`s: tests and Rust callers compare datasets with it).
    pub fn turn_hash_ids(&self, t: f64) -> Result<Vec<u64>, TraceError> {
        let (rec, _) = self.turn(t)?;
        Ok(self.loader.store.ids(&rec).collect())
    }

    /// The tokenizer tables prompts are built from (`docs/synthesis.md` §6.1), once before
    /// the first prompt: the corpus tokens, the vocabulary's bytes (token `t` is
    /// `token_bytes[token_offsets[t]..token_offsets[t + 1]]`) and the separator token, `-1`
    /// for none (a double, as JavaScript passes it). `INVALID_ARG` for inconsistent tables.
    pub fn set_tables(&mut self, corpus: &[u32], token_bytes: &[u8], token_offsets: &[u32], separator: f64) -> Result<(), TraceError> {
        self.tables = Some(PromptTables::new(corpus, token_bytes, token_offsets, separator_arg(separator)?)?);
        Ok(())
    }

    fn layout<'s>(&'s self, rec: &TurnRecord, t: usize) -> TurnLayout<store::Ids<'s>> {
        TurnLayout {
            input_length: u64::from(rec.input_length.unwrap_or(0)),
            n_ids: rec.n_ids as u64,
            ids: self.loader.store.ids(rec),
            row: t as u64,
        }
    }

    fn prompt<'s, T: Default>(
        &'s self,
        t: f64,
        build: impl FnOnce(&'s PromptTables, PromptKeys, TurnLayout<store::Ids<'s>>) -> T,
    ) -> Result<T, TraceError> {
        let (rec, t) = self.turn(t)?;
        let tables = self.tables.as_ref().ok_or_else(|| TraceError::analyzer_state("replay dataset: setTables before the first prompt"))?;
        if rec.kind != TurnKind::Tokens {
            return Ok(T::default()); // sent verbatim, not materialised
        }
        let keys = PromptKeys { seed: self.opts.seed, scope: self.finished()?.scope, block_size: u64::from(self.opts.block_size) };
        Ok(build(tables, keys, self.layout(&rec, t)))
    }

    /// The prompt tokens of turn `t` (`docs/synthesis.md` §6.2–6.3); empty for turns sent
    /// verbatim.
    pub fn prompt_tokens(&self, t: f64) -> Result<Vec<u32>, TraceError> {
        self.prompt(t, materialise::prompt_tokens)
    }

    /// The prompt text of turn `t`: the bytes of its tokens, as UTF-8 (lossy); empty for turns
    /// sent verbatim.
    pub fn prompt_text(&self, t: f64) -> Result<String, TraceError> {
        self.prompt(t, materialise::prompt_text)
    }
}
