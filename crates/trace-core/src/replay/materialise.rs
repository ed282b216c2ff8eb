//! Prompt materialisation (`docs/synthesis.md` §6.2–6.3): a Mooncake turn's hash ids become
//! token blocks cut from the tokenizer's corpus, and its tokens become text.
//!
//! Every block, pad and fresh run is a contiguous stretch of the corpus (wrapping at its end),
//! optionally after the separator token, so a prompt is built as a few runs whose start
//! comes from one seeded stream draw each. Text is built the same way from the corpus's bytes
//! laid end to end (prepared once by [`PromptTables::new`]), so `promptText` is mostly memory
//! copies. Nothing is cached per id: a block costs one stream draw.

use crate::error::TraceError;
use crate::layout::materialised_block_size;
use crate::rng::{labels, Stream};

/// The tokenizer tables a prompt is built from.
#[derive(Debug, Clone)]
pub struct PromptTables {
    /// `K`: the corpus tokens (`docs/synthesis.md` §6.1).
    corpus: Vec<u32>,
    /// The bytes of `K[0]`, `K[1]`, … laid end to end; `K[i]` is
    /// `corpus_bytes[corpus_at[i]..corpus_at[i + 1]]`.
    corpus_bytes: Vec<u8>,
    corpus_at: Vec<usize>,
    /// `sep` and its bytes.
    separator: Option<u32>,
    separator_bytes: Vec<u8>,
}

fn table_err(message: String) -> TraceError {
    TraceError::invalid_arg(format!("setTables: {message}"))
}

/// The separator argument as JavaScript passes it: a token id, or `-1` for none.
pub fn separator_arg(value: f64) -> Result<Option<u32>, TraceError> {
    if value == -1.0 {
        Ok(None)
    } else if value.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&value) {
        Ok(Some(value as u32))
    } else {
        Err(table_err(format!("separator must be a token id or -1 (none), got {value}")))
    }
}

impl PromptTables {
    /// Checks and prepares the tables: `corpus` token ids, the byte table of the vocabulary
    /// (token `t` is `token_bytes[token_offsets[t]..token_offsets[t + 1]]`), and the separator.
    pub fn new(corpus: &[u32], token_bytes: &[u8], token_offsets: &[u32], separator: Option<u32>) -> Result<Self, TraceError> {
        if corpus.is_empty() {
            return Err(table_err("the corpus is empty".into()));
        }
        if token_offsets.is_empty() {
            return Err(table_err("tokenOffsets must have one entry more than the vocabulary".into()));
        }
        if token_offsets.windows(2).any(|w| w[0] > w[1]) || token_offsets[token_offsets.len() - 1] as usize > token_bytes.len() {
            return Err(table_err("tokenOffsets must be non-decreasing and end within tokenBytes".into()));
        }
        let vocab = token_offsets.len() - 1;
        let bytes_of = |t: u32| &token_bytes[token_offsets[t as usize] as usize..token_offsets[t as usize + 1] as usize];
        if let Some(s) = separator.filter(|&s| s as usize >= vocab) {
            return Err(table_err(format!("separator {s} is outside the vocabulary of {vocab} tokens")));
        }
        let mut corpus_bytes = Vec::new();
        let mut corpus_at = Vec::with_capacity(corpus.len() + 1);
        for (i, &t) in corpus.iter().enumerate() {
            if t as usize >= vocab {
                return Err(table_err(format!("corpus token {t} at index {i} is outside the vocabulary of {vocab} tokens")));
            }
            corpus_at.push(corpus_bytes.len());
            corpus_bytes.extend_from_slice(bytes_of(t));
        }
        corpus_at.push(corpus_bytes.len());
        Ok(PromptTables {
            corpus: corpus.to_vec(),
            corpus_bytes,
            corpus_at,
            separator,
            separator_bytes: separator.map(|s| bytes_of(s).to_vec()).unwrap_or_default(),
        })
    }

    /// `Ncorp`.
    pub fn corpus_len(&self) -> usize {
        self.corpus.len()
    }

