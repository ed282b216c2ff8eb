// The resolved configuration of `infermark profile`: its type and the cross-option validation of
// docs/cli.md §3.6 (defaults come from ./defaults.ts). The CLI option table (cli/profile.ts) is typed from
// `ProfileOptions`, so a flag cannot exist without a config field. Some rules depend on what an
// `--input-file` holds (its type, timestamps and turns): `resolveProfileConfig` runs every rule
// once more with those facts (`withDatasetFacts`) right after the core has read the file, before
// any request and before the artifact directory exists.
import { validateHeaderName, validateHeaderValue } from 'node:http';
import { generativeApi, type TemplateSettings, templateSettings } from '../endpoints/index.js';
import { UsageError } from '../errors.js';
import { MAX_SESSION_TURNS, MAX_SYNTHETIC_PROMPT_TOKENS } from './limits.js';
import {
  PROFILE_DEFAULTS,
  type ArrivalPattern,
  type ConnectionReuseStrategy,
  type CustomDatasetType,
  type EndpointType,
  type ExportLevel,
  type UiType,
  type ModelSelectionStrategy,
  LIVE_DASHBOARD_DEFAULT_PORT,
} from './defaults.js';
import { firstTransformFlag, givenTransformFlags, type TransformFlags } from './synthesis-flags.js';
import { redactUrl, takeUrlCredentials } from './url-credentials.js';
import { resolveGpuTelemetry, type GpuTelemetryConfig } from './gpu-telemetry-flags.js';
import { resolveShard, type ShardConfig } from './shard-config.js';
import { parseSequenceDistribution, type SequencePair } from './sequence-distribution.js';
import { resolveRepeatConfig, type RepeatConfig, type RepeatOptions } from './repeat-config.js';
import {
  isRetrievalType,
  resolveRetrievalConfig,
  RETRIEVAL_PATHS,
  type RetrievalConfig,
  type RetrievalOptions,
} from './retrieval-config.js';
import { resolveNetworkConfig, type NetworkConfig, type NetworkOptions } from './network-config.js';
import { resolveServerControlConfig, type ServerControlConfig, type ServerControlOptions } from './server-control-config.js';
import { resolveResponseConfig, type ResponseConfig, type ResponseOptions } from './response-config.js';
import {
  type ArrivalPatternChoice,
  type LoadShapingConfig,
  type LoadShapingOptions,
  resolveArrivalChoice,
  resolveLoadShaping,
} from './load-shaping.js';

/**
 * Options as the user gave them (commander's camelCase names). `undefined` means "not given";
 * defaults are applied by `resolveProfileConfig`, never here, so validation can tell
 * "given" from "defaulted" (docs/cli.md §3.6 rules 6–14 depend on it). The repeated-run options
 * (§3.10) are RepeatOptions, in ./repeat-config.ts; readiness and server control (§3.12)
 * ServerControlOptions, in ./server-control-config.ts; network calibration and the HTTP trace (§3.13)
 * NetworkOptions, in ./network-config.ts.
 */
export interface ProfileOptions
  extends TransformFlags,
    RepeatOptions,
    ResponseOptions,
    LoadShapingOptions,
    ServerControlOptions,
    NetworkOptions,
    RetrievalOptions {
  model?: string[];
  url?: string[];
  endpointType?: EndpointType;
  modelSelectionStrategy?: ModelSelectionStrategy;
  sessionHeader?: string;
  /** Accepted for AIPerf's command lines; a tokenizer.json runs no code (docs/cli.md §3.2). */
  tokenizerTrustRemoteCode?: boolean;
  endpoint?: string;
  streaming?: boolean;
  apiKey?: string;
  header?: string[];
  extraInputs?: string[];
  requestTimeoutSeconds?: number;
  useServerTokenCount?: boolean;
  streamUsage?: boolean; // commander's `--no-stream-usage` → false
  useLegacyMaxTokens?: boolean;
  connectionReuseStrategy?: ConnectionReuseStrategy;
  tokenizer?: string;
  isl?: number;
  islStddev?: number;
  osl?: number;
  oslStddev?: number;
  numDatasetEntries?: number;
  randomSeed?: bigint;
  inputFile?: string;
  customDatasetType?: CustomDatasetType;
  skipInvalid?: boolean;
  blockSize?: number;
  sharedSystemPromptLength?: number;
  promptPrefixPoolSize?: number;
  systemPrompt?: string;
  systemPromptFile?: string;
  /** `--seq-dist` as given; parsed by `parseSequenceDistribution`. */
  seqDist?: string;
  promptPrefixLength?: number;
  numSessions?: number;
  sessionTurnsMean?: number;
  sessionTurnsStddev?: number;
  sessionTurnDelayMean?: number;
  sessionTurnDelayStddev?: number;
  concurrency?: number;
  requestRate?: number;
  /** `concurrency-burst` is the closed loop (./load-shaping.ts); the rest are rate patterns. */
  arrivalPattern?: ArrivalPatternChoice;
  arrivalSmoothness?: number;
  requestCount?: number;
  benchmarkDuration?: number;
  benchmarkGracePeriod?: number;
  fixedSchedule?: boolean;
  fixedScheduleAutoOffset?: boolean;
  fixedScheduleStartOffset?: number;
  fixedScheduleEndOffset?: number;
  userCentricRate?: number;
  numUsers?: number;
  warmupRequestCount?: number;
  warmupDuration?: number;
  requestCancellationRate?: number;
  requestCancellationDelay?: number;
  failedRequestThreshold?: number;
  workers?: number;
  shardIndex?: number;
  shardCount?: number;
  shardRendezvous?: string;
  shardRendezvousPort?: number;
  shardRendezvousTimeout?: number;
  goodput?: string[];
  sliceDuration?: number;
  serverMetrics?: string[];
  noServerMetrics?: boolean;
  /** `--gpu-telemetry` values; `true` for the flag given alone. */
  gpuTelemetry?: string[] | true;
  noGpuTelemetry?: boolean;
  artifactDir?: string;
  profileExportPrefix?: string;
  exportLevel?: ExportLevel;
  ui?: string;
  dashboardPort?: number;
  plot?: boolean;
  metricsPort?: number;
  metricsHost?: string;
  metricsLinger?: number;
}

