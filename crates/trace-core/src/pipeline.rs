//! An in-order, two-thread pipeline over complete lines, for passes whose fold is
//! sequential (a prefix trie, per-row state in file order) but whose parsing is not: the
//! analysis and the learning passes of synthesis.
//!
//! Complete lines are copied into a job of about `segment` bytes; a helper thread parses
//! job k + 1 (also while the caller is busy between pushes, e.g. reading its next chunk)
//! while the calling thread folds job k, strictly in file order. WASM has no threads:
//! there each block is parsed and folded in segments on the calling thread. Results never
//! depend on the thread count, the segment size or the chunking.

use crate::error::TraceError;
use crate::lines::{count_newlines, find_byte, Block};

/// Parsed lines waiting to be folded (one job's worth).
pub(crate) trait LineBatch: Default + Send + 'static {
    /// What parsing needs besides the text (e.g. strict mode); copied into every job.
    type Config: Copy + Send + 'static;
    /// Replaces the batch's content with the rows of `text`: complete lines numbered from
    /// `first_line` (the input's last line may lack its `\n`). Returns the number of the
    /// line after `text`, or `None` if parsing stopped early (a strict-mode error, after
    /// which the fold fails and later line numbers cannot matter).
    fn parse(&mut self, config: Self::Config, first_line: u64, text: &[u8]) -> Option<u64>;
    /// Replaces the batch's content with one line that exceeded the line-length limit.
    fn too_long(&mut self, config: Self::Config, line: u64);
}

/// Default job size: large enough that the per-job thread hand-off is negligible, small
/// enough that the two jobs in flight stay cache-friendly.
const DEFAULT_SEGMENT: usize = 4 * 1024 * 1024;
/// Parse segment of the sequential path (bounds a batch's memory whatever the chunk size).
const SEQUENTIAL_SEGMENT: usize = 2 * 1024 * 1024;

/// One parse job: a copy of complete lines, parsed on the helper thread.
#[cfg(not(target_arch = "wasm32"))]
struct Job<B: LineBatch> {
    text: Vec<u8>,
    first_line: u64,
    /// The number of the line after the job's text, once parsed (0 after an early stop).
    end_line: u64,
    batch: B,
}

#[cfg(not(target_arch = "wasm32"))]
impl<B: LineBatch> Job<B> {
    fn run(mut self, config: B::Config) -> Job<B> {
        self.end_line = self.batch.parse(config, self.first_line, &self.text).unwrap_or(0);
        self
    }
}

/// The pipeline; the fold is passed to every call, so its state stays with the caller.
pub(crate) struct LinePipeline<B: LineBatch> {
    config: B::Config,
    threads: usize,
    /// job size in bytes (two threads only)
    segment: usize,
    /// the batch of the sequential path
    batch: B,
    /// complete lines gathered for the next job
    #[cfg(not(target_arch = "wasm32"))]
    acc: Vec<u8>,
    /// first line of `acc`; 0 while it is "the line after the job in flight"
    #[cfg(not(target_arch = "wasm32"))]
    acc_line: u64,
    #[cfg(not(target_arch = "wasm32"))]
    inflight: Option<std::thread::JoinHandle<Job<B>>>,
    #[cfg(not(target_arch = "wasm32"))]
    spare: Option<B>,
}

impl<B: LineBatch> LinePipeline<B> {
    pub(crate) fn new(config: B::Config) -> Self {
        LinePipeline {
            config,
            threads: default_threads(),
            segment: DEFAULT_SEGMENT,
            batch: B::default(),
            #[cfg(not(target_arch = "wasm32"))]
            acc: Vec::new(),
            #[cfg(not(target_arch = "wasm32"))]
            acc_line: 1,
            #[cfg(not(target_arch = "wasm32"))]
            inflight: None,
            #[cfg(not(target_arch = "wasm32"))]
            spare: None,
        }
    }

    /// Caps the threads (1 = sequential).
    pub(crate) fn set_threads(&mut self, threads: usize) {
        self.threads = threads.max(1);
    }

    /// Sets the job size (minimum 4 KiB); tests use small jobs to exercise the pipeline.
    pub(crate) fn set_segment_bytes(&mut self, bytes: usize) {
        self.segment = bytes.max(4096);
    }

    /// Parses and folds a block of the line splitter (possibly later: with two threads,
    /// up to two jobs stay pending until the next call or [`drain`](Self::drain)).
    pub(crate) fn on_block(&mut self, block: Block<'_>, fold: &mut dyn FnMut(&B) -> Result<(), TraceError>) -> Result<(), TraceError> {
        #[cfg(not(target_arch = "wasm32"))]
        if self.threads >= 2 {
            return self.on_block_threaded(block, fold);
        }
        self.on_block_sequential(block, fold)
    }

