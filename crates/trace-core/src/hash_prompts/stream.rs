//! `hash-prompts` over byte chunks (`docs/synthesis.md` §5): line splitting
//! (`docs/trace-format.md` §2), row parsing, strict/lenient handling and the output rows. Only
//! the tokenizer is outside, so a caller crosses into the core twice per batch of rows, never
//! per row:
//!
//! 1. [`push`](PromptHashStream::push) byte chunks split anywhere, then
//!    [`finish`](PromptHashStream::finish) after the last one;
//! 2. after each of those calls, [`next_batch`](PromptHashStream::next_batch) until it returns
//!    `None`: the prompt texts of up to `batch_rows` rows as one JSON array of strings;
//! 3. the caller tokenizes the texts and passes every token id back at once, one flat array
//!    plus row offsets, to [`hash_batch`](PromptHashStream::hash_batch), which returns the
//!    batch's output rows as bytes;
//! 4. [`report`](PromptHashStream::report) once everything is hashed.
//!
//! Rows and row errors come out in file order. A strict-mode row error is returned by the
//! `next_batch` call after the rows before it were hashed, so an empty prompt earlier in the
//! file (found only once tokenized) is reported first, as reading row by row would.

use std::collections::VecDeque;

use super::{parse_prompt_row, PromptHasher, PromptRow};
use crate::args::{block_size, positive_integer};
use crate::error::{Reason, TraceError};
use crate::json_text::write_json_string;
use crate::lines::{LineKind, LineSplitter};
use crate::row::RowError;
use crate::skips::SkipSummary;
use crate::synthesis::json_out::push_u64;
use crate::synthesis::limits;

/// Options of [`PromptHashStream`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptHashOptions {
    /// Tokens per block (`--block-size`, ≥ 1).
    pub block_size: u32,
    /// `--text-field`: read the text from this string field instead of the defaults.
    pub text_field: Option<String>,
    /// `--skip-invalid`.
    pub skip_invalid: bool,
    /// FILE in messages and the warning.
    pub source_name: String,
    /// Rows per batch handed to the tokenizer (≥ 1).
    pub batch_rows: usize,
}

impl Default for PromptHashOptions {
    fn default() -> Self {
        PromptHashOptions { block_size: 512, text_field: None, skip_invalid: false, source_name: "input".into(), batch_rows: 512 }
    }
}

/// [`PromptHashOptions`] as a binding passes them: every field optional, numbers as doubles.
#[derive(Debug, Clone, Default)]
pub struct PromptHashOptionsInput {
    pub block_size: Option<f64>,
    pub text_field: Option<String>,
    pub skip_invalid: Option<bool>,
    pub source_name: Option<String>,
    pub batch_rows: Option<f64>,
}

impl PromptHashOptions {
    /// Decodes [`PromptHashOptionsInput`]; absent fields take the defaults, bad numbers are
    /// `INVALID_ARG` naming the value given.
    pub fn from_input(input: PromptHashOptionsInput) -> Result<Self, TraceError> {
        let d = PromptHashOptions::default();
        Ok(PromptHashOptions {
            block_size: input.block_size.map(block_size).transpose()?.unwrap_or(d.block_size),
            text_field: input.text_field,
            skip_invalid: input.skip_invalid.unwrap_or(d.skip_invalid),
            source_name: input.source_name.unwrap_or(d.source_name),
            batch_rows: match input.batch_rows {
                Some(n) => usize::try_from(positive_integer("batchRows", n)?).unwrap_or(usize::MAX),
                None => d.batch_rows,
            },
        })
    }
}

/// The facts of a finished run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptHashReport {
    /// Rows written.
    pub rows: u64,
    pub blocks: u64,
    pub distinct_ids: u64,
    /// Tokens over the rows written.
    pub tokens: u64,
    pub block_size: u32,
    pub skipped: SkipSummary,
}

impl PromptHashReport {
    /// The one stderr line of `docs/cli.md` §6:
    /// `hash-prompts: 4 rows, 11 blocks, 6 distinct ids, block size 4`.
    pub fn summary(&self) -> String {
        format!(
            "hash-prompts: {} rows, {} blocks, {} distinct ids, block size {}",
            self.rows, self.blocks, self.distinct_ids, self.block_size
        )
    }

