//! Byte-chunk front ends of transform and generate mode: line splitting, row parsing,
//! strict/lenient handling, and output in byte chunks. No I/O: callers push the file's
//! bytes (twice for transform) and write what comes back.

use std::borrow::Cow;

use crate::error::{Reason, TraceError};
use crate::lines::{LineKind, LineSplitter};
use crate::row::{parse_common_row, parse_common_row_fields, parse_row_into, CommonRow, ParseOptions, Row, RowError};
use crate::synthesis::generate::{GenerateReport, Generator, Learner};
use crate::synthesis::input::SynthRow;
use crate::synthesis::options::SynthesisOptions;
use crate::synthesis::transform::{TransformReport, Transformer};

/// Rows skipped by `--skip-invalid`, per reason, with the first 5 line numbers of each
/// (the data of the `trace-format.md` §4.2 warning).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Skipped {
    counts: [u64; Reason::ALL.len()],
    lines: [Vec<u64>; Reason::ALL.len()],
}

impl Skipped {
    pub fn add(&mut self, reason: Reason, line: u64) {
        let i = reason.index();
        self.counts[i] += 1;
        if self.lines[i].len() < 5 {
            self.lines[i].push(line);
        }
    }
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }
    /// `(reason, count, first lines)` in descending count, ties in table order.
    pub fn entries(&self) -> Vec<(Reason, u64, Vec<u64>)> {
        let mut v: Vec<(Reason, u64, Vec<u64>)> = Reason::ALL
            .iter()
            .filter(|r| self.counts[r.index()] > 0)
            .map(|&r| (r, self.counts[r.index()], self.lines[r.index()].clone()))
            .collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.index().cmp(&b.0.index())));
        v
    }
    /// `{"total":N,"reasons":[{"reason":"bad_type","count":2,"lines":[3,9]},…]}` in
    /// warning order.
    pub fn to_json(&self) -> String {
        let reasons: Vec<String> = self
            .entries()
            .into_iter()
            .map(|(r, c, lines)| {
                let l: Vec<String> = lines.iter().map(u64::to_string).collect();
                format!("{{\"reason\":\"{}\",\"count\":{c},\"lines\":[{}]}}", r.as_str(), l.join(","))
            })
            .collect();
        format!("{{\"total\":{},\"reasons\":[{}]}}", self.total(), reasons.join(","))
    }

    /// The §4.2 warning line (without a trailing newline), or `None` if nothing was skipped.
    pub fn warning_line(&self, path: &str) -> Option<String> {
        let total = self.total();
        if total == 0 {
            return None;
        }
        let parts: Vec<String> = self
            .entries()
            .into_iter()
            .map(|(r, c, lines)| {
                let mut l: Vec<String> = lines.iter().map(|n| n.to_string()).collect();
                if c > lines.len() as u64 {
                    l.push("...".into());
                }
                format!("{}: {} [line{} {}]", r.as_str(), c, if c == 1 { "" } else { "s" }, l.join(", "))
            })
            .collect();
        Some(format!("warning: skipped {total} invalid rows in {path} ({})", parts.join("; ")))
    }
}

/// Settings of the byte-level front ends.
#[derive(Debug, Clone, Default)]
pub struct StreamSettings {
    /// The path as given by the user, used in messages (`PATH:LINE: FIELD: …`).
    pub source_name: String,
    /// `--skip-invalid`.
    pub skip_invalid: bool,
}

/// Parses lines into [`SynthRow`]s and applies strict/lenient handling.
struct RowReader {
    settings: StreamSettings,
    splitter: LineSplitter,
    row: Row,
    parse: ParseOptions,
    skipped: Skipped,
    /// Count skips (pass 1) or only skip silently (pass 2 of transform).
    count_skips: bool,
    rows: u64,
}

impl RowReader {
    fn new(settings: StreamSettings, keep_fields: bool, count_skips: bool) -> Self {
        RowReader {
            settings,
            splitter: LineSplitter::new(),
            row: Row::default(),
            parse: ParseOptions { keep_fields },
            skipped: Skipped::default(),
            count_skips,
            rows: 0,
        }
    }

