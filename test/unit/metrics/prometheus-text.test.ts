// The Prometheus text format parser (docs/exports.md §8.1): the format's escapes, special values,
// timestamps, histograms and summaries, comments, and malformed lines counted rather than thrown.
import { describe, expect, it } from 'vitest';
import { describeMalformed, parsePrometheus, PromParseError } from '../../../ts/src/metrics/prometheus-text.js';

describe('Prometheus text: what parses', () => {
  it('unescapes backslash, double quote and newline in label values', () => {
    const s = parsePrometheus('a{path="C:\\\\dir\\\\",quote="say \\"hi\\"",multi="one\\ntwo"} 1\n');
    expect(s.samples).toEqual([{ name: 'a', labels: { path: 'C:\\dir\\', quote: 'say "hi"', multi: 'one\ntwo' }, value: 1 }]);
    expect(s.malformed).toEqual({ count: 0, first: [] });
  });

  it('unescapes HELP text and reads TYPE', () => {
    const s = parsePrometheus('# HELP a Line one\\nline two, a backslash \\\\ and \\t kept.\n# TYPE a counter\na_total 3\n');
    expect(s.help.get('a')).toBe('Line one\nline two, a backslash \\ and \\t kept.');
    expect(s.types.get('a')).toBe('counter');
  });

  it('reads NaN, +Inf, -Inf and exponent notation', () => {
    const s = parsePrometheus('a NaN\nb +Inf\nc -Inf\nd 1.5e-3\ne -0.25\nf Inf\ng 12\n');
    const v = s.samples.map((x) => x.value);
    expect(Number.isNaN(v[0])).toBe(true);
    expect(v.slice(1)).toEqual([Infinity, -Infinity, 0.0015, -0.25, Infinity, 12]);
  });

  it('keeps an optional timestamp, with or without labels', () => {
    const s = parsePrometheus('a{x="1"} 5 1700000000000\nb 6 -12\nc 7\n');
    expect(s.samples).toEqual([
      { name: 'a', labels: { x: '1' }, value: 5, timestampMs: 1700000000000 },
      { name: 'b', labels: {}, value: 6, timestampMs: -12 },
      { name: 'c', labels: {}, value: 7 },
    ]);
  });

  it('reads labels with spaces around them, a trailing comma, an empty set and colons in metric names', () => {
    const s = parsePrometheus('vllm:x{ a = "1" , b="" ,} 1\ny{} 2\n');
    expect(s.samples).toEqual([
      { name: 'vllm:x', labels: { a: '1', b: '' }, value: 1 },
      { name: 'y', labels: {}, value: 2 },
    ]);
  });

  it('reads a histogram and a summary as their samples', () => {
    const s = parsePrometheus(
      [
        '# HELP lat Latency.',
        '# TYPE lat histogram',
        'lat_bucket{le="0.1"} 2',
        'lat_bucket{le="+Inf"} 3',
        'lat_sum 0.7',
        'lat_count 3',
        '# TYPE rpc summary',
        'rpc{quantile="0.5"} 0.2',
        'rpc{quantile="0.99"} NaN',
        'rpc_sum 4',
        'rpc_count 9',
      ].join('\n'),
    );
    expect(s.types).toEqual(
      new Map([
        ['lat', 'histogram'],
        ['rpc', 'summary'],
      ]),
    );
    expect(s.samples.map((x) => [x.name, x.labels['le'] ?? x.labels['quantile'] ?? '', x.value])).toEqual([
      ['lat_bucket', '0.1', 2],
      ['lat_bucket', '+Inf', 3],
      ['lat_sum', '', 0.7],
      ['lat_count', '', 3],
      ['rpc', '0.5', 0.2],
      ['rpc', '0.99', NaN],
      ['rpc_sum', '', 4],
      ['rpc_count', '', 9],
    ]);
  });

  it('skips comments, blank lines, surrounding spaces and CRLF endings without counting them', () => {
    const s = parsePrometheus('\r\n# just a comment\r\n#\r\n   \t\r\n  a 1  \r\n# EOF\r\n');
    expect(s.samples).toEqual([{ name: 'a', labels: {}, value: 1 }]);
    expect(s.malformed.count).toBe(0);
  });
});

describe('Prometheus text: malformed lines are counted, the rest kept', () => {
  const bad = [
    ['1abc 1', 'invalid metric name'],
    ['a{x="1"} one', "invalid sample value 'one'"],
    ['a{x="1" 2', "expected ',' or '}' after the value of label 'x'"],
    ['a{x="unterminated} 2', "unterminated value of label 'x'"],
    ['a{x="bad\\t"} 2', "invalid escape '\\t' in the value of label 'x'"],
    ['a{x=1} 2', "expected a quoted value for label 'x'"],
    ['a{1x="v"} 2', 'invalid label name'],
    ['a{x="1",x="2"} 2', "label 'x' given twice"],
    ['a', 'missing sample value'],
    ['a 1 12.5', "invalid timestamp '12.5'"],
    ['a 1 2 3', 'unexpected text after the timestamp'],
    ['# TYPE a histogramm', "unknown type 'histogramm'"],
    ['# HELP', 'HELP without a metric name'],
    ['a-b 1', 'invalid metric name'],
  ] as const;

  for (const [line, reason] of bad) {
    it(`${JSON.stringify(line)}: ${reason}`, () => {
      const s = parsePrometheus(`good 1\n${line}\nalso_good 2\n`);
      expect(s.samples.map((x) => x.name)).toEqual(['good', 'also_good']);
      expect(s.malformed).toEqual({ count: 1, first: [{ line: 2, reason }] });
    });
  }

  it('counts every bad line and keeps the first five with their line numbers', () => {
    const body = ['# TYPE g gauge', ...Array.from({ length: 8 }, (_, i) => `g{i="${i}"} x${i}`), 'g 1'].join('\n');
    const s = parsePrometheus(body);
    expect(s.samples).toEqual([{ name: 'g', labels: {}, value: 1 }]);
    expect(s.malformed.count).toBe(8);
    expect(s.malformed.first.map((m) => m.line)).toEqual([2, 3, 4, 5, 6]);
    expect(describeMalformed(s.malformed.first.slice(0, 2))).toBe("line 2: invalid sample value 'x0'; line 3: invalid sample value 'x1'");
  });
});

describe('Prometheus text: a body that is not the format', () => {
  it('refuses JSON, HTML, an empty body and text where nothing parses, naming the first bad line', () => {
    expect(() => parsePrometheus('{"a":1}')).toThrow(new PromParseError('not Prometheus text (JSON or HTML)'));
    expect(() => parsePrometheus('  [1, 2]')).toThrow(PromParseError);
    expect(() => parsePrometheus('<!doctype html><html></html>')).toThrow(PromParseError);
    expect(() => parsePrometheus('\n# only a comment\n')).toThrow(new PromParseError('empty metrics body'));
    expect(() => parsePrometheus('Service Unavailable\n')).toThrow(
      new PromParseError("not Prometheus text (line 1: invalid sample value 'Unavailable')"),
    );
  });

  it('accepts a body with declarations but no samples yet (a server that has served nothing)', () => {
    const s = parsePrometheus('# HELP a A.\n# TYPE a counter\n');
    expect(s.samples).toEqual([]);
    expect(s.types.get('a')).toBe('counter');
  });
});
