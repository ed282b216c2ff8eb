// The synthesis part of the binding contract (TransformStream, GenerateStream, PromptHashStream, PromptHasher), same JS names on both backends.
import type { BackendName, TraceCoreBackend } from '../trace-core/backend.js';
import { TraceCoreError, normaliseBackendError } from '../trace-core/errors.js';
import { getBackend, loadBackend } from '../trace-core/loader.js';

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

export interface SynthesisBindings {
  /** Throws `INVALID_ARG` naming the option, as the synthesis constructors would; reads nothing. */
  validateSynthesisOptions(options?: BackendSynthesisOptions): void;
  TransformStream: new (options?: BackendSynthesisOptions) => BackendTransformStream;
  GenerateStream: new (options?: BackendSynthesisOptions) => BackendGenerateStream;
  PromptHashStream: new (options?: BackendPromptHashOptions) => BackendPromptHashStream;
  PromptHasher: new (blockSize: number) => BackendPromptHasher;
}

/** The synthesis exports of the chosen (or named) backend. */
export function synthesisBackend(name?: BackendName): { name: BackendName; bindings: SynthesisBindings } {
  const backend: TraceCoreBackend = name === undefined ? getBackend() : loadBackend(name);
  const b = backend.bindings as unknown as Partial<SynthesisBindings>;
  if (typeof b.TransformStream !== 'function' || typeof b.GenerateStream !== 'function' || typeof b.PromptHasher !== 'function' || typeof b.PromptHashStream !== 'function' || typeof b.validateSynthesisOptions !== 'function') {
    throw new TraceCoreError(
      'BACKEND_UNAVAILABLE',
      `the ${backend.name} backend at ${backend.location} predates synthesis (rebuild it with \`npm run build:${backend.name}\`)`,
    );
  }
  return { name: backend.name, bindings: b as SynthesisBindings };
}

/** Run `fn`, rethrowing any backend error as a `TraceCoreError`. */
export function call<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw normaliseBackendError(err);
  }
}
