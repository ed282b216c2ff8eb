// Incremental Server-Sent Events splitter (docs/metrics.md §2.3). It is fed chunks *after* they were
// stamped; each completed event carries the stamp of the chunk holding its terminating blank line.
import type { RawResponse } from '../metrics/raw-record.js';

/**
 * Splits a byte stream into SSE events. Lines end with `\n`, `\r\n` or `\r`; a blank line ends
 * an event; `data:` lines are joined with `\n`; `event:` sets the name; `id:`, `retry:` and
 * comment lines (`:` …) are consumed as the SSE specification says and not reported.
 * Events without any `data:` line are dropped, as the specification's dispatch step does.
 *
 * Linear in the stream's length whatever its shape: only the new chunk is searched for line ends,
 * and the pieces of a line that spans many chunks are kept in a list and joined once, when the
 * line ends. (Appending each chunk to one growing string and searching it again from the start
 * made a 50 MB single-line event quadratic: 30 s and 3.2 GB instead of 0.5 s; issue 16.)
 */
export class SseSplitter {
  private readonly decoder = new TextDecoder('utf-8');
  /** The pieces of the current, unfinished line, in order. */
  private partial: string[] = [];
  private data: string[] = [];
  private eventName: string | undefined;
  /** A `\r` ended the previous chunk: a `\n` at the start of the next one belongs to it. */
  private pendingCr = false;
  /**
   * Characters examined while searching for line ends, over the whole stream: at most twice the
   * characters received (each character is passed once by the search for `\r`, once by the search
   * for `\n`). Exposed so that a test can state the linearity without timing anything.
   */
  scannedChars = 0;

  /** Feed one chunk stamped `recvNs`; completed events are appended to `out`. */
  push(chunk: Uint8Array, recvNs: bigint, out: RawResponse[]): void {
    let text = this.decoder.decode(chunk, { stream: true });
    if (this.pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.pendingCr = false;
    if (text !== '') this.drain(text, recvNs, out);
  }

  /** End of stream: a final event not followed by a blank line is not dispatched (SSE rules). */
  end(): { leftover: string } {
    const rest = this.decoder.decode();
    return { leftover: (this.partial.join('') + rest).trim() };
  }

  /** Split the new text `text` at its line ends; the first line continues the unfinished one. */
  private drain(text: string, recvNs: bigint, out: RawResponse[]): void {
    let start = 0;
    let cr = text.indexOf('\r');
    this.scannedChars += cr === -1 ? text.length : cr + 1;
    for (;;) {
      const lf = text.indexOf('\n', start);
      this.scannedChars += (lf === -1 ? text.length : lf + 1) - start;
      // The next `\r` is searched for again only once the previous one was passed.
      if (cr !== -1 && cr < start) {
        cr = text.indexOf('\r', start);
        this.scannedChars += (cr === -1 ? text.length : cr + 1) - start;
      }
      let eol: number;
      let next: number;
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        eol = cr;
        if (cr === text.length - 1) {
          // A lone `\r` at the end may be half of `\r\n`; treat it as a line end now and skip a
          // leading `\n` of the next chunk.
          next = cr + 1;
          this.pendingCr = true;
        } else {
          next = text.charCodeAt(cr + 1) === 10 ? cr + 2 : cr + 1;
        }
      } else if (lf !== -1) {
        eol = lf;
        next = lf + 1;
      } else {
        break;
      }
      let line = text.slice(start, eol);
      if (this.partial.length > 0) {
        this.partial.push(line);
        line = this.partial.join('');
        this.partial = [];
      }
      this.line(line, recvNs, out);
      start = next;
    }
    if (start < text.length) this.partial.push(start === 0 ? text : text.slice(start));
  }

  private line(line: string, recvNs: bigint, out: RawResponse[]): void {
    if (line === '') {
      if (this.data.length > 0) {
        const ev: RawResponse = { recvNs, data: this.data.length === 1 ? this.data[0]! : this.data.join('\n') };
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
