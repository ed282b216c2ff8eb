//! A finished [`ReplayDataset`] as bytes, and back: what `profile` hands its load-engine worker
//! threads so that the trace file is read once, not once per thread.
//!
//! The snapshot holds what the finished dataset answers from (the store's records and arena,
//! the session starts and turn order, the summary's counts and facts, the skip summary, the
//! transform's report, the scope, and the block size and seed that materialisation uses) and
//! nothing of the reading (parser, transform plan, size table) nor the tokenizer tables, which
//! each holder sets itself. Every number is little-endian, so the bytes do not depend on the
//! backend that wrote them (native and WASM read each other's).
//!
//! Layout, version 1: the magic `imreplay`, the version (u32), the total length (u64), the
//! fields in the order of [`write`], and a checksum (u64) of everything before it. Reading
//! checks the magic, the version, the length, the checksum, and then every record and index
//! (`Store::from_parts`, [`check_turn_order`]), so that a damaged buffer is an `INVALID_ARG`
//! error here and never an out-of-bounds read later.

use crate::error::{Reason, TraceError};
use crate::rng::mix;
use crate::skips::SHOWN_LINES;
use crate::synthesis::TransformReport;

use super::loader::{Facts, Loader};
use super::options::{DatasetType, ReplayOptions};
use super::store::Store;
use super::{Done, Phase, ReplayDataset};

const MAGIC: &[u8; 8] = b"imreplay";
/// Bumped whenever the layout changes: a reader refuses any other.
pub(crate) const VERSION: u32 = 1;
/// Magic, version and total length.
const HEADER: usize = 8 + 4 + 8;

fn bad(message: impl std::fmt::Display) -> TraceError {
    TraceError::invalid_arg(format!("ReplayDataset.fromBytes: {message}"))
}

/// A 64-bit checksum against damaged buffers (not against forgery): four lanes of
/// xor-multiply-rotate over 8-byte words. Each step is a bijection of its lane's state, so a
/// change confined to one word always changes the result; the lanes run in parallel, about
/// ten times the speed of FNV-1a's byte-serial multiplies on a 100 MB snapshot.
fn checksum(bytes: &[u8]) -> u64 {
    const K: [u64; 4] = [0x9E37_79B9_7F4A_7C15, 0xC2B2_AE3D_27D4_EB4F, 0x1656_67B1_9E37_79F9, 0x85EB_CA77_C2B2_AE63];
    let mut lanes = K;
    let mut step = |block: &[u8]| {
        for (i, lane) in lanes.iter_mut().enumerate() {
            let w = u64::from_le_bytes(block[i * 8..i * 8 + 8].try_into().expect("8 bytes of a 32-byte block"));
            *lane = (*lane ^ w).wrapping_mul(K[i]).rotate_left(29);
        }
    };
    let mut blocks = bytes.chunks_exact(32);
    for block in &mut blocks {
        step(block);
    }
    // the tail zero-padded; the length below tells a padded tail from real zeros
    let mut tail = [0u8; 32];
    tail[..blocks.remainder().len()].copy_from_slice(blocks.remainder());
    step(&tail);
    lanes.iter().fold(bytes.len() as u64, |h, &lane| mix(h ^ lane))
}

struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn bytes(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.0.extend_from_slice(b);
    }
    fn u32s(&mut self, v: &[u32]) {
        self.u64(v.len() as u64);
        self.0.reserve(v.len() * 4);
        for &x in v {
            self.u32(x);
        }
    }
}

