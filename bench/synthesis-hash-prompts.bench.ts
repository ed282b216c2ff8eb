// Question: how many prompt tokens per second does `hash-prompts` process with the bundled Qwen3
// tokenizer, and how much of that is the core's chain hashing (native vs WASM), or anything but
// the tokenizer (lines, rows, boundary crossings, output rows)?
// Usage: npx vite-node bench/synthesis-hash-prompts.bench.ts [-- --rows 500]
import { performance } from 'node:perf_hooks';
import { BACKEND_NAMES, hashPrompts } from '../ts/src/index.js';
import { bytesSource, type ByteSink } from '../ts/src/synthesis/index.js';
import { corpusChunks } from '../ts/src/tokenizer/corpus.js';
import { builtinTokenizer } from '../ts/src/tokenizer/index.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const rows = arg('rows', 500);

// Prompts with realistic sharing: a system prefix of 1–4 corpus chunks, then a unique tail.
const chunks = corpusChunks();
const lines: string[] = [];
for (let i = 0; i < rows; i += 1) {
  const shared = chunks.slice(0, 1 + (i % 4)).join(' ');
  const tail = chunks[(7 + i * 13) % chunks.length]?.slice(0, 2000 + (i % 7) * 300) ?? '';
  lines.push(JSON.stringify({ prompt: `${shared} ${tail}`, timestamp: i * 10, output_length: 100 }));
}
const input = new TextEncoder().encode(lines.join('\n'));
const tok = await builtinTokenizer();
tok.encode('warm up');
const sink: ByteSink = { write: () => undefined };

for (const backend of BACKEND_NAMES) {
  const t0 = performance.now();
  const r = await hashPrompts(bytesSource(input), sink, { tokenizer: tok, backend, blockSize: 512 });
  const s = (performance.now() - t0) / 1000;
  console.log(
    `${backend}: ${r.rows} rows, ${r.tokens} tokens, ${r.blocks} blocks, ${r.distinctIds} ids in ${s.toFixed(2)} s → ${Math.round(r.tokens / s).toLocaleString('en-US')} tokens/s end to end`,
  );
}

// The core alone: hash pre-tokenized batches (what crosses the boundary), native vs WASM.
const tokens = lines.map((l) => Uint32Array.from(tok.encode((JSON.parse(l) as { prompt: string }).prompt)));
const total = tokens.reduce((s, t) => s + t.length, 0);
const flat = new Uint32Array(total);
const offsets = new Uint32Array(tokens.length + 1);
let o = 0;
tokens.forEach((t, i) => {
  flat.set(t, o);
  o += t.length;
  offsets[i + 1] = o;
});
for (const backend of BACKEND_NAMES) {
  const { backendFor } = await import('../ts/src/trace-core/loader.js');
  const { bindings } = backendFor(backend);
  const reps = 5;
  const t0 = performance.now();
  for (let k = 0; k < reps; k += 1) new bindings.PromptHasher(512).hashBatch(flat, offsets);
  const s = (performance.now() - t0) / 1000 / reps;
  console.log(`${backend} core: ${Math.round(total / s).toLocaleString('en-US')} tokens/s (hashBatch of ${total} tokens)`);
}

// Everything but the tokenizer, where per-row costs show: 20,000 short rows (about 2 KB) and a
// stub tokenizer that makes one token per 4 characters.
const shortInput = new TextEncoder().encode(
  Array.from({ length: 20_000 }, (_, i) => {
    const prompt = `${chunks[i % 4]?.slice(0, 1500) ?? ''} ${chunks[(7 + i * 13) % chunks.length]?.slice(0, 300 + (i % 7) * 100) ?? ''}`;
    return JSON.stringify({ prompt, timestamp: i * 10, output_length: 100, session_id: `s${i % 97}` });
  }).join('\n'),
);
const stub = {
  encode(text: string): number[] {
    const out: number[] = [];
    for (let i = 0; i < text.length; i += 4) out.push(text.charCodeAt(i));
    return out;
  },
};
for (const backend of BACKEND_NAMES) {
  const reps = 3;
  const t0 = performance.now();
  for (let k = 0; k < reps; k += 1) await hashPrompts(bytesSource(shortInput), sink, { tokenizer: stub, backend, blockSize: 16 });
  const ms = (performance.now() - t0) / reps;
  console.log(
    `${backend} without the tokenizer: 20,000 rows (${(shortInput.length / 1e6).toFixed(1)} MB) in ${ms.toFixed(0)} ms → ${Math.round(20_000 / (ms / 1000)).toLocaleString('en-US')} rows/s`,
  );
}
