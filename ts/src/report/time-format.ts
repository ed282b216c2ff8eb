// ISO 8601 UTC timestamps with microseconds (docs/exports.md §4: `2026-01-31T23:07:32.596754Z`).

/** Wall-clock epoch ns → `YYYY-MM-DDTHH:MM:SS.ffffffZ`. */
export function isoMicros(wallNs: bigint): string {
  const ms = wallNs / 1_000_000n;
  const micros = (wallNs / 1_000n) % 1_000_000n;
  const base = new Date(Number(ms)).toISOString(); // …SS.mmmZ
  return `${base.slice(0, 19)}.${micros.toString().padStart(6, '0')}Z`;
}

/** Current wall-clock time in epoch ns. */
export function nowWallNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}