    /// `{"rows":…,"blocks":…,"distinct_ids":…,"tokens":…,"block_size":…,"summary":"…","skipped":{…}}`.
    pub fn to_json(&self) -> String {
        let mut out = format!(
            "{{\"rows\":{},\"blocks\":{},\"distinct_ids\":{},\"tokens\":{},\"block_size\":{},\"summary\":",
            self.rows, self.blocks, self.distinct_ids, self.tokens, self.block_size
        );
        write_json_string(&mut out, &self.summary());
        out.push_str(",\"skipped\":");
        out.push_str(&self.skipped.to_json());
        out.push('}');
        out
    }
}

/// One non-blank input line, read but not yet hashed.
enum Item {
    /// A valid row; its text moves into the batch's JSON when the row is batched.
    Row {
        line: u64,
        row: PromptRow,
    },
    Invalid {
        line: u64,
        err: RowError,
    },
}

/// The rows read from the input and not yet batched, in file order.
struct Queue {
    text_field: Option<String>,
    strict: bool,
    items: VecDeque<Item>,
    rows: usize,
    /// Strict mode: a row error is queued, so nothing after it matters (or is read).
    stopped: bool,
    /// Valid rows read so far (for progress).
    rows_read: u64,
    /// Bytes of prompt text queued: a batch is released once they reach
    /// [`limits::MAX_HASH_BATCH_BYTES`], however few rows that is.
    text_bytes: usize,
}

impl Queue {
    fn read(&mut self, line: u64, kind: LineKind<'_>) {
        if self.stopped {
            return;
        }
        let parsed = match kind {
            LineKind::Blank => return,
            LineKind::TooLong => Err(RowError::new(Reason::LineTooLong, "row", "line is longer than 64 MiB")),
            LineKind::Text(text) => parse_prompt_row(text, self.text_field.as_deref()).and_then(|row| match row.text {
                Some(_) => Ok(row),
                // §5 step 1 renders `messages` with the tokenizer's chat template; infermark's
                // tokenizers have none, so such a row is invalid.
                None => Err(RowError::new(Reason::MissingInput, "messages", "the tokenizer has no chat template to render messages")),
            }),
        };
        match parsed {
            Ok(row) => {
                self.rows += 1;
                self.rows_read += 1;
                self.text_bytes += row.text.as_ref().map_or(0, String::len);
                self.items.push_back(Item::Row { line, row });
            }
            Err(err) => {
                self.stopped = self.strict;
                self.items.push_back(Item::Invalid { line, err });
            }
        }
    }
}

/// `hash-prompts` as a stream; see the module docs for the call order. Calls out of that
/// order, or after an error, are `ANALYZER_STATE`.
pub struct PromptHashStream {
    opts: PromptHashOptions,
    splitter: LineSplitter,
    queue: Queue,
    hasher: PromptHasher,
    /// The batch whose texts were handed out, waiting for their tokens: its rows and the
    /// (lenient) invalid rows between them, in file order.
    batch: Vec<Item>,
    awaiting_tokens: bool,
    input_done: bool,
    failed: bool,
    skipped: SkipSummary,
    tokens: u64,
    ids: Vec<u32>,
}

impl PromptHashStream {
    pub fn new(opts: PromptHashOptions) -> Result<Self, TraceError> {
        let hasher = PromptHasher::new(opts.block_size)?;
        if opts.batch_rows == 0 {
            return Err(TraceError::invalid_arg("option 'batchRows': expected a positive integer, got '0'"));
        }
        let queue = Queue {
            text_field: opts.text_field.clone(),
            strict: !opts.skip_invalid,
            items: VecDeque::new(),
            rows: 0,
            stopped: false,
            rows_read: 0,
            text_bytes: 0,
        };
        Ok(PromptHashStream {
            opts,
            splitter: LineSplitter::new(),
            queue,
            hasher,
            batch: Vec::new(),
            awaiting_tokens: false,
            input_done: false,
            failed: false,
            skipped: SkipSummary::default(),
            tokens: 0,
            ids: Vec::new(),
        })
    }

    fn check_open(&self) -> Result<(), TraceError> {
        if self.failed {
            return Err(TraceError::analyzer_state("hash-prompts: unusable after an error"));
        }
        Ok(())
    }

    fn check_input(&self) -> Result<(), TraceError> {
        self.check_open()?;
        if self.input_done {
            return Err(TraceError::analyzer_state("hash-prompts: the input is already finished"));
        }
        Ok(())
    }

