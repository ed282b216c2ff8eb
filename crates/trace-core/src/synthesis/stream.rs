//! Byte-chunk front ends of transform and generate mode: line splitting, row parsing,
//! strict/lenient handling, and output in byte chunks. No I/O: callers push the file's
//! bytes (twice for transform) and write what comes back.

use std::borrow::Cow;

use std::collections::VecDeque;

use crate::error::{Reason, TraceError};
use crate::lines::{classify_line, count_newlines, find_byte, for_each_line, Block, LineKind, LineSplitter};
use crate::pipeline::{default_threads, split_at_line, LineBatch, LinePipeline};
use crate::row::{parse_common_row, parse_common_row_fields, parse_row_into, CommonRow, ParseOptions, Row, RowError};
use crate::skips::SkipSummary;
use crate::synthesis::generate::{GenerateReport, Generator, Learner};
use crate::synthesis::input::{SynthRow, Time};
use crate::synthesis::limits;
use crate::synthesis::options::SynthesisOptions;
use crate::synthesis::transform::{EmitCursor, TransformReport, Transformer};

/// Settings of the byte-level front ends.
#[derive(Debug, Clone, Default)]
pub struct StreamSettings {
    /// The path as given by the user, used in messages (`PATH:LINE: FIELD: …`).
    pub source_name: String,
    /// `--skip-invalid`.
    pub skip_invalid: bool,
}

/// Strict/lenient handling of invalid rows: an `INVALID_ROW` error, or a counted skip.
struct Leniency {
    settings: StreamSettings,
    /// Count skips (learning passes) or only skip silently (the emit pass of transform,
    /// which sees the rows its learning pass already counted).
    count: bool,
    skipped: SkipSummary,
}

impl Leniency {
    fn new(settings: StreamSettings, count: bool) -> Self {
        Leniency { settings, count, skipped: SkipSummary::default() }
    }

    fn reject(&mut self, line: u64, err: &RowError) -> Result<(), TraceError> {
        if !self.settings.skip_invalid {
            return Err(TraceError::invalid_row(&self.settings.source_name, line, err));
        }
        if self.count {
            self.skipped.add(err.reason, line);
        }
        Ok(())
    }
}

fn too_long() -> RowError {
    RowError::new(Reason::LineTooLong, "row", "line is longer than 64 MiB")
}

/// Turns one line into a [`SynthRow`]: most rows have the plain Mooncake shape and are
/// taken without the full parser (same values and field spans, see
/// `row::parse_common_row`); anything else goes through [`parse_row_into`], which decides.
///
/// Crate-internal: the replay dataset parses the rows of its in-memory transform with it, so
/// that they are exactly the rows `synthesize --mode transform` sees.
#[derive(Default)]
pub(crate) struct RowParser {
    row: Row,
    /// Keep every field's spans (the emit pass writes unknown fields back verbatim).
    pub(crate) keep_fields: bool,
}

impl RowParser {
    pub(crate) fn parse<'a>(&'a mut self, line: u64, text: &'a [u8]) -> Result<SynthRow<'a>, RowError> {
        let row = &mut self.row;
        row.hash_ids.clear();
        let common = if self.keep_fields {
            parse_common_row_fields(text, &mut row.hash_ids, &mut row.fields)
        } else {
            parse_common_row(text, &mut row.hash_ids)
        };
        // (the fast path only takes printable-ASCII session ids; checked anyway)
        let common = common.filter(|c| c.session_id.as_ref().is_none_or(|s| std::str::from_utf8(&text[s.clone()]).is_ok()));
        match common {
            Some(c) => Ok(common_synth_row(line, text, &c, &self.row)),
            None => {
                parse_row_into(text, &ParseOptions { keep_fields: self.keep_fields }, &mut self.row)?;
                Ok(to_synth_row(line, text, &self.row))
            }
        }
    }
}

/// The [`SynthRow`] of a row taken by the fast path (`row` holds its ids and fields; the
/// caller checked that the session id is UTF-8).
fn common_synth_row<'a>(line: u64, text: &'a [u8], c: &CommonRow, row: &'a Row) -> SynthRow<'a> {
    let session_id =
        c.session_id.as_ref().map(|span| Cow::Borrowed(std::str::from_utf8(&text[span.clone()]).expect("checked by the caller")));
    SynthRow {
        line,
        timestamp: Some(Time { value: c.timestamp as f64, integral: true }),
        delay: None,
        input_length: Some(u64::from(c.input_length)),
        output_length: Some(u64::from(c.output_length)),
        hash_ids: Cow::Borrowed(&row.hash_ids),
        session_id,
        text,
        raw_fields: &row.fields,
    }
}