/**
 * How requests are issued (docs/cli.md §3.4, mode selection). `concurrency` is the closed-loop
 * session count in concurrency mode and a ceiling (null = none) in every other mode.
 */
export type LoadMode =
  | { kind: 'concurrency'; concurrency: number }
  | { kind: 'rate'; rate: number; pattern: ArrivalPattern; smoothness: number; concurrency: number | null }
  | {
      kind: 'fixed-schedule';
      concurrency: number | null;
      /** `--fixed-schedule-auto-offset` (default on): schedule zero = earliest first-turn timestamp. */
      autoOffset: boolean;
      /** `--fixed-schedule-start-offset` / `-end-offset` in original trace ms (also the row window). */
      startOffsetMs: number | null;
      endOffsetMs: number | null;
      /** True when the mode was chosen automatically for a timestamped Mooncake trace (a notice says so). */
      automatic: boolean;
    }
  | { kind: 'user-centric'; rate: number; users: number; concurrency: number | null };

/**
 * A dataset file (`--input-file`) as the flags describe it. What it holds is known once the core
 * has read it (`facts`, set by `withDatasetFacts`).
 */
export interface FileDatasetConfig {
  /** The path as given on the command line (FILE in messages). */
  path: string;
  /** `--custom-dataset-type`, else null until the type is inferred from the first valid row (docs/cli.md §3.3). */
  type: CustomDatasetType | null;
  skipInvalid: boolean;
  blockSize: number;
  /** The `--synthesis-*` flags given (the transform runs in memory, docs/synthesis.md §3.2), or null. */
  synthesis: TransformFlags | null;
  /** `--fixed-schedule-start-offset` / `-end-offset`: rows whose original timestamp lies outside are dropped. */
  windowStartMs: number | null;
  windowEndMs: number | null;
  /** `--fixed-schedule` given: the first turn of every session needs a timestamp (docs/trace-format.md §6). */
  requireTimestamps: boolean;
  /** What the file holds; null until it has been read. */
  facts: DatasetFacts | null;
}

/** What the rules of docs/cli.md §3.4 and §3.6 need to know about a file once it has been read. */
export interface DatasetFacts {
  /** Given or inferred. */
  type: CustomDatasetType;
  /** Turns after filtering and the transform: what "every turn once" sends. */
  turns: number;
  /** The first valid row has a `timestamp` (the automatic fixed schedule, docs/cli.md §3.4 mode 1). */
  firstRowHasTimestamp: boolean;
  /** Every session's first turn has one (what a fixed schedule needs, rule 4). */
  firstTurnsTimestamped: boolean;
}

/** The resolved, validated configuration the engine and reporters run from. */
export interface ProfileConfig {
  endpoint: {
    models: string[];
    /** `--model-selection-strategy`: how a request (or session) is given one of several models. */
    modelSelection: ModelSelectionStrategy;
    /** The `--url` values without their user:password (what every file and line shows). */
    urls: string[];
    /** Per URL, the `Authorization: Basic …` value made of its user:password, or null (docs/cli.md §3.1). */
    basicAuthorization: Array<string | null>;
    type: EndpointType;
    path: string;
    customEndpoint: string | null;
    streaming: boolean;
    /** `--endpoint-type template`: the body template and response path from `--extra-inputs` (docs/cli.md §3.1.1), else null. */
    template: TemplateSettings | null;
    apiKey: string | null;
    headers: Record<string, string>;
    extra: Record<string, unknown>;
    timeoutSeconds: number;
    useServerTokenCount: boolean;
    streamUsage: boolean;
    useLegacyMaxTokens: boolean;
    /** `--connection-reuse-strategy` (docs/cli.md §3.1). */
    connectionReuseStrategy: ConnectionReuseStrategy;
    /** `--session-header`, lower case: the header that carries the session's correlation id; null: X-Correlation-ID. */
    sessionHeader: string | null;
  };
  tokenizer: string;
  dataset: {
    isl: number;
    islStddev: number;
    osl: number | null;
    oslStddev: number;
    numDatasetEntries: number;
    randomSeed: bigint;
    sharedSystemPromptLength: number | null;
    /** `--prompt-prefix-pool-size` prefixes of `--prompt-prefix-length` tokens (docs/cli.md §3.3), or null. */
    prefixPrompts: { poolSize: number; length: number } | null;
    /**
     * `--system-prompt` text, or `--system-prompt-file` (its text is read with the dataset, before
     * the first request, and set here then); null: none (docs/cli.md §3.3).
     */
    systemPrompt: { text: string | null; file: string | null } | null;
    /** `--seq-dist`: each synthetic prompt's ISL and OSL come from one of these pairs (docs/cli.md §3.3), or null. */
    seqDist: SequencePair[] | null;
    numSessions: number | null;
    sessionTurnsMean: number;
    sessionTurnsStddev: number;
    sessionTurnDelayMean: number;
    sessionTurnDelayStddev: number;
    /** Synthetic multi-turn sessions requested (`--num-sessions` or more than one turn). */
    multiTurn: boolean;
    /** `--input-file`: the dataset is this file instead of synthetic prompts (docs/cli.md §3.3). */
    file: FileDatasetConfig | null;
  };
  /**
   * For a file dataset whose `facts` are not known yet, `load` is what the flags alone decide; the
   * automatic fixed schedule and the default request count (every turn once) follow from the facts.
   */
  load: {
    mode: LoadMode;
    /** Closed-loop concurrency or the ceiling in rate mode (null = no ceiling). */
    concurrency: number | null;
    /** Requests (turns) of the profiling phase; null: until `--benchmark-duration` ends it. */
    requestCount: number | null;
    benchmarkDuration: number | null;
    benchmarkGracePeriod: number;
    warmupRequestCount: number;
    warmupDuration: number | null;
    requestCancellationRate: number | null;
    requestCancellationDelay: number;
    failedRequestThreshold: number | null;
    /** `--workers`; null when not given: the load engine chooses (ts/src/load/workers.ts). */
    workers: number | null;
    /** This process's place in a sharded run (docs/cli.md §3.8); null when the run is not split. */
    shard: ShardConfig | null;
  };
  output: {
    artifactDir: string;
    artifactDirGiven: boolean;
    profileExportPrefix: string | null;
    exportLevel: ExportLevel;
    sliceDuration: number | null;
    goodput: string[];
    serverMetricsEnabled: boolean;
    /** The `--server-metrics` values as written, without their user:password. */
    serverMetricsUrls: string[];
    /** Per `--server-metrics` URL, the `Authorization: Basic …` value of its user:password, or null. */
    serverMetricsAuthorization: Array<string | null>;
    /** The DCGM exporters scraped for GPU telemetry (docs/cli.md §3.5). */
    gpuTelemetry: GpuTelemetryConfig;
    /** The progress line's mode on stderr (with `--ui dashboard`: `simple` on a terminal, else `none`). */
    ui: UiType;
    /** `--ui dashboard`: the live page's port on 127.0.0.1 (0: any free port); null without it. */
    dashboard: { port: number } | null;
    /** `--plot`: write `plot`'s charts and report.html into `<run dir>/plots/` once the run's files are written. */
    plot: boolean;
    /** `--metrics-port` and its companions: the run's own Prometheus endpoint (docs/cli.md §3.5), or null. */
    metricsEndpoint: { host: string; port: number; lingerSeconds: number } | null;
  };
  /** `--num-profile-runs` and its companions (docs/cli.md §3.10). */
  repeat: RepeatConfig;
  /** Inputs per embeddings request, query and passages of rankings requests (docs/cli.md §3.14). */
  retrieval: RetrievalConfig;
  /** Network calibration and `--export-http-trace` (docs/cli.md §3.13). */
  network: NetworkConfig;
  /** Readiness wait, KV-cache reset, server profiler and URL strategy (docs/cli.md §3.12). */
  control: ServerControlConfig;
  /** `--per-chunk-usage` and `--export-outputs-json` (docs/cli.md §3.11). */
  responses: ResponseConfig;
  /** Ramps, the prefill cap and the warmup's own load (docs/cli.md §3.4.1, ./load-shaping.ts). */
  shaping: LoadShapingConfig;
  /** The command line as typed, as argv words starting with `infermark` (unredacted; writers redact). */
  argv: readonly string[];
  /** The flags as given, resolved again by `withDatasetFacts` once the file has been read. */
  options: ProfileOptions;
  /** `notice: …` lines to print on stderr before the run (e.g. how credentials in a URL are sent). */
  notices: string[];
}

