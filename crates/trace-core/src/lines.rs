//! Chunked line splitting for JSONL traces (`docs/trace-format.md` §2).
//!
//! [`LineSplitter`] turns byte chunks split anywhere (inside a line, inside a UTF-8
//! sequence, between `\r` and `\n`) into complete lines with their 1-based physical line
//! numbers. It strips a UTF-8 BOM at the very start of the input, removes the `\r` of a
//! CRLF ending, classifies blank lines, and caps the buffered partial line at
//! [`MAX_LINE_BYTES`] so that a huge line costs no more than 64 MiB of memory.
//!
//! Two levels of API:
//! * [`LineSplitter::push`] / [`LineSplitter::finish`] call back once per line with a
//!   [`LineKind`] (simple; use this unless you need bulk speed);
//! * [`LineSplitter::push_blocks`] / [`LineSplitter::finish_blocks`] hand over whole
//!   [`Block`]s of complete lines at once (zero-copy when lines do not straddle chunks),
//!   to be split with [`for_each_line`] — possibly on another thread.
//!
//! ```
//! use trace_core::lines::{LineSplitter, LineKind};
//! let mut sp = LineSplitter::new();
//! let mut seen = Vec::new();
//! let mut on_line = |no: u64, kind: LineKind<'_>| -> Result<(), ()> {
//!     if let LineKind::Text(t) = kind { seen.push((no, t.to_vec())); }
//!     Ok(())
//! };
//! sp.push(b"\xEF\xBB\xBF{\"a\":1}\r\n\n{\"b\"", &mut on_line).unwrap();
//! sp.push(b":2}", &mut on_line).unwrap();
//! sp.finish(&mut on_line).unwrap();
//! assert_eq!(seen, vec![(1, b"{\"a\":1}".to_vec()), (3, b"{\"b\":2}".to_vec())]);
//! ```

/// Lines longer than this many bytes (excluding the `\n` and a CRLF's `\r`) are
/// `line_too_long` (`docs/trace-format.md` §2.4).
pub const MAX_LINE_BYTES: usize = 64 * 1024 * 1024;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One physical line, classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind<'a> {
    /// A non-blank line: its bytes without the `\n`, without a CRLF's `\r`, and (line 1
    /// only) without a leading UTF-8 BOM. Not yet checked for UTF-8.
    Text(&'a [u8]),
    /// Empty or only spaces, tabs and `\r`: not a row, not an error.
    Blank,
    /// Longer than [`MAX_LINE_BYTES`]; its content was discarded.
    TooLong,
}

/// A run of complete lines handed out by [`LineSplitter::push_blocks`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Block<'a> {
    /// Complete lines; each ends with `\n` except possibly the last line of the input
    /// (at `finish`). `first_line` is the 1-based number of the first line in `bytes`.
    Lines { first_line: u64, bytes: &'a [u8] },
    /// One line that exceeded [`MAX_LINE_BYTES`] while being buffered.
    TooLong { line: u64 },
}