fn to_synth_row<'a>(line: u64, text: &'a [u8], row: &'a Row) -> SynthRow<'a> {
    SynthRow {
        line,
        timestamp: row.timestamp.map(|t| Time { value: t.value, integral: t.integral }),
        delay: row.delay.map(|t| Time { value: t.value, integral: t.integral }),
        input_length: row.input_length.map(u64::from),
        output_length: row.output_length.map(u64::from),
        hash_ids: Cow::Borrowed(&row.hash_ids),
        session_id: row.session_id.as_deref().map(Cow::Borrowed),
        text,
        raw_fields: &row.fields,
    }
}

// ---------------------------------------------------------------------------------------
// Learning passes (transform pass 1, generate): parsed on the pipeline's helper thread,
// learned in file order.

/// A parsed row of a learning pass: everything learning reads, without the text.
#[derive(Clone, Copy)]
struct LearnRow {
    line: u64,
    timestamp: Option<Time>,
    delay: Option<Time>,
    input_length: Option<u64>,
    output_length: Option<u64>,
    /// `hash_ids` of the batch from `ids_start`, `ids_len` long.
    ids_start: u32,
    ids_len: u32,
    /// Byte span in the batch's session text.
    session: Option<(u32, u32)>,
}

enum LearnItem {
    Row(LearnRow),
    Invalid { line: u64, err: RowError },
}

/// One pipeline job of a learning pass.
#[derive(Default)]
struct LearnBatch {
    items: Vec<LearnItem>,
    hash_ids: Vec<u64>,
    sessions: String,
    parser: RowParser,
}

impl LearnBatch {
    fn synth_row(&self, r: &LearnRow) -> SynthRow<'_> {
        let ids = r.ids_start as usize..(r.ids_start + r.ids_len) as usize;
        SynthRow {
            line: r.line,
            timestamp: r.timestamp,
            delay: r.delay,
            input_length: r.input_length,
            output_length: r.output_length,
            hash_ids: Cow::Borrowed(&self.hash_ids[ids]),
            session_id: r.session.map(|(a, b)| Cow::Borrowed(&self.sessions[a as usize..b as usize])),
            text: &[],
            raw_fields: &[],
        }
    }

    /// Learns every row in file order: `learn` returns a row problem (lenient-skippable)
    /// or a hard error.
    fn fold(
        &self,
        lenient: &mut Leniency,
        learn: &mut dyn FnMut(&SynthRow<'_>) -> Result<Option<RowError>, TraceError>,
    ) -> Result<(), TraceError> {
        for item in &self.items {
            match item {
                LearnItem::Row(r) => {
                    if let Some(problem) = learn(&self.synth_row(r))? {
                        lenient.reject(r.line, &problem)?;
                    }
                }
                LearnItem::Invalid { line, err } => lenient.reject(*line, err)?,
            }
        }
        Ok(())
    }
}

impl LineBatch for LearnBatch {
    /// Strict mode: parsing stops at the first invalid row (its error ends the pass).
    type Config = bool;

    fn parse(&mut self, strict: bool, first_line: u64, text: &[u8]) -> Option<u64> {
        let LearnBatch { items, hash_ids, sessions, parser } = self;
        items.clear();
        hash_ids.clear();
        sessions.clear();
        for_each_line(first_line, text, |line, kind| {
            let parsed = match kind {
                LineKind::Blank => return Ok(()),
                LineKind::TooLong => Err(too_long()),
                LineKind::Text(t) => parser.parse(line, t),
            };
            match parsed {
                Ok(row) => {
                    let ids_start = hash_ids.len() as u32;
                    hash_ids.extend_from_slice(&row.hash_ids);
                    let session = row.session_id.as_ref().map(|s| {
                        let a = sessions.len() as u32;
                        sessions.push_str(s);
                        (a, sessions.len() as u32)
                    });
                    items.push(LearnItem::Row(LearnRow {
                        line,
                        timestamp: row.timestamp,
                        delay: row.delay,
                        input_length: row.input_length,
                        output_length: row.output_length,
                        ids_start,
                        ids_len: row.hash_ids.len() as u32,
                        session,
                    }));
                    Ok(())
                }
                Err(err) => {
                    items.push(LearnItem::Invalid { line, err });
                    if strict {
                        Err(())
                    } else {
                        Ok(())
                    }
                }
            }
        })
        .ok()
    }

