import { describe, expect, it } from 'vitest';
import { exportFileNames, normalizePrefix, resolveArtifactDir, runName } from '../../../ts/src/report/artifact-dir.js';
import { toJson, jf } from '../../../ts/src/report/json-writer.js';
import { formatAiperfFloat, formatConsole2, formatFixed2 } from '../../../ts/src/report/number-format.js';
import { formatCliCommand, isSecretHeader, redactHeaders, SecretScrubber } from '../../../ts/src/report/redact.js';
import { isoMicros } from '../../../ts/src/report/time-format.js';

describe('number formats', () => {
  it('writes AIPerf floats: positional in [1e-5, 1e16) with a fractional digit, else scientific', () => {
    expect(formatAiperfFloat(100)).toBe('100.0');
    expect(formatAiperfFloat(0)).toBe('0.0');
    expect(formatAiperfFloat(0.23)).toBe('0.23');
    expect(formatAiperfFloat(0.00001)).toBe('0.00001');
    expect(formatAiperfFloat(0.000012)).toBe('0.000012');
    expect(formatAiperfFloat(1e15)).toBe('1000000000000000.0');
    expect(formatAiperfFloat(5e-6)).toBe('5e-6');
    expect(formatAiperfFloat(9.99e-6)).toBe('9.99e-6');
    expect(formatAiperfFloat(1e16)).toBe('1e+16');
    expect(formatAiperfFloat(1.2345678901234568e17)).toBe('1.2345678901234568e+17');
    expect(formatAiperfFloat(-2.5)).toBe('-2.5');
    expect(formatAiperfFloat(33.333333333333336)).toBe('33.333333333333336');
    expect(() => formatAiperfFloat(Infinity)).toThrow();
  });

  it('rounds 2-decimal cells half to even on the exact binary value', () => {
    expect(formatFixed2(0.125)).toBe('0.12');
    expect(formatFixed2(0.375)).toBe('0.38');
    expect(formatFixed2(2.675)).toBe('2.67'); // 2.67499999… in binary
    expect(formatFixed2(1.005)).toBe('1.00'); // 1.00499999…
    expect(formatFixed2(8.695652173913043)).toBe('8.70');
    expect(formatFixed2(-0.125)).toBe('-0.12');
    expect(formatFixed2(0)).toBe('0.00');
  });

  it('adds thousands separators on the console', () => {
    expect(formatConsole2(1234567.891)).toBe('1,234,567.89');
    expect(formatConsole2(999.999)).toBe('1,000.00');
    expect(formatConsole2(12)).toBe('12.00');
  });

  it('keeps key order, writes bigints and marked floats', () => {
    expect(toJson({ b: 1, a: jf(2), n: 10n ** 18n, l: [jf(20), 0.5], s: 'x"y', z: null, u: undefined })).toBe(
      '{"b":1,"a":2.0,"n":1000000000000000000,"l":[20.0,0.5],"s":"x\\"y","z":null}',
    );
    expect(toJson({ a: { b: [] } }, 2)).toBe('{\n  "a": {\n    "b": []\n  }\n}');
  });

  it('formats ISO timestamps with microseconds', () => {
    expect(isoMicros(1769900852596754321n)).toBe('2026-01-31T23:07:32.596754Z');
  });
});

