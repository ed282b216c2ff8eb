// The closed-form split (docs/cli.md §3.4 workers, §3.8 shards): shards and the workers inside them
// compose into one split whose union is the single-process work.
import { describe, expect, it } from 'vitest';
import { ownCount, splitSlot, workerShare } from '../../../ts/src/load/worker-share.js';

describe('the split of shards and their workers', () => {
  it('gives shard k exactly the global indices i with i mod N = k, however many workers it has', () => {
    for (const N of [1, 2, 3, 4, 7]) {
      for (const W of [1, 2, 3]) {
        const owner = new Map<number, number>();
        for (let k = 0; k < N; k++) {
          for (let w = 0; w < W; w++) {
            const { slot, slots } = splitSlot(w, W, k, N);
            for (let i = slot; i < 200; i += slots) {
              expect(owner.has(i), `index ${i} sent twice`).toBe(false);
              owner.set(i, k);
            }
          }
        }
        expect([...owner.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
        for (const [i, k] of owner) expect(i % N).toBe(k);
      }
    }
  });

  it("adds a shard's workers' concurrency and request budgets up to the shard's own share", () => {
    for (const total of [4, 5, 17, 100, 101]) {
      for (const N of [1, 2, 4]) {
        for (const W of [1, 2, 3]) {
          let all = 0;
          for (let k = 0; k < N; k++) {
            let shard = 0;
            for (let w = 0; w < W; w++) {
              const { slot, slots } = splitSlot(w, W, k, N);
              shard += workerShare(total, slot, slots);
              expect(ownCount(total, slot, slots)).toBe(workerShare(total, slot, slots));
            }
            expect(shard, `total ${total}, shard ${k} of ${N}, ${W} workers`).toBe(workerShare(total, k, N));
            all += shard;
          }
          expect(all).toBe(total);
        }
      }
    }
  });

  it('gives the remainder to the lowest shard indices', () => {
    expect([0, 1, 2, 3].map((k) => workerShare(6, k, 4))).toEqual([2, 2, 1, 1]);
  });
});
