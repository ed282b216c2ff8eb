// An `--input-file` as a TurnSource (docs/cli.md §3.3): the core's ReplayDataset reads, validates,
// windows and transforms the rows (docs/synthesis.md §3.2) from the chunked reader; prompts are
// materialised on demand from the tables of ./materialisation-tables.ts (docs/synthesis.md §6).
// The main thread reads the file once (every input error is found here, before the artifact
// directory exists); load-engine worker threads open it from a TraceSpec with
// `openTraceTurnSource` (the module is their trace opener, ts/src/load/workers.ts): from the main
// thread's snapshot of the finished dataset, or by re-reading the file when the spec has none.
import type { CustomDatasetType } from '../config/defaults.js';
import type { LoadMode } from '../config/profile-config.js';
import type { CoreTransformOptions } from '../config/synthesis-flags.js';
import { UsageError } from '../errors.js';
import { fileSource } from '../io/chunked-reader.js';
import { loadTokenizer, type Tokenizer } from '../tokenizer/index.js';
import type { BackendName } from '../trace-core/backend.js';
import { ReplayDataset, type ReplayDatasetOptions, type ReplaySummary } from '../trace-core/replay-dataset.js';
import type { TransformReport } from '../trace-core/report.js';
import type { MaterialisationTables, TraceSpec, TurnContent, TurnSource } from './turn-source.js';

/** What reading the file found: what the run prints, reports and decides its mode from. */
export interface TraceFileSummary {
  /** The path as given. */
  path: string;
  backend: BackendName;
  /** Given or inferred from the first valid row. */
  datasetType: CustomDatasetType;
  /** Rows with at least one turn kept (after the window and `--synthesis-max-isl`). */
  rows: number;
  /** Turns to send, after both. */
  turns: number;
  sessions: number;
  skippedInvalidRows: number;
  /** The lenient-mode warning line of docs/trace-format.md §4.2, or null. */
  skippedWarning: string | null;
  windowDropped: number;
  firstRowHasTimestamp: boolean;
  firstTurnsTimestamped: boolean;
  /** Rows with an `input_length`: prompts to materialise. */
  requestedIslRows: number;
  /** The earliest timestamp of a session's first turn, in ms after the transform's scaling; null when none has one. */
  earliestFirstTurnMs: number | null;
  /** The in-memory transform's report (docs/synthesis.md §3.5) with its `summary` line, or null. */
  synthesisReport: TransformReport | null;
}

/**
 * What reading a file takes: the TraceSpec without the tables (made after reading, from the
 * tokenizer) and with the type not yet known when it is to be inferred (null).
 */
export type TraceReadSpec = Omit<TraceSpec, 'tables' | 'datasetType' | 'snapshot'> & { datasetType: CustomDatasetType | null };

function replayOptions(spec: TraceReadSpec): ReplayDatasetOptions {
  const o: ReplayDatasetOptions = {
    blockSize: spec.blockSize,
    skipInvalid: spec.skipInvalid,
    sourceName: spec.sourceName,
    requireTimestamps: spec.requireTimestamps,
    seed: spec.seed,
    ...(spec.synthesis as CoreTransformOptions | null),
  };
  if (spec.datasetType !== null) o.datasetType = spec.datasetType;
  if (spec.windowStartMs !== null) o.windowStartMs = spec.windowStartMs;
  if (spec.windowEndMs !== null) o.windowEndMs = spec.windowEndMs;
  return o;
}

/** Both passes of the file through the core (the learn pass only when a transform runs). */
/** Bytes of the file read so far in this pass, of its size (null: not known), and which pass: a transform reads the file twice. */
export type ReadProgress = (bytes: number, size: number | null, pass: 'learn' | 'read') => void;

