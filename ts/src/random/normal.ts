// Seeded normal draws and round-half-to-even (Python's `round`), shared by the synthetic dataset,
// the arrival process and the nearest-rank percentiles.
import type { RandomStream } from './index.js';

/** Round half to even (`rhe` of docs/synthesis.md §1); `Math.round` rounds halves up. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** One standard normal by Box–Muller from two `unit()` draws: `sqrt(−2·ln(1 − u1))·cos(2π·u2)`. */
export function standardNormal(stream: RandomStream): number {
  const u1 = stream.unit();
  const u2 = stream.unit();
  return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
}
