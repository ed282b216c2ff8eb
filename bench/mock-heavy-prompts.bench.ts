// Question: how many trace-sized prompts per second does serve-mock take before its recorded
// queue time grows, and does its event loop stay responsive meanwhile (docs/serve-mock.md §3.5, §10)?
// Per latency model, prompt size and concurrency (a closed loop: each slot sends its next request
// when the last one ends): requests/s, the server's CPU time next to the wall time, how late its
// event loop answers (a /health probe every 20 ms while the load runs), the queue and TTFT the
// mock recorded (§8), and the client's TTFT minus the recorded one for the same request.
// The server runs as its own process (the CLI); prompts are distinct slices of the corpus, so
// no cache helps; 16 output tokens, streaming completions. Each cell runs `--runs` times against
// the same server; the last row of a cell is the median of each column over the runs.
// Run: npm run build:ts && npx vite-node bench/mock-heavy-prompts.bench.ts -- [--bin dist/bin.js]
//        [--models engine,none] [--sizes 1000,10000,50000,100000] [--concurrency 1,4,16]
//        [--seconds 10] [--runs 1] [--server-args '--tokenizer-threads 1']
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { corpusText } from '../ts/src/tokenizer/corpus.js';
import { type ChildServer, startChildServer } from '../test/helpers/child-server.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const BIN = arg('bin', 'dist/bin.js');
const MODELS = arg('models', 'engine,none').split(',');
const SIZES = arg('sizes', '1000,10000,50000,100000').split(',').map(Number);
const CONCURRENCY = arg('concurrency', '1,4,16').split(',').map(Number);
const SECONDS = Number(arg('seconds', '10'));
const RUNS = Number(arg('runs', '1'));
const SERVER_ARGS = arg('server-args', '').split(' ').filter(Boolean);
const OSL = 16;
// Characters per token of the corpus with the bundled tokenizer (measured: 400,000 → 96,300).
const CHARS_PER_TOKEN = 4.15;

const corpus = corpusText();
const twice = corpus + corpus;
let promptSerial = 0;
/** A prompt of about `tokens` tokens no other request has sent (a unique head, a random slice). */
function prompt(tokens: number): string {
  const chars = Math.round(tokens * CHARS_PER_TOKEN);
  const n = promptSerial++;
  const at = (n * 7919 * 31) % corpus.length;
  return `Request ${n}. ${twice.slice(at, at + chars)}`;
}

const TICK = 100; // USER_HZ on Linux
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICK;
}
const loadavg = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

function startServer(model: string, recordFile: string): Promise<ChildServer> {
  const args = [
    BIN,
    'serve-mock',
    '--port',
    '0',
    '--latency-model',
    model,
    '--max-model-len',
    '262144',
    '--record-requests',
    recordFile,
    ...(model === 'engine' ? ['--kv-cache-blocks', '131072'] : []),
    ...SERVER_ARGS,
  ];
  return startChildServer(process.execPath, args, { listening: /listening on (http:\/\/\S+)/ });
}

interface Result {
  num: number;
  ttft: number;
  latency: number;
}

