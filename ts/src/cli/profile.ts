// `infermark profile`: flags (docs/cli.md §3), validation before any traffic, then `runProfile`
// with the standard reporters, Ctrl-C turned into an abort signal. The option table is keyed by
// `ProfileOptions`, so flags and config cannot drift; help texts take defaults from the config.
import { type Command, InvalidArgumentError, Option } from 'commander';
import { integerIn, numberIn, parseChoice, parsePath, parseSeed, positiveNumberAtMost, type OptionParser } from './option-types.js';
import { UsageError } from '../errors.js';
import {
  MAX_CONCURRENCY,
  MAX_DATASET_ENTRIES,
  MAX_DURATION_MS,
  MAX_DURATION_SECONDS,
  MAX_REQUEST_COUNT,
  MAX_REQUEST_RATE,
  MAX_SEQUENCE_TOKENS,
  MAX_SESSION_TURNS,
  MAX_SHARDS,
  MAX_WORKERS,
  MIN_SLICE_SECONDS,
} from '../config/limits.js';

/** `--metrics-linger` at most an hour: a scraper polls every few seconds to a minute. */
const MAX_METRICS_LINGER_SECONDS = 3600;
import {
  CONNECTION_REUSE_STRATEGIES,
  MODEL_SELECTION_STRATEGIES,
  CUSTOM_DATASET_TYPES,
  ENDPOINT_TYPES,
  EXPORT_LEVELS,
  LIVE_DASHBOARD_DEFAULT_PORT,
  MAX_BLOCK_SIZE,
  GPU_TELEMETRY_DEFAULTS,
  PROFILE_DEFAULTS,
  SHARD_DEFAULTS,
  SHARD_ENV,
  type ConnectionReuseStrategy,
} from '../config/defaults.js';
import { resolveProfileConfig, type ProfileOptions } from '../config/profile-config.js';
import { packageVersion } from '../version.js';
import { tokenizerNotice } from '../tokenizer/index.js';
import { addOptionTable, attributeOf, type OptionSpec } from './option-table.js';
import { TRANSFORM_OPTIONS, withoutAliases } from './synthesis-options.js';
import { REPEAT_NEGATIONS, REPEAT_OPTIONS } from './repeat-options.js';
import { NETWORK_OPTIONS } from './network-options.js';
import { SERVER_CONTROL_OPTIONS } from './server-control-options.js';
import { RESPONSE_OPTIONS } from './response-options.js';
import { LOAD_SHAPING_OPTIONS } from './load-shaping-options.js';
import { ARRIVAL_PATTERN_CHOICES } from '../config/load-shaping.js';
import { RETRIEVAL_OPTIONS } from './retrieval-options.js';
import { checkRepeatedRuns, profileRepeated } from './profile-repeated.js';
import type { GlobalOptions } from './program.js';
import { handleInterrupts } from './interrupt.js';
import { configKeyOf, mergeConfigOptions, readProfileConfigFile, type ConfigNegation } from './profile-config-file.js';
import { formatEffectiveConfig } from './profile-config-print.js';

/**
 * Comma- or whitespace-separated list, accumulated over repetitions. `previous` is not an array
 * when a `--no-…` form set the same attribute to `false` first (`--no-server-metrics
 * --server-metrics URL`); that conflict is reported by collectOptions.
 */
const parseList: OptionParser<string[]> = (value, previous) => {
  const items = value
    .split(/[\s,]+/)
    .map((v) => v.trim())
    .filter((v) => v !== '');
  // `--url ""` once fell back to localhost and `-m ""` sent an empty model: an empty value is refused.
  if (items.length === 0) throw new InvalidArgumentError(`expected a non-empty value, got '${value}'`);
  return [...(Array.isArray(previous) ? previous : []), ...items];
};

/** `--gpu-telemetry [urls...]`: a list like `parseList`'s; commander gives `true` for the flag alone. */
const parseGpuTelemetry: OptionParser<string[] | true> = (value, previous) =>
  parseList(value, Array.isArray(previous) ? previous : undefined);

/** Repeatable flag whose values are kept whole (headers and extra inputs may contain commas). */
const parseRepeat: OptionParser<string[]> = (value, previous) => [...(previous ?? []), value];