    /// Bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.corpus.capacity() * 4 + self.corpus_bytes.capacity() + self.corpus_at.capacity() * std::mem::size_of::<usize>()
    }

    /// Calls `f(start, len)` for each stretch of `len` corpus tokens from `start`, wrapping.
    #[inline]
    fn stretches(&self, mut start: usize, mut len: usize, mut f: impl FnMut(usize, usize)) {
        let n = self.corpus.len();
        while len > 0 {
            let take = len.min(n - start);
            f(start, start + take);
            len -= take;
            start = 0;
        }
    }

    fn push_tokens(&self, run: Run, out: &mut Vec<u32>) {
        if let (true, Some(s)) = (run.separator, self.separator) {
            out.push(s);
        }
        self.stretches(run.start, run.len, |a, b| out.extend_from_slice(&self.corpus[a..b]));
    }

    fn push_bytes(&self, run: Run, out: &mut Vec<u8>) {
        if run.separator {
            out.extend_from_slice(&self.separator_bytes);
        }
        self.stretches(run.start, run.len, |a, b| out.extend_from_slice(&self.corpus_bytes[self.corpus_at[a]..self.corpus_at[b]]));
    }
}

/// One piece of a prompt: the separator (if `separator` and the tokenizer has one), then
/// `len` corpus tokens from `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    separator: bool,
    start: usize,
    len: usize,
}

/// What a materialised turn is made of: its requested length and hash ids.
pub(crate) struct TurnLayout<I> {
    pub input_length: u64,
    pub n_ids: u64,
    pub ids: I,
    /// The turn's index in the dataset (the row index of §6.1).
    pub row: u64,
}

/// The stream keys every prompt of one dataset shares.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PromptKeys {
    pub seed: u64,
    pub scope: u64,
    pub block_size: u64,
}

/// Calls `f` with the runs of a turn's prompt, in order (§6.3).
fn runs<I: Iterator<Item = u64>>(tables: &PromptTables, keys: PromptKeys, turn: TurnLayout<I>, mut f: impl FnMut(Run)) {
    let n_corp = tables.corpus.len() as u64;
    let draw = |label: &str, key: u64| Stream::new(keys.seed, label, &[keys.scope, key]).below(n_corp) as usize;
    let (isl, n, bs) = (turn.input_length, turn.n_ids, keys.block_size);
    if n == 0 {
        let len = isl.max(1) as usize;
        f(Run { separator: false, start: draw(labels::PROMPT_FRESH, turn.row), len });
        return;
    }
    let has_sep = tables.separator.is_some();
    for (k, id) in turn.ids.enumerate() {
        let size = materialised_block_size(isl, n, k as u64, bs) as usize;
        // `[sep] + K[o…]` to `size` tokens, or `size` corpus tokens without a separator
        let len = if has_sep { size.saturating_sub(1) } else { size };
        f(Run { separator: has_sep && size > 0, start: draw(labels::PROMPT_BLOCK, id), len });
    }
    if isl > n * bs {
        // prefix_only: the uncovered tokens are the row's own, never shared
        f(Run { separator: false, start: draw(labels::PROMPT_PAD, turn.row), len: (isl - n * bs) as usize });
    }
}

/// The prompt tokens of a turn.
pub(crate) fn prompt_tokens<I: Iterator<Item = u64>>(tables: &PromptTables, keys: PromptKeys, turn: TurnLayout<I>) -> Vec<u32> {
    let mut out = Vec::with_capacity(turn.input_length.max(1) as usize);
    runs(tables, keys, turn, |r| tables.push_tokens(r, &mut out));
    out
}

