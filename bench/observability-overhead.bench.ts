// Question: what do the live observability features cost the client? Client CPU per 1,000
// streamed requests and TTFT error against ground truth, with each feature on vs off (issue 13,
// "Performance"). The method is that of "Client overhead on TTFT" (docs/BENCHMARKS.md;
// bench/ttft-truth-harness.ts): `infermark profile` as its real CLI under /usr/bin/time against the
// ground-truth server, TTFT error = client TTFT − the server's own time to first token of the same
// request. CPU per 1,000 requests subtracts a 1-request start-up run of the same variant, as
// bench/profile-cpu.sh does. The variants take turns (order alternating) `--runs` times; figures
// are medians over the runs; the 1-minute load average is recorded around every run.
//
// A variant is one entry of VARIANTS: the flags it adds, given a free port, and optionally a URL
// that a scraper polls every `--scrape-ms` while the run goes (so the cost of being read is in the
// figures too) or a URL whose response body is read as a stream (a live page's event stream).
// Run: npm run build:ts && npx vite-node bench/observability-overhead.bench.ts -- [--variants off,metrics]
//   [--runs 3] [--concurrency 32] [--requests 1000] [--ttft 50] [--itl 10] [--osl 32] [--scrape-ms 1000]
//   [--out bench/data/observability-overhead]
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { findFile, median, overheadStats, startTruthServer, takeTruth, timed, ttftOverheads, uptime } from './ttft-truth-harness.js';

interface Variant {
  /** The flags this variant adds to the baseline command, given a free port. */
  args(port: number): string[];
  /** Polled every `--scrape-ms` during the run (a Prometheus scrape). */
  poll?(port: number): string;
  /** Opened once the run has started and read until it ends (a browser's event stream). */
  stream?(port: number): string;
}

/**
 * The variants by name; `off` is the baseline. Adding a feature to the comparison is one line. The
 * live dashboard's page event stream is read as a browser would, the endpoint is scraped as
 * Prometheus would.
 */
const VARIANTS: Record<string, Variant> = {
  off: { args: () => [] },
  metrics: { args: (p) => ['--metrics-port', String(p)], poll: (p) => `http://127.0.0.1:${p}/metrics` },
  dashboard: { args: (p) => ['--ui', 'dashboard', '--dashboard-port', String(p)], stream: (p) => `http://127.0.0.1:${p}/events` },
};

const argv = process.argv;
const arg = (name: string, dflt: string): string => {
  const i = argv.indexOf(name);
  return i > 0 ? argv[i + 1]! : dflt;
};
const ROOT = resolve(__dirname, '..');
const NAMES = arg('--variants', Object.keys(VARIANTS).join(',')).split(',');
for (const n of NAMES) if (!VARIANTS[n]) throw new Error(`unknown variant ${n}; known: ${Object.keys(VARIANTS).join(', ')}`);
const RUNS = Number(arg('--runs', '3'));
const CONC = Number(arg('--concurrency', '32'));
const REQUESTS = Number(arg('--requests', '1000'));
const TTFT = Number(arg('--ttft', '50'));
const ITL = Number(arg('--itl', '10'));
const OSL = Number(arg('--osl', '32'));
const ISL = Number(arg('--isl', '100'));
const SCRAPE_MS = Number(arg('--scrape-ms', '1000'));
const OUT = resolve(arg('--out', join(ROOT, 'bench/data/observability-overhead')));