    fn reject(&mut self, line: u64, err: RowError) -> Result<(), TraceError> {
        if self.settings.skip_invalid {
            if self.count_skips {
                self.skipped.add(err.reason, line);
            }
            Ok(())
        } else {
            Err(TraceError::invalid_row(&self.settings.source_name, line, &err))
        }
    }

    /// Runs `f` on every valid row of the lines completed by `chunk` (or by the end of the
    /// input when `chunk` is `None`). `f` may return a row problem (lenient-skippable) or a
    /// hard error.
    fn feed(
        &mut self,
        chunk: Option<&[u8]>,
        f: &mut dyn FnMut(&SynthRow<'_>) -> Result<Option<RowError>, TraceError>,
    ) -> Result<(), TraceError> {
        let mut splitter = std::mem::take(&mut self.splitter);
        let mut on_line = |line: u64, kind: LineKind<'_>| -> Result<(), TraceError> {
            let text = match kind {
                LineKind::Blank => return Ok(()),
                LineKind::TooLong => {
                    return self.reject(line, RowError::new(Reason::LineTooLong, "row", "line is longer than 64 MiB"));
                }
                LineKind::Text(t) => t,
            };
            // Most rows have the plain Mooncake shape: take them without the full parser
            // (same values and field spans, see `row::parse_common_row`).
            let row = &mut self.row;
            row.hash_ids.clear();
            let common = if self.parse.keep_fields {
                parse_common_row_fields(text, &mut row.hash_ids, &mut row.fields)
            } else {
                parse_common_row(text, &mut row.hash_ids)
            };
            let srow = match common.as_ref().and_then(|c| common_synth_row(line, text, c, row)) {
                Some(r) => r,
                None => {
                    if let Err(e) = parse_row_into(text, &self.parse, &mut self.row) {
                        return self.reject(line, e);
                    }
                    to_synth_row(line, text, &self.row)
                }
            };
            match f(&srow)? {
                None => {
                    self.rows += 1;
                    Ok(())
                }
                Some(problem) => self.reject(line, problem),
            }
        };
        let r = match chunk {
            Some(c) => splitter.push(c, &mut on_line),
            None => splitter.finish(&mut on_line),
        };
        self.splitter = splitter;
        r
    }
}

/// The [`SynthRow`] of a row taken by the fast path (`row` holds its ids and fields);
/// `None` only if the session id is not UTF-8, which the fast path never accepts.
fn common_synth_row<'a>(line: u64, text: &'a [u8], c: &CommonRow, row: &'a Row) -> Option<SynthRow<'a>> {
    let session_id = match &c.session_id {
        Some(span) => Some(Cow::Borrowed(std::str::from_utf8(&text[span.clone()]).ok()?)),
        None => None,
    };
    Some(SynthRow {
        line,
        timestamp: Some(crate::synthesis::input::Time { value: c.timestamp as f64, integral: true }),
        delay: None,
        input_length: Some(u64::from(c.input_length)),
        output_length: Some(u64::from(c.output_length)),
        hash_ids: Cow::Borrowed(&row.hash_ids),
        session_id,
        text,
        raw_fields: &row.fields,
    })
}

fn to_synth_row<'a>(line: u64, text: &'a [u8], row: &'a Row) -> SynthRow<'a> {
    SynthRow {
        line,
        timestamp: row.timestamp.map(|t| crate::synthesis::input::Time { value: t.value, integral: t.integral }),
        delay: row.delay.map(|t| crate::synthesis::input::Time { value: t.value, integral: t.integral }),
        input_length: row.input_length.map(u64::from),
        output_length: row.output_length.map(u64::from),
        hash_ids: Cow::Borrowed(&row.hash_ids),
        session_id: row.session_id.as_deref().map(Cow::Borrowed),
        text,
        raw_fields: &row.fields,
    }
}

