// Output files of every command: where a path really writes (one rule for symlinks, devices and
// the standard streams), the check before any work, and the streamed output of synthesize and
// hash-prompts (a temp file behind the producer, renamed when complete, removed when not).
import {
  accessSync,
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  type Stats,
  statSync,
  writeSync,
  writev,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { RuntimeFailure, UsageError } from '../errors.js';
import { osReason } from './os-reason.js';
import type { ByteSink } from './chunked-reader.js';

/**
 * A name for the temporary sibling of `target` that is renamed over it when complete:
 * `.<name>.tmp-<pid>` (docs/exports.md §10.1) plus a random suffix for concurrent writes. The
 * prefix is what `removeOwnedFiles` recognises when it clears a killed run's leftovers.
 */
export function temporarySibling(target: string): string {
  return join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Where writing a path goes (see {@link resolveOutputPath}). */
export interface ResolvedOutput {
  /** The file to write or to rename onto: symlinks followed. */
  target: string;
  /** A device, FIFO or standard stream: written in place, never renamed over. */
  inPlace: boolean;
  /** The target exists (a regular file to be replaced, or a device). */
  exists: boolean;
}

/** Symlinks followed one by one, for a path whose final target does not exist yet. */
function danglingTarget(abs: string): string {
  let target = abs;
  // 40 is Linux's own limit on links followed in one lookup (ELOOP beyond it).
  for (let i = 0; i < 40; i++) {
    try {
      if (!lstatSync(target).isSymbolicLink()) break;
      target = resolve(dirname(target), readlinkSync(target));
    } catch {
      break;
    }
  }
  return target;
}

/**
 * Where writing `path` really goes, the one rule of every command (docs/cli.md §1.6). A symlink is
 * followed, so the link survives and its target is written (a dangling one is created at its
 * target). Only a regular file (or a new path) is replaced by renaming: renaming over `/dev/null`,
 * a FIFO or `/dev/stdout` would replace the device node itself, so those are written in place,
 * through the path as given (`/dev/stdout` on a pipe has no real path to resolve to). An empty
 * path is a usage error (exit 2); a directory cannot be written (exit 1).
 */
export function resolveOutputPath(path: string): ResolvedOutput {
  if (path.trim() === '') throw new UsageError(`output path is empty: '${path}'`);
  const abs = resolve(path);
  let stat: Stats | null = null;
  try {
    stat = statSync(abs);
  } catch {
    // Not there yet (or not reachable: the write reports why).
  }
  if (stat === null) return { target: danglingTarget(abs), inPlace: false, exists: false };
  if (stat.isDirectory()) throw new RuntimeFailure(`cannot write output file: ${path}: is a directory`);
  // `-o /dev/stdout > out.txt`: the file the shell opened is written through that descriptor.
  if (!stat.isFile() || standardStreamOf(stat) !== null) return { target: abs, inPlace: true, exists: true };
  return { target: realpathSync(abs), inPlace: false, exists: true };
}

/**
 * Checks an output path before any work is done: a path that can never be written (a directory,
 * a parent without write permission, a parent that is a file) fails at once, as the runtime
 * failure it would be at the end (exit 1, docs/cli.md §1.2), instead of after a long run.
 */
export function checkOutputPath(path: string): ResolvedOutput {
  const out = resolveOutputPath(path);
  if (out.inPlace) return out;
  // The nearest existing ancestor is where the file (and any missing parents) would be made.
  let dir = dirname(out.target);
  for (;;) {
    try {
      const stat = statSync(dir);
      // The same words as the OS's ENOTDIR, which the write would give.
      if (!stat.isDirectory()) throw new RuntimeFailure(`cannot write output file: ${path}: not a directory`);
      break;
    } catch (err) {
      if (err instanceof RuntimeFailure) throw err;
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw new RuntimeFailure(`cannot write output file: ${path}: ${osReason(err)}`, { cause: err });
  }
  return out;
}

/** 1 or 2 when `stat` is the file this process's stdout or stderr is open on, else null. */
function standardStreamOf(stat: Stats): 1 | 2 | null {
  for (const fd of [1, 2] as const) {
    try {
      const std = fstatSync(fd);
      if (std.dev === stat.dev && std.ino === stat.ino) return fd;
    } catch {
      // that stream is closed
    }
  }
  return null;
}

/**
 * A descriptor to write an in-place target through. When it is this process's own stdout or
 * stderr (`/dev/stdout`, `/proc/self/fd/1`), that descriptor is used as it is: opening the path
 * again fails when the stream is a socket (ENXIO), and must not truncate what the caller already
 * wrote there. `own` says whether the caller must close it.
 */
export function openInPlace(path: string, target: string): { fd: number; own: boolean } {
  try {
    const fd = standardStreamOf(statSync(target));
    if (fd !== null) return { fd, own: false };
    return { fd: openSync(target, 'w'), own: true };
  } catch (err) {
    throw new RuntimeFailure(`cannot write output file: ${path}: ${osReason(err)}`, { cause: err });
  }
}

/** Write all of `chunk` to `fd`, retrying on EAGAIN (non-blocking stdout pipes). */
export function writeAll(fd: number, chunk: Uint8Array): void {
  let off = 0;
  while (off < chunk.length) {
    try {
      off += writeSync(fd, chunk, off, chunk.length - off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    }
  }
}

/** Writes some prefix of `chunks` (in order) and resolves to the number of bytes written. */
export type WriteSome = (chunks: readonly Uint8Array[]) => Promise<number>;

/** `writev(2)` at the file position on libuv's thread pool. */
function writevTo(fd: number): WriteSome {
  return (chunks) =>
    new Promise((done, fail) => {
      writev(fd, chunks as NodeJS.ArrayBufferView[], null, (err, n) => (err ? fail(err) : done(n)));
    });
}

/** Bytes handed to a write-behind queue but not yet written, above which `push` asks the caller to wait. */
export const WRITE_BEHIND_BYTES = 32 * 1024 * 1024;

/**
 * Writes chunks in order while the caller keeps computing: one `writev` of everything queued at a
 * time runs on libuv's thread pool, so the copy into the page cache overlaps the synchronous core
 * calls of the main thread. Memory stays bounded: `push` returns a promise (to be awaited) once
 * more than `limit` bytes are queued. The first failed write is kept and thrown (through
 * `describe`) by the next `push` or by `flush`; later chunks are dropped.
 */
export class WriteBehind {
  readonly #writeSome: WriteSome;
  readonly #limit: number;
  readonly #describe: (err: unknown) => Error;
  #chunks: Uint8Array[] = [];
  #queued = 0;
  #peak = 0;
  #running: Promise<void> | null = null;
  #failure: Error | null = null;
  #waiters: (() => void)[] = [];

  constructor(writeSome: WriteSome, options: { limit?: number; describe?: (err: unknown) => Error } = {}) {
    this.#writeSome = writeSome;
    this.#limit = options.limit ?? WRITE_BEHIND_BYTES;
    this.#describe = options.describe ?? ((err) => (err instanceof Error ? err : new Error(String(err))));
  }

  /** Bytes queued and not yet written. */
  get bytesQueued(): number {
    return this.#queued;
  }

  /** The most bytes ever queued at once (at most `limit` plus one chunk). */
  get peakBytesQueued(): number {
    return this.#peak;
  }

  /** Queue `chunk` (kept, not copied, until written). Returns a promise when the caller should wait. */
  push(chunk: Uint8Array): Promise<void> | undefined {
    if (this.#failure) throw this.#failure;
    if (chunk.length === 0) return undefined;
    this.#chunks.push(chunk);
    this.#queued += chunk.length;
    this.#peak = Math.max(this.#peak, this.#queued);
    this.#running ??= this.#run();
    if (this.#queued <= this.#limit) return undefined;
    return new Promise<void>((wake) => this.#waiters.push(wake)).then(() => {
      if (this.#failure) throw this.#failure;
    });
  }

  /** Wait until everything queued is written; throws the first write failure. */
  async flush(): Promise<void> {
    await this.settle();
    if (this.#failure) throw this.#failure;
  }

  /** Wait until no write is in flight, ignoring failures (before the descriptor is closed). */
  async settle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #run(): Promise<void> {
    try {
      while (this.#chunks.length > 0) {
        let n = await this.#writeSome(this.#chunks.slice());
        // Drop what was written; a partly written chunk keeps its tail at the front.
        this.#queued -= n;
        while (n > 0) {
          const first = this.#chunks[0] as Uint8Array;
          if (n < first.length) {
            this.#chunks[0] = first.subarray(n);
            break;
          }
          n -= first.length;
          this.#chunks.shift();
        }
        if (this.#queued <= this.#limit) this.#wake();
      }
    } catch (err) {
      this.#failure = this.#describe(err);
      this.#chunks = [];
      this.#queued = 0;
      this.#wake();
    } finally {
      this.#running = null;
    }
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

/**
 * An output target: `-` is stdout; otherwise a temporary file next to `path` (next to its
 * target, for a symlink), created up front (so an unwritable location fails before any work,
 * exit 1) and renamed onto the target by `commit`. `abort` removes it, so a failed run leaves nothing behind. Regular files
 * (the temp file, stdout redirected to a file) are written behind the caller ({@link WriteBehind});
 * pipes, terminals and devices synchronously, as they may be non-blocking or never complete.
 */
export class OutputTarget implements ByteSink {
  readonly #path: string;
  readonly #temp: string | null;
  /** Where the temp file is renamed to (the path with symlinks followed). */
  #target = '';
  #fd: number;
  #behind: WriteBehind | null = null;

  constructor(path: string, options: { force?: boolean } = {}) {
    this.#path = path;
    if (path === '-') {
      this.#temp = null;
      this.#fd = 1;
      this.#writeBehindIfRegular();
      return;
    }
    const out = checkOutputPath(path);
    if (out.inPlace) {
      // A device, FIFO or standard stream: renaming over it would replace the node itself.
      this.#temp = null;
      this.#fd = openInPlace(path, out.target).fd;
      return;
    }
    if (out.exists && !options.force) throw new UsageError(`output file already exists: ${path} (use --force to replace it)`);
    // A symlink's target is written: the temp file goes next to it and is renamed onto it.
    this.#target = out.target;
    this.#temp = temporarySibling(out.target);
    // Parent directories are not created: a typo in the path should fail, not make directories.
    try {
      this.#fd = openSync(this.#temp, 'wx');
    } catch (err) {
      throw new RuntimeFailure(`cannot write output file: ${path}: ${osReason(err)}`, { cause: err });
    }
    this.#writeBehindIfRegular();
  }

  #writeBehindIfRegular(): void {
    let regular = false;
    try {
      regular = fstatSync(this.#fd).isFile();
    } catch {
      // a closed stdout: the synchronous path reports the write error
    }
    if (regular) this.#behind = new WriteBehind(writevTo(this.#fd), { describe: (err) => this.#failure(err) });
  }

  #failure(err: unknown): RuntimeFailure {
    return new RuntimeFailure(`cannot write output file: ${this.#path}: ${osReason(err)}`, { cause: err });
  }

  /** Write `chunk` (kept until written: do not modify it afterwards); a returned promise must be awaited. */
  write(chunk: Uint8Array): void | Promise<void> {
    if (this.#behind) return this.#behind.push(chunk);
    try {
      writeAll(this.#fd, chunk);
    } catch (err) {
      throw this.#failure(err);
    }
    return undefined;
  }

  /**
   * Runs `produce` (which writes to this target), then commits; if anything fails, the partial
   * output is removed and the error passed on. The one way the commands finish an output.
   */
  async complete<T>(produce: () => Promise<T>): Promise<T> {
    try {
      const result = await produce();
      await this.commit();
      return result;
    } catch (err) {
      await this.abort();
      throw err;
    }
  }

  /**
   * Close and remove the temporary file at once, synchronously (writes in flight fail
   * harmlessly): for an interrupt, where waiting for the run to notice could leave hundreds of
   * megabytes behind.
   */
  discard(): void {
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

  /** Wait for the queued writes, close and move the complete file into place. */
  async commit(): Promise<void> {
    try {
      await this.#behind?.flush();
    } catch (err) {
      await this.abort();
      throw err;
    }
    if (this.#temp === null) {
      if (this.#fd > 2) closeSync(this.#fd); // a device written in place; never stdout
      this.#fd = -1;
      return;
    }
    try {
      closeSync(this.#fd);
      this.#fd = -1;
      renameSync(this.#temp, this.#target);
    } catch (err) {
      await this.abort();
      throw this.#failure(err);
    }
  }

  /** Wait for writes in flight, then remove the temporary file (no-op for stdout or after commit). */
  async abort(): Promise<void> {
    await this.#behind?.settle();
    this.discard();
  }
}
