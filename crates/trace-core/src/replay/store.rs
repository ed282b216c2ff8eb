//! Compact storage of the kept turns, in file order, without a heap allocation per turn.
//!
//! Each turn is one variable-length record in one byte buffer: a flags varint, then varints
//! (deltas where neighbours are close: the line, the session index, an integral timestamp,
//! and the hash ids, so that the chained ids of Mooncake traces cost about a byte each), raw
//! doubles only for fractional times. Verbatim JSON (texts, messages, payloads, tools, extra)
//! and session names and system messages go to one byte arena; a record holds their offset
//! once and their lengths. Every [`GROUP`]-th record starts a group whose byte offset is kept
//! and whose deltas restart from zero, so record `r` is decoded by walking at most
//! `GROUP − 1` records of its group.

use std::ops::Range;

use crate::error::TraceError;

use super::reader::TurnKind;

/// Records per group (random access walks at most this many minus one).
pub(crate) const GROUP: usize = 16;

const TIME_NONE: u64 = 0;
const TIME_INT: u64 = 1;
const TIME_F64: u64 = 2;

// flags: bits 0-1 timestamp mode, 2 input_length, 3 output_length, 4-5 delay mode, 6-8 kind,
// 9 primary, 10 tools, 11 extra, 12 session name, 13 system message. The common Mooncake
// record (integral timestamp, both lengths, token kind) has flags 13: one byte.
const F_ISL: u64 = 1 << 2;
const F_OSL: u64 = 1 << 3;
const DELAY_SHIFT: u32 = 4;
const KIND_SHIFT: u32 = 6;
const F_PRIMARY: u64 = 1 << 9;
const F_TOOLS: u64 = 1 << 10;
const F_EXTRA: u64 = 1 << 11;
const F_NAME: u64 = 1 << 12;
const F_SYSTEM: u64 = 1 << 13;
const SPAN_FLAGS: [u64; 5] = [F_PRIMARY, F_TOOLS, F_EXTRA, F_NAME, F_SYSTEM];

/// Largest integer a double holds exactly; integral times up to it are stored as integers.
const MAX_EXACT: f64 = 9_007_199_254_740_992.0;

/// A turn to store (the loader's view).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TurnIn<'a> {
    pub line: u64,
    pub session: u32,
    pub kind: TurnKind,
    pub timestamp: Option<f64>,
    pub delay: Option<f64>,
    pub input_length: Option<u32>,
    pub output_length: Option<u32>,
    pub ids: &'a [u64],
    pub primary: Option<&'a [u8]>,
    pub tools: Option<&'a [u8]>,
    pub extra: Option<&'a [u8]>,
    /// The session's name, on the first turn of a named session only.
    pub session_name: Option<&'a [u8]>,
    /// The session's system message (raw JSON), on the first turn of its session only.
    pub system: Option<&'a [u8]>,
}

/// A decoded record; spans are arena ranges, ids are read with [`Store::ids`].
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct TurnRecord {
    pub line: u64,
    pub session: u32,
    pub kind: TurnKind,
    pub timestamp: Option<f64>,
    pub delay: Option<f64>,
    pub input_length: Option<u32>,
    pub output_length: Option<u32>,
    pub n_ids: usize,
    /// Byte position of the first id in the record buffer, and the value it is a delta of.
    ids_at: usize,
    ids_base: u64,
    pub primary: Option<Range<usize>>,
    pub tools: Option<Range<usize>>,
    pub extra: Option<Range<usize>>,
    pub session_name: Option<Range<usize>>,
    pub system: Option<Range<usize>>,
}

/// The delta context of the encoder and decoder; reset at every group start.
#[derive(Debug, Clone, Copy, Default)]
struct Context {
    line: u64,
    session: u32,
    timestamp: u64,
    first_id: u64,
}

#[derive(Default)]
pub(crate) struct Store {
    records: Vec<u8>,
    /// Byte offset of records 0, GROUP, 2·GROUP, …
    groups: Vec<u64>,
    arena: Vec<u8>,
    len: usize,
    ctx: Context,
}

