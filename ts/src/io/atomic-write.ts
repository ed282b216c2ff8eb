// One atomic-write discipline for every summary file: a temporary sibling, then a rename
// (docs/exports.md §10.1); devices and FIFOs are written in place.
import {
  close,
  fsync,
  promises as fsp,
  lstatSync,
  openSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFile,
  writeFileSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { basename, dirname, join, resolve } from 'node:path';
import { RuntimeFailure, UsageError } from '../errors.js';
import { makeDirectory, makeDirectorySync } from './directories.js';
import { osReason } from './os-reason.js';

/**
 * A name for the temporary sibling of `target` that is renamed over it when complete:
 * `.<name>.tmp-<pid>` (docs/exports.md §10.1) plus a random suffix for concurrent writes. The
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
 * directory) is a usage error (exit 2, nothing done; docs/cli.md §1.2) rather than a failure after
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

/**
 * Temporary files of asynchronous writes not yet renamed into place. Each is created synchronously
 * and added here in the same step, so whenever a signal handler runs, every such file that exists
 * is in this set (an asynchronous open could still create one after the handler has exited).
 */
const unfinished = new Set<string>();

const writeFd = promisify(writeFile);
const fsyncFd = promisify(fsync);
const closeFd = promisify(close);

/** Parts of a large text joined into writes of about this many characters. */
const PART_WRITE_CHARS = 1 << 20;

/** `text`, or its parts joined into pieces of about PART_WRITE_CHARS: a large file is never one string. */
function* pieces(text: string | Iterable<string>): Generator<string> {
  if (typeof text === 'string') {
    yield text;
    return;
  }
  let held: string[] = [];
  let chars = 0;
  for (const part of text) {
    held.push(part);
    chars += part.length;
    if (chars >= PART_WRITE_CHARS) {
      yield held.join('');
      held = [];
      chars = 0;
    }
  }
  if (held.length > 0) yield held.join('');
}

/**
 * The asynchronous twin of {@link writeFileAtomicSync}; also fsyncs before the rename. `text` may
 * be given in parts (written as they are produced, so the whole text is never in memory at once).
 */
export async function writeFileAtomic(path: string, text: string | Iterable<string>): Promise<void> {
  const { target, inPlace } = outputTarget(path);
  if (inPlace) {
    await fsp.writeFile(target, pieces(text)).catch((err: unknown) => {
      throw new RuntimeFailure(`cannot write output file: ${path}: ${osReason(err)}`, { cause: err });
    });
    return;
  }
  const temp = temporarySibling(target);
  try {
    await makeDirectory(dirname(target));
    const fd = openSync(temp, 'w');
    unfinished.add(temp);
    try {
      for (const piece of pieces(text)) await writeFd(fd, piece, 'utf8');
      await fsyncFd(fd);
    } finally {
      await closeFd(fd);
    }
    await fsp.rename(temp, target);
  } catch (err) {
    await fsp.rm(temp, { force: true }).catch(() => undefined);
    throw new RuntimeFailure(`cannot write output file: ${path}: ${osReason(err)}`, { cause: err });
  } finally {
    unfinished.delete(temp);
  }
}

/**
 * Remove the temporary file of every asynchronous write still in progress, for a process that
 * exits right after (a second Ctrl-C, docs/exports.md §10.3): files already renamed into place
 * stay, the ones being written are not written. A write left running fails on its rename.
 */
export function removeUnfinishedTemporaryFilesSync(): void {
  for (const temp of unfinished) {
    try {
      rmSync(temp, { force: true });
    } catch {
      // Exiting anyway; the next run's cleanup removes what could not be removed here.
    }
  }
  unfinished.clear();
}
