// Question (issue 16, defects 5 and 6): how long do pathological contents take now — a 50 MB SSE
// event through the SSE splitter and through a whole `profile` run (next to curl), counting the
// tokens of a 1 MB single-word response, and stopping `hash-prompts` with Ctrl-C in the middle of a
// 5 MB single-word prompt — and, with `--baseline DIR` (another build's dist/), how long the same
// took there?
// Usage: npm run build && npx vite-node bench/pathological-content.bench.ts -- [--runs 5] [--baseline /path/to/old/dist]
//        [--sections splitter,count,profile,interrupt]
// Reports medians of wall and CPU time (user+sys) and the load average; on a shared machine CPU
// time is the stabler figure. The baseline's slow cases run once (they take minutes).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startFaultServer } from '../test/helpers/fault-server.js';

const argValue = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const runs = Number(argValue('runs') ?? 5);
const baseline = argValue('baseline');
/** `--sections splitter,count,profile,interrupt` runs only those (default: all). */
const sections = new Set((argValue('sections') ?? 'splitter,count,profile,interrupt').split(','));
const DIST = resolve(__dirname, '../dist');
const work = mkdtempSync(join(tmpdir(), 'infermark-pathological-bench-'));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const loadavg = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const MB = 1024 * 1024;

/** Wall and CPU seconds of `fn` in this process (median over `n` runs). */
async function timed(n: number, fn: () => unknown): Promise<{ wall: number; cpu: number }> {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < n; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    walls.push((performance.now() - t0) / 1000);
    const c = process.cpuUsage(c0);
    cpus.push((c.user + c.system) / 1e6);
  }
  return { wall: median(walls), cpu: median(cpus) };
}

function letters(n: number, seed = 7): string {
  let x = seed;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out.push(String.fromCharCode(97 + (x % 26)));
  }
  return out.join('');
}

const line = (label: string, r: { wall: number; cpu: number }, extra = ''): void =>
  console.log(`${label.padEnd(58)} wall ${r.wall.toFixed(2)} s  cpu ${r.cpu.toFixed(2)} s${extra}`);

console.log(`runs ${runs}; load average at start: ${loadavg()}`);

// 1. A 50 MB single-line event through the splitter alone, in 64 KiB chunks as undici delivers them.
if (sections.has('splitter')) {
  const event = new TextEncoder().encode(`data: {"choices":[{"delta":{"content":"${'x'.repeat(50 * MB)}"}}]}\n\ndata: [DONE]\n\n`);
  async function splitAll(dist: string): Promise<void> {
    const { SseSplitter } = (await import(`${dist}/load/sse.js`)) as typeof import('../ts/src/load/sse.js');
    const s = new SseSplitter();
    const out: { data: string }[] = [];
    for (let i = 0; i < event.length; i += 65_536) s.push(event.subarray(i, i + 65_536), 0n, out as never);
    if (out.length !== 2) throw new Error(`expected 2 events, got ${out.length}`);
  }
  line('SSE splitter, one 50 MB event', await timed(runs, () => splitAll(DIST)));
  if (baseline) line('SSE splitter, one 50 MB event (baseline)', await timed(1, () => splitAll(baseline)));
}

// 2. Counting the tokens of a 1 MB single-word response: random letters, a fresh word per run (a
// word of one repeated letter is answered from the window cache).
if (sections.has('count')) {
  const words = Array.from({ length: runs }, (_, k) => letters(MB, 7 + k));
  {
    const { loadTokenizer } = (await import(`${DIST}/tokenizer/index.js`)) as typeof import('../ts/src/tokenizer/index.js');
    const { countTokens } = (await import(`${DIST}/tokenizer/count-windows.js`)) as typeof import('../ts/src/tokenizer/count-windows.js');
    const tok = await loadTokenizer('builtin');
    tok.count('warm up');
    let k = 0;
    let result = { tokens: 0, estimated: false };
    const r = await timed(runs, () => {
      result = countTokens(tok, words[k++]!);
    });
    line('count tokens, 1 MB single word', r, ` (first word: ${countTokens(tok, words[0]!).tokens} tokens, estimated ${result.estimated})`);
  }
  if (baseline) {
    const { loadTokenizer } = (await import(`${baseline}/tokenizer/index.js`)) as typeof import('../ts/src/tokenizer/index.js');
    const tok = await loadTokenizer('builtin');
    let tokens = 0;
    const r = await timed(1, () => {
      tokens = tok.count(words[0]!);
    });
    line('count tokens, 1 MB single word (baseline)', r, ` (first word: ${tokens} tokens, exact)`);
  }
}

/** `node DIST/bin.js ARGS` under /usr/bin/time: wall, CPU (user+sys) and peak RSS. Asynchronous: the fault server lives in this process. */
async function cli(dist: string, args: string[]): Promise<{ wall: number; cpu: number; rssMb: number; status: number | null }> {
  const child = spawn('/usr/bin/time', ['-f', '%e %U %S %M', process.execPath, `${dist}/bin.js`, ...args], { cwd: work });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  const status = await new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const [e, u, s, m] = stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { wall: e!, cpu: u! + s!, rssMb: m! / 1024, status };
}

