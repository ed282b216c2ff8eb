// Block-level prefix KV cache with reference counts and LRU eviction (docs/serve-mock.md §4).

/**
 * Blocks a sequence holds: `held[0, heldCount)` are cached blocks it references (pinned hits
 * and blocks it registered); `anonymous` more blocks are in use but hold no cached content.
 */
export interface BlockLease {
  held: Int32Array;
  heldCount: number;
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

const EMPTY = -1;

/**
 * The block pool. Everything lives in typed arrays sized once from the capacity (≈ 48 bytes
 * per block, §10's budget is 64): per named block a hash, a reference count and LRU links; an
 * open-addressing hash table (linear probing, backward-shift deletion) maps hash → slot.
 * Free and anonymous blocks are counts, not slots: only named blocks need storage.
 */
export class KvCache {
  /** Blocks neither cached nor held by a lease. */
  free: number;
  private named = 0;
  private readonly slotHash: Float64Array;
  private readonly slotRef: Int32Array;
  /** LRU doubly linked list of named slots with reference count 0; index `capacity` is the sentinel. */
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  private lruSize = 0;
  /** Slots not holding a named block (a stack). */
  private readonly freeSlots: Int32Array;
  private freeSlotsTop: number;
  private readonly keys: Float64Array;
  private readonly vals: Int32Array;
  private readonly mask: number;

  constructor(readonly capacity: number) {
    this.free = capacity;
    this.slotHash = new Float64Array(capacity);
    this.slotRef = new Int32Array(capacity);
    this.prev = new Int32Array(capacity + 1);
    this.next = new Int32Array(capacity + 1);
    this.prev[capacity] = capacity;
    this.next[capacity] = capacity;
    this.freeSlots = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) this.freeSlots[i] = capacity - 1 - i;
    this.freeSlotsTop = capacity;
    // Load factor ≤ 0.5 keeps probe sequences short.
    let size = 2;
    while (size < capacity * 2) size *= 2;
    this.keys = new Float64Array(size).fill(EMPTY);
    this.vals = new Int32Array(size);
    this.mask = size - 1;
  }

  /** Blocks referenced by running sequences. */
  get used(): number {
    return this.capacity - this.free - this.lruSize;
  }

  get cachedBlocks(): number {
    return this.named;
  }

  /** Number of leading `hashes` present in the cache. */
  leadingHits(hashes: readonly number[]): number {
    let hit = 0;
    while (hit < hashes.length && this.lookup(hashes[hit]!) !== EMPTY) hit++;
    return hit;
  }

  /**
   * Pin the first `pinned` hashes (all present) and take `need` new blocks, evicting LRU
   * blocks when the free list is short. Returns null (and changes nothing) when it does not fit.
   */
  acquire(hashes: readonly number[], pinned: number, need: number): BlockLease | null {
    let ownIdle = 0;
    for (let j = 0; j < pinned; j++) if (this.slotRef[this.lookup(hashes[j]!)] === 0) ownIdle++;
    if (this.free + this.lruSize - ownIdle < need) return null;
    const held = new Int32Array(pinned + need);
    for (let j = 0; j < pinned; j++) {
      const slot = this.lookup(hashes[j]!);
      if (this.slotRef[slot] === 0) this.lruRemove(slot);
      this.slotRef[slot]!++;
      held[j] = slot;
    }
    const fromFree = Math.min(this.free, need);
    this.free -= fromFree;
    for (let evict = need - fromFree; evict > 0; evict--) {
      const slot = this.next[this.capacity]!;
      this.lruRemove(slot);
      this.tableDelete(this.slotHash[slot]!);
      this.freeSlots[this.freeSlotsTop++] = slot;
      this.named--;
    }
    return { held, heldCount: pinned, anonymous: need };
  }

  /** Name one of the lease's anonymous blocks `hash`, unless a block with that hash is already cached. */
  register(lease: BlockLease, hash: number): void {
    if (lease.anonymous === 0 || this.lookup(hash) !== EMPTY) return;
    const slot = this.freeSlots[--this.freeSlotsTop]!;
    this.slotHash[slot] = hash;
    this.slotRef[slot] = 1;
    this.tableInsert(hash, slot);
    this.named++;
    lease.held[lease.heldCount++] = slot;
    lease.anonymous--;
  }

  /** Drop the lease: referenced blocks whose count reaches 0 become evictable (most recent last). */
  release(lease: BlockLease): void {
    for (let i = 0; i < lease.heldCount; i++) {
      const slot = lease.held[i]!;
      if (--this.slotRef[slot]! === 0) this.lruPush(slot);
    }
    this.free += lease.anonymous;
    lease.heldCount = 0;
    lease.anonymous = 0;
  }

  /**
   * Forget every cached block no running sequence references (`POST /reset_prefix_cache`,
   * docs/serve-mock.md §2): they become free. Blocks in use stay until their sequences end, as
   * in vLLM, whose reset leaves running requests alone. Returns how many blocks were dropped.
   */
  evictIdle(): number {
    const dropped = this.lruSize;
    while (this.lruSize > 0) {
      const slot = this.next[this.capacity]!;
      this.lruRemove(slot);
      this.tableDelete(this.slotHash[slot]!);
      this.freeSlots[this.freeSlotsTop++] = slot;
      this.named--;
      this.free++;
    }
    return dropped;
  }

  private lruPush(slot: number): void {
    const tail = this.prev[this.capacity]!;
    this.next[tail] = slot;
    this.prev[slot] = tail;
    this.next[slot] = this.capacity;
    this.prev[this.capacity] = slot;
    this.lruSize++;
  }

  private lruRemove(slot: number): void {
    const p = this.prev[slot]!;
    const n = this.next[slot]!;
    this.next[p] = n;
    this.prev[n] = p;
    this.lruSize--;
  }

  private home(key: number): number {
    const lo = key % 4294967296;
    const hi = (key - lo) / 4294967296;
    return (Math.imul((lo ^ Math.imul(hi, 0x9e3779b1)) >>> 0, 0x85ebca6b) >>> 0) & this.mask;
  }

  private lookup(key: number): number {
    for (let i = this.home(key); ; i = (i + 1) & this.mask) {
      const k = this.keys[i]!;
      if (k === key) return this.vals[i]!;
      if (k === EMPTY) return EMPTY;
    }
  }

  private tableInsert(key: number, slot: number): void {
    let i = this.home(key);
    while (this.keys[i] !== EMPTY) i = (i + 1) & this.mask;
    this.keys[i] = key;
    this.vals[i] = slot;
  }

  private tableDelete(key: number): void {
    let i = this.home(key);
    while (this.keys[i] !== key) i = (i + 1) & this.mask;
    // Backward-shift deletion: move later entries of the probe run into the hole when their
    // home position does not lie cyclically in (hole, j].
    for (let j = (i + 1) & this.mask; this.keys[j] !== EMPTY; j = (j + 1) & this.mask) {
      const h = this.home(this.keys[j]!);
      const movable = i <= j ? h <= i || h > j : h <= i && h > j;
      if (movable) {
        this.keys[i] = this.keys[j]!;
        this.vals[i] = this.vals[j]!;
        i = j;
      }
    }
    this.keys[i] = EMPTY;
  }
}
