// Early stop of repeated runs (`--convergence-metric`, docs/cli.md §3.12): after each run the
// chosen statistic of the chosen metric across the successful runs so far is judged stable, and
// the remaining runs are skipped. `ci-width` stops when the Student-t interval's full width is
// below `threshold` × |mean|, `cv` when std / |mean| is below `threshold` (AIPerf 0.13's modes and
// default thresholds). Unlike AIPerf (which judges from two runs on), at least three values are
// needed: the spread of two runs says too little, and a lucky close pair would end the series.
import { confidenceOf } from './confidence-aggregate.js';

export const CONVERGENCE_MODES = ['ci-width', 'cv'] as const;
export type ConvergenceMode = (typeof CONVERGENCE_MODES)[number];
export const CONVERGENCE_STATS = ['avg', 'p50', 'p90', 'p95', 'p99', 'min', 'max'] as const;
export type ConvergenceStat = (typeof CONVERGENCE_STATS)[number];
/** The threshold of each mode when `--convergence-threshold` is not given (AIPerf's). */
export const CONVERGENCE_DEFAULT_THRESHOLD: Readonly<Record<ConvergenceMode, number>> = { 'ci-width': 0.1, cv: 0.05 };
export const CONVERGENCE_MIN_RUNS = 3;

export interface ConvergenceRule {
  metric: string;
  stat: ConvergenceStat;
  mode: ConvergenceMode;
  threshold: number;
  confidenceLevel: number;
}

/** Whether `values` (the statistic of each successful run so far, in order) have converged. */
export function hasConverged(values: readonly number[], rule: ConvergenceRule): boolean {
  if (values.length < CONVERGENCE_MIN_RUNS) return false;
  const c = confidenceOf(values, rule.confidenceLevel);
  if (c.mean === 0 || c.std === null) return false;
  if (rule.mode === 'cv') return c.std / Math.abs(c.mean) < rule.threshold;
  return (c.ci_high! - c.ci_low!) / Math.abs(c.mean) < rule.threshold;
}