describe('artifact directory naming', () => {
  const base = { endpointType: 'chat' as const };
  it('names the run after model, endpoint and stimulus', () => {
    expect(runName({ ...base, models: ['Qwen/Qwen3-0.6B'], stimulus: { kind: 'concurrency', concurrency: 100 } })).toBe(
      'Qwen_Qwen3-0.6B-openai-chat-concurrency100',
    );
    expect(runName({ ...base, models: ['m'], stimulus: { kind: 'request_rate', rate: 10 } })).toBe('m-openai-chat-request_rate10.0');
    expect(runName({ ...base, models: ['m'], stimulus: { kind: 'request_rate', rate: 2.5, concurrency: 8 } })).toBe(
      'm-openai-chat-concurrency8-request_rate2.5',
    );
    expect(runName({ endpointType: 'completions', models: ['m'], stimulus: { kind: 'fixed_schedule' } })).toBe(
      'm-openai-completions-fixed_schedule',
    );
    expect(runName({ ...base, models: ['m'], stimulus: { kind: 'user_centric', users: 4, rate: 0.1 } })).toBe(
      'm-openai-chat-user_centric-users4-qps0.1',
    );
  });

  it('suffixes _multi for several models and replaces unsafe characters', () => {
    expect(runName({ ...base, models: ['org/a b:c', 'x'], stimulus: { kind: 'concurrency', concurrency: 1 } })).toBe(
      'org_a_b_c_multi-openai-chat-concurrency1',
    );
  });

  it('writes directly into an explicit --artifact-dir, else into a run sub-directory', () => {
    const input = { ...base, models: ['m'], stimulus: { kind: 'concurrency' as const, concurrency: 2 } };
    expect(resolveArtifactDir({ ...input, artifactDir: 'artifacts/pareto-c2', explicit: true })).toBe('artifacts/pareto-c2');
    expect(resolveArtifactDir({ ...input, artifactDir: null, explicit: false })).toBe('artifacts/m-openai-chat-concurrency2');
  });

  it('strips known suffixes from --profile-export-prefix', () => {
    expect(normalizePrefix('run1.json')).toBe('run1');
    expect(normalizePrefix('run1_aiperf.csv')).toBe('run1');
    expect(normalizePrefix('x_raw.jsonl')).toBe('x');
    const n = exportFileNames('run1.json');
    expect([n.records, n.summaryJson, n.summaryCsv, n.raw, n.timeslicesCsv, n.console, n.inputs]).toEqual([
      'run1.jsonl',
      'run1.json',
      'run1.csv',
      'run1_raw.jsonl',
      'run1_timeslices.csv',
      'run1_console.txt',
      'inputs.json',
    ]);
    expect(exportFileNames(null).summaryJson).toBe('profile_export_aiperf.json');
  });
});

describe('redaction', () => {
  it('recognises credential headers by name', () => {
    for (const h of ['Authorization', 'proxy-authorization', 'Cookie', 'X-API-Key', 'x-auth-token', 'My-Secret', 'api_key'])
      expect(isSecretHeader(h), h).toBe(true);
    for (const h of ['Content-Type', 'X-Request-ID', 'X-Trace']) expect(isSecretHeader(h), h).toBe(false);
    expect(redactHeaders({ Authorization: 'Bearer x', Accept: '*/*' })).toEqual({ Authorization: '***', Accept: '*/*' });
  });

  it('redacts --api-key and secret -H values in the command line', () => {
    expect(
      formatCliCommand([
        'infermark',
        'profile',
        '--api-key',
        'sk-1',
        '--api-key=sk-2',
        '-H',
        'Authorization: Bearer x',
        '--header=X-Trace:1',
        '-H',
        '{"Cookie":"c"}',
      ]),
    ).toBe(`infermark profile --api-key *** --api-key=*** -H 'Authorization: ***' --header=X-Trace:1 -H '{"Cookie":"***"}'`);
  });

  it('keeps a JSON -H one valid JSON object with only the secret values masked (a secret first key once cut it to `{"X-Api-Key": ***`)', () => {
    expect(
      formatCliCommand([
        'infermark',
        'profile',
        '-H',
        '{"X-Api-Key": "k-1", "X-Trace": 1, "Accept": "text/plain"}',
        '--header={"Cookie":"c","X-Flag":true}',
        '-HAuthorization: Bearer x',
      ]),
    ).toBe(
      `infermark profile -H '{"X-Api-Key":"***","X-Trace":1,"Accept":"text/plain"}' '--header={"Cookie":"***","X-Flag":true}' '-HAuthorization: ***'`,
    );
  });

  it('masks the user:password of every URL in the command line, with or without a scheme', () => {
    expect(
      formatCliCommand([
        'infermark',
        'profile',
        '--url',
        'http://alice:s3cret@h:8000',
        '-u',
        'bob:pw@h:1,http://c:d@h:2',
        '--url=https://tok@h',
        '-uhttp://e:f@h',
        '--server-metrics',
        'http://m:pw@h/metrics',
        '--input-file',
        'trace.jsonl',
      ]),
    ).toBe(
      'infermark profile --url http://***@h:8000 -u ***@h:1,http://***@h:2 --url=https://***@h -uhttp://***@h --server-metrics http://***@h/metrics --input-file trace.jsonl',
    );
  });

  it('scrubs the password and the Basic credentials a URL carries', () => {
    const s = SecretScrubber.from(null, {}, ['Basic YWxpY2U6czNjcmV0']);
    expect(s.scrub('sent Basic YWxpY2U6czNjcmV0 for s3cret')).toBe('sent *** for ***');
  });

  it('scrubs known secret values from any text', () => {
    const s = SecretScrubber.from('sk-123456', { Authorization: 'Bearer tok-abcdef' });
    expect(s.scrub('key sk-123456 and tok-abcdef')).toBe('key *** and ***');
  });
});
