// Question: how fast does the core's ReplayDataset take a trace in (push + finish, MB/s) and
// build prompts (promptTokens and promptText, prompt tokens/s), native and WASM, and how many
// bytes does it keep per row (docs/synthesis.md §6; issue 10's goals: push ≥ ~250 MB/s native on
// a 2M-row trace, prompts well over 100 M tokens/s native)?
// Input: each file read into memory first (no file I/O timed), pushed in 4 MiB chunks as the CLI
// does. Prompts: the bundled Qwen3 tokenizer's corpus K (docs/synthesis.md §6.1), its EOS as the
// separator, each corpus token's bytes from decoding it alone; `--prompt-turns` turns spread
// evenly over the file. Wall time and process CPU time (user + sys, all threads: the native
// build hashes the scope on a second thread) per run; the last row per file is the median.
// Run: NODE_OPTIONS=--expose-gc npx vite-node bench/replay-dataset.bench.ts -- [--files real,bench/data/trace-2000000-materialisable.jsonl]
//        [--backends native,wasm] [--runs 5] [--prompt-turns 2000]
// (--expose-gc: the previous run's dataset is collected before the next one starts; V8 does not
// see the native memory a dataset holds, so without it several stay alive and skew later runs.)
// The 2M-row file (the plain generated one has size conflicts, docs/trace-format.md §7.1):
//   npx vite-node test/helpers/generate-trace.ts -- --rows 2000000 --seed 1 --materialisable 1 --out bench/data/trace-2000000-materialisable.jsonl
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type BackendName, ReplayDataset, packageRoot } from '../ts/src/index.js';
import { corpusTokens } from '../ts/src/tokenizer/corpus.js';
import { builtinTokenizer } from '../ts/src/tokenizer/index.js';
import { REAL_TRACE } from '../test/bindings/examples.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const FILES = arg('files', 'real,bench/data/trace-2000000-materialisable.jsonl')
  .split(',')
  .map((f) => (f === 'real' ? resolve(packageRoot(), REAL_TRACE) : resolve(f)));
const BACKENDS = arg('backends', 'native,wasm').split(',') as BackendName[];
const RUNS = Number(arg('runs', '5'));
const PROMPT_TURNS = Number(arg('prompt-turns', '2000'));
const CHUNK = 4 << 20;

const collectGarbage = (globalThis as { gc?: () => void }).gc;
const loadavg = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const cpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** The materialisation tables of the bundled tokenizer (only the corpus tokens and the separator need bytes). */
async function tables(): Promise<{ corpus: Uint32Array; tokenBytes: Uint8Array; tokenOffsets: Uint32Array; separator: number }> {
  const tok = await builtinTokenizer();
  const corpus = corpusTokens(tok);
  const separator = tok.bosTokenId ?? tok.eosTokenId ?? -1;
  const used = new Set<number>(corpus);
  if (separator >= 0) used.add(separator);
  const vocab = Math.max(...used) + 1;
  const pieces: Buffer[] = [];
  const tokenOffsets = new Uint32Array(vocab + 1);
  let at = 0;
  for (let id = 0; id < vocab; id++) {
    if (used.has(id)) {
      const b = Buffer.from(tok.decode([id], { skipSpecialTokens: false }));
      pieces.push(b);
      at += b.length;
    }
    tokenOffsets[id + 1] = at;
  }
  return { corpus, tokenBytes: new Uint8Array(Buffer.concat(pieces)), tokenOffsets, separator };
}

interface Row {
  file: string;
  backend: string;
  run: string;
  'push wall s': number;
  'push MB/s': number;
  'push CPU s': number;
  'MB per CPU-s': number;
  'B/row kept': number;
  'B/row peak': number;
  'prompt Mtok/s': number;
  'prompt Mtok per CPU-s': number;
  'tokens only Mtok/s': number;
  'text only Mtok/s': number;
}

const t = await tables();
// One untimed pass per backend first: the WASM module compiles and warms up on first use.
for (const backend of BACKENDS) {
  const warm = new ReplayDataset({ backend });
  warm.push(readFileSync(resolve(packageRoot(), REAL_TRACE)));
  warm.finish();
  warm.setTables(t.corpus, t.tokenBytes, t.tokenOffsets, t.separator);
  for (let turn = 0; turn < warm.turns; turn += 50) warm.promptText(turn);
}
console.log(`corpus ${t.corpus.length} tokens, separator ${t.separator}; load average at start: ${loadavg()}`);
const rows: Row[] = [];
for (const file of FILES) {
  const data = readFileSync(file);
  const name = file.split('/').pop()!;
  for (const backend of BACKENDS) {
    const runs: Row[] = [];
    for (let run = 0; run < RUNS; run++) {
      collectGarbage?.();
      const d = new ReplayDataset({ backend, sourceName: name });
      let peak = 0;
      const c0 = cpuSeconds();
      const w0 = performance.now();
      for (let o = 0; o < data.length; o += CHUNK) {
        d.push(data.subarray(o, o + CHUNK));
        peak = Math.max(peak, d.memoryBytes);
      }
      d.finish();
      const pushWall = (performance.now() - w0) / 1000;
      const pushCpu = cpuSeconds() - c0;
      d.setTables(t.corpus, t.tokenBytes, t.tokenOffsets, t.separator);
      const step = Math.max(1, Math.floor(d.turns / PROMPT_TURNS));
      const turns = Array.from({ length: Math.min(PROMPT_TURNS, d.turns) }, (_, i) => i * step);
      const timed = (f: (turn: number) => number): [number, number, number] => {
        const c = cpuSeconds();
        const w = performance.now();
        let tokens = 0;
        for (const turn of turns) tokens += f(turn);
        return [tokens, (performance.now() - w) / 1000, cpuSeconds() - c];
      };
      const [tokens, bothWall, bothCpu] = timed((turn) => {
        d.promptText(turn);
        return d.promptTokens(turn).length;
      });
      const [, tokWall] = timed((turn) => d.promptTokens(turn).length);
      const [, textWall] = timed((turn) => d.promptText(turn).length);
      runs.push({
        file: name,
        backend,
        run: String(run + 1),
        'push wall s': pushWall,
        'push MB/s': data.length / 1e6 / pushWall,
        'push CPU s': pushCpu,
        'MB per CPU-s': data.length / 1e6 / pushCpu,
        'B/row kept': d.memoryBytes / d.rows,
        'B/row peak': peak / d.rows,
        'prompt Mtok/s': tokens / 1e6 / bothWall,
        'prompt Mtok per CPU-s': tokens / 1e6 / bothCpu,
        'tokens only Mtok/s': tokens / 1e6 / tokWall,
        'text only Mtok/s': tokens / 1e6 / textWall,
      });
    }
    rows.push(...runs);
    const med = { ...runs[0]!, run: 'median' } as Row;
    for (const key of Object.keys(med) as (keyof Row)[]) {
      if (typeof med[key] === 'number') (med as unknown as Record<string, number>)[key] = median(runs.map((r) => r[key] as number));
    }
    rows.push(med);
  }
  console.log(`${name}: ${data.length} bytes; load average now ${loadavg()}`);
}
console.table(
  rows.map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' ? Number(v.toFixed(k.startsWith('B/') ? 1 : 2)) : v])),
  ),
);
console.log(`load average at end: ${loadavg()}`);
