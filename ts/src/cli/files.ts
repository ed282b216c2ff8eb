// Input and output files of every command: the trace-format.md §2.6 input messages and one
// atomic-write discipline (temp file in the same directory, then rename; exports.md §10).
import { promises as fsp, closeSync, fstatSync, lstatSync, mkdirSync, openSync, readlinkSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { RuntimeFailure, UsageError } from './errors.js';

/** The operating system's reason of an fs error, without Node's `CODE:` prefix and `, syscall 'path'` suffix. */
export function osReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const m = /^[A-Z]+: (.*?)(?:, \w+(?: '.*')?)?$/.exec(message);
  return m?.[1] ?? message;
}

/**
 * `mkdir -p` that terminates. Node's `mkdir(…, { recursive: true })` spins forever when a parent
 * exists but the child still gives ENOENT (any path under /proc: nodejs/node's recursive mkdir
 * retries the parent on ENOENT), so a path like `/proc/x/out` would hang the command.
 * Here a second ENOENT after the parent was made is final.
 */
export function makeDirectorySync(dir: string): void {
  try {
    mkdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Something is there: if it is not a directory, opening the file inside it reports ENOTDIR.
    if (code === 'EEXIST') return;
    const parent = dirname(dir);
    if (code !== 'ENOENT' || parent === dir) throw err;
    makeDirectorySync(parent);
    try {
      mkdirSync(dir);
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code !== 'EEXIST') throw again;
    }
  }
}

/** The asynchronous twin of {@link makeDirectorySync}. */
export async function makeDirectory(dir: string): Promise<void> {
  try {
    await fsp.mkdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    const parent = dirname(dir);
    if (code !== 'ENOENT' || parent === dir) throw err;
    await makeDirectory(parent);
    try {
      await fsp.mkdir(dir);
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code !== 'EEXIST') throw again;
    }
  }
}

/** Open an input file for reading; a missing, unreadable or directory path is a usage error (exit 2). */
export function openInputFile(path: string): { fd: number; size: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new UsageError(`input file not found: ${path}`);
    throw new UsageError(`cannot read input file: ${path}: ${osReason(err)}`);
  }
  const stat = fstatSync(fd);
  if (stat.isDirectory()) {
    closeSync(fd);
    throw new UsageError(`cannot read input file: ${path}: is a directory`);
  }
  return { fd, size: stat.size };
}

/** The input path of a trace command: the `INPUT_FILE` argument or `--input-file`, exactly one of the two. */
export function inputPathArgument(positional: string | undefined, flag: string | undefined): string {
  if (positional !== undefined && flag !== undefined) {
    throw new UsageError("argument 'INPUT_FILE' cannot be used with option '--input-file'");
  }
  const path = positional ?? flag;
  if (path === undefined) throw new UsageError("missing required argument 'INPUT_FILE' (or option '--input-file')");
  return path;
}

/** Check that an input file can be read, before any output exists; returns its size. */
export function inputFileSize(path: string): number {
  const { fd, size } = openInputFile(path);
  closeSync(fd);
  return size;
}

/**
 * A name for the temporary sibling of `target` that is renamed over it when complete:
 * `.<name>.tmp-<pid>` (exports.md §10.1) plus a random suffix for concurrent writes. The
 * prefix is what `removeOwnedFiles` recognises when it clears a killed run's leftovers.
 */
export function temporarySibling(target: string): string {
  return join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/**
 * Where writing `path` really goes. Only a regular file (or a new path) may be replaced by
 * renaming: renaming over `/dev/null`, a FIFO or `/dev/stdout` would replace the device node
 * itself, so those are written in place. A symlink is followed, so the link survives and its
 * target is replaced; a directory is an error.
 */
export function outputTarget(path: string): { target: string; inPlace: boolean } {
  let target = resolve(path);
  try {
    target = realpathSync(target);
  } catch {
    // Does not exist yet. A dangling symlink is created at its target.
    try {
      if (lstatSync(target).isSymbolicLink()) target = resolve(dirname(target), readlinkSync(target));
    } catch {
      // no such path at all
    }
    return { target, inPlace: false };
  }
  const stat = statSync(target);
  if (stat.isDirectory()) throw new RuntimeFailure(`cannot write output file: ${path}: is a directory`);
  return { target, inPlace: !stat.isFile() };
}

/**
 * Checks an output path before any work is done, so that a path that can never be written (a
 * directory) is a usage error (exit 2, nothing done; cli.md §1.2) rather than a failure after
 * a long run. Later write failures (permissions, a full disk) stay runtime failures.
 */
export function checkOutputPath(path: string): void {
  try {
    outputTarget(path);
  } catch (err) {
    throw new UsageError((err as Error).message, { cause: err });
  }
}

/** Write `text` to `path` atomically (parent directories are created). Failures name the path (exit 1). */
export function writeFileAtomicSync(path: string, text: string): void {
  const { target, inPlace } = outputTarget(path);
  if (inPlace) {
    try {
      writeFileSync(target, text);
    } catch (err) {
      throw new RuntimeFailure(`cannot write output file: ${path}: ${osReason(err)}`, { cause: err });
    }
    return;
  }
  const temp = temporarySibling(target);
  try {
    makeDirectorySync(dirname(target));
    writeFileSync(temp, text);
    renameSync(temp, target);
  } catch (err) {
    // `force` ignores a missing temp file but not ENOTDIR (a parent that is a file); the
    // original error is the one to report.
    try {
      rmSync(temp, { force: true });
    } catch {
      // nothing was created
    }
    throw new RuntimeFailure(`cannot write output file: ${path}: ${osReason(err)}`, { cause: err });
  }
}

/** The asynchronous twin of {@link writeFileAtomicSync}; also fsyncs before the rename. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const { target, inPlace } = outputTarget(path);
  if (inPlace) {
    await fsp.writeFile(target, text).catch((err: unknown) => {
      throw new RuntimeFailure(`cannot write output file: ${path}: ${osReason(err)}`, { cause: err });
    });
    return;
  }
  const temp = temporarySibling(target);
  try {
    await makeDirectory(dirname(target));
    const fh = await fsp.open(temp, 'w');
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fsp.rename(temp, target);
  } catch (err) {
    await fsp.rm(temp, { force: true }).catch(() => undefined);
    throw new RuntimeFailure(`cannot write output file: ${path}: ${osReason(err)}`, { cause: err });
  }
}