    fn fail_on_err<T>(&mut self, r: Result<T, TraceError>) -> Result<T, TraceError> {
        if r.is_err() {
            self.failed = true;
            self.queue.items.clear();
            self.batch.clear();
        }
        r
    }

    /// Feeds the next chunk of the input (split anywhere). Rows are read now; row errors
    /// surface in file order from [`next_batch`](PromptHashStream::next_batch) and
    /// [`hash_batch`](PromptHashStream::hash_batch).
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), TraceError> {
        self.check_input()?;
        let queue = &mut self.queue;
        infallible(self.splitter.push(chunk, |line, kind| {
            queue.read(line, kind);
            Ok(())
        }));
        Ok(())
    }

    /// Ends the input: reads a last line without `\n` and releases the last, partial batch.
    pub fn finish(&mut self) -> Result<(), TraceError> {
        self.check_input()?;
        let queue = &mut self.queue;
        infallible(self.splitter.finish(|line, kind| {
            queue.read(line, kind);
            Ok(())
        }));
        self.input_done = true;
        Ok(())
    }

    /// The prompt texts of the next batch as one JSON array of strings, or `None` when no
    /// batch is ready: fewer than `batch_rows` rows are queued and the input goes on. In
    /// strict mode the first invalid row is returned here as `INVALID_ROW` once the rows
    /// before it are hashed. The texts must be hashed
    /// ([`hash_batch`](PromptHashStream::hash_batch)) before the next call.
    pub fn next_batch(&mut self) -> Result<Option<String>, TraceError> {
        self.check_open()?;
        if self.awaiting_tokens {
            return Err(TraceError::analyzer_state("hash-prompts: hash the tokens of the last batch before asking for the next"));
        }
        let r = self.take_batch();
        self.fail_on_err(r)
    }

    fn take_batch(&mut self) -> Result<Option<String>, TraceError> {
        let limit = self.opts.batch_rows;
        let full = self.queue.rows >= limit || self.queue.text_bytes >= limits::MAX_HASH_BATCH_BYTES;
        if !full && !self.input_done && !self.queue.stopped {
            return Ok(None);
        }
        let mut texts = String::from("[");
        let mut rows = 0;
        while let Some(item) = self.queue.items.front_mut() {
            match item {
                Item::Invalid { line, err } if self.queue.stopped => {
                    if rows > 0 {
                        break; // after this batch is hashed
                    }
                    return Err(TraceError::invalid_row(&self.opts.source_name, *line, err));
                }
                // A lenient skip before any row of the batch is counted at once; after one,
                // in order with the batch's own skips (empty prompts) when it is hashed.
                Item::Invalid { line, err } if rows == 0 => self.skipped.add(err.reason, *line),
                Item::Invalid { .. } => {}
                Item::Row { row, .. } => {
                    // At most `batch_rows` rows and about 16 MiB of text (one longer row
                    // goes alone), so tokenizing a batch takes bounded memory.
                    if rows == limit || (rows > 0 && texts.len() >= limits::MAX_HASH_BATCH_BYTES) {
                        break;
                    }
                    if rows > 0 {
                        texts.push(',');
                    }
                    let text = row.text.take().unwrap_or_default();
                    self.queue.text_bytes -= text.len();
                    write_json_string(&mut texts, &text);
                    rows += 1;
                    self.queue.rows -= 1;
                }
            }
            let item = self.queue.items.pop_front().expect("front exists");
            if rows > 0 {
                self.batch.push(item);
            }
        }
        if rows == 0 {
            return Ok(None);
        }
        texts.push(']');
        self.awaiting_tokens = true;
        Ok(Some(texts))
    }

    /// Hashes the last batch given its tokens, `row_offsets` (rows + 1 entries, from 0 to
    /// `tokens.len()`, non-decreasing) cutting `tokens` into its rows, and returns the batch's
    /// output rows (`docs/synthesis.md` §5 key order, one per line). A row with no tokens is
    /// a `missing_input` row error: `FIELD: empty prompt (no tokens to hash)`.
    pub fn hash_batch(&mut self, tokens: &[u32], row_offsets: &[u32]) -> Result<Vec<u8>, TraceError> {
        self.check_open()?;
        if !self.awaiting_tokens {
            return Err(TraceError::analyzer_state("hash-prompts: no batch is waiting for tokens (call next_batch first)"));
        }
        let r = self.hash_items(tokens, row_offsets);
        self.fail_on_err(r)
    }

    fn hash_items(&mut self, tokens: &[u32], row_offsets: &[u32]) -> Result<Vec<u8>, TraceError> {
        let rows = self.batch.iter().filter(|i| matches!(i, Item::Row { .. })).count();
        check_offsets(tokens.len(), row_offsets, rows)?;
        let mut out = Vec::with_capacity(rows * 64 + tokens.len() / self.opts.block_size as usize * 8);
        let mut k = 0;
        let mut batch = std::mem::take(&mut self.batch);
        for item in batch.drain(..) {
            let (line, row) = match item {
                Item::Invalid { line, err } => {
                    self.skipped.add(err.reason, line);
                    continue;
                }
                Item::Row { line, row } => (line, row),
            };
            let toks = &tokens[row_offsets[k] as usize..row_offsets[k + 1] as usize];
            k += 1;
            if toks.is_empty() {
                // A prompt with nothing to hash would become a row without ids.
                let err = RowError::new(Reason::MissingInput, row.text_field, "empty prompt (no tokens to hash)");
                if !self.opts.skip_invalid {
                    return Err(TraceError::invalid_row(&self.opts.source_name, line, &err));
                }
                self.skipped.add(err.reason, line);
                continue;
            }
            self.ids.clear();
            self.hasher.hash_row(toks, &mut self.ids)?;
            self.tokens += toks.len() as u64;
            write_row(&mut out, &row, toks.len(), &self.ids);
        }
        self.batch = batch;
        self.awaiting_tokens = false;
        Ok(out)
    }

    /// The run's facts, once the input is finished and every batch hashed.
    pub fn report(&self) -> Result<PromptHashReport, TraceError> {
        self.check_open()?;
        if !self.input_done || self.awaiting_tokens || !self.queue.items.is_empty() {
            return Err(TraceError::analyzer_state("hash-prompts: the report comes after finish and the last batch"));
        }
        Ok(PromptHashReport {
            rows: self.hasher.rows(),
            blocks: self.hasher.blocks(),
            distinct_ids: self.hasher.distinct_ids(),
            tokens: self.tokens,
            block_size: self.hasher.block_size(),
            skipped: self.skipped.clone(),
        })
    }

    /// Rows skipped so far (`--skip-invalid`).
    pub fn skipped(&self) -> &SkipSummary {
        &self.skipped
    }

    /// Valid rows read so far, hashed or not (for progress).
    pub fn rows_read(&self) -> u64 {
        self.queue.rows_read
    }

    /// Bytes pushed so far.
    pub fn bytes_consumed(&self) -> u64 {
        self.splitter.bytes_consumed()
    }
}