/// Transform mode over byte chunks: push the whole file with [`push_learn`], call
/// [`finish_learn`], push the same bytes again with [`push_emit`] (each call returns the
/// output bytes it produced), then [`finish_emit`].
///
/// [`push_learn`]: TransformStream::push_learn
/// [`finish_learn`]: TransformStream::finish_learn
/// [`push_emit`]: TransformStream::push_emit
/// [`finish_emit`]: TransformStream::finish_emit
pub struct TransformStream {
    settings: StreamSettings,
    reader: RowReader,
    transformer: Transformer,
    learned: bool,
    failed: bool,
    skipped: Skipped,
}

impl TransformStream {
    pub fn new(opts: SynthesisOptions, settings: StreamSettings) -> Result<Self, TraceError> {
        Ok(TransformStream {
            reader: RowReader::new(settings.clone(), false, true),
            settings,
            transformer: Transformer::new(opts)?,
            learned: false,
            failed: false,
            skipped: Skipped::default(),
        })
    }

    fn guard(&self, learn: bool) -> Result<(), TraceError> {
        if self.failed {
            return Err(TraceError::analyzer_state("transform: unusable after an error"));
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
        let r = self.reader.feed(Some(chunk), &mut |row| t.learn(row).map(|_| None));
        self.run(r)
    }

    /// Ends pass 1 and plans ids (may fail with "hash id space exhausted").
    pub fn finish_learn(&mut self) -> Result<(), TraceError> {
        self.guard(true)?;
        let t = &mut self.transformer;
        let r = self.reader.feed(None, &mut |row| t.learn(row).map(|_| None));
        self.run(r)?;
        let r = self.transformer.plan();
        self.run(r)?;
        self.learned = true;
        self.skipped = std::mem::take(&mut self.reader.skipped);
        self.reader = RowReader::new(self.settings.clone(), true, false);
        Ok(())
    }

    /// Pass 2: feed a chunk of the same input; returns output bytes (possibly empty).
    pub fn push_emit(&mut self, chunk: &[u8]) -> Result<Vec<u8>, TraceError> {
        self.guard(false)?;
        // Room for rows that grow (longer id lists), so the buffer rarely reallocates.
        let mut out = Vec::with_capacity(chunk.len() * 2);
        let t = &mut self.transformer;
        let r = self.reader.feed(Some(chunk), &mut |row| t.emit(row, &mut out).map(|_| None));
        self.run(r)?;
        Ok(out)
    }

    /// Ends pass 2: the last output bytes and the run summary.
    pub fn finish_emit(&mut self) -> Result<(Vec<u8>, TransformReport), TraceError> {
        self.guard(false)?;
        let mut out = Vec::new();
        let t = &mut self.transformer;
        let r = self.reader.feed(None, &mut |row| t.emit(row, &mut out).map(|_| None));
        self.run(r)?;
        let r = self.transformer.finish();
        let report = self.run(r)?;
        self.failed = true; // finished: any further call is a state error
        Ok((out, report))
    }

    /// Rows skipped by `--skip-invalid` (known after pass 1).
    pub fn skipped(&self) -> &Skipped {
        if self.learned {
            &self.skipped
        } else {
            &self.reader.skipped
        }
    }

    /// Bytes pushed in the current pass (for progress).
    pub fn bytes_consumed(&self) -> u64 {
        self.reader.splitter.bytes_consumed()
    }
}

/// Generate mode over byte chunks: [`push`](GenerateStream::push) the input once,
/// [`finish`](GenerateStream::finish) learns the model and returns a [`GenerateRun`].
pub struct GenerateStream {
    reader: RowReader,
    learner: Option<Learner>,
}

impl GenerateStream {
    pub fn new(opts: SynthesisOptions, settings: StreamSettings) -> Result<Self, TraceError> {
        Ok(GenerateStream { reader: RowReader::new(settings, false, true), learner: Some(Learner::new(opts)?) })
    }

    pub fn push(&mut self, chunk: &[u8]) -> Result<(), TraceError> {
        let Some(l) = self.learner.as_mut() else {
            return Err(TraceError::analyzer_state("generate: push after finish or after an error"));
        };
        let r = self.reader.feed(Some(chunk), &mut |row| Ok(l.learn(row).err().map(|p| RowError::new(p.reason, p.field, p.text))));
        if r.is_err() {
            self.learner = None;
        }
        r
    }

