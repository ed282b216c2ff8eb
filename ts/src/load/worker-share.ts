// How the work of a phase is split across `--workers` and shards closed-form (docs/cli.md §3.4,
// workers; §3.8, shards).

/** The share of `total` that worker `w` of `n` gets: floor(total/n), remainder to the lowest ids. */
export function workerShare(total: number, w: number, n: number): number {
  return Math.floor(total / n) + (w < total % n ? 1 : 0);
}

/** Requests of worker `w` of `W` among global indices 0 … count−1 (indices i with i mod W = w). */
export function ownCount(count: number, w: number, W: number): number {
  return count > w ? Math.floor((count - 1 - w) / W) + 1 : 0;
}

/**
 * The split slot of worker `worker` of `workers` inside shard `shard` of `shards`: one split over
 * workers × shards slots, slot = worker·shards + shard. A shard's slots are then exactly the
 * indices i with i mod shards = shard (i mod (W·N) = w·N + k ⇒ i mod N = k), so arrivals, sessions
 * and request budgets split by shard first and by worker within it, and the shards' workers'
 * concurrency shares add up to the shard's own `workerShare(C, shard, shards)`.
 */
export function splitSlot(worker: number, workers: number, shard: number, shards: number): { slot: number; slots: number } {
  return { slot: worker * shards + shard, slots: workers * shards };
}