/// Checked reads: every length is compared with what is left before anything is allocated.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: u64, what: &str) -> Result<&'a [u8], TraceError> {
        let left = self.buf.len() - self.pos;
        let n = usize::try_from(n).ok().filter(|&n| n <= left).ok_or_else(|| bad(format!("{what}: {n} bytes, {left} left")))?;
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }
    fn u8(&mut self, what: &str) -> Result<u8, TraceError> {
        Ok(self.take(1, what)?[0])
    }
    fn u32(&mut self, what: &str) -> Result<u32, TraceError> {
        Ok(u32::from_le_bytes(self.take(4, what)?.try_into().expect("4 bytes")))
    }
    fn u64(&mut self, what: &str) -> Result<u64, TraceError> {
        Ok(u64::from_le_bytes(self.take(8, what)?.try_into().expect("8 bytes")))
    }
    fn flag(&mut self, what: &str) -> Result<bool, TraceError> {
        match self.u8(what)? {
            0 => Ok(false),
            1 => Ok(true),
            v => Err(bad(format!("{what}: {v} is not a boolean"))),
        }
    }
    fn bytes(&mut self, what: &str) -> Result<&'a [u8], TraceError> {
        let n = self.u64(what)?;
        self.take(n, what)
    }
    fn u32s(&mut self, what: &str) -> Result<Vec<u32>, TraceError> {
        let n = self.u64(what)?;
        let raw = self.take(n.saturating_mul(4), what)?;
        Ok(raw.chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes"))).collect())
    }
}

fn type_code(t: DatasetType) -> u8 {
    DatasetType::ALL.iter().position(|&x| x == t).expect("a listed type") as u8
}

/// The snapshot of a finished dataset.
pub(crate) fn write(d: &ReplayDataset) -> Result<Vec<u8>, TraceError> {
    let done = d.finished()?;
    let l = &d.loader;
    let (records, arena) = l.store.parts();
    let mut w = Writer(Vec::with_capacity(HEADER + 512 + records.len() + arena.len() + 4 * (done.session_start.len() + l.store.len())));
    w.0.extend_from_slice(MAGIC);
    w.u32(VERSION);
    w.u64(0); // the total length, set below
    w.u8(type_code(d.dataset_type()));
    w.u32(d.opts.block_size);
    w.u64(d.opts.seed);
    w.u64(done.scope);
    w.u64(l.rows);
    w.u64(l.window_dropped);
    let f = &l.facts;
    w.u8(f.first_row_has_timestamp.map_or(2, u8::from));
    w.u8(u8::from(f.first_turns_timestamped));
    w.u8(u8::from(f.sorted_by_first_timestamp));
    w.u64(f.requested_isl_rows);
    w.u8(Reason::ALL.len() as u8);
    for (count, lines) in l.skipped.per_reason() {
        w.u64(count);
        w.u8(lines.len() as u8);
        lines.iter().for_each(|&x| w.u64(x));
    }
    match &done.report {
        None => w.u8(0),
        Some(r) => {
            w.u8(1);
            for v in
                [r.rows_in, r.rows_out, r.skipped_max_isl, r.sessions_affected, r.capped_max_osl, r.inconsistent_repaired, r.trees, r.seed]
            {
                w.u64(v);
            }
            w.u8(u8::from(r.fresh_ids.is_some()));
            let (a, b) = r.fresh_ids.unwrap_or_default();
            w.u64(a);
            w.u64(b);
        }
    }
    w.u64(l.store.len() as u64);
    w.bytes(records);
    w.bytes(arena);
    w.u32s(&done.session_start);
    w.u8(u8::from(done.order.is_some()));
    w.u32s(done.order.as_deref().unwrap_or_default());
    let total = (w.0.len() + 8) as u64;
    w.0[12..20].copy_from_slice(&total.to_le_bytes());
    let sum = checksum(&w.0);
    w.u64(sum);
    Ok(w.0)
}

/// `session_start` runs from 0 to `turns` without decreasing, `order` (when present) is a
/// permutation of the turns, and turn `t`'s record belongs to the session whose range holds `t`
/// (`session_of[r]`: the session of record `r`).
fn check_turn_order(session_start: &[u32], order: Option<&[u32]>, session_of: &[u32]) -> Result<(), TraceError> {
    let turns = session_of.len();
    if session_start.first() != Some(&0) || session_start.last().map(|&n| n as usize) != Some(turns) {
        return Err(bad(format!("session starts do not run from 0 to the {turns} turns")));
    }
    if let Some(o) = order {
        if o.len() != turns {
            return Err(bad(format!("a turn order of {} entries for {turns} turns", o.len())));
        }
        let mut seen = vec![false; turns];
        for &r in o {
            match seen.get_mut(r as usize) {
                Some(s) if !*s => *s = true,
                _ => return Err(bad(format!("the turn order is not a permutation (record {r})"))),
            }
        }
    }
    for (s, w) in session_start.windows(2).enumerate() {
        if w[0] > w[1] {
            return Err(bad(format!("session {s} starts after the next one")));
        }
        for t in w[0]..w[1] {
            let r = order.map_or(t, |o| o[t as usize]);
            if session_of[r as usize] as usize != s {
                return Err(bad(format!("turn {t} is in session {s}, its record in session {}", session_of[r as usize])));
            }
        }
    }
    Ok(())
}

