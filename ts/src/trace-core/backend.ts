// The binding contract: what both bindings (napi-rs and wasm-bindgen) export, with the same JS
// names. tsconfig.bindings.json checks that both generated declaration files satisfy it.

/** Options accepted by the bindings' `TraceAnalyzer` constructor and `analyzeTrace`. */
export interface BackendAnalyzerOptions {
  /** Tokens per hash block (default 512). */
  blockSize?: number;
  /** Lenient mode: count and skip invalid rows instead of throwing. */
  skipInvalid?: boolean;
  /** Name used as FILE in errors and warnings (the path as given on the command line). */
  sourceName?: string;
  /** Also run the whole-file materialisation size-conflict check (docs/trace-format.md §7.1). */
  checkMaterialisation?: boolean;
}

/** A binding's streaming analyzer instance. */
export interface BackendTraceAnalyzer {
  push(chunk: Uint8Array): void;
  finishJson(): string;
  skippedJson(): string;
  skippedWarning(path: string): string | null | undefined;
  inconsistentWarning(): string | null | undefined;
  readonly bytesConsumed: number;
  readonly rowsParsed: number;
}

/** Options the bindings' synthesis constructors take; multipliers and the seed are exact decimal text. */
export interface BackendSynthesisOptions {
  blockSize?: number;
  speedupRatio?: string;
  prefixLenMultiplier?: string;
  prefixRootMultiplier?: string;
  promptLenMultiplier?: string;
  outputLenMultiplier?: string;
  maxIsl?: number;
  maxOsl?: number;
  minIsl?: number;
  minOsl?: number;
  seed?: string;
  skipInvalid?: boolean;
  sourceName?: string;
}

export interface BackendTransformStream {
  pushLearn(chunk: Uint8Array): void;
  finishLearn(): void;
  /** At most about 32 MiB of output; the rest comes from `drainEmit` (call it until empty before the next push). */
  pushEmit(chunk: Uint8Array): Uint8Array;
  drainEmit(): Uint8Array;
  finishEmit(): Uint8Array;
  reportJson(): string;
  skippedJson(): string;
  skippedWarning(path: string): string | null | undefined;
  readonly bytesConsumed: number;
}

export interface BackendGenerateStream {
  push(chunk: Uint8Array): void;
  finish(numRequests: number): void;
  nextChunk(minBytes: number): Uint8Array;
  readonly produced: number;
  reportJson(): string;
  skippedWarning(path: string): string | null | undefined;
}

/** Options of the bindings' `PromptHashStream`. */
export interface BackendPromptHashOptions {
  blockSize?: number;
  textField?: string;
  skipInvalid?: boolean;
  sourceName?: string;
  /** Rows per batch handed out for tokenizing. */
  batchRows?: number;
}

/**
 * hash-prompts over byte chunks (docs/synthesis.md §5): `push`/`finish` the input; after each,
 * `nextBatch()` until null gives the texts of a batch (a JSON array of strings) and
 * `hashBatch` takes all their tokens at once and returns the batch's output rows.
 */
export interface BackendPromptHashStream {
  push(chunk: Uint8Array): void;
  finish(): void;
  nextBatch(): string | null | undefined;
  hashBatch(tokens: Uint32Array, rowOffsets: Uint32Array): Uint8Array;
  reportJson(): string;
  skippedWarning(path: string): string | null | undefined;
  readonly rowsRead: number;
  readonly bytesConsumed: number;
}

/** Chain hashing alone (benchmarks of the core). */
export interface BackendPromptHasher {
  hashBatch(tokens: Uint32Array, rowOffsets: Uint32Array): Uint32Array;
  readonly distinctIds: number;
  readonly blocks: number;
  readonly rows: number;
}

/**
 * Options of the bindings' `ReplayDataset` (docs/cli.md §3.3–3.4, docs/synthesis.md §3.2, §6). The
 * `--synthesis-*` fields have the `BackendSynthesisOptions` names; any that differs from its
 * default makes a transform run (`needsLearnPass`).
 */
export interface BackendReplayOptions {
  /** Tokens per hash block (default 512). */
  blockSize?: number;
  skipInvalid?: boolean;
  /** FILE in messages. */
  sourceName?: string;
  /** 'mooncake_trace' | 'single_turn' | 'multi_turn'; absent: inferred from the first valid row. */
  datasetType?: string;
  /** Keep only rows whose ORIGINAL timestamp is in [start, end] (inclusive); rows without timestamp are kept. */
  windowStartMs?: number;
  windowEndMs?: number;
  /** Fixed schedule: the first turn of every session needs `timestamp` (else missing_field, docs/trace-format.md §6). */
  requireTimestamps?: boolean;
  /** Decimal u64: the materialisation streams and the transform's root draws. */
  seed?: string;
  speedupRatio?: string;
  prefixLenMultiplier?: string;
  prefixRootMultiplier?: string;
  promptLenMultiplier?: string;
  outputLenMultiplier?: string;
  maxIsl?: number;
  maxOsl?: number;
}

