// CLI for the trace generator (benchmarks): streams the trace to a file.
//   npx vite-node test/helpers/generate-trace.ts -- --rows 2000000 --seed 1 --out bench/data/trace-2m.jsonl
//   (`--materialisable 1`: partial last blocks get ids of their own, see TraceGeneratorOptions)
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { generateTraceLines } from './trace-generator.js';

function parseArgs(argv: string[]): { rows: number; seed: number; out: string; blockSize: number; materialisable: boolean } {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i]!;
    if (key === '--') continue;
    if (!key.startsWith('--') || i + 1 >= argv.length) throw new Error(`unexpected argument '${key}'`);
    args.set(key.slice(2), argv[++i]!);
  }
  const int = (name: string, fallback?: number): number => {
    const v = args.get(name);
    if (v === undefined) {
      if (fallback === undefined) throw new Error(`--${name} is required`);
      return fallback;
    }
    if (!/^[0-9]+$/.test(v)) throw new Error(`--${name}: expected a non-negative integer, got '${v}'`);
    return Number(v);
  };
  const out = args.get('out');
  if (!out) throw new Error('--out is required');
  return {
    rows: int('rows'),
    seed: int('seed', 0),
    out,
    blockSize: int('block-size', 512),
    materialisable: int('materialisable', 0) === 1,
  };
}

const opts = parseArgs(process.argv.slice(2));
mkdirSync(dirname(opts.out), { recursive: true });
const fd = openSync(opts.out, 'w');
let batch: string[] = [];
let batchBytes = 0;
let total = 0;
for (const line of generateTraceLines({
  rows: opts.rows,
  seed: opts.seed,
  blockSize: opts.blockSize,
  materialisable: opts.materialisable,
})) {
  batch.push(line);
  batchBytes += line.length + 1;
  if (batchBytes >= 1 << 20) {
    total += writeSync(fd, `${batch.join('\n')}\n`);
    batch = [];
    batchBytes = 0;
  }
}
if (batch.length > 0) total += writeSync(fd, `${batch.join('\n')}\n`);
closeSync(fd);
process.stderr.write(`wrote ${opts.rows} rows (${total} bytes) to ${opts.out}\n`);
