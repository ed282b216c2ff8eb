// Trace replay on worker threads (ts/src/load/workers.ts, worker-main.ts): each thread opens its own
// TurnSource from `EngineOptions.trace` with the opener module the coordinator is given, the fixed
// schedule is split closed-form, and the records are merged exactly (docs/cli.md §3.4, workers).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadMode } from '../../ts/src/config/profile-config.js';
import type { TraceSpec } from '../../ts/src/dataset/turn-source.js';
import { LoadEngine } from '../../ts/src/load/engine.js';
import { WorkerCoordinator } from '../../ts/src/load/workers.js';
import type { RawRequestRecord } from '../../ts/src/metrics/raw-record.js';
import { engineOptions } from '../helpers/engine-options.js';
import { type FakeRow, type FakeTurnSource, fakeTurnSource } from '../helpers/fake-turn-source.js';
import { type FaultServer, startFaultServer } from '../helpers/fault-server.js';

/**
 * A trace opener for the worker threads, which run compiled JavaScript: it reads the in-memory
 * source the test serialised (`spec.path`), so the threads replay exactly what the test built.
 */
const OPENER = `import { readFileSync } from 'node:fs';
export async function openTraceTurnSource(spec) {
  const d = JSON.parse(readFileSync(spec.path, 'utf8'));
  const nan = (xs) => Float64Array.from(xs, (x) => (x === null ? Number.NaN : x));
  return {
    sessions: d.sessions,
    turns: d.turns,
    sessionStart: Uint32Array.from(d.sessionStart),
    timestampMs: nan(d.timestampMs),
    delayMs: nan(d.delayMs),
    sessionName: (s) => d.names[s],
    turn: (t) => d.contents[t],
  };
}
`;

function serialise(source: FakeTurnSource): string {
  const n = (xs: Float64Array) => Array.from(xs, (x) => (Number.isNaN(x) ? null : x));
  return JSON.stringify({
    sessions: source.sessions,
    turns: source.turns,
    sessionStart: Array.from(source.sessionStart),
    timestampMs: n(source.timestampMs),
    delayMs: n(source.delayMs),
    names: Array.from({ length: source.sessions }, (_, s) => source.sessionName(s)),
    contents: Array.from({ length: source.turns }, (_, t) => source.turn(t)),
  });
}

const ROWS: FakeRow[] = Array.from({ length: 24 }, (_, i) => ({
  session: `s${i % 9}`,
  timestampMs: 1000 + ((i * 53) % 240),
  text: `row ${i}`,
}));
const MODE: LoadMode = {
  kind: 'fixed-schedule',
  concurrency: null,
  autoOffset: true,
  startOffsetMs: null,
  endOffsetMs: null,
  automatic: false,
};

let dir = '';
let spec: TraceSpec;
let server: FaultServer;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'infermark-replay-workers-'));
  writeFileSync(join(dir, 'opener.mjs'), OPENER);
  writeFileSync(join(dir, 'source.json'), serialise(fakeTurnSource(ROWS)));
  spec = {
    path: join(dir, 'source.json'),
    sourceName: 'source.json',
    datasetType: 'mooncake_trace',
    skipInvalid: false,
    blockSize: 512,
    seed: '0',
    windowStartMs: null,
    windowEndMs: null,
    synthesis: null,
    requireTimestamps: true,
    tokenizer: 'builtin',
    osl: null,
    systemPrompt: null,
    endpointType: 'chat',
    tables: null,
    snapshot: null,
  };
  server = await startFaultServer({ kind: 'ok', tokens: 1 });
});
afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function collect(engine: LoadEngine | WorkerCoordinator) {
  const records: RawRequestRecord[] = [];
  let startNs = 0n;
  engine.on('record', (r: RawRequestRecord) => records.push(r));
  engine.on('start', (e: { phase: string; startNs: bigint }) => {
    if (e.phase === 'profiling') startNs = e.startNs;
  });
  const summary = await engine.run();
  return { records, startNs, summary };
}

describe('trace replay on worker threads', () => {
  it('gives two threads the same first-turn schedule as one loop, and merges every record once', async () => {
    const options = engineOptions(server.url, { trace: spec, mode: MODE, scheduleZeroMs: 1000, requestCount: ROWS.length });
    const one = await collect(new LoadEngine(options, fakeTurnSource(ROWS)));
    const two = await collect(new WorkerCoordinator(options, 2, pathToFileURL(join(dir, 'opener.mjs'))));
    const firsts = (r: { records: RawRequestRecord[]; startNs: bigint }) =>
      r.records
        .filter((x) => x.turnIndex === 0)
        .map((x) => `${x.requestNum}:${x.conversationId}:${x.scheduledNs! - r.startNs}`)
        .sort();
    expect(firsts(two)).toEqual(firsts(one));
    expect(two.records.map((r) => r.requestNum).sort((a, b) => a - b)).toEqual(Array.from({ length: ROWS.length }, (_, i) => i));
    expect(new Set(two.records.map((r) => r.workerId))).toEqual(new Set(['worker_0', 'worker_1']));
    expect(two.summary.sent).toBe(ROWS.length);
    expect(two.records.every((r) => r.error === null)).toBe(true);
  });

  it('refuses a file dataset on worker threads without a trace opener', () => {
    const options = engineOptions(server.url, { trace: spec, mode: MODE });
    expect(() => new WorkerCoordinator(options, 2)).toThrow(/trace opener/);
  });
});