/**
 * A binding's replay dataset: a trace file parsed, validated, optionally transformed and held
 * compactly; then per-turn content and materialised prompts. Turns are in replay order
 * (sessions by first appearance, a session's turns in file order).
 */
export interface BackendReplayDataset {
  /** True when a transform runs (some --synthesis-* differs from its default): feed the file through pushLearn/finishLearn first. */
  readonly needsLearnPass: boolean;
  pushLearn(chunk: Uint8Array): void;
  finishLearn(): void;
  /** Strict: throws INVALID_ROW / SIZE_CONFLICT (file, line, field) like the analyzer. */
  push(chunk: Uint8Array): void;
  finish(): void;
  /** Resolved ('mooncake_trace' when the file has no valid row). */
  readonly datasetType: string;
  readonly rows: number;
  readonly turns: number;
  readonly sessions: number;
  /** Bytes pushed in the current pass. */
  readonly bytesConsumed: number;
  /** Bytes the dataset holds (while loading with its lookup tables; once finished, what it keeps). */
  readonly memoryBytes: number;
  /** The ReplaySummary JSON (see replay-dataset.ts); after finish. */
  summaryJson(): string;
  /** docs/trace-format.md §4.2 warning line, or null/undefined when nothing was skipped. */
  skippedWarning(path: string): string | null | undefined;
  /** sessions + 1 entries. */
  sessionStart(): Uint32Array;
  /** Per turn, ms after transform scaling, NaN when absent. */
  timestamps(): Float64Array;
  /** Per turn, NaN when absent. */
  delays(): Float64Array;
  /** {"line","session_id","input_length","output_length","text","messages","tools","payload","extra","system"} (null when absent). */
  turnJson(t: number): string;
  /** Token t's bytes are tokenBytes[tokenOffsets[t] … tokenOffsets[t+1]); separator −1 for none. */
  setTables(corpus: Uint32Array, tokenBytes: Uint8Array, tokenOffsets: Uint32Array, separator: number): void;
  /** docs/synthesis.md §6.2–6.3; empty for verbatim turns. */
  promptTokens(t: number): Uint32Array;
  /** The bytes of those tokens concatenated, as UTF-8 (lossy); empty for verbatim turns. */
  promptText(t: number): string;
  /**
   * After finish: the dataset as a versioned snapshot, identical on both backends, for `fromBytes`
   * in another thread (everything but the tables set by `setTables`).
   */
  toBytes(): Uint8Array;
}

/** The bindings' `ReplayDataset` class: a new dataset to push a file into, or one rebuilt from `toBytes`. */
export interface BackendReplayDatasetClass {
  new (options?: BackendReplayOptions): BackendReplayDataset;
  /** Throws INVALID_ARG for bytes that are not an intact snapshot of this format version. */
  fromBytes(bytes: Uint8Array): BackendReplayDataset;
}

export type BackendName = 'native' | 'wasm';

/** What a loaded binding module exposes. */
export interface TraceCoreBindings {
  analyzeTrace(bytes: Uint8Array, options?: BackendAnalyzerOptions): string;
  TraceAnalyzer: new (options?: BackendAnalyzerOptions) => BackendTraceAnalyzer;
  /** Throws `INVALID_ARG` naming the option, as the synthesis constructors would; reads nothing. */
  validateSynthesisOptions(options?: BackendSynthesisOptions): void;
  TransformStream: new (options?: BackendSynthesisOptions) => BackendTransformStream;
  GenerateStream: new (options?: BackendSynthesisOptions) => BackendGenerateStream;
  PromptHashStream: new (options?: BackendPromptHashOptions) => BackendPromptHashStream;
  PromptHasher: new (blockSize: number) => BackendPromptHasher;
  ReplayDataset: BackendReplayDatasetClass;
}

/** A loaded backend: the bindings plus the name reports print. */
export interface TraceCoreBackend {
  readonly name: BackendName;
  /** Where the module was loaded from (for `--verbose`). */
  readonly location: string;
  readonly bindings: TraceCoreBindings;
}
