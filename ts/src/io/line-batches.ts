// A text file as batches of complete lines, pulled by the caller: `merge` interleaves several
// records files by time, so it reads each at its own pace instead of being pushed every line.
import { type FileHandle, open } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { osReason } from './os-reason.js';

/** One read's complete lines (without `\n`), numbered from `firstLineNo`. */
export interface LineBatch {
  lines: string[];
  firstLineNo: number;
}

export interface LineBatchesEnd {
  /** A last line without `\n` (a file still being written, or cut off), not handed out. */
  partialLastLine: boolean;
}

const NEWLINE = 0x0a;

/**
 * Pull `path`'s lines a read (`chunkBytes`) at a time. The generator's return value says whether a
 * non-blank last line lacked its `\n`. A line longer than `maxLineBytes` fails the read with a
 * usage error naming the file and line. A file that cannot be opened or read is a usage error naming it.
 */
export async function* lineBatches(
  path: string,
  options: { chunkBytes?: number; maxLineBytes?: number } = {},
): AsyncGenerator<LineBatch, LineBatchesEnd> {
  const chunkBytes = options.chunkBytes ?? 1 << 20;
  const maxLineBytes = options.maxLineBytes ?? 64 * 1024 * 1024;
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${osReason(err)}`, { cause: err });
  }
  let carry: Buffer | null = null;
  let lineNo = 0;
  try {
    for (;;) {
      const buffer = Buffer.allocUnsafe(chunkBytes);
      let bytesRead: number;
      try {
        ({ bytesRead } = await file.read(buffer, 0, chunkBytes, null));
      } catch (err) {
        throw new UsageError(`cannot read ${path}: ${osReason(err)}`, { cause: err });
      }
      if (bytesRead === 0) break;
      let buf = buffer.subarray(0, bytesRead);
      const last = buf.lastIndexOf(NEWLINE);
      if (last === -1) {
        carry = carry === null ? buf : Buffer.concat([carry, buf]);
        if (carry.length > maxLineBytes) throw new UsageError(`${path}: line ${lineNo + 1} is longer than ${maxLineBytes} bytes`);
        continue;
      }
      if (carry !== null) {
        buf = Buffer.concat([carry, buf]);
        carry = null;
      }
      const end = buf.lastIndexOf(NEWLINE);
      // A `\n` byte is never inside a multi-byte UTF-8 character: decoding up to it cuts none.
      const lines = buf.toString('utf8', 0, end).split('\n');
      if (end + 1 < buf.length) carry = Buffer.from(buf.subarray(end + 1));
      const firstLineNo = lineNo + 1;
      lineNo += lines.length;
      yield { lines, firstLineNo };
    }
  } finally {
    await file.close();
  }
  const rest = carry as Buffer | null;
  return { partialLastLine: rest !== null && rest.toString('utf8').trim() !== '' };
}