function conflict(a: string, b: string): UsageError {
  return new UsageError(`option '${a}' cannot be used with option '${b}'`);
}
function requires(a: string, b: string): UsageError {
  return new UsageError(`option '${a}' requires option '${b}'`);
}

/**
 * `localhost:8000` → `http://localhost:8000`; rejects non-http(s) schemes (docs/cli.md §3.6 rule
 * 19). A user:password in it stays (see ./url-credentials.ts), but is never shown in a message.
 */
export function normalizeUrl(raw: string, flag = '--url <url>'): string {
  const text = raw.trim();
  const withScheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text) ? text : `http://${text}`;
  const rejected = (): UsageError => new UsageError(`option '${flag}': expected an http or https URL, got '${redactUrl(raw)}'`);
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw rejected();
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw rejected();
  return withScheme.replace(/\/+$/, '');
}

/**
 * The notices that say which Authorization header is sent when several flags set one
 * (docs/cli.md §3.1): `-H Authorization`, else `--api-key`, else a URL's user:password.
 */
function authorizationNotices(o: ProfileOptions, headers: Readonly<Record<string, string>>, urlCredentials: boolean): string[] {
  const header = Object.keys(headers).some((name) => name.toLowerCase() === 'authorization');
  const apiKey = o.apiKey !== undefined;
  const notices: string[] = [];
  if (header && apiKey) notices.push("'-H Authorization' is sent instead of the 'Authorization: Bearer' of '--api-key'");
  if (urlCredentials && (header || apiKey)) {
    notices.push(`the user:password of '--url' is not sent: '${header ? '-H Authorization' : '--api-key'}' sets the Authorization header`);
  }
  return notices;
}

/**
 * Parse one `--extra-inputs` / `-H` style list: either a single JSON object, or `key:value`
 * items split at the first `:`. For extra inputs a value that parses as a JSON literal is used
 * as such, otherwise as a string (docs/cli.md §3.1).
 */
export function parseKeyValueList(flag: string, items: readonly string[], options: { jsonValues: boolean }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of items) {
    const trimmed = item.trim();
    if (trimmed.startsWith('{')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(trimmed);
      } catch {
        throw new UsageError(`option '${flag}': expected 'key:value' or a JSON object, got '${item}'`);
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new UsageError(`option '${flag}': expected 'key:value' or a JSON object, got '${item}'`);
      }
      for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
        out[k] = options.jsonValues ? v : String(v);
      }
      continue;
    }
    const colon = item.indexOf(':');
    if (colon <= 0) throw new UsageError(`option '${flag}': expected 'key:value' or a JSON object, got '${item}'`);
    const key = item.slice(0, colon).trim();
    const value = item.slice(colon + 1);
    if (key === '') throw new UsageError(`option '${flag}': expected 'key:value' or a JSON object, got '${item}'`);
    out[key] = options.jsonValues ? jsonLiteralOrString(value) : value.trim();
  }
  return out;
}

function jsonLiteralOrString(value: string): unknown {
  const t = value.trim();
  if (t === '') return value;
  try {
    return JSON.parse(t);
  } catch {
    return value;
  }
}

