// Question: on a real engine, do infermark and AIPerf 0.13 report the same figures for the same
// workload, and what does each cost on the client? The engine is llama.cpp's llama-server with a
// tiny random-weight Qwen3 model on one thread (../shared/real-server/README.md), as released
// (`--binary upstream`) or with its keep-alive patch (`--binary patched`). The workload is
// streaming chat, ISL 512, OSL 64 with ignore_eos, no warmup, at each concurrency. Every run gets
// a freshly started server (an empty prompt cache) and as many distinct prompts as it sends
// requests, so no request is served from another's cache; the clients take turns, the order
// alternating by run; figures are medians over the runs. Client CPU is user + system of the
// client's whole process tree (/usr/bin/time), start-up included; wall is the whole command;
// the 1-minute load average is read before and after each run.
// Run: bash bench/real-engine.sh (installs AIPerf, builds the CLI, then runs this file), or
//   npx vite-node bench/real-engine.bench.ts -- [--binary upstream|patched] [--concurrency 1,8]
//     [--runs 3] [--clients infermark,aiperf] [--min-requests 100] [--requests-per-slot 25]
//     [--out bench/data/real-engine]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { homedir, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { AIPERF, aiperfEnv, aiperfProfileCommand } from './aiperf-command.js';

const argv = process.argv;
const arg = (name: string, dflt: string): string => {
  const i = argv.indexOf(name);
  return i > 0 ? argv[i + 1]! : dflt;
};
const ROOT = resolve(__dirname, '..');
const SCRIPTS = resolve(ROOT, '../shared/real-server');
const REALSRV_DIR = process.env['REALSRV_DIR'] ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'infermark-real-server');
const BINARY = arg('--binary', 'upstream');
const SERVER_BIN = join(REALSRV_DIR, 'build/bin', BINARY === 'patched' ? 'llama-server' : 'llama-server-upstream');
const CONC = arg('--concurrency', '1,8').split(',').map(Number);
const RUNS = Number(arg('--runs', '3'));
type Client = 'infermark' | 'aiperf';
const CLIENTS = arg('--clients', 'infermark,aiperf').split(',') as Client[];
const ISL = 512;
const OSL = 64;
const MIN_REQUESTS = Number(arg('--min-requests', '100'));
const PER_SLOT = Number(arg('--requests-per-slot', '25'));
const OUT = resolve(arg('--out', join(ROOT, 'bench/data/real-engine')));
const MODEL = 'tiny-qwen3';

interface Stat {
  p50: number;
  p99: number;
}
interface RunResult {
  client: Client;
  concurrency: number;
  run: number;
  requests: number;
  errors: number;
  ttft: Stat;
  itl: Stat;
  latency: Stat;
  requestThroughput: number;
  osl: number;
  isl: number;
  wallS: number;
  cpuS: number;
  load1Before: number;
  load1After: number;
  /** The first error message, when there were errors. */
  firstError: string | null;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((ok) => s.close(() => ok()));
  return port;
}

