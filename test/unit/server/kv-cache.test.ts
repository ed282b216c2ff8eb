import { describe, expect, it } from 'vitest';
import { KvCache, blockHashes } from '../../../ts/src/server/kv-cache.js';

const seq = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);

describe('block hashes', () => {
  it('chain: equal prefixes give equal leading hashes, a change propagates to every later block', () => {
    const a = blockHashes(seq(0, 64), 16);
    const b = blockHashes([...seq(0, 20), 999, ...seq(21, 43)], 16);
    expect(a).toHaveLength(4);
    expect(b[0]).toBe(a[0]);
    expect(b[1]).not.toBe(a[1]);
    expect(b[2]).not.toBe(a[2]);
    expect(b[3]).not.toBe(a[3]);
    // The same block content at another position hashes differently (it chains the prefix).
    expect(blockHashes([...seq(16, 16), ...seq(0, 16)], 16)[1]).not.toBe(a[0]);
  });
  it('never caches a final partial block', () => {
    expect(blockHashes(seq(0, 47), 16)).toHaveLength(2);
    expect(blockHashes(seq(0, 15), 16)).toHaveLength(0);
  });
  it('hashes are safe integers usable as Map keys', () => {
    for (const h of blockHashes(seq(7, 1600), 16)) expect(Number.isSafeInteger(h) && h >= 0).toBe(true);
  });
});

describe('KvCache', () => {
  it('registers, hits, pins and releases into the LRU', () => {
    const kv = new KvCache(10);
    const h = blockHashes(seq(0, 64), 16);
    const lease = kv.acquire(h, 0, 5)!;
    expect(kv.free).toBe(5);
    expect(kv.used).toBe(5);
    for (const x of h) kv.register(lease, x);
    expect(kv.leadingHits(h)).toBe(4);
    kv.release(lease);
    expect(kv.free).toBe(6); // the one anonymous block returns to the free list
    expect(kv.used).toBe(0);
    expect(kv.cachedBlocks).toBe(4);
    const again = kv.acquire(h, 3, 2)!;
    expect(kv.used).toBe(5);
    kv.release(again);
    expect(kv.used).toBe(0);
  });

  it('deduplicates a block already cached', () => {
    const kv = new KvCache(10);
    const h = blockHashes(seq(0, 32), 16);
    const a = kv.acquire(h, 0, 2)!;
    const b = kv.acquire(h, 0, 2)!;
    for (const x of h) kv.register(a, x);
    for (const x of h) kv.register(b, x);
    expect(b.anonymous).toBe(2);
    kv.release(a);
    kv.release(b);
    expect(kv.free).toBe(8);
    expect(kv.cachedBlocks).toBe(2);
  });

  it('evicts least recently used blocks first and refuses what cannot fit', () => {
    const kv = new KvCache(6);
    const ha = blockHashes(seq(0, 48), 16);
    const hb = blockHashes(seq(1000, 48), 16);
    const a = kv.acquire(ha, 0, 3)!;
    for (const x of ha) kv.register(a, x);
    kv.release(a);
    const b = kv.acquire(hb, 0, 3)!;
    for (const x of hb) kv.register(b, x);
    kv.release(b);
    expect(kv.free).toBe(0);
    // 4 new blocks: evicts a's 3 blocks and b's first block.
    const c = kv.acquire([], 0, 4)!;
    expect(kv.leadingHits(ha)).toBe(0);
    expect(kv.leadingHits(hb)).toBe(0);
    expect(kv.cachedBlocks).toBe(2);
    expect(kv.acquire([], 0, 3)).toBeNull();
    kv.release(c);
    expect(kv.free).toBe(4);
  });

  it("a request's own idle hits are not counted as evictable for it", () => {
    const kv = new KvCache(4);
    const h = blockHashes(seq(0, 64), 16);
    const a = kv.acquire(h, 0, 4)!;
    for (const x of h) kv.register(a, x);
    kv.release(a);
    // Pin 4 cached blocks, need 1 more: only evictable blocks are its own hits → refused.
    expect(kv.acquire(h, 4, 1)).toBeNull();
    expect(kv.acquire(h, 3, 1)).not.toBeNull();
  });
});

