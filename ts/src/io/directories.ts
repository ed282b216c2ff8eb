// Directory creation that always terminates (Node's recursive mkdir can spin forever).
import { promises as fsp, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

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
