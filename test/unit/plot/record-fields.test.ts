// The two ways of reading a records line agree: the compact scan (fast, for the layout infermark
// and AIPerf write) and JSON.parse (any layout); the scan declines every line it cannot read.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRecordJson, parseRecordLine, scanCompactRecord } from '../../../ts/src/plot/record-fields.js';
import { recordLine } from './run-files.js';

const AIPERF_RECORDS = resolve(__dirname, '../../fixtures/aiperf-0.13-run/profile_export.jsonl');

describe('scanCompactRecord', () => {
  it('reads the same fields as JSON.parse from infermark’s lines', () => {
    for (const spec of [
      { startMs: 12.5, ttft: 10.25, itl: 2, latency: 30, isl: 100, osl: 11, scheduleLag: 0.125 },
      { startMs: 0, ttft: 1e-7, latency: 5e3, osl: 1 },
      { startMs: 3, phase: 'warmup' as const, ttft: 1, latency: 2, osl: 1 },
    ]) {
      const line = recordLine(spec);
      const scanned = scanCompactRecord(line);
      expect(scanned).not.toBeNull();
      expect(scanned).toEqual(parseRecordJson(line));
    }
  });

  it('reads the same fields as JSON.parse from every line of a real AIPerf 0.13 run', () => {
    const lines = readFileSync(AIPERF_RECORDS, 'utf8').split('\n').filter(Boolean);
    expect(lines.length).toBe(26);
    for (const line of lines) {
      const scanned = scanCompactRecord(line);
      expect(scanned).not.toBeNull();
      expect(scanned).toEqual(parseRecordJson(line));
    }
    expect(lines.map((l) => scanCompactRecord(l)!.warmup).filter(Boolean)).toHaveLength(2);
  });

  it('declines lines in another layout, which JSON.parse then reads', () => {
    const compact = recordLine({ startMs: 1, ttft: 10, latency: 30, osl: 5 });
    const spaced = JSON.stringify(JSON.parse(compact), null, 1).replace(/\n/g, '');
    const reordered = JSON.stringify({ error: null, ...JSON.parse(compact) });
    for (const line of [spaced, reordered]) {
      expect(scanCompactRecord(line)).toBeNull();
      expect(parseRecordLine(line)).toEqual(scanCompactRecord(compact));
    }
  });

  it('leaves failed records, and lines without a numeric start, to JSON.parse', () => {
    const failed = recordLine({ startMs: 1, error: true });
    expect(scanCompactRecord(failed)).toBeNull();
    expect(parseRecordLine(failed)).toMatchObject({ failed: true });
    const noStart = recordLine({ startMs: 1, ttft: 1, latency: 2, osl: 1 }).replace(/"request_start_ns":\d+/, '"request_start_ns":null');
    expect(scanCompactRecord(noStart)).toBeNull();
    expect(parseRecordLine(noStart)).toEqual({ skip: 'no numeric metadata.request_start_ns' });
  });

  it('gives NaN for a metric whose value is not a number, as JSON.parse does', () => {
    const line = recordLine({ startMs: 1, ttft: 1, latency: 2, osl: 1 }).replace(
      '"time_to_first_token":{"value":1',
      '"time_to_first_token":{"value":null',
    );
    expect(scanCompactRecord(line)!.ttft).toBeNaN();
    expect(scanCompactRecord(line)).toEqual(parseRecordJson(line));
  });

  it('does not take a key that only ends like a wanted tag', () => {
    const line = recordLine({ startMs: 1, ttft: 1, latency: 2, osl: 1 }).replace(
      '"request_latency":{"value":2',
      '"adj_request_latency":{"value":2',
    );
    expect(scanCompactRecord(line)!.latency).toBeNaN();
  });
});
