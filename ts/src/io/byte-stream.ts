// The byte source and sink every streaming command works on (no Node import: the browser app's
// jobs implement them over File.stream() and a Blob, ts/src/web/synth-byte-io.browser.ts).

/** A source of input bytes that can be read more than once (transform reads it twice). */
export interface ByteSource {
  /**
   * Calls `onChunk` for consecutive chunks of the whole input, awaiting a promise it returns before
   * the next call; resolves after the last chunk. A chunk is valid only until `onChunk` (and its
   * promise) returns: its buffer is then reused for reading ahead.
   */
  forEachChunk(onChunk: (chunk: Uint8Array) => void | Promise<void>): Promise<void>;
  /** Total size if known (progress). */
  readonly size?: number;
}

/**
 * Where output bytes go, chunk by chunk (a temp file, stdout, memory). The sink may keep `chunk`
 * until it is written (callers hand over fresh, JS-owned arrays: both bindings return a new array
 * per call). `write` returns a promise only when the caller should wait before producing more
 * (bytes in flight at their bound); such a promise must be awaited, and rejects if an earlier
 * write failed.
 */
export interface ByteSink {
  write(chunk: Uint8Array): void | Promise<void>;
}
