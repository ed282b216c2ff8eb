// The readiness and server-control flags (docs/cli.md §3.12), AIPerf 0.13's names, kept apart from
// profile's main table so that the table stays readable; profile, sweep and k8s render take them with it.
import { MAX_DURATION_SECONDS } from '../config/limits.js';
import {
  SERVER_CONTROL_DEFAULTS,
  URL_STRATEGIES,
  WAIT_FOR_MODEL_MODES,
  type ServerControlOptions,
} from '../config/server-control-config.js';
import type { OptionSpec } from './option-table.js';
import { numberIn, parseChoice, positiveNumberAtMost } from './option-types.js';

/** A probe or control call every hour at the slowest: a longer interval is a typo. */
const MAX_PROBE_INTERVAL_SECONDS = 3600;

export const SERVER_CONTROL_OPTIONS: readonly OptionSpec<ServerControlOptions>[] = [
  {
    key: 'urlStrategy',
    flags: '--url-strategy <s>',
    description: `how requests are spread over several --url values (${URL_STRATEGIES.join(', ')}: each session takes the next URL)`,
    parser: parseChoice(URL_STRATEGIES),
    shownDefault: SERVER_CONTROL_DEFAULTS.urlStrategy,
  },
  {
    key: 'waitForModelTimeout',
    flags: '--wait-for-model-timeout <s>',
    description: 'before any load, probe every --url until the model answers, for at most this long (0: do not wait)',
    parser: numberIn(0, MAX_DURATION_SECONDS),
    shownDefault: SERVER_CONTROL_DEFAULTS.waitForModelTimeout,
  },
  {
    key: 'waitForModelMode',
    flags: '--wait-for-model-mode <mode>',
    description: `models (the model listed by /v1/models), inference (a one-token request answered below 500) or both`,
    parser: parseChoice(WAIT_FOR_MODEL_MODES),
    shownDefault: SERVER_CONTROL_DEFAULTS.waitForModelMode,
  },
  {
    key: 'waitForModelInterval',
    flags: '--wait-for-model-interval <s>',
    description: 'seconds between two readiness probes',
    parser: positiveNumberAtMost(MAX_PROBE_INTERVAL_SECONDS),
    shownDefault: SERVER_CONTROL_DEFAULTS.waitForModelInterval,
  },
  {
    key: 'resetKvCache',
    flags: '--reset-kv-cache',
    description: "POST the server's KV-cache reset before each run (each repeated run, each sweep point)",
  },
  {
    key: 'resetKvCachePath',
    flags: '--reset-kv-cache-path <path>',
    description: 'path of the reset, on each --url origin',
    shownDefault: SERVER_CONTROL_DEFAULTS.resetKvCachePath,
  },
  {
    key: 'resetKvCacheTimeoutSeconds',
    flags: '--reset-kv-cache-timeout-seconds <s>',
    description: 'limit of one reset call',
    parser: positiveNumberAtMost(MAX_PROBE_INTERVAL_SECONDS),
    shownDefault: SERVER_CONTROL_DEFAULTS.controlTimeoutSeconds,
  },
  {
    key: 'serverProfiler',
    flags: '--server-profiler',
    description: "POST the server profiler's start right before the profiling phase, its stop right after",
  },
  {
    key: 'serverProfilerStartPath',
    flags: '--server-profiler-start-path <path>',
    description: 'path of the profiler start, on each --url origin',
    shownDefault: SERVER_CONTROL_DEFAULTS.serverProfilerStartPath,
  },
  {
    key: 'serverProfilerStopPath',
    flags: '--server-profiler-stop-path <path>',
    description: 'path of the profiler stop, on each --url origin',
    shownDefault: SERVER_CONTROL_DEFAULTS.serverProfilerStopPath,
  },
  {
    key: 'serverProfilerTimeoutSeconds',
    flags: '--server-profiler-timeout-seconds <s>',
    description: 'limit of one profiler call',
    parser: positiveNumberAtMost(MAX_PROBE_INTERVAL_SECONDS),
    shownDefault: SERVER_CONTROL_DEFAULTS.controlTimeoutSeconds,
  },
];
