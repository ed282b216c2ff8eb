// The binding-facing suite, run once per backend (native and WASM) through the TS API.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BACKEND_NAMES,
  TraceAnalyzer,
  TraceCoreError,
  analyzeTrace,
  analyzeTraceJson,
  type AnalysisReport,
  type BackendName,
  type MetricStats,
} from '../../ts/src/index.js';
import { Rng, generateTrace } from '../helpers/trace-generator.js';
import {
  EXAMPLE_A,
  EXAMPLE_A_JSON,
  EXAMPLE_B,
  EXAMPLE_C,
  EXAMPLE_D,
  EXAMPLE_NO_HASH,
  FORMAT_EXAMPLE_G,
  FORMAT_EXAMPLE_T,
  type Five,
} from './examples.js';

const enc = new TextEncoder();
const bytes = (text: string): Uint8Array => enc.encode(text);

function five(stats: MetricStats | null): Five {
  expect(stats).not.toBeNull();
  const s = stats!;
  return [s.mean, s.std_dev, s.p25, s.median, s.p75];
}

/** Push `data` in chunks whose sizes come from `sizes` (cycled), then finish. */
function analyzeChunked(backend: BackendName, data: Uint8Array, sizes: (i: number) => number, blockSize = 512): string {
  const analyzer = new TraceAnalyzer({ backend, blockSize, sourceName: 'chunks.jsonl' });
  let offset = 0;
  for (let i = 0; offset < data.length; i++) {
    const size = Math.max(1, sizes(i));
    analyzer.push(data.subarray(offset, offset + size));
    offset += size;
  }
  return analyzer.finishJson();
}

/** Run `fn` and return the TraceCoreError it throws (failing the test if it does not). */
function caught(fn: () => unknown): TraceCoreError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TraceCoreError);
    return err as TraceCoreError;
  }
  throw new Error('expected a TraceCoreError, nothing was thrown');
}

