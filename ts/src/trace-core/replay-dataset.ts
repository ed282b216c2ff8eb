// TypeScript face of the core's replay dataset (docs/synthesis.md §3.2, §6), identical on both backends.
import type { BackendName, BackendReplayDataset, BackendReplayOptions } from './backend.js';
import { callBackend as call } from './errors.js';
import { backendFor } from './loader.js';
import type { TransformReport } from './report.js';

export type ReplayDatasetType = 'mooncake_trace' | 'single_turn' | 'multi_turn';

export interface ReplayDatasetOptions extends BackendReplayOptions {
  /** Use this backend instead of the loader's choice (tests, benchmarks). */
  backend?: BackendName;
}

/** `summaryJson()` parsed. Turn counts equal row counts except for multi_turn files. */
export interface ReplaySummary {
  dataset_type: ReplayDatasetType;
  /** Rows with at least one turn kept. */
  rows: number;
  turns: number;
  sessions: number;
  skipped_invalid_rows: number;
  /** Turns dropped by the window (windowStartMs/windowEndMs). */
  window_dropped: number;
  /** The first kept turn in file order has a `timestamp` (automatic fixed schedule, docs/cli.md §3.4). */
  first_row_has_timestamp: boolean;
  /** Every session's first turn has a `timestamp` (false for an empty dataset). */
  first_turns_timestamped: boolean;
  /** The first turns' timestamps that are present never decrease in session order. */
  sorted_by_first_timestamp: boolean;
  /** Turns with `input_length` (materialised from hash ids). */
  requested_isl_rows: number;
  /** The materialisation scope (FNV-1a 64 of the file's bytes), decimal. */
  scope: string;
  synthesis_report: TransformReport | null;
}

function bindingOptions(options: ReplayDatasetOptions): BackendReplayOptions {
  const { backend: _backend, ...rest } = options;
  return rest;
}

/**
 * A trace file held for replay: push it (through `pushLearn`/`finishLearn` first when
 * `needsLearnPass`), `finish()`, then read per-turn content (`turnJson`) and, after `setTables`,
 * materialised prompts. Errors are `TraceCoreError`s.
 */
export class ReplayDataset {
  /** Which backend holds the dataset. */
  readonly backend: BackendName;
  readonly #inner: BackendReplayDataset;

  /** @param rebuilt internal to `fromBytes`: the binding's dataset it made (the options are then ignored). */
  constructor(options: ReplayDatasetOptions = {}, rebuilt?: { backend: BackendName; inner: BackendReplayDataset }) {
    if (rebuilt !== undefined) {
      this.backend = rebuilt.backend;
      this.#inner = rebuilt.inner;
      return;
    }
    const backend = backendFor(options.backend);
    this.backend = backend.name;
    this.#inner = call(() => new backend.bindings.ReplayDataset(bindingOptions(options)));
  }

  /**
   * A finished dataset rebuilt from `toBytes` (of either backend) instead of reading the file again:
   * what a load-engine worker thread opens. Set its tables before the first prompt. Throws a
   * TraceCoreError INVALID_ARG for bytes that are not an intact snapshot of this format version.
   */
  static fromBytes(bytes: Uint8Array, backend?: BackendName): ReplayDataset {
    const b = backendFor(backend);
    return new ReplayDataset({}, { backend: b.name, inner: call(() => b.bindings.ReplayDataset.fromBytes(bytes)) });
  }

  /** After finish: everything but the tables as a versioned snapshot, the same bytes on both backends. */
  toBytes(): Uint8Array {
    return call(() => this.#inner.toBytes());
  }

  /** True when a transform runs: feed the whole file through `pushLearn`/`finishLearn` before `push`. */
  get needsLearnPass(): boolean {
    return this.#inner.needsLearnPass;
  }

  pushLearn(chunk: Uint8Array): void {
    call(() => this.#inner.pushLearn(chunk));
  }

  finishLearn(): void {
    call(() => this.#inner.finishLearn());
  }

  /** The next chunk; strict mode throws INVALID_ROW, either mode SIZE_CONFLICT (file, line, field). */
  push(chunk: Uint8Array): void {
    call(() => this.#inner.push(chunk));
  }

  finish(): void {
    call(() => this.#inner.finish());
  }

  get datasetType(): ReplayDatasetType {
    return this.#inner.datasetType as ReplayDatasetType;
  }

  get rows(): number {
    return this.#inner.rows;
  }

  get turns(): number {
    return this.#inner.turns;
  }

  get sessions(): number {
    return this.#inner.sessions;
  }

  /** Bytes pushed in the current pass. */
  get bytesConsumed(): number {
    return this.#inner.bytesConsumed;
  }

  /** Bytes the dataset holds in the core. */
  get memoryBytes(): number {
    return this.#inner.memoryBytes;
  }

  summaryJson(): string {
    return call(() => this.#inner.summaryJson());
  }

  summary(): ReplaySummary {
    return JSON.parse(this.summaryJson()) as ReplaySummary;
  }

  /** The docs/trace-format.md §4.2 warning line for `path`, or null when nothing was skipped. */
  skippedWarning(path: string): string | null {
    return call(() => this.#inner.skippedWarning(path)) ?? null;
  }

  /** First turn of each session, then the number of turns (sessions + 1 entries). */
  sessionStart(): Uint32Array {
    return call(() => this.#inner.sessionStart());
  }

  timestamps(): Float64Array {
    return call(() => this.#inner.timestamps());
  }

  delays(): Float64Array {
    return call(() => this.#inner.delays());
  }

  /** Turn `t`'s content: {"line","session_id","input_length","output_length","text","messages","tools","payload","extra","system"}. */
  turnJson(t: number): string {
    return call(() => this.#inner.turnJson(t));
  }

  /** The tokenizer tables of docs/synthesis.md §6.1, once before the first prompt; `separator` −1 for none. */
  setTables(corpus: Uint32Array, tokenBytes: Uint8Array, tokenOffsets: Uint32Array, separator: number): void {
    call(() => this.#inner.setTables(corpus, tokenBytes, tokenOffsets, separator));
  }

  /** Turn `t`'s prompt tokens (docs/synthesis.md §6.2–6.3); empty for verbatim turns. */
  promptTokens(t: number): Uint32Array {
    return call(() => this.#inner.promptTokens(t));
  }

  /** Turn `t`'s prompt text (its tokens' bytes as UTF-8); empty for verbatim turns. */
  promptText(t: number): string {
    return call(() => this.#inner.promptText(t));
  }
}
