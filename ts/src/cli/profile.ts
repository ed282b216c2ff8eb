// `infermark profile`: flags (cli.md §3), validation before any traffic, then the load engine with
// its reporters. The option table is keyed by `ProfileOptions`, so flags and config cannot drift.
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  nonNegativeNumber,
  parseChoice,
  parseNonNegativeInteger,
  parseNonNegativeNumber,
  parsePercentage,
  parsePositiveInteger,
  parsePositiveNumber,
  parseSeed,
  type OptionParser,
} from './option-types.js';
import { UsageError } from '../errors.js';
import { resolveProfileConfig, type ProfileOptions } from '../config/profile-config.js';
import { packageVersion } from './program.js';

/**
 * Comma- or whitespace-separated list, accumulated over repetitions. `previous` is not an array
 * when a `--no-…` form set the same attribute to `false` first (`--no-server-metrics
 * --server-metrics URL`); that conflict is reported by collectOptions.
 */
const parseList: OptionParser<string[]> = (value, previous) => [
  ...(Array.isArray(previous) ? previous : []),
  ...value
    .split(/[\s,]+/)
    .map((v) => v.trim())
    .filter((v) => v !== ''),
];

/** Repeatable flag whose values are kept whole (headers and extra inputs may contain commas). */
const parseRepeat: OptionParser<string[]> = (value, previous) => [...(previous ?? []), value];

const parseFraction: OptionParser<number> = (value) => {
  const n = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.test(value.trim()) ? Number(value) : NaN;
  if (!(n > 0 && n <= 1)) throw new InvalidArgumentError(`expected a number in (0, 1], got '${value}'`);
  return n;
};

const parseUi: OptionParser<string> = (value) => {
  if (value === 'dashboard') return 'dashboard';
  return parseChoice(['none', 'simple'] as const)(value);
};

interface OptionSpec {
  /** The config field this flag fills; commander's attribute name must equal it (checked below). */
  key: keyof ProfileOptions;
  flags: string;
  description: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- commander parsers of any value type
  parser?: OptionParser<any>;
  /** AIPerf-compatible alias spellings (long flags, same value syntax). */
  aliases?: string[];
  /** `--no-x` negations and other plain booleans need no parser. */
  negate?: boolean;
  required?: boolean;
}