    fn too_long(&mut self, _strict: bool, line: u64) {
        self.items.clear();
        self.items.push(LearnItem::Invalid { line, err: too_long() });
    }
}

/// A learning pass over byte chunks: line splitting, the parse pipeline, strict/lenient
/// handling; the learning itself is passed to every call.
struct LearnPass {
    splitter: LineSplitter,
    pipeline: LinePipeline<LearnBatch>,
    lenient: Leniency,
}

type LearnFn<'a> = dyn FnMut(&SynthRow<'_>) -> Result<Option<RowError>, TraceError> + 'a;

impl LearnPass {
    fn new(settings: StreamSettings) -> Self {
        let strict = !settings.skip_invalid;
        LearnPass { splitter: LineSplitter::new(), pipeline: LinePipeline::new(strict), lenient: Leniency::new(settings, true) }
    }

    fn push(&mut self, chunk: &[u8], learn: &mut LearnFn<'_>) -> Result<(), TraceError> {
        let LearnPass { splitter, pipeline, lenient } = self;
        splitter.push_blocks(chunk, |b| pipeline.on_block(b, &mut |batch: &LearnBatch| batch.fold(lenient, learn)))
    }

    /// Ends the input: the last line and every pending job are learned.
    fn finish(&mut self, learn: &mut LearnFn<'_>) -> Result<(), TraceError> {
        let LearnPass { splitter, pipeline, lenient } = self;
        let mut fold = |batch: &LearnBatch| batch.fold(lenient, learn);
        splitter.finish_blocks(|b| pipeline.on_block(b, &mut fold))?;
        pipeline.drain(&mut fold)
    }
}

// ---------------------------------------------------------------------------------------
// The emit pass of transform: rows are independent once planned, so a large block of
// complete lines is cut at line boundaries and the parts are rewritten at once, each by
// its own cursor, then concatenated in file order.

/// Below this many bytes a block is rewritten on the calling thread alone (thread start-up
/// would cost more than it saves).
const PARALLEL_EMIT_MIN: usize = 256 * 1024;

struct EmitPass {
    splitter: LineSplitter,
    lenient: Leniency,
    /// One parser (with field spans) per worker.
    parsers: Vec<RowParser>,
    /// Per extra worker: its output, appended after the calling thread's.
    outputs: Vec<Vec<u8>>,
    threads: usize,
    /// Smallest block that is split across threads.
    parallel_min: usize,
    /// Complete lines not yet rewritten because the output buffer was full (§7): each
    /// `(first line, bytes, position)`; at most the rest of one pushed chunk.
    backlog: VecDeque<(u64, Vec<u8>, usize)>,
}

/// Where a rewrite stopped because its output buffer was full: the next line's number and
/// its byte offset in the block.
type Pause = Option<(u64, usize)>;

impl EmitPass {
    fn new(settings: StreamSettings, threads: usize) -> Self {
        EmitPass {
            splitter: LineSplitter::new(),
            lenient: Leniency::new(settings, false),
            parsers: Vec::new(),
            outputs: Vec::new(),
            threads,
            parallel_min: PARALLEL_EMIT_MIN,
            backlog: VecDeque::new(),
        }
    }

    /// Rewrites `block` into `out` until `out` holds `limit` bytes; lines left over wait in
    /// the backlog (behind any earlier ones) for [`EmitPass::drain`].
    fn on_block(&mut self, t: &mut Transformer, block: Block<'_>, out: &mut Vec<u8>, limit: usize) -> Result<(), TraceError> {
        let (first_line, bytes) = match block {
            Block::TooLong { line } => return self.lenient.reject(line, &too_long()),
            Block::Lines { first_line, bytes } => (first_line, bytes),
        };
        if !self.backlog.is_empty() || out.len() >= limit {
            self.backlog.push_back((first_line, bytes.to_vec(), 0));
            return Ok(());
        }
        if let Some((line, at)) = self.rewrite(t, first_line, bytes, out, limit)? {
            self.backlog.push_back((line, bytes[at..].to_vec(), 0));
        }
        Ok(())
    }

    /// Rewrites backlogged lines until `out` holds `limit` bytes or the backlog is empty.
    fn drain(&mut self, t: &mut Transformer, out: &mut Vec<u8>, limit: usize) -> Result<(), TraceError> {
        while out.len() < limit {
            let Some((first_line, bytes, pos)) = self.backlog.pop_front() else { break };
            if let Some((line, at)) = self.rewrite(t, first_line, &bytes[pos..], out, limit)? {
                self.backlog.push_front((line, bytes, pos + at));
            }
        }
        Ok(())
    }