fn infallible(r: Result<(), std::convert::Infallible>) {
    match r {
        Ok(()) => {}
        Err(never) => match never {},
    }
}

fn check_offsets(tokens: usize, row_offsets: &[u32], rows: usize) -> Result<(), TraceError> {
    let bad = |m: String| Err(TraceError::invalid_arg(format!("hash-prompts: invalid row offsets: {m}")));
    if row_offsets.len() != rows + 1 {
        return bad(format!("expected {} offsets for a batch of {rows} rows, got {}", rows + 1, row_offsets.len()));
    }
    if row_offsets[0] != 0 || row_offsets[rows] as usize != tokens {
        return bad("they must run from 0 to the number of tokens".into());
    }
    if row_offsets.windows(2).any(|w| w[0] > w[1]) {
        return bad("offsets must be non-decreasing".into());
    }
    Ok(())
}

/// `{` timestamp `"input_length":N` output_length `,"hash_ids":[…]` session_id, delay, extra
/// `}` and a newline: the §5 key order, only the keys present.
fn write_row(out: &mut Vec<u8>, row: &PromptRow, input_length: usize, ids: &[u32]) {
    out.push(b'{');
    out.extend_from_slice(row.before_input_length.as_bytes());
    out.extend_from_slice(b"\"input_length\":");
    push_u64(out, input_length as u64);
    out.extend_from_slice(row.before_hash_ids.as_bytes());
    out.extend_from_slice(b",\"hash_ids\":[");
    for (i, &id) in ids.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_u64(out, u64::from(id));
    }
    out.push(b']');
    out.extend_from_slice(row.after_hash_ids.as_bytes());
    out.extend_from_slice(b"}\n");
}