    fn on_block_sequential(&mut self, block: Block<'_>, fold: &mut dyn FnMut(&B) -> Result<(), TraceError>) -> Result<(), TraceError> {
        match block {
            Block::TooLong { line } => {
                self.batch.too_long(self.config, line);
                fold(&self.batch)
            }
            Block::Lines { first_line, bytes } => {
                let mut rest = bytes;
                let mut line = first_line;
                while !rest.is_empty() {
                    let end = split_at_line(rest, SEQUENTIAL_SEGMENT);
                    let seg = &rest[..end];
                    self.batch.parse(self.config, line, seg);
                    fold(&self.batch)?;
                    line += count_newlines(seg);
                    rest = &rest[end..];
                }
                Ok(())
            }
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn on_block_threaded(&mut self, block: Block<'_>, fold: &mut dyn FnMut(&B) -> Result<(), TraceError>) -> Result<(), TraceError> {
        match block {
            Block::Lines { first_line, bytes } => {
                // Copying is far cheaper than parsing; it lets the helper parse while the
                // caller is busy elsewhere, and makes the pipeline independent of chunking.
                if self.acc.is_empty() {
                    self.acc_line = first_line;
                }
                let mut rest = bytes;
                while !rest.is_empty() {
                    // (after a dispatch mid-block, `acc_line` is 0: "after the job in flight")
                    let end = split_at_line(rest, self.segment.saturating_sub(self.acc.len()));
                    if self.acc.capacity() == 0 {
                        self.acc.reserve(self.segment + self.segment / 4);
                    }
                    self.acc.extend_from_slice(&rest[..end]);
                    rest = &rest[end..];
                    if self.acc.len() >= self.segment {
                        self.dispatch(fold)?;
                    }
                }
                Ok(())
            }
            Block::TooLong { .. } => {
                self.drain(fold)?;
                self.on_block_sequential(block, fold)
            }
        }
    }

    /// Hands `acc` to the helper thread as the next job, then folds the job that was in
    /// flight (if any) while the helper parses.
    #[cfg(not(target_arch = "wasm32"))]
    fn dispatch(&mut self, fold: &mut dyn FnMut(&B) -> Result<(), TraceError>) -> Result<(), TraceError> {
        let prev = self.inflight.take().map(|h| h.join().expect("parse thread panicked"));
        let first_line = match (&prev, self.acc_line) {
            (Some(p), 0) => p.end_line,
            (_, line) => line,
        };
        let text = std::mem::take(&mut self.acc);
        let batch = self.spare.take().unwrap_or_default();
        let prev_batch = match prev {
            Some(p) => {
                self.acc = p.text;
                self.acc.clear();
                Some(p.batch)
            }
            None => None,
        };
        let job = Job { text, first_line, end_line: 0, batch };
        let config = self.config;
        self.inflight = Some(std::thread::spawn(move || job.run(config)));
        self.acc_line = 0;
        match prev_batch {
            Some(b) => {
                let r = fold(&b);
                self.spare = Some(b);
                r
            }
            None => Ok(()),
        }
    }

    /// Folds everything gathered or in flight, in file order.
    pub(crate) fn drain(&mut self, fold: &mut dyn FnMut(&B) -> Result<(), TraceError>) -> Result<(), TraceError> {
        #[cfg(not(target_arch = "wasm32"))]
        {
            if !self.acc.is_empty() {
                self.dispatch(fold)?;
            }
            if let Some(h) = self.inflight.take() {
                let p = h.join().expect("parse thread panicked");
                self.acc = p.text;
                self.acc.clear();
                self.acc_line = p.end_line;
                let r = fold(&p.batch);
                self.spare = Some(p.batch);
                r?;
            }
        }
        #[cfg(target_arch = "wasm32")]
        let _ = fold;
        Ok(())
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn default_threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get().min(2)).unwrap_or(1)
}

#[cfg(target_arch = "wasm32")]
pub(crate) fn default_threads() -> usize {
    1
}

/// Splits `bytes` (complete lines) at the end of the line that contains offset `at`.
pub(crate) fn split_at_line(bytes: &[u8], at: usize) -> usize {
    if at >= bytes.len() {
        return bytes.len();
    }
    match find_byte(b'\n', &bytes[at..]) {
        Some(p) => at + p + 1,
        None => bytes.len(),
    }
}