    /// Rewrites the complete lines `bytes` (from `first_line`) into `out`, on several threads
    /// when the block is large, and stops once `out` holds `limit` bytes.
    fn rewrite(
        &mut self,
        t: &mut Transformer,
        first_line: u64,
        bytes: &[u8],
        out: &mut Vec<u8>,
        limit: usize,
    ) -> Result<Pause, TraceError> {
        let parts = if bytes.len() >= self.parallel_min { self.threads } else { 1 };
        if self.parsers.is_empty() {
            self.parsers.push(RowParser { keep_fields: true, ..Default::default() });
        }
        if parts == 1 {
            let (cursor, pause) = emit_lines(t, &mut self.parsers[0], &self.lenient.settings, first_line, bytes, out, limit)?;
            t.absorb(cursor)?;
            return Ok(pause);
        }
        while self.parsers.len() < parts {
            self.parsers.push(RowParser { keep_fields: true, ..Default::default() });
            self.outputs.push(Vec::new());
        }
        // Cut into `parts` pieces of about equal size at line ends; piece k's first line
        // is counted, not parsed, so every piece can start at once. Each piece may add its
        // share of the room left in the buffer.
        let share = (limit.saturating_sub(out.len()) / parts).max(1);
        let mut pieces: Vec<(u64, usize, &[u8])> = Vec::with_capacity(parts);
        let (mut line, mut offset, mut rest) = (first_line, 0usize, bytes);
        for k in 0..parts {
            let end = if k + 1 == parts { rest.len() } else { split_at_line(rest, bytes.len() / parts) };
            pieces.push((line, offset, &rest[..end]));
            if k + 1 < parts {
                line += count_newlines(&rest[..end]);
            }
            offset += end;
            rest = &rest[end..];
        }
        let settings = &self.lenient.settings;
        let transformer: &Transformer = t;
        let first_limit = out.len() + share;
        let (first, others) = self.parsers.split_first_mut().expect("at least one parser");
        let cursors: Vec<Result<(EmitCursor, Pause), TraceError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = others
                .iter_mut()
                .zip(self.outputs.iter_mut())
                .zip(&pieces[1..])
                .map(|((parser, piece_out), &(line, _, text))| {
                    piece_out.clear();
                    scope.spawn(move || emit_lines(transformer, parser, settings, line, text, piece_out, share))
                })
                .collect();
            let mut results = vec![emit_lines(transformer, first, settings, pieces[0].0, pieces[0].2, out, first_limit)];
            results.extend(handles.into_iter().map(|h| h.join().expect("emit thread panicked")));
            results
        });
        // In file order up to the first piece that stopped early; the pieces after it are
        // done again from the backlog (rare: only when rows grow past the buffer).
        for (k, result) in cursors.into_iter().enumerate() {
            let (cursor, pause) = result?;
            t.absorb(cursor)?;
            if k > 0 {
                out.extend_from_slice(&self.outputs[k - 1]);
            }
            if let Some((line, at)) = pause {
                return Ok(Some((line, pieces[k].1 + at)));
            }
        }
        Ok(None)
    }
}

/// Rewrites the rows of `bytes` (complete lines from `first_line`) into `out` until `out`
/// holds `limit` bytes; returns the cursor and where it stopped, if before the end.
fn emit_lines(
    t: &Transformer,
    parser: &mut RowParser,
    settings: &StreamSettings,
    first_line: u64,
    bytes: &[u8],
    out: &mut Vec<u8>,
    limit: usize,
) -> Result<(EmitCursor, Pause), TraceError> {
    let mut cursor = t.cursor_at(first_line)?;
    // Invalid rows were counted by the learning pass: skip them silently (lenient) or
    // fail as it did (strict; only if the file changed in between).
    let reject = |line: u64, err: &RowError| {
        if settings.skip_invalid {
            Ok(())
        } else {
            Err(TraceError::invalid_row(&settings.source_name, line, err))
        }
    };
    let (mut line, mut pos) = (first_line, 0usize);
    while pos < bytes.len() {
        if out.len() >= limit {
            return Ok((cursor, Some((line, pos))));
        }
        let end = find_byte(b'\n', &bytes[pos..]).map_or(bytes.len(), |p| pos + p);
        match classify_line(line, &bytes[pos..end]) {
            LineKind::Blank => {}
            LineKind::TooLong => reject(line, &too_long())?,
            LineKind::Text(text) => match parser.parse(line, text) {
                Ok(row) => t.emit(&mut cursor, &row, out).map_err(|e| limits::at_line(e, &settings.source_name, line))?,
                Err(err) => reject(line, &err)?,
            },
        }
        line += 1;
        pos = end + 1;
    }
    Ok((cursor, None))
}