/** AIPerf 0.13 spells `sticky` `sticky-user-sessions`; both are accepted. */
const parseConnectionReuse: OptionParser<ConnectionReuseStrategy> = (value) =>
  value === 'sticky-user-sessions' ? 'sticky' : parseChoice(CONNECTION_REUSE_STRATEGIES)(value);

const parseUi: OptionParser<string> = (value) => {
  if (value === 'dashboard') return 'dashboard';
  return parseChoice(['none', 'simple'] as const)(value);
};

/** Every flag of docs/cli.md §3 that this version of `profile` accepts. */
export const PROFILE_OPTIONS: readonly OptionSpec<ProfileOptions>[] = [
  // §3.1 Endpoint
  {
    key: 'model',
    flags: '-m, --model <name>',
    description: 'model name(s), comma-separated; several → round-robin per request',
    parser: parseList,
    aliases: ['--model-names'],
  },
  {
    key: 'url',
    flags: '-u, --url <url>',
    description: 'base URL(s); http:// is prepended if no scheme',
    parser: parseList,
    shownDefault: PROFILE_DEFAULTS.url,
  },
  {
    key: 'modelSelectionStrategy',
    flags: '--model-selection-strategy <s>',
    description: `with several --model: ${MODEL_SELECTION_STRATEGIES.join(' or ')} (a seeded draw per request or session)`,
    parser: parseChoice(MODEL_SELECTION_STRATEGIES),
    shownDefault: PROFILE_DEFAULTS.modelSelectionStrategy,
  },
  {
    key: 'endpointType',
    flags: '--endpoint-type <type>',
    description: ENDPOINT_TYPES.join(' or '),
    parser: parseChoice(ENDPOINT_TYPES),
    shownDefault: PROFILE_DEFAULTS.endpointType,
  },
  { key: 'endpoint', flags: '--endpoint <path>', description: 'override the endpoint path', aliases: ['--custom-endpoint'] },
  { key: 'streaming', flags: '--streaming', description: 'use SSE streaming (needed for TTFT, ITL)' },
  { key: 'apiKey', flags: '--api-key <key>', description: 'sent as Authorization: Bearer <key>; redacted everywhere' },
  { key: 'header', flags: '-H, --header <name:value>', description: 'extra header (repeatable, or one JSON object)', parser: parseRepeat },
  {
    key: 'sessionHeader',
    flags: '--session-header <name>',
    description: "the header carrying each session's id for sticky routing (default: X-Correlation-ID)",
  },
  {
    key: 'extraInputs',
    flags: '--extra-inputs <key:value>',
    description: 'merged into every body (repeatable, or one JSON object)',
    parser: parseRepeat,
  },
  {
    key: 'requestTimeoutSeconds',
    flags: '--request-timeout-seconds <s>',
    description: 'per-request limit in seconds',
    parser: positiveNumberAtMost(MAX_DURATION_SECONDS),
    shownDefault: PROFILE_DEFAULTS.requestTimeoutSeconds,
  },
  { key: 'useServerTokenCount', flags: '--use-server-token-count', description: 'ISL/OSL from the server usage' },
  { key: 'streamUsage', flags: '--no-stream-usage', description: 'do not send stream_options.include_usage', negate: true },
  { key: 'useLegacyMaxTokens', flags: '--use-legacy-max-tokens', description: 'chat sends max_tokens instead of max_completion_tokens' },
  {
    key: 'connectionReuseStrategy',
    flags: '--connection-reuse-strategy <s>',
    description: 'pooled (shared keep-alive pool), never (a new connection per request) or sticky (one per session)',
    parser: parseConnectionReuse,
    shownDefault: PROFILE_DEFAULTS.connectionReuseStrategy,
  },
  // §3.2 Tokenizer
  {
    key: 'tokenizer',
    flags: '--tokenizer <name>',
    description:
      "'builtin', a bundled model id (Qwen/Qwen3-8B, meta-llama/Llama-3.1-8B-Instruct, …), a tokenizer.json or its folder, or a cached HF model id",
    shownDefault: PROFILE_DEFAULTS.tokenizer,
  },
  {
    key: 'tokenizerTrustRemoteCode',
    flags: '--tokenizer-trust-remote-code',
    description: "accepted for AIPerf's command lines; changes nothing (a tokenizer.json runs no code)",
  },
  // §3.3 Dataset
  {
    key: 'isl',
    flags: '--isl <n>',
    description: 'mean prompt tokens',
    parser: integerIn(1, MAX_SEQUENCE_TOKENS),
    shownDefault: PROFILE_DEFAULTS.isl,
    aliases: ['--synthetic-input-tokens-mean', '--prompt-input-tokens-mean'],
  },
  {
    key: 'islStddev',
    flags: '--isl-stddev <n>',
    description: 'prompt tokens stddev',
    parser: numberIn(0, MAX_SEQUENCE_TOKENS),
    shownDefault: PROFILE_DEFAULTS.islStddev,
    aliases: ['--synthetic-input-tokens-stddev', '--prompt-input-tokens-stddev'],
  },
  {
    key: 'osl',
    flags: '--osl <n>',
    description: 'max tokens sent',
    parser: integerIn(1, MAX_SEQUENCE_TOKENS),
    shownDefault: 'none: the server decides',
    aliases: ['--output-tokens-mean', '--prompt-output-tokens-mean'],
  },
  {
    key: 'oslStddev',
    flags: '--osl-stddev <n>',
    description: 'output tokens stddev',
    parser: numberIn(0, MAX_SEQUENCE_TOKENS),
    shownDefault: PROFILE_DEFAULTS.oslStddev,
    aliases: ['--output-tokens-stddev', '--prompt-output-tokens-stddev'],
  },
  {
    key: 'seqDist',
    flags: '--seq-dist <pairs>',
    description: "a mix of ISL,OSL pairs with percentages, e.g. '128,64:25;512,128:75' (stddevs: '512|20,128|5:75')",
    aliases: ['--sequence-distribution'],
  },
  {
    key: 'numDatasetEntries',
    flags: '--num-dataset-entries <n>',
    description: 'distinct synthetic prompts',
    parser: integerIn(1, MAX_DATASET_ENTRIES),
    shownDefault: PROFILE_DEFAULTS.numDatasetEntries,
    aliases: ['--num-prompts'],
  },
  {
    key: 'randomSeed',
    flags: '--random-seed <seed>',
    description: 'seed of everything random',
    parser: parseSeed,
    shownDefault: PROFILE_DEFAULTS.randomSeed,
  },
  {
    key: 'inputFile',
    flags: '--input-file <path>',
    description: 'dataset file (mooncake_trace, single_turn or multi_turn JSONL)',
    parser: parsePath,
  },
  {
    key: 'customDatasetType',
    flags: '--custom-dataset-type <type>',
    description: CUSTOM_DATASET_TYPES.join(', '),
    parser: parseChoice(CUSTOM_DATASET_TYPES),
    shownDefault: 'inferred from the first valid row',
  },
  { key: 'skipInvalid', flags: '--skip-invalid', description: 'lenient row validation' },
  {
    key: 'blockSize',
    flags: '--block-size <n>',
    description: 'hash block size',
    parser: integerIn(1, MAX_BLOCK_SIZE),
    shownDefault: PROFILE_DEFAULTS.blockSize,
    aliases: ['--isl-block-size'],
  },
  // The transform flags of `synthesize`, same names and parsers (docs/synthesis.md §3.1; its aliases are synthesize's only).
  ...withoutAliases(TRANSFORM_OPTIONS),
  {
    key: 'sharedSystemPromptLength',
    flags: '--shared-system-prompt-length <n>',
    description: 'shared system prompt tokens',
    parser: integerIn(1, MAX_SEQUENCE_TOKENS),
  },
  {
    key: 'systemPrompt',
    flags: '--system-prompt <text>',
    description: "a system prompt sent verbatim with every request (before a file session's own)",
  },
  {
    key: 'systemPromptFile',
    flags: '--system-prompt-file <path>',
    description: 'the same, read from a file (for long prompts shell quoting would mangle)',
    parser: parsePath,
  },
  {
    key: 'promptPrefixPoolSize',
    flags: '--prompt-prefix-pool-size <n>',
    description: 'distinct prefix prompts; each synthetic prompt starts with one of them (0: none)',
    parser: integerIn(0, MAX_DATASET_ENTRIES),
    shownDefault: 0,
    aliases: ['--prefix-prompt-pool-size', '--num-prefix-prompts'],
  },
  {
    key: 'promptPrefixLength',
    flags: '--prompt-prefix-length <n>',
    description: 'tokens of each prefix prompt',
    parser: integerIn(0, MAX_SEQUENCE_TOKENS),
    shownDefault: 0,
    aliases: ['--prefix-prompt-length'],
  },
  {
    key: 'numSessions',
    flags: '--num-sessions <n>',
    description: 'synthetic multi-turn sessions',
    parser: integerIn(1, MAX_DATASET_ENTRIES),
    aliases: ['--conversation-num', '--num-conversations'],
  },
  {
    key: 'sessionTurnsMean',
    flags: '--session-turns-mean <n>',
    description: 'turns per session',
    parser: integerIn(1, MAX_SESSION_TURNS),
    shownDefault: PROFILE_DEFAULTS.sessionTurnsMean,
    aliases: ['--conversation-turn-mean'],
  },
  {
    key: 'sessionTurnsStddev',
    flags: '--session-turns-stddev <n>',
    description: 'turns stddev',
    parser: numberIn(0, MAX_SESSION_TURNS),
    shownDefault: PROFILE_DEFAULTS.sessionTurnsStddev,
    aliases: ['--conversation-turn-stddev'],
  },
  {
    key: 'sessionTurnDelayMean',
    flags: '--session-turn-delay-mean <ms>',
    description: 'think time before later turns',
    parser: numberIn(0, MAX_DURATION_MS),
    shownDefault: PROFILE_DEFAULTS.sessionTurnDelayMean,
    aliases: ['--conversation-turn-delay-mean'],
  },
  {
    key: 'sessionTurnDelayStddev',
    flags: '--session-turn-delay-stddev <ms>',
    description: 'think time stddev',
    parser: numberIn(0, MAX_DURATION_MS),
    shownDefault: PROFILE_DEFAULTS.sessionTurnDelayStddev,
    aliases: ['--conversation-turn-delay-stddev'],
  },
  // §3.4 Load generation
  {
    key: 'concurrency',
    flags: '--concurrency <n>',
    description: 'closed loop with N in flight; a ceiling in other modes',
    parser: integerIn(1, MAX_CONCURRENCY),
    shownDefault: PROFILE_DEFAULTS.concurrency,
  },
  {
    key: 'requestRate',
    flags: '--request-rate <r>',
    description: 'open-loop requests per second',
    parser: positiveNumberAtMost(MAX_REQUEST_RATE),
  },
  {
    key: 'arrivalPattern',
    flags: '--arrival-pattern <p>',
    description: ARRIVAL_PATTERN_CHOICES.join(', '),
    parser: parseChoice(ARRIVAL_PATTERN_CHOICES),
    shownDefault: PROFILE_DEFAULTS.arrivalPattern,
    aliases: ['--request-rate-mode'],
  },
  {
    key: 'arrivalSmoothness',
    flags: '--arrival-smoothness <k>',
    description: 'gamma shape',
    parser: numberIn(0.001, 1000),
    shownDefault: PROFILE_DEFAULTS.arrivalSmoothness.toFixed(1),
    aliases: ['--vllm-burstiness'],
  },
  {
    key: 'requestCount',
    flags: '--request-count <n>',
    description: 'requests in the profiling phase',
    parser: integerIn(1, MAX_REQUEST_COUNT),
    shownDefault: `every turn of an --input-file once; else max(${PROFILE_DEFAULTS.minRequestCount}, 2 × concurrency), without --benchmark-duration`,
    aliases: ['--num-requests'],
  },
  {
    key: 'benchmarkDuration',
    flags: '--benchmark-duration <s>',
    description: 'stop issuing after this many seconds',
    parser: positiveNumberAtMost(MAX_DURATION_SECONDS),
  },
  {
    key: 'benchmarkGracePeriod',
    flags: '--benchmark-grace-period <s>',
    description: "seconds in-flight requests get after the duration, or 'inf'",
    parser: numberIn(0, MAX_DURATION_SECONDS, { allowInfinity: true }),
    shownDefault: PROFILE_DEFAULTS.benchmarkGracePeriod,
  },
  {
    key: 'fixedSchedule',
    flags: '--fixed-schedule',
    description: 'replay trace timestamps',
    shownDefault: 'on for a mooncake_trace whose first row has a timestamp, unless --request-rate',
  },
  {
    key: 'fixedScheduleAutoOffset',
    flags: '--fixed-schedule-auto-offset',
    description: 'schedule zero = earliest timestamp',
    shownDefault: 'on',
  },
  {
    key: 'fixedScheduleStartOffset',
    flags: '--fixed-schedule-start-offset <ms>',
    description: 'keep rows whose original timestamp is at least this (ms); the schedule zero',
    parser: integerIn(0, Number.MAX_SAFE_INTEGER),
  },
  {
    key: 'fixedScheduleEndOffset',
    flags: '--fixed-schedule-end-offset <ms>',
    description: 'keep rows whose original timestamp is at most this (ms)',
    parser: integerIn(0, Number.MAX_SAFE_INTEGER),
  },
  {
    key: 'userCentricRate',
    flags: '--user-centric-rate <r>',
    description: 'per-user paced multi-turn rate',
    parser: positiveNumberAtMost(MAX_REQUEST_RATE),
  },
  { key: 'numUsers', flags: '--num-users <n>', description: 'users for --user-centric-rate', parser: integerIn(1, MAX_CONCURRENCY) },
  {
    key: 'warmupRequestCount',
    flags: '--warmup-request-count <n>',
    description: 'warmup requests (0 = none)',
    parser: integerIn(0, MAX_REQUEST_COUNT),
    shownDefault: PROFILE_DEFAULTS.warmupRequestCount,
    aliases: ['--num-warmup-requests'],
  },
  {
    key: 'warmupDuration',
    flags: '--warmup-duration <s>',
    description: 'warmup by time',
    parser: positiveNumberAtMost(MAX_DURATION_SECONDS),
  },
  {
    key: 'requestCancellationRate',
    flags: '--request-cancellation-rate <pct>',
    description: 'cancel this percentage of requests',
    parser: positiveNumberAtMost(100),
  },
  {
    key: 'requestCancellationDelay',
    flags: '--request-cancellation-delay <s>',
    description: 'cancel this many seconds after sending',
    parser: numberIn(0, MAX_DURATION_SECONDS),
    shownDefault: PROFILE_DEFAULTS.requestCancellationDelay,
  },
  {
    key: 'failedRequestThreshold',
    flags: '--failed-request-threshold <f>',
    description: 'abort once errors/completed exceeds this (0, 1]',
    parser: positiveNumberAtMost(1),
  },
  {
    key: 'workers',
    flags: '--workers <n>',
    description: 'load-generation worker threads; 1 runs the engine on the main thread',
    parser: integerIn(1, MAX_WORKERS),
    shownDefault: 'chosen from the concurrency and the CPU cores',
    aliases: ['--workers-max', '--max-workers'],
  },
  // §3.4.1 Load shaping
  ...(LOAD_SHAPING_OPTIONS as readonly OptionSpec<ProfileOptions>[]),
  // §3.10 Repeated runs
  ...(REPEAT_OPTIONS as readonly OptionSpec<ProfileOptions>[]),
  // §3.11 Per-chunk token counts and outputs.json
  ...(RESPONSE_OPTIONS as readonly OptionSpec<ProfileOptions>[]),
  // §3.12 Readiness and server control
  ...(SERVER_CONTROL_OPTIONS as readonly OptionSpec<ProfileOptions>[]),
  // §3.13 Network calibration and the HTTP trace
  ...(NETWORK_OPTIONS as readonly OptionSpec<ProfileOptions>[]),
  // §3.14 Embeddings and rankings
  ...(RETRIEVAL_OPTIONS as readonly OptionSpec<ProfileOptions>[]),
  // §3.8 Sharded runs
  {
    key: 'shardIndex',
    flags: '--shard-index <k>',
    description: `this process's shard of a run split into --shard-count shards (0-based; default: $${SHARD_ENV.index})`,
    parser: integerIn(0, MAX_SHARDS - 1),
  },
  {
    key: 'shardCount',
    flags: '--shard-count <n>',
    description: `shards the run is split into, one process (or pod) each (default: $${SHARD_ENV.count})`,
    parser: integerIn(1, MAX_SHARDS),
  },
  {
    key: 'shardRendezvous',
    flags: '--shard-rendezvous <host:port>',
    description: `where shard 0 serves the rendezvous; every other shard needs it (default: $${SHARD_ENV.rendezvous})`,
  },
  {
    key: 'shardRendezvousPort',
    flags: '--shard-rendezvous-port <port>',
    description: 'the port shard 0 serves the rendezvous on (all interfaces)',
    parser: integerIn(1, 65535),
    shownDefault: SHARD_DEFAULTS.rendezvousPort,
  },
  {
    key: 'shardRendezvousTimeout',
    flags: '--shard-rendezvous-timeout <s>',
    description: 'how long each barrier waits for every shard before the run fails (exit 1)',
    parser: positiveNumberAtMost(MAX_DURATION_SECONDS),
    shownDefault: SHARD_DEFAULTS.rendezvousTimeout,
  },
  // §3.5 Metrics and output
  { key: 'goodput', flags: '--goodput <slos>', description: '"tag:value …" SLOs (repeatable)', parser: parseRepeat },
  {
    key: 'sliceDuration',
    flags: '--slice-duration <s>',
    description: 'time-slice length',
    parser: numberIn(MIN_SLICE_SECONDS, MAX_DURATION_SECONDS),
  },
  { key: 'serverMetrics', flags: '--server-metrics <urls>', description: 'extra Prometheus endpoints', parser: parseList },
  {
    key: 'gpuTelemetry',
    flags: '--gpu-telemetry [urls...]',
    description: 'DCGM exporter endpoints scraped for GPU power, utilisation and energy (a default that does not answer is skipped)',
    parser: parseGpuTelemetry,
    shownDefault: GPU_TELEMETRY_DEFAULTS.urls.join(' '),
  },
  {
    key: 'artifactDir',
    flags: '--artifact-dir <dir>',
    description: 'output directory',
    parser: parsePath,
    shownDefault: `${PROFILE_DEFAULTS.artifactDir}/<run-name>`,
    aliases: ['--output-artifact-dir'],
  },
  { key: 'profileExportPrefix', flags: '--profile-export-prefix <p>', description: 'file name prefix', aliases: ['--profile-export-file'] },
  {
    key: 'exportLevel',
    flags: '--export-level <level>',
    description: EXPORT_LEVELS.join(', '),
    parser: parseChoice(EXPORT_LEVELS),
    shownDefault: PROFILE_DEFAULTS.exportLevel,
    aliases: ['--profile-export-level'],
  },
  {
    key: 'ui',
    flags: '--ui <type>',
    description: 'none, simple (the progress line) or dashboard (a live page on 127.0.0.1, and the progress line)',
    parser: parseUi,
    shownDefault: 'simple on a terminal, else none',
    aliases: ['--ui-type'],
  },
  {
    key: 'dashboardPort',
    flags: '--dashboard-port <n>',
    description: "with --ui dashboard: the page's port on 127.0.0.1 (0: any free port)",
    parser: integerIn(0, 65535),
    shownDefault: LIVE_DASHBOARD_DEFAULT_PORT,
  },
  {
    key: 'metricsPort',
    flags: '--metrics-port <port>',
    description:
      "serve this run's own counters and histograms in Prometheus text format at http://<metrics-host>:<port>/metrics (0: any free port, printed)",
    parser: integerIn(0, 65535),
  },
  {
    key: 'metricsHost',
    flags: '--metrics-host <host>',
    description: 'address the --metrics-port endpoint listens on; 0.0.0.0 lets other machines scrape it',
    shownDefault: PROFILE_DEFAULTS.metricsHost,
  },
  {
    key: 'metricsLinger',
    flags: '--metrics-linger <s>',
    description: 'keep the --metrics-port endpoint up this long after the result files are written, so a scraper reads the final values',
    parser: numberIn(0, MAX_METRICS_LINGER_SECONDS),
    shownDefault: PROFILE_DEFAULTS.metricsLinger,
  },
  {
    key: 'plot',
    flags: '--plot',
    description: 'when the run ends, write its charts (PNG) and report.html into <run dir>/plots/, as `infermark plot <run dir>` does',
    aliases: ['--auto-plot'],
  },
];

