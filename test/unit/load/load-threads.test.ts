// Where the load engine runs (ts/src/load/workers.ts planLoadThreads) and how the footer says so.
import { describe, expect, it } from 'vitest';
import { planLoadThreads, STREAMS_PER_ENGINE_THREAD } from '../../../ts/src/load/workers.js';
import { loadThreadsLine } from '../../../ts/src/metrics/client-health.js';

const closed = (concurrency: number) => ({ kind: 'concurrency' as const, concurrency });
const rate = (concurrency: number | null) => ({ kind: 'rate' as const, rate: 10, pattern: 'poisson' as const, smoothness: 1, concurrency });

describe('load engine threads', () => {
  it('keeps an explicit --workers: 1 is the main thread, N > 1 is N worker threads', () => {
    expect(planLoadThreads(1, closed(500), 2)).toEqual({ threads: 1, mainThread: true, automatic: false, streams: null, cores: 2 });
    expect(planLoadThreads(3, closed(500), 2)).toMatchObject({ threads: 3, mainThread: false, automatic: false });
  });

  it('without --workers runs the engine off the main thread, one more thread per STREAMS_PER_ENGINE_THREAD streams, up to the cores', () => {
    expect(planLoadThreads(null, closed(1), 2)).toMatchObject({ threads: 1, mainThread: false, automatic: true, streams: 1 });
    expect(planLoadThreads(null, closed(STREAMS_PER_ENGINE_THREAD), 2).threads).toBe(1);
    expect(planLoadThreads(null, closed(STREAMS_PER_ENGINE_THREAD + 1), 2).threads).toBe(2);
    expect(planLoadThreads(null, closed(10_000), 2).threads).toBe(2);
    expect(planLoadThreads(null, closed(10_000), 8).threads).toBe(8);
    expect(planLoadThreads(null, closed(10_000), 1).threads).toBe(1);
  });

  it('counts a rate-mode concurrency ceiling as the streams, and gives an uncapped rate one thread', () => {
    expect(planLoadThreads(null, rate(600), 4)).toMatchObject({ threads: 3, streams: 600 });
    expect(planLoadThreads(null, rate(null), 4)).toMatchObject({ threads: 1, streams: null, automatic: true });
  });

  it("sizes a shard's threads by its own share of the concurrency, and refuses more workers than it has sessions", () => {
    // 600 streams over 2 shards: 300 each, two threads of up to 256.
    expect(planLoadThreads(null, closed(600), 4, { index: 1, count: 2 })).toMatchObject({ threads: 2, streams: 300 });
    expect(planLoadThreads(null, closed(5), 4, { index: 3, count: 4 })).toMatchObject({ threads: 1, streams: 1 });
    expect(planLoadThreads(2, closed(5), 4, { index: 0, count: 4 })).toMatchObject({ threads: 2 });
    expect(() => planLoadThreads(2, closed(5), 4, { index: 1, count: 4 })).toThrow(
      "option '--workers': 2 workers but shard 1 has only 1 of the 5 concurrent sessions",
    );
  });

  it('says in the footer where the engine ran and who chose it', () => {
    expect(loadThreadsLine(planLoadThreads(1, closed(8), 2))).toBe('Load engine: main thread (--workers 1)');
    expect(loadThreadsLine(planLoadThreads(2, closed(8), 2))).toBe('Load engine: 2 worker threads (--workers 2)');
    expect(loadThreadsLine(planLoadThreads(null, closed(500), 2))).toBe(
      'Load engine: 2 worker threads, chosen automatically for 500 concurrent streams on 2 cores (--workers N overrides)',
    );
    expect(loadThreadsLine(planLoadThreads(null, rate(null), 1))).toBe(
      'Load engine: 1 worker thread, chosen automatically for open-loop sends without a --concurrency ceiling on 1 core (--workers N overrides)',
    );
  });
});
