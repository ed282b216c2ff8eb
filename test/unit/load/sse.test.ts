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
});
