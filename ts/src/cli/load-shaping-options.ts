// The load-shaping flags of `profile` (docs/cli.md §3.4.1), AIPerf 0.13's names: ramps, the prefill
// cap and the warmup's own load, kept apart from profile's main table.
import { ARRIVAL_PATTERNS } from '../config/defaults.js';
import { MAX_CONCURRENCY, MAX_DURATION_SECONDS, MAX_REQUEST_RATE, MAX_REQUEST_COUNT } from '../config/limits.js';
import type { LoadShapingOptions } from '../config/load-shaping.js';
import type { OptionSpec } from './option-table.js';
import { integerIn, numberIn, parseChoice, positiveNumberAtMost } from './option-types.js';

const seconds = positiveNumberAtMost(MAX_DURATION_SECONDS);

export const LOAD_SHAPING_OPTIONS: readonly OptionSpec<LoadShapingOptions>[] = [
  {
    key: 'concurrencyRampDuration',
    flags: '--concurrency-ramp-duration <s>',
    description: 'grow the concurrency (or the --concurrency ceiling) from 1 to its target over this many seconds',
    parser: seconds,
  },
  {
    key: 'requestRateRampDuration',
    flags: '--request-rate-ramp-duration <s>',
    description: 'grow the request rate linearly from rate × 0.1 s / D to the rate over D seconds',
    parser: seconds,
  },
  {
    key: 'prefillConcurrency',
    flags: '--prefill-concurrency <n>',
    description: 'at most this many requests waiting for their first token at once (needs --streaming)',
    parser: integerIn(1, MAX_CONCURRENCY),
  },
  {
    key: 'prefillConcurrencyRampDuration',
    flags: '--prefill-concurrency-ramp-duration <s>',
    description: 'grow --prefill-concurrency from 1 to its value over this many seconds',
    parser: seconds,
  },
  {
    key: 'numWarmupSessions',
    flags: '--num-warmup-sessions <n>',
    description: 'warm up with this many sessions (single-turn: requests)',
    parser: integerIn(1, MAX_REQUEST_COUNT),
  },
  {
    key: 'warmupConcurrency',
    flags: '--warmup-concurrency <n>',
    description: 'warmup concurrency (or ceiling of a warmup at a rate)',
    parser: integerIn(1, MAX_CONCURRENCY),
    shownDefault: '--concurrency',
  },
  {
    key: 'warmupPrefillConcurrency',
    flags: '--warmup-prefill-concurrency <n>',
    description: 'warmup prefill concurrency',
    parser: integerIn(1, MAX_CONCURRENCY),
    shownDefault: '--prefill-concurrency',
  },
  {
    key: 'warmupRequestRate',
    flags: '--warmup-request-rate <r>',
    description: 'warm up at this request rate',
    parser: positiveNumberAtMost(MAX_REQUEST_RATE),
    shownDefault: '--request-rate',
  },
  {
    key: 'warmupArrivalPattern',
    flags: '--warmup-arrival-pattern <p>',
    description: `warmup arrival pattern: ${ARRIVAL_PATTERNS.join(', ')}`,
    parser: parseChoice(ARRIVAL_PATTERNS),
    shownDefault: '--arrival-pattern',
  },
  {
    key: 'warmupGracePeriod',
    flags: '--warmup-grace-period <s>',
    description: 'after --warmup-duration, abort warmup requests still running after this many seconds',
    parser: numberIn(0, MAX_DURATION_SECONDS),
    shownDefault: 'wait for every warmup request',
  },
  {
    key: 'warmupConcurrencyRampDuration',
    flags: '--warmup-concurrency-ramp-duration <s>',
    description: 'warmup concurrency ramp',
    parser: seconds,
    shownDefault: '--concurrency-ramp-duration',
  },
  {
    key: 'warmupPrefillConcurrencyRampDuration',
    flags: '--warmup-prefill-concurrency-ramp-duration <s>',
    description: 'warmup prefill concurrency ramp',
    parser: seconds,
    shownDefault: '--prefill-concurrency-ramp-duration',
  },
  {
    key: 'warmupRequestRateRampDuration',
    flags: '--warmup-request-rate-ramp-duration <s>',
    description: 'warmup request rate ramp',
    parser: seconds,
    shownDefault: '--request-rate-ramp-duration',
  },
];
