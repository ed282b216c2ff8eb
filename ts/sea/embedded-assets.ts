// The single executable's side of the seam in ts/src/embedded-assets.ts (docs/single-executable.md):
// scripts/build-sea.mjs bundles this module in place of that one. The executable carries the files
// the npm package reads from its installation as SEA assets (gzip-compressed, by their path in the
// package); a file is written out on its first use, so that everything that needs a real file
// keeps working unchanged: worker threads start from an entry file, the load workers import the
// trace opener by URL, the WASM glue reads the .wasm next to itself, tokenizers are read by path.
//
// Where: a directory named after this build's content hash under the user's cache
// ($XDG_CACHE_HOME or ~/.cache)/infermark/, created private (0700). Its files never change once
// written (each is written to a temporary name and renamed into place), so runs and concurrent
// processes share them and a second start writes nothing. When the cache is not writable, a
// private temporary directory of this process, removed at exit. INFERMARK_SEA_DIR names another
// directory; the main thread sets it to the one chosen, so its worker threads (which copy the
// environment when they start) use the same files.
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { getAsset } from 'node:sea';
import { threadId } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';
import type { EmbeddedAssets } from '../src/embedded-assets.js';

// Set by scripts/build-sea.mjs (esbuild `define`).
declare const INFERMARK_SEA_VERSION: string;
declare const INFERMARK_SEA_BUILD_ID: string;

export type { EmbeddedAssets } from '../src/embedded-assets.js';

const DIR_VARIABLE = 'INFERMARK_SEA_DIR';

let root: string | null = null;

function extractionRoot(): string {
  if (root !== null) return root;
  const given = process.env[DIR_VARIABLE];
  if (given) {
    root = given;
    return root;
  }
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  let chosen = join(cache, 'infermark', `sea-${INFERMARK_SEA_VERSION}-${INFERMARK_SEA_BUILD_ID}`);
  try {
    mkdirSync(chosen, { recursive: true, mode: 0o700 });
    accessSync(chosen, constants.W_OK);
  } catch {
    chosen = mkdtempSync(join(tmpdir(), 'infermark-sea-'));
    const own = chosen;
    process.once('exit', () => rmSync(own, { recursive: true, force: true }));
  }
  process.env[DIR_VARIABLE] = chosen;
  root = chosen;
  return root;
}

const files = new Map<string, string | null>();

function file(name: string): string | null {
  const known = files.get(name);
  if (known !== undefined) return known;
  let data: ArrayBuffer;
  try {
    data = getAsset(name);
  } catch {
    // ERR_SINGLE_EXECUTABLE_APPLICATION_ASSET_NOT_FOUND: left out of this executable
    files.set(name, null);
    return null;
  }
  const path = join(extractionRoot(), ...name.split('/'));
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const temporary = `${path}.${process.pid}-${threadId}.tmp`;
    writeFileSync(temporary, gunzipSync(new Uint8Array(data)), { mode: 0o600 });
    renameSync(temporary, path);
  }
  files.set(name, path);
  return path;
}

const assets: EmbeddedAssets = { version: INFERMARK_SEA_VERSION, file };

/** The executable's embedded files. */
export function embeddedAssets(): EmbeddedAssets | null {
  return assets;
}

export { notInSingleExecutable } from '../src/embedded-assets.js';