/// Index of the first `needle` byte in `hay`, word-at-a-time (no dependency needed).
#[inline]
pub fn find_byte(needle: u8, hay: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let pat = LO.wrapping_mul(needle as u64);
    let mut i = 0;
    while i + 8 <= hay.len() {
        let w = u64::from_le_bytes(hay[i..i + 8].try_into().unwrap()) ^ pat;
        let z = w.wrapping_sub(LO) & !w & HI;
        if z != 0 {
            return Some(i + (z.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    hay[i..].iter().position(|&b| b == needle).map(|p| p + i)
}

/// Index of the last `needle` byte in `hay`.
#[inline]
pub fn rfind_byte(needle: u8, hay: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let pat = LO.wrapping_mul(needle as u64);
    let mut end = hay.len();
    while end >= 8 {
        let w = u64::from_le_bytes(hay[end - 8..end].try_into().unwrap()) ^ pat;
        let z = w.wrapping_sub(LO) & !w & HI;
        if z != 0 {
            // The highest flagged byte is exact: borrows only propagate upwards from a
            // real zero byte, so the top-most flag is never a false positive… except
            // below a real zero. Scan bytewise inside this word to be safe.
            return hay[end - 8..end].iter().rposition(|&b| b == needle).map(|p| p + end - 8);
        }
        end -= 8;
    }
    hay[..end].iter().rposition(|&b| b == needle)
}

/// Number of `\n` bytes in `hay`.
#[inline]
pub fn count_newlines(hay: &[u8]) -> u64 {
    let mut n = 0u64;
    let mut chunks = hay.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().unwrap()) ^ 0x0a0a_0a0a_0a0a_0a0a;
        // A byte is zero iff it was '\n'; count exactly with the carry-free test.
        let t = (w & 0x7f7f_7f7f_7f7f_7f7f).wrapping_add(0x7f7f_7f7f_7f7f_7f7f);
        let nonzero = (t | w) & 0x8080_8080_8080_8080;
        n += 8 - nonzero.count_ones() as u64;
    }
    n + chunks.remainder().iter().filter(|&&b| b == b'\n').count() as u64
}

/// Classifies one line given without its `\n` (`line_no` is 1-based; line 1 may carry a
/// BOM, which is removed).
#[inline]
pub fn classify_line(line_no: u64, raw: &[u8]) -> LineKind<'_> {
    let mut s = raw;
    if line_no == 1 && s.starts_with(BOM) {
        s = &s[3..];
    }
    if let [rest @ .., b'\r'] = s {
        s = rest;
    }
    if s.len() > MAX_LINE_BYTES {
        return LineKind::TooLong;
    }
    // Blank test: cheap because a JSON row starts with `{` (or whitespace) immediately.
    if s.iter().all(|&b| b == b' ' || b == b'\t' || b == b'\r') {
        return LineKind::Blank;
    }
    LineKind::Text(s)
}

/// Calls `f` for every line of `bytes`, numbering from `first_line`. A final segment
/// without `\n` is a line too (unless empty). Returns the number of the line after the
/// last one visited when `bytes` ends with `\n`.
pub fn for_each_line<'a, E>(first_line: u64, bytes: &'a [u8], mut f: impl FnMut(u64, LineKind<'a>) -> Result<(), E>) -> Result<u64, E> {
    let mut line = first_line;
    let mut rest = bytes;
    loop {
        match find_byte(b'\n', rest) {
            Some(p) => {
                f(line, classify_line(line, &rest[..p]))?;
                line += 1;
                rest = &rest[p + 1..];
            }
            None => {
                if !rest.is_empty() {
                    f(line, classify_line(line, rest))?;
                    line += 1;
                }
                return Ok(line);
            }
        }
    }
}

/// Streaming splitter: feed chunks, get complete lines. See the module docs.
#[derive(Debug, Default)]
pub struct LineSplitter {
    /// The partial line carried over from earlier chunks (at most MAX_LINE_BYTES + 5).
    pending: Vec<u8>,
    /// The pending line overflowed; its bytes are being dropped until its `\n`.
    overflow: bool,
    /// Number of the line that `pending` belongs to (1-based).
    line: u64,
    bytes: u64,
    finished: bool,
}

impl LineSplitter {
    /// A splitter at the start of an input (next line is line 1).
    pub fn new() -> Self {
        LineSplitter { pending: Vec::new(), overflow: false, line: 1, bytes: 0, finished: false }
    }

    /// Total bytes pushed so far.
    pub fn bytes_consumed(&self) -> u64 {
        self.bytes
    }

    /// Number of the next line to be completed (1-based).
    pub fn next_line(&self) -> u64 {
        self.line
    }

    // Buffer limit: the line itself plus a BOM, a `\r` and the `\n` that are stripped.
    const PENDING_CAP: usize = MAX_LINE_BYTES + 5;

    fn append_pending(&mut self, part: &[u8]) {
        if self.overflow {
            return;
        }
        if self.pending.len() + part.len() > Self::PENDING_CAP {
            self.overflow = true;
            self.pending = Vec::new();
        } else {
            self.pending.extend_from_slice(part);
        }
    }

    /// Feeds `chunk`, handing complete lines to `on_block` in file order. Lines that
    /// straddle chunks are delivered as one-line blocks from an internal buffer; the rest
    /// of the chunk's complete lines are delivered in one zero-copy block. If `on_block`
    /// returns an error, it is passed through and the splitter must not be used again
    /// (the rest of the chunk was not consumed).
    pub fn push_blocks<E>(&mut self, chunk: &[u8], mut on_block: impl FnMut(Block<'_>) -> Result<(), E>) -> Result<(), E> {
        assert!(!self.finished, "LineSplitter::push_blocks after finish");
        self.bytes += chunk.len() as u64;
        let mut rest = chunk;
        if !self.pending.is_empty() || self.overflow {
            match find_byte(b'\n', rest) {
                None => {
                    self.append_pending(rest);
                    return Ok(());
                }
                Some(p) => {
                    self.append_pending(&rest[..p + 1]);
                    rest = &rest[p + 1..];
                    let line = self.line;
                    self.line += 1;
                    if self.overflow {
                        self.overflow = false;
                        on_block(Block::TooLong { line })?;
                    } else {
                        let buf = std::mem::take(&mut self.pending);
                        let r = on_block(Block::Lines { first_line: line, bytes: &buf });
                        self.pending = buf;
                        self.pending.clear();
                        r?;
                    }
                }
            }
        }
        match rfind_byte(b'\n', rest) {
            None => self.append_pending(rest),
            Some(last) => {
                let block = &rest[..last + 1];
                let first = self.line;
                self.line += count_newlines(block);
                on_block(Block::Lines { first_line: first, bytes: block })?;
                self.append_pending(&rest[last + 1..]);
            }
        }
        Ok(())
    }

    /// Ends the input: delivers a final line that had no `\n`. Calling it twice, or
    /// pushing afterwards, panics (callers track their own state).
    pub fn finish_blocks<E>(&mut self, mut on_block: impl FnMut(Block<'_>) -> Result<(), E>) -> Result<(), E> {
        assert!(!self.finished, "LineSplitter::finish_blocks called twice");
        self.finished = true;
        let line = self.line;
        if self.overflow {
            self.overflow = false;
            self.line += 1;
            return on_block(Block::TooLong { line });
        }
        if !self.pending.is_empty() {
            let buf = std::mem::take(&mut self.pending);
            self.line += 1;
            return on_block(Block::Lines { first_line: line, bytes: &buf });
        }
        Ok(())
    }

    /// Feeds `chunk`, calling `on_line(line_no, kind)` for every completed line.
    pub fn push<E>(&mut self, chunk: &[u8], mut on_line: impl FnMut(u64, LineKind<'_>) -> Result<(), E>) -> Result<(), E> {
        self.push_blocks(chunk, |b| dispatch(b, &mut on_line))
    }

    /// Ends the input, calling `on_line` for a final unterminated line.
    pub fn finish<E>(&mut self, mut on_line: impl FnMut(u64, LineKind<'_>) -> Result<(), E>) -> Result<(), E> {
        self.finish_blocks(|b| dispatch(b, &mut on_line))
    }
}

/// Splits a [`Block`] into lines (the per-line view of `push_blocks`).
pub fn dispatch<E>(block: Block<'_>, on_line: &mut impl FnMut(u64, LineKind<'_>) -> Result<(), E>) -> Result<(), E> {
    match block {
        Block::TooLong { line } => on_line(line, LineKind::TooLong),
        Block::Lines { first_line, bytes } => for_each_line(first_line, bytes, on_line).map(|_| ()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_and_count_agree_with_naive() {
        let data: Vec<u8> = (0..1000u32).map(|i| if i % 7 == 3 || i % 13 == 0 { b'\n' } else { (i % 250) as u8 + 1 }).collect();
        for start in 0..20 {
            for end in (start..data.len()).step_by(37) {
                let s = &data[start..end];
                assert_eq!(find_byte(b'\n', s), s.iter().position(|&b| b == b'\n'));
                assert_eq!(rfind_byte(b'\n', s), s.iter().rposition(|&b| b == b'\n'));
                assert_eq!(count_newlines(s), s.iter().filter(|&&b| b == b'\n').count() as u64);
            }
        }
        let highs = [0x8a_u8, 0x0a, 0x8a, 0x0b, 0xff, 0x0a, 0x00, 0x0a, 0x0a, 0x8a];
        assert_eq!(count_newlines(&highs), 4);
        assert_eq!(find_byte(0x0a, &highs[2..]), Some(3));
    }

    fn collect(chunks: &[&[u8]]) -> Vec<(u64, String)> {
        let mut sp = LineSplitter::new();
        let mut out = Vec::new();
        let mut f = |n: u64, k: LineKind<'_>| -> Result<(), ()> {
            out.push((
                n,
                match k {
                    LineKind::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    LineKind::Blank => "<blank>".into(),
                    LineKind::TooLong => "<long>".into(),
                },
            ));
            Ok(())
        };
        for c in chunks {
            sp.push(c, &mut f).unwrap();
        }
        sp.finish(&mut f).unwrap();
        out
    }

    #[test]
    fn bom_crlf_blank_and_final_line() {
        let all: &[u8] = b"\xEF\xBB\xBFa\r\n \t\r\n\nb\r\n\xEF\xBB\xBFc";
        let expect = vec![(1, "a".to_string()), (2, "<blank>".into()), (3, "<blank>".into()), (4, "b".into()), (5, "\u{feff}c".into())];
        assert_eq!(collect(&[all]), expect);
        // every two-way and byte-by-byte split
        for i in 0..all.len() {
            assert_eq!(collect(&[&all[..i], &all[i..]]), expect);
        }
        let singles: Vec<&[u8]> = all.chunks(1).collect();
        assert_eq!(collect(&singles), expect);
    }

    #[test]
    fn empty_input_has_no_lines() {
        assert!(collect(&[]).is_empty());
        assert!(collect(&[b""]).is_empty());
        assert_eq!(collect(&[b"\n"]), vec![(1, "<blank>".to_string())]);
    }
}
