// Early stop of repeated runs (`--convergence-metric`, docs/cli.md §3.10): after each run the
// chosen statistic of the chosen metric across the successful runs so far is judged stable, and
// the remaining runs are skipped. `ci-width` stops when the Student-t interval's full width is
// below `threshold` × |mean|, `cv` when std / |mean| is below `threshold` (AIPerf 0.13's modes and
// default thresholds). Unlike AIPerf (which judges from two runs on), at least three values are
// needed: the spread of two runs says too little, and a lucky close pair would end the series.
import type { ConvergenceRule } from '../config/repeat-config.js';
import { confidenceOf } from './confidence-aggregate.js';

export type { ConvergenceRule };

export const CONVERGENCE_MIN_RUNS = 3;

/** Whether `values` (the statistic of each successful run so far, in order) have converged. */
export function hasConverged(values: readonly number[], rule: ConvergenceRule): boolean {
  if (values.length < CONVERGENCE_MIN_RUNS) return false;
  const c = confidenceOf(values, rule.confidenceLevel);
  if (c.mean === 0 || c.std === null) return false;
  if (rule.mode === 'cv') return c.std / Math.abs(c.mean) < rule.threshold;
  return (c.ci_high! - c.ci_low!) / Math.abs(c.mean) < rule.threshold;
}