/// Transform mode over byte chunks: push the whole file with [`push_learn`], call
/// [`finish_learn`], push the same bytes again with [`push_emit`] (each call returns the
/// output bytes it produced), then [`finish_emit`]. On native targets both passes use two
/// threads; the output does not depend on threads or chunking.
///
/// [`push_learn`]: TransformStream::push_learn
/// [`finish_learn`]: TransformStream::finish_learn
/// [`push_emit`]: TransformStream::push_emit
/// [`finish_emit`]: TransformStream::finish_emit
pub struct TransformStream {
    learn: LearnPass,
    emit: EmitPass,
    transformer: Transformer,
    learned: bool,
    failed: bool,
    /// Set by [`finish_emit`](TransformStream::finish_emit); the stream is done.
    report: Option<TransformReport>,
    /// Output bytes so far, and their bound ([`limits::MAX_OUTPUT_BYTES`] unless a test lowers it).
    output_bytes: u64,
    max_output_bytes: u64,
}

impl TransformStream {
    pub fn new(opts: SynthesisOptions, settings: StreamSettings) -> Result<Self, TraceError> {
        Ok(TransformStream {
            learn: LearnPass::new(settings.clone()),
            emit: EmitPass::new(settings, default_threads()),
            transformer: Transformer::new(opts)?,
            learned: false,
            failed: false,
            report: None,
            output_bytes: 0,
            max_output_bytes: limits::MAX_OUTPUT_BYTES,
        })
    }

    /// Caps the threads of both passes (1 = sequential). The output is identical for every
    /// value; this exists for tests and for callers that share the machine.
    pub fn set_threads(&mut self, threads: usize) {
        self.learn.pipeline.set_threads(threads);
        self.emit.threads = threads.max(1);
    }

    /// Lowers the bound on the bytes one run writes (tests; the default is
    /// [`limits::MAX_OUTPUT_BYTES`], and larger values are ignored).
    pub fn set_max_output_bytes(&mut self, bytes: u64) {
        self.max_output_bytes = bytes.min(limits::MAX_OUTPUT_BYTES);
    }

    /// Sets the unit of threaded work: the learning pipeline's job size (minimum 4 KiB)
    /// and the smallest block the emit pass splits across threads. The output is identical
    /// for every value; tests use small units to exercise the threads on small inputs.
    pub fn set_segment_bytes(&mut self, bytes: usize) {
        self.learn.pipeline.set_segment_bytes(bytes);
        self.emit.parallel_min = bytes.max(1);
    }

    fn guard(&self, learn: bool) -> Result<(), TraceError> {
        if self.failed {
            return Err(TraceError::analyzer_state("transform: unusable after an error"));
        }
        if self.report.is_some() {
            return Err(TraceError::analyzer_state("transform: the run is finished"));
        }
        if self.learned == learn {
            return Err(TraceError::analyzer_state(if learn {
                "transform: the first pass is already finished"
            } else {
                "transform: finish the first pass (finishLearn) before emitting"
            }));
        }
        Ok(())
    }

    fn run<T>(&mut self, r: Result<T, TraceError>) -> Result<T, TraceError> {
        if r.is_err() {
            self.failed = true;
        }
        r
    }

    /// Pass 1: feed a chunk of the input.
    pub fn push_learn(&mut self, chunk: &[u8]) -> Result<(), TraceError> {
        self.guard(true)?;
        let t = &mut self.transformer;
        let r = self.learn.push(chunk, &mut |row| t.learn(row).map(|_| None));
        self.run(r)
    }

    /// Ends pass 1 and plans ids (may fail with "hash id space exhausted").
    pub fn finish_learn(&mut self) -> Result<(), TraceError> {
        self.guard(true)?;
        let t = &mut self.transformer;
        let r = self.learn.finish(&mut |row| t.learn(row).map(|_| None));
        self.run(r)?;
        let r = self.transformer.plan();
        self.run(r)?;
        self.learned = true;
        Ok(())
    }

    fn emit_chunk(&mut self, chunk: Option<&[u8]>, out: &mut Vec<u8>, limit: usize) -> Result<(), TraceError> {
        let TransformStream { emit, transformer, .. } = self;
        let EmitPass { splitter, .. } = emit;
        let mut splitter = std::mem::take(splitter);
        let r = match chunk {
            Some(c) => splitter.push_blocks(c, |b| emit.on_block(transformer, b, out, limit)),
            None => splitter.finish_blocks(|b| emit.on_block(transformer, b, out, limit)),
        };
        emit.splitter = splitter;
        r?;
        self.count_output(out.len())
    }