/** Every flag of cli.md §3 that this version of `profile` accepts. */
export const PROFILE_OPTIONS: readonly OptionSpec[] = [
  // §3.1 Endpoint
  { key: 'model', flags: '-m, --model <name>', description: 'model name(s), comma-separated; several → round-robin per request', parser: parseList, aliases: ['--model-names'] },
  { key: 'url', flags: '-u, --url <url>', description: 'base URL(s) (default http://localhost:8000); http:// is prepended if no scheme', parser: parseList },
  { key: 'endpointType', flags: '--endpoint-type <type>', description: 'chat or completions (default chat)', parser: parseChoice(['chat', 'completions'] as const) },
  { key: 'endpoint', flags: '--endpoint <path>', description: 'override the endpoint path', aliases: ['--custom-endpoint'] },
  { key: 'streaming', flags: '--streaming', description: 'use SSE streaming (needed for TTFT, ITL)' },
  { key: 'apiKey', flags: '--api-key <key>', description: 'sent as Authorization: Bearer <key>; redacted everywhere' },
  { key: 'header', flags: '-H, --header <name:value>', description: 'extra header (repeatable, or one JSON object)', parser: parseRepeat },
  { key: 'extraInputs', flags: '--extra-inputs <key:value>', description: 'merged into every body (repeatable, or one JSON object)', parser: parseRepeat },
  { key: 'requestTimeoutSeconds', flags: '--request-timeout-seconds <s>', description: 'per-request limit (default 21600)', parser: parsePositiveNumber },
  { key: 'useServerTokenCount', flags: '--use-server-token-count', description: 'ISL/OSL from the server usage' },
  { key: 'streamUsage', flags: '--no-stream-usage', description: 'do not send stream_options.include_usage', negate: true },
  { key: 'useLegacyMaxTokens', flags: '--use-legacy-max-tokens', description: 'chat sends max_tokens instead of max_completion_tokens' },
  // §3.2 Tokenizer
  { key: 'tokenizer', flags: '--tokenizer <name>', description: "'builtin' (default), a tokenizer.json path/dir, or a cached HF model id" },
  // §3.3 Dataset
  { key: 'isl', flags: '--isl <n>', description: 'mean prompt tokens (default 550)', parser: parsePositiveInteger, aliases: ['--synthetic-input-tokens-mean', '--prompt-input-tokens-mean'] },
  { key: 'islStddev', flags: '--isl-stddev <n>', description: 'prompt tokens stddev (default 0)', parser: parseNonNegativeNumber, aliases: ['--synthetic-input-tokens-stddev'] },
  { key: 'osl', flags: '--osl <n>', description: 'max tokens sent (default: server decides)', parser: parsePositiveInteger, aliases: ['--output-tokens-mean', '--prompt-output-tokens-mean'] },
  { key: 'oslStddev', flags: '--osl-stddev <n>', description: 'output tokens stddev (default 0)', parser: parseNonNegativeNumber, aliases: ['--output-tokens-stddev'] },
  { key: 'numDatasetEntries', flags: '--num-dataset-entries <n>', description: 'distinct synthetic prompts (default 100)', parser: parsePositiveInteger, aliases: ['--num-prompts'] },
  { key: 'randomSeed', flags: '--random-seed <seed>', description: 'seed of everything random (default 0)', parser: parseSeed },
  { key: 'inputFile', flags: '--input-file <path>', description: 'dataset file' },
  { key: 'customDatasetType', flags: '--custom-dataset-type <type>', description: 'mooncake_trace, single_turn or multi_turn', parser: parseChoice(['mooncake_trace', 'single_turn', 'multi_turn'] as const) },
  { key: 'skipInvalid', flags: '--skip-invalid', description: 'lenient row validation' },
  { key: 'blockSize', flags: '--block-size <n>', description: 'hash block size (default 512)', parser: parsePositiveInteger, aliases: ['--isl-block-size'] },
  { key: 'sharedSystemPromptLength', flags: '--shared-system-prompt-length <n>', description: 'shared system prompt tokens', parser: parsePositiveInteger },
  { key: 'numSessions', flags: '--num-sessions <n>', description: 'synthetic multi-turn sessions', parser: parsePositiveInteger, aliases: ['--conversation-num', '--num-conversations'] },
  { key: 'sessionTurnsMean', flags: '--session-turns-mean <n>', description: 'turns per session (default 1)', parser: parsePositiveInteger, aliases: ['--conversation-turn-mean'] },
  { key: 'sessionTurnsStddev', flags: '--session-turns-stddev <n>', description: 'turns stddev (default 0)', parser: parseNonNegativeNumber, aliases: ['--conversation-turn-stddev'] },
  { key: 'sessionTurnDelayMean', flags: '--session-turn-delay-mean <ms>', description: 'think time before later turns (default 0)', parser: parseNonNegativeNumber, aliases: ['--conversation-turn-delay-mean'] },
  { key: 'sessionTurnDelayStddev', flags: '--session-turn-delay-stddev <ms>', description: 'think time stddev (default 0)', parser: parseNonNegativeNumber, aliases: ['--conversation-turn-delay-stddev'] },
  // §3.4 Load generation
  { key: 'concurrency', flags: '--concurrency <n>', description: 'closed loop with N in flight; a ceiling in other modes', parser: parsePositiveInteger },
  { key: 'requestRate', flags: '--request-rate <r>', description: 'open-loop requests per second', parser: parsePositiveNumber },
  { key: 'arrivalPattern', flags: '--arrival-pattern <p>', description: 'poisson (default), constant or gamma', parser: parseChoice(['poisson', 'constant', 'gamma'] as const), aliases: ['--request-rate-mode'] },
  { key: 'arrivalSmoothness', flags: '--arrival-smoothness <k>', description: 'gamma shape (default 1.0)', parser: parsePositiveNumber, aliases: ['--vllm-burstiness'] },
  { key: 'requestCount', flags: '--request-count <n>', description: 'requests in the profiling phase', parser: parsePositiveInteger, aliases: ['--num-requests'] },
  { key: 'benchmarkDuration', flags: '--benchmark-duration <s>', description: 'stop issuing after this many seconds', parser: parsePositiveNumber },
  { key: 'benchmarkGracePeriod', flags: '--benchmark-grace-period <s>', description: "time in-flight requests get after the duration (default 30; 'inf')", parser: nonNegativeNumber({ allowInfinity: true }) },
  { key: 'fixedSchedule', flags: '--fixed-schedule', description: 'replay trace timestamps' },
  { key: 'fixedScheduleAutoOffset', flags: '--fixed-schedule-auto-offset', description: 'schedule zero = earliest timestamp (default on)' },
  { key: 'fixedScheduleStartOffset', flags: '--fixed-schedule-start-offset <ms>', description: 'window start', parser: parseNonNegativeInteger },
  { key: 'fixedScheduleEndOffset', flags: '--fixed-schedule-end-offset <ms>', description: 'window end', parser: parseNonNegativeInteger },
  { key: 'userCentricRate', flags: '--user-centric-rate <r>', description: 'per-user paced multi-turn rate', parser: parsePositiveNumber },
  { key: 'numUsers', flags: '--num-users <n>', description: 'users for --user-centric-rate', parser: parsePositiveInteger },
  { key: 'warmupRequestCount', flags: '--warmup-request-count <n>', description: 'warmup requests (default 0 = none)', parser: parseNonNegativeInteger, aliases: ['--num-warmup-requests'] },
  { key: 'warmupDuration', flags: '--warmup-duration <s>', description: 'warmup by time', parser: parsePositiveNumber },
  { key: 'requestCancellationRate', flags: '--request-cancellation-rate <pct>', description: 'cancel this percentage of requests', parser: parsePercentage },
  { key: 'requestCancellationDelay', flags: '--request-cancellation-delay <s>', description: 'cancel this long after sending (default 0)', parser: parseNonNegativeNumber },
  { key: 'failedRequestThreshold', flags: '--failed-request-threshold <f>', description: 'abort once errors/completed exceeds this (0, 1]', parser: parseFraction },
  { key: 'workers', flags: '--workers <n>', description: 'load-generation worker threads (default: chosen from the concurrency and the CPU cores; 1 runs the engine on the main thread)', parser: parsePositiveInteger, aliases: ['--workers-max', '--max-workers'] },
  // §3.5 Metrics and output
  { key: 'goodput', flags: '--goodput <slos>', description: '"tag:value …" SLOs (repeatable)', parser: parseRepeat },
  { key: 'sliceDuration', flags: '--slice-duration <s>', description: 'time-slice length', parser: parsePositiveNumber },
  { key: 'serverMetrics', flags: '--server-metrics <urls>', description: 'extra Prometheus endpoints', parser: parseList },
  { key: 'artifactDir', flags: '--artifact-dir <dir>', description: 'output directory (default artifacts/<run-name>)', aliases: ['--output-artifact-dir'] },
  { key: 'profileExportPrefix', flags: '--profile-export-prefix <p>', description: 'file name prefix', aliases: ['--profile-export-file'] },
  { key: 'exportLevel', flags: '--export-level <level>', description: 'summary, records (default) or raw', parser: parseChoice(['summary', 'records', 'raw'] as const), aliases: ['--profile-export-level'] },
  { key: 'ui', flags: '--ui <type>', description: 'none or simple (default simple on a TTY)', parser: parseUi, aliases: ['--ui-type'] },
];