/// A finished dataset from the bytes of [`write`].
pub(crate) fn read(buf: &[u8]) -> Result<ReplayDataset, TraceError> {
    if buf.len() < 8 || &buf[..8] != MAGIC {
        return Err(bad("not a serialised ReplayDataset (it does not start with 'imreplay')"));
    }
    let mut r = Reader { buf, pos: 8 };
    let version = r.u32("version")?;
    if version != VERSION {
        return Err(bad(format!(
            "format version {version}, but this build reads version {VERSION} (write and read the bytes with the same infermark)"
        )));
    }
    let total = r.u64("length")?;
    if total != buf.len() as u64 || buf.len() < HEADER + 8 {
        return Err(bad(format!("{} bytes, but the snapshot is {total} bytes long (truncated or extended)", buf.len())));
    }
    let body = &buf[..buf.len() - 8];
    if checksum(body) != u64::from_le_bytes(buf[buf.len() - 8..].try_into().expect("8 bytes")) {
        return Err(bad("checksum mismatch (the bytes are damaged)"));
    }
    let mut r = Reader { buf: body, pos: HEADER };
    let ty = *DatasetType::ALL.get(usize::from(r.u8("dataset type")?)).ok_or_else(|| bad("unknown dataset type"))?;
    let block_size = r.u32("block size")?;
    if block_size == 0 {
        return Err(bad("block size 0"));
    }
    let opts = ReplayOptions { block_size, seed: r.u64("seed")?, dataset_type: Some(ty), ..ReplayOptions::default() };
    let scope = r.u64("scope")?;
    let mut loader = Loader::new(u64::from(block_size), opts.source_name.clone(), true, false);
    loader.rows = r.u64("rows")?;
    loader.window_dropped = r.u64("window_dropped")?;
    let mut facts = Facts::default();
    facts.first_row_has_timestamp = match r.u8("first_row_has_timestamp")? {
        2 => None,
        v => Some(v == 1),
    };
    facts.first_turns_timestamped = r.flag("first_turns_timestamped")?;
    facts.sorted_by_first_timestamp = r.flag("sorted_by_first_timestamp")?;
    facts.requested_isl_rows = r.u64("requested_isl_rows")?;
    loader.facts = facts;
    if usize::from(r.u8("reasons")?) != Reason::ALL.len() {
        return Err(bad("the skip reasons differ from this build's"));
    }
    for i in 0..Reason::ALL.len() {
        let count = r.u64("skip count")?;
        let n = r.u8("skip lines")?;
        if usize::from(n) > SHOWN_LINES || u64::from(n) > count {
            return Err(bad(format!("{n} skipped lines kept for {count} rows")));
        }
        let lines = (0..n).map(|_| r.u64("skipped line")).collect::<Result<Vec<_>, _>>()?;
        loader.skipped.set(i, count, lines);
    }
    let report = if r.flag("transform report")? {
        let mut v = [0u64; 8];
        for x in &mut v {
            *x = r.u64("transform report")?;
        }
        let has_fresh = r.flag("fresh ids")?;
        let fresh = (r.u64("fresh ids")?, r.u64("fresh ids")?);
        Some(TransformReport {
            rows_in: v[0],
            rows_out: v[1],
            skipped_max_isl: v[2],
            sessions_affected: v[3],
            capped_max_osl: v[4],
            inconsistent_repaired: v[5],
            trees: v[6],
            seed: v[7],
            fresh_ids: has_fresh.then_some(fresh),
        })
    } else {
        None
    };
    let turns = r.u64("turns")?;
    let records = r.bytes("records")?.to_vec();
    let arena = r.bytes("arena")?.to_vec();
    let turns = usize::try_from(turns).ok().filter(|&n| n < u32::MAX as usize).ok_or_else(|| bad(format!("{turns} turns")))?;
    let session_start = r.u32s("session starts")?;
    let has_order = r.flag("turn order")?;
    let order = Some(r.u32s("turn order")?).filter(|_| has_order);
    if r.pos != body.len() {
        return Err(bad(format!("{} bytes after the last field", body.len() - r.pos)));
    }
    let sessions = session_start.len().saturating_sub(1);
    let mut session_of = Vec::with_capacity(turns);
    loader.store = Store::from_parts(records, arena, turns, |_, rec| {
        if rec.session as usize >= sessions {
            return Err(format!("a record of session {} of {sessions}", rec.session));
        }
        session_of.push(rec.session);
        Ok(())
    })
    .map_err(bad)?;
    check_turn_order(&session_start, order.as_deref(), &session_of)?;
    Ok(ReplayDataset {
        phase: Phase::Finished,
        dataset_type: Some(ty),
        loader,
        done: Some(Done { session_start, order, scope, report }),
        ..ReplayDataset::empty(opts)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checksum_sees_any_one_changed_byte_and_the_length() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
        let want = checksum(&data);
        for i in [0, 1, 31, 32, 500, 991, 999] {
            let mut d = data.clone();
            d[i] ^= 0x40;
            assert_ne!(checksum(&d), want, "byte {i}");
        }
        let mut longer = data.clone();
        longer.push(0);
        assert_ne!(checksum(&longer), want, "a zero byte more");
    }

    /// Every answer of a rebuilt dataset, so that an out-of-bounds read would panic here.
    fn ask_everything(d: &mut ReplayDataset) {
        let _ = (d.summary_json(), d.skipped_warning("p"), d.session_start(), d.timestamps(), d.delays());
        d.set_tables(&[0, 1, 2], b"abc", &[0, 1, 2, 3], 2.0).unwrap();
        for t in 0..d.turns() {
            let t = t as f64;
            let _ = (d.turn_json(t), d.turn_hash_ids(t));
            // a changed length or block size is a valid one, up to 4 G tokens: too many to build here
            if d.opts.block_size < 1 << 16 && d.turn(t).unwrap().0.input_length.is_some_and(|n| n < 1 << 16) {
                let _ = (d.prompt_tokens(t), d.prompt_text(t));
            }
        }
    }

    /// The checksum stops damage before the structure is looked at; this test goes past it:
    /// each byte of the fields changed and the checksum recomputed, the bytes are refused or
    /// give a dataset whose every answer is read within bounds.
    #[test]
    fn damage_behind_a_valid_checksum_never_panics() {
        let file = concat!(
            r#"{"session_id": "a", "timestamp": 1, "input_length": 600, "hash_ids": [5, 9], "extra": {"x": 1}}"#,
            "\n",
            r#"{"session_id": "b", "timestamp": 2.5, "delay": 3, "text_input": "t", "output_length": 2}"#,
            "\n",
            r#"{"session_id": "a", "timestamp": 3, "input_length": 520, "hash_ids": [5, 11]}"#,
            "\n",
        );
        let mut d = ReplayDataset::new(ReplayOptions::default()).unwrap();
        d.push(file.as_bytes()).unwrap();
        d.finish().unwrap();
        let bytes = write(&d).unwrap();
        let n = bytes.len() - 8;
        let (mut refused, mut accepted) = (0, 0);
        for i in HEADER..n {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut b = bytes.clone();
                b[i] ^= flip;
                let sum = checksum(&b[..n]);
                b[n..].copy_from_slice(&sum.to_le_bytes());
                match read(&b) {
                    Err(e) => {
                        assert_eq!(e.code, crate::error::ErrorCode::InvalidArg);
                        refused += 1;
                    }
                    Ok(mut r) => {
                        ask_everything(&mut r);
                        accepted += 1;
                    }
                }
            }
        }
        // both happen: counts and texts may change and stay consistent, offsets may not
        assert!(refused > 0 && accepted > 0, "{refused} refused, {accepted} accepted");
    }
}
