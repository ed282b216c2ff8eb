// The bounds behind the flag ranges of docs/cli.md §1.5 and the size rules of §3.6 (21, 22): what
// keeps a huge value from hanging or crashing a run before its first request.

/** Longest duration any flag takes, in seconds (365 days); timers of any length are chained (ts/src/long-timeout.ts). */
export const MAX_DURATION_SECONDS = 31_536_000;
/** The same in milliseconds, for the flags given in ms. */
export const MAX_DURATION_MS = MAX_DURATION_SECONDS * 1000;
/** Largest prompt or output length a flag may ask for, and the cap on a drawn length (`N(mean, stddev)`). */
export const MAX_SEQUENCE_TOKENS = 1_000_000;
/** Largest number of requests (turns) a phase may send, and of synthetic dataset entries or sessions. */
export const MAX_REQUEST_COUNT = 100_000_000;
/** Largest number of distinct synthetic prompts or sessions. */
export const MAX_DATASET_ENTRIES = 1_000_000;
/** Rule 21: synthetic prompt tokens materialised before the run (every entry's drawn ISL plus the shared system prompt). */
export const MAX_SYNTHETIC_PROMPT_TOKENS = 10_000_000;
/** Rule 22: turns of all synthetic sessions together (planned before the run). */
export const MAX_SESSION_TURNS = 1_000_000;
/** Largest number of requests or sessions in flight. */
export const MAX_CONCURRENCY = 100_000;
/** Largest request rate, in requests per second. */
export const MAX_REQUEST_RATE = 1_000_000;
/** Largest number of load-generation (or serving) worker threads or processes. */
export const MAX_WORKERS = 256;
/** Shortest time slice (1 ms) and most slices a run may be cut into (docs/metrics.md §9). */
export const MIN_SLICE_SECONDS = 0.001;
export const MAX_TIME_SLICES = 1_000_000;
/** Trace timestamps and lengths are safe integers; block sizes and lengths in traces are 32-bit. */
export const MAX_U32 = 4_294_967_295;
/** Largest `--gpus` (plot, sweep): divides throughput on the per-GPU axes and columns. */
export const MAX_GPUS = 100_000;
/** Largest `--shard-count` (processes or pods of one sharded run). */
export const MAX_SHARDS = 4096;
