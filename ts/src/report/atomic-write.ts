// Atomic file replacement (exports.md §10.1): write `.<name>.tmp-<pid>`, fsync, rename.
import { promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { RuntimeFailure } from '../cli/errors.js';

/** Path of the temporary file used for `path`. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
}

/**
 * Write `data` to `path` so a reader sees either the old file or the complete new one. On
 * failure the temporary file is removed and the error names the path.
 */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    await fsp.mkdir(dirname(path), { recursive: true });
    const fh = await fsp.open(tmp, 'w');
    try {
      await fh.writeFile(data, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, path);
  } catch (err) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    const reason = err instanceof Error ? err.message : String(err);
    throw new RuntimeFailure(`cannot write ${path}: ${reason}`, { cause: err });
  }
}
