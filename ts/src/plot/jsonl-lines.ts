// A JSONL file line by line through the chunked reader: never held whole, with line numbers for
// messages, and the unfinished last line of a file still being written told apart.
import { fileSource } from '../io/chunked-reader.js';

export interface LineVisitor {
  /** One complete line (without `\n`), numbered from 1. */
  line(text: string, lineNo: number): void;
  /** A line longer than MAX_LINE_BYTES, not held in memory: it is reported instead of read. */
  tooLong?(lineNo: number): void;
  /** Bytes read so far and the file's size, after each chunk. */
  progress?(bytesRead: number, totalBytes: number): void;
}

const NEWLINE = 0x0a;
/** Lines are UTF-8 (docs/exports.md §3). */
const ENCODING = 'utf8';
/** Longest line held: a record is kilobytes; a file without line breaks must not fill the memory. */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

/**
 * Read `path` line by line. Returns the number of complete lines and whether a last line without
 * `\n` was left over (docs/exports.md §10.2: records are streamed, so a run that was killed can
 * end in a partial line; it is not handed to the visitor). A missing or unreadable file is a
 * usage error naming it (from the chunked reader).
 *
 * Each chunk is decoded up to its last `\n` in one native call (a `\n` byte is never part of a
 * multi-byte UTF-8 character, so no character is cut); the bytes after it wait for the next chunk.
 * That is several times faster than a streaming TextDecoder.
 */
export async function readLines(
  path: string,
  visitor: LineVisitor,
  options: { chunkBytes?: number; maxLineBytes?: number } = {},
): Promise<{ lines: number; partialLastLine: boolean }> {
  const source = options.chunkBytes === undefined ? fileSource(path) : fileSource(path, options.chunkBytes);
  const maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
  const total = source.size ?? 0;
  let carry: Buffer | null = null;
  // Inside a line longer than MAX_LINE_BYTES: its bytes are dropped up to its end.
  let dropping = false;
  let lineNo = 0;
  let bytes = 0;
  await source.forEachChunk((chunk) => {
    bytes += chunk.length;
    let buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    if (dropping) {
      const end = buf.indexOf(NEWLINE);
      if (end === -1) {
        visitor.progress?.(bytes, total);
        return;
      }
      dropping = false;
      lineNo++;
      visitor.tooLong?.(lineNo);
      buf = buf.subarray(end + 1);
    }
    const last = buf.lastIndexOf(NEWLINE);
    if (last === -1) {
      // The chunk's buffer is reused for the next read: keep a copy.
      carry = carry === null ? Buffer.from(buf) : Buffer.concat([carry, buf]);
      if (carry.length > maxLineBytes) {
        carry = null;
        dropping = true;
      }
    } else {
      let from = 0;
      if (carry !== null) {
        // The line begun in the previous chunk: only its own bytes are joined, not the whole chunk.
        const end = buf.indexOf(NEWLINE);
        lineNo++;
        visitor.line(Buffer.concat([carry, buf.subarray(0, end)]).toString(ENCODING), lineNo);
        from = end + 1;
      }
      carry = last + 1 < buf.length ? Buffer.from(buf.subarray(last + 1)) : null;
      const text = buf.toString(ENCODING, from, last + 1);
      let at = 0;
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', at)) {
        lineNo++;
        visitor.line(text.slice(at, nl), lineNo);
        at = nl + 1;
      }
    }
    visitor.progress?.(bytes, total);
  });
  const rest = carry as Buffer | null;
  return { lines: lineNo, partialLastLine: dropping || (rest !== null && rest.toString(ENCODING).trim() !== '') };
}