async function readInto(core: ReplayDataset, path: string, progress?: ReadProgress): Promise<void> {
  // A missing, unreadable or directory path is a usage error naming it (docs/trace-format.md §2.6).
  const source = fileSource(path);
  const size = source.size ?? null;
  let bytes = 0;
  if (core.needsLearnPass) {
    await source.forEachChunk((chunk) => {
      core.pushLearn(chunk);
      bytes += chunk.length;
      progress?.(bytes, size, 'learn');
    });
    core.finishLearn();
    bytes = 0;
  }
  await source.forEachChunk((chunk) => {
    core.push(chunk);
    bytes += chunk.length;
    progress?.(bytes, size, 'read');
  });
  // Strict row errors throw from push; the whole-file size-conflict check at the latest here.
  core.finish();
}

/** The earliest first-turn timestamp (NaN: the turn has none). */
function earliestFirstTurn(sessionStart: Uint32Array, timestamps: Float64Array): number | null {
  let min = Infinity;
  for (let s = 0; s + 1 < sessionStart.length; s++) {
    const ts = timestamps[sessionStart[s]!]!;
    if (ts < min) min = ts;
  }
  return Number.isFinite(min) ? min : null;
}

/**
 * A file read and validated by the core, not yet materialisable: `summary` is what the run needs
 * before deciding anything; `turnSource(tables)` makes the TurnSource once the tables exist.
 */
export class TraceFile {
  private constructor(
    readonly summary: TraceFileSummary,
    private readonly spec: Omit<TraceSpec, 'tables' | 'snapshot'>,
    private readonly core: ReplayDataset,
  ) {}

  /**
   * Read `spec.path` through the core. `datasetType` null infers the type from the first valid row
   * (docs/cli.md §3.3). Throws a UsageError for a missing file and for a file that leaves nothing
   * to send; the core's TraceCoreError (INVALID_ROW, SIZE_CONFLICT, INVALID_ARG: exit 2) for bad
   * rows, size conflicts and bad option values. Nothing is written either way.
   */
  static async read(spec: TraceReadSpec, progress?: ReadProgress): Promise<TraceFile> {
    const core = new ReplayDataset(replayOptions(spec));
    await readInto(core, spec.path, progress);
    const s = core.summary();
    if (s.turns === 0) throw nothingToSend(spec.sourceName, s);
    const summary: TraceFileSummary = {
      path: spec.sourceName,
      backend: core.backend,
      datasetType: s.dataset_type,
      rows: s.rows,
      turns: s.turns,
      sessions: s.sessions,
      skippedInvalidRows: s.skipped_invalid_rows,
      skippedWarning: core.skippedWarning(spec.sourceName),
      windowDropped: s.window_dropped,
      firstRowHasTimestamp: s.first_row_has_timestamp,
      firstTurnsTimestamped: s.first_turns_timestamped,
      requestedIslRows: s.requested_isl_rows,
      earliestFirstTurnMs: earliestFirstTurn(core.sessionStart(), core.timestamps()),
      synthesisReport: s.synthesis_report,
    };
    return new TraceFile(summary, { ...spec, datasetType: s.dataset_type }, core);
  }

  /**
   * The TurnSource over this file. With materialisable rows, `tables` go to the core and the
   * core's byte-concatenated text is checked against `tokenizer.decode` on a few prompts; when
   * either that or the tables' own probe fails, prompts are decoded whole with the tokenizer
   * (docs/synthesis.md §6.3). Returns the spec workers reopen it from (re-reading the file), with
   * the verdict, and `shared()`: that spec with the dataset's snapshot, so they need not.
   */
  turnSource(tables: MaterialisationTables | null, tokenizer: Tokenizer | null): OpenedTrace {
    let checked = tables;
    if (tables !== null) {
      setTables(this.core, tables);
      // Without a loaded tokenizer (tables from the cache) the tables' own probe stands alone.
      if (tables.concatSafe && tokenizer !== null && !coreTextMatchesDecode(this.core, tokenizer))
        checked = { ...tables, concatSafe: false };
    }
    if (checked?.concatSafe === false && tokenizer === null) throw new Error('turnSource: prompts decoded whole need the tokenizer');
    const spec: TraceSpec = { ...this.spec, tables: checked, snapshot: null };
    const core = this.core;
    return {
      source: new ReplayTurnSource(core, spec, checked?.concatSafe === false ? tokenizer : null),
      spec,
      shared: () => ({ ...spec, snapshot: sharedSnapshot(core) }),
    };
  }
}

