// Append-only line file for the streamed exports (docs/exports.md §10.2): complete lines only,
// flushed at least once per second and at close; `flushSync` for the second-SIGINT exit.
import { closeSync, openSync, write, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { RuntimeFailure } from '../errors.js';
import { makeDirectorySync } from './directories.js';
import { osReason } from './os-reason.js';

export class LineWriter {
  private fd: number | null;
  private buffer: string[] = [];
  private bufferedBytes = 0;
  private inFlight: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null;
  private failure: Error | null = null;

  /** Opens (truncating) `path`; creates its directory. Throws naming the path on failure. */
  constructor(
    readonly path: string,
    flushIntervalMs = 1000,
    private readonly maxBufferBytes = 1 << 20,
  ) {
    try {
      makeDirectorySync(dirname(path));
      this.fd = openSync(path, 'w');
    } catch (err) {
      throw new RuntimeFailure(`cannot write output file: ${path}: ${osReason(err)}`, { cause: err });
    }
    this.timer = setInterval(() => void this.flush(), flushIntervalMs);
    this.timer.unref();
  }

  /** Queue one line (without its newline). */
  writeLine(line: string): void {
    this.buffer.push(line, '\n');
    this.bufferedBytes += line.length + 1;
    if (this.bufferedBytes >= this.maxBufferBytes) void this.flush();
  }

  /** Hand the buffered lines to the OS; resolves when written. Rejects with the first write error. */
  flush(): Promise<void> {
    if (this.buffer.length > 0 && this.fd !== null) {
      const data = this.buffer.join('');
      this.buffer = [];
      this.bufferedBytes = 0;
      const fd = this.fd;
      this.inFlight = this.inFlight.then(
        () =>
          new Promise<void>((resolve) => {
            const buf = Buffer.from(data, 'utf8');
            const step = (off: number): void => {
              if (off >= buf.length) {
                resolve();
                return;
              }
              write(fd, buf, off, buf.length - off, null, (err, n) => {
                if (err) {
                  this.failure ??= new RuntimeFailure(`cannot write output file: ${this.path}: ${osReason(err)}`, { cause: err });
                  return resolve();
                }
                step(off + n);
              });
            };
            step(0);
          }),
      );
    }
    return this.inFlight.then(() => {
      if (this.failure) throw this.failure;
    });
  }

  /** Synchronously write what is buffered (used on an immediate exit). */
  flushSync(): void {
    if (this.fd === null || this.buffer.length === 0) return;
    const data = this.buffer.join('');
    this.buffer = [];
    this.bufferedBytes = 0;
    writeSync(this.fd, data);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    try {
      await this.flush();
    } finally {
      if (this.fd !== null) closeSync(this.fd);
      this.fd = null;
    }
  }
}
