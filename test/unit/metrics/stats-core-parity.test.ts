// The record-metric statistics (TS) must agree bit for bit with the Rust core's (trace-analysis
// §3.4 uses the same pairwise summation and type-7 percentiles): compare on ISL lists.
import { describe, expect, it } from 'vitest';
import { TraceAnalyzer } from '../../../ts/src/index.js';
import { computeStats } from '../../../ts/src/metrics/stats.js';

describe('statistics parity with trace-core', () => {
  it('gives the same mean, population std, p25 and p75 as the core on 1,000 seeded values', () => {
    let s = 7;
    const next = (): number => {
      s = (s * 48271) % 2147483647;
      return s;
    };
    const isl = Array.from({ length: 1000 }, () => 1 + (next() % 100_000));
    const lines = `${isl.map((v, i) => JSON.stringify({ timestamp: i, input_length: v, output_length: 10, hash_ids: [i] })).join('\n')}\n`;
    const a = new TraceAnalyzer();
    a.push(new TextEncoder().encode(lines));
    const core = a.finish().isl_stats!;
    const ts = computeStats(isl)!;
    expect(ts.avg).toBe(core.mean);
    expect(ts.std).toBe(core.std_dev);
    expect(ts.p25).toBe(core.p25);
    expect(ts.p75).toBe(core.p75);
    expect(ts.min).toBe(core.min);
    expect(ts.max).toBe(core.max);
  });
});
