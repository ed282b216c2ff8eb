// A scratch file for values that would not fit in memory: created in the system temp directory and
// unlinked at once (where the OS allows it), so nothing is left behind whatever ends the process;
// written by appending, read back by position, closed when the values are no longer needed.
import { closeSync, mkdtempSync, openSync, readSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RuntimeFailure } from '../errors.js';
import { osReason } from './os-reason.js';

export class SpillFile {
  private fd: number | null;
  /** Kept only where an open file cannot be unlinked (Windows): removed at close. */
  private readonly leftover: string | null;
  private size = 0;

  constructor(dir = tmpdir()) {
    let folder: string;
    try {
      folder = mkdtempSync(join(dir, 'infermark-spill-'));
      const path = join(folder, 'values.bin');
      this.fd = openSync(path, 'w+', 0o600);
      let leftover: string | null = folder;
      try {
        unlinkSync(path);
        rmSync(folder, { recursive: true, force: true });
        leftover = null;
      } catch {
        // The file stays until close.
      }
      this.leftover = leftover;
    } catch (err) {
      throw new RuntimeFailure(`cannot create a temporary file in ${dir}: ${osReason(err)}`, { cause: err });
    }
  }

  /** Bytes written so far. */
  get length(): number {
    return this.size;
  }

  /** Appends `bytes`; returns the offset they were written at. */
  append(bytes: Uint8Array): number {
    const at = this.size;
    let done = 0;
    try {
      while (done < bytes.length) done += writeSync(this.open(), bytes, done, bytes.length - done, at + done);
    } catch (err) {
      throw new RuntimeFailure(`cannot write a temporary file: ${osReason(err)}`, { cause: err });
    }
    this.size += bytes.length;
    return at;
  }

  /** Fills `into` from `offset`. */
  read(offset: number, into: Uint8Array): void {
    let done = 0;
    while (done < into.length) {
      const n = readSync(this.open(), into, done, into.length - done, offset + done);
      if (n === 0) throw new RangeError(`read past the end of a spill file (${offset + done} of ${this.size})`);
      done += n;
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    if (this.leftover !== null) rmSync(this.leftover, { recursive: true, force: true });
  }

  private open(): number {
    if (this.fd === null) throw new Error('spill file used after close');
    return this.fd;
  }
}