// 3. A whole `profile` run of one request whose answer is one 50 MB single-word event, next to curl.
if (sections.has('profile')) {
  const server = await startFaultServer({ kind: 'one-word', chars: 50 * MB });
  const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true });
  const curl: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await new Promise<string>((done) => {
      const c = spawn('curl', [
        '-s',
        '-o',
        '/dev/null',
        '-w',
        '%{time_total}',
        '-H',
        'content-type: application/json',
        '-d',
        body,
        `${server.url}/v1/chat/completions`,
      ]);
      let out = '';
      c.stdout.on('data', (d: Buffer) => (out += d.toString()));
      c.on('exit', () => done(out));
    });
    curl.push(Number(r));
  }
  console.log(`${'curl, one 50 MB event'.padEnd(58)} wall ${median(curl).toFixed(2)} s`);
  const profileRun = async (dist: string) => {
    const dir = join(work, `p-${Math.random().toString(36).slice(2)}`);
    const r = await cli(dist, [
      'profile',
      '-m',
      'm',
      '--url',
      server.url,
      '--streaming',
      '--request-count',
      '1',
      '--isl',
      '20',
      '--ui',
      'none',
      '--artifact-dir',
      dir,
    ]);
    const rec = JSON.parse(readFileSync(join(dir, 'profile_export.jsonl'), 'utf8').split('\n')[0]!);
    rmSync(dir, { recursive: true, force: true });
    return { ...r, latencyS: rec.metrics.request_latency.value / 1000, estimated: rec.metadata.token_counts_estimated === true };
  };
  const results: Awaited<ReturnType<typeof profileRun>>[] = [];
  for (let i = 0; i < runs; i++) results.push(await profileRun(DIST));
  console.log(
    `${'profile, one request answered by one 50 MB event'.padEnd(58)} wall ${median(results.map((r) => r.wall)).toFixed(2)} s  cpu ${median(results.map((r) => r.cpu)).toFixed(2)} s  peak RSS ${median(results.map((r) => r.rssMb)).toFixed(0)} MB  request_latency ${median(results.map((r) => r.latencyS)).toFixed(2)} s  estimated ${results[0]!.estimated}`,
  );
  await server.close();
}

// 4. hash-prompts stopped by a signal in the middle of a 5 MB single-word prompt: time from the
// signal to the exit. The signal goes 1 s after the temporary output appeared (the run has started
// and the prompt is being tokenized), as in test/e2e/hash-prompts.test.ts.
async function interruptLatency(dist: string, signal: NodeJS.Signals): Promise<{ ms: number; code: number | null; left: string[] }> {
  const child = spawn(process.execPath, [`${dist}/bin.js`, 'hash-prompts', 'word.jsonl', '-o', 'word-out.jsonl'], { cwd: work });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  while (!readdirSync(work).some((f) => f.startsWith('.word-out.jsonl.tmp-'))) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 1000));
  const t0 = performance.now();
  child.kill(signal);
  const code = await exited;
  const ms = performance.now() - t0;
  const left = readdirSync(work).filter((f) => f.includes('word-out'));
  for (const f of left) rmSync(join(work, f), { force: true });
  return { ms, code, left };
}
if (sections.has('interrupt')) {
  writeFileSync(join(work, 'word.jsonl'), `${JSON.stringify({ prompt: letters(5_000_000) })}\n`);
  const report = (label: string, r: Awaited<ReturnType<typeof interruptLatency>>[]): void =>
    console.log(
      `${label.padEnd(58)} exit ${r.map((x) => x.code).join(',')} after median ${median(r.map((x) => x.ms)).toFixed(0)} ms (max ${Math.max(...r.map((x) => x.ms)).toFixed(0)} ms); files left: ${r.flatMap((x) => x.left).length}`,
    );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const r: Awaited<ReturnType<typeof interruptLatency>>[] = [];
    for (let i = 0; i < runs; i++) r.push(await interruptLatency(DIST, signal));
    report(`hash-prompts, ${signal} during a 5 MB single-word prompt`, r);
  }
  if (baseline) report('hash-prompts, SIGINT during it (baseline)', [await interruptLatency(baseline, 'SIGINT')]);
  const done = await cli(DIST, ['hash-prompts', 'word.jsonl', '-o', 'word-out.jsonl', '--force']);
  console.log(
    `${'hash-prompts to the end, 5 MB single-word prompt'.padEnd(58)} wall ${done.wall.toFixed(2)} s  cpu ${done.cpu.toFixed(2)} s  peak RSS ${done.rssMb.toFixed(0)} MB`,
  );
  if (baseline) {
    const old = await cli(baseline, ['hash-prompts', 'word.jsonl', '-o', 'word-out.jsonl', '--force']);
    console.log(
      `${'hash-prompts to the end, 5 MB single-word prompt (baseline)'.padEnd(58)} wall ${old.wall.toFixed(2)} s  cpu ${old.cpu.toFixed(2)} s  peak RSS ${old.rssMb.toFixed(0)} MB`,
    );
  }
}
console.log(`load average at end: ${loadavg()}`);
rmSync(work, { recursive: true, force: true });