    /// Counts `n` more output bytes against [`limits::MAX_OUTPUT_BYTES`].
    fn count_output(&mut self, n: usize) -> Result<(), TraceError> {
        self.output_bytes += n as u64;
        if self.output_bytes > self.max_output_bytes {
            return Err(limits::output_too_large(self.transformer.options(), None, u128::from(self.output_bytes), self.max_output_bytes));
        }
        Ok(())
    }

    fn undrained(&self) -> Result<(), TraceError> {
        if self.emit.backlog.is_empty() {
            Ok(())
        } else {
            Err(TraceError::analyzer_state("transform: drain the output (drainEmit until it is empty) before pushing more"))
        }
    }

    /// Pass 2: feed a chunk of the same input; returns output bytes (possibly empty), at
    /// most about [`limits::EMIT_BUFFER_BYTES`] (plus one row). If rows grow past that, the
    /// rest waits: call [`drain_emit`](TransformStream::drain_emit) until it returns nothing
    /// before the next push, so memory stays bounded however large the output.
    pub fn push_emit(&mut self, chunk: &[u8]) -> Result<Vec<u8>, TraceError> {
        self.guard(false)?;
        self.undrained()?;
        // Room for rows that grow (longer id lists), so the buffer rarely reallocates.
        let mut out = Vec::with_capacity((chunk.len() + chunk.len() / 2).min(limits::EMIT_BUFFER_BYTES));
        let r = self.emit_chunk(Some(chunk), &mut out, limits::EMIT_BUFFER_BYTES);
        self.run(r)?;
        Ok(out)
    }

    /// Pass 2: the next output bytes of lines already pushed (at most about
    /// [`limits::EMIT_BUFFER_BYTES`]); empty when everything pushed is written.
    pub fn drain_emit(&mut self) -> Result<Vec<u8>, TraceError> {
        self.guard(false)?;
        // Room for a whole buffer when there is anything to drain (rows that grew), so the
        // buffer is not copied as it fills.
        let mut out = if self.emit.backlog.is_empty() { Vec::new() } else { Vec::with_capacity(limits::EMIT_BUFFER_BYTES + (1 << 20)) };
        let TransformStream { emit, transformer, .. } = self;
        let r = emit.drain(transformer, &mut out, limits::EMIT_BUFFER_BYTES).and_then(|()| self.count_output(out.len()));
        self.run(r)?;
        Ok(out)
    }

    /// Ends pass 2: the last output bytes (one unterminated line, if any) and the run summary.
    pub fn finish_emit(&mut self) -> Result<(Vec<u8>, TransformReport), TraceError> {
        self.guard(false)?;
        self.undrained()?;
        let mut out = Vec::new();
        // The last line is one row: no buffer limit needed.
        let r = self.emit_chunk(None, &mut out, usize::MAX);
        self.run(r)?;
        let r = self.transformer.finish();
        let report = self.run(r)?;
        self.report = Some(report.clone());
        Ok((out, report))
    }

    /// The run summary; `ANALYZER_STATE` before [`finish_emit`](TransformStream::finish_emit).
    pub fn report(&self) -> Result<&TransformReport, TraceError> {
        self.report.as_ref().ok_or_else(|| TraceError::analyzer_state("transform: the report comes after the last pass (finishEmit)"))
    }

    /// Rows skipped by `--skip-invalid` (counted by pass 1).
    pub fn skipped(&self) -> &SkipSummary {
        &self.learn.lenient.skipped
    }

    /// Bytes pushed in the current pass (for progress).
    pub fn bytes_consumed(&self) -> u64 {
        if self.learned {
            self.emit.splitter.bytes_consumed()
        } else {
            self.learn.splitter.bytes_consumed()
        }
    }
}

/// Generate mode over byte chunks: [`push`](GenerateStream::push) the input once,
/// [`finish`](GenerateStream::finish) learns the model, then
/// [`next_chunk`](GenerateStream::next_chunk) until [`is_done`](GenerateStream::is_done).
/// Calls out of this order, or after an error, are `ANALYZER_STATE`.
pub struct GenerateStream {
    learn: LearnPass,
    /// `Some` while the input is being learned.
    learner: Option<Learner>,
    /// `Some` once the model is learned.
    run: Option<GenerateRun>,
    failed: bool,
    /// Bound on the bytes of the run ([`limits::MAX_OUTPUT_BYTES`] unless a test lowers it).
    max_output_bytes: u64,
}