#[inline]
fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

#[inline]
fn get_varint(buf: &[u8], pos: &mut usize) -> u64 {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let b = buf[*pos];
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return v;
        }
        shift += 7;
    }
}

/// [`get_varint`] for bytes not known to be well-formed (a snapshot being checked): `None` past
/// the end of `buf` or for a varint longer than the 10 bytes of a `u64`.
#[inline]
fn try_varint(buf: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *buf.get(*pos)?;
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Some(v);
        }
    }
    None
}

/// Zig-zag of a wrapping difference: small steps either way become small varints, and any
/// two `u64`s round-trip.
#[inline]
fn zigzag(delta: u64) -> u64 {
    let d = delta as i64;
    ((d << 1) ^ (d >> 63)) as u64
}

#[inline]
fn unzigzag(z: u64) -> u64 {
    ((z >> 1) as i64 ^ -((z & 1) as i64)) as u64
}

/// Skips `n` varints (each ends at its first byte below 0x80); `None` past the end of `buf`.
#[inline]
fn skip_varints(buf: &[u8], pos: &mut usize, mut n: usize) -> Option<()> {
    while n > 0 {
        if *buf.get(*pos)? < 0x80 {
            n -= 1;
        }
        *pos += 1;
    }
    Some(())
}

fn time_mode(v: Option<f64>) -> u64 {
    match v {
        None => TIME_NONE,
        Some(x) if x.fract() == 0.0 && (0.0..=MAX_EXACT).contains(&x) => TIME_INT,
        Some(_) => TIME_F64,
    }
}

/// Every flag bit a record may have; the kind is at most `TurnKind::Text` (4) and a time
/// mode at most `TIME_F64`.
const KNOWN_FLAGS: u64 = (1 << 14) - 1;

/// Decodes the record at `*pos` of `buf` with context `ctx`, moving both on; `None` when the
/// bytes are not a record `Store::push` could have written (so that a snapshot checked by
/// [`Store::from_parts`] is never read out of bounds later). Ids are skipped, not decoded.
fn try_decode(buf: &[u8], pos: &mut usize, ctx: &mut Context) -> Option<TurnRecord> {
    let flags = try_varint(buf, pos)?;
    let kind = (flags >> KIND_SHIFT) & 7;
    if flags & !KNOWN_FLAGS != 0 || kind > TurnKind::Text as u64 || flags & 3 > TIME_F64 || (flags >> DELAY_SHIFT) & 3 > TIME_F64 {
        return None;
    }
    let mut r = TurnRecord { kind: TurnKind::from_bits(kind), ..TurnRecord::default() };
    ctx.line = ctx.line.wrapping_add(try_varint(buf, pos)?);
    r.line = ctx.line;
    ctx.session = u64::from(ctx.session).wrapping_add(unzigzag(try_varint(buf, pos)?)) as u32;
    r.session = ctx.session;
    let mut time = |mode: u64, delta_of: Option<&mut u64>| -> Option<Option<f64>> {
        Some(match mode {
            TIME_INT => {
                let v = try_varint(buf, pos)?;
                Some(match delta_of {
                    Some(prev) => {
                        *prev = prev.wrapping_add(unzigzag(v));
                        *prev as f64
                    }
                    None => v as f64,
                })
            }
            TIME_F64 => {
                let bytes: [u8; 8] = buf.get(*pos..*pos + 8)?.try_into().ok()?;
                *pos += 8;
                Some(f64::from_le_bytes(bytes))
            }
            _ => None,
        })
    };
    r.timestamp = time(flags & 3, Some(&mut ctx.timestamp))?;
    r.delay = time((flags >> DELAY_SHIFT) & 3, None)?;
    if flags & F_ISL != 0 {
        r.input_length = Some(try_varint(buf, pos)? as u32);
    }
    if flags & F_OSL != 0 {
        r.output_length = Some(try_varint(buf, pos)? as u32);
    }
    if r.kind == TurnKind::Tokens {
        r.n_ids = usize::try_from(try_varint(buf, pos)?).ok()?;
        r.ids_at = *pos;
        r.ids_base = ctx.first_id;
        if r.n_ids > 0 {
            ctx.first_id = ctx.first_id.wrapping_add(unzigzag(try_varint(buf, pos)?));
            skip_varints(buf, pos, r.n_ids - 1)?;
        }
    }
    if flags & (F_PRIMARY | F_TOOLS | F_EXTRA | F_NAME | F_SYSTEM) != 0 {
        let mut at = usize::try_from(try_varint(buf, pos)?).ok()?;
        let slots = [&mut r.primary, &mut r.tools, &mut r.extra, &mut r.session_name, &mut r.system];
        for (slot, flag) in slots.into_iter().zip(SPAN_FLAGS) {
            if flags & flag != 0 {
                let end = at.checked_add(usize::try_from(try_varint(buf, pos)?).ok()?)?;
                *slot = Some(at..end);
                at = end;
            }
        }
    }
    Some(r)
}