    /// Ends the input and learns the model; `num_requests` rows will be generated.
    pub fn finish(&mut self, num_requests: u64) -> Result<GenerateRun, TraceError> {
        let Some(mut l) = self.learner.take() else {
            return Err(TraceError::analyzer_state("generate: finish called twice or after an error"));
        };
        self.reader.feed(None, &mut |row| Ok(l.learn(row).err().map(|p| RowError::new(p.reason, p.field, p.text))))?;
        let warnings = GenerateWarnings {
            ignored_session_or_delay: l.ignored_session_or_delay(),
            size_conflicts: l.size_conflicts(),
        };
        let model = l.build()?;
        let generator = model.into_generator(num_requests)?;
        Ok(GenerateRun { generator, skipped: std::mem::take(&mut self.reader.skipped), warnings })
    }
}

/// Facts about the input that generate mode reports as warnings (§4.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GenerateWarnings {
    /// Rows with `session_id` or `delay` (ignored).
    pub ignored_session_or_delay: u64,
    /// Rows with a materialisation size conflict (`trace-format.md` §7.1).
    pub size_conflicts: u64,
}

impl GenerateWarnings {
    /// The warning lines of §4.1 (session/delay ignored; size conflicts), possibly none.
    pub fn lines(&self) -> Vec<String> {
        let mut v = Vec::new();
        if self.ignored_session_or_delay > 0 {
            v.push(format!(
                "warning: generate mode ignores session_id and delay ({} rows carry them)",
                self.ignored_session_or_delay
            ));
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

/// A learned model generating rows in chunks.
pub struct GenerateRun {
    generator: Generator,
    skipped: Skipped,
    warnings: GenerateWarnings,
}

impl GenerateRun {
    /// Next output bytes (at least `min_bytes` unless finished); empty when done.
    pub fn next_chunk(&mut self, min_bytes: usize) -> Result<Vec<u8>, TraceError> {
        let mut out = Vec::with_capacity(min_bytes + 256);
        self.generator.next_chunk(&mut out, min_bytes.max(1))?;
        Ok(out)
    }
    pub fn is_done(&self) -> bool {
        self.generator.is_done()
    }
    pub fn produced(&self) -> u64 {
        self.generator.produced()
    }
    pub fn report(&self) -> GenerateReport {
        self.generator.report()
    }
    pub fn skipped(&self) -> &Skipped {
        &self.skipped
    }
    pub fn warnings(&self) -> GenerateWarnings {
        self.warnings
    }
    /// [`GenerateReport::to_json`] plus `"warnings":[lines…]` and `"skipped":{…}`.
    pub fn report_json(&self) -> String {
        let json = self.report().to_json();
        let warnings: Vec<String> = self.warnings.lines().iter().map(|l| crate::json_text::json_string(l)).collect();
        format!("{},\"warnings\":[{}],\"skipped\":{}}}", &json[..json.len() - 1], warnings.join(","), self.skipped.to_json())
    }
}

/// Convenience: transform a whole in-memory input (both passes).
pub fn transform_bytes(input: &[u8], opts: SynthesisOptions, settings: StreamSettings) -> Result<(Vec<u8>, TransformReport, Skipped), TraceError> {
    let mut s = TransformStream::new(opts, settings)?;
    s.push_learn(input)?;
    s.finish_learn()?;
    let mut out = s.push_emit(input)?;
    let (tail, report) = s.finish_emit()?;
    out.extend_from_slice(&tail);
    Ok((out, report, s.skipped().clone()))
}

/// Convenience: learn from an in-memory input and generate every row.
pub fn generate_bytes(input: &[u8], num_requests: u64, opts: SynthesisOptions, settings: StreamSettings) -> Result<(Vec<u8>, GenerateReport, Skipped), TraceError> {
    let mut s = GenerateStream::new(opts, settings)?;
    s.push(input)?;
    let mut run = s.finish(num_requests)?;
    let mut out = Vec::new();
    while !run.is_done() {
        out.extend_from_slice(&run.next_chunk(1 << 20)?);
    }
    Ok((out, run.report(), run.skipped().clone()))
}
