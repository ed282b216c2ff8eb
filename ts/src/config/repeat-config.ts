// Repeated runs (`--num-profile-runs` and its companions, docs/cli.md §3.10): how many runs, the
// pause between them, the confidence level of the intervals, and the optional early stop.
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
}

export interface RepeatOptions {
  numProfileRuns?: number;
  profileRunCooldownSeconds?: number;
  confidenceLevel?: number;
  convergenceMetric?: string;
  convergenceStat?: ConvergenceStat;
  convergenceThreshold?: number;
  convergenceMode?: ConvergenceMode;
}

/** The repeated-run settings of the flags; the convergence flags need `--convergence-metric` (exit 2). */
export function resolveRepeatConfig(o: RepeatOptions): RepeatConfig {
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
