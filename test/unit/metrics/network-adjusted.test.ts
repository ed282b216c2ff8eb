import { describe, expect, it } from 'vitest';
import type { RunMetrics } from '../../../ts/src/metrics/aggregate.js';
import { addBlocks, lessRtt, networkAdjustedBlocks, subtractedRttNs } from '../../../ts/src/metrics/network-adjusted.js';
import { arraySource } from '../../../ts/src/metrics/streamed-stats.js';

const valuesOf = (s: ReturnType<typeof lessRtt>): number[] => [...s.chunks()].flatMap((c) => [...c]);

describe('network_adjusted_* (docs/metrics.md §14)', () => {
  it('subtracts the RTT from each value and counts a value below it as 0', () => {
    expect(valuesOf(lessRtt(arraySource([10, 3, 7, 4]), 4))).toEqual([6, 0, 3, 0]);
  });

  it('makes the statistics of the adjusted values, by hand: request latency 10, 20, 30, 40 ms less 15 ms', () => {
    const blocks = networkAdjustedBlocks(
      new Map([
        ['request_latency', arraySource([10, 20, 30, 40])],
        ['time_to_first_token', arraySource([5, 25])],
        ['inter_token_latency', arraySource([1, 2])],
      ]),
      15,
    );
    // 0, 5, 15, 25: mean 11.25, population std sqrt(((11.25)² + 6.25² + 3.75² + 13.75²) / 4).
    const lat = blocks.get('network_adjusted_request_latency')!;
    expect(lat.unit).toBe('ms');
    expect(lat.stats).toMatchObject({ avg: 11.25, min: 0, max: 25, count: 4, sum: 45 });
    expect(lat.stats.p50).toBeCloseTo(10, 12);
    expect(lat.stats.p90).toBeCloseTo(22, 12);
    expect(lat.stats.std).toBeCloseTo(Math.sqrt((11.25 ** 2 + 6.25 ** 2 + 3.75 ** 2 + 13.75 ** 2) / 4), 12);
    expect(blocks.get('network_adjusted_time_to_first_token')!.stats).toMatchObject({ avg: 5, min: 0, max: 10 });
    expect(blocks.get('network_rtt')).toEqual({ unit: 'ms', stats: { avg: 15 } });
    // The gaps inside a stream carry no round trip: not adjusted; no TTFO without its source.
    expect([...blocks.keys()].sort()).toEqual(['network_adjusted_request_latency', 'network_adjusted_time_to_first_token', 'network_rtt']);
  });

  it('subtracts the median probe, so one retransmitted SYN does not move it', () => {
    expect(subtractedRttNs([])).toBeNull();
    expect(subtractedRttNs([300_000n, 1_000_300_000n, 200_000n])).toBe(300_000);
    expect(subtractedRttNs([100n, 200n, 400n, 5_000n])).toBe(300);
  });

  it('adds the blocks to a run in the summary order: each next to its source, network_rtt after request latency', () => {
    const stats = { avg: 1 };
    const run = {
      blocks: new Map([
        ['time_to_first_token', { unit: 'ms', stats }],
        ['request_latency', { unit: 'ms', stats }],
        ['request_count', { unit: 'requests', stats }],
      ]),
    } as unknown as RunMetrics;
    addBlocks(
      run,
      new Map([
        ['network_adjusted_request_latency', { unit: 'ms', stats }],
        ['network_adjusted_time_to_first_token', { unit: 'ms', stats }],
        ['network_rtt', { unit: 'ms', stats }],
      ]),
    );
    expect([...run.blocks.keys()]).toEqual([
      'time_to_first_token',
      'network_adjusted_time_to_first_token',
      'request_latency',
      'network_adjusted_request_latency',
      'network_rtt',
      'request_count',
    ]);
  });
});
