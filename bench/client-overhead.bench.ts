// Question: how much does the client itself add to TTFT, by concurrency, next to AIPerf 0.13 on
// the same server, and next to the least any Node client pays on this machine
// (bench/floor-client.mjs)? Client overhead of one request = the client's TTFT − the server's own
// time to first token for that request (bench/profile-truth-server.mjs records, on
// CLOCK_MONOTONIC, the instant the request reached its loop and the instant its first content
// chunk was written; requests are matched by X-Request-ID, which every client sends and
// exports). The clients run as their real CLIs, in turn, against one server process, at each
// concurrency, `--runs` times; figures are medians over the runs. Client CPU is user + system
// of the whole client process tree (/usr/bin/time), start-up included; the load average is
// printed with every run.
// Run: bash bench/client-overhead.sh  (installs AIPerf, builds, then runs this file), or
//   npx vite-node bench/client-overhead.bench.ts -- [--concurrency 1,8,64,256,500] [--runs 3]
//     [--clients floor,infermark,aiperf] [--ttft 100] [--itl 20] [--osl 32] [--requests-per-slot 4]
//     [--infermark-args '--workers 2'] [--out bench/data/client-overhead]
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { AIPERF, aiperfEnv, aiperfProfileCommand } from './aiperf-command.js';
import { findFile, median, overheadStats, startTruthServer, takeTruth, timed, ttftOverheads, uptime } from './ttft-truth-harness.js';

const argv = process.argv;
const arg = (name: string, dflt: string): string => {
  const i = argv.indexOf(name);
  return i > 0 ? argv[i + 1]! : dflt;
};
const ROOT = resolve(__dirname, '..');
const CONC = arg('--concurrency', '1,8,64,256,500').split(',').map(Number);
const RUNS = Number(arg('--runs', '3'));
type Client = 'infermark' | 'aiperf' | 'floor';
const CLIENTS = arg('--clients', 'floor,infermark,aiperf').split(',') as Client[];
const TTFT = Number(arg('--ttft', '100'));
const ITL = Number(arg('--itl', '20'));
const OSL = Number(arg('--osl', '32'));
const ISL = Number(arg('--isl', '100'));
const PER_SLOT = Number(arg('--requests-per-slot', '4'));
const MIN_REQUESTS = Number(arg('--min-requests', '40'));
const INFERMARK_ARGS = arg('--infermark-args', '').split(' ').filter(Boolean);
const OUT = resolve(arg('--out', join(ROOT, 'bench/data/client-overhead')));

interface RunResult {
  client: string;
  concurrency: number;
  run: number;
  requests: number;
  matched: number;
  errors: number;
  overheadMs: { mean: number; p50: number; p99: number; max: number };
  /** Overhead of requests that opened their connection (the server saw a new connection). */
  newConnection: { count: number; meanMs: number | null };
  wallS: number;
  cpuS: number;
  load1Before: number;
  load1After: number;
  /** infermark only: its own verdict and loop figures from the summary JSON. */
  health: { saturated: boolean; lagP99Ms: number | null; workers: number | null } | null;
}

