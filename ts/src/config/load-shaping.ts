// Load shaping (docs/cli.md §3.4.1): ramps, the prefill-concurrency cap, the warmup's own load
// (`--warmup-concurrency`, `--warmup-request-rate`, …) and `--arrival-pattern concurrency-burst`.
// Names, defaults and rules follow AIPerf 0.13's `profile`; where it silently ignores a flag that
// cannot apply, this refuses it (exit 2) instead.
import { UsageError } from '../errors.js';
import { ARRIVAL_PATTERNS, type ArrivalPattern, PROFILE_DEFAULTS } from './defaults.js';

/** `--arrival-pattern` choices: the rate patterns, and AIPerf's `concurrency-burst` (no rate: the closed loop). */
export const ARRIVAL_PATTERN_CHOICES = [...ARRIVAL_PATTERNS, 'concurrency-burst'] as const;
export type ArrivalPatternChoice = (typeof ARRIVAL_PATTERN_CHOICES)[number];

export interface LoadShapingOptions {
  concurrencyRampDuration?: number;
  requestRateRampDuration?: number;
  prefillConcurrency?: number;
  prefillConcurrencyRampDuration?: number;
  warmupConcurrency?: number;
  warmupPrefillConcurrency?: number;
  warmupRequestRate?: number;
  warmupArrivalPattern?: ArrivalPattern;
  numWarmupSessions?: number;
  warmupGracePeriod?: number;
  warmupConcurrencyRampDuration?: number;
  warmupPrefillConcurrencyRampDuration?: number;
  warmupRequestRateRampDuration?: number;
}

/** How one phase's load is shaped on top of its mode (all durations in ms; null: none). */
export interface PhaseShaping {
  /** `--concurrency-ramp-duration`: the closed-loop concurrency, or the open-loop ceiling, grows from 1. */
  concurrencyRampMs: number | null;
  /** `--request-rate-ramp-duration`: the rate grows from R·min(1, 0.1 s / D) to R. */
  rateRampMs: number | null;
  /** `--prefill-concurrency`: at most this many requests without a first token at once, over every thread. */
  prefillConcurrency: number | null;
  prefillRampMs: number | null;
}

/** The warmup's own load (docs/cli.md §3.4.1): each field falls back to the profiling flag, as in AIPerf. */
export interface WarmupShaping extends PhaseShaping {
  /** Closed-loop concurrency, or the ceiling of a warmup at a rate (null: none). */
  concurrency: number | null;
  /** A warmup at a rate (`--warmup-request-rate`, else `--request-rate`); null: the closed loop. */
  rate: { rate: number; pattern: ArrivalPattern; smoothness: number } | null;
  /** `--num-warmup-sessions`: warmup ends after this many sessions (single-turn: requests) are sent. */
  sessions: number | null;
  /** `--warmup-grace-period` (ms): warmup requests still running this long after `--warmup-duration` are aborted. */
  gracePeriodMs: number | null;
}

export interface LoadShapingConfig {
  profiling: PhaseShaping;
  warmup: WarmupShaping;
  /**
   * The most engine threads (workers × shards) the caps of these flags allow, null: no limit. Every
   * thread needs at least one slot of each cap it splits (a thread with none could send nothing),
   * so `--prefill-concurrency`, `--warmup-prefill-concurrency` and `--warmup-concurrency` of N allow
   * N threads (`--concurrency` itself is rule 20 of docs/cli.md §3.6).
   */
  threadLimit: number | null;
}

/** No ramp, no prefill cap, the warmup at the profiling load. */
export const NO_SHAPING: LoadShapingConfig = {
  threadLimit: null,
  profiling: { concurrencyRampMs: null, rateRampMs: null, prefillConcurrency: null, prefillRampMs: null },
  warmup: {
    concurrency: null,
    rate: null,
    sessions: null,
    gracePeriodMs: null,
    concurrencyRampMs: null,
    rateRampMs: null,
    prefillConcurrency: null,
    prefillRampMs: null,
  },
};