/** A file opened on this thread, and what worker threads open it from. */
export interface OpenedTrace {
  source: TurnSource;
  /** The spec without a snapshot: a worker re-reads the file. */
  spec: TraceSpec;
  /** The spec with the finished dataset's snapshot in shared memory (made anew at each call). */
  shared(): TraceSpec;
}

/**
 * The core's snapshot copied into shared memory: one copy for every worker thread, whatever their
 * number (a transferred ArrayBuffer reaches one thread, a cloned one is copied per thread).
 */
function sharedSnapshot(core: ReplayDataset): SharedArrayBuffer {
  const bytes = core.toBytes();
  const shared = new SharedArrayBuffer(bytes.byteLength);
  new Uint8Array(shared).set(bytes);
  return shared;
}

function setTables(core: ReplayDataset, t: MaterialisationTables): void {
  core.setTables(t.corpus, t.tokenBytes, t.tokenOffsets, t.separator);
}

/** How many materialised prompts the start-up check compares with the tokenizer's decode. */
const CORE_TEXT_PROBES = 4;
/** How far into the file the check looks for them (rows of other kinds are skipped). */
const CORE_TEXT_SCAN = 256;

/** The core's concatenated bytes give `tokenizer.decode` of the same tokens, on the first few materialised turns. */
function coreTextMatchesDecode(core: ReplayDataset, tokenizer: Tokenizer): boolean {
  let probed = 0;
  for (let t = 0; t < Math.min(core.turns, CORE_TEXT_SCAN) && probed < CORE_TEXT_PROBES; t++) {
    const row = JSON.parse(core.turnJson(t)) as CoreTurn;
    if (!materialisable(row)) continue;
    probed++;
    const tokens = core.promptTokens(t);
    if (core.promptText(t) !== tokenizer.decode(Array.from(tokens), { skipSpecialTokens: false })) return false;
  }
  return true;
}

/** `turnJson(t)` of the core. */
interface CoreTurn {
  line: number;
  session_id: string | null;
  input_length: number | null;
  output_length: number | null;
  text: string | null;
  messages: unknown[] | null;
  tools: unknown[] | null;
  payload: Record<string, unknown> | null;
  extra: Record<string, unknown> | null;
  system: string | null;
}

/** A row whose prompt is made from `input_length` (and `hash_ids`): no text, messages or payload of its own. */
function materialisable(row: CoreTurn): boolean {
  return row.input_length !== null && row.text === null && row.messages === null && row.payload === null;
}

/** The system message of a file turn under `--system-prompt` (docs/cli.md §3.3): the given text, then the session's own after a blank line. */
export function withSystemPrompt(given: string | null, own: string | null): string | null {
  if (given === null) return own;
  return own === null ? given : `${given}\n\n${own}`;
}

/** docs/trace-format.md §4.2: nothing valid; or valid rows that the window or `--synthesis-max-isl` all removed. */
function nothingToSend(path: string, s: ReplaySummary): UsageError {
  const why: string[] = [];
  if (s.window_dropped > 0) why.push(`${s.window_dropped} outside --fixed-schedule-start-offset/--fixed-schedule-end-offset`);
  const maxIsl = s.synthesis_report?.skipped_max_isl ?? 0;
  if (maxIsl > 0) why.push(`${maxIsl} skipped by --synthesis-max-isl`);
  if (why.length === 0) return new UsageError(`no valid rows in ${path}`);
  return new UsageError(`no rows of ${path} are left to send (${why.join('; ')})`);
}

class ReplayTurnSource implements TurnSource {
  readonly sessions: number;
  readonly turns: number;
  // The schedule arrays are decoded from every record of the core's store (~0.15 s each at 2M
  // rows), so only when first read: with the engine on worker threads the main thread's source
  // never reads them, and a replay's first request need not wait for them there.
  #sessionStart: Uint32Array | null = null;
  #timestampMs: Float64Array | null = null;
  #delayMs: Float64Array | null = null;

