// Question: how long after launch does a fixed-schedule replay send its first request, and how
// much memory does it hold, for the real 12,031-row trace and for a 2,000,000-row generated one,
// next to AIPerf 0.13 on the same files? (docs/BENCHMARKS.md, "Trace replay: start-up and memory".)
// Each client replays the file against the zero-latency recording server; "first request" is the
// server's arrival stamp of the first request minus the instant just before the spawn (one
// monotonic clock for both processes). The replay then runs for --hold seconds while the RSS of
// the client's whole process tree is sampled every 50 ms, and is interrupted (SIGINT, as Ctrl-C).
// Peak RSS is the largest sample from launch to exit. A client that sends nothing within
// --timeout seconds is recorded as such.
// Run: npm run build && npx vite-node bench/replay-startup.bench.ts -- [--runs 3] [--hold 15]
//        [--rows 2000000] [--timeout 900] [--clients infermark,aiperf] [--files real,generated]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { aiperfInstalled, type Client, interruptTree, median, ROOT, startReplay } from './replay-harness.js';

const argv = process.argv;
const arg = (name: string, dflt: string): string => {
  const i = argv.indexOf(name);
  return i > 0 ? argv[i + 1]! : dflt;
};
const RUNS = Number(arg('--runs', '3'));
const HOLD_S = Number(arg('--hold', '15'));
const ROWS = Number(arg('--rows', '2000000'));
const TIMEOUT_S = Number(arg('--timeout', '900'));
const CLIENTS = arg('--clients', 'infermark,aiperf')
  .split(',')
  .filter((c) => c === 'infermark' || aiperfInstalled()) as Client[];
const OUT = join(ROOT, 'bench/data/replay-startup');
const REAL = resolve(ROOT, '../shared/data/mooncake/conversation_trace.jsonl');

/**
 * A `rows`-row trace synthesised from the real one (`synthesize --mode generate`, seed 1): the
 * analyse → synthesise → replay path, and, unlike the analysis benches' random traces, free of
 * materialisation size conflicts (both clients refuse those).
 */
function generated(rows: number): string {
  const file = join(ROOT, `bench/data/generated-${rows}.jsonl`);
  if (!existsSync(file)) {
    const r = spawnSync(
      process.execPath,
      [
        join(ROOT, 'dist/bin.js'),
        'synthesize',
        '--mode',
        'generate',
        '--num-requests',
        String(rows),
        '--random-seed',
        '1',
        '--no-analysis',
        REAL,
        '-o',
        file,
      ],
      { cwd: ROOT, stdio: 'inherit' },
    );
    if (r.status !== 0) throw new Error('trace generation failed');
  }
  return file;
}

interface Result {
  client: Client;
  file: string;
  run: number;
  firstRequestS: number | null;
  sentInHold: number;
  peakRssMiB: number;
  wallS: number;
  cpuS: number;
  load: string;
}

async function once(client: Client, name: string, file: string, run: number): Promise<Result> {
  const { recorder, timed, load } = await startReplay(client, file, join(OUT, `${client}-${name}-${run}`));
  try {
    let exited = false;
    void timed.done.then(() => {
      exited = true;
    });
    let first: bigint | null = null;
    const deadline = Date.now() + TIMEOUT_S * 1000;
    while (first === null && !exited && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      first = (await recorder.arrivals()).firstNs;
    }
    if (first !== null && !exited) await new Promise((r) => setTimeout(r, HOLD_S * 1000));
    const sent = (await recorder.arrivals()).rows.length;
    interruptTree(timed);
    // A client that does not stop within a minute of Ctrl-C is killed (and the figure says so).
    const killer = setTimeout(() => interruptTree(timed, 'SIGKILL'), 60_000);
    const t = await timed.done;
    clearTimeout(killer);
    return {
      client,
      file: name,
      run,
      firstRequestS: first === null ? null : Number(first - timed.launchNs) / 1e9,
      sentInHold: sent,
      peakRssMiB: t.peakRss / 2 ** 20,
      wallS: t.wallS,
      cpuS: t.cpuS,
      load,
    };
  } finally {
    await recorder.stop();
  }
}

mkdirSync(OUT, { recursive: true });
// `--files real` or `--files generated` runs one of the two (AIPerf cannot hold the 2M-row file).
const FILES = arg('--files', 'real,generated').split(',');
const files: [string, string][] = [
  ...(FILES.includes('real') ? [['real-12031', REAL] as [string, string]] : []),
  ...(FILES.includes('generated') ? [[`generated-${ROWS}`, generated(ROWS)] as [string, string]] : []),
];
const results: Result[] = [];
for (const [name, file] of files) {
  console.error(`${name}: ${(statSync(file).size / 1e6).toFixed(1)} MB`);
  for (let run = 0; run < RUNS; run++) {
    for (const client of run % 2 === 0 ? CLIENTS : [...CLIENTS].reverse()) {
      const r = await once(client, name, file, run);
      results.push(r);
      console.error(
        `${client} ${name} run ${run}: first request ${r.firstRequestS?.toFixed(3) ?? 'none'} s, ${r.sentInHold} sent, peak RSS ${r.peakRssMiB.toFixed(0)} MiB, wall ${r.wallS} s, cpu ${r.cpuS.toFixed(2)} s, load ${r.load}`,
      );
    }
  }
}
writeFileSync(join(OUT, 'results.json'), JSON.stringify(results, null, 2));
console.log(
  `| file | client | first request s (median) | peak RSS MiB (median) | requests in ${HOLD_S} s | CPU s to exit | load (1/5/15 min) |`,
);
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const [name] of files) {
  for (const client of CLIENTS) {
    const rs = results.filter((r) => r.file === name && r.client === client);
    const firsts = rs.map((r) => r.firstRequestS).filter((x): x is number => x !== null);
    console.log(
      `| ${name} | ${client} | ${firsts.length === rs.length ? median(firsts).toFixed(3) : `none within ${TIMEOUT_S} s in ${rs.length - firsts.length} of ${rs.length}`} | ${median(rs.map((r) => r.peakRssMiB)).toFixed(0)} | ${rs.map((r) => r.sentInHold).join(', ')} | ${median(rs.map((r) => r.cpuS)).toFixed(1)} | ${rs.map((r) => r.load).join('; ')} |`,
    );
  }
}
