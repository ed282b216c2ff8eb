// Question: how fast is the TypeScript-facing streaming API on each backend, per MB of trace?
// Run: npx vite-node bench/analyze-api.bench.ts [-- --rows 200000]
// Input: a seeded generated trace held in memory (so file I/O is excluded), pushed in 4 MiB
// chunks exactly as the CLI does. Reports tinybench wall time and, because the reference
// machine is shared, the best-of-3 process CPU time (user + sys, all threads) per analysis.
import { Bench } from 'tinybench';
import { BACKEND_NAMES, TraceAnalyzer, type BackendName } from '../ts/src/index.js';
import { generateTrace } from '../test/helpers/trace-generator.js';

const rowsArg = process.argv.indexOf('--rows');
const rows = rowsArg > 0 ? Number(process.argv[rowsArg + 1]) : 200_000;
const data = new TextEncoder().encode(generateTrace({ rows, seed: 1 }));
const CHUNK = 4 * 1024 * 1024;

function analyze(backend: BackendName): string {
  const a = new TraceAnalyzer({ backend });
  for (let o = 0; o < data.length; o += CHUNK) a.push(data.subarray(o, o + CHUNK));
  return a.finishJson();
}

const bench = new Bench({ iterations: 5, warmupIterations: 1, time: 0 });
for (const backend of BACKEND_NAMES)
  bench.add(`${backend}: stream ${rows} rows (${(data.length / 1e6).toFixed(1)} MB)`, () => void analyze(backend));
await bench.run();

const table = bench.tasks.map((task) => {
  const r = task.result as { latency?: { mean: number }; mean?: number } | undefined;
  const ms = r?.latency?.mean ?? r?.mean ?? NaN;
  return {
    task: task.name,
    'mean ms': ms.toFixed(1),
    'MB/s': (data.length / 1e6 / (ms / 1000)).toFixed(1),
    'rows/s': Math.round(rows / (ms / 1000)).toLocaleString('en-US'),
  };
});
console.table(table);

function cpuSeconds(backend: BackendName): number {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const start = process.cpuUsage();
    analyze(backend);
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1e6);
  }
  return best;
}
console.table(
  BACKEND_NAMES.map((backend) => {
    const cpu = cpuSeconds(backend);
    return { backend, 'best CPU s': cpu.toFixed(3), 'MB per CPU-second': (data.length / 1e6 / cpu).toFixed(1) };
  }),
);
