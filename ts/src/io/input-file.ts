// Opening input files: the messages of docs/trace-format.md §2.6 for a missing, unreadable or directory path.
import { closeSync, fstatSync, openSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { osReason } from './os-reason.js';

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

/** Check that an input file can be read, before any output exists; returns its size. */
export function inputFileSize(path: string): number {
  const { fd, size } = openInputFile(path);
  closeSync(fd);
  return size;
}
