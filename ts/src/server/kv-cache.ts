// Block-level prefix KV cache with reference counts and LRU eviction (mock-server.md §4).

/** A cached block: its chained hash and how many running sequences use it. */
export interface CachedBlock {
  readonly hash: number;
  ref: number;
}

/** Blocks a sequence holds: pinned hits and blocks it registered count by reference; the rest are anonymous. */
export interface BlockLease {
  held: CachedBlock[];
  anonymous: number;
}

/**
 * Chain a block hash over `ids[start, end)` from the previous block's hash (0 for the first).
 * Returns a non-negative integer below 2^53 so it can key a Map without BigInt; a collision
 * needs ~2^26 distinct blocks to become likely, far beyond any simulated capacity.
 */
export function chainHash(prev: number, ids: ArrayLike<number>, start: number, end: number): number {
  let h1 = (prev >>> 0) ^ 0x9e3779b9;
  let h2 = Math.floor(prev / 4294967296) ^ 0x85ebca6b;
  for (let i = start; i < end; i++) {
    const t = ids[i]!;
    h1 = Math.imul(h1 ^ t, 0x01000193);
    h2 = Math.imul(h2 ^ t, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h1 = Math.imul(h1 ^ h2, 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  h2 = Math.imul(h2 ^ h1, 0x27d4eb2f);
  h2 ^= h2 >>> 15;
  return (h2 >>> 0) * 2097152 + (h1 >>> 11);
}

/** Hashes of the full blocks of `ids` (a final partial block is never cached). */
export function blockHashes(ids: ArrayLike<number>, blockSize: number): number[] {
  const n = Math.floor(ids.length / blockSize);
  const out = new Array<number>(n);
  let prev = 0;
  for (let j = 0; j < n; j++) {
    prev = chainHash(prev, ids, j * blockSize, (j + 1) * blockSize);
    out[j] = prev;
  }
  return out;
}

export class KvCache {
  free: number;
  private readonly table = new Map<number, CachedBlock>();
  /** Cached blocks with reference count 0, least recently used first (Map keeps insertion order). */
  private readonly lru = new Map<number, CachedBlock>();

  constructor(readonly capacity: number) {
    this.free = capacity;
  }

  /** Blocks referenced by running sequences. */
  get used(): number {
    return this.capacity - this.free - this.lru.size;
  }

  get cachedBlocks(): number {
    return this.table.size;
  }

  /** Number of leading `hashes` present in the cache. */
  leadingHits(hashes: readonly number[]): number {
    let hit = 0;
    while (hit < hashes.length && this.table.has(hashes[hit]!)) hit++;
    return hit;
  }

  /**
   * Pin the first `pinned` hashes (all present) and take `need` new blocks, evicting LRU
   * blocks when the free list is short. Returns null (and changes nothing) when it does not fit.
   */
  acquire(hashes: readonly number[], pinned: number, need: number): BlockLease | null {
    const hits: CachedBlock[] = [];
    let ownIdle = 0;
    for (let j = 0; j < pinned; j++) {
      const b = this.table.get(hashes[j]!)!;
      hits.push(b);
      if (b.ref === 0) ownIdle++;
    }
    if (this.free + this.lru.size - ownIdle < need) return null;
    for (const b of hits) {
      if (b.ref === 0) this.lru.delete(b.hash);
      b.ref++;
    }
    const fromFree = Math.min(this.free, need);
    this.free -= fromFree;
    let evict = need - fromFree;
    for (const [hash] of this.lru) {
      if (evict === 0) break;
      this.lru.delete(hash);
      this.table.delete(hash);
      evict--;
    }
    return { held: hits, anonymous: need };
  }

  /** Name one of the lease's anonymous blocks `hash`, unless a block with that hash is already cached. */
  register(lease: BlockLease, hash: number): void {
    if (lease.anonymous === 0 || this.table.has(hash)) return;
    const block: CachedBlock = { hash, ref: 1 };
    this.table.set(hash, block);
    lease.held.push(block);
    lease.anonymous--;
  }

  /** Drop the lease: referenced blocks whose count reaches 0 become evictable (most recent last). */
  release(lease: BlockLease): void {
    for (const b of lease.held) {
      b.ref--;
      if (b.ref === 0) this.lru.set(b.hash, b);
    }
    this.free += lease.anonymous;
    lease.held = [];
    lease.anonymous = 0;
  }
}