fn learn_problem(l: &mut Learner, row: &SynthRow<'_>) -> Option<RowError> {
    l.learn(row).err().map(|p| RowError::new(p.reason, p.field, p.text))
}

impl GenerateStream {
    pub fn new(opts: SynthesisOptions, settings: StreamSettings) -> Result<Self, TraceError> {
        Ok(GenerateStream {
            learn: LearnPass::new(settings),
            learner: Some(Learner::new(opts)?),
            run: None,
            failed: false,
            max_output_bytes: limits::MAX_OUTPUT_BYTES,
        })
    }

    /// Caps the learning threads (1 = sequential); the model and output are identical for
    /// every value (tests, shared machines).
    pub fn set_threads(&mut self, threads: usize) {
        self.learn.pipeline.set_threads(threads);
    }

    /// Sets the learning pipeline's job size (minimum 4 KiB; tests use small jobs).
    pub fn set_segment_bytes(&mut self, bytes: usize) {
        self.learn.pipeline.set_segment_bytes(bytes);
    }

    /// Lowers the bound on the bytes one run writes (tests; the default is
    /// [`limits::MAX_OUTPUT_BYTES`], and larger values are ignored). Call before `finish`.
    pub fn set_max_output_bytes(&mut self, bytes: u64) {
        self.max_output_bytes = bytes.min(limits::MAX_OUTPUT_BYTES);
    }

    fn check(&self, learning: bool) -> Result<(), TraceError> {
        if self.failed {
            return Err(TraceError::analyzer_state("generate: unusable after an error"));
        }
        match (learning, self.learner.is_some()) {
            (true, false) => Err(TraceError::analyzer_state("generate: the input is already finished")),
            (false, true) => Err(TraceError::analyzer_state("generate: call finish(numRequests) first")),
            _ => Ok(()),
        }
    }

    fn running(&self) -> Result<&GenerateRun, TraceError> {
        self.check(false)?;
        Ok(self.run.as_ref().expect("learned"))
    }

    fn fail_on_err<T>(&mut self, r: Result<T, TraceError>) -> Result<T, TraceError> {
        if r.is_err() {
            self.failed = true;
            self.learner = None;
            self.run = None;
        }
        r
    }

    pub fn push(&mut self, chunk: &[u8]) -> Result<(), TraceError> {
        self.check(true)?;
        let GenerateStream { learn, learner, .. } = self;
        let l = learner.as_mut().expect("learning");
        let r = learn.push(chunk, &mut |row| Ok(learn_problem(l, row)));
        self.fail_on_err(r)
    }

    /// Ends the input and learns the model; `num_requests` rows will be generated.
    pub fn finish(&mut self, num_requests: u64) -> Result<(), TraceError> {
        self.check(true)?;
        let mut l = self.learner.take().expect("learning");
        let r = self.learn.finish(&mut |row| Ok(learn_problem(&mut l, row)));
        self.fail_on_err(r)?;
        let warnings = GenerateWarnings { ignored_session_or_delay: l.ignored_session_or_delay(), size_conflicts: l.size_conflicts() };
        let r = l.build().and_then(|model| model.into_generator(num_requests));
        let generator = self.fail_on_err(r)?;
        self.run = Some(GenerateRun {
            generator,
            skipped: std::mem::take(&mut self.learn.lenient.skipped),
            warnings,
            num_requests,
            output_bytes: 0,
            max_output_bytes: self.max_output_bytes,
        });
        Ok(())
    }

    /// The next output bytes (at least `min_bytes`, capped at 1 GiB, unless finished);
    /// empty when done.
    pub fn next_chunk(&mut self, min_bytes: usize) -> Result<Vec<u8>, TraceError> {
        self.check(false)?;
        let r = self.run.as_mut().expect("learned").next_chunk(min_bytes);
        self.fail_on_err(r)
    }

    /// Every row is generated (false before [`finish`](GenerateStream::finish)).
    pub fn is_done(&self) -> bool {
        self.run.as_ref().is_some_and(GenerateRun::is_done)
    }

    /// Rows generated so far (0 before [`finish`](GenerateStream::finish)).
    pub fn produced(&self) -> u64 {
        self.run.as_ref().map_or(0, GenerateRun::produced)
    }

    pub fn report(&self) -> Result<GenerateReport, TraceError> {
        self.running().map(GenerateRun::report)
    }

