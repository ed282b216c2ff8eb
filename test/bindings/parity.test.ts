// Native and WASM must produce byte-identical analysis.json, on the real trace and on
// generated ones, and the real trace must match both docs/trace-analysis.md §7.5 and the
// independent TypeScript oracle.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKEND_NAMES, TraceAnalyzer, analyzeTraceJson, type AnalysisReport, type BackendName } from '../../ts/src/index.js';
import { oracleAnalyze, type OracleReport, type OracleStats } from '../helpers/trace-oracle.js';
import { generateTrace } from '../helpers/trace-generator.js';
import { REAL_TRACE } from './examples.js';

const realTrace = (): Uint8Array => readFileSync(resolve(__dirname, '../..', REAL_TRACE));

/** Stream `data` through `backend` in 64 KiB chunks, the way the CLI does. */
function streamJson(backend: BackendName, data: Uint8Array, options: { blockSize?: number; skipInvalid?: boolean } = {}): string {
  const analyzer = new TraceAnalyzer({ backend, sourceName: 'trace.jsonl', ...options });
  for (let offset = 0; offset < data.length; offset += 65536) analyzer.push(data.subarray(offset, offset + 65536));
  return analyzer.finishJson();
}

function relClose(actual: number, expected: number, tolerance: number): boolean {
  if (actual === expected) return true;
  return Math.abs(actual - expected) <= tolerance * Math.max(Math.abs(actual), Math.abs(expected));
}

/** Every oracle key equals the core's (integers exactly, floats within `tolerance` relative). */
function expectMatchesOracle(report: AnalysisReport, oracle: OracleReport, tolerance = 1e-9): void {
  const mismatches: string[] = [];
  for (const [key, expected] of Object.entries(oracle)) {
    const actual = (report as unknown as Record<string, unknown>)[key];
    if (expected === null || typeof expected === 'number') {
      if (expected === null ? actual !== null : typeof actual !== 'number' || !relClose(actual, expected, tolerance)) {
        mismatches.push(`${key}: core ${JSON.stringify(actual)} oracle ${JSON.stringify(expected)}`);
      }
      continue;
    }
    for (const [stat, value] of Object.entries(expected as OracleStats)) {
      const got = (actual as Record<string, number> | null)?.[stat];
      if (typeof got !== 'number' || !relClose(got, value, tolerance)) mismatches.push(`${key}.${stat}: core ${got} oracle ${value}`);
    }
  }
  expect(mismatches).toEqual([]);
}

describe('native/WASM parity', () => {
  it('gives byte-identical analysis.json on the real Mooncake trace', () => {
    const data = realTrace();
    const [native, wasm] = BACKEND_NAMES.map((b) => streamJson(b, data));
    expect(native!.length).toBeGreaterThan(1000);
    expect(wasm).toBe(native);
  });

  it.each([
    [1, 512],
    [2, 512],
    [3, 64],
    [4, 1],
    [5, 4096],
  ])('gives byte-identical analysis.json on generated trace seed %i at block size %i', (seed, blockSize) => {
    const data = new TextEncoder().encode(generateTrace({ rows: 3000, seed }));
    const [native, wasm] = BACKEND_NAMES.map((b) => streamJson(b, data, { blockSize }));
    expect(wasm).toBe(native);
  });

  it('gives identical skip summaries and warnings in lenient mode', () => {
    const lines = generateTrace({ rows: 500, seed: 9 }).split('\n');
    for (let i = 0; i < lines.length; i += 37) lines[i] = lines[i]!.replace('"input_length": ', '"input_length": -');
    const data = new TextEncoder().encode(lines.join('\n'));
    const outcomes = BACKEND_NAMES.map((backend) => {
      const a = new TraceAnalyzer({ backend, skipInvalid: true });
      a.push(data);
      return [a.finishJson(), JSON.stringify(a.skipped), a.skippedWarning('x'), a.inconsistentWarning()];
    });
    expect(outcomes[0]![2]).toMatch(/^warning: skipped 14 invalid rows in x \(out_of_range: 14 \[line 1, 38, 75, 112, 149, \.\.\.\]\)$/);
    expect(outcomes[1]).toEqual(outcomes[0]);
  });
});

describe.each(BACKEND_NAMES)('golden results on the real trace (%s)', (backend) => {
  it('reproduces docs/trace-analysis.md §7.5 exactly', () => {
    const r = JSON.parse(streamJson(backend, realTrace())) as AnalysisReport;
    expect([r.total_requests, r.unique_prefixes, r.num_prefix_groups, r.cache_hit_rate]).toEqual([12031, 182790, 1, 0.38425808746366197]);
    expect([r.min_isl, r.max_isl, r.avg_isl]).toEqual([891, 126195, 12035.061341534369]);
    expect([r.min_osl, r.max_osl, r.avg_osl]).toEqual([1, 2000, 342.6189011719724]);
    expect(r.prefix_reuse_ratio).toBe(0.519424610051993);
    expect(r.isl_stats).toEqual({
      mean: 12035.061341534369,
      std_dev: 15800.344851301792,
      min: 891,
      p25: 2306.5,
      median: 6909,
      p75: 15367,
      max: 126195,
    });
    expect(r.osl_stats).toEqual({
      mean: 342.6189011719724,
      std_dev: 249.90803456204557,
      min: 1,
      p25: 156.5,
      median: 350,
      p75: 472,
      max: 2000,
    });
    expect(r.context_length_stats).toEqual({
      mean: 6373.585487490649,
      std_dev: 12024.627428204118,
      min: 512,
      p25: 512,
      median: 1536,
      p75: 7168,
      max: 122880,
    });
    expect(r.unique_prompt_length_stats).toEqual({
      mean: 5661.475854043721,
      std_dev: 12353.496775322432,
      min: 0,
      p25: 350,
      median: 594,
      p75: 6071.5,
      max: 125683,
    });
    expect(r.hit_rate_stats).toEqual({
      mean: 0.38425808746366197,
      std_dev: 0.33651244604875785,
      min: 0,
      p25: 0.06666666666666667,
      median: 0.3333333333333333,
      p75: 0.6666666666666666,
      max: 1,
    });
    expect([
      r.rows_without_hash_ids,
      r.inconsistent_rows,
      r.token_weighted_hit_rate,
      r.sessions,
      r.multi_turn_sessions,
      r.duration_ms,
    ]).toEqual([0, 0, 0.3736237491291324, 12031, 0, 3536999]);
    expect(r.request_rate_stats).toEqual({
      mean: 3.4014701724625387,
      std_dev: 5.18184758044207,
      min: 0,
      p25: 0,
      median: 0,
      p75: 8,
      max: 28,
    });
  });

  it('agrees with the independent TypeScript oracle to 1e-9 relative', () => {
    const data = realTrace();
    const report = JSON.parse(streamJson(backend, data)) as AnalysisReport;
    expectMatchesOracle(report, oracleAnalyze(new TextDecoder().decode(data)));
  });

  it.each([64, 512, 1000])('agrees with the oracle on a generated multi-session trace at block size %i', (blockSize) => {
    const text = generateTrace({ rows: 2500, seed: blockSize, sessionIdFraction: 0.5 });
    const report = JSON.parse(analyzeTraceJson(new TextEncoder().encode(text), { backend, blockSize })) as AnalysisReport;
    expect(report.multi_turn_sessions).toBeGreaterThan(0);
    expectMatchesOracle(report, oracleAnalyze(text, blockSize));
  });
});