/**
 * `--no-…` flags of docs/cli.md §3. Commander folds `--x` and `--no-x` into one attribute, so which
 * of them appeared is tracked from commander's `option:<name>` events; that is what lets
 * `--server-metrics URL --no-server-metrics` be reported as a conflict (docs/cli.md §3.6 rule 17).
 */
const NEGATIONS: readonly ConfigNegation[] = [
  { flag: '--no-server-metrics', positive: '--server-metrics', set: (out) => (out.noServerMetrics = true) },
  { flag: '--no-gpu-telemetry', positive: '--gpu-telemetry', set: (out) => (out.noGpuTelemetry = true) },
  { flag: '--no-fixed-schedule', positive: '--fixed-schedule', set: (out) => (out.fixedSchedule = false) },
  {
    flag: '--no-fixed-schedule-auto-offset',
    positive: '--fixed-schedule-auto-offset',
    set: (out) => (out.fixedScheduleAutoOffset = false),
  },
  ...REPEAT_NEGATIONS,
];

/** The `--no-…` flags as `--config` keys (`no_server_metrics: true`, or `server_metrics: false`). */
export const CONFIG_NEGATIONS: readonly ConfigNegation[] = NEGATIONS;

/** Reads a command's profile flags, over its `--config` file, into `ProfileOptions` (aliases folded, `--no-…` forms resolved). */
export type ProfileFlagReader = (raw: Record<string, unknown>, command: Command) => ProfileOptions;