    /// [`GenerateReport::to_json`] plus `"warnings":[lines…]` and `"skipped":{…}`.
    pub fn report_json(&self) -> Result<String, TraceError> {
        self.running().map(GenerateRun::report_json)
    }

    /// Rows skipped by `--skip-invalid` (known once the input is learned).
    pub fn skipped(&self) -> Result<&SkipSummary, TraceError> {
        self.running().map(|r| &r.skipped)
    }

    pub fn warnings(&self) -> Result<GenerateWarnings, TraceError> {
        self.running().map(|r| r.warnings)
    }
}

/// Facts about the input that generate mode reports as warnings (§4.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GenerateWarnings {
    /// Rows with `session_id` or `delay` (ignored).
    pub ignored_session_or_delay: u64,
    /// Rows with a materialisation size conflict (`docs/trace-format.md` §7.1).
    pub size_conflicts: u64,
}

impl GenerateWarnings {
    /// The warning lines of §4.1 (session/delay ignored; size conflicts), possibly none.
    pub fn lines(&self) -> Vec<String> {
        let mut v = Vec::new();
        if self.ignored_session_or_delay > 0 {
            v.push(format!("warning: generate mode ignores session_id and delay ({} rows carry them)", self.ignored_session_or_delay));
        }
        if self.size_conflicts > 0 {
            v.push(format!(
                "warning: {} rows request a hash id at a different size than an earlier row (materialisation size conflicts); generated rows may carry the same conflict",
                self.size_conflicts
            ));
        }
        v
    }
}

/// Largest `min_bytes` honoured by [`GenerateStream::next_chunk`]: a caller's size is a
/// hint, and must not make one call allocate without bound.
const MAX_CHUNK_BYTES: usize = 1 << 30;

/// A learned model generating rows in chunks (the running state of [`GenerateStream`]).
struct GenerateRun {
    generator: Generator,
    skipped: SkipSummary,
    warnings: GenerateWarnings,
    num_requests: u64,
    output_bytes: u64,
    max_output_bytes: u64,
}

impl GenerateRun {
    fn next_chunk(&mut self, min_bytes: usize) -> Result<Vec<u8>, TraceError> {
        let min_bytes = min_bytes.clamp(1, MAX_CHUNK_BYTES);
        let mut out = Vec::with_capacity(min_bytes + 256);
        self.generator.next_chunk(&mut out, min_bytes)?;
        self.output_bytes += out.len() as u64;
        if self.output_bytes > self.max_output_bytes {
            let opts = self.generator.options();
            let what = format!("--num-requests {}", self.num_requests);
            return Err(limits::output_too_large(opts, Some(&what), u128::from(self.output_bytes), self.max_output_bytes));
        }
        Ok(out)
    }
    fn is_done(&self) -> bool {
        self.generator.is_done()
    }
    fn produced(&self) -> u64 {
        self.generator.produced()
    }
    fn report(&self) -> GenerateReport {
        self.generator.report()
    }
    fn report_json(&self) -> String {
        let json = self.report().to_json();
        let warnings: Vec<String> = self.warnings.lines().iter().map(|l| crate::json_text::json_string(l)).collect();
        format!("{},\"warnings\":[{}],\"skipped\":{}}}", &json[..json.len() - 1], warnings.join(","), self.skipped.to_json())
    }
}

/// Convenience: transform a whole in-memory input (both passes).
pub fn transform_bytes(
    input: &[u8],
    opts: SynthesisOptions,
    settings: StreamSettings,
) -> Result<(Vec<u8>, TransformReport, SkipSummary), TraceError> {
    let mut s = TransformStream::new(opts, settings)?;
    s.push_learn(input)?;
    s.finish_learn()?;
    let mut out = s.push_emit(input)?;
    loop {
        let more = s.drain_emit()?;
        if more.is_empty() {
            break;
        }
        out.extend_from_slice(&more);
    }
    let (tail, report) = s.finish_emit()?;
    out.extend_from_slice(&tail);
    Ok((out, report, s.skipped().clone()))
}

/// Convenience: learn from an in-memory input and generate every row.
pub fn generate_bytes(
    input: &[u8],
    num_requests: u64,
    opts: SynthesisOptions,
    settings: StreamSettings,
) -> Result<(Vec<u8>, GenerateReport, SkipSummary), TraceError> {
    let mut s = GenerateStream::new(opts, settings)?;
    s.push(input)?;
    s.finish(num_requests)?;
    let mut out = Vec::new();
    while !s.is_done() {
        out.extend_from_slice(&s.next_chunk(1 << 20)?);
    }
    Ok((out, s.report()?, s.skipped()?.clone()))
}