function aliasAttribute(alias: string): string {
  return new Option(alias).attributeName();
}

/**
 * `--no-…` flags of cli.md §3. Commander folds `--x` and `--no-x` into one attribute, so which of
 * them appeared is tracked from commander's `option:<name>` events; that is what lets
 * `--server-metrics URL --no-server-metrics` be reported as a conflict (cli.md §3.6 rule 17).
 */
const NEGATIONS: ReadonlyArray<{ flag: string; positive: string }> = [
  { flag: '--no-server-metrics', positive: '--server-metrics' },
  { flag: '--no-fixed-schedule', positive: '--fixed-schedule' },
  { flag: '--no-fixed-schedule-auto-offset', positive: '--fixed-schedule-auto-offset' },
];

export function registerProfile(program: Command): Command {
  const cmd = program
    .command('profile')
    .description('run a benchmark against an OpenAI-compatible endpoint')
    .helpOption('-h, --help', 'show help');
  for (const spec of PROFILE_OPTIONS) {
    const opt = new Option(spec.flags, spec.description);
    if (spec.parser) opt.argParser(spec.parser);
    if (spec.required) opt.makeOptionMandatory(true);
    if (!spec.negate && opt.attributeName() !== spec.key) {
      throw new Error(`profile option table: ${spec.flags} maps to ${opt.attributeName()}, not ${spec.key}`);
    }
    cmd.addOption(opt);
    for (const alias of spec.aliases ?? []) {
      const placeholder = spec.flags.match(/<[^>]+>/)?.[0];
      const aliasOpt = new Option(placeholder ? `${alias} ${placeholder}` : alias, `alias of ${spec.flags}`).hideHelp();
      if (spec.parser) aliasOpt.argParser(spec.parser);
      cmd.addOption(aliasOpt);
    }
  }
  const seen = new Set<string>();
  for (const n of NEGATIONS) cmd.addOption(new Option(n.flag, `turn off ${n.positive}`));
  for (const spec of PROFILE_OPTIONS) cmd.on(`option:${new Option(spec.flags).name()}`, () => seen.add(`--${new Option(spec.flags).name()}`));
  for (const n of NEGATIONS) cmd.on(`option:${new Option(n.flag).name()}`, () => seen.add(n.flag));
  cmd.action(async (raw: Record<string, unknown>, command: Command) => {
    const options = collectOptions(raw, command, seen);
    const config = resolveProfileConfig(options, cliArgv());
    // The engine, tokenizer and report modules are heavy to load; other commands never pay for them.
    const { runProfileCommand } = await import('../load/profile-command.js');
    const code = await runProfileCommand(config, packageVersion());
    if (code !== 0) process.exitCode = code;
  });
  return cmd;
}

/** Fold aliases into canonical keys and the `--no-…` flags into booleans. */
export function collectOptions(raw: Record<string, unknown>, command: Command, seen: ReadonlySet<string>): ProfileOptions {
  const out: Record<string, unknown> = {};
  for (const spec of PROFILE_OPTIONS) {
    let value = command.getOptionValueSource(spec.key) === 'cli' ? raw[spec.key] : undefined;
    for (const alias of spec.aliases ?? []) {
      const v = raw[aliasAttribute(alias)];
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
    if (n.flag === '--no-server-metrics') out.noServerMetrics = true;
    else if (n.flag === '--no-fixed-schedule') out.fixedSchedule = false;
    else out.fixedScheduleAutoOffset = false;
  }
  return out as ProfileOptions;
}

/** The command line as typed, for `cli_command` (writers redact secrets). */
function cliArgv(): string[] {
  return ['infermark', ...process.argv.slice(2)];
}