/**
 * Register every flag of `table` (profile's by default) and the `--no-…` forms on `cmd`; returns the
 * reader of what was given. `sweep` passes profile's table without the flags it turns into lists.
 */
export function addProfileFlags(cmd: Command, table: readonly OptionSpec<ProfileOptions>[] = PROFILE_OPTIONS): ProfileFlagReader {
  addOptionTable(cmd, table);
  cmd.addOption(
    new Option('-f, --config <file>', 'YAML or JSON file of options, one key per flag (request_count: 100); flags override it').argParser(
      parsePath,
    ),
  );
  const seen = new Set<string>();
  for (const n of NEGATIONS) cmd.addOption(new Option(n.flag, `turn off ${n.positive}`));
  for (const spec of table) cmd.on(`option:${new Option(spec.flags).name()}`, () => seen.add(`--${new Option(spec.flags).name()}`));
  for (const n of NEGATIONS) cmd.on(`option:${new Option(n.flag).name()}`, () => seen.add(n.flag));
  // Keys of profile's table this command takes from its own flags instead (sweep's lists).
  const elsewhere = new Map(
    PROFILE_OPTIONS.filter((p) => !table.some((t) => t.key === p.key)).map((p) => [
      configKeyOf(p.flags),
      `the command's own flag ${new Option(p.flags).long}`,
    ]),
  );
  return (raw, command) => {
    const cli = collectOptions(raw, command, seen, table);
    if (typeof raw.config !== 'string') return cli;
    return mergeConfigOptions(readProfileConfigFile(raw.config, table, CONFIG_NEGATIONS, elsewhere), cli);
  };
}

