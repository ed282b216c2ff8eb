// The byte source and sink of the browser's synthesis and hash-prompts jobs: a File read through
// `File.stream()` (as many times as a pass needs) and the output kept as a Blob, never one big array.
import type { ByteSink, ByteSource } from '../io/byte-stream.js';

/** Anything that can be streamed more than once: a `File`, a `Blob`. */
export interface StreamableInput {
  readonly size: number;
  stream(): ReadableStream<Uint8Array>;
}

/** A re-readable source over `input`: each `forEachChunk` opens a fresh stream (transform reads twice). */
export function streamSource(input: StreamableInput): ByteSource {
  return {
    size: input.size,
    async forEachChunk(onChunk) {
      const reader = input.stream().getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          if (value.length > 0) await onChunk(value);
        }
      } finally {
        // Stops reading the file when a pass ends early (an invalid row, Cancel).
        await reader.cancel().catch(() => undefined);
      }
    },
  };
}

/** Bytes of output held as array parts before they are folded into a Blob (which the browser may keep on disk). */
const FOLD_BYTES = 32 * 1024 * 1024;

/** A sink that collects the output into one Blob: `blob()` after the last write. */
export function blobSink(type = 'application/jsonl'): ByteSink & { blob(): Blob; readonly bytes: number } {
  const folded: Blob[] = [];
  let parts: Uint8Array[] = [];
  let pending = 0;
  let total = 0;
  const fold = (): void => {
    if (parts.length === 0) return;
    folded.push(new Blob(parts as BlobPart[]));
    parts = [];
    pending = 0;
  };
  return {
    write(chunk) {
      parts.push(chunk);
      pending += chunk.length;
      total += chunk.length;
      if (pending >= FOLD_BYTES) fold();
    },
    blob() {
      fold();
      return new Blob(folded, { type });
    },
    get bytes() {
      return total;
    },
  };
}