  /** @param decoder the tokenizer prompts are decoded with when block bytes cannot simply be joined; null: the core's text. */
  constructor(
    private readonly core: ReplayDataset,
    private readonly spec: TraceSpec,
    private readonly decoder: Tokenizer | null,
  ) {
    this.sessions = core.sessions;
    this.turns = core.turns;
  }

  get sessionStart(): Uint32Array {
    this.#sessionStart ??= this.core.sessionStart();
    return this.#sessionStart;
  }

  get timestampMs(): Float64Array {
    this.#timestampMs ??= this.core.timestamps();
    return this.#timestampMs;
  }

  get delayMs(): Float64Array {
    this.#delayMs ??= this.core.delays();
    return this.#delayMs;
  }

  sessionName(s: number): string {
    const first = JSON.parse(this.core.turnJson(this.sessionStart[s]!)) as CoreTurn;
    return first.session_id ?? `row_${first.line}`;
  }

  turn(t: number): TurnContent {
    const row = JSON.parse(this.core.turnJson(t)) as CoreTurn;
    const materialised = materialisable(row);
    let text = row.text;
    if (materialised) {
      text =
        this.decoder === null
          ? this.core.promptText(t)
          : this.decoder.decode(Array.from(this.core.promptTokens(t)), { skipSpecialTokens: false });
    }
    return {
      line: row.line,
      text,
      messages: row.messages,
      tools: row.tools,
      payload: row.payload,
      extra: row.extra,
      system: withSystemPrompt(this.spec.systemPrompt, row.system),
      requestedIsl: row.input_length,
      // --osl is the max-tokens of rows without output_length (docs/cli.md §3.3).
      requestedOsl: row.output_length ?? this.spec.osl,
      materialised,
    };
  }
}

/**
 * Open the file a main thread validated, in a load-engine worker thread (the `trace opener` of
 * ts/src/load/workers.ts): rebuilt from `spec.snapshot`, else read again from `spec.path`
 * (specs made by hand). Nothing can fail that did not fail on the main thread, and nothing is
 * printed: the skip warning and the transform summary were printed there.
 */
export async function openTraceTurnSource(spec: TraceSpec): Promise<TurnSource> {
  let core: ReplayDataset;
  if (spec.snapshot !== null) {
    core = ReplayDataset.fromBytes(new Uint8Array(spec.snapshot));
  } else {
    core = new ReplayDataset(replayOptions(spec));
    await readInto(core, spec.path);
  }
  if (spec.tables !== null) setTables(core, spec.tables);
  const decoder = spec.tables !== null && !spec.tables.concatSafe ? await loadTokenizer(spec.tokenizer) : null;
  return new ReplayTurnSource(core, spec, decoder);
}

/**
 * The fixed schedule's zero (docs/cli.md §3.4 mode 1), in the timestamps' ms after the transform's
 * scaling: the start offset when given, else the earliest first-turn timestamp with the automatic
 * offset, else 0; 0 outside a fixed schedule. `--fixed-schedule-start-offset` is in ORIGINAL trace
 * ms (it also chose the rows, before the transform), so with `--synthesis-speedup-ratio r` it is
 * divided by r like the timestamps (without the floor of integral timestamps, docs/synthesis.md
 * §3.3: a row exactly at the offset may be due a fraction of a millisecond before the phase
 * start, and is sent at once).
 */
export function scheduleZeroMs(
  mode: LoadMode,
  summary: Pick<TraceFileSummary, 'earliestFirstTurnMs'>,
  speedupRatio: string | null,
): number {
  if (mode.kind !== 'fixed-schedule') return 0;
  if (mode.startOffsetMs !== null) return mode.startOffsetMs / Number(speedupRatio ?? '1');
  if (mode.autoOffset) return summary.earliestFirstTurnMs ?? 0;
  return 0;
}