export function registerProfile(program: Command): Command {
  const cmd = program
    .command('profile')
    .description('run a benchmark against an OpenAI-compatible endpoint')
    .helpOption('-h, --help', 'show help');
  const readFlags = addProfileFlags(cmd);
  cmd.option('--print-config', 'print the options in effect (config file, flags, defaults; secrets redacted) as YAML and exit');
  cmd.action(async (raw: Record<string, unknown>, command: Command) => {
    const options = readFlags(raw, command);
    const config = resolveProfileConfig(options, cliArgv());
    if (raw.printConfig === true) {
      // Validated like a run (exit 2 on a bad combination), then nothing is sent.
      process.stdout.write(formatEffectiveConfig(options, PROFILE_OPTIONS, CONFIG_NEGATIONS));
      return;
    }
    for (const notice of config.notices) process.stderr.write(`notice: ${notice}\n`);
    // What a model id resolved to, in one line; an unknown name fails here (exit 2), before the heavy imports.
    const resolvedAs = tokenizerNotice(config.tokenizer);
    if (resolvedAs !== null) process.stderr.write(`notice: ${resolvedAs}\n`);
    // The engine, tokenizer and report modules are heavy to load; other commands never pay for them.
    checkRepeatedRuns(config);
    const verbose = Boolean(command.optsWithGlobals<GlobalOptions>().verbose);
    if (config.repeat.numProfileRuns > 1) return profileRepeated(config, verbose);
    const { runProfile, standardReporters } = await import('../profile/index.js');
    // Ctrl-C also ends `--metrics-linger`; the interrupt handlers are installed below, once the reporters exist.
    const lingerStop = new AbortController();
    const reporters = standardReporters({
      stdout: process.stdout,
      progress: { ui: config.output.ui, stderr: process.stderr },
      dashboard: config.output.dashboard,
      // `-v` raises the run log to debug (docs/cli.md §1.1).
      logLevel: verbose ? 'debug' : 'info',
      plot: config.output.plot,
      metricsEndpoint: { announce: process.stderr, signal: lingerStop.signal },
    });
    // Once the engine is done every request has ended, and a signal only changes the exit code.
    let reporting = false;
    reporters.push({ onEngineDone: () => (reporting = true) });
    // The handlers stay until runProfile has committed its last file (docs/exports.md §10.3).
    const interrupts = handleInterrupts({
      message: () =>
        reporting
          ? 'interrupted: every request has ended; writing the remaining result files (Ctrl-C again to quit now)'
          : 'interrupted: stopping; in-flight requests get a moment to finish (Ctrl-C again to quit now)',
      flushNow: () => {
        for (const r of reporters) r.flushNow?.();
      },
    });
    interrupts.signal.addEventListener('abort', () => lingerStop.abort(), { once: true });
    try {
      const result = await runProfile(config, {
        reporters,
        signal: interrupts.signal,
        version: packageVersion(),
        stderr: process.stderr,
      });
      if (result.failure !== null) process.stderr.write(`error: ${result.failure}\n`);
      if (result.exitCode !== 0) process.exitCode = result.exitCode;
    } finally {
      interrupts.dispose();
    }
  });
  return cmd;
}

