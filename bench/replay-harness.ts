// Shared pieces of the trace-replay benches (bench/replay-schedule.bench.ts,
// bench/replay-startup.bench.ts): the recording server, the two clients' command lines for a
// fixed-schedule replay of a Mooncake file, a process-tree RSS sampler and /usr/bin/time.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { startChildServer } from '../test/helpers/child-server.js';
import { AIPERF, aiperfEnv } from './aiperf-command.js';

export const ROOT = resolve(__dirname, '..');
export const MODEL = 'replay-bench';
export type Client = 'infermark' | 'aiperf';

/** The recording server of bench/replay-recorder-server.mjs on a free port. */
export interface Recorder {
  port: number;
  /** [row index (max-tokens − 1), monotonic ns] per request, in arrival order. */
  arrivals(): Promise<{ rows: [number, bigint][]; firstNs: bigint | null }>;
  /** Stops it and waits until it has exited and its port is closed. */
  stop(): Promise<void>;
}

export async function startRecorder(): Promise<Recorder> {
  const server = await startChildServer(process.execPath, [resolve(ROOT, 'bench/replay-recorder-server.mjs'), '0'], {
    listening: /^listening (\d+)$/,
  });
  const { port } = server;
  return {
    port,
    async arrivals() {
      const res = await fetch(`http://127.0.0.1:${port}/arrivals`);
      const j = (await res.json()) as { arrivals: [number | null, string][]; first_ns: string | null };
      return {
        // A request without a max-tokens field is a client's readiness probe, not a trace row.
        rows: j.arrivals.filter(([m]) => m !== null).map(([m, t]) => [m! - 1, BigInt(t)]),
        firstNs: j.first_ns === null ? null : BigInt(j.first_ns),
      };
    },
    stop: async () => {
      await server.stop();
    },
  };
}

/** The command that replays `file` on its timestamps against `port` (completions, no streaming, no UI). */
export function replayCommand(client: Client, file: string, port: number, outDir: string, extra: string[] = []): string[] {
  const common = ['--model', MODEL, '--url', `localhost:${port}`, '--endpoint-type', 'completions'];
  const trace = ['--input-file', file, '--custom-dataset-type', 'mooncake_trace', '--fixed-schedule'];
  if (client === 'infermark')
    return [
      process.execPath,
      resolve(ROOT, 'dist/bin.js'),
      'profile',
      ...common,
      ...trace,
      '--ui',
      'none',
      '--artifact-dir',
      outDir,
      ...extra,
    ];
  return [
    AIPERF,
    'profile',
    ...common,
    ...trace,
    '--tokenizer',
    'local/qwen3',
    '--ui-type',
    'none',
    '--output-artifact-dir',
    outDir,
    ...extra,
  ];
}

export function clientEnv(client: Client): NodeJS.ProcessEnv {
  return client === 'aiperf' ? aiperfEnv() : process.env;
}

export function aiperfInstalled(): boolean {
  return existsSync(AIPERF);
}

/** Resident set size (bytes) of `pid` and all its descendants, from /proc. */
export function treeRss(pid: number): number {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      const pages = Number(fields[21]);
      const p = Number(name);
      rss.set(p, pages * 4096);
      const list = children.get(ppid) ?? [];
      list.push(p);
      children.set(ppid, list);
    } catch {
      // The process ended while /proc was read.
    }
  }
  let total = 0;
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop()!;
    total += rss.get(p) ?? 0;
    stack.push(...(children.get(p) ?? []));
  }
  return total;
}

export interface Timed {
  child: ChildProcess;
  /** Monotonic ns just before the spawn. */
  launchNs: bigint;
  /** Resolves when it exits: wall s, user+sys CPU s of the whole tree (children reaped), exit code. */
  done: Promise<{ wallS: number; cpuS: number; code: number | null; peakRss: number }>;
}

/** Spawn `cmd` under /usr/bin/time, sampling the tree's RSS every 50 ms. */
export function runTimed(cmd: string[], env: NodeJS.ProcessEnv, log: string): Timed {
  const launchNs = process.hrtime.bigint();
  // Its own process group, so `interruptTree` can reach the client behind /usr/bin/time (which
  // ignores SIGINT itself while it waits).
  const child = spawn('/usr/bin/time', ['-f', 'TIME %e %U %S', '-o', `${log}.time`, ...cmd], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => {
    stderr += b.toString();
    if (stderr.length > 1e6) stderr = stderr.slice(-5e5);
  });
  let peakRss = 0;
  const sampler = setInterval(() => {
    if (child.pid !== undefined) peakRss = Math.max(peakRss, treeRss(child.pid));
  }, 50);
  const done = new Promise<{ wallS: number; cpuS: number; code: number | null; peakRss: number }>((ok) => {
    child.on('exit', (code) => {
      clearInterval(sampler);
      const t = readFileSync(`${log}.time`, 'utf8');
      const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+)/.exec(t);
      if (code !== 0) process.stderr.write(`[bench] ${cmd[0]} exited ${code}: ${stderr.slice(-2000)}\n`);
      ok({ wallS: m ? Number(m[1]) : Number.NaN, cpuS: m ? Number(m[2]) + Number(m[3]) : Number.NaN, code, peakRss });
    });
  });
  return { child, launchNs, done };
}

/**
 * Ctrl-C for the client behind a `runTimed` child: the signal goes to the processes /usr/bin/time
 * started (time itself would die of it and write no figures); SIGKILL goes to the whole group.
 */
export function interruptTree(t: Timed, signal: NodeJS.Signals = 'SIGINT'): void {
  const pid = t.child.pid;
  if (pid === undefined) return;
  try {
    if (signal === 'SIGKILL') {
      process.kill(-pid, signal);
      return;
    }
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    for (const c of children) process.kill(Number(c), signal);
  } catch {
    // Already gone.
  }
}

/** One replay of `file` by `client` against a fresh recording server, artifacts in `dir` (emptied first). */
export async function startReplay(client: Client, file: string, dir: string): Promise<{ recorder: Recorder; timed: Timed; load: string }> {
  const recorder = await startRecorder();
  rmSync(dir, { recursive: true, force: true });
  const load = loadAverage();
  const timed = runTimed(replayCommand(client, file, recorder.port, dir), clientEnv(client), `${dir}.log`);
  return { recorder, timed, load };
}

export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function median(xs: number[]): number {
  return percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );
}

export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}
