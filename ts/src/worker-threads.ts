// What every worker thread infermark starts needs: its compiled entry file and the process flags
// it may inherit.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { embeddedAssets } from './embedded-assets.js';

/**
 * The compiled entry of a worker thread, `path` relative to ts/src (e.g. `load/worker-main.js`):
 * next to this module when running from dist/, else (vitest runs the TypeScript sources) the
 * built copy in dist/; null when neither exists (not built yet). The single executable embeds each
 * entry as one self-contained ES module bundle (`workers/…mjs`) and writes it out on first use.
 */
export function compiledWorkerEntry(path: string): URL | null {
  const embedded = embeddedAssets();
  if (embedded) {
    const file = embedded.file(`workers/${path.replace(/\.js$/, '.mjs')}`);
    return file === null ? null : pathToFileURL(file);
  }
  const here = new URL(`./${path}`, import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL(`../../dist/${path}`, import.meta.url);
  return existsSync(fileURLToPath(built)) ? built : null;
}

/**
 * The process's flags for a worker thread, without `--input-type`: a thread inherits the flags but
 * not the `-e` source they were for, and Node 20 then refuses to start it
 * (`ERR_INPUT_TYPE_NOT_ALLOWED`; nodejs/node#54979), as under `node --input-type=module -e "…"`.
 * Every `new Worker` of infermark passes this as its `execArgv`.
 */
export function workerExecArgv(): string[] {
  const out: string[] = [];
  for (let i = 0; i < process.execArgv.length; i++) {
    const flag = process.execArgv[i]!;
    if (flag === '--input-type') i++;
    else if (!flag.startsWith('--input-type=')) out.push(flag);
  }
  return out;
}
