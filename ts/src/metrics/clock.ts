// Monotonic → wall-clock conversion with one anchor pair taken at module load (docs/metrics.md §2.1).

/**
 * INFERMARK_TEST_CLOCK_SKEW_NS moves this process's wall clock by that many nanoseconds: the tests
 * of sharded runs use it to give a shard a clock that is off on purpose (docs/cli.md §3.8).
 */
const skewNs = /^-?\d+$/.test(process.env['INFERMARK_TEST_CLOCK_SKEW_NS'] ?? '')
  ? BigInt(process.env['INFERMARK_TEST_CLOCK_SKEW_NS']!)
  : 0n;
const wall0 = BigInt(Date.now()) * 1_000_000n + skewNs;
const mono0 = process.hrtime.bigint();

/** Wall-clock epoch nanoseconds of a monotonic `process.hrtime.bigint()` stamp. */
export function wallNs(monoNs: bigint): bigint {
  return wall0 + (monoNs - mono0);
}

/** Current monotonic time in nanoseconds. */
export function monoNow(): bigint {
  return process.hrtime.bigint();
}

/** The monotonic stamp of a wall-clock instant (the inverse of `wallNs`). */
export function monoOfWallNs(wall: bigint): bigint {
  return mono0 + (wall - wall0);
}

/** Nanoseconds since the monotonic stamp `startNs`, 0 while it is still ahead (a start announced early). */
export function sinceNs(startNs: bigint): bigint {
  const d = process.hrtime.bigint() - startNs;
  return d > 0n ? d : 0n;
}