interface RunResult {
  variant: string;
  run: number;
  requests: number;
  matched: number;
  errors: number;
  overheadMs: { mean: number; p50: number; p99: number; max: number };
  wallS: number;
  cpuS: number;
  startupCpuS: number;
  cpuPer1000S: number;
  /** Successful polls and streams of the variant's URL during the run. */
  reads: number;
  load1Before: number;
  load1After: number;
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

/** Polls and streams the variant's URLs until `stop` resolves; resolves with the successful reads. */
async function reader(variant: Variant, port: number, stop: Promise<void>): Promise<number> {
  let done = false;
  void stop.then(() => (done = true));
  let reads = 0;
  const tasks: Promise<void>[] = [];
  if (variant.poll) {
    const url = variant.poll(port);
    tasks.push(
      (async () => {
        while (!done) {
          await new Promise((r) => setTimeout(r, SCRAPE_MS));
          // Before the endpoint listens and after it closes, a poll fails: that is not a read.
          const text = await fetch(url).then(
            (r) => (r.ok ? r.text() : null),
            () => null,
          );
          if (text !== null) reads++;
        }
      })(),
    );
  }
  if (variant.stream) {
    const url = variant.stream(port);
    tasks.push(
      (async () => {
        while (!done) {
          const controller = new AbortController();
          void stop.then(() => controller.abort());
          try {
            const res = await fetch(url, { signal: controller.signal });
            if (res.ok && res.body) {
              reads++;
              const body = res.body.getReader();
              while (!done && !(await body.read()).done) {}
            }
          } catch {
            // Not listening yet, or the run ended.
          }
          if (!done) await new Promise((r) => setTimeout(r, 100));
        }
      })(),
    );
  }
  await Promise.all(tasks);
  return reads;
}

/** One `infermark profile` run of `variant` with `requests` requests; wall and CPU of the process tree. */
async function profile(name: string, url: string, requests: number, dir: string) {
  const variant = VARIANTS[name]!;
  const port = await freePort();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const cmd = [
    process.execPath,
    join(ROOT, 'dist/bin.js'),
    'profile',
    ...['-m', 'm', '--url', url, '--endpoint-type', 'chat', '--streaming', '--ui', 'none'],
    ...['--concurrency', String(CONC), '--request-count', String(requests), '--warmup-request-count', String(Math.min(CONC, requests))],
    ...['--isl', String(ISL), '--osl', String(OSL), '--artifact-dir', join(dir, 'out')],
    ...variant.args(port),
  ];
  let end!: () => void;
  const stop = new Promise<void>((r) => (end = r));
  const reads = reader(variant, port, stop);
  const t = await timed(cmd, process.env, join(dir, 'client.log'));
  end();
  const n = await reads;
  if (t.code !== 0) throw new Error(`${name} exited ${t.code}; see ${join(dir, 'client.log')}`);
  return { ...t, reads: n };
}

async function runVariant(name: string, url: string, run: number): Promise<RunResult> {
  const base = join(OUT, `${name}-r${run}`);
  await takeTruth(url);
  const startup = await profile(name, url, 1, join(base, 'startup'));
  await takeTruth(url);
  const load1Before = loadavg()[0]!;
  const t = await profile(name, url, REQUESTS, join(base, 'full'));
  const load1After = loadavg()[0]!;
  const truth = await takeTruth(url);
  const recordsFile = findFile(join(base, 'full', 'out'), 'profile_export.jsonl');
  if (!recordsFile) throw new Error(`${name}: no records file in ${base}`);
  const o = ttftOverheads(recordsFile, truth);
  return {
    variant: name,
    run,
    requests: o.requests,
    matched: o.overheadMs.length,
    errors: o.errors,
    overheadMs: overheadStats(o.overheadMs),
    wallS: t.wallS,
    cpuS: t.cpuS,
    startupCpuS: startup.cpuS,
    cpuPer1000S: ((t.cpuS - startup.cpuS) * 1000) / (REQUESTS - 1),
    reads: t.reads,
    load1Before,
    load1After,
  };
}

mkdirSync(OUT, { recursive: true });
if (!existsSync(join(ROOT, 'dist/bin.js'))) throw new Error('dist/bin.js missing: run npm run build:ts');
console.log(`# ${uptime()}`);
console.log(
  `# server: TTFT ${TTFT} ms, ITL ${ITL} ms, OSL ${OSL}; ISL ${ISL}; concurrency ${CONC}, ${REQUESTS} requests after ${CONC} warmup; ` +
    `runs ${RUNS}; variants ${NAMES.join(', ')}; polled every ${SCRAPE_MS} ms`,
);
const server = await startTruthServer(TTFT, ITL, OSL);
const results: RunResult[] = [];
try {
  for (let run = 1; run <= RUNS; run++) {
    // Alternate the order, so no variant always runs right after another's tail.
    const order = run % 2 === 1 ? NAMES : [...NAMES].reverse();
    for (const name of order) {
      const r = await runVariant(name, server.url, run);
      results.push(r);
      console.log(JSON.stringify(r));
    }
  }
} finally {
  await server.stop();
  writeFileSync(join(OUT, 'results.json'), JSON.stringify(results, null, 1));
}

const f2 = (x: number): string => x.toFixed(2);
console.log(`\n# ${uptime()}`);
console.log(
  '\n| variant | CPU per 1,000 requests | wall | CPU (start-up run) | TTFT error mean | p50 | p99 | max | reads during the run | load avg (1 min) |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
for (const name of NAMES) {
  const rs = results.filter((r) => r.variant === name);
  const m = (f: (r: RunResult) => number): number => median(rs.map(f));
  const loads = rs.flatMap((r) => [r.load1Before, r.load1After]);
  console.log(
    `| ${name} | ${f2(m((r) => r.cpuPer1000S))} s | ${f2(m((r) => r.wallS))} s | ${f2(m((r) => r.cpuS))} s (${f2(m((r) => r.startupCpuS))} s) | ` +
      `${f2(m((r) => r.overheadMs.mean))} ms | ${f2(m((r) => r.overheadMs.p50))} ms | ${f2(m((r) => r.overheadMs.p99))} ms | ${f2(m((r) => r.overheadMs.max))} ms | ` +
      `${m((r) => r.reads)} | ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} |`,
  );
}
console.log(
  `\n(medians of ${RUNS} runs; TTFT error = client TTFT − server TTFT of the same request; per-run lines above; files in ${OUT})`,
);
