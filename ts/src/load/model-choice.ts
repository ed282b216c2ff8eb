// Which of several `--model`s request or session `n` names (docs/cli.md §3.1,
// `--model-selection-strategy`). A pure function of n and the seed, so every worker thread and
// shard picks the same model for the same request without coordination.
import type { ModelSelectionStrategy } from '../config/defaults.js';
import { RandomStream } from '../random/index.js';

export interface ModelChoice {
  models: readonly string[];
  /** Round-robin when absent. */
  modelSelection?: ModelSelectionStrategy;
  seed: bigint;
}

/** The index into `models` of request (or session) `n`: `n mod M`, or a seeded uniform draw per n. */
export function modelIndexFor(o: ModelChoice, n: number): number {
  if (o.models.length === 1) return 0;
  return o.modelSelection === 'random'
    ? RandomStream.of(o.seed, 'infermark/load/model', BigInt(n)).below(o.models.length)
    : n % o.models.length;
}

/** The model request (or session) `n` names. */
export function modelFor(o: ModelChoice, n: number): string {
  return o.models[modelIndexFor(o, n)]!;
}
