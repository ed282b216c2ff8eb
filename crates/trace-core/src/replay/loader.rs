//! What happens to a valid row on its way into the store (`docs/synthesis.md` §3.2 steps 2
//! and 4): the window keeps or drops each turn by its timestamp, the checks that concern the
//! materialised rows run (an `overshoot` layout, `docs/trace-format.md` §7; a fixed schedule's
//! timestamp on the first turn of a session, §6; the system-message rule of `multi_turn`), the
//! whole-file size-conflict rule (§7.1) sees the row, and its turns are stored. Lenient skips
//! and the summary's facts are counted here.

use crate::error::{Reason, TraceError};
use crate::json_text::json_string;
use crate::layout::{mismatch_text, LayoutKind};
use crate::row::RowError;
use crate::size_conflicts::SizeTable;
use crate::skips::SkipSummary;

use super::reader::{ParsedRow, TurnKind};
use super::sessions::Sessions;
use super::store::{Store, TurnIn};

/// The `inconsistent_layout` error of an `overshoot` row (`field` is `hash_ids` with the turn's
/// prefix), or `None` for any other layout: `prefix_only` rows are materialised with padding.
pub(crate) fn overshoot_error(isl: u64, n: u64, bs: u64, field: &str) -> Option<RowError> {
    (LayoutKind::classify(isl, n, bs) == Some(LayoutKind::Overshoot))
        .then(|| RowError::new(Reason::InconsistentLayout, field, mismatch_text(n, isl, bs, LayoutKind::Overshoot)))
}

/// Facts of the stored turns, for the summary.
#[derive(Debug, Clone)]
pub(crate) struct Facts {
    /// Whether the first stored turn (file order) has a timestamp; `None` before one.
    pub first_row_has_timestamp: Option<bool>,
    /// Every session's first turn has a timestamp.
    pub first_turns_timestamped: bool,
    /// The first turns' timestamps (those present) never decrease in session order.
    pub sorted_by_first_timestamp: bool,
    last_first_timestamp: Option<f64>,
    /// Turns with `input_length`.
    pub requested_isl_rows: u64,
}

impl Default for Facts {
    fn default() -> Self {
        Facts {
            first_row_has_timestamp: None,
            first_turns_timestamped: true,
            sorted_by_first_timestamp: true,
            last_first_timestamp: None,
            requested_isl_rows: 0,
        }
    }
}

pub(crate) struct Loader {
    bs: u64,
    source: String,
    strict: bool,
    require_timestamps: bool,
    pub store: Store,
    pub sessions: Sessions,
    pub sizes: SizeTable,
    pub skipped: SkipSummary,
    /// Turns dropped by the window.
    pub window_dropped: u64,
    /// Rows with at least one stored turn.
    pub rows: u64,
    pub facts: Facts,
    /// Indexes of the kept turns of the current row.
    kept: Vec<usize>,
}

impl Loader {
    pub(crate) fn new(bs: u64, source: String, strict: bool, require_timestamps: bool) -> Self {
        Loader {
            bs,
            source,
            strict,
            require_timestamps,
            store: Store::default(),
            sessions: Sessions::default(),
            sizes: SizeTable::new(),
            skipped: SkipSummary::default(),
            window_dropped: 0,
            rows: 0,
            facts: Facts::default(),
            kept: Vec::new(),
        }
    }

    /// An invalid row: `INVALID_ROW` in strict mode, else a skip, counted when `count` (a row
    /// is counted once, by the first pass that sees it).
    pub(crate) fn reject(&mut self, line: u64, err: &RowError, count: bool) -> Result<(), TraceError> {
        if self.strict {
            return Err(TraceError::invalid_row(&self.source, line, err));
        }
        if count {
            self.skipped.add(err.reason, line);
        }
        Ok(())
    }

    /// The FIELD of a turn's `name` (`turns[K].name` in `multi_turn` rows).
    fn field(row: &ParsedRow, index: u32, name: &str) -> String {
        if row.multi_turn {
            format!("turns[{index}].{name}")
        } else {
            name.to_string()
        }
    }