/** Fold aliases into canonical keys and the `--no-…` flags into booleans. */
export function collectOptions(
  raw: Record<string, unknown>,
  command: Command,
  seen: ReadonlySet<string>,
  table: readonly OptionSpec<ProfileOptions>[] = PROFILE_OPTIONS,
): ProfileOptions {
  const out: Record<string, unknown> = {};
  for (const spec of table) {
    let value = command.getOptionValueSource(spec.key) === 'cli' ? raw[spec.key] : undefined;
    for (const alias of spec.aliases ?? []) {
      const v = raw[attributeOf(alias)];
      if (v === undefined) continue;
      // A list flag given under both spellings accumulates; anything else: the alias counts too.
      value = Array.isArray(value) && Array.isArray(v) ? [...value, ...v] : (value ?? v);
    }
    if (value !== undefined && value !== false) out[spec.key] = value;
  }
  if (seen.has('--no-stream-usage')) out.streamUsage = false;
  for (const n of NEGATIONS) {
    if (!seen.has(n.flag)) continue;
    if (seen.has(n.positive)) throw new UsageError(`option '${n.positive}' cannot be used with option '${n.flag}'`);
    n.set(out);
  }
  return out as ProfileOptions;
}

/** The command line as typed, for `cli_command` (writers redact secrets). */
export function cliArgv(): string[] {
  return ['infermark', ...process.argv.slice(2)];
}
