// Monotonic → wall-clock conversion with one anchor pair taken at module load (docs/metrics.md §2.1).

const wall0 = BigInt(Date.now()) * 1_000_000n;
const mono0 = process.hrtime.bigint();

/** Wall-clock epoch nanoseconds of a monotonic `process.hrtime.bigint()` stamp. */
export function wallNs(monoNs: bigint): bigint {
  return wall0 + (monoNs - mono0);
}

/** Current monotonic time in nanoseconds. */
export function monoNow(): bigint {
  return process.hrtime.bigint();
}