const SYNTHETIC_ONLY: ReadonlyArray<[keyof ProfileOptions, string]> = [
  ['isl', '--isl'],
  ['islStddev', '--isl-stddev'],
  ['oslStddev', '--osl-stddev'],
  ['numDatasetEntries', '--num-dataset-entries'],
  ['numSessions', '--num-sessions'],
  ['sessionTurnsMean', '--session-turns-mean'],
  ['sessionTurnsStddev', '--session-turns-stddev'],
  ['sessionTurnDelayMean', '--session-turn-delay-mean'],
  ['sessionTurnDelayStddev', '--session-turn-delay-stddev'],
  ['sharedSystemPromptLength', '--shared-system-prompt-length'],
  ['promptPrefixPoolSize', '--prompt-prefix-pool-size'],
  ['seqDist', '--seq-dist'],
  ['promptPrefixLength', '--prompt-prefix-length'],
];

/** Rule 15: the transform reads Mooncake rows only. `type` null: not known yet (checked again once inferred). */
function checkSynthesisInput(o: ProfileOptions, type: CustomDatasetType | null): void {
  const flag = firstTransformFlag(o);
  if (flag === null) return;
  if (o.inputFile === undefined || (type !== null && type !== 'mooncake_trace')) {
    throw new UsageError(`option '${flag}' requires a mooncake_trace --input-file`);
  }
}

/** The `notice:` line when a timestamped Mooncake trace is replayed as a fixed schedule without `--fixed-schedule` (docs/cli.md §3.4). */
export function automaticFixedScheduleNotice(path: string): string {
  return `${path} is a mooncake_trace with timestamps: replaying them as a fixed schedule (--no-fixed-schedule sends its rows without their timing)`;
}

/**
 * `--session-header NAME` (docs/cli.md §3.1): a valid header name other than the ones infermark
 * sets itself, lower case as the other headers are.
 */
function sessionHeaderOf(name: string | undefined): string | null {
  if (name === undefined) return null;
  try {
    validateHeaderName(name);
  } catch {
    throw new UsageError(`option '--session-header <name>': invalid header name '${name}'`);
  }
  const lower = name.toLowerCase();
  if (lower === 'x-request-id' || lower === 'content-type' || lower === 'authorization') {
    throw new UsageError(`option '--session-header <name>': cannot carry the session id in '${name}', which infermark sets itself`);
  }
  return lower;
}

/**
 * Where the files go (docs/exports.md §1–2): `--artifact-dir ''` once wrote into the current
 * directory, and a `--profile-export-prefix` with a path in it wrote outside the artifact
 * directory (`../../x`) or nested inside it (an absolute path): the prefix is a file name prefix.
 */
function checkOutputOptions(o: ProfileOptions): void {
  if (o.artifactDir !== undefined && o.artifactDir.trim() === '') {
    throw new UsageError(`option '--artifact-dir <dir>': expected a path, got '${o.artifactDir}'`);
  }
  const p = o.profileExportPrefix;
  if (p !== undefined && (p.trim() === '' || p === '.' || p === '..' || /[/\\]/.test(p))) {
    throw new UsageError(
      `option '--profile-export-prefix <p>': expected a file name prefix without '/' or '\\' (the files go into --artifact-dir), got '${p}'`,
    );
  }
}

/**
 * The prefix pool of docs/cli.md §3.3: both flags or neither (0 is off, as in AIPerf); one pool
 * prompt per synthetic single-turn prompt. It replaces the shared system prompt (AIPerf refuses
 * the two together too); sessions would carry it on their first turn only, which is not built.
 */
function systemPromptOf(o: ProfileOptions): { text: string | null; file: string | null } | null {
  if (o.systemPrompt === undefined && o.systemPromptFile === undefined) return null;
  if (o.systemPrompt !== undefined && o.systemPromptFile !== undefined) throw conflict('--system-prompt', '--system-prompt-file');
  const flag = o.systemPrompt !== undefined ? '--system-prompt' : '--system-prompt-file';
  if (o.sharedSystemPromptLength !== undefined) throw conflict(flag, '--shared-system-prompt-length');
  if ((o.promptPrefixPoolSize ?? 0) > 0) throw conflict(flag, '--prompt-prefix-pool-size');
  if (o.systemPrompt !== undefined && o.systemPrompt.trim() === '')
    throw new UsageError("option '--system-prompt <text>': expected a non-empty text, got ''");
  return { text: o.systemPrompt ?? null, file: o.systemPromptFile ?? null };
}

function prefixPromptsOf(o: ProfileOptions, multiTurn: boolean): { poolSize: number; length: number } | null {
  const poolSize = o.promptPrefixPoolSize ?? 0;
  const length = o.promptPrefixLength ?? 0;
  if (poolSize === 0 && length === 0) return null;
  if (length === 0) throw requires('--prompt-prefix-pool-size', '--prompt-prefix-length');
  if (poolSize === 0) throw requires('--prompt-prefix-length', '--prompt-prefix-pool-size');
  if (o.sharedSystemPromptLength !== undefined) throw conflict('--prompt-prefix-pool-size', '--shared-system-prompt-length');
  if (multiTurn)
    throw new UsageError("option '--prompt-prefix-pool-size' cannot be used with synthetic multi-turn sessions in this version");
  return { poolSize, length };
}

/**
 * Rules 21 and 22: what the synthetic dataset asks for together is made before the first request,
 * so it is bounded (each flag alone is, docs/cli.md §1.5; `--isl 1000000 --num-dataset-entries
 * 1000000` would still ask for 10^12 tokens). The drawn lengths and turn counts are checked again
 * where they are drawn (ts/src/dataset/synthetic.ts), for a large stddev.
 */
