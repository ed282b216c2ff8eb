// `sweep` as a library: plan the points of a concurrency or request-rate sweep, run them, read the summary.
export {
  planSweep,
  sweepDimension,
  dimensionFlag,
  type SweepLists,
  type SweepDimensionChoice,
  type SweepPlan,
  type SweepPoint,
} from './sweep-plan.js';
export { runSweep, SWEEP_SUMMARY_CSV, SWEEP_SUMMARY_JSON, type RunSweepOptions, type SweepResult } from './run-sweep.js';
export type { SweepDimension, SweepPointStatus, SweepPointSummary, SweepSummary } from '../report/sweep-summary.js';
export { AGGREGATE_DIR, PROFILE_RUNS_DIR, runLabel, runRepeated, type RepeatedResult, type RunRepeatedOptions } from './run-repeated.js';
