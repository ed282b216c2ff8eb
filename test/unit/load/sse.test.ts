import { describe, expect, it } from 'vitest';
import type { RawResponse } from '../../../ts/src/metrics/raw-record.js';
import { SseSplitter } from '../../../ts/src/load/sse.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function split(chunks: string[]): RawResponse[] {
  const s = new SseSplitter();
  const out: RawResponse[] = [];
  chunks.forEach((c, i) => {
    s.push(enc(c), BigInt(i + 1), out);
  });
  return out;
}

describe('SseSplitter', () => {
  it('stamps an event with the chunk that held its blank line', () => {
    const out = split(['data: a\n', '\ndata: b\n\nda', 'ta: c\n\n']);
    expect(out).toEqual([
      { recvNs: 2n, data: 'a' },
      { recvNs: 2n, data: 'b' },
      { recvNs: 3n, data: 'c' },
    ]);
  });

  it('joins multi-line data with \\n and keeps the event name', () => {
    expect(split(['event: error\ndata: x\ndata: y\n\n'])).toEqual([{ recvNs: 1n, data: 'x\ny', event: 'error' }]);
  });

  it('accepts \\r\\n and lone \\r line ends, even split across chunks', () => {
    expect(split(['data: a\r', '\n\r\n', 'data: b\r\rdata: c\n\n'])).toEqual([
      { recvNs: 2n, data: 'a' },
      { recvNs: 3n, data: 'b' },
      { recvNs: 3n, data: 'c' },
    ]);
  });

  it('ignores comments, id and retry lines and events without data', () => {
    expect(split([': keep-alive\n\nid: 7\nretry: 10\ndata:x\n\n'])).toEqual([{ recvNs: 1n, data: 'x' }]);
  });

  it('reassembles a UTF-8 character split across chunks', () => {
    const bytes = enc('data: é\n\n');
    const s = new SseSplitter();
    const out: RawResponse[] = [];
    s.push(bytes.slice(0, 7), 1n, out);
    s.push(bytes.slice(7), 2n, out);
    expect(out).toEqual([{ recvNs: 2n, data: 'é' }]);
  });

  it('does not dispatch a final event without its blank line', () => {
    const s = new SseSplitter();
    const out: RawResponse[] = [];
    s.push(enc('data: a\n\ndata: partial'), 1n, out);
    expect(out.map((e) => e.data)).toEqual(['a']);
    expect(s.end().leftover).toBe('data: partial');
  });

  it('examines each received character at most twice however many chunks a line spans (issue 16: a 50 MB event was quadratic)', () => {
    const s = new SseSplitter();
    const out: RawResponse[] = [];
    const piece = enc('x'.repeat(65_536));
    s.push(enc('data: '), 1n, out);
    const pieces = 80; // 5 MiB in one line
    for (let i = 0; i < pieces; i++) s.push(piece, 2n, out);
    s.push(enc('\n\ndata: [DONE]\n\n'), 3n, out);
    expect(out.map((e) => e.data.length)).toEqual([pieces * 65_536, 6]);
    const received = 6 + pieces * 65_536 + 16;
    expect(s.scannedChars).toBeLessThanOrEqual(2 * received);
  });

  it('examines each character at most twice in a chunk of many lines that mixes \n and \r', () => {
    const s = new SseSplitter();
    const out: RawResponse[] = [];
    const text = `${'data: a\n\n'.repeat(10_000)}data: b\r\n\r\n`;
    s.push(enc(text), 1n, out);
    expect(out).toHaveLength(10_001);
    expect(out.at(-1)).toEqual({ recvNs: 1n, data: 'b' });
    expect(s.scannedChars).toBeLessThanOrEqual(2 * text.length);
  });
});