/** What the shaping rules need to know of the rest of the configuration. */
export interface ShapingContext {
  /** The profiling mode's kind and its concurrency (closed loop) or ceiling (null: none). */
  modeKind: 'concurrency' | 'rate' | 'fixed-schedule' | 'user-centric';
  concurrency: number | null;
  requestRate: number | null;
  arrivalPattern: ArrivalPattern;
  arrivalSmoothness: number;
  streaming: boolean;
  /** Synthetic multi-turn sessions (no rate mode for them in this version). */
  syntheticSessions: boolean;
  warmupRequestCount: number;
  warmupDuration: number | null;
}

const ms = (s: number | undefined): number | null => (s === undefined ? null : s * 1000);

function requires(a: string, b: string): UsageError {
  return new UsageError(`option '${a}' requires option '${b}'`);
}

/**
 * `--arrival-pattern concurrency-burst` (AIPerf: "as soon as possible, up to a max concurrency
 * limit; only allowed when a request rate is not specified") is the closed loop at `--concurrency`.
 * AIPerf 0.13 turns it into Poisson arrivals when `--request-rate` is given as well; that is refused
 * here. Returns the pattern to resolve the rest with (undefined for concurrency-burst).
 */
export function resolveArrivalChoice(choice: ArrivalPatternChoice | undefined, requestRateGiven: boolean): ArrivalPattern | undefined {
  if (choice !== 'concurrency-burst') return choice;
  if (requestRateGiven) {
    throw new UsageError("option '--arrival-pattern concurrency-burst' cannot be used with option '--request-rate'", {
      hints: [
        'concurrency-burst sends each request as soon as a --concurrency slot is free; drop --request-rate, or pick poisson, constant or gamma',
      ],
    });
  }
  return undefined;
}

