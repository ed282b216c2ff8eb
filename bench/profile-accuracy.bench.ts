// Question: how far are infermark's measured TTFT and ITL from the truth, by concurrency?
// Truth = the server's own monotonic write stamps (bench/profile-truth-server.mjs, another
// process; CLOCK_MONOTONIC is shared on Linux). TTFT error = client arrival stamp of the first
// content chunk − the server's write stamp of that chunk; ITL error = measured ITL − the ITL of
// the server's actual writes. Positive = the client reports it later/longer than it was.
// The send side is split too (one event loop only: undici's diagnostics channel is per thread):
// request_start → undici writes the request head (start_to_write) → the server's loop has it
// (write_to_server); send_delay is their sum, the part of the TTFT overhead before the server.
// Run: npm run build:ts && npx vite-node bench/profile-accuracy.bench.ts -- --concurrency 1,10,100,500 [--workers 2] [--osl 20 --ttft 50 --itl 20]
// (prints the load average before and after)
import { spawnSync } from 'node:child_process';
import diagnosticsChannel from 'node:diagnostics_channel';
import { join, resolve } from 'node:path';
import { LoadEngine, type EngineOptions } from '../ts/src/load/engine.js';
import type { RawRequestRecord } from '../ts/src/metrics/raw-record.js';
import { WorkerCoordinator } from '../ts/src/load/workers.js';
import { type ChildServer, startChildServer } from '../test/helpers/child-server.js';

const argv = process.argv;
const arg = (name: string, dflt: string): string => {
  const i = argv.indexOf(name);
  return i > 0 ? argv[i + 1]! : dflt;
};
const CONC = arg('--concurrency', '1,10,100,500').split(',').map(Number);
const WORKERS = Number(arg('--workers', '1'));
const OSL = Number(arg('--osl', '20'));
const TTFT = Number(arg('--ttft', '50'));
const ITL = Number(arg('--itl', '20'));
const ROOT = resolve(__dirname, '..');

// The instant undici hands each request head to its socket, by X-Request-ID.
const headWritten = new Map<string, bigint>();
diagnosticsChannel.subscribe('undici:client:sendHeaders', (m) => {
  const id = /x-request-id: ([^\r]+)/.exec((m as { headers: string }).headers)?.[1];
  if (id) headWritten.set(id, process.hrtime.bigint());
});

function startServer(): Promise<ChildServer> {
  return startChildServer(process.execPath, [join(ROOT, 'bench/profile-truth-server.mjs'), '--ttft', String(TTFT), '--itl', String(ITL)], {
    listening: /^listening (\d+)$/,
  });
}

const pct = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.round((q / 100) * (s.length - 1)))]!;
};