async function one(url: string, dispatcher: Agent, tokens: number): Promise<Result> {
  const body = JSON.stringify({ prompt: prompt(tokens), max_tokens: OSL, ignore_eos: true, stream: true });
  const start = performance.now();
  const res = await request(`${url}/v1/completions`, { method: 'POST', dispatcher, headers: { 'content-type': 'application/json' }, body });
  if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${await res.body.text()}`);
  let ttft = -1;
  let events = 0;
  let num = -1;
  let text = '';
  for await (const chunk of res.body) {
    const at = performance.now();
    const s = (chunk as Buffer).toString();
    if (num < 0) {
      text += s;
      const m = /"id":"cmpl-(\d+)"/.exec(text);
      if (m) num = Number(m[1]);
    }
    // The role event comes at submission; the first token event after it.
    events += s.split('\n\n').length - 1;
    if (ttft < 0 && events >= 2) ttft = at - start;
  }
  return { num, ttft, latency: performance.now() - start };
}

/** Sequential GETs of /health, one 20 ms after the last answer: how late the serving loop answers. */
function probe(url: string): { stop: () => Promise<number[]> } {
  const dispatcher = new Agent({ connections: 1 });
  const samples: number[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const t = performance.now();
      const r = await request(`${url}/health`, { dispatcher });
      await r.body.text();
      samples.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done;
      await dispatcher.close();
      return samples;
    },
  };
}

const q = (xs: number[], p: number): number => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};
const median = (xs: number[]): number => q(xs, 0.5);
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const f = (x: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : '-');

/** One run of one cell: what a row shows. */
interface Cell {
  tokens: number;
  done: number;
  rps: number;
  cpuS: number;
  wallS: number;
  clientTtftP50: number;
  clientTtftP99: number;
  recordedTtftP50: number;
  recordedQueueP50: number;
  diffMean: number;
  diffP99: number;
  lagP50: number;
  lagP99: number;
  lagMax: number;
  load: string;
}

async function runCell(url: string, pid: number, recordFile: string, size: number, c: number): Promise<Cell> {
  const dispatcher = new Agent({ connections: c });
  const results: Result[] = [];
  const load0 = loadavg();
  const cpu0 = cpuSeconds(pid);
  const p = probe(url);
  const t0 = performance.now();
  const deadline = t0 + SECONDS * 1000;
  // Closed loop: each slot sends its next request when the last one ends, until the deadline
  // (at least one request per slot), then the requests in flight finish.
  await Promise.all(
    Array.from({ length: c }, async () => {
      do results.push(await one(url, dispatcher, size));
      while (performance.now() < deadline);
    }),
  );
  const wallS = (performance.now() - t0) / 1000;
  const cpuS = cpuSeconds(pid) - cpu0;
  const lag = await p.stop();
  await dispatcher.close();
  // The mock writes its row when the response has ended: wait for this cell's rows.
  let rows: Array<{ request_num: number; ttft_ms: number; queue_ms: number; prompt_tokens: number }> = [];
  for (let tries = 0; tries < 50; tries++) {
    rows = readFileSync(recordFile, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    const byNum = new Set(rows.map((r) => r.request_num));
    if (results.every((r) => byNum.has(r.num))) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const byNum = new Map(rows.map((r) => [r.request_num, r]));
  const truth = results.map((r) => byNum.get(r.num)!);
  const diff = results.map((r, i) => r.ttft - truth[i]!.ttft_ms);
  const clientTtft = results.map((r) => r.ttft);
  return {
    tokens: mean(truth.map((t) => t.prompt_tokens)),
    done: results.length,
    rps: results.length / wallS,
    cpuS,
    wallS,
    clientTtftP50: q(clientTtft, 0.5),
    clientTtftP99: q(clientTtft, 0.99),
    recordedTtftP50: q(
      truth.map((t) => t.ttft_ms),
      0.5,
    ),
    recordedQueueP50: q(
      truth.map((t) => t.queue_ms),
      0.5,
    ),
    diffMean: mean(diff),
    diffP99: q(diff, 0.99),
    lagP50: q(lag, 0.5),
    lagP99: q(lag, 0.99),
    lagMax: Math.max(...lag),
    load: `${load0} → ${loadavg()}`,
  };
}

function row(model: string, c: number, x: Cell, label = ''): string {
  return [
    model.padEnd(6),
    f(x.tokens, 0).padStart(10),
    String(c).padStart(2),
    (label || f(x.done, 0)).padStart(6),
    f(x.rps, 2).padStart(5),
    `${f(x.cpuS, 1)} s / ${f(x.wallS, 1)} s`.padStart(15),
    `${f(x.clientTtftP50)} / ${f(x.clientTtftP99)}`.padStart(21),
    f(x.recordedTtftP50).padStart(17),
    f(x.recordedQueueP50).padStart(18),
    `${f(x.diffMean, 2)} / ${f(x.diffP99, 2)}`.padStart(33),
    `${f(x.lagP50)} / ${f(x.lagP99)} / ${f(x.lagMax)}`.padStart(26),
    x.load,
  ].join(' | ');
}

/** The median of every numeric column over the runs of a cell. */
function medianCell(runs: Cell[]): Cell {
  const m = (k: Exclude<keyof Cell, 'load'>): number => median(runs.map((r) => r[k]));
  return {
    tokens: m('tokens'),
    done: m('done'),
    rps: m('rps'),
    cpuS: m('cpuS'),
    wallS: m('wallS'),
    clientTtftP50: m('clientTtftP50'),
    clientTtftP99: m('clientTtftP99'),
    recordedTtftP50: m('recordedTtftP50'),
    recordedQueueP50: m('recordedQueueP50'),
    diffMean: m('diffMean'),
    diffP99: m('diffP99'),
    lagP50: m('lagP50'),
    lagP99: m('lagP99'),
    lagMax: m('lagMax'),
    load: '',
  };
}

console.log(
  `serve-mock under long prompts: ${BIN} ${SERVER_ARGS.join(' ')}; ${OSL} output tokens, streaming; ${RUNS} run(s) per cell; load average ${loadavg()}`,
);
console.log(
  'model  | prompt tok | C  |   done | req/s | server CPU / wall | client TTFT p50 / p99 | recorded TTFT p50 | recorded queue p50 | client − recorded TTFT mean / p99 | loop probe p50 / p99 / max | load avg',
);
for (const model of MODELS) {
  const dir = mkdtempSync(join(tmpdir(), 'im-heavy-'));
  const recordFile = join(dir, 'requests.jsonl');
  const server = await startServer(model, recordFile);
  const { pid, url } = server;
  try {
    // Warm-up: every size once, so JIT, threads and connections are not in the first cell.
    const warm = new Agent({ connections: 1 });
    for (const size of SIZES) await one(url, warm, size);
    await warm.close();
    for (const size of SIZES) {
      for (const c of CONCURRENCY) {
        const runs: Cell[] = [];
        for (let r = 0; r < RUNS; r++) {
          runs.push(await runCell(url, pid, recordFile, size, c));
          console.log(row(model, c, runs.at(-1)!));
        }
        if (RUNS > 1) console.log(row(model, c, medianCell(runs), 'median'));
      }
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
