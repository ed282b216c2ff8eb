// Reading input in fixed-size chunks, never whole: the one double-buffered reader every command
// uses (analyze-trace, synthesize, hash-prompts, and the byte streams of the library API).
import { open, type FileHandle, type FileReadResult } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { openInputFile } from './input-file.js';
import { osReason } from './os-reason.js';
import { closeSync } from 'node:fs';
import type { ByteSource } from './byte-stream.js';

export type { ByteSink, ByteSource } from './byte-stream.js';

/**
 * Read size: large enough that the per-call cost of the core (an FFI crossing per chunk) vanishes,
 * small enough to stay cache-friendly.
 */
export const CHUNK_BYTES = 4 * 1024 * 1024;

/** An in-memory source. */
export function bytesSource(bytes: Uint8Array, chunkBytes = CHUNK_BYTES): ByteSource {
  return {
    size: bytes.length,
    async forEachChunk(onChunk) {
      for (let i = 0; i < bytes.length; i += chunkBytes) {
        const wait = onChunk(bytes.subarray(i, Math.min(bytes.length, i + chunkBytes)));
        if (wait) await wait;
      }
    },
  };
}

/**
 * A file read in fixed-size chunks, reopened per pass; never held whole in memory. Two buffers:
 * libuv's thread pool reads chunk k+1 into one while the caller (typically a synchronous core
 * call) works on chunk k in the other, so the kernel's copy overlaps the work instead of adding
 * to it. A path that is missing, a directory or unreadable is a usage error naming it (checked
 * when the source is created, before any output exists); a read failing later names it too.
 */
export function fileSource(path: string, chunkBytes = CHUNK_BYTES): ByteSource {
  const { fd, size } = openInputFile(path);
  closeSync(fd);
  return {
    size,
    async forEachChunk(onChunk) {
      let file: FileHandle;
      try {
        file = await open(path, 'r');
      } catch (err) {
        throw new UsageError(`cannot read input file: ${path}: ${osReason(err)}`, { cause: err });
      }
      // `spare` receives the next read while the chunk in the other buffer is being processed.
      let spare: Buffer = Buffer.allocUnsafe(chunkBytes);
      const read = (buffer: Buffer): Promise<FileReadResult<Buffer>> => {
        // One read at a time at the file position (null): sequential, so FIFOs work too.
        const p = file.read(buffer, 0, chunkBytes, null).catch((err: unknown) => {
          throw new UsageError(`cannot read input file: ${path}: ${osReason(err)}`, { cause: err });
        });
        // Handled here so that a read failing while `onChunk` is awaited is not an unhandled
        // rejection; the `await` below still sees the error.
        p.catch(() => undefined);
        return p;
      };
      let next = read(Buffer.allocUnsafe(chunkBytes));
      try {
        for (;;) {
          const { bytesRead, buffer } = await next;
          if (bytesRead === 0) break;
          next = read(spare);
          spare = buffer;
          const wait = onChunk(buffer.subarray(0, bytesRead));
          if (wait) await wait;
        }
      } finally {
        // A read still in flight writes into our buffer through this descriptor: let it end first.
        await next.catch(() => undefined);
        await file.close();
      }
    },
  };
}