async function runClient(client: Client, url: string, c: number, run: number): Promise<RunResult> {
  const requests = Math.max(MIN_REQUESTS, PER_SLOT * c);
  const dir = join(OUT, `${client}-c${c}-r${run}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const common = [
    '-m',
    'm',
    '--url',
    url,
    '--endpoint-type',
    'chat',
    '--streaming',
    '--concurrency',
    String(c),
    '--request-count',
    String(requests),
    '--warmup-request-count',
    String(c),
  ];
  let cmd: string[];
  let env: NodeJS.ProcessEnv = process.env;
  if (client === 'infermark') {
    cmd = [
      process.execPath,
      join(ROOT, 'dist/bin.js'),
      'profile',
      ...common,
      '--isl',
      String(ISL),
      '--osl',
      String(OSL),
      '--ui',
      'none',
      '--artifact-dir',
      join(dir, 'out'),
      ...INFERMARK_ARGS,
    ];
  } else if (client === 'floor') {
    cmd = [
      process.execPath,
      join(ROOT, 'bench/floor-client.mjs'),
      '--url',
      url,
      '--concurrency',
      String(c),
      '--request-count',
      String(requests),
      '--warmup-request-count',
      String(c),
      '--osl',
      String(OSL),
      '--out',
      join(dir, 'out'),
    ];
  } else {
    cmd = aiperfProfileCommand(common, ISL, OSL, join(dir, 'out'));
    env = aiperfEnv();
  }
  const load1Before = loadavg()[0]!;
  const t = await timed(cmd, env, join(dir, 'client.log'));
  const load1After = loadavg()[0]!;
  const truth = await takeTruth(url);
  const recordsFile = findFile(join(dir, 'out'), 'profile_export.jsonl');
  if (t.code !== 0 || !recordsFile) throw new Error(`${client} c=${c} exited ${t.code}; see ${join(dir, 'client.log')}`);
  const o = ttftOverheads(recordsFile, truth);
  const fresh = o.newConnectionMs;
  let health: RunResult['health'] = null;
  if (client === 'infermark') {
    const summary = JSON.parse(readFileSync(findFile(join(dir, 'out'), 'profile_export_aiperf.json')!, 'utf8')) as Record<string, unknown>;
    const lag = summary['client_event_loop_lag_p99'] as { avg?: number } | undefined;
    const ch = summary['client_health'] as { saturated: boolean; load_engine?: { threads: number } };
    health = { saturated: ch.saturated, lagP99Ms: lag?.avg ?? null, workers: ch.load_engine?.threads ?? null };
  }
  return {
    client,
    concurrency: c,
    run,
    requests: o.requests,
    matched: o.overheadMs.length,
    errors: o.errors,
    overheadMs: overheadStats(o.overheadMs),
    newConnection: { count: fresh.length, meanMs: fresh.length ? fresh.reduce((a, b) => a + b, 0) / fresh.length : null },
    wallS: t.wallS,
    cpuS: t.cpuS,
    load1Before,
    load1After,
    health,
  };
}

const f2 = (x: number | null): string => (x === null ? '—' : x.toFixed(2));

if (CLIENTS.includes('aiperf') && !existsSync(AIPERF)) throw new Error(`${AIPERF} missing: run bash bench/install-aiperf.sh`);
if (CLIENTS.includes('infermark') && !existsSync(join(ROOT, 'dist/bin.js'))) throw new Error('dist/bin.js missing: run npm run build:ts');
mkdirSync(OUT, { recursive: true });
console.log(`# ${uptime()}`);
console.log(
  `# server: TTFT ${TTFT} ms, ITL ${ITL} ms, OSL ${OSL}; ISL ${ISL}; requests max(${MIN_REQUESTS}, ${PER_SLOT}·C) after C warmup; runs ${RUNS}; infermark args: ${INFERMARK_ARGS.join(' ') || '(none)'}`,
);
const server = await startTruthServer(TTFT, ITL, OSL);
const results: RunResult[] = [];
try {
  for (const c of CONC) {
    for (let run = 1; run <= RUNS; run++) {
      // Alternate which client goes first, so neither always runs right after the other's tail.
      const order = run % 2 === 1 ? CLIENTS : [...CLIENTS].reverse();
      for (const client of order) {
        const r = await runClient(client, server.url, c, run);
        results.push(r);
        console.log(JSON.stringify(r));
      }
    }
  }
} finally {
  await server.stop();
  writeFileSync(join(OUT, 'results.json'), JSON.stringify(results, null, 1));
}

console.log(`\n# ${uptime()}`);
console.log(
  '\n| concurrency | client | overhead mean | p50 | p99 | max | new-connection requests (mean overhead) | client wall | client CPU | load avg (1 min) | infermark health |',
);
console.log('| ---: | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- | --- |');
for (const c of CONC) {
  for (const client of CLIENTS) {
    const rs = results.filter((r) => r.client === client && r.concurrency === c);
    if (rs.length === 0) continue;
    const m = (f: (r: RunResult) => number): number => median(rs.map(f));
    const fresh = rs.map((r) => r.newConnection.count);
    const freshMean = rs.flatMap((r) => (r.newConnection.meanMs === null ? [] : [r.newConnection.meanMs]));
    const loads = rs.flatMap((r) => [r.load1Before, r.load1After]);
    const health = rs[0]!.health
      ? `${rs.filter((r) => r.health!.saturated).length}/${rs.length} saturated, lag p99 ${f2(m((r) => r.health!.lagP99Ms ?? NaN))} ms, workers ${rs[0]!.health!.workers ?? '—'}`
      : '';
    console.log(
      `| ${c} | ${client} | ${f2(m((r) => r.overheadMs.mean))} ms | ${f2(m((r) => r.overheadMs.p50))} ms | ${f2(m((r) => r.overheadMs.p99))} ms | ${f2(m((r) => r.overheadMs.max))} ms | ` +
        `${median(fresh)} of ${m((r) => r.matched)} (${freshMean.length ? `${f2(median(freshMean))} ms` : '—'}) | ${m((r) => r.wallS).toFixed(1)} s | ${m((r) => r.cpuS).toFixed(1)} s | ` +
        `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} | ${health} |`,
    );
  }
}
console.log(
  `\n(medians of ${RUNS} runs; overhead = client TTFT − server TTFT of the same request; per-run lines above; records in ${OUT})`,
);