async function runOnce(url: string, concurrency: number): Promise<void> {
  const text = 'hello world '.repeat(50);
  const options: Omit<EngineOptions, 'dispatcher' | 'beforeProfiling'> = {
    endpoint: {
      type: 'chat',
      path: '/v1/chat/completions',
      streaming: true,
      apiKey: null,
      headers: {},
      extra: {},
      streamUsage: true,
      useLegacyMaxTokens: false,
    },
    models: ['m'],
    urls: [url],
    timeoutMs: 120_000,
    dataset: { entries: [{ index: 0, requestedIsl: 100, requestedOsl: OSL, text, clientIsl: 100 }], systemPrompt: null, inexact: [] },
    trace: null,
    scheduleZeroMs: 0,
    seed: 0n,
    mode: { kind: 'concurrency', concurrency },
    requestCount: Math.max(50, 3 * concurrency),
    benchmarkDurationMs: null,
    gracePeriodMs: Infinity,
    warmupRequestCount: concurrency,
    warmupDurationMs: null,
    cancellationRate: null,
    cancellationDelayMs: 0,
    failedRequestThreshold: null,
    interruptGraceMs: 1000,
  };
  const engine = WORKERS > 1 ? new WorkerCoordinator(options, WORKERS) : new LoadEngine(options);
  const records: RawRequestRecord[] = [];
  engine.on('record', (r: RawRequestRecord) => {
    if (r.phase === 'profiling') records.push(r);
  });
  const t0 = process.hrtime.bigint();
  const summary = await engine.run();
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  const truth = (await (await fetch(`${url}/truth`)).json()) as Record<string, { arrival: string; reused: boolean; writes: string[] }>;
  const ttftErr: number[] = [];
  const itlErr: number[] = [];
  const chunkErr: number[] = [];
  const sendDelay: number[] = [];
  let newConnections = 0;
  const startToWrite: number[] = [];
  const writeToServer: number[] = [];
  let errors = 0;
  for (const r of records) {
    if (r.error) {
      errors += 1;
      continue;
    }
    const writes = truth[r.xRequestId]!.writes.map(BigInt);
    const content = r.responses.filter((e) => e.data.includes('"content"'));
    if (content.length !== writes.length)
      throw new Error(`request ${r.requestNum}: ${content.length} content events, ${writes.length} writes`);
    ttftErr.push(Number(content[0]!.recvNs - writes[0]!) / 1e6);
    sendDelay.push(Number(BigInt(truth[r.xRequestId]!.arrival) - r.requestStartNs) / 1e6);
    if (!truth[r.xRequestId]!.reused) newConnections += 1;
    const written = headWritten.get(r.xRequestId);
    if (written !== undefined) {
      startToWrite.push(Number(written - r.requestStartNs) / 1e6);
      writeToServer.push(Number(BigInt(truth[r.xRequestId]!.arrival) - written) / 1e6);
    }
    content.forEach((c, k) => {
      chunkErr.push(Number(c.recvNs - writes[k]!) / 1e6);
    });
    const n = writes.length;
    const measured = Number(content[n - 1]!.recvNs - content[0]!.recvNs) / 1e6 / (n - 1);
    const actual = Number(writes[n - 1]! - writes[0]!) / 1e6 / (n - 1);
    itlErr.push(measured - actual);
  }
  const abs = (xs: number[]): number[] => xs.map(Math.abs);
  const lag = summary.health?.loop;
  console.log(
    JSON.stringify({
      concurrency,
      workers: WORKERS,
      requests: records.length,
      errors,
      new_connections: newConnections,
      wall_s: +wallS.toFixed(2),
      ttft_err_ms: { p50: +pct(ttftErr, 50).toFixed(3), p99: +pct(ttftErr, 99).toFixed(3), max: +Math.max(...abs(ttftErr)).toFixed(3) },
      itl_err_ms: { p50: +pct(itlErr, 50).toFixed(3), p99: +pct(abs(itlErr), 99).toFixed(3), max: +Math.max(...abs(itlErr)).toFixed(3) },
      chunk_err_ms: { p50: +pct(chunkErr, 50).toFixed(3), p99: +pct(chunkErr, 99).toFixed(3) },
      start_to_write_ms: startToWrite.length ? { p50: +pct(startToWrite, 50).toFixed(3), p99: +pct(startToWrite, 99).toFixed(3) } : null,
      write_to_server_ms: writeToServer.length
        ? { p50: +pct(writeToServer, 50).toFixed(3), p99: +pct(writeToServer, 99).toFixed(3) }
        : null,
      send_delay_ms: { p50: +pct(sendDelay, 50).toFixed(3), p99: +pct(sendDelay, 99).toFixed(3) },
      client_loop_lag_p99_ms: lag ? +lag.lagP99Ms.toFixed(2) : null,
    }),
  );
}

const uptime = (): string => spawnSync('uptime', { encoding: 'utf8' }).stdout.trim();
console.log(`# ${uptime()}`);
const server = await startServer();
try {
  for (const c of CONC) await runOnce(server.url, c);
} finally {
  await server.stop();
  console.log(`# ${uptime()}`);
}
