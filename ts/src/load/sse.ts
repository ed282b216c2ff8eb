// Incremental Server-Sent Events splitter (docs/metrics.md §2.3). It is fed chunks *after* they were
// stamped; each completed event carries the stamp of the chunk holding its terminating blank line.
import type { RawResponse } from '../metrics/raw-record.js';

/**
 * Splits a byte stream into SSE events. Lines end with `\n`, `\r\n` or `\r`; a blank line ends
 * an event; `data:` lines are joined with `\n`; `event:` sets the name; `id:`, `retry:` and
 * comment lines (`:` …) are consumed as the SSE specification says and not reported.
 * Events without any `data:` line are dropped, as the specification's dispatch step does.
 */
export class SseSplitter {
  private readonly decoder = new TextDecoder('utf-8');
  private buffer = '';
  private data: string[] = [];
  private eventName: string | undefined;
  /** A `\r` ended the previous chunk: a `\n` at the start of the next one belongs to it. */
  private pendingCr = false;

  /** Feed one chunk stamped `recvNs`; completed events are appended to `out`. */
  push(chunk: Uint8Array, recvNs: bigint, out: RawResponse[]): void {
    let text = this.decoder.decode(chunk, { stream: true });
    if (this.pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.pendingCr = false;
    this.buffer = this.buffer === '' ? text : this.buffer + text;
    this.drain(recvNs, out);
  }

  /** End of stream: a final event not followed by a blank line is not dispatched (SSE rules). */
  end(): { leftover: string } {
    const rest = this.decoder.decode();
    return { leftover: (this.buffer + rest).trim() };
  }

  private drain(recvNs: bigint, out: RawResponse[]): void {
    const buf = this.buffer;
    let start = 0;
    // Fast path: servers almost always use bare `\n`; one scan for `\r` per chunk instead of one
    // per line keeps the work on the chunk path proportional to its length.
    if (buf.indexOf('\r') === -1) {
      for (;;) {
        const lf = buf.indexOf('\n', start);
        if (lf === -1) break;
        this.line(buf.slice(start, lf), recvNs, out);
        start = lf + 1;
      }
      this.buffer = start === 0 ? buf : buf.slice(start);
      return;
    }
    for (;;) {
      const lf = buf.indexOf('\n', start);
      const cr = buf.indexOf('\r', start);
      let eol: number;
      let next: number;
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        if (cr === buf.length - 1) {
          // A lone `\r` at the end may be half of `\r\n`; treat it as a line end now and skip a
          // leading `\n` of the next chunk.
          eol = cr;
          next = cr + 1;
          this.pendingCr = true;
        } else {
          eol = cr;
          next = buf.charCodeAt(cr + 1) === 10 ? cr + 2 : cr + 1;
        }
      } else if (lf !== -1) {
        eol = lf;
        next = lf + 1;
      } else {
        break;
      }
      this.line(buf.slice(start, eol), recvNs, out);
      start = next;
    }
    this.buffer = start === 0 ? buf : buf.slice(start);
  }

  private line(line: string, recvNs: bigint, out: RawResponse[]): void {
    if (line === '') {
      if (this.data.length > 0) {
        const ev: RawResponse = { recvNs, data: this.data.join('\n') };
        if (this.eventName !== undefined) ev.event = this.eventName;
        out.push(ev);
      }
      this.data = [];
      this.eventName = undefined;
      return;
    }
    if (line.charCodeAt(0) === 58 /* ':' */) return; // comment
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        break;
      case 'event':
        this.eventName = value;
        break;
      default:
        // `id`, `retry` and unknown fields do not affect what infermark measures.
        break;
    }
  }
}
