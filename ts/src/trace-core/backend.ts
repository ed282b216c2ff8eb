// The contract both bindings (napi-rs and wasm-bindgen) implement, with the same JS names.

/** Options accepted by the bindings' `TraceAnalyzer` constructor and `analyzeTrace`. */
export interface BackendAnalyzerOptions {
  /** Tokens per hash block (default 512). */
  blockSize?: number;
  /** Lenient mode: count and skip invalid rows instead of throwing. */
  skipInvalid?: boolean;
  /** Name used as FILE in errors and warnings (the path as given on the command line). */
  sourceName?: string;
  /** Also run the whole-file materialisation size-conflict check (trace-format.md §7.1). */
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

export type BackendName = 'native' | 'wasm';

/** What a loaded binding module exposes. */
export interface TraceCoreBindings {
  analyzeTrace(bytes: Uint8Array, options?: BackendAnalyzerOptions): string;
  TraceAnalyzer: new (options?: BackendAnalyzerOptions) => BackendTraceAnalyzer;
}

/** A loaded backend: the bindings plus the name reports print. */
export interface TraceCoreBackend {
  readonly name: BackendName;
  /** Where the module was loaded from (for `--verbose`). */
  readonly location: string;
  readonly bindings: TraceCoreBindings;
}
