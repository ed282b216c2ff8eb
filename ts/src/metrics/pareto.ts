// Pareto optimality of benchmark points (docs/cli.md §8, the sweep table's `pareto` column, and
// the Pareto charts of §7): the one rule both `sweep` and `plot` use.

/** Whether an objective is better when larger (`max`, e.g. tokens/s) or smaller (`min`, e.g. latency). */
export type ParetoDirection = 'max' | 'min';

/**
 * For each point, whether it is Pareto-optimal: no other point is at least as good on every
 * objective and strictly better on one. `points[i][k]` is point i's value of objective k, and
 * `directions[k]` says which way objective k improves.
 *
 * A point with a missing or non-finite value (a failed run, a metric the run did not produce) is
 * never optimal and dominates nothing, so one broken point cannot hide the others. Equal points
 * do not dominate each other: both are optimal. O(n² · k), which is fine for the tens of points of
 * a sweep or a set of runs.
 */
export function paretoOptimal(points: readonly (readonly number[])[], directions: readonly ParetoDirection[]): boolean[] {
  const usable = points.map((p) => p.length === directions.length && p.every((v) => Number.isFinite(v)));
  return points.map((p, i) => {
    if (!usable[i]) return false;
    for (let j = 0; j < points.length; j++) {
      const other = points[j]!;
      if (j !== i && usable[j] && dominates(other, p, directions)) return false;
    }
    return true;
  });
}

/** Whether `a` is at least as good as `b` on every objective and strictly better on one. */
function dominates(a: readonly number[], b: readonly number[], directions: readonly ParetoDirection[]): boolean {
  let strictlyBetter = false;
  for (let k = 0; k < directions.length; k++) {
    const diff = a[k]! - b[k]!;
    const gain = directions[k] === 'max' ? diff : -diff;
    if (gain < 0) return false;
    if (gain > 0) strictlyBetter = true;
  }
  return strictlyBetter;
}
