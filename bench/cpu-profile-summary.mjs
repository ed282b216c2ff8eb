// Where does a `node --cpu-prof` profile spend its time? Self time by category (the HTTP parser,
// the rest of undici, Node's net/stream layer, infermark's load engine, metrics and reports,
// garbage collection, idle) and the top functions. Used by bench/client-overhead-profile.sh.
// Usage: node bench/cpu-profile-summary.mjs FILE.cpuprofile [--top 25] [--from-fn onResponseData]
//   --from-fn NAME counts only from the first sample inside function NAME (start-up excluded);
//   a profile that never enters NAME (another thread) is counted whole.
import { readFileSync } from 'node:fs';

const file = process.argv[2];
const topN = Number(process.argv[process.argv.indexOf('--top') + 1] || 25);
const prof = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map();
let first = 0;
const fromFn = process.argv.includes('--from-fn') ? process.argv[process.argv.indexOf('--from-fn') + 1] : null;
if (fromFn) {
  first = prof.samples.findIndex((id) => byId.get(id).callFrame.functionName === fromFn);
  if (first < 0) first = 0;
}
// timeDeltas[i] is the time before sample i; attribute it to that sample's node.
for (let i = first; i < prof.samples.length; i++) {
  const id = prof.samples[i];
  self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
}

function category(cf) {
  const url = cf.url ?? '';
  const fn = cf.functionName;
  if (fn === '(idle)') return 'idle';
  if (fn === '(garbage collector)') return 'garbage collector';
  if (fn === '(program)') return 'program (native, outside JS)';
  if (url.includes('undici') && (url.includes('llhttp') || /^(wasm|llhttp)/.test(fn) || url.startsWith('wasm')))
    return 'undici: llhttp parser (wasm)';
  if (url.startsWith('wasm')) return 'undici: llhttp parser (wasm)';
  if (url.includes('undici/lib/dispatcher/client-h1')) return 'undici: client-h1 (parser glue, writes)';
  if (url.includes('undici')) return 'undici: other (pool, request, handlers, timers)';
  if (url.startsWith('node:internal/streams') || url.startsWith('node:stream')) return 'node: streams';
  if (url.startsWith('node:net') || url.includes('stream_base_commons')) return 'node: net/socket';
  if (url.startsWith('node:internal/process/task_queues') || url.startsWith('node:internal/timers') || url.startsWith('node:timers'))
    return 'node: ticks and timers';
  if (url.startsWith('node:')) return 'node: other';
  if (url.includes('/load/')) return 'infermark: load engine (http-client, sse, engine)';
  if (url.includes('/metrics/')) return 'infermark: metrics';
  if (url.includes('/report/') || url.includes('/io/')) return 'infermark: report and files';
  if (url.includes('tokenizer')) return 'tokenizer';
  if (fn === '' && url === '') return 'native/builtins (anonymous)';
  return `other: ${url.split('/').slice(-2).join('/') || fn}`;
}

const cats = new Map();
const fns = new Map();
let total = 0;
for (const [id, us] of self) {
  const n = byId.get(id);
  const cf = n.callFrame;
  const c = category(cf);
  cats.set(c, (cats.get(c) ?? 0) + us);
  const key = `${cf.functionName || '(anonymous)'} ${(cf.url ?? '').replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(dist|ts\/src)\//, '')}:${cf.lineNumber + 1}`;
  fns.set(key, (fns.get(key) ?? 0) + us);
  total += us;
}
const busy = total - (cats.get('idle') ?? 0);
console.log(`profile ${file}: ${(total / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s busy`);
console.log('self time by category (% of busy):');
for (const [c, us] of [...cats].sort((a, b) => b[1] - a[1])) {
  if (c === 'idle') continue;
  console.log(`  ${((100 * us) / busy).toFixed(1).padStart(5)} %  ${(us / 1e3).toFixed(0).padStart(7)} ms  ${c}`);
}
console.log(`top ${topN} functions by self time (% of busy):`);
for (const [k, us] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, topN)) {
  if (k.startsWith('(idle)')) continue;
  console.log(`  ${((100 * us) / busy).toFixed(1).padStart(5)} %  ${k}`);
}
