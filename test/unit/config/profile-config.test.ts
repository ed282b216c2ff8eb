import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../ts/src/errors.js';
import { normalizeUrl, parseKeyValueList, resolveProfileConfig, type ProfileOptions } from '../../../ts/src/config/profile-config.js';

const resolve = (o: Partial<ProfileOptions>) => resolveProfileConfig({ model: ['m'], ...o }, 'infermark profile');

function message(o: Partial<ProfileOptions>): string {
  try {
    resolve(o);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('profile defaults', () => {
  it('uses the docs/cli.md §3 defaults', () => {
    const c = resolve({});
    expect(c.endpoint.urls).toEqual(['http://localhost:8000']);
    expect(c.endpoint.path).toBe('/v1/chat/completions');
    expect(c.endpoint.timeoutSeconds).toBe(21600);
    expect(c.endpoint.streamUsage).toBe(true);
    expect(c.endpoint.connectionReuseStrategy).toBe('pooled');
    expect(c.dataset).toMatchObject({ isl: 550, islStddev: 0, osl: null, numDatasetEntries: 100, randomSeed: 0n });
    expect(c.load.mode).toEqual({ kind: 'concurrency', concurrency: 1 });
    expect(c.load.requestCount).toBe(10);
    expect(c.load.benchmarkGracePeriod).toBe(30);
    expect(c.load.warmupRequestCount).toBe(0);
    expect(c.tokenizer).toBe('builtin');
  });

  it('defaults the request count to max(10, 2·C), else ceil(rate)-based', () => {
    expect(resolve({ concurrency: 8 }).load.requestCount).toBe(16);
    expect(resolve({ concurrency: 3 }).load.requestCount).toBe(10);
    expect(resolve({ requestRate: 7.5 }).load.requestCount).toBe(16);
    expect(resolve({ benchmarkDuration: 5 }).load.requestCount).toBeNull();
  });

  it('uses /v1/completions for the completions endpoint unless --endpoint overrides', () => {
    expect(resolve({ endpointType: 'completions' }).endpoint.path).toBe('/v1/completions');
    expect(resolve({ endpointType: 'completions', endpoint: '/x' }).endpoint.path).toBe('/x');
  });

  it('accepts --ui dashboard as simple with a notice', () => {
    const c = resolve({ ui: 'dashboard' });
    expect(c.output.ui).toBe('simple');
    expect(c.notices).toEqual(["--ui dashboard is not available; showing the 'simple' progress line"]);
    expect(resolve({ ui: 'none' }).notices).toEqual([]);
  });

  it('accepts --warmup-request-count 0 as no warmup', () => {
    expect(resolve({ warmupRequestCount: 0 }).load.warmupRequestCount).toBe(0);
  });
});

describe('profile validation (docs/cli.md §3.6)', () => {
  const cases: Array<[string, Partial<ProfileOptions>, string]> = [
    ['1', { model: [] }, "required option '--model <name>' not specified"],
    ['2', { requestRate: 1, userCentricRate: 1 }, "option '--request-rate' cannot be used with option '--user-centric-rate'"],
    ['3', { fixedSchedule: true, requestRate: 1 }, "option '--fixed-schedule' cannot be used with option '--request-rate'"],
    ['4', { fixedSchedule: true }, "option '--fixed-schedule' requires an --input-file whose rows have timestamps"],
    ['5', { fixedScheduleEndOffset: 5 }, "option '--fixed-schedule-end-offset' requires a fixed schedule"],
    ['6', { arrivalPattern: 'gamma' }, "option '--arrival-pattern' requires option '--request-rate'"],
    ['7', { requestRate: 1, arrivalSmoothness: 2 }, "option '--arrival-smoothness' requires '--arrival-pattern gamma'"],
    ['8', { benchmarkGracePeriod: 5 }, "option '--benchmark-grace-period' requires option '--benchmark-duration'"],
    ['9', { userCentricRate: 1, numUsers: 2, requestCount: 5 }, "option '--user-centric-rate' requires '--session-turns-mean' >= 2"],
    ['10', { numUsers: 3 }, "option '--num-users' requires option '--user-centric-rate'"],
    ['11', { requestCancellationDelay: 1 }, "option '--request-cancellation-delay' requires option '--request-cancellation-rate'"],
    ['12', { warmupRequestCount: 1, warmupDuration: 1 }, "option '--warmup-request-count' cannot be used with option '--warmup-duration'"],
    ['13', { inputFile: 'x.jsonl', isl: 5 }, "option '--isl' cannot be used with option '--input-file'"],
    ['14', { customDatasetType: 'mooncake_trace' }, "option '--custom-dataset-type' requires option '--input-file'"],
    ['17', { serverMetrics: ['x'], noServerMetrics: true }, "option '--server-metrics' cannot be used with option '--no-server-metrics'"],
    ['19', { url: ['ftp://x'] }, "option '--url <url>': expected an http or https URL, got 'ftp://x'"],
    ['20', { concurrency: 2, workers: 4 }, "option '--workers': 4 workers but only 2 concurrent sessions"],
  ];
  for (const [rule, opts, msg] of cases) {
    it(`rule ${rule}: ${msg}`, () => {
      expect(message(opts)).toBe(msg);
    });
  }

  it('applies rule 20 to a rate-mode --concurrency ceiling too', () => {
    expect(message({ requestRate: 10, concurrency: 1, workers: 2 })).toBe("option '--workers': 2 workers but only 1 concurrent sessions");
    expect(resolve({ requestRate: 10, workers: 2 }).load.workers).toBe(2);
  });

  it('rejects overriding X-Request-ID', () => {
    expect(message({ header: ['X-Request-ID:abc'] })).toBe("option '--header': cannot override 'X-Request-ID'");
  });

  it('rejects a header name or value that HTTP forbids before any traffic (was a ConnectionError on every request)', () => {
    expect(message({ header: ['a b:c'] })).toBe("option '--header': invalid header name 'a b'");
    expect(message({ header: ['{"X-Ünicode": "v"}'] })).toBe("option '--header': invalid header name 'X-Ünicode'");
    expect(message({ header: ['{"X-A": "line\\nbreak"}'] })).toBe("option '--header': invalid character in the value of header 'X-A'");
    expect(resolve({ header: ['X-Trace: a;b=c, d'] }).endpoint.headers).toMatchObject({ 'X-Trace': 'a;b=c, d' });
  });

  it('reads an --endpoint without a leading slash as a path (was a ConnectionError on every request)', () => {
    expect(resolve({ endpoint: 'v1/chat/completions' }).endpoint.path).toBe('/v1/chat/completions');
    expect(resolve({ endpoint: '/custom/path' }).endpoint.path).toBe('/custom/path');
    expect(resolve({ endpointType: 'completions' }).endpoint.path).toBe('/v1/completions');
  });

  it('rejects an --input-file in this version with a clear message instead of ignoring it', () => {
    expect(message({ inputFile: 'trace.jsonl' })).toMatch(/^option '--input-file' is not supported/);
  });
});

describe('list parsing', () => {
  it('prepends http:// and keeps https', () => {
    expect(normalizeUrl('localhost:8000')).toBe('http://localhost:8000');
    expect(normalizeUrl('https://h/')).toBe('https://h');
  });

  it('uses JSON literals in --extra-inputs and strings otherwise', () => {
    expect(
      parseKeyValueList('--extra-inputs', ['ignore_eos:true', 'temperature:0', 'stop:###', 'x:[1,2]', 'n:null', 'name:abc'], {
        jsonValues: true,
      }),
    ).toEqual({
      ignore_eos: true,
      temperature: 0,
      stop: '###',
      x: [1, 2],
      n: null,
      name: 'abc',
    });
    expect(parseKeyValueList('--extra-inputs', ['{"a": {"b": 1}}'], { jsonValues: true })).toEqual({ a: { b: 1 } });
  });

  it('keeps header values verbatim, colons included', () => {
    expect(parseKeyValueList('--header', ['X-A: b:c'], { jsonValues: false })).toEqual({ 'X-A': 'b:c' });
  });
});

describe('synthetic multi-turn flags', () => {
  it('turns multi-turn on with --num-sessions or more than one turn', () => {
    expect(resolve({ numSessions: 4 }).dataset.multiTurn).toBe(true);
    expect(resolve({ sessionTurnsMean: 3 }).dataset.multiTurn).toBe(true);
    expect(resolve({ sessionTurnsMean: 1 }).dataset.multiTurn).toBe(false);
  });

  it('refuses rate mode with sessions and think times without sessions', () => {
    expect(message({ numSessions: 4, requestRate: 2 })).toMatch(
      /^option '--request-rate' cannot be used with synthetic multi-turn sessions/,
    );
    expect(message({ sessionTurnDelayMean: 5 })).toMatch(/^option '--session-turn-delay-mean' requires multi-turn sessions/);
  });
});
