// How the work of a phase is split across `--workers` closed-form (docs/cli.md §3.4, workers).

/** The share of `total` that worker `w` of `n` gets: floor(total/n), remainder to the lowest ids. */
export function workerShare(total: number, w: number, n: number): number {
  return Math.floor(total / n) + (w < total % n ? 1 : 0);
}

/** Requests of worker `w` of `W` among global indices 0 … count−1 (indices i with i mod W = w). */
export function ownCount(count: number, w: number, W: number): number {
  return count > w ? Math.floor((count - 1 - w) / W) + 1 : 0;
}