    /// Checks the kept turns of a row whose session exists (`Some`) or is new.
    fn check(&self, row: &ParsedRow, line_text: &[u8], existing: Option<u32>) -> Result<(), RowError> {
        for &i in &self.kept {
            let t = &row.turns[i];
            if t.kind == TurnKind::Tokens && !t.ids.is_empty() {
                let isl = u64::from(t.input_length.unwrap_or(0));
                if let Some(e) = overshoot_error(isl, t.ids.len() as u64, self.bs, &Self::field(row, t.index, "hash_ids")) {
                    return Err(e);
                }
            }
        }
        let first = &row.turns[self.kept[0]];
        if self.require_timestamps && existing.is_none() && first.timestamp.is_none() {
            return Err(RowError::new(
                Reason::MissingField,
                Self::field(row, first.index, "timestamp"),
                "required by a fixed schedule (the first turn of a session)",
            ));
        }
        if row.system.is_some() && existing.is_some() {
            let name = String::from_utf8_lossy(row.session(line_text).unwrap_or_default()).into_owned();
            return Err(RowError::new(
                Reason::DuplicateField,
                "turns[0]",
                format!("only the first row of session {} may carry a system message", json_string(&name)),
            ));
        }
        Ok(())
    }

    /// The line of the first stored turn that uses hash id `id`.
    fn first_use(&self, id: u64) -> Option<u64> {
        let mut found = None;
        self.store.for_each(|_, rec| {
            if found.is_none() && self.store.ids(rec).any(|h| h == id) {
                found = Some(rec.line);
            }
        });
        found
    }

    /// A valid row at `line` (`text` is its line, which `row`'s spans index): the turns
    /// `keep(timestamp)` keeps go through the checks into the store.
    pub(crate) fn add_row(
        &mut self,
        line: u64,
        text: &[u8],
        row: &ParsedRow,
        keep: impl Fn(Option<f64>) -> bool,
    ) -> Result<(), TraceError> {
        self.kept.clear();
        for (i, t) in row.turns.iter().enumerate() {
            if keep(t.timestamp.map(|v| v.value)) {
                self.kept.push(i);
            } else {
                self.window_dropped += 1;
            }
        }
        if self.kept.is_empty() {
            return Ok(());
        }
        let key = row.session(text);
        let existing = key.and_then(|k| self.sessions.find(k, self.store.arena()));
        if let Err(e) = self.check(row, text, existing) {
            return self.reject(line, &e, true);
        }
        // §7.1 before anything is stored: the conflict is not relaxed by --skip-invalid
        for &i in &self.kept {
            let t = &row.turns[i];
            if t.kind == TurnKind::Tokens && !t.ids.is_empty() {
                let isl = u64::from(t.input_length.unwrap_or(0));
                if let Err(c) = self.sizes.add_row(isl, &row.ids[t.ids.clone()], self.bs, line) {
                    // the first use is in a stored turn, or earlier in this very row
                    let first = self.first_use(c.id).unwrap_or(line);
                    return Err(c.to_error(&self.source, line, first));
                }
            }
        }
        let mut session = existing;
        for k in 0..self.kept.len() {
            let t = &row.turns[self.kept[k]];
            let (id, opens) = match session {
                Some(s) => (s, false),
                None => (self.sessions.open(), true),
            };
            session = Some(id);
            let span = |r: &Option<std::ops::Range<usize>>| r.clone().map(|r| &text[r]);
            let ts = t.timestamp.map(|v| v.value);
            let stored_name = self.store.push(&TurnIn {
                line,
                session: id,
                kind: t.kind,
                timestamp: ts,
                delay: t.delay.map(|v| v.value),
                input_length: t.input_length,
                output_length: t.output_length,
                ids: &row.ids[t.ids.clone()],
                primary: span(&t.primary),
                tools: span(&t.tools),
                extra: span(&t.extra),
                session_name: if opens { key } else { None },
                system: if opens { span(&row.system) } else { None },
            })?;
            if let Some(name) = stored_name {
                self.sessions.name(id, name, self.store.arena());
            }
            self.sessions.add_turn(id);
            let f = &mut self.facts;
            f.first_row_has_timestamp.get_or_insert(ts.is_some());
            f.requested_isl_rows += u64::from(t.input_length.is_some());
            if opens {
                f.first_turns_timestamped &= ts.is_some();
                if let Some(v) = ts {
                    if f.last_first_timestamp.is_some_and(|last| v < last) {
                        f.sorted_by_first_timestamp = false;
                    }
                    f.last_first_timestamp = Some(v);
                }
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Bytes held while loading (the store, the session table, the size table).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.store.heap_bytes() + self.sessions.heap_bytes() + self.sizes.heap_bytes()
    }
}
