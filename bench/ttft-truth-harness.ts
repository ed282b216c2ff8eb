// The method of the client-overhead benchmarks (docs/BENCHMARKS.md, "Client overhead on TTFT"),
// shared by bench/client-overhead.bench.ts and bench/observability-overhead.bench.ts: the
// ground-truth server (bench/profile-truth-server.mjs) in its own process, a client run as its real
// CLI under /usr/bin/time (wall and user + system CPU of the whole process tree), and each
// request's client overhead = the client's TTFT − the server's own time to first token for it,
// matched by X-Request-ID.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type ChildServer, startChildServer } from '../test/helpers/child-server.js';

const ROOT = resolve(__dirname, '..');

/** What the truth server recorded for one request (CLOCK_MONOTONIC ns as decimal strings). */
export interface Truth {
  arrival: string;
  accepted: string;
  reused: boolean;
  writes: string[];
}

export function uptime(): string {
  return spawnSync('uptime', { encoding: 'utf8' }).stdout.trim();
}

/** bench/profile-truth-server.mjs streaming OSL chunks with a fixed TTFT and ITL (ms). */
export function startTruthServer(ttftMs: number, itlMs: number, osl: number): Promise<ChildServer> {
  return startChildServer(
    process.execPath,
    [join(ROOT, 'bench/profile-truth-server.mjs'), '--ttft', String(ttftMs), '--itl', String(itlMs), '--osl', String(osl)],
    { listening: /^listening (\d+)$/ },
  );
}

/** The records the truth server holds, cleared as they are read. */
export async function takeTruth(serverUrl: string): Promise<Record<string, Truth>> {
  return (await (await fetch(`${serverUrl}/truth`)).json()) as Record<string, Truth>;
}

/** Run `cmd` under /usr/bin/time; resolves with wall and user+system seconds of the whole tree. */
export function timed(cmd: string[], env: NodeJS.ProcessEnv, logFile: string): Promise<{ code: number; wallS: number; cpuS: number }> {
  const timeFile = `${logFile}.time`;
  return new Promise((ok, fail) => {
    const child = spawn('/usr/bin/time', ['-f', '%e %U %S', '-o', timeFile, 'sh', '-c', 'exec "$@" >"$LOG" 2>&1', 'sh', ...cmd], {
      env: { ...env, LOG: logFile },
      stdio: 'ignore',
    });
    child.on('error', fail);
    child.on('exit', (code) => {
      const last = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!;
      const [wall, user, sys] = last.split(' ').map(Number);
      ok({ code: code ?? 1, wallS: wall!, cpuS: user! + sys! });
    });
  });
}

/** The first file called `name` below `dir`, or null. */
export function findFile(dir: string, name: string): string | null {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) {
      const f = findFile(p, name);
      if (f) return f;
    } else if (e === name) return p;
  }
  return null;
}

/** Type-7 (linear) percentile of sorted values. */
export function quantile(sorted: readonly number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  return sorted[lo]! + (h - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)] ?? sorted[lo]!) - sorted[lo]!);
}

export function median(xs: readonly number[]): number {
  return quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );
}

/** Client overheads of the profiling records of a `profile_export.jsonl` against the truth. */
export interface Overheads {
  /** Profiling records. */
  requests: number;
  errors: number;
  /** Client TTFT − server TTFT, ms, of every matched success. */
  overheadMs: number[];
  /** The same, of the requests that came on a new connection. */
  newConnectionMs: number[];
}

export function ttftOverheads(recordsFile: string, truth: Record<string, Truth>): Overheads {
  const out: Overheads = { requests: 0, errors: 0, overheadMs: [], newConnectionMs: [] };
  for (const line of readFileSync(recordsFile, 'utf8').split('\n')) {
    if (!line) continue;
    const rec = JSON.parse(line) as {
      metadata: { x_request_id: string; benchmark_phase: string };
      metrics: Record<string, { value: number }>;
      error: unknown;
    };
    if (rec.metadata.benchmark_phase !== 'profiling') continue;
    out.requests += 1;
    const ttft = rec.metrics['time_to_first_token']?.value;
    if (rec.error || ttft === undefined) {
      out.errors += 1;
      continue;
    }
    const s = truth[rec.metadata.x_request_id];
    if (!s) continue;
    const serverTtftMs = Number(BigInt(s.writes[0]!) - BigInt(s.arrival)) / 1e6;
    out.overheadMs.push(ttft - serverTtftMs);
    if (!s.reused) out.newConnectionMs.push(ttft - serverTtftMs);
  }
  return out;
}

/** Mean, p50, p99 and max of overheads (ms). */
export function overheadStats(overheadMs: readonly number[]): { mean: number; p50: number; p99: number; max: number } {
  const sorted = [...overheadMs].sort((a, b) => a - b);
  return {
    mean: overheadMs.reduce((a, b) => a + b, 0) / overheadMs.length,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: sorted[sorted.length - 1]!,
  };
}