impl Store {
    /// Turns stored.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Bytes held (capacities, so what the allocator actually gave).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.records.capacity() + self.groups.capacity() * 8 + self.arena.capacity()
    }

    /// Gives back the slack of the growing buffers once nothing more is stored.
    pub(crate) fn shrink(&mut self) {
        self.records.shrink_to_fit();
        self.groups.shrink_to_fit();
        self.arena.shrink_to_fit();
    }

    /// The arena: verbatim JSON, session names and system messages.
    pub(crate) fn arena(&self) -> &[u8] {
        &self.arena
    }

    /// Appends a turn; returns the arena range of its session name, if it carries one.
    pub(crate) fn push(&mut self, t: &TurnIn<'_>) -> Result<Option<Range<usize>>, TraceError> {
        if self.len >= u32::MAX as usize - 1 {
            // turn indexes and session starts cross to JavaScript as Uint32Array entries
            return Err(TraceError::invalid_arg("a replay dataset holds at most 4294967294 turns"));
        }
        if self.len.is_multiple_of(GROUP) {
            self.groups.push(self.records.len() as u64);
            self.ctx = Context::default();
        }
        let spans = [t.primary, t.tools, t.extra, t.session_name, t.system];
        let ts_mode = time_mode(t.timestamp);
        let delay_mode = time_mode(t.delay);
        let mut flags = ts_mode | (delay_mode << DELAY_SHIFT) | ((t.kind as u64) << KIND_SHIFT);
        if t.input_length.is_some() {
            flags |= F_ISL;
        }
        if t.output_length.is_some() {
            flags |= F_OSL;
        }
        for (span, flag) in spans.iter().zip(SPAN_FLAGS) {
            if span.is_some() {
                flags |= flag;
            }
        }
        let out = &mut self.records;
        put_varint(out, flags);
        put_varint(out, t.line - self.ctx.line);
        self.ctx.line = t.line;
        put_varint(out, zigzag(u64::from(t.session).wrapping_sub(u64::from(self.ctx.session))));
        self.ctx.session = t.session;
        match (ts_mode, t.timestamp) {
            (TIME_INT, Some(v)) => {
                let v = v as u64;
                put_varint(out, zigzag(v.wrapping_sub(self.ctx.timestamp)));
                self.ctx.timestamp = v;
            }
            (TIME_F64, Some(v)) => out.extend_from_slice(&v.to_le_bytes()),
            _ => {}
        }
        match (delay_mode, t.delay) {
            (TIME_INT, Some(v)) => put_varint(out, v as u64),
            (TIME_F64, Some(v)) => out.extend_from_slice(&v.to_le_bytes()),
            _ => {}
        }
        if let Some(v) = t.input_length {
            put_varint(out, u64::from(v));
        }
        if let Some(v) = t.output_length {
            put_varint(out, u64::from(v));
        }
        if t.kind == TurnKind::Tokens {
            put_varint(out, t.ids.len() as u64);
            let mut prev = self.ctx.first_id;
            for (k, &id) in t.ids.iter().enumerate() {
                put_varint(out, zigzag(id.wrapping_sub(prev)));
                if k == 0 {
                    self.ctx.first_id = id;
                }
                prev = id;
            }
        }
        let mut name = None;
        if spans.iter().any(Option::is_some) {
            put_varint(out, self.arena.len() as u64);
            for (k, span) in spans.iter().enumerate() {
                if let Some(bytes) = span {
                    put_varint(out, bytes.len() as u64);
                    let start = self.arena.len();
                    self.arena.extend_from_slice(bytes);
                    if k == 3 {
                        name = Some(start..self.arena.len());
                    }
                }
            }
        }
        self.len += 1;
        Ok(name)
    }

    /// Decodes the record at `*pos` with context `ctx`, moving both on.
    fn decode(&self, pos: &mut usize, ctx: &mut Context) -> TurnRecord {
        try_decode(&self.records, pos, ctx).expect("records are written by push or checked by from_parts")
    }

    /// The record of turn number `r` in storage (file) order.
    pub(crate) fn record(&self, r: usize) -> TurnRecord {
        assert!(r < self.len, "record {r} of {}", self.len);
        let g = r / GROUP;
        let mut pos = self.groups[g] as usize;
        let mut ctx = Context::default();
        let mut rec = self.decode(&mut pos, &mut ctx);
        for _ in g * GROUP..r {
            rec = self.decode(&mut pos, &mut ctx);
        }
        rec
    }

    /// Every record in storage order.
    pub(crate) fn for_each(&self, mut f: impl FnMut(usize, &TurnRecord)) {
        let mut pos = 0;
        let mut ctx = Context::default();
        for r in 0..self.len {
            if r.is_multiple_of(GROUP) {
                ctx = Context::default();
            }
            f(r, &self.decode(&mut pos, &mut ctx));
        }
    }

    /// The hash ids of a decoded record.
    pub(crate) fn ids<'s>(&'s self, rec: &TurnRecord) -> Ids<'s> {
        Ids { buf: &self.records, pos: rec.ids_at, left: rec.n_ids, prev: rec.ids_base }
    }

    /// The record bytes and the arena, what a snapshot keeps (the group offsets are rebuilt).
    pub(crate) fn parts(&self) -> (&[u8], &[u8]) {
        (&self.records, &self.arena)
    }

    /// A store of `len` records from the [`parts`](Self::parts) of another, checked: every
    /// record decodes within `records` (ids included), its spans lie within `arena`, nothing
    /// follows the last one, and `check` accepts each. The message says what is wrong.
    pub(crate) fn from_parts(
        records: Vec<u8>,
        arena: Vec<u8>,
        len: usize,
        mut check: impl FnMut(usize, &TurnRecord) -> Result<(), String>,
    ) -> Result<Store, String> {
        if len > records.len() {
            // every record is at least three bytes: no decoding needed to reject the count
            return Err(format!("{len} records in {} bytes", records.len()));
        }
        let mut groups = Vec::with_capacity(len.div_ceil(GROUP));
        let (mut pos, mut ctx) = (0, Context::default());
        for r in 0..len {
            if r.is_multiple_of(GROUP) {
                groups.push(pos as u64);
                ctx = Context::default();
            }
            let bad = || format!("record {r} is malformed");
            let rec = try_decode(&records, &mut pos, &mut ctx).ok_or_else(bad)?;
            // the ids are decoded unchecked later (`Ids`): each must be a whole varint here
            let mut at = rec.ids_at;
            for _ in 0..rec.n_ids {
                try_varint(&records, &mut at).ok_or_else(bad)?;
            }
            let spans = [&rec.primary, &rec.tools, &rec.extra, &rec.session_name, &rec.system];
            if spans.into_iter().flatten().any(|s| s.end > arena.len()) {
                return Err(format!("record {r} points past the end of the arena"));
            }
            check(r, &rec)?;
        }
        if pos != records.len() {
            return Err(format!("{} bytes follow the last record", records.len() - pos));
        }
        Ok(Store { records, groups, arena, len, ctx: Context::default() })
    }
}

