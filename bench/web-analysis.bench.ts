// Question: how fast does the browser app analyse a trace (headless Chromium, `infermark web`),
// next to `analyze-trace` on the native and the WASM backend on the same file, and how much
// memory does the tab take? Goal (issue 12): within 2.5× of native.
// Usage: npm run build && npx vite-node bench/web-analysis.bench.ts -- --rows 2150000 --runs 3
//   (2,150,000 rows ≈ 630 MB; data generated once into bench/data/, seed 1)
// Reports medians of wall time; CPU time (user+sys, /usr/bin/time) for the CLI runs; for the
// browser the page's peak JS heap (CDP Performance.getMetrics) and the worker's WASM memory.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { launchChromium } from '../test/helpers/browser.js';
import { startChildServer } from '../test/helpers/child-server.js';

const ROOT = resolve(__dirname, '..');
const BIN = join(ROOT, 'dist', 'bin.js');
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const rows = arg('rows', 2_150_000);
const runs = arg('runs', 3);
const data = join(ROOT, 'bench', 'data', `trace-${rows}.jsonl`);
if (!existsSync(data)) {
  spawnSync('npx', ['vite-node', 'test/helpers/generate-trace.ts', '--', '--rows', String(rows), '--seed', '1', '--out', data], {
    cwd: ROOT,
    stdio: 'inherit',
  });
}
const bytes = statSync(data).size;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mbs = (s: number): string => (bytes / 1e6 / s).toFixed(1);
console.log(
  `input: ${data} (${rows} rows, ${bytes} bytes); load average before: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);

function cli(backend: string): { wall: number; cpu: number; rss: number } {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', process.execPath, BIN, 'analyze-trace', data, '--format', 'json'], {
    env: { ...process.env, INFERMARK_BACKEND: backend },
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`${backend}: ${r.stderr}`);
  const [wall, user, sys, rss] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { wall: wall!, cpu: user! + sys!, rss: rss! * 1024 };
}

for (const backend of ['native', 'wasm']) {
  const xs = Array.from({ length: runs }, () => cli(backend));
  const wall = median(xs.map((x) => x.wall));
  const cpu = median(xs.map((x) => x.cpu));
  console.log(
    `${backend.padEnd(7)} CLI   wall ${wall.toFixed(2)} s (${mbs(wall)} MB/s)  cpu ${cpu.toFixed(2)} s  peak RSS ${(median(xs.map((x) => x.rss)) / 2 ** 20).toFixed(0)} MiB`,
  );
}

const app = await startChildServer(process.execPath, [BIN, 'web', '--port', '0'], { listening: /listening on (http:\/\/\S+)/ });
const browser = await launchChromium();
const walls: number[] = [];
let heapPeak = 0;
let wasm = 0;
for (let i = 0; i < runs; i++) {
  const page = await browser.newPage();
  await page.goto(app.url);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const t0 = performance.now();
  await page.setInputFiles('#analyse-file', data);
  while (await page.locator('#analyse-result').isHidden()) {
    const m = (await cdp.send('Performance.getMetrics')).metrics.find((x) => x.name === 'JSHeapUsedSize');
    heapPeak = Math.max(heapPeak, m?.value ?? 0);
    await page.waitForTimeout(50);
  }
  walls.push((performance.now() - t0) / 1000);
  const progress = (await page.locator('#panel-analyse [data-testid="progress"]').textContent()) ?? '';
  wasm = Math.max(wasm, Number(/WASM memory ([\d.]+) MB/.exec(progress)?.[1]) * 1e6);
  await page.close();
}
await browser.close();
await app.stop('SIGINT');
const wall = median(walls);
console.log(
  `browser       wall ${wall.toFixed(2)} s (${mbs(wall)} MB/s; from choosing the file to the report, 50 ms polling)  peak page JS heap ${(heapPeak / 2 ** 20).toFixed(1)} MiB  worker WASM memory ${(wasm / 2 ** 20).toFixed(0)} MiB`,
);
console.log(
  `load average after: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
