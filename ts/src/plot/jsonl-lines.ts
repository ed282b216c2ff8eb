// A JSONL file line by line through the chunked reader: never held whole, with line numbers for
// messages, and the unfinished last line of a file still being written told apart.
import { fileSource } from '../io/chunked-reader.js';

export interface LineVisitor {
  /** One complete line (without `\n`), numbered from 1. */
  line(text: string, lineNo: number): void;
  /** Bytes read so far and the file's size, after each chunk. */
  progress?(bytesRead: number, totalBytes: number): void;
}

/**
 * Read `path` line by line. Returns the number of complete lines and whether a last line without
 * `\n` was left over (docs/exports.md §10.2: records are streamed, so a run that was killed can
 * end in a partial line; it is not handed to the visitor). A missing or unreadable file is a
 * usage error naming it (from the chunked reader).
 */
export async function readLines(path: string, visitor: LineVisitor): Promise<{ lines: number; partialLastLine: boolean }> {
  const source = fileSource(path);
  const total = source.size ?? 0;
  const decoder = new TextDecoder('utf-8');
  let rest = '';
  let lineNo = 0;
  let bytes = 0;
  await source.forEachChunk((chunk) => {
    bytes += chunk.length;
    const text = rest + decoder.decode(chunk, { stream: true });
    let from = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', from)) {
      lineNo++;
      visitor.line(text.slice(from, nl), lineNo);
      from = nl + 1;
    }
    rest = text.slice(from);
    visitor.progress?.(bytes, total);
  });
  rest += decoder.decode();
  return { lines: lineNo, partialLastLine: rest.trim() !== '' };
}
