// One atomic-write discipline for every summary file: a temporary sibling, then a rename
// (docs/exports.md §10.1); devices and FIFOs are written in place.
import { close, closeSync, fsync, promises as fsp, openSync, renameSync, rmSync, writeFile, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { dirname } from 'node:path';
import { RuntimeFailure } from '../errors.js';
import { openInPlace, resolveOutputPath, temporarySibling, writeAll } from './output-target.js';
import { makeDirectory, makeDirectorySync } from './directories.js';
import { osReason } from './os-reason.js';

/** Write `text` in place (a device, FIFO or standard stream). */
function writeInPlace(path: string, target: string, text: string | Uint8Array): void {
  const { fd, own } = openInPlace(path, target);
  try {
    writeAll(fd, Buffer.from(text));
  } catch (err) {
    throw new RuntimeFailure(`cannot write output file: ${path}: ${osReason(err)}`, { cause: err });
  } finally {
    if (own) closeSync(fd);
  }
}

/**
 * Write `text` (or bytes, such as a PNG) to `path` atomically (parent directories are created).
 * Failures name the path (exit 1).
 */
export function writeFileAtomicSync(path: string, text: string | Uint8Array): void {
  const { target, inPlace } = resolveOutputPath(path);
  if (inPlace) {
    writeInPlace(path, target, text);
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
  const { target, inPlace } = resolveOutputPath(path);
  if (inPlace) {
    // A device or stream is written synchronously, in place.
    writeInPlace(path, target, typeof text === 'string' ? text : [...pieces(text)].join(''));
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