/// The prompt text of a turn: the bytes of its tokens concatenated, as UTF-8 (invalid
/// sequences become U+FFFD, as a byte-level tokenizer's decode does).
pub(crate) fn prompt_text<I: Iterator<Item = u64>>(tables: &PromptTables, keys: PromptKeys, turn: TurnLayout<I>) -> String {
    // ~4 bytes per token in English BPE vocabularies: one allocation in the common case
    let mut out = Vec::with_capacity(turn.input_length.max(1) as usize * 5);
    runs(tables, keys, turn, |r| tables.push_bytes(r, &mut out));
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Vocabulary: token t is the letter ('a' + t % 26) repeated (t / 26 + 1) times; 99 is "|".
    fn tables(corpus_len: u32, separator: Option<u32>) -> PromptTables {
        let mut bytes = Vec::new();
        let mut offsets = vec![0u32];
        for t in 0..100u32 {
            if t == 99 {
                bytes.push(b'|');
            } else {
                bytes.extend(std::iter::repeat_n(b'a' + (t % 26) as u8, (t / 26 + 1) as usize));
            }
            offsets.push(bytes.len() as u32);
        }
        let corpus: Vec<u32> = (0..corpus_len).map(|i| i % 99).collect();
        PromptTables::new(&corpus, &bytes, &offsets, separator).unwrap()
    }

    fn layout(isl: u64, ids: &[u64], row: u64) -> TurnLayout<std::iter::Copied<std::slice::Iter<'_, u64>>> {
        TurnLayout { input_length: isl, n_ids: ids.len() as u64, ids: ids.iter().copied(), row }
    }

    const KEYS: PromptKeys = PromptKeys { seed: 0, scope: 0, block_size: 4 };

    #[test]
    fn blocks_start_with_the_separator_and_the_last_is_cut() {
        let t = tables(10, Some(99));
        let toks = prompt_tokens(&t, KEYS, layout(6, &[46, 47], 0));
        assert_eq!(toks.len(), 6);
        assert_eq!((toks[0], toks[4]), (99, 99));
        let o46 = Stream::new(0, labels::PROMPT_BLOCK, &[0, 46]).below(10) as u32;
        assert_eq!(&toks[1..4], &[o46 % 99, (o46 + 1) % 10, (o46 + 2) % 10]);
        // the text is the tokens' bytes
        let text = prompt_text(&t, KEYS, layout(6, &[46, 47], 0));
        let want: String =
            toks.iter().map(|&k| if k == 99 { "|".to_string() } else { ((b'a' + (k % 26) as u8) as char).to_string() }).collect();
        assert_eq!(text, want);
    }

    #[test]
    fn pad_and_fresh_runs_have_no_separator_and_wrap_around_the_corpus() {
        let t = tables(3, Some(99));
        let toks = prompt_tokens(&t, KEYS, layout(11, &[1], 5)); // prefix_only: 4 + 7
        assert_eq!(toks.len(), 11);
        assert_eq!(toks[0], 99);
        assert!(toks[4..].iter().all(|&k| k < 3), "{toks:?}");
        let o = Stream::new(0, labels::PROMPT_PAD, &[0, 5]).below(3) as u32;
        assert_eq!(toks[4], o);
        assert_eq!(toks[5], (o + 1) % 3);
        let fresh = prompt_tokens(&t, KEYS, layout(0, &[], 9));
        assert_eq!(fresh.len(), 1, "max(1, isl) tokens");
        assert_eq!(fresh[0], Stream::new(0, labels::PROMPT_FRESH, &[0, 9]).below(3) as u32);
        let no_sep = tables(3, None);
        assert!(prompt_tokens(&no_sep, KEYS, layout(4, &[1], 0)).iter().all(|&k| k < 3));
    }

    #[test]
    fn tables_are_checked() {
        let err = |r: Result<PromptTables, TraceError>| r.unwrap_err().message;
        assert_eq!(err(PromptTables::new(&[], b"a", &[0, 1], None)), "setTables: the corpus is empty");
        assert_eq!(
            err(PromptTables::new(&[1], b"a", &[0, 1], None)),
            "setTables: corpus token 1 at index 0 is outside the vocabulary of 1 tokens"
        );
        assert_eq!(
            err(PromptTables::new(&[0], b"a", &[0, 2], None)),
            "setTables: tokenOffsets must be non-decreasing and end within tokenBytes"
        );
        assert_eq!(err(PromptTables::new(&[0], b"a", &[0, 1], Some(1))), "setTables: separator 1 is outside the vocabulary of 1 tokens");
        assert_eq!(separator_arg(-1.0).unwrap(), None);
        assert_eq!(separator_arg(7.0).unwrap(), Some(7));
        assert!(separator_arg(-2.0).is_err() && separator_arg(0.5).is_err());
        // invalid UTF-8 across a prompt becomes U+FFFD
        let t = PromptTables::new(&[0, 1], b"\xe2\x82", &[0, 1, 2], None).unwrap();
        let s = prompt_text(&t, PromptKeys { block_size: 2, ..KEYS }, layout(2, &[3], 0));
        assert!(s.contains('\u{fffd}'), "{s:?}");
    }
}