describe.each(BACKEND_NAMES)('trace core through the %s backend', (backend) => {
  const analyze = (text: string, blockSize = 512): AnalysisReport => analyzeTrace(bytes(text), { backend, blockSize });
  const strictError = (text: string, sourceName = 't.jsonl'): TraceCoreError =>
    caught(() => analyzeTraceJson(bytes(text), { backend, sourceName }));

  describe('worked examples (docs/trace-analysis.md §7)', () => {
    it('writes Example A byte for byte', () => {
      expect(analyzeTraceJson(bytes(EXAMPLE_A), { backend })).toBe(EXAMPLE_A_JSON);
    });

    it('streams Example A through TraceAnalyzer with the same bytes and a parsed finish()', () => {
      const a = new TraceAnalyzer({ backend });
      expect(a.backend).toBe(backend);
      a.push(bytes(EXAMPLE_A));
      expect(a.bytesConsumed).toBe(bytes(EXAMPLE_A).length);
      const report = a.finish();
      expect(JSON.stringify(report)).toBe(JSON.stringify(JSON.parse(EXAMPLE_A_JSON)));
    });

    it('computes Example B: hash-only hit rate disagrees with position-aware context', () => {
      const r = analyze(EXAMPLE_B);
      expect([r.unique_prefixes, r.prefix_reuse_ratio, r.num_prefix_groups, r.cache_hit_rate]).toEqual([8, 0.2222222222222222, 1, 0.25]);
      expect(five(r.isl_stats)).toEqual([934.0, 576.6003815468735, 550.0, 1050.0, 1434.0]);
      expect(five(r.context_length_stats)).toEqual([768.0, 572.4334022399462, 384.0, 768.0, 1152.0]);
      expect(five(r.unique_prompt_length_stats)).toEqual([166.0, 138.28955130450024, 75.0, 144.0, 235.0]);
      expect(five(r.hit_rate_stats)).toEqual([0.25, 0.4330127018922193, 0.0, 0.0, 0.25]);
      expect(five(r.osl_stats)).toEqual([25.0, 11.180339887498949, 17.5, 25.0, 32.5]);
      expect(r.token_weighted_hit_rate).toBe(0.1873661670235546);
      expect(r.duration_ms).toBe(900);
      expect(r.request_rate_stats).toEqual({ mean: 4, std_dev: 0, min: 4, p25: 4, median: 4, p75: 4, max: 4 });
    });

    it('computes Example C: missing fields count as 0, rows without hash ids give no hit-rate entry', () => {
      const r = analyze(EXAMPLE_C);
      expect(r.total_requests).toBe(3);
      expect([r.min_osl, r.avg_osl, r.avg_isl]).toEqual([0, 10.0, 566.6666666666666]);
      expect([r.cache_hit_rate, r.hit_rate_stats?.std_dev]).toEqual([0.5, 0.5]);
      expect([r.unique_prefixes, r.prefix_reuse_ratio, r.num_prefix_groups]).toEqual([2, 1.0, 1]);
      expect(five(r.isl_stats)).toEqual([566.6666666666666, 188.56180831641268, 500.0, 700.0, 700.0]);
      expect(five(r.osl_stats)).toEqual([10.0, 8.16496580927726, 5.0, 10.0, 15.0]);
      expect(five(r.context_length_stats)).toEqual([466.6666666666667, 329.9831645537222, 350.0, 700.0, 700.0]);
      expect(five(r.unique_prompt_length_stats)).toEqual([100.0, 141.4213562373095, 0.0, 0.0, 150.0]);
      expect([r.rows_without_hash_ids, r.rows_without_timestamp, r.token_weighted_hit_rate, r.sessions]).toEqual([1, 3, 0.5, 3]);
      expect(r.duration_ms).toBeNull();
      expect(r.request_rate_stats).toBeNull();
    });

    it('computes Example D: branching conversation shapes', () => {
      const r = analyze(EXAMPLE_D);
      expect(r.cache_hit_rate).toBe(0.26904761904761904);
      expect([r.unique_prefixes, r.prefix_reuse_ratio, r.num_prefix_groups]).toEqual([13, 0.7272727272727273, 2]);
      expect(r.token_weighted_hit_rate).toBe(0.44104134762633995);
      expect(r.context_length_stats?.max).toBe(2560);
      expect(r.unique_prompt_length_stats?.max).toBe(876);
      expect(r.hit_rate_stats?.max).toBe(0.7142857142857143);
      expect(r.request_rate_stats).toEqual({ mean: 2.0, std_dev: 0.816496580927726, min: 1.0, p25: 1.5, median: 2.0, p75: 2.5, max: 3.0 });
    });

    it('reports null hit-rate stats and isl-as-unique when no row has hash ids (§7.6)', () => {
      const r = analyze(EXAMPLE_NO_HASH);
      expect([r.unique_prefixes, r.cache_hit_rate, r.hit_rate_stats]).toEqual([0, 0.0, null]);
      expect(r.context_length_stats).toEqual({ mean: 0, std_dev: 0, min: 0, p25: 0, median: 0, p75: 0, max: 0 });
      expect(r.unique_prompt_length_stats).toEqual(r.isl_stats);
    });

    it('lists inconsistent rows with their kind (docs/trace-format.md §7.2)', () => {
      const r = analyze(FORMAT_EXAMPLE_G);
      expect(r.inconsistent_rows).toBe(2);
      expect(r.inconsistent_row_examples).toEqual([
        { line: 1, input_length: 20, num_hash_ids: 2, kind: 'overshoot' },
        { line: 2, input_length: 1500, num_hash_ids: 1, kind: 'prefix_only' },
      ]);
    });
  });

  describe('streaming invariance', () => {
    const trace = bytes(generateTrace({ rows: 300, seed: 7 }) + EXAMPLE_B.replace(/\n$/, ''));
    let whole = '';
    beforeAll(() => {
      whole = analyzeTraceJson(trace, { backend, sourceName: 'chunks.jsonl' });
    });

    it('gives identical output for 1-byte chunks', () => {
      expect(analyzeChunked(backend, trace, () => 1)).toBe(whole);
    });

    it('gives identical output for 20 random chunkings (seeded)', () => {
      const rng = new Rng(2024);
      for (let k = 0; k < 20; k++) {
        const max = [2, 17, 333, 4096, 70000][k % 5]!;
        expect(analyzeChunked(backend, trace, () => rng.int(1, max))).toBe(whole);
      }
    });

    it('splits inside UTF-8 sequences and between \\r and \\n without changing anything', () => {
      const text = '{"input_length":5,"output_length":1,"session_id":"é€😀","hash_ids":[1]}\r\n{"input_length":5,"hash_ids":[1]}\r\n';
      const data = bytes(text);
      const ref = analyzeTraceJson(data, { backend, sourceName: 'chunks.jsonl' });
      for (let cut = 1; cut < data.length; cut++) {
        expect(analyzeChunked(backend, data, (i) => (i === 0 ? cut : data.length))).toBe(ref);
      }
    });

    it('ignores blank lines, CRLF endings and a leading BOM', () => {
      const crlf = `\uFEFF\n  \t\n${EXAMPLE_A.replace(/\n/g, '\r\n')}\r\n\n`;
      expect(analyzeTraceJson(bytes(crlf), { backend })).toBe(EXAMPLE_A_JSON);
    });

    it('analyses an empty file as zeros with null stats', () => {
      for (const text of ['', '\n\n  \n']) {
        const r = analyze(text, 64);
        expect([r.total_requests, r.unique_prefixes, r.cache_hit_rate, r.block_size]).toEqual([0, 0, 0, 64]);
        expect([r.isl_stats, r.hit_rate_stats, r.duration_ms, r.request_rate_stats]).toEqual([null, null, null, null]);
      }
    });

    it('processes a final line without a newline at finish', () => {
      const a = new TraceAnalyzer({ backend });
      a.push(bytes('{"input_length":7}'));
      expect(a.rowsParsed).toBe(0);
      expect(a.finish().total_requests).toBe(1);
      expect(a.rowsParsed).toBe(1);
    });

    it('is idempotent', () => {
      expect(analyzeTraceJson(trace, { backend, sourceName: 'chunks.jsonl' })).toBe(whole);
    });
  });

  describe('properties of docs/trace-analysis.md §9', () => {
    const text = generateTrace({ rows: 400, seed: 11, sessionIdFraction: 0.5 });
    const ORDER_DEPENDENT = ['cache_hit_rate', 'hit_rate_stats', 'token_weighted_hit_rate', 'inconsistent_row_examples'];
    const BLOCK_SIZE_DEPENDENT = [
      'context_length_stats',
      'unique_prompt_length_stats',
      'inconsistent_rows',
      'inconsistent_row_examples',
      'token_weighted_hit_rate',
      'block_size',
    ];

    function expectClose(a: unknown, b: unknown, path: string): void {
      if (typeof a === 'number' && typeof b === 'number') {
        if (Number.isInteger(a) && Number.isInteger(b) && !path.includes('stats') && !path.includes('avg')) expect(a, path).toBe(b);
        else expect(Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b)), `${path}: ${a} vs ${b}`).toBe(true);
      } else if (a !== null && typeof a === 'object' && b !== null && typeof b === 'object') {
        for (const k of Object.keys(a)) expectClose((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
      } else expect(a, path).toEqual(b);
    }

    it('reordering rows changes only the order-dependent keys (§9.4)', () => {
      const rows = text.trimEnd().split('\n');
      const rng = new Rng(5);
      for (let i = rows.length - 1; i > 0; i--) {
        const j = rng.int(0, i);
        [rows[i], rows[j]] = [rows[j]!, rows[i]!];
      }
      const a = analyze(text) as unknown as Record<string, unknown>;
      const b = analyze(`${rows.join('\n')}\n`) as unknown as Record<string, unknown>;
      expect(b.cache_hit_rate).not.toBe(a.cache_hit_rate);
      for (const key of Object.keys(a)) if (!ORDER_DEPENDENT.includes(key)) expectClose(b[key], a[key], key);
    });

    it('--block-size changes only context/unique stats, inconsistent rows and the token-weighted rate (§9.5)', () => {
      const a = analyze(text, 512) as unknown as Record<string, unknown>;
      const b = analyze(text, 100) as unknown as Record<string, unknown>;
      expect(b.context_length_stats).not.toEqual(a.context_length_stats);
      for (const key of Object.keys(a)) if (!BLOCK_SIZE_DEPENDENT.includes(key)) expect(b[key], key).toEqual(a[key]);
    });
  });

  describe('strict errors carry code, reason, file, line and field', () => {
    it('stops at the first invalid row of docs/trace-format.md §4.4', () => {
      const e = strictError(FORMAT_EXAMPLE_T);
      expect({ code: e.code, reason: e.reason, file: e.file, line: e.line, field: e.field }).toEqual({
        code: 'INVALID_ROW',
        reason: 'bad_type',
        file: 't.jsonl',
        line: 3,
        field: 'input_length',
      });
      expect(e.message).toBe('t.jsonl:3: input_length: expected a non-negative integer, got "abc"');
    });

    it.each([
      ['invalid JSON', '{"input_length": 5,', 'invalid_json', 'json'],
      ['a non-object line', '[1, 2]', 'not_an_object', 'row'],
      ['a string where an integer belongs', '{"input_length": "abc"}', 'bad_type', 'input_length'],
      ['a boolean', '{"input_length": true}', 'bad_type', 'input_length'],
      ['a fraction where an integer belongs', '{"input_length": 100.5}', 'bad_type', 'input_length'],
      ['a negative length', '{"input_length": -1}', 'out_of_range', 'input_length'],
      ['a huge length', '{"input_length": 5000000000}', 'out_of_range', 'input_length'],
      ['a negative hash id', '{"input_length": 5, "hash_ids": [1, -1]}', 'out_of_range', 'hash_ids[1]'],
      ['a hash id above 2^64-1', '{"input_length": 5, "hash_ids": [18446744073709551616]}', 'out_of_range', 'hash_ids[0]'],
      ['an inexact float hash id', '{"input_length": 5, "hash_ids": [1e300]}', 'bad_type', 'hash_ids[0]'],
      ['a negative timestamp', '{"input_length": 5, "timestamp": -3}', 'out_of_range', 'timestamp'],
      ['a field and its alias', '{"input_length": 5, "input_tokens": 5}', 'duplicate_field', 'input_length'],
      ['no input mode', '{"output_length": 5}', 'missing_input', 'row'],
      ['invalid UTF-8', new Uint8Array([...bytes('{"input_length": 5, "session_id": "'), 0xff, ...bytes('"}')]), 'invalid_utf8', 'row'],
      ['a BOM after the start', '{"input_length": 5}\n\uFEFF{"input_length": 5}', 'invalid_json', 'json'],
    ] as const)('rejects %s', (label, text, reason, field) => {
      const data = typeof text === 'string' ? bytes(text) : text;
      const e = caught(() => analyzeTraceJson(data, { backend, sourceName: 'bad.jsonl' }));
      expect(e.code).toBe('INVALID_ROW');
      expect(e.reason).toBe(reason);
      expect(e.field).toBe(field);
      expect(e.file).toBe('bad.jsonl');
      expect(e.line).toBe(label === 'a BOM after the start' ? 2 : 1);
      expect(e.message.startsWith(`bad.jsonl:${e.line}: ${field}: `)).toBe(true);
    });

    it('rejects a line longer than 64 MiB as line_too_long, streamed in 1 MiB chunks', () => {
      const a = new TraceAnalyzer({ backend, sourceName: 'long.jsonl' });
      const chunk = new Uint8Array(1 << 20).fill(0x20);
      const e = caught(() => {
        a.push(bytes('{"input_length": 5}\n{"text_input": "'));
        for (let i = 0; i < 65; i++) a.push(chunk);
        a.push(bytes('"}\n'));
        a.finishJson();
      });
      expect([e.code, e.reason, e.line, e.field]).toEqual(['INVALID_ROW', 'line_too_long', 2, 'row']);
    });

    it('reports a truncated last line at finish with its line number', () => {
      const a = new TraceAnalyzer({ backend, sourceName: 'cut.jsonl' });
      a.push(bytes('{"input_length": 5}\n\n{"input_length": 6, "hash_i'));
      const e = caught(() => a.finishJson());
      expect([e.code, e.reason, e.line]).toEqual(['INVALID_ROW', 'invalid_json', 3]);
    });

    it('accepts lax encodings: 100.0 and "100" are 100; aliases equal canonical names', () => {
      const canonical = analyzeTraceJson(bytes('{"input_length": 100, "output_length": 7, "timestamp": 40.5}\n'), { backend });
      expect(analyzeTraceJson(bytes('{"input_length": 100.0, "output_length": "7", "timestamp": 40.5}\n'), { backend })).toBe(canonical);
      expect(analyzeTraceJson(bytes('{"input_tokens": 100, "output_tokens": 7, "created_time": 40.5}\n'), { backend })).toBe(canonical);
    });

    it('keeps u64 hash ids exact', () => {
      const r = analyze(
        '{"input_length": 5, "hash_ids": [18446744073709551615]}\n{"input_length": 5, "hash_ids": ["18446744073709551615"]}\n{"input_length": 5, "hash_ids": [18446744073709551614]}\n',
      );
      expect([r.unique_prefixes, r.num_prefix_groups]).toEqual([2, 1]);
    });

    it('makes the analyzer unusable after an error or after finishing (ANALYZER_STATE)', () => {
      // §8.3: the invalid row throws from push or, if the core buffered it, from finish.
      const a = new TraceAnalyzer({ backend });
      let first: TraceCoreError;
      try {
        a.push(bytes('nope\n'));
        first = caught(() => a.finishJson());
      } catch (err) {
        first = err as TraceCoreError;
      }
      expect([first.code, first.line]).toEqual(['INVALID_ROW', 1]);
      expect(caught(() => a.push(bytes('{"input_length": 1}\n'))).code).toBe('ANALYZER_STATE');
      expect(caught(() => a.finishJson()).code).toBe('ANALYZER_STATE');
      const b = new TraceAnalyzer({ backend });
      b.push(bytes(EXAMPLE_A));
      // warnings and the skip summary belong to a finished analyzer (the core keeps its report)
      expect(caught(() => b.skippedWarning('x')).code).toBe('ANALYZER_STATE');
      b.finishJson();
      expect(b.skippedWarning('x')).toBeNull();
      expect(caught(() => b.push(bytes('\n'))).code).toBe('ANALYZER_STATE');
      expect(caught(() => b.finishJson()).code).toBe('ANALYZER_STATE');
    });

    it('rejects a block size of 0 or beyond 32 bits with INVALID_ARG', () => {
      expect(caught(() => new TraceAnalyzer({ backend, blockSize: 0 })).code).toBe('INVALID_ARG');
      expect(caught(() => new TraceAnalyzer({ backend, blockSize: 2 ** 32 })).code).toBe('INVALID_ARG');
      expect(caught(() => new TraceAnalyzer({ backend, blockSize: 1.5 })).code).toBe('INVALID_ARG');
      // one rule in the core for every option object: the message names the value given
      expect(caught(() => new TraceAnalyzer({ backend, blockSize: 1.5 })).message).toBe(
        "option '--block-size': expected a positive integer, got '1.5'",
      );
    });

    it('raises SIZE_CONFLICT with --check-materialisation (docs/trace-format.md §7.1)', () => {
      const text = '{"input_length":1}\n{"input_length":700,"hash_ids":[7,8]}\n\n\n{"input_length":1100,"hash_ids":[7,8,9]}\n';
      expect(analyze(text).total_requests).toBe(3);
      const e = caught(() => analyzeTraceJson(bytes(text), { backend, sourceName: 't.jsonl', checkMaterialisation: true }));
      expect(e.code).toBe('SIZE_CONFLICT');
      expect(e.message).toBe(
        't.jsonl:5: hash_ids[1]: hash id 8 requested at 512 tokens but was already materialised at 188 tokens (line 2)',
      );
    });
  });

  describe('lenient mode (--skip-invalid)', () => {
    it('skips and counts the invalid rows of docs/trace-format.md §4.4', () => {
      const a = new TraceAnalyzer({ backend, skipInvalid: true, sourceName: 't.jsonl' });
      a.push(bytes(FORMAT_EXAMPLE_T));
      const r = a.finish();
      expect([r.total_requests, r.skipped_invalid_rows]).toEqual([2, 4]);
      expect(a.skippedWarning('t.jsonl')).toBe(
        'warning: skipped 4 invalid rows in t.jsonl (not_an_object: 1 [line 5]; conflicting_inputs: 1 [line 6]; bad_type: 1 [line 3]; out_of_range: 1 [line 4])',
      );
      expect(JSON.stringify(a.skipped)).toContain('bad_type');
    });

    it('analyses like the file with the invalid lines deleted, except skipped_invalid_rows', () => {
      const clean = generateTrace({ rows: 60, seed: 3 }).split('\n').slice(0, -1);
      const dirty: string[] = [];
      clean.forEach((line, i) => {
        dirty.push(line);
        if (i % 7 === 0) dirty.push(i % 2 ? '{"input_length": -4}' : '{oops');
      });
      const cleanReport = analyze(`${clean.join('\n')}\n`);
      const a = new TraceAnalyzer({ backend, skipInvalid: true });
      a.push(bytes(`${dirty.join('\n')}\n`));
      const dirtyReport = a.finish();
      expect(dirtyReport.skipped_invalid_rows).toBe(dirty.length - clean.length);
      expect({ ...dirtyReport, skipped_invalid_rows: 0 }).toEqual(cleanReport);
      expect(a.skippedWarning('x')).toMatch(
        /^warning: skipped 9 invalid rows in x \(invalid_json: 5 \[line 2, 18, 34, 50, 66\]; out_of_range: 4 \[line 10, 26, 42, 58\]\)$/,
      );
    });

    it('proceeds with zero rows when every row is invalid', () => {
      const a = new TraceAnalyzer({ backend, skipInvalid: true });
      a.push(bytes('x\ny\n'));
      const r = a.finish();
      expect([r.total_requests, r.skipped_invalid_rows, r.isl_stats]).toEqual([0, 2, null]);
    });
  });
});