function checkSyntheticSize(o: ProfileOptions, multiTurn: boolean, seqDist: SequencePair[] | null): void {
  if (o.inputFile !== undefined) return;
  const entries = o.numDatasetEntries ?? PROFILE_DEFAULTS.numDatasetEntries;
  // With --seq-dist, the longest pair bounds every prompt (its stddev is checked where drawn).
  const isl = seqDist !== null ? Math.max(...seqDist.map((p) => p.isl)) : (o.isl ?? PROFILE_DEFAULTS.isl);
  const system = o.sharedSystemPromptLength ?? 0;
  const prefixes = (o.promptPrefixPoolSize ?? 0) * (o.promptPrefixLength ?? 0);
  const tokens = isl * entries + system + prefixes;
  if (tokens > MAX_SYNTHETIC_PROMPT_TOKENS) {
    const extra =
      (system > 0 ? ` + '--shared-system-prompt-length' ${system}` : '') +
      (prefixes > 0 ? ` + '--prompt-prefix-pool-size' ${o.promptPrefixPoolSize} × '--prompt-prefix-length' ${o.promptPrefixLength}` : '');
    throw new UsageError(
      `options '--isl' ${isl} × '--num-dataset-entries' ${entries}${extra} ask for ${tokens} synthetic prompt tokens; at most ${MAX_SYNTHETIC_PROMPT_TOKENS} are allowed`,
    );
  }
  if (!multiTurn) return;
  const sessions = o.numSessions ?? entries;
  const turnsMean = o.sessionTurnsMean ?? PROFILE_DEFAULTS.sessionTurnsMean;
  const turns = sessions * turnsMean;
  if (turns > MAX_SESSION_TURNS) {
    throw new UsageError(
      `options '--num-sessions' ${sessions} × '--session-turns-mean' ${turnsMean} ask for ${turns} session turns; at most ${MAX_SESSION_TURNS} are allowed`,
    );
  }
}

/**
 * Mode selection of docs/cli.md §3.4 (first that applies) and the rules that depend on the mode:
 * 3–5, 18 and 20. `facts` is null for a file that has not been read yet; the rules whose outcome
 * depends on its contents then wait for `withDatasetFacts`.
 */
function resolveLoad(
  o: ProfileOptions & { arrivalPattern?: ArrivalPattern },
  file: boolean,
  facts: DatasetFacts | null,
): { mode: LoadMode; concurrency: number | null; requestCount: number | null; shard: ShardConfig | null } {
  const given = (v: unknown): boolean => v !== undefined;
  const rate = o.requestRate ?? null;
  // Rule 3 (`--no-fixed-schedule` with `--fixed-schedule` is refused where the flags are collected).
  if (o.fixedSchedule === true) {
    if (given(o.requestRate)) throw conflict('--fixed-schedule', '--request-rate');
    if (given(o.userCentricRate)) throw conflict('--fixed-schedule', '--user-centric-rate');
  }
  // Rule 4, the part the flags decide.
  if (o.fixedSchedule === true && !file)
    throw new UsageError("option '--fixed-schedule' requires an --input-file whose rows have timestamps");
  // Rule 5, the part the flags decide.
  if (given(o.fixedScheduleStartOffset) && given(o.fixedScheduleEndOffset) && o.fixedScheduleStartOffset! > o.fixedScheduleEndOffset!) {
    throw new UsageError("option '--fixed-schedule-start-offset' must not exceed option '--fixed-schedule-end-offset'");
  }
  if (given(o.fixedScheduleStartOffset) && o.fixedScheduleAutoOffset === true) {
    throw conflict('--fixed-schedule-start-offset', '--fixed-schedule-auto-offset');
  }

  const automatic =
    file &&
    o.fixedSchedule === undefined &&
    !given(o.requestRate) &&
    !given(o.userCentricRate) &&
    facts !== null &&
    facts.type === 'mooncake_trace' &&
    facts.firstRowHasTimestamp;
  // Whether the mode is known: always, except for a file that may still turn out to be a timestamped trace.
  const decided = !file || facts !== null || o.fixedSchedule !== undefined || given(o.requestRate) || given(o.userCentricRate);

  let mode: LoadMode;
  if (rate !== null) {
    mode = {
      kind: 'rate',
      rate,
      pattern: o.arrivalPattern ?? PROFILE_DEFAULTS.arrivalPattern,
      smoothness: o.arrivalSmoothness ?? PROFILE_DEFAULTS.arrivalSmoothness,
      concurrency: o.concurrency ?? null,
    };
  } else if (o.userCentricRate !== undefined) {
    mode = { kind: 'user-centric', rate: o.userCentricRate, users: o.numUsers!, concurrency: o.concurrency ?? null };
  } else if (o.fixedSchedule === true || automatic) {
    mode = {
      kind: 'fixed-schedule',
      concurrency: o.concurrency ?? null,
      // The schedule zero is the start offset when given, else the earliest first-turn timestamp
      // unless --no-fixed-schedule-auto-offset (docs/cli.md §3.4 mode 1).
      autoOffset: !given(o.fixedScheduleStartOffset) && o.fixedScheduleAutoOffset !== false,
      startOffsetMs: o.fixedScheduleStartOffset ?? null,
      endOffsetMs: o.fixedScheduleEndOffset ?? null,
      automatic,
    };
  } else {
    mode = { kind: 'concurrency', concurrency: o.concurrency ?? PROFILE_DEFAULTS.concurrency };
  }
  const fixed = mode.kind === 'fixed-schedule';

  if (decided && !fixed) {
    // Rule 5: the offsets refine a fixed schedule and mean nothing without one.
    if (given(o.fixedScheduleStartOffset)) throw new UsageError("option '--fixed-schedule-start-offset' requires a fixed schedule");
    if (given(o.fixedScheduleEndOffset)) throw new UsageError("option '--fixed-schedule-end-offset' requires a fixed schedule");
    if (o.fixedScheduleAutoOffset !== undefined) throw new UsageError("option '--fixed-schedule-auto-offset' requires a fixed schedule");
  }
  if (fixed && facts !== null && !facts.firstTurnsTimestamped) {
    // Rule 4. With --fixed-schedule the core already refuses such a row (docs/trace-format.md §6);
    // this is the automatic case, chosen from the first row alone.
    throw new UsageError("option '--fixed-schedule' requires an --input-file whose rows have timestamps", {
      hints: [`the first turn of some session in ${o.inputFile} has no timestamp; --no-fixed-schedule replays the file without its timing`],
    });
  }

  const concurrency = mode.concurrency;
  // Rule 20; a --concurrency ceiling of the open-loop modes is split the same way, so it needs a slot per worker too.
  const workers = o.workers ?? null;
  if (decided && workers !== null && concurrency !== null && workers > concurrency) {
    throw new UsageError(`option '--workers': ${workers} workers but only ${concurrency} concurrent sessions`);
  }
  // The shards split the concurrency as the workers do, so every shard needs a slot; its workers
  // split its share (checked with that split, ts/src/load/workers.ts planLoadThreads).
  const shard = resolveShard(o);
  if (decided && shard !== null && concurrency !== null) {
    if (shard.count > concurrency) {
      throw new UsageError(`a run split into ${shard.count} shards needs at least ${shard.count} concurrent sessions, got ${concurrency}`);
    }
  }

  // Stop condition (docs/cli.md §3.4): synthetic datasets send max(10, 2·C) requests where C is
  // --concurrency, else ceil(--request-rate), else 1; a file sends every turn once.
  let requestCount = o.requestCount ?? null;
  if (requestCount === null && !given(o.benchmarkDuration) && mode.kind !== 'user-centric') {
    if (!file) requestCount = Math.max(PROFILE_DEFAULTS.minRequestCount, 2 * (o.concurrency ?? (rate !== null ? Math.ceil(rate) : 1)));
    else if (facts !== null) requestCount = facts.turns;
  }
  // Rule 18: a fixed schedule has exactly its turns; the first N in schedule order are sent.
  if (fixed && facts !== null && o.requestCount !== undefined && o.requestCount > facts.turns) {
    throw new UsageError(`option '--request-count': ${o.requestCount} exceeds the ${facts.turns} turns of the fixed schedule`);
  }
  return { mode, concurrency, requestCount, shard };
}