/// The hash ids of one record, decoded on the fly.
pub(crate) struct Ids<'s> {
    buf: &'s [u8],
    pos: usize,
    left: usize,
    prev: u64,
}

impl Iterator for Ids<'_> {
    type Item = u64;

    #[inline]
    fn next(&mut self) -> Option<u64> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        self.prev = self.prev.wrapping_add(unzigzag(get_varint(self.buf, &mut self.pos)));
        Some(self.prev)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Ids<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_and_zigzag_round_trip_extremes() {
        let mut buf = Vec::new();
        let values = [0, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX];
        for &v in &values {
            put_varint(&mut buf, v);
        }
        let mut pos = 0;
        for &v in &values {
            assert_eq!(get_varint(&buf, &mut pos), v);
        }
        for (a, b) in [(0u64, u64::MAX), (u64::MAX, 0), (5, 3), (3, 5), (1 << 63, 0)] {
            assert_eq!(a.wrapping_add(unzigzag(zigzag(b.wrapping_sub(a)))), b);
        }
        assert_eq!(zigzag(1), 2);
        assert_eq!(zigzag(u64::MAX), 1); // -1
    }

    #[test]
    fn records_round_trip_across_groups() {
        let mut s = Store::default();
        let ids: Vec<Vec<u64>> =
            (0..40u64).map(|i| (0..(i % 5)).map(|k| if i == 7 { u64::MAX - k } else { i * 3 + k }).collect()).collect();
        for (i, row_ids) in ids.iter().enumerate() {
            let i64_ = i as u64;
            let t = TurnIn {
                line: 2 * i64_ + 1,
                session: (i as u32 * 7) % 11,
                kind: if i % 9 == 4 { TurnKind::Text } else { TurnKind::Tokens },
                timestamp: match i % 4 {
                    0 => None,
                    1 => Some(1.5 * i as f64),
                    _ => Some(1000.0 - i as f64),
                },
                delay: if i.is_multiple_of(3) { Some(i as f64) } else { None },
                input_length: Some(i as u32 * 100),
                output_length: i.is_multiple_of(2).then_some(7),
                ids: if i % 9 == 4 { &[] } else { row_ids },
                primary: (i % 9 == 4).then_some(&b"\"hi\""[..]),
                extra: i.is_multiple_of(6).then_some(&b"{}"[..]),
                session_name: i.is_multiple_of(10).then_some(&b"s"[..]),
                ..TurnIn::default()
            };
            let name = s.push(&t).unwrap();
            assert_eq!(name.is_some(), i % 10 == 0);
        }
        let check = |i: usize, r: &TurnRecord| {
            assert_eq!(r.line, 2 * i as u64 + 1);
            assert_eq!(r.session, (i as u32 * 7) % 11);
            let want_ts = match i % 4 {
                0 => None,
                1 => Some(1.5 * i as f64),
                _ => Some(1000.0 - i as f64),
            };
            assert_eq!(r.timestamp, want_ts, "record {i}");
            assert_eq!(r.output_length, i.is_multiple_of(2).then_some(7));
            let got: Vec<u64> = s.ids(r).collect();
            assert_eq!(got, if i % 9 == 4 { vec![] } else { ids[i].clone() });
            assert_eq!(r.primary.as_ref().map(|p| &s.arena()[p.clone()]), (i % 9 == 4).then_some(&b"\"hi\""[..]));
            assert_eq!(r.session_name.as_ref().map(|p| &s.arena()[p.clone()]), i.is_multiple_of(10).then_some(&b"s"[..]));
        };
        for i in (0..40).rev() {
            check(i, &s.record(i));
        }
        let mut seen = 0;
        s.for_each(|i, r| {
            check(i, r);
            seen += 1;
        });
        assert_eq!(seen, 40);
    }
}