/** The §4 semantics spelled out with Maps, to check the typed-array implementation against. */
class ReferenceCache {
  free: number;
  table = new Map<number, { ref: number }>();
  lru = new Map<number, { ref: number }>();
  constructor(readonly capacity: number) {
    this.free = capacity;
  }
  leadingHits(h: number[]): number {
    let i = 0;
    while (i < h.length && this.table.has(h[i]!)) i++;
    return i;
  }
  acquire(h: number[], pinned: number, need: number): { held: number[]; anonymous: number } | null {
    const hits = h.slice(0, pinned);
    const ownIdle = hits.filter((x) => this.table.get(x)!.ref === 0).length;
    if (this.free + this.lru.size - ownIdle < need) return null;
    for (const x of hits) {
      const b = this.table.get(x)!;
      if (b.ref === 0) this.lru.delete(x);
      b.ref++;
    }
    const fromFree = Math.min(this.free, need);
    this.free -= fromFree;
    let evict = need - fromFree;
    for (const [x] of this.lru) {
      if (evict-- === 0) break;
      this.lru.delete(x);
      this.table.delete(x);
    }
    return { held: hits, anonymous: need };
  }
  register(l: { held: number[]; anonymous: number }, x: number): void {
    if (l.anonymous === 0 || this.table.has(x)) return;
    this.table.set(x, { ref: 1 });
    l.held.push(x);
    l.anonymous--;
  }
  release(l: { held: number[]; anonymous: number }): void {
    for (const x of l.held) {
      const b = this.table.get(x)!;
      if (--b.ref === 0) this.lru.set(x, b);
    }
    this.free += l.anonymous;
  }
  get used(): number {
    return this.capacity - this.free - this.lru.size;
  }
}

describe('KvCache against a reference model', () => {
  it('agrees on hits, usage and cached blocks over 5,000 random admissions and releases', () => {
    let seed = 42;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const capacity = 97;
    const kv = new KvCache(capacity);
    const ref = new ReferenceCache(capacity);
    // Few distinct prefixes and lengths so hits, dedupes, evictions and refusals all happen.
    const prompts = Array.from({ length: 12 }, (_, p) =>
      blockHashes(
        Array.from({ length: 16 * (2 + (p % 7)) }, (_, i) => (p % 4) * 100_000 + (p > 6 ? i * 3 : i)),
        16,
      ),
    );
    const live: { a: ReturnType<KvCache['acquire']>; b: ReturnType<ReferenceCache['acquire']>; h: number[] }[] = [];
    for (let step = 0; step < 5000; step++) {
      if (live.length > 0 && (rnd(3) === 0 || live.length > 6)) {
        const { a, b, h } = live.splice(rnd(live.length), 1)[0]!;
        for (const x of h) {
          kv.register(a!, x);
          ref.register(b!, x);
        }
        kv.release(a!);
        ref.release(b!);
      } else {
        const h = prompts[rnd(prompts.length)]!;
        const hit = kv.leadingHits(h);
        expect(hit).toBe(ref.leadingHits(h));
        const pinned = Math.min(hit, h.length - 1);
        const need = h.length + 1 - pinned;
        const a = kv.acquire(h, pinned, need);
        const b = ref.acquire(h, pinned, need);
        expect(a === null).toBe(b === null);
        if (a && b) live.push({ a, b, h });
      }
      expect(kv.used).toBe(ref.used);
      expect(kv.free).toBe(ref.free);
      expect(kv.cachedBlocks).toBe(ref.table.size);
    }
  });
});

describe('evictIdle (POST /reset_prefix_cache)', () => {
  it('drops every idle cached block and keeps the blocks of running sequences', () => {
    const kv = new KvCache(16);
    const idle = blockHashes(seq(0, 64), 16);
    const running = blockHashes(seq(1000, 32), 16);
    const a = kv.acquire(idle, 0, idle.length)!;
    for (const x of idle) kv.register(a, x);
    kv.release(a);
    const b = kv.acquire(running, 0, running.length)!;
    for (const x of running) kv.register(b, x);
    expect(kv.leadingHits(idle)).toBe(4);

    expect(kv.evictIdle()).toBe(4);
    expect(kv.leadingHits(idle)).toBe(0);
    expect(kv.leadingHits(running)).toBe(2);
    expect(kv.cachedBlocks).toBe(2);
    expect(kv.free).toBe(14);
    // The freed blocks are usable again, and the running sequence's blocks are cached once it ends.
    kv.release(b);
    expect(kv.acquire(seq(0, 14), 0, 14)).not.toBeNull();
    expect(kv.leadingHits(running)).toBe(2);
  });
});