/** The shaping of both phases, with the rules of docs/cli.md §3.4.1 (exit 2). */
export function resolveLoadShaping(o: LoadShapingOptions, c: ShapingContext): LoadShapingConfig {
  const given = (v: unknown): boolean => v !== undefined;
  const openLoop = c.modeKind !== 'concurrency';
  // A ramp of nothing is refused rather than ignored (AIPerf ignores it silently).
  if (given(o.concurrencyRampDuration) && openLoop && c.concurrency === null)
    throw requires('--concurrency-ramp-duration', '--concurrency');
  if (given(o.requestRateRampDuration) && c.requestRate === null) throw requires('--request-rate-ramp-duration', '--request-rate');
  if (given(o.prefillConcurrencyRampDuration) && !given(o.prefillConcurrency))
    throw requires('--prefill-concurrency-ramp-duration', '--prefill-concurrency');
  for (const [flag, value] of [
    ['--prefill-concurrency', o.prefillConcurrency],
    ['--warmup-prefill-concurrency', o.warmupPrefillConcurrency],
  ] as const) {
    if (value === undefined) continue;
    // The cap is released at the first streamed token; a whole response has none before its end.
    if (!c.streaming) throw requires(flag, '--streaming');
  }
  if (given(o.prefillConcurrency) && c.concurrency !== null && o.prefillConcurrency! > c.concurrency) {
    throw new UsageError(`option '--prefill-concurrency': ${o.prefillConcurrency} exceeds the --concurrency of ${c.concurrency}`);
  }

  const hasWarmup = c.warmupRequestCount > 0 || c.warmupDuration !== null || given(o.numWarmupSessions);
  const warmupFlags = [
    ['--warmup-concurrency', o.warmupConcurrency],
    ['--warmup-prefill-concurrency', o.warmupPrefillConcurrency],
    ['--warmup-request-rate', o.warmupRequestRate],
    ['--warmup-arrival-pattern', o.warmupArrivalPattern],
    ['--warmup-grace-period', o.warmupGracePeriod],
    ['--warmup-concurrency-ramp-duration', o.warmupConcurrencyRampDuration],
    ['--warmup-prefill-concurrency-ramp-duration', o.warmupPrefillConcurrencyRampDuration],
    ['--warmup-request-rate-ramp-duration', o.warmupRequestRateRampDuration],
  ] as const;
  if (!hasWarmup) {
    for (const [flag, value] of warmupFlags) {
      if (value !== undefined) throw requires(flag, "--warmup-request-count', '--warmup-duration' or '--num-warmup-sessions");
    }
  }
  if (given(o.warmupGracePeriod) && c.warmupDuration === null) throw requires('--warmup-grace-period', '--warmup-duration');

  // The warmup's rate: its own, else the profiling rate (AIPerf); the closed loop without either.
  const warmupRateValue = o.warmupRequestRate ?? c.requestRate;
  if (given(o.warmupArrivalPattern) && warmupRateValue === null) throw requires('--warmup-arrival-pattern', '--warmup-request-rate');
  if (warmupRateValue !== null && c.syntheticSessions && hasWarmup) {
    throw new UsageError(
      "option '--warmup-request-rate' cannot be used with synthetic multi-turn sessions in this version (use --warmup-concurrency)",
    );
  }
  const warmupRampRate =
    o.warmupRequestRateRampDuration ?? (given(o.warmupRequestRate) || c.requestRate !== null ? o.requestRateRampDuration : undefined);
  if (given(o.warmupRequestRateRampDuration) && warmupRateValue === null)
    throw requires('--warmup-request-rate-ramp-duration', '--warmup-request-rate');

  const warmupConcurrency = o.warmupConcurrency ?? c.concurrency;
  const warmupPrefill = o.warmupPrefillConcurrency ?? o.prefillConcurrency ?? null;
  if (warmupPrefill !== null && warmupConcurrency !== null && warmupPrefill > warmupConcurrency) {
    throw new UsageError(`option '--warmup-prefill-concurrency': ${warmupPrefill} exceeds the warmup concurrency of ${warmupConcurrency}`);
  }
  const warmupPrefillRamp = o.warmupPrefillConcurrencyRampDuration ?? o.prefillConcurrencyRampDuration;
  if (given(o.warmupPrefillConcurrencyRampDuration) && warmupPrefill === null)
    throw requires('--warmup-prefill-concurrency-ramp-duration', '--warmup-prefill-concurrency');
  const warmupConcurrencyRamp = o.warmupConcurrencyRampDuration ?? o.concurrencyRampDuration;
  if (given(o.warmupConcurrencyRampDuration) && warmupRateValue !== null && warmupConcurrency === null)
    throw requires('--warmup-concurrency-ramp-duration', '--warmup-concurrency');

  const caps = [o.prefillConcurrency, ...(hasWarmup ? [o.warmupConcurrency, warmupPrefill ?? undefined] : [])].filter(
    (v): v is number => v !== undefined,
  );
  return {
    threadLimit: caps.length === 0 ? null : Math.min(...caps),
    profiling: {
      concurrencyRampMs: ms(o.concurrencyRampDuration),
      rateRampMs: ms(o.requestRateRampDuration),
      prefillConcurrency: o.prefillConcurrency ?? null,
      prefillRampMs: ms(o.prefillConcurrencyRampDuration),
    },
    warmup: {
      concurrency: warmupConcurrency,
      rate:
        warmupRateValue === null
          ? null
          : {
              rate: warmupRateValue,
              pattern: o.warmupArrivalPattern ?? c.arrivalPattern ?? PROFILE_DEFAULTS.arrivalPattern,
              smoothness: c.arrivalSmoothness,
            },
      sessions: o.numWarmupSessions ?? null,
      gracePeriodMs: ms(o.warmupGracePeriod),
      // A ramp of a ceiling that is not there does nothing: dropped for a warmup at a rate without one.
      concurrencyRampMs: warmupRateValue !== null && warmupConcurrency === null ? null : ms(warmupConcurrencyRamp),
      rateRampMs: warmupRateValue === null ? null : ms(warmupRampRate),
      prefillConcurrency: warmupPrefill,
      prefillRampMs: warmupPrefill === null ? null : ms(warmupPrefillRamp),
    },
  };
}
