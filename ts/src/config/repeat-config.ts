// Repeated runs (`--num-profile-runs` and its companions, docs/cli.md §3.10): how many runs, the
// pause between them, the confidence level of the intervals, and the optional early stop.
import { createHash } from 'node:crypto';
import { UsageError } from '../errors.js';

export const CONVERGENCE_MODES = ['ci-width', 'cv'] as const;
export type ConvergenceMode = (typeof CONVERGENCE_MODES)[number];
export const CONVERGENCE_STATS = ['avg', 'p50', 'p90', 'p95', 'p99', 'min', 'max'] as const;
export type ConvergenceStat = (typeof CONVERGENCE_STATS)[number];
/** The threshold of each mode when `--convergence-threshold` is not given (AIPerf 0.13's). */
export const CONVERGENCE_DEFAULT_THRESHOLD: Readonly<Record<ConvergenceMode, number>> = { 'ci-width': 0.1, cv: 0.05 };

export const REPEAT_DEFAULTS = {
  numProfileRuns: 1,
  profileRunCooldownSeconds: 0,
  confidenceLevel: 0.95,
  convergenceStat: 'avg' as ConvergenceStat,
  convergenceMode: 'ci-width' as ConvergenceMode,
  profileRunDisableWarmupAfterFirst: true,
  setConsistentSeed: true,
  varySeedPerTrial: false,
};
/** AIPerf caps runs at 10; a longer series is legitimate (a noisy server), so the cap is higher. */
export const MAX_PROFILE_RUNS = 100;

export interface ConvergenceRule {
  /** A metric of the summary JSON, e.g. `request_latency`. */
  metric: string;
  stat: ConvergenceStat;
  mode: ConvergenceMode;
  threshold: number;
  confidenceLevel: number;
}

export interface RepeatConfig {
  numProfileRuns: number;
  cooldownSeconds: number;
  confidenceLevel: number;
  /** Null without `--convergence-metric`. */
  convergence: ConvergenceRule | null;
  /** Only the first run has the warmup (AIPerf's default); false: every run warms up. */
  warmupFirstRunOnly: boolean;
  /**
   * `same`: every run uses `--random-seed` (one workload, so the intervals measure the server's
   * variance only); `per-run`: run k uses a seed derived from it and k (`runSeed`).
   */
  seeds: 'same' | 'per-run';
}

export interface RepeatOptions {
  numProfileRuns?: number;
  profileRunCooldownSeconds?: number;
  confidenceLevel?: number;
  convergenceMetric?: string;
  convergenceStat?: ConvergenceStat;
  convergenceThreshold?: number;
  convergenceMode?: ConvergenceMode;
  profileRunDisableWarmupAfterFirst?: boolean;
  setConsistentSeed?: boolean;
  varySeedPerTrial?: boolean;
}

/**
 * The seed of run `index` (0-based) under `seeds: 'per-run'`: the first 8 bytes of
 * SHA-256("<seed>/<index>"), so the runs differ from one another and from the base seed, and the
 * same flags give the same seeds on every machine.
 */
export function runSeed(seed: bigint, index: number): bigint {
  return BigInt(`0x${createHash('sha256').update(`${seed}/${index}`).digest('hex').slice(0, 16)}`);
}

/**
 * The repeated-run settings of the flags; the convergence flags need `--convergence-metric` (exit 2).
 * `seedGiven`: whether `--random-seed` was given (`--no-set-consistent-seed` keeps a given seed, as AIPerf does).
 */
export function resolveRepeatConfig(o: RepeatOptions, seedGiven: boolean): RepeatConfig {
  const confidenceLevel = o.confidenceLevel ?? REPEAT_DEFAULTS.confidenceLevel;
  if (o.convergenceMetric === undefined) {
    for (const [flag, v] of [
      ['--convergence-stat', o.convergenceStat],
      ['--convergence-threshold', o.convergenceThreshold],
      ['--convergence-mode', o.convergenceMode],
    ] as const) {
      if (v !== undefined) throw new UsageError(`option '${flag}' requires option '--convergence-metric'`);
    }
  }
  const metric = o.convergenceMetric?.trim();
  if (metric === '') throw new UsageError(`option '--convergence-metric <name>': expected a metric name, got ''`);
  const mode = o.convergenceMode ?? REPEAT_DEFAULTS.convergenceMode;
  return {
    numProfileRuns: o.numProfileRuns ?? REPEAT_DEFAULTS.numProfileRuns,
    cooldownSeconds: o.profileRunCooldownSeconds ?? REPEAT_DEFAULTS.profileRunCooldownSeconds,
    confidenceLevel,
    warmupFirstRunOnly: o.profileRunDisableWarmupAfterFirst ?? REPEAT_DEFAULTS.profileRunDisableWarmupAfterFirst,
    seeds:
      (o.varySeedPerTrial ?? REPEAT_DEFAULTS.varySeedPerTrial) ||
      (!(o.setConsistentSeed ?? REPEAT_DEFAULTS.setConsistentSeed) && !seedGiven)
        ? 'per-run'
        : 'same',
    convergence:
      metric === undefined
        ? null
        : {
            metric,
            stat: o.convergenceStat ?? REPEAT_DEFAULTS.convergenceStat,
            mode,
            threshold: o.convergenceThreshold ?? CONVERGENCE_DEFAULT_THRESHOLD[mode],
            confidenceLevel,
          },
  };
}