/**
 * Apply defaults and the cross-option rules of docs/cli.md §3.6. Throws `UsageError` (exit 2) with
 * the exact one-line message; never touches the network or the file system. With an
 * `--input-file`, pass the `facts` once the core has read it (`withDatasetFacts`): the rules that
 * depend on the file's contents run then.
 */
export function resolveProfileConfig(
  given_: ProfileOptions,
  argv: readonly string[] | string,
  facts: DatasetFacts | null = null,
): ProfileConfig {
  const given = (v: unknown): boolean => v !== undefined;
  // `--arrival-pattern concurrency-burst` is the closed loop: resolved as if no pattern was given.
  const o: ProfileOptions & { arrivalPattern?: ArrivalPattern } = {
    ...given_,
    arrivalPattern: resolveArrivalChoice(given_.arrivalPattern, given(given_.requestRate)),
  };
  // Rule 1 is enforced by commander's requiredOption; repeated here for programmatic callers.
  if (!o.model || o.model.length === 0) throw new UsageError("required option '--model <name>' not specified");
  if (o.model.some((m) => m.trim() === '')) throw new UsageError(`option '--model <name>': expected a non-empty value, got ''`);
  checkOutputOptions(o);
  const file = given(o.inputFile);

  // Rules 2, 6–12 (load generation); 3–5, 18 and 20 are part of the mode selection below.
  if (given(o.requestRate) && given(o.userCentricRate)) throw conflict('--request-rate', '--user-centric-rate');
  if (given(o.arrivalPattern) && !given(o.requestRate)) throw requires('--arrival-pattern', '--request-rate');
  if (given(o.arrivalSmoothness) && o.arrivalPattern !== 'gamma') {
    throw new UsageError("option '--arrival-smoothness' requires '--arrival-pattern gamma'");
  }
  if (given(o.benchmarkGracePeriod) && !given(o.benchmarkDuration)) throw requires('--benchmark-grace-period', '--benchmark-duration');
  if (given(o.userCentricRate)) {
    if (!given(o.numUsers)) throw requires('--user-centric-rate', '--num-users');
    if (file) throw new UsageError("option '--user-centric-rate' requires a synthetic dataset");
    if ((o.sessionTurnsMean ?? 1) < 2) throw new UsageError("option '--user-centric-rate' requires '--session-turns-mean' >= 2");
    if (!given(o.requestCount) && !given(o.benchmarkDuration)) {
      throw new UsageError("option '--user-centric-rate' requires option '--request-count' or '--benchmark-duration'");
    }
    if (given(o.arrivalPattern)) throw conflict('--user-centric-rate', '--arrival-pattern');
    if (given(o.sessionTurnDelayMean)) throw conflict('--user-centric-rate', '--session-turn-delay-mean');
  }
  if (given(o.numUsers) && !given(o.userCentricRate)) throw requires('--num-users', '--user-centric-rate');
  if (given(o.requestCancellationDelay) && !given(o.requestCancellationRate)) {
    throw requires('--request-cancellation-delay', '--request-cancellation-rate');
  }
  if (given(o.warmupRequestCount) && given(o.warmupDuration)) throw conflict('--warmup-request-count', '--warmup-duration');

  // Rules 13–15 (dataset source).
  if (file) {
    for (const [key, flag] of SYNTHETIC_ONLY) if (given(o[key])) throw conflict(flag, '--input-file');
  } else {
    if (given(o.customDatasetType)) throw requires('--custom-dataset-type', '--input-file');
    if (o.skipInvalid === true) throw requires('--skip-invalid', '--input-file');
    if (given(o.blockSize)) throw requires('--block-size', '--input-file');
  }
  checkSynthesisInput(o, facts?.type ?? o.customDatasetType ?? null);
  // Rule 17.
  if (o.serverMetrics && o.serverMetrics.length > 0 && o.noServerMetrics === true) {
    throw conflict('--server-metrics', '--no-server-metrics');
  }
  if (o.gpuTelemetry !== undefined && o.noGpuTelemetry === true) throw conflict('--gpu-telemetry', '--no-gpu-telemetry');

  // Rule 19 and the list flags.
  const urls = (o.url && o.url.length > 0 ? o.url : [PROFILE_DEFAULTS.url]).map((u) => takeUrlCredentials(normalizeUrl(u), '--url <url>'));
  const headers = Object.fromEntries(
    Object.entries(parseKeyValueList('--header', o.header ?? [], { jsonValues: false })).map(([k, v]) => [k, String(v)]),
  );
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower === 'x-request-id') throw new UsageError("option '--header': cannot override 'X-Request-ID'");
    // Checked here, before any traffic: the HTTP client would otherwise fail every request
    // with a ConnectionError ("invalid header key").
    try {
      validateHeaderName(name);
    } catch {
      throw new UsageError(`option '--header': invalid header name '${name}'`);
    }
    try {
      validateHeaderValue(name, value);
    } catch {
      throw new UsageError(`option '--header': invalid character in the value of header '${name}'`);
    }
  }
  const extra = parseKeyValueList('--extra-inputs', o.extraInputs ?? [], { jsonValues: true });

  const multiTurn = given(o.numSessions) || (o.sessionTurnsMean ?? 1) > 1 || (o.sessionTurnsStddev ?? 0) > 0;
  // Synthetic sessions in rate mode are not built in this version (file sessions are, docs/cli.md §3.4).
  if (multiTurn && given(o.requestRate)) {
    throw new UsageError("option '--request-rate' cannot be used with synthetic multi-turn sessions in this version (use --concurrency)");
  }
  if (!multiTurn && (given(o.sessionTurnDelayMean) || given(o.sessionTurnDelayStddev))) {
    throw new UsageError(
      "option '--session-turn-delay-mean' requires multi-turn sessions ('--session-turns-mean' >= 2 or '--num-sessions')",
    );
  }

  const seqDist = o.seqDist === undefined ? null : parseSequenceDistribution(o.seqDist);
  if (seqDist !== null) {
    for (const [value, flag] of [
      [o.isl, '--isl'],
      [o.islStddev, '--isl-stddev'],
      [o.osl, '--osl'],
      [o.oslStddev, '--osl-stddev'],
    ] as const)
      if (given(value)) throw conflict('--seq-dist', flag);
  }
  checkSyntheticSize(o, multiTurn, seqDist);
  const prefixPrompts = prefixPromptsOf(o, multiTurn);
  const systemPrompt = systemPromptOf(o);
  // Embeddings and rankings requests stand alone: a session's history has no place in their bodies.
  if (o.endpointType !== undefined && isRetrievalType(o.endpointType) && o.inputFile === undefined) {
    if (multiTurn)
      throw new UsageError(
        `'--endpoint-type ${o.endpointType}' sends single requests; it cannot be used with synthetic multi-turn sessions`,
      );
    if (given(o.userCentricRate)) throw conflict(`--endpoint-type ${o.endpointType}`, '--user-centric-rate');
  }

  const { mode, concurrency, requestCount, shard } = resolveLoad(o, file, facts);
  const shaping = resolveLoadShaping(o, {
    modeKind: mode.kind,
    concurrency,
    requestRate: o.requestRate ?? null,
    arrivalPattern: o.arrivalPattern ?? PROFILE_DEFAULTS.arrivalPattern,
    arrivalSmoothness: o.arrivalSmoothness ?? PROFILE_DEFAULTS.arrivalSmoothness,
    streaming: o.streaming === true,
    syntheticSessions: !file && multiTurn,
    warmupRequestCount: o.warmupRequestCount ?? PROFILE_DEFAULTS.warmupRequestCount,
    warmupDuration: o.warmupDuration ?? null,
  });
  checkShapingThreads(shaping, o.workers ?? null, shard);

  // The charts are drawn from the records file, which this level does not write.
  if (o.plot === true && o.exportLevel === 'summary') throw conflict('--plot', '--export-level summary');
  // The trace is written into the records file, which this level does not write (docs/cli.md §3.13).
  if (o.exportHttpTrace === true && o.exportLevel === 'summary') throw conflict('--export-http-trace', '--export-level summary');

  if (!given(o.metricsPort)) {
    if (given(o.metricsHost)) throw requires('--metrics-host', '--metrics-port');
    if (given(o.metricsLinger)) throw requires('--metrics-linger', '--metrics-port');
  }

  const endpointType = o.endpointType ?? PROFILE_DEFAULTS.endpointType;
  const template = endpointType === 'template' ? templateSettings(extra) : null;
  const ui: UiType = o.ui === 'none' || o.ui === 'simple' ? o.ui : process.stderr.isTTY ? 'simple' : 'none';
  if (o.dashboardPort !== undefined && o.ui !== 'dashboard') throw requires('--dashboard-port', '--ui dashboard');
  const serverMetrics = (o.serverMetrics ?? []).map((u) => {
    normalizeUrl(u, '--server-metrics <urls>');
    return takeUrlCredentials(u.trim(), '--server-metrics <urls>');
  });

  return {
    endpoint: {
      models: o.model,
      modelSelection: o.modelSelectionStrategy ?? PROFILE_DEFAULTS.modelSelectionStrategy,
      urls: urls.map((u) => u.url),
      basicAuthorization: urls.map((u) => u.authorization),
      type: endpointType,
      // The path is appended to the base URL's own path, so `v1/chat` means `/v1/chat` (without the
      // slash every request failed with a ConnectionError from the HTTP client).
      path:
        o.endpoint === undefined
          ? isRetrievalType(endpointType)
            ? RETRIEVAL_PATHS[endpointType]
            : endpointType === 'chat'
              ? PROFILE_DEFAULTS.chatEndpoint
              : endpointType === 'completions'
                ? PROFILE_DEFAULTS.completionsEndpoint
                : generativeApi(endpointType)!.defaultPath(o.streaming === true)
          : o.endpoint.startsWith('/')
            ? o.endpoint
            : `/${o.endpoint}`,
      customEndpoint: o.endpoint ?? null,
      // Embeddings and rankings answer with one JSON body: --streaming is ignored, as AIPerf does (docs/cli.md §3.14).
      streaming: o.streaming === true && !isRetrievalType(endpointType),
      apiKey: o.apiKey ?? null,
      headers,
      extra: template === null ? extra : template.extra,
      template: template?.settings ?? null,
      timeoutSeconds: o.requestTimeoutSeconds ?? PROFILE_DEFAULTS.requestTimeoutSeconds,
      useServerTokenCount: o.useServerTokenCount === true,
      streamUsage: o.streamUsage !== false,
      useLegacyMaxTokens: o.useLegacyMaxTokens === true,
      connectionReuseStrategy: o.connectionReuseStrategy ?? PROFILE_DEFAULTS.connectionReuseStrategy,
      sessionHeader: sessionHeaderOf(o.sessionHeader),
    },
    tokenizer: o.tokenizer ?? PROFILE_DEFAULTS.tokenizer,
    dataset: {
      isl: o.isl ?? PROFILE_DEFAULTS.isl,
      islStddev: o.islStddev ?? PROFILE_DEFAULTS.islStddev,
      osl: o.osl ?? null,
      oslStddev: o.oslStddev ?? PROFILE_DEFAULTS.oslStddev,
      numDatasetEntries: o.numDatasetEntries ?? PROFILE_DEFAULTS.numDatasetEntries,
      randomSeed: o.randomSeed ?? PROFILE_DEFAULTS.randomSeed,
      sharedSystemPromptLength: o.sharedSystemPromptLength ?? null,
      prefixPrompts,
      seqDist,
      systemPrompt,
      numSessions: o.numSessions ?? null,
      sessionTurnsMean: o.sessionTurnsMean ?? PROFILE_DEFAULTS.sessionTurnsMean,
      sessionTurnsStddev: o.sessionTurnsStddev ?? PROFILE_DEFAULTS.sessionTurnsStddev,
      sessionTurnDelayMean: o.sessionTurnDelayMean ?? PROFILE_DEFAULTS.sessionTurnDelayMean,
      sessionTurnDelayStddev: o.sessionTurnDelayStddev ?? PROFILE_DEFAULTS.sessionTurnDelayStddev,
      multiTurn,
      file:
        o.inputFile === undefined
          ? null
          : {
              path: o.inputFile,
              type: facts?.type ?? o.customDatasetType ?? null,
              skipInvalid: o.skipInvalid === true,
              blockSize: o.blockSize ?? PROFILE_DEFAULTS.blockSize,
              synthesis: givenTransformFlags(o),
              windowStartMs: o.fixedScheduleStartOffset ?? null,
              windowEndMs: o.fixedScheduleEndOffset ?? null,
              requireTimestamps: o.fixedSchedule === true,
              facts,
            },
    },
    load: {
      mode,
      concurrency,
      requestCount,
      benchmarkDuration: o.benchmarkDuration ?? null,
      benchmarkGracePeriod: o.benchmarkGracePeriod ?? PROFILE_DEFAULTS.benchmarkGracePeriod,
      warmupRequestCount: o.warmupRequestCount ?? PROFILE_DEFAULTS.warmupRequestCount,
      warmupDuration: o.warmupDuration ?? null,
      requestCancellationRate: o.requestCancellationRate ?? null,
      requestCancellationDelay: o.requestCancellationDelay ?? PROFILE_DEFAULTS.requestCancellationDelay,
      failedRequestThreshold: o.failedRequestThreshold ?? null,
      workers: o.workers ?? null,
      shard,
    },
    output: {
      artifactDir: o.artifactDir ?? PROFILE_DEFAULTS.artifactDir,
      artifactDirGiven: given(o.artifactDir),
      profileExportPrefix: o.profileExportPrefix ?? null,
      exportLevel: o.exportLevel ?? PROFILE_DEFAULTS.exportLevel,
      sliceDuration: o.sliceDuration ?? null,
      goodput: o.goodput ?? [],
      serverMetricsEnabled: o.noServerMetrics !== true,
      serverMetricsUrls: serverMetrics.map((u) => u.url),
      serverMetricsAuthorization: serverMetrics.map((u) => u.authorization),
      gpuTelemetry: resolveGpuTelemetry(o.gpuTelemetry, o.noGpuTelemetry === true),
      ui,
      dashboard: o.ui === 'dashboard' ? { port: o.dashboardPort ?? LIVE_DASHBOARD_DEFAULT_PORT } : null,
      plot: o.plot === true,
      metricsEndpoint:
        o.metricsPort === undefined
          ? null
          : {
              host: o.metricsHost ?? PROFILE_DEFAULTS.metricsHost,
              port: o.metricsPort,
              lingerSeconds: o.metricsLinger ?? PROFILE_DEFAULTS.metricsLinger,
            },
    },
    repeat: resolveRepeatConfig(o, o.randomSeed !== undefined),
    network: resolveNetworkConfig(o),
    control: resolveServerControlConfig(o),
    responses: resolveResponseConfig(o, endpointType),
    shaping,
    retrieval: resolveRetrievalConfig(o, endpointType, o.inputFile !== undefined),
    argv: typeof argv === 'string' ? argv.split(' ') : argv,
    options: given_,
    notices: [
      ...authorizationNotices(
        o,
        headers,
        urls.some((u) => u.authorization !== null),
      ),
    ],
  };
}

