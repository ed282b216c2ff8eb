// What the load engine sends from a file dataset (docs/cli.md §3.3): sessions of turns with their
// schedule fields, and each turn's content, produced on demand so a multi-million-row trace never
// holds every prompt at once. `dataset/trace-file.ts` implements it over the Rust core.
import type { CustomDatasetType, EndpointType } from '../config/defaults.js';

/** One turn, ready to be turned into a request body. */
export interface TurnContent {
  /** 1-based line of the row in the input file (`trace_line`), or null when not known. */
  line: number | null;
  /** This turn's prompt text (user message for chat, prompt for completions); null for `messages` and `payload` rows. */
  text: string | null;
  /** A `messages` row's OpenAI message array, sent verbatim (with `tools`). */
  messages: unknown[] | null;
  tools: unknown[] | null;
  /** A `payload` row's complete request body, sent verbatim. */
  payload: Record<string, unknown> | null;
  /** The row's `extra`, merged into the body last (wins over `--extra-inputs`). */
  extra: Record<string, unknown> | null;
  /** The session's system message (a multi_turn file's leading `role: "system"` turn); set on every turn of that session. */
  system: string | null;
  /** The row's `input_length` (for a later turn of a session: its delta), or null for verbatim rows. */
  requestedIsl: number | null;
  /** max-tokens to send: the row's `output_length`, else `--osl`, else null (server decides). */
  requestedOsl: number | null;
  /** True when `text` was materialised from `input_length`/`hash_ids` (docs/synthesis.md §6): counted in `trace_fidelity`. */
  materialised: boolean;
}

/**
 * A file dataset as the engine sees it. Sessions are in order of first appearance in the file; a
 * row without `session_id` is a session of one turn. The turns of session `s` are the global turn
 * indices `sessionStart[s] … sessionStart[s+1]−1`, in file order.
 */
export interface TurnSource {
  readonly sessions: number;
  readonly turns: number;
  /** Length `sessions + 1`. */
  readonly sessionStart: Uint32Array;
  /** Per turn: its `timestamp` in ms after synthesis scaling, NaN when absent. */
  readonly timestampMs: Float64Array;
  /** Per turn: its `delay` in ms after synthesis scaling, NaN when absent. */
  readonly delayMs: Float64Array;
  /** The conversation id records carry for session `s` (its `session_id`, else `row_<line>`). */
  sessionName(s: number): string;
  /** Turn `t`'s content; synchronous, materialised on demand (microseconds to a few ms). */
  turn(t: number): TurnContent;
}

/**
 * Everything a load-engine worker thread needs to open the same `TurnSource` the main thread
 * validated: plain data, cloned into the thread. With `snapshot` the thread rebuilds the dataset
 * from it; without, it re-reads the file (no row can fail the second time: the main thread
 * already validated it).
 */
export interface TraceSpec {
  path: string;
  /** The path as given on the command line (FILE in messages). */
  sourceName: string;
  /** Resolved dataset type (never inferred again in a worker). */
  datasetType: CustomDatasetType;
  skipInvalid: boolean;
  blockSize: number;
  /** `--random-seed`, decimal. */
  seed: string;
  /** `--fixed-schedule-start-offset` / `-end-offset`: rows whose original timestamp lies outside are dropped. */
  windowStartMs: number | null;
  windowEndMs: number | null;
  /** The `--synthesis-*` options as the core takes them, or null when none differs from its default. */
  synthesis: Record<string, string | number> | null;
  /** `--fixed-schedule`: the first turn of every session needs a timestamp. */
  requireTimestamps: boolean;
  /** `--tokenizer` as given (loaded in the worker only when the tables below cannot be used alone). */
  tokenizer: string;
  /** `--osl`: max-tokens of rows without `output_length`. */
  osl: number | null;
  /**
   * `--system-prompt` (or the text of `--system-prompt-file`): every text turn's system message;
   * a session's own system message follows it after a blank line. Null: none.
   */
  systemPrompt: string | null;
  endpointType: EndpointType;
  /** Prepared materialisation tables (docs/synthesis.md §6.1), so a worker need not load the tokenizer. */
  tables: MaterialisationTables | null;
  /**
   * The main thread's finished dataset (the core's `toBytes`), so the file is read once: shared
   * memory, which cloning the spec into each thread shares instead of copying. Null: re-read `path`.
   */
  snapshot: SharedArrayBuffer | null;
}

/** The tokenizer-derived inputs of materialisation, handed to the core once (docs/synthesis.md §6.1). */
export interface MaterialisationTables {
  /** The corpus tokens K. */
  corpus: Uint32Array;
  /** Token id i's bytes are `tokenBytes[tokenOffsets[i] … tokenOffsets[i+1])`; length vocab + 1. */
  tokenBytes: Uint8Array;
  tokenOffsets: Uint32Array;
  /** The separator token (BOS, else EOS), or −1 for none. */
  separator: number;
  /** Whether decoding block by block equals decoding the whole prompt (checked on a probe at start-up). */
  concatSafe: boolean;
}
