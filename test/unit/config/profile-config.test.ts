import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../ts/src/errors.js';
import {
  automaticFixedScheduleNotice,
  normalizeUrl,
  parseKeyValueList,
  resolveProfileConfig,
  withDatasetFacts,
  type DatasetFacts,
  type ProfileOptions,
} from '../../../ts/src/config/profile-config.js';

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

  it('serves the live dashboard with --ui dashboard on port 8051 unless --dashboard-port says otherwise, keeping the progress line', () => {
    const c = resolve({ ui: 'dashboard' });
    expect(c.output.dashboard).toEqual({ port: 8051 });
    // The progress line follows stderr as without --ui: redrawn on a terminal, a line every 10 s otherwise.
    expect(c.output.ui).toBe(process.stderr.isTTY ? 'simple' : 'none');
    expect(c.notices).toEqual([]);
    expect(resolve({ ui: 'dashboard', dashboardPort: 0 }).output.dashboard).toEqual({ port: 0 });
    expect(resolve({ ui: 'simple' }).output).toMatchObject({ ui: 'simple', dashboard: null });
    expect(resolve({}).output.dashboard).toBeNull();
  });

  it('refuses --dashboard-port without --ui dashboard', () => {
    expect(message({ dashboardPort: 9000 })).toBe("option '--dashboard-port' requires option '--ui dashboard'");
    expect(message({ ui: 'simple', dashboardPort: 9000 })).toBe("option '--dashboard-port' requires option '--ui dashboard'");
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
    [
      '21',
      { isl: 1_000_000, numDatasetEntries: 11 },
      "options '--isl' 1000000 × '--num-dataset-entries' 11 ask for 11000000 synthetic prompt tokens; at most 10000000 are allowed",
    ],
    [
      '21',
      { isl: 90_001, sharedSystemPromptLength: 1_000_000 },
      "options '--isl' 90001 × '--num-dataset-entries' 100 + '--shared-system-prompt-length' 1000000 ask for 10000100 synthetic prompt tokens; at most 10000000 are allowed",
    ],
    [
      '22',
      { numSessions: 1_000_000, sessionTurnsMean: 2 },
      "options '--num-sessions' 1000000 × '--session-turns-mean' 2 ask for 2000000 session turns; at most 1000000 are allowed",
    ],
  ];
  for (const [rule, opts, msg] of cases) {
    it(`rule ${rule}: ${msg}`, () => {
      expect(message(opts)).toBe(msg);
    });
  }

  it('allows exactly the limits of rules 21 and 22', () => {
    expect(resolve({ isl: 90_000, sharedSystemPromptLength: 1_000_000 }).dataset.isl).toBe(90_000);
    expect(resolve({ numSessions: 500_000, sessionTurnsMean: 2 }).dataset.numSessions).toBe(500_000);
  });

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

/** A Mooncake trace of 3 turns whose rows all have timestamps (the tutorial's file). */
const TIMESTAMPED: DatasetFacts = { type: 'mooncake_trace', turns: 3, firstRowHasTimestamp: true, firstTurnsTimestamped: true };
const UNTIMED: DatasetFacts = { type: 'mooncake_trace', turns: 3, firstRowHasTimestamp: false, firstTurnsTimestamped: false };
const withFile = (o: Partial<ProfileOptions>, facts: DatasetFacts) => withDatasetFacts(resolve({ inputFile: 't.jsonl', ...o }), facts);

function factsMessage(o: Partial<ProfileOptions>, facts: DatasetFacts): string {
  try {
    withFile(o, facts);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('file datasets: mode selection (docs/cli.md §3.4)', () => {
  it('replays a timestamped mooncake_trace as a fixed schedule without --fixed-schedule, marked automatic', () => {
    const c = withFile({}, TIMESTAMPED);
    expect(c.load.mode).toEqual({
      kind: 'fixed-schedule',
      concurrency: null,
      autoOffset: true,
      startOffsetMs: null,
      endOffsetMs: null,
      automatic: true,
    });
    expect(automaticFixedScheduleNotice('t.jsonl')).toBe(
      't.jsonl is a mooncake_trace with timestamps: replaying them as a fixed schedule (--no-fixed-schedule sends its rows without their timing)',
    );
  });

  it('marks an explicit --fixed-schedule as not automatic', () => {
    expect(withFile({ fixedSchedule: true }, TIMESTAMPED).load.mode).toMatchObject({ kind: 'fixed-schedule', automatic: false });
  });

  it('keeps the closed loop for --no-fixed-schedule, a rate for --request-rate, and without timestamps', () => {
    expect(withFile({ fixedSchedule: false }, TIMESTAMPED).load.mode).toEqual({ kind: 'concurrency', concurrency: 1 });
    expect(withFile({ requestRate: 5 }, TIMESTAMPED).load.mode).toMatchObject({ kind: 'rate', rate: 5 });
    expect(withFile({}, UNTIMED).load.mode).toEqual({ kind: 'concurrency', concurrency: 1 });
  });

  it('chooses the fixed schedule automatically for Mooncake traces only', () => {
    expect(withFile({}, { ...TIMESTAMPED, type: 'single_turn' }).load.mode.kind).toBe('concurrency');
  });

  it('takes --concurrency as the ceiling of an automatic fixed schedule', () => {
    expect(withFile({ concurrency: 4 }, TIMESTAMPED).load.mode).toMatchObject({ kind: 'fixed-schedule', concurrency: 4 });
  });

  it('uses the start offset as the schedule zero, and no auto offset with --no-fixed-schedule-auto-offset', () => {
    expect(withFile({ fixedScheduleStartOffset: 10, fixedScheduleEndOffset: 20 }, TIMESTAMPED).load.mode).toMatchObject({
      autoOffset: false,
      startOffsetMs: 10,
      endOffsetMs: 20,
    });
    expect(withFile({ fixedScheduleAutoOffset: false }, TIMESTAMPED).load.mode).toMatchObject({ autoOffset: false, startOffsetMs: null });
  });

  it('sends every turn once by default, and runs until the duration with --benchmark-duration alone', () => {
    expect(withFile({}, TIMESTAMPED).load.requestCount).toBe(3);
    expect(withFile({ fixedSchedule: false, concurrency: 2 }, { ...UNTIMED, turns: 12031 }).load.requestCount).toBe(12031);
    expect(withFile({ benchmarkDuration: 5 }, TIMESTAMPED).load.requestCount).toBeNull();
    expect(withFile({ requestCount: 2 }, TIMESTAMPED).load.requestCount).toBe(2);
  });

  it('describes the file for the reader: window, transform flags and the timestamps a fixed schedule requires', () => {
    const c = withFile(
      {
        fixedSchedule: true,
        fixedScheduleStartOffset: 5,
        synthesisSpeedupRatio: '2',
        synthesisMaxIsl: 100,
        skipInvalid: true,
        blockSize: 16,
      },
      TIMESTAMPED,
    );
    expect(c.dataset.file).toEqual({
      path: 't.jsonl',
      type: 'mooncake_trace',
      skipInvalid: true,
      blockSize: 16,
      synthesis: { synthesisSpeedupRatio: '2', synthesisMaxIsl: 100 },
      windowStartMs: 5,
      windowEndMs: null,
      requireTimestamps: true,
      facts: TIMESTAMPED,
    });
    expect(resolve({ inputFile: 't.jsonl' }).dataset.file).toMatchObject({
      type: null,
      synthesis: null,
      requireTimestamps: false,
      facts: null,
    });
    expect(resolve({}).dataset.file).toBeNull();
  });
});

describe('file datasets: the rules of docs/cli.md §3.6 that depend on the file', () => {
  it('rule 3: --fixed-schedule conflicts with --request-rate and --user-centric-rate', () => {
    expect(message({ inputFile: 't.jsonl', fixedSchedule: true, requestRate: 2 })).toBe(
      "option '--fixed-schedule' cannot be used with option '--request-rate'",
    );
    expect(message({ fixedSchedule: true, userCentricRate: 2, numUsers: 2, sessionTurnsMean: 2, requestCount: 4 })).toBe(
      "option '--fixed-schedule' cannot be used with option '--user-centric-rate'",
    );
  });

  it('rule 4: a fixed schedule needs every first turn timestamped, chosen automatically or not', () => {
    const msg = "option '--fixed-schedule' requires an --input-file whose rows have timestamps";
    const partly: DatasetFacts = { ...TIMESTAMPED, firstTurnsTimestamped: false };
    expect(factsMessage({}, partly)).toBe(msg);
    expect(factsMessage({ fixedSchedule: true }, UNTIMED)).toBe(msg);
    let hints: readonly string[] = [];
    try {
      withFile({}, partly);
    } catch (err) {
      hints = (err as UsageError).hints;
    }
    expect(hints).toEqual([
      'the first turn of some session in t.jsonl has no timestamp; --no-fixed-schedule replays the file without its timing',
    ]);
    expect(withFile({ fixedSchedule: false }, partly).load.mode.kind).toBe('concurrency');
  });

  it('rule 5: the offsets need a fixed schedule — known from the flags, or once the file shows no timestamps', () => {
    expect(message({ inputFile: 't.jsonl', fixedSchedule: false, fixedScheduleEndOffset: 5 })).toBe(
      "option '--fixed-schedule-end-offset' requires a fixed schedule",
    );
    expect(message({ inputFile: 't.jsonl', requestRate: 3, fixedScheduleStartOffset: 5 })).toBe(
      "option '--fixed-schedule-start-offset' requires a fixed schedule",
    );
    // Undecided until the file is read: the trace may have timestamps.
    expect(resolve({ inputFile: 't.jsonl', fixedScheduleEndOffset: 5 }).load.mode.kind).toBe('concurrency');
    expect(factsMessage({ fixedScheduleEndOffset: 5 }, UNTIMED)).toBe("option '--fixed-schedule-end-offset' requires a fixed schedule");
    expect(factsMessage({ fixedScheduleAutoOffset: false }, UNTIMED)).toBe(
      "option '--fixed-schedule-auto-offset' requires a fixed schedule",
    );
    expect(message({ inputFile: 't.jsonl', fixedScheduleStartOffset: 9, fixedScheduleEndOffset: 5 })).toBe(
      "option '--fixed-schedule-start-offset' must not exceed option '--fixed-schedule-end-offset'",
    );
    expect(message({ inputFile: 't.jsonl', fixedScheduleStartOffset: 1, fixedScheduleAutoOffset: true })).toBe(
      "option '--fixed-schedule-start-offset' cannot be used with option '--fixed-schedule-auto-offset'",
    );
  });

  it('rule 13: every synthetic-only flag conflicts with --input-file', () => {
    const flags: Array<[Partial<ProfileOptions>, string]> = [
      [{ isl: 5 }, '--isl'],
      [{ islStddev: 1 }, '--isl-stddev'],
      [{ oslStddev: 1 }, '--osl-stddev'],
      [{ numDatasetEntries: 4 }, '--num-dataset-entries'],
      [{ numSessions: 2 }, '--num-sessions'],
      [{ sessionTurnsMean: 2 }, '--session-turns-mean'],
      [{ sessionTurnsStddev: 1 }, '--session-turns-stddev'],
      [{ sessionTurnDelayMean: 1 }, '--session-turn-delay-mean'],
      [{ sessionTurnDelayStddev: 1 }, '--session-turn-delay-stddev'],
      [{ sharedSystemPromptLength: 8 }, '--shared-system-prompt-length'],
      [{ promptPrefixPoolSize: 2, promptPrefixLength: 8 }, '--prompt-prefix-pool-size'],
    ];
    for (const [o, flag] of flags)
      expect(message({ inputFile: 't.jsonl', ...o })).toBe(`option '${flag}' cannot be used with option '--input-file'`);
    // --osl is the fallback max-tokens of rows without output_length.
    expect(resolve({ inputFile: 't.jsonl', osl: 7 }).dataset.osl).toBe(7);
  });

  it('prefix prompts need both flags, and neither the shared system prompt nor sessions', () => {
    expect(message({ promptPrefixPoolSize: 2 })).toBe("option '--prompt-prefix-pool-size' requires option '--prompt-prefix-length'");
    expect(message({ promptPrefixLength: 2 })).toBe("option '--prompt-prefix-length' requires option '--prompt-prefix-pool-size'");
    expect(message({ promptPrefixPoolSize: 2, promptPrefixLength: 8, sharedSystemPromptLength: 4 })).toBe(
      "option '--prompt-prefix-pool-size' cannot be used with option '--shared-system-prompt-length'",
    );
    expect(message({ promptPrefixPoolSize: 2, promptPrefixLength: 8, sessionTurnsMean: 2 })).toContain('multi-turn sessions');
    expect(resolve({ promptPrefixPoolSize: 2, promptPrefixLength: 8 }).dataset.prefixPrompts).toEqual({ poolSize: 2, length: 8 });
    expect(resolve({ promptPrefixPoolSize: 0, promptPrefixLength: 0 }).dataset.prefixPrompts).toBeNull();
    expect(message({ isl: 10, promptPrefixPoolSize: 100, promptPrefixLength: 1_000_000 })).toContain(
      "+ '--prompt-prefix-pool-size' 100 × '--prompt-prefix-length' 1000000 ask for 100001000 synthetic prompt tokens",
    );
  });

  it('--system-prompt and --system-prompt-file: one of them, and no generated system prompt or prefix with it', () => {
    expect(message({ systemPrompt: 'a', systemPromptFile: 'f' })).toBe(
      "option '--system-prompt' cannot be used with option '--system-prompt-file'",
    );
    expect(message({ systemPromptFile: 'f', sharedSystemPromptLength: 4 })).toBe(
      "option '--system-prompt-file' cannot be used with option '--shared-system-prompt-length'",
    );
    expect(message({ systemPrompt: 'a', promptPrefixPoolSize: 2, promptPrefixLength: 4 })).toBe(
      "option '--system-prompt' cannot be used with option '--prompt-prefix-pool-size'",
    );
    expect(message({ systemPrompt: '  ' })).toBe("option '--system-prompt <text>': expected a non-empty text, got ''");
    expect(resolve({ systemPrompt: 'Be brief.' }).dataset.systemPrompt).toEqual({ text: 'Be brief.', file: null });
    expect(resolve({ inputFile: 't.jsonl', systemPromptFile: 's.txt' }).dataset.systemPrompt).toEqual({ text: null, file: 's.txt' });
  });

  it('--session-header: a valid header name, lower case, and none infermark sets itself', () => {
    expect(resolve({ sessionHeader: 'X-Session-ID' }).endpoint.sessionHeader).toBe('x-session-id');
    expect(resolve({}).endpoint.sessionHeader).toBeNull();
    expect(message({ sessionHeader: 'bad header' })).toBe("option '--session-header <name>': invalid header name 'bad header'");
    expect(message({ sessionHeader: 'X-Request-ID' })).toContain("cannot carry the session id in 'X-Request-ID'");
  });

  it('rule 14: the file flags require --input-file', () => {
    expect(message({ customDatasetType: 'single_turn' })).toBe("option '--custom-dataset-type' requires option '--input-file'");
    expect(message({ skipInvalid: true })).toBe("option '--skip-invalid' requires option '--input-file'");
    expect(message({ blockSize: 16 })).toBe("option '--block-size' requires option '--input-file'");
  });

  it('rule 15: the transform needs a mooncake_trace input — given, or once inferred', () => {
    expect(message({ synthesisSpeedupRatio: '2' })).toBe("option '--synthesis-speedup-ratio' requires a mooncake_trace --input-file");
    expect(message({ inputFile: 't.jsonl', customDatasetType: 'single_turn', synthesisMaxOsl: 3 })).toBe(
      "option '--synthesis-max-osl' requires a mooncake_trace --input-file",
    );
    expect(resolve({ inputFile: 't.jsonl', synthesisPrefixRootMultiplier: 2 }).dataset.file?.synthesis).toEqual({
      synthesisPrefixRootMultiplier: 2,
    });
    expect(factsMessage({ synthesisPromptLenMultiplier: '0.5' }, { ...UNTIMED, type: 'multi_turn' })).toBe(
      "option '--synthesis-prompt-len-multiplier' requires a mooncake_trace --input-file",
    );
    expect(withFile({ synthesisPromptLenMultiplier: '0.5' }, UNTIMED).dataset.file?.type).toBe('mooncake_trace');
  });

  it('rule 18: --request-count may not exceed the turns of a fixed schedule', () => {
    expect(factsMessage({ requestCount: 20000 }, { ...TIMESTAMPED, turns: 12031 })).toBe(
      "option '--request-count': 20000 exceeds the 12031 turns of the fixed schedule",
    );
    expect(withFile({ requestCount: 3 }, TIMESTAMPED).load.requestCount).toBe(3);
    // Without a fixed schedule more requests than turns are the engine's business (not this rule).
    expect(withFile({ requestCount: 20000, fixedSchedule: false }, TIMESTAMPED).load.requestCount).toBe(20000);
  });

  it('rule 20: --workers against the sessions the mode runs, once the file decided the mode', () => {
    expect(factsMessage({ workers: 2 }, UNTIMED)).toBe("option '--workers': 2 workers but only 1 concurrent sessions");
    expect(withFile({ workers: 4 }, TIMESTAMPED).load.workers).toBe(4);
    expect(factsMessage({ workers: 4, concurrency: 2 }, TIMESTAMPED)).toBe("option '--workers': 4 workers but only 2 concurrent sessions");
    // Decided by the flags alone: refused before the file is read.
    expect(message({ inputFile: 't.jsonl', fixedSchedule: false, workers: 2 })).toBe(
      "option '--workers': 2 workers but only 1 concurrent sessions",
    );
  });
});

describe('user-centric mode (docs/cli.md §3.4 mode 2)', () => {
  it('resolves --user-centric-rate and --num-users into the user-centric mode', () => {
    const c = resolve({ userCentricRate: 4, numUsers: 8, sessionTurnsMean: 3, requestCount: 40 });
    expect(c.load.mode).toEqual({ kind: 'user-centric', rate: 4, users: 8, concurrency: null });
    expect(c.load.requestCount).toBe(40);
    expect(resolve({ userCentricRate: 4, numUsers: 8, sessionTurnsMean: 3, benchmarkDuration: 5 }).load.requestCount).toBeNull();
  });

  it('rule 9: requires --num-users, a synthetic dataset, two turns and a stop condition', () => {
    const base = { userCentricRate: 4, numUsers: 8, sessionTurnsMean: 3, requestCount: 40 };
    expect(message({ ...base, numUsers: undefined })).toBe("option '--user-centric-rate' requires option '--num-users'");
    expect(message({ ...base, sessionTurnsMean: undefined, inputFile: 't.jsonl' })).toBe(
      "option '--user-centric-rate' requires a synthetic dataset",
    );
    expect(message({ ...base, requestCount: undefined })).toBe(
      "option '--user-centric-rate' requires option '--request-count' or '--benchmark-duration'",
    );
    expect(message({ ...base, sessionTurnDelayMean: 5 })).toBe(
      "option '--user-centric-rate' cannot be used with option '--session-turn-delay-mean'",
    );
  });
});

describe('credentials in a URL (docs/cli.md §3.1)', () => {
  const basic = (pair: string) => `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;

  it('takes user:password out of --url and sends it as Basic credentials (was shown in clear and never sent)', () => {
    const c = resolve({ url: ['http://alice:s3cret@h:8000/v1', 'other:9000'] });
    expect(c.endpoint.urls).toEqual(['http://h:8000/v1', 'http://other:9000']);
    expect(c.endpoint.basicAuthorization).toEqual([basic('alice:s3cret'), null]);
    expect(c.notices).toEqual([]);
  });

  it('percent-decodes them (RFC 3986) and encodes them as UTF-8 (RFC 7617); a scheme-less URL has them too', () => {
    expect(resolve({ url: ['b%C3%B6b:p%40ss%3Aword@h:1'] }).endpoint.basicAuthorization).toEqual([basic('böb:p@ss:word')]);
    expect(resolve({ url: ['https://token@h'] }).endpoint).toMatchObject({ urls: ['https://h'], basicAuthorization: [basic('token:')] });
    expect(resolve({ url: ['http://@h'] }).endpoint).toMatchObject({ urls: ['http://h'], basicAuthorization: [null] });
  });

  it('rejects a malformed percent-encoding without showing the password', () => {
    expect(message({ url: ['http://u:pw%zz@h'] })).toBe(
      "option '--url <url>': invalid percent-encoding in the user:password of 'http://***@h'",
    );
  });

  it('does not show the password of a --url it rejects', () => {
    expect(message({ url: ['ftp://u:hunter22@h'] })).toBe("option '--url <url>': expected an http or https URL, got 'ftp://***@h'");
  });

  it('takes them out of --server-metrics too, keeping the URL as written', () => {
    const c = resolve({ serverMetrics: ['bob:m3trics@h:1', 'http://h:2/metrics'] });
    expect(c.output.serverMetricsUrls).toEqual(['h:1', 'http://h:2/metrics']);
    expect(c.output.serverMetricsAuthorization).toEqual([basic('bob:m3trics'), null]);
    expect(message({ serverMetrics: ['ftp://u:hunter22@h'] })).toBe(
      "option '--server-metrics <urls>': expected an http or https URL, got 'ftp://***@h'",
    );
  });

  it('says which Authorization is sent when --api-key, -H Authorization or a URL user:password meet', () => {
    expect(resolve({ url: ['http://u:pw@h'], apiKey: 'sk-1' }).notices).toEqual([
      "the user:password of '--url' is not sent: '--api-key' sets the Authorization header",
    ]);
    expect(resolve({ apiKey: 'sk-1', header: ['authorization: Bearer other'] }).notices).toEqual([
      "'-H Authorization' is sent instead of the 'Authorization: Bearer' of '--api-key'",
    ]);
    expect(resolve({ url: ['http://u:pw@h'], apiKey: 'sk-1', header: ['{"Authorization": "Bearer other"}'] }).notices).toEqual([
      "'-H Authorization' is sent instead of the 'Authorization: Bearer' of '--api-key'",
      "the user:password of '--url' is not sent: '-H Authorization' sets the Authorization header",
    ]);
  });
});