/**
 * Every engine thread needs a slot of each cap it splits (docs/cli.md §3.4.1): `--workers` and the
 * shard count may not exceed the prefill caps or the warmup concurrency (an automatic thread count
 * stays below them, ts/src/load/workers.ts).
 */
function checkShapingThreads(shaping: LoadShapingConfig, workers: number | null, shard: ShardConfig | null): void {
  const limit = shaping.threadLimit;
  if (limit === null) return;
  const threads = (workers ?? 1) * (shard?.count ?? 1);
  if ((workers !== null || shard !== null) && threads > limit) {
    throw new UsageError(
      `${shard === null ? `option '--workers': ${workers} workers` : `${shard.count} shards × ${workers ?? 1} worker${(workers ?? 1) === 1 ? '' : 's'}`} but the prefill or warmup concurrency allows only ${limit} thread${limit === 1 ? '' : 's'}`,
      {
        hints: [
          'each thread gets a share of --prefill-concurrency, --warmup-prefill-concurrency and --warmup-concurrency, and needs at least one',
        ],
      },
    );
  }
}

/**
 * The configuration once an `--input-file` has been read: every rule again, now with what the file
 * holds (rules 4, 5, 15, 18 and 20 where they depend on it, the automatic fixed schedule, the
 * default request count). Throws `UsageError` (exit 2).
 */
export function withDatasetFacts(config: ProfileConfig, facts: DatasetFacts): ProfileConfig {
  return resolveProfileConfig(config.options, config.argv, facts);
}