function startServer(port: number): void {
  const r = spawnSync('bash', [join(SCRIPTS, 'start.sh'), String(port)], {
    env: { ...process.env, REALSRV_BIN: SERVER_BIN },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`start.sh ${port} failed:\n${r.stderr}`);
}

function stopServer(port: number): void {
  spawnSync('bash', [join(SCRIPTS, 'stop.sh'), String(port)], { stdio: 'ignore' });
}

/** Run `cmd` under /usr/bin/time; resolves with wall and user+system seconds of the whole tree. */
function timed(cmd: string[], env: NodeJS.ProcessEnv, logFile: string): Promise<{ code: number; wallS: number; cpuS: number }> {
  const timeFile = `${logFile}.time`;
  return new Promise((ok, fail) => {
    const child = spawn('/usr/bin/time', ['-f', '%e %U %S', '-o', timeFile, 'sh', '-c', 'exec "$@" >"$LOG" 2>&1', 'sh', ...cmd], {
      env: { ...env, LOG: logFile },
      stdio: 'ignore',
    });
    child.on('error', fail);
    child.on('exit', (code) => {
      const last = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!;
      const [wall, user, sys] = last.split(' ').map(Number);
      ok({ code: code ?? 1, wallS: wall!, cpuS: user! + sys! });
    });
  });
}

async function runClient(client: Client, c: number, run: number): Promise<RunResult> {
  const requests = Math.max(MIN_REQUESTS, PER_SLOT * c);
  const dir = join(OUT, `${BINARY}-${client}-c${c}-r${run}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  startServer(port);
  const url = `http://127.0.0.1:${port}`;
  const common = [
    '-m',
    MODEL,
    '--url',
    url,
    '--endpoint-type',
    'chat',
    '--streaming',
    '--concurrency',
    String(c),
    '--request-count',
    String(requests),
    '--num-dataset-entries',
    String(requests),
    '--random-seed',
    String(run),
    '--extra-inputs',
    'ignore_eos:true',
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
    ];
  } else {
    cmd = aiperfProfileCommand(common, ISL, OSL, join(dir, 'out'));
    env = aiperfEnv();
  }
  const load1Before = loadavg()[0]!;
  let t: { code: number; wallS: number; cpuS: number };
  try {
    t = await timed(cmd, env, join(dir, 'client.log'));
  } finally {
    stopServer(port);
  }
  const load1After = loadavg()[0]!;
  // Both clients write the same summary layout (infermark keeps AIPerf's names).
  const summaryFile = join(dir, 'out', 'profile_export_aiperf.json');
  if (!existsSync(summaryFile)) throw new Error(`${client} c=${c} exited ${t.code} without a summary; see ${join(dir, 'client.log')}`);
  const s = JSON.parse(readFileSync(summaryFile, 'utf8')) as Record<string, Record<string, number> | undefined>;
  const stat = (tag: string): Stat => ({ p50: s[tag]?.['p50'] ?? Number.NaN, p99: s[tag]?.['p99'] ?? Number.NaN });
  let errors = 0;
  let firstError: string | null = null;
  for (const line of readFileSync(join(dir, 'out', 'profile_export.jsonl'), 'utf8').split('\n')) {
    if (!line) continue;
    const rec = JSON.parse(line) as { error: { message?: string } | null };
    if (rec.error) {
      errors += 1;
      firstError ??= rec.error.message ?? JSON.stringify(rec.error);
    }
  }
  return {
    client,
    concurrency: c,
    run,
    requests,
    errors,
    ttft: stat('time_to_first_token'),
    itl: stat('inter_token_latency'),
    latency: stat('request_latency'),
    requestThroughput: s['request_throughput']?.['avg'] ?? Number.NaN,
    osl: s['output_sequence_length']?.['avg'] ?? Number.NaN,
    isl: s['input_sequence_length']?.['avg'] ?? Number.NaN,
    wallS: t.wallS,
    cpuS: t.cpuS,
    load1Before,
    load1After,
    firstError,
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const uptime = (): string => spawnSync('uptime', { encoding: 'utf8' }).stdout.trim();

if (!existsSync(SERVER_BIN)) throw new Error(`${SERVER_BIN} missing: run bash ../shared/real-server/setup.sh`);
if (CLIENTS.includes('aiperf') && !existsSync(AIPERF)) throw new Error(`${AIPERF} missing: run bash bench/install-aiperf.sh`);
if (CLIENTS.includes('infermark') && !existsSync(join(ROOT, 'dist/bin.js'))) throw new Error('dist/bin.js missing: run npm run build:ts');
mkdirSync(OUT, { recursive: true });
console.log(`# ${uptime()}`);
console.log(
  `# ${SERVER_BIN} (8 slots, 1 thread); streaming chat, ISL ${ISL}, OSL ${OSL} (ignore_eos); requests max(${MIN_REQUESTS}, ${PER_SLOT}·C), no warmup; runs ${RUNS}`,
);
const results: RunResult[] = [];
try {
  for (const c of CONC) {
    for (let run = 1; run <= RUNS; run++) {
      const order = run % 2 === 1 ? CLIENTS : [...CLIENTS].reverse();
      for (const client of order) {
        const r = await runClient(client, c, run);
        results.push(r);
        console.log(JSON.stringify(r));
      }
    }
  }
} finally {
  writeFileSync(join(OUT, `results-${BINARY}.json`), JSON.stringify(results, null, 1));
}

console.log(`\n# ${uptime()}`);
const f = (x: number, d = 1): string => x.toFixed(d);
console.log(
  '\n| C | client | TTFT p50 / p99 (ms) | ITL p50 / p99 (ms) | latency p50 / p99 (ms) | requests/s | errors | OSL avg | client CPU | wall | load avg (1 min) |',
);
console.log('| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
for (const c of CONC) {
  for (const client of CLIENTS) {
    const rs = results.filter((r) => r.client === client && r.concurrency === c);
    if (rs.length === 0) continue;
    const m = (g: (r: RunResult) => number): number => median(rs.map(g));
    const loads = rs.flatMap((r) => [r.load1Before, r.load1After]);
    console.log(
      `| ${c} | ${client} | ${f(m((r) => r.ttft.p50))} / ${f(m((r) => r.ttft.p99))} | ${f(
        m((r) => r.itl.p50),
        2,
      )} / ${f(
        m((r) => r.itl.p99),
        2,
      )} | ` +
        `${f(m((r) => r.latency.p50))} / ${f(m((r) => r.latency.p99))} | ${f(
          m((r) => r.requestThroughput),
          2,
        )} | ` +
        `${rs.map((r) => r.errors).join(', ')} of ${rs[0]!.requests} | ${f(
          m((r) => r.osl),
          2,
        )} | ${f(m((r) => r.cpuS))} s | ${f(m((r) => r.wallS))} s | ` +
        `${f(Math.min(...loads))}–${f(Math.max(...loads))} |`,
    );
  }
}
console.log(`\n(medians of ${RUNS} runs; errors per run; records in ${OUT})`);
