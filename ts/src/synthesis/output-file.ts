// Output files for synthesize/hash-prompts: checked before any work, written to a temp file, renamed when complete.
import { closeSync, existsSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { RuntimeFailure, UsageError } from '../cli/errors.js';
import { osReason, temporarySibling } from '../cli/files.js';
import type { ByteSink } from './index.js';

/** Write all of `chunk` to `fd`, retrying on EAGAIN (non-blocking stdout pipes). */
function writeAll(fd: number, chunk: Uint8Array): void {
  let off = 0;
  while (off < chunk.length) {
    try {
      off += writeSync(fd, chunk, off, chunk.length - off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    }
  }
}

/**
 * An output target: `-` is stdout; otherwise a temporary file next to `path`, created up
 * front (so an unwritable location is a usage error before any work) and renamed to `path`
 * by `commit`. `abort` removes it, so a failed run leaves nothing behind.
 */
export class OutputTarget implements ByteSink {
  readonly #path: string;
  readonly #temp: string | null;
  #fd: number;
  #bytes = 0;

  constructor(path: string, options: { force?: boolean } = {}) {
    this.#path = path;
    if (path === '-') {
      this.#temp = null;
      this.#fd = 1;
      return;
    }
    const target = resolve(path);
    if (existsSync(target)) {
      const stat = statSync(target);
      if (stat.isDirectory()) throw new UsageError(`cannot write output file: ${path}: is a directory`);
      if (!stat.isFile()) {
        // A device or FIFO (`/dev/null`, a pipe): renaming over it would replace the node itself.
        this.#temp = null;
        try {
          this.#fd = openSync(target, 'w');
        } catch (err) {
          throw new UsageError(`cannot write output file: ${path}: ${osReason(err)}`, { cause: err });
        }
        return;
      }
      if (!options.force) throw new UsageError(`output file already exists: ${path} (use --force to replace it)`);
    }
    this.#temp = temporarySibling(target);
    // Parent directories are not created: a typo in the path should fail, not make directories.
    try {
      this.#fd = openSync(this.#temp, 'wx');
    } catch (err) {
      throw new UsageError(`cannot write output file: ${path}: ${osReason(err)}`, { cause: err });
    }
  }

  get bytesWritten(): number {
    return this.#bytes;
  }

  write(chunk: Uint8Array): void {
    try {
      writeAll(this.#fd, chunk);
      this.#bytes += chunk.length;
    } catch (err) {
      throw new RuntimeFailure(`cannot write output file: ${this.#path}: ${osReason(err)}`, { cause: err });
    }
  }

  /** Close and move the complete file into place. */
  commit(): void {
    if (this.#temp === null) {
      if (this.#fd > 2) closeSync(this.#fd); // a device written in place; never stdout
      this.#fd = -1;
      return;
    }
    try {
      closeSync(this.#fd);
      this.#fd = -1;
      renameSync(this.#temp, resolve(this.#path));
    } catch (err) {
      this.abort();
      throw new RuntimeFailure(`cannot write output file: ${this.#path}: ${osReason(err)}`, { cause: err });
    }
  }

  /** Remove the temporary file (no-op for stdout or after commit). */
  abort(): void {
    if (this.#temp === null) return;
    if (this.#fd >= 0) {
      try {
        closeSync(this.#fd);
      } catch {
        // already closed
      }
      this.#fd = -1;
    }
    rmSync(this.#temp, { force: true });
  }
}
