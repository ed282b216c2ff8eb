// Question: does a client on the same machine see the `simple` model's configured timing
// (docs/serve-mock.md §6: TTFT within ttft ± 3 ms, latency within ttft + (osl − 1)·itl ± 5 ms at
// concurrency ≤ 64, jitter 0)? The server runs as its own process (dist/bin.js).
// Run: npm run build:ts && npx vite-node bench/mock-timing.bench.ts
import { Agent, request } from 'undici';
import { startMockProcess } from '../test/helpers/child-server.js';

const TTFT = 20;
const ITL = 5;
const OSL = 20;
const mock = await startMockProcess(['--latency-model', 'simple', '--ttft', String(TTFT), '--itl', String(ITL)]);
const url = mock.url;

async function one(dispatcher: Agent, i: number): Promise<{ ttft: number; latency: number }> {
  const start = performance.now();
  const res = await request(`${url}/v1/completions`, {
    method: 'POST',
    dispatcher,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: `timing ${i}`, max_tokens: OSL, stream: true }),
  });
  let ttft = -1;
  let events = 0;
  for await (const chunk of res.body) {
    const text = (chunk as Buffer).toString();
    // The first chunk carries the role event; the first token event comes later.
    events += text.split('\n\n').length - 1;
    if (ttft < 0 && events >= 2) ttft = performance.now() - start;
  }
  return { ttft, latency: performance.now() - start };
}

const q = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};

console.log(`simple model: ttft ${TTFT} ms, itl ${ITL} ms, osl ${OSL} → expected latency ${TTFT + (OSL - 1) * ITL} ms`);
console.log('concurrency | TTFT p50 | TTFT p90 | latency p50 | latency p90');
try {
  for (const c of [1, 16, 64]) {
    const dispatcher = new Agent({ connections: c });
    const n = Math.max(64, c * 4);
    await Promise.all(Array.from({ length: c }, (_, i) => one(dispatcher, -1 - i)));
    const results: { ttft: number; latency: number }[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: c }, async () => {
        while (next < n) results.push(await one(dispatcher, next++));
      }),
    );
    const t = results.map((r) => r.ttft);
    const l = results.map((r) => r.latency);
    console.log(
      `${String(c).padStart(11)} | ${q(t, 0.5).toFixed(1).padStart(8)} | ${q(t, 0.9).toFixed(1).padStart(8)} | ${q(l, 0.5).toFixed(1).padStart(11)} | ${q(l, 0.9).toFixed(1).padStart(11)}`,
    );
    await dispatcher.close();
  }
} finally {
  await mock.stop('SIGINT');
}
