//! The `--synthesis-*` transform of a replay dataset, in memory (`docs/synthesis.md` §3.2):
//! the rows are parsed by the same `RowParser` (the caller holds it) and rewritten by the same
//! [`Transformer`] as `synthesize --mode transform`, one row at a time, so no output file is
//! ever written. The
//! caller feeds only the rows its window keeps, in file order, once per pass; each emitted row
//! comes back with the input line it came from, which is how a stored turn keeps its line.

use crate::error::TraceError;
use crate::synthesis::input::SynthRow;
use crate::synthesis::transform::EmitCursor;
use crate::synthesis::{SynthesisOptions, TransformReport, Transformer};

pub(crate) struct InMemoryTransform {
    transformer: Transformer,
    cursor: Option<EmitCursor>,
    /// The row just emitted, with its `\n`.
    out: Vec<u8>,
}

impl InMemoryTransform {
    pub(crate) fn new(opts: SynthesisOptions) -> Result<Self, TraceError> {
        Ok(InMemoryTransform { transformer: Transformer::new(opts)?, cursor: None, out: Vec::new() })
    }

    /// Whether hash ids and input lengths change (`docs/synthesis.md` §3.4 step 1); when they
    /// do not, the layout of every row stays the input's.
    pub(crate) fn ids_change(&self) -> bool {
        self.transformer.options().ids_change()
    }

    /// Pass 1: one kept row.
    pub(crate) fn learn(&mut self, row: &SynthRow<'_>) -> Result<(), TraceError> {
        self.transformer.learn(row)
    }

    /// Ends pass 1: plans the ids; pass 2 may start.
    pub(crate) fn finish_learn(&mut self) -> Result<(), TraceError> {
        self.transformer.plan()?;
        self.cursor = Some(self.transformer.cursor_at(0)?);
        Ok(())
    }

    /// Pass 2: the same kept row again; its output row without the `\n`, or `None` when
    /// `--synthesis-max-isl` drops it.
    pub(crate) fn emit(&mut self, row: &SynthRow<'_>) -> Result<Option<&[u8]>, TraceError> {
        let cursor = self.cursor.as_mut().ok_or_else(|| TraceError::analyzer_state("transform: emit before the first pass ended"))?;
        self.out.clear();
        self.transformer.emit(cursor, row, &mut self.out)?;
        Ok(self.out.split_last().map(|(_newline, line)| line))
    }

    /// After pass 2: the run summary (`docs/synthesis.md` §3.5).
    pub(crate) fn finish(&mut self) -> Result<TransformReport, TraceError> {
        let cursor = self.cursor.take().ok_or_else(|| TraceError::analyzer_state("transform: finished twice"))?;
        self.transformer.absorb(cursor)?;
        self.transformer.finish()
    }
}
