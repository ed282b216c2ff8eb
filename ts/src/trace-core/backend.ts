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
  pushEmit(chunk: Uint8Array): Uint8Array;
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
}

/** A loaded backend: the bindings plus the name reports print. */
export interface TraceCoreBackend {
  readonly name: BackendName;
  /** Where the module was loaded from (for `--verbose`). */
  readonly location: string;
  readonly bindings: TraceCoreBindings;
}
